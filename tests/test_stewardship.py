"""Stewardship in the app (AppTest): who may write, pending until another reviewer
approves, readers see only published data; and secrets never committed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from indicators.paths import DEFAULT_DATA_DIR
from indicators.store import Store
from tests.conftest import PEOPLE, add_accounts, password_of

ROOT = Path(__file__).resolve().parents[1]
MAIN = str(ROOT / "app" / "main.py")
KEY = "targeted_attacks_on_peacekeepers|2015-11-02|2016-10-31|A/72/573"


@pytest.fixture
def database(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("INDICATORS_DATA_DIR", raising=False)
    return url


@pytest.fixture
def accounts(database):
    """The test people's accounts, in the store the app reads."""
    store = Store(database)
    store.migrate()
    store.seed(DEFAULT_DATA_DIR)
    add_accounts(store)
    store.engine.dispose()
    return PEOPLE


def page(accounts=None) -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.switch_page("views/stewardship.py")
    return at.run()


def sign_in(at: AppTest, name: str, password: str | None = None) -> AppTest:
    at.text_input(key="account_name").input(name)
    at.text_input(key="account_password").input(password_of(name) if password is None else password)
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
    at = sign_in(at, "alice", "wrong password")
    assert at.error[0].value == "Name or password is wrong." and not at.tabs


def test_a_reader_cannot_write(database, accounts):
    at = sign_in(page(accounts), "rita")
    assert "may read the data but not change it" in at.info[0].value and not at.tabs


def _propose(at: AppTest) -> AppTest:
    at.selectbox(key="f_indicator").set_value("targeted_attacks_on_peacekeepers")
    at.selectbox(key="f_source").set_value("A/72/573")
    at.text_input(key="f_label").input("1 Nov 2015 to 31 Oct 2016, restated")
    at.text_input(key="f_start").input("2015-11-02")
    at.text_input(key="f_end").input("2016-10-31")
    at.text_input(key="f_value").input("189")
    at.text_input(key="f_location").input("100")
    at.text_area(key="f_quote").input("The number of targeted attacks increased from 189 to 227")
    at.text_input(key="f_reason").input("a test figure (fictional window)")
    # The figure is checked as it is typed; the button is enabled once it passes.
    at.run()
    at.button(key="f_submit").click()
    return at.run()


def test_an_editor_change_stays_pending_until_another_reviewer_approves(database, accounts):
    at = _propose(sign_in(page(accounts), "alice"))
    assert not at.exception
    assert at.success[0].value.startswith("Change 2 is waiting for review")
    store = Store(database)
    assert KEY not in store.state()["observation"]  # readers see published data only
    assert KEY in store.state(pending_of="alice")["observation"]  # the author sees it pending
    # The editor sees the change as pending, with no approve button.
    assert not [b for b in at.button if b.label == "Approve"]

    bob = sign_in(page(accounts), "bob")
    approve = next(b for b in bob.button if b.key == "approve_2")
    assert not approve.disabled
    approve.click()
    bob.run()
    assert KEY in Store(database).state()["observation"]


def test_an_author_cannot_approve_their_own_change(database, accounts):
    at = _propose(sign_in(page(accounts), "bob"))
    approve = next(b for b in at.button if b.key == "approve_2")
    assert approve.disabled
    assert any("another reviewer approves it" in c.value for c in at.caption)


def _plain(text: str) -> str:
    """A message as it reads: the page escapes Markdown in what it shows."""
    return text.replace("\\", "")


def _tables(at: AppTest, column: str) -> list[pd.DataFrame]:
    """The tables on the page with ``column`` (AppTest does not find a table by its key)."""
    return [d.value for d in at.dataframe if column in d.value.columns]


def _type_figure(at: AppTest, value: str = "189", location: str = "100") -> AppTest:
    at.selectbox(key="f_indicator").set_value("targeted_attacks_on_peacekeepers")
    at.selectbox(key="f_source").set_value("A/72/573")
    at.text_input(key="f_label").input("1 Nov 2015 to 31 Oct 2016, restated")
    at.text_input(key="f_start").input("2015-11-02")
    at.text_input(key="f_end").input("2016-10-31")
    at.text_input(key="f_value").input(value)
    at.text_input(key="f_location").input(location)
    at.text_area(key="f_quote").input("The number of targeted attacks increased from 189 to 227")
    return at.run()


