"""A folder that differs from one validated before in a source, the catalogue, the targets,
the milestones or any other file (not in the code) is validated again only where it
differs: the small tables whole, and of the observations only the indicators a changed
source, catalogue entry or row touches. It reaches exactly what a full validation
reaches: the same tables when it passes, the same failures when not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import indicators
from indicators import folder_cache, validation
from tests.conftest import assert_same_as_full, fixture_source_entry, writing_meanwhile

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "tracker"

# A second fictional source and an indicator of its own, so that a change to one source
# touches some indicators and not others.
SECOND_TEXT = """TEST/2
Fictional report on training, for tests

1. Trained staff numbered 310 in 2022 and 355 in 2023.
2. Training centres opened in 4 regions.
3. The goal is 400 trained staff by the end of 2025.
"""
SECOND_ENTRY = fixture_source_entry("TEST/2", "Fictional report on training, for tests", 2024, "2024-07-31")
TRAINED_ENTRY = """  - id: trained_staff
    name: Trained staff (test)
    description: Staff trained, in the fictional report TEST/2.
    unit: count
    reform_area: field_operations
    direction: up
"""
TRAINED_ROWS = ("trained_staff,2022,2022-01-01,2022-12-31,310,,,,,count,TEST/2,1,"
                "Trained staff numbered 310 in 2022 and 355 in 2023.,\n"
                "trained_staff,2023,2023-01-01,2023-12-31,355,,,,,count,TEST/2,1,"
                "Trained staff numbered 310 in 2022 and 355 in 2023.,\n")


@pytest.fixture
def two_sources(tmp_path) -> Path:
    """The tracker fixture with TEST/2: rows 0-2 women_field_staff and 3-4
    reported_incidents cite TEST/1; rows 5-6 trained_staff cite TEST/2."""
    folder = Path(shutil.copytree(FIXTURE, tmp_path / "tracker"))
    (folder / "sources" / "TEST-2.txt").write_text(SECOND_TEXT, encoding="utf-8")
    _append(folder / "sources" / "sources.yaml", SECOND_ENTRY)
    _append(folder / "catalogue.yaml", TRAINED_ENTRY)
    _append(folder / "observations.csv", TRAINED_ROWS)
    return folder


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _replace(relative: str, old: str, new: str):
    """An edit of one file: ``old`` (which must be there) becomes ``new``."""
    def edit(folder: Path) -> None:
        path = folder / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, (relative, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return edit


def _write(relative: str, text: str):
    return lambda folder: (folder / relative).write_text(text, encoding="utf-8")


def _both(*edits):
    def edit(folder: Path) -> None:
        for one in edits:
            one(folder)
    return edit


NEW_SOURCE = _both(
    _write("sources/TEST-3.txt", "TEST/3\nFictional survey, for tests\n\n1. Of those asked, 62 per cent were "
                                 "satisfied in 2024.\n"),
    _replace("sources/sources.yaml", "  - symbol: TEST/2",
             fixture_source_entry("TEST/3", "Fictional survey, for tests", 2024, "2024-07-31") + "  - symbol: TEST/2"),
    lambda folder: _append(folder / "catalogue.yaml", TRAINED_ENTRY.replace("trained_staff", "satisfied").replace(
        "count", "percent").replace("TEST/2", "TEST/3")),
    lambda folder: _append(folder / "observations.csv", "satisfied,2024,2024-01-01,2024-12-31,62,,,,,percent,"
                                                       "TEST/3,1,62 per cent were satisfied in 2024,\n"),
)

# Each change, and how many observation rows it validates again (those it bears on).
PASSING = {
    "a new report: its source, an indicator and its rows": (NEW_SOURCE, 1),
    "a source's text changed where no row cites it": (_replace("sources/TEST-2.txt", "4 regions", "5 regions"), 2),
    "a source's title and address corrected (no rule on a row reads them)": (
        _both(_replace("sources/sources.yaml", "on training, for", "on staff training, for"),
              _replace("sources/sources.yaml", "example.org/TEST-2", "example.org/reports/TEST-2")), 0),
    "a source's file renamed": (_both(lambda folder: (folder / "sources" / "TEST-2.txt").rename(
        folder / "sources" / "TEST-2-training.txt"), _replace("sources/sources.yaml", "text_file: TEST-2.txt",
                                                              "text_file: TEST-2-training.txt")), 0),
    "a source's data cut-off changed": (_replace("sources/sources.yaml", '"2024-07-31"', '"2024-08-31"'), 2),
    "a source's year changed (it is dated by its data cut-off)": (
        _replace("sources/sources.yaml", "year: 2024\n    language: en\n    url: https://example.org/TEST-2",
                 "year: 2025\n    language: en\n    url: https://example.org/TEST-2"), 0),
    "a source's publication date given (which figure stands may change)": (
        _replace("sources/sources.yaml", '"2024-07-31"', '"2024-07-31"\n    published: "2024-09-15"'), 2),
    "a catalogue entry's description changed": (_replace("catalogue.yaml", "Incidents reported", "Incidents logged"),
                                                2),
    "a catalogue entry added, with no rows yet": (
        lambda folder: _append(folder / "catalogue.yaml", TRAINED_ENTRY.replace("trained_staff", "trainers")), 0),
    "a reform area renamed": (_replace("catalogue.yaml", "Field operations (test)", "Field work (test)"), 0),
    "a target added": (lambda folder: _append(folder / "targets.csv", "trained_staff,400,2025-12-31,2025,goal,,"
                                                                      "count,TEST/2,3,The goal is 400 trained staff,\n"),
                       0),
    "a milestone's notes written": (_replace("milestones.csv", "2030,,,,,", "2030,,,,,on track"), 0),
    "the dataset's title changed": (_replace("dataset.yaml", "(test fixture)", "(test fixture, revised)"), 0),
    "a file no table reads": (_write("sources/notes.txt", "a steward's note"), 0),
    "a row's notes beside a new file": (_both(_write("sources/notes.txt", "a steward's note"),
                                              _replace("observations.csv", "90 between 2021 and 2023.,",
                                                       "90 between 2021 and 2023.,checked")), 2),
    "a source's text and a row citing it": (
        _both(_replace("sources/TEST-2.txt", "4 regions", "5 regions"),
              _replace("observations.csv", "355 in 2023.,\n", "355 in 2023.,seen\n")), 2),
}
FAILING = {
    "a source's text no longer holds a quote": (_replace("sources/TEST-2.txt", "355 in 2023", "356 in 2023"),
                                                "quote_not_at_location"),
    "a cited source removed": (_replace("sources/sources.yaml", "  - symbol: TEST/2", "  - symbol: TEST/9"),
                               "unknown_source"),
    "a source's file missing": (lambda folder: (folder / "sources" / "TEST-2.txt").unlink(), "text_file_missing"),
    "an indicator's unit changed": (_replace("catalogue.yaml", "unit: count\n    reform_area: field_operations\n"
                                                               "    direction: up", "unit: percent\n    reform_area: "
                                                                                   "field_operations\n    direction: up"),
                                    "unit_mismatch"),
    "a catalogue entry removed": (_replace("catalogue.yaml", TRAINED_ENTRY, ""), "unknown_indicator"),
    "a reform area removed": (_replace("catalogue.yaml", "reform_area: field_operations\n    direction: down",
                                       "reform_area: elsewhere\n    direction: down"), "unknown_reform_area"),
    "a target before its baseline": (lambda folder: _append(folder / "targets.csv", "trained_staff,300,2021-12-31,"
                                                            "2021,goal,,count,TEST/2,1,Trained staff numbered 310,\n"),
                                     "deadline_before_baseline"),
    "a milestone citing no source": (_replace("milestones.csv", "2030,TEST/1,3", "2030,TEST/8,3"), "unknown_source"),
    "the dataset's licence removed": (_replace("dataset.yaml", "  path: https://", "  where: https://"),
                                      "missing_field"),
}


@pytest.mark.parametrize("edit, rows", PASSING.values(), ids=PASSING.keys())
def test_a_passing_change_validates_only_the_indicators_it_touched(two_sources, checked, edit, rows):
    indicators.load(two_sources)
    assert checked == {"full": 1, "rows": [7]}
    edit(two_sources)
    assert_same_as_full(two_sources)
    total = len(pd.read_csv(two_sources / "observations.csv"))
    assert checked["full"] == 2 and checked["rows"] == [7, *([rows] if rows else []), total]


@pytest.mark.parametrize("edit, rule", FAILING.values(), ids=FAILING.keys())
def test_a_failing_change_is_reported_as_a_full_validation_reports_it(two_sources, checked, edit, rule):
    indicators.load(two_sources)
    edit(two_sources)
    dataset, failures = assert_same_as_full(two_sources)
    assert dataset is None and rule in {f.rule for f in failures}


def test_a_source_cited_by_most_rows_is_validated_in_full(two_sources, checked):
    # TEST/1 is cited by 5 rows of 7: more than half the table to read again.
    indicators.load(two_sources)
    _replace("sources/TEST-1.txt", "3. A field guide", "3. A field handbook")(two_sources)
    assert_same_as_full(two_sources)
    assert checked["full"] == 3


@pytest.mark.parametrize("edit, read_again, in_full", [
    (_replace("sources/TEST-2.txt", "4 regions", "5 regions"), ["TEST/2"], False),
    # Cited by most rows: validated in full, the other source still taken as read before.
    (_replace("sources/TEST-1.txt", "in March 2022.", "in March 2022.\n5. Nothing else is reported."), ["TEST/1"],
     True),
])
def test_an_unchanged_source_is_not_read_again(two_sources, checked, monkeypatch, edit, read_again, in_full):
    indicators.load(two_sources)
    read = []
    original = validation.load_sources

    def spy(data_dir, earlier=None, unchanged=None, records=None):
        sources = original(data_dir, earlier, unchanged, records)
        read.extend(symbol for symbol, source in sources.items() if (earlier or {}).get(symbol) is not source)
        return sources

    monkeypatch.setattr(validation, "load_sources", spy)
    edit(two_sources)
    assert indicators.validate_folder(two_sources)[0] is not None
    # (A changed source may be read twice: by the attempt to validate only where the folder
    # changed, and by the full validation it gives way to.)
    assert set(read) == set(read_again) and checked["full"] == 1 + in_full
    monkeypatch.setattr(validation, "load_sources", original)
    assert_same_as_full(two_sources)


def test_a_changed_context_is_read_back_by_a_new_process(two_sources, checked):
    indicators.load(two_sources)
    NEW_SOURCE(two_sources)
    indicators.load(two_sources)
    folder_cache.forget()  # a new process: the patch and its context read back from the cache folder
    dataset, _ = assert_same_as_full(two_sources)
    assert checked["full"] == 2 and "TEST/3" in dataset.sources  # the first load and the comparison's
    [patch] = [path for path in folder_cache.cache_dir().glob("*.pickle") if folder_cache._parts(path)[3] != "whole"]
    import pickle

    with patch.open("rb") as handle:
        record = pickle.load(handle)
    assert set(record["context"]["sources"]) == {"TEST/3"}  # only the new source is kept beside its parent's


def test_a_folder_changed_while_it_was_validated_again_is_not_kept(two_sources, checked, monkeypatch):
    indicators.load(two_sources)
    kept = set(folder_cache.cache_dir().glob("*.pickle"))
    monkeypatch.setattr(validation, "_read_context", writing_meanwhile(validation._read_context))
    _replace("sources/TEST-2.txt", "4 regions", "5 regions")(two_sources)
    assert indicators.validate_folder(two_sources)[0] is not None and checked["full"] == 1
    assert set(folder_cache.cache_dir().glob("*.pickle")) == kept


EDITS = st.sampled_from([*PASSING.values(), *FAILING.values()])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(EDITS, st.booleans()), min_size=1, max_size=4))
def test_any_sequence_of_changes_reaches_what_a_full_validation_reaches(tmp_path_factory, steps):
    folder = tmp_path_factory.mktemp("tracker") / "tracker"
    shutil.copytree(FIXTURE, folder)
    (folder / "sources" / "TEST-2.txt").write_text(SECOND_TEXT, encoding="utf-8")
    _append(folder / "sources" / "sources.yaml", SECOND_ENTRY)
    _append(folder / "catalogue.yaml", TRAINED_ENTRY)
    _append(folder / "observations.csv", TRAINED_ROWS)
    indicators.load(folder)
    for (edit, _), new_process in steps:
        try:
            edit(folder)
        except (AssertionError, FileNotFoundError):
            continue  # an edit an earlier one made impossible (its text is gone)
        if new_process:
            folder_cache.forget()
        assert_same_as_full(folder)
