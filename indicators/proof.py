"""The proof that a quote states a row's number in the row's role.

A value must equal a quantity the quote states (:func:`indicators.numbers.measures`): not a
slice of a longer number, not a date, day, year or reference. Where the quote relates two
figures, the row must take the one that fits its place in the series:

- an indicator's earlier observation may not take the later figure of "from X to Y" (or
  "Y, up from X"), and its later observation may not take the earlier one;
- two observations of one indicator that cite the same quote take the two ends of the same
  "from X to Y", not ends of two different statements in one sentence;
- a share stored as numerator and denominator takes the part and the whole of the same "X
  out of Y", "X of an authorized Y" or "two thirds".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.numbers import FROM, PART, TO, WHOLE, NumberMention, measures, same
from indicators.periods import instants

EARLIER, LATER = "earlier", "later"
# The role a figure may not play for a row in each place of its series.
_FORBIDDEN = {EARLIER: TO, LATER: FROM}


@dataclass(frozen=True)
class Verdict:
    """Why a row is not proven by its quote (``rule`` None when it is)."""

    rule: str | None = None
    detail: str = ""


PROVEN = Verdict()


def places(observations: pd.DataFrame) -> pd.Series:
    """Each observation's place among its indicator's observations from the same source:
    ``earlier`` for the first of two or more, ``later`` for the last, None otherwise."""
    # A row whose period could not be read has no place: its own failure says why, and it
    # must not shift the places of the others. Nor has a row without an indicator or source.
    dated = observations[observations["period_start"].notna() & observations["period_end"].notna()]
    if dated.empty:
        return pd.Series(None, index=observations.index, dtype=object)
    indicator = pd.factorize(dated["indicator_id"])[0].astype(np.int64)
    source = pd.factorize(dated["source"])[0].astype(np.int64)
    keyed = (indicator >= 0) & (source >= 0)
    # Places are counted within one source: a quote relates the figures of its own statement.
    group = np.where(keyed, indicator * (source.max(initial=0) + 1) + source, -1)
    # One stable sort of numbers (group, then end, then start) rather than of the texts.
    order = np.lexsort((instants(dated["period_start"]), instants(dated["period_end"]), group))
    grouped = group[order]
    starts = np.r_[True, grouped[1:] != grouped[:-1]]
    ends = np.r_[grouped[1:] != grouped[:-1], True]
    several = np.bincount(grouped + 1)[grouped + 1] >= 2
    several &= grouped >= 0
    place = np.full(len(dated), None, dtype=object)
    place[order[several & starts]] = EARLIER
    place[order[several & ends]] = LATER
    return pd.Series(place, index=dated.index, dtype=object).reindex(observations.index)


def _candidates(quote: str, value: float, place: str | None) -> tuple[list[NumberMention], list[NumberMention]]:
    """Mentions stating ``value``, and those of them whose role fits ``place``."""
    stated = [m for m in measures(quote) if same(m.value, value)]
    forbidden = _FORBIDDEN.get(place) if isinstance(place, str) else None
    if forbidden is None:
        return stated, stated
    return stated, [m for m in stated if m.role != forbidden]


def prove_value(quote: str, value: float, place: str | None = None) -> Verdict:
    stated, fitting = _candidates(quote, value, place)
    if not stated:
        return Verdict("value_not_in_quote", _number(value))
    if not fitting:
        which = "later" if place == EARLIER else "earlier"
        return Verdict("value_in_wrong_role", f"{_number(value)} is the {which} figure of the quote, and this row is "
                                              f"the {place} observation of its indicator")
    return PROVEN


def prove_ratio(quote: str, numerator: float, denominator: float) -> Verdict:
    found = measures(quote)
    parts = [m for m in found if m.role == PART and same(m.value, numerator)]
    wholes = {m.pair for m in found if m.role == WHOLE and same(m.value, denominator)}
    if any(m.pair in wholes for m in parts):
        return PROVEN
    missing = [v for v in (numerator, denominator) if not any(same(m.value, v) for m in found)]
    if missing:
        return Verdict("value_not_in_quote", ", ".join(map(_number, missing)))
    return Verdict("value_in_wrong_role", f"the quote does not state {_number(numerator)} out of "
                                          f"{_number(denominator)} as one share")


def prove_pair(quote: str, earlier: float, later: float) -> Verdict:
    """Two observations citing one quote: the ends of one statement, where the quote pairs them."""
    _, first = _candidates(quote, earlier, EARLIER)
    _, last = _candidates(quote, later, LATER)
    if not first or not last:
        return PROVEN  # reported row by row by prove_value
    if any(a.pair is None or b.pair is None or a.pair == b.pair for a in first for b in last):
        return PROVEN
    return Verdict("pair_mismatch", f"{_number(earlier)} and {_number(later)} are ends of two different "
                                    "statements of the quote")


STATEMENT = ["indicator_id", "source", "location", "quote"]


def paired(observations: pd.DataFrame) -> pd.Series:
    """Observations proven together (:func:`prove_pair`): single values of one indicator
    and source that cite the same quote. Their verdicts depend on each other, so they are
    never taken from remembered proofs."""
    single = observations["numerator"].isna() & observations["value"].notna()
    together = pd.Series(False, index=observations.index)
    together[single] = observations[single].duplicated(STATEMENT, keep=False)
    return together


def prove_observations(observations: pd.DataFrame, place: pd.Series | None = None) -> pd.Series:
    """A :class:`Verdict` for every observation row (same index). ``place`` comes from the
    whole table when ``observations`` is a part of it (:func:`places`)."""
    place = places(observations) if place is None else place.reindex(observations.index)
    verdicts = {}
    # Columns as lists: an Arrow-backed column stepped through makes its strings one by one.
    rows = zip(observations.index, *(column.tolist() for column in (
        observations["quote"], observations["numerator"], observations["denominator"], observations["value"], place)),
        strict=True)
    for index, quote, numerator, denominator, value, where in rows:
        quote = quote if isinstance(quote, str) else ""
        if pd.notna(numerator) and pd.notna(denominator):
            verdicts[index] = prove_ratio(quote, numerator, denominator)
        elif pd.notna(value):
            verdicts[index] = prove_value(quote, value, where if isinstance(where, str) else None)
        else:
            verdicts[index] = PROVEN  # no number to prove: value_missing says so
    singles = observations[paired(observations)]
    for _, group in singles.groupby(STATEMENT, dropna=True, sort=False):
        ordered = group.sort_values(["period_end", "period_start"], kind="stable")
        first, last = ordered.index[0], ordered.index[-1]
        if verdicts[first].rule or verdicts[last].rule:
            continue
        verdict = prove_pair(ordered.loc[last, "quote"], ordered.loc[first, "value"], ordered.loc[last, "value"])
        if verdict.rule:
            verdicts[last] = verdict
    return pd.Series(verdicts, dtype=object).reindex(observations.index)


def prove_targets(targets: pd.DataFrame) -> pd.Series:
    return pd.Series([prove_value(quote if isinstance(quote, str) else "", value) if pd.notna(value) else PROVEN
                      for quote, value in zip(targets["quote"].tolist(), targets["value"].tolist(), strict=True)],
                     index=targets.index, dtype=object)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
