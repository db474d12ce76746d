"""A corpus of hostile and broken input files, each run through `indicators validate`, the
commands that read data, and the app: one line per problem, no traceback, bounded time
and memory, nothing outside the data folder opened, no live link rendered."""

from __future__ import annotations

import re
import resource
import time
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from indicators import cli, files
from tests.conftest import edit_csv

MAIN = str(Path(__file__).resolve().parents[1] / "app" / "main.py")

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _first_obs(folder: Path, column: str, value: str) -> None:
    edit_csv(folder / "observations.csv", {(0, column): value})


# (case, how to break a copy of the data folder, file named, rule)
CASES = [
    ("billion laughs", lambda d: (d / "catalogue.yaml").write_text(BILLION_LAUGHS), "catalogue.yaml",
     "unreadable_yaml"),
    ("a YAML tag", lambda d: (d / "catalogue.yaml").write_text("x: !!python/object/apply:os.system [ls]\n"),
     "catalogue.yaml", "unreadable_yaml"),
    ("deep nesting", lambda d: (d / "catalogue.yaml").write_text("a: " + "[" * 200 + "]" * 200 + "\n"),
     "catalogue.yaml", "unreadable_yaml"),
    ("a YAML syntax error", lambda d: (d / "catalogue.yaml").write_text("indicators: [a, b\nreform: x: y\n"),
     "catalogue.yaml", "unreadable_yaml"),
    ("a list at the top", lambda d: (d / "catalogue.yaml").write_text("- a\n- b\n"), "catalogue.yaml",
     "unreadable_yaml"),
    ("a missing YAML file", lambda d: (d / "catalogue.yaml").unlink(), "catalogue.yaml", "file_missing"),
    ("a text file outside the folder", lambda d: _replace(d / "sources" / "sources.yaml", "text_file: A-72-573.txt",
                                                          "text_file: ../../../../etc/passwd"),
     "sources/sources.yaml", "text_file_missing"),
    ("an absolute text file", lambda d: _replace(d / "sources" / "sources.yaml", "text_file: A-72-573.txt",
                                                 "text_file: /etc/passwd"), "sources/sources.yaml", "text_file_missing"),
    ("an empty CSV", lambda d: (d / "observations.csv").write_text(""), "observations.csv", "empty_file"),
    ("extra fields in a row", lambda d: _replace(d / "targets.csv", "\nwomen_civilian_staff_peace_operations,50,",
                                                 "\nwomen_civilian_staff_peace_operations,50,x,y,z,"),
     "targets.csv", "unreadable_file"),
    ("semicolons", lambda d: (d / "targets.csv").write_text(
        (d / "targets.csv").read_text().splitlines()[0].replace(",", ";") + "\n"), "targets.csv", "wrong_delimiter"),
    ("not UTF-8", lambda d: (d / "targets.csv").write_bytes(
        (d / "targets.csv").read_bytes().replace("’".encode(), b"\x92")), "targets.csv", "not_utf8"),
    ("a year 9999", lambda d: _first_obs(d, "period_end", "9999-12-31"), "observations.csv", "date_out_of_range"),
    # Each number's context is read back from the number, not from the start of the quote:
    # ten thousand numbers took minutes when every one read all the text before it.
    ("a quote of ten thousand numbers", lambda d: _first_obs(d, "quote", "1, " * 10_000), "observations.csv",
     "quote_not_at_location"),
    ("a control character", lambda d: _first_obs(d, "notes", "fine\x07bell"), "observations.csv",
     "control_character"),
    ("a formula in a cell", lambda d: _first_obs(d, "notes", "=HYPERLINK(\"https://evil.example\")"),
     "observations.csv", "formula_prefix"),
    ("a full-width formula sign", lambda d: _first_obs(d, "notes", "\uff1d1+1"), "observations.csv",
     "formula_prefix"),
    ("markup in a cell", lambda d: _first_obs(d, "notes", "<script>alert(1)</script>"), "observations.csv",
     "markup"),
    ("a sentence with another field", lambda d: _replace(d / "catalogue.yaml", 'sentence: "Women are {value}',
                                                         'sentence: "{foo} Women are {value}'), "catalogue.yaml",
     "sentence_template"),
    ("a sentence with a huge width", lambda d: _replace(d / "catalogue.yaml", 'sentence: "Women are {value}',
                                                        'sentence: "Women are {value:>200000000}'), "catalogue.yaml",
     "sentence_template"),
    ("a parenthesis in an address", lambda d: _replace(d / "sources" / "sources.yaml", "url: https://undocs.org/A/72/573",
                                                       "url: https://undocs.org/A/72/573)[x](https://evil.example"),
     "sources/sources.yaml", "bad_url"),
    ("a dataset.yaml without licence", lambda d: (d / "dataset.yaml").write_text("title: x\n"), "dataset.yaml",
     "missing_field"),
]


