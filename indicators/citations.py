"""How a figure's provenance reads: "Source: A/72/573, para. 100; TEST/3, p. 1 · Data as of
30 Jun 2024". One place, used by charts, slides, the app and exports, so every output cites
exactly the points it shows, each in its own source's terms."""

from __future__ import annotations

import numpy as np
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


def cite_by_indicator(rows: pd.DataFrame, sources: dict[str, Source] | None = None,
                      indicators: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, str]:
    """:func:`cite_rows` for each indicator of ``rows`` at once. A series drawn from many
    sources names the first few (alphabetically) and counts the rest, so which sources are
    named is settled first, over whole columns of integer codes; only the rows of the named
    sources are then read as text (a million rows cost a few factorisations).
    ``indicators`` is :func:`factorized` of ``rows["indicator_id"]`` when the caller has it."""
    if rows.empty:
        return {}
    kinds = {symbol: source.kind for symbol, source in (sources or {}).items()}
    indicator_codes, indicator_ids = indicators or factorized(rows["indicator_id"])
    source_codes, symbols = factorized(rows["source"])
    pair_codes, pair_keys = pd.factorize(indicator_codes.astype(np.int64) * len(symbols) + source_codes)
    pair_indicator, pair_source = np.divmod(pair_keys, len(symbols))
    names = [str(symbol) for symbol in symbols]
    alphabetical = np.empty(len(symbols), dtype=np.int64)
    alphabetical[np.argsort(np.array(names, dtype=object))] = np.arange(len(symbols))
    order = np.lexsort((alphabetical[pair_source], pair_indicator))
    grouped = pair_indicator[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    place = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    named = np.zeros(len(pair_keys), dtype=bool)
    named[order[place < MAX_SOURCES_CITED]] = True
    others = np.clip(np.bincount(pair_indicator, minlength=len(indicator_ids)) - MAX_SOURCES_CITED, 0, None)
    kept = named[pair_codes]
    pairs, locations = pair_codes[kept], rows["location"].to_numpy()[kept]
    location_codes, _ = pd.factorize(locations, use_na_sentinel=False)
    first = ~pd.Series(pairs * (location_codes.max() + 1) + location_codes).duplicated().to_numpy()
    cited = {"pair": pairs[first], "location": locations[first]}
    # A long table cites as "N rows": its distinct rows are counted over whole columns, and
    # the keys are read only of the few rows a short citation names.
    kind_of_pair = np.array([kinds.get(name, REPORT) for name in names], dtype=object)[pair_source]
    tabular = (kind_of_pair == DATASET)[cited["pair"]]
    spelled = pyarrow.array(cited["location"][tabular].astype(str), pyarrow.string())
    spelled = _tight(spelled).dictionary_encode().indices.to_numpy()
    distinct = pd.DataFrame({"pair": cited["pair"][tabular], "row": spelled}).drop_duplicates()
    rows_cited = np.bincount(distinct["pair"].to_numpy(), minlength=len(pair_keys))
    many = rows_cited > MAX_ROWS_CITED
    keys: dict[int, list[str]] = {int(pair): [f"{rows_cited[pair]:,} rows"] for pair in np.flatnonzero(many & named)}
    short = ~many[cited["pair"]]
    for pair, location in zip(cited["pair"][short].tolist(), cited["location"][short].tolist(),
                              strict=True):
        keys.setdefault(pair, []).append(location_key(kind_of_pair[pair], location) or str(location))
    by_indicator: dict[int, list[tuple[str, str]]] = {}
    for pair, found in keys.items():
        symbol = names[pair_source[pair]]
        by_indicator.setdefault(int(pair_indicator[pair]), []).append((symbol, _cite(kind_of_pair[pair], found)))
    out = {}
    for code, cites in by_indicator.items():
        text = "; ".join(f"{symbol}, {citation}" for symbol, citation in sorted(cites))
        more = int(others[code])
        out[indicator_ids[code]] = text + (f"; and {more:,} more source{'s' if more > 1 else ''}" if more else "")
    return out


def _tight(locations: pyarrow.Array) -> pyarrow.Array:
    """Table locations spelled one way: no whitespace around ';' and '=', none at the ends.
    Spaces go by plain substring passes; a pattern pass, several times slower, is needed only
    where other whitespace is left beside a separator."""
    compute = pyarrow.compute
    for spaced in ("; ", " ;", "= ", " ="):
        while compute.any(compute.match_substring(locations, spaced)).as_py():
            locations = compute.replace_substring(locations, spaced, spaced.strip())
    if compute.any(compute.match_substring_regex(locations, r"\s[;=]|[;=]\s")).as_py():
        locations = compute.replace_substring_regex(locations, r"\s*([;=])\s*", r"\1")
    return compute.utf8_trim_whitespace(locations)


def factorized(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct values, a missing value being one more value (pandas' own way to
    keep it costs a third more on a million rows)."""
    codes, uniques = pd.factorize(column)
    uniques = np.asarray(uniques, dtype=object)
    if len(codes) and codes.min() < 0:
        codes = np.where(codes < 0, len(uniques), codes)
        uniques = np.append(uniques, None)
    return codes, uniques


def _cite(kind: str, keys: list[str]) -> str:
    return keys[0] if kind == DATASET and len(keys) == 1 and keys[0].endswith(" rows") else cite_many(kind, keys)


def latest_cutoff(sources: dict[str, Source], rows: pd.DataFrame | None = None) -> pd.Timestamp | None:
    """The latest data cut-off of the sources the rows cite (of all sources without rows).
    A source that states no cut-off (a web page dated by its own figures) stands at the
    latest period end of the rows citing it."""
    cited = set(rows["source"]) if rows is not None and not rows.empty else set(sources)
    cutoffs = [pd.Timestamp(s.data_cutoff) for symbol, s in sources.items() if s.data_cutoff and symbol in cited]
    if rows is not None and not rows.empty and "period_end" in rows:
        undated = rows["source"].map(lambda symbol: symbol in sources and not sources[symbol].data_cutoff)
        ends = pd.to_datetime(rows.loc[undated.astype(bool), "period_end"]).dropna()
        cutoffs += [ends.max()] if not ends.empty else []
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
