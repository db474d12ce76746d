"""Read the data folder, validate every table lazily and report each failure once.

Nothing here stops at the first problem: parsing, the pandera models and the checks across
tables all run, and every failure is reported with its file, row, column and rule. Row
numbers count the header as row 1, as a spreadsheet does; catalogue entries are numbered
from 1 in file order.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from indicators import folder_cache, paths, row_changes
from indicators.dataset_info import dataset_info
from indicators.lookup import did_you_mean
from indicators.files import (
    FileProblem,
    confined,
    max_file_bytes,
    read_csv,
    read_csv_text,
    read_yaml,
)
from indicators.periods import instants
from indicators.quote_checks import failure_details
from indicators.revisions import mark_observations, mark_targets
from indicators.schemas import (
    RULES,
    CatalogueModel,
    MilestoneModel,
    ObservationModel,
    SourceModel,
    TargetModel,
    baseline_periods,
    context_checks,
    deadline_after_baseline,
    milestone_checks,
    ratio_value,
)
from indicators.sources import DATASET, Source, load_sources, source_records

TEXT = "text"
NUMBER = "number"
WHOLE = "whole number"
DATE = "date"
FLAG = "true/false"

SOURCE_COLUMNS = {"symbol": TEXT, "title": TEXT, "kind": TEXT, "issuing_body": TEXT, "year": WHOLE, "language": TEXT,
                  "url": TEXT, "text_file": TEXT, "obtained": TEXT, "licence": TEXT, "data_cutoff": DATE,
                  "current_figures": TEXT, "published": DATE, "retrieved": DATE}
CATALOGUE_COLUMNS = {"id": TEXT, "name": TEXT, "description": TEXT, "unit": TEXT,
                     "reform_area": TEXT, "direction": TEXT, "definition_notes": TEXT,
                     "sentence": TEXT, "population": TEXT}
_PROVENANCE = {"unit": TEXT, "source": TEXT, "location": TEXT, "quote": TEXT, "notes": TEXT}
OBSERVATION_COLUMNS = {"indicator_id": TEXT, "period_label": TEXT, "period_start": DATE,
                       "period_end": DATE, "value": NUMBER, "numerator": NUMBER,
                       "denominator": NUMBER, "qualifier": TEXT, "is_baseline": FLAG, **_PROVENANCE}
TARGET_COLUMNS = {"indicator_id": TEXT, "value": NUMBER, "deadline": DATE,
                  "deadline_label": TEXT, "kind": TEXT, "scope": TEXT, **_PROVENANCE}
MILESTONE_COLUMNS = {"id": TEXT, "reform_area": TEXT, "commitment": TEXT, "due": DATE, "due_label": TEXT,
                     "source": TEXT, "location": TEXT, "quote": TEXT, "outcome": TEXT, "settled_by": TEXT,
                     "settled_location": TEXT, "settled_quote": TEXT, "notes": TEXT}
OPTIONAL = {"published", "retrieved", "outcome", "settled_by", "settled_location", "settled_quote", "data_cutoff", "current_figures", "definition_notes", "sentence", "population", "notes", "numerator", "denominator", "qualifier",
            "is_baseline", "deadline", "deadline_label", "scope"}
_NUMBER_CELL = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
EARLIEST, LATEST = pd.Timestamp("1945-01-01"), pd.Timestamp("2100-12-31")
# Plain (not raw) strings: Python turns the escapes into the characters themselves, which
# Arrow's regular expressions (RE2, run over whole columns) read as Python's re does; RE2
# has no \u escapes of its own, and its \s misses some of the white space Python's \s
# matches, so pandas would run a pattern with \s cell by cell in Python. _SPACE is exactly
# Python's \s, written out (a test compares them over every code point).
_SPACE = "[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
_MARKUP = f"<{_SPACE}*/?{_SPACE}*[A-Za-z!?][^>]*>"
_FORMULA = "^[=+@\uff1d\uff0b\uff20]"
_CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]"
_SUSPECT = f"{_CONTROL}|{_MARKUP}|{_FORMULA}"
FLAGS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


@dataclass(frozen=True)
class Failure:
    file: str
    row: int | None
    column: str | None
    rule: str
    message: str
    value: str | None = None  # the cell as read, where one cell fails
    suggestion: str | None = None  # the closest allowed value, where the cell names one

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        column = f", column {self.column}" if self.column else ""
        return f"{where}{column}: [{self.rule}] {self.message}{self.hint}"

    @property
    def hint(self) -> str:
        return f" (did you mean '{self.suggestion}'?)" if self.suggestion else ""


@dataclass
class Dataset:
    """The validated tables, typed, with computed values filled in."""

    reform_areas: pd.DataFrame
    catalogue: pd.DataFrame
    observations: pd.DataFrame
    targets: pd.DataFrame
    sources: dict[str, Source] = field(repr=False)
    milestones: pd.DataFrame = field(default_factory=lambda: empty_milestones(), repr=False)
    # The folder the tables came from, so exports describe this data, not the default's.
    folder: Path | None = None

    def area_names(self) -> dict[str, str]:
        """Reform area id -> name, in the catalogue's order."""
        return dict(zip(self.reform_areas["id"], self.reform_areas["name"], strict=True))

    def indicator_names(self) -> dict[str, str]:
        """Indicator id -> name, in the catalogue's order."""
        return dict(zip(self.catalogue["id"], self.catalogue["name"], strict=True))


