"""Data folders validated before are remembered whole: an unchanged folder is not validated
again, and any changed byte (data, code, size limit) is validated again: in full for a
change of code or limit, or a failure; only where it differs otherwise."""

from __future__ import annotations

import dataclasses
import shutil
import warnings

import pandas as pd
import pytest

import indicators
from indicators import code_version, folder_cache, validation
from tests.conftest import edit_csv, writing_meanwhile

TABLES = ("reform_areas", "catalogue", "observations", "targets", "milestones")


@pytest.fixture
def validations(monkeypatch) -> list:
    """Record every full validation from here on."""
    made = []
    original = validation._validate_folder

    def spy(data_dir, *earlier):
        made.append(data_dir)
        return original(data_dir, *earlier)

    monkeypatch.setattr(validation, "_validate_folder", spy)
    return made


def _described(source) -> dict:
    """A source's fields but its table (compared through its digest)."""
    return {f.name: getattr(source, f.name) for f in dataclasses.fields(source) if f.name not in ("table", "_derived")}


def _kept() -> list:
    return sorted(folder_cache.cache_dir().glob("*.pickle"))


def test_an_unchanged_folder_is_validated_once_and_read_back_equal(data_copy, validations):
    first = indicators.load(data_copy)
    again = indicators.load(data_copy)
    assert len(validations) == 1 and len(_kept()) == 1
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(first, name), check_exact=True)
    assert again.sources.keys() == first.sources.keys()
    for symbol, source in first.sources.items():
        assert _described(again.sources[symbol]) == _described(source), symbol
        assert again.sources[symbol].digest == source.digest  # the same text or table
    assert again.folder == data_copy


def test_a_copy_of_the_folder_elsewhere_is_the_same_folder(data_copy, tmp_path, validations):
    indicators.load(data_copy)
    moved = shutil.copytree(data_copy, tmp_path / "elsewhere")
    assert indicators.load(moved).folder == moved  # exports describe the folder they read
    assert len(validations) == 1


@pytest.mark.parametrize("change, in_full", [("value", True), ("source text", True), ("new file", False),
                                             ("size limit", True), ("code", True)])
def test_any_changed_input_is_validated_again(data_copy, validations, monkeypatch, tmp_path, change, in_full):
    indicators.load(data_copy)
    if change == "value":
        row = int(pd.read_csv(data_copy / "observations.csv", dtype=str).index[0])
        edit_csv(data_copy / "observations.csv", {(row, "value"): "999"})
    elif change == "source text":
        text = data_copy / "sources" / "A-72-573.txt"
        text.write_text(text.read_text(encoding="utf-8").replace("227", "228"), encoding="utf-8")
    elif change == "new file":
        (data_copy / "sources" / "notes.txt").write_text("a steward's note", encoding="utf-8")
    elif change == "size limit":
        monkeypatch.setenv("INDICATORS_MAX_FILE_MB", "0.001")
    else:
        package = shutil.copytree(code_version.PACKAGE, tmp_path / "package")
        before = code_version.code_digest(package)
        (package / "numbers.py").write_text((package / "numbers.py").read_text() + "\n# changed\n")
        assert code_version.code_digest(package) != before
        monkeypatch.setattr(folder_cache, "running_code", lambda: before.hex() + "changed")
    dataset, failures = indicators.validate_folder(data_copy)
    assert len(validations) == (2 if in_full else 1)
    if change in ("value", "source text", "size limit"):
        assert dataset is None and failures  # the change is caught, not read from memory
    else:
        whole = indicators.load(data_copy, kept=False)
        for name in TABLES:
            pd.testing.assert_frame_equal(getattr(dataset, name), getattr(whole, name), check_exact=True)


def test_the_context_alone_is_the_folders_context_without_reading_the_observations(data_copy):
    # The guard against a small file written during a validation asks for the context
    # alone: it must be the folder's, move with any other file, and not with the rows.
    before = folder_cache.folder_print(data_copy)
    assert folder_cache.context_print(data_copy) == before.context
    edit_csv(data_copy / "observations.csv", {(0, "notes"): "a note on 2015-16"})
    after_rows = folder_cache.folder_print(data_copy)
    assert after_rows.digest != before.digest and folder_cache.context_print(data_copy) == before.context
    (data_copy / "sources" / "notes.txt").write_text("a steward's note", encoding="utf-8")
    assert folder_cache.context_print(data_copy) == folder_cache.folder_print(data_copy).context != before.context


