"""Sources of three kinds, each with its own notion of a location and its own proof.

- **report**: numbered paragraphs; a location is a paragraph number (``100``). The text
  was extracted from a PDF, so it carries noise that is not part of any paragraph: page
  headers (``A/72/573``, ``25/30 17-19483``), lines holding undocs links, section headings
  and the summary before paragraph 1. Paragraphs are found by their numbers, which must
  run 1, 2, 3, ... without gaps; a line that starts with a number out of sequence
  (``1. Rapid deployment``) is a heading.
- **document** without numbered paragraphs (a press release, a web page, a chapter): the
  stored text has pages separated by form feeds and section headings on lines starting
  with ``## ``; a location is ``page 3`` or ``section Key figures``.
- **dataset**: a published table stored as CSV; a location is a row key and the column
  that holds the figure, ``mission=MINUSCA; year=2019; column=female_share``. The proof is
  that the stored table has exactly one such row, holding that value.
"""

from __future__ import annotations

import bisect
import hashlib
import functools
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from indicators.files import FileProblem, confined, read_csv, read_text, read_yaml
from indicators.paths import SOURCES_DIR, SOURCES_FILE

_PARAGRAPH_START = re.compile(r"^\s*(\d{1,3})\.\s+(\S.*)$")
_HEADING = re.compile(r"^\s*(?:[IVX]+|[A-H]|\d{1,2})\.\s+\S")
_LINK = re.compile(r"^\s*https?://\S+\s*$")
_PAGE_NUMBER = re.compile(r"^\s*\d+/\d+\s+\d{2}-\d{5}\s*$")
_WHITESPACE_RUN = re.compile(r"(\s+)")
# Typographic quotes in the PDF text are matched by the plain ones a steward may type.
_QUOTE_CHARS = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def normalise(text: str) -> str:
    """Collapse every run of whitespace (line breaks included) to one space."""
    # str.split() knows the same whitespace as the pattern's \s, and is four times faster:
    # every paragraph of every source is normalised on each full validation.
    return " ".join(text.split())


REPORT, DOCUMENT, DATASET = "report", "document", "dataset"
KINDS = (REPORT, DOCUMENT, DATASET)
_PAGE = re.compile(r"^\s*page\s+(\d{1,4})\s*$", re.IGNORECASE)
_SECTION = re.compile(r"^\s*section\s+(\S.*?)\s*$", re.IGNORECASE)
_SECTION_LINE = re.compile(r"^##\s+(\S.*?)\s*$")
VALUE_COLUMN = "column"


def location_key(kind: str, location: str) -> str | None:
    """The canonical form of a location for the source's kind, or None when it does not
    have that kind's shape ("100" for a report, "page 2" or "section X" for a document,
    "key=value; ...; column=name" for a dataset)."""
    text = str(location).strip()
    if kind == REPORT:
        return text if text.isdigit() and 1 <= int(text) <= 9999 else None
    if kind == DOCUMENT:
        if page := _PAGE.match(text):
            return f"page {int(page.group(1))}"
        if section := _SECTION.match(text):
            return f"section {normalise(section.group(1))}"
        return None
    if kind == DATASET:
        pairs = row_key(text)
        return "; ".join(f"{k}={v}" for k, v in pairs.items()) if pairs and VALUE_COLUMN in pairs else None
    return None


def row_key(location: str) -> dict[str, str] | None:
    """``a=1; b=x; column=c`` as {"a": "1", "b": "x", "column": "c"}; None when malformed."""
    pairs = {}
    for part in str(location).split(";"):
        key, _, value = part.partition("=")  # without "=", the value is empty
        key, value = key.strip(), value.strip()
        if not key or not value or key in pairs:
            return None
        pairs[key] = value
    return pairs or None


