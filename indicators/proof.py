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

And the quote must state the row's unit and period where it states them:

- a percentage is stated as one ("17 per cent", "14.4%", or a word that means a share:
  "parity", "two thirds"); a count is not taken from a figure the quote states only as a
  percentage;
- a figure the quote dates ("54 allegations reported in 2018", "6% in 2015") is filed under
  a period that includes that year; and where the quote names years at all, the row's
  period shares a year with them or its notes say where the period comes from (the window
  named in the sentence before). A "current" figure stands at its source's data cut-off
  (rule ``current_not_at_cutoff``) and is exempt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.numbers import FROM, PART, SHARE_WORDS, TO, WHOLE, NumberMention, measures, same
from indicators.periods import instants, is_current

EARLIER, LATER = "earlier", "later"
# The role a figure may not play for a row in each place of its series.
_FORBIDDEN = {EARLIER: TO, LATER: FROM}


@dataclass(frozen=True)
class Verdict:
    """Why a row is not proven by its quote (``rule`` None when it is)."""

    rule: str | None = None
    detail: str = ""


PROVEN = Verdict()

PERCENT = "percent"
_PERCENT_AFTER = re.compile(r"\s*(?:%|per\s*cent\b|percent(?:age)?\b)", re.IGNORECASE)
# Years a text names, a range by its first year ("2018-2019", which the number reader does
# not count as a year at all), none inside a symbol or reference ("S/2021/146").
_YEAR = re.compile(r"(?<![\d/-])(19\d\d|20\d\d)(?![\d/])")
# "54 allegations reported in 2018", "6% in 2015", "10.1 per cent in June 2025": the year the
# figure is dated by, when nothing but words (no other figure) stands between them.
_DATED_BY = re.compile(r"[^\d;:.()]{0,40}?\bin\s+(?:(?:early|mid|late|end)[\s-]+)?(?:[A-Z][a-z]+\s+)?"
                       r"(19\d\d|20\d\d)(?![\d/])")
# A list matched to its years ("62 and 104 reported in 2017 and 2016, respectively"; "in 2017
# and 2016, respectively was 138 and 165") dates each figure by its position in the list.
_YEARS_RESPECTIVELY = re.compile(r"((?:19|20)\d\d(?:\s*,\s*(?:19|20)\d\d)*,?\s+and\s+(?:19|20)\d\d),?\s+"
                                 r"respectively\b", re.IGNORECASE)


def _as_percent(quote: str, mention: NumberMention) -> bool:
    """Whether the quote states this figure as a share: followed by a percent sign or word,
    or written with a word that means a share ("parity", "two thirds")."""
    return bool(_PERCENT_AFTER.match(quote, mention.end)) or bool(SHARE_WORDS & set(mention.text.lower().split()))


def _unit_fits(quote: str, mentions: list[NumberMention], unit: str | None) -> list[NumberMention]:
    if unit == PERCENT:
        return [m for m in mentions if _as_percent(quote, m)]
    if isinstance(unit, str):
        return [m for m in mentions if not _PERCENT_AFTER.match(quote, m.end)]
    return mentions


def quote_years(text: str) -> set[int]:
    return {int(year) for year in _YEAR.findall(text)}


def dated_year(quote: str, mention: NumberMention) -> int | None:
    """The year the quote dates this figure by, or None: by its position in a list matched to
    its years ("respectively"), else "in 2018" right after it."""
    respectively = _YEARS_RESPECTIVELY.search(quote)
    if respectively and (mention.start, mention.end) in (listed := _by_position(quote, respectively)):
        return listed[(mention.start, mention.end)]
    found = _DATED_BY.match(quote, mention.end)
    return int(found.group(1)) if found else None


def _by_position(quote: str, respectively: re.Match) -> dict[tuple[int, int], int]:
    """The figures of a "respectively" list, each with its year: as many figures as years,
    the nearest ones before the years (else right after "respectively"); none when the
    count does not match."""
    years = [int(y) for y in re.findall(r"(?:19|20)\d\d", respectively.group(1))]
    figures = [m for m in measures(quote) if not (respectively.start() <= m.start < respectively.end())]
    before = [m for m in figures if m.end <= respectively.start()][-len(years):]
    after = [m for m in figures if m.start >= respectively.end()][:len(years)]
    # The list before the years must run up to them: no other clause between.
    if len(before) == len(years) and not re.search(r"[;:.]", quote[before[-1].end:respectively.start()]):
        chosen = before
    elif len(after) == len(years):
        chosen = after
    else:
        return {}
    return {(m.start, m.end): year for m, year in zip(chosen, years, strict=True)}


