"""Data folders validated before, remembered by the digest of their bytes.

A data folder that passed validation is kept, as the validated tables, under a SHA-256
digest of every byte validation could read: each file in the folder (its path, length
and content), the code that validates (every module of this package, and the versions of
the libraries it leans on) and the file size limit. A later validation of a folder with
the same digest would read the same bytes with the same code and reach the same result,
so it returns the kept tables instead. This is how build tools skip a step whose inputs
have not changed.

Most changes touch a few rows of ``observations.csv``, a source, an entry of the catalogue
or the targets. So a state is also found by its *code*: the digest of the code and the
size limit alone, with a digest of each other file beside it. A folder validated by the
same code as a kept state is validated again only where it differs
(:func:`indicators.validation.validate_folder`): the small files whole, and of the
observations only the rows that changed rows, a changed source or a changed catalogue
entry bear on. Its state is kept as a patch of the earlier one
(:mod:`indicators.row_changes`), a few rows rather than the whole table, until
``MAX_PATCHES`` patches in a row are kept whole again. A change to the code that
validates (:mod:`indicators.code_version`) validates in full and proves every row again:
the proofs :mod:`indicators.proof_cache` remembers are that code's own.

Only passing validations are kept, and only for the bytes validated (a whole state only
when the folder read the same before and after validating; a patch is made from the bytes
read for the digest). The kept states live beside the remembered proofs, in the user's
cache folder, and are turned off with them (``INDICATORS_PROOF_CACHE=off``,
``indicators validate --no-cache``). As with the proofs, anyone who can write that folder
can also change the code.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from indicators import proof_cache, row_changes
from indicators.code_version import running_code
from indicators.files import max_file_bytes
from indicators.paths import OBSERVATIONS_FILE

# The latest few states are kept (the shipped data, a steward's working copy, a test
# folder), with the states they are patches of; older ones are removed.
KEEP = 4
CHUNK = 1 << 24
# A chain of patches longer than this is kept whole again (reading it back applies each).
MAX_PATCHES = 8
NAME = 40  # hex digits of a digest in a file's name (160 bits)
TABLES = ("reform_areas", "catalogue", "observations", "targets", "milestones")
SMALL_TABLES = tuple(name for name in TABLES if name != "observations")  # kept whole by a patch that changes them


def cache_dir() -> Path | None:
    """Where validated folders are kept: beside the remembered proofs; None when off."""
    proofs = proof_cache.cache_file()
    return None if proofs is None else proofs.parent / "validated"


@dataclass(frozen=True)
class FolderPrint:
    """What a validation of a folder reads, in digests: ``digest`` of everything,
    ``context`` of everything but the observations (code, limit, every other file),
    ``code`` of the code and limit alone, ``files`` of each other file by its path in the
    folder, and the observations file's bytes themselves (None when there is none), read once."""

    digest: str
    context: str
    code: str
    files: dict[str, str]
    observations: bytes | None


@dataclass(frozen=True)
class Kept:
    """A validated state: the dataset, and the observations file's bytes (when asked for)
    and record starts it was validated from (None when its records could not be told apart
    by their bytes alone, such as a file with blank lines)."""

    digest: str
    dataset: object
    raw: bytes | bytearray | None
    starts: np.ndarray | None
    depth: int  # how many patches lie between it and a whole kept state
    context: str  # FolderPrint.context of its folder
    files: dict[str, str]  # FolderPrint.files of its folder


def folder_print(data_dir: Path) -> FolderPrint:
    """The digests of everything a validation of ``data_dir`` reads (see the module's text)."""
    code = _code_hash()
    context = code.copy()
    files = _files(data_dir)
    observations = Path(data_dir) / OBSERVATIONS_FILE
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The observations file, most of the bytes, is read and hashed on another core while
        # the rest is (both release the interpreter's lock while they work).
        whole = pool.submit(_read_and_hash, observations) if observations in files else None
        digests = _hash_others(data_dir, files, context)
        observed, observed_digest = whole.result() if whole is not None else (None, b"")
    digest = hashlib.sha256(context.digest() + observed_digest)
    return FolderPrint(digest.hexdigest()[:NAME], context.hexdigest()[:NAME], code.hexdigest()[:NAME], digests,
                       observed)


