"""The dataset in standard formats: CSV, an Excel workbook, JSON and a Frictionless Data
Package, each with its provenance columns and a description of every column.

Text cells that a spreadsheet would read as a formula (starting with =, +, -, @, tab or
carriage return) are prefixed with an apostrophe in CSV, Excel and the data package;
numeric columns stay numeric. JSON is not opened by spreadsheets and keeps text as is.
"""

from __future__ import annotations

import datetime
import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from indicators.dataset_info import dataset_info
from indicators.milestones import milestone_table
from indicators.validation import Dataset

FORMATS = ("csv", "xlsx", "json", "datapackage")
# The full-width forms (＝ ＋ － ＠) are read as formulas by some spreadsheets too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Frictionless field type: string, number, integer, date, boolean
    description: str
    # Computed by the project from the other columns (or from later sources); an import of
    # an exported table ignores it.
    derived: bool = False


_PROVENANCE = [
    Column("source", "string", "Symbol of the source document, e.g. A/72/573"),
    Column("location", "string", "Where in the source: a report's paragraph number, a document's 'page N' or "
                                 "'section Title', a dataset's row key 'key=value; ...; column=name'"),
    Column("quote", "string", "The verbatim sentence (or clause) at that location that states the figure"),
    Column("current", "boolean", "False when a later source states the same period (or target) and supersedes it",
           derived=True),
    Column("superseded_by", "string", "The later source that supersedes this row", derived=True),
    Column("notes", "string", "How the figure was read: placement of undated periods, definitions"),
]
COLUMNS: dict[str, list[Column]] = {
    "indicators": [
        Column("id", "string", "Identifier of the indicator (snake_case)"),
        Column("name", "string", "Name of the indicator"),
        Column("description", "string", "What the indicator measures"),
        Column("unit", "string", "count, percent or ratio"),
        Column("reform_area", "string", "Reform area identifier, following the report's sections"),
        Column("reform_area_name", "string", "Reform area name", derived=True),
        Column("direction", "string", "Which way is better: up, down or neither"),
        Column("definition_notes", "string", "Notes on the definition, window or coverage"),
        Column("population", "string", "Words naming whom the indicator counts; every quote names one of them"),
    ],
    "observations": [
        Column("indicator_id", "string", "Indicator the figure belongs to (indicators.id)"),
        Column("period_label", "string", "The period as the report names it, e.g. 2016/17"),
        Column("period_start", "date", "First day of the period"),
        Column("period_end", "date", "Last day of the period"),
        Column("value", "number", "The figure, in the indicator's unit"),
        Column("value_computed", "boolean", "True when value was computed from numerator and denominator",
           derived=True),
        Column("numerator", "number", "X of an \"X out of Y\" statement"),
        Column("denominator", "number", "Y of an \"X out of Y\" statement"),
        Column("qualifier", "string", "How the report hedges the figure: more than, over, approximately"),
        Column("is_baseline", "boolean", "True for the observation the report calls the baseline"),
        Column("unit", "string", "Unit of value: count, percent or ratio"),
        *_PROVENANCE,
    ],
    "targets": [
        Column("indicator_id", "string", "Indicator the target belongs to (indicators.id)"),
        Column("value", "number", "The target, in the indicator's unit"),
        Column("deadline", "date", "Date by which the target is to be met; empty when the report sets none"),
        Column("deadline_label", "string", "The deadline as the report names it"),
        Column("kind", "string", "goal, pledge or threshold"),
        Column("scope", "string", "Whom the target is set for, where that is not the indicator's own population; "
                                  "such a target sets no required pace for the indicator"),
        Column("unit", "string", "Unit of value: count, percent or ratio"),
        *_PROVENANCE,
    ],
    "sources": [
        Column("symbol", "string", "Document symbol"),
        Column("title", "string", "Title of the document"),
        Column("kind", "string", "report (numbered paragraphs), document (pages or sections) or dataset (a table)"),
        Column("issuing_body", "string", "Who published the source, and to whom"),
        Column("year", "integer", "Year of issue"),
        Column("published", "date", "Date of publication, where known"),
        Column("retrieved", "date", "Date the text or table was retrieved, where known"),
        Column("language", "string", "Language of the text used (ISO 639-1)"),
        Column("url", "string", "Public address of the document"),
        Column("obtained", "string", "How the text was obtained"),
        Column("licence", "string", "Terms of the source document"),
        Column("data_cutoff", "date", "Latest date the document states for its own figures"),
    ],
    "milestones": [
        Column("id", "string", "Identifier of the commitment (snake_case)"),
        Column("reform_area", "string", "Reform area identifier"),
        Column("reform_area_name", "string", "Reform area name", derived=True),
        Column("commitment", "string", "What the report commits to"),
        Column("due", "date", "Date by which it is due"),
        Column("due_label", "string", "The due date as the report words it"),
        Column("status", "string", "pending (due date ahead), no later report (passed, not settled by a later source), "
                                   "met or missed (settled by a later source)", derived=True),
        Column("source", "string", "Symbol of the document that makes the commitment"),
        Column("location", "string", "Its location (paragraph number, page or section)"),
        Column("quote", "string", "The verbatim sentence (or clause) that makes the commitment"),
        Column("outcome", "string", "met or missed, as a later source states; empty until then"),
        Column("settled_by", "string", "Symbol of the source that settles it"),
        Column("settled_location", "string", "Location in that source"),
        Column("settled_quote", "string", "The verbatim sentence that settles it"),
        Column("notes", "string", "How the due date was read"),
    ],
}


