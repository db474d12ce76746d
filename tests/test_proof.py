"""A corpus of forged rows: each takes a number the quote does not state in that role, and
each is refused with its own rule; the shipped data still passes."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import indicators
from indicators import proof
from indicators.proof import EARLIER, LATER, prove_pair, prove_ratio, prove_value
from tests.conftest import edit_csv
from tests.test_validation_rules import OBS, TGT, row_of

ATTACKS = "targeted_attacks_on_peacekeepers"

# (case, file, indicator, nth row of it, {column: forged text}, rule, blamed column)
FORGED = [
    ("a day of a date", OBS, ATTACKS, 1, {"value": "31"}, "value_not_in_quote", "quote"),
    ("a year", OBS, ATTACKS, 1, {"value": "2017"}, "value_not_in_quote", "quote"),
    ("the other end of from X to Y", OBS, ATTACKS, 1, {"value": "189"}, "value_in_wrong_role", "value"),
    ("the later end for the earlier period", OBS, ATTACKS, 0, {"value": "227"}, "value_in_wrong_role", "value"),
    ("the earlier end of another statement", OBS, ATTACKS, 1, {"value": "38"}, "value_in_wrong_role", "value"),
    ("the later end of another statement", OBS, ATTACKS, 1, {"value": "37"}, "pair_mismatch", "value"),
    ("a slice of a longer number", OBS, ATTACKS, 1, {"value": "27", "quote": "27 as at 31 October 2017"},
     "quote_not_at_location", "quote"),
    ("a quote cut mid-word", OBS, ATTACKS, 1, {"quote": "ber of targeted attacks increased from 189 to 227"},
     "quote_not_at_location", "quote"),
    ("a quote ending mid-number", OBS, ATTACKS, 1, {"value": "22", "quote": "increased from 189 to 22"},
     "quote_not_at_location", "quote"),
    ("a number word misread", OBS, "missions_with_poc_mandates", 0, {"value": "90"}, "value_not_in_quote", "quote"),
    ("a resolution number", OBS, "missions_with_ssr_components", 0, {"value": "2151"}, "value_not_in_quote", "quote"),
    ("the whole of a share as its part", OBS, "units_certified_ready", 0, {"numerator": "292"},
     "value_in_wrong_role", "value"),
    ("an earlier figure of a 'Y, up from X'", OBS, "field_support_client_satisfaction", 1, {"value": "65"},
     "value_in_wrong_role", "value"),
    ("a target read from a year", TGT, "women_civilian_staff_peace_operations", 0, {"value": "28"},
     "value_not_in_quote", "quote"),
    ("a thousands separator out of place", OBS, ATTACKS, 0, {"value": "1,89"}, "not_a_number", "value"),
    ("a decimal comma", OBS, ATTACKS, 0, {"value": "18,9"}, "not_a_number", "value"),
]


@pytest.mark.parametrize("case, file, indicator_id, nth, edits, rule, column", FORGED, ids=[c[0] for c in FORGED])
def test_forged_row_is_refused_with_its_rule(data_copy, case, file, indicator_id, nth, edits, rule, column):
    row = row_of(data_copy, file, indicator_id, nth)
    edit_csv(data_copy / file, {(row, c): v for c, v in edits.items()})
    dataset, failures = indicators.validate_folder(data_copy)
    assert dataset is None
    assert [(f.file, f.row, f.column, f.rule) for f in failures] == [(file, row + 2, column, rule)], failures


def test_swapping_baseline_and_latest_is_refused_on_both_rows(data_copy):
    first, second = row_of(data_copy, OBS, ATTACKS, 0), row_of(data_copy, OBS, ATTACKS, 1)
    edit_csv(data_copy / OBS, {(first, "value"): "227", (second, "value"): "189"})
    _, failures = indicators.validate_folder(data_copy)
    assert [(f.row, f.rule) for f in failures] == [(first + 2, "value_in_wrong_role"),
                                                   (second + 2, "value_in_wrong_role")]


def test_messages_say_which_number_and_why(data_copy):
    row = row_of(data_copy, OBS, ATTACKS, 1)
    edit_csv(data_copy / OBS, {(row, "value"): "37"})
    _, failures = indicators.validate_folder(data_copy)
    assert str(failures[0]) == (f"observations.csv row {row + 2}, column value: [pair_mismatch] 189 and 37 are ends "
                                "of two different statements of the quote")


def test_shipped_data_passes_the_stricter_proof(dataset):
    assert not dataset.observations.empty


QUOTE = "increased from 189 to 227 as at 31 October 2017; decreased from 38 to 37"


@pytest.mark.parametrize("value, place, rule", [
    (189, EARLIER, None), (227, LATER, None), (227, EARLIER, "value_in_wrong_role"),
    (189, LATER, "value_in_wrong_role"), (227, None, None), (31, None, "value_not_in_quote"),
    (2017, None, "value_not_in_quote"), (27, None, "value_not_in_quote"),
])
def test_prove_value(value, place, rule):
    assert prove_value(QUOTE, value, place).rule == rule


@pytest.mark.parametrize("earlier, later, rule", [(189, 227, None), (38, 37, None), (189, 37, "pair_mismatch"),
                                                  (38, 227, "pair_mismatch")])
def test_prove_pair(earlier, later, rule):
    assert prove_pair(QUOTE, earlier, later).rule == rule


@pytest.mark.parametrize("quote, numerator, denominator, rule", [
    ("104 out of 292 deployed units", 104, 292, None),
    ("two thirds of current peace operations", 2, 3, None),
    ("three out of four projects", 3, 4, None),
    ("104 out of 292 deployed units", 292, 104, "value_in_wrong_role"),
    ("104 units; 292 deployed", 104, 292, "value_in_wrong_role"),
    ("104 out of 292 deployed units", 104, 300, "value_not_in_quote"),
])
def test_prove_ratio(quote, numerator, denominator, rule):
    assert prove_ratio(quote, numerator, denominator).rule == rule


def test_no_test_fixture_enters_data(dataset):
    # Fixtures carry symbols such as TEST/1 and live under tests/; data/ holds real sources only.
    assert not [symbol for symbol in dataset.sources if symbol.upper().startswith("TEST")]


def _places_by_sorting_texts(observations: pd.DataFrame) -> pd.Series:
    """The definition of a place, written plainly: a sort of the rows and a groupby."""
    dated = observations.dropna(subset=["period_start", "period_end"])
    order = dated.sort_values(["indicator_id", "source", "period_end", "period_start"], kind="stable")
    grouped = order.groupby(["indicator_id", "source"], sort=False)
    size = grouped["indicator_id"].transform("size")
    rank = grouped.cumcount()
    place = pd.Series(None, index=order.index, dtype=object)
    place[(size >= 2) & (rank == 0)] = proof.EARLIER
    place[(size >= 2) & (rank == size - 1)] = proof.LATER
    return place.reindex(observations.index)


_DAY = st.one_of(st.none(), st.integers(0, 5).map(lambda d: pd.Timestamp("2016-01-01") + pd.Timedelta(days=365 * d)))
_PLACED_ROW = st.fixed_dictionaries({"indicator_id": st.sampled_from(["a", "b", None]),
                                     "source": st.sampled_from(["TEST/1", "TEST/2", None]),
                                     "period_start": _DAY, "period_end": _DAY})


@settings(max_examples=200, deadline=None)
@given(st.lists(_PLACED_ROW, max_size=12), st.randoms())
def test_places_are_those_of_a_sort_and_groupby_of_the_rows(rows, shuffle):
    # Any rows: ties in period, undated rows, rows without an indicator or source, any order
    # and any index labels.
    frame = pd.DataFrame(rows, columns=["indicator_id", "source", "period_start", "period_end"])
    for column in ("period_start", "period_end"):
        frame[column] = pd.to_datetime(frame[column])
    labels = list(range(100, 100 + len(frame)))
    shuffle.shuffle(labels)
    frame.index = labels
    got, wanted = proof.places(frame), _places_by_sorting_texts(frame)
    assert got.index.equals(frame.index)
    assert got.where(got.notna(), None).tolist() == wanted.where(wanted.notna(), None).tolist()