@dataclass(frozen=True, eq=False)
class Source:
    """One source with its metadata, and its text by location (or its table)."""

    symbol: str
    title: str
    kind: str
    issuing_body: str
    year: int
    language: str
    url: str
    text_file: str
    obtained: str
    licence: str
    data_cutoff: str | None
    published: str | None = None
    retrieved: str | None = None
    units: dict[str, str] = field(default_factory=dict, repr=False)
    table: pd.DataFrame | None = field(default=None, repr=False)
    # What is worked out from the text or table once, on first use: row positions by key
    # values (one index per set of key columns; a scan per location would make a
    # million-row table quadratic to validate), a column's cells, the content digest.
    _derived: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def paragraphs(self) -> dict[int, str]:
        """A report's numbered paragraphs (empty for other kinds)."""
        if self.kind != REPORT:
            return {}
        return {int(key): text for key, text in self.units.items()}

    def paragraph(self, number: int) -> str | None:
        return self.units.get(str(number)) if self.kind == REPORT else None

    @property
    def issued(self) -> pd.Timestamp:
        """When the source was published, for ordering revisions: the publication date,
        else the data cut-off, else the end of its year."""
        for value in (self.published, self.data_cutoff):
            if value:
                return pd.Timestamp(value)
        return pd.Timestamp(year=self.year, month=12, day=31)

    @property
    def bearing(self) -> tuple:
        """What validating a row that cites the source reads of it: its kind, what it says
        (its digest), its data cut-off and when it was issued (which figure stands). No
        rule on a row reads its title, address, licence or how it was obtained."""
        return (self.kind, self.digest, self.data_cutoff, self.issued)

    @property
    def digest(self) -> str:
        """A digest of what the source says: its text by location, or its table."""
        if "digest" not in self._derived:
            hasher = hashlib.blake2b(digest_size=16)
            if self.kind == DATASET and self.table is not None:
                hasher.update("\x1f".join(self.table.columns).encode())
                hasher.update(pd.util.hash_pandas_object(self.table, index=False).to_numpy().tobytes())
            for key, text in self.units.items():
                hasher.update(f"{key}\x1e{text}\x1d".encode())
            self._derived["digest"] = hasher.hexdigest()
        return self._derived["digest"]

    def key(self, location) -> str | None:
        return location_key(self.kind, location)

    def text_at(self, location) -> str | None:
        key = self.key(location)
        return None if key is None or self.kind == DATASET else self.units.get(key)

    def find_quote(self, location, quote: str) -> tuple[int, int] | None:
        """Span of ``quote`` inside the text at ``location``, or None.

        Matching ignores whitespace altogether: PDF extraction splits words at random
        ("a total o f 35 countries"), and a quote should not have to copy that noise.
        The span indexes the location's normalised text.
        """
        text = self.text_at(location)
        if text is None:
            return None
        return find_ignoring_whitespace(text, quote)

    def has_location(self, location) -> bool:
        if self.kind == DATASET:
            return self.cell(location) is not None
        return self.text_at(location) is not None

    def row(self, location) -> tuple[pd.Series, str] | None:
        """The one row of a dataset that ``location`` names, and the column holding the
        figure; None when no row, or more than one, matches."""
        found = self._position(location)
        return None if found is None else (self.table.iloc[found[0]], found[1])

    def cell(self, location) -> tuple[str, str] | None:
        """The text of the one cell ``location`` names, and its column (a dataset's
        figure, read without building its row); None when it names no single row."""
        found = self._position(location)
        if found is None:
            return None
        position, column = found
        key = ("column", column)
        if key not in self._derived:
            self._derived[key] = self.table[column].astype(str).str.strip().tolist()
        return self._derived[key][position], column

    def _position(self, location) -> tuple[int, str] | None:
        pairs = row_key(location) if self.kind == DATASET and self.table is not None else None
        if not pairs or VALUE_COLUMN not in pairs:
            return None
        column = pairs.pop(VALUE_COLUMN)
        if "columns" not in self._derived:  # a set: asking the table's index costs a row's check
            self._derived["columns"] = frozenset(self.table.columns)
        columns = self._derived["columns"]
        if column not in columns or not columns.issuperset(pairs):
            return None
        keys = tuple(sorted(pairs))
        hits = self._row_index(keys).get(tuple(pairs[k] for k in keys), ())
        return (hits[0], column) if len(hits) == 1 else None

    def _row_index(self, keys: tuple[str, ...]) -> dict[tuple[str, ...], list[int]]:
        if keys not in self._derived:
            index: dict[tuple[str, ...], list[int]] = {}
            cells = zip(*(self.table[k].astype(str).str.strip() for k in keys)) if keys else iter([()] * len(self.table))
            for position, values in enumerate(cells):
                index.setdefault(tuple(values), []).append(position)
            self._derived[keys] = index
        return self._derived[keys]

    def cite(self, location) -> str:
        """The location as a reader cites it: "para. 100", "p. 3", "section “Key figures”",
        "row mission=MINUSCA, year=2019"."""
        key = self.key(location) or str(location)
        return cite(self.kind, key)


def cite(kind: str, key: str) -> str:
    if kind == REPORT:
        return f"para. {key}"
    if kind == DOCUMENT:
        if key.startswith("page "):
            return f"p. {key[5:]}"
        return f"section \u201c{key[8:]}\u201d" if key.startswith("section ") else key
    pairs = row_key(key) or {}
    pairs.pop(VALUE_COLUMN, None)
    return "row " + ", ".join(f"{k}={v}" for k, v in pairs.items())


# A series read from a long table cites "BENCH/D1, 500 rows": its rows are in the data
# and the indicator page, not in a chart's source line.
MAX_ROWS_CITED = 3


def cite_many(kind: str, keys: list[str]) -> str:
    """Several locations of one source: "para. 100", "paras. 97, 99", "pp. 1, 3"."""
    unique = sorted(set(keys), key=lambda k: (int(k) if k.isdigit() else 0, k))
    if kind == REPORT:
        return ("para. " if len(unique) == 1 else "paras. ") + ", ".join(unique)
    pages = [k[5:] for k in unique if k.startswith("page ")]
    others = [cite(kind, k) for k in unique if not k.startswith("page ")]
    parts = [("p. " if len(pages) == 1 else "pp. ") + ", ".join(sorted(pages, key=int))] if pages else []
    return ", ".join(parts + others)


