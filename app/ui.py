"""Streamlit wiring shared by the pages: cached loading, badges, safe text and the footer."""

from __future__ import annotations

import re
import time
from datetime import date
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import indicators
from indicators import paths
from indicators.accounts import Accounts, SignInRefused
from indicators.store import READER, Store, User, default_url
from indicators.dataset_info import DatasetInfo, dataset_info
from indicators.charts import indicator_chart
from indicators.formatting import format_number
from indicators import freshness, images
from indicators.series import coverage, series_values
from indicators.sources import REPORT
from indicators.milestones import MET, MISSED, NO_LATER_REPORT, PENDING
from indicators.progress import (
    INSUFFICIENT,
    LIMITED,
    LITTLE_CHANGE,
    MODERATE,
    MOVING_AWAY,
    NOT_RATED,
    ON_TRACK,
    SUBSTANTIAL,
    TARGET_ACHIEVED,
    TARGET_MISSED,
    Progress,
    assess_all,
)

BADGES = {
    TARGET_ACHIEVED: ("green", ":material/check_circle:"),
    ON_TRACK: ("blue", ":material/trending_up:"),
    SUBSTANTIAL: ("blue", ":material/trending_up:"),
    MODERATE: ("violet", ":material/trending_flat:"),
    LIMITED: ("orange", ":material/hourglass_empty:"),
    LITTLE_CHANGE: ("gray", ":material/trending_flat:"),
    MOVING_AWAY: ("red", ":material/trending_down:"),
    TARGET_MISSED: ("red", ":material/cancel:"),
    INSUFFICIENT: ("gray", ":material/help:"),
    NOT_RATED: ("gray", ":material/swap_vert:"),
}
MILESTONE_BADGES = {
    NO_LATER_REPORT: ("orange", ":material/schedule:"),
    PENDING: ("gray", ":material/pending:"),
    MET: ("green", ":material/check_circle:"),
    MISSED: ("orange", ":material/cancel:"),
}
# Markdown and Streamlit's own syntax (":blue[...]", "$math$") are escaped so text from
# data files is always shown as typed.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|:<>~$&^])")


# Escaping stops Markdown links, but GitHub-style autolinks still turn a bare address
# ("https://x", "www.x", "a@b.c") into a live link: a zero-width space breaks each one.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(?=://)|(?<=www)(?=\.)|(?<=@)")


def md(text: object) -> str:
    """Text from data, shown exactly as typed and never as markup or a link."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", _AUTOLINK.sub("\u200b", str(text)))


def fingerprint(folder: Path) -> tuple:
    """Name, size and modification time of every file in the data folder: an edit changes
    it, so the cached data is read again on the next rerun, without a restart."""
    if not folder.is_dir():
        return ()
    return tuple(sorted((str(path.relative_to(folder)), stat.st_size, stat.st_mtime_ns)
                        for path in folder.rglob("*") if path.is_file() for stat in [path.stat()]))


def the_store() -> Store:
    """The store every page reads: DATABASE_URL, else the data folder's own SQLite file."""
    return store(default_url(paths.data_dir()))


@st.cache_resource
def store(url: str) -> Store:
    """One engine per process for every session, its schema migrated on first start."""
    made = Store(url)
    made.migrate()
    return made


@st.cache_data(max_entries=4, ttl=3600)
def _taken_in(url: str, stamp: tuple) -> list[indicators.Failure]:
    """An empty store seeded from the data folder, or what its files hold that the store
    does not proposed as a change waiting for review (never published); the folder's
    failures when it does not validate, and nothing taken in. Runs again only when the
    files change (their fingerprint is the key)."""
    made = store(url)
    try:
        if not made.seed(paths.data_dir()):
            made.sync_from_files(paths.data_dir())
    except indicators.DataValidationError as error:
        return error.failures
    return []