@pytest.mark.parametrize("case, breaks, file, rule", CASES, ids=[c[0] for c in CASES])
def test_validate_reports_one_line_per_problem(data_copy, capsys, case, breaks, file, rule):
    breaks(data_copy)
    started = time.monotonic()
    assert cli.main(["validate", "--data", str(data_copy)]) == 1
    assert time.monotonic() - started < 10
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    lines = out.strip().splitlines()
    assert any(line.startswith(file) and f"[{rule}]" in line for line in lines), lines
    assert "nothing in" in err


def test_a_number_word_in_look_alike_letters_fails_its_own_row_only(data_copy, capsys):
    # "fıve" (a dotless i) matches "five" only when case is ignored in Unicode: it states
    # no number, and must not stop the proof of every other row with an error.
    _first_obs(data_copy, "quote", "It rose to fıve.")
    assert cli.main(["validate", "--data", str(data_copy)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert {line.split(": [")[1].split("]")[0] for line in lines} == {"quote_not_at_location", "value_not_in_quote"}
    assert all(line.startswith("observations.csv row 2, column ") for line in lines), lines


FILE_PROBLEMS = [case for case in CASES if case[3] in ("empty_file", "unreadable_file", "wrong_delimiter", "not_utf8")]


@pytest.mark.parametrize("case, breaks, file, rule", FILE_PROBLEMS, ids=[c[0] for c in FILE_PROBLEMS])
def test_a_table_that_cannot_be_read_is_reported_once(data_copy, capsys, case, breaks, file, rule):
    # Its rules are not run over a table that is not there, each to fail with an error of its own.
    breaks(data_copy)
    cli.main(["validate", "--data", str(data_copy)])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith(file)]
    assert len(lines) == 1 and f"[{rule}]" in lines[0], lines


def test_billion_laughs_is_refused_fast_and_small(data_copy):
    (data_copy / "catalogue.yaml").write_text(BILLION_LAUGHS)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(files.FileProblem, match="aliases"):
        files.read_yaml(data_copy / "catalogue.yaml", "catalogue.yaml")
    assert time.monotonic() - started < 1
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # kilobytes


def test_nothing_outside_the_data_folder_is_opened(data_copy, monkeypatch):
    _replace(data_copy / "sources" / "sources.yaml", "text_file: A-72-573.txt", "text_file: /etc/passwd")
    opened = []
    real = files.read_bytes
    monkeypatch.setattr(files, "read_bytes", lambda path, *a, **k: opened.append(Path(path)) or real(path, *a, **k))
    cli.main(["validate", "--data", str(data_copy)])
    assert opened and all(p.resolve().is_relative_to(data_copy.resolve()) for p in opened)


def test_a_file_over_the_size_limit_is_refused(data_copy, monkeypatch, capsys):
    monkeypatch.setenv("INDICATORS_MAX_FILE_MB", "0.001")
    assert cli.main(["validate", "--data", str(data_copy)]) == 1
    assert "[file_too_large]" in capsys.readouterr().out


def test_header_only_targets_validate(data_copy, capsys):
    header = (data_copy / "targets.csv").read_text().splitlines()[0]
    (data_copy / "targets.csv").write_text(header + "\n")
    assert cli.main(["validate", "--data", str(data_copy)]) == 0


@pytest.mark.parametrize("command", [["list"], ["progress"], ["export", "--format", "csv", "--out", "OUT"]])
def test_commands_on_invalid_data_say_what_is_wrong(data_copy, tmp_path, capsys, command):
    _first_obs(data_copy, "period_end", "9999-12-31")
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    assert cli.main([*args, "--data", str(data_copy)]) == 1
    out, err = capsys.readouterr()
    assert "[date_out_of_range]" in out and "Traceback" not in out + err


def test_a_missing_data_folder_is_one_line(capsys, tmp_path):
    assert cli.main(["progress", "--data", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err.strip() == f"indicators progress: there is no data folder at {tmp_path / 'nowhere'}"


@pytest.mark.parametrize("args, says", [
    (["export", "--format", "xlsx", "--out", "EXISTING"], "exists; add --force to replace it"),
    (["export", "--format", "csv", "--out", "FILE"], "is a file; give a folder"),
    (["slides", "--out", "MISSING/deck.pptx"], "does not exist"),
    (["chart", "goals", "--out", "DIR"], "is a folder; give a file name ending in .png"),
    (["progress", "--csv", "MISSING/p.csv"], "does not exist"),
])
def test_output_paths_are_checked_before_any_work(tmp_path, capsys, args, says):
    (tmp_path / "existing.xlsx").write_text("keep me")
    (tmp_path / "file.txt").write_text("keep me")
    where = {"EXISTING": tmp_path / "existing.xlsx", "FILE": tmp_path / "file.txt", "DIR": tmp_path,
             "MISSING/deck.pptx": tmp_path / "no" / "deck.pptx", "MISSING/p.csv": tmp_path / "no" / "p.csv"}
    assert cli.main([str(where.get(a, a)) for a in args]) == 2
    assert says in capsys.readouterr().err
    assert (tmp_path / "existing.xlsx").read_text() == "keep me"


def test_an_xlsx_file_name_is_a_file_and_force_replaces_it(tmp_path, capsys):
    out = tmp_path / "my.xlsx"
    assert cli.main(["export", "--format", "xlsx", "--out", str(out)]) == 0
    assert out.is_file()
    assert cli.main(["export", "--format", "xlsx", "--out", str(out), "--force"]) == 0


def test_formulas_in_dataset_metadata_are_neutralised(data_copy, tmp_path):
    _replace(data_copy / "dataset.yaml", "citation: >-", 'citation: "=HYPERLINK(\\"https://evil.example\\")"\nx: >-')
    assert cli.main(["export", "--format", "xlsx", "--out", str(tmp_path / "x.xlsx"), "--data", str(data_copy)]) == 0
    book = openpyxl.load_workbook(tmp_path / "x.xlsx")
    about = {row[0].value: row[1].value for row in book["about"].iter_rows(min_row=2)}
    assert about["citation"].startswith("'=HYPERLINK")


def _plain(cell: str) -> str:
    """A table cell as the reader sees it: Markdown escapes removed."""
    return str(cell).replace("\\", "")


def _app(monkeypatch, folder: Path, page: str | None = None, **params) -> AppTest:
    monkeypatch.setenv("INDICATORS_DATA_DIR", str(folder))
    at = AppTest.from_file(MAIN, default_timeout=60)
    if page:
        at.switch_page(page)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


@pytest.mark.parametrize("case, breaks, file, rule", CASES, ids=[c[0] for c in CASES])
def test_the_app_shows_every_broken_file_on_its_error_page(monkeypatch, data_copy, case, breaks, file, rule):
    breaks(data_copy)
    at = _app(monkeypatch, data_copy)
    assert not at.exception
    assert at.title[0].value == "The data does not validate"
    shown = at.table[0].value.map(_plain)
    assert ((shown["File"] == file) & (shown["Rule"] == rule)).any(), shown


@pytest.mark.parametrize("page", [None, "views/indicator.py", "views/milestones.py", "views/source.py"])
def test_the_app_shows_an_error_page_for_invalid_data(monkeypatch, data_copy, page):
    _first_obs(data_copy, "period_end", "9999-12-31")
    at = _app(monkeypatch, data_copy, page)
    assert not at.exception
    assert at.title[0].value == "The data does not validate"
    failures = at.table[0].value.map(_plain)
    assert failures.iloc[0].to_dict() == {"File": "observations.csv", "Row": "2", "Column": "period_end",
                                          "Rule": "date_out_of_range", "Problem": "9999-12-31 is outside 1945 to 2100"}
    assert at.code[0].value == "indicators validate"
    assert str(data_copy) not in " ".join(str(e.value) for e in at.markdown)


def test_an_edited_file_waits_for_review_and_shows_once_approved_without_a_restart(monkeypatch, data_copy):
    from indicators.store import REVIEWER, Store, User, default_url
    from tests.conftest import add_accounts

    # The Overview searched for the card (it need not be on the first page of cards).
    at = _app(monkeypatch, data_copy, q="targeted attacks")
    assert not at.exception and at.title[0].value == "Peacekeeping reform indicators"
    path = data_copy / "catalogue.yaml"
    _replace(path, "name: Targeted attacks on peacekeepers", "name: Targeted attacks on United Nations peacekeepers")
    at.run()
    renamed = "Targeted attacks on United Nations peacekeepers"
    assert not any(renamed in m.value for m in at.markdown)  # an edit of the files is not published
    store = Store(default_url(data_copy))
    [change] = store.pending()["id"].tolist()
    add_accounts(store, ("bob",))
    store.review(change, User("bob", REVIEWER), approve=True)
    at.run()
    assert any(renamed in m.value for m in at.markdown)


def test_metadata_is_rendered_as_text_never_as_a_link(monkeypatch, data_copy):
    _replace(data_copy / "catalogue.yaml", "name: Safety and security",
             "name: \"[Official login](https://evil.example/login) <a href='https://evil.example'>x</a>\"")
    # A card of that reform area, found by the search box, brings its heading on the page.
    at = _app(monkeypatch, data_copy, q="targeted attacks")
    assert not at.exception
    rendered = " ".join([m.value for m in at.markdown] + [m.value for m in at.subheader])
    # Shown, escaped as text: no unescaped "](" that would close a Markdown link, no raw tag.
    assert "\\[Official login\\]" in rendered
    assert not re.search(r"(?<!\\)\]\(https", rendered) and not re.search(r"(?<!\\)<a\b", rendered)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("a,;\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\xa0")), max_size=12))
