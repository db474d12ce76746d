"""The store: every record of the data folder kept as an append-only history of revisions,
behind SQLAlchemy (a SQLite file by default, PostgreSQL through ``DATABASE_URL``).

Nothing is updated or deleted. A *change* (who, when, why) holds the *revisions* it makes:
putting a record (adding or correcting it) or retracting it, each with the whole record as
it then reads. A change by an editor is *pending* until a reviewer other than its author
approves it; approval and rejection are recorded on the change. The current view is
derived: for every record, its last revision in a published change, unless that retracts
it. Any earlier state comes back by restoring a revision, which is a new change like any
other.

The store is the one truth: every page and command reads its published state. It holds
the same records as the files (``dataset.yaml``, the catalogue, the sources with their
text, observations, targets, milestones), so files -> store -> files is lossless, and its
published state is validated by the very same rules: written out as a data folder and
read with :func:`indicators.validation.validate_folder`. A data folder seeds an empty
store; what its files later hold that the store does not arrives as a change for review.
Every write names an account of the store, whose role is read again in the write's own
transaction, and every change is validated against the published data when it is
submitted and again when it is approved.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import sqlite3
import tempfile
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
    DataValidationError,
    OBSERVATION_COLUMNS,
    TARGET_COLUMNS,
    Dataset,
    validate_folder,
)

PENDING, PUBLISHED, REJECTED, WITHDRAWN = "pending", "published", "rejected", "withdrawn"
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
    # What the change writes, hashed: the same change waits for review once (migration 0003).
    sa.Column("digest", sa.String(64)),
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


accounts = sa.Table(
    "accounts", metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("password_hash", sa.Text),  # none: signs in only through the identity provider
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("admin", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
tokens = sa.Table(
    "tokens", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("account", sa.String(200), sa.ForeignKey("accounts.name", ondelete="CASCADE"), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)
sign_in_failures = sa.Table(
    "sign_in_failures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)


class NotAllowed(PermissionError):
    """The user's role does not allow this write; checked on every write, not only in the UI."""


class ChangeRefused(ValueError):
    """The change would leave the published data invalid: the failures, each naming the
    file, row, column and rule."""

    def __init__(self, what: str, failures: list):
        self.what, self.failures = what, failures
        shown = "; ".join(map(str, failures[:5])) + (f"; and {len(failures) - 5} more" if len(failures) > 5 else "")
        super().__init__(f"{what}: the published data would not validate: {shown}")


class AlreadyReviewed(ValueError):
    """Another reviewer decided first (or the change was withdrawn)."""


class DuplicateChange(ValueError):
    """The same change is already waiting for review."""


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


STORE_DIR_ENV = "INDICATORS_STORE_DIR"


def default_url(data_dir: Path | None = None) -> str:
    """``DATABASE_URL`` when set, else a SQLite file of the data folder's own (nothing to
    install): ``store/indicators.sqlite`` for the shipped data, and for another folder (a
    fixture, a steward's copy) a file named after it, so that no folder is ever proposed
    as a change to another folder's store. ``INDICATORS_STORE_DIR`` moves the files."""
    given = os.environ.get(DEFAULT_URL_ENV)
    if given:
        return given
    folder = Path(data_dir or paths.data_dir()).resolve()
    stores = Path(os.environ.get(STORE_DIR_ENV) or paths.PROJECT_DIR / "store")
    if folder == paths.DEFAULT_DATA_DIR.resolve():
        name = "indicators.sqlite"
    else:
        stem = re.sub(r"[^A-Za-z0-9]+", "-", folder.name).strip("-") or "data"
        name = f"{stem}-{hashlib.sha256(str(folder).encode()).hexdigest()[:10]}.sqlite"
    return f"sqlite:///{stores / name}"


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


