"""Reviewing candidates: rejected ones are remembered (a second pass shows only what is
new), accepted ones become rows that go to review, and the source reader shows which
numbers are captured, rejected (with the reason) or unreviewed."""

from __future__ import annotations

import pandas as pd
import pytest

from indicators.candidates import OPEN, RESTATED, WAITING, observation_rows, reject, rejected, sort_out, still_open
from indicators.extract import extract_text, match, table
from indicators.imports import ADDED, import_table, plan_import
from indicators.paths import DEFAULT_DATA_DIR
from indicators.reader import coverage, document
from indicators.store import EDITOR, READER, NotAllowed, Store, User
from tests.conftest import add_accounts

ALICE = User("alice", EDITOR)


@pytest.fixture
def store(tmp_path):
    made = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    made.migrate()
    made.seed(DEFAULT_DATA_DIR)
    add_accounts(made, ("alice", "rita"))
    return made


@pytest.fixture
def found(dataset):
    raw = (DEFAULT_DATA_DIR / "sources" / "A-72-573.txt").read_text(encoding="utf-8")
    return match(extract_text(raw, "A/72/573"), dataset)


def test_a_rejection_is_remembered_and_a_second_pass_shows_only_what_is_new(store, found):
    first = still_open(found, store)
    assert first and not any(c.restates for c in first)
    years = [c for c in first if c.location == "1" and c.value == 15]  # "over the past 15 years"
    reject(store, years, ALICE, "a span of years, not a measure")
    second = still_open(found, store)
    assert len(second) == len(first) - 1 and all(c.location != "1" or c.value != 15 for c in second)
    with pytest.raises(NotAllowed):
        reject(store, second[:1], User("rita", READER), "readers cannot")


def test_an_accepted_candidate_becomes_a_row_for_review(store, found, dataset):
    attacks = next(c for c in found if c.location == "100" and c.value == 189)
    frame = table([attacks]).assign(indicator_id="targeted_attacks_on_peacekeepers",
                                    period_label="1 Nov 2015 to 31 Oct 2016 (restated)",
                                    period_start="2015-11-02", period_end="2016-10-31",
                                    # The quote names 2017 only: the steward says where the window comes from.
                                    notes="The window is named in the sentence before: 2015 to 2016.")
    units = dict(zip(dataset.catalogue["id"], dataset.catalogue["unit"], strict=True))
    rows = observation_rows(frame, units)
    assert rows.loc[0, ["value", "unit", "source", "location"]].tolist() == ["189", "count", "A/72/573", "100"]
    plan = plan_import(store, "observations", rows)
    assert [o.status for o in plan.outcomes] == [ADDED], plan.lines()


def test_a_candidate_sent_for_review_is_not_offered_again_while_it_waits(store, found, dataset):
    [share] = [c for c in found if c.location == "57" and c.numerator is not None]
    frame = table([share]).assign(indicator_id="units_certified_ready", period_label="current",
                                  period_start="2017-10-31", period_end="2017-10-31")
    units = dict(zip(dataset.catalogue["id"], dataset.catalogue["unit"], strict=True))
    assert share in sort_out(found, store)[OPEN]
    import_table(store, "observations", observation_rows(frame, units), ALICE, "one in five", commit=True)
    groups = sort_out(found, store)
    assert share in groups[WAITING] and share not in groups[OPEN]
    assert sum(len(g) for g in groups.values()) == len(found)  # every candidate in exactly one group
    assert groups[RESTATED] == [c for c in found if c.restates]


def test_the_reader_marks_rejected_numbers_with_their_reason(store, found, dataset):
    reject(store, [c for c in found if c.location == "1" and c.value == 15], ALICE, "a span of years")
    parts = document(dataset, "A/72/573", rejected(store))
    marked = [s for s in parts["1"] if s.rejected]
    assert [(s.text, s.rejected) for s in marked] == [("15", "a span of years")]
    assert coverage(parts).rejected == 1
    assert "1 rejected as not a measure" in coverage(parts).line


def test_the_reader_marks_a_rejected_share_on_the_number_as_written(store, found, dataset):
    [share] = [c for c in found if c.location == "57" and c.numerator is not None]  # "one in five", stored as 20%
    reject(store, [share], ALICE, "a rate of a survey, not a series")
    marked = [s for s in document(dataset, "A/72/573", rejected(store))["57"] if s.rejected]
    assert [(s.text, s.rejected) for s in marked] == [(share.text, "a rate of a survey, not a series")]


def test_rows_keep_shares_as_numerator_and_denominator(found, dataset):
    share = next(c for c in found if c.numerator == 104)
    rows = observation_rows(table([share]).assign(indicator_id="units_certified_ready", period_label="current",
                                                  period_start="2017-10-31", period_end="2017-10-31"),
                            {"units_certified_ready": "percent"})
    assert rows.loc[0, ["value", "numerator", "denominator"]].tolist() == ["", "104", "292"]
    assert isinstance(rows, pd.DataFrame)
