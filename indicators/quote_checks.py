"""The proof of each row against its source: the location exists, the quote is there,
and the quote (or, for a dataset, the cell) states the row's figure in the row's role.

A module of its own because remembered proofs are keyed on the code that proves
(:func:`indicators.code_version.proving_code`): this module and what it imports. A
release that changes another rule, the reading of the files or the revisions keeps the
proofs of a million rows; one that changes this module, the proof, the tokenizer or the
reading of a source proves them again.
"""

from __future__ import annotations

import pandas as pd

from indicators import proof, proof_cache
from indicators.proof import prove_observations, prove_targets
from indicators.sources import DATASET, Source

QUOTE_RULES = ("location_not_in_source", "quote_not_at_location", "value_not_in_row", "value_not_in_quote",
               "value_in_wrong_role", "pair_mismatch")


def quote_checks(df: pd.DataFrame, sources: dict[str, Source], table: str) -> dict[str, pd.Series]:
    """The location exists in its source, the quote is there, and the source states every
    number of the row in the row's role (:mod:`indicators.proof`); for a dataset, the row
    named holds the value."""
    place = proof.places(df) if table == "observations" else None
    paired = proof.paired(df) if table == "observations" else pd.Series(False, index=df.index)
    digests, usable = proof_cache.row_digests(df, sources, table, place, paired)
    remembered = proof_cache.known(digests, usable) if proof_cache.cache_file() is not None else False
    known = pd.Series(remembered, index=df.index, dtype=bool)
    todo = df.loc[~known]
    location_ok, quote_ok, row_ok = [], [], []
    numerators = todo["numerator"] if "numerator" in todo else pd.Series(None, index=todo.index, dtype=float)
    rows = zip(todo["source"], todo["location"], todo["quote"], todo["value"], numerators, strict=True)
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
            located = source.text_at(location) is not None
            location_ok.append(located), row_ok.append(True)
            quote_ok.append(not located or source.find_quote(location, quote) is not None)
    texts = todo.loc[todo["source"].map(lambda s: source_kind(sources, s) != DATASET).astype(bool)]
    # Only the rows proven here have a verdict (the remembered ones, most rows, have none).
    verdicts = prove_verdicts(texts, table, place)
    rules = pd.Series(None, index=df.index, dtype=object)
    rules[verdicts.index] = [verdict.rule for verdict in verdicts]
    results = {
        "location_not_in_source": pd.Series(location_ok, index=todo.index, dtype=bool).reindex(df.index, fill_value=True),
        "quote_not_at_location": pd.Series(quote_ok, index=todo.index, dtype=bool).reindex(df.index, fill_value=True),
        "value_not_in_row": pd.Series(row_ok, index=todo.index, dtype=bool).reindex(df.index, fill_value=True),
        "value_not_in_quote": rules != "value_not_in_quote",
        "value_in_wrong_role": rules != "value_in_wrong_role",
        "pair_mismatch": rules != "pair_mismatch",
    }
    proven = pd.concat(list(results.values()), axis=1).all(axis=1)
    fresh = usable & proven.to_numpy(dtype=bool) & ~known.to_numpy()
    if fresh.any():
        proof_cache.remember(digests[known.to_numpy()], digests[fresh])
    return results


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
