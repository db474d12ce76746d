"""Which records of a CSV file changed since a version validated before, found in its bytes.

A steward's edit, an import or a published review changes a few rows of a large
``observations.csv``. Comparing the new bytes with the kept ones from both ends finds the
one stretch that differs; widened to whole records, it says which rows of the old file
were replaced and by which new rows. Everything before and after that stretch is the same
bytes, so the same rows, in the same order. (:func:`indicators.validation.validate_folder`
then validates again only the rows those rows bear on.)

A record ends at a newline outside quotes. CSV doubles a quote inside a quoted cell, so a
newline is outside quotes exactly when an even number of quote characters precede it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NEWLINE, QUOTE = ord("\n"), ord('"')
# Compared a slice at a time, so a change near the start costs little.
_SLICE = 1 << 20


def record_starts(raw: bytes) -> np.ndarray:
    """The byte offset where each record starts (the header is record 0), then ``len(raw)``."""
    data = np.frombuffer(raw, dtype=np.uint8)
    newlines = np.flatnonzero(data == NEWLINE)
    quotes = np.flatnonzero(data == QUOTE)
    ends = newlines[np.searchsorted(quotes, newlines) % 2 == 0] + 1
    starts = np.concatenate(([0], ends)).astype(np.int64)
    return starts if starts[-1] == len(raw) else np.append(starts, len(raw))


def common_prefix(old: bytes, new: bytes) -> int:
    """How many leading bytes ``old`` and ``new`` share."""
    size = min(len(old), len(new))
    a, b = np.frombuffer(old, np.uint8, size), np.frombuffer(new, np.uint8, size)
    for at in range(0, size, _SLICE):
        differ = a[at:at + _SLICE] != b[at:at + _SLICE]
        if differ.any():
            return at + int(np.argmax(differ))
    return size


def common_suffix(old: bytes, new: bytes, limit: int) -> int:
    """How many trailing bytes ``old`` and ``new`` share, at most ``limit``."""
    a = np.frombuffer(old, np.uint8)[len(old) - limit:][::-1]
    b = np.frombuffer(new, np.uint8)[len(new) - limit:][::-1]
    for at in range(0, limit, _SLICE):
        differ = a[at:at + _SLICE] != b[at:at + _SLICE]
        if differ.any():
            return at + int(np.argmax(differ))
    return limit


@dataclass(frozen=True)
class Span:
    """Records ``first`` to ``stop`` (exclusive) of the old file became ``middle``, whose
    records start at ``middle_starts`` (relative, ``len(middle)`` last)."""

    first: int
    stop: int
    middle: bytes
    middle_starts: np.ndarray

    @property
    def rows(self) -> int:
        return len(self.middle_starts) - 1


def changed_span(old: bytes, starts: np.ndarray, new: bytes) -> Span | None:
    """The one stretch of whole records that differs between ``old`` (records at
    ``starts``) and ``new``; None when the header changed (every row reads differently)."""
    prefix = common_prefix(old, new)
    if prefix == len(old) == len(new):
        return Span(len(starts) - 1, len(starts) - 1, b"", np.zeros(1, dtype=np.int64))
    suffix = common_suffix(old, new, min(len(old), len(new)) - prefix)
    # A last record without its newline changes when anything is appended to it.
    at = prefix - 1 if prefix == len(old) and prefix and not old.endswith(b"\n") else prefix
    records = len(starts) - 1
    first = int(np.searchsorted(starts, at, side="right")) - 1
    if first < 1:
        return None
    stop = max(int(np.searchsorted(starts, len(old) - suffix, side="left")), first)
    shift = len(new) - len(old)
    while True:
        middle = new[starts[first]:starts[stop] + shift]
        # The records after the stretch are the same bytes; they read the same only if the
        # stretch ends a record outside quotes, as it did in the old file.
        if (stop == records or middle.endswith(b"\n") or not middle) and middle.count(b'"') % 2 == 0:
            break
        if stop == records:
            return None
        stop += 1
    return Span(first, stop, middle, record_starts(middle) if middle else np.zeros(1, dtype=np.int64))


@dataclass(frozen=True)
class Patch:
    """How a kept validated state becomes the next: the span of records replaced, and the
    rows (0-based, in the new table) validated or marked again, the span's among them."""

    span: Span
    positions: np.ndarray
    rows: pd.DataFrame  # indexed by positions; the table's columns and dtypes


def new_starts(starts: np.ndarray, span: Span) -> np.ndarray:
    """The new file's record starts, from the old ones and the span."""
    begin, end = int(starts[span.first]), int(starts[span.stop])
    shift = len(span.middle) - (end - begin)
    return np.concatenate((starts[:span.first], begin + span.middle_starts[:-1], starts[span.stop:] + shift))


def new_raw(raw: bytearray, starts: np.ndarray, span: Span) -> bytearray:
    """The new file's bytes, from the old ones and the span: ``raw`` changed in place."""
    raw[int(starts[span.first]):int(starts[span.stop])] = span.middle
    return raw


def row_ids(column: pd.Series, span: Span, middle: pd.Series) -> np.ndarray:
    """A column of the new table: the old rows around the span, ``middle`` inside it."""
    values = column.to_numpy()
    return np.concatenate((values[:span.first - 1], middle.to_numpy(dtype=object), values[span.stop - 1:]))


def apply(table: pd.DataFrame, patch: Patch) -> pd.DataFrame:
    """The new validated table: the old rows around the span, the patch's rows in it and
    in place of every other row validated or marked again."""
    span = patch.span
    inside = range(span.first - 1, span.first - 1 + span.rows)
    out = pd.concat([table.iloc[:span.first - 1], patch.rows.loc[inside], table.iloc[span.stop - 1:]],
                    ignore_index=True)
    for at, name in enumerate(out.columns):
        # Column by column, in place: the table's blocks are not built again.
        out.iloc[patch.positions, at] = patch.rows[name].to_numpy()
    return out
