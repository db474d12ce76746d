"""Dated commitments ("finalized in 2018", "in place by the end of 2017") and their status.

A commitment is *met* or *missed* once a later source settles it (with its own quote);
until then it is *pending* while its due date is ahead and reads *no later report* once it
has passed: no source in the data says whether it was done, which is not the same as saying
it was not ("overdue" would claim what no source states).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from indicators.validation import Dataset

PENDING, NO_LATER_REPORT, MET, MISSED = "pending", "no later report", "met", "missed"
MILESTONE_STATUSES = (NO_LATER_REPORT, PENDING, MISSED, MET)  # the order a monitor reads them in


def milestone_status(due: pd.Timestamp, outcome: str | None, today: date) -> str:
    if isinstance(outcome, str) and outcome:
        return outcome
    return NO_LATER_REPORT if due.date() < today else PENDING


def milestone_table(dataset: Dataset, today: date | None = None) -> pd.DataFrame:
    """Every milestone with its status and reform area name, past due first, then by due date."""
    today = today or date.today()
    table = dataset.milestones.copy()
    table["status"] = [milestone_status(due, outcome, today)
                       for due, outcome in zip(table["due"], table["outcome"], strict=True)]
    table["reform_area_name"] = table["reform_area"].map(dataset.area_names())
    order = {status: i for i, status in enumerate(MILESTONE_STATUSES)}
    table["_order"] = table["status"].map(order)
    return table.sort_values(["_order", "due", "id"], kind="stable").drop(columns="_order").reset_index(drop=True)
