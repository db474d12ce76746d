"""A folder that differs from one validated before only in some observation rows is
validated again only for the rows of each indicator and source those rows belong to, and
reaches exactly what a full validation reaches: the same tables when it passes, the same
failures when not."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import indicators
from indicators import folder_cache, quote_checks, validation
from tests.conftest import add_revising_report, assert_same_as_full

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "tracker"


@pytest.fixture
def tracker(tmp_path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "tracker"))


@pytest.fixture
def revised(tracker) -> Path:
    """The tracker with the later report TEST/10: rows 5 (2019, revising row 1) and 6 (2024)
    of women_field_staff cite it, beside rows 0-2 citing TEST/1."""
    add_revising_report(tracker)
    return tracker


def _rows(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "observations.csv", dtype=str, keep_default_na=False)


def _write(folder: Path, rows: pd.DataFrame) -> None:
    # As the file is written (pandas' minimal quoting): an unchanged table is the same bytes.
    (folder / "observations.csv").write_bytes(rows.to_csv(index=False).encode())


def _set(row: int, column: str, value: str):
    def edit(rows):
        rows.loc[row, column] = value
        return rows
    return edit


def _drop(*positions: int):
    return lambda rows: rows.drop(index=list(positions)).reset_index(drop=True)


def _move_to_end(row: int):
    return lambda rows: pd.concat([rows.drop(index=row), rows.loc[[row]]], ignore_index=True)


def _copy(row: int):
    return lambda rows: pd.concat([rows, rows.loc[[row]]], ignore_index=True)


# Rows of the fixture: 0-2 women_field_staff (2016, 2019, 2023; a goal for 2020), 3-4
# reported_incidents (2021, 2023).
PASSING = {
    "notes written on a row": (_set(4, "notes", "checked against the annex"), 2),
    "a row removed": (_drop(2), 2),
    "a row moved to the end": (_move_to_end(3), 2),
    "a baseline marked before the goal's deadline": (lambda rows: _drop(2)(_set(1, "is_baseline", "true")(rows)), 2),
}
FAILING = {
    "a value the quote does not state": (_set(0, "value", "21"), "value_not_in_quote"),
    "a baseline after the goal's deadline": (_set(2, "is_baseline", "true"), "deadline_before_baseline"),
    "two baselines": (lambda rows: _set(0, "is_baseline", "true")(_set(1, "is_baseline", "true")(rows)),
                      "multiple_baselines"),
    "a row twice": (_copy(3), "duplicate_observation"),
    "an unknown indicator": (_set(3, "indicator_id", "no_such_indicator"), "unknown_indicator"),
    "a date that is not one": (_set(1, "period_end", "2019-13-31"), "not_a_date"),
    "a unit the catalogue does not give": (_set(4, "unit", "percent"), "unit_mismatch"),
    "a row without its source": (_set(4, "source", ""), "not_nullable"),
    "the only row of the baseline's period removed": (_drop(0, 1), "deadline_before_baseline"),
}


@pytest.mark.parametrize("edit, rows", PASSING.values(), ids=PASSING.keys())
def test_a_passing_change_validates_only_the_indicators_it_touched(tracker, checked, edit, rows):
    indicators.load(tracker)
    assert checked == {"full": 1, "rows": [5]}
    _write(tracker, edit(_rows(tracker)))
    assert_same_as_full(tracker)
    # The kept validation's rows were looked at again only where the change bears on them
    # (in this fixture each indicator cites one source: its rows).
    assert checked["full"] == 2 and checked["rows"] == [5, rows, len(_rows(tracker))]


@pytest.mark.parametrize("edit, again", [
    (_drop(2), [2]),  # women_field_staff: 2 rows of 4, half the table: validated again alone
    (_set(0, "notes", "checked"), []),  # 3 of 5, more than half: validated in full
    (lambda rows: _set(0, "notes", "a")(_set(4, "notes", "b")(rows)), []),  # every row
])
def test_a_change_touching_more_than_half_the_rows_is_validated_in_full(tracker, checked, edit, again):
    indicators.load(tracker)
    _write(tracker, edit(_rows(tracker)))
    assert indicators.validate_folder(tracker)[0] is not None
    full = len(_rows(tracker))
    assert checked["rows"] == [5, *(again or [full])] and checked["full"] == (1 if again else 2)
    assert_same_as_full(tracker)


@pytest.mark.parametrize("edit, rule", FAILING.values(), ids=FAILING.keys())
def test_a_failing_change_is_reported_as_a_full_validation_reports_it(tracker, checked, edit, rule):
    indicators.load(tracker)
    _write(tracker, edit(_rows(tracker)))
    dataset, failures = assert_same_as_full(tracker)
    assert dataset is None and rule in {f.rule for f in failures}


@pytest.mark.parametrize("change", [
    b"indicator_id,period,",  # a renamed column: the header changed
    b'women_field_staff,"2016',  # a quote opened and never closed
    b"women_field_staff,2016,,",  # a row with too many fields
    b"women_field_staff,\xff2016",  # a byte that is not UTF-8
])
def test_a_file_that_no_longer_reads_is_reported_in_full(tracker, checked, change):
    indicators.load(tracker)
    path = tracker / "observations.csv"
    target = b"indicator_id,period_" if change.startswith(b"indicator_id") else b"women_field_staff,2016"
    path.write_bytes(path.read_bytes().replace(target, change, 1))
    dataset, failures = assert_same_as_full(tracker)
    assert dataset is None and failures
    assert checked["full"] == 3  # the load, the fall-back and the comparison


def test_a_table_emptied_is_validated_in_full(tracker, checked):
    # An empty table reads with dtypes of its own, which a patch of the kept one would not give.
    indicators.load(tracker)
    _write(tracker, _drop(0, 1, 2, 3, 4)(_rows(tracker)))
    dataset, _ = assert_same_as_full(tracker)
    assert dataset is not None and dataset.observations.empty and checked["full"] == 3


def _kept() -> list[Path]:
    return sorted(folder_cache.cache_dir().glob("*.pickle"))


def _parents() -> dict[str, str]:
    """Each kept state's digest and the digest of the state it is a patch of ("whole")."""
    return {digest: parent for digest, _, _, parent in map(folder_cache._parts, _kept())}


