"""The digest of the code that validates: a remembered result is only as good as the
code that reached it, so the folder cache and the remembered proofs both key on this.

Only the code that validates counts: :mod:`indicators.validation` and every module of the
package it imports, directly or through another, read from their import statements (at
module level or inside a function). A release that changes the app, the charts, the
slides, the exports or the store keeps what was validated and proven; one that changes a
rule, the proof or the reading of a source validates and proves again.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import sys
from importlib import metadata
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
NAME = __name__.split(".")[0]  # the package's import name, wherever its folder is
LIBRARIES = ("pandas", "pandera", "numpy", "pyarrow", "PyYAML", "text2num")
# The module that validates; the package's __init__ runs before it, so it counts too.
ROOT = "validation"


def validating_modules(package: Path = PACKAGE, root: str = ROOT) -> list[Path]:
    """The files of the package's ``__init__``, of ``root`` and of every module of the
    package they import, directly or through another, in path order."""
    found, todo = set(), [package / "__init__.py", _module_file(package, root)]
    while todo:
        path = todo.pop()
        if path is None or path in found:
            continue
        found.add(path)
        todo.extend(_imported(package, path))
    return sorted(found)


def _imported(package: Path, path: Path) -> list[Path | None]:
    """The package's modules that ``path`` imports, wherever its import statements are."""
    name = NAME
    modules = []
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            # "from a.b import c": the module a.b, and a.b.c when c is a module too. A
            # relative one ("from . import c") starts from the importing module's folder.
            parts = [name, *path.parent.relative_to(package).parts]
            within = parts[:len(parts) - node.level + 1] if node.level else []
            base = ".".join(within + ([node.module] if node.module else []))
            modules += [base] + [f"{base}.{alias.name}" for alias in node.names]
    # Importing a.b.c runs a.b's __init__ first.
    within = {".".join(parts[:end]) for parts in (m.split(".") for m in modules if m.startswith(f"{name}."))
              for end in range(2, len(parts) + 1)}
    return [_module_file(package, module[len(name) + 1:]) for module in sorted(within)]


def _module_file(package: Path, dotted: str) -> Path | None:
    """The file of a module of the package (``a.b`` under it), or None when there is none."""
    stem = package.joinpath(*dotted.split("."))
    for candidate in (stem.with_suffix(".py"), stem / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def code_digest(package: Path = PACKAGE) -> bytes:
    """Python's and the libraries' versions and every module that validates."""
    hasher = hashlib.sha256(sys.version.encode())
    for name in LIBRARIES:
        hasher.update(f"\0{name}={metadata.version(name)}".encode())
    for path in validating_modules(package):
        hasher.update(f"\0{path.relative_to(package).as_posix()}\0".encode())
        hasher.update(path.read_bytes())
    return hasher.digest()


@functools.cache
def running_code() -> str:
    """The digest of the code this process imported (read once: a module edited on disk
    afterwards is not the code that is running)."""
    return code_digest().hex()
