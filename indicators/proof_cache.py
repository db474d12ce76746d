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
A digest also covers the code that proves (every module of the package and the versions
of the libraries it uses), so a change to any rule, the tokenizer or the quote search
forgets every remembered proof without anyone having to remember to say so;
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

from indicators.code_version import running_code
from indicators.sources import Source

# Change with the layout of a digest's material; a change of code is covered by its digest.
PROOF_VERSION = "2026-11-29.2"
DIGEST_BYTES = 16
MAX_DIGESTS = 5_000_000  # 80 MB
# Appended digests merged into the sorted file past this many (1 MB): a lookup scans the
# journal, and a merge rewrites the file, which at a million digests takes most of a second.
JOURNAL_MAX = 65_536
WIDTH = f"S{DIGEST_BYTES}"


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
    return hashlib.blake2b(f"proofs of {PROOF_VERSION} {running_code()}".encode(), digest_size=DIGEST_BYTES).digest()


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


def known(digests: list[bytes | None]) -> np.ndarray:
    """Whether each digest is remembered (None never is): one binary search each in the
    sorted file, rather than a set of every remembered digest built first, and a look in
    the journal, which is short."""
    out = np.zeros(len(digests), dtype=bool)
    asked = [at for at, digest in enumerate(digests) if digest is not None]
    if not asked:
        return out
    query = np.array([digests[at] for at in asked], dtype=WIDTH)
    stored = _sorted()
    found = np.zeros(len(query), dtype=bool)
    if len(stored):
        at = np.searchsorted(stored, query).clip(max=len(stored) - 1)
        found = stored[at] == query
    journal = np.frombuffer(_journal(), dtype=WIDTH)
    if len(journal):
        found |= np.isin(query, journal)
    out[asked] = found
    return out


def remember(used: set[bytes], fresh: set[bytes]) -> None:
    """Add the ``fresh`` digests (``used`` are the remembered ones this validation met).
    A few are appended to the journal. Otherwise, or when the file is another code's, the
    file is written whole and sorted, the journal merged in, to a temporary file then
    renamed, so a reader never sees half a file; past ``MAX_DIGESTS`` only this
    validation's digests are kept. A cache that cannot be written is skipped with a
    warning: it only saves time."""
    path = cache_file()
    if path is None or not fresh:
        return
    added = np.array(sorted(fresh), dtype=WIDTH)
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
            kept = np.union1d(np.array(list(used), dtype=WIDTH), added)
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


def row_digests(df: pd.DataFrame, sources: dict[str, Source], table: str, place: pd.Series | None,
                paired: pd.Series) -> list[bytes | None]:
    """One digest per row of everything its proof reads; None for rows that are not
    remembered (an unknown source, or a row checked as a pair with another)."""
    # Only the sources the rows cite: a source's digest reads its whole text the first time.
    digests = {symbol: sources[symbol].digest for symbol in pd.unique(df["source"]) if symbol in sources}
    numerators = df["numerator"] if "numerator" in df else pd.Series(None, index=df.index, dtype=float)
    denominators = df["denominator"] if "denominator" in df else pd.Series(None, index=df.index, dtype=float)
    places = place.reindex(df.index) if place is not None else pd.Series(None, index=df.index, dtype=object)
    version = PROOF_VERSION + running_code()
    out = []
    for symbol, location, quote, value, numerator, denominator, where, pair in zip(
            df["source"], df["location"], df["quote"], df["value"], numerators, denominators, places, paired,
            strict=True):
        source_key = digests.get(symbol)
        if source_key is None or pair:
            out.append(None)
            continue
        material = "\x1f".join((version, table, str(symbol), source_key, str(location), str(quote),
                                repr(value), repr(numerator), repr(denominator), str(where)))
        out.append(hashlib.blake2b(material.encode(), digest_size=DIGEST_BYTES).digest())
    return out
