"""The one rule that chooses an indicator's baseline, used by validation, progress, charts
and slides alike: the observation marked ``is_baseline`` (validation allows at most one),
else the earliest."""

from __future__ import annotations

from collections.abc import Sequence


def baseline_position(marked: Sequence[bool]) -> int:
    """Index of the baseline among an indicator's observations in time order."""
    return next((i for i, flag in enumerate(marked) if flag), 0)
