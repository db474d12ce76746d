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

import datetime
import io
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from indicators.files import FileProblem, read_csv
from indicators.store import PUT, TABLES, Edit, Store, User, record_key, write_folder
from indicators.validation import validate_folder

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
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


def read_upload(name: str, content: bytes, limit: int = MAX_UPLOAD_BYTES) -> pd.DataFrame:
    """The upload as text cells; its real bytes decide how it is read, never its name.
    ``limit``: the app's upload limit by default; the command line reads files as large
    as the data files may be (``INDICATORS_MAX_FILE_MB``)."""
    if len(content) > limit:
        raise FileProblem(name, "file_too_large", f"{len(content) / 1024 / 1024:.1f} MB is over the limit "
                                                  f"of {limit / 1024 / 1024:.0f} MB")
    if not content.strip():
        raise FileProblem(name, "empty_file", "the file is empty")
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(name, content)
    if b"\x00" in content[:8192]:
        raise FileProblem(name, "not_a_table", "the file is binary, not a CSV table or an Excel workbook")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.csv"  # the uploaded name is never used as a path
        path.write_bytes(content)
        return read_csv(path, name)


def _read_xlsx(name: str, content: bytes) -> pd.DataFrame:
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
        frame = pd.read_excel(io.BytesIO(content), dtype=object, engine="openpyxl")
    except Exception as error:  # openpyxl raises many kinds for broken workbooks
        raise FileProblem(name, "not_a_table", f"the workbook could not be read: {error}") from None
    return frame.map(_cell_text).astype(str)


def _cell_text(value) -> str:
    """A workbook cell as the text a CSV would hold. A spreadsheet turns a date typed or
    opened as 2019-06-30 into a date cell, which reads as a timestamp: it is the date
    (YYYY-MM-DD) again, so a table edited in a spreadsheet reads as it was written. A
    moment within a day stays a timestamp, and is refused as not a date."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def plan_import(store: Store, table: str, frame: pd.DataFrame, extra: list[Edit] | None = None) -> Plan:
    """What importing ``frame`` into ``table`` would do, row by row; nothing is written.
    ``extra`` records (a new indicator the rows measure) are checked with them."""
    entity = TABLE_NAMES.get(table)
    if entity is None:
        return Plan(table, [], [f"unknown table '{table}'; use one of {', '.join(TABLE_NAMES)}"])
    file, columns, _ = TABLES[entity]
    state = with_edits(store.state(), extra or [])
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


def with_edits(state: dict[str, dict[str, dict]], edits: list[Edit]) -> dict[str, dict[str, dict]]:
    """The state as it would read with ``edits`` put (the state itself is left as it is)."""
    merged = {entity: dict(records) for entity, records in state.items()}
    for edit in edits:
        merged.setdefault(edit.entity, {})[edit.key] = edit.record
    return merged


def plan_records(store: Store, edits: list[Edit]) -> list[str]:
    """Every validation failure the data would have with ``edits`` put: a new source, an
    indicator. Empty when they may be submitted."""
    state = store.state()
    known = [f"{e.entity} {e.key} is already in the store" for e in edits if e.key in state.get(e.entity, {})]
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        write_folder(with_edits(state, edits), data)
        _, failures = validate_folder(data)
    return known + [str(f) for f in failures]


def submit_records(store: Store, edits: list[Edit], user: User, reason: str, origin: str) -> tuple[list[str], int | None]:
    """Check ``edits`` (:func:`plan_records`) and, when nothing fails, submit them as one
    pending change: the failures and the change's id."""
    problems = plan_records(store, edits)
    if problems:
        return problems, None
    return [], store.submit(edits, user, reason, origin=origin)


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
            plan.change_id = store.submit(edits, user, reason, origin="import")
    return plan
