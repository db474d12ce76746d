"""The shipped dataset: every figure traceable to its paragraph, the headline claims present."""

import pytest

from indicators.numbers import states_number
from indicators.quote_checks import observation_numbers
from indicators.series import coverage, observations_of, targets_of


def test_shipped_data_is_valid(dataset):
    # Counts grow with every report; what matters is that each table loads and is not empty.
    assert not dataset.catalogue.empty and not dataset.observations.empty and not dataset.targets.empty


def _rows(dataset):
    for table in ("observations", "targets"):
        for row in getattr(dataset, table).itertuples():
            yield table, row


def test_every_quote_is_in_its_paragraph_and_states_its_numbers(dataset):
    problems = []
    for table, row in _rows(dataset):
        source = dataset.sources[row.source]
        if source.find_quote(row.location, row.quote) is None:
            problems.append((table, row.indicator_id, "quote not in paragraph"))
        numbers = observation_numbers(row) if table == "observations" else [row.value]
        problems += [(table, row.indicator_id, n) for n in numbers if not states_number(row.quote, n)]
    assert problems == []


@pytest.mark.parametrize("indicator_id, paragraph, values", [
    ("targeted_attacks_on_peacekeepers", 100, [189, 227]),
    ("peacekeeper_fatalities_in_targeted_attacks", 100, [38, 37]),
    ("field_support_client_satisfaction", 53, [65, 71]),
    ("women_military_peacekeepers", 97, [3]),
    ("women_individual_police", 99, [17]),
    ("women_formed_police_units", 99, [6]),
    ("women_civilian_staff_peace_operations", 94, [28]),
    ("misconduct_allegations_category_1", 113, [150, 115]),
    ("misconduct_allegations_category_2", 113, [562, 459]),
    ("resource_hub_subscriptions", 83, [563, 831]),
    ("female_candidates_field_job_openings", 95, [30]),
])
def test_headline_series(dataset, indicator_id, paragraph, values):
    series = observations_of(dataset, indicator_id)
    series = series[series["source"] == "A/72/573"]  # later sources add to some of these series
    assert series["value"].tolist() == values
    assert set(series["location"]) == {str(paragraph)}


def test_readiness_share_is_computed_from_the_count(dataset):
    row = observations_of(dataset, "units_certified_ready").iloc[0]
    assert (row.numerator, row.denominator) == (104, 292)
    assert row.value == pytest.approx(100 * 104 / 292)


def test_number_words_are_captured(dataset):
    assert observations_of(dataset, "supply_chain_projects_completed").iloc[0].value == 75
    assert observations_of(dataset, "operations_with_mine_action_mandates").iloc[0].value == pytest.approx(200 / 3)
    assert observations_of(dataset, "missions_with_poc_mandates").iloc[0].value == 9


@pytest.mark.parametrize("indicator_id, value, deadline_year, kind", [
    ("women_civilian_staff_peace_operations", 50, 2028, "goal"),
    ("women_military_peacekeepers", 15, None, "pledge"),
    ("women_staff_officer_posts", 15, None, "goal"),
    ("women_individual_police", 20, None, "goal"),
    ("women_formed_police_units", 20, None, "goal"),
])
def test_targets(dataset, indicator_id, value, deadline_year, kind):
    targets = targets_of(dataset, indicator_id)
    target = targets[targets["source"] == "A/72/573"].iloc[0]  # later sources add targets
    assert target.value == value
    assert target.kind == kind
    assert (None if target.deadline is None or target.deadline != target.deadline else target.deadline.year) == deadline_year


def test_qualifiers_are_kept(dataset):
    assert observations_of(dataset, "peacekeepers_in_poc_missions").iloc[0].qualifier == "more than"
    assert observations_of(dataset, "member_states_pledging_womens_participation").iloc[0].qualifier == "over"


def test_misconduct_total_is_the_sum_of_its_categories(dataset):
    def value(indicator_id):
        series = observations_of(dataset, indicator_id)
        return series[series["period_label"] == "2016/17"]["value"].item()

    assert value("misconduct_allegations_total") == (value("misconduct_allegations_category_1")
                                                     + value("misconduct_allegations_category_2"))


def test_every_catalogue_entry_has_a_figure(dataset):
    table = coverage(dataset)
    assert table[(table["observations"] == 0) & (table["targets"] == 0)].empty


def test_every_reform_area_is_used(dataset):
    assert set(dataset.reform_areas["id"]) == set(dataset.catalogue["reform_area"])


def test_dataset_description_has_licence_and_citation():
    from indicators.dataset_info import dataset_info

    info = dataset_info()
    assert info.licence_name == "CC-BY-4.0" and info.licence_url.startswith("https://")
    assert "A/72/573" in info.citation
