"""The proof checks what the quote states: the unit, the period and the population as well
as the value (fictional sentences; the rules at their boundaries)."""

from datetime import date

import pandas as pd
import pytest
import yaml

import indicators
from indicators.freshness import DEFAULT_CYCLE_YEARS, ages, reporting_cycle
from indicators.proof import Period, prove_value
from indicators.schemas import names_any, population_words

OBS = "observations.csv"


def period(first, last=None, label="x", notes=""):
    return Period.of(pd.Timestamp(f"{first}-01-01"), pd.Timestamp(f"{last or first}-12-31"), label, notes)


@pytest.mark.parametrize("quote, value, unit, rule", [
    ("Women made up 17 per cent of the officers.", 17, "percent", None),
    ("Women made up 14.4% of the units.", 14.4, "percent", None),
    ("a share of seven percent of the police", 7, "percent", None),
    ("parity among heads of mission", 50, "percent", None),
    ("There were seven officers.", 7, "percent", "unit_not_in_quote"),  # a number word is no share
    ("There were 17 officers.", 17, "percent", "unit_not_in_quote"),
    ("There were 17 officers.", 17, "count", None),
    ("Women made up 17 per cent of the officers.", 17, "count", "unit_not_in_quote"),
    ("Of 17 officers, 17 per cent were women.", 17, "count", None),  # one of the two is a count
])
def test_the_unit_is_the_one_the_quote_states(quote, value, unit, rule):
    assert prove_value(quote, value, None, unit).rule == rule


@pytest.mark.parametrize("quote, value, row, rule", [
    # A figure the quote dates ("in 2015") must be filed under that year.
    ("Women rose from 6% in 2015 to 14.4% in 2022.", 6, period(2015), None),
    ("Women rose from 6% in 2015 to 14.4% in 2022.", 14.4, period(2022), None),
    ("Women rose from 6% in 2015 to 14.4% in 2022.", 14.4, period(2015), "period_not_in_quote"),
    ("Women rose from 6% in 2015 to 14.4% in 2022.", 14.4, period(2021, 2022), None),
    ("It stood at 10.1 per cent in June 2025.", 10.1, period(2025), None),
    ("It stood at 10.1 per cent in June 2025.", 10.1, period(2024), "period_not_in_quote"),
    # Years the quote names, not next to the figure: the period must share one of them.
    ("In 2012, 37 people were counted.", 37, period(2012), None),
    ("In 2012, 37 people were counted.", 37, period(2013), "period_not_in_quote"),
    # ... unless the notes say where the period comes from.
    ("It rose to 38 as at 31 October 2017.", 38, period(2015, 2016), "period_not_in_quote"),
    ("It rose to 38 as at 31 October 2017.", 38, period(2015, 2016, notes="the window 1 November 2015 to 2016"),
     None),
    # A list matched to its years by position: each figure takes the year in its place.
    ("with 54 in 2018, compared with 62 and 104 in 2017 and 2016, respectively", 104, period(2016), None),
    ("with 54 in 2018, compared with 62 and 104 in 2017 and 2016, respectively", 104, period(2017),
     "period_not_in_quote"),  # the list dates 104 by its place: 2016
    ("with 54 in 2018, compared with 62 and 104 in 2017 and 2016, respectively", 54, period(2017),
     "period_not_in_quote"),
    ("The total in 2017 and 2016, respectively was 138 and 165 allegations.", 165, period(2016), None),
    ("The total in 2017 and 2016, respectively was 138 and 165 allegations.", 165, period(2017),
     "period_not_in_quote"),  # years first, figures after
    # A quote naming no year leaves the period to the row; a "current" figure is exempt.
    ("There were 26 officers.", 26, period(1999), None),
    ("It names 2009 only: 17 per cent now.", 17, period(2017, label="current"), None),
])
def test_the_period_is_one_the_quote_states(quote, value, row, rule):
    unit = "percent" if "%" in quote or "per cent" in quote else "count"
    assert prove_value(quote, value, None, unit, row).rule == rule


def test_population_words_are_alternatives_ignoring_case_and_line_breaks():
    words = population_words("Formed police | FPU")
    assert words == ("formed police", "fpu")
    assert names_any("women of the formed\npolice units", words)
    assert names_any("three FPUs", words)
    assert not names_any("women of the police", words)
    assert names_any("anything", ()) and names_any("anything", None)


def test_a_quote_without_the_population_is_refused(data_copy):
    path = data_copy / "catalogue.yaml"
    document = yaml.safe_load(path.read_text())
    entry = next(e for e in document["indicators"] if e["id"] == "women_formed_police_units")
    entry["population"] = "formed police"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    assert not [f for f in indicators.validate_folder(data_copy)[1] if f.rule == "population_not_in_quote"]
    entry["population"] = "gendarmes"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    failures = [f for f in indicators.validate_folder(data_copy)[1] if f.rule == "population_not_in_quote"]
    frame = pd.read_csv(data_copy / OBS, dtype=str, keep_default_na=False)
    expected = sorted(int(i) + 2 for i in frame.index[frame["indicator_id"] == "women_formed_police_units"])
    assert sorted(f.row for f in failures) == expected and {f.column for f in failures} == {"quote"}


def test_a_figure_filed_under_another_year_is_refused(data_copy):
    frame = pd.read_csv(data_copy / OBS, dtype=str, keep_default_na=False)
    at = frame.index[frame["quote"].str.contains("from 6% in 2015 to 14.4% in 2022", regex=False)
                     & (frame["value"] == "14.4")][0]
    frame.loc[at, ["period_label", "period_start", "period_end"]] = ["2021", "2021-01-01", "2021-12-31"]
    frame.to_csv(data_copy / OBS, index=False)
    failures = indicators.validate_folder(data_copy)[1]
    assert [(f.row, f.rule) for f in failures] == [(at + 2, "period_not_in_quote")]


@pytest.mark.parametrize("ends, cycle", [
    (["2017-10-31"], DEFAULT_CYCLE_YEARS),
    (["2018-12-31", "2019-12-31", "2020-12-31"], 1.0),
    (["2018-12-31", "2020-12-31", "2020-12-31", "2022-12-31"], 2.0),  # one period stated twice counts once
    (["2018-12-31", "2019-12-31", "2020-12-31", "2026-12-31"], 1.0),  # the median: one long gap is no cycle
])
def test_reporting_cycle_is_the_median_gap(ends, cycle):
    assert reporting_cycle(pd.Series(pd.to_datetime(ends))) == pytest.approx(cycle, abs=0.01)


def test_a_figure_is_out_of_date_a_day_after_its_cycle(dataset):
    row = dataset.observations[dataset.observations["indicator_id"] == "targeted_attacks_on_peacekeepers"]
    latest = row["period_end"].max()
    cycle_days = reporting_cycle(row["period_end"]) * 365.25
    on_time = (latest + pd.Timedelta(days=int(cycle_days))).date()
    late = (latest + pd.Timedelta(days=int(cycle_days) + 1)).date()

    def flagged(today: date) -> bool:
        table = ages(dataset, today)
        return bool(table.set_index("indicator_id").loc["targeted_attacks_on_peacekeepers", "out_of_date"])

    assert not flagged(on_time)
    assert flagged(late)
