"""The digests of the code that validates and of the code that proves: a remembered
result is only as good as the code that reached it.

A digest covers a module and every module of the package it imports, directly or through
another, read from their import statements (at module level or inside a function), with
the package's ``__init__`` and the versions of Python and the libraries. Two are taken:

- the code that validates (:mod:`indicators.validation`), which keys the folder cache: a
  release that changes the app, the charts, the slides, the exports or the store keeps
  what was validated; one that changes any rule validates again;
- the code that proves (:mod:`indicators.quote_checks`), a part of it, which keys the
  remembered proofs: a release that changes another rule validates again with the proofs
  of every row remembered; one that changes the proof, the tokenizer or the reading of a
  source proves every row again.
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
# The module that validates, and the module that proves a row against its source; the
# package's __init__ runs before either, so it counts too.
VALIDATING, PROVING = "validation", "quote_checks"


def imported_modules(package: Path = PACKAGE, root: str = VALIDATING) -> list[Path]:
    """The files of the package's ``__init__``, of ``root`` and of every module of the
    package ``root`` imports, directly or through another, in path order."""
    # The __init__ runs first, so its own code counts; the modules it imports (the whole
    # validation, for ``indicators.load``) count only where ``root`` imports them too: a
    # module that ``root`` never imports is never called by it.
    found, todo = {package / "__init__.py"}, [_module_file(package, root)]
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


def code_digest(package: Path = PACKAGE, root: str = VALIDATING) -> bytes:
    """Python's and the libraries' versions and ``root`` with every module it imports."""
    hasher = hashlib.sha256(sys.version.encode())
    for name in LIBRARIES:
        hasher.update(f"\0{name}={metadata.version(name)}".encode())
    for path in imported_modules(package, root):
        hasher.update(f"\0{path.relative_to(package).as_posix()}\0".encode())
        hasher.update(path.read_bytes())
    return hasher.digest()


@functools.cache
def running_code() -> str:
    """The digest of the code that validates as this process imported it (read once: a
    module edited on disk afterwards is not the code that is running)."""
    return code_digest().hex()


@functools.cache
def proving_code() -> str:
    """The digest of the code that proves, as this process imported it."""
    return code_digest(root=PROVING).hex()
