"""The store on a real SQLite file and a real PostgreSQL server: migrations, seeding,
append-only history with review, imports that write all or nothing, files out, backups,
and concurrent writers."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import yaml

from indicators.files import FileProblem
from indicators.imports import ADDED, CHANGED, REFUSED, UNCHANGED, import_table, read_upload
from indicators.paths import DEFAULT_DATA_DIR
from indicators.store import EDITOR, PUT, READER, REVIEWER, Edit, NotAllowed, Store, User, changes, revisions
from tests.conftest import add_accounts, password_of

ROOT = Path(__file__).resolve().parents[1]
ALICE, BOB, CAROL = User("alice", EDITOR), User("bob", REVIEWER), User("carol", REVIEWER)


def _observations() -> pd.DataFrame:
    return pd.read_csv(DEFAULT_DATA_DIR / "observations.csv", dtype=str, keep_default_na=False)


def test_replicas_starting_together_migrate_an_empty_store_once(store_url):
    # Four app processes starting at once on one empty store: all start, and the schema
    # is at head once (PostgreSQL takes turns under an advisory lock, SQLite its file lock).
    script = ("import sys; from indicators.store import Store; s = Store(sys.argv[1]); s.migrate(); "
              "print(s.revision())")
    starting = [subprocess.Popen([sys.executable, "-c", script, store_url], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outcomes = [process.communicate(timeout=120) for process in starting]
    assert [out.strip() for out, _ in outcomes] == ["0003"] * 4, [err[-300:] for _, err in outcomes]
    with Store(store_url).engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_connections_opening_a_new_sqlite_file_at_once_all_open(tmp_path):
    # Threads released together open one new file: each switches it to WAL, and SQLite
    # answers some of them "locked" at once rather than waiting. About one trial in
    # twenty failed before those answers were tried again.
    import threading

    from indicators.store import make_engine

    failures = []
    for trial in range(100):
        url = f"sqlite:///{tmp_path / f'{trial}.sqlite'}"
        barrier = threading.Barrier(6)

        def open_once():
            engine = make_engine(url)
            barrier.wait()
            try:
                with engine.connect() as connection:
                    assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            except Exception as error:  # collected, and the assertion below names them
                failures.append(f"trial {trial}: {error}")
            finally:
                engine.dispose()

        threads = [threading.Thread(target=open_once) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []


class _LockedCursor:
    """Answers "database is locked" a given number of times, then switches."""

    def __init__(self, locked: int, message: str = "database is locked"):
        self.locked, self.message, self.calls = locked, message, 0

    def execute(self, sql):
        self.calls += 1
        if self.calls <= self.locked:
            raise sqlite3.OperationalError(self.message)


def test_switching_to_wal_is_tried_again_while_locked_and_only_then(monkeypatch):
    from indicators import store as store_module

    cursor = _LockedCursor(locked=3)
    store_module._switch_to_wal(cursor)
    assert cursor.calls == 4
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        store_module._switch_to_wal(_LockedCursor(locked=1, message="disk I/O error"))
    monkeypatch.setattr(store_module, "WAL_SWITCH_SECONDS", 0)
    stuck = _LockedCursor(locked=10**6)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        store_module._switch_to_wal(stuck)
    assert stuck.calls == 1


def test_migrations_from_empty_and_from_the_previous_revision(store_url):
    fresh = Store(store_url)
    fresh.migrate("0001")
    assert fresh.revision() == "0001"
    with fresh.engine.begin() as connection:  # a change written under the first schema
        connection.execute(sa.text("INSERT INTO changes (author, reason, created_at, status) "
                                   "VALUES ('old', 'before 0002', CURRENT_TIMESTAMP, 'published')"))
    fresh.migrate()
    assert fresh.revision() == "0003"
    with fresh.engine.connect() as connection:
        assert connection.execute(sa.select(changes.c.author, changes.c.origin)).all() == [("old", "edit")]
    fresh.engine.dispose()


def test_seeding_is_idempotent(store):
    assert store.seed(DEFAULT_DATA_DIR) is False
    assert store.count("observation") == len(_observations())


def test_files_to_store_to_files_is_lossless(store, tmp_path):
    out = store.dump(tmp_path / "data")
    for name in ("observations.csv", "targets.csv", "milestones.csv", "sources/A-72-573.txt"):
        assert (out / name).read_bytes() == (DEFAULT_DATA_DIR / name).read_bytes(), name
    for name in ("catalogue.yaml", "sources/sources.yaml", "dataset.yaml"):
        assert yaml.safe_load((out / name).read_text()) == yaml.safe_load((DEFAULT_DATA_DIR / name).read_text())
    assert len(store.dataset().observations) == len(_observations())


# The row whose notes these tests edit: a figure stated as current, whose notes no rule reads
# (the 189's notes name the window its period comes from, and the proof reads them).
EDITED = 6
EDITED_KEY = "women_military_peacekeepers|2017-10-31|2017-10-31|A/72/573"


def _corrected(value: str) -> Edit:
    row = _observations().iloc[EDITED].to_dict()
    assert "|".join([row["indicator_id"], row["period_start"], row["period_end"], row["source"]]) == EDITED_KEY
    row["notes"] = value
    return Edit("observation", EDITED_KEY, PUT, row)


def test_a_change_is_pending_until_another_reviewer_approves_it(store):
    key = EDITED_KEY
    change = store.submit([_corrected("Checked again.")], ALICE, "clarify the window")
    assert store.state()["observation"][key]["notes"] != "Checked again."  # readers: published only
    assert store.state(pending_of="alice")["observation"][key]["notes"] == "Checked again."  # the author sees it
    with pytest.raises(NotAllowed):
        store.review(change, ALICE, approve=True)  # an editor may not review
    with pytest.raises(NotAllowed):
        store.submit([_corrected("x")], User("rita", READER), "readers cannot write")
    own = store.submit([_corrected("Bob's own note.")], BOB, "a reviewer's own change")
    with pytest.raises(NotAllowed, match="other than its author"):
        store.review(own, BOB, approve=True)
    store.review(change, BOB, approve=True)
    assert store.state()["observation"][key]["notes"] == "Checked again."
    store.review(own, CAROL, approve=False, note="not needed")
    assert store.state()["observation"][key]["notes"] == "Checked again."


def test_history_is_kept_and_an_earlier_state_restored_by_a_new_revision(store):
    key = EDITED_KEY
    store.review(store.submit([_corrected("A correction.")], ALICE, "first"), BOB, approve=True)
    history = store.history("observation", key)
    assert history["reason"].tolist() == ["seeded from data/", "first"]
    original = int(history["revision"].iloc[0])
    store.review(store.restore(original, ALICE, "back to the report's note"), BOB, approve=True)
    assert len(store.history("observation", key)) == 3  # nothing was deleted
    assert store.state()["observation"][key]["notes"] == _observations().iloc[EDITED]["notes"]
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(revisions)).scalar() >= 3


def test_import_dry_run_then_commit(store):
    frame = _observations().iloc[[EDITED, 0, 1]].reset_index(drop=True)
    frame.loc[0, "notes"] = "Reviewed against the PDF."
    plan = import_table(store, "observations", frame, ALICE, "notes")
    assert [o.status for o in plan.outcomes] == [CHANGED, UNCHANGED, UNCHANGED] and plan.change_id is None
    before = len(store.pending())
    plan = import_table(store, "observations", frame, ALICE, "notes", commit=True)
    assert plan.change_id is not None and len(store.pending()) == before + 1


def _upload(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def _edited(**cells) -> bytes:
    frame = _observations().iloc[[EDITED, 0]].reset_index(drop=True)
    for column, value in cells.items():
        frame.loc[0, column] = value
    return _upload(frame)


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * (60 * 1024 * 1024))
    return buffer.getvalue()


def _workbook(frame: pd.DataFrame) -> bytes:
    """``frame`` as a spreadsheet saves it once edited: dates as date cells, numbers as
    numbers, flags as booleans, empty cells empty."""
    import datetime

    import openpyxl

    kinds = {"period_start": datetime.datetime.fromisoformat, "period_end": datetime.datetime.fromisoformat,
             "value": float, "numerator": float, "denominator": float, "is_baseline": lambda t: t.lower() == "true"}
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([None if text == "" else kinds.get(column, str)(text) for column, text in zip(frame.columns, row)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HTML_ROW = _observations().head(1).assign(notes="<script>alert(1)</script>")
FORMULA_ROW = _observations().head(1).assign(notes="=HYPERLINK(\"https://evil.example\")")
NEW_ROW = _observations().head(1).assign(indicator_id="attacks_on_the_moon")

# (case, upload bytes, what a user is told)
BAD_UPLOADS = [
    ("malformed CSV", b"indicator_id,value\n\"unclosed,1\n", "row"),
    ("wrong delimiter", _upload(_observations().head(1)).replace(b",", b";"), "[wrong_delimiter]"),
    ("wrong column names", _upload(_observations().head(1).rename(columns={"value": "amount"})),
     "[unexpected_column]"),
    ("no key column", _upload(_observations().head(1).rename(columns={"period_start": "start"})), "[missing_column]"),
    ("wrong units", _edited(unit="furlongs"), "column unit"),
    ("unknown indicator", _upload(NEW_ROW), "[unknown_indicator]"),
    ("percent above 100", _upload(_observations()[_observations()["unit"] == "percent"].head(1).assign(value="165")),
     "[percent_out_of_range]"),
    ("duplicate rows", _upload(pd.concat([_observations().head(1)] * 2)), "another row of the file has the same key"),
    ("unparseable dates", _edited(period_start="November 2015"), "[not_a_date]"),
    ("an empty file", b"", "[empty_file]"),
    ("a binary file named .csv", bytes(range(256)) * 4, "[not_a_table]"),
    ("an oversized file", b"a,b\n" + b"1,2\n" * 2_000_000, "[file_too_large]"),
    ("a zip-bomb .xlsx", _zip_bomb(), "[zip_bomb]"),
    ("a moment of a day, not a date, in a workbook",
     _workbook(_observations().head(1).assign(period_start="2015-11-01 13:05:00")), "[not_a_date]"),
    ("HTML and script in text", _upload(HTML_ROW), "[markup]"),
    ("a formula prefix in text", _upload(FORMULA_ROW), "[formula_prefix]"),
]


@pytest.mark.parametrize("case, content, says", BAD_UPLOADS, ids=[c[0] for c in BAD_UPLOADS])
def test_bad_uploads_are_refused_and_write_nothing(store, case, content, says):
    before = (len(store.pending()), store.count("observation"))
    try:
        plan = import_table(store, "observations", read_upload(f"{case}.csv", content), ALICE, "upload",
                            commit=True)
    except FileProblem as problem:
        message = str(problem)
    else:
        assert not plan.ok and plan.change_id is None
        message = "\n".join(plan.lines())
        assert any(o.status == REFUSED for o in plan.outcomes) or plan.file_problems
    assert says in message, message
    assert (len(store.pending()), store.count("observation")) == before


def test_a_good_upload_reports_row_by_row(store):
    changed = _observations().iloc[[EDITED]].assign(notes="New note")
    added = _observations().iloc[[1]].assign(period_start="2016-11-02", notes="A fictional second window, for the test")
    same = _observations().iloc[[1]]
    plan = import_table(store, "observations", pd.concat([changed, added, same]), ALICE, "upload", commit=True)
    assert [(o.row, o.status) for o in plan.outcomes] == [(2, CHANGED), (3, ADDED), (4, UNCHANGED)]
    assert plan.ok and plan.change_id is not None


def test_a_table_edited_in_a_spreadsheet_reads_as_it_was_written(store):
    # Dates typed or opened in a spreadsheet become date cells; they read as the dates they were.
    rows = _observations().head(3)
    assert rows[["period_start", "period_end"]].ne("").all().all()  # the case this test is about
    plan = import_table(store, "observations", read_upload("edited.xlsx", _workbook(rows)), ALICE, "upload")
    assert plan.ok and [o.status for o in plan.outcomes] == [UNCHANGED] * 3, plan.lines()


WRITER = """
import sys
from indicators.store import Store, User, Edit, PUT
store = Store(sys.argv[1])
n = int(sys.argv[2])
row = {"indicator_id": "x", "period_start": f"2020-01-{n:02d}", "period_end": f"2020-01-{n:02d}", "source": "S"}
store.submit([Edit("observation", f"x|{n}", PUT, row)], User(f"writer{n}", "editor"), f"writer {n}", check=False)
print("ok")
"""


def test_twenty_concurrent_writers_lose_nothing(store):
    from indicators.accounts import Accounts

    for n in range(1, 21):
        Accounts(store).add(f"writer{n}", EDITOR)  # no password: the writers act through the store directly
    before = len(store.pending())
    processes = [subprocess.Popen([sys.executable, "-c", WRITER, store.url, str(n)], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(1, 21)]
    results = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0] * 20, [err[-300:] for _, err in results if err]
    assert not any("database is locked" in err for _, err in results)
    assert len(store.pending()) == before + 20


KILLED = """
import sys, time
from indicators.store import Store, User, Edit, PUT
store = Store(sys.argv[1])
edits = [Edit("observation", f"k|{n}", PUT, {"n": n}) for n in range(500)]
with store.engine.begin() as connection:
    store._record_change(connection, "import", "killed import", edits, "pending", "import")
    print("written, not committed", flush=True)
    time.sleep(60)
