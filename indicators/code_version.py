"""The digest of the code that validates: a remembered result is only as good as the
code that reached it, so the folder cache and the remembered proofs both key on this."""

from __future__ import annotations

import functools
import hashlib
import sys
from importlib import metadata
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
LIBRARIES = ("pandas", "pandera", "numpy", "pyarrow", "PyYAML", "text2num")


def code_digest(package: Path = PACKAGE) -> bytes:
    """Python's and the libraries' versions and every module of the package."""
    hasher = hashlib.sha256(sys.version.encode())
    for name in LIBRARIES:
        hasher.update(f"\0{name}={metadata.version(name)}".encode())
    for path in sorted(package.rglob("*.py")):
        hasher.update(f"\0{path.relative_to(package).as_posix()}\0".encode())
        hasher.update(path.read_bytes())
    return hasher.digest()


@functools.cache
def running_code() -> str:
    """The digest of the code this process imported (read once: a module edited on disk
    afterwards is not the code that is running)."""
    return code_digest().hex()
