"""Who may do what: accounts kept in the store, signed in by password (argon2) or by a
token an administrator issues, with failed sign-ins throttled.

Roles: ``reader`` (everyone, signed in or not), ``editor`` (proposes changes) and
``reviewer`` (proposes, and approves or rejects other people's changes). An account may
also be an administrator, who adds and removes accounts, sets roles and issues tokens.
The app and the command line sign in against the same accounts; the store reads the
account's role again on every write, so a role changed or removed counts from the next
request, whatever a session remembers.

An account without a password hash (someone who signs in through the identity provider,
named by e-mail) never signs in with a password: an empty, malformed or missing hash
matches nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import pandas as pd
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from indicators.store import (EDITOR, FILES_AUTHOR, READER, REVIEWER, SEED_AUTHOR, Store, User, accounts,
                              sign_in_failures, tokens)

ROLES = (READER, EDITOR, REVIEWER)
MIN_PASSWORD = 12
# Names as people type them, or e-mail addresses; never one of the store's own authors.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}$")
RESERVED = {SEED_AUTHOR, FILES_AUTHOR}
# Failed sign-ins counted over a window, per name and per address: past the limit, the
# next attempt is refused unread until the oldest failure leaves the window.
WINDOW = timedelta(minutes=15)
PER_ACCOUNT, PER_ADDRESS = 5, 20
TOKEN_DAYS = 90
_HASHER = PasswordHasher()
WRONG = "Name or password is wrong."


class SignInRefused(PermissionError):
    """Said to the person signing in, as it is: it never tells which names exist."""


class AccountProblem(ValueError):
    """An account command that cannot be carried out (an unknown name, a weak password)."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    admin: bool
    has_password: bool


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


@cache
def _dummy() -> str:
    return _HASHER.hash("a password no account has")


