import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))

from ui import md  # noqa: E402


def test_markdown_from_data_is_escaped():
    hostile = "<script>alert(1)</script> **bold** :red[x] $x$ [link](http://example.org)"
    escaped = md(hostile)
    for raw in ("<script>", "**bold**", ":red[", "$x$", "[link](http"):
        assert raw not in escaped


def test_bare_addresses_do_not_become_autolinks():
    escaped = md("see https://evil.example/x, www.evil.example and someone@evil.example")
    for raw in ("https://", "https\\://", "www.", "www\\.", "someone@evil"):
        assert raw not in escaped
    assert escaped.replace("\u200b", "").replace("\\", "") == "see https://evil.example/x, www.evil.example and " \
                                                              "someone@evil.example"
