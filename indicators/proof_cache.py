"""Proofs already made, remembered by the digest of everything they read.

Proving a row reads its source's text (or table) at the row's location, its quote, its
numbers and its place among its indicator's observations. A row whose proof passed is
remembered as a BLAKE2b digest of exactly those inputs and of the proof's version; a later
validation that meets the same digest knows the same proof would pass again and skips it.
So a data folder of a million observations is proven once, and an import, a restart of
the app or a second ``indicators validate`` proves only what is new or changed.

Only passing proofs are remembered: a row that fails is proven again every time, and a row
changed in any way that matters has another digest. Rows whose proof depends on another
row (two observations citing one quote, checked as a pair) are always proven afresh.
A digest also covers the code that proves (:func:`indicators.code_version.proving_code`:
the proof, the tokenizer, the quote search, the reading of a source, and the versions of
the libraries), so a change to any of them forgets every remembered proof without anyone
having to remember to say so, while a release that changes only another rule keeps them;
``PROOF_VERSION`` changes with the layout of the digests themselves. The file starts with
a record naming that code and holds its proofs only: proofs of other code are dropped, not
carried from release to release.

A validation that proves a few rows (a new report's figures, a corrected row) appends
their digests to a journal beside the file rather than writing a million sorted digests
again; past ``JOURNAL_MAX`` the journal is merged into the sorted file. The journal is
named by the code whose proofs it holds, so a journal of other code is never read.

The digests live in ``$INDICATORS_PROOF_CACHE`` (a file), by default in the user's cache
folder; ``INDICATORS_PROOF_CACHE=off`` (or ``indicators validate --no-cache``) proves
everything. The file holds only digests; anyone who can write it can also change the
code, so it is kept with the user's other caches, never in the data folder or the store.
"""

from __future__ import annotations

import glob
import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from indicators.code_version import proving_code
from indicators.sources import Source

# Change with the layout of a digest's material; a change to the code that proves is
# covered by its digest (:mod:`indicators.code_version`).
PROOF_VERSION = "2026-11-29.3"
DIGEST_BYTES = 16
MAX_DIGESTS = 5_000_000  # 80 MB
# Appended digests merged into the sorted file past this many (1 MB): a lookup scans the
# journal, and a merge rewrites the file, which at a million digests takes most of a second.
JOURNAL_MAX = 65_536
WIDTH = f"S{DIGEST_BYTES}"
HASHED_AT_ONCE = 65_536  # rows whose material is copied out for hashing at a time
# Rows remembered together by one digest as well (:class:`Recall`): an unchanged part is
# one hashing call over its columns (about 20 ms), where its rows one by one are 65,536
# calls over material built for each (about 80 ms).
PART_ROWS = 65_536


def cache_file() -> Path | None:
    """Where proven digests are kept; None when remembering is off."""
    chosen = os.environ.get("INDICATORS_PROOF_CACHE")
    if chosen and chosen.lower() in ("off", "0", "no", "false"):
        return None
    if chosen:
        return Path(chosen)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "peacekeeping-indicators" / "proofs.bin"


def _header() -> bytes:
    """The first record of the file: which code made its proofs. Proofs of other code are
    never met again (their digests cover the code), so a file holds one version's only."""
    return hashlib.blake2b(f"proofs of {PROOF_VERSION} {proving_code()}".encode(), digest_size=DIGEST_BYTES).digest()


def _read() -> bytes:
    """The file's digests, one after another, or nothing when it was made by other code."""
    path = cache_file()
    if path is None or not path.is_file():
        return b""
    raw = path.read_bytes()
    if raw[:DIGEST_BYTES] != _header():
        return b""  # made by other code (or an older layout): start afresh
    return _whole(raw[DIGEST_BYTES:])


def _whole(raw: bytes) -> bytes:
    # A torn last write leaves a partial digest: ignored.
    return raw[:len(raw) - len(raw) % DIGEST_BYTES]


def _journal_file(path: Path) -> Path:
    """Where digests are appended between merges, named by the code that made them."""
    return path.with_name(f"{path.name}.{_header().hex()}.journal")


def _journal() -> bytes:
    """The digests appended since the file was last written (the running code's only)."""
    path = cache_file()
    journal = None if path is None else _journal_file(path)
    return _whole(journal.read_bytes()) if journal is not None and journal.is_file() else b""


def _sorted() -> np.ndarray:
    """The file's digests as a sorted array of fixed-width byte strings (the file is
    written sorted; sorted again only if it is not). Byte strings of one width compare as
    their bytes do: numpy pads with zero bytes, the lowest, so the order is memcmp's."""
    stored = np.frombuffer(_read(), dtype=WIDTH)
    return stored if (stored[1:] >= stored[:-1]).all() else np.unique(stored)