def _notes_edited(folder: Path, times: int) -> None:
    """Load the folder, then edit one row's notes and load it again, ``times`` times."""
    indicators.load(folder)
    for n in range(times):
        _write(folder, _set(4, "notes", f"checked {n}")(_rows(folder)))
        indicators.load(folder)


def test_changes_are_kept_as_patches_until_a_chain_is_long(tracker, checked, monkeypatch):
    monkeypatch.setattr(folder_cache, "MAX_PATCHES", 2)
    _notes_edited(tracker, 3)
    parents = _parents()
    # The first load and the third patch in a row are kept whole; the two between as patches.
    assert sorted(parents.values()).count("whole") == 2 and len(parents) == 4
    assert parents[folder_cache.folder_print(tracker).digest] == "whole"
    assert checked["full"] == 1
    assert_same_as_full(tracker)


def test_clean_up_keeps_what_the_latest_states_are_patches_of(tracker, checked, monkeypatch):
    monkeypatch.setattr(folder_cache, "KEEP", 1)
    _notes_edited(tracker, 2)
    assert len(_kept()) == 3  # the latest, and the two it is made from
    assert_same_as_full(tracker)
    assert checked["full"] == 1 + 1  # only the first load and the comparison's


def test_a_state_whose_whole_was_removed_is_validated_in_full(tracker, checked):
    indicators.load(tracker)
    _write(tracker, _set(4, "notes", "checked")(_rows(tracker)))
    indicators.load(tracker)
    [whole] = [path for path in _kept() if folder_cache._parts(path)[3] == "whole"]
    whole.unlink()
    folder_cache.forget()  # a new process, reading the patch back from the cache folder
    dataset, _ = assert_same_as_full(tracker)
    assert dataset is not None and checked["full"] == 3


