"""Where the shipped data lives, resolved from this file so it works from any working directory."""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DEFAULT_DATA_DIR = PROJECT_DIR / "data"

CATALOGUE_FILE = "catalogue.yaml"
OBSERVATIONS_FILE = "observations.csv"
TARGETS_FILE = "targets.csv"
MILESTONES_FILE = "milestones.csv"
SOURCES_DIR = "sources"
SOURCES_FILE = "sources.yaml"


def data_dir() -> Path:
    """The data folder to read: ``INDICATORS_DATA_DIR`` when set (a steward's working copy,
    a test fixture), else the shipped data beside the package (a clone, or an editable
    install), else ``./data`` (a plain ``pip install .`` copies the code, not the data)."""
    chosen = os.environ.get("INDICATORS_DATA_DIR")
    if chosen:
        return Path(chosen)
    if DEFAULT_DATA_DIR.is_dir():
        return DEFAULT_DATA_DIR
    return Path.cwd() / "data"
