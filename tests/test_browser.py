"""A real browser: start the app on a free loopback port, click through it in headless
Chromium, and save screenshots under test-output/screenshots/."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.replicas import FLAGS, replica
from tests.conftest import add_accounts, password_of

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-output" / "screenshots"

pytestmark = pytest.mark.browser


@contextmanager
def _serve(log_name: str, **env):
    """The app on a free loopback port, until the block ends."""
    (ROOT / "test-output").mkdir(exist_ok=True)
    with replica(ROOT / "test-output" / log_name, env, seconds=60) as (url, _):
        yield url


@pytest.fixture(scope="module")
def app_url(chromium):
    with _serve("streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def fixture_url(chromium):
    """The app on the fictional tracker fixture (TEST/1): a deadline that has passed."""
    with _serve("streamlit-fixture.log", INDICATORS_DATA_DIR=str(ROOT / "tests" / "fixtures" / "tracker")) as url:
        yield url


@pytest.fixture(scope="module")
def page(app_url, chromium):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(30_000)
        yield page
        browser.close()


def _settle(page):
    page.wait_for_selector("[data-testid='stApp']")
    # Streamlit shows a running indicator while a script runs; wait until it is gone.
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)
    page.wait_for_timeout(500)


def test_overview_then_click_an_indicator(page, app_url):
    page.goto(app_url)
    page.get_by_text("Indicators tracked").wait_for()
    _settle(page)
    page.screenshot(path=SHOTS / "01-overview.png", full_page=False)
    # The first page of cards (24), or all of them where there are no more.
    assert page.get_by_text(re.compile(r"^Showing (1–24 of \d+|(\d+) of \2) indicators\.$")).is_visible()
    assert page.get_by_text("Moving away or missed").first.is_visible()
    # The attacks card, found by the search box through its address.
    page.goto(f"{app_url}/?q=targeted+attacks")
    page.get_by_text("Targeted attacks on peacekeepers").first.wait_for()
    _settle(page)

    page.locator("a[href*='indicator=targeted_attacks_on_peacekeepers']").filter(
        has_text="Chart, figures and quotes").click()
    page.get_by_text("rose 20% from 189").wait_for()
    _settle(page)
    assert "indicator=targeted_attacks_on_peacekeepers" in page.url
    page.wait_for_selector(".js-plotly-plot")
    page.screenshot(path=SHOTS / "02-indicator-attacks.png", full_page=True)


def test_shared_link_opens_the_same_indicator(page, app_url):
    page.goto(f"{app_url}/indicator?indicator=women_civilian_staff_peace_operations")
    page.get_by_text("the 50% target by 2028 is set for internationally recruited").wait_for()
    _settle(page)
    page.screenshot(path=SHOTS / "03-indicator-parity.png", full_page=True)


def test_chart_image_download(page, app_url):
    page.goto(f"{app_url}/indicator?indicator=targeted_attacks_on_peacekeepers")
    page.get_by_text("rose 20% from 189").wait_for()
    _settle(page)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="SVG").click()
    assert download.value.suggested_filename == "targeted_attacks_on_peacekeepers.svg"
    svg = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Source: A/72/573, para. 100" in svg


def _gone(pid: int) -> bool:
    """The process has exited (a zombie waiting for its parent counts as exited)."""
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_the_app_stops_within_two_seconds_of_sigterm_after_an_image_export(page):
    import os
    import signal
    import time

    (ROOT / "test-output").mkdir(exist_ok=True)
    with replica(ROOT / "test-output" / "streamlit-sigterm.log", {}, seconds=60) as (url, pid):
        page.goto(f"{url}/indicator?indicator=targeted_attacks_on_peacekeepers")
        page.get_by_text("rose 20% from 189").wait_for()
        _settle(page)
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name="PNG").click()
        assert download.value.suggested_filename.endswith(".png")  # the chart browser is running now
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 2
        while not _gone(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(pid), "the app was still running 2 s after SIGTERM"


def test_filter_by_status_is_kept_in_the_url(page, app_url):
    page.goto(f"{app_url}/?q=women")
    page.get_by_text("Showing").first.wait_for()
    _settle(page)
    assert page.get_by_text(re.compile(r"^Showing 1\d of \d+ indicators\.$")).is_visible()
    # The app scrolls inside its own container, so a tall viewport shows more cards.
    page.set_viewport_size({"width": 1400, "height": 2000})
    page.wait_for_timeout(800)
    page.screenshot(path=SHOTS / "07-overview-search-women.png")
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_baseline_vs_goals(page, app_url):
    page.goto(f"{app_url}/goals")
    page.get_by_text("Baseline vs goals").first.wait_for()
    page.wait_for_selector(".js-plotly-plot")
    _settle(page)
    page.screenshot(path=SHOTS / "04-baseline-vs-goals.png", full_page=True)


def test_source_reader_links_numbers_to_indicators(page, app_url):
    page.goto(f"{app_url}/source?paragraph=100")
    page.get_by_text("numbers in the document are captured").wait_for()
    _settle(page)
    page.screenshot(path=SHOTS / "05-source-reader.png", full_page=False)
    link = page.get_by_role("link", name="227").first
    assert link.get_attribute("href").endswith("indicator?indicator=targeted_attacks_on_peacekeepers")
    # Markdown links open in a new tab, which keeps the reader where it was.
    with page.context.expect_page() as opened:
        link.click()
    indicator = opened.value
    indicator.get_by_text("rose 20% from 189").wait_for()
    assert indicator.url.endswith("/indicator?indicator=targeted_attacks_on_peacekeepers")
    indicator.close()


def test_about(page, app_url):
    page.goto(f"{app_url}/about")
    page.get_by_text("How to cite").wait_for()
    _settle(page)
    page.screenshot(path=SHOTS / "06-about.png", full_page=True)
    assert page.get_by_text("Data licence").first.is_visible()
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Excel").click()
    assert download.value.suggested_filename == "peacekeeping-indicators.xlsx"
    import io

    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert "observations" in workbook.sheetnames


def test_deck_download_for_one_area(page, app_url):
    from pptx import Presentation

    page.goto(f"{app_url}/goals")
    page.get_by_text("Briefing deck").wait_for()
    _settle(page)
    choose = page.get_by_role("combobox", name="Reform area")
    choose.click()
    choose.fill("Safety and")
    choose.press("Enter")

    # The title, the area's slide, the goals chart, the table of targets and the milestones.
    slides = 5
    page.get_by_role("button", name=f"Download deck ({slides} slides)").wait_for()
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name=f"Download deck ({slides} slides)").click()
    assert len(Presentation(download.value.path()).slides) == slides


def test_milestones_view(page, app_url):
    page.goto(f"{app_url}/milestones")
    page.get_by_text("New aviation manual finalized").wait_for()
    _settle(page)
    page.screenshot(path=SHOTS / "08-milestones.png", full_page=True)
    first = page.locator("h3").first.inner_text()
    assert first  # a reform area heading leads, in the order of its most urgent commitment
    assert page.get_by_text("No later report", exact=True).first.is_visible()


def test_passed_deadline_from_a_fixture(page, fixture_url):
    page.goto(f"{fixture_url}/indicator?indicator=women_field_staff")
    page.get_by_text("Target missed").first.wait_for()
    page.wait_for_selector(".js-plotly-plot")
    _settle(page)
    page.screenshot(path=SHOTS / "09-indicator-passed-deadline.png", full_page=True)
    # No projection is drawn back in time from the latest point to a deadline behind it.
    assert page.locator("text=Projection at observed pace").count() == 0


@pytest.fixture(scope="module")
def hostile_url(chromium, tmp_path_factory):
    """The app on a copy of the data whose metadata carries links and markup."""
    edits = {"catalogue.yaml": ("name: Safety and security",
                                "name: \"[Official login](https://evil.example/login) and www.evil.example\""),
             "sources/sources.yaml": ('title: "Implementation', 'title: "[Sign in](https://evil.example) Implementation')}
    yield from _serve_edited(tmp_path_factory, "hostile", edits)


@pytest.fixture(scope="module")
def invalid_url(chromium, tmp_path_factory):
    """The app on a copy of the data with a date no rule accepts."""
    yield from _serve_edited(tmp_path_factory, "invalid", {"observations.csv": ("2016-10-31,189", "9999-12-31,189")})


def _serve_edited(tmp_path_factory, name: str, edits: dict[str, tuple[str, str]]):
    """The app on a copy of the shipped data, each file's first occurrence of a text replaced."""
    import shutil

    folder = tmp_path_factory.mktemp(name) / "data"
    shutil.copytree(ROOT / "data", folder)
    for file, (old, new) in edits.items():
        text = (folder / file).read_text()
        assert old in text, (file, old)
        (folder / file).write_text(text.replace(old, new, 1))
    with _serve(f"streamlit-{name}.log", INDICATORS_DATA_DIR=str(folder)) as url:
        yield url