@dataclass(frozen=True)
class Period:
    """What the period check reads of a row: its years, its label and its notes."""

    years: frozenset[int]
    current: bool = False
    notes: str = ""

    @classmethod
    def of(cls, start, end, label, notes) -> Period | None:
        if pd.isna(start) or pd.isna(end):
            return None  # an unreadable period has its own failure
        first, last = pd.Timestamp(start).year, pd.Timestamp(end).year
        return cls(frozenset(range(first, last + 1)), is_current(label), notes if isinstance(notes, str) else "")


def _period_verdict(quote: str, mentions: list[NumberMention], value: float, period: Period | None) -> Verdict:
    if period is None or period.current:
        return PROVEN
    dated = [dated_year(quote, m) for m in mentions]
    # Some mention of the figure, undated or dated within the period, proves it.
    if not any(year is None or year in period.years for year in dated):
        years = ", ".join(str(y) for y in sorted(set(dated)))
        return Verdict("period_not_in_quote", f"the quote dates {_number(value)} to {years}, outside the row's "
                                              f"period ({_span(period)})")
    stated = quote_years(quote)
    if stated and not stated & period.years and not quote_years(period.notes) & period.years:
        return Verdict("period_not_in_quote", f"the quote names {', '.join(map(str, sorted(stated)))}, not the row's "
                                              f"period ({_span(period)}), and the notes do not say where the period "
                                              "comes from")
    return PROVEN


def _span(period: Period) -> str:
    first, last = min(period.years), max(period.years)
    return str(first) if first == last else f"{first}–{last}"


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


def prove_value(quote: str, value: float, place: str | None = None, unit: str | None = None,
                period: Period | None = None) -> Verdict:
    """``value`` is a quantity of ``quote`` in the role ``place`` gives, stated in ``unit``
    (when given) and dated within ``period`` (when given)."""
    stated, fitting = _candidates(quote, value, place)
    if not stated:
        return Verdict("value_not_in_quote", _number(value))
    if not fitting:
        which = "later" if place == EARLIER else "earlier"
        return Verdict("value_in_wrong_role", f"{_number(value)} is the {which} figure of the quote, and this row is "
                                              f"the {place} observation of its indicator")
    in_unit = _unit_fits(quote, fitting, unit)
    if not in_unit:
        said = "a count or amount, not as a percentage" if unit == PERCENT else "a percentage only"
        return Verdict("unit_not_in_quote", f"the quote states {_number(value)} as {said}, and the row's unit is {unit}")
    return _period_verdict(quote, in_unit, value, period)


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
    def column(name):
        return observations[name].tolist() if name in observations else [None] * len(observations)

    rows = zip(observations.index, *(column(name) for name in ("quote", "numerator", "denominator", "value")),
               place.tolist(), *(column(name) for name in ("unit", "period_start", "period_end", "period_label",
                                                           "notes")), strict=True)
    for index, quote, numerator, denominator, value, where, unit, start, end, label, notes in rows:
        quote = quote if isinstance(quote, str) else ""
        if pd.notna(numerator) and pd.notna(denominator):
            verdicts[index] = prove_ratio(quote, numerator, denominator)
        elif pd.notna(value):
            verdicts[index] = prove_value(quote, value, where if isinstance(where, str) else None,
                                          unit if isinstance(unit, str) else None, Period.of(start, end, label, notes))
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
    units = targets["unit"].tolist() if "unit" in targets else [None] * len(targets)
    return pd.Series([prove_value(quote if isinstance(quote, str) else "", value, None,
                                  unit if isinstance(unit, str) else None) if pd.notna(value) else PROVEN
                      for quote, value, unit in zip(targets["quote"].tolist(), targets["value"].tolist(), units,
                                                    strict=True)],
                     index=targets.index, dtype=object)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
