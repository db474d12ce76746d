"""Accounts in the store: sign-in by password or token, on the command line as in the app;
throttled failures; hashes that cannot sign in; roles read again on every request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from indicators import accounts as accounts_module
from indicators import cli
from indicators.accounts import AccountProblem, Accounts, SignInRefused, password_matches
from indicators.paths import DEFAULT_DATA_DIR
from indicators.store import Store, accounts, sign_in_failures, tokens
from tests.conftest import add_accounts, password_of
from tests.test_stewardship import MAIN, sign_in


@pytest.fixture
def store(store_url) -> Store:
    made = Store(store_url)
    made.migrate()
    made.seed(DEFAULT_DATA_DIR)
    add_accounts(made, ("alice", "bob", "rita"))
    yield made
    made.engine.dispose()


def _hash(store: Store, name: str, value) -> None:
    with store.engine.begin() as connection:
        connection.execute(accounts.update().where(accounts.c.name == name).values(password_hash=value))


def test_a_password_signs_in_as_the_account_with_its_role(store):
    assert Accounts(store).sign_in("alice", password_of("alice"), "127.0.0.1").role == "editor"
    assert Accounts(store).sign_in("bob", password_of("bob"), "127.0.0.1").role == "reviewer"
    with pytest.raises(SignInRefused, match="Name or password is wrong"):
        Accounts(store).sign_in("alice", password_of("bob"), "127.0.0.1")
    with pytest.raises(SignInRefused, match="Name or password is wrong"):
        Accounts(store).sign_in("nobody", password_of("alice"), "127.0.0.1")


# Stored hashes that must never sign in, whatever the password (the dummy check's own
# password included: it once signed in an account whose hash was empty).
NOT_HASHES = [None, "", False, "not-a-hash", "$argon2id$v=19$m=65536,t=3,p=4$broken", 0]


@pytest.mark.parametrize("stored", NOT_HASHES, ids=[repr(h) for h in NOT_HASHES])
def test_an_empty_malformed_or_missing_hash_never_signs_in(stored):
    for password in ("", "a password no account has", "anything at all here"):
        assert password_matches(stored, password) is False


def test_an_account_without_a_password_signs_in_only_through_the_identity_provider(store):
    Accounts(store).add("lead@example.org", "reviewer")
    with pytest.raises(SignInRefused):
        Accounts(store).sign_in("lead@example.org", "a password no account has", "127.0.0.1")
    _hash(store, "alice", "")
    with pytest.raises(SignInRefused):
        Accounts(store).sign_in("alice", "a password no account has", "127.0.0.1")


@pytest.mark.parametrize("failures, signs_in", [(accounts_module.PER_ACCOUNT - 1, True),
                                                (accounts_module.PER_ACCOUNT, False)])
def test_failed_sign_ins_are_throttled_per_name(store, failures, signs_in):
    for n in range(failures):
        with pytest.raises(SignInRefused, match="wrong"):
            Accounts(store).sign_in("alice", "not her password", f"10.0.0.{n}")
    if signs_in:
        assert Accounts(store).sign_in("alice", password_of("alice"), "10.0.1.1").name == "alice"
    else:
        with pytest.raises(SignInRefused, match="Too many failed sign-ins for this name; try again in 15 minute"):
            Accounts(store).sign_in("alice", password_of("alice"), "10.0.1.1")
    assert Accounts(store).sign_in("bob", password_of("bob"), "10.0.1.1")  # other names are not held up


def test_failed_sign_ins_are_throttled_per_address_and_leave_the_window(store):
    for n in range(accounts_module.PER_ADDRESS):
        with pytest.raises(SignInRefused, match="wrong"):
            Accounts(store).sign_in(f"guess{n}", "guessing", "203.0.113.9")
    with pytest.raises(SignInRefused, match="from|for this address"):
        Accounts(store).sign_in("bob", password_of("bob"), "203.0.113.9")
    assert Accounts(store).sign_in("bob", password_of("bob"), "198.51.100.1").name == "bob"
    # Once the failures are older than the window, the address may try again.
    with store.engine.begin() as connection:
        connection.execute(sign_in_failures.update().values(
            at=datetime.now(UTC) - accounts_module.WINDOW - timedelta(seconds=1)))
    assert Accounts(store).sign_in("bob", password_of("bob"), "203.0.113.9").name == "bob"


def test_a_token_signs_in_until_it_is_revoked_or_expires(store):
    token = Accounts(store).issue_token("bob", days=30)
    assert Accounts(store).from_token(token, "127.0.0.1").name == "bob"
    for wrong in ("", "pki_0123456789abcdef_" + "x" * 43, token[:-1] + ("A" if token[-1] != "A" else "B")):
        with pytest.raises(SignInRefused, match="token"):
            Accounts(store).from_token(wrong, "127.0.0.1")
    with store.engine.begin() as connection:
        connection.execute(tokens.update().values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    with pytest.raises(SignInRefused, match="expired"):
        Accounts(store).from_token(token, "127.0.0.1")
    fresh = Accounts(store).issue_token("bob")
    assert Accounts(store).revoke_tokens("bob") == 2  # the expired one and the fresh one
    with pytest.raises(SignInRefused):
        Accounts(store).from_token(fresh, "127.0.0.1")


def test_account_names_and_passwords_are_checked(store):
    with pytest.raises(AccountProblem, match="at least 12"):
        Accounts(store).add("dora", "editor", "short")
    for name in ("seed", "(files)", "", "has space", "-dash"):
        with pytest.raises(AccountProblem, match="not a usable account name"):
            Accounts(store).add(name, "editor", "a long enough password")
    with pytest.raises(AccountProblem, match="already"):
        Accounts(store).add("alice", "editor", "a long enough password")
    with pytest.raises(AccountProblem, match="role"):
        Accounts(store).add("dora", "owner", "a long enough password")


def _count_pending(store: Store) -> int:
    return len(store.pending())


@pytest.mark.parametrize("user, password, says", [
    ("mallory", password_of("alice"), "Name or password is wrong"),  # an unknown name
    ("alice", "not her password at all", "Name or password is wrong"),  # a wrong password
    ("rita", password_of("rita"), "may not change the data"),  # a reader
])
def test_the_command_line_refuses_who_may_not_write_and_writes_nothing(store, tmp_path, monkeypatch, capsys, user,
                                                                       password, says):
    upload = tmp_path / "rows.csv"
    rows = (DEFAULT_DATA_DIR / "observations.csv").read_text().splitlines()
    upload.write_text("\n".join(rows[:2]).replace("The window is named", "Named") + "\n")
    monkeypatch.setenv("INDICATORS_PASSWORD", password)
    code = cli.main(["import", str(upload), "--commit", "--reason", "a note", "--user", user,
                     "--database", store.url])
    assert code == 2 and says in capsys.readouterr().err
    assert _count_pending(store) == 0


def test_an_empty_hash_refused_on_the_command_line(store, tmp_path, monkeypatch, capsys):
    _hash(store, "bob", "")
    monkeypatch.setenv("INDICATORS_PASSWORD", "a password no account has")
    assert cli.main(["review", "--approve", "1", "--user", "bob", "--database", store.url]) == 2
    assert "Name or password is wrong" in capsys.readouterr().err


def test_the_command_line_takes_a_token_and_no_role_flag(store, tmp_path, monkeypatch, capsys):
    upload = tmp_path / "rows.csv"
    rows = (DEFAULT_DATA_DIR / "observations.csv").read_text().splitlines()
    upload.write_text("\n".join(rows[:2]).replace("The window is named", "Named") + "\n")
    monkeypatch.setenv("INDICATORS_TOKEN", Accounts(store).issue_token("alice"))
    assert cli.main(["import", str(upload), "--commit", "--reason", "a note", "--database", store.url]) == 0
    change = int(capsys.readouterr().out.split("change ")[1].split()[0])
    assert store.change(change).author == "alice"
    with pytest.raises(SystemExit):
        cli.main(["review", "--approve", str(change), "--role", "reviewer", "--database", store.url])


def test_accounts_are_managed_by_an_administrator(tmp_path, monkeypatch, capsys):
    database = ["--database", f"sqlite:///{tmp_path / 'accounts.sqlite'}"]
    monkeypatch.setenv("INDICATORS_NEW_PASSWORD", password_of("ada"))
    assert cli.main(["account", "list", *database]) == 2  # no account yet: only the first may be added
    assert cli.main(["account", "add", "ada", "--role", "reviewer", *database]) == 0
    assert "administrator" in capsys.readouterr().out  # the first account administers the others
    monkeypatch.setenv("INDICATORS_NEW_PASSWORD", password_of("alice"))
    monkeypatch.setenv("INDICATORS_PASSWORD", "not ada's password")
    assert cli.main(["account", "add", "alice", "--role", "editor", "--user", "ada", *database]) == 2
    monkeypatch.setenv("INDICATORS_PASSWORD", password_of("ada"))
    assert cli.main(["account", "add", "alice", "--role", "editor", "--user", "ada", *database]) == 0
    monkeypatch.setenv("INDICATORS_PASSWORD", password_of("alice"))
    assert cli.main(["account", "add", "eve", "--role", "reviewer", "--user", "alice", *database]) == 2
    assert "not an administrator" in capsys.readouterr().err
    monkeypatch.setenv("INDICATORS_PASSWORD", password_of("ada"))
    assert cli.main(["account", "role", "alice", "--role", "reviewer", "--user", "ada", *database]) == 0
    assert cli.main(["account", "list", "--user", "ada", *database]) == 0
    listed = capsys.readouterr().out
    assert "alice" in listed and "reviewer" in listed.split("alice")[1].splitlines()[0]


@pytest.fixture
def app_store(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("INDICATORS_DATA_DIR", raising=False)
    made = Store(url)
    made.migrate()
    made.seed(DEFAULT_DATA_DIR)
    add_accounts(made, ("alice", "bob"))
    yield made
    made.engine.dispose()


def _stewardship() -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.switch_page("views/stewardship.py")
    return at.run()


def test_in_the_app_a_changed_or_removed_role_counts_from_the_next_request(app_store):
    at = sign_in(_stewardship(), "alice")
    assert "Signed in as alice (editor)" in " ".join(m.value for m in at.markdown).replace("\\", "")
    Accounts(app_store).set_role("alice", "reader")
    at.run()
    assert "may read the data but not change it" in at.info[0].value and not at.tabs
    Accounts(app_store).remove("alice")
    at.run()
    assert [t.key for t in at.text_input] == ["account_name", "account_password"]  # signed out


def test_in_the_app_failed_sign_ins_are_throttled(app_store):
    at = _stewardship()
    for _ in range(accounts_module.PER_ACCOUNT):
        at = sign_in(at, "bob", "not bob's password")
        assert at.error[0].value == "Name or password is wrong."
    at = sign_in(at, "bob")
    assert at.error[0].value.startswith("Too many failed sign-ins for this name")
    with app_store.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(sign_in_failures)).scalar() >= 5
