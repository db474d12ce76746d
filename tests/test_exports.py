"""The dataset exports, opened back and checked."""

import csv
import datetime
import dataclasses
import json

import openpyxl
import pandas as pd
import pytest

from indicators.exports import COLUMNS, FORMULA_STARTS, export, neutralise, tables


def test_tables_have_documented_columns_and_provenance(dataset):
    frames = tables(dataset)
    assert list(frames) == ["indicators", "observations", "targets", "sources", "milestones"]
    for name, frame in frames.items():
        assert list(frame.columns) == [c.name for c in COLUMNS[name]]
    observations = frames["observations"]
    assert {"source", "location", "quote", "current", "superseded_by"} <= set(observations.columns)
    assert observations["quote"].notna().all()
    ready = observations[observations["indicator_id"] == "units_certified_ready"].iloc[0]
    assert ready["value"] == pytest.approx(100 * 104 / 292) and ready["value_computed"]


def test_csv_export_is_pinned(dataset, tmp_path):
    export(dataset, "csv", tmp_path)
    lines = (tmp_path / "observations.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == ("indicator_id,period_label,period_start,period_end,value,value_computed,numerator,"
                        "denominator,qualifier,is_baseline,unit,source,location,quote,current,superseded_by,notes")
    assert lines[1] == (
        "targeted_attacks_on_peacekeepers,1 Nov 2015 to 31 Oct 2016,2015-11-01,2016-10-31,189,False,,,,False,"
        "count,A/72/573,100,The number of targeted attacks increased from 189 to 227 as at 31 October 2017; "
        "fatality figures decreased from 38 to 37 over the same period.,True,,The window is named in the sentence "
        "before: the previous corresponding period (1 November 2015–31 October 2016).")
    ready = next(line for line in lines if line.startswith("units_certified_ready"))
    assert ",35.61643836,True,104,292," in ready
    assert (tmp_path / "sources.csv").read_text(encoding="utf-8").splitlines()[1].startswith(
        "A/72/573,Implementation of the recommendations")
    assert (tmp_path / "sources.csv").read_text(encoding="utf-8").splitlines()[0].startswith(
        "symbol,title,kind,issuing_body,year,published,retrieved,")


