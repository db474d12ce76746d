"""Periods proposed for candidate figures, so a steward confirms dates instead of typing
them: the period a sentence names ("as at 31 October 2018", "in 2019", "2019/20", "from 1
July 2019 to 30 June 2020", "between January and June 2020", "the fourth quarter of
2022"), or, for the later figure of
"increased from 227 to 251", the period right after the stored one the earlier figure
restates. A proposal is only a proposal: the steward edits it and validation checks it."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"

_DAY = rf"(?:(\d{{1,2}})\s+)?({MONTHS})\s+((?:19|20)\d{{2}})"
_AS_AT = re.compile(rf"^(?:(?:as\s+(?:at|of)|on)\s+)?(\d{{1,2}})\s+({MONTHS})\s+((?:19|20)\d{{2}})$", re.IGNORECASE)
# Spans a sentence names whole: found in a sentence (span_in) and read (named) by one pattern.
_QUARTER = re.compile(r"\b(first|second|third|fourth)\s+quarter\s+of\s+((?:19|20)\d{2})\b", re.IGNORECASE)
_MONTH = re.compile(rf"^(?:in\s+|during\s+)?({MONTHS})\s+((?:19|20)\d{{2}})$", re.IGNORECASE)
_YEAR = re.compile(r"^(?:in\s+|during\s+)?((?:19|20)\d{2})$", re.IGNORECASE)
_FISCAL = re.compile(r"^(?:in\s+|during\s+)?((?:19|20)\d{2})/(\d{2})$", re.IGNORECASE)
# "between January and June 2020", "from 1 July 2019 to 30 June 2020": the first end may
# leave its year to the second.
_RANGE = re.compile(rf"\b(?:between|from)\s+(?:(\d{{1,2}})\s+)?({MONTHS})(?:\s+((?:19|20)\d{{2}}))?\s+(?:and|to)\s+"
                    rf"{_DAY}\b", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    start: pd.Timestamp
    end: pd.Timestamp
    label: str

    def row(self) -> dict[str, str]:
        return {"period_label": self.label, "period_start": f"{self.start:%Y-%m-%d}",
                "period_end": f"{self.end:%Y-%m-%d}"}


def _date(day: str | None, month: str, year: str, end: bool = False) -> pd.Timestamp | None:
    """The date, or None for a day the month does not have ("31 June", a typo in a report)."""
    first = pd.Timestamp(f"{month} 1 {year}")
    if day:
        return first.replace(day=int(day)) if 1 <= int(day) <= first.days_in_month else None
    return first + pd.offsets.MonthEnd(0) if end else first


def span_in(sentence: str) -> str | None:
    """A range or a quarter that a sentence names, as written; None when it names neither."""
    found = _RANGE.search(sentence) or _QUARTER.search(sentence)
    return found.group(0) if found else None


def label(start: pd.Timestamp, end: pd.Timestamp) -> str:
    if start == end:
        return f"as at {end.day} {end:%b %Y}"
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return str(start.year)
    return f"{start.day} {start:%b %Y} to {end.day} {end:%b %Y}"


def named(guess: str | None) -> Period | None:
    """The period a sentence names, when it names one exactly; None for "by June 2021",
    "since 2015" and anything else that is a deadline or an open span."""
    if not guess:
        return None
    text = re.sub(r"\s+", " ", guess.strip())
    if found := _AS_AT.match(text):
        moment = _date(*found.groups())
        return None if moment is None else Period(moment, moment, label(moment, moment))
    if found := _QUARTER.fullmatch(text):
        number = ("first", "second", "third", "fourth").index(found.group(1).lower())
        start = pd.Timestamp(int(found.group(2)), 3 * number + 1, 1)
        end = start + pd.offsets.QuarterEnd(0)
        return Period(start, end, f"Q{number + 1} {start.year}")
    if found := _MONTH.match(text):
        start = _date(None, *found.groups())
        end = _date(None, *found.groups(), end=True)
        return Period(start, end, f"{start:%b %Y}")
    if found := _YEAR.match(text):
        year = int(found.group(1))
        return Period(pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31), str(year))
    if found := _FISCAL.match(text):
        first, second = int(found.group(1)), int(found.group(2))
        if second != (first + 1) % 100:
            return None
        return Period(pd.Timestamp(first, 7, 1), pd.Timestamp(first + 1, 6, 30), f"{first}/{found.group(2)}")
    if found := _RANGE.fullmatch(text):
        day1, month1, year1, day2, month2, year2 = found.groups()
        start, end = _date(day1, month1, year1 or year2), _date(day2, month2, year2, end=True)
        if start is None or end is None or start > end:
            return None
        return Period(start, end, label(start, end))
    return None


def following(start: pd.Timestamp, end: pd.Timestamp, ending: pd.Timestamp | None = None) -> Period | None:
    """The period of the same length right after ``start``-``end`` (whole months stay whole
    months); ``ending``, a date the sentence gives, ends it instead. A figure at one date
    is followed by one at the date the sentence gives, or by nothing known."""
    months = round((end - start).days / 30.4375)
    if start == end:
        return None if ending is None or ending <= end else Period(ending, ending, label(ending, ending))
    if months == 0:
        new_end = ending if ending is not None else end + (end - start) + pd.Timedelta(days=1)
        new_start = new_end - (end - start)
    elif ending is not None:
        new_end = ending
        new_start = ending + pd.Timedelta(days=1) - pd.DateOffset(months=months)
    else:
        new_start = end + pd.Timedelta(days=1)
        new_end = new_start + pd.DateOffset(months=months) - pd.Timedelta(days=1)
    return Period(new_start, new_end, label(new_start, new_end))