def empty_milestones() -> pd.DataFrame:
    """The milestones table of a data folder that has none (the file is optional)."""
    frame = pd.DataFrame({column: pd.Series(dtype="datetime64[ns]" if kind == DATE else
                                            "float64" if kind == WHOLE else object)
                          for column, kind in MILESTONE_COLUMNS.items()})
    return frame


class DataValidationError(Exception):
    def __init__(self, failures: list[Failure]):
        self.failures = failures
        super().__init__(f"{len(failures)} validation failure(s):\n" + "\n".join(map(str, failures)))


@dataclass
class _Table:
    file: str
    frame: pd.DataFrame
    first_row: int  # the row number of the frame's first record
    failures: list[Failure] = field(default_factory=list)
    # (index, column) pairs already reported as unreadable, so pandera does not repeat them
    unreadable: set[tuple[int, str]] = field(default_factory=set)
    # The text columns: validated as Arrow text, then handed on as Python strings.
    text: list[str] = field(default_factory=list)

    def row(self, index) -> int | None:
        return None if index is None or pd.isna(index) else int(index) + self.first_row


def _parse(table: _Table, spec: dict[str, str]) -> None:
    """Give each column its type; a cell that cannot be read is a failure, not a crash."""
    frame = table.frame
    missing = [c for c in spec if c not in frame.columns and c not in OPTIONAL]
    for column in missing:
        table.failures.append(Failure(table.file, None, column, "missing_column",
                                      f"required column '{column}' is absent"))
    for column in frame.columns:
        if column not in spec:
            table.failures.append(Failure(table.file, None, column, "unexpected_column",
                                          f"column '{column}' is not part of this table", value=column))
    frame = frame[[c for c in frame.columns if c in spec]].copy()
    for column, kind in spec.items():
        if column not in frame.columns:
            frame[column] = pd.NA
            if column in missing:
                # Reported once as a missing column, not again on every row.
                table.unreadable.update((index, column) for index in frame.index)
        raw = _cells(frame[column])
        if kind == TEXT:
            # Validated as pandas' Arrow-backed text: over Python strings (object) every rule
            # on a text column was a loop over its cells. Handed on as Python strings, None
            # when missing (:func:`_as_python_text`).
            parsed = raw.astype("str")
        elif kind in (NUMBER, WHOLE):
            # A thousands separator must sit where one belongs: "1,890" reads, "1,89" and
            # "18,9" (a decimal comma, or a typo) are refused rather than read as 189.
            well_formed = raw.str.fullmatch(_NUMBER_CELL).fillna(False).astype(bool)
            # Every cell left is a plain decimal number, which Arrow reads as Python would
            # (correctly rounded), and three times faster than pandas' own parser.
            plain = pyarrow.array(raw.where(well_formed).str.replace(",", "", regex=False))
            parsed = pd.Series(pc.cast(plain, pyarrow.float64()).to_numpy(zero_copy_only=False), index=frame.index)
            if kind == WHOLE:
                parsed = parsed.where(parsed.isna() | (parsed == parsed.round()))
        elif kind == DATE:
            parsed = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
        else:
            lowered = raw.str.lower()
            yes = lowered.isin([word for word, flag in FLAGS.items() if flag]).to_numpy(dtype=bool)
            no = lowered.isin([word for word, flag in FLAGS.items() if not flag]).to_numpy(dtype=bool)
            parsed = pd.Series(np.where(yes, True, np.where(no, False, None)), index=frame.index, dtype=object)
            parsed = parsed.where(raw.notna(), False)
        bad = raw.notna() & pd.isna(parsed)
        for index in frame.index[bad]:
            table.unreadable.add((index, column))
            table.failures.append(Failure(
                table.file, table.row(index), column, f"not_a_{kind.replace(' ', '_').replace('/', '_or_')}",
                f"'{_printable(raw[index])}' is not a {kind}" + (" (YYYY-MM-DD)" if kind == DATE else ""),
                value=_printable(raw[index])))
        if kind == DATE:
            # Peacekeeping began in 1948; nothing here is dated before the UN or far ahead.
            far = parsed.notna() & ((parsed < EARLIEST) | (parsed > LATEST))
            for index in frame.index[far]:
                table.unreadable.add((index, column))
                table.failures.append(Failure(table.file, table.row(index), column, "date_out_of_range",
                                              f"{parsed[index].date()} is outside {EARLIEST.year} to {LATEST.year}"))
            parsed = parsed.where(~far)
        if kind == TEXT:
            # One pass finds whether any cell could break a text rule; the rules below, one
            # pass each, run only then (almost never).
            suspect = raw.str.contains(_SUSPECT, regex=True).fillna(False).astype(bool)
            if not suspect.any():
                frame[column] = parsed
                continue
            # Control characters break spreadsheets, SVG and slides downstream: refuse them here.
            hidden = raw.notna() & raw.str.contains(_CONTROL, regex=True).fillna(False).astype(bool)
            for index in frame.index[hidden]:
                table.unreadable.add((index, column))
                table.failures.append(Failure(table.file, table.row(index), column, "control_character",
                                              f"'{_printable(raw[index])}' holds a control character"))
            # Text is shown as text everywhere, but markup and spreadsheet formulas have no
            # place in a figure's record: refuse them at the door rather than carry them.
            for rule, pattern, why in (("markup", _MARKUP, "holds HTML or XML markup"),
                                       ("formula_prefix", _FORMULA, "starts like a spreadsheet formula")):
                found = raw.notna() & raw.str.contains(pattern, regex=True).fillna(False).astype(bool)
                for index in frame.index[found & ~hidden]:
                    table.unreadable.add((index, column))
                    table.failures.append(Failure(table.file, table.row(index), column, rule,
                                                  f"'{_printable(raw[index])}' {why}"))
        frame[column] = parsed
    for column, kind in spec.items():
        if kind in (NUMBER, WHOLE):
            frame[column] = frame[column].astype("float64")
        elif kind == DATE:
            frame[column] = pd.to_datetime(frame[column])
        elif kind == FLAG:
            frame[column] = frame[column].astype(bool)
    table.frame = frame
    table.text = [column for column, kind in spec.items() if kind == TEXT]


