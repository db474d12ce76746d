"""Baseline to goal: change, progress towards the target, pace and status of each indicator.

Status follows Open SDG's progress measure (Statistics Canada's method): the observed
compound annual growth rate from baseline to latest (CAGR_i) is compared with the rate
required to go from the baseline to the target by its deadline (CAGR_T). With d = +1 when
higher is better and -1 when lower is better, R = d·CAGR_i / (d·CAGR_T) and

    target achieved     the latest value meets the target
    on track            R >= 0.95
    moderate progress   0.60 <= R < 0.95
    limited progress    0 <= R < 0.60 (limited or no progress)
    moving away         R < 0
    insufficient data   one observation only, or no target

A target without a deadline has no required rate; its status then follows Open SDG's
thresholds for indicators without a quantitative target, on the observed rate towards
the target: >= 1.5% a year on track, 0.5% to 1.5% moderate, 0 to 0.5% limited, below 0
moving away. Where a compound rate is undefined (a zero or negative value), linear rates
(change per year) stand in for it. Projections are linear from the observed pace, and are
flagged when they rest on two observations only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from indicators.formatting import format_number, format_value
from indicators.periods import deadline_year, midpoint_year, short_label
from indicators.series import observations_of, targets_of
from indicators.validation import Dataset

TARGET_ACHIEVED = "target achieved"
ON_TRACK = "on track"
MODERATE = "moderate progress"
LIMITED = "limited or no progress"
MOVING_AWAY = "moving away"
INSUFFICIENT = "insufficient data"
STATUSES = (TARGET_ACHIEVED, ON_TRACK, MODERATE, LIMITED, MOVING_AWAY, INSUFFICIENT)

ON_TRACK_RATIO = 0.95
MODERATE_RATIO = 0.60
# Thresholds on the observed annual growth towards a target that has no deadline.
NO_DEADLINE_ON_TRACK = 0.015
NO_DEADLINE_MODERATE = 0.005


@dataclass(frozen=True)
class Point:
    value: float
    year: float
    label: str
    qualifier: str | None = None


@dataclass(frozen=True)
class Goal:
    value: float
    deadline_year: float | None
    deadline_label: str | None
    kind: str


@dataclass(frozen=True)
class Progress:
    indicator_id: str
    name: str
    unit: str
    direction: str
    observations: int
    baseline: float | None = None
    baseline_label: str | None = None
    baseline_year: float | None = None
    latest: float | None = None
    latest_label: str | None = None
    latest_year: float | None = None
    latest_qualifier: str | None = None
    change: float | None = None
    relative_change: float | None = None
    trend: str | None = None  # improved, worsened, unchanged, changed (no better direction)
    target: float | None = None
    target_kind: str | None = None
    deadline_label: str | None = None
    deadline_year: float | None = None
    gap: float | None = None
    progress_share: float | None = None
    met: bool | None = None
    observed_rate: float | None = None
    observed_growth: float | None = None
    required_rate: float | None = None
    required_growth: float | None = None
    remaining_rate: float | None = None
    projection: float | None = None
    projection_from_two_points: bool = False
    ratio: float | None = None
    status: str = INSUFFICIENT
    summary: str = ""

    @property
    def target_text(self) -> str | None:
        """The target as text: "50% by 2028", or "15%" when it has no deadline."""
        if self.target is None:
            return None
        text = format_value(self.target, self.unit)
        return f"{text} by {self.deadline_label}" if self.deadline_label else text


def _growth(start: float, end: float, years: float) -> float | None:
    """Compound annual growth rate, or None where it is undefined."""
    if years <= 0 or start <= 0 or end <= 0:
        return None
    return (end / start) ** (1 / years) - 1


def _sign(direction: str, baseline: float | None, target: float | None) -> int:
    if direction == "down":
        return -1
    if direction == "neither" and target is not None and baseline is not None and target < baseline:
        return -1
    return 1


def _status(points: list[Point], goal: Goal | None, sign: int, met: bool | None,
            observed_growth, observed_rate, required_growth, required_rate) -> tuple[str, float | None]:
    if goal is None:
        return INSUFFICIENT, None
    if met:
        return TARGET_ACHIEVED, None
    if len(points) < 2:
        return INSUFFICIENT, None
    baseline = points[0].value
    if goal.deadline_year is None:
        towards = sign * (observed_growth if observed_growth is not None else
                          (observed_rate / abs(baseline) if baseline else observed_rate))
        if towards >= NO_DEADLINE_ON_TRACK:
            return ON_TRACK, None
        if towards >= NO_DEADLINE_MODERATE:
            return MODERATE, None
        return (LIMITED, None) if towards >= 0 else (MOVING_AWAY, None)
    use_growth = observed_growth is not None and required_growth is not None
    observed = observed_growth if use_growth else observed_rate
    required = required_growth if use_growth else required_rate
    if required is None or sign * required <= 0:
        # The baseline already met the target, and the latest value no longer does.
        return MOVING_AWAY, None
    ratio = (sign * observed) / (sign * required)
    if ratio >= ON_TRACK_RATIO:
        return ON_TRACK, ratio
    if ratio >= MODERATE_RATIO:
        return MODERATE, ratio
    return (LIMITED, ratio) if ratio >= 0 else (MOVING_AWAY, ratio)


def assess(indicator: dict, points: list[Point], goal: Goal | None, sentence: str | None = None) -> Progress:
    """Progress of one indicator from its observations (oldest first, baseline first) and
    its target. Pure: no dataset needed, so every case can be tested from plain numbers."""
    unit, direction = indicator["unit"], indicator["direction"]
    base = dict(indicator_id=indicator["id"], name=indicator["name"], unit=unit,
                direction=direction, observations=len(points))
    if goal is not None:
        base.update(target=goal.value, target_kind=goal.kind, deadline_label=goal.deadline_label,
                    deadline_year=goal.deadline_year)
    if not points:
        result = Progress(**base)
        return _with_summary(result, sentence, None, None)
    first, last = points[0], points[-1]
    sign = _sign(direction, first.value, goal.value if goal else None)
    years = last.year - first.year
    change = last.value - first.value if len(points) > 1 else None
    values = dict(
        baseline=first.value, baseline_label=first.label, baseline_year=first.year,
        latest=last.value, latest_label=last.label, latest_year=last.year, latest_qualifier=last.qualifier,
        change=change,
        relative_change=(change / first.value if change is not None and first.value else None),
    )
    if change is not None:
        if change == 0:
            values["trend"] = "unchanged"
        elif direction == "neither":
            values["trend"] = "changed"
        else:
            values["trend"] = "improved" if (change > 0) == (direction == "up") else "worsened"
    observed_rate = change / years if change is not None and years > 0 else None
    observed_growth = _growth(first.value, last.value, years) if change is not None else None
    values.update(observed_rate=observed_rate, observed_growth=observed_growth)
    met = None
    if goal is not None:
        met = sign * (last.value - goal.value) >= 0
        span = goal.value - first.value
        values.update(gap=goal.value - last.value, met=met)
        if change is not None:
            values["progress_share"] = (last.value - first.value) / span if span else (1.0 if met else 0.0)
        if goal.deadline_year is not None:
            to_deadline = goal.deadline_year - first.year
            values["required_rate"] = span / to_deadline if to_deadline > 0 else None
            values["required_growth"] = _growth(first.value, goal.value, to_deadline)
            remaining = goal.deadline_year - last.year
            values["remaining_rate"] = (goal.value - last.value) / remaining if remaining > 0 else None
            if observed_rate is not None:
                values["projection"] = last.value + observed_rate * (goal.deadline_year - last.year)
                values["projection_from_two_points"] = len(points) == 2
    status, ratio = _status(points, goal, sign, met, observed_growth, observed_rate,
                            values.get("required_growth"), values.get("required_rate"))
    result = Progress(**base, **values, status=status, ratio=ratio)
    return _with_summary(result, sentence, first, last)


def _amount(value: float, unit: str, qualifier: str | None = None) -> str:
    return format_value(value, unit, qualifier)


def _with_summary(p: Progress, sentence: str | None, first: Point | None, last: Point | None) -> Progress:
    target = ""
    if p.target is not None:
        # "against a 50% target by 2028": the word "target" sits between value and deadline.
        target = f", against a {_amount(p.target, p.unit)} target"
        if p.deadline_label:
            target += f" by {p.deadline_label}"
    if last is None:
        text = f"{p.name}: no observation yet{target}."
    elif p.change is None or first is last:
        stated = _amount(last.value, p.unit, last.qualifier)
        if sentence:
            text = f"{sentence.format(value=stated)} ({last.label}){target}."
        else:
            text = f"{p.name}: {stated} ({last.label}){target}."
    else:
        start = _amount(first.value, p.unit, first.qualifier)
        end = _amount(last.value, p.unit, last.qualifier)
        if p.change == 0:
            text = f"{p.name} was unchanged at {end} from {first.label} to {last.label}{target}."
        else:
            verb = "rose" if p.change > 0 else "fell"
            if p.unit == "percent":
                points = format_number(abs(p.change))
                by = f" {points} percentage point{'s' if points != '1' else ''}"
            elif p.relative_change is not None:
                by = f" {format_number(abs(p.relative_change) * 100, 0)}%"
            else:
                by = f" by {format_number(abs(p.change))}"
            text = f"{p.name} {verb}{by} from {start} ({first.label}) to {end} ({last.label}){target}."
    return Progress(**{**asdict(p), "summary": text})


def points_of(dataset: Dataset, indicator_id: str) -> list[Point]:
    """Observations as points on the time axis; one marked as baseline comes first."""
    rows = observations_of(dataset, indicator_id)
    rows = rows.assign(_first=~rows["is_baseline"]).sort_values(["_first", "period_end", "period_start"])
    return [Point(value=row.value, year=midpoint_year(row.period_start, row.period_end),
                  label=short_label(row.period_start, row.period_end, row.period_label),
                  qualifier=row.qualifier if isinstance(row.qualifier, str) else None)
            for row in rows.itertuples()]


def goal_of(dataset: Dataset, indicator_id: str) -> Goal | None:
    """The indicator's target: the one with the earliest deadline, else the first listed."""
    rows = targets_of(dataset, indicator_id)
    if rows.empty:
        return None
    row = rows.iloc[0]
    has_deadline = pd.notna(row.deadline)
    label = row.deadline_label if isinstance(row.deadline_label, str) else (
        str(row.deadline.year) if has_deadline else None)
    return Goal(value=row.value, deadline_year=deadline_year(row.deadline) if has_deadline else None,
                deadline_label=label, kind=row.kind)


def assess_all(dataset: Dataset) -> list[Progress]:
    results = []
    for indicator in dataset.catalogue.to_dict("records"):
        sentence = indicator.get("sentence")
        results.append(assess(indicator, points_of(dataset, indicator["id"]), goal_of(dataset, indicator["id"]),
                              sentence if isinstance(sentence, str) else None))
    return results


def progress_table(dataset: Dataset) -> pd.DataFrame:
    frame = pd.DataFrame([asdict(p) for p in assess_all(dataset)])
    return frame.astype({"met": "object"})

