"""Data folders validated before, remembered whole by the digest of their bytes.

A data folder that passed validation is kept, as the validated tables, under a SHA-256
digest of every byte validation could read: each file in the folder (its path, length
and content), the code that validates (every module of this package, and the versions of
the libraries it leans on) and the file size limit. A later validation of a folder with
the same digest would read the same bytes with the same code and reach the same result,
so it returns the kept tables instead; a single changed byte anywhere, in the data or the
code, gives another digest and a full validation (whose proofs are still remembered one
row at a time by :mod:`indicators.proof_cache`). This is how build tools skip a step whose
inputs have not changed.

Only passing validations are kept, and only when the folder read the same before and after
validating (a file written meanwhile is not kept under the digest of its old bytes). The
kept tables live beside the remembered proofs, in the user's cache folder, and are turned
off with them (``INDICATORS_PROOF_CACHE=off``, ``indicators validate --no-cache``). As
with the proofs, anyone who can write that folder can also change the code.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from indicators import proof_cache
from indicators.code_version import code_digest
from indicators.files import max_file_bytes

# The latest few folders are kept (the shipped data, a steward's working copy, a test
# folder); older ones are removed, as each holds a whole dataset.
KEEP = 4
CHUNK = 1 << 24


def cache_dir() -> Path | None:
    """Where validated folders are kept: beside the remembered proofs; None when off."""
    proofs = proof_cache.cache_file()
    return None if proofs is None else proofs.parent / "validated"


def folder_digest(data_dir: Path) -> str:
    """The digest of everything a validation of ``data_dir`` reads (see the module's text)."""
    hasher = hashlib.sha256(code_digest())
    hasher.update(f"\0limit={max_file_bytes()}".encode())
    for path in sorted(p for p in Path(data_dir).rglob("*") if p.is_file()):
        hasher.update(f"\0{path.relative_to(data_dir).as_posix()}\0{path.stat().st_size}\0".encode())
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                hasher.update(chunk)
    return hasher.hexdigest()


def recall(digest: str, data_dir: Path):
    """The dataset kept under ``digest`` (its folder set to ``data_dir``), or None."""
    folder = cache_dir()
    path = folder / f"{digest}.pickle" if folder else None
    if path is None or not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            dataset = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError) as error:
        # A torn or outdated file only costs a full validation, which writes it again.
        warnings.warn(f"a kept validation could not be read ({error}); validating in full", stacklevel=2)
        return None
    os.utime(path)  # most recently used: kept longest
    return replace(dataset, folder=Path(data_dir))


def remember(digest: str, data_dir: Path, dataset) -> None:
    """Keep ``dataset`` under ``digest`` if the folder still has that digest; written to a
    temporary file and renamed, so a reader never sees half of it. A cache that cannot be
    written is skipped with a warning: it only saves time."""
    folder = cache_dir()
    if folder is None or folder_digest(data_dir) != digest:
        return
    kept = replace(dataset, folder=None,
                   sources={symbol: replace(source, _derived={}) for symbol, source in dataset.sources.items()},
                   **{name: _shared_strings(getattr(dataset, name))
                      for name in ("reform_areas", "catalogue", "observations", "targets", "milestones")})
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".part") as out:
            pickle.dump(kept, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(out.name, folder / f"{digest}.pickle")
        for old in sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError as error:
        warnings.warn(f"validation not kept ({error}); the next load validates again", stacklevel=2)


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
