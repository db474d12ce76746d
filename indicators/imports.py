"""Importing a table of figures into the store: a dry run that says, row by row, what
would be added, changed, left unchanged or refused and why; then an all-or-nothing commit
as one pending change.

The uploaded rows are checked by the same rules as the files: the store's published state
is written out as a data folder, the rows are merged into it, and the folder is validated.
A failure on any uploaded row refuses the whole file; nothing is written.

Uploads are read defensively: the real bytes decide the format (an .xlsx is a zip archive,
a CSV is UTF-8 text without NUL bytes), an archive is refused before parsing when it has
too many entries, too many bytes uncompressed or a compression ratio of a zip bomb, and
the workbook is parsed with defusedxml installed (openpyxl uses it).
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
from defusedxml import DefusedXmlException

from indicators import paths
from indicators.exports import COLUMNS, FORMULA_STARTS, SOURCE_NOTE
from indicators.files import FileProblem, csv_lines, decode_text, read_csv_text
from indicators.lookup import did_you_mean
from indicators.schemas import ratio_value
from indicators.store import PUT, TABLES, Edit, Store, User, apply, record_diff, record_key, write_folder
from indicators.validation import (
    FLAGS,
    CATALOGUE_COLUMNS,
    FLAG,
    MILESTONE_COLUMNS,
    NUMBER,
    OPTIONAL,
    OBSERVATION_COLUMNS,
    SOURCE_COLUMNS,
    TARGET_COLUMNS,
    WHOLE,
    Dataset,
    Failure,
    validate_folder,
)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # the app's limit (Streamlit's maxUploadSize says the same)
IMPORT_LIMIT_ENV = "INDICATORS_MAX_IMPORT_MB"
DEFAULT_IMPORT_MB = 32  # the command line's: 100,000 rows of figures with their quotes
# What a table of figures can hold (the data files have at most 14 columns), checked
# before the rest of the file is read, so that a hostile file costs nothing to refuse.
MAX_COLUMNS = 40
MAX_ROWS = 100_000
MAX_CELL = 10_000  # characters; the rules hold each text column to less (schemas.MAX_TEXT)
MAX_ENTRIES = 200
MAX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_RATIO = 100
ADDED, CHANGED, UNCHANGED, REFUSED = "added", "changed", "unchanged", "refused"
TABLE_NAMES = {"observations": "observation", "targets": "target", "milestones": "milestone",
               "indicators": "indicator", "sources": "source"}


@dataclass
class Outcome:
    row: int  # as a spreadsheet numbers it: the header is row 1
    key: str
    status: str
    failures: list[Failure] = field(default_factory=list)
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # column, stored, in the file
    record: dict = field(default_factory=dict, repr=False)  # what the row would write
    proof: str = ""

    @property
    def messages(self) -> list[str]:
        return [f"column {f.column}: [{f.rule}] {f.message}{f.hint}" if f.column else f"[{f.rule}] {f.message}"
                for f in self.failures]


@dataclass
class Plan:
    table: str
    outcomes: list[Outcome]
    file_problems: list[str]  # what is wrong with the file as a whole, or with records it does not hold
    change_id: int | None = None
    notes: list[str] = field(default_factory=list)  # what was set aside, said once
    failures: list[Failure] = field(default_factory=list)  # the file problems that are failures of a rule
    # The data as it would read with the file imported, validated: for a preview (None when refused).
    dataset: Dataset | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.file_problems and not any(o.status == REFUSED for o in self.outcomes)

    def counts(self) -> dict[str, int]:
        return {status: sum(o.status == status for o in self.outcomes) for status in (ADDED, CHANGED, UNCHANGED,
                                                                                     REFUSED)}

    def summary(self) -> str:
        """The counts, and which columns the changed rows change: "3 changed (value 3, quote 1)"."""
        columns = Counter(column for o in self.outcomes if o.status == CHANGED for column, _, _ in o.changes)
        parts = []
        for status, n in self.counts().items():
            detail = f" ({', '.join(f'{c} {k}' for c, k in columns.most_common())})" if status == CHANGED and n else ""
            parts.append(f"{n} {status}{detail}")
        return ", ".join(parts)

    def every_failure(self) -> list[Failure]:
        return [*self.failures, *(f for o in self.outcomes for f in o.failures)]

    def by_rule(self) -> dict[str, list[Failure]]:
        """Every failure, grouped by the rule it breaks, the rule with most failures first."""
        groups: dict[str, list[Failure]] = {}
        for failure in self.every_failure():
            groups.setdefault(failure.rule, []).append(failure)
        return dict(sorted(groups.items(), key=lambda item: -len(item[1])))

    def error_lines(self, limit: int | None = None) -> list[str]:
        """Every failure, grouped by rule: each with its file, row, column, value and the
        closest allowed value where one is near; at most ``limit`` a rule (the rest counted)."""
        out = [line for line in self.file_problems if line not in {str(f) for f in self.failures}]
        for rule, failures in self.by_rule().items():
            out.append(f"[{rule}] {len(failures)} problem(s):")
            for failure in failures[:limit]:
                where = failure.file if failure.row is None else f"{failure.file} row {failure.row}"
                column = f", column {failure.column}" if failure.column else ""
                value = "" if failure.value in (None, "", failure.column) else f", value '{failure.value}'"
                out.append(f"  {where}{column}{value}: {failure.message}{failure.hint}")
            if limit is not None and len(failures) > limit:
                out.append(f"  … and {len(failures) - limit} more")
        return out

    def diff(self) -> pd.DataFrame:
        """The plan as a reviewer reads it, one line per changed column (one per row added,
        unchanged or refused): row, record, status, column, stored value, value in the file,
        and the proof's result or the reason for refusal."""
        rows = []
        for o in self.outcomes:
            why = "; ".join(o.messages) if o.status == REFUSED else o.proof
            if o.status == CHANGED:
                rows += [dict(row=o.row, record=o.key, status=o.status, column=c, stored=old, file=new, check=why)
                         for c, old, new in o.changes]
            elif o.status == ADDED:
                # A new record is read by its figure (or what stands for one in its table).
                column = _headline(o.record) or ""
                rows.append(dict(row=o.row, record=o.key, status=o.status, column=column, stored="",
                                 file=_shown(o.record.get(column)), check=why))
            else:
                rows.append(dict(row=o.row, record=o.key, status=o.status, column="", stored="", file="",
                                 check=why))
        return pd.DataFrame(rows, columns=["row", "record", "status", "column", "stored", "file", "check"])

    def lines(self, limit: int | None = None) -> list[str]:
        """The notes, then each row that adds, changes or is refused, with each changed
        column from its stored value to the file's; unchanged rows are counted, not listed.
        At most ``limit`` rows (the rest counted)."""
        out = [f"Note: {note}" for note in self.notes] + list(self.file_problems)
        shown = [o for o in self.outcomes if o.status != UNCHANGED]
        for o in shown[:limit]:
            if o.status == CHANGED:
                detail = "; ".join(f"{c}: {_quoted(old)} -> {_quoted(new)}" for c, old, new in o.changes)
                out.append(f"row {o.row} ({o.key}): changed: {detail} [{o.proof}]")
            elif o.status == REFUSED:
                out.append(f"row {o.row} ({o.key}): refused: {'; '.join(o.messages)}")
            else:
                column = _headline(o.record)
                detail = f": {column} {_quoted(_shown(o.record[column]))}" if column else ""
                out.append(f"row {o.row} ({o.key}): added{detail} [{o.proof}]")
        if limit is not None and len(shown) > limit:
            out.append(f"… and {len(shown) - limit} more row(s); --all lists them")
        return out


