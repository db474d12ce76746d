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
from indicators.schemas import observation_numbers
from indicators.validation import Dataset


@dataclass(frozen=True)
class Segment:
    text: str
    number: bool = False
    indicator_ids: tuple[str, ...] = ()

    @property
    def captured(self) -> bool:
        return bool(self.indicator_ids)


@dataclass(frozen=True)
class Coverage:
    numbers: int
    captured: int

    @property
    def line(self) -> str:
        return (f"{self.captured} of {self.numbers} numbers in the document are captured "
                f"({self.captured / self.numbers:.0%}); dates, years and references are not counted.") if self.numbers else \
            "The document states no numbers."


def captured_spans(dataset: Dataset, symbol: str) -> dict[int, dict[tuple[int, int], set[str]]]:
    """For each paragraph, the character spans of captured numbers and their indicators."""
    source = dataset.sources[symbol]
    spans: dict[int, dict[tuple[int, int], set[str]]] = defaultdict(lambda: defaultdict(set))
    for table, numbers in ((dataset.observations, observation_numbers), (dataset.targets, lambda r: [r.value])):
        for row in table[table["source"] == symbol].itertuples():
            found = source.find_quote(row.paragraph, row.quote)
            if found is None:
                continue
            start, end = found
            wanted = [float(v) for v in numbers(row) if not pd.isna(v)]
            for mention in find_numbers(source.paragraph(row.paragraph)[start:end]):
                if any(abs(mention.value - v) < 1e-6 for v in wanted):
                    spans[row.paragraph][(start + mention.start, start + mention.end)].add(row.indicator_id)
    return spans


def paragraph_segments(text: str, spans: dict[tuple[int, int], set[str]]) -> list[Segment]:
    """Cut a paragraph into plain text and number mentions, captured ones carrying indicators."""
    segments, at = [], 0
    for mention in find_numbers(text):
        if mention.kind != MEASURE and (mention.start, mention.end) not in spans:
            continue
        if mention.start > at:
            segments.append(Segment(text[at:mention.start]))
        ids = tuple(sorted(spans.get((mention.start, mention.end), ())))
        segments.append(Segment(mention.text, number=True, indicator_ids=ids))
        at = mention.end
    if at < len(text):
        segments.append(Segment(text[at:]))
    return segments


def document(dataset: Dataset, symbol: str) -> dict[int, list[Segment]]:
    source = dataset.sources[symbol]
    spans = captured_spans(dataset, symbol)
    return {number: paragraph_segments(text, spans.get(number, {}))
            for number, text in sorted(source.paragraphs.items())}


def coverage(segments_by_paragraph: dict[int, list[Segment]]) -> Coverage:
    numbers = [s for segments in segments_by_paragraph.values() for s in segments if s.number]
    return Coverage(numbers=len(numbers), captured=sum(s.captured for s in numbers))