def known(digests: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Whether each digest (of :func:`row_digests`) is remembered; one that is not
    ``usable`` never is."""
    return _Held().among(digests, usable)


class _Held:
    """The remembered digests, read once: the sorted file and the journal."""

    def __init__(self) -> None:
        self.stored = _sorted()
        self.journal = np.frombuffer(_journal(), dtype=WIDTH)

    def among(self, digests: np.ndarray, usable: np.ndarray) -> np.ndarray:
        """A binary search in the sorted file on the digests' first eight bytes as numbers
        (comparing byte strings is several times slower), the rare tie settled on the whole
        digest; and a look in the journal, which is short."""
        out = np.zeros(len(digests), dtype=bool)
        if not usable.any():
            return out
        query = np.ascontiguousarray(digests[usable])
        found = _among(query, self.stored)
        if len(self.journal):
            found |= np.isin(query, self.journal)
        out[usable] = found
        return out


def _among(query: np.ndarray, stored: np.ndarray) -> np.ndarray:
    """Which of ``query`` are in ``stored`` (sorted), both fixed-width digests."""
    if not len(stored) or not len(query):
        return np.zeros(len(query), dtype=bool)
    first = np.ascontiguousarray(stored).view(">u8")[::2]  # memcmp order is big-endian order
    asked = query.view(">u8")[::2]
    at = np.searchsorted(first, asked).clip(max=len(stored) - 1)
    found = stored[at] == query
    tied = ~found & (first[at] == asked)  # another digest of the same first eight bytes
    if tied.any():
        again = np.searchsorted(stored, query[tied]).clip(max=len(stored) - 1)
        found[tied] = stored[again] == query[tied]
    return found


def remember(used: np.ndarray, fresh: np.ndarray) -> None:
    """Add the ``fresh`` digests (``used`` are the remembered ones this validation met).
    A few are appended to the journal. Otherwise, or when the file is another code's, the
    file is written whole and sorted, the journal merged in, to a temporary file then
    renamed, so a reader never sees half a file; past ``MAX_DIGESTS`` only this
    validation's digests are kept. A cache that cannot be written is skipped with a
    warning: it only saves time."""
    path = cache_file()
    if path is None or not len(fresh):
        return
    added = np.unique(np.asarray(fresh, dtype=WIDTH))
    try:
        journal = _journal_file(path)
        held = journal.stat().st_size // DIGEST_BYTES if journal.is_file() else 0
        if held + len(added) <= JOURNAL_MAX and _current(path):
            with journal.open("ab") as out:
                if out.tell() % DIGEST_BYTES:
                    out.truncate(out.tell() - out.tell() % DIGEST_BYTES)  # a torn append: cut, not shifted
                out.write(added.tobytes())
            return
        kept = np.union1d(np.union1d(_sorted(), np.frombuffer(_journal(), dtype=WIDTH)), added)
        if len(kept) > MAX_DIGESTS:
            kept = np.union1d(np.asarray(used, dtype=WIDTH), added)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as out:
            out.write(_header() + kept.tobytes())
        os.replace(out.name, path)
        # Merged (or another code's, never read): a digest appended by another process
        # between the read above and this is lost, and only proven again.
        for old in path.parent.glob(f"{glob.escape(path.name)}.*.journal"):
            old.unlink(missing_ok=True)
    except OSError as error:
        import warnings

        warnings.warn(f"proofs not remembered ({error}); the next validation proves them again", stacklevel=2)


def _current(path: Path) -> bool:
    """Whether the file holds the running code's proofs (a journal is appended only then,
    so a new version starts the file afresh rather than keeping the old one beside)."""
    try:
        with path.open("rb") as handle:
            return handle.read(DIGEST_BYTES) == _header()
    except FileNotFoundError:
        return False


def row_digests(df: pd.DataFrame, sources: dict[str, Source], table: str, place: pd.Series | None) -> np.ndarray:
    """One digest per row of everything its proof reads."""
    return _row_hashes(_material(df, sources, table, place))


def usable(df: pd.DataFrame, sources: dict[str, Source], paired: pd.Series) -> np.ndarray:
    """Which rows may be remembered: those citing a known source, not proven as a pair with
    another (whose verdict depends on that other row)."""
    return df["source"].isin(list(sources)).to_numpy(dtype=bool) & ~paired.to_numpy(dtype=bool)


def _material(df: pd.DataFrame, sources: dict[str, Source], table: str,
              place: pd.Series | None) -> pa.LargeBinaryArray:
    """Each row's proof material, built in one pass of Arrow string kernels, each field
    written as its length and text (or "-" when missing), so no two rows' fields run
    together."""
    # Only the sources the rows cite: a source's digest reads its whole text the first time.
    codes, symbols = pd.factorize(df["source"], use_na_sentinel=True)
    keys = [sources[symbol].digest if symbol in sources else None for symbol in symbols]
    source_key = pa.array([*keys, None], type=pa.string()).take(pa.array(np.where(codes < 0, len(keys), codes)))
    empty = pd.Series(np.nan, index=df.index)
    fields = [_field(df["source"]), _field(source_key), _field(df["location"]), _field(df["quote"]),
              *(_field(df[name] if name in df else empty) for name in ("value", "numerator", "denominator")),
              _field(_places(df, place)), *(_field(_dated(df, name)) for name in _Parts.DATES),
              *(_field(_text(df, name)) for name in _Parts.WORDS)]
    heading = pa.scalar(_heading(table), type=pa.large_string())
    material = pc.binary_join_element_wise(heading, *fields, pa.scalar("\x1f", type=pa.large_string()))
    raw = material.cast(pa.large_binary())
    if raw.null_count:  # never: every field is filled
        raise ValueError("a row's proof material is missing")
    return raw


def _places(df: pd.DataFrame, place: pd.Series | None) -> pd.Series:
    """Each row's place in its series (:func:`indicators.proof.places`), None for a target."""
    return place.reindex(df.index) if place is not None else pd.Series(None, index=df.index, dtype=object)