OPERATIONS = st.one_of(
    st.tuples(st.just("drop"), st.integers(0, 9)),
    st.tuples(st.just("copy"), st.integers(0, 9)),
    st.tuples(st.just("move"), st.integers(0, 9)),
    st.tuples(st.just("notes"), st.integers(0, 9), st.sampled_from(["", "seen", 'a "quoted"\nnote', "x,y"])),
    st.tuples(st.just("value"), st.integers(0, 9),
              st.sampled_from(["20", "24", "25", "27", "29", "140", "90", "21", ""])),
    st.tuples(st.just("source"), st.integers(0, 9), st.sampled_from(["TEST/1", "TEST/10"])),
    st.tuples(st.just("is_baseline"), st.integers(0, 9), st.sampled_from(["", "true", "false"])),
    st.tuples(st.just("indicator_id"), st.integers(0, 9),
              st.sampled_from(["women_field_staff", "reported_incidents", "unknown"])),
)


def _operate(rows: pd.DataFrame, operation: tuple) -> pd.DataFrame:
    kind, at, *value = operation
    if rows.empty:
        return rows
    at %= len(rows)
    if kind == "drop":
        return _drop(at)(rows)
    if kind == "copy":
        return _copy(at)(rows)
    if kind == "move":
        return _move_to_end(at)(rows)
    return _set(at, kind, value[0])(rows)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(OPERATIONS, min_size=1, max_size=3), min_size=1, max_size=4), st.booleans())
def test_any_sequence_of_changes_reaches_what_a_full_validation_reaches(tmp_path_factory, steps, revising):
    folder = Path(shutil.copytree(FIXTURE, tmp_path_factory.mktemp("tracker") / "tracker"))
    add_revising_report(folder, rows=revising)
    indicators.load(folder)
    for operations in steps:
        rows = _rows(folder)
        for operation in operations:
            rows = _operate(rows, operation)
        _write(folder, rows)
        assert_same_as_full(folder)


def test_the_whole_file_is_kept_as_bytes_read_once(tracker):
    # The record starts kept with a state split the very bytes that were validated.
    indicators.load(tracker)
    [whole] = _kept()
    import pickle

    with whole.open("rb") as handle:
        record, kept_bytes = pickle.load(handle), pickle.load(handle)
    raw = (tracker / "observations.csv").read_bytes()
    assert kept_bytes == raw and len(record["starts"]) == len(_rows(tracker)) + 2
    assert pd.read_csv(io.BytesIO(raw[record["starts"][1]:]), header=None).shape[0] == len(_rows(tracker))


def test_states_kept_by_an_earlier_release_are_removed_not_read(tracker, checked):
    folder = folder_cache.cache_dir()
    folder.mkdir(parents=True)
    (folder / f"{'0' * 64}.pickle").write_bytes(b"a whole state in the layout of an earlier release")
    (folder / f"{'1' * 40}.{'2' * 40}.whole.pickle").write_bytes(b"a whole state in the layout of the last release")
    indicators.load(tracker)
    assert list(_parents().values()) == ["whole"]


@pytest.fixture
def read_back(monkeypatch) -> list:
    """Record each kept state read back from the cache folder."""
    reads = []
    original = folder_cache._load
    monkeypatch.setattr(folder_cache, "_load", lambda path, *args: reads.append(path) or original(path, *args))
    return reads


def test_a_running_process_validates_a_change_against_the_state_it_holds(tracker, checked, read_back):
    _notes_edited(tracker, 2)
    assert read_back == [] and checked["full"] == 1
    assert_same_as_full(tracker)


def test_a_new_process_reads_the_state_back_from_the_cache_folder(tracker, checked, read_back):
    indicators.load(tracker)
    _write(tracker, _set(4, "notes", "checked")(_rows(tracker)))
    folder_cache.forget()
    indicators.load(tracker)
    assert read_back and checked["full"] == 1
    folder_cache.forget()
    assert_same_as_full(tracker)  # the patch read back too, on its whole