def test_metadata_never_becomes_a_live_link(page, hostile_url):
    from urllib.parse import urlparse

    import yaml

    # The sources' own addresses, which validation checks are plain https:// addresses.
    sources = yaml.safe_load((ROOT / "data" / "sources" / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    source_hosts = {urlparse(entry["url"]).hostname for entry in sources}

    for path in ("/", "/?q=targeted+attacks", "/source", "/about",
                 "/indicator?indicator=targeted_attacks_on_peacekeepers"):
        page.goto(hostile_url + path)
        page.get_by_text("Data licence").first.wait_for()
        _settle(page)
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        hosts = {urlparse(h).hostname for h in hrefs}
        # Only the app's own pages and the addresses it builds itself from validated metadata.
        assert hosts <= {"127.0.0.1", "creativecommons.org", *source_hosts}, (path, hosts)
        assert "evil.example" not in hosts
    page.goto(hostile_url + "/?q=targeted+attacks")
    page.get_by_text("[Official login]").first.wait_for()  # shown, as text


def test_invalid_data_shows_the_error_page(page, invalid_url):
    page.goto(invalid_url)
    page.get_by_text("The data does not validate").wait_for()
    _settle(page)
    page.screenshot(path=SHOTS / "10-invalid-data.png", full_page=True)
    body = page.inner_text("body")
    assert "date_out_of_range" in body and "indicators validate" in body
    assert "Traceback" not in body and "Ask Google" not in body and "site-packages" not in body


def test_two_app_processes_on_one_postgresql_show_the_same_publication(page, chromium, postgres_url):
    """Two replicas on one PostgreSQL store: a change published while both run shows in
    both on the next page load (each run asks the store for its version)."""
    import uuid

    import sqlalchemy as sa

    from indicators.store import EDITOR, PUT, REVIEWER, Edit, Store, User

    name = f"replicas_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    link = "/indicator?indicator=targeted_attacks_on_peacekeepers"
    try:
        with _serve("streamlit-replica-a.log", DATABASE_URL=url) as first, \
                _serve("streamlit-replica-b.log", DATABASE_URL=url) as second:
            for replica in (first, second):
                page.goto(replica + link)
                page.get_by_text("rose 20% from 189").wait_for()
            store = Store(url)
            add_accounts(store, ("alice", "bob"))
            record = dict(store.state()["indicator"]["targeted_attacks_on_peacekeepers"],
                          name="Targeted attacks on United Nations peacekeepers")
            change = store.submit([Edit("indicator", "targeted_attacks_on_peacekeepers", PUT, record)],
                                  User("alice", EDITOR), "clearer name")
            store.review(change, User("bob", REVIEWER), approve=True)
            store.engine.dispose()
            for replica in (second, first):
                page.goto(replica + link)
                page.get_by_role("heading", name="Targeted attacks on United Nations peacekeepers").wait_for(
                    timeout=30_000)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="module")
def many_url(chromium, tmp_path_factory):
    """The app on a synthetic folder of 130 indicators (fictional BENCH sources)."""
    from bench.generate import generate

    folder = generate(tmp_path_factory.mktemp("many") / "data", indicators=130, observations=520)
    with _serve("streamlit-many.log", INDICATORS_DATA_DIR=str(folder)) as url:
        yield url


def test_a_thousand_indicators_come_in_pages(page, many_url):
    page.goto(many_url)
    from playwright.sync_api import expect

    page.get_by_text("Showing 1–24 of 130 indicators.").wait_for()
    _settle(page)
    # Cards keep arriving after the page's first lines: wait (up to the timeout) for all of them.
    expect(page.get_by_text("Chart, figures and quotes")).to_have_count(24)
    # The last page, by its button: ten cards, and the page in the URL.
    page.get_by_role("button", name=re.compile(r"^(Page )?6$")).first.click()
    page.get_by_text("Showing 121–130 of 130 indicators.").wait_for()
    _settle(page)
    expect(page.get_by_text("Chart, figures and quotes")).to_have_count(10)
    assert "page=6" in page.url
    page.screenshot(path=SHOTS / "11-overview-last-page.png", full_page=False)


def _sign_in(browser, url: str, name: str):
    """A new page (a session of its own) on the Stewardship page, signed in as ``name``."""
    tab = browser.new_page(viewport={"width": 1400, "height": 1400})
    tab.set_default_timeout(30_000)
    tab.goto(url + "/stewardship")
    _settle(tab)
    tab.get_by_label("Name").fill(name)
    tab.get_by_label("Password", exact=True).fill(password_of(name))
    tab.get_by_role("button", name="Sign in").click()
    _settle(tab)
    return tab


def _approve_first(tab) -> None:
    """Approve the first change on the Review tab; return once it is published (its
    button gone): the store is read next, and the page may still be running."""
    approve = tab.get_by_role("button", name="Approve")
    approve.first.wait_for()
    waiting = approve.count()
    approve.first.click()
    tab.wait_for_function("() => [...document.querySelectorAll('button')].filter(b => b.innerText === 'Approve')"
                          f".length === {waiting - 1}", timeout=30_000)
    _settle(tab)


def _submit_for_review(tab, reason: str) -> None:
    """Give the reason in the tab shown and submit; wait until the change is said to wait."""
    tab.locator("input[aria-label='Why (for the reviewer)']:visible").fill(reason)
    tab.keyboard.press("Enter")
    _settle(tab)
    tab.locator("button:visible", has_text="Submit for review").click()
    tab.get_by_text(re.compile(r"^Change \d+ is waiting for review")).wait_for()
    _settle(tab)


LATER_REPORT = (b"TEST/7\nA fictional later report\n\n"
                b"1. The number of targeted attacks on peacekeepers fell from 227 to 150 as at 31 October 2019.\n"
                b"2. Women made up 6 per cent of military contingents.\n"
                b"3. As at 31 October 2019, of the 40 patrol bases, 12 were equipped with solar power.\n")


def test_a_steward_takes_a_new_report_to_a_published_figure(page, tmp_path):
    """The steward's whole path in a real browser: add a report (reviewed), read its
    candidates beside their paragraphs with proposed periods, accept one onto a new
    indicator, and a reviewer publishes it; the figure then has its own page."""
    from indicators.paths import DEFAULT_DATA_DIR
    from indicators.store import Store

    database = f"sqlite:///{tmp_path / 'store.sqlite'}"
    prepared = Store(database)
    prepared.migrate()
    prepared.seed(DEFAULT_DATA_DIR)
    add_accounts(prepared, ("alice", "bob"))
    prepared.engine.dispose()

    def alerts(tab):
        return tab.locator("[data-testid='stAlert']").all_inner_texts()

    def approve_first(browser, url):
        bob = _sign_in(browser, url, "bob")
        bob.get_by_role("tab", name="Review").click()
        _settle(bob)
        _approve_first(bob)
        return bob

    # Each user in a page of their own (a new browser context: sessions are not shared).
    browser = page.context.browser
    with _serve("streamlit-steward.log", DATABASE_URL=database) as url:
        alice = _sign_in(browser, url, "alice")
        alice.get_by_role("tab", name="Candidates from a report").click()
        _settle(alice)
        alice.get_by_text("Add a report (or any source) for review").click()
        form = alice.locator("[data-testid='stForm']").filter(has_text="Submit the source for review")
        form.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
            {"name": "later-report.txt", "mimeType": "text/plain", "buffer": LATER_REPORT})
        _settle(alice)
        for label, value in (("Symbol", "TEST/7"), ("Issued by", "Test fixture"), ("Title", "A fictional report"),
                             ("Public address (https://…)", "https://example.org/TEST-7"),
                             ("Published (YYYY-MM-DD)", "2019-11-15"), ("Data cut-off (YYYY-MM-DD)", "2019-10-31"),
                             ("Why (for the reviewer)", "the next report")):
            form.get_by_label(label, exact=True).fill(value)
        form.get_by_role("button", name="Submit the source for review").click()
        _settle(alice)
        assert any("TEST/7 (report, 3 parts) is waiting for review" in a for a in alerts(alice)), alerts(alice)
        approve_first(browser, url)

        alice = _sign_in(browser, url, "alice")  # a new session signs in again
        alice.get_by_role("tab", name="Candidates from a report").click()
        _settle(alice)
        alice.locator("input[aria-label='Source']:visible").click()
        alice.get_by_role("option", name="TEST/7").click()
        _settle(alice)
        # 227 restates A/72/573's figure: not offered. 150 lands on the attacks indicator with
        # the year after the stored one; the share takes the date its sentence gives.
        summary = alice.get_by_text(re.compile(r"^5 candidates in TEST/7")).inner_text()
        assert "1 restate stored figures" in summary and "4 to review" in summary, summary
        # The grid fills its accessible rows after it is drawn: wait for them.
        grid = alice.locator("[data-testid='stDataFrame'] [role='row']")
        alice.wait_for_function("() => [...document.querySelectorAll(\"[data-testid='stDataFrame'] [role='row']\")]"
                                ".some(row => /\\b150\\b/.test(row.innerText))", timeout=15_000)
        cells = grid.all_inner_texts()
        attacks = next(row for row in cells if re.search(r"\b150\b", row))
        assert "targeted_attacks_on_peacekeepers" in attacks and "1 Nov 2018 to 31 Oct 2019" in attacks, cells
        share = next(row for row in cells if "X out of Y" in row)
        assert "2019-10-31" in share, cells
        alice.screenshot(path=SHOTS / "20-candidates-of-a-new-report.png", full_page=True)

        # The grid is drawn on a canvas: select its first cell, go down to the share (the
        # last row) and tick "accept" with the space bar.
        # The first grid in view: the tabs not shown hold tables of their own.
        grid = alice.locator("[data-testid='stDataFrame']:visible").first.bounding_box()
        alice.mouse.click(grid["x"] + 20, grid["y"] + 35 + 17)
        for _ in range(len(cells) - 1):
            alice.keyboard.press("ArrowDown")
        alice.keyboard.press(" ")
        _settle(alice)
        alice.get_by_text("A new indicator, for accepted rows").click()
        alice.get_by_label("Id (snake_case)").fill("test_patrol_bases_solar")
        alice.get_by_label("Name", exact=True).fill("Patrol bases with solar power (fictional)")
        alice.get_by_label("What it measures").fill("A fictional indicator made by the test.")
        unit = alice.locator("input[aria-label='Unit']:visible")
        unit.click()
        unit.fill("percent")
        alice.keyboard.press("Enter")
        alice.get_by_label("Why (for the reviewer, or why the rejected ones are not measures)").fill("read in TEST/7")
        alice.keyboard.press("Enter")
        _settle(alice)
        alice.get_by_role("button", name="Send the accepted ones for review").click()
        _settle(alice)
        alice.get_by_text(re.compile(r"^Change \d+ is waiting for review: 1 figure\(s\) from TEST/7")).wait_for()
        _settle(alice)
        assert "1 wait for review" in alice.get_by_text(re.compile(r"^5 candidates in TEST/7")).inner_text()
        alice.screenshot(path=SHOTS / "21-candidate-sent-for-review.png", full_page=True)
        approve_first(browser, url).screenshot(path=SHOTS / "22-reviewer-published.png", full_page=True)

        [figure] = [r for r in Store(database).state()["observation"].values()
                    if r["indicator_id"] == "test_patrol_bases_solar"]
        assert (figure["numerator"], figure["denominator"], figure["period_end"], figure["source"]) == (
            "12", "40", "2019-10-31", "TEST/7")
        reader = browser.new_page(viewport={"width": 1400, "height": 1000})
        reader.goto(url + "/indicator?indicator=test_patrol_bases_solar")
        reader.get_by_text("Patrol bases with solar power (fictional): 30% (as at 31 Oct 2019)").wait_for()
    for opened in browser.contexts:
        if opened is not page.context:
            opened.close()


