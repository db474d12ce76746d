"""Adding a source, from the command line into the store (for review) or into a data
folder: file names that cannot collide, the rules of `indicators validate`, and a
sources.yaml of any layout left readable."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import indicators
from indicators import cli
from indicators.paths import DEFAULT_DATA_DIR
from indicators.store import Store
from tests.conftest import add_accounts, password_of, shipped_symbols

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "many_sources" / "TEST-2.txt"


def _add(symbol: str, *where: str, url: str = "https://example.org/TEST-2", extra=()) -> int:
    return cli.main(["add-source", str(FIXTURE), "--symbol", symbol, "--title", "Fictional report for tests",
                     "--publisher", "Test fixture (fictional)", "--url", url, *where, *extra])


@pytest.fixture
def signed_in(store_url, data_copy, monkeypatch):
    store = Store(store_url)
    store.migrate()
    store.seed(data_copy)
    add_accounts(store, ("alice",))
    monkeypatch.setenv("INDICATORS_PASSWORD", password_of("alice"))
    yield ["--database", store_url, "--data", str(data_copy), "--user", "alice"], store
    store.engine.dispose()


def test_two_symbols_of_one_file_name_the_second_is_refused_in_the_store(signed_in, capsys):
    where, store = signed_in
    assert _add("TEST/2", *where) == 0
    change = int(capsys.readouterr().out.split("change ")[1].split()[0])
    assert _add("TEST-2", *where) == 2  # TEST-2 would be stored as TEST-2.txt, the file of TEST/2, waiting
    assert "sources/TEST-2.txt is the text of TEST/2" in capsys.readouterr().err
    assert store.pending()["id"].tolist() == [change]


def test_the_rules_refuse_two_sources_of_one_file_published_together(data_copy):
    # Whatever wrote them, two entries naming one file fail validation: each would be
    # checked against the other's text.
    with (data_copy / "sources" / "sources.yaml").open("a") as out:
        entry = yaml.safe_load((data_copy / "sources" / "sources.yaml").read_text())["sources"][0]
        out.write(yaml.safe_dump([dict(entry, symbol="A-72-573")], sort_keys=False).replace("\n", "\n  ")
                  .replace("- symbol", "  - symbol", 1).rstrip() + "\n")
    rules = {(f.column, f.rule) for f in indicators.validate_folder(data_copy)[1]}
    assert ("text_file", "not_unique") in rules


def test_two_symbols_of_one_file_name_never_overwrite_in_a_folder(data_copy, capsys):
    assert _add("TEST/2", "--into", str(data_copy)) == 0
    before = (data_copy / "sources" / "TEST-2.txt").read_bytes()
    for extra in ((), ("--force",)):
        assert _add("TEST-2", "--into", str(data_copy), extra=extra) == 2
        assert "is the text of TEST/2" in capsys.readouterr().err
    assert (data_copy / "sources" / "TEST-2.txt").read_bytes() == before
    assert indicators.load(data_copy).sources["TEST/2"].paragraph(2).startswith("The number of targeted attacks")


@pytest.mark.parametrize("into", [False, True])
def test_add_source_refuses_what_validate_refuses(signed_in, data_copy, capsys, into):
    where = ["--into", str(data_copy)] if into else signed_in[0]
    assert _add("TEST/2", *where, url="http://example.org/TEST-2") == 1
    assert "[bad_url]" in capsys.readouterr().out
    assert not (data_copy / "sources" / "TEST-2.txt").exists()
    assert signed_in[1].pending().empty


def test_add_source_into_a_dumped_folder_keeps_its_sources_readable(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    store.migrate()
    store.seed(DEFAULT_DATA_DIR)
    dumped = store.dump(tmp_path / "release")
    assert _add("TEST/2", "--into", str(dumped)) == 0
    entries = yaml.safe_load((dumped / "sources" / "sources.yaml").read_text())["sources"]
    assert [e["symbol"] for e in entries] == [*shipped_symbols(), "TEST/2"]
    assert not indicators.validate_folder(dumped)[1]


def test_add_source_keeps_the_comments_of_a_written_sources_file(data_copy):
    assert _add("TEST/2", "--into", str(data_copy)) == 0
    text = (data_copy / "sources" / "sources.yaml").read_text()
    assert "# The latest date the report states for its own figures" in text  # the shipped file's comment
    assert [e["symbol"] for e in yaml.safe_load(text)["sources"]] == [*shipped_symbols(), "TEST/2"]


def test_force_replaces_only_the_same_source(data_copy, tmp_path):
    assert _add("TEST/2", "--into", str(data_copy)) == 0
    corrected = tmp_path / "TEST-2.txt"
    shutil.copy(FIXTURE, corrected)
    corrected.write_text(corrected.read_text() + "6. A paragraph added by the correction.\n")
    assert cli.main(["add-source", str(corrected), "--symbol", "TEST/2", "--title", "Fictional report, corrected",
                     "--publisher", "Test fixture (fictional)", "--url", "https://example.org/TEST-2", "--into",
                     str(data_copy), "--force"]) == 0
    sources = indicators.load(data_copy).sources
    assert sources["TEST/2"].title == "Fictional report, corrected" and 6 in sources["TEST/2"].paragraphs
    assert sources["A/72/573"].digest == indicators.load(DEFAULT_DATA_DIR).sources["A/72/573"].digest
