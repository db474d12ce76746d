from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

import indicators
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
