"""Source documents: metadata, numbered paragraphs and quote lookup.

The report text was extracted from its PDF, so it carries noise that is not part of any
paragraph: page headers (``A/72/573``, ``25/30 17-19483``), lines holding undocs links,
section headings and the summary before paragraph 1. Paragraphs are found by their
numbers, which must run 1, 2, 3, ... without gaps; a line that starts with a number out of
sequence (``1. Rapid deployment``) is a heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from indicators.files import FileProblem, confined, read_text, read_yaml
from indicators.paths import SOURCES_DIR, SOURCES_FILE

_PARAGRAPH_START = re.compile(r"^\s*(\d{1,3})\.\s+(\S.*)$")
_HEADING = re.compile(r"^\s*(?:[IVX]+|[A-H]|\d{1,2})\.\s+\S")
_LINK = re.compile(r"^\s*https?://\S+\s*$")
_PAGE_NUMBER = re.compile(r"^\s*\d+/\d+\s+\d{2}-\d{5}\s*$")
_WHITESPACE = re.compile(r"\s+")
# Typographic quotes in the PDF text are matched by the plain ones a steward may type.
_QUOTE_CHARS = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def normalise(text: str) -> str:
    """Collapse every run of whitespace (line breaks included) to one space."""
    return _WHITESPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Source:
    """One source document with its metadata and numbered paragraphs."""

    symbol: str
    title: str
    issuing_body: str
    year: int
    language: str
    url: str
    text_file: str
    obtained: str
    licence: str
    data_cutoff: str | None
    paragraphs: dict[int, str] = field(repr=False)

    def paragraph(self, number: int) -> str | None:
        return self.paragraphs.get(number)

    def find_quote(self, number: int, quote: str) -> tuple[int, int] | None:
        """Span of ``quote`` inside paragraph ``number``, or None.

        Matching ignores whitespace altogether: PDF extraction splits words at random
        ("a total o f 35 countries"), and a quote should not have to copy that noise.
        The span indexes the paragraph's normalised text.
        """
        text = self.paragraphs.get(number)
        if text is None:
            return None
        return find_ignoring_whitespace(text, quote)


def find_ignoring_whitespace(text: str, quote: str) -> tuple[int, int] | None:
    """Span of the first place ``quote`` stands in ``text`` on word boundaries, whitespace
    ignored; a quote that starts or ends inside a word ("27" inside "227", "ober 2017")
    is not found there."""
    needle = "".join(quote.translate(_QUOTE_CHARS).split())
    if not needle:
        return None
    plain = text.translate(_QUOTE_CHARS)
    positions = [i for i, ch in enumerate(plain) if not ch.isspace()]
    haystack = "".join(plain[i] for i in positions)
    at = haystack.find(needle)
    while at >= 0:
        start, end = positions[at], positions[at + len(needle) - 1] + 1
        if _on_boundary(plain, start, end):
            return start, end
        at = haystack.find(needle, at + 1)
    return None


def _on_boundary(text: str, start: int, end: int) -> bool:
    """A span starts and ends on a word boundary: no letter or digit runs on across it."""
    opens = start == 0 or not (text[start - 1].isalnum() and text[start].isalnum())
    closes = end == len(text) or not (text[end - 1].isalnum() and text[end].isalnum())
    return opens and closes


def split_paragraphs(raw: str, symbol: str) -> dict[int, str]:
    """Numbered paragraphs of a report, each normalised to one line of text."""
    header = re.compile(r"^\s*" + re.escape(symbol) + r"\s*$")
    paragraphs: dict[int, list[str]] = {}
    current: int | None = None
    in_heading = False
    for line in raw.splitlines():
        if not line.strip() or _LINK.match(line) or header.match(line) or _PAGE_NUMBER.match(line):
            continue
        start = _PARAGRAPH_START.match(line)
        expected = (current or 0) + 1
        if start and int(start.group(1)) == expected:
            current = expected
            in_heading = False
            paragraphs[current] = [start.group(2)]
            continue
        if _HEADING.match(line):
            in_heading = True
            continue
        if current is not None and not in_heading:
            paragraphs[current].append(line)
    return {number: normalise(" ".join(lines)) for number, lines in paragraphs.items()}


def source_records(data_dir: Path) -> list[dict]:
    """The entries of ``data/sources/sources.yaml`` as written (validated elsewhere); a file
    that cannot be read raises :class:`~indicators.files.FileProblem`."""
    label = f"{SOURCES_DIR}/{SOURCES_FILE}"
    document = read_yaml(data_dir / SOURCES_DIR / SOURCES_FILE, label)
    records = document.get("sources") or []
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise FileProblem(label, "unreadable_yaml", "'sources' must be a list of entries, each a mapping of "
                                                    "field names to values")
    return records


def load_sources(data_dir: Path) -> dict[str, Source]:
    """Every source listed in ``data/sources/sources.yaml``, keyed by symbol. Text files
    are read only from inside the sources folder."""
    folder = data_dir / SOURCES_DIR
    sources = {}
    for record in source_records(data_dir):
        label = f"{SOURCES_DIR}/{record['text_file']}"
        raw = read_text(confined(folder, record["text_file"], label), label)
        sources[record["symbol"]] = Source(
            symbol=record["symbol"],
            title=record["title"],
            issuing_body=record["issuing_body"],
            year=int(record["year"]),
            language=record["language"],
            url=record["url"],
            text_file=record["text_file"],
            obtained=record["obtained"],
            licence=record["licence"],
            data_cutoff=record.get("data_cutoff"),
            paragraphs=split_paragraphs(raw, record["symbol"]),
        )
    return sources