"""


def test_a_process_killed_in_the_middle_of_an_import_leaves_the_store_as_before(store):
    with store.engine.connect() as connection:
        before = connection.execute(sa.select(sa.func.count()).select_from(revisions)).scalar()
    process = subprocess.Popen([sys.executable, "-c", KILLED, store.url], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "written, not committed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    store.engine.dispose()
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(revisions)).scalar() == before


def test_sqlite_backup_while_in_use(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'live.sqlite'}")
    store.migrate()
    store.seed(DEFAULT_DATA_DIR)
    copy = store.backup(tmp_path / "backup.sqlite")
    restored = Store(f"sqlite:///{copy}")
    assert restored.state() == store.state()
    with pytest.raises(FileExistsError):
        store.backup(copy)


def test_sqlite_settings(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    with store.engine.connect() as connection:
        pragmas = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                   for name in ("journal_mode", "busy_timeout", "synchronous")}
    assert pragmas == {"journal_mode": "wal", "busy_timeout": 10000, "synchronous": 2}


def test_the_command_line_imports_reviews_and_dumps(tmp_path, capsys, monkeypatch):
    from indicators import cli

    database = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    made = Store(database)
    made.migrate()
    made.seed(DEFAULT_DATA_DIR)
    add_accounts(made, ("alice", "bob"))
    upload = tmp_path / "upload.csv"
    upload.write_bytes(_edited(notes="Checked."))
    assert cli.main(["import", str(upload), "--database", database]) == 0
    assert "Dry run: 0 added, 1 changed (notes 1), 1 unchanged, 0 refused" in capsys.readouterr().out
    monkeypatch.setenv("INDICATORS_PASSWORD", password_of("alice"))
    assert cli.main(["import", str(upload), "--database", database, "--commit", "--reason", "notes",
                     "--user", "alice"]) == 0
    assert cli.main(["review", "--approve", "2", "--database", database, "--user", "alice"]) == 2
    assert "may not review" in capsys.readouterr().err  # the role is the account's: alice edits
    monkeypatch.setenv("INDICATORS_PASSWORD", password_of("bob"))
    assert cli.main(["review", "--show", "2", "--database", database]) == 0
    assert "notes: 'The report states it as current" in capsys.readouterr().out
    assert cli.main(["review", "--approve", "2", "--database", database, "--user", "bob"]) == 0
    assert cli.main(["dump", "--out", str(tmp_path / "out"), "--database", database]) == 0
    dumped = pd.read_csv(tmp_path / "out" / "observations.csv", dtype=str, keep_default_na=False)
    key = dumped[["indicator_id", "period_start", "period_end", "source"]].agg("|".join, axis=1)
    assert dumped.loc[key == EDITED_KEY, "notes"].tolist() == ["Checked."]
    assert json.loads(json.dumps(list(dumped.columns))) == list(_observations().columns)


@pytest.mark.parametrize("limit, expected, code", [
    (None, "another row of the file has the same key", 1),  # 6 MB: over the app's 5 MB, under 32 MB: read
    ("5", "[file_too_large]", 2),  # the import limit, lowered, is the command line's limit
])
def test_the_command_line_reads_tables_larger_than_an_app_upload(tmp_path, capsys, monkeypatch, limit, expected,
                                                                  code):
    from indicators import cli

    if limit:
        monkeypatch.setenv("INDICATORS_MAX_IMPORT_MB", limit)
    # 6 MB of rows, each cell within its limit: the rows are read (and refused as repeats).
    row = _observations().head(1).assign(notes="n" * 2_500)
    upload = tmp_path / "upload.csv"
    row.to_csv(upload, index=False)
    with upload.open("a", encoding="utf-8") as out:
        out.write(row.to_csv(index=False, header=False) * (6 * 1024 * 1024 // 2_700))
    assert 6 * 1024 * 1024 < upload.stat().st_size < 8 * 1024 * 1024
    assert cli.main(["import", str(upload), "--database", f"sqlite:///{tmp_path / 'big.sqlite'}"]) == code
    captured = capsys.readouterr()
    assert expected in captured.out + captured.err


def test_a_retraction_is_a_revision_and_the_record_stays_in_the_history(store):
    key = "targeted_attacks_on_peacekeepers|2015-11-01|2016-10-31|A/72/573"
    record = store.state()["observation"][key]
    from indicators.store import RETRACT

    store.review(store.submit([Edit("observation", key, RETRACT, record)], ALICE, "withdrawn"), BOB, approve=True)
    assert key not in store.state()["observation"]
    assert store.history("observation", key)["action"].tolist() == ["put", "retract"]


def test_the_published_state_is_written_to_few_folders_and_removed_at_exit(store, monkeypatch):
    # Each validation writes the state to a folder its dataset reads files from; a replica
    # publishing all day must not fill the disk with them.
    from indicators import store as store_module

    monkeypatch.setattr(store_module, "KEPT_STATE_FOLDERS", 2)
    folders = [store.validated()[0].folder for _ in range(3)]
    assert [folder.exists() for folder in folders] == [False, True, True]
    assert (folders[-1] / "dataset.yaml").is_file()
    script = ("import sys; from indicators.store import Store; "
              "print(Store(sys.argv[1]).validated()[0].folder)")
    ended = subprocess.run([sys.executable, "-c", script, store.url], capture_output=True, text=True, timeout=120)
    assert ended.returncode == 0, ended.stderr[-500:]
    written = Path(ended.stdout.strip())
    assert written.name == "data" and not written.parent.exists()