def test_a_steward_adds_a_figure_by_form_and_a_table_by_upload_and_a_reviewer_reads_the_diff(page, tmp_path):
    """The form checks a figure as it is typed and shows it on its chart before it is sent;
    an upload shows each changed column; the reviewer reads the same diff, then publishes."""
    import time

    from indicators.ingest import source_record
    from indicators.paths import DEFAULT_DATA_DIR
    from indicators.store import EDITOR, PUT, REVIEWER, Edit, Store, User

    database = f"sqlite:///{tmp_path / 'store.sqlite'}"
    prepared = Store(database)
    prepared.migrate()
    prepared.seed(DEFAULT_DATA_DIR)
    add_accounts(prepared, ("alice", "bob"))
    record, added = source_record(LATER_REPORT, "later-report.txt", "TEST/7", "A fictional report", "Test fixture",
                                  "https://example.org/TEST-7", published="2019-11-15", cutoff="2019-10-31",
                                  kind="report")
    change = prepared.submit([Edit("source", "TEST/7", PUT, record)], User("alice", EDITOR), "the next report",
                             origin="add-source")
    prepared.review(change, User("bob", REVIEWER), approve=True)
    prepared.engine.dispose()
    browser = page.context.browser
    steps = {}

    with _serve("streamlit-entry.log", DATABASE_URL=database) as url:
        alice = _sign_in(browser, url, "alice")
        started = time.perf_counter()
        for label, option in (("Indicator", "Targeted attacks on peacekeepers"), ("Source", "TEST/7")):
            box = alice.locator(f"input[aria-label='{label}']:visible").first
            box.click()
            box.fill(option)  # the list is long: typing filters it
            alice.get_by_role("option", name=option, exact=True).click()
            _settle(alice)
        for label, value in (("Period as the source names it", "1 Nov 2018 to 31 Oct 2019"),
                             ("Period start (YYYY-MM-DD)", "2018-11-01"), ("Period end (YYYY-MM-DD)", "2019-10-31"),
                             ("Value", "150"), ("Location (paragraph, 'page N', 'section ...' or row key)", "1")):
            alice.get_by_label(label, exact=True).fill(value)
            alice.keyboard.press("Enter")
            _settle(alice)
        alice.get_by_label("Verbatim quote (copied from the source)").fill(
            "The number of targeted attacks on peacekeepers fell from 227 to 150 as at 31 October 2019.")
        alice.keyboard.press("Control+Enter")
        _settle(alice)
        alice.get_by_text(re.compile(r"^Checked: the quote is at 1 of TEST/7 and states 150")).wait_for()
        alice.locator(".js-plotly-plot .legendtext", has_text="New, awaiting review").wait_for()
        steps["form checked as typed"] = time.perf_counter() - started
        alice.screenshot(path=SHOTS / "23-form-checked-with-preview.png", full_page=True)
        _submit_for_review(alice, "TEST/7, paragraph 1")
        # The form is empty again, for the next figure (once the run that empties it has
        # replaced the fields it drew before).
        alice.wait_for_function("() => document.querySelectorAll(\"input[aria-label='Value']\").length === 1")
        assert alice.get_by_label("Value", exact=True).input_value() == ""

        started = time.perf_counter()
        alice.get_by_role("tab", name="Upload a table").click()
        _settle(alice)
        shipped = (DEFAULT_DATA_DIR / "observations.csv").read_text(encoding="utf-8").splitlines()
        header = shipped[0].split(",")
        edited = next(line for line in shipped[1:] if line.startswith("women_military_peacekeepers,2019,"))
        row = {**dict(zip(header, [""] * len(header))), "indicator_id": "women_military_contingents",
               "period_label": "as at 31 October 2019", "period_start": "2019-10-31", "period_end": "2019-10-31",
               "value": "6", "unit": "percent", "source": "TEST/7", "location": "2",
               "quote": "Women made up 6 per cent of military contingents."}
        table = "\n".join([shipped[0], edited.replace("The page as published in 2019.", "Checked again in 2019."),
                           ",".join(row[c] for c in header)]) + "\n"
        uploader = alice.locator("[data-testid='stFileUploader']").filter(has_text="A CSV or Excel table")
        uploader.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
            {"name": "later-figures.csv", "mimeType": "text/csv", "buffer": table.encode()})
        _settle(alice)
        alice.get_by_text("1 added, 1 changed (notes 1), 0 unchanged, 0 refused").wait_for()
        steps["upload checked"] = time.perf_counter() - started
        alice.screenshot(path=SHOTS / "24-upload-diff.png", full_page=True)
        _submit_for_review(alice, "TEST/7, paragraph 2; a note checked")

        started = time.perf_counter()
        bob = _sign_in(browser, url, "bob")
        bob.get_by_role("tab", name="Review").click()
        _settle(bob)
        # Each change as its dry run showed it: the form's figure, then the upload's rows.
        bob.get_by_text("observations: 1 added, 0 changed, 0 unchanged, 0 refused.").wait_for()
        bob.get_by_text("observations: 1 added, 1 changed (notes 1), 0 unchanged, 0 refused.").wait_for()
        _settle(bob)
        steps["review shown"] = time.perf_counter() - started
        bob.screenshot(path=SHOTS / "25-review-diff.png", full_page=True)
        for _ in range(2):
            _approve_first(bob)
        published = Store(database).state()["observation"]
        assert "targeted_attacks_on_peacekeepers|2018-11-01|2019-10-31|TEST/7" in published
        assert "women_military_contingents|2019-10-31|2019-10-31|TEST/7" in published
        reader = browser.new_page(viewport={"width": 1400, "height": 1000})
        reader.goto(url + "/indicator?indicator=targeted_attacks_on_peacekeepers")
        reader.get_by_text(re.compile(r"to 150 \(Nov 2018 to Oct 2019\)")).first.wait_for()
        reader.locator(".js-plotly-plot").first.wait_for()
        _settle(reader)
        reader.screenshot(path=SHOTS / "26-published-chart.png", full_page=False)
        print("steward's steps (s):", {step: round(seconds, 1) for step, seconds in steps.items()})
    for opened in browser.contexts:
        if opened is not page.context:
            opened.close()