@pytest.mark.parametrize("name, make, key", [
    ("sources/a.txt", None, "sources/a.txt"),
    ("sources/link.txt", "sources/a.txt", "sources/a.txt"),  # the file it links to
    ("sources/out.txt", "OUTSIDE/b.txt", "-> out.txt"),  # out of the folder: named as found
    ("inner/a.txt", "DIR:sources", "sources/a.txt"),  # through a linked folder inside
    ("away/b.txt", "DIR:OUTSIDE", "-> b.txt"),  # through a linked folder outside
])
def test_a_file_is_named_by_its_real_path_in_the_folder(tmp_path, name, make, key):
    folder, outside = tmp_path / "data", tmp_path / "outside"
    (folder / "sources").mkdir(parents=True)
    outside.mkdir()
    (folder / "sources" / "a.txt").write_text("a", encoding="utf-8")
    (outside / "b.txt").write_text("b", encoding="utf-8")
    if make:
        target = make.removeprefix("DIR:").replace("OUTSIDE", str(outside))
        link = folder / name if not make.startswith("DIR:") else folder / name.split("/")[0]
        link.symlink_to(target if target.startswith("/") else folder / target, target_is_directory=make.startswith("DIR:"))
    keys = folder_cache.file_keys(folder)
    assert keys(folder / "sources" / "a.txt") == "sources/a.txt"  # a directory resolved once serves again
    assert keys(folder / name) == key


def test_failing_folders_are_not_kept(data_copy, validations):
    edit_csv(data_copy / "observations.csv", {(0, "value"): "999"})
    for _ in range(2):
        dataset, failures = indicators.validate_folder(data_copy)
        assert dataset is None and failures
    assert len(validations) == 2 and _kept() == []


def test_a_folder_changed_while_it_was_validated_is_not_kept(data_copy, monkeypatch):
    monkeypatch.setattr(validation, "_validate_folder", writing_meanwhile(validation._validate_folder))
    assert indicators.validate_folder(data_copy)[0] is not None
    assert _kept() == []


def test_nothing_is_kept_when_remembering_is_off(data_copy, validations, monkeypatch):
    monkeypatch.setenv("INDICATORS_PROOF_CACHE", "off")
    assert folder_cache.cache_dir() is None
    indicators.load(data_copy)
    indicators.load(data_copy)
    assert len(validations) == 2


def test_a_torn_file_is_validated_again_with_a_warning(data_copy, validations):
    indicators.load(data_copy)
    [kept] = _kept()
    kept.write_bytes(kept.read_bytes()[:100])
    folder_cache.forget()  # as a new process would: the state read back from the cache folder
    with pytest.warns(UserWarning, match="validating in full"):
        dataset = indicators.load(data_copy)
    assert dataset is not None and len(validations) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        indicators.load(data_copy)  # written again, whole
    assert len(validations) == 2


def test_only_the_latest_folders_are_kept(data_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(folder_cache, "KEEP", 2)
    monkeypatch.setattr(folder_cache, "MAX_PATCHES", 0)  # each kept whole, none built on another
    for n in range(3):
        (data_copy / "sources" / "note.txt").write_text(f"note {n}", encoding="utf-8")
        indicators.load(data_copy)
    assert len(_kept()) == 2
    assert indicators.load(data_copy) is not None


def test_replicas_reading_one_store_validate_its_state_once(tmp_path, validations):
    # Two app processes on one store, sharing the cache folder: the published state is
    # written out the same way by each, so the second reads back what the first validated.
    from indicators.paths import DEFAULT_DATA_DIR
    from indicators.store import Store

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    first = Store(url)
    first.migrate()
    first.seed(DEFAULT_DATA_DIR)
    one, _ = first.validated()
    folder_cache.forget()  # the other replica is another process, with nothing in memory
    two, _ = Store(url).validated()
    assert len(validations) == 1
    pd.testing.assert_frame_equal(two.observations, one.observations, check_exact=True)
    assert two.folder != one.folder  # each replica reads its own copy of the files
