"""Stewardship in the app (AppTest): who may write, pending until another reviewer
approves, readers see only published data; and secrets never committed."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indicators.accounts import hash_password, role_for, verify
from indicators.store import Store

ROOT = Path(__file__).resolve().parents[1]
MAIN = str(ROOT / "app" / "main.py")
KEY = "targeted_attacks_on_peacekeepers|2015-11-02|2016-10-31|A/72/573"


@pytest.fixture(scope="module")
def accounts():
    return {name: {"password_hash": hash_password(f"{name}-secret"), "role": role}
            for name, role in (("alice", "editor"), ("bob", "reviewer"), ("carol", "reviewer"), ("rita", "reader"))}


@pytest.fixture
def database(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("INDICATORS_DATA_DIR", raising=False)
    return url


def page(accounts=None) -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=60)
    if accounts:
        at.secrets["accounts"] = accounts
    at.switch_page("views/stewardship.py")
    return at.run()


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="account_name").input(name)
    at.text_input(key="account_password").input(password)
    next(b for b in at.button if b.label == "Sign in").click()
    return at.run()


def test_without_sign_in_configured_the_app_is_read_only(database):
    at = page()
    assert not at.exception
    assert "read-only" in at.info[0].value and not at.text_input


def test_signed_out_users_see_only_the_sign_in(database, accounts):
    at = page(accounts)
    assert [t.key for t in at.text_input] == ["account_name", "account_password"]
    assert not at.tabs
    at = sign_in(at, "alice", "wrong")
    assert at.error[0].value == "Name or password is wrong." and not at.tabs


def test_a_reader_cannot_write(database, accounts):
    at = sign_in(page(accounts), "rita", "rita-secret")
    assert "may read the data but not change it" in at.info[0].value and not at.tabs


def _propose(at: AppTest) -> AppTest:
    at.selectbox(key="f_indicator").set_value("targeted_attacks_on_peacekeepers")
    at.text_input(key="f_label").input("1 Nov 2015 to 31 Oct 2016, restated")
    at.text_input(key="f_start").input("2015-11-02")
    at.text_input(key="f_end").input("2016-10-31")
    at.text_input(key="f_value").input("189")
    at.text_input(key="f_location").input("100")
    at.text_area(key="f_quote").input("The number of targeted attacks increased from 189 to 227")
    at.text_input(key="f_reason").input("a test figure (fictional window)")
    next(b for b in at.button if b.label == "Submit for review").click()
    return at.run()


def test_an_editor_change_stays_pending_until_another_reviewer_approves(database, accounts):
    at = _propose(sign_in(page(accounts), "alice", "alice-secret"))
    assert not at.exception
    assert at.success[0].value.startswith("Change 2 is waiting for review")
    store = Store(database)
    assert KEY not in store.state()["observation"]  # readers see published data only
    assert KEY in store.state(pending_of="alice")["observation"]  # the author sees it pending
    # The editor sees the change as pending, with no approve button.
    assert not [b for b in at.button if b.label == "Approve"]

    bob = sign_in(page(accounts), "bob", "bob-secret")
    approve = next(b for b in bob.button if b.key == "approve_2")
    assert not approve.disabled
    approve.click()
    bob.run()
    assert KEY in Store(database).state()["observation"]


def test_an_author_cannot_approve_their_own_change(database, accounts):
    at = _propose(sign_in(page(accounts), "bob", "bob-secret"))
    approve = next(b for b in at.button if b.key == "approve_2")
    assert approve.disabled
    assert any("another reviewer approves it" in c.value for c in at.caption)


def test_local_accounts_verify_with_argon2(accounts):
    assert verify(accounts, "alice", "alice-secret").role == "editor"
    assert verify(accounts, "alice", "bob-secret") is None
    assert verify(accounts, "nobody", "x") is None
    assert accounts["alice"]["password_hash"].startswith("$argon2id$")
    assert role_for({"reviewers": ["lead@example.org"], "editors": ["e@example.org"]}, "e@example.org") == "editor"
    assert role_for({}, "someone@example.org") == "reader"


def test_secrets_are_never_committed():
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".streamlit/secrets.toml" in ignored


def test_candidates_of_a_report_are_offered_for_review(database, accounts):
    at = sign_in(page(accounts), "alice", "alice-secret")
    assert not at.exception
    lines = [m.value for m in at.markdown if "candidates in" in m.value]
    assert lines and "to review" in lines[0]
    assert [b.label for b in at.button if b.key in ("c_accept", "c_reject")] == [
        "Send the accepted ones for review", "Reject the ticked ones"]


def test_the_read_only_page_keeps_the_source_and_licence_footer(database):
    footer = page().caption[-1].value
    assert "Source: A/72/573" in footer and "Data licence" in footer
