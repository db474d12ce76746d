"""Baseline to goal: change, trend, progress towards the target, pace and status.

Status follows Open SDG's progress measure as implemented in sdg-build
(``sdg/ProgressMeasure.py``), with three choices of our own, stated in the README:

- **Pace from the whole series.** Open SDG compares the base year with the latest year
  only. Here the observed pace is the least-squares trend through every observation from
  the baseline on: a straight line for the rate per year, a straight line through the
  logarithms for compound growth (where every value is positive). With two observations
  both equal Open SDG's endpoint rates; with more, a middle point counts.
- **Targets without a deadline.** sdg-build assumes the SDG horizon (2030) when a target
  has no year. That horizon means nothing for a peacekeeping target, so such a target is
  judged as Open SDG judges an indicator without a quantitative target (method 1): the
  observed compound growth in the better direction against 1.5% and 0.5% a year.
- **Deadlines that pass.** Once an observation falls after the deadline the target is
  settled at the deadline: "target achieved" or "target missed", judged on the last
  observation on or before the deadline (the first after it when there is none).

With d = +1 when higher is better and -1 when lower is better (towards the target where
the indicator has no better direction), the status with a deadline ahead is read from
R = d·growth_observed / |growth_required| (Open SDG's method 2):

    target achieved      the latest value meets the target
    on track             R >= 0.95
    moderate progress    0.60 <= R < 0.95
    limited or no progress  0 <= R < 0.60
    moving away          R < 0

and without a target, or with one that has no deadline, first a change must stand out of
the noise (our rule; Open SDG has none), then from g = d·growth_observed:

    little or no change  |latest − baseline| < the noise threshold (below)
    substantial progress g >= 1.5% a year
    moderate progress    0.5% <= g < 1.5%
    limited or no progress  0 <= g < 0.5%
    moving away          g < 0

The noise threshold is the largest of: 5% of the baseline (a stated minimum); for a count,
√(baseline + latest), one standard deviation of the difference of two counts of chance
events (Poisson); with three or more points in the trend, the series' own variation, the
standard deviation of its points around the trend line. A change of exactly the threshold
counts as a change. So 38 -> 37 deaths (threshold √75 = 8.7) is little or no change, and
189 -> 227 attacks (threshold √416 = 20.4, change 38) is not.

Every status carries its reason, shown next to the badge ("−1 since 2015/16 is within
±8.7, a count's chance variation").

Where a compound rate is undefined (a value of zero), linear rates stand in: the ratio of
the observed to the required change per year, or the change per year relative to the
baseline. "Insufficient data" is kept for an indicator with fewer than two observations
(and no target met), and the reason says what is missing. An indicator with no better
direction and no target is not rated.

A target set for another population than the indicator measures (``scope``) is shown with
its scope wherever it is drawn, but it sets no required pace, glide path or projection for
this indicator, and the status then follows the trend alone.
"""

from __future__ import annotations

import math
import sys
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

from indicators.baseline import baseline_position
from indicators.citations import cite_by_indicator, factorized
from indicators.formatting import MISSING, format_change, format_number, format_value
from indicators.periods import deadline_year, midpoint_year, midpoint_years, short_label
from indicators.series import in_time_order, observations_of, targets_of
from indicators.validation import Dataset

TARGET_ACHIEVED = "target achieved"
TARGET_MISSED = "target missed"
ON_TRACK = "on track"
SUBSTANTIAL = "substantial progress"
MODERATE = "moderate progress"
LIMITED = "limited or no progress"
MOVING_AWAY = "moving away"
LITTLE_CHANGE = "little or no change"
INSUFFICIENT = "insufficient data"
NOT_RATED = "no better direction"
STATUSES = (TARGET_ACHIEVED, ON_TRACK, SUBSTANTIAL, MODERATE, LIMITED, LITTLE_CHANGE, MOVING_AWAY, TARGET_MISSED,
            INSUFFICIENT, NOT_RATED)