def folder_failures() -> list[indicators.Failure]:
    """Why the data folder's files were not taken in (empty when they were, or matched)."""
    return _taken_in(default_url(paths.data_dir()), fingerprint(paths.data_dir()))


# cache_resource, not cache_data: cache_data hands every run a fresh unpickled copy, which
# for a million observations costs seconds a click. The tables are shared read-only.
@st.cache_resource(show_spinner="Loading and validating the data…", max_entries=4, ttl=3600)
def _validated(url: str, version: tuple) -> tuple[indicators.Dataset | None, list[indicators.Failure]]:
    return store(url).validated()


@st.cache_resource(max_entries=4, ttl=3600)
def _progress(url: str, version: tuple) -> dict[str, Progress]:
    dataset, _ = _validated(url, version)
    return {p.indicator_id: p for p in assess_all(dataset)}


def _current() -> tuple[str, tuple]:
    """The store and the version of its published state, asked each run, so a change
    published anywhere shows on the next run."""
    url = default_url(paths.data_dir())
    _taken_in(url, fingerprint(paths.data_dir()))
    return url, store(url).version()


# Editors and reviewers sign in again after this long, whatever the identity cookie says.
MAX_SESSION_SECONDS = 8 * 3600


def secrets() -> dict:
    """The app's secrets as a plain dict; none configured is an empty dict, not an error."""
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return {}


def auth_mode() -> str | None:
    """"oidc" when an identity provider is configured, "local" when the store has accounts
    with passwords, None when neither (the app is then read-only)."""
    if "auth" in secrets():
        return "oidc"
    if Accounts(the_store()).exist(with_password=True):
        return "local"
    return None


def current_user() -> User:
    """Who is using this session, with the role their account holds now (asked each run,
    so a role changed or an account removed counts from the next request); signed out,
    or signed in without an account, is a reader."""
    mode = auth_mode()
    now = time.time()
    accounts = Accounts(the_store())
    if mode == "oidc" and st.user.is_logged_in:
        issued = st.user.get("iat")
        if issued and now - float(issued) > MAX_SESSION_SECONDS:
            st.logout()
        email = st.user.get("email")
        return accounts.user(email) or User(str(email or st.user.get("name") or "signed in"), READER)
    signed_in = st.session_state.get("account")
    if mode == "local" and signed_in:
        name, since = signed_in
        user = accounts.user(name)
        if user is not None and now - since <= MAX_SESSION_SECONDS:
            return user
        del st.session_state["account"]
    return User("anonymous", READER)


def sign_in(name: str, password: str) -> str | None:
    """Sign this session in with a local account: None, or why not (as the person is told)."""
    try:
        user = Accounts(the_store()).sign_in(name, password, st.context.ip_address or "unknown address")
    except SignInRefused as refused:
        return str(refused)
    st.session_state["account"] = (user.name, time.time())
    return None


def refresh() -> None:
    """After a write: read everything again on the next run."""
    st.cache_data.clear()
    for cached in (_validated, _progress, _coverage, _sparklines, _ages, _chart):
        cached.clear()


def load() -> indicators.Dataset:
    """The validated data; with invalid data, the error page instead of the page asked for
    (the script stops here)."""
    url, version = _current()
    # Nothing published yet: the folder that was to seed the store did not validate.
    dataset, failures = (None, folder_failures()) if version == (0, 0) else _validated(url, version)
    if failures:
        invalid_data_page(failures)
        st.stop()
    return dataset


def progress() -> dict[str, Progress]:
    load()
    return _progress(*_current())


@st.cache_resource(max_entries=4, ttl=3600)
def _coverage(url: str, version: tuple) -> pd.DataFrame:
    dataset, _ = _validated(url, version)
    return coverage(dataset)


@st.cache_resource(max_entries=4, ttl=3600)
def _sparklines(url: str, version: tuple) -> dict[str, list[float]]:
    dataset, _ = _validated(url, version)
    return series_values(dataset, dataset.catalogue["id"])


