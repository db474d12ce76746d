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
class Coverage:
    """The period the published observations cover, first day to last."""

    start: pd.Timestamp | None
    end: pd.Timestamp | None

    @property
    def text(self) -> str:
        if self.start is None:
            return "no observations yet"
        return f"{self.start.year}" if self.start.year == self.end.year else f"{self.start.year}–{self.end.year}"


def coverage(dataset: Dataset) -> Coverage:
    rows = dataset.observations[dataset.observations["current"]]
    if rows.empty:
        return Coverage(None, None)
    return Coverage(rows["period_start"].min(), rows["period_end"].max())


def reporting_cycle(period_ends: pd.Series) -> float:
    """Years between reports: the median gap between distinct period ends, else a year."""
    ends = np.sort(pd.to_datetime(period_ends).dropna().unique())
    if len(ends) < 2:
        return DEFAULT_CYCLE_YEARS
    gaps = np.diff(ends).astype("timedelta64[D]").astype(float) / DAYS_A_YEAR
    return float(np.median(gaps))


def ages(dataset: Dataset, today: date | None = None) -> pd.DataFrame:
    """One row per indicator with observations: ``latest_end``, ``age_years`` (since the
    latest period ended), ``cycle_years`` and ``out_of_date``."""
    today = pd.Timestamp(today or date.today())
    rows = dataset.observations[dataset.observations["current"]]
    records = []
    for indicator, group in rows.groupby("indicator_id", sort=False):
        latest = group["period_end"].max()
        age = max((today - latest).days, 0) / DAYS_A_YEAR
        cycle = reporting_cycle(group["period_end"])
        records.append(dict(indicator_id=indicator, latest_end=latest, age_years=age, cycle_years=cycle,
                            out_of_date=age > cycle))
    return pd.DataFrame(records, columns=["indicator_id", "latest_end", "age_years", "cycle_years", "out_of_date"])


def age_text(age_years: float, cycle_years: float, out_of_date: bool) -> str:
    """"Latest figure 9.1 years old; reported about every 1 year: out of date"."""
    cycle = f"{cycle_years:.1f}".rstrip("0").rstrip(".")
    text = f"latest figure {age_years:.1f} years old; reported about every {cycle} year{'s' if cycle != '1' else ''}"
    return f"{text}: out of date" if out_of_date else text
