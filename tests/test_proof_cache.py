"""Proofs remembered by the digest of what they read: a second validation proves only what
changed, and nothing a forger can change is taken from memory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import indicators
from indicators import folder_cache, proof, proof_cache
from tests.conftest import edit_csv


def _remembered() -> set[bytes]:
    """The digests the file and its journal hold for the running code."""
    raw = proof_cache._read() + proof_cache._journal()
    return {raw[i:i + proof_cache.DIGEST_BYTES] for i in range(0, len(raw), proof_cache.DIGEST_BYTES)}


@pytest.fixture
def folder(data_copy):
    return data_copy


@pytest.fixture(autouse=True)
def _every_validation_in_full(monkeypatch):
    # These tests are about proofs remembered one row at a time: whole folders validated
    # before (indicators.folder_cache) would skip the validations they watch.
    monkeypatch.setattr(folder_cache, "cache_dir", lambda: None)


def _row_of(folder, indicator_id: str) -> int:
    frame = pd.read_csv(folder / "observations.csv", dtype=str, keep_default_na=False)
    return int(frame.index[frame["indicator_id"] == indicator_id][0])


def _proofs_made(monkeypatch) -> list[str]:
    """Record every quote the proof reads from here on."""
    made = []
    for name in ("prove_value", "prove_ratio"):
        original = getattr(proof, name)

        def spy(quote, *args, original=original, **kwargs):
            made.append(quote)
            return original(quote, *args, **kwargs)

        monkeypatch.setattr(proof, name, spy)
    return made


def test_a_second_validation_proves_only_rows_checked_as_pairs(folder, monkeypatch):
    dataset = indicators.load(folder)
    assert len(_remembered()) > 0
    made = _proofs_made(monkeypatch)
    indicators.load(folder)
    statement = ["indicator_id", "source", "location", "quote"]
    singles = dataset.observations[dataset.observations["numerator"].isna()]
    paired = singles[singles.duplicated(statement, keep=False)]
    # Targets and single rows come from memory; only rows proven as pairs are proven again.
    assert sorted(made) == sorted(paired["quote"])
    assert len(made) < len(singles)  # the other single rows came from memory


@pytest.mark.parametrize("column, forged, rule", [
    ("value", "1890", "value_not_in_quote"),
    ("location", "99", "quote_not_at_location"),
    ("quote", "The number of targeted attacks increased", "value_not_in_quote"),
])
def test_a_row_changed_after_its_proof_was_remembered_is_proven_again(folder, column, forged, rule):
    indicators.load(folder)  # every row proven and remembered
    row = _row_of(folder, "women_military_peacekeepers")
    edit_csv(folder / "observations.csv", {(row, column): forged})
    _, failures = indicators.validate_folder(folder)
    assert rule in {f.rule for f in failures if f.row == row + 2}


def test_a_changed_source_text_is_proven_again(folder):
    indicators.load(folder)
    text = folder / "sources" / "A-72-573.txt"
    original = text.read_text(encoding="utf-8")
    assert " 227 " in original
    text.write_text(original.replace(" 227 ", " 237 "), encoding="utf-8")
    _, failures = indicators.validate_folder(folder)
    assert "quote_not_at_location" in {f.rule for f in failures}


def test_a_new_proof_version_forgets_every_proof(folder, monkeypatch):
    indicators.load(folder)
    monkeypatch.setattr(proof_cache, "PROOF_VERSION", "next")
    made = _proofs_made(monkeypatch)
    dataset = indicators.load(folder)
    assert len(made) >= len(dataset.observations) - 5


def test_a_change_to_the_code_forgets_every_proof(folder, monkeypatch):
    # A rule of the tokenizer or the proof changed by an upgrade must not be skipped by
    # proofs the old code made.
    indicators.load(folder)
    monkeypatch.setattr(proof_cache, "proving_code", lambda: "other code")
    made = _proofs_made(monkeypatch)
    dataset = indicators.load(folder)
    assert len(made) >= len(dataset.observations) - 5


def test_remembering_can_be_turned_off(folder, monkeypatch, tmp_path):
    monkeypatch.setenv("INDICATORS_PROOF_CACHE", "off")
    indicators.load(folder)
    assert proof_cache.cache_file() is None and not (tmp_path / "proofs.bin").exists()


def test_a_torn_cache_file_is_read_up_to_its_last_whole_digest(folder, tmp_path):
    indicators.load(folder)
    path = tmp_path / "proofs.bin"
    whole = path.read_bytes()
    path.write_bytes(whole + b"\x00" * 7)
    raw = proof_cache._read()
    assert raw == whole[16:]  # after the header, up to the last whole digest
    indicators.load(folder)  # the torn tail is ignored, not read as a digest


def test_the_file_keeps_only_the_proofs_of_the_running_code(folder, monkeypatch, tmp_path):
    # Proofs made by other code are never met again: a new version starts the file afresh
    # instead of carrying them, so the file (and its reading) does not grow with each release.
    indicators.load(folder)
    size = (tmp_path / "proofs.bin").stat().st_size
    monkeypatch.setattr(proof_cache, "proving_code", lambda: "other code")
    assert _remembered() == set()
    indicators.load(folder)
    assert (tmp_path / "proofs.bin").stat().st_size == size


def test_validate_without_the_cache_proves_every_row(folder, monkeypatch, tmp_path, capsys):
    from indicators import cli

    indicators.load(folder)
    made = _proofs_made(monkeypatch)
    assert cli.main(["validate", "--data", str(folder), "--no-cache"]) == 0
    assert len(made) >= len(pd.read_csv(folder / "observations.csv")) - 5


# Random digests, and digests of two byte values, which often share their first eight bytes
# (the lookup's first key) and differ only after them.
DIGEST = st.one_of(st.binary(min_size=16, max_size=16),
                   st.lists(st.sampled_from([b"\x00", b"\x01"]), min_size=16, max_size=16).map(b"".join))


@settings(max_examples=100, deadline=None)
@given(st.sets(DIGEST, max_size=40), st.sets(DIGEST, max_size=10), st.lists(DIGEST, max_size=20), st.booleans())
@example({bytes(8) + b"\x01" * 8, bytes(8) + b"\x02" * 8}, set(), [], False)  # the second of a tie
def test_a_digest_is_known_exactly_when_the_file_or_its_journal_holds_it(stored, appended, others, shuffled):
    # Digests that end in zero bytes, or differ only there, are told apart; a file whose
    # digests are out of order (written by hand, or by another tool) is still searched right.
    path = proof_cache.cache_file()
    ordered = sorted(stored, reverse=shuffled)
    path.write_bytes(proof_cache._header() + b"".join(ordered))
    proof_cache._journal_file(path).write_bytes(b"".join(appended))
    held = stored | appended
    asked = [*held, *others, None, *(d[:15] + b"\x00" for d in held)]
    usable = np.array([d is not None for d in asked], dtype=bool)
    digests = np.array([d or b"" for d in asked], dtype=proof_cache.WIDTH)
    assert proof_cache.known(digests, usable).tolist() == [d is not None and d in held for d in asked]


def _digests(first: int, count: int) -> set[bytes]:
    return {n.to_bytes(proof_cache.DIGEST_BYTES, "big") for n in range(first, first + count)}


def _array(digests: set[bytes]) -> np.ndarray:
    return np.array(sorted(digests), dtype=proof_cache.WIDTH)


def test_a_few_new_proofs_are_appended_and_past_the_limit_merged_into_the_sorted_file(monkeypatch):
    path = proof_cache.cache_file()
    journal = proof_cache._journal_file(path)
    proof_cache.remember(_array(set()), _array(_digests(0, 50)))  # no file yet: written whole
    written = path.read_bytes()
    assert not journal.exists() and len(written) == 51 * proof_cache.DIGEST_BYTES
    monkeypatch.setattr(proof_cache, "JOURNAL_MAX", 5)
    proof_cache.remember(_array(_digests(0, 50)), _array(_digests(100, 3)))
    proof_cache.remember(_array(set()), _array(_digests(200, 2)))  # 5 appended: exactly the limit
    assert path.read_bytes() == written  # the sorted file is not written again
    assert journal.stat().st_size == 5 * proof_cache.DIGEST_BYTES
    assert _remembered() == _digests(0, 50) | _digests(100, 3) | _digests(200, 2)
    proof_cache.remember(_array(set()), _array(_digests(300, 1)))  # one past it: merged
    assert not journal.exists()
    every = _digests(0, 50) | _digests(100, 3) | _digests(200, 2) | _digests(300, 1)
    raw = proof_cache._read()
    assert [raw[i:i + 16] for i in range(0, len(raw), 16)] == sorted(every)


def test_a_torn_append_is_cut_before_the_next_one(monkeypatch):
    path = proof_cache.cache_file()
    proof_cache.remember(_array(set()), _array(_digests(0, 10)))
    proof_cache.remember(_array(set()), _array(_digests(100, 2)))
    journal = proof_cache._journal_file(path)
    journal.write_bytes(journal.read_bytes() + b"\xff" * 7)  # a write cut short
    proof_cache.remember(_array(set()), _array(_digests(200, 2)))
    assert _remembered() == _digests(0, 10) | _digests(100, 2) | _digests(200, 2)
    assert journal.stat().st_size == 4 * proof_cache.DIGEST_BYTES


def test_a_journal_of_other_code_is_never_read_and_goes_at_the_next_merge(monkeypatch):
    path = proof_cache.cache_file()
    proof_cache.remember(_array(set()), _array(_digests(0, 10)))
    proof_cache.remember(_array(set()), _array(_digests(100, 2)))
    old_journal = proof_cache._journal_file(path)
    monkeypatch.setattr(proof_cache, "proving_code", lambda: "other code")
    assert proof_cache._journal_file(path) != old_journal and _remembered() == set()
    assert not proof_cache.known(_array(_digests(100, 2)), np.ones(2, dtype=bool)).any()
    proof_cache.remember(_array(set()), _array(_digests(500, 1)))  # the file is another code's: written afresh
    assert _remembered() == _digests(500, 1) and not old_journal.exists()


_ROW = {"source": "TEST/1", "location": "12", "quote": "It rose to 227.", "value": 227.0, "numerator": float("nan"),
        "denominator": float("nan")}


@pytest.mark.parametrize("one, other", [
    ({"location": None}, {"location": "None"}),  # missing is not the text "None"
    ({"quote": None}, {"quote": "-"}),  # nor the text "-"
    ({"value": 227.0}, {"value": 227.00000000000003}),  # the nearest other number
    ({"numerator": float("nan")}, {"numerator": 0.0}),
    ({"source": "TEST/1"}, {"source": "TEST/2"}),  # another source, though its text is the same
    ({"location": "12", "quote": "It\x1frose"}, {"location": "12\x1fIt", "quote": "rose"}),  # text across a field's end
])
def test_rows_that_differ_in_anything_the_proof_reads_have_other_digests(one, other):
    from types import SimpleNamespace

    sources = {"TEST/1": SimpleNamespace(digest="same text"), "TEST/2": SimpleNamespace(digest="same text")}
    frame = pd.DataFrame([{**_ROW, **one}, {**_ROW, **one}, {**_ROW, **other}])
    digests = proof_cache.row_digests(frame, sources, "observations", None)
    assert proof_cache.usable(frame, sources, pd.Series(False, index=frame.index)).all()
    assert digests[0] == digests[1] != digests[2]


def test_rows_citing_an_unknown_source_or_proven_as_a_pair_are_never_remembered():
    from types import SimpleNamespace

    frame = pd.DataFrame([_ROW, {**_ROW, "source": "TEST/9"}, _ROW])
    sources = {"TEST/1": SimpleNamespace(digest="d")}
    digests = proof_cache.row_digests(frame, sources, "observations", None)
    usable = proof_cache.usable(frame, sources, pd.Series([False, False, True]))
    assert usable.tolist() == [True, False, False]
    assert not proof_cache.known(digests, usable)[1:].any()


PART = 7  # rows of a part in the tests below: the shipped observations span several


@pytest.fixture
def hashed_alone(monkeypatch) -> list[tuple[int, int]]:
    """The spans of rows (by position: the tables are read with positions as their index)
    hashed one by one, from here on, in parts of ``PART`` rows."""
    monkeypatch.setattr(proof_cache, "PART_ROWS", PART)
    spans = []
    original = proof_cache.row_digests

    def spy(df, *args):
        spans.append((int(df.index[0]), int(df.index[-1]) + 1))
        return original(df, *args)

    monkeypatch.setattr(proof_cache, "row_digests", spy)
    return spans


def test_an_unchanged_table_is_taken_from_memory_part_by_part_with_no_row_hashed_alone(folder, hashed_alone,
                                                                                          monkeypatch):
    rows = len(pd.read_csv(folder / "observations.csv"))
    assert rows > 3 * PART
    indicators.load(folder)
    assert hashed_alone, "the first validation hashed no row alone"
    hashed_alone.clear()
    made = _proofs_made(monkeypatch)
    dataset = indicators.load(folder)
    assert hashed_alone == []
    statement = ["indicator_id", "source", "location", "quote"]
    singles = dataset.observations[dataset.observations["numerator"].isna()]
    assert sorted(made) == sorted(singles[singles.duplicated(statement, keep=False)]["quote"])


def test_an_edited_row_is_looked_up_alone_in_its_part_and_the_other_parts_whole(folder, hashed_alone, monkeypatch):
    indicators.load(folder)
    row = _row_of(folder, "women_military_peacekeepers")
    frame = pd.read_csv(folder / "observations.csv", dtype=str, keep_default_na=False)
    spaced = frame.loc[row, "quote"].replace("per cent", "per  cent")
    assert spaced != frame.loc[row, "quote"]
    edit_csv(folder / "observations.csv", {(row, "quote"): spaced})  # still proven, but other material
    hashed_alone.clear()
    made = _proofs_made(monkeypatch)
    indicators.load(folder)
    first = row // PART * PART
    assert hashed_alone == [(first, min(first + PART, len(frame)))]  # the targets' parts, unchanged, whole
    assert spaced in made


def test_a_part_with_a_failing_row_is_not_remembered_whole(folder, hashed_alone):
    row = _row_of(folder, "women_military_peacekeepers")
    edit_csv(folder / "observations.csv", {(row, "value"): "1890"})
    for _ in range(2):
        hashed_alone.clear()
        _, failures = indicators.validate_folder(folder)
        assert "value_not_in_quote" in {f.rule for f in failures if f.row == row + 2}
        first = row // PART * PART
        assert (first, first + PART) in hashed_alone  # looked up row by row again


def _part(rows: list[dict], usable: list[bool] | None = None, says: str = "d", place: list | None = None) -> bytes:
    """The digest of one part of ``rows`` (over ``_ROW``), citing sources whose text is ``says``."""
    from types import SimpleNamespace

    frame = pd.DataFrame([{**_ROW, **row} for row in rows])
    sources = {"TEST/1": SimpleNamespace(digest=says), "TEST/2": SimpleNamespace(digest="d")}
    usable = np.array(usable if usable is not None else [True] * len(frame))
    places = None if place is None else pd.Series(place, index=frame.index, dtype=object)
    return proof_cache._Parts(frame, sources, "observations", places, usable).digest(0, len(frame))


@pytest.mark.parametrize("one, other", [
    ([{"location": "ab"}, {"location": "c"}], [{"location": "a"}, {"location": "bc"}]),  # the same text, split otherwise
    ([{"quote": "ab"}, {"location": "c"}], [{"quote": "a"}, {"location": "c"}]),
    ([{"quote": None}], [{"quote": ""}]),  # missing is not empty
    ([{"location": None}], [{"location": "None"}]),
    ([{"value": 227.0}], [{"value": 227.00000000000003}]),
    ([{"numerator": float("nan")}], [{"numerator": 0.0}]),
    ([{"source": "TEST/1"}], [{"source": "TEST/2"}]),  # another source, though its text is the same
    ([{}, {}], [{}, {}, {}]),  # one row more
])
def test_parts_of_other_rows_have_other_digests(one, other):
    assert _part(one) != _part(other)
    assert _part(one) == _part([dict(row) for row in one])


def test_a_part_digest_covers_which_rows_may_be_remembered_and_what_their_sources_say():
    rows = [{}, {"source": "TEST/2"}]
    assert _part(rows) != _part(rows, usable=[True, False])  # one of them a pair, or of an unknown source
    assert _part(rows) != _part(rows, says="rewritten")  # TEST/1's text changed
    assert _part([{"source": "TEST/2"}]) == _part([{"source": "TEST/2"}], says="rewritten")  # not cited here


def test_a_part_digest_covers_each_row_s_place_in_its_series():
    digests = {_part([{}], place=[where]) for where in ("earlier", "later", None)}
    assert len(digests) == 3 and _part([{}]) in digests
