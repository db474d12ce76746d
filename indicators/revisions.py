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


def mark(frame: pd.DataFrame, keys: list[str], sources: dict[str, Source]) -> pd.DataFrame:
    """``frame`` with ``current`` (bool), ``superseded_by`` (symbol or None) and
    ``revised`` (a current row whose value differs from one it supersedes)."""
    out = frame.copy()
    out["current"] = True
    out["superseded_by"] = pd.Series([None] * len(out), index=out.index, dtype=object)
    out["revised"] = False
    if out.empty:
        return out
    issued = out["source"].map({symbol: source.issued for symbol, source in sources.items()}).fillna(pd.Timestamp.min)
    # A missing deadline is a key like any other: two targets without one are the same target.
    group = out.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    # Within a key, the last published stands (ties keep file order); one sort for all keys.
    order = pd.DataFrame({"group": group, "issued": issued.to_numpy(), "position": range(len(out))})
    order = order.sort_values(["group", "issued", "position"], kind="stable")
    latest_position = order.drop_duplicates("group", keep="last").set_index("group")["position"]
    latest = latest_position.reindex(group).to_numpy()
    is_latest = latest == range(len(out))
    out["current"] = is_latest
    sources_col = out["source"].to_numpy()
    out["superseded_by"] = pd.Series([None if keep else sources_col[at] for keep, at in zip(is_latest, latest)],
                                     index=out.index, dtype=object)
    values = out["value"].to_numpy(dtype=float, na_value=float("nan"))
    differs = pd.Series(~is_latest & (abs(values - values[latest]) > 1e-9)).groupby(group).any()
    out["revised"] = is_latest & differs.reindex(group).to_numpy()
    return out


def mark_observations(observations: pd.DataFrame, sources: dict[str, Source]) -> pd.DataFrame:
    return mark(observations, ["indicator_id", "period_start", "period_end"], sources)


def mark_targets(targets: pd.DataFrame, sources: dict[str, Source]) -> pd.DataFrame:
    return mark(targets, ["indicator_id", "kind", "deadline"], sources)
