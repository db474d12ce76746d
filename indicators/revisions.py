"""Many sources over time: which figure stands when two sources state the same thing.

The same period of an indicator stated by two sources is a *revision*: the later
publication supersedes the earlier (both rows are kept; the earlier is marked superseded).
A current figure that differs from one it supersedes is *revised*; one that equals it
merely restates it. Targets work the same way: a later source's target of the same kind
and deadline replaces the earlier one, which stays as history. Targets with other
deadlines (an interim and a final one) are all current.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.sources import Source


def mark(frame: pd.DataFrame, keys: list[str], sources: dict[str, Source]) -> pd.DataFrame:
    """``frame`` with ``current`` (bool), ``superseded_by`` (symbol or None) and
    ``revised`` (a current row whose value differs from one it supersedes)."""
    # A shallow copy: copy-on-write keeps ``frame`` as it was when columns are added here.
    out = frame.copy(deep=False)
    if out.empty:
        return out.assign(current=pd.Series(dtype=bool), superseded_by=pd.Series(dtype=object),
                          revised=pd.Series(dtype=bool))
    # When each row's source was issued, as numbers: taken once per source, not per row.
    codes, symbols = pd.factorize(out["source"], use_na_sentinel=True)
    unknown = pd.Timestamp.min.value  # an unknown source's rows are the earliest
    issued = np.array([sources[symbol].issued.value if symbol in sources else unknown for symbol in symbols]
                      + [unknown], dtype=np.int64)[codes]  # a missing source (-1) takes the last
    group, groups = _groups(out, keys)
    # Within a key, the last published stands (ties keep file order): one stable sort by
    # issue within key, the last row of each key's run.
    order = np.lexsort((issued, group))
    ordered = group[order]
    last = np.r_[ordered[1:] != ordered[:-1], True]
    latest_of = np.empty(groups, dtype=np.int64)
    latest_of[ordered[last]] = order[last]
    latest = latest_of[group]
    is_latest = latest == np.arange(len(out))
    values = out["value"].to_numpy(dtype=float, na_value=np.nan)
    # NaN never differs: a missing figure revises nothing, as it states nothing.
    differs = ~is_latest & (np.abs(values - values[latest]) > 1e-9)
    revised_group = np.bincount(group, weights=differs, minlength=groups) > 0
    symbol_of = np.append(np.asarray(symbols, dtype=object), None)[codes]
    return out.assign(current=is_latest,
                      superseded_by=pd.Series(np.where(is_latest, None, symbol_of[latest]), index=out.index,
                                              dtype=object),
                      revised=is_latest & revised_group[group])


def _groups(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, int]:
    """Each row's key as one number, and how many keys there are. A missing cell is a key
    like any other (two targets without a deadline are the same target)."""
    group, groups = np.zeros(len(frame), dtype=np.int64), 1
    for key in keys:
        codes, uniques = pd.factorize(frame[key], use_na_sentinel=False)
        # Numbered afresh after each column, so the combined number stays below rows x values.
        group, found = pd.factorize(group * len(uniques) + codes)
        groups = len(found)
    return group.astype(np.int64), groups


def mark_observations(observations: pd.DataFrame, sources: dict[str, Source]) -> pd.DataFrame:
    return mark(observations, ["indicator_id", "period_start", "period_end"], sources)


def mark_targets(targets: pd.DataFrame, sources: dict[str, Source]) -> pd.DataFrame:
    return mark(targets, ["indicator_id", "kind", "deadline"], sources)
