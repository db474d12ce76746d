"""Empty tables to fill in and import: for each table, a CSV of its header and a workbook
whose first sheet is the table (named after it, so an import reads it), with a sheet that
describes every column (required or not, its type, what it holds, the values it allows)
and drop-down lists where a column takes one of a list of values."""

from __future__ import annotations

import io

import pandas as pd

from indicators.exports import COLUMNS
from indicators.imports import TABLE_NAMES, entity_columns
from indicators.schemas import DIRECTIONS, OUTCOMES, QUALIFIERS, TARGET_KINDS, UNITS
from indicators.sources import KINDS
from indicators.validation import OPTIONAL, Dataset

# Columns the data files hold that the exports leave out.
_MORE = {
    "sentence": "How a single figure reads in a summary; {value} is replaced by it",
    "current_figures": "The rule for figures the source states without a date of their own",
}
ALLOWED_SHEET = "allowed"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def columns(table: str) -> list[str]:
    """The columns of ``table`` as its data file writes them: what an import reads."""
    return entity_columns(TABLE_NAMES[table])


def allowed_values(dataset: Dataset, table: str) -> dict[str, list[str]]:
    """The values each column of ``table`` may take, where it takes one of a list."""
    sources, indicators = list(dataset.sources), list(dataset.catalogue["id"])
    lists = {"indicator_id": indicators, "unit": list(UNITS), "source": sources, "settled_by": sources,
             "direction": list(DIRECTIONS), "qualifier": list(QUALIFIERS), "reform_area": list(dataset.area_names()),
             "is_baseline": ["true"], "outcome": list(OUTCOMES),
             "kind": list(TARGET_KINDS) if table == "targets" else list(KINDS)}
    return {column: lists[column] for column in columns(table) if column in lists}


def describe(dataset: Dataset, table: str) -> pd.DataFrame:
    """One row per column: name, required, type, what it holds, the values it allows."""
    known = {c.name: c for c in COLUMNS[table]}
    allowed = allowed_values(dataset, table)
    return pd.DataFrame([{
        "column": name, "required": "yes" if name not in OPTIONAL else "no",
        "type": known[name].type if name in known else "string",
        "description": known[name].description if name in known else _MORE.get(name, ""),
        "allowed": ", ".join(allowed.get(name, [])),
    } for name in columns(table)])


def template_csv(table: str) -> bytes:
    """The header of ``table``, as a CSV file (UTF-8, CRLF line end, as the exports)."""
    return (",".join(columns(table)) + "\r\n").encode("utf-8")


def template_xlsx(dataset: Dataset, table: str) -> bytes:
    """A workbook: the empty table (frozen, bold header, drop-downs), its columns described,
    and the lists the drop-downs offer."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    names = columns(table)
    allowed = allowed_values(dataset, table)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        pd.DataFrame(columns=names).to_excel(writer, sheet_name=table, index=False)
        describe(dataset, table).to_excel(writer, sheet_name="columns", index=False)
        lists = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in allowed.items()})
        lists.to_excel(writer, sheet_name=ALLOWED_SHEET, index=False)
        sheet = writer.sheets[table]
        sheet.freeze_panes = "A2"
        for index, name in enumerate(names, start=1):
            letter = get_column_letter(index)
            sheet[f"{letter}1"].font = Font(bold=True)
            sheet.column_dimensions[letter].width = max(len(name) + 4, 12)
            if name in allowed:
                at = get_column_letter(list(allowed).index(name) + 1)
                rule = DataValidation(type="list", allow_blank=True,
                                      formula1=f"{ALLOWED_SHEET}!${at}$2:${at}${len(allowed[name]) + 1}")
                rule.error = f"Choose a value from the list ({ALLOWED_SHEET} sheet)"
                rule.showErrorMessage = True
                sheet.add_data_validation(rule)
                rule.add(f"{letter}2:{letter}5000")
        widths = {"column": 20, "required": 10, "type": 10, "description": 80, "allowed": 80}
        for index, name in enumerate(widths, start=1):
            writer.sheets["columns"].column_dimensions[get_column_letter(index)].width = widths[name]
    return buffer.getvalue()
