"""The proof of each row against its source: the location exists, the quote is there,
and the quote (or, for a dataset, the cell) states the row's figure in the row's role.

A module of its own because remembered proofs are keyed on the code that proves
(:func:`indicators.code_version.proving_code`): this module and what it imports. A
release that changes another rule, the reading of the files or the revisions keeps the
proofs of a million rows; one that changes this module, the proof, the tokenizer or the
reading of a source proves them again.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from indicators import proof, proof_cache, scratch
from indicators.proof import prove_observations, prove_targets
from indicators.sources import DATASET, Source, find_ignoring_whitespace

# The rules a row's proof may break, of which the last ones are the proof's verdict.
VERDICT_RULES = ("value_not_in_quote", "value_in_wrong_role", "pair_mismatch", "unit_not_in_quote",
                 "period_not_in_quote")
QUOTE_RULES = ("location_not_in_source", "quote_not_at_location", "value_not_in_row", *VERDICT_RULES)


def quote_checks(df: pd.DataFrame, sources: dict[str, Source], table: str) -> dict[str, pd.Series]:
    """The location exists in its source, the quote is there, and the source states every
    number of the row in the row's role (:mod:`indicators.proof`); for a dataset, the row
    named holds the value."""
    place = proof.places(df) if table == "observations" else None
    paired = proof.paired(df) if table == "observations" else pd.Series(False, index=df.index)
    recall = proof_cache.Recall(df, sources, table, place, paired)
    known = pd.Series(recall.known, index=df.index, dtype=bool)
    todo = df.loc[~known]
    workers = min(proof_workers(), len(todo) // PARALLEL_ROWS)
    checked = _checked_in_parts(todo, sources, table, place, workers) if workers > 1 \
        else _checked(todo, sources, table, place)
    # Only the rows proven here have a result (the remembered ones, most rows, have none).
    rules = checked["rule"].reindex(df.index)
    results = {
        rule: checked[rule].reindex(df.index, fill_value=True)
        for rule in ("location_not_in_source", "quote_not_at_location", "value_not_in_row")
    }
    results.update({rule: rules != rule for rule in VERDICT_RULES})
    recall.remember(pd.concat(list(results.values()), axis=1).all(axis=1).to_numpy(dtype=bool))
    return results


# The columns the checks of a row read (of either table): only these are sent to a helper.
PROOF_READS = ("indicator_id", "source", "location", "quote", "value", "numerator", "denominator", "period_start",
               "period_end", "period_label", "unit", "notes")
# Rows to prove per process: below this a helper (an interpreter to start, the rows and
# their sources to write out and read back) costs about what it saves. Measured on two
# cores: at 100,000 rows in all, from 0.4 s saved to 0.2 s lost; at 1,000,000, 12 s of 50.
PARALLEL_ROWS = 100_000


def proof_workers() -> int:
    """Processes that prove rows at once: ``$INDICATORS_PROOF_WORKERS``, else one per CPU
    this process may run on."""
    chosen = os.environ.get("INDICATORS_PROOF_WORKERS", "").strip()
    if chosen:
        if not chosen.isdigit() or int(chosen) < 1:
            raise ValueError(f"INDICATORS_PROOF_WORKERS must be a whole number of processes, not {chosen!r}")
        return int(chosen)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _checked_in_parts(todo: pd.DataFrame, sources: dict[str, Source], table: str, place: pd.Series | None,
                      workers: int) -> pd.DataFrame:
    """:func:`_checked` in ``workers`` processes (this one and helpers), each given the rows
    of some indicators: a row's proof reads its indicator's rows only (its place, given
    here, and the pair it makes), so the parts are proven apart and put together by index."""
    # By a hash of the indicator, not its order: indicators listed in turn from a report and
    # from a table would otherwise give one process every quote to read.
    part = (pd.util.hash_pandas_object(todo["indicator_id"], index=False).to_numpy() % workers).astype(int)
    parts = [todo.loc[part == number, [c for c in PROOF_READS if c in todo]] for number in range(workers)]
    # A folder of its own, removed by the next validation if this process is killed.
    folder = scratch.make("indicators-proof-")
    helpers = []
    try:
        for number, rows in enumerate(parts[1:], start=1):  # each kept at once: stopped if a later one fails
            helpers.append(_Helper(folder / str(number), (rows, _cited(rows, sources), table,
                                                          None if place is None else place.reindex(rows.index))))
        here = _checked(parts[0], sources, table, place)
        return pd.concat([here, *(helper.result() for helper in helpers)]).reindex(todo.index)
    finally:
        for helper in helpers:
            helper.stop()  # when this part failed: their answers are not wanted
        scratch.remove(folder)


class _Helper:
    """A process of this package's own that checks one part of the rows, given and
    answering through files (a pipe written from a thread of this busy process crawled,
    a few kilobytes per switch of the interpreter's lock).

    Started as a command, not by multiprocessing: its "spawn" runs the caller's main
    script again in each process, so a researcher's script without an ``if __name__ ==
    "__main__"`` guard would start itself over; and its "fork" copies the locks of the
    app's threads in whatever state they are."""

    def __init__(self, stem: Path, arguments: tuple) -> None:
        self.asked, self.answer, self.errors = (stem.with_suffix(suffix) for suffix in (".in", ".out", ".err"))
        self.asked.write_bytes(pickle.dumps(arguments, protocol=pickle.HIGHEST_PROTOCOL))
        package_folder = str(Path(__file__).resolve().parents[1])
        path = os.pathsep.join(filter(None, [package_folder, os.environ.get("PYTHONPATH")]))
        with self.errors.open("wb") as errors:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "import sys; from indicators.quote_checks import serve; serve(*sys.argv[1:])",
                 str(self.asked), str(self.answer)],
                stdin=subprocess.DEVNULL, stdout=errors, stderr=errors, env={**os.environ, "PYTHONPATH": path})

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def result(self) -> pd.DataFrame:
        if self.process.wait() != 0 or not self.answer.is_file():
            said = self.errors.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"a process proving rows stopped ({self.process.returncode}): {said}")
        done, value = pickle.loads(self.answer.read_bytes())
        if not done:
            raise value
        return value


