"""Pandera models of the three tables, and the rules that need more than one table.

Each rule has a name (what a failure message calls it), the column it blames and a message
template filled from the failing row. Checks that only look at one table live on the
``DataFrameModel``s; checks that need the catalogue or the source text are built per run
by :func:`context_checks`, because they close over that context.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from indicators import quote_checks
from indicators.baseline import baseline_position
from indicators.periods import CURRENT, instants
from indicators.sources import DATASET, KINDS, Source, find_ignoring_whitespace

UNITS = ("count", "percent", "ratio")
DIRECTIONS = ("up", "down", "neither")
TARGET_KINDS = ("goal", "pledge", "threshold")
# How a later source settles a dated commitment.
OUTCOMES = ("met", "missed")
# How the report hedges a figure; kept so a summary can say "more than 95%".
QUALIFIERS = ("more than", "over", "approximately", "about", "nearly", "almost", "at least",
              "less than", "under", "up to")
SNAKE_CASE = r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$"
# A value computed from numerator and denominator may differ from a stated one by rounding.
RATIO_TOLERANCE = 0.05
# The longest text a cell may hold, by what it is: a name or label, a sentence or two, a
# quote or note of a paragraph. Quotes are sentences, never whole sections.
NAME_LENGTH, LINE_LENGTH, PARAGRAPH_LENGTH = 300, 1000, 3000


@dataclass(frozen=True)
class Rule:
    column: str
    message: str


RULES: dict[str, Rule] = {
    "unknown_indicator": Rule("indicator_id", "indicator '{indicator_id}' is not in the catalogue"),
    "unknown_reform_area": Rule("reform_area", "reform area '{reform_area}' is not declared in reform_areas"),
    "unknown_source": Rule("source", "source '{source}' is not in data/sources/sources.yaml"),
    "unit_mismatch": Rule("unit", "unit '{unit}' differs from the catalogue's unit for '{indicator_id}'"),
    "percent_out_of_range": Rule("value", "percentage {value} is outside 0 to 100"),
    "count_not_whole": Rule("value", "count {value} is not a whole number"),
    "count_negative": Rule("value", "count {value} is negative"),
    "value_missing": Rule("value", "no value, and no numerator and denominator to compute it from"),
    "numerator_above_denominator": Rule("numerator", "numerator {numerator} is above denominator {denominator}"),
    "value_disagrees_with_ratio": Rule("value", "value {value} disagrees with {numerator}/{denominator}"),
    "period_end_before_start": Rule("period_end", "period ends ({period_end}) before it starts ({period_start})"),
    "duplicate_observation": Rule("period_label", "another row has the same indicator, period and source"),
    "multiple_baselines": Rule("is_baseline", "another observation of '{indicator_id}' is marked as baseline; "
                                              "mark at most one"),
    "duplicate_target": Rule("indicator_id", "another row has the same indicator, kind, deadline and source"),
    "location_not_in_source": Rule("location", "{source} has no location '{location}' (a report's paragraph "
                                               "number, a document's 'page N' or 'section Title', a dataset's "
                                               "'key=value; ...; column=name' naming exactly one row)"),
    "quote_not_at_location": Rule("quote", "quote is not found in {source} at {location} (on word boundaries)"),
    "value_not_in_row": Rule("value", "{detail}"),
    "value_not_in_quote": Rule("quote", "the quote does not state the number {detail} as a quantity "
                                        "(dates, days, years and references do not count)"),
    "value_in_wrong_role": Rule("value", "{detail}"),
    "pair_mismatch": Rule("value", "{detail}"),
    "unit_not_in_quote": Rule("unit", "{detail}"),
    "period_not_in_quote": Rule("period_start", "{detail}"),
    "population_not_in_quote": Rule("quote", "the quote does not name the population '{indicator_id}' counts (its "
                                             "catalogue entry's population: one of its words must be in the quote)"),
    "current_not_at_cutoff": Rule("period_start", "a 'current' figure must start and end on the data cut-off of "
                                                  "{source}"),
    "due_not_in_quote": Rule("due_label", "the quote does not state the due date '{due_label}'"),
    "settlement_incomplete": Rule("outcome", "an outcome needs settled_by, settled_location and settled_quote, "
                                             "and those need an outcome"),
    "settled_quote_not_at_location": Rule("settled_quote", "settled_quote is not found in {settled_by} at "
                                                           "{settled_location}"),
    "bad_url": Rule("url", "'{url}' is not a plain https:// address (no spaces, quotes, brackets or parentheses)"),
    "sentence_template": Rule("sentence", "a sentence may use only {{value}}, with no format options; "
                                          "'{sentence}' uses something else"),
    "text_file_missing": Rule("text_file", "'{text_file}' is not a file inside data/sources/"),
    "deadline_before_baseline": Rule("deadline", "deadline {deadline} is before the baseline period of '{indicator_id}'"),
}


class CatalogueModel(pa.DataFrameModel):
    id: Series[str] = pa.Field(str_matches=SNAKE_CASE, unique=True)
    name: Series[str] = pa.Field(str_length={"min_value": 3, "max_value": NAME_LENGTH})
    description: Series[str] = pa.Field(str_length={"min_value": 10, "max_value": LINE_LENGTH})
    unit: Series[str] = pa.Field(isin=UNITS)
    reform_area: Series[str] = pa.Field(str_matches=SNAKE_CASE)
    direction: Series[str] = pa.Field(isin=DIRECTIONS)
    definition_notes: Series[str] = pa.Field(nullable=True, str_length={"max_value": PARAGRAPH_LENGTH})
    # Template for a one-point summary, e.g. "Women are {value} of military peacekeepers".
    sentence: Series[str] = pa.Field(nullable=True, str_contains="{value}")
    # Words one of which every quote of the indicator must contain, separated by "|":
    # "formed police" keeps a share of all police out of the formed police units' series.
    population: Series[str] = pa.Field(nullable=True, str_length={"min_value": 3, "max_value": LINE_LENGTH})

    class Config:
        strict = True

    @pa.dataframe_check(error="sentence_template")
    def _only_value(cls, df: pd.DataFrame) -> Series[bool]:
        return df["sentence"].map(lambda text: not isinstance(text, str) or template_is_plain(text)).astype(bool)


# A plain public address: no spaces, quotes, brackets or parentheses that could end a
# Markdown link early and start another.
PLAIN_URL = r"^https://[A-Za-z0-9.-]+(?::\d+)?(?:/[A-Za-z0-9._~/%+=&?#-]*)?$"


class SourceModel(pa.DataFrameModel):
    symbol: Series[str] = pa.Field(str_length={"min_value": 3}, unique=True)
    title: Series[str] = pa.Field(str_length={"min_value": 5, "max_value": LINE_LENGTH})
    kind: Series[str] = pa.Field(isin=KINDS)
    issuing_body: Series[str] = pa.Field(str_length={"min_value": 3, "max_value": LINE_LENGTH})
    year: Series[float] = pa.Field(ge=1945, le=2100)
    language: Series[str] = pa.Field(str_matches=r"^[a-z]{2}$")
    url: Series[str]
    # Unique: two sources sharing a file would each be checked against the other's text.
    text_file: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": NAME_LENGTH}, unique=True)
    obtained: Series[str] = pa.Field(str_length={"min_value": 10, "max_value": PARAGRAPH_LENGTH})
    licence: Series[str] = pa.Field(str_length={"min_value": 5, "max_value": PARAGRAPH_LENGTH})
    data_cutoff: Series[pd.Timestamp] = pa.Field(nullable=True)
    published: Series[pd.Timestamp] = pa.Field(nullable=True)
    retrieved: Series[pd.Timestamp] = pa.Field(nullable=True)
    # How undated ("current") figures of this source are placed in time.
    current_figures: Series[str] = pa.Field(nullable=True, str_length={"max_value": PARAGRAPH_LENGTH})

    class Config:
        strict = True

    @pa.dataframe_check(error="bad_url")
    def _plain_url(cls, df: pd.DataFrame) -> Series[bool]:
        return df["url"].astype(str).str.fullmatch(PLAIN_URL).fillna(False).astype(bool)


class _ProvenanceModel(pa.DataFrameModel):
    indicator_id: Series[str] = pa.Field(str_matches=SNAKE_CASE)
    unit: Series[str] = pa.Field(isin=UNITS)
    source: Series[str] = pa.Field(str_length={"min_value": 1})
    # Where in the source: a paragraph number, "page 3", "section Title", or a dataset row key.
    location: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": LINE_LENGTH})
    quote: Series[str] = pa.Field(str_length={"min_value": 5, "max_value": PARAGRAPH_LENGTH})
    notes: Series[str] = pa.Field(nullable=True, str_length={"max_value": PARAGRAPH_LENGTH})


class ObservationModel(_ProvenanceModel):
    period_label: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": NAME_LENGTH})
    period_start: Series[pd.Timestamp]
    period_end: Series[pd.Timestamp]
    value: Series[float] = pa.Field(nullable=True)
    numerator: Series[float] = pa.Field(nullable=True, ge=0)
    denominator: Series[float] = pa.Field(nullable=True, gt=0)
    qualifier: Series[str] = pa.Field(nullable=True, isin=QUALIFIERS)
    is_baseline: Series[bool]

    class Config:
        strict = True

    @pa.dataframe_check(error="period_end_before_start")
    def _period_order(cls, df: pd.DataFrame) -> Series[bool]:
        return ~(df["period_end"] < df["period_start"])

    @pa.dataframe_check(error="numerator_above_denominator")
    def _numerator_bounded(cls, df: pd.DataFrame) -> Series[bool]:
        return ~(df["numerator"] > df["denominator"])

    @pa.dataframe_check(error="value_missing")
    def _value_present(cls, df: pd.DataFrame) -> Series[bool]:
        return df["value"].notna() | (df["numerator"].notna() & df["denominator"].notna())

    @pa.dataframe_check(error="multiple_baselines")
    def _one_baseline(cls, df: pd.DataFrame) -> Series[bool]:
        # The baseline is chosen once per indicator; two marked rows would leave it to chance.
        marked = df["is_baseline"].astype(bool)
        count = marked.groupby(df["indicator_id"]).transform("sum")
        return ~(marked & (count > 1))

    @pa.dataframe_check(error="duplicate_observation")
    def _unique_period(cls, df: pd.DataFrame) -> Series[bool]:
        key = ["indicator_id", "period_start", "period_end", "source"]
        return ~df.duplicated(subset=key, keep=False)


class TargetModel(_ProvenanceModel):
    value: Series[float]
    deadline: Series[pd.Timestamp] = pa.Field(nullable=True)
    deadline_label: Series[str] = pa.Field(nullable=True)
    kind: Series[str] = pa.Field(isin=TARGET_KINDS)
    # Whom the target is set for, when that is not the population the indicator measures.
    scope: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = True

    @pa.dataframe_check(error="duplicate_target")
    def _unique_target(cls, df: pd.DataFrame) -> Series[bool]:
        return ~df.duplicated(subset=["indicator_id", "kind", "deadline", "source"], keep=False)


class MilestoneModel(pa.DataFrameModel):
    """A dated commitment a report makes, and how a later source settled it."""

    id: Series[str] = pa.Field(str_matches=SNAKE_CASE, unique=True)
    reform_area: Series[str] = pa.Field(str_matches=SNAKE_CASE)
    commitment: Series[str] = pa.Field(str_length={"min_value": 5, "max_value": LINE_LENGTH})
    due: Series[pd.Timestamp]
    due_label: Series[str] = pa.Field(str_length={"min_value": 4, "max_value": NAME_LENGTH})
    source: Series[str] = pa.Field(str_length={"min_value": 1})
    location: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": LINE_LENGTH})
    quote: Series[str] = pa.Field(str_length={"min_value": 5, "max_value": PARAGRAPH_LENGTH})
    outcome: Series[str] = pa.Field(nullable=True, isin=OUTCOMES)
    settled_by: Series[str] = pa.Field(nullable=True)
    settled_location: Series[str] = pa.Field(nullable=True, str_length={"max_value": LINE_LENGTH})
    settled_quote: Series[str] = pa.Field(nullable=True, str_length={"min_value": 5, "max_value": PARAGRAPH_LENGTH})
    notes: Series[str] = pa.Field(nullable=True, str_length={"max_value": PARAGRAPH_LENGTH})

    class Config:
        strict = True

    @pa.dataframe_check(error="settlement_incomplete")
    def _settled_together(cls, df: pd.DataFrame) -> Series[bool]:
        parts = df[["outcome", "settled_by", "settled_location", "settled_quote"]].notna()
        return parts.all(axis=1) | ~parts.any(axis=1)


def milestone_checks(areas: pd.DataFrame, sources: dict[str, Source]) -> list[pa.Check]:
    """Reform area and sources known, quotes in their paragraphs, the due date stated."""

    def quote_found(symbol, location, quote) -> bool:
        source = sources.get(symbol)
        if source is None or not isinstance(location, str) or not isinstance(quote, str):
            return True  # reported by unknown_source or the column's own rule
        return not source.has_location(location) or source.kind == DATASET or \
            source.find_quote(location, quote) is not None

    def location_exists(df):
        return pd.Series([s not in sources or not isinstance(n, str) or sources[s].has_location(n)
                          for s, n in zip(df["source"], df["location"], strict=True)], index=df.index)

    def quoted(df):
        return pd.Series([quote_found(*row) for row in zip(df["source"], df["location"], df["quote"], strict=True)],
                         index=df.index)

    def settled_quoted(df):
        return pd.Series([quote_found(*row) for row in zip(df["settled_by"], df["settled_location"],
                                                           df["settled_quote"], strict=True)], index=df.index)

    def due_stated(df):
        return pd.Series([not isinstance(q, str) or not isinstance(d, str) or find_ignoring_whitespace(q, d) is not None
                          for q, d in zip(df["quote"], df["due_label"], strict=True)], index=df.index)

    def sources_known(df):
        return df["source"].isin(list(sources)) & (df["settled_by"].isna() | df["settled_by"].isin(list(sources)))

    return [
        pa.Check(lambda df: df["reform_area"].isin(areas["id"]), error="unknown_reform_area"),
        pa.Check(sources_known, error="unknown_source"),
        pa.Check(location_exists, error="location_not_in_source"),
        pa.Check(quoted, error="quote_not_at_location"),
        pa.Check(settled_quoted, error="settled_quote_not_at_location"),
        pa.Check(due_stated, error="due_not_in_quote"),
    ]


def template_is_plain(text: str) -> bool:
    """True when ``text`` uses exactly the placeholder {value}, bare, and nothing else: no
    other names (a KeyError on the page) and no format spec ({value:>200000000})."""
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(text)
                  if name is not None]
    except ValueError:
        return False
    return bool(fields) and all(field == ("value", "", None) for field in fields)


def ratio_value(numerator: pd.Series, denominator: pd.Series, unit: pd.Series) -> pd.Series:
    """The value an "X out of Y" states, in the indicator's unit."""
    share = numerator / denominator
    return share.where(unit != "percent", share * 100).where(unit != "count", numerator)


