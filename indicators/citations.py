"""How a figure's provenance reads: "Source: A/72/573, para. 100; TEST/3, p. 1 · Data as of
30 Jun 2024". One place, used by charts, slides, the app and exports, so every output cites
exactly the points it shows, each in its own source's terms."""

from __future__ import annotations

import pandas as pd

from indicators.sources import REPORT, Source, cite_many, location_key


def cite(sources: dict[str, Source], symbol: str, location) -> str:
    """ "A/72/573, para. 100" for one row."""
    source = sources.get(symbol)
    return f"{symbol}, {source.cite(location) if source else location}"


def cite_rows(rows: pd.DataFrame, sources: dict[str, Source] | None = None) -> str:
    """Every source and location the rows cite, sources in alphabetical order."""
    parts = []
    for symbol, group in rows.groupby("source", sort=True):
        source = (sources or {}).get(symbol)
        kind = source.kind if source else REPORT
        keys = [location_key(kind, location) or str(location) for location in group["location"]]
        parts.append(f"{symbol}, {cite_many(kind, keys)}")
    return "; ".join(parts)


def latest_cutoff(sources: dict[str, Source], rows: pd.DataFrame | None = None) -> pd.Timestamp | None:
    """The latest data cut-off of the sources the rows cite (of all sources without rows)."""
    cited = set(rows["source"]) if rows is not None and not rows.empty else set(sources)
    cutoffs = [pd.Timestamp(s.data_cutoff) for symbol, s in sources.items() if s.data_cutoff and symbol in cited]
    return max(cutoffs) if cutoffs else None


def as_of(sources: dict[str, Source], rows: pd.DataFrame | None = None) -> str | None:
    """:func:`latest_cutoff` as "31 Oct 2017"."""
    cutoff = latest_cutoff(sources, rows)
    return cutoff.strftime("%-d %b %Y") if cutoff is not None else None


def source_line(rows: pd.DataFrame, as_of_text: str | None = None, sources: dict[str, Source] | None = None) -> str:
    """ "Source: A/72/573, para. 100 · Data as of 31 Oct 2017"."""
    cited = cite_rows(rows, sources)
    text = f"Source: {cited}" if cited else "Source: none"
    if as_of_text:
        text += f" · Data as of {as_of_text}"
    return text
