"""Per-indicator views of the validated tables: its observations in time order, its latest
value and its targets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.validation import Dataset


def in_time_order(rows: pd.DataFrame) -> pd.DataFrame:
    """Observations oldest first: by period end, then start, ties in file order. One stable
    numpy sort of the dates' integer values (pandas' own sort factorises each key, which
    costs a tenth of a second on a million rows)."""
    return rows.take(np.lexsort((rows["period_start"].to_numpy().view(np.int64),
                                 rows["period_end"].to_numpy().view(np.int64))))


def observations_of(dataset: Dataset, indicator_id: str, current: bool = True) -> pd.DataFrame:
    """Observations of one indicator, oldest first (:func:`in_time_order`): the current
    figure of each period, or with ``current=False`` superseded ones too."""
    table = dataset.observations
    rows = table[(table["indicator_id"] == indicator_id) & (table["current"] | (not current))]
    return in_time_order(rows).reset_index(drop=True)


def series_values(dataset: Dataset, indicator_ids) -> dict[str, list[float]]:
    """The current values of each of ``indicator_ids``, oldest first (as
    :func:`observations_of` orders them), from one pass over the table."""
    table = dataset.observations
    rows = table[table["indicator_id"].isin(list(indicator_ids)) & table["current"]]
    rows = in_time_order(rows)
    return {indicator: group.tolist() for indicator, group in rows.groupby("indicator_id", sort=False)["value"]}


def targets_of(dataset: Dataset, indicator_id: str, current: bool = True) -> pd.DataFrame:
    """Targets of one indicator, earliest deadline first; replaced ones only with ``current=False``."""
    table = dataset.targets
    rows = table[(table["indicator_id"] == indicator_id) & (table["current"] | (not current))]
    return rows.sort_values("deadline", na_position="last", kind="stable").reset_index(drop=True)


def coverage(dataset: Dataset) -> pd.DataFrame:
    """One row per catalogue entry, in catalogue order, with its reform area name, latest
    observation and counts of observations and targets."""
    obs = dataset.observations[dataset.observations["current"]].sort_values(["period_end", "period_start"])
    latest = obs.drop_duplicates("indicator_id", keep="last").set_index("indicator_id")
    counts = dataset.observations[dataset.observations["current"]].groupby("indicator_id").size()
    target_counts = dataset.targets.groupby("indicator_id").size()
    areas = dataset.area_names()
    table = dataset.catalogue.copy()
    table["reform_area_name"] = table["reform_area"].map(areas)
    table["observations"] = table["id"].map(counts).fillna(0).astype(int)
    table["targets"] = table["id"].map(target_counts).fillna(0).astype(int)
    for column in ("value", "numerator", "denominator", "qualifier", "period_label", "period_end"):
        table[f"latest_{column}"] = table["id"].map(latest[column])
    area_order = {area: i for i, area in enumerate(dataset.reform_areas["id"])}
    table["_area_order"] = table["reform_area"].map(area_order)
    return table.sort_values("_area_order", kind="stable").drop(columns="_area_order").reset_index(drop=True)