# The authors of the changes the store makes itself: the seed of an empty store, and what a
# data folder holds that differs from what the store last took from it. Neither may be an
# account's name (indicators.accounts refuses them), so no one reviews as either.
SEED_AUTHOR, FILES_AUTHOR = "seed", "(files)"
SEED, FILES = "seed", "files"  # their origins
PUBLISH_LOCK = 72574  # PostgreSQL: the advisory lock reviews take turns under
REVIEW_ATTEMPTS = 5  # validations of one approval while other changes are published meanwhile


def change_digest(edits: Iterable[Edit]) -> str:
    """What a change writes, as one hash: two changes writing the same are the same change."""
    material = json.dumps([[e.entity, e.key, e.action, e.record] for e in edits], ensure_ascii=False,
                          sort_keys=True, default=str)
    return hashlib.sha256(material.encode()).hexdigest()


def apply(state: dict[str, dict[str, dict]], edits: Iterable[Edit]) -> dict[str, dict[str, dict]]:
    """The state as it reads with ``edits`` made (the state itself is left as it is)."""
    merged = {entity: dict(records) for entity, records in state.items()}
    for edit in edits:
        records = merged.setdefault(edit.entity, {})
        if edit.action == RETRACT:
            records.pop(edit.key, None)
        else:
            records[edit.key] = edit.record
    return merged


def _plain(record: dict) -> dict:
    """A record as the store gives it back (JSON), so a file's record compares with it."""
    return json.loads(json.dumps(record, ensure_ascii=False, default=str))


def _gist(failure) -> tuple:
    """A failure without its row number, which a change to other rows may shift."""
    return failure.file, failure.column, failure.rule, failure.message


def validate_state(state: dict[str, dict[str, dict]]) -> list:
    """The failures of a state, by the very rules of the files (written out and read back)."""
    with tempfile.TemporaryDirectory(prefix="indicators-check-") as folder:
        data = Path(folder) / "data"
        write_folder(state, data)
        _, failures = validate_folder(data)
    return failures


def new_failures(state: dict[str, dict[str, dict]], edits: list[Edit]) -> list:
    """The failures ``state`` would have with ``edits`` made that it has not already. Data
    published before a release added a rule may fail it: a change is refused for what it
    breaks, not for what it leaves as it was."""
    failures = validate_state(apply(state, edits))
    if not failures:
        return []
    before = {_gist(f) for f in validate_state(state)}
    return [f for f in failures if _gist(f) not in before]


def _valid_folder(data_dir: Path) -> None:
    _, failures = validate_folder(data_dir)
    if failures:
        raise DataValidationError(failures)


def folder_state(data_dir: Path) -> dict[str, dict[str, dict]]:
    """A data folder's records as the store would hold them, by entity and key."""
    state: dict[str, dict[str, dict]] = {}
    for edit in folder_records(data_dir):
        state.setdefault(edit.entity, {})[edit.key] = _plain(edit.record)
    return state