def sparklines() -> dict[str, list[float]]:
    """Every indicator's current values, oldest first, once per version of the data: a
    card reads its own instead of filtering a million rows."""
    load()
    return _sparklines(*_current())


@st.cache_resource(max_entries=4, ttl=3600)
def _ages(url: str, version: tuple, today: date) -> pd.DataFrame:
    dataset, _ = _validated(url, version)
    return freshness.ages(dataset, today)


def ages() -> pd.DataFrame:
    """:func:`indicators.freshness.ages` of the data, once per version of it and per day."""
    load()
    return _ages(*_current(), date.today())


# Building a plotly figure costs more than everything else on a page (about 0.15 s); the
# figures are shared read-only, one per indicator and version of the data.
@st.cache_resource(max_entries=512, ttl=3600)
def _chart(url: str, version: tuple, indicator_id: str) -> go.Figure:
    dataset, _ = _validated(url, version)
    return indicator_chart(dataset, _progress(url, version)[indicator_id])


def chart(indicator_id: str) -> go.Figure:
    """:func:`indicators.charts.indicator_chart` of an indicator, once per version of the data."""
    load()
    return _chart(*_current(), indicator_id)


def coverage_table() -> pd.DataFrame:
    """:func:`indicators.series.coverage` of the data, computed once per version of it."""
    load()
    return _coverage(*_current())


def info() -> DatasetInfo:
    return dataset_info(load().folder)


def invalid_data_page(failures: list[indicators.Failure]) -> None:
    """What is wrong, where, and what to run: no traceback, no server paths."""
    st.title("The data does not validate")
    st.error(md(f"{len(failures)} problem(s) in the data folder. Nothing is shown until they are fixed; each "
                "line names the file, the row, the column and the rule."), icon=":material/error:")
    # A static table: its text is in the page, readable by screen readers and searchable.
    # st.table renders Markdown in its cells, so every cell is escaped like any other text.
    st.table(pd.DataFrame([{"File": Path(f.file).name if f.rule == "no_data_folder" else f.file,
                            "Row": "" if f.row is None else str(f.row), "Column": f.column or "",
                            "Rule": f.rule, "Problem": f.message} for f in failures[:200]]).map(md), hide_index=True)
    if len(failures) > 200:
        st.caption(f"… and {len(failures) - 200} more.")
    st.write("Run this in the project folder to see the same list, then fix the files and reload the page:")
    st.code("indicators validate", language="bash")


def badge_markdown(p: Progress) -> str:
    """The status as a badge, then why: what is missing, or the figures and the threshold
    that set it ("−1 since the baseline (2016) is within ±8.7, a count's chance variation")."""
    colour, icon = BADGES[p.status]
    text = f":{colour}-badge[{icon} {md(p.status.capitalize())}]"
    if p.status_reason:
        text += "  \n" + md(p.status_reason[:1].upper() + p.status_reason[1:])
    return text


def badge(p: Progress) -> None:
    """:func:`badge_markdown` as a caption of its own."""
    st.caption(badge_markdown(p))


def card_text(p: Progress) -> None:
    """An Overview card's lines under its figure, in one element (a browser draws a page
    element by element): the baseline, the target in a briefer's words, the status and
    why, and the sources."""
    lines = []
    if p.change is not None:
        lines.append(f"Baseline: {md(p.baseline_text)} ({md(p.baseline_label)})")
    if p.target is not None:
        lines.append(md(p.headline))
    lines += [badge_markdown(p), md(f"Source: {p.sources}")]
    st.caption("  \n".join(lines))


def milestone_badge(status: str) -> None:
    colour, icon = MILESTONE_BADGES[status]
    st.badge(status.capitalize(), color=colour, icon=icon)