def context_print(data_dir: Path) -> str:
    """``FolderPrint.context`` alone: every file but the observations, which is not read."""
    context = _code_hash()
    _hash_others(data_dir, _files(data_dir), context)
    return context.hexdigest()[:NAME]


def _code_hash():
    # The code this process runs, read once: a module changed on disk since is not what
    # validates here (and reading the code again would cost every load a parse of it).
    code = hashlib.sha256(running_code().encode())
    code.update(f"\0limit={max_file_bytes()}".encode())
    return code


def _files(data_dir: Path) -> list[Path]:
    return sorted(p for p in Path(data_dir).rglob("*") if p.is_file())


def _hash_others(data_dir: Path, files: list[Path], context) -> dict[str, str]:
    """Each file but the observations hashed into ``context``; their digests by :func:`file_keys`."""
    observations = Path(data_dir) / OBSERVATIONS_FILE
    key = file_keys(data_dir)
    digests = {}
    for path in files:
        if path == observations:
            continue
        one = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                one.update(chunk)
        name = path.relative_to(data_dir).as_posix()
        digests[key(path)] = one.hexdigest()
        context.update(f"\0{name}\0{path.stat().st_size}\0".encode() + one.digest())
    return digests


def file_keys(data_dir: Path):
    """How ``files`` names the files of ``data_dir``: by its real path within the real
    folder (a file reached through a link is the file it links to, as reading it gives
    that file's bytes). Each directory is resolved once, and a file itself only when it
    is a link: resolving every one of 500 sources took a tenth of a second."""
    root = Path(data_dir).resolve()
    folders: dict[Path, Path] = {}

    def key(path: Path) -> str:
        path = Path(path)
        if path.is_symlink():
            real = path.resolve()
        else:
            if path.parent not in folders:
                folders[path.parent] = path.parent.resolve()
            real = folders[path.parent] / path.name
        # A link out of the folder is named as found: no source may be read through it.
        return real.relative_to(root).as_posix() if real.is_relative_to(root) else f"-> {path.name}"

    return key


def _read_and_hash(path: Path) -> tuple[bytes | None, bytes]:
    """The file's bytes and digest; only the digest for a file over the size limit, which
    validation refuses unread (it is not held in memory here either)."""
    if (size := path.stat().st_size) > max_file_bytes():
        hasher = hashlib.sha256(f"\0{OBSERVATIONS_FILE}\0{size}\0".encode())
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                hasher.update(chunk)
        return None, hasher.digest()
    raw = path.read_bytes()
    hasher = hashlib.sha256(f"\0{OBSERVATIONS_FILE}\0{len(raw)}\0".encode())
    hasher.update(raw)
    return raw, hasher.digest()


def _name(folder: FolderPrint, parent: str) -> str:
    """A kept state's file name: the digests of its folder, context and code, and its
    parent's (or "whole")."""
    return f"{folder.digest}.{folder.context}.{folder.code}.{parent}.pickle"


def _parts(path: Path) -> tuple[str, str, str, str] | None:
    """(digest, context, code, parent) from a kept state's file name; None for another layout."""
    parts = path.name.split(".")
    return tuple(parts[:4]) if len(parts) == 5 and parts[4] == "pickle" else None


def _entries(folder: Path) -> dict[str, Path]:
    """Kept states by digest."""
    return {parts[0]: path for path in folder.glob("*.pickle") if (parts := _parts(path)) is not None}


def _load(path: Path, entries: dict[str, Path], raw: bool) -> Kept | None:
    """The state kept at ``path``, its patches applied to the whole state they start from;
    its observations file's bytes only when ``raw`` (to compare a changed file with)."""
    with path.open("rb") as handle:
        record = pickle.load(handle)
        # A whole state's file bytes follow it as a second pickle, read only when asked for;
        # a bytearray, so patches are applied in place rather than copying it whole.
        file_bytes = pickle.load(handle) if raw and record["kind"] == "whole" else None
    digest, context = _parts(path)[:2]
    if record["kind"] == "whole":
        return Kept(digest, record["dataset"], file_bytes, record["starts"], 0, context, record["files"])
    parent = entries.get(record["parent"])
    base = None if parent is None else _load(parent, entries, raw)
    if base is None or base.starts is None:
        return None  # its parent was removed meanwhile (another replica's clean-up)
    patch = record["patch"]
    dataset = replace(base.dataset, observations=row_changes.apply(base.dataset.observations, patch),
                      **_with_context(base.dataset, record["context"]))
    os.utime(parent)
    return Kept(digest, dataset,
                None if base.raw is None else row_changes.new_raw(base.raw, base.starts, patch.span),
                row_changes.new_starts(base.starts, patch.span), base.depth + 1, context, record["files"])


