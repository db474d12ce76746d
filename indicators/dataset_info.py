"""The dataset's own description: title, licence and how to cite it (``dataset.yaml``),
read and checked like every other input file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from indicators import paths
from indicators.files import FileProblem, read_yaml

DATASET_FILE = "dataset.yaml"
_URL = re.compile(r"^https://[A-Za-z0-9.-]+(?:/[A-Za-z0-9._~/%+=&?#-]*)?$")


@dataclass(frozen=True)
class DatasetInfo:
    title: str
    description: str
    licence_name: str
    licence_title: str
    licence_url: str
    citation: str


def dataset_info(data_dir: Path | None = None) -> DatasetInfo:
    """The description of the data folder; a missing or malformed field raises
    :class:`~indicators.files.FileProblem` naming it."""
    record = read_yaml(Path(data_dir or paths.data_dir()) / DATASET_FILE, DATASET_FILE)
    licence = record.get("licence")
    if not isinstance(licence, dict):
        raise FileProblem(DATASET_FILE, "missing_field", "'licence' must give name, title and path")

    def text(value, field: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise FileProblem(DATASET_FILE, "missing_field", f"'{field}' must be a non-empty text")
        if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", value):
            raise FileProblem(DATASET_FILE, "control_character", f"'{field}' holds a control character")
        return value.strip()

    url = text(licence.get("path"), "licence.path")
    if not _URL.match(url):
        raise FileProblem(DATASET_FILE, "bad_url", f"'licence.path' {url!r} is not a plain https:// address")
    return DatasetInfo(
        title=text(record.get("title"), "title"),
        description=text(record.get("description"), "description"),
        licence_name=text(licence.get("name"), "licence.name"),
        licence_title=text(licence.get("title"), "licence.title"),
        licence_url=url,
        citation=text(record.get("citation"), "citation"),
    )