def find_ignoring_whitespace(text: str, quote: str) -> tuple[int, int] | None:
    """Span of the first place ``quote`` stands in ``text`` on word boundaries, whitespace
    ignored; a quote that starts or ends inside a word ("27" inside "227", "ober 2017")
    is not found there."""
    needle = "".join(quote.translate(_QUOTE_CHARS).split())
    if not needle:
        return None
    plain, starts, shifts, haystack = _squeezed(text)
    at = haystack.find(needle)
    while at >= 0:
        start = _unsqueezed(at, starts, shifts)
        end = _unsqueezed(at + len(needle) - 1, starts, shifts) + 1
        if _on_boundary(plain, start, end):
            return start, end
        at = haystack.find(needle, at + 1)
    return None


@functools.lru_cache(maxsize=4096)
def _squeezed(text: str) -> tuple[str, list[int], list[int], str]:
    """The text with quote marks unified, where its whitespace runs were, and the text
    without whitespace: built once per paragraph, not once per quote checked in it. A run
    is kept as the squeezed index after it and the whitespace removed up to there."""
    plain = text.translate(_QUOTE_CHARS)
    # Words and the runs between them, in turn; their running lengths are the two lists,
    # summed in C rather than a run at a time (a paragraph of a report was 20 µs).
    pieces = _WHITESPACE_RUN.split(plain)
    words, runs = pieces[0::2], pieces[1::2]
    starts = list(itertools.accumulate(map(len, words[:-1])))
    shifts = list(itertools.accumulate(map(len, runs)))
    return plain, starts, shifts, "".join(words)


def _unsqueezed(index: int, starts: list[int], shifts: list[int]) -> int:
    """Where the character at ``index`` of the squeezed text stands in the text."""
    runs = bisect.bisect_right(starts, index)
    return index + (shifts[runs - 1] if runs else 0)


def _on_boundary(text: str, start: int, end: int) -> bool:
    """A span starts and ends on a word boundary: no letter or digit runs on across it."""
    opens = start == 0 or not (text[start - 1].isalnum() and text[start].isalnum())
    closes = end == len(text) or not (text[end - 1].isalnum() and text[end].isalnum())
    return opens and closes


def split_document(raw: str) -> dict[str, str]:
    """A document's text by page (form feeds) and by section (``## `` heading lines)."""
    units: dict[str, str] = {}
    for number, page in enumerate(raw.split("\f"), start=1):
        text = normalise(_SECTION_LINE.sub(r"\1", page.replace("\r", "")).replace("\n## ", "\n"))
        if text:
            units[f"page {number}"] = text
    heading, lines = None, []
    for line in raw.replace("\f", "\n").splitlines():
        found = _SECTION_LINE.match(line)
        if found:
            if heading is not None:
                units[f"section {heading}"] = normalise(" ".join(lines))
            heading, lines = normalise(found.group(1)), []
        elif heading is not None:
            lines.append(line)
    if heading is not None:
        units[f"section {heading}"] = normalise(" ".join(lines))
    return units


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


def load_sources(data_dir: Path, earlier: dict[str, Source] | None = None,
                 unchanged: Callable[[Path], bool] | None = None,
                 records: list[dict] | None = None) -> dict[str, Source]:
    """Every source listed in ``data/sources/sources.yaml`` (or its ``records``, when read
    already), keyed by symbol. Files are read only from inside the sources folder. A
    source of ``earlier`` whose entry is the same and whose file is ``unchanged`` is taken
    as it is rather than read and split again."""
    folder = data_dir / SOURCES_DIR
    sources = {}
    for record in source_records(data_dir) if records is None else records:
        label = f"{SOURCES_DIR}/{record['text_file']}"
        path = confined(folder, record["text_file"], label)
        fields = _fields(record)
        old = (earlier or {}).get(fields["symbol"])
        if old is not None and unchanged is not None and unchanged(path) and all(
                getattr(old, name) == value for name, value in fields.items()):
            sources[fields["symbol"]] = old
            continue
        units, table = {}, None
        if fields["kind"] == DATASET:
            table = read_csv(path, label)
        elif fields["kind"] == DOCUMENT:
            units = split_document(read_text(path, label))
        else:
            units = {str(n): text for n, text in split_paragraphs(read_text(path, label), record["symbol"]).items()}
        sources[fields["symbol"]] = Source(**fields, units=units, table=table)
    return sources


def _fields(record: dict) -> dict:
    """A source's fields from its entry in ``sources.yaml`` (all but its text or table)."""
    return dict(
        symbol=record["symbol"], title=record["title"], kind=record.get("kind", REPORT),
        issuing_body=record["issuing_body"], year=int(record["year"]), language=record["language"],
        url=record["url"], text_file=record["text_file"], obtained=record["obtained"], licence=record["licence"],
        data_cutoff=_date_text(record.get("data_cutoff")), published=_date_text(record.get("published")),
        retrieved=_date_text(record.get("retrieved")))


def _date_text(value) -> str | None:
    return None if value is None or value == "" else str(value)
