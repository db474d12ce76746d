"""The store: every record of the data folder kept as an append-only history of revisions,
behind SQLAlchemy (a SQLite file by default, PostgreSQL through ``DATABASE_URL``).

Nothing is updated or deleted. A *change* (who, when, why) holds the *revisions* it makes:
putting a record (adding or correcting it) or retracting it, each with the whole record as
it then reads. A change by an editor is *pending* until a reviewer other than its author
approves it; approval and rejection are recorded on the change. The current view is
derived: for every record, its last revision in a published change, unless that retracts
it. Any earlier state comes back by restoring a revision, which is a new change like any
other.

The store holds the same records as the files (``dataset.yaml``, the catalogue, the
sources with their text, observations, targets, milestones), so files -> store -> files is
lossless, and the store's published state is validated by the very same rules: it is
written out as a data folder and read with :func:`indicators.validation.validate_folder`.
"""

from __future__ import annotations

import atexit
import json
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
import yaml
from sqlalchemy import event

from indicators import paths, scratch
from indicators.files import read_csv, read_text, read_yaml
from indicators.validation import (
    MILESTONE_COLUMNS,
    OBSERVATION_COLUMNS,
    TARGET_COLUMNS,
    Dataset,
    validate_folder,
)

PENDING, PUBLISHED, REJECTED = "pending", "published", "rejected"
PUT, RETRACT = "put", "retract"
READER, EDITOR, REVIEWER = "reader", "editor", "reviewer"
DEFAULT_URL_ENV = "DATABASE_URL"
# The CSV tables, their files, the columns in file order, and what makes a record the same record.
TABLES = {
    "observation": (paths.OBSERVATIONS_FILE, list(OBSERVATION_COLUMNS),
                    ("indicator_id", "period_start", "period_end", "source")),
    "target": (paths.TARGETS_FILE, list(TARGET_COLUMNS), ("indicator_id", "kind", "deadline", "source")),
    "milestone": (paths.MILESTONES_FILE, list(MILESTONE_COLUMNS), ("id",)),
}

metadata = sa.MetaData()
changes = sa.Table(
    "changes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("reviewer", sa.String(200)),
    sa.Column("reviewed_at", sa.DateTime(timezone=True)),
    sa.Column("review_note", sa.Text),
    sa.Column("origin", sa.String(20), nullable=False, server_default="edit"),
)
revisions = sa.Table(
    "revisions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("change_id", sa.Integer, sa.ForeignKey("changes.id"), nullable=False),
    sa.Column("entity", sa.String(40), nullable=False),
    sa.Column("key", sa.String(1000), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
)


class NotAllowed(PermissionError):
    """The user's role does not allow this write; checked on every write, not only in the UI."""


@dataclass(frozen=True)
class User:
    name: str
    role: str = READER

    @property
    def can_edit(self) -> bool:
        return self.role in (EDITOR, REVIEWER)


@dataclass(frozen=True)
class Edit:
    entity: str
    key: str
    action: str
    record: dict


def default_url() -> str:
    """``DATABASE_URL`` when set, else a SQLite file beside the data (nothing to install)."""
    return os.environ.get(DEFAULT_URL_ENV) or f"sqlite:///{paths.PROJECT_DIR / 'store' / 'indicators.sqlite'}"


WAL_SWITCH_SECONDS = 30  # as long as the driver's own wait for a lock


def _switch_to_wal(cursor) -> None:
    """``PRAGMA journal_mode=WAL``, tried again while another connection holds the file.

    Processes opening a new file at once each read it, then ask to write to switch it to
    WAL. SQLite answers one of them "database is locked" at once rather than waiting,
    since two readers waiting for each other would wait for ever. The statement holds no
    lock after failing, so trying again is safe; the file is switched once, by whoever is
    first."""
    deadline = time.monotonic() + WAL_SWITCH_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record):
            # Let SQLAlchemy, not the driver, begin transactions, so writes can BEGIN IMMEDIATE.
            connection.isolation_level = None
            cursor = connection.cursor()
            _switch_to_wal(cursor)
            for pragma in ("busy_timeout=10000", "synchronous=FULL", "foreign_keys=ON"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection):
            # Take the write lock at the start: no "database is locked" halfway through a change.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def record_key(entity: str, record: dict) -> str:
    if entity in TABLES:
        return "|".join(str(record.get(column) or "") for column in TABLES[entity][2])
    if entity == "dataset":
        return "dataset"
    return str(record.get("symbol") if entity == "source" else record.get("id"))