def test_a_caller_changing_its_tables_does_not_change_the_state_held(tracker, checked):
    dataset = indicators.load(tracker)
    dataset.observations.loc[0, "notes"] = "changed by a caller"
    dataset.observations.iloc[1, 0] = "no_such_indicator"
    dataset.catalogue.loc[0, "unit"] = "ratio"
    _write(tracker, _set(4, "notes", "checked")(_rows(tracker)))
    again, _ = assert_same_as_full(tracker)
    assert "changed by a caller" not in set(again.observations["notes"].dropna())
    assert checked["full"] == 2  # the first load and the comparison's: the change was validated alone
    assert indicators.load(tracker).catalogue.equals(indicators.load(tracker, kept=False).catalogue)


def test_the_state_held_is_of_its_own_cache_folder(tracker, checked, monkeypatch, tmp_path):
    indicators.load(tracker)
    monkeypatch.setenv("INDICATORS_PROOF_CACHE", str(tmp_path / "elsewhere" / "proofs.bin"))
    indicators.load(tracker)
    assert checked["full"] == 2  # another cache folder has nothing kept: validated in full


def test_an_observations_file_over_the_size_limit_is_hashed_not_held(tracker, monkeypatch):
    size = (tracker / "observations.csv").stat().st_size
    monkeypatch.setenv("INDICATORS_MAX_FILE_MB", str((size - 1) / 1024 / 1024))
    over = folder_cache.folder_print(tracker)
    (tracker / "observations.csv").write_bytes((tracker / "observations.csv").read_bytes() + b"\n")
    assert over.observations is None and folder_cache.folder_print(tracker).digest != over.digest
    monkeypatch.setenv("INDICATORS_MAX_FILE_MB", str((size + 10) / 1024 / 1024))
    assert folder_cache.folder_print(tracker).observations is not None


def _formatted(rows: pd.DataFrame, style: str) -> bytes:
    if style == "quoted, CRLF":
        return rows.to_csv(index=False, quoting=csv.QUOTE_ALL, lineterminator="\r\n").encode()
    text = rows.to_csv(index=False)
    if style == "byte order mark":
        return b"\xef\xbb\xbf" + text.encode()
    if style == "no final newline":
        return text.rstrip("\n").encode()
    if style == "blank lines":
        return text.replace("\n", "\n\n", 1).encode()
    if style == "a note over two lines":
        return rows.assign(notes=["first line\nsecond line"] + [""] * (len(rows) - 1)).to_csv(index=False).encode()
    raise ValueError(style)


@pytest.mark.parametrize("style", ["quoted, CRLF", "byte order mark", "no final newline", "blank lines",
                                   "a note over two lines"])
@pytest.mark.parametrize("edit", [_set(4, "notes", "checked"), _drop(3), _copy(4), _set(4, "value", "91")],
                         ids=["notes", "drop", "copy", "wrong value"])
def test_files_written_other_ways_reach_what_a_full_validation_reaches(tracker, style, edit):
    path = tracker / "observations.csv"
    path.write_bytes(_formatted(_rows(tracker), style))
    assert indicators.validate_folder(tracker)[0] is not None
    path.write_bytes(_formatted(edit(_rows(tracker)), style))
    assert_same_as_full(tracker)


def test_a_store_publishing_a_reviewed_correction_validates_only_its_indicator(tracker, checked, tmp_path):
    from indicators.store import PUT, REVIEWER, Edit, Store, User
    from tests.conftest import add_accounts

    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    store.migrate()
    store.seed(tracker)
    add_accounts(store, ("alice", "bob"))
    store.validated()
    row = _rows(tracker).iloc[4].to_dict() | {"notes": "checked against the annex"}
    change = store.submit([Edit("observation", "reported_incidents|2023-01-01|2023-12-31|TEST/1", PUT, row)],
                          User("alice", REVIEWER), "a correction")
    store.review(change, User("bob", REVIEWER), approve=True)
    dataset, failures = store.validated()  # the published state, in a folder of its own
    assert not failures and "checked against the annex" in set(dataset.observations["notes"].dropna())
    assert checked["full"] == 1 and checked["rows"] == [5, 2]
    assert_same_as_full(dataset.folder)