def _as_python_text(table: _Table) -> None:
    """The text columns as Python strings, None when missing, once the rules have run:
    what the app, the exports and the kept state read. A change to a few rows patches the
    kept tables, which stepping through Arrow text, or converting a million cells to
    compare them, would slow more than the rules gain (an empty table keeps its type)."""
    if table.frame.empty:
        return
    for column in table.text:
        cells = table.frame[column]
        table.frame[column] = cells.astype(object).where(cells.notna(), None)


def _cells(column: pd.Series) -> pd.Series:
    """A column's cells as read: trimmed, empty ones missing. Arrow strings, so the checks
    run as vectorised regular expressions, not per cell."""
    return column.astype("string[pyarrow]").str.strip().replace("", pd.NA)


def _collect(table: _Table, schema: pa.DataFrameSchema, name: str | None = None,
             sources: dict[str, Source] | None = None) -> None:
    """Validate lazily and turn pandera's failure cases into one failure per row and rule;
    then hand the text columns on as Python strings."""
    try:
        schema.validate(table.frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        seen = set()
        # The rows whose message gives the proof's words: explained together, once.
        explained = {case.index for case in errors.failure_cases.itertuples(index=False)
                     if case.index is not None and not pd.isna(case.index)
                     and "{detail}" in getattr(RULES.get(str(case.check)), "message", "")}
        details = failure_details(table.frame, name, sources or {}, explained) if explained else {}
        for case in errors.failure_cases.itertuples(index=False):
            index = None if case.index is None or pd.isna(case.index) else case.index
            rule_name = str(case.check)
            rule = RULES.get(rule_name)
            choices = ()
            column = rule.column if rule else (case.column if case.column in table.frame.columns else None)
            if (index, column) in table.unreadable:
                continue
            key = (index, rule_name, column)
            if key in seen:
                continue
            seen.add(key)
            if rule and index is not None:
                values = {k: _show(v) for k, v in table.frame.loc[index].items()}
                if "{detail}" in rule.message:
                    values["detail"] = details.get(index, "")
                message = rule.message.format(**values)
            elif rule_name == "not_nullable":
                message = "a value is required here"
            elif rule_name == "field_uniqueness":
                rule_name = "not_unique"
                message = f"another row holds '{_show(case.failure_case)}' too; no two rows may share it"
            elif rule_name.startswith("isin("):
                # pandera names the check by its values: "isin(('count', 'percent', 'ratio'))".
                allowed = ast.literal_eval(rule_name[5:-1])
                rule_name = "not_allowed"
                message = f"'{_show(case.failure_case)}' is not one of {', '.join(map(str, allowed))}"
                choices = [str(a) for a in allowed]
            elif rule_name.startswith("str_length("):
                # pandera names the check by its bounds: "str_length(5, 3000)".
                low, high = (None if bound == "None" else int(bound) for bound in rule_name[11:-1].split(", "))
                rule_name = "text_too_long" if high is not None and len(str(case.failure_case)) > high else \
                    "text_too_short"
                bound = f"at most {high:,}" if rule_name == "text_too_long" else f"at least {low:,}"
                message = f"{len(str(case.failure_case)):,} characters; this column holds {bound}"
            else:
                message = f"{_show(case.failure_case)} fails {rule_name}"
            value = _show(table.frame.loc[index, column]) if index is not None and column else None
            table.failures.append(Failure(table.file, table.row(index), column, rule_name, message, value,
                                          suggestion=did_you_mean(value, choices)))
    _as_python_text(table)


# The columns each file may hold, for "did you mean" on a misspelt column.
_FILE_COLUMNS = {paths.OBSERVATIONS_FILE: OBSERVATION_COLUMNS, paths.TARGETS_FILE: TARGET_COLUMNS,
                 paths.MILESTONES_FILE: MILESTONE_COLUMNS}


def _suggested(failures: list[Failure], context: _Context) -> list[Failure]:
    """Each failure that names an unknown id, source or column, with the closest known one."""
    known = {"unknown_indicator": list(context.catalogue.frame.get("id", pd.Series(dtype=object)).dropna()),
             "unknown_source": list(context.sources), "unknown_reform_area": list(context.areas["id"])}
    out = []
    for failure in failures:
        choices = (list(_FILE_COLUMNS.get(failure.file, ())) if failure.rule == "unexpected_column"
                   else known.get(failure.rule))
        if choices and failure.suggestion is None:
            failure = replace(failure, suggestion=did_you_mean(failure.value, choices))
        out.append(failure)
    return out


def _printable(text: str, limit: int = 60) -> str:
    """A cell as it may be printed in a message: control characters shown as escapes, cut short."""
    shown = text.encode("unicode_escape").decode("ascii") if re.search(_CONTROL, text) else text
    return shown if len(shown) <= limit else shown[:limit] + "…"


def _show(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "(empty)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def _with_checks(model: type[pa.DataFrameModel], checks: list[pa.Check]) -> pa.DataFrameSchema:
    schema = model.to_schema()
    table_checks = schema.checks + checks
    for check in table_checks:
        # Each rule answers for every row, missing cells included (pandera would otherwise
        # also pass rows whose cells are all missing, at the price of a full isna per rule).
        check.ignore_na = False
    return pa.DataFrameSchema(columns=schema.columns, checks=table_checks, strict=schema.strict, name=schema.name)


def _problem(error: FileProblem) -> Failure:
    return Failure(error.file, None, None, error.rule, error.message)


def _read_catalogue(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    document = read_yaml(path, paths.CATALOGUE_FILE)
    areas, entries = document.get("reform_areas") or [], document.get("indicators") or []
    for name, value in (("reform_areas", areas), ("indicators", entries)):
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise FileProblem(paths.CATALOGUE_FILE, "unreadable_yaml",
                              f"'{name}' must be a list of entries, each a mapping of field names to values")
    return pd.DataFrame(areas, columns=["id", "name", "section"]), pd.DataFrame(entries)


def _read_csv(path: Path) -> tuple[pd.DataFrame, list[Failure]]:
    """The table as text cells, or an empty table and the reason it could not be read."""
    try:
        return read_csv(path, path.name), []
    except FileProblem as error:
        return pd.DataFrame(), [_problem(error)]


def validate_folder(data_dir: Path | None = None, kept: bool = True) -> tuple[Dataset | None, list[Failure]]:
    """Validate everything in ``data_dir``; return the dataset (None when any rule fails)
    and the list of failures. A folder whose every byte was validated before by the same
    code is not validated again (:mod:`indicators.folder_cache`) unless ``kept`` is false."""
    data_dir = Path(data_dir or paths.data_dir())
    if not data_dir.is_dir():
        return None, [Failure(str(data_dir), None, None, "no_data_folder",
                              "there is no data folder here; give one with --data or INDICATORS_DATA_DIR")]
    folder = folder_cache.folder_print(data_dir) if kept and folder_cache.cache_dir() is not None else None
    base = None
    if folder is not None:
        with folder_cache.gc_paused():
            known = folder_cache.recall(folder, data_dir)
            if known is None:
                base = folder_cache.latest_base(folder)
                known = _revalidate(folder, data_dir, base)
        if known is not None:
            return known, []
    # In full, but a source the same code read before from the same bytes is taken as read.
    earlier = (base.dataset.sources, _unchanged_files(base, folder, data_dir)) if base is not None else ()
    dataset, failures = _validate_folder(data_dir, *earlier)
    if folder is not None and dataset is not None:
        folder_cache.remember(folder, data_dir, dataset)
    return dataset, failures


def _revalidate(folder: folder_cache.FolderPrint, data_dir: Path, base: folder_cache.Kept | None) -> Dataset | None:
    """The dataset of a folder validated by the same code as a kept state, validated again
    only where it differs from that state; None when there is no such state or it takes a
    full validation.

    Every rule on observations looks at one row, at its indicator's catalogue entry and the
    source it cites, or at other rows: those of its indicator and source (its place in the
    series, its pair, its duplicates) and those of its indicator (one baseline). So of the
    observations only these rows are validated again (:func:`_peer_rows`): those of each
    indicator and source a changed row belongs to, before or after the change (of a
    dataset, only those of the same period: its figures are proven cell by cell); those
    of an indicator whose catalogue entry changed; those citing a source that says or
    dates anything differently (:attr:`~indicators.sources.Source.bearing`). Baselines are
    then counted on the whole new table, and which figure stands is marked again for every
    row sharing an indicator and period with them (:func:`_marked_again`). Every other row
    is the same bytes, read and ruled on the same way before. When any file but the
    observations changed, the small tables (sources, catalogue, targets, milestones) are
    validated whole, an unchanged source taken as it was read before. Any failure falls
    back to the full validation, which reports them all."""
    new = folder.observations
    if new is None or len(new) > max_file_bytes():
        return None
    if base is None or base.raw is None:
        return None
    span = row_changes.changed_span(base.raw, base.starts, new)
    if span is None:
        return None
    starts = row_changes.new_starts(base.starts, span)
    try:
        header = new[:starts[1]].decode("utf-8-sig")
        middle = read_csv_text(header + span.middle.decode("utf-8"), paths.OBSERVATIONS_FILE)
    except (UnicodeDecodeError, FileProblem):
        return None  # the full validation says where and why
    if len(middle) != span.rows or not set(_PEER_KEY) <= set(middle.columns):
        return None
    if span.rows and _cells(middle["indicator_id"]).isna().any():
        return None
    kept = base.dataset.observations
    size = len(kept) - (span.stop - span.first) + span.rows
    if kept.empty or size == 0:
        return None  # an empty table has dtypes of its own: validated in full
    replaced = kept.iloc[span.first - 1:span.stop - 1]
    inside = _peer_keys(middle, validated=False)
    changed = pd.concat([inside, _peer_keys(replaced, validated=True)], ignore_index=True)
    indicators = pd.Series(row_changes.row_ids(kept["indicator_id"], span, inside["indicator_id"]), dtype=object)
    cited = pd.Series(row_changes.row_ids(kept["source"], span, inside["source"]), dtype=object)
    # Only rows of a changed row's indicator can be its peers: their keys alone are built.
    among = np.flatnonzero(_among(indicators, changed["indicator_id"]))
    peers = _keys_at(kept, inside, span, among)
    datasets = [symbol for symbol, source in base.dataset.sources.items() if source.kind == DATASET]
    again = np.zeros(size, dtype=bool)
    again[among[_peer_rows(peers, changed, datasets)]] = True
    again[span.first - 1:span.first - 1 + span.rows] = True  # a changed row is its own peer, whatever it holds
    if 2 * again.sum() > size:
        # Most of the table to read again: the full validation is as quick, and keeps the
        # new state whole rather than as a patch as large as the table.
        return None
    against = _context_against(base, folder, data_dir)
    if against is None:
        return None
    context, entries, bearing = against
    again |= _among(indicators, entries) | _among(cited, bearing)
    positions = np.flatnonzero(again)
    if 2 * len(positions) > size:
        return None
    records = [new[starts[at + 1]:starts[at + 2]] for at in positions]
    text = header + b"".join(r if r.endswith(b"\n") else r + b"\n" for r in records).decode("utf-8")
    table = _Table(paths.OBSERVATIONS_FILE, read_csv_text(text, paths.OBSERVATIONS_FILE), first_row=2)
    if len(table.frame) != len(positions):
        return None
    table.frame.index = positions  # row numbers as in the whole file
    _parse(table, OBSERVATION_COLUMNS)
    if not table.failures and len(positions):
        checks = context_checks("observations", context.catalogue.frame, context.sources)
        _collect(table, _with_checks(ObservationModel, checks), "observations", context.sources)
    if table.failures:
        return None
    rows = _completed(table.frame, context.sources)[list(kept.columns)].astype(kept.dtypes.to_dict())
    observations = row_changes.apply(kept, row_changes.Patch(span, positions, rows))
    # The rows validated hold their indicators' rows only in part: baselines are counted,
    # and which figure stands is marked, on the whole new table.
    if (_baselines_per_indicator(observations) > 1).any():
        return None
    positions = _marked_again(observations, positions, replaced, context.sources)
    patch = row_changes.Patch(span, positions, observations.iloc[positions].set_axis(positions))
    if folder.context == base.context:
        # Only a changed row moves its indicator's baseline.
        targets = base.dataset.targets
        concerned = targets[targets["indicator_id"].isin(changed["indicator_id"])]
        ends = baseline_periods(observations[observations["indicator_id"].isin(concerned["indicator_id"])])
        if not deadline_after_baseline(concerned, ends["period_end"]).all():
            return None
        dataset = replace(base.dataset, observations=observations, folder=data_dir)
    else:
        targets = _validate_targets(data_dir, context, observations)
        milestones = _validate_milestones(data_dir, context)
        if targets.failures or milestones.failures:
            return None
        dataset = _dataset(context, observations, targets, milestones, data_dir)
    folder_cache.remember_patch(folder, base, patch, dataset, starts)
    return dataset


# What a row's rules read of the other rows: its indicator and source (its place in the
# series, its pair), and, of a dataset's rows, only those of its period (its duplicates).
_PEER_KEY = ("indicator_id", "source", "period_start", "period_end")


def _peer_keys(rows: pd.DataFrame, validated: bool) -> pd.DataFrame:
    """The peer keys of rows, ``validated`` or as read (their cells trimmed and dates
    parsed as validation does: a date that does not read is missing), dates as numbers."""
    keys = {}
    for name in _PEER_KEY:
        column = rows[name] if validated else _cells(rows[name])
        if name.startswith("period_"):
            if not validated:
                column = pd.to_datetime(column, format="%Y-%m-%d", errors="coerce")
            keys[name] = instants(column)
        else:
            keys[name] = column.to_numpy(dtype=object)
    return pd.DataFrame(keys)


def _among(column: pd.Series, values) -> np.ndarray:
    """Which cells of ``column`` are among ``values``: none, without a pass, when there are none."""
    if not len(values):
        return np.zeros(len(column), dtype=bool)
    return column.isin(list(values)).to_numpy(dtype=bool)


def _keys_at(kept: pd.DataFrame, inside: pd.DataFrame, span: row_changes.Span, positions: np.ndarray) -> pd.DataFrame:
    """The peer keys of the new table's rows at ``positions``: of kept rows around the
    span, and ``inside`` (the keys of the span's rows) within it."""
    offset = span.first - 1
    within = (positions >= offset) & (positions < offset + span.rows)
    old = np.where(positions < offset, positions, positions - span.rows + (span.stop - span.first))
    keys = pd.concat([_peer_keys(kept.iloc[old[~within]], validated=True).set_axis(np.flatnonzero(~within)),
                      inside.iloc[positions[within] - offset].set_axis(np.flatnonzero(within))])
    return keys.sort_index().set_axis(positions)


def _peer_rows(peers: pd.DataFrame, changed: pd.DataFrame, datasets: list[str]) -> np.ndarray:
    """Which rows of the new table (``peers``: their peer-key columns) a rule of a changed
    row (``changed``: their peer keys, before and after) reads, or whose rules read it:
    those of its indicator and source, and of a dataset (whose figure is proven by its own
    cell, not by its place in a series) only those of its period. Each is validated again
    with all of its peers."""
    statement = ["indicator_id", "source"]
    again = pd.MultiIndex.from_frame(peers[statement]).isin(pd.MultiIndex.from_frame(changed[statement]))
    among = np.flatnonzero(again & peers["source"].isin(datasets).to_numpy())
    if len(among):
        period = pd.MultiIndex.from_frame(peers.iloc[among])
        again[among[~period.isin(pd.MultiIndex.from_frame(changed[list(_PEER_KEY)]))]] = False
    return again


def _baselines_per_indicator(observations: pd.DataFrame) -> pd.Series:
    """How many rows each indicator marks as its baseline (the rule allows one)."""
    return observations.loc[observations["is_baseline"].to_numpy(dtype=bool), "indicator_id"].value_counts()


def _marked_again(observations: pd.DataFrame, positions: np.ndarray, replaced: pd.DataFrame,
                  sources: dict[str, Source]) -> np.ndarray:
    """Mark again which figure stands (:func:`~indicators.revisions.mark_observations`), in
    place, for every row sharing an indicator and period with a row at ``positions`` or a
    ``replaced`` one; return their positions, ``positions`` among them. A figure's standing
    is decided among exactly such rows, so each is marked with all of its peers, in file
    order, as the full validation marks them."""
    key = ["indicator_id", "period_start", "period_end"]
    wanted = pd.MultiIndex.from_frame(pd.concat([observations[key].iloc[positions], replaced[key]]))
    # Only rows of their indicators can share a key with them: the keys of those alone are built.
    among = np.flatnonzero(observations["indicator_id"].isin(wanted.levels[0]).to_numpy())
    together = np.union1d(positions, among[pd.MultiIndex.from_frame(observations[key].iloc[among]).isin(wanted)])
    marked = mark_observations(observations.iloc[together], sources)
    for name in ("current", "superseded_by", "revised"):
        observations.iloc[together, observations.columns.get_loc(name)] = marked[name].to_numpy()
    return together


def _context_against(base: folder_cache.Kept, folder: folder_cache.FolderPrint,
                     data_dir: Path) -> tuple[_Context, set[str], set[str]] | None:
    """The folder's context (sources, catalogue), the ids of the catalogue entries that
    changed and the symbols of the sources that say or date anything differently: the kept
    context and none when no file but the observations changed; else read and validated
    again, each unchanged source taken as ``base`` read it. None when it fails (the full
    validation reports why)."""
    if folder.context == base.context:
        return _Context(base.dataset.reform_areas, _Table(paths.CATALOGUE_FILE, base.dataset.catalogue, 1),
                        base.dataset.sources), set(), set()

    context, _ = _read_context(data_dir, base.dataset.sources, _unchanged_files(base, folder, data_dir))
    if context is None or context.catalogue.failures:
        return None
    before, after = base.dataset.sources, context.sources
    bearing = {symbol for symbol in before.keys() | after.keys()
               if symbol not in before or symbol not in after
               or (before[symbol] is not after[symbol] and before[symbol].bearing != after[symbol].bearing)}
    return context, _changed_entries(base.dataset.catalogue, context.catalogue.frame), bearing


def _unchanged_files(base: folder_cache.Kept, folder: folder_cache.FolderPrint, data_dir: Path):
    """Whether a file of the folder has the bytes it had when ``base`` was validated."""
    key_of = folder_cache.file_keys(data_dir)

    def unchanged(path: Path) -> bool:
        key = key_of(path)
        return key in folder.files and base.files.get(key) == folder.files[key]

    return unchanged


def _changed_entries(old: pd.DataFrame, new: pd.DataFrame) -> set[str]:
    """The ids of catalogue entries added, removed or changed in any field."""
    if set(old.columns) != set(new.columns):
        return set(old["id"]) | set(new["id"])
    before, after = old.set_index("id"), new.set_index("id")[list(old.drop(columns="id").columns)]
    both = before.index.intersection(after.index)
    before, after = before.loc[both], after.loc[both]
    same = ((before == after) | (before.isna() & after.isna())).all(axis=1)
    return set(old["id"]).symmetric_difference(new["id"]) | set(both[~same.to_numpy()])


def _completed(observations: pd.DataFrame, sources: dict[str, Source]) -> pd.DataFrame:
    """Validated observations with which figure stands marked and computed values filled in."""
    out = mark_observations(observations, sources)
    out["value"] = out["value"].fillna(ratio_value(out["numerator"], out["denominator"], out["unit"]))
    return out


@dataclass
class _Context:
    """What the observations are validated against: the reform areas, the catalogue (its
    failures included) and the sources."""

    areas: pd.DataFrame
    catalogue: _Table
    sources: dict[str, Source]


def _read_context(data_dir: Path, earlier: dict[str, Source] | None = None,
                  unchanged=None) -> tuple[_Context | None, list[Failure]]:
    """The sources, validated, and the catalogue, read and validated; None and the failures
    when the sources cannot be read. ``earlier`` and ``unchanged`` pass sources read
    before to :func:`~indicators.sources.load_sources`."""
    source_file = f"{paths.SOURCES_DIR}/{paths.SOURCES_FILE}"
    try:
        records = source_records(data_dir)
    except FileProblem as error:
        return None, [_problem(error)]
    source_table = _Table(source_file, pd.DataFrame(records), first_row=1)
    _parse(source_table, SOURCE_COLUMNS)
    folder = data_dir / paths.SOURCES_DIR

    def inside(name) -> bool:
        try:
            return confined(folder, name, source_file).is_file()
        except FileProblem:
            return False

    text_found = pa.Check(lambda df: df["text_file"].map(inside), error="text_file_missing")
    _collect(source_table, _with_checks(SourceModel, [text_found]))
    if source_table.failures:
        # Quotes cannot be checked against texts that cannot be read.
        return None, source_table.failures
    try:
        sources = load_sources(data_dir, earlier, unchanged, records)
        areas, catalogue_raw = _read_catalogue(data_dir / paths.CATALOGUE_FILE)
        dataset_info(data_dir)
    except FileProblem as error:
        return None, [_problem(error)]

    catalogue = _Table(paths.CATALOGUE_FILE, catalogue_raw, first_row=1)
    _parse(catalogue, CATALOGUE_COLUMNS)
    area_check = pa.Check(lambda df: df["reform_area"].isin(areas["id"]), error="unknown_reform_area")
    _collect(catalogue, _with_checks(CatalogueModel, [area_check]))
    return _Context(areas, catalogue, sources), []


def _read_table(data_dir: Path, file: str, spec: dict[str, str]) -> _Table:
    """A table read and its cells typed; a file that cannot be read is its one failure."""
    frame, unreadable = _read_csv(data_dir / file)
    table = _Table(file, frame, first_row=2, failures=unreadable)
    if not unreadable:
        _parse(table, spec)
    return table


def _rules_apply(table: _Table) -> bool:
    """Whether a table's rules can run: a file that could not be read (too large, not
    UTF-8, ragged…) or lacks a column has said so once; its rules would only repeat it."""
    return not any(f.rule == "missing_column" or (f.row is None and f.column is None) for f in table.failures)


def _validate_targets(data_dir: Path, context: _Context, observations: pd.DataFrame | None) -> _Table:
    """targets.csv validated against the context and the observations' baselines (None
    when the observations could not be read)."""
    targets = _read_table(data_dir, paths.TARGETS_FILE, TARGET_COLUMNS)
    if _rules_apply(targets):
        if observations is not None and "indicator_id" in targets.frame:
            # Only the targets' own indicators' baselines are looked up.
            observations = observations[observations["indicator_id"].isin(targets.frame["indicator_id"])]
        checks = context_checks("targets", context.catalogue.frame, context.sources, observations)
        _collect(targets, _with_checks(TargetModel, checks), "targets", context.sources)
    return targets


def _validate_milestones(data_dir: Path, context: _Context) -> _Table:
    """milestones.csv (optional) validated against the reform areas and sources."""
    if not (data_dir / paths.MILESTONES_FILE).exists():
        return _Table(paths.MILESTONES_FILE, empty_milestones(), first_row=2)
    milestones = _read_table(data_dir, paths.MILESTONES_FILE, MILESTONE_COLUMNS)
    if _rules_apply(milestones):
        _collect(milestones, _with_checks(MilestoneModel, milestone_checks(context.areas, context.sources)),
                 "milestones")
    return milestones


def _validate_folder(data_dir: Path, earlier: dict[str, Source] | None = None,
                     unchanged=None) -> tuple[Dataset | None, list[Failure]]:
    context, failures = _read_context(data_dir, earlier, unchanged)
    if context is None:
        return None, failures
    observations = _read_table(data_dir, paths.OBSERVATIONS_FILE, OBSERVATION_COLUMNS)
    if _rules_apply(observations):
        checks = context_checks("observations", context.catalogue.frame, context.sources)
        _collect(observations, _with_checks(ObservationModel, checks), "observations", context.sources)
    readable = "period_end" in observations.frame.columns
    targets = _validate_targets(data_dir, context, observations.frame if readable else None)
    milestones = _validate_milestones(data_dir, context)
    failures = context.catalogue.failures + observations.failures + targets.failures + milestones.failures
    failures = _suggested(failures, context)
    failures.sort(key=lambda f: (f.file, f.row or 0, f.column or "", f.rule))
    if failures:
        return None, failures
    return _dataset(context, _completed(observations.frame, context.sources), targets, milestones, data_dir), []


def _dataset(context: _Context, observations: pd.DataFrame, targets: _Table, milestones: _Table,
             data_dir: Path) -> Dataset:
    return Dataset(context.areas, context.catalogue.frame, observations,
                   mark_targets(targets.frame, context.sources), context.sources, milestones.frame, data_dir)


def load(data_dir: Path | None = None, kept: bool = True) -> Dataset:
    """The validated dataset; raises :class:`DataValidationError` listing every failure."""
    dataset, failures = validate_folder(data_dir, kept)
    if failures:
        raise DataValidationError(failures)
    return dataset
