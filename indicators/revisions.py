"""Many sources over time: which figure stands when two sources state the same thing.

The same period of an indicator stated by two sources is a *revision*: the later
publication supersedes the earlier (both rows are kept; the earlier is marked superseded).
A current figure that differs from one it supersedes is *revised*; one that equals it
merely restates it. Targets work the same way: a later source's target of the same kind
and deadline replaces the earlier one, which stays as history. Targets with other
deadlines (an interim and a final one) are all current.
"""

from __future__ import annotations

import pandas as pd

from indicators.sources import Source


def _issued(sources: dict[str, Source], symbol: str) -> pd.Timestamp:
    source = sources.get(symbol)
    return source.issued if source is not None else pd.Timestamp.min


def mark(frame: pd.DataFrame, keys: list[str], sources: dict[str, Source]) -> pd.DataFrame:
    """``frame`` with ``current`` (bool), ``superseded_by`` (symbol or None) and
    ``revised`` (a current row whose value differs from one it supersedes)."""
    out = frame.copy()
    out["current"] = True
    out["superseded_by"] = pd.Series([None] * len(out), index=out.index, dtype=object)
    out["revised"] = False
    if out.empty:
        return out
    issued = out["source"].map(lambda s: _issued(sources, s))
    # A missing deadline is a key like any other: two targets without one are the same target.
    grouping = out[keys].astype(object).where(out[keys].notna(), "").astype(str)
    for _, group in out.groupby([grouping[k] for k in keys], sort=False, dropna=False):
        if len(group) < 2:
            continue
        order = group.assign(_issued=issued[group.index]).sort_values("_issued", kind="stable")
        latest = order.index[-1]
        for index in order.index[:-1]:
            out.at[index, "current"] = False
            out.at[index, "superseded_by"] = out.at[latest, "source"]
        earlier = group.loc[order.index[:-1], "value"]
        out.at[latest, "revised"] = bool((earlier - out.at[latest, "value"]).abs().gt(1e-9).any())
    return out


def mark_observations(observations: pd.DataFrame, sources: dict[str, Source]) -> pd.DataFrame:
    return mark(observations, ["indicator_id", "period_start", "period_end"], sources)


def mark_targets(targets: pd.DataFrame, sources: dict[str, Source]) -> pd.DataFrame:
    return mark(targets, ["indicator_id", "kind", "deadline"], sources)
