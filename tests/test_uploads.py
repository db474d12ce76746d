"""What an upload may hold, checked before the rest of it is read: the header's width, the
number of rows and each cell's length, in a CSV and in a workbook, at each limit and one
past it; and which sheet of a workbook is read."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from indicators import imports
from indicators.files import FileProblem
from indicators.imports import MAX_CELL, MAX_COLUMNS, read_upload
from indicators.paths import DEFAULT_DATA_DIR


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    return pd.DataFrame(rows, columns=header).to_csv(index=False).encode()


def _xlsx(header: list[str], rows: list[list], sheets: tuple[str, ...] = ("Sheet",), formats: dict | None = None) -> bytes:
    book = openpyxl.Workbook()
    for index, title in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        for (row, column), number_format in (formats or {}).items():
            sheet.cell(row=row, column=column).number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


MAKERS = {"csv": _csv, "xlsx": _xlsx}


def _refused(content: bytes) -> str | None:
    try:
        read_upload("upload", content)
    except FileProblem as problem:
        return problem.rule
    return None


@pytest.mark.parametrize("kind", MAKERS)
@pytest.mark.parametrize("columns, rule", [(MAX_COLUMNS, None), (MAX_COLUMNS + 1, "too_many_columns"),
                                           (10_000, "too_many_columns")])
def test_the_header_is_at_most_so_wide(kind, columns, rule):
    header = [f"c{n}" for n in range(columns)]
    assert _refused(MAKERS[kind](header, [["x"] * columns])) == rule


@pytest.mark.parametrize("kind", MAKERS)
@pytest.mark.parametrize("rows, rule", [(3, None), (4, "too_many_rows")])
def test_a_table_holds_at_most_so_many_rows(kind, rows, rule, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    assert _refused(MAKERS[kind](["a", "b"], [[str(n), "x"] for n in range(rows)])) == rule


@pytest.mark.parametrize("kind", MAKERS)
@pytest.mark.parametrize("length, rule", [(MAX_CELL, None), (MAX_CELL + 1, "cell_too_long")])
def test_a_cell_holds_at_most_so_many_characters(kind, length, rule):
    assert _refused(MAKERS[kind](["a", "b"], [["1", "x" * length]])) == rule


def test_a_long_cell_is_named_by_row_and_column():
    with pytest.raises(FileProblem, match=r"row 3, column notes: 10,001 characters"):
        read_upload("u.csv", _csv(["id", "notes"], [["1", "short"], ["2", "n" * 10_001]]))


def test_a_workbook_is_read_from_the_sheet_named_after_the_table():
    rows = [["a", "1"]]
    content = _xlsx(["indicator_id", "value"], rows, sheets=("indicators", "observations"))
    book = openpyxl.load_workbook(io.BytesIO(content))
    book["indicators"]["A2"] = "from the first sheet"
    buffer = io.BytesIO()
    book.save(buffer)
    assert read_upload("u.xlsx", buffer.getvalue(), table="observations")["indicator_id"].tolist() == ["a"]
    assert read_upload("u.xlsx", buffer.getvalue(), table="targets")["indicator_id"].tolist() == [
        "from the first sheet"]  # no sheet of that name: the first


@pytest.mark.parametrize("unit, read", [("percent", "65"), ("count", "0.65")])
def test_a_percent_cell_reads_as_the_percentage_where_the_unit_is_percent(unit, read):
    content = _xlsx(["indicator_id", "value", "unit"], [["x", 0.65, unit]], formats={(2, 2): "0%"})
    assert read_upload("u.xlsx", content)["value"].tolist() == [read]


def test_the_shipped_observations_read_back_from_a_workbook_as_written():
    shipped = pd.read_csv(DEFAULT_DATA_DIR / "observations.csv", dtype=str, keep_default_na=False)
    content = _xlsx(list(shipped.columns), shipped.values.tolist())
    pd.testing.assert_frame_equal(read_upload("u.xlsx", content), shipped, check_dtype=False)