def test_xlsx_has_one_sheet_per_table_and_a_columns_sheet(dataset, tmp_path):
    [path] = export(dataset, "xlsx", tmp_path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["indicators", "observations", "targets", "sources", "milestones", "columns", "about"]
    sheet = book["observations"]
    header = [c.value for c in sheet[1]]
    assert header == [c.name for c in COLUMNS["observations"]]
    # The rows, a blank row, and the source line.
    assert sheet.max_row == len(dataset.observations) + 3
    assert sheet.cell(row=sheet.max_row, column=1).value.startswith("Source: A/72/573")
    value = sheet.cell(row=2, column=header.index("value") + 1)
    assert value.value == 189 and value.data_type == "n"
    explained = {(r[0], r[1]) for r in book["columns"].iter_rows(min_row=2, values_only=True)}
    assert ("observations", "quote") in explained and ("targets", "deadline") in explained


def test_json_export(dataset, tmp_path):
    [path] = export(dataset, "json", tmp_path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["licence"]["name"] == "CC-BY-4.0"
    assert len(document["tables"]["observations"]) == len(dataset.observations)
    first = document["tables"]["observations"][0]
    assert (first["value"], first["location"], first["period_start"]) == (189, "100", "2015-11-01")


def test_datapackage_validates_with_frictionless(dataset, tmp_path):
    from frictionless import validate

    export(dataset, "datapackage", tmp_path)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["sources"][0]["path"] == "https://undocs.org/A/72/573"
    assert [r["name"] for r in descriptor["resources"]] == ["indicators", "observations", "targets", "sources",
                                                            "milestones"]
    report = validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_broken_datapackage_is_caught_by_frictionless(dataset, tmp_path):
    """The check above can fail: a dangling foreign key makes the package invalid."""
    from frictionless import validate

    export(dataset, "datapackage", tmp_path)
    path = tmp_path / "observations.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("targeted_attacks_on_peacekeepers,", "ghost,", 1),
                    encoding="utf-8")
    assert not validate(tmp_path / "datapackage.json").valid


# Loading strips surrounding whitespace, so tab and carriage return are covered by the
# unit test of neutralise below.
HOSTILE = ["=HYPERLINK(\"http://example.invalid\",\"x\")", "+1+1", "-2+3", "@SUM(A1)"]


@pytest.fixture
def hostile_dataset(dataset):
    # Validation refuses these at the door (formula_prefix); the exports neutralise them
    # anyway, for any way a cell could get past: set them on a loaded dataset directly.
    observations = dataset.observations.copy()
    observations.loc[observations.index[:len(HOSTILE)], "notes"] = HOSTILE
    return dataclasses.replace(dataset, observations=observations)


def test_formula_injection_is_neutralised_in_csv(hostile_dataset, tmp_path):
    export(hostile_dataset, "csv", tmp_path)
    with open(tmp_path / "observations.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["notes"] for r in rows[:len(HOSTILE)]] == ["'" + text for text in HOSTILE]
    assert rows[0]["value"] == "189"  # numbers untouched


def test_formula_injection_is_neutralised_in_xlsx(hostile_dataset, tmp_path):
    [path] = export(hostile_dataset, "xlsx", tmp_path)
    sheet = openpyxl.load_workbook(path)["observations"]
    header = [c.value for c in sheet[1]]
    notes = [sheet.cell(row=r, column=header.index("notes") + 1) for r in range(2, 2 + len(HOSTILE))]
    assert all(cell.data_type == "s" for cell in notes)
    assert all(not str(cell.value).startswith(FORMULA_STARTS) for cell in notes)
    assert sheet.cell(row=2, column=header.index("value") + 1).data_type == "n"


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\tcmd", "\rcmd"])
def test_neutralise_prefixes_every_formula_start(text):
    frame = pd.DataFrame({c.name: [None] for c in COLUMNS["targets"]}).assign(notes=[text])
    assert neutralise(frame, "targets").loc[0, "notes"] == "'" + text


def test_carriage_return_inside_a_cell_keeps_the_csv_whole(dataset, tmp_path, monkeypatch):
    frames = tables(dataset)
    frames["observations"].loc[0, "notes"] = "line one\rline two"
    monkeypatch.setattr("indicators.exports.tables", lambda _: frames)
    export(dataset, "csv", tmp_path)
    with open(tmp_path / "observations.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(dataset.observations)
    assert rows[0]["notes"] == "line one\rline two"


def test_neutralise_leaves_numbers_and_plain_text():
    frame = pd.DataFrame({c.name: [None] for c in COLUMNS["targets"]}).assign(
        value=[-5.0], notes=["-5 is a number in text"], quote=["Plain text."])
    out = neutralise(frame, "targets")
    assert out.loc[0, "value"] == -5.0
    assert out.loc[0, "notes"] == "'-5 is a number in text"
    assert out.loc[0, "quote"] == "Plain text."


@pytest.mark.parametrize("fmt, names", [
    ("csv", ["indicators.csv", "observations.csv", "targets.csv", "sources.csv", "milestones.csv"]),
    ("datapackage", ["datapackage.json", "indicators.csv", "milestones.csv", "observations.csv", "sources.csv",
                     "targets.csv"]),
])
def test_download_bytes_zip_every_file(dataset, fmt, names):
    import io
    import zipfile

    from indicators.exports import export_bytes

    with zipfile.ZipFile(io.BytesIO(export_bytes(dataset, fmt))) as archive:
        assert archive.namelist() == names


def test_download_bytes_of_a_single_file(dataset):
    from indicators.exports import export_bytes

    assert export_bytes(dataset, "xlsx")[:2] == b"PK"
    assert json.loads(export_bytes(dataset, "json"))["title"] == "Peacekeeping reform indicators"


def test_milestones_export_with_their_status(dataset, tmp_path):
    [path] = export(dataset, "xlsx", tmp_path)
    sheet = openpyxl.load_workbook(path)["milestones"]
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, [cell.value for cell in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
    aviation = next(r for r in rows if r["id"] == "aviation_manual")
    # Due in 2017 and not settled by any later source: no later report.
    assert (aviation["due"], aviation["status"], aviation["location"]) == (
        datetime.datetime(2017, 12, 31), "no later report", "92")
    assert "finalized in 2017" in aviation["quote"]


def test_the_workbook_is_what_a_spreadsheet_user_expects(dataset, tmp_path):
    [path] = export(dataset, "xlsx", tmp_path)
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        # Every sheet: header frozen, bold, filtered; its source under the table and in its printed header.
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet["A1"].font.b and sheet.auto_filter.ref
        assert sheet.cell(row=sheet.max_row, column=1).value.startswith("Source: A/72/573")
        assert "Creative Commons" in sheet.oddHeader.center.text
        widths = [sheet.column_dimensions[c].width for c in "ABC"]
        assert all(8 <= w <= 60 for w in widths), (sheet.title, widths)
    observations = book["observations"]
    header = [c.value for c in observations[1]]
    rows = [dict(zip(header, r)) for r in observations.iter_rows(min_row=2, max_row=len(dataset.observations) + 1,
                                                                   values_only=True)]
    # Dates are date cells, shown as dates.
    start = observations.cell(row=2, column=header.index("period_start") + 1)
    assert isinstance(start.value, datetime.datetime) and start.number_format == "yyyy-mm-dd"
    # A computed share is rounded as the app states it; its parts stay exact.
    certified = next(r for r in rows if r["numerator"] == 104 and r["denominator"] == 292)
    assert certified["value"] == 35.6
    # The quote column is capped and wraps; a year is a whole number.
    quote = header.index("quote") + 1
    assert observations.column_dimensions[openpyxl.utils.get_column_letter(quote)].width == 60
    assert observations.cell(row=2, column=quote).alignment.wrap_text
    sources = book["sources"]
    year = [c.value for c in sources[1]].index("year") + 1
    assert sources.cell(row=2, column=year).value == 2017


def test_an_exported_workbook_reads_back_without_its_source_line(dataset, tmp_path):
    from indicators.imports import read_upload

    [path] = export(dataset, "xlsx", tmp_path)
    frame = read_upload("data.xlsx", path.read_bytes(), table="observations")
    assert len(frame) == len(dataset.observations)
    assert frame["period_start"].iloc[0] == "2015-11-01"