def _context_of(dataset, base: Kept) -> dict:
    """What a patch keeps of a state's context that is not its parent's: every small
    table, and of the sources their order and those not the parent's own."""
    old = base.dataset.sources
    return {"tables": {name: _shared_strings(getattr(dataset, name)) for name in SMALL_TABLES},
            "order": list(dataset.sources),
            "sources": {symbol: _kept_source(source) for symbol, source in dataset.sources.items()
                        if old.get(symbol) is not source}}


def _with_context(dataset, context: dict | None) -> dict:
    """The fields of ``dataset`` a patch's context replaces (see :func:`_context_of`)."""
    if context is None:
        return {}
    changed = context["sources"]
    return {**context["tables"],
            "sources": {symbol: changed.get(symbol) or dataset.sources[symbol] for symbol in context["order"]}}


def _kept_source(source):
    # Of what is worked out from a source, only its digest is kept: the remembered proofs
    # of the rows validated again are looked up by it.
    return replace(source, _derived={"digest": source.digest})


@contextmanager
def gc_paused():
    """No cyclic garbage collection meanwhile. Reading back or patching a million-row table
    creates millions of objects, none of them garbage; the collections they set off each
    walk every object alive (a whole dataset) and took a third of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _recall(path: Path | None, raw: bool = False) -> Kept | None:
    if path is None or not path.is_file():
        return None
    try:
        kept = _load(path, _entries(path.parent), raw)
    except (OSError, EOFError, KeyError, pickle.UnpicklingError, AttributeError, ImportError) as error:
        # A torn or outdated file only costs a full validation, which writes it again.
        warnings.warn(f"a kept validation could not be read ({error}); validating in full", stacklevel=3)
        return None
    if kept is not None:
        os.utime(path)  # most recently used: kept longest
    return kept


# The state this process validated or read back last, with the cache folder and context it
# belongs to: a running app validates each version published against the one before
# without reading that back from disk. Tables go in and out as shallow copies, which under
# pandas' copy-on-write share their data until either side writes: a caller that changes
# its tables changes its own copy, never this one.
_held: tuple[Path, str, Kept] | None = None


def forget() -> None:
    """Drop the state held in memory (the next load reads it back from the cache folder)."""
    global _held
    _held = None


def _hold(folder: FolderPrint, kept: Kept) -> None:
    global _held
    directory = cache_dir()
    _held = None if directory is None else (directory, folder.code, replace(kept, dataset=_copy(kept.dataset)))


def _holding(digest: str | None = None, code: str | None = None) -> Kept | None:
    held = _held
    if held is None or held[0] != cache_dir():
        return None
    _, held_code, kept = held
    return kept if kept.digest == digest or held_code == code else None


def _copy(dataset):
    return replace(dataset, **{name: getattr(dataset, name).copy(deep=False) for name in TABLES})


def recall(folder: FolderPrint, data_dir: Path):
    """The dataset kept under the folder's digest (its folder set to ``data_dir``), or None."""
    kept = _holding(digest=folder.digest)
    if kept is None:
        directory = cache_dir()
        kept = _recall(_entries(directory).get(folder.digest) if directory and directory.is_dir() else None)
        if kept is None:
            return None
        # The bytes just read for the digest are the state's own: held for the next change.
        kept = replace(kept, raw=folder.observations if kept.starts is not None else None)
        _hold(folder, kept)
    return replace(_copy(kept.dataset), folder=Path(data_dir))


def latest_base(folder: FolderPrint) -> Kept | None:
    """The state to validate a changed folder against: the most recently used one
    validated by the same code with the same limit, one with the same other files (the
    folder's context) first, as then only its observations differ."""
    held = _holding(code=folder.code)
    if held is not None and held.context == folder.context:
        return held
    directory = cache_dir()
    if directory is None or not directory.is_dir():
        return held
    paths = [path for path in _entries(directory).values() if _parts(path)[2] == folder.code]
    same = [path for path in paths if _parts(path)[1] == folder.context]
    if held is not None and not same:
        return held
    candidates = sorted(same or paths, key=_used, reverse=True)
    return _recall(candidates[0], raw=True) if candidates else None