class Store:
    def __init__(self, url: str | None = None, data_dir: Path | None = None):
        self.url = url or default_url(data_dir)
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
    def _record_change(self, connection, author: str, reason: str, edits: list[Edit], status: str,
                       origin: str) -> int:
        now = datetime.now(UTC)
        change_id = connection.execute(changes.insert().values(
            author=author, reason=reason, created_at=now, status=status, origin=origin,
            digest=change_digest(edits) if status == PENDING else None,
            reviewer=author if status == PUBLISHED else None, reviewed_at=now if status == PUBLISHED else None,
        )).inserted_primary_key[0]
        rows = [dict(change_id=change_id, entity=e.entity, key=e.key, action=e.action,
                     payload=json.dumps(e.record, ensure_ascii=False, sort_keys=False)) for e in edits]
        if rows:
            connection.execute(revisions.insert(), rows)
        return change_id

    @staticmethod
    def _role_now(connection, user: User) -> str:
        """The role the user's account holds at this moment: a caller's ``User`` is not
        taken on trust, and a role changed or removed counts from the next write."""
        role = connection.execute(sa.select(accounts.c.role).where(accounts.c.name == user.name)).scalar()
        if role is None:
            raise NotAllowed(f"{user.name} has no account in this store")
        return role

    def _waiting_copy(self, connection, edits: list[Edit]) -> int | None:
        return connection.execute(sa.select(changes.c.id).where(
            changes.c.digest == change_digest(edits), changes.c.status == PENDING)).scalar()

    def submit(self, edits: list[Edit], user: User, reason: str, origin: str = "edit", check: bool = True) -> int:
        """A pending change, in one transaction: all its revisions or none. With ``check``
        the data as it would read once the change is published is validated first, and a
        change that would break a rule is refused (:class:`ChangeRefused`); the same change
        waiting for review already is refused too (:class:`DuplicateChange`)."""
        if not reason.strip():
            raise ValueError("a change needs a reason")
        if not edits:
            raise ValueError("a change needs at least one record")
        if check:
            failures = self.check(edits)
            if failures:
                raise ChangeRefused("not submitted", failures)
        try:
            with self.engine.begin() as connection:
                if self._role_now(connection, user) not in (EDITOR, REVIEWER):
                    raise NotAllowed(f"{user.name} ({self._role_now(connection, user)}) may not change the data; "
                                     "editors and reviewers may")
                waiting = self._waiting_copy(connection, edits)
                if waiting is not None:
                    raise DuplicateChange(f"the same change is already waiting for review as change {waiting}")
                return self._record_change(connection, user.name, reason, edits, PENDING, origin)
        except sa.exc.IntegrityError:
            # Two submissions of one change at once: the unique index let the first in.
            with self.engine.connect() as connection:
                waiting = self._waiting_copy(connection, edits)
            if waiting is None:
                raise
            raise DuplicateChange(f"the same change is already waiting for review as change {waiting}") from None

    def record_decisions(self, edits: list[Edit], user: User, reason: str) -> int:
        """Decisions about candidates (not data, so not reviewed): recorded as published at once."""
        if any(e.entity != "candidate_decision" for e in edits):
            raise NotAllowed("only candidate decisions are recorded without review")
        with self.engine.begin() as connection:
            if self._role_now(connection, user) not in (EDITOR, REVIEWER):
                raise NotAllowed(f"{user.name} may not review candidates; editors and reviewers may")
            return self._record_change(connection, user.name, reason, edits, PUBLISHED, "extract")

    def review(self, change_id: int, user: User, approve: bool, note: str = "") -> None:
        """Publish or reject a pending change; only a reviewer who did not author it may.

        One decision per change: decisions take turns (PostgreSQL: an advisory lock;
        SQLite: the write lock taken at BEGIN), and the status is set only where it still
        reads pending, in one transaction. An approval validates the data as it would read
        with the change published, and refuses (:class:`ChangeRefused`) a change that would
        break a rule, say one of two changes each valid alone. The validation runs before
        the decision's transaction, so that other writers do not wait for it; the
        transaction then publishes only if the published state is still the one validated,
        and otherwise the change is validated again against the new one."""
        for _ in range(REVIEW_ATTEMPTS):
            if approve:
                with self.engine.connect() as connection:
                    self._reviewable(connection, change_id, user)
                    version, published = self._version(connection), self._state(connection)
                    edits = self._edits(connection, change_id)
                failures = new_failures(published, edits)
                if failures:
                    raise ChangeRefused(f"change {change_id} is not published", failures)
            with self.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PUBLISH_LOCK})")
                self._reviewable(connection, change_id, user)
                if approve and self._version(connection) != version:
                    continue  # published meanwhile: validate against what is published now
                decided = connection.execute(changes.update().where(
                    changes.c.id == change_id, changes.c.status == PENDING).values(
                    status=PUBLISHED if approve else REJECTED, reviewer=user.name, reviewed_at=datetime.now(UTC),
                    review_note=note or None))
                if decided.rowcount != 1:
                    raise AlreadyReviewed(f"change {change_id} was decided by another reviewer meanwhile")
                return
        raise AlreadyReviewed(f"change {change_id}: the published data changed {REVIEW_ATTEMPTS} times while it "
                              "was validated; try again")

    def _reviewable(self, connection, change_id: int, user: User) -> None:
        """Refuse a review the user may not make, of a change that is not pending."""
        if self._role_now(connection, user) != REVIEWER:
            raise NotAllowed(f"{user.name} may not review; reviewers may")
        change = connection.execute(sa.select(changes.c.author, changes.c.status)
                                    .where(changes.c.id == change_id)).one_or_none()
        if change is None:
            raise KeyError(f"no change {change_id}")
        if change.author == user.name:
            raise NotAllowed("a change is reviewed by someone other than its author")
        if change.status != PENDING:
            raise AlreadyReviewed(f"change {change_id} is already {change.status}")

    def empty(self) -> bool:
        with self.engine.connect() as connection:
            return not connection.execute(sa.select(sa.func.count()).select_from(changes)).scalar()

    def seed(self, data_dir: Path | None = None) -> bool:
        """Fill an empty store from a data folder, as one published change; idempotent. The
        folder is validated first: an invalid one seeds nothing (:class:`DataValidationError`)."""
        data_dir = Path(data_dir or paths.data_dir())
        if not self.empty():
            return False
        _valid_folder(data_dir)
        records = folder_records(data_dir)
        with self.engine.begin() as connection:
            if connection.execute(sa.select(sa.func.count()).select_from(changes)).scalar():
                return False  # another process seeded it meanwhile
            self._record_change(connection, SEED_AUTHOR, f"seeded from {data_dir.name}/", records, PUBLISHED, SEED)
        return True

    def sync_from_files(self, data_dir: Path | None = None) -> int | None:
        """What the data folder holds that differs from the store, as one pending change for
        review (the id), or None when nothing is to be reviewed.

        The files are compared with what the store last took from them (the seed, and the
        changes proposed from files before), not with the published state: a record the
        store corrected since, and the files still hold as before, is the store's to keep.
        A record edited, added or removed in the files since is proposed, unless the
        published state reads so already. One change from files waits at a time: a later
        edit of the files replaces it (withdrawn) by one that holds both."""
        data_dir = Path(data_dir or paths.data_dir())
        wanted = {(e.entity, e.key): _plain(e.record) for e in folder_records(data_dir)}
        with self.engine.connect() as connection:
            seen = self._seen_in_files(connection)
            waiting = connection.execute(sa.select(changes.c.id).where(
                changes.c.origin == FILES, changes.c.status == PENDING)).scalars().all()
            proposed = {tuple(row) for row in connection.execute(sa.select(revisions.c.entity, revisions.c.key)
                                                                  .where(revisions.c.change_id.in_(waiting)))}
        moved = {key for key in wanted.keys() | seen.keys() if wanted.get(key) != seen.get(key)}
        if not moved:
            return None
        # Only files that validate are proposed: a change that breaks a rule could never be
        # approved. The failures say what to mend (DataValidationError).
        _valid_folder(data_dir)
        concerned = moved | proposed
        published = self.state()
        edits = [Edit(entity, key, PUT, record) for (entity, key), record in wanted.items()
                 if (entity, key) in concerned and published.get(entity, {}).get(key) != record]
        edits += [Edit(entity, key, RETRACT, published[entity][key]) for (entity, key) in seen
                  if (entity, key) in concerned and (entity, key) not in wanted and key in published.get(entity, {})]
        added = sum(e.action == PUT and e.key not in published.get(e.entity, {}) for e in edits)
        removed = sum(e.action == RETRACT for e in edits)
        reason = (f"the files of {data_dir.name}/ differ from the store: {added} record(s) added, "
                  f"{len(edits) - added - removed} changed, {removed} removed")
        try:
            with self.engine.begin() as connection:
                if waiting:
                    connection.execute(changes.update().where(changes.c.id.in_(waiting), changes.c.status == PENDING)
                                       .values(status=WITHDRAWN, reviewed_at=datetime.now(UTC),
                                               review_note="replaced by a later reading of the files"))
                if not edits:
                    return None
                return self._record_change(connection, FILES_AUTHOR, reason, edits, PENDING, FILES)
        except sa.exc.IntegrityError:
            # Another process read the same files at the same moment and proposed them first.
            return self.pending_from_files()

    def _seen_in_files(self, connection) -> dict[tuple[str, str], dict | None]:
        """Each record as the store last took it from files (None: removed there)."""
        query = (sa.select(revisions.c.entity, revisions.c.key, revisions.c.action, revisions.c.payload)
                 .join(changes, changes.c.id == revisions.c.change_id)
                 .where(changes.c.origin.in_([SEED, FILES]), changes.c.status != WITHDRAWN)
                 .order_by(revisions.c.id))
        return {(entity, key): None if action == RETRACT else json.loads(payload)
                for entity, key, action, payload in connection.execute(query)}

    def pending_from_files(self) -> int | None:
        """The change proposed from the data folder's files that waits for review, if any."""
        with self.engine.connect() as connection:
            return connection.execute(sa.select(sa.func.max(changes.c.id)).where(
                changes.c.origin == FILES, changes.c.status == PENDING)).scalar()

    def restore(self, revision_id: int, user: User, reason: str) -> int:
        """Bring a record back to what one of its revisions read: a new (pending) change."""
        with self.engine.connect() as connection:
            old = connection.execute(sa.select(revisions).where(revisions.c.id == revision_id)).one_or_none()
        if old is None:
            raise KeyError(f"no revision {revision_id}")
        return self.submit([Edit(old.entity, old.key, old.action, json.loads(old.payload))], user, reason, "restore")

    def retract(self, entity: str, key: str, user: User, reason: str) -> int:
        """Withdraw a published record: a new (pending) change; the record stays in its history."""
        current = self.state().get(entity, {}).get(key)
        if current is None:
            raise KeyError(f"no published {entity} {key}")
        return self.submit([Edit(entity, key, RETRACT, current)], user, reason, "retract")

    def check(self, edits: list[Edit]) -> list:
        """The failures the published data would have with ``edits`` made that it has not
        already (empty: none). The state is read, then validated with no lock held."""
        return new_failures(self.state(), edits)

    def _edits(self, connection, change_id: int) -> list[Edit]:
        rows = connection.execute(sa.select(revisions.c.entity, revisions.c.key, revisions.c.action,
                                            revisions.c.payload)
                                  .where(revisions.c.change_id == change_id).order_by(revisions.c.id)).all()
        return [Edit(entity, key, action, json.loads(payload)) for entity, key, action, payload in rows]

    def version(self) -> tuple[int, int]:
        """Changes the published state: the newest change id and how many are published. A
        cheap query each page run, so every app replica sees a new state on its next run.
        Nothing is ever unpublished, so the count alone moves with every publication."""
        with self.engine.connect() as connection:
            return self._version(connection)

    @staticmethod
    def _version(connection) -> tuple[int, int]:
        row = connection.execute(sa.select(sa.func.max(changes.c.id), sa.func.count())
                                 .where(changes.c.status == PUBLISHED)).one()
        return int(row[0] or 0), int(row[1] or 0)

    # --- reads --------------------------------------------------------------------------
    def state(self, pending_of: str | None = None) -> dict[str, dict[str, dict]]:
        """The current records by entity and key, in the order they were first added:
        published changes only, plus the pending ones of ``pending_of`` (an editor sees
        their own changes marked as pending in the app)."""
        with self.engine.connect() as connection:
            return self._state(connection, pending_of)

    @staticmethod
    def _state(connection, pending_of: str | None = None) -> dict[str, dict[str, dict]]:
        visible = changes.c.status == PUBLISHED
        if pending_of:
            visible = visible | ((changes.c.status == PENDING) & (changes.c.author == pending_of))
        query = (sa.select(revisions.c.entity, revisions.c.key, revisions.c.action, revisions.c.payload)
                 .join(changes, changes.c.id == revisions.c.change_id).where(visible).order_by(revisions.c.id))
        state: dict[str, dict[str, dict]] = {}
        for entity, key, action, payload in connection.execute(query):
            records = state.setdefault(entity, {})
            if action == RETRACT:
                records.pop(key, None)
            else:
                records[key] = json.loads(payload)  # a correction keeps the record's place
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

    def change(self, change_id: int):
        """One change's row (who, when, why, its status), or None."""
        with self.engine.connect() as connection:
            return connection.execute(sa.select(changes).where(changes.c.id == change_id)).one_or_none()

    def changed_records(self, change_id: int) -> pd.DataFrame:
        """What a change would do, field by field, beside what each record reads now: one
        row per field that changes (every field of a record added; the whole record of
        one retracted)."""
        with self.engine.connect() as connection:
            published = self._state(connection)
            edits = self._edits(connection, change_id)
        return record_diff(published, edits)

    def edits_of(self, change_id: int) -> list[Edit]:
        """The records a change puts or retracts, in the order it wrote them."""
        with self.engine.connect() as connection:
            return self._edits(connection, change_id)

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

    def _pending_puts(self, entity: str, *columns) -> list:
        """``columns`` of each revision of ``entity`` that changes waiting for review would write."""
        query = (sa.select(*columns).join(changes, changes.c.id == revisions.c.change_id)
                 .where(changes.c.status == PENDING, revisions.c.entity == entity, revisions.c.action != RETRACT)
                 .order_by(revisions.c.id))
        with self.engine.connect() as connection:
            return list(connection.execute(query))

    def pending_records(self, entity: str) -> list[dict]:
        """The records of one entity that changes waiting for review would write."""
        return [json.loads(payload) for (payload,) in self._pending_puts(entity, revisions.c.payload)]

    def waiting(self, entity: str) -> dict[str, int]:
        """The keys of ``entity`` that changes waiting for review would write, each with its change."""
        return dict(self._pending_puts(entity, revisions.c.key, revisions.c.change_id))

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