def delta(p: Progress) -> tuple[str | None, str]:
    """The change since baseline as metric delta text, with a word as well as an arrow, and
    the colour mode that makes "better" green whichever way better is."""
    if p.change is None:
        return None, "off"
    # An ASCII minus: Streamlit reads it to point the arrow down.
    sign = "-" if p.change < 0 else "+"
    amount = format_number(abs(p.change)) + (" pts" if p.unit == "percent" else "")
    colour = {"up": "normal", "down": "inverse"}.get(p.direction, "off")
    return f"{sign}{amount}, {p.trend}", colour


def source_link(source, location) -> str:
    """The source reader's address for one location: /source?doc=A/72/573&paragraph=100."""
    key = source.key(location) or str(location)
    if source.kind == "report":
        part = {"paragraph": key}
    elif source.kind == "dataset":
        part = {"row": key}
    else:
        kind, _, value = key.partition(" ")
        part = {kind: value}
    return "source?" + urlencode({"doc": source.symbol, **part})


def part_label(source, key: str) -> str:
    """A part as a reader names it: "100." for a paragraph, "Page 2" or "Section Title"."""
    return f"{key}." if source.kind == REPORT else key[:1].upper() + key[1:]


def part_name(source, key: str) -> str:
    """A part in a sentence or a list: "Paragraph 100", "Page 2", "Section Title"."""
    return f"Paragraph {key}" if source.kind == REPORT else part_label(source, key)


def part_markdown(source, key: str, segments) -> str:
    """One part of a source with its numbers marked: captured ones highlighted and linked to
    their indicator, rejected ones struck with the reason after the part, the rest grey."""
    pieces = []
    for segment in segments:
        if segment.captured:
            links = " ".join(f"[{md(segment.text)}](indicator?indicator={i})" for i in segment.indicator_ids[:1])
            pieces.append(f":blue-background[**{links}**]")
        elif segment.rejected:
            pieces.append(f":orange-background[~~{md(segment.text)}~~]")
        elif segment.number:
            pieces.append(f":gray-background[{md(segment.text)}]")
        else:
            pieces.append(md(segment.text))
    # A paragraph number needs no escaping; a section title comes from the data and does.
    head = f"**{key}.**" if source.kind == REPORT else f"**{md(part_label(source, key))}**"
    reasons = sorted({s.rejected for s in segments if s.rejected})
    tail = "".join(f" *(rejected: {md(reason)})*" for reason in reasons)
    return head + " " + "".join(pieces) + tail


def end_page() -> None:
    """Stop the page here, keeping the source and licence footer every page carries."""
    footer()
    st.stop()


def footer() -> None:
    dataset, about = load(), info()
    # Each source by its symbol, linked to where it was published; About the data has the rest.
    sources = "; ".join(f"[{md(s.symbol)}]({s.url}) ({s.year})" for s in dataset.sources.values())
    st.divider()
    st.caption(f"Source: {sources} · Data licence: [{md(about.licence_title)}]({about.licence_url}) · "
               f"Cite as: {md(about.citation)}")


@st.cache_resource
def image_engine() -> bool:
    """One Kaleido server for the whole app process, stopped when the process exits."""
    images.start_server()
    images.stop_at_exit()
    return True


def image_downloads(figure: go.Figure, name: str, key: str) -> None:
    """PNG and SVG download buttons for a chart, rendered at slide size when clicked."""
    if images.chromium_path() is None:
        st.caption(md("Image downloads need a Chromium browser on the server (apt-get install chromium); "
                      "the camera icon above the chart still saves a PNG."))
        return

    def render(fmt: str) -> Callable[[], bytes]:
        def build() -> bytes:
            image_engine()
            return images.figure_bytes(figure, fmt)
        return build

    columns = st.columns([1, 1, 6])
    columns[0].download_button("PNG", render("png"), file_name=f"{name}.png", mime="image/png",
                               icon=":material/image:", key=f"{key}_png", on_click="ignore")
    columns[1].download_button("SVG", render("svg"), file_name=f"{name}.svg", mime="image/svg+xml",
                               icon=":material/draw:", key=f"{key}_svg", on_click="ignore")