MIGRATION_LOCK = 72573  # any fixed number: the advisory lock of schema migrations

# Folders the published state was written to by this process, newest last. As many are
# kept as the app caches validated versions; older ones are removed (a million observations
# are about 160 MB of files), and the rest when the process ends, or, when it is killed, by
# the next process to write a state (:mod:`indicators.scratch`).
KEPT_STATE_FOLDERS = 4
STATE_FOLDER_PREFIX = "indicators-store-"
_state_folders: deque[Path] = deque()
_state_folders_lock = threading.Lock()


def _state_folder() -> Path:
    """A new folder to write the published state to; the oldest beyond the kept ones goes."""
    made = scratch.make(STATE_FOLDER_PREFIX)
    with _state_folders_lock:
        if not _state_folders:
            atexit.register(_remove_state_folders, 0)
        _state_folders.append(made)
        _remove_state_folders(KEPT_STATE_FOLDERS)
    return made / "data"


def _remove_state_folders(keep: int) -> None:
    while len(_state_folders) > keep:
        scratch.remove(_state_folders.popleft())


class Store:
    def __init__(self, url: str | None = None):
        self.url = url or default_url()
        self.engine = make_engine(self.url)

    # --- schema -------------------------------------------------------------------------
    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` with Alembic (from empty, or from any earlier one)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Replicas starting together take turns: the first migrates, the others then
                # find the schema at head. The lock ends with the transaction.
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def revision(self) -> str | None:
        with self.engine.connect() as connection:
            if not sa.inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()

    # --- writes -------------------------------------------------------------------------
    def _record_change(self, connection, user: User, reason: str, edits: Iterable[Edit], status: str,
                       origin: str) -> int:
        now = datetime.now(UTC)
        change_id = connection.execute(changes.insert().values(
            author=user.name, reason=reason, created_at=now, status=status, origin=origin,
            reviewer=user.name if status == PUBLISHED else None, reviewed_at=now if status == PUBLISHED else None,
        )).inserted_primary_key[0]
        rows = [dict(change_id=change_id, entity=e.entity, key=e.key, action=e.action,
                     payload=json.dumps(e.record, ensure_ascii=False, sort_keys=False)) for e in edits]
        if rows:
            connection.execute(revisions.insert(), rows)
        return change_id

    def submit(self, edits: list[Edit], user: User, reason: str, origin: str = "edit") -> int:
        """A pending change, in one transaction: all its revisions or none."""
        if not user.can_edit:
            raise NotAllowed(f"{user.name} ({user.role}) may not change the data; editors and reviewers may")
        if not reason.strip():
            raise ValueError("a change needs a reason")
        with self.engine.begin() as connection:
            return self._record_change(connection, user, reason, edits, PENDING, origin)

    def record_decisions(self, edits: list[Edit], user: User, reason: str) -> int:
        """Decisions about candidates (not data, so not reviewed): recorded as published at once."""
        if not user.can_edit:
            raise NotAllowed(f"{user.name} ({user.role}) may not review candidates; editors and reviewers may")
        if any(e.entity != "candidate_decision" for e in edits):
            raise NotAllowed("only candidate decisions are recorded without review")
        with self.engine.begin() as connection:
            return self._record_change(connection, user, reason, edits, PUBLISHED, "extract")

    def review(self, change_id: int, user: User, approve: bool, note: str = "") -> None:
        """Publish or reject a pending change; only a reviewer who did not author it may."""
        if user.role != REVIEWER:
            raise NotAllowed(f"{user.name} ({user.role}) may not review; reviewers may")
        with self.engine.begin() as connection:
            change = connection.execute(sa.select(changes).where(changes.c.id == change_id)).one_or_none()
            if change is None:
                raise KeyError(f"no change {change_id}")
            if change.author == user.name:
                raise NotAllowed("a change is reviewed by someone other than its author")
            if change.status != PENDING:
                raise ValueError(f"change {change_id} is already {change.status}")
            connection.execute(changes.update().where(changes.c.id == change_id).values(
                status=PUBLISHED if approve else REJECTED, reviewer=user.name, reviewed_at=datetime.now(UTC),
                review_note=note or None))

    def seed(self, data_dir: Path | None = None) -> bool:
        """Fill an empty store from a data folder, as one published change; idempotent."""
        data_dir = Path(data_dir or paths.data_dir())
        with self.engine.begin() as connection:
            if connection.execute(sa.select(sa.func.count()).select_from(changes)).scalar():
                return False
            self._record_change(connection, User("seed", REVIEWER), f"seeded from {data_dir.name}/",
                                folder_records(data_dir), PUBLISHED, "seed")
        return True

    def sync_from_files(self, data_dir: Path | None = None) -> int:
        """While nobody has changed the data through the store, the files are the truth: a
        later edit of the files is taken in as a further published seed change (records put
        or retracted, history kept). Once the store has other changes it is the truth, and
        ``indicators dump`` writes it back to files; only sources, reform areas and
        indicators it has never held still come in from files. Returns how many records
        were taken in."""
        data_dir = Path(data_dir or paths.data_dir())
        with self.engine.connect() as connection:
            others = connection.execute(sa.select(sa.func.count()).select_from(changes)
                                        .where(changes.c.origin.notin_(["seed", "extract"]))).scalar()
        if others:
            return self._take_new_sources(data_dir)
        state = self.state()
        wanted = folder_records(data_dir)
        seen = {(e.entity, e.key) for e in wanted}
        edits = [e for e in wanted if state.get(e.entity, {}).get(e.key) != json.loads(json.dumps(e.record))]
        edits += [Edit(entity, key, RETRACT, record) for entity, records in state.items()
                  if entity != "candidate_decision"
                  for key, record in records.items() if (entity, key) not in seen]
        if edits:
            with self.engine.begin() as connection:
                self._record_change(connection, User("seed", REVIEWER), f"files of {data_dir.name}/ changed",
                                    edits, PUBLISHED, "seed")
        return len(edits)

    def _take_new_sources(self, data_dir: Path) -> int:
        """Once the store is the truth, the files still bring what only files can: a source
        added with `indicators add-source`, a new reform area or indicator. Records the store
        has never held are taken in; nothing it holds is changed or retracted from files."""
        with self.engine.connect() as connection:
            known = set(connection.execute(sa.select(revisions.c.entity, revisions.c.key).distinct()).all())
        fresh = [e for e in folder_records(data_dir)
                 if e.entity in ("source", "reform_area", "indicator") and (e.entity, e.key) not in known]
        if fresh:
            with self.engine.begin() as connection:
                self._record_change(connection, User("seed", REVIEWER), f"new in {data_dir.name}/", fresh,
                                    PUBLISHED, "seed")
        return len(fresh)

    def version(self) -> tuple[int, int]:
        """Changes the published state: the newest change id and how many are published. A
        cheap query each page run, so every app replica sees a new state on its next run."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(sa.func.max(changes.c.id), sa.func.count())
                                     .where(changes.c.status == PUBLISHED)).one()
        return int(row[0] or 0), int(row[1] or 0)

    # --- reads --------------------------------------------------------------------------
    def state(self, pending_of: str | None = None) -> dict[str, dict[str, dict]]:
        """The current records by entity and key, in the order they were first added:
        published changes only, plus the pending ones of ``pending_of`` (an editor sees
        their own changes marked as pending in the app)."""
        visible = changes.c.status == PUBLISHED
        if pending_of:
            visible = visible | ((changes.c.status == PENDING) & (changes.c.author == pending_of))
        query = (sa.select(revisions.c.entity, revisions.c.key, revisions.c.action, revisions.c.payload)
                 .join(changes, changes.c.id == revisions.c.change_id).where(visible).order_by(revisions.c.id))
        state: dict[str, dict[str, dict]] = {}
        with self.engine.connect() as connection:
            for entity, key, action, payload in connection.execute(query):
                records = state.setdefault(entity, {})
                if action == RETRACT:
                    records.pop(key, None)
                elif key in records:
                    records[key] = json.loads(payload)  # a correction keeps the record's place
                else:
                    records[key] = json.loads(payload)
        return state

    def history(self, entity: str, key: str) -> pd.DataFrame:
        """Every revision of one record with its change: who, when, why, what it read."""
        query = (sa.select(revisions.c.id.label("revision"), changes.c.id.label("change"), changes.c.author,
                           changes.c.created_at, changes.c.reason, changes.c.status, changes.c.reviewer,
                           revisions.c.action, revisions.c.payload)
                 .join(changes, changes.c.id == revisions.c.change_id)
                 .where(revisions.c.entity == entity, revisions.c.key == key).order_by(revisions.c.id))
        with self.engine.connect() as connection:
            return pd.DataFrame(connection.execute(query).mappings().all())

    def restore(self, revision_id: int, user: User, reason: str) -> int:
        """Bring a record back to what one of its revisions read: a new (pending) change."""
        with self.engine.connect() as connection:
            old = connection.execute(sa.select(revisions).where(revisions.c.id == revision_id)).one()
        return self.submit([Edit(old.entity, old.key, old.action, json.loads(old.payload))], user, reason, "restore")

    def changed_records(self, change_id: int) -> pd.DataFrame:
        """What a change would do, record by record, beside what the record reads now."""
        published = self.state()
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(revisions.c.entity, revisions.c.key, revisions.c.action,
                                                revisions.c.payload)
                                      .where(revisions.c.change_id == change_id).order_by(revisions.c.id)).all()
        return pd.DataFrame([{
            "record": f"{entity} {key}", "action": "retract" if action == RETRACT else
            ("add" if key not in published.get(entity, {}) else "correct"),
            "now": json.dumps(published.get(entity, {}).get(key), ensure_ascii=False) if key in
            published.get(entity, {}) else "", "proposed": _shown(payload),
        } for entity, key, action, payload in rows])

    def records_of(self, indicator_id: str) -> list[tuple[str, str]]:
        """The observations and targets of one indicator that the store has ever held."""
        query = (sa.select(revisions.c.entity, revisions.c.key).distinct()
                 .where(revisions.c.entity.in_(["observation", "target"]),
                        revisions.c.key.startswith(f"{indicator_id}|")).order_by(revisions.c.key))
        with self.engine.connect() as connection:
            return [(entity, key) for entity, key in connection.execute(query)]

    def pending(self) -> pd.DataFrame:
        with self.engine.connect() as connection:
            return pd.DataFrame(connection.execute(
                sa.select(changes).where(changes.c.status == PENDING).order_by(changes.c.id)).mappings().all())

    def pending_records(self, entity: str) -> list[dict]:
        """The records of one entity that changes waiting for review would write."""
        query = (sa.select(revisions.c.payload).join(changes, changes.c.id == revisions.c.change_id)
                 .where(changes.c.status == PENDING, revisions.c.entity == entity, revisions.c.action != RETRACT)
                 .order_by(revisions.c.id))
        with self.engine.connect() as connection:
            return [json.loads(payload) for (payload,) in connection.execute(query)]

    def count(self, entity: str) -> int:
        return len(self.state().get(entity, {}))

    # --- files out ----------------------------------------------------------------------
    def dump(self, out: Path, pending_of: str | None = None) -> Path:
        """Write the published state as a data folder (the files' own format)."""
        write_folder(self.state(pending_of), Path(out))
        return Path(out)

    def validated(self) -> tuple[Dataset | None, list]:
        """The published state, validated by the same rules as the files: the dataset (None
        when a rule fails) and the failures. The state is written to a folder of its own,
        which the dataset reads its files from (exports, the source reader); the process
        keeps the newest few (:data:`KEPT_STATE_FOLDERS`)."""
        folder = _state_folder()
        self.dump(folder)
        return validate_folder(folder)

    def dataset(self) -> Dataset:
        """The published state, validated; raises :class:`DataValidationError` when a rule fails."""
        dataset, failures = self.validated()
        if failures:
            from indicators.validation import DataValidationError

            raise DataValidationError(failures)
        return dataset

    def backup(self, target: Path) -> Path:
        """A consistent copy of a SQLite store while it is in use (``VACUUM INTO``)."""
        if not self.url.startswith("sqlite"):
            raise ValueError("for PostgreSQL use pg_dump (see the README)")
        target = Path(target)
        if target.exists():
            raise FileExistsError(f"{target} exists")
        # VACUUM cannot run inside a transaction: use the driver's own connection, which
        # is in autocommit mode here (see make_engine).
        raw = self.engine.raw_connection()
        try:
            raw.driver_connection.execute("VACUUM INTO ?", (str(target),))
        finally:
            raw.close()
        return target


def _shown(payload: str) -> str:
    """A revision as a reviewer reads it in a table: a source's stored text is cut to its
    opening, with its length (the whole text is in the record)."""
    record = json.loads(payload)
    text = record.get("_file") if isinstance(record, dict) else None
    if isinstance(text, str) and len(text) > 500:
        record["_file"] = f"{text[:500]}… ({len(text):,} characters in all)"
        return json.dumps(record, ensure_ascii=False)
    return payload


def folder_records(data_dir: Path) -> list[Edit]:
    """Every record of a data folder as revisions that put it, in file order."""
    edits = [Edit("dataset", "dataset", PUT, read_yaml(data_dir / "dataset.yaml", "dataset.yaml"))]
    catalogue = read_yaml(data_dir / paths.CATALOGUE_FILE, paths.CATALOGUE_FILE)
    edits += [Edit("reform_area", str(a["id"]), PUT, a) for a in catalogue.get("reform_areas") or []]
    edits += [Edit("indicator", str(i["id"]), PUT, i) for i in catalogue.get("indicators") or []]
    folder = data_dir / paths.SOURCES_DIR
    for entry in read_yaml(folder / paths.SOURCES_FILE, paths.SOURCES_FILE).get("sources") or []:
        record = {key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in entry.items()}
        record["_file"] = read_text(folder / entry["text_file"], entry["text_file"])
        edits.append(Edit("source", str(entry["symbol"]), PUT, record))
    for entity, (file, _, _) in TABLES.items():
        if (data_dir / file).exists():
            frame = read_csv(data_dir / file, file)
            edits += [Edit(entity, record_key(entity, row), PUT, row) for row in frame.to_dict("records")]
    return edits


def write_folder(state: dict[str, dict[str, dict]], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / paths.SOURCES_DIR).mkdir(exist_ok=True)
    dump = lambda data: yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)  # noqa: E731
    (out / "dataset.yaml").write_text(dump(state.get("dataset", {}).get("dataset", {})), encoding="utf-8")
    (out / paths.CATALOGUE_FILE).write_text(dump({
        "reform_areas": list(state.get("reform_area", {}).values()),
        "indicators": list(state.get("indicator", {}).values()),
    }), encoding="utf-8")
    entries = []
    for record in state.get("source", {}).values():
        entry = {k: v for k, v in record.items() if k != "_file"}
        (out / paths.SOURCES_DIR / entry["text_file"]).write_text(record["_file"], encoding="utf-8")
        entries.append(entry)
    (out / paths.SOURCES_DIR / paths.SOURCES_FILE).write_text(dump({"sources": entries}), encoding="utf-8")
    for entity, (file, columns, _) in TABLES.items():
        rows = list(state.get(entity, {}).values())
        pd.DataFrame(rows, columns=columns).fillna("").to_csv(out / file, index=False)