def _value_checks(units: pd.Series, value: pd.Series) -> dict[str, pd.Series]:
    whole = value.isna() | (value == value.round())
    return {
        "percent_out_of_range": ~((units == "percent") & ((value < 0) | (value > 100))),
        "count_not_whole": ~((units == "count") & ~whole),
        "count_negative": ~((units == "count") & (value < 0)),
    }


def context_checks(
    table: str,
    catalogue: pd.DataFrame,
    sources: dict[str, Source],
    observations: pd.DataFrame | None = None,
) -> list[pa.Check]:
    """Checks that need the catalogue, the sources or another table."""
    units = catalogue.set_index("id")["unit"]

    def known(df):
        return df["indicator_id"].isin(catalogue["id"])

    def source_known(df):
        return df["source"].isin(list(sources))

    def unit_matches(df):
        expected = df["indicator_id"].map(units)
        return expected.isna() | (df["unit"] == expected)

    checks = [
        pa.Check(known, error="unknown_indicator"),
        pa.Check(source_known, error="unknown_source"),
        pa.Check(unit_matches, error="unit_mismatch"),
    ]
    if table == "observations":
        def computed(df):
            return df["value"].fillna(ratio_value(df["numerator"], df["denominator"], df["unit"]))

        def agrees(df):
            stated = df["value"]
            ratio = ratio_value(df["numerator"], df["denominator"], df["unit"])
            return stated.isna() | ratio.isna() | ((stated - ratio).abs() <= RATIO_TOLERANCE)

        checks.append(pa.Check(agrees, error="value_disagrees_with_ratio"))
        cutoffs = {symbol: pd.Timestamp(s.data_cutoff) if s.data_cutoff else None for symbol, s in sources.items()}

        def current_at_cutoff(df):
            # The one rule for undated figures: they stand at their source's data cut-off.
            cutoff = df["source"].map(cutoffs)
            current = df["period_label"].astype(str).str.lower() == CURRENT
            return ~current | (cutoff.notna() & (df["period_start"] == cutoff) & (df["period_end"] == cutoff))

        checks.append(pa.Check(current_at_cutoff, error="current_not_at_cutoff"))
        populations = {row["id"]: population_words(row.get("population"))
                       for row in catalogue.to_dict("records") if population_words(row.get("population"))}

        def names_population(df):
            # Only the rows of indicators that name a population are read one by one.
            named = df["indicator_id"].isin(list(populations))
            result = pd.Series(True, index=df.index, dtype=bool)
            if not named.any():
                return result
            rows = df.loc[named, ["indicator_id", "quote"]]
            result[named] = [names_any(quote, populations[indicator])
                             for indicator, quote in zip(rows["indicator_id"].tolist(), rows["quote"].tolist(),
                                                         strict=True)]
            return result

        checks.append(pa.Check(names_population, error="population_not_in_quote"))
        for rule in ("percent_out_of_range", "count_not_whole", "count_negative"):
            checks.append(pa.Check(
                lambda df, rule=rule: _value_checks(df["unit"], computed(df))[rule], error=rule))
        checks += _quote_rule_checks(sources, "observations")
    if table == "targets":
        for rule in ("percent_out_of_range", "count_not_whole", "count_negative"):
            checks.append(pa.Check(
                lambda df, rule=rule: _value_checks(df["unit"], df["value"])[rule], error=rule))
        checks += _quote_rule_checks(sources, "targets")
        if observations is not None:
            baseline_end = baseline_periods(observations)["period_end"]
            checks.append(pa.Check(lambda df: deadline_after_baseline(df, baseline_end),
                                   error="deadline_before_baseline"))
    return checks


