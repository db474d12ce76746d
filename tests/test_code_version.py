"""What is validated is kept for the code that validates, and what is proven for the code
that proves, and only for it: a change to any module validation imports, directly or
through another, validates again, and a change to a module the proof imports proves
again; a change to the app, the charts or the store does neither."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indicators import code_version
from indicators.code_version import PROVING, VALIDATING


@pytest.fixture
def package(tmp_path) -> Path:
    # Under another folder name: the package is imported as indicators wherever it lies.
    return Path(shutil.copytree(code_version.PACKAGE, tmp_path / "copy",
                                ignore=shutil.ignore_patterns("__pycache__")))


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


@pytest.mark.parametrize("module, validates, proves", [
    ("validation.py", True, False),
    ("schemas.py", True, False),  # another rule: validated again, the proofs kept
    ("revisions.py", True, False),
    ("folder_cache.py", True, False),
    ("quote_checks.py", True, True),
    ("proof.py", True, True),
    ("numbers.py", True, True),  # imported by the proof, not by validation itself
    ("sources.py", True, True),  # the reading of a source's text
    ("proof_cache.py", True, True),
    ("__init__.py", True, True),  # runs before any module of the package
    ("progress.py", False, False),
    ("charts.py", False, False),
    ("slides.py", False, False),
    ("store.py", False, False),
])
def test_a_change_counts_only_in_a_module_that_validates_or_proves(package, module, validates, proves):
    before = {root: code_version.code_digest(package, root) for root in (VALIDATING, PROVING)}
    _append(package / module, "\n# changed\n")
    assert (code_version.code_digest(package, VALIDATING) != before[VALIDATING]) is validates
    assert (code_version.code_digest(package, PROVING) != before[PROVING]) is proves


@pytest.mark.parametrize("statement", [
    "\ndef _later():\n    from indicators import helper\n",  # inside a function, read on first call
    "\nimport indicators.helper\n",
    "\nfrom . import helper\n",
    "\nfrom .helper import something\n",
])
def test_a_module_newly_imported_by_one_that_validates_counts(package, statement):
    (package / "helper.py").write_text("something = 1\n", encoding="utf-8")
    _append(package / "proof.py", statement)
    before = [code_version.code_digest(package, root) for root in (VALIDATING, PROVING)]
    _append(package / "helper.py", "# changed\n")
    assert all(code_version.code_digest(package, root) != was for root, was in zip((VALIDATING, PROVING), before))


def test_a_module_of_a_subpackage_counts_with_the_subpackage(package):
    (package / "rules").mkdir()
    (package / "rules" / "__init__.py").write_text("", encoding="utf-8")
    (package / "rules" / "extra.py").write_text("from .. import slides\n", encoding="utf-8")
    _append(package / "schemas.py", "\nfrom indicators.rules import extra\n")
    found = {path.relative_to(package).as_posix() for path in code_version.imported_modules(package)}
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
    assert imported and imported <= set(code_version.imported_modules())


PROOFS_MADE = """
import json
from pathlib import Path
import indicators
from indicators import proof
made = []
for name in ("prove_value", "prove_ratio"):
    def spy(quote, *args, original=getattr(proof, name), **kwargs):
        made.append(quote)
        return original(quote, *args, **kwargs)
    setattr(proof, name, spy)
dataset = indicators.load(Path({folder!r}))
print(json.dumps({{"proofs": len(made), "package": indicators.__file__}}))
"""


def _release(tmp_path: Path, name: str, changed: str | None) -> Path:
    """A copy of the package as a release that changed ``changed`` (a module) or nothing."""
    package = Path(shutil.copytree(code_version.PACKAGE, tmp_path / name / "indicators",
                                   ignore=shutil.ignore_patterns("__pycache__")))
    if changed:
        _append(package / changed, "\n# changed in this release\n")
    return package


def _proofs_made(package: Path, folder: Path, cache: Path) -> int:
    """The quotes a validation by ``package``, in a process of its own, proves."""
    env = {**os.environ, "PYTHONPATH": str(package.parent), "INDICATORS_PROOF_CACHE": str(cache)}
    ran = subprocess.run([sys.executable, "-c", PROOFS_MADE.format(folder=str(folder))], capture_output=True,
                         text=True, env=env, check=True, cwd=package.parent)
    made = json.loads(ran.stdout.splitlines()[-1])
    assert Path(made["package"]).resolve().parent == package.resolve()
    return made["proofs"]


def test_a_release_that_changes_another_rule_keeps_the_proofs_and_one_that_changes_the_proof_does_not(
        data_copy, tmp_path):
    cache = tmp_path / "cache" / "proofs.bin"
    first = _proofs_made(_release(tmp_path, "first", None), data_copy, cache)
    # A new rule elsewhere: the folder is validated again (its kept state is of other
    # code), every remembered proof is met; only rows proven as pairs are proven again.
    rule = _proofs_made(_release(tmp_path, "rule", "schemas.py"), data_copy, cache)
    tokenizer = _proofs_made(_release(tmp_path, "tokenizer", "numbers.py"), data_copy, cache)
    assert 0 < rule < first / 2
    assert tokenizer == first
