"""Adding a source in one command: store its cleaned text (or table) beside its metadata.

``indicators add-source FILE --symbol ... --title ...`` reads a PDF (pypdf), an HTML page
(Beautiful Soup), a plain text file or a CSV table, cleans what extraction leaves behind
and writes two things into ``data/sources/``: the stored text or table, and an entry in
``sources.yaml`` that says how it was obtained. Extraction is therefore reproducible and
its result reviewable (it is a plain file in the repository), and the quotes of every
figure are checked against exactly that text.

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


def add_source(data_dir: Path, file: Path, symbol: str, title: str, publisher: str, url: str,
               published: str | None = None, year: int | None = None, kind: str | None = None,
               language: str = "en", licence: str | None = None, cutoff: str | None = None,
               retrieved: str | None = None, force: bool = False) -> Added:
    """Store ``file`` as source ``symbol`` in ``data_dir`` and describe it in sources.yaml."""
    folder = data_dir / SOURCES_DIR
    index = folder / SOURCES_FILE
    suffix = file.suffix.lower()
    if suffix not in SUFFIXES:
        raise FileProblem(file.name, "unknown_format", f"give a {', '.join(SUFFIXES)} file")
    existing = yaml.safe_load(index.read_text(encoding="utf-8")) if index.exists() else None
    symbols = {entry.get("symbol") for entry in (existing or {}).get("sources") or []}
    if symbol in symbols:
        raise SourceExists(f"{symbol} is already in {SOURCES_DIR}/{SOURCES_FILE}")

    table = None
    if suffix == ".csv":
        table = read_csv(file, file.name)
        text, pages, tool = None, [], "the table as published (CSV)"
    elif suffix == ".pdf":
        pages = clean_pages(pdf_pages(file))
        text, tool = None, "pypdf"
    elif suffix in (".html", ".htm"):
        text, pages, tool = html_text(file), [], "Beautiful Soup (html.parser)"
    else:
        text, pages, tool = read_text(file, file.name), [], "the plain text as given"
    kind = kind or guess_kind(file, text if text is not None else "\n".join(pages), symbol)
    if kind not in KINDS:
        raise FileProblem(file.name, "unknown_kind", f"kind must be one of {', '.join(KINDS)}")
    if pages:
        # A report's paragraphs run across pages; a document keeps its pages apart.
        text = ("\n" if kind == REPORT else "\f").join(pages)

    target = folder / f"{slug(symbol)}{'.csv' if kind == DATASET else '.txt'}"
    if target.exists() and not force:
        raise SourceExists(f"{target.name} already exists in {SOURCES_DIR}/; add --force to replace it")
    folder.mkdir(parents=True, exist_ok=True)
    if kind == DATASET:
        table.to_csv(target, index=False)
        parts = len(table)
    else:
        target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        parts = len(split_paragraphs(text, symbol)) if kind == REPORT else len(split_document(text))

    today = date.today().isoformat()
    entry = {
        "symbol": symbol, "kind": kind, "title": title, "issuing_body": publisher,
        "year": int(year or (published or today)[:4]), "language": language, "url": url,
        "text_file": target.name,
        "obtained": (f"Extracted from {file.name} with {tool} by `indicators add-source` on {today}; running "
                     "headers and footers, page numbers, link lines and hyphenation removed." if suffix == ".pdf" else
                     f"Stored from {file.name} ({tool}) by `indicators add-source` on {today}."),
        "licence": licence or "See the publisher's terms at the address above.",
        "published": published, "retrieved": retrieved or today, "data_cutoff": cutoff,
    }
    entry = {key: value for key, value in entry.items() if value is not None}
    block = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=100)
    with index.open("a", encoding="utf-8") as out:
        if not index.read_text(encoding="utf-8").strip():
            out.write("sources:\n")
        out.write("".join(f"  {line}\n" for line in block.splitlines()))
    return Added(symbol, kind, target, parts)


def source_record(content: bytes, filename: str, symbol: str, title: str, publisher: str, url: str,
                  **metadata) -> tuple[dict, Added]:
    """A source as the store keeps it (its sources.yaml entry and, under ``_file``, its
    stored text or table), made from uploaded bytes by the very steps of
    :func:`add_source`, in a scratch folder: nothing is written to the data folder."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise FileProblem(filename, "unknown_format", f"give a {', '.join(SUFFIXES)} file")
    with tempfile.TemporaryDirectory() as scratch:
        upload = Path(scratch) / f"upload{suffix}"  # the uploaded name is never used as a path
        upload.write_bytes(content)
        data = Path(scratch) / "data"
        added = add_source(data, upload, symbol, title, publisher, url, **metadata)
        entry = yaml.safe_load((data / SOURCES_DIR / SOURCES_FILE).read_text(encoding="utf-8"))["sources"][0]
        entry["obtained"] = entry["obtained"].replace(upload.name, filename).replace("`indicators add-source`",
                                                                                      "the app")
        record = {key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in entry.items()}
        record["_file"] = added.path.read_text(encoding="utf-8")
    return record, Added(symbol, added.kind, Path(entry["text_file"]), added.parts)