def serve(asked: str, answer: str) -> None:
    """A helper's work: read one part's arguments, write its checks (or the error raised)."""
    arguments = pickle.loads(Path(asked).read_bytes())
    try:
        result = (True, _checked(*arguments))
    except Exception as error:  # raised again in the process that asked
        result = (False, error)
    Path(answer).write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))


def _cited(rows: pd.DataFrame, sources: dict[str, Source]) -> dict[str, Source]:
    """The sources ``rows`` cite, the only ones a process proving them is sent."""
    return {symbol: sources[symbol] for symbol in rows["source"].dropna().unique() if symbol in sources}


def _checked(todo: pd.DataFrame, sources: dict[str, Source], table: str, place: pd.Series | None) -> pd.DataFrame:
    """Each row's checks against its source (same index): whether its location is there,
    its quote at it and a dataset's cell holds its figure, and the rule its proof breaks
    (None when it breaks none, or is not proven by a quote)."""
    location_ok, quote_ok, row_ok = [], [], []
    numerators = todo["numerator"] if "numerator" in todo else pd.Series(None, index=todo.index, dtype=float)
    # Columns as lists: stepping through an Arrow-backed column makes each cell's string
    # one at a time, five times slower than making them all at once.
    rows = zip(*(column.tolist() for column in (todo["source"], todo["location"], todo["quote"], todo["value"],
                                                numerators)), strict=True)
    for symbol, location, quote, value, numerator in rows:
        source = sources.get(symbol)
        if source is None or not isinstance(location, str):
            # unknown_source or the missing location reports this row; nothing to look up
            location_ok.append(True), quote_ok.append(True), row_ok.append(True)
        elif source.kind == DATASET:
            found = source.cell(location)
            problem = None if found is None else dataset_problem(source, location, found, value, numerator)
            location_ok.append(found is not None), quote_ok.append(True), row_ok.append(problem is None)
        else:
            # The text once, and the quote looked for in it (``Source.find_quote`` would
            # look the location up again, a sixth of a row's check).
            text = source.text_at(location)
            location_ok.append(text is not None), row_ok.append(True)
            quote_ok.append(text is None or find_ignoring_whitespace(text, quote) is not None)
    texts = todo.loc[[source_kind(sources, symbol) != DATASET for symbol in todo["source"].tolist()]]
    verdicts = prove_verdicts(texts, table, place)
    rules = pd.Series(None, index=todo.index, dtype=object)
    rules[verdicts.index] = [verdict.rule for verdict in verdicts]
    return pd.DataFrame({"location_not_in_source": np.array(location_ok, dtype=bool),
                         "quote_not_at_location": np.array(quote_ok, dtype=bool),
                         "value_not_in_row": np.array(row_ok, dtype=bool), "rule": rules.to_numpy()}, index=todo.index)


