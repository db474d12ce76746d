"""The steward's loop: what the project exports imports again as no change; a dry run and a
review show each changed column, stored and new, with the proof's result; every failure
is reported at once, grouped by rule, with the closest allowed value; every kind of file
that is not a table gets a message of its own; templates import back."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pandas as pd
import pytest
from rapidfuzz import fuzz

from indicators import cli
from indicators.exports import COLUMNS, write_csv, write_xlsx
from indicators.files import FileProblem
from indicators.imports import (
    ADDED,
    CHANGED,
    REFUSED,
    TABLE_NAMES,
    UNCHANGED,
    import_table,
    plan_import,
    prepare,
    read_upload,
    review_view,
)
from indicators.ingest import source_record
from indicators.lookup import SPELLING_CUTOFF, did_you_mean
from indicators.paths import DEFAULT_DATA_DIR
from indicators.store import EDITOR, PUT, Edit, Store, User
from indicators.templates import ALLOWED_SHEET, allowed_values, columns, template_csv, template_xlsx

ALICE = User("alice", EDITOR)
ATTACKS = "targeted_attacks_on_peacekeepers"


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory) -> Store:
    """One seeded SQLite store for the tests that only read it."""
    made = Store(f"sqlite:///{tmp_path_factory.mktemp('loop') / 'store.sqlite'}")
    made.migrate()
    made.seed(DEFAULT_DATA_DIR)
    yield made
    made.engine.dispose()


def _observations() -> pd.DataFrame:
    return pd.read_csv(DEFAULT_DATA_DIR / "observations.csv", dtype=str, keep_default_na=False)


def _plain_rows() -> pd.DataFrame:
    """Rows without notes: a note may explain a period, and the proof reads it."""
    shipped = _observations()
    return shipped[shipped["notes"] == ""]


# --- round trip ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def exported(shared_store, tmp_path_factory) -> dict:
    dataset = shared_store.dataset()
    out = tmp_path_factory.mktemp("exported")
    write_csv(dataset, out / "csv")
    write_xlsx(dataset, out / "dataset.xlsx")
    return {"csv": out / "csv", "xlsx": out / "dataset.xlsx"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("table", list(TABLE_NAMES))
def test_every_exported_table_imports_again_as_no_change(shared_store, exported, table, fmt):
    path = exported["csv"] / f"{table}.csv" if fmt == "csv" else exported["xlsx"]
    frame = read_upload(path.name, path.read_bytes(), table=table)
    plan = plan_import(shared_store, table, frame, name=path.name)
    assert plan.ok, plan.error_lines()
    assert plan.outcomes and {o.status for o in plan.outcomes} == {UNCHANGED}, plan.lines()
    derived = [c.name for c in COLUMNS[table] if c.derived]
    # The computed columns are set aside with one note, not one message a row.
    assert len(plan.notes) == (1 if derived else 0) + (table == "observations"), plan.notes
    if derived:
        assert all(name in plan.notes[0] for name in derived)


def test_the_command_line_says_no_change_for_an_exported_workbook(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("INDICATORS_STORE_DIR", str(tmp_path / "store"))
    assert cli.main(["export", "--format", "xlsx", "--out", str(tmp_path / "all.xlsx")]) == 0
    capsys.readouterr()
    assert cli.main(["import", str(tmp_path / "all.xlsx"), "--table", "targets"]) == 0
    out = capsys.readouterr().out
    assert "No change: 0 added, 0 changed" in out and "0 refused" in out, out


# --- what an upload is read as ------------------------------------------------------------

@pytest.mark.parametrize("given, read", [
    ("TRUE", "true"), ("Yes", "true"), ("1", "true"), ("true", "true"),
    ("False", ""), ("no", ""), ("0", ""), ("", ""),
    ("maybe", "maybe"),  # left as written, for validation to name
])
def test_flags_are_read_in_any_spelling(given, read):
    frame, _ = prepare("observations", pd.DataFrame({"is_baseline": [given]}))
    assert frame.loc[0, "is_baseline"] == read


@pytest.mark.parametrize("given, read", [
    ("'=SUM(A1)", "=SUM(A1)"),  # the export's escape of a formula start is taken off
    ("'+44", "+44"),
    ("'quoted", "'quoted"),  # an apostrophe before anything else is the text's own
    ("plain", "plain"),
])
def test_the_exports_formula_escape_is_taken_off(given, read):
    frame, _ = prepare("observations", pd.DataFrame({"notes": [given]}))
    assert frame.loc[0, "notes"] == read


# 104 of 292 is 35.616...%: the workbook shows 35.6. Within 0.05 of the share, the value is
# the export's own and left for the project to compute again; further off, it is the file's.
@pytest.mark.parametrize("value, kept", [("35.616438", False), ("35.6", False), ("35.666438", False),
                                         ("35.67", True), ("36", True)])
def test_a_share_the_export_computed_is_left_to_be_computed_again(value, kept):
    frame = pd.DataFrame({"value": [value], "value_computed": ["True"], "numerator": ["104"],
                          "denominator": ["292"], "unit": ["percent"]})
    prepared, notes = prepare("observations", frame)
    assert "value_computed" not in prepared.columns
    assert (prepared.loc[0, "value"] == value) is kept
    assert any("left value empty" in note for note in notes) is not kept


def test_a_value_the_file_states_is_never_blanked_when_not_computed():
    frame = pd.DataFrame({"value": ["35.6"], "value_computed": ["False"], "numerator": ["104"],
                          "denominator": ["292"], "unit": ["percent"]})
    assert prepare("observations", frame)[0].loc[0, "value"] == "35.6"


# --- the diff -------------------------------------------------------------------------------

def test_a_dry_run_names_each_changed_column_with_its_old_and_new_value(shared_store):
    edited = _plain_rows().head(1).assign(notes="A note the steward added")
    old = ""
    plan = plan_import(shared_store, "observations", edited, name="edit.csv")
    assert plan.ok and [o.status for o in plan.outcomes] == [CHANGED]
    assert plan.outcomes[0].changes == [("notes", old, "A note the steward added")]
    assert plan.summary() == "0 added, 1 changed (notes 1), 0 unchanged, 0 refused"
    diff = plan.diff()
    assert diff[["status", "column", "stored", "file", "check"]].values.tolist() == [
        ["changed", "notes", old, "A note the steward added", "proved"]]
    assert "notes: (empty) -> 'A note the steward added' [proved]" in plan.lines()[0]


def test_a_table_of_a_few_columns_changes_only_those(shared_store):
    few = _plain_rows()[["indicator_id", "period_start", "period_end", "source"]].head(2).assign(notes=["one", "two"])
    plan = plan_import(shared_store, "observations", few)
    assert plan.ok, plan.error_lines()
    assert [o.changes for o in plan.outcomes] == [[("notes", "", "one")], [("notes", "", "two")]]


def test_a_row_that_adds_a_record_needs_every_required_column(shared_store):
    few = _plain_rows()[["indicator_id", "period_start", "period_end", "source"]].head(1).assign(
        period_start="2001-01-01")
    plan = plan_import(shared_store, "observations", few, name="few.csv")
    assert [o.status for o in plan.outcomes] == [REFUSED]
    assert {f.column for f in plan.outcomes[0].failures} == {"period_label", "value", "unit", "location", "quote"}
    assert {f.rule for f in plan.outcomes[0].failures} == {"missing_column"}


def test_a_file_without_the_columns_of_the_key_is_refused_whole(shared_store):
    plan = plan_import(shared_store, "observations", _plain_rows()[["indicator_id", "value"]].head(2))
    assert not plan.ok and not plan.outcomes
    assert {f.column for f in plan.by_rule()["missing_column"]} == {"period_start", "period_end", "source"}


def test_numbers_written_another_way_are_no_change(shared_store):
    shipped = _observations()
    counts = shipped[shipped["unit"] == "count"].head(1)
    assert "." not in counts["value"].iloc[0]
    plan = plan_import(shared_store, "observations", counts.assign(value=counts["value"] + ".0"))
    assert [o.status for o in plan.outcomes] == [UNCHANGED]


def test_unchanged_rows_are_counted_and_a_long_list_is_cut_and_counted(shared_store):
    shipped = _plain_rows()
    edited = shipped.assign(notes=[f"note {i}" for i in range(len(shipped))])
    plan = plan_import(shared_store, "observations", pd.concat([edited.head(5), shipped.iloc[5:8]]))
    lines = plan.lines(limit=2)
    assert [line.split(":")[0] for line in lines[:2]] == [f"row {n} ({plan.outcomes[n - 2].key})" for n in (2, 3)]
    assert lines[-1] == "… and 3 more row(s); --all lists them"
    assert plan.counts() == {ADDED: 0, CHANGED: 5, UNCHANGED: 3, REFUSED: 0}


# --- all errors at once, grouped --------------------------------------------------------------

def test_every_failure_is_reported_at_once_grouped_by_rule_with_the_closest_value(shared_store):
    shipped = _observations()
    rows = shipped[shipped["unit"] == "percent"].head(3).copy()
    rows.iloc[0, rows.columns.get_loc("unit")] = "percnt"
    rows.iloc[1, rows.columns.get_loc("indicator_id")] = rows.iloc[1]["indicator_id"][:-1]
    rows.iloc[2, rows.columns.get_loc("period_start")] = "June 2016"
    rows = rows.rename(columns={"notes": "nots"})
    plan = plan_import(shared_store, "observations", rows, name="year.csv")
    assert not plan.ok
    groups = plan.by_rule()
    assert {"unexpected_column", "not_allowed", "unknown_indicator", "not_a_date"} <= set(groups), list(groups)
    text = "\n".join(plan.error_lines())
    assert "year.csv, column nots: column 'nots' is not part of the observations table " \
           "(did you mean 'notes'?)" in text
    assert "year.csv row 2, column unit, value 'percnt': 'percnt' is not one of count, percent, ratio " \
           "(did you mean 'percent'?)" in text
    assert f"(did you mean '{shipped[shipped['unit'] == 'percent'].iloc[1]['indicator_id']}'?)" in text
    assert "year.csv row 4, column period_start, value 'June 2016'" in text


def test_a_group_lists_so_many_and_counts_the_rest(shared_store):
    rows = _observations().head(4).assign(period_start="soon")
    lines = plan_import(shared_store, "observations", rows).error_lines(limit=3)
    group = lines.index("[not_a_date] 4 problem(s):")
    assert len([line for line in lines[group + 1:group + 4] if "not a date" in line]) == 3
    assert lines[group + 4] == "  … and 1 more"


@pytest.mark.parametrize("value, choices, meant", [
    ("percnt", ["count", "percent", "ratio"], "percent"),
    ("valeu", ["value", "unit"], "value"),
    ("amount", ["unit", "value"], None),  # another word, not a misspelling
    ("percent", ["count", "percent"], None),  # nothing to suggest for a value allowed as it is
    ("", ["count"], None),
])
def test_did_you_mean(value, choices, meant):
    assert did_you_mean(value, choices) == meant


def test_did_you_mean_suggests_at_its_cutoff_and_not_below():
    assert fuzz.ratio("abcd", "abcx") == SPELLING_CUTOFF
    assert did_you_mean("abcd", ["abcx"]) == "abcx"
    assert fuzz.ratio("abcdefghij", "abcdefgxyz") < SPELLING_CUTOFF
    assert did_you_mean("abcdefghij", ["abcdefgxyz"]) is None


def test_a_source_waiting_for_review_is_named_as_such(store):
    text = ("Fictional report for tests\n\n1. This fixture is not a United Nations document.\n\n"
            "2. In the year to 30 June 2018, there were 31 deaths of peacekeepers as a result of malicious acts.\n")
    record, added = source_record(text.encode(), "test.txt", "TEST/1", "Fictional report", "Test",
                                  "https://example.org/test-1", published="2018-09-01", kind="report")
    change = store.submit([Edit("source", added.symbol, PUT, record)], ALICE, "add TEST/1", origin="add-source")
    row = pd.DataFrame([{"indicator_id": ATTACKS, "period_label": "the year to 30 June 2018",
                         "period_start": "2017-07-01", "period_end": "2018-06-30", "value": "31", "unit": "count",
                         "source": "TEST/1", "location": "2",
                         "quote": "In the year to 30 June 2018, there were 31 deaths of peacekeepers as a result of "
                                  "malicious acts."}])
    text = "\n".join(plan_import(store, "observations", row).error_lines())
    assert f"source 'TEST/1' is not published yet: change {change} adds it and waits for review" in text
    assert "did you mean" not in text


# --- review shows the diff ----------------------------------------------------------------------

def test_a_review_shows_the_rows_a_change_writes_as_its_dry_run_did(store, capsys, monkeypatch):
    edited = _plain_rows().head(1).assign(notes="Corrected note")
    plan = import_table(store, "observations", edited, ALICE, "a correction", commit=True)
    assert plan.change_id is not None
    plans, rest = review_view(store, plan.change_id)
    assert [p.table for p in plans] == ["observations"] and rest.empty
    assert plans[0].outcomes[0].changes == [("notes", "", "Corrected note")]
    assert plans[0].outcomes[0].proof == "proved"
    monkeypatch.setenv("DATABASE_URL", store.engine.url.render_as_string(hide_password=False))
    assert cli.main(["review", "--show", str(plan.change_id)]) == 0
    out = capsys.readouterr().out
    assert "observations: 0 added, 1 changed (notes 1), 0 unchanged, 0 refused" in out
    assert "notes: (empty) -> 'Corrected note' [proved]" in out


# --- files that are not tables ------------------------------------------------------------------

def _workbook(rows: list[list], title: str = "observations") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rewritten(content: bytes, member: str, change) -> bytes:
    """The workbook with one of its XML parts rewritten."""
    source, buffer = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            out.writestr(item.filename, change(data) if item.filename == member else data)
    return buffer.getvalue()


HEADER = ["indicator_id", "value"]
PLAIN = _workbook([HEADER, [ATTACKS, 1]])
SHEET = "xl/worksheets/sheet1.xml"
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>')
EXTERNAL = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _with_doctype(doctype: bytes) -> bytes:
    return _rewritten(PLAIN, SHEET, lambda xml: doctype + (xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml))


def _zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _formula_workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "observations"
    sheet.append(HEADER)
    sheet.append([ATTACKS, "=1+1"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# (kind, the bytes, the rule its message names)
NOT_TABLES = [
    ("a PDF report", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "pdf_not_a_table"),
    ("an old .xls workbook", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "old_workbook"),
    ("UTF-16 text", "indicator_id,value\r\nx,1\r\n".encode("utf-16"), "not_utf8"),
    ("UTF-16 big-endian text", b"\xfe\xff" + "indicator_id,value\n".encode("utf-16-be"), "not_utf8"),
    ("an HTML page", b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>",
     "markup_not_a_table"),
    ("an XML file", b'<?xml version="1.0"?><rows><row value="1"/></rows>', "markup_not_a_table"),
    ("a JSON export", b'{"observations": [{"value": 1}]}', "json_not_a_table"),
    ("a repeated column in a CSV", b"indicator_id,value,value\nx,1,2\n", "repeated_column"),
    ("a repeated column in a workbook", _workbook([["indicator_id", "value", "value"], ["x", 1, 2]]),
     "repeated_column"),
    ("a zip of CSV files", _zip_of({"observations.csv": b"indicator_id,value\n"}), "not_a_workbook"),
    ("a formula in a cell", _formula_workbook(), "formula_cell"),
    ("entity expansion in a workbook (billion laughs)", _with_doctype(LAUGHS), "xml_entities"),
    ("an external entity in a workbook (XXE)", _with_doctype(EXTERNAL), "xml_entities"),
    ("a binary file", bytes(range(256)) * 4, "not_a_table"),
]


@pytest.mark.parametrize("kind, content, rule", NOT_TABLES, ids=[c[0] for c in NOT_TABLES])
def test_every_kind_of_file_that_is_not_a_table_gets_its_own_message(kind, content, rule):
    with pytest.raises(FileProblem) as refused:
        read_upload("upload", content, table="observations")
    assert refused.value.rule == rule, refused.value.message


def test_the_plain_workbook_those_are_made_from_reads():
    assert read_upload("plain.xlsx", PLAIN, table="observations").values.tolist() == [[ATTACKS, "1"]]


# --- templates ----------------------------------------------------------------------------------

@pytest.mark.parametrize("table", list(TABLE_NAMES))
def test_a_template_is_the_table_its_import_reads(shared_store, table):
    for name, content in (("t.csv", template_csv(table)),
                          ("t.xlsx", template_xlsx(shared_store.dataset(), table))):
        frame = read_upload(name, content, table=table)
        assert list(frame.columns) == columns(table)
        plan = plan_import(shared_store, table, frame)
        assert plan.ok and not plan.outcomes and not plan.failures, plan.error_lines()


def test_a_template_workbook_lists_the_allowed_values_and_checks_them(dataset):
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(dataset, "observations")))
    assert book.sheetnames[0] == "observations" and book["observations"].freeze_panes == "A2"
    allowed = allowed_values(dataset, "observations")
    listed = {cell[0].value: [c.value for c in cell[1:] if c.value is not None]
              for cell in book[ALLOWED_SHEET].iter_cols()}
    assert listed["unit"] == ["count", "percent", "ratio"]
    assert listed["indicator_id"] == allowed["indicator_id"] and ATTACKS in listed["indicator_id"]
    checked = {str(rule.sqref).split(":")[0][:-1]: rule for rule in book["observations"].data_validations.dataValidation}
    unit_column = openpyxl.utils.get_column_letter(columns("observations").index("unit") + 1)
    assert checked[unit_column].type == "list" and checked[unit_column].showErrorMessage


def test_a_filled_template_imports(shared_store):
    row = _observations().iloc[0]
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(shared_store.dataset(), "observations")))
    book["observations"].append([row[c] for c in columns("observations")])
    buffer = io.BytesIO()
    book.save(buffer)
    plan = plan_import(shared_store, "observations", read_upload("t.xlsx", buffer.getvalue(), table="observations"))
    assert plan.ok and [o.status for o in plan.outcomes] == [UNCHANGED], plan.error_lines()