def test_the_header_is_the_first_line_as_python_splits_lines(text):
    # The delimiter check reads the header without splitting a million-line file.
    from indicators.files import _FIRST_LINE

    assert _FIRST_LINE.match(text).group() == (text.splitlines() or [""])[0]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('a,"\n\r\x0b\x85\u2028')), max_size=16))
def test_lines_made_one_at_a_time_are_the_lines_the_csv_module_reads(text):
    # The csv module's lines are a file's opened with newline="": the fast reader's header
    # and the row-by-row reading take them one at a time, not from a copy of the whole file.
    import csv
    import io

    from indicators.files import csv_lines

    def rows(lines):
        try:
            return list(csv.reader(lines))
        except csv.Error as error:
            return str(error)

    assert list(csv_lines(text)) == list(io.StringIO(text, newline=""))
    assert rows(csv_lines(text)) == rows(io.StringIO(text, newline=""))


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_a_table_reads_the_same_whatever_its_line_ends(end):
    # "\r" alone is how spreadsheets saved as "CSV (Macintosh)" end lines.
    text = end.join(["a,b", '1,"two\rlines"', "3,4", ""])
    table = files.read_csv_text(text, "observations.csv")
    assert table.to_dict("records") == [{"a": "1", "b": "two\rlines"}, {"a": "3", "b": "4"}]