# Statuses that mean "going the right way", and "going the wrong way", for headline counts.
IMPROVING = (TARGET_ACHIEVED, ON_TRACK, SUBSTANTIAL, MODERATE)
WORSENING = (MOVING_AWAY, TARGET_MISSED)

# Open SDG's thresholds: on the ratio of observed to required growth (method 2) ...
ON_TRACK_RATIO = 0.95
MODERATE_RATIO = 0.60
# ... and on observed annual growth in the better direction (method 1).
SUBSTANTIAL_GROWTH = 0.015
MODERATE_GROWTH = 0.005
# Without a deadline target, a change smaller than this share of the baseline is noise.
MIN_RELATIVE_CHANGE = 0.05

NO_OBSERVATION = "no observation yet"
ONE_OBSERVATION = "one observation; next report needed"
SAME_PERIOD = "observations share one period; a later one is needed"
NO_DIRECTION = "neither higher nor lower is better, and no target is set"


@dataclass(frozen=True)
class Point:
    value: float
    year: float
    label: str
    qualifier: str | None = None
    is_baseline: bool = False


@dataclass(frozen=True)
class Goal:
    value: float
    deadline_year: float | None
    deadline_label: str | None
    kind: str
    # Whom the target is set for, where that is not the indicator's own population.
    scope: str | None = None
    deadline: str | None = None  # ISO date, for drawing


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
    baseline_qualifier: str | None = None
    # True when the baseline is later than another observation (those are left out of the trend).
    baseline_not_earliest: bool = False
    latest: float | None = None
    latest_label: str | None = None
    latest_year: float | None = None
    latest_qualifier: str | None = None
    points_in_trend: int = 0
    change: float | None = None
    relative_change: float | None = None
    trend: str | None = None  # improved, worsened, unchanged, changed (no better direction)
    target: float | None = None
    target_kind: str | None = None
    target_scope: str | None = None
    deadline_label: str | None = None
    deadline_year: float | None = None
    deadline: str | None = None
    deadline_passed: bool = False
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
    status_reason: str | None = None
    summary: str = ""
    # The sources of exactly the figures shown: "A/72/573, para. 100; TEST/3, p. 1".
    sources: str = ""

    @property
    def target_text(self) -> str | None:
        """The target as text: "50% by 2028", or "15%" when it has no deadline."""
        if self.target is None:
            return None
        text = format_value(self.target, self.unit)
        return f"{text} by {self.deadline_label}" if self.deadline_label else text

    @property
    def status_text(self) -> str:
        """The status with what is missing, where something is: "insufficient data: one
        observation; next report needed"."""
        return f"{self.status}: {self.status_reason}" if self.status_reason else self.status

    @property
    def latest_text(self) -> str:
        if self.latest is None:
            return MISSING
        return format_value(self.latest, self.unit, self.latest_qualifier)

    @property
    def baseline_text(self) -> str:
        if self.baseline is None:
            return MISSING
        return format_value(self.baseline, self.unit, self.baseline_qualifier)

    @property
    def headline(self) -> str:
        """What a briefer says: "28% now · target 50% by 2028 · 22 pts to go"."""
        return self.headline_text()

    def headline_text(self, scope: bool = True) -> str:
        """The headline; without whom a target is set for when ``scope`` is False (where a
        note beside it says so)."""
        parts = [f"{self.latest_text} now" if self.latest is not None else NO_OBSERVATION]
        if self.target is not None:
            target = f"target {self.target_text}"
            if self.target_scope and scope:
                target += f" (set for {self.target_scope})"
            elif self.target_scope:
                target += " (another population)"
            parts.append(target)
            if self.status == TARGET_MISSED:
                parts.append("missed at the deadline")
            elif self.met:
                parts.append("target met")
            elif self.gap is not None and not self.target_scope:
                parts.append(f"{format_change(abs(self.gap), self.unit).lstrip('+−±')} to go")
        return " · ".join(parts)

    @property
    def bar_share(self) -> float | None:
        """The share of the way to the target for a progress bar, 0 to 1: from the baseline
        where there is a trend; from zero for a single observation of a higher-is-better
        indicator; none otherwise (a lower-is-better target has no way to measure from zero)."""
        if self.target is None or self.target_scope or self.latest is None:
            return None
        if self.met:
            return 1.0
        if self.progress_share is not None:
            return min(max(self.progress_share, 0.0), 1.0)
        if self.direction == "up" and self.target > 0:
            return min(max(self.latest / self.target, 0.0), 1.0)
        return None

    @property
    def bar_text(self) -> str | None:
        share = self.bar_share
        if share is None:
            return None
        if self.progress_share is not None or self.met:
            return f"{share:.0%} of the way from baseline to {self.target_text}"
        return f"{self.latest_text} is {share:.0%} of the {self.target_text} target"


