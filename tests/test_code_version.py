"""What is validated and proven is kept for the code that validates, and only for it: a
change to any module validation imports, directly or through another, validates again;
a change to the app, the charts or the store does not."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indicators import code_version


@pytest.fixture
def package(tmp_path) -> Path:
    # Under another folder name: the package is imported as indicators wherever it lies.
    return Path(shutil.copytree(code_version.PACKAGE, tmp_path / "copy",
                                ignore=shutil.ignore_patterns("__pycache__")))


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


@pytest.mark.parametrize("module, counts", [
    ("validation.py", True),
    ("schemas.py", True),
    ("proof.py", True),
    ("numbers.py", True),  # imported by the proof, not by validation itself
    ("sources.py", True),
    ("__init__.py", True),  # runs before any module of the package
    ("progress.py", False),
    ("charts.py", False),
    ("slides.py", False),
    ("store.py", False),
])
def test_a_change_counts_only_in_a_module_that_validates(package, module, counts):
    before = code_version.code_digest(package)
    _append(package / module, "\n# changed\n")
    assert (code_version.code_digest(package) != before) is counts


@pytest.mark.parametrize("statement", [
    "\ndef _later():\n    from indicators import helper\n",  # inside a function, read on first call
    "\nimport indicators.helper\n",
    "\nfrom . import helper\n",
    "\nfrom .helper import something\n",
])
def test_a_module_newly_imported_by_one_that_validates_counts(package, statement):
    (package / "helper.py").write_text("something = 1\n", encoding="utf-8")
    _append(package / "proof.py", statement)
    before = code_version.code_digest(package)
    _append(package / "helper.py", "# changed\n")
    assert code_version.code_digest(package) != before


def test_a_module_of_a_subpackage_counts_with_the_subpackage(package):
    (package / "rules").mkdir()
    (package / "rules" / "__init__.py").write_text("", encoding="utf-8")
    (package / "rules" / "extra.py").write_text("from .. import slides\n", encoding="utf-8")
    _append(package / "schemas.py", "\nfrom indicators.rules import extra\n")
    found = {path.relative_to(package).as_posix() for path in code_version.validating_modules(package)}
    assert {"rules/__init__.py", "rules/extra.py", "slides.py"} <= found  # and what they import


def test_every_module_a_validation_runs_is_in_the_digest(data_copy, tmp_path):
    # In a process of its own, so that only what validating imports is imported: a full
    # validation, a folder read back, and a change validated against the state kept.
    script = f"""
import json, sys
from pathlib import Path
import indicators
folder = Path({str(data_copy)!r})
indicators.load(folder)
indicators.load(folder)
path = folder / "observations.csv"
lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
path.write_text("".join(lines[:-1]), encoding="utf-8")
indicators.validate_folder(folder)
print(json.dumps(sorted(m.__file__ for name, m in sys.modules.items()
                        if name.split(".")[0] == "indicators" and getattr(m, "__file__", None))))
"""
    env = {**os.environ, "INDICATORS_PROOF_CACHE": str(tmp_path / "cache" / "proofs.bin")}
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True,
                         cwd=code_version.PACKAGE.parent)
    imported = {Path(file).resolve() for file in json.loads(ran.stdout.splitlines()[-1])}
    assert imported and imported <= set(code_version.validating_modules())
