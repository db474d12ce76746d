"""The dataset's own description: title, licence and how to cite it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from indicators import paths


@dataclass(frozen=True)
class DatasetInfo:
    title: str
    description: str
    licence_name: str
    licence_title: str
    licence_url: str
    citation: str


def dataset_info(data_dir: Path | None = None) -> DatasetInfo:
    record = yaml.safe_load((Path(data_dir or paths.data_dir()) / "dataset.yaml").read_text(encoding="utf-8"))
    return DatasetInfo(
        title=record["title"],
        description=record["description"],
        licence_name=record["licence"]["name"],
        licence_title=record["licence"]["title"],
        licence_url=record["licence"]["path"],
        citation=record["citation"],
    )