def ratio_status(ratio: float) -> str:
    """Open SDG method 2: observed growth as a share of the growth required."""
    if ratio >= ON_TRACK_RATIO:
        return ON_TRACK
    if ratio >= MODERATE_RATIO:
        return MODERATE
    return LIMITED if ratio >= 0 else MOVING_AWAY


def growth_status(growth: float) -> str:
    """Open SDG method 1: observed annual growth in the better direction."""
    if growth >= SUBSTANTIAL_GROWTH:
        return SUBSTANTIAL
    if growth >= MODERATE_GROWTH:
        return MODERATE
    return LIMITED if growth >= 0 else MOVING_AWAY


@dataclass(frozen=True)
class Noise:
    """How large a change must be to count, and which rule set that size."""

    threshold: float
    rule: str


def noise(unit: str, baseline: float, latest: float, years: np.ndarray, values: np.ndarray, trend: Fit) -> Noise:
    """The noise threshold of the module docstring: the largest of its three measures."""
    found = [Noise(MIN_RELATIVE_CHANGE * abs(baseline), f"{MIN_RELATIVE_CHANGE:.0%} of the baseline")]
    if unit == "count" and baseline >= 0 and latest >= 0:
        found.append(Noise(math.sqrt(baseline + latest), "a count's chance variation"))
    if len(values) >= 3 and trend.rate is not None:
        residuals = values - (trend.intercept + trend.rate * years)
        found.append(Noise(float(np.sqrt(residuals @ residuals / (len(values) - 2))), "the series' own variation"))
    return max(found, key=lambda n: n.threshold)


def _growth(start: float, end: float, years: float) -> float | None:
    """Compound annual growth rate, or None where it is undefined."""
    if years <= 0 or start <= 0 or end <= 0:
        return None
    return (end / start) ** (1 / years) - 1


@dataclass(frozen=True)
class Fit:
    """Least-squares trend of a series: change per year, compound growth and a line to project."""

    rate: float | None
    growth: float | None
    intercept: float | None

    def at(self, year: float) -> float | None:
        return None if self.rate is None else self.intercept + self.rate * year


def fit(points: list[Point]) -> Fit:
    return fit_arrays(np.array([p.year for p in points], dtype=float), np.array([p.value for p in points], dtype=float))


def fit_arrays(years: np.ndarray, values: np.ndarray) -> Fit:
    if len(years) < 2 or np.ptp(years) <= 0:
        return Fit(None, None, None)
    rate, intercept = _least_squares(years, values)
    growth = None
    if (values > 0).all():
        log_rate, _ = _least_squares(years, np.log(values))
        # A rise from almost nothing (1e-300 to 1) is growth beyond any float: infinite.
        growth = math.expm1(log_rate) if log_rate < math.log(sys.float_info.max) else math.inf
    return Fit(rate, None if growth is None else float(growth), intercept)


