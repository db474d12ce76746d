"""A corpus of broken inputs: each case breaks one rule in a copy of the shipped data and
expects exactly that failure, naming the file, row, column and rule."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

import indicators
from tests.conftest import edit_csv

OBS = "observations.csv"
TGT = "targets.csv"


def row_of(folder: Path, file: str, indicator_id: str, nth: int = 0) -> int:
    frame = pd.read_csv(folder / file, dtype=str, keep_default_na=False)
    return int(frame.index[frame["indicator_id"] == indicator_id][nth])


# (rule, file, indicator whose first row is edited, {column: new text}, blamed column)
CASES = [
    ("unknown_indicator", OBS, "targeted_attacks_on_peacekeepers", {"indicator_id": "attacks_on_the_moon"}, "indicator_id"),
    ("not_a_true_or_false", OBS, "targeted_attacks_on_peacekeepers", {"is_baseline": "maybe"}, "is_baseline"),
    ("percent_out_of_range", OBS, "field_support_client_satisfaction", {"value": "165"}, "value"),
    ("percent_out_of_range", TGT, "women_individual_police", {"value": "-20"}, "value"),
    ("count_negative", OBS, "targeted_attacks_on_peacekeepers", {"value": "-189"}, "value"),
    ("count_not_whole", OBS, "targeted_attacks_on_peacekeepers", {"value": "189.5"}, "value"),
    ("numerator_above_denominator", OBS, "units_certified_ready", {"numerator": "392"}, "numerator"),
    ("value_disagrees_with_ratio", OBS, "units_certified_ready", {"value": "50"}, "value"),
    ("period_end_before_start", OBS, "peacekeeper_fatalities_in_targeted_attacks", {"period_end": "2015-10-31"}, "period_end"),
    ("quote_not_at_location", OBS, "field_support_client_satisfaction",
     {"quote": "In 2016, 65 per cent of respondents were delighted."}, "quote"),
    ("quote_not_at_location", TGT, "women_military_peacekeepers", {"location": "98"}, "quote"),
    ("location_not_in_source", OBS, "targeted_attacks_on_peacekeepers", {"location": "133"}, "location"),
    ("value_not_in_quote", OBS, "targeted_attacks_on_peacekeepers", {"value": "190"}, "quote"),
    ("value_not_in_quote", OBS, "missions_with_poc_mandates", {"value": "8"}, "quote"),  # quote says "nine"
    ("value_not_in_quote", TGT, "women_civilian_staff_peace_operations", {"value": "45"}, "quote"),  # "parity" is 50
    ("deadline_before_baseline", TGT, "women_civilian_staff_peace_operations", {"deadline": "2016-12-31"}, "deadline"),
    ("unit_mismatch", OBS, "women_military_peacekeepers", {"unit": "count"}, "unit"),
    ("unknown_source", OBS, "targeted_attacks_on_peacekeepers", {"source": "A/99/999"}, "source"),
    ("not_a_date", OBS, "targeted_attacks_on_peacekeepers", {"period_start": "November 2015"}, "period_start"),
    ("not_a_number", OBS, "targeted_attacks_on_peacekeepers", {"value": "one hundred"}, "value"),
    ("current_not_at_cutoff", OBS, "units_certified_ready", {"period_start": "2017-01-01"}, "period_start"),
    ("value_missing", OBS, "targeted_attacks_on_peacekeepers", {"value": ""}, "value"),
]


@pytest.mark.parametrize("rule, file, indicator_id, edits, column", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_each_rule_is_caught_with_row_column_and_rule(data_copy, rule, file, indicator_id, edits, column):
    row = row_of(data_copy, file, indicator_id)
    edit_csv(data_copy / file, {(row, c): v for c, v in edits.items()})
    dataset, failures = indicators.validate_folder(data_copy)
    assert dataset is None
    matching = [f for f in failures if f.rule == rule]
    assert len(matching) == 1, failures
    failure = matching[0]
    assert (failure.file, failure.row, failure.column) == (file, row + 2, column)
    assert f"{file} row {row + 2}, column {column}: [{rule}]" in str(failure)


def test_duplicate_observation_rows_are_both_reported(data_copy):
    frame = pd.read_csv(data_copy / OBS, dtype=str, keep_default_na=False)
    pd.concat([frame, frame.iloc[[0]]]).to_csv(data_copy / OBS, index=False)
    _, failures = indicators.validate_folder(data_copy)
    assert [(f.rule, f.row) for f in failures] == [("duplicate_observation", 2),
                                                   ("duplicate_observation", len(frame) + 2)]


def test_duplicate_target_is_reported(data_copy):
    frame = pd.read_csv(data_copy / TGT, dtype=str, keep_default_na=False)
    pd.concat([frame, frame.iloc[[1]]]).to_csv(data_copy / TGT, index=False)
    _, failures = indicators.validate_folder(data_copy)
    assert {f.rule for f in failures} == {"duplicate_target"}


@pytest.mark.parametrize("field, value, rule", [
    ("unit", "furlongs", "not_allowed"),
    ("direction", "sideways", "not_allowed"),
    ("id", "Not Snake Case", "str_matches"),
    ("reform_area", "astrology", "unknown_reform_area"),
])
def test_catalogue_entries_are_checked(data_copy, field, value, rule):
    path = data_copy / "catalogue.yaml"
    document = yaml.safe_load(path.read_text())
    document["indicators"][2][field] = value
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    _, failures = indicators.validate_folder(data_copy)
    catalogue_failures = [f for f in failures if f.file == "catalogue.yaml"]
    assert [(f.row, f.column) for f in catalogue_failures] == [(3, field)]
    assert catalogue_failures[0].rule.startswith(rule)


def test_missing_column_is_reported_without_crashing(data_copy):
    frame = pd.read_csv(data_copy / OBS, dtype=str, keep_default_na=False)
    frame.drop(columns="quote").to_csv(data_copy / OBS, index=False)
    _, failures = indicators.validate_folder(data_copy)
    assert [(f.file, f.column, f.rule) for f in failures] == [(OBS, "quote", "missing_column")]


def test_one_run_reports_every_failure(data_copy):
    edit_csv(data_copy / OBS, {(0, "value"): "-1", (4, "value"): "101", (5, "period_end"): "2000-01-01"})
    edit_csv(data_copy / TGT, {(0, "kind"): "wish"})
    _, failures = indicators.validate_folder(data_copy)
    rules = {(f.file, f.row, f.rule.split("(")[0]) for f in failures}
    assert {(OBS, 2, "count_negative"), (OBS, 6, "percent_out_of_range"),
            (OBS, 7, "period_end_before_start"), (TGT, 2, "not_allowed")} <= rules


def test_valid_data_passes(data_copy):
    dataset, failures = indicators.validate_folder(data_copy)
    assert failures == []
    assert len(dataset.observations) > 0


def test_load_raises_with_every_failure(data_copy):
    edit_csv(data_copy / OBS, {(0, "value"): "-1", (1, "value"): "-2"})
    with pytest.raises(indicators.DataValidationError) as raised:
        indicators.load(data_copy)
    assert len(raised.value.failures) == 4  # each row: negative count, and its quote lacks the number


def test_unreadable_csv_is_a_failure_not_a_crash(data_copy):
    with open(data_copy / OBS, "a", encoding="utf-8") as handle:
        handle.write('x,"unclosed quote\n')
    _, failures = indicators.validate_folder(data_copy)
    assert [(f.file, f.rule) for f in failures] == [(OBS, "unreadable_file")]


@pytest.mark.parametrize("field, value, rule", [
    ("url", "ftp://example.invalid/doc", "bad_url"),
    ("year", 1066, "greater_than_or_equal_to"),
    ("language", "English", "str_matches"),
    ("text_file", "missing.txt", "text_file_missing"),
    ("data_cutoff", "31 October 2017", "not_a_date"),
])
def test_source_metadata_is_checked(data_copy, field, value, rule):
    path = data_copy / "sources" / "sources.yaml"
    document = yaml.safe_load(path.read_text())
    document["sources"][0][field] = value
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    dataset, failures = indicators.validate_folder(data_copy)
    assert dataset is None
    assert [(f.file, f.row, f.column) for f in failures] == [("sources/sources.yaml", 1, field)]
    assert failures[0].rule.startswith(rule)


@pytest.mark.parametrize("which, rule", [("all", "missing_column"), ("first", "not_nullable")])
def test_source_without_required_field(data_copy, which, rule):
    path = data_copy / "sources" / "sources.yaml"
    document = yaml.safe_load(path.read_text())
    for source in document["sources"] if which == "all" else document["sources"][:1]:
        del source["licence"]
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    _, failures = indicators.validate_folder(data_copy)
    assert [(f.column, f.rule) for f in failures] == [("licence", rule)]


def test_the_white_space_of_the_markup_rule_is_pythons():
    # Written out so Arrow runs the rule over whole columns; it must match what \s matches.
    import re

    from indicators.validation import _SPACE

    ours, python = re.compile(_SPACE), re.compile(r"\s")
    assert [hex(c) for c in range(0x110000) if bool(ours.match(chr(c))) != bool(python.match(chr(c)))] == []


@pytest.mark.parametrize("cell, rule", [
    ("<\u2003b>bold</b>", "markup"),
    ("< /script>", "markup"),
    ("=1+1", "formula_prefix"),
    ("\uff1dSUM(A1)", "formula_prefix"),
    ("two\x0bthirds", "control_character"),
])
def test_each_text_rule_still_refuses_its_cells(data_copy, cell, rule):
    edit_csv(data_copy / "observations.csv", {(0, "notes"): cell})
    _, failures = indicators.validate_folder(data_copy, kept=False)
    assert (2, "notes", rule) in {(f.row, f.column, f.rule) for f in failures}


# How one cell is read by its column's type: (kind, cell as written, read as, or the failure).
CELLS = [
    ("true/false", "yes", True, None), ("true/false", "TRUE", True, None), ("true/false", "1", True, None),
    ("true/false", "No", False, None), ("true/false", "0", False, None), ("true/false", "", False, None),
    ("true/false", "maybe", None, "not_a_true_or_false"), ("true/false", "2", None, "not_a_true_or_false"),
    ("number", "189", 189.0, None), ("number", "+5", 5.0, None), ("number", "-0.5", -0.5, None),
    ("number", "1,890", 1890.0, None), ("number", "12,345,678.25", 12345678.25, None),
    ("number", "0.1", 0.1, None), ("number", "", None, None),
    ("number", "1,89", None, "not_a_number"), ("number", "1e5", None, "not_a_number"),
    ("number", "nan", None, "not_a_number"), ("number", "inf", None, "not_a_number"),
    ("whole number", "2017", 2017.0, None), ("whole number", "2017.5", None, "not_a_whole_number"),
]


@pytest.mark.parametrize("kind, cell, read, rule", CELLS)
def test_a_cell_is_read_by_its_columns_type_or_refused_by_name(kind, cell, read, rule):
    from indicators import validation

    table = validation._Table("t.csv", pd.DataFrame({"c": [cell, "1"]}, dtype=str), first_row=2)
    validation._parse(table, {"c": kind})
    assert [(f.row, f.column, f.rule) for f in table.failures] == ([(2, "c", rule)] if rule else [])
    got = table.frame["c"].iloc[0]
    if rule is None:  # a refused cell's value is never used: the table fails
        assert pd.isna(got) if read is None else got == read


@pytest.mark.parametrize("table, spec, blank", [
    ("catalogue", "CATALOGUE_COLUMNS", None), ("observations", "OBSERVATION_COLUMNS", "observations.csv"),
    ("targets", "TARGET_COLUMNS", "targets.csv"), ("milestones", "MILESTONE_COLUMNS", "milestones.csv"),
])
def test_text_cells_are_python_strings_and_a_missing_cell_is_none(data_copy, table, spec, blank):
    # Validated as Arrow text, handed on as Python strings: what the app, the exports and
    # the kept state read; an empty cell is None, never "", "nan" or "<NA>".
    from indicators import validation

    if blank:
        # A row whose notes no rule needs (the notes of a figure filed under another year
        # than its quote names say where its period comes from).
        rows = pd.read_csv(data_copy / blank, dtype=str, keep_default_na=False)
        blanked = int(rows.index[rows["notes"] != ""][-1])
        edit_csv(data_copy / blank, {(blanked, "notes"): "  "})
    frame = getattr(indicators.load(data_copy, kept=False), table)
    for column, kind in getattr(validation, spec).items():
        if kind != validation.TEXT or column not in frame:
            continue
        cells = frame[column].tolist()
        assert all(cell is None or (isinstance(cell, str) and cell.strip()) for cell in cells), (table, column)
        assert not {"nan", "None", "<NA>"} & set(cells), (table, column)
    if blank:
        assert frame["notes"].iloc[blanked] is None