def _heading(table: str) -> str:
    """What every digest starts with: the layout, the code that proves and the table."""
    return f"{PROOF_VERSION}{proving_code()}\x1f{table}"


def _row_hashes(raw: pa.LargeBinaryArray) -> np.ndarray:
    """The digest of each row's material, one hashing call per row."""
    ends = np.frombuffer(raw.buffers()[1], dtype=np.int64)[raw.offset:raw.offset + len(raw) + 1]
    body, blake, out = raw.buffers()[2], hashlib.blake2b, []
    for start in range(0, len(raw), HASHED_AT_ONCE):
        # Copied out a part at a time: a million rows' material is a quarter of a gigabyte.
        part = ends[start:start + HASHED_AT_ONCE + 1]
        data = body.slice(int(part[0]), int(part[-1] - part[0])).to_pybytes()
        bounds = (part - part[0]).tolist()
        out.extend(blake(data[a:b], digest_size=DIGEST_BYTES).digest() for a, b in zip(bounds, bounds[1:]))
    return np.frombuffer(b"".join(out), dtype=WIDTH)


class _Parts:
    """The columns a part's digest reads, each as it is held: text (and each row's place) as
    Arrow arrays, numbers as their float64 bytes. A part's digest is taken from their buffers,
    with no material built per row (building it is most of what a row's digest costs)."""

    NUMBERS = ("value", "numerator", "denominator")
    # The unit and the period are proven too (:func:`indicators.proof.prove_value`).
    DATES = ("period_start", "period_end")
    WORDS = ("unit", "period_label", "notes")

    def __init__(self, df: pd.DataFrame, sources: dict[str, Source], table: str, place: pd.Series | None,
                 usable: np.ndarray) -> None:
        self.heading, self.usable = _heading(table).encode(), usable
        self.texts = [_arrow_text(column) for column in (df["source"], df["location"], df["quote"],
                                                         _places(df, place), *(_text(df, name) for name in self.WORDS))]
        self.numbers = [df[name].to_numpy(dtype=np.float64, na_value=np.nan) if name in df
                        else np.full(len(df), np.nan) for name in self.NUMBERS]
        self.numbers += [_dated(df, name).to_numpy(dtype=np.float64, na_value=np.nan) for name in self.DATES]
        self.codes, symbols = pd.factorize(df["source"], use_na_sentinel=True)
        # What each source cited says (its digest), "-" for one not known: a part's digest
        # names the sources of its rows only, so a changed source changes their parts alone.
        self.says = [f"{symbol}\x1e{sources[symbol].digest if symbol in sources else '-'}\x1d".encode()
                     for symbol in symbols]

    def digest(self, first: int, last: int) -> bytes:
        """The digest of rows ``first`` to ``last``. Every piece has a length set by the
        row count (written first) or by offsets written before it, so no two parts' pieces
        read alike; the sources cited come last."""
        digest = hashlib.blake2b(b"part\x1f" + self.heading + b"\x1f", digest_size=DIGEST_BYTES)
        digest.update(np.int64(last - first).tobytes())
        digest.update(np.ascontiguousarray(self.usable[first:last]).tobytes())
        for text in self.texts:
            _update_with_text(digest, text.slice(first, last - first))
        for numbers in self.numbers:
            digest.update(np.ascontiguousarray(numbers[first:last]).tobytes())
        for code in np.unique(self.codes[first:last]):
            if code >= 0:
                digest.update(self.says[code])
        return digest.digest()


