from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

import indicators
from indicators import validation
from indicators.paths import DEFAULT_DATA_DIR


def require(tool: str, path: str | None, install: str) -> None:
    """Skip without ``tool`` on a developer machine; fail under CI, which installs it."""
    if path and Path(path).exists():
        return
    message = f"{tool} not found: {install}"
    if os.environ.get("REQUIRE_BROWSER") or os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium() -> str:
    from indicators.images import chromium_path

    path = chromium_path()
    require("Chromium", path, "install Debian's chromium package (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def image_server(chromium):
    from indicators.images import image_server as server

    with server():
        yield


@pytest.fixture(scope="session")
def dataset() -> indicators.Dataset:
    return indicators.load()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped data folder."""
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


def edit_csv(path: Path, edits: dict[tuple[int, str], str]) -> None:
    """Set cells of a CSV by (0-based data row, column), keeping every cell as text."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for (row, column), value in edits.items():
        frame.loc[row, column] = value
    frame.to_csv(path, index=False, quoting=csv.QUOTE_ALL)


def writing_meanwhile(step):
    """``step`` of a validation (called with the data folder first), followed by a steward
    saving a new file into the folder: a file written while the folder was validated."""
    def wrapped(data_dir, *args):
        result = step(data_dir, *args)
        (data_dir / "sources" / "late.txt").write_text("written during validation", encoding="utf-8")
        return result
    return wrapped


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    """A real PostgreSQL server: the one .ci/run starts (PG_TEST_URL), else a throwaway one
    started here from Debian's binaries (as root); skipped on a bare machine, never in CI."""
    given = os.environ.get("PG_TEST_URL")
    if given:
        yield given
        return
    import glob
    import subprocess

    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not binaries or os.geteuid() != 0:
        require("PostgreSQL", None, "apt-get install postgresql (and run as root), or set PG_TEST_URL")
    pgbin = Path(binaries[-1]).parent
    import tempfile

    # Not under pytest's own temporary folder: the postgres user cannot reach into root's.
    base = Path(tempfile.mkdtemp(prefix="indicators-pg-"))
    (base / "sock").mkdir()
    shutil.chown(base, "postgres", "postgres")
    shutil.chown(base / "sock", "postgres", "postgres")
    port = _free_port()
    run = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*run, str(pgbin / "initdb"), "-D", str(base / "data"), "-U", "postgres", "--auth=trust", "-E",
                    "UTF8", "--no-locale"], check=True, capture_output=True)
    subprocess.run([*run, str(pgbin / "pg_ctl"), "-D", str(base / "data"), "-l", str(base / "server.log"), "-w",
                    "-t", "30", "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {base / 'sock'}", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run, str(pgbin / "pg_ctl"), "-D", str(base / "data"), "-m", "fast", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A new, empty store on a real SQLite file, or in a new database of a real PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        return
    import uuid

    import sqlalchemy as sa

    server = request.getfixturevalue("postgres_url")
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield server.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def store_folder() -> Path:
    """The data folder :func:`store` is seeded from (a module overrides it to seed another)."""
    from indicators.paths import DEFAULT_DATA_DIR

    return DEFAULT_DATA_DIR


@pytest.fixture
def store(store_url, store_folder):
    """A store on each backend, seeded from ``store_folder``, with the test people's accounts."""
    from indicators.store import Store

    made = Store(store_url)
    made.migrate()
    made.seed(store_folder)
    add_accounts(made)
    yield made
    made.engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _test_store(tmp_path_factory):
    """Every reader reads a store: the tests' stores live in a folder of their own (each data
    folder its own file), so no run touches store/ in the project."""
    if os.environ.get("DATABASE_URL"):
        yield
        return
    os.environ["INDICATORS_STORE_DIR"] = str(tmp_path_factory.mktemp("stores"))
    try:
        yield
    finally:
        os.environ.pop("INDICATORS_STORE_DIR", None)


# Accounts of the tests' stores, by name: the role, and a password of their own.
PEOPLE = {"alice": "editor", "bob": "reviewer", "carol": "reviewer", "dan": "reviewer", "rita": "reader"}


def password_of(name: str) -> str:
    return f"{name}-secret-password"


def add_accounts(store, names=tuple(PEOPLE)) -> None:
    """The test people's accounts in ``store`` (a hash each; argon2 takes a moment)."""
    from indicators.accounts import Accounts

    accounts = Accounts(store)
    for name in names:
        if accounts.get(name) is None:
            accounts.add(name, PEOPLE[name], password_of(name))


@pytest.fixture(autouse=True)
def _proof_cache(tmp_path, monkeypatch):
    """Each test proves every row itself unless it asks for the cache: the user's cache
    folder is never touched, and no test passes because an earlier one proved its rows."""
    monkeypatch.setenv("INDICATORS_PROOF_CACHE", str(tmp_path / "proofs.bin"))


@pytest.fixture
def checked(monkeypatch) -> dict:
    """Record the full validations, and how many observation rows each validation of the
    observations table looked at."""
    seen = {"full": 0, "rows": []}
    full, collect = validation._validate_folder, validation._collect

    def counted_full(data_dir, *earlier):
        seen["full"] += 1
        return full(data_dir, *earlier)

    def counted_collect(table, schema, name=None, sources=None):
        if name == "observations":
            seen["rows"].append(len(table.frame))
        return collect(table, schema, name, sources)

    monkeypatch.setattr(validation, "_validate_folder", counted_full)
    monkeypatch.setattr(validation, "_collect", counted_collect)
    return seen


def assert_same_as_full(folder: Path):
    """Validate with what is kept (only where the folder changed) and in full, and compare
    everything: the failures, or the tables and each source in its order."""
    dataset, failures = indicators.validate_folder(folder)
    full, full_failures = indicators.validate_folder(folder, kept=False)
    assert failures == full_failures
    assert (dataset is None) == (full is None)
    if full is not None:
        for name in ("reform_areas", "catalogue", "observations", "targets", "milestones"):
            pd.testing.assert_frame_equal(getattr(dataset, name), getattr(full, name), check_exact=True)
        assert list(dataset.sources) == list(full.sources) and dataset.folder == full.folder
        for symbol, source in full.sources.items():
            kept = dataset.sources[symbol]
            assert (kept.title, kept.year, kept.published, kept.data_cutoff, kept.digest) == (
                source.title, source.year, source.published, source.data_cutoff, source.digest), symbol
    return dataset, failures


# A later fictional report that revises one figure of the tracker fixture's TEST/1 and adds
# one, so that an indicator holds rows of two sources and a period stated twice.
REVISING_TEXT = """TEST/10
Fictional later report on field operations, for tests

1. A later count puts the share of women among field staff at 25 per cent in 2019 and 29 per cent in 2024.
"""


def fixture_source_entry(symbol: str, title: str, year: int, data_cutoff: str) -> str:
    """A fictional report's entry in sources.yaml, its text at ``TEST-n.txt``, to append."""
    stem = symbol.replace("/", "-")
    return f"""  - symbol: {symbol}
    kind: report
    title: "{title}"
    issuing_body: Test fixture of peacekeeping-indicators (not a real document)
    year: {year}
    language: en
    url: https://example.org/{stem}
    text_file: {stem}.txt
    obtained: Written for the tests of peacekeeping-indicators; no real body issued it.
    licence: Test fixture, no rights reserved.
    data_cutoff: "{data_cutoff}"
"""


REVISING_ENTRY = fixture_source_entry("TEST/10", "Fictional later report on field operations, for tests", 2025,
                                      "2025-06-30")
REVISING_QUOTE = "at 25 per cent in 2019 and 29 per cent in 2024"
REVISING_ROWS = (f"women_field_staff,2019,2019-01-01,2019-12-31,25,,,,,percent,TEST/10,1,{REVISING_QUOTE},\n"
                 f"women_field_staff,2024,2024-01-01,2024-12-31,29,,,,,percent,TEST/10,1,{REVISING_QUOTE},\n")


def add_revising_report(folder: Path, rows: bool = True) -> None:
    """Add TEST/10 to a copy of the tracker fixture: its text, its entry and (``rows``) its
    two figures for women_field_staff, appended."""
    (folder / "sources" / "TEST-10.txt").write_text(REVISING_TEXT, encoding="utf-8")
    for name, text in (("sources/sources.yaml", REVISING_ENTRY), ("observations.csv", REVISING_ROWS if rows else "")):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def shipped_symbols() -> list[str]:
    """The symbols of the shipped sources, in the order of their file (data will grow)."""
    import yaml

    document = yaml.safe_load((DEFAULT_DATA_DIR / "sources" / "sources.yaml").read_text(encoding="utf-8"))
    return [entry["symbol"] for entry in document["sources"]]
