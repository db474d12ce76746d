"""The source reader's view of a document: each paragraph cut into plain text and number
mentions, each mention marked as captured (with the indicators it feeds) or not.

Years, days of dates and references (resolution, paragraph or category numbers) are not
counted as numbers to capture: they date or name things rather than measure them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from indicators.numbers import MEASURE, find_numbers
from indicators.sources import REPORT, Source, find_ignoring_whitespace
from indicators.quote_checks import observation_numbers
from indicators.validation import Dataset


@dataclass(frozen=True)
class Segment:
    text: str
    number: bool = False
    indicator_ids: tuple[str, ...] = ()
    # Why a steward rejected this number as not a measure, when one did.
    rejected: str | None = None

    @property
    def captured(self) -> bool:
        return bool(self.indicator_ids)


@dataclass(frozen=True)
class Coverage:
    numbers: int
    captured: int
    rejected: int = 0

    @property
    def line(self) -> str:
        if not self.numbers:
            return "The document states no numbers."
        unreviewed = self.numbers - self.captured - self.rejected
        return (f"{self.captured} of {self.numbers} numbers in the document are captured "
                f"({self.captured / self.numbers:.0%}), {self.rejected} rejected as not a measure, {unreviewed} "
                "unreviewed; dates, years and references are not counted.")


def units(source: Source) -> dict[str, str]:
    """The parts the reader shows, in order: a report's paragraphs, a document's pages (its
    sections when it has no page breaks)."""
    if source.kind == REPORT:
        return {str(n): text for n, text in sorted(source.paragraphs.items())}
    pages = {k: v for k, v in source.units.items() if k.startswith("page ")}
    if len(pages) > 1 or not any(k.startswith("section ") for k in source.units):
        return pages
    return {k: v for k, v in source.units.items() if k.startswith("section ")}


def captured_spans(dataset: Dataset, symbol: str) -> dict[str, dict[tuple[int, int], set[str]]]:
    """For each part shown, the character spans of captured numbers and their indicators."""
    source = dataset.sources[symbol]
    shown = units(source)
    spans: dict[str, dict[tuple[int, int], set[str]]] = defaultdict(lambda: defaultdict(set))
    for table, numbers in ((dataset.observations, observation_numbers), (dataset.targets, lambda r: [r.value])):
        for row in table[table["source"] == symbol].itertuples():
            own = source.key(row.location)
            # The row's own part first; a quote cited by section is found on its page.
            for key in [own, *shown] if own in shown else list(shown):
                found = find_ignoring_whitespace(shown[key], row.quote)
                if found is not None:
                    break
            else:
                continue
            start, end = found
            wanted = [float(v) for v in numbers(row) if not pd.isna(v)]
            for mention in find_numbers(shown[key][start:end]):
                if any(abs(mention.value - v) < 1e-6 for v in wanted):
                    spans[key][(start + mention.start, start + mention.end)].add(row.indicator_id)
    return spans


def paragraph_segments(text: str, spans: dict[tuple[int, int], set[str]],
                       rejected: dict[tuple[str, float], str] | None = None) -> list[Segment]:
    """Cut a paragraph into plain text and number mentions, captured ones carrying
    indicators, rejected ones the reason (``rejected`` maps (text, value) to it)."""
    rejected = rejected or {}
    segments, at = [], 0
    for mention in find_numbers(text):
        if mention.kind != MEASURE and (mention.start, mention.end) not in spans:
            continue
        if mention.start > at:
            segments.append(Segment(text[at:mention.start]))
        ids = tuple(sorted(spans.get((mention.start, mention.end), ())))
        reason = None if ids else rejected.get((mention.text, round(mention.value, 6)))
        segments.append(Segment(mention.text, number=True, indicator_ids=ids, rejected=reason))
        at = mention.end
    if at < len(text):
        segments.append(Segment(text[at:]))
    return segments


def document(dataset: Dataset, symbol: str, decisions: dict[str, dict] | None = None) -> dict[str, list[Segment]]:
    """Each part of a report or document (keyed "100", "page 2", "section Title"), cut into
    text and numbers. ``decisions`` are the stewards' rejections of candidates (from the
    store). A dataset has no text: see :func:`dataset_rows`."""
    source = dataset.sources[symbol]
    spans = captured_spans(dataset, symbol)
    by_part: dict[str, dict[tuple[str, float], str]] = defaultdict(dict)
    for record in (decisions or {}).values():
        if record.get("source") == symbol:
            # The number as written ("104" of "104 out of 292"), not the share computed from it;
            # decisions recorded before shares were told apart have only the value.
            stated = record.get("stated", record["value"])
            by_part[str(record["location"])][(record["text"], round(float(stated), 6))] = record["reason"]
    return {key: paragraph_segments(text, spans.get(key, {}), by_part.get(key)) for key, text in units(source).items()}


def dataset_rows(dataset: Dataset, symbol: str) -> pd.DataFrame:
    """A dataset's table with a column naming the indicators each row feeds."""
    source = dataset.sources[symbol]
    table = source.table.copy()
    feeds: dict[int, set[str]] = defaultdict(set)
    for frame in (dataset.observations, dataset.targets):
        for row in frame[frame["source"] == symbol].itertuples():
            found = source.row(row.location)
            if found is not None:
                feeds[found[0].name].add(row.indicator_id)
    table.insert(0, "captured by", [", ".join(sorted(feeds.get(i, ()))) for i in table.index])
    return table


def coverage(segments_by_paragraph: dict[str, list[Segment]]) -> Coverage:
    numbers = [s for segments in segments_by_paragraph.values() for s in segments if s.number]
    return Coverage(numbers=len(numbers), captured=sum(s.captured for s in numbers),
                    rejected=sum(bool(s.rejected) for s in numbers))
