"""Who may do what: roles, local accounts with argon2 password hashes, and the roles of
people who sign in through an identity provider.

Roles: ``reader`` (everyone, signed in or not), ``editor`` (proposes changes) and
``reviewer`` (proposes, and approves or rejects other people's changes). The store checks
the role on every write; the app only decides what to show.

Accounts live in the app's ``.streamlit/secrets.toml`` (never committed):

    [accounts.alice]
    password_hash = "$argon2id$v=19$..."     # from `indicators hash-password`
    role = "editor"

    [roles]                                  # for identity-provider sign-in (st.login)
    reviewers = ["lead@example.org"]
    editors = ["steward@example.org"]
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from indicators.store import EDITOR, READER, REVIEWER, User

ROLES = (READER, EDITOR, REVIEWER)
_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(accounts: Mapping, name: str, password: str) -> User | None:
    """The account's user when the password matches its hash, else None (and the same
    work is done for an unknown name, so timing does not tell which names exist)."""
    account = accounts.get(name) if name else None
    stored = account.get("password_hash") if isinstance(account, Mapping) else None
    try:
        _HASHER.verify(stored or _dummy(), password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if stored is None:
        return None
    role = account.get("role", READER)
    return User(name, role if role in ROLES else READER)


def role_for(roles: Mapping, email: str | None) -> str:
    """The role of someone signed in through the identity provider, by e-mail address."""
    if not email:
        return READER
    if email in (roles.get("reviewers") or []):
        return REVIEWER
    if email in (roles.get("editors") or []):
        return EDITOR
    return READER


@cache
def _dummy() -> str:
    return _HASHER.hash("a password no account has")
