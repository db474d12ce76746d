"""One truth: every reader shows the store's published state, every path into it is a
reviewed change, an approval validates the data as it would then read, and reviewers who
race decide each change once, on a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import yaml
from streamlit.testing.v1 import AppTest

from indicators import cli
from indicators.accounts import Accounts
from indicators.paths import DEFAULT_DATA_DIR
from indicators.store import (FILES_AUTHOR, PUBLISHED, PUT, REJECTED, REVIEWER, WITHDRAWN, AlreadyReviewed,
                              ChangeRefused, DuplicateChange, Edit, Store, User, changes)
from tests.conftest import edit_csv, password_of, shipped_symbols

ROOT = Path(__file__).resolve().parents[1]
MAIN = str(ROOT / "app" / "main.py")
ALICE, BOB, CAROL = User("alice", "editor"), User("bob", REVIEWER), User("carol", REVIEWER)
LATER = "targeted_attacks_on_peacekeepers|2016-11-01|2017-10-31|A/72/573"  # the 227
EARLIER = "targeted_attacks_on_peacekeepers|2015-11-01|2016-10-31|A/72/573"  # the 189


@pytest.fixture
def folder(tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, copy)
    return copy


@pytest.fixture
def store_folder(folder) -> Path:
    """The store (conftest's) is seeded from this module's copy of the data, which tests edit."""
    return folder


def _with(store: Store, key: str, **fields) -> Edit:
    record = dict(store.state()["observation"][key], **fields)
    return Edit("observation", key, PUT, record)


def _as(monkeypatch, name: str) -> list[str]:
    monkeypatch.setenv("INDICATORS_PASSWORD", password_of(name))
    return ["--user", name]


def test_every_reader_shows_an_approved_change(store, folder, tmp_path, monkeypatch, capsys, chromium):
    where = ["--database", store.url, "--data", str(folder)]
    assert cli.main(["retract", "observation", LATER, "--reason", "withdrawn for the test", *where,
                     *_as(monkeypatch, "alice")]) == 0
    change = int(capsys.readouterr().out.split("change ")[1].split()[0])
    assert cli.main(["export", "--format", "csv", "--out", str(tmp_path / "before"), *where]) == 0
    assert "227" in pd.read_csv(tmp_path / "before" / "observations.csv", dtype=str)["value"].tolist()
    assert cli.main(["review", "--approve", str(change), *where, *_as(monkeypatch, "bob")]) == 0
    capsys.readouterr()

    assert cli.main(["list", *where]) == 0
    [line] = [line for line in capsys.readouterr().out.splitlines() if "targeted_attacks_on_peacekeepers" in line]
    assert "189" in line and "obs 1" in line
    assert cli.main(["progress", "--csv", str(tmp_path / "progress.csv"), *where]) == 0
    progress = pd.read_csv(tmp_path / "progress.csv").set_index("indicator_id")
    assert progress.loc["targeted_attacks_on_peacekeepers", "latest"] == 189
    assert cli.main(["export", "--format", "csv", "--out", str(tmp_path / "after"), *where]) == 0
    exported = pd.read_csv(tmp_path / "after" / "observations.csv", dtype=str)
    assert "227" not in exported[exported["indicator_id"] == "targeted_attacks_on_peacekeepers"]["value"].tolist()
    assert cli.main(["dump", "--out", str(tmp_path / "dumped"), *where]) == 0
    dumped = pd.read_csv(tmp_path / "dumped" / "observations.csv", dtype=str, keep_default_na=False)
    assert not ((dumped["indicator_id"] == "targeted_attacks_on_peacekeepers") & (dumped["value"] == "227")).any()
    assert cli.main(["chart", "targeted_attacks_on_peacekeepers", "--format", "svg", "--out",
                     str(tmp_path / "chart.svg"), *where]) == 0
    labels = [text.strip() for text in re.findall(r"<text[^>]*>([^<]*)</text>", (tmp_path / "chart.svg").read_text())]
    assert "189" in labels and "Jan 2016" in labels and "Jan 2017" not in labels  # one point, drawn and labelled
    assert cli.main(["slides", "--indicator", "targeted_attacks_on_peacekeepers", "--out", str(tmp_path / "d.pptx"),
                     *where]) == 0
    from pptx import Presentation

    text = " ".join(shape.text_frame.text for slide in Presentation(tmp_path / "d.pptx").slides
                    for shape in slide.shapes if shape.has_text_frame)
    assert "189" in text and "227" not in text.replace("from 189 to 227", "")

    # The app reads the same store.
    monkeypatch.setenv("DATABASE_URL", store.url)
    monkeypatch.setenv("INDICATORS_DATA_DIR", str(folder))
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.query_params["indicator"] = "targeted_attacks_on_peacekeepers"
    at.switch_page("views/indicator.py")
    at.run()
    assert not at.exception
    shown = " ".join(m.value for m in at.metric)
    assert "189" in shown and "227" not in shown


def test_files_edited_later_wait_for_review_with_their_diff(store, folder):
    assert store.sync_from_files(folder) is None  # the files are what the store took from them
    edit_csv(folder / "observations.csv", {(1, "notes"): "Edited in the file."})
    first = store.sync_from_files(folder)
    assert store.state()["observation"][LATER]["notes"] != "Edited in the file."  # not published
    change = store.change(first)
    assert (change.author, change.origin, change.status) == (FILES_AUTHOR, "files", "pending")
    diff = store.changed_records(first)
    assert diff[["record", "action", "field", "proposed"]].values.tolist() == [
        [f"observation {LATER}", "correct", "notes", "Edited in the file."]]
    assert store.sync_from_files(folder) is None and len(store.pending()) == 1  # read again: no second change

    edit_csv(folder / "observations.csv", {(3, "notes"): "Another edit."})
    second = store.sync_from_files(folder)
    assert store.change(first).status == WITHDRAWN  # replaced by one holding both edits
    assert store.changed_records(second)["field"].tolist() == ["notes", "notes"]
    store.review(second, BOB, approve=True)
    assert store.state()["observation"][LATER]["notes"] == "Edited in the file."

    # A correction made in the store stays: the files still reading as before is no edit.
    store.review(store.submit([_with(store, LATER, notes="Corrected in the store.")], ALICE, "a correction"),
                 CAROL, approve=True)
    assert store.sync_from_files(folder) is None
    assert store.state()["observation"][LATER]["notes"] == "Corrected in the store."

    # A row removed from the files is proposed as a retraction.
    rows = pd.read_csv(folder / "observations.csv", dtype=str, keep_default_na=False)
    rows[(rows["indicator_id"] != "targeted_attacks_on_peacekeepers") | (rows["value"] != "227")].to_csv(
        folder / "observations.csv", index=False)
    third = store.sync_from_files(folder)
    assert store.changed_records(third)[["record", "action"]].values.tolist() == [[f"observation {LATER}",
                                                                                  "retract"]]
    assert LATER in store.state()["observation"]


def test_a_source_added_from_the_command_line_is_published_only_after_review(store, folder, tmp_path, monkeypatch,
                                                                             capsys):
    where = ["--database", store.url, "--data", str(folder)]
    fixture = ROOT / "tests" / "fixtures" / "many_sources" / "TEST-2.txt"
    assert cli.main(["add-source", str(fixture), "--symbol", "TEST/2", "--title", "Fictional report for tests",
                     "--publisher", "Test fixture (fictional)", "--url", "https://example.org/TEST-2", *where,
                     *_as(monkeypatch, "alice")]) == 0
    change = int(capsys.readouterr().out.split("change ")[1].split()[0])
    assert not (folder / "sources" / "TEST-2.txt").exists()  # nothing written into the data folder
    assert cli.main(["dump", "--out", str(tmp_path / "before"), *where]) == 0
    assert "TEST/2" not in (tmp_path / "before" / "sources" / "sources.yaml").read_text()
    assert cli.main(["review", "--show", str(change), *where]) == 0
    assert "add source TEST/2, _file: 'TEST/2" in capsys.readouterr().out  # the reviewer reads its text
    assert cli.main(["review", "--approve", str(change), *where, *_as(monkeypatch, "bob")]) == 0
    assert cli.main(["dump", "--out", str(tmp_path / "after"), *where]) == 0
    entries = yaml.safe_load((tmp_path / "after" / "sources" / "sources.yaml").read_text())["sources"]
    assert [e["symbol"] for e in entries] == [*shipped_symbols(), "TEST/2"]


def test_two_changes_valid_alone_but_not_together_the_second_is_refused(store):
    first = store.submit([_with(store, EARLIER, is_baseline="true")], ALICE, "189 is the baseline")
    second = store.submit([_with(store, LATER, is_baseline="true")], ALICE, "227 is the baseline")
    store.review(first, BOB, approve=True)
    with pytest.raises(ChangeRefused, match=r"multiple_baselines") as refused:
        store.review(second, BOB, approve=True)
    assert any(f.rule == "multiple_baselines" for f in refused.value.failures)
    assert store.change(second).status == "pending"  # still there to reject or mend
    dataset, failures = store.validated()
    attacks = dataset.observations[dataset.observations["indicator_id"] == "targeted_attacks_on_peacekeepers"]
    assert not failures and attacks.loc[attacks["is_baseline"], "value"].tolist() == [189]


def test_two_such_changes_approved_at_the_same_moment_one_is_refused(store):
    first = store.submit([_with(store, EARLIER, is_baseline="true")], ALICE, "189 is the baseline")
    second = store.submit([_with(store, LATER, is_baseline="true")], ALICE, "227 is the baseline")
    outcomes = _race(store.url, [lambda s: s.review(first, BOB, approve=True),
                                 lambda s: s.review(second, CAROL, approve=True)])
    assert sorted(type(o).__name__ for o in outcomes) == ["ChangeRefused", "NoneType"], outcomes
    assert not store.validated()[1]


def test_restores_and_retractions_wait_for_review_and_are_checked_again(store):
    # A restore: 189 marked as baseline and then not; 227 proposed as the baseline, and 189's
    # marked revision proposed back. Each is valid alone; the second approved is refused.
    for flag in ("true", ""):
        store.review(store.submit([_with(store, EARLIER, is_baseline=flag)], ALICE, f"baseline {flag!r}"), BOB,
                     approve=True)
    marked = int(store.history("observation", EARLIER)["revision"].iloc[1])
    later = store.submit([_with(store, LATER, is_baseline="true")], ALICE, "227 is the baseline")
    restore = store.restore(marked, ALICE, "back to the marked baseline")
    assert store.state()["observation"][EARLIER]["is_baseline"] == ""  # a restore waits for review
    store.review(later, BOB, approve=True)
    with pytest.raises(ChangeRefused, match="multiple_baselines"):
        store.review(restore, CAROL, approve=True)

    # A retraction: a source no figure cites yet, retracted while a figure citing it waits.
    source = dict(store.state()["source"]["A/72/573"], symbol="TEST/9", text_file="TEST-9.txt")
    store.review(store.submit([Edit("source", "TEST/9", PUT, source)], ALICE, "a copy under another symbol"), BOB,
                 approve=True)
    citing = dict(store.state()["observation"][EARLIER], source="TEST/9")
    figure = store.submit([Edit("observation", EARLIER.replace("A/72/573", "TEST/9"), PUT, citing)], ALICE,
                          "the figure from the copy")
    retraction = store.retract("source", "TEST/9", ALICE, "the copy is not needed")
    assert "TEST/9" in store.state()["source"]  # a retraction waits for review
    store.review(figure, BOB, approve=True)
    with pytest.raises(ChangeRefused, match="unknown_source"):
        store.review(retraction, BOB, approve=True)
    assert not store.validated()[1]


def test_the_same_change_waits_for_review_once(store):
    edit = _with(store, LATER, notes="Once.")
    first = store.submit([edit], ALICE, "a note")
    with pytest.raises(DuplicateChange, match=f"as change {first}"):
        store.submit([edit], User("dan", REVIEWER), "the same note")
    store.review(first, BOB, approve=False)
    assert store.submit([_with(store, LATER, notes="Once.")], ALICE, "proposed again after a rejection")


def _race(url: str, calls) -> list:
    """Each call made at the same moment from a thread of its own, on a connection of its
    own: the outcome of each (a value, or the exception it raised)."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        racer = Store(url)
        try:
            barrier.wait()
            outcomes[index] = call(racer)
        except Exception as error:  # collected: the assertions say which kinds are expected
            outcomes[index] = error
        finally:
            racer.engine.dispose()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return outcomes


def test_twenty_reviewers_approving_one_change_record_one_outcome(store):
    reviewers = [f"reviewer{n}" for n in range(20)]
    for name in reviewers:
        Accounts(store).add(name, REVIEWER)
    change = store.submit([_with(store, LATER, notes="Reviewed twenty times at once.")], ALICE, "a note")
    outcomes = _race(store.url, [lambda s, n=name: s.review(change, User(n, REVIEWER), approve=True)
                                 for name in reviewers])
    assert sum(outcome is None for outcome in outcomes) == 1, outcomes
    assert all(isinstance(o, AlreadyReviewed) for o in outcomes if o is not None), outcomes
    winner = reviewers[outcomes.index(None)]
    with store.engine.connect() as connection:
        decided = connection.execute(sa.select(changes.c.status, changes.c.reviewer)
                                     .where(changes.c.id == change)).one()
    assert tuple(decided) == (PUBLISHED, winner)
    assert store.state()["observation"][LATER]["notes"] == "Reviewed twenty times at once."


def test_approve_racing_reject_one_wins_and_the_published_state_agrees(store):
    # Figures stated as current: no rule reads their notes, so any note is a valid change.
    keys = [key for key, row in store.state()["observation"].items() if row["period_label"] == "current"][:6]
    submitted = {key: store.submit([_with(store, key, notes=f"Raced note {n}.")], ALICE, f"note {n}")
                 for n, key in enumerate(keys)}
    calls = []
    for change in submitted.values():
        calls += [lambda s, c=change: s.review(c, BOB, approve=True),
                  lambda s, c=change: s.review(c, CAROL, approve=False)]
    outcomes = _race(store.url, calls)
    state = store.state()["observation"]
    for n, (key, change) in enumerate(submitted.items()):
        approved, rejected = outcomes[2 * n], outcomes[2 * n + 1]
        assert (approved is None) != (rejected is None), (approved, rejected)
        assert isinstance(approved or rejected, AlreadyReviewed)
        status = store.change(change).status
        assert status == (PUBLISHED if approved is None else REJECTED)
        assert (state[key]["notes"] == f"Raced note {n}.") == (status == PUBLISHED)


def test_nothing_is_published_without_a_second_person(store, folder):
    # Every path makes a pending change, and its author may not approve it.
    paths = {
        "file edit": lambda: (edit_csv(folder / "observations.csv", {(1, "notes"): "From the file."}),
                              store.sync_from_files(folder))[1],
        "new source": lambda: store.submit([Edit("source", "TEST/9", PUT, dict(
            store.state()["source"]["A/72/573"], symbol="TEST/9", text_file="TEST-9.txt"))], BOB, "a copy"),
        "retraction": lambda: store.retract("observation", LATER, BOB, "withdrawn"),
        "restore": lambda: store.restore(int(store.history("observation", EARLIER)["revision"].iloc[0]), BOB,
                                         "as seeded"),
    }
    before = store.state()
    for name, submit in paths.items():
        change = submit()
        assert store.change(change).status == "pending", name
        assert store.state() == before, name
        if store.change(change).author == "bob":
            with pytest.raises(PermissionError, match="other than its author"):
                store.review(change, BOB, approve=True)


def test_a_store_refuses_writers_without_an_account_or_the_role_now(store):
    edit = _with(store, LATER, notes="x")
    with pytest.raises(PermissionError, match="no account"):
        store.submit([edit], User("mallory", REVIEWER), "claims a role")
    change = store.submit([edit], ALICE, "a note")
    with pytest.raises(PermissionError, match="no account"):
        store.review(change, User("mallory", REVIEWER), approve=True)
    Accounts(store).set_role("bob", "reader")  # the same User object, its account's role changed
    with pytest.raises(PermissionError, match="may not review"):
        store.review(change, BOB, approve=True)
    Accounts(store).remove("alice")
    with pytest.raises(PermissionError, match="no account"):
        store.submit([_with(store, LATER, notes="y")], ALICE, "after removal")
    assert store.change(change).status == "pending"


def test_a_retraction_cannot_be_checked_against_nothing(store):
    with pytest.raises(KeyError):
        store.retract("observation", "no|such|record|here", ALICE, "nothing to retract")
    assert store.pending().empty