def population_words(population) -> tuple[str, ...]:
    """The alternatives of a catalogue entry's ``population``, lower case ("formed police |
    FPU" -> ("formed police", "fpu")); none when it has none."""
    if not isinstance(population, str):
        return ()
    return tuple(word.strip().lower() for word in population.split("|") if word.strip())


def names_any(quote, words: tuple[str, ...] | None) -> bool:
    """True when ``quote`` contains one of ``words`` (ignoring case and line breaks), or
    when there are no words to look for."""
    if not words:
        return True
    text = " ".join(quote.lower().split()) if isinstance(quote, str) else ""
    return any(word in text for word in words)


def deadline_after_baseline(targets: pd.DataFrame, baseline_end: pd.Series) -> pd.Series:
    """A target's deadline is not before its indicator's baseline period ends
    (``baseline_end``: indicator id -> the end of its baseline period)."""
    # Looked up by reindexing: Series.map with an empty Series of dates raises a TypeError
    # (pandas 3.1) when no indicator has a baseline, as with no observations at all.
    ends = pd.Series(baseline_end.reindex(targets["indicator_id"]).to_numpy(), index=targets.index)
    return targets["deadline"].isna() | ends.isna() | ~(targets["deadline"] < ends)


def _quote_rule_checks(sources: dict[str, Source], table: str) -> list[pa.Check]:
    """One check per quote rule, all answered by one pass over the table (the proof reads
    every quote once, not once per rule)."""
    memo: dict[int, dict[str, pd.Series]] = {}

    def result(df, rule):
        key = id(df)
        if key not in memo:
            memo.clear()
            memo[key] = quote_checks.quote_checks(df, sources, table)
        return memo[key][rule]

    return [pa.Check(lambda df, rule=rule: result(df, rule), error=rule) for rule in quote_checks.QUOTE_RULES]


def baseline_periods(observations: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator: its baseline observation (:mod:`indicators.baseline`)."""
    # One stable sort of numbers (indicator, then end, then start), then the rule applied
    # to each indicator's slice: a million rows cost a sort, not a million-row groupby.
    codes = pd.factorize(observations["indicator_id"], sort=True)[0]
    order = np.lexsort((instants(observations["period_start"]), instants(observations["period_end"]), codes))
    order = order[codes[order] >= 0]  # a row without an indicator has no baseline to be
    codes = codes[order]
    marked = observations["is_baseline"].to_numpy(dtype=bool)[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.array([], dtype=int)
    ends = np.r_[starts[1:], len(codes)]
    chosen = [start + baseline_position(marked[start:end]) for start, end in zip(starts.tolist(), ends.tolist())]
    return observations.iloc[order[chosen]].set_index("indicator_id")

