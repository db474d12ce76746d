"""How a figure's provenance reads: "Source: A/72/573, para. 100; TEST/3, p. 1 · Data as of
30 Jun 2024". One place, used by charts, slides, the app and exports, so every output cites
exactly the points it shows, each in its own source's terms."""

from __future__ import annotations

import pandas as pd
import pyarrow
import pyarrow.compute

from indicators.sources import DATASET, MAX_ROWS_CITED, REPORT, Source, cite_many, location_key

# An indicator drawn from more sources than this cites the first ones and counts the rest
# ("...; and 497 more sources"): a source line must fit under a chart.
MAX_SOURCES_CITED = 5


def cite(sources: dict[str, Source], symbol: str, location) -> str:
    """ "A/72/573, para. 100" for one row."""
    source = sources.get(symbol)
    return f"{symbol}, {source.cite(location) if source else location}"


def cite_rows(rows: pd.DataFrame, sources: dict[str, Source] | None = None) -> str:
    """Every source and location the rows cite, sources in alphabetical order."""
    return cite_by_indicator(rows.assign(indicator_id=""), sources).get("", "")


def cite_by_indicator(rows: pd.DataFrame, sources: dict[str, Source] | None = None) -> dict[str, str]:
    """:func:`cite_rows` for each indicator of ``rows`` at once: each distinct location is
    read once, however many indicators and rows cite it."""
    kinds = {symbol: source.kind for symbol, source in (sources or {}).items()}
    cited = rows[["indicator_id", "source", "location"]].drop_duplicates()
    # A series drawn from many sources names the first few (alphabetically) and counts the
    # rest; only the locations of the sources named are read.
    pairs = cited[["indicator_id", "source"]].drop_duplicates().sort_values(["indicator_id", "source"])
    named = pairs[pairs.groupby("indicator_id").cumcount() < MAX_SOURCES_CITED]
    others = (pairs.groupby("indicator_id").size() - MAX_SOURCES_CITED).clip(lower=0)
    cited = cited.merge(named, on=["indicator_id", "source"])
    # A long table cites as "N rows": count its rows over whole columns, and read the keys
    # only of the few rows a short citation names.
    tabular = cited["source"].map(kinds).eq(DATASET)
    spelled = pyarrow.array(cited.loc[tabular, "location"].astype(str).to_numpy(dtype=object), pyarrow.string())
    for pattern, joint in ((r"\s*;\s*", ";"), (r"\s*=\s*", "=")):
        spelled = pyarrow.compute.replace_substring_regex(spelled, pattern, joint)
    spelled = pd.Series(pyarrow.compute.utf8_trim_whitespace(spelled), index=cited.index[tabular], dtype=str)
    rows_cited = spelled.groupby([cited.loc[tabular, "indicator_id"], cited.loc[tabular, "source"]]).nunique()
    many = {key for key, count in rows_cited.items() if count > MAX_ROWS_CITED}
    keys: dict[str, dict[str, list[str]]] = {}
    for indicator, symbol, location in zip(cited["indicator_id"], cited["source"], cited["location"], strict=True):
        found = keys.setdefault(indicator, {}).setdefault(symbol, [])
        if (indicator, symbol) not in many:
            found.append(location_key(kinds.get(symbol, REPORT), location) or str(location))
    for indicator, symbol in many:
        keys[indicator][symbol] = [f"{rows_cited[(indicator, symbol)]:,} rows"]
    out = {}
    for indicator, by_source in keys.items():
        text = "; ".join(f"{symbol}, {_cite(kinds.get(symbol, REPORT), found)}"
                         for symbol, found in sorted(by_source.items()))
        more = int(others.get(indicator, 0))
        out[indicator] = text + (f"; and {more:,} more source{'s' if more > 1 else ''}" if more else "")
    return out


def _cite(kind: str, keys: list[str]) -> str:
    return keys[0] if kind == DATASET and len(keys) == 1 and keys[0].endswith(" rows") else cite_many(kind, keys)


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