def test_a_figure_is_proved_as_it_is_typed_and_previewed_on_its_chart(database, accounts):
    at = sign_in(page(accounts), "alice")
    # Neither the indicator nor the source is chosen for the steward.
    [waiting] = [_plain(c.value) for c in at.caption if "checked as you type once it has" in c.value]
    assert waiting.startswith("The figure is checked as you type once it has the indicator, the source, ")
    at = _type_figure(at)
    assert not at.exception
    [checked] = [_plain(s.value) for s in at.success if s.value.startswith("Checked")]
    assert "the quote is at 100 of A/72/573 and states 189" in checked and "(proved)" in checked
    [chart] = [c for c in at.get("plotly_chart") if "New, awaiting review" in c.proto.spec]
    new_point = next(t for t in json.loads(chart.proto.spec)["data"] if t.get("name") == "New, awaiting review")
    assert new_point["y"] == [189.0]
    assert at.button(key="f_submit").disabled  # no reason yet


@pytest.mark.parametrize("value, location, rule", [("190", "100", "value_not_in_quote"),
                                                   ("189", "99", "quote_not_at_location")])
def test_a_figure_its_quote_does_not_prove_is_refused_before_submit(database, accounts, value, location, rule):
    at = _type_figure(sign_in(page(accounts), "alice"), value, location)
    assert not [s for s in at.success if s.value.startswith("Checked")]
    assert any(f"[{rule}]" in _plain(e.value) for e in at.error), [e.value for e in at.error]
    at.text_input(key="f_reason").input("a reason")
    at.run()
    assert at.button(key="f_submit").disabled


def test_an_upload_shows_each_changed_column_and_a_reviewer_sees_the_same(database, accounts):
    shipped = pd.read_csv(DEFAULT_DATA_DIR / "observations.csv", dtype=str, keep_default_na=False)
    edited = shipped[shipped["notes"] == ""].head(2).assign(notes="Checked against the annex")
    at = sign_in(page(accounts), "alice")
    at.file_uploader(key="u_file").upload("edit.csv", edited.to_csv(index=False).encode(), "text/csv")
    at.run()
    assert not at.exception
    assert any("0 added, 2 changed (notes 2), 0 unchanged, 0 refused" in _plain(m.value) for m in at.markdown)
    [diff] = _tables(at, "stored")
    assert diff[["status", "column", "stored", "file", "check"]].values.tolist() == [
        ["changed", "notes", "", "Checked against the annex", "proved"]] * 2
    at.text_input(key="u_reason").input("annex checked")
    at.run()
    at.button(key="u_submit").click()
    at.run()
    assert any(s.value.startswith("Change 2 is waiting for review") for s in at.success)
    bob = sign_in(page(accounts), "bob")
    [diff] = _tables(bob, "stored")
    assert diff["file"].tolist() == ["Checked against the annex"] * 2 and diff["check"].tolist() == ["proved"] * 2


def test_a_bad_upload_lists_every_problem_by_rule_with_the_closest_value(database, accounts):
    shipped = pd.read_csv(DEFAULT_DATA_DIR / "observations.csv", dtype=str, keep_default_na=False)
    rows = shipped[shipped["unit"] == "percent"].head(2).copy()
    rows.iloc[0, rows.columns.get_loc("unit")] = "percnt"
    rows.iloc[1, rows.columns.get_loc("period_end")] = "soon"
    at = sign_in(page(accounts), "alice")
    at.file_uploader(key="u_file").upload("year.csv", rows.to_csv(index=False).encode(), "text/csv")
    at.run()
    [error] = [_plain(e.value) for e in at.error if "Nothing can be submitted" in e.value]
    assert "[not_allowed] 1 problem(s):" in error and "(did you mean 'percent'?)" in error
    assert "[not_a_date] 1 problem(s):" in error and "year.csv row 3, column period_end" in error
    assert not [b for b in at.button if b.key == "u_submit"]