def password_matches(stored, password: str) -> bool:
    """Whether ``password`` matches an argon2 hash. Anything else stored (nothing, an empty
    or malformed text) matches no password, after the same work as a real check, so
    timing does not tell an account without a password from one with."""
    if not isinstance(stored, str) or not stored.startswith("$argon2"):
        try:
            _HASHER.verify(_dummy(), password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            pass  # the outcome of the dummy check is never used
        return False
    try:
        return _HASHER.verify(stored, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _utc(moment: datetime) -> datetime:
    # SQLite gives back the moment without its zone; the store writes every moment in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not _NAME.match(name) or name in RESERVED:
        raise AccountProblem(f"'{name}' is not a usable account name: letters, digits and . _ @ + -, "
                             "starting with a letter or digit")
    return name


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise AccountProblem(f"use a password of at least {MIN_PASSWORD} characters")
    return password


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountProblem(f"role must be one of {', '.join(ROLES)}")
    return role


class Accounts:
    """The accounts of one store."""

    def __init__(self, store: Store):
        self.engine = store.engine

    # --- reading -----------------------------------------------------------------------
    def get(self, name: str) -> Account | None:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(accounts).where(accounts.c.name == name)).one_or_none()
        return None if row is None else Account(row.name, row.role, bool(row.admin), bool(row.password_hash))

    def user(self, name: str | None) -> User | None:
        """The account's user as it reads now (its role of this moment), or None."""
        account = self.get(name) if name else None
        return None if account is None else User(account.name, account.role)

    def exist(self, with_password: bool = False) -> bool:
        query = sa.select(sa.func.count()).select_from(accounts)
        if with_password:
            query = query.where(accounts.c.password_hash.is_not(None))
        with self.engine.connect() as connection:
            return bool(connection.execute(query).scalar())

    def table(self) -> pd.DataFrame:
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(accounts.c.name, accounts.c.role, accounts.c.admin,
                                                accounts.c.password_hash.is_not(None).label("password"),
                                                accounts.c.created_at).order_by(accounts.c.name)).mappings().all()
        return pd.DataFrame(rows, columns=["name", "role", "admin", "password", "created_at"])

    # --- administration ------------------------------------------------------------------
    def add(self, name: str, role: str, password: str | None = None, admin: bool = False) -> Account:
        """A new account; without a password it signs in only through the identity provider."""
        name, role = check_name(name), check_role(role)
        stored = hash_password(check_password(password)) if password is not None else None
        with self.engine.begin() as connection:
            if connection.execute(sa.select(accounts.c.name).where(accounts.c.name == name)).one_or_none():
                raise AccountProblem(f"{name} has an account already")
            connection.execute(accounts.insert().values(name=name, role=role, admin=admin, password_hash=stored,
                                                        created_at=datetime.now(UTC)))
        return Account(name, role, admin, stored is not None)

    def _update(self, name: str, **values) -> None:
        with self.engine.begin() as connection:
            done = connection.execute(accounts.update().where(accounts.c.name == name).values(**values))
        if done.rowcount != 1:
            raise AccountProblem(f"there is no account {name}")

    def set_role(self, name: str, role: str) -> None:
        self._update(name, role=check_role(role))

    def set_admin(self, name: str, admin: bool) -> None:
        self._update(name, admin=admin)

    def set_password(self, name: str, password: str | None) -> None:
        self._update(name, password_hash=None if password is None else hash_password(check_password(password)))

    def remove(self, name: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(tokens.delete().where(tokens.c.account == name))
            done = connection.execute(accounts.delete().where(accounts.c.name == name))
        if done.rowcount != 1:
            raise AccountProblem(f"there is no account {name}")

    def issue_token(self, name: str, days: int = TOKEN_DAYS) -> str:
        """A new token for ``name``, shown once: the store keeps only its hash."""
        if self.get(name) is None:
            raise AccountProblem(f"there is no account {name}")
        if not 1 <= days <= 366:
            raise AccountProblem("a token lasts 1 to 366 days")
        ident, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            connection.execute(tokens.insert().values(id=ident, account=name, digest=_digest(secret), created_at=now,
                                                      expires_at=now + timedelta(days=days)))
        return f"pki_{ident}_{secret}"

    def revoke_tokens(self, name: str) -> int:
        with self.engine.begin() as connection:
            done = connection.execute(tokens.update().where(tokens.c.account == name, tokens.c.revoked_at.is_(None))
                                      .values(revoked_at=datetime.now(UTC)))
        return done.rowcount

    # --- signing in -----------------------------------------------------------------------
    def sign_in(self, name: str, password: str, address: str) -> User:
        """The user of the account whose password this is; :class:`SignInRefused` when it is
        not, or while too many sign-ins failed lately for this name or from this address."""
        name = (name or "").strip()
        subjects = [(f"name:{name.lower()}", PER_ACCOUNT, "this name"), (f"address:{address}", PER_ADDRESS,
                                                                         "this address")]
        self._refuse_if_throttled(subjects)
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(accounts).where(accounts.c.name == name)).one_or_none()
        if not password_matches(row.password_hash if row is not None else None, password):
            self._failed(subjects)
            raise SignInRefused(WRONG)
        with self.engine.begin() as connection:
            connection.execute(sign_in_failures.delete().where(sign_in_failures.c.subject == subjects[0][0]))
        return User(row.name, row.role)

    def from_token(self, token: str, address: str) -> User:
        """The user of the account a live token was issued to."""
        subjects = [(f"address:{address}", PER_ADDRESS, "this address")]
        self._refuse_if_throttled(subjects)
        match = re.fullmatch(r"pki_([0-9a-f]{16})_([A-Za-z0-9_-]{20,})", (token or "").strip())
        found = None
        if match:
            with self.engine.connect() as connection:
                found = connection.execute(
                    sa.select(tokens.c.digest, tokens.c.expires_at, tokens.c.revoked_at, accounts.c.name,
                              accounts.c.role)
                    .join(accounts, accounts.c.name == tokens.c.account).where(tokens.c.id == match.group(1))
                ).one_or_none()
        usable = (found is not None and hmac.compare_digest(found.digest, _digest(match.group(2)))
                  and found.revoked_at is None and _utc(found.expires_at) > datetime.now(UTC))
        if not usable:
            self._failed(subjects)
            raise SignInRefused("The token is unknown, revoked or expired.")
        return User(found.name, found.role)

    def _refuse_if_throttled(self, subjects: list[tuple[str, int, str]]) -> None:
        now = datetime.now(UTC)
        with self.engine.connect() as connection:
            for subject, limit, who in subjects:
                times = connection.execute(sa.select(sign_in_failures.c.at).where(
                    sign_in_failures.c.subject == subject, sign_in_failures.c.at > now - WINDOW)
                    .order_by(sign_in_failures.c.at)).scalars().all()
                if len(times) >= limit:
                    wait = _utc(times[-limit]) + WINDOW - now
                    minutes = max(1, -(-int(wait.total_seconds()) // 60))
                    raise SignInRefused(f"Too many failed sign-ins for {who}; try again in {minutes} minute(s).")

    def _failed(self, subjects: list[tuple[str, int, str]]) -> None:
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            connection.execute(sign_in_failures.insert(), [dict(subject=s, at=now) for s, _, _ in subjects])
            # What has left the window counts no more: the table stays small.
            connection.execute(sign_in_failures.delete().where(sign_in_failures.c.at <= now - WINDOW))


def _digest(secret: str) -> str:
    # A token is 32 random bytes: a plain hash suffices (no dictionary to guess from).
    return hashlib.sha256(secret.encode()).hexdigest()
