"""Adding a source: its text (or table) read and cleaned, and its metadata, as one record.

``indicators add-source FILE --symbol ... --title ...`` reads a PDF (pypdf), an HTML page
(Beautiful Soup), a plain text file or a CSV table and cleans what extraction leaves
behind. The record (its sources.yaml entry and, under ``_file``, the stored text) goes to
the store as a change for review, or, with ``--into``, into a data folder's
``sources/`` (a working copy). Extraction is therefore reproducible and its result
reviewable, and the quotes of every figure are checked against exactly that text. The
stored file's name is derived from the symbol; a source never replaces another's file.

Cleaning, for PDF text: lines repeated at the top or bottom of most pages (running
headers and footers such as ``A/72/573`` or ``9/20 21-01548``), page numbers, lines that
are only a web address, and words hyphenated across a line break. An HTML page keeps its
headings as ``## Heading`` lines, which become the document's sections.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from indicators.files import FileProblem, read_bytes, read_csv, read_text
from indicators.paths import SOURCES_DIR, SOURCES_FILE
from indicators.sources import DATASET, DOCUMENT, KINDS, REPORT, split_document, split_paragraphs

SUFFIXES = (".pdf", ".txt", ".html", ".htm", ".csv")
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?\s*$", re.IGNORECASE)
_JOB_NUMBER = re.compile(r"^\s*\d{1,4}/\d{1,4}\s+\d{2}-\d{5}\s*$|^\s*\d{2}-\d{5}\s*$")
_LINK = re.compile(r"^\s*https?://\S+\s*$")
_HYPHENATED = re.compile(r"(\w)-\n(\s*)([a-z])")


class SourceExists(Exception):
    """The symbol or the file is already in the data folder."""


@dataclass(frozen=True)
class Added:
    symbol: str
    kind: str
    path: Path
    parts: int  # paragraphs, pages and sections, or rows


def pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    read_bytes(path, path.name)  # size limit and a clear message for a missing file
    try:
        reader = PdfReader(str(path))
        return [page.extract_text() or "" for page in reader.pages]
    except Exception as error:  # pypdf raises many kinds; the user needs one line
        raise FileProblem(path.name, "unreadable_pdf", f"pypdf could not read it: {error}") from None


def html_text(path: Path) -> str:
    """The page's text, headings as ``## `` lines; scripts, styles and navigation dropped."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(read_text(path, path.name), "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript", "template"]):
        tag.decompose()
    lines = []
    body = soup.body or soup
    for element in body.find_all(["h1", "h2", "h3", "h4", "p", "li", "td", "th", "blockquote", "figcaption"]):
        text = " ".join(element.get_text(" ", strip=True).split())
        if not text:
            continue
        lines.append(f"## {text}" if element.name in ("h1", "h2", "h3", "h4") else text)
    return "\n".join(lines) + "\n"


def clean_pages(pages: list[str]) -> list[str]:
    """Pages without running headers and footers, page numbers and link lines; words
    hyphenated across a line joined again."""
    split = [[line.rstrip() for line in page.splitlines()] for page in pages]
    edges = Counter()
    for lines in split:
        content = [line.strip() for line in lines if line.strip()]
        edges.update(set(content[:2] + content[-2:]))
    # A line at the edge of at least half the pages (and of more than one) is a running header or footer.
    repeated = {line for line, count in edges.items() if count >= max(2, len(pages) / 2)}
    cleaned = []
    for lines in split:
        kept = [line for line in lines if line.strip() not in repeated and not _PAGE_NUMBER.match(line)
                and not _JOB_NUMBER.match(line) and not _LINK.match(line)]
        text = "\n".join(kept)
        cleaned.append(_HYPHENATED.sub(r"\1\3", text))
    return cleaned


def guess_kind(path: Path, text: str | None, symbol: str) -> str:
    if path.suffix.lower() == ".csv":
        return DATASET
    if path.suffix.lower() in (".html", ".htm"):
        return DOCUMENT
    numbered = split_paragraphs(text or "", symbol)
    # A report numbers its paragraphs from 1; three in a row are not a coincidence.
    return REPORT if len(numbered) >= 3 else DOCUMENT