def test_a_table_has_templates_to_download_and_its_columns_described(database, accounts):
    at = sign_in(page(accounts), "alice")
    at.selectbox(key="u_table").set_value("targets")
    at.run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Template (CSV)" in labels and "Template (Excel, with drop-down lists)" in labels
    [described] = _tables(at, "allowed")
    assert described.set_index("column").loc["kind", "allowed"] != ""


def test_secrets_are_never_committed():
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".streamlit/secrets.toml" in ignored


def test_candidates_of_a_report_are_offered_for_review(database, accounts):
    at = sign_in(page(accounts), "alice")
    assert not at.exception
    lines = [m.value for m in at.markdown if "candidates in" in m.value]
    assert lines and "to review" in lines[0]
    assert [b.label for b in at.button if b.key in ("c_accept", "c_reject")] == [
        "Send the accepted ones for review", "Reject the ticked ones"]


def test_candidates_are_read_beside_their_paragraph(database, accounts):
    at = sign_in(page(accounts), "alice")
    table = _open_candidates(at)
    assert table["read"].str.startswith("source?doc=A%2F72%2F573&paragraph=").all()
    last = table.iloc[-1]
    place = str(last["location"])
    picker = at.selectbox(key="c_place")
    assert picker.options[-1].startswith(f"Paragraph {place} · ") and "to review" in picker.options[-1]
    picker.set_value(place)
    at.run()
    [shown] = [m.value for m in at.markdown if m.value.startswith(f"**{place}.**")]
    # The paragraph itself, with at least as many grey (unreviewed) numbers as it has candidates.
    words = last["quote"].split()[:4]
    assert " ".join(words) in shown.replace("\\", "")  # the page escapes Markdown
    to_review = int(re.search(r"(\d+) to review", picker.options[-1]).group(1))
    assert to_review == int((table["location"].astype(str) == place).sum())
    assert len(re.findall(r":gray-background\[", shown)) >= to_review


def _editor(at: AppTest):
    return next(d for d in at.data_editor if d.key.startswith("c_editor"))


def _open_candidates(at: AppTest):
    """The candidates table as the page offers it (accept, reject, indicator, ... columns)."""
    return _editor(at).value


def _edit(at: AppTest, rows: dict[int, dict]) -> AppTest:
    # AppTest cannot click in a data editor: its edit state is given before the run.
    at.session_state[_editor(at).key] = {"edited_rows": {str(i): edits for i, edits in rows.items()},
                                         "added_rows": [], "deleted_rows": []}
    return at


def test_a_candidate_is_accepted_onto_a_new_indicator_in_one_change(database, accounts):
    at = sign_in(page(accounts), "alice")
    table = _open_candidates(at)
    row = int(table.index[table["unit"] == "percent"][0])
    _edit(at, {row: {"accept": True, "period_label": "2017", "period_start": "2017-01-01",
                     "period_end": "2017-12-31"}})
    at.text_input(key="n_id").input("test_new_share")
    at.text_input(key="n_name").input("A share named in the test")
    at.text_input(key="n_description").input("A fictional indicator made by the test.")
    at.selectbox(key="n_unit").set_value("percent")
    at.text_input(key="c_reason").input("read in the report")
    at.run()
    next(b for b in at.button if b.key == "c_accept").click()
    at.run()
    assert not at.exception and at.success[0].value.startswith("Change 2 is waiting for review"), at.error
    pending = Store(database).state(pending_of="alice")
    assert pending["indicator"]["test_new_share"]["unit"] == "percent"
    [added] = [r for r in pending["observation"].values() if r["indicator_id"] == "test_new_share"]
    assert added["quote"] == table.loc[row, "quote"] and added["source"] == "A/72/573"
    assert added["value"] or (added["numerator"] and added["denominator"])  # a share keeps its parts
    assert "test_new_share" not in Store(database).state()["indicator"]  # published only after review
    # The page shows the candidates again at once: the sent one waits for review, and no tick
    # is carried over to the rows that took its place.
    assert any("1 wait for review" in m.value for m in at.markdown)
    assert len(_open_candidates(at)) == len(table) - 1 and not _open_candidates(at)["accept"].any()
    bob = sign_in(page(accounts), "bob")
    next(b for b in bob.button if b.key == "approve_2").click()
    bob.run()
    assert "test_new_share" in Store(database).state()["indicator"]