def source_kind(sources: dict[str, Source], symbol) -> str | None:
    source = sources.get(symbol)
    return None if source is None else source.kind


def dataset_problem(source: Source, location: str, found: tuple[str, str], value, numerator) -> str | None:
    """Why a dataset's cell (``found``: its text and column) does not hold the row's
    figure, or None when it does."""
    cell, column = found
    cell = cell.replace(",", "")
    try:
        stated = float(cell)
    except ValueError:
        return f"{source.symbol} {source.cite(location)} holds '{cell}' in column {column}, not a number"
    wanted = value if numerator is None or pd.isna(numerator) else numerator
    if pd.isna(wanted) or abs(stated - float(wanted)) > 1e-6:
        return f"{source.symbol} {source.cite(location)} holds {cell} in column {column}, not {_plain_number(wanted)}"
    return None


def _plain_number(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def observation_numbers(row) -> list[float]:
    """The numbers a quote must state: numerator and denominator where the report gives
    "X out of Y" (the value is then computed), otherwise the value itself."""
    if pd.notna(row.numerator) and pd.notna(row.denominator):
        return [row.numerator, row.denominator]
    return [row.value]


def failure_details(df: pd.DataFrame, table: str, sources: dict[str, Source], rows=None) -> dict:
    """Why each row's figure is not proven, by index: the proof's words for a quote, the
    cell a dataset's row holds instead. Asked only once a table has failed, for ``rows``
    (all when None): only their indicators' rows are proven again, since a verdict depends
    on no rows but its indicator's (a figure's place and its pair). A mistyped figure in a
    million rows is then explained in a moment, not in a minute."""
    if rows is not None:
        df = df.loc[df["indicator_id"].isin(df.loc[list(rows), "indicator_id"])]
    details = {index: verdict.detail for index, verdict in prove_verdicts(df, table).items()
               if verdict is not None and not pd.isna(verdict)}
    numerators = df["numerator"] if "numerator" in df else pd.Series(None, index=df.index, dtype=float)
    for index, symbol, location, value, numerator in zip(df.index, df["source"], df["location"], df["value"],
                                                          numerators, strict=True):
        source = sources.get(symbol)
        if source is not None and source.kind == DATASET and isinstance(location, str):
            found = source.cell(location)
            if found is not None:
                details[index] = dataset_problem(source, location, found, value, numerator) or ""
    return details


def prove_verdicts(df: pd.DataFrame, table: str, place: pd.Series | None = None) -> pd.Series:
    """The proof's verdict on each row; ``place`` (from the whole table) when ``df`` is a
    part of it."""
    return prove_observations(df, place) if table == "observations" else prove_targets(df)
