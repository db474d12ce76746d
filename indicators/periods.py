"""Periods on a time axis and in plain words.

Every period has explicit start and end dates; on the time axis it sits at its midpoint,
in decimal years. A fiscal year 2016/17 (1 July 2016 to 30 June 2017) sits at 1 Jan 2017,
a 1 November to 31 October window at its 1 May, a calendar year at 2 July.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd


# The label of a figure a report states as current, without a date of its own: it stands at
# its source's data cut-off (rule current_not_at_cutoff) and no quote dates it.
CURRENT = "current"


def is_current(label) -> bool:
    return isinstance(label, str) and label.lower() == CURRENT


def instants(dates: pd.Series) -> np.ndarray:
    """Dates as sortable numbers (nanoseconds), a missing one last as ``sort_values`` puts it."""
    numbers = dates.to_numpy(dtype="datetime64[ns]").view(np.int64)
    return np.where(numbers == np.iinfo(np.int64).min, np.iinfo(np.int64).max, numbers)


def decimal_year(moment: pd.Timestamp) -> float:
    start = pd.Timestamp(year=moment.year, month=1, day=1)
    end = pd.Timestamp(year=moment.year + 1, month=1, day=1)
    return moment.year + (moment - start) / (end - start)


def from_decimal_year(year: float) -> pd.Timestamp:
    """The moment a decimal year stands for (the inverse of :func:`decimal_year`)."""
    whole = int(year)
    start = pd.Timestamp(year=whole, month=1, day=1)
    return start + (pd.Timestamp(year=whole + 1, month=1, day=1) - start) * (year - whole)


def midpoint(start: pd.Timestamp, end: pd.Timestamp) -> pd.Timestamp:
    # A period's end date is inclusive: 2017-12-31 means through the end of that day.
    return start + (end + pd.Timedelta(days=1) - start) / 2


def midpoint_year(start: pd.Timestamp, end: pd.Timestamp) -> float:
    return decimal_year(midpoint(start, end))


def midpoint_years(starts: pd.Series, ends: pd.Series) -> np.ndarray:
    """:func:`midpoint_year` of every row at once, to the same floating-point result."""
    middle = (starts + (ends + pd.Timedelta(days=1) - starts) / 2).to_numpy()
    if not len(middle):
        return np.empty(0)
    # numpy's calendar years over whole columns; the first instants of the few years
    # spanned are worked out once and looked up (converting a million of them is slower).
    years = middle.astype("datetime64[Y]").astype(np.int64)
    first = years.min()
    bounds = np.arange(first, years.max() + 2).astype("datetime64[Y]").astype(middle.dtype)
    start, end = bounds[years - first], bounds[years - first + 1]
    return (years + 1970) + (middle - start) / (end - start)


def deadline_year(deadline: pd.Timestamp) -> float:
    """A deadline is reached at the end of its day."""
    return decimal_year(deadline + pd.Timedelta(days=1))


def _month_end(moment: pd.Timestamp) -> bool:
    return moment.day == moment.days_in_month


_DAY_RANGE = re.compile(r"^\d{1,2} \w+ \d{4} to \d{1,2} \w+ \d{4}$")


def short_label(start: pd.Timestamp, end: pd.Timestamp, label: str) -> str:
    """A compact label for sentences: single days ("as at 31 Oct 2017"), calendar years, fiscal years, single months and
    day-to-day ranges over whole months are written from their dates ("1 Nov 2015 to
    31 Oct 2016" -> "Nov 2015 to Oct 2016"); any other period keeps the report's label."""
    if start == end:
        # One day: a figure "as at" a date, such as an undated "current" figure at the cut-off.
        return f"as at {start.day} {start:%b %Y}"
    if start.day != 1 or not _month_end(end) or end < start:
        return label
    if start.month == 1 and end.month == 12:
        return str(start.year) if start.year == end.year else f"{start.year} to {end.year}"
    if start.month == 7 and end.month == 6 and end.year == start.year + 1:
        return f"{start.year}/{str(end.year)[2:]}"
    first, last = start.strftime("%b %Y"), end.strftime("%b %Y")
    if first == last:
        return first
    return f"{first} to {last}" if _DAY_RANGE.match(label) else label


def period_kind(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """What sort of period this is, in words, so a chart can say when its windows differ."""
    if start == end:
        return "single date"
    if start.day == 1 and _month_end(end):
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if months == 12:
            if start.month == 1:
                return "calendar year"
            if start.month == 7:
                return "fiscal year (July to June)"
            return f"year from {start:%B} to {end:%B}"
        if months == 1:
            return "month"
        return f"{months}-month span"
    return "other span"