def _shown_value(field: str, value) -> str:
    """A field's value as a reviewer reads it: a source's stored text cut to its opening,
    with its length (the whole text is in the record)."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if field == "_file" and len(text) > 500:
        return f"{text[:500]}… ({len(text):,} characters in all)"
    return text


def record_diff(published: dict[str, dict[str, dict]], edits: list[Edit]) -> pd.DataFrame:
    """``edits`` beside the published state, one row per field that changes: record,
    action (add, correct, retract), field, now and proposed. A correction that changes
    nothing reads as one row, "no change"."""
    rows = []
    for edit in edits:
        now = published.get(edit.entity, {}).get(edit.key)
        record = f"{edit.entity} {edit.key}"
        if edit.action == RETRACT:
            rows.append(dict(record=record, action="retract", field="(whole record)",
                             now=_shown_value("", now) if now is not None else "(not published)", proposed=""))
            continue
        action = "add" if now is None else "correct"
        fields = list(dict.fromkeys([*(now or {}), *edit.record]))
        changed = [f for f in fields if _blank_if_none((now or {}).get(f)) != _blank_if_none(edit.record.get(f))]
        for field in changed:
            rows.append(dict(record=record, action=action, field=field,
                             now=_shown_value(field, (now or {}).get(field)),
                             proposed=_shown_value(field, edit.record.get(field))))
        if not changed:
            rows.append(dict(record=record, action=action, field="", now="", proposed="no change"))
    return pd.DataFrame(rows, columns=["record", "action", "field", "now", "proposed"])


def _blank_if_none(value) -> str:
    """Missing, None and empty read the same in the files (an empty cell)."""
    return "" if value is None else str(value)


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