def _least_squares(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of the least-squares line, from centred sums (what polyfit of
    degree 1 solves, without its general machinery: it runs once per indicator)."""
    mean_x, mean_y = x.mean(), y.mean()
    centred = x - mean_x
    slope = float(centred @ (y - mean_y) / (centred @ centred))
    return slope, float(mean_y - slope * mean_x)


@dataclass(frozen=True)
class Course:
    """What an assessment needs of an indicator's observations: how many there are, the
    baseline and the latest, and the points of the trend (the baseline's and later ones,
    in time order) with the line through them."""

    count: int
    first: Point
    last: Point
    first_is_earliest: bool
    years: np.ndarray = field(repr=False)
    values: np.ndarray = field(repr=False)
    trend: Fit

    def value_by(self, year: float) -> float:
        """The trend's last value on or before ``year`` (its first, when none is)."""
        return float(self.values[max(int(np.searchsorted(self.years, year, side="right")) - 1, 0)])


def course_of(points: list[Point]) -> Course | None:
    """The course of ``points`` in any order; None when there are none."""
    if not points:
        return None
    ordered = sorted(points, key=lambda p: p.year)
    first = baseline_of(ordered)
    used = [p for p in ordered if p.year >= first.year]
    years = np.array([p.year for p in used], dtype=float)
    values = np.array([p.value for p in used], dtype=float)
    return Course(len(points), first, used[-1], first is ordered[0], years, values, fit_arrays(years, values))


def courses(rows: pd.DataFrame, indicators: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, Course]:
    """:func:`course_of` for every indicator of ``rows`` at once: each row's year, the sort
    and the baseline rule run over whole columns, and only the few numbers of each
    indicator are taken one indicator at a time, so a million rows cost a sort, not a
    million Python objects. ``rows`` come in the order :func:`points_from` would read them;
    ``indicators`` is their factorised ``indicator_id`` when the caller has it."""
    if rows.empty:
        return {}
    years = midpoint_years(rows["period_start"], rows["period_end"])
    codes, ids = indicators or pd.factorize(rows["indicator_id"], sort=False)
    order = np.lexsort((years, codes))  # stable: ties in year keep the rows' order, as sorted() does
    codes, years = codes[order], years[order]
    values = rows["value"].to_numpy(dtype=float, na_value=np.nan)[order]
    marked = rows["is_baseline"].to_numpy().astype(bool)[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(codes)]
    found = []
    for start, end in zip(starts.tolist(), ends.tolist()):
        first = start + baseline_position(marked[start:end])
        used = start + np.flatnonzero(years[start:end] >= years[first])
        found.append((ids[codes[start]], end - start, first, end - 1, first == start, years[used], values[used]))
    # The baseline and latest rows of every indicator, read in one take.
    at = [position for f in found for position in (f[2], f[3])]
    ends_rows = rows.iloc[order[at]]
    points = [Point(value=row.value, year=year, label=short_label(row.period_start, row.period_end, row.period_label),
                    qualifier=row.qualifier if isinstance(row.qualifier, str) else None,
                    is_baseline=bool(row.is_baseline))
              for row, year in zip(ends_rows.itertuples(), years[at].tolist(), strict=True)]
    out = {}
    for (indicator, count, _, _, earliest, trend_years, trend_values), baseline, latest in zip(
            found, points[0::2], points[1::2], strict=True):
        out[indicator] = Course(count, baseline, latest, earliest, trend_years, trend_values,
                                fit_arrays(trend_years, trend_values))
    return out


def _sign(direction: str, baseline: float | None, target: float | None) -> int:
    if direction == "down":
        return -1
    if direction == "neither" and target is not None and baseline is not None and target < baseline:
        return -1
    return 1


def _meets(value: float, target: float, sign: int) -> bool:
    return sign * (value - target) >= 0


def _trend_growth(trend: Fit, baseline: float) -> float:
    """Observed annual growth; where a zero value leaves it undefined, the change per year
    relative to the baseline (or its sign alone, from a baseline of zero)."""
    if trend.growth is not None:
        return trend.growth
    if baseline:
        return trend.rate / abs(baseline)
    return math.copysign(math.inf, trend.rate) if trend.rate else 0.0


def assess(indicator: dict, points: list[Point], goal: Goal | None, sentence: str | None = None) -> Progress:
    """Progress of one indicator from its observations and its target. Pure: no dataset
    needed, so every case can be tested from plain numbers. ``points`` may come in any
    order; the baseline is the one marked ``is_baseline``, else the earliest."""
    return judge(indicator, course_of(points), goal, sentence)


def judge(indicator: dict, course: Course | None, goal: Goal | None, sentence: str | None = None,
          sources: str = "") -> Progress:
    """Progress from an indicator's :class:`Course` (None without observations) and its
    target; ``sources`` is its citation, when the caller has it."""
    unit, direction = indicator["unit"], indicator["direction"]
    base = dict(indicator_id=indicator["id"], name=indicator["name"], unit=unit,
                direction=direction, observations=course.count if course else 0, sources=sources)
    scoped = goal is not None and bool(goal.scope)
    if goal is not None:
        base.update(target=goal.value, target_kind=goal.kind, target_scope=goal.scope or None,
                    deadline_label=goal.deadline_label, deadline_year=goal.deadline_year, deadline=goal.deadline)
    if course is None:
        return _with_summary(Progress(**base, status=INSUFFICIENT, status_reason=NO_OBSERVATION), sentence, None, None)

    first, last, trend, in_trend = course.first, course.last, course.trend, len(course.years)
    sign = _sign(direction, first.value, goal.value if goal else None)
    has_change = in_trend > 1
    change = last.value - first.value if has_change else None
    values = dict(
        baseline=first.value, baseline_label=first.label, baseline_year=first.year,
        baseline_qualifier=first.qualifier, baseline_not_earliest=not course.first_is_earliest,
        latest=last.value, latest_label=last.label, latest_year=last.year, latest_qualifier=last.qualifier,
        points_in_trend=in_trend, change=change,
        relative_change=(change / first.value if change is not None and first.value else None),
        observed_rate=trend.rate, observed_growth=trend.growth,
    )
    if change is not None:
        if change == 0:
            values["trend"] = "unchanged"
        elif direction == "neither":
            values["trend"] = "changed"
        else:
            values["trend"] = "improved" if (change > 0) == (direction == "up") else "worsened"

    status, reason, ratio = None, None, None
    if goal is not None and not scoped:
        met = _meets(last.value, goal.value, sign)
        span = goal.value - first.value
        values.update(gap=goal.value - last.value, met=met)
        if has_change:
            values["progress_share"] = (last.value - first.value) / span if span else (1.0 if met else 0.0)
        if goal.deadline_year is not None and last.year > goal.deadline_year:
            # Settled at the deadline: judged on the last observation on or before it.
            settled_on = course.value_by(goal.deadline_year)
            values["deadline_passed"] = True
            status = TARGET_ACHIEVED if _meets(settled_on, goal.value, sign) else TARGET_MISSED
            reason = (f"{format_value(goal.value, unit)} by {goal.deadline_label}: settled on "
                      f"{format_value(settled_on, unit)}, the last figure by the deadline")
        elif met:
            status = TARGET_ACHIEVED
        elif goal.deadline_year is not None:
            to_deadline = goal.deadline_year - first.year
            if to_deadline > 0:
                values["required_rate"] = span / to_deadline
                values["required_growth"] = _growth(first.value, goal.value, to_deadline)
            remaining = goal.deadline_year - last.year
            values["remaining_rate"] = (goal.value - last.value) / remaining if remaining > 0 else None
            if trend.rate is not None:
                values["projection"] = trend.at(goal.deadline_year)
                values["projection_from_two_points"] = in_trend == 2
    if status is None:
        if in_trend < 2:
            status, reason = INSUFFICIENT, ONE_OBSERVATION
        elif trend.rate is None:
            status, reason = INSUFFICIENT, SAME_PERIOD
        elif goal is not None and not scoped and goal.deadline_year is not None:
            status, ratio = _deadline_status(sign, trend, values.get("required_growth"), values.get("required_rate"))
        elif direction == "neither" and (goal is None or scoped):
            status, reason = NOT_RATED, NO_DIRECTION
        else:
            # No target for this population, or one without a deadline: a change must stand
            # out of the noise, then Open SDG's method 1.
            stands = noise(unit, first.value, last.value, course.years, course.values, trend)
            since = f"{format_change(change, unit)} since the baseline ({first.label})"
            if abs(change) < stands.threshold:
                status = LITTLE_CHANGE
                reason = f"{since} is within ±{format_number(stands.threshold)}, {stands.rule}"
            else:
                growth = sign * _trend_growth(trend, first.value)
                status = growth_status(growth)
                reason = f"{since}: {_pace_words(growth)}"
    if reason is None:
        reason = _reason(status, unit, first, last, goal, ratio, values)
    result = Progress(**base, **values, status=status, status_reason=reason, ratio=ratio)
    return _with_summary(result, sentence, first if has_change else None, last)


def _pace_words(growth: float) -> str:
    """Method 1's reading of a growth rate in the better direction, with its threshold."""
    if math.isinf(growth):
        return "from zero" if growth > 0 else "to zero, the worse way"
    pace = f"{abs(growth):.1%} a year"
    if growth >= SUBSTANTIAL_GROWTH:
        return f"{pace} the better way ({SUBSTANTIAL_GROWTH:.1%} or more is substantial)"
    if growth >= MODERATE_GROWTH:
        return f"{pace} the better way ({MODERATE_GROWTH:.1%} to {SUBSTANTIAL_GROWTH:.1%} is moderate)"
    if growth >= 0:
        return f"{pace} the better way (under {MODERATE_GROWTH:.1%} is limited)"
    return f"{pace} the worse way"


def _reason(status: str, unit: str, first: Point, last: Point, goal: Goal | None, ratio: float | None,
            values: dict) -> str | None:
    """Why a target's status is what it is, in a briefer's words."""
    if goal is None:
        return None
    target = format_value(goal.value, unit) + (f" by {goal.deadline_label}" if goal.deadline_label else "")
    if status == TARGET_ACHIEVED:
        return f"{format_value(last.value, unit, last.qualifier)} ({last.label}) meets {target}"
    if ratio is not None:
        return (f"pace since {first.label} is {ratio:.0%} of the pace {target} needs "
                f"({ON_TRACK_RATIO:.0%} or more is on track, {MODERATE_RATIO:.0%} moderate)")
    if status == MOVING_AWAY:
        return f"moving away from {target}"
    return None


def _deadline_status(sign: int, trend: Fit, required_growth, required_rate) -> tuple[str, float | None]:
    use_growth = trend.growth is not None and required_growth is not None
    observed = trend.growth if use_growth else trend.rate
    required = required_growth if use_growth else required_rate
    if not required:
        # The baseline sat on the target and the latest value is no longer there.
        return MOVING_AWAY, None
    ratio = sign * observed / abs(required)
    return ratio_status(ratio), ratio


def baseline_of(points: list[Point]) -> Point:
    """The baseline among ``points`` in time order (:mod:`indicators.baseline`)."""
    return points[baseline_position([p.is_baseline for p in points])]


def _amount(value: float, unit: str, qualifier: str | None = None) -> str:
    return format_value(value, unit, qualifier)


def _with_summary(p: Progress, sentence: str | None, first: Point | None, last: Point | None) -> Progress:
    target = ""
    if p.target is not None:
        # "against a 50% target by 2028": the word "target" sits between value and deadline.
        by = f" by {p.deadline_label}" if p.deadline_label else ""
        if p.target_scope:
            # A target for another population is not "against" this figure: say whom it is for.
            target = f"; the {_amount(p.target, p.unit)} target{by} is set for {p.target_scope}"
        else:
            target = f", against a {_amount(p.target, p.unit)} target{by}"
    if last is None:
        text = f"{p.name}: no observation yet{target}."
    elif first is None:
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
    return replace(p, summary=text)


def points_of(dataset: Dataset, indicator_id: str) -> list[Point]:
    """Observations as points on the time axis, oldest first."""
    return points_from(observations_of(dataset, indicator_id))


def points_from(rows: pd.DataFrame) -> list[Point]:
    return [Point(value=row.value, year=midpoint_year(row.period_start, row.period_end),
                  label=short_label(row.period_start, row.period_end, row.period_label),
                  qualifier=row.qualifier if isinstance(row.qualifier, str) else None,
                  is_baseline=bool(row.is_baseline))
            for row in rows.itertuples()]


def goals_of(dataset: Dataset, indicator_id: str) -> list[Goal]:
    """The indicator's current targets (replaced ones left out), earliest deadline first."""
    return goals_from(targets_of(dataset, indicator_id))


def goals_from(rows: pd.DataFrame) -> list[Goal]:
    goals = []
    for row in rows.itertuples():
        has_deadline = pd.notna(row.deadline)
        label = row.deadline_label if isinstance(row.deadline_label, str) else (
            str(row.deadline.year) if has_deadline else None)
        scope = getattr(row, "scope", None)
        goals.append(Goal(value=row.value, deadline_year=deadline_year(row.deadline) if has_deadline else None,
                          deadline_label=label, kind=row.kind, scope=scope if isinstance(scope, str) and scope else None,
                          deadline=row.deadline.date().isoformat() if has_deadline else None))
    return goals


def next_goal(goals: list[Goal], points: list[Point]) -> Goal | None:
    """The target status is judged against: the next one due after the latest observation
    (an interim target before a final one); once every dated target has passed, the last
    of them; a target without a deadline only when none has one."""
    return _next_goal(goals, max((p.year for p in points), default=None))


def _next_goal(goals: list[Goal], latest: float | None) -> Goal | None:
    dated = [g for g in goals if g.deadline_year is not None]
    if not dated:
        return goals[0] if goals else None
    ahead = [g for g in dated if latest is None or g.deadline_year >= latest]
    return ahead[0] if ahead else dated[-1]


def goal_of(dataset: Dataset, indicator_id: str) -> Goal | None:
    return next_goal(goals_of(dataset, indicator_id), points_of(dataset, indicator_id))


def assess_all(dataset: Dataset) -> list[Progress]:
    # Each table is split by indicator once (not filtered once per indicator), in the same
    # order observations_of and targets_of give.
    observations = in_time_order(dataset.observations[dataset.observations["current"]])
    targets = dataset.targets[dataset.targets["current"]].sort_values("deadline", na_position="last", kind="stable")
    provenance = pd.concat([observations[["indicator_id", "source", "location"]],
                            targets[["indicator_id", "source", "location"]]])
    codes, ids = factorized(provenance["indicator_id"])  # once, for the courses and the citations
    trends = courses(observations, (codes[:len(observations)], ids))
    targets_by = dict(tuple(targets.groupby("indicator_id", sort=False)))
    cited = cite_by_indicator(provenance, dataset.sources, (codes, ids))
    results = []
    for indicator in dataset.catalogue.to_dict("records"):
        sentence = indicator.get("sentence")
        course = trends.get(indicator["id"])
        goals = goals_from(targets_by[indicator["id"]]) if indicator["id"] in targets_by else []
        results.append(judge(indicator, course, _next_goal(goals, course.last.year if course else None),
                             sentence if isinstance(sentence, str) else None, cited.get(indicator["id"], "")))
    return results


def progress_table(dataset: Dataset) -> pd.DataFrame:
    frame = pd.DataFrame([asdict(p) for p in assess_all(dataset)])
    return frame.astype({"met": "object"})