def test_sending_with_nothing_ticked_says_so_and_keeps_the_footer(database, accounts):
    at = sign_in(page(accounts), "alice")
    at.text_input(key="c_reason").input("read in the report")
    at.run()
    next(b for b in at.button if b.key == "c_accept").click()
    at.run()
    assert [w.value for w in at.warning] == ['Tick "accept" on the rows to send.']
    assert Store(database).pending().empty
    assert "Source: [A/72/573](" in at.caption[-1].value  # the page still ends with its source and licence


def test_a_rejected_candidate_is_not_offered_again(database, accounts):
    at = sign_in(page(accounts), "alice")
    before = _open_candidates(at)
    _edit(at, {0: {"reject": True}})
    at.text_input(key="c_reason").input("a count of meetings, not a measure")
    at.run()
    next(b for b in at.button if b.key == "c_reject").click()
    at.run()
    assert at.success[0].value.replace("\\", "").startswith("1 candidate(s) rejected")
    assert not _open_candidates(at)["reject"].any()  # the rows that moved up are not ticked
    after = _open_candidates(sign_in(page(accounts), "alice"))
    assert len(after) == len(before) - 1
    assert before.loc[0, "quote"] not in set(after["quote"]) or before.loc[0, "value"] not in set(after["value"])


REPORT_TEXT = (b"TEST/7\nA fictional later report\n\n"
               b"1. The number of targeted attacks on peacekeepers fell from 227 to 150 as at 31 October 2019.\n"
               b"2. Women made up 6 per cent of military contingents.\n")


@pytest.mark.parametrize("symbol, url, outcome", [
    ("TEST/7", "https://example.org/TEST-7", "success"),
    ("A/72/573", "https://example.org/TEST-7", "already in the store"),
    ("TEST/7", "ftp://example.org/TEST-7", "[bad_url]"),
])
def test_a_new_report_is_added_from_the_app_for_review(database, accounts, symbol, url, outcome):
    at = sign_in(page(accounts), "alice")
    next(f for f in at.get("file_uploader") if f.key == "s_file").upload("later-report.txt", REPORT_TEXT, "text/plain")
    for key, value in (("s_symbol", symbol), ("s_publisher", "Test fixture"), ("s_title", "A fictional report"),
                       ("s_url", url), ("s_published", "2019-11-15"), ("s_cutoff", "2019-10-31"),
                       ("s_reason", "the next report")):
        at.text_input(key=key).input(value)
    at.selectbox(key="s_kind").set_value("report")
    next(b for b in at.button if b.label == "Submit the source for review").click()
    at.run()
    assert not at.exception
    if outcome != "success":
        assert outcome in at.error[0].value.replace("\\", "") and Store(database).pending().empty
        return
    assert "TEST/7 (report, 2 parts) is waiting for review" in at.success[0].value.replace("\\", "")
    assert "TEST/7" not in Store(database).state()["source"]
    bob = sign_in(page(accounts), "bob")
    next(b for b in bob.button if b.key == "approve_2").click()
    bob.run()
    published = Store(database).state()["source"]["TEST/7"]
    assert published["_file"].startswith("TEST/7") and published["data_cutoff"] == "2019-10-31"
    # Once published, its candidates are offered.
    at = sign_in(page(accounts), "alice")
    at.selectbox(key="c_source").set_value("TEST/7")
    at.run()
    assert set(_open_candidates(at)["value"]) >= {150.0, 6.0}


def test_the_read_only_page_keeps_the_source_and_licence_footer(database):
    footer = page().caption[-1].value
    assert "Source: [A/72/573](" in footer and "Data licence" in footer