# What `indicators progress --csv` writes, one row per indicator; README's "Progress
# table" lists the same columns (a test holds the two together).
PROGRESS_COLUMNS = [
    Column("indicator_id", "string", "Indicator (indicators.id)"),
    Column("name", "string", "Name of the indicator"),
    Column("unit", "string", "count, percent or ratio"),
    Column("direction", "string", "Which way is better: up, down or neither"),
    Column("observations", "integer", "Number of current observations"),
    Column("baseline", "number", "The baseline: the observation marked is_baseline, else the earliest"),
    Column("baseline_period", "string", "The baseline's period, e.g. 2016/17"),
    Column("baseline_qualifier", "string", "How the source hedges the baseline: more than, about"),
    Column("latest", "number", "The latest observation"),
    Column("latest_period", "string", "The latest observation's period"),
    Column("latest_qualifier", "string", "How the source hedges the latest figure"),
    Column("change", "number", "Latest minus baseline, in the unit (percentage points for percent)"),
    Column("relative_change", "number", "The change as a share of the baseline (0.2 = 20%)"),
    Column("trend", "string", "improved, worsened, unchanged, or changed (no better direction)"),
    Column("target", "number", "The target status is judged against"),
    Column("target_kind", "string", "goal, pledge or threshold"),
    Column("target_scope", "string", "Whom the target is set for, where that is another population"),
    Column("deadline", "date", "The target's deadline"),
    Column("deadline_label", "string", "The deadline as the source words it"),
    Column("deadline_passed", "boolean", "True once an observation falls after the deadline"),
    Column("gap", "number", "Target minus latest"),
    Column("progress_share", "number", "Share of the way from baseline to target (1 = there)"),
    Column("met", "boolean", "True when the latest value meets the target"),
    Column("observed_rate", "number", "Least-squares change a year through the observations"),
    Column("observed_growth", "number", "Least-squares compound growth a year (0.05 = 5%)"),
    Column("required_rate", "number", "Change a year needed from the baseline to meet the target by its deadline"),
    Column("required_growth", "number", "Compound growth a year needed for the same"),
    Column("projection", "number", "The trend's value at the deadline"),
    Column("ratio", "number", "Observed growth as a share of the growth required (Open SDG's method 2)"),
    Column("status", "string", "The status (README, Progress method)"),
    Column("status_reason", "string", "Why: the figures and the threshold that set the status"),
    Column("summary", "string", "The change in one sentence"),
    Column("sources", "string", "The sources of the figures shown, with their locations"),
]


