from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import indicators
from indicators.paths import DEFAULT_DATA_DIR


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
    frame.to_csv(path, index=False)
