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
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from indicators.exports import SOURCE_NOTE
from indicators.files import FileProblem, csv_lines, decode_text, read_csv_text
from indicators.store import PUT, TABLES, Edit, Store, User, apply, record_key, write_folder
from indicators.validation import validate_folder

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
TABLE_NAMES = {"observations": "observation", "targets": "target", "milestones": "milestone"}


@dataclass
class Outcome:
    row: int  # as a spreadsheet numbers it: the header is row 1
    key: str
    status: str
    messages: list[str] = field(default_factory=list)


@dataclass
class Plan:
    table: str
    outcomes: list[Outcome]
    file_problems: list[str]
    change_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.file_problems and not any(o.status == REFUSED for o in self.outcomes)

    def counts(self) -> dict[str, int]:
        return {status: sum(o.status == status for o in self.outcomes) for status in (ADDED, CHANGED, UNCHANGED,
                                                                                     REFUSED)}

    def lines(self) -> list[str]:
        out = list(self.file_problems)
        for o in self.outcomes:
            detail = f": {'; '.join(o.messages)}" if o.messages else ""
            out.append(f"row {o.row} ({o.key}): {o.status}{detail}")
        return out


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
    if b"\x00" in content[:8192]:
        raise FileProblem(name, "not_a_table", "the file is binary, not a CSV table or an Excel workbook")
    text = decode_text(content, name)
    header = next(csv.reader(csv_lines(text)), [])
    _check_width(name, len(header))
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
    try:
        # openpyxl measures every sheet when it opens a workbook (the whole sheet, where a
        # spreadsheet did not write its size): the chosen sheet's first row is read first.
        _check_width(name, _first_row_width(archive, table))
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
    except Exception as error:  # openpyxl raises many kinds for broken workbooks
        raise FileProblem(name, "not_a_table", f"the workbook could not be read: {error}") from None
    if len(set(header)) != len(header):
        raise FileProblem(name, "unreadable_file", "the header repeats a column name")
    return pd.DataFrame(body, columns=header, dtype=object).astype(str)


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATION = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _first_row_width(archive: zipfile.ZipFile, table: str | None) -> int:
    """How many cells the first row of the sheet to be read holds (the sheet named after
    ``table``, else the first), read from the workbook's XML up to that row's end."""
    from defusedxml.ElementTree import fromstring, iterparse

    sheets = fromstring(archive.read("xl/workbook.xml")).iter(f"{_MAIN}sheet")
    chosen = next(iter(sorted(sheets, key=lambda sheet: sheet.get("name") != table)), None)
    if chosen is None:
        return 0
    targets = {rel.get("Id"): rel.get("Target") for rel in fromstring(archive.read("xl/_rels/workbook.xml.rels"))}
    target = targets.get(chosen.get(_RELATION), "")
    path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
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


def plan_import(store: Store, table: str, frame: pd.DataFrame, extra: list[Edit] | None = None) -> Plan:
    """What importing ``frame`` into ``table`` would do, row by row; nothing is written.
    ``extra`` records (a new indicator the rows measure) are checked with them."""
    entity = TABLE_NAMES.get(table)
    if entity is None:
        return Plan(table, [], [f"unknown table '{table}'; use one of {', '.join(TABLE_NAMES)}"])
    file, columns, _ = TABLES[entity]
    state = apply(store.state(), extra or [])
    current = state.get(entity, {})
    frame = frame.astype(str)
    outcomes, merged, origin = [], dict(current), {}
    for number, row in enumerate(frame.to_dict("records"), start=2):
        record = {column: str(row.get(column, "")).strip() for column in frame.columns}
        key = record_key(entity, record)
        if key in origin:
            outcomes.append(Outcome(number, key, REFUSED, ["another row of the file has the same key"]))
            continue
        status = ADDED if key not in current else (UNCHANGED if _same(current[key], record, columns) else CHANGED)
        outcomes.append(Outcome(number, key, status))
        merged[key] = record
        origin[key] = len(outcomes) - 1
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        write_folder({**state, entity: {}}, data)
        # The merged table, written with the upload's own columns so a wrong or extra column is seen.
        pd.DataFrame(list(merged.values()), columns=_columns(frame.columns, columns)).fillna("").to_csv(
            data / file, index=False)
        _, failures = validate_folder(data)
    problems = []
    keys = list(merged)
    for failure in failures:
        if failure.file != file or failure.row is None:
            problems.append(str(failure))
            continue
        key = keys[failure.row - 2]
        if key in origin:
            outcome = outcomes[origin[key]]
            outcome.status = REFUSED
            outcome.messages.append(f"column {failure.column}: [{failure.rule}] {failure.message}")
        else:
            problems.append(str(failure))
    return Plan(table, outcomes, problems)


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


def _columns(uploaded, expected: list[str]) -> list[str]:
    extra = [c for c in uploaded if c not in expected]
    return [c for c in expected if c in uploaded] + extra


def _same(old: dict, new: dict, columns: list[str]) -> bool:
    return all(str(old.get(c, "") or "") == str(new.get(c, "") or "") for c in columns)


def import_table(store: Store, table: str, frame: pd.DataFrame, user: User, reason: str,
                 commit: bool = False, extra: list[Edit] | None = None) -> Plan:
    """Plan the import; with ``commit`` and no refusal, write it (and the ``extra``
    records) as one pending change."""
    plan = plan_import(store, table, frame, extra)
    if commit and plan.ok:
        entity = TABLE_NAMES[table]
        records = frame.astype(str).to_dict("records")
        edits = list(extra or []) + [
            Edit(entity, o.key, PUT, {k: str(v).strip() for k, v in records[o.row - 2].items()})
            for o in plan.outcomes if o.status in (ADDED, CHANGED)]
        if edits:
            # The plan validated the data with these rows; approval validates it again.
            plan.change_id = store.submit(edits, user, reason, origin="import", check=False)
    return plan
