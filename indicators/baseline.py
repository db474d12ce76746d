"""The one rule that chooses an indicator's baseline, used by validation, progress, charts
and slides alike: the observation marked ``is_baseline`` (validation allows at most one),
else the earliest."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def baseline_position(marked: Sequence[bool] | np.ndarray) -> int:
    """Index of the baseline among an indicator's observations in time order."""
    flagged = np.flatnonzero(np.asarray(marked, dtype=bool))
    return int(flagged[0]) if len(flagged) else 0
