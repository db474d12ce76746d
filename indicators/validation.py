"""Read the data folder, validate every table lazily and report each failure once.

Nothing here stops at the first problem: parsing, the pandera models and the checks across
tables all run, and every failure is reported with its file, row, column and rule. Row
numbers count the header as row 1, as a spreadsheet does; catalogue entries are numbered
from 1 in file order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import yaml

from indicators import paths
from indicators.schemas import (
    RULES,
    CatalogueModel,
    MilestoneModel,
    milestone_checks,
    ObservationModel,
    SourceModel,
    TargetModel,
    context_checks,
    prove_verdicts,
    ratio_value,
)
from indicators.sources import Source, load_sources, source_records

TEXT = "text"
NUMBER = "number"
WHOLE = "whole number"
DATE = "date"
FLAG = "true/false"

SOURCE_COLUMNS = {"symbol": TEXT, "title": TEXT, "issuing_body": TEXT, "year": WHOLE, "language": TEXT,
                  "url": TEXT, "text_file": TEXT, "obtained": TEXT, "licence": TEXT, "data_cutoff": DATE,
                  "current_figures": TEXT}
CATALOGUE_COLUMNS = {"id": TEXT, "name": TEXT, "description": TEXT, "unit": TEXT,
                     "reform_area": TEXT, "direction": TEXT, "definition_notes": TEXT,
                     "sentence": TEXT}
_PROVENANCE = {"unit": TEXT, "source": TEXT, "paragraph": WHOLE, "quote": TEXT, "notes": TEXT}
OBSERVATION_COLUMNS = {"indicator_id": TEXT, "period_label": TEXT, "period_start": DATE,
                       "period_end": DATE, "value": NUMBER, "numerator": NUMBER,
                       "denominator": NUMBER, "qualifier": TEXT, "is_baseline": FLAG, **_PROVENANCE}
TARGET_COLUMNS = {"indicator_id": TEXT, "value": NUMBER, "deadline": DATE,
                  "deadline_label": TEXT, "kind": TEXT, "scope": TEXT, **_PROVENANCE}
MILESTONE_COLUMNS = {"id": TEXT, "reform_area": TEXT, "commitment": TEXT, "due": DATE, "due_label": TEXT,
                     "source": TEXT, "paragraph": WHOLE, "quote": TEXT, "outcome": TEXT, "settled_by": TEXT,
                     "settled_paragraph": WHOLE, "settled_quote": TEXT, "notes": TEXT}
OPTIONAL = {"outcome", "settled_by", "settled_paragraph", "settled_quote", "data_cutoff", "current_figures", "definition_notes", "sentence", "notes", "numerator", "denominator", "qualifier",
            "is_baseline", "deadline", "deadline_label", "scope"}
_NUMBER_CELL = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_FLAGS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


@dataclass(frozen=True)
class Failure:
    file: str
    row: int | None
    column: str | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        column = f", column {self.column}" if self.column else ""
        return f"{where}{column}: [{self.rule}] {self.message}"


@dataclass
class Dataset:
    """The validated tables, typed, with computed values filled in."""

    reform_areas: pd.DataFrame
    catalogue: pd.DataFrame
    observations: pd.DataFrame
    targets: pd.DataFrame
    sources: dict[str, Source] = field(repr=False)
    milestones: pd.DataFrame = field(default_factory=lambda: empty_milestones(), repr=False)

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
                                          f"column '{column}' is not part of this table"))
    frame = frame[[c for c in frame.columns if c in spec]].copy()
    for column, kind in spec.items():
        if column not in frame.columns:
            frame[column] = pd.NA
            if column in missing:
                # Reported once as a missing column, not again on every row.
                table.unreadable.update((index, column) for index in frame.index)
        raw = frame[column].astype("string").str.strip().replace("", pd.NA)
        if kind == TEXT:
            parsed = raw.astype(object).where(raw.notna(), None)
        elif kind in (NUMBER, WHOLE):
            # A thousands separator must sit where one belongs: "1,890" reads, "1,89" and
            # "18,9" (a decimal comma, or a typo) are refused rather than read as 189.
            well_formed = raw.str.fullmatch(_NUMBER_CELL).fillna(False).astype(bool)
            parsed = pd.to_numeric(raw.where(well_formed).str.replace(",", "", regex=False), errors="coerce")
            if kind == WHOLE:
                parsed = parsed.where(parsed.isna() | (parsed == parsed.round()))
        elif kind == DATE:
            parsed = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
        else:
            parsed = raw.str.lower().map(_FLAGS).astype(object)
            parsed = parsed.where(raw.notna(), False)
        bad = raw.notna() & pd.isna(parsed)
        for index in frame.index[bad]:
            table.unreadable.add((index, column))
            table.failures.append(Failure(
                table.file, table.row(index), column, f"not_a_{kind.replace(' ', '_').replace('/', '_or_')}",
                f"'{raw[index]}' is not a {kind}" + (" (YYYY-MM-DD)" if kind == DATE else "")))
        frame[column] = parsed
    for column, kind in spec.items():
        if kind in (NUMBER, WHOLE):
            frame[column] = frame[column].astype("float64")
        elif kind == DATE:
            frame[column] = pd.to_datetime(frame[column])
        elif kind == FLAG:
            frame[column] = frame[column].astype(bool)
    table.frame = frame


def _collect(table: _Table, schema: pa.DataFrameSchema, name: str | None = None) -> None:
    """Validate lazily and turn pandera's failure cases into one failure per row and rule."""
    try:
        schema.validate(table.frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        seen = set()
        verdicts = None
        for case in errors.failure_cases.itertuples(index=False):
            index = None if case.index is None or pd.isna(case.index) else case.index
            rule_name = str(case.check)
            rule = RULES.get(rule_name)
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
                    # The proof says which number failed and why; ask it once per table.
                    verdicts = prove_verdicts(table.frame, name) if verdicts is None else verdicts
                    values["detail"] = verdicts[index].detail
                message = rule.message.format(**values)
            else:
                message = f"{_show(case.failure_case)} fails {rule_name}"
            table.failures.append(Failure(table.file, table.row(index), column, rule_name, message))


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
    return pa.DataFrameSchema(columns=schema.columns, checks=schema.checks + checks,
                              strict=schema.strict, name=schema.name)


def _read_catalogue(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    areas = pd.DataFrame(document.get("reform_areas") or [], columns=["id", "name", "section"])
    return areas, pd.DataFrame(document.get("indicators") or [])


def _read_csv(path: Path) -> tuple[pd.DataFrame, list[Failure]]:
    """The table as text cells, or an empty table and the reason it could not be read."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8"), []
    except (pd.errors.ParserError, UnicodeDecodeError, FileNotFoundError) as error:
        return pd.DataFrame(), [Failure(path.name, None, None, "unreadable_file", str(error).strip())]


def validate_folder(data_dir: Path | None = None) -> tuple[Dataset | None, list[Failure]]:
    """Validate everything in ``data_dir``; return the dataset (None when any rule fails)
    and the list of failures."""
    data_dir = Path(data_dir or paths.data_dir())
    source_table = _Table(f"{paths.SOURCES_DIR}/{paths.SOURCES_FILE}", pd.DataFrame(source_records(data_dir)),
                          first_row=1)
    _parse(source_table, SOURCE_COLUMNS)
    folder = data_dir / paths.SOURCES_DIR
    text_found = pa.Check(lambda df: df["text_file"].map(lambda f: isinstance(f, str) and (folder / f).is_file()),
                          error="text_file_missing")
    _collect(source_table, _with_checks(SourceModel, [text_found]))
    if source_table.failures:
        # Quotes cannot be checked against texts that cannot be read.
        return None, source_table.failures
    sources = load_sources(data_dir)
    areas, catalogue_raw = _read_catalogue(data_dir / paths.CATALOGUE_FILE)

    catalogue = _Table(paths.CATALOGUE_FILE, catalogue_raw, first_row=1)
    _parse(catalogue, CATALOGUE_COLUMNS)
    area_check = pa.Check(lambda df: df["reform_area"].isin(areas["id"]), error="unknown_reform_area")
    _collect(catalogue, _with_checks(CatalogueModel, [area_check]))

    tables = {}
    for name, file, spec in (("observations", paths.OBSERVATIONS_FILE, OBSERVATION_COLUMNS),
                             ("targets", paths.TARGETS_FILE, TARGET_COLUMNS)):
        frame, unreadable = _read_csv(data_dir / file)
        tables[name] = _Table(file, frame, first_row=2, failures=unreadable)
        if not unreadable:
            _parse(tables[name], spec)
    observations, targets = tables["observations"], tables["targets"]

    for table, model, name in ((observations, ObservationModel, "observations"), (targets, TargetModel, "targets")):
        if any(f.rule in ("missing_column", "unreadable_file") for f in table.failures):
            continue
        readable = "period_end" in observations.frame.columns
        checks = context_checks(name, catalogue.frame, sources, observations.frame if readable else None)
        _collect(table, _with_checks(model, checks), name)

    milestones = _Table(paths.MILESTONES_FILE, empty_milestones(), first_row=2)
    if (data_dir / paths.MILESTONES_FILE).exists():
        frame, unreadable = _read_csv(data_dir / paths.MILESTONES_FILE)
        milestones = _Table(paths.MILESTONES_FILE, frame, first_row=2, failures=unreadable)
        if not unreadable:
            _parse(milestones, MILESTONE_COLUMNS)
            if not any(f.rule == "missing_column" for f in milestones.failures):
                _collect(milestones, _with_checks(MilestoneModel, milestone_checks(areas, sources)), "milestones")

    failures = catalogue.failures + observations.failures + targets.failures + milestones.failures
    failures.sort(key=lambda f: (f.file, f.row or 0, f.column or "", f.rule))
    if failures:
        return None, failures
    obs = observations.frame.copy()
    obs["value"] = obs["value"].fillna(ratio_value(obs["numerator"], obs["denominator"], obs["unit"]))
    obs["paragraph"] = obs["paragraph"].astype(int)
    tgt = targets.frame.copy()
    tgt["paragraph"] = tgt["paragraph"].astype(int)
    return Dataset(areas, catalogue.frame, obs, tgt, sources, milestones.frame), []


def load(data_dir: Path | None = None) -> Dataset:
    """The validated dataset; raises :class:`DataValidationError` listing every failure."""
    dataset, failures = validate_folder(data_dir)
    if failures:
        raise DataValidationError(failures)
    return dataset