_HEADLINES = ("value", "numerator", "commitment", "name", "title")


def _headline(record: dict) -> str | None:
    """The column a new record is read by: its figure, or what stands for one in its table."""
    return next((column for column in _HEADLINES if record.get(column)), None)


def _quoted(text: str, limit: int = 80) -> str:
    text = text if len(text) <= limit else text[:limit] + "…"
    return repr(text) if text else "(empty)"


def import_limit() -> int:
    """How large a file the command line imports: ``INDICATORS_MAX_IMPORT_MB``, else 32 MB."""
    chosen = os.environ.get(IMPORT_LIMIT_ENV)
    return int(float(chosen) * 1024 * 1024) if chosen else DEFAULT_IMPORT_MB * 1024 * 1024


def read_upload_file(path: Path, table: str | None = None) -> pd.DataFrame:
    """:func:`read_upload` of a file on this machine, its size checked before it is read."""
    if not path.is_file():
        raise FileProblem(path.name, "file_missing", f"there is no file {path}")
    limit = import_limit()
    size = path.stat().st_size
    if size > limit:
        raise FileProblem(path.name, "file_too_large", _too_large(size, limit))
    return read_upload(path.name, path.read_bytes(), limit, table)


def _too_large(size: int, limit: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB is over the limit of {limit / 1024 / 1024:.0f} MB"


def read_upload(name: str, content: bytes, limit: int = MAX_UPLOAD_BYTES, table: str | None = None) -> pd.DataFrame:
    """The upload as text cells; its real bytes decide how it is read, never its name.
    ``limit``: the app's upload limit by default. The size, the header's width, the number
    of lines and each cell's length are checked before the rest is parsed. From a workbook,
    the sheet named after ``table`` is read when there is one, else the first."""
    if len(content) > limit:
        raise FileProblem(name, "file_too_large", _too_large(len(content), limit))
    if not content.strip():
        raise FileProblem(name, "empty_file", "the file is empty")
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(name, content, table)
    _refuse_other_formats(name, content)
    text = decode_text(content, name)
    header = next(csv.reader(csv_lines(text)), [])
    _check_width(name, len(header))
    _check_header(name, header)
    # A line per row at least (a quoted cell may hold more): a count over the bytes, in C.
    lines = max(content.count(b"\n"), content.count(b"\r"))
    if lines > MAX_ROWS + 1:
        raise FileProblem(name, "too_many_rows", f"the file has {lines:,} lines; a table imports at most "
                                                 f"{MAX_ROWS:,} rows at once (split it)")
    frame = read_csv_text(text, name)
    for column in frame.columns:
        lengths = frame[column].str.len()
        if len(lengths) and lengths.max() > MAX_CELL:
            row = int(lengths.to_numpy().argmax())
            raise FileProblem(name, "cell_too_long", f"row {row + 2}, column {column}: {int(lengths.max()):,} "
                                                     f"characters; a cell holds at most {MAX_CELL:,}")
    return frame


# What a file is when it is not a table, told by its first bytes: (start, rule, message).
_NOT_TABLES = [
    (b"%PDF-", "pdf_not_a_table", "the file is a PDF document, not a table: add the report as a source "
                                  "(`indicators add-source`, or the app's Candidates tab) and take its figures from "
                                  "the candidates"),
    (b"\xd0\xcf\x11\xe0", "old_workbook", "the file is an old Excel workbook (.xls) or a password-protected one: "
                                         "save it as an unprotected .xlsx workbook or as CSV"),
    (b"\xff\xfe", "not_utf8", "the file is UTF-16 text: save it as CSV UTF-8"),
    (b"\xfe\xff", "not_utf8", "the file is UTF-16 text: save it as CSV UTF-8"),
]


def _refuse_other_formats(name: str, content: bytes) -> None:
    """Name what a file is when it is not a CSV table, so the message says what to do."""
    for start, rule, message in _NOT_TABLES:
        if content.startswith(start):
            raise FileProblem(name, rule, message)
    if b"\x00" in content[:8192]:
        raise FileProblem(name, "not_a_table", "the file is binary, not a CSV table or an Excel workbook")
    opening = content[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if opening.startswith((b"<!doctype", b"<html", b"<?xml", b"<table")):
        raise FileProblem(name, "markup_not_a_table", "the file is an HTML or XML page, not a CSV table: save the "
                                                      "table as CSV or .xlsx")
    if opening.startswith((b"{", b"[")):
        raise FileProblem(name, "json_not_a_table", "the file is JSON, not a CSV table: import the CSV or workbook "
                                                    "export (the JSON export is for reading)")


def _check_header(name: str, header: list[str]) -> None:
    repeated = sorted({column for column in header if header.count(column) > 1})
    if repeated:
        raise FileProblem(name, "repeated_column", f"the header repeats the column(s) {', '.join(repeated)}")


def _check_width(name: str, columns: int) -> None:
    if columns > MAX_COLUMNS:
        raise FileProblem(name, "too_many_columns", f"the header has {columns:,} columns; a table of figures has "
                                                    f"at most {MAX_COLUMNS}")


def _read_xlsx(name: str, content: bytes, table: str | None) -> pd.DataFrame:
    import openpyxl

    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except zipfile.BadZipFile:
        raise FileProblem(name, "not_a_table", "the file is not a readable Excel workbook") from None
    total = sum(e.file_size for e in entries)
    packed = max(sum(e.compress_size for e in entries), 1)
    if len(entries) > MAX_ENTRIES or total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
        raise FileProblem(name, "zip_bomb", f"the workbook holds {len(entries)} parts, {total} bytes uncompressed "
                                            f"(ratio {total / packed:.0f}:1): refused before reading")
    if "xl/workbook.xml" not in archive.namelist():
        raise FileProblem(name, "not_a_workbook", "the file is a zip archive, not an Excel workbook (it has no "
                                                  "xl/workbook.xml): import each CSV table on its own")
    try:
        # openpyxl measures every sheet when it opens a workbook (the whole sheet, where a
        # spreadsheet did not write its size): the chosen sheet's first row is read first.
        _check_width(name, _first_row_width(archive, table))
        if formula := _first_formula(archive, table):
            raise FileProblem(name, "formula_cell", f"cell {formula} holds a formula; a figure is typed as its source "
                                                    "states it: paste the values (Paste Special, Values) and save")
        # Read-only: rows are parsed one at a time, so the checks below stop a long sheet
        # before the rest of it is read. defusedxml, installed, guards the XML.
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book[table] if table in book.sheetnames else book.worksheets[0]
        rows = sheet.iter_rows()
        header = [_cell_text(cell.value) for cell in next(rows, ())]
        while header and header[-1] == "":
            header.pop()  # a spreadsheet pads the header with empty cells
        _check_width(name, len(header))
        if not header:
            raise FileProblem(name, "empty_file", "the sheet has no header row")
        units = header.index("unit") if "unit" in header else None
        body = []
        for number, cells in enumerate(rows, start=2):
            if number - 1 > MAX_ROWS:
                raise FileProblem(name, "too_many_rows", f"the sheet has more than {MAX_ROWS:,} rows; a table "
                                                         "imports at most that many at once (split it)")
            if any(cell.value not in (None, "") for cell in cells[len(header):]):
                raise FileProblem(name, "unreadable_file", f"row {number} has values beyond the header's "
                                                           f"{len(header)} columns")
            cells = list(cells[:len(header)]) + [None] * (len(header) - len(cells))
            percent = units is not None and cells[units] is not None and str(cells[units].value) == "percent"
            texts = [_cell_text(None if cell is None else cell.value,
                                percent and cell is not None and "%" in str(getattr(cell, "number_format", "")))
                     for cell in cells]
            if not any(texts):
                continue  # an empty row (a spreadsheet keeps formatted blank rows)
            if texts[0].startswith(SOURCE_NOTE) and not any(texts[1:]):
                continue  # the source line an exported workbook carries under its table
            for column, text in zip(header, texts, strict=True):
                if len(text) > MAX_CELL:
                    raise FileProblem(name, "cell_too_long", f"row {number}, column {column}: {len(text):,} "
                                                             f"characters; a cell holds at most {MAX_CELL:,}")
            body.append(texts)
    except FileProblem:
        raise
    except DefusedXmlException as error:
        # Entities, external references or a DTD: what entity-expansion and XXE attacks use.
        kind = "an external entity" if getattr(error, "sysid", None) else "an entity"
        raise FileProblem(name, "xml_entities", f"the workbook's XML declares {kind} "
                                                f"('{getattr(error, 'name', '?')}'), the shape of "
                                                "an entity-expansion or external-entity attack; refused unread. "
                                                "Save the table again from a spreadsheet.") from None
    except Exception as error:  # openpyxl raises many kinds for broken workbooks
        raise FileProblem(name, "not_a_table", f"the workbook could not be read: {error}") from None
    _check_header(name, header)
    return pd.DataFrame(body, columns=header, dtype=object).astype(str)


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATION = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _sheet_path(archive: zipfile.ZipFile, table: str | None) -> str | None:
    """The archive member of the sheet to be read: the one named after ``table``, else the first."""
    from defusedxml.ElementTree import fromstring

    sheets = fromstring(archive.read("xl/workbook.xml")).iter(f"{_MAIN}sheet")
    chosen = next(iter(sorted(sheets, key=lambda sheet: sheet.get("name") != table)), None)
    if chosen is None:
        return None
    targets = {rel.get("Id"): rel.get("Target") for rel in fromstring(archive.read("xl/_rels/workbook.xml.rels"))}
    target = targets.get(chosen.get(_RELATION), "")
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _first_formula(archive: zipfile.ZipFile, table: str | None) -> str | None:
    """The reference of the first cell of the sheet to be read that holds a formula. A
    formula's saved result is not a figure a source states, and a workbook written by a
    program has none: the cell would read as empty."""
    from defusedxml.ElementTree import iterparse

    path = _sheet_path(archive, table)
    if path is None:
        return None
    with archive.open(path) as sheet:
        cell = None
        for event, element in iterparse(sheet, events=("start",)):
            if element.tag == f"{_MAIN}c":
                cell = element.get("r")
            elif element.tag == f"{_MAIN}f":
                return cell or "?"
    return None


def _first_row_width(archive: zipfile.ZipFile, table: str | None) -> int:
    """How many cells the first row of the sheet to be read holds (the sheet named after
    ``table``, else the first), read from the workbook's XML up to that row's end."""
    from defusedxml.ElementTree import iterparse

    path = _sheet_path(archive, table)
    if path is None:
        return 0
    width = 0
    with archive.open(path) as sheet:
        for event, element in iterparse(sheet, events=("end",)):
            if element.tag == f"{_MAIN}c":
                width += 1
            elif element.tag == f"{_MAIN}row":
                break
    return width


def _cell_text(value, percent: bool = False) -> str:
    """A workbook cell as the text a CSV would hold. A spreadsheet turns a date typed or
    opened as 2019-06-30 into a date cell, which reads as a timestamp: it is the date
    (YYYY-MM-DD) again, so a table edited in a spreadsheet reads as it was written. A
    moment within a day stays a timestamp, and is refused as not a date. A number shown
    as a percentage (65% is stored as 0.65) reads as the percentage, where ``percent``."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if percent and isinstance(value, int | float) and not isinstance(value, bool):
        shown = float(f"{value * 100:.12g}")  # 0.65 * 100 is 65.00000000000001 in binary
        return str(int(shown)) if shown.is_integer() else str(shown)
    return str(value)


def entity_columns(entity: str) -> list[str]:
    """The columns a record of ``entity`` has in the data files, in their order."""
    if entity in TABLES:
        return TABLES[entity][1]
    return [c for c in (CATALOGUE_COLUMNS if entity == "indicator" else SOURCE_COLUMNS) if c != "text_file"]


def prepare(table: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The upload as the data files write it, and a note on what was set aside: the columns
    an export adds (computed, so ignored), the apostrophe an export puts before text a
    spreadsheet would run as a formula, true/false flags in any spelling, and a share the
    export filled in from its numerator and denominator."""
    frame = frame.astype(str).copy()
    notes = []
    derived = [c.name for c in COLUMNS.get(table, []) if c.derived and c.name in frame.columns]
    computed = frame.get("value_computed", pd.Series(dtype=str)).str.strip().str.lower().isin(_YES)
    if derived:
        notes.append(f"ignored the column(s) {', '.join(derived)}: the project computes them")
        frame = frame.drop(columns=derived)
    for column in frame.columns:
        cells = frame[column]
        escaped = cells.str.startswith("'") & cells.str[1:].str.startswith(FORMULA_STARTS)
        frame[column] = cells.where(~escaped, cells.str[1:])
    for column, kind in _KINDS.get(table, {}).items():
        if kind == FLAG and column in frame.columns:
            lowered = frame[column].str.strip().str.lower()
            frame[column] = lowered.map(lambda v: "true" if v in _YES else "" if v in _NO else None).fillna(
                frame[column])
    if computed.any() and {"value", "numerator", "denominator", "unit"} <= set(frame.columns):
        numbers = {c: pd.to_numeric(frame[c].str.replace(",", ""), errors="coerce") for c in
                   ("value", "numerator", "denominator")}
        share = ratio_value(numbers["numerator"], numbers["denominator"], frame["unit"].str.strip())
        # The workbook shows a share to one decimal: within half of that it is the export's own.
        same = computed & ((numbers["value"] - share).abs() <= 0.05 + 1e-9)
        if same.any():
            frame.loc[same, "value"] = ""
            notes.append(f"left value empty in {int(same.sum())} row(s) where the export computed it from the "
                         "numerator and denominator")
    return frame, notes


def plan_import(store: Store, table: str, frame: pd.DataFrame, extra: list[Edit] | None = None,
                name: str | None = None) -> Plan:
    """What importing ``frame`` into ``table`` would do, row by row, column by column, with
    every failure of the rules; nothing is written. ``extra`` records (a new indicator the
    rows measure) are checked with them. ``name``: the file's, for the messages."""
    entity = TABLE_NAMES.get(table)
    label = name or f"{table}.csv"
    if entity is None:
        hint = did_you_mean(table, list(TABLE_NAMES))
        return Plan(table, [], [f"unknown table '{table}'; use one of {', '.join(TABLE_NAMES)}"
                                + (f" (did you mean '{hint}'?)" if hint else "")])
    columns = entity_columns(entity)
    frame, notes = prepare(table, frame)
    problems = []
    unknown = [c for c in frame.columns if c not in columns]
    for column in unknown:
        failure = Failure(label, None, column, "unexpected_column", f"column '{column}' is not part of the "
                          f"{table} table", value=column, suggestion=did_you_mean(column, columns))
        problems.append(failure)
    # Without the columns of its key a row names no record; without another required
    # column it can still correct a stored record (which keeps its value), not add one.
    keys = _KEY_COLUMNS[entity]
    absent = [c for c in columns if c not in OPTIONAL and c not in frame.columns]
    unkeyed = [Failure(label, None, column, "missing_column", f"required column '{column}' is absent")
               for column in absent if column in keys]
    if unkeyed:
        problems += unkeyed
        return Plan(table, [], [str(p) for p in problems], notes=notes, failures=problems)
    absent = [c for c in absent if c not in keys]
    frame = frame.drop(columns=unknown)
    state = apply(store.state(), extra or [])
    current = state.get(entity, {})
    outcomes, edits, origin = [], [], {}
    for number, row in enumerate(frame.to_dict("records"), start=2):
        given = {column: str(value).strip() for column, value in row.items()}
        key = record_key(entity, given)
        if key in origin:
            outcomes.append(Outcome(number, key, REFUSED, [Failure(label, number, None, "duplicate_row",
                                                                   "another row of the file has the same key")]))
            continue
        if entity == "source" and key not in current:
            outcomes.append(Outcome(number, key, REFUSED, [Failure(
                label, number, "symbol", "new_source", f"{key} is not a stored source: a new source is added with "
                "its text (`indicators add-source`, or the app's Candidates tab)", value=key)]))
            continue
        old = current.get(key)
        if old is None and absent:
            outcomes.append(Outcome(number, key, REFUSED, [Failure(
                label, number, column, "missing_column", f"required column '{column}' is absent, and the row adds a "
                "record (a row that corrects a stored one may leave it out)") for column in absent]))
            continue
        record = _record(entity, columns, given, old)
        changes = [] if old is None else [(c, _shown(old.get(c)), _shown(record.get(c))) for c in columns
                                          if not _equal(old.get(c), record.get(c), _KINDS[table].get(c))]
        status = ADDED if old is None else (CHANGED if changes else UNCHANGED)
        outcomes.append(Outcome(number, key, status, changes=changes, record=record))
        origin[key] = len(outcomes) - 1
        if status != UNCHANGED:
            edits.append(Edit(entity, key, PUT, record))
    dataset = None
    if edits:
        dataset, by_row = _failures_by_key(apply(state, edits), entity)
        for key, failures in by_row.items():
            if key in origin:
                outcome = outcomes[origin[key]]
                outcome.status = REFUSED
                outcome.failures.extend(replace(f, file=label, row=outcome.row) for f in failures)
            else:
                problems.extend(failures)
    _name_waiting(store, problems, outcomes)
    for outcome in outcomes:
        if outcome.status in (ADDED, CHANGED):
            outcome.proof = PROVED if entity in QUOTED else VALID
        elif outcome.status == REFUSED:
            outcome.proof = "refused"
    return Plan(table, outcomes, [str(p) for p in problems], notes=notes, failures=problems,
                dataset=dataset if not problems and all(o.status != REFUSED for o in outcomes) else None)


# A row's check, as the dry run and the review show it. "proved": the quote is at its
# location in the source and states the figure in its role (indicators.proof).
PROVED = "proved"
VALID = "valid"
QUOTED = {"observation", "target", "milestone"}
_YES = {word for word, flag in FLAGS.items() if flag}
_NO = {word for word, flag in FLAGS.items() if not flag}
_KINDS = {"observations": OBSERVATION_COLUMNS, "targets": TARGET_COLUMNS, "milestones": MILESTONE_COLUMNS,
          "indicators": CATALOGUE_COLUMNS, "sources": SOURCE_COLUMNS}


# The failures that name a record another change may hold, waiting for review.
_AWAITED = {"unknown_source": "source", "unknown_indicator": "indicator"}


def _name_waiting(store: Store, problems: list[Failure], outcomes: list[Outcome]) -> None:
    """Say so where a row names a source or indicator that a pending change adds: it is
    known, not yet published (an `add-source --into` folder, or a source awaiting review)."""
    lists = [problems, *(o.failures for o in outcomes)]
    entities = {_AWAITED[f.rule] for failures in lists for f in failures if f.rule in _AWAITED}
    waiting = {entity: store.waiting(entity) for entity in entities}
    for failures in lists:
        for index, failure in enumerate(failures):
            change = waiting.get(_AWAITED.get(failure.rule), {}).get(failure.value or "")
            if change is not None:
                entity = _AWAITED[failure.rule].replace("_", " ")
                failures[index] = replace(failure, suggestion=None, message=(
                    f"{entity} '{failure.value}' is not published yet: change {change} adds it and waits for review "
                    f"(`indicators review --show {change}`); once a reviewer approves it, these rows import"))


def _record(entity: str, columns: list[str], given: dict, old: dict | None) -> dict:
    """The record a row of the file makes: its cells, and where the file leaves a column
    out, the stored record's (a table of a few columns corrects only those)."""
    if entity in TABLES:
        return {c: given[c] if c in given else str((old or {}).get(c) or "") for c in columns}
    record = dict(old or {})
    for column, text in given.items():
        if text == "":
            record.pop(column, None)  # the YAML files leave an empty field out
        else:
            record[column] = int(text) if SOURCE_COLUMNS.get(column) == WHOLE and text.isdigit() else text
    return record


def _shown(value) -> str:
    return "" if value is None else str(value)


def _equal(old, new, kind: str | None) -> bool:
    """Whether two cells say the same: numbers by value (65 and 65.0), the rest as text."""
    a, b = _shown(old).strip(), _shown(new).strip()
    if a == b:
        return True
    if kind in (NUMBER, WHOLE):
        try:
            return float(a.replace(",", "")) == float(b.replace(",", ""))
        except ValueError:
            return False
    return False


def _failures_by_key(state: dict, entity: str) -> tuple[Dataset | None, dict[str, list[Failure]]]:
    """The data as ``state`` holds it, validated (None when it fails), and every failure
    by the key of the record it is about (failures about no one record under None)."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        write_folder(state, data)
        dataset, failures = validate_folder(data)
    keys = list(state.get(entity, {}))
    file, first = _ENTITY_FILES[entity]
    out: dict[str, list[Failure]] = {}
    for failure in failures:
        index = None if failure.row is None or failure.file != file else failure.row - first
        key = keys[index] if index is not None and 0 <= index < len(keys) else None
        out.setdefault(key, []).append(failure)
    return dataset, out


_KEY_COLUMNS = {**{entity: key for entity, (_, _, key) in TABLES.items()}, "indicator": ("id",),
                "source": ("symbol",)}
_ENTITY_FILES = {**{entity: (file, 2) for entity, (file, _, _) in TABLES.items()},
                 "indicator": (paths.CATALOGUE_FILE, 1), "source": (f"{paths.SOURCES_DIR}/{paths.SOURCES_FILE}", 1)}


def review_view(store: Store, change_id: int) -> tuple[list[Plan], pd.DataFrame]:
    """What a change would do, read as its dry run read: a plan per table it writes (each
    row's changed columns, old and new, and the proof's result against the published data
    as it is now), and what no table plan shows (retractions, a new source, the dataset's
    description) as :func:`indicators.store.record_diff` rows."""
    edits = store.edits_of(change_id)
    entities = {entity: table for table, entity in TABLE_NAMES.items() if table != "sources"}
    planned = [e for e in edits if e.action == PUT and e.entity in entities]
    others = [e for e in edits if e not in planned]
    plans = []
    for entity, table in entities.items():
        records = [e.record for e in planned if e.entity == entity]
        if records:
            frame = pd.DataFrame(records).fillna("").astype(str)
            plans.append(plan_import(store, table, frame, [e for e in edits if e.entity != entity and e.action == PUT],
                                     name=f"change {change_id}"))
    return plans, record_diff(store.state(), others)


def source_conflicts(store: Store, record: dict) -> list[str]:
    """Why a source may not be proposed with the file its symbol names: the file is another
    source's, published or waiting for review (A/73/480 and A-73-480 both name A-73-480.txt)."""
    sources = [*store.state().get("source", {}).values(), *store.pending_records("source")]
    owner = next((s["symbol"] for s in sources if s.get("text_file") == record["text_file"]
                  and s.get("symbol") != record["symbol"]), None)
    return [] if owner is None else [f"sources/{record['text_file']} is the text of {owner}; a source never "
                                     "replaces another's (give another symbol)"]


def plan_records(store: Store, edits: list[Edit]) -> list[str]:
    """Every validation failure the data would have with ``edits`` put: a new source, an
    indicator. Empty when they may be submitted."""
    state = store.state()
    known = [f"{e.entity} {e.key} is already in the store" for e in edits if e.key in state.get(e.entity, {})]
    conflicts = [line for e in edits if e.entity == "source" for line in source_conflicts(store, e.record)]
    return known + conflicts + [str(f) for f in store.check(edits)]


def submit_records(store: Store, edits: list[Edit], user: User, reason: str, origin: str) -> tuple[list[str], int | None]:
    """Check ``edits`` (:func:`plan_records`) and, when nothing fails, submit them as one
    pending change: the failures and the change's id."""
    problems = plan_records(store, edits)
    if problems:
        return problems, None
    # Just checked: the store's own check would validate the same data again.
    return [], store.submit(edits, user, reason, origin=origin, check=False)


def import_table(store: Store, table: str, frame: pd.DataFrame, user: User, reason: str,
                 commit: bool = False, extra: list[Edit] | None = None, name: str | None = None) -> Plan:
    """Plan the import; with ``commit`` and no refusal, write it (and the ``extra``
    records) as one pending change."""
    plan = plan_import(store, table, frame, extra, name)
    if commit and plan.ok:
        entity = TABLE_NAMES[table]
        edits = list(extra or []) + [Edit(entity, o.key, PUT, o.record) for o in plan.outcomes
                                     if o.status in (ADDED, CHANGED)]
        if len(edits) > len(extra or []):
            # The plan validated the data with these rows; approval validates it again.
            plan.change_id = store.submit(edits, user, reason, origin="import", check=False)
    return plan
