"""How old each indicator's latest figure is, against how often it is reported.

An indicator's reporting cycle is the median gap between the ends of its observed periods,
or a year (the cycle of the annual reports most figures come from) when it has one period.
Its latest figure is *out of date* once more than a cycle has passed since its period ended:
the next figure was due and is not in the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from indicators.validation import Dataset

DAYS_A_YEAR = 365.25
DEFAULT_CYCLE_YEARS = 1.0


@dataclass(frozen=True)
class DataPeriod:
    """The period the published observations cover, first day to last."""

    start: pd.Timestamp | None
    end: pd.Timestamp | None

    @property
    def text(self) -> str:
        if self.start is None:
            return "no observations yet"
        return f"{self.start.year}" if self.start.year == self.end.year else f"{self.start.year}–{self.end.year}"


def data_period(dataset: Dataset, indicator_ids: list[str] | None = None) -> DataPeriod:
    """From the first period's start to the last one's end, of every current observation
    (of ``indicator_ids`` only, where given)."""
    rows = dataset.observations[dataset.observations["current"]]
    if indicator_ids is not None:
        rows = rows[rows["indicator_id"].isin(indicator_ids)]
    if rows.empty:
        return DataPeriod(None, None)
    return DataPeriod(rows["period_start"].min(), rows["period_end"].max())


def reporting_cycle(period_ends: pd.Series) -> float:
    """Years between reports: the median gap between distinct period ends, else a year."""
    ends = pd.DataFrame({"indicator_id": "", "period_end": pd.to_datetime(period_ends)})
    return float(_cycles(ends).get("", DEFAULT_CYCLE_YEARS))


def _cycles(rows: pd.DataFrame) -> pd.Series:
    """Each indicator's reporting cycle in years, from its rows' ``period_end`` (indicators
    with one distinct end are left out: their cycle is the default)."""
    ends = rows[["indicator_id", "period_end"]].dropna().drop_duplicates().sort_values(["indicator_id", "period_end"])
    gaps = ends.groupby("indicator_id", sort=False)["period_end"].diff().dt.days / DAYS_A_YEAR
    return gaps.groupby(ends["indicator_id"], sort=False).median().dropna()


def ages(dataset: Dataset, today: date | None = None) -> pd.DataFrame:
    """One row per indicator with observations: ``latest_end``, ``age_years`` (since the
    latest period ended), ``cycle_years`` and ``out_of_date``."""
    today = pd.Timestamp(today or date.today())
    rows = dataset.observations[dataset.observations["current"]]
    latest = rows.groupby("indicator_id", sort=False)["period_end"].max()
    table = pd.DataFrame({"indicator_id": latest.index, "latest_end": latest.to_numpy()})
    table["age_years"] = ((today - table["latest_end"]).dt.days.clip(lower=0) / DAYS_A_YEAR).astype(float)
    table["cycle_years"] = table["indicator_id"].map(_cycles(rows)).fillna(DEFAULT_CYCLE_YEARS).astype(float)
    table["out_of_date"] = table["age_years"] > table["cycle_years"]
    return table


def age_text(age_years: float, cycle_years: float) -> str:
    """"latest figure 9.1 years old, reported about every year" (or "every 3.2 years")."""
    cycle = f"{cycle_years:.1f}".rstrip("0").rstrip(".")
    every = "year" if cycle == "1" else f"{cycle} years"
    return f"latest figure {age_years:.1f} years old, reported about every {every}"
