"""The one way input files are read: inside the data folder, within size limits, YAML
without aliases or tags and not too deep, CSV with its delimiter checked. Every problem is
a :class:`FileProblem` that validation reports as one line, never a traceback.

Limits are generous for real reports and refuse what would exhaust the machine: a YAML
alias bomb of a kilobyte expands to gigabytes, so aliases are refused outright.
``INDICATORS_MAX_FILE_MB`` raises the size limit for a data folder that needs it.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow
import pyarrow.csv
import yaml

MAX_YAML_BYTES = 2 * 1024 * 1024
MAX_YAML_DEPTH = 20
DEFAULT_MAX_FILE_MB = 64


class FileProblem(Exception):
    """A file that cannot be read as it should: ``rule`` names why."""

    def __init__(self, file: str, rule: str, message: str):
        self.file, self.rule, self.message = file, rule, message
        super().__init__(f"{file}: [{rule}] {message}")


def max_file_bytes() -> int:
    chosen = os.environ.get("INDICATORS_MAX_FILE_MB")
    return int(float(chosen) * 1024 * 1024) if chosen else DEFAULT_MAX_FILE_MB * 1024 * 1024


def confined(root: Path, relative: str, label: str) -> Path:
    """``relative`` inside ``root``; a path that leaves it (``../``, absolute) is refused."""
    if not isinstance(relative, str) or not relative.strip():
        raise FileProblem(label, "path_outside_data", "no file name given")
    candidate = (root / relative).resolve()
    if Path(relative).is_absolute() or not candidate.is_relative_to(root.resolve()):
        raise FileProblem(label, "path_outside_data", f"'{relative}' is outside {root.name}/; files must sit "
                                                      "inside the data folder")
    return candidate


def read_bytes(path: Path, label: str, limit: int | None = None) -> bytes:
    limit = limit or max_file_bytes()
    if not path.exists():
        raise FileProblem(label, "file_missing", f"there is no file {path.name} in {path.parent}")
    if not path.is_file():
        raise FileProblem(label, "not_a_file", f"{path} is not a file")
    size = path.stat().st_size
    if size > limit:
        raise FileProblem(label, "file_too_large", f"{size / 1024 / 1024:.0f} MB is over the limit of "
                                                   f"{limit / 1024 / 1024:.0f} MB (INDICATORS_MAX_FILE_MB raises it)")
    return path.read_bytes()


def read_text(path: Path, label: str, limit: int | None = None) -> str:
    return decode_text(read_bytes(path, label, limit), label)


def decode_text(raw: bytes, label: str) -> str:
    """A file's bytes as UTF-8 text (a leading byte-order mark dropped), or why not."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileProblem(label, "not_utf8", f"byte {error.start} is not UTF-8; save the file as UTF-8 (for "
                                             "example with `iconv -f WINDOWS-1252 -t UTF-8`)") from None


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present: 10x faster


def _refuse_aliases_and_depth(text: str) -> None:
    """Walk the parse events (no document is built) and refuse aliases, which expand
    without bound (a kilobyte "billion laughs" becomes gigabytes), and deep nesting."""
    depth = 0
    for event in yaml.parse(text, Loader=_SAFE_LOADER):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.YAMLError(f"line {event.start_mark.line + 1}: YAML aliases (*name) are not allowed")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise yaml.YAMLError(f"nesting deeper than {MAX_YAML_DEPTH} levels")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def read_yaml(path: Path, label: str) -> dict:
    """A YAML file whose top level is a mapping."""
    text = read_text(path, label, MAX_YAML_BYTES)
    try:
        _refuse_aliases_and_depth(text)
        document = yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - the safe loader
    except yaml.YAMLError as error:
        raise FileProblem(label, "unreadable_yaml", " ".join(str(error).split())) from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise FileProblem(label, "unreadable_yaml", f"the top level is a {type(document).__name__}, not a mapping "
                                                    "of names to values")
    return document


def _read_csv_fast(text: str) -> pd.DataFrame | None:
    """Every cell as text, through Arrow's multithreaded reader, which refuses ragged rows
    itself; None when it refuses the file or the header repeats a name, so that the
    row-by-row reading reports the problem as pandas would read it."""
    header = next(csv.reader(csv_lines(text)), [])
    if not header or len(set(header)) != len(header):
        return None
    raw = text.encode("utf-8")
    options = dict(parse_options=pyarrow.csv.ParseOptions(newlines_in_values=True),
                   convert_options=pyarrow.csv.ConvertOptions(
                       column_types={name: pyarrow.string() for name in header},
                       strings_can_be_null=False, quoted_strings_can_be_null=False))
    try:
        table = pyarrow.csv.read_csv(io.BytesIO(raw), **options)
    except pyarrow.ArrowInvalid as error:
        if "straddl" not in str(error):
            return None
        # A cell longer than Arrow's block (a long note): read the file as one block; every
        # file here is under the size limit.
        try:
            table = pyarrow.csv.read_csv(io.BytesIO(raw), read_options=pyarrow.csv.ReadOptions(
                block_size=len(raw) + 1), **options)
        except pyarrow.ArrowInvalid:
            return None
    if table.column_names != header:
        return None
    return table.to_pandas()


# Where a line ends for the csv module (a file opened with newline=""): "\r\n", "\n" or a
# lone "\r", the line end of spreadsheets saved as "CSV (Macintosh)".
_LINE_END = re.compile("\r\n?|\n")


def csv_lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their ends, as ``io.StringIO(text, newline="")`` gives
    them, made one at a time: the header is one line, and a StringIO of a 160 MB file
    copies all of it, four bytes a character, first (0.2 to 1.6 s)."""
    start = 0
    for end in _LINE_END.finditer(text):
        yield text[start:end.end()]
        start = end.end()
    if start < len(text):
        yield text[start:]


def read_csv(path: Path, label: str) -> pd.DataFrame:
    """A CSV file as text cells. Empty files, wrong delimiters and ragged rows are problems."""
    return read_csv_text(read_text(path, label), label)


# The first line as str.splitlines() ends it: at any of the line boundaries it knows.
_FIRST_LINE = re.compile("[^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]*")


def read_csv_text(text: str, label: str) -> pd.DataFrame:
    """:func:`read_csv` of a file's text."""
    if not text.strip():
        raise FileProblem(label, "empty_file", "the file is empty; it needs at least its header row")
    header = _FIRST_LINE.match(text).group()  # not text.splitlines()[0], which splits every line
    if "," not in header:
        for delimiter, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if delimiter in header:
                raise FileProblem(label, "wrong_delimiter", f"the columns are separated by {name}; this table "
                                                            "is comma-separated (save as CSV with commas)")
    # The standard reader refuses cells over 128 KB by default; the file limit is the limit.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    table = _read_csv_fast(text)
    if table is not None:
        return table
    # The fast reader refused the file: read it row by row to say which row is wrong.
    width = None
    for number, row in enumerate(csv.reader(csv_lines(text)), start=1):
        if width is None:
            width = len(row)
        elif row and len(row) != width:
            # pandas would quietly turn extra leading fields into an index: say so instead.
            raise FileProblem(label, "unreadable_file", f"row {number} has {len(row)} fields where the header has "
                                                        f"{width}")
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, index_col=False)
    except pd.errors.ParserError as error:
        raise FileProblem(label, "unreadable_file", " ".join(str(error).split())) from None
    except pd.errors.EmptyDataError:
        raise FileProblem(label, "empty_file", "the file has no header row") from None