@pytest.mark.parametrize("edits, rule", [
    ({(0, "value"): "24", (1, "value"): "20"}, "value_in_wrong_role"),  # the pair's figures swapped
    ({(0, "value"): "21"}, "value_not_in_quote"),
    ({(3, "value"): "91"}, "value_not_in_quote"),
])
def test_a_failure_is_explained_from_its_indicator_as_from_the_whole_table(tracker, monkeypatch, edits, rule):
    from indicators import proof
    from tests.conftest import edit_csv

    edit_csv(tracker / "observations.csv", edits)
    proven = []
    prove = proof.prove_observations
    monkeypatch.setattr(quote_checks, "prove_observations", lambda df, place=None: proven.append(len(df)) or prove(df, place))
    _, failures = indicators.validate_folder(tracker, kept=False)
    explained = proven[-1]  # the last proof run explains the failures
    whole = quote_checks.failure_details
    monkeypatch.setattr(validation, "failure_details", lambda df, table, sources, rows=None: whole(df, table, sources))
    _, from_whole_table = indicators.validate_folder(tracker, kept=False)
    assert failures == from_whole_table and rule in {f.rule for f in failures}
    indicator = _rows(tracker).loc[next(iter(edits))[0], "indicator_id"]
    assert explained == (_rows(tracker)["indicator_id"] == indicator).sum() < len(_rows(tracker))


# Changes to an indicator that two sources state: only the changed rows' source's rows of it
# are validated again; which figure stands is marked on the whole table.
REVISED_PASSING = {
    "notes written on the later report's row": (_set(6, "notes", "seen"), 2, {1: "TEST/10"}),
    "the revising row removed: the revised figure stands again": (_drop(5), 1, {1: None}),
    "the revising row moved to the end": (_move_to_end(5), 2, {1: "TEST/10"}),
    "the earlier report's row removed": (_drop(1), 2, {}),
}


@pytest.mark.parametrize("edit, rows, superseded", REVISED_PASSING.values(), ids=REVISED_PASSING.keys())
def test_a_change_to_one_source_validates_only_its_rows_of_the_indicator(revised, checked, edit, rows, superseded):
    indicators.load(revised)
    _write(revised, edit(_rows(revised)))
    dataset, _ = assert_same_as_full(revised)
    # women_field_staff has 5 rows (more than half the table), of which TEST/10 cites 2.
    assert checked["full"] == 2 and checked["rows"] == [7, rows, len(_rows(revised))]
    for row, by in superseded.items():
        assert dataset.observations.loc[row, "superseded_by"] == by


REVISED_FAILING = {
    # Each changed row's own rows hold one baseline; the indicator holds two.
    "a baseline in each report": (lambda rows: _set(5, "is_baseline", "true")(_set(0, "is_baseline", "true")(rows)),
                                  "multiple_baselines"),
    "the later report's 2024 row as the baseline, after the 2020 goal": (_set(6, "is_baseline", "true"),
                                                                         "deadline_before_baseline"),
    "the later report's row twice": (_copy(6), "duplicate_observation"),
    "a figure the later report does not state": (_set(6, "value", "30"), "value_not_in_quote"),
}


@pytest.mark.parametrize("edit, rule", REVISED_FAILING.values(), ids=REVISED_FAILING.keys())
def test_a_failing_change_to_one_source_is_reported_as_in_full(revised, checked, edit, rule):
    rows = _set(0, "is_baseline", "true")(_rows(revised)) if rule == "multiple_baselines" else _rows(revised)
    _write(revised, rows)
    indicators.load(revised)
    _write(revised, edit(rows))
    dataset, failures = assert_same_as_full(revised)
    assert dataset is None and rule in {f.rule for f in failures}