def _used(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0  # removed by another replica meanwhile: the least wanted


def remember(folder: FolderPrint, data_dir: Path, dataset) -> None:
    """Keep ``dataset`` whole under the folder's digest if the folder still has that
    digest (a file written meanwhile is not kept under its old bytes)."""
    if cache_dir() is None or folder_print(data_dir).digest != folder.digest:
        return
    kept = replace(dataset, folder=None,
                   sources={symbol: _kept_source(source) for symbol, source in dataset.sources.items()},
                   **{name: _shared_strings(getattr(dataset, name)) for name in TABLES})
    raw, starts = folder.observations, None
    if raw is not None:
        starts = row_changes.record_starts(raw)
        if len(starts) - 2 != len(dataset.observations):
            raw, starts = None, None  # blank lines or lone carriage returns: validated in full next time
    _write(folder, "whole", {"kind": "whole", "dataset": kept, "starts": starts, "files": folder.files},
           None if raw is None else bytearray(raw))
    _hold(folder, Kept(folder.digest, dataset, raw, starts, 0, folder.context, folder.files))


def remember_patch(folder: FolderPrint, base: Kept, patch, dataset, starts: np.ndarray) -> None:
    """Keep the state ``patch`` makes of ``base`` (its file's records at ``starts``): a few
    rows, not the whole table, and its context when that changed. Past ``MAX_PATCHES`` in
    a row the state is kept whole again, so reading it back stays quick."""
    if base.depth + 1 > MAX_PATCHES:
        remember(folder, dataset.folder, dataset)
        return
    if folder.context != base.context and context_print(dataset.folder) != folder.context:
        return  # a small file written meanwhile: its new bytes may be what was validated
    _write(folder, base.digest, {"kind": "patch", "parent": base.digest, "patch": patch,
                                 "context": None if folder.context == base.context else _context_of(dataset, base),
                                 "files": folder.files})
    _hold(folder, Kept(folder.digest, dataset, folder.observations, starts, base.depth + 1, folder.context,
                       folder.files))


def _write(folder: FolderPrint, parent: str, record: dict, file_bytes: bytearray | None = None) -> None:
    """Written to a temporary file and renamed, so a reader never sees half of it. A
    cache that cannot be written is skipped with a warning: it only saves time."""
    directory = cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, delete=False, suffix=".part") as out:
            pickle.dump(record, out, protocol=pickle.HIGHEST_PROTOCOL)
            if record["kind"] == "whole":
                pickle.dump(file_bytes, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(out.name, directory / _name(folder, parent))
        _clean(directory)
    except OSError as error:
        warnings.warn(f"validation not kept ({error}); the next load validates again", stacklevel=3)


def _clean(directory: Path) -> None:
    """Keep the ``KEEP`` most recently used states and the states they are patches of."""
    entries = _entries(directory)
    parents = {digest: _parts(path)[3] for digest, path in entries.items()}
    wanted = set()
    for path in sorted(entries.values(), key=_used, reverse=True)[:KEEP]:
        digest = _parts(path)[0]
        while digest in entries and digest not in wanted:
            wanted.add(digest)
            digest = parents[digest]
    for path in directory.glob("*.pickle"):
        parts = _parts(path)
        # Kept by an earlier release, in another layout, a state is never met again.
        if parts is None or parts[0] not in wanted:
            path.unlink(missing_ok=True)


def _shared_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each distinct text of a column held once: pickle then writes a
    repeated text (a source symbol on 10,000 rows) once, and reading it back creates one
    string instead of 10,000. Missing cells are left as they are."""
    columns = {}
    for column in frame.columns:
        if frame[column].dtype != object:
            continue
        values = frame[column].to_numpy(copy=True)
        texts = np.fromiter((isinstance(value, str) for value in values), dtype=bool, count=len(values))
        if texts.any():
            codes, uniques = pd.factorize(values[texts])
            values[texts] = np.asarray(uniques, dtype=object)[codes]
        columns[column] = pd.Series(values, index=frame.index, dtype=object)
    return frame.assign(**columns) if columns else frame