def progress_csv_table(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`indicators.progress.progress_table` as written for a spreadsheet: periods as
    their labels (never a fractional year such as 2017.83), figures rounded to 6
    significant digits, columns as documented."""
    frame = table.rename(columns={"baseline_label": "baseline_period", "latest_label": "latest_period"})
    frame = frame[[c.name for c in PROGRESS_COLUMNS]].copy()
    for column in PROGRESS_COLUMNS:
        if column.type == "number":
            frame[column.name] = frame[column.name].astype(float).map(
                lambda v: v if pd.isna(v) else float(f"{v:.6g}"))
        elif column.type == "integer":
            frame[column.name] = frame[column.name].astype("Int64")
    return frame


def tables(dataset: Dataset) -> dict[str, pd.DataFrame]:
    """The tidy tables, columns in documented order, dates as ISO text."""
    areas = dataset.area_names()
    catalogue = dataset.catalogue.assign(reform_area_name=dataset.catalogue["reform_area"].map(areas))
    observations = dataset.observations.assign(
        value_computed=dataset.observations["numerator"].notna() & dataset.observations["denominator"].notna())
    sources = pd.DataFrame([{
        "symbol": s.symbol, "title": s.title, "kind": s.kind, "issuing_body": s.issuing_body, "year": s.year,
        "published": s.published, "retrieved": s.retrieved,
        "language": s.language, "url": s.url, "obtained": s.obtained, "licence": s.licence,
        "data_cutoff": s.data_cutoff,
    } for s in dataset.sources.values()])
    frames = {"indicators": catalogue, "observations": observations, "targets": dataset.targets, "sources": sources,
              "milestones": milestone_table(dataset)}
    out = {}
    for name, frame in frames.items():
        frame = frame[[c.name for c in COLUMNS[name]]].copy()
        for column in COLUMNS[name]:
            if column.type == "date":
                frame[column.name] = pd.to_datetime(frame[column.name]).dt.strftime("%Y-%m-%d")
            elif column.type == "integer":
                frame[column.name] = frame[column.name].astype("Int64")
            elif column.type == "boolean":
                frame[column.name] = frame[column.name].astype(bool)
            elif column.type == "string":
                frame[column.name] = frame[column.name].astype(object).where(frame[column.name].notna(), None)
        out[name] = frame.reset_index(drop=True)
    return out


def neutral(value):
    """A text cell a spreadsheet will show, not run: formula starts get an apostrophe."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def neutralise(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula; leave numbers alone."""
    frame = frame.copy()
    for column in COLUMNS[table]:
        if column.type == "string":
            frame[column.name] = frame[column.name].map(neutral)
    return frame


def write_csv(dataset: Dataset, out: Path) -> list[Path]:
    """One CSV per table, RFC 4180 style: CRLF line ends, so any carriage return or line
    feed inside a cell gets the cell quoted."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables(dataset).items():
        path = out / f"{name}.csv"
        neutralise(frame, name).to_csv(path, index=False, encoding="utf-8", lineterminator="\r\n",
                                        float_format="%.10g")
        written.append(path)
    return written


# Widest a workbook column is made, in characters; longer text wraps inside it.
MAX_COLUMN_WIDTH = 60
# The note under every sheet's table. An import of the workbook skips it (imports.py).
SOURCE_NOTE = "Source: "


def source_note(dataset: Dataset) -> str:
    """What every exported sheet says under its table: where the figures come from and on
    what terms."""
    info = dataset_info(dataset.folder)
    return (f"{SOURCE_NOTE}{', '.join(dataset.sources)} · {info.licence_title} ({info.licence_url}) · "
            f"Cite as: {info.citation}")


def _workbook_cells(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Cells a spreadsheet user expects: dates as date cells, a computed share rounded as
    the app states it (one decimal; the numerator and denominator stay exact)."""
    frame = frame.copy()
    for column in COLUMNS.get(table, []):
        if column.type == "date":
            frame[column.name] = [None if v is None or pd.isna(v) else datetime.date.fromisoformat(v)
                                  for v in frame[column.name]]
    if "value_computed" in frame:
        frame["value"] = frame["value"].where(~frame["value_computed"], frame["value"].round(1))
    return frame


def _lay_out(sheet, frame: pd.DataFrame, table: str, note: str, printed: str) -> None:
    """Frozen header, a filter, widths that fit the text, wrapped long text, date formats,
    and the source under the table and in the printed header."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    types = {c.name: c.type for c in COLUMNS.get(table, [])}
    for index, name in enumerate(frame.columns, start=1):
        letter = get_column_letter(index)
        longest = max([len(str(name)), *(len(str(v)) for v in frame[name] if v is not None)])
        sheet.column_dimensions[letter].width = min(max(longest + 2, 8), MAX_COLUMN_WIDTH)
        wrap = longest + 2 > MAX_COLUMN_WIDTH
        for cell in sheet[letter][1:]:
            if types.get(name) == "date":
                cell.number_format = "yyyy-mm-dd"
            if wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet[f"{letter}1"].font = Font(bold=True)
    sheet.cell(row=sheet.max_row + 2, column=1, value=neutral(note)).font = Font(italic=True)
    sheet.oddHeader.center.text = printed


def write_xlsx(dataset: Dataset, path: Path) -> Path:
    """The workbook, written to ``path`` (a file name ending in .xlsx): one sheet per table,
    a sheet describing every column, and an about sheet; each with its source."""
    info = dataset_info(dataset.folder)
    note = source_note(dataset)
    # Excel allows 255 characters in a printed header: the sources are named on their sheet.
    printed = (f"{info.title} · {len(dataset.sources)} sources (see the sources sheet) · "
               f"{info.licence_title}")[:250]
    about = [info.title, info.description, f"{info.licence_title} ({info.licence_url})", info.citation]
    sheets = {name: _workbook_cells(neutralise(frame, name), name) for name, frame in tables(dataset).items()}
    sheets["columns"] = pd.DataFrame([{"sheet": table, "column": c.name, "type": c.type, "description": c.description}
                                      for table, columns in COLUMNS.items() for c in columns])
    sheets["about"] = pd.DataFrame({"field": ["title", "description", "licence", "citation"],
                                    "value": [neutral(v) for v in about]})
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            _lay_out(writer.sheets[name], frame, name, note, printed)
    return path


def _records(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", force_ascii=False))


def write_json(dataset: Dataset, path: Path) -> Path:
    """One JSON document, written to ``path`` (a file name ending in .json)."""
    info = dataset_info(dataset.folder)
    document = {
        "title": info.title, "description": info.description,
        "licence": {"name": info.licence_name, "title": info.licence_title, "path": info.licence_url},
        "citation": info.citation,
        "columns": {table: [c.__dict__ for c in columns] for table, columns in COLUMNS.items()},
        "tables": {name: _records(frame) for name, frame in tables(dataset).items()},
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def datapackage_descriptor(dataset: Dataset) -> dict:
    info = dataset_info(dataset.folder)
    keys = {"indicators": ["id"], "sources": ["symbol"]}
    foreign = [{"fields": "indicator_id", "reference": {"resource": "indicators", "fields": "id"}},
               {"fields": "source", "reference": {"resource": "sources", "fields": "symbol"}}]
    resources = []
    for name, columns in COLUMNS.items():
        schema = {"fields": [{"name": c.name, "type": c.type, "description": c.description} for c in columns],
                  "missingValues": [""]}
        if name in keys:
            schema["primaryKey"] = keys[name]
        if name in ("observations", "targets"):
            schema["foreignKeys"] = foreign
        if name == "milestones":
            schema["primaryKey"] = ["id"]
            schema["foreignKeys"] = [foreign[1]]
        resources.append({"name": name, "path": f"{name}.csv", "profile": "tabular-data-resource",
                          "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "schema": schema})
    return {
        "profile": "tabular-data-package",
        "name": "peacekeeping-indicators",
        "title": info.title,
        "description": info.description,
        "licenses": [{"name": info.licence_name, "title": info.licence_title, "path": info.licence_url}],
        "sources": [{"title": f"{s.symbol}: {s.title}", "path": s.url} for s in dataset.sources.values()],
        "citation": info.citation,
        "resources": resources,
    }


def write_datapackage(dataset: Dataset, out: Path) -> Path:
    write_csv(dataset, out)
    path = out / "datapackage.json"
    path.write_text(json.dumps(datapackage_descriptor(dataset), ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8")
    return path


SINGLE_FILES = {"xlsx": "peacekeeping-indicators.xlsx", "json": "peacekeeping-indicators.json"}


def export(dataset: Dataset, fmt: str, out: Path) -> list[Path]:
    """Write the dataset. ``out`` is a folder, or for xlsx and json also a file name with
    that ending ("my.xlsx" is written as that file, not as a folder)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt in SINGLE_FILES:
        path = out if out.suffix.lower() == f".{fmt}" else out / SINGLE_FILES[fmt]
        path.parent.mkdir(parents=True, exist_ok=True)
        return [(write_xlsx if fmt == "xlsx" else write_json)(dataset, path)]
    if fmt == "csv":
        return write_csv(dataset, out)
    descriptor = write_datapackage(dataset, out)
    return [descriptor, *sorted(out.glob("*.csv"))]


def export_paths(fmt: str, out: Path) -> list[Path]:
    """The files an export to ``out`` would write, so a caller can check them first."""
    if fmt in SINGLE_FILES:
        return [out if out.suffix.lower() == f".{fmt}" else out / SINGLE_FILES[fmt]]
    names = [f"{table}.csv" for table in COLUMNS] + (["datapackage.json"] if fmt == "datapackage" else [])
    return [out / name for name in names]


def export_bytes(dataset: Dataset, fmt: str) -> bytes:
    """One download: the workbook or JSON file itself, or the CSV files zipped."""
    with tempfile.TemporaryDirectory() as folder:
        written = export(dataset, fmt, Path(folder))
        if len(written) == 1:
            return written[0].read_bytes()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in written:
                archive.write(path, path.name)
        return buffer.getvalue()