def slug(symbol: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", symbol).strip("-") or "source"


def prepare_source(file: Path, symbol: str, title: str, publisher: str, url: str, published: str | None = None,
                   year: int | None = None, kind: str | None = None, language: str = "en",
                   licence: str | None = None, cutoff: str | None = None, retrieved: str | None = None,
                   shown_name: str | None = None, by: str = "`indicators add-source`") -> tuple[dict, Added]:
    """``file`` read and cleaned as source ``symbol``: the record the store keeps (its entry
    in sources.yaml and, under ``_file``, its stored text or table), and what was found.
    Nothing is written anywhere. ``shown_name`` is the file's name as the steward gave it
    (an upload is read from a scratch file), ``by`` what stored it."""
    suffix = file.suffix.lower()
    if suffix not in SUFFIXES:
        raise FileProblem(file.name, "unknown_format", f"give a {', '.join(SUFFIXES)} file")
    name = shown_name or file.name
    table = None
    if suffix == ".csv":
        table = read_csv(file, name)
        text, pages, tool = None, [], "the table as published (CSV)"
    elif suffix == ".pdf":
        pages = clean_pages(pdf_pages(file))
        text, tool = None, "pypdf"
    elif suffix in (".html", ".htm"):
        text, pages, tool = html_text(file), [], "Beautiful Soup (html.parser)"
    else:
        text, pages, tool = read_text(file, name), [], "the plain text as given"
    kind = kind or guess_kind(file, text if text is not None else "\n".join(pages), symbol)
    if kind not in KINDS:
        raise FileProblem(name, "unknown_kind", f"kind must be one of {', '.join(KINDS)}")
    if pages:
        # A report's paragraphs run across pages; a document keeps its pages apart.
        text = ("\n" if kind == REPORT else "\f").join(pages)
    if kind == DATASET:
        if table is None:
            raise FileProblem(name, "unknown_kind", "a dataset is stored from a CSV table")
        stored, parts = table.to_csv(index=False), len(table)
    else:
        stored = text if text.endswith("\n") else text + "\n"
        parts = len(split_paragraphs(text, symbol)) if kind == REPORT else len(split_document(text))
    today = date.today().isoformat()
    entry = {
        "symbol": symbol, "kind": kind, "title": title, "issuing_body": publisher,
        "year": int(year or (published or today)[:4]), "language": language, "url": url,
        # Derived from the symbol alone: a symbol's file is never another's (the rules
        # refuse two sources with one file, say A/73/480 and A-73-480).
        "text_file": f"{slug(symbol)}{'.csv' if kind == DATASET else '.txt'}",
        "obtained": (f"Extracted from {name} with {tool} by {by} on {today}; running headers and footers, page "
                     "numbers, link lines and hyphenation removed." if suffix == ".pdf" else
                     f"Stored from {name} ({tool}) by {by} on {today}."),
        "licence": licence or "See the publisher's terms at the address above.",
        "published": published, "retrieved": retrieved or today, "data_cutoff": cutoff,
    }
    record = {key: value for key, value in entry.items() if value is not None}
    record["_file"] = stored
    return record, Added(symbol, kind, Path(record["text_file"]), parts)


def source_record(content: bytes, filename: str, symbol: str, title: str, publisher: str, url: str,
                  **metadata) -> tuple[dict, Added]:
    """:func:`prepare_source` of uploaded bytes, read from a scratch file (the uploaded
    name is never used as a path)."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise FileProblem(filename, "unknown_format", f"give a {', '.join(SUFFIXES)} file")
    with tempfile.TemporaryDirectory() as scratch:
        upload = Path(scratch) / f"upload{suffix}"
        upload.write_bytes(content)
        return prepare_source(upload, symbol, title, publisher, url, shown_name=filename, by="the app", **metadata)


def add_to_folder(data_dir: Path, record: dict, force: bool = False) -> Path:
    """Write a prepared source into a data folder (a working copy, or the folder a store
    reads: the store then proposes it for review). Refused when the symbol is there
    already (``force`` replaces that source's own entry and file) or when its file is
    another source's, never overwritten."""
    folder = data_dir / SOURCES_DIR
    index = folder / SOURCES_FILE
    text = index.read_text(encoding="utf-8") if index.exists() else ""
    document = yaml.safe_load(text) if text.strip() else {}
    entries = list((document or {}).get("sources") or [])
    entry = {key: value for key, value in record.items() if key != "_file"}
    same = refuse_conflicts(data_dir, record, force, entries)
    target = folder / entry["text_file"]
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text(record["_file"], encoding="utf-8")
    if same:
        entries[same[0]] = entry
        index.write_text(_dumped({**(document or {}), "sources": entries}), encoding="utf-8")
    else:
        index.write_text(_appended(text, entries, entry), encoding="utf-8")
    return target


def refuse_conflicts(data_dir: Path, record: dict, force: bool, entries: list[dict] | None = None) -> list[int]:
    """Where in sources.yaml the record's own symbol stands (to replace, with ``force``);
    :class:`SourceExists` when it may not be written: its symbol is there and ``force`` is
    not given, its file is another source's, or a file of that name no entry names."""
    if entries is None:
        index = data_dir / SOURCES_DIR / SOURCES_FILE
        text = index.read_text(encoding="utf-8") if index.exists() else ""
        entries = list(((yaml.safe_load(text) if text.strip() else None) or {}).get("sources") or [])
    same = [i for i, e in enumerate(entries) if e.get("symbol") == record["symbol"]]
    if same and not force:
        raise SourceExists(f"{record['symbol']} is already in {SOURCES_DIR}/{SOURCES_FILE}; add --force to "
                           "replace it")
    owner = next((e.get("symbol") for e in entries if e.get("text_file") == record["text_file"]
                  and e.get("symbol") != record["symbol"]), None)
    if owner is not None:
        raise SourceExists(f"{SOURCES_DIR}/{record['text_file']} is the text of {owner}; a source never replaces "
                           "another's")
    if (data_dir / SOURCES_DIR / record["text_file"]).exists() and not same:
        raise SourceExists(f"{record['text_file']} already exists in {SOURCES_DIR}/ (a file no entry names); move "
                           "it away first")
    return same


def _dumped(document: dict) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def _appended(text: str, entries: list[dict], entry: dict) -> str:
    """sources.yaml with ``entry`` appended as text, so its comments stay; written anew
    when appending would not read back as the list with the entry at its end (a list
    written inline, a file of another layout)."""
    items = re.findall(r"^( *)- ", text, flags=re.MULTILINE)
    indent = items[0] if items else "  "
    block = "".join(f"{indent}{line}\n" for line in _dumped([entry]).splitlines())
    candidate = (text.rstrip("\n") + "\n" if text.strip() else "sources:\n") + block
    try:
        reread = yaml.safe_load(candidate)
    except yaml.YAMLError:
        reread = None
    if isinstance(reread, dict) and reread.get("sources") == [*entries, entry]:
        return candidate
    document = yaml.safe_load(text) if text.strip() else {}
    return _dumped({**(document or {}), "sources": [*entries, entry]})