def _text(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name] if name in df else pd.Series(None, index=df.index, dtype=object)


def _dated(df: pd.DataFrame, name: str) -> pd.Series:
    """A date column as days since 1970 (a float, NaN when missing), for a digest."""
    if name not in df:
        return pd.Series(np.nan, index=df.index)
    days = pd.to_datetime(df[name], errors="coerce")
    return ((days - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)).astype(float)


def _arrow_text(values: pd.Series) -> pa.Array:
    """A text column as one Arrow array of large strings (missing cells null)."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        # The column's own Arrow text, not copied out to a million Python strings and back.
        array = pa.chunked_array(pa.array(values)).combine_chunks()
    else:
        array = pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    return array if pa.types.is_large_string(array.type) else array.cast(pa.large_string())


def _update_with_text(digest, text: pa.LargeStringArray) -> None:
    """Add a slice of text: which cells are missing, where each cell ends, the bytes."""
    digest.update(text.is_valid().to_numpy(zero_copy_only=False).tobytes())
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset:text.offset + len(text) + 1]
    digest.update((offsets - offsets[0]).tobytes())
    body = text.buffers()[2]
    if body is not None and offsets[-1] > offsets[0]:
        digest.update(body.slice(int(offsets[0]), int(offsets[-1] - offsets[0])))


class Recall:
    """The rows of a table whose proofs are remembered (``known``, by position), and, once
    the table is proven, the adding of its new proofs (:meth:`remember`).

    Rows are remembered in parts of ``PART_ROWS`` as well as one by one. A part whose
    digest is remembered has every row it may remember proven, and no row of it is hashed
    alone: validating a million unchanged rows hashes a few parts from their columns, each
    in one call, rather than a million rows' material. A part changed anywhere (a row
    edited, rows added before it) has another digest, and its rows are then looked up one
    by one."""

    def __init__(self, df: pd.DataFrame, sources: dict[str, Source], table: str, place: pd.Series | None,
                 paired: pd.Series) -> None:
        self.known = np.zeros(len(df), dtype=bool)
        self._on = cache_file() is not None and len(df) > 0
        if not self._on:
            return  # nothing remembered, nothing to remember: no digest taken
        self._usable = usable(df, sources, paired)
        bounds = [*range(0, len(df), PART_ROWS), len(df)]
        self._spans = list(zip(bounds, bounds[1:]))
        parts = _Parts(df, sources, table, place, self._usable)
        self._parts = np.array([parts.digest(a, b) for a, b in self._spans], dtype=WIDTH)
        held = _Held()
        self._whole = held.among(self._parts, np.ones(len(self._parts), dtype=bool))
        self._rows: dict[int, np.ndarray] = {}  # the rows' own digests, for parts not remembered whole
        for (first, last), whole in zip(self._spans, self._whole, strict=True):
            allowed = self._usable[first:last]
            if whole:
                self.known[first:last] = allowed
            else:
                self._rows[first] = row_digests(df.iloc[first:last], sources, table, place)
                self.known[first:last] = held.among(self._rows[first], allowed)

    def remember(self, proven: np.ndarray) -> None:
        """Add the proofs that passed here (``proven``: each row's, by position): the rows
        that may be remembered and were not, and each part whose rows that may be
        remembered all passed."""
        if not self._on:
            return
        used, fresh = [self._parts[self._whole]], []
        for (first, last), whole, part in zip(self._spans, self._whole, self._parts, strict=True):
            if whole:
                continue
            rows, allowed, known = self._rows[first], self._usable[first:last], self.known[first:last]
            passed = np.asarray(proven[first:last], dtype=bool)
            used.append(rows[known])
            fresh.append(rows[allowed & passed & ~known])
            if (passed | ~allowed).all():
                fresh.append(np.array([part], dtype=WIDTH))
        fresh = np.concatenate(fresh) if fresh else np.array([], dtype=WIDTH)
        if len(fresh):
            remember(np.concatenate(used), fresh)


def _field(values) -> pa.Array:
    """A column as text for a digest: its length, a colon and the text; "-" when missing.
    Numbers are written in their shortest exact form, so two numbers never read alike."""
    if isinstance(values, pa.Array):
        array = values
    elif pd.api.types.is_float_dtype(values.dtype):
        array = pa.array(values.to_numpy(), from_pandas=True)  # NaN is missing
    else:
        array = _arrow_text(values)
    # Large strings throughout: past 2 GB of text in all.
    text = array if pa.types.is_large_string(array.type) else pc.cast(array, pa.large_string())
    sized = pc.binary_join_element_wise(pc.cast(pc.utf8_length(text), pa.large_string()), text,
                                        pa.scalar(":", type=pa.large_string()))
    return pc.fill_null(sized, pa.scalar("-", type=pa.large_string()))
