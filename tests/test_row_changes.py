"""The changed stretch of a CSV file is found in its bytes: whatever the edit, the old
file with the span put in is the new file, and the records outside it are the same."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import row_changes

HEADER = ["a", "b"]


def _csv(rows: list[list[str]], final_newline: bool = True) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([HEADER, *rows])
    text = out.getvalue()
    return (text if final_newline else text[:-1]).encode()


def _records(raw: bytes) -> list[bytes]:
    starts = row_changes.record_starts(raw)
    return [raw[a:b] for a, b in zip(starts[:-1], starts[1:])]


# Cells with what makes CSV records hard to tell apart: commas, quotes, newlines inside.
cells = st.text(alphabet=st.sampled_from(list('ab,"\n é')), max_size=6)
rows = st.lists(st.lists(cells, min_size=2, max_size=2), max_size=12)


@pytest.mark.parametrize("raw, records", [
    (b"a,b\n1,2\n", [b"a,b\n", b"1,2\n"]),
    (b"a,b\n1,2", [b"a,b\n", b"1,2"]),  # no newline at the end
    (b'a,b\n"x\ny",2\n3,4\n', [b"a,b\n", b'"x\ny",2\n', b"3,4\n"]),  # a newline inside quotes
    (b'a,b\n"say ""hi""\n",2\n', [b"a,b\n", b'"say ""hi""\n",2\n']),  # doubled quotes
    (b"a,b\r\n1,2\r\n", [b"a,b\r\n", b"1,2\r\n"]),
])
def test_records_end_at_newlines_outside_quotes(raw, records):
    assert _records(raw) == records


@given(rows)
def test_record_starts_split_as_a_csv_reader_does(table):
    raw = _csv(table)
    parsed = list(csv.reader(io.StringIO(raw.decode(), newline="")))
    assert [next(csv.reader(io.StringIO(r.decode(), newline=""))) for r in _records(raw)] == parsed


@settings(max_examples=300)
@given(rows, rows, st.integers(0, 12), st.integers(0, 12), st.booleans(), st.booleans())
def test_the_span_turns_the_old_file_into_the_new(old_rows, inserted, cut, removed, old_end, new_end):
    old = _csv(old_rows, old_end)
    new_rows = old_rows[:cut] + inserted + old_rows[cut + removed:]
    new = _csv(new_rows, new_end)
    starts = row_changes.record_starts(old)
    span = row_changes.changed_span(old, starts, new)
    if span is None:  # only when the header record itself changed (it gained or lost its newline)
        assert _records(old)[0] != _records(new)[0]
        return
    assert row_changes.new_raw(bytearray(old), starts, span) == new
    after = row_changes.new_starts(starts, span)
    assert np.array_equal(after, row_changes.record_starts(new))
    # The records before and after the span are the old ones, byte for byte.
    kept_before, kept_after = _records(old)[:span.first], _records(old)[span.stop:]
    assert _records(new)[:span.first] == kept_before
    assert _records(new)[len(_records(new)) - len(kept_after):] == kept_after
    # The span is no wider than the edit (and the record it touches at either end).
    if old == new:
        assert span.rows == 0 and span.stop == span.first


def test_one_edited_row_is_the_span():
    old = _csv([["1", "x"], ["2", "y"], ["3", "z"]])
    new = _csv([["1", "x"], ["2", "changed"], ["3", "z"]])
    span = row_changes.changed_span(old, row_changes.record_starts(old), new)
    assert (span.first, span.stop, span.middle) == (2, 3, b"2,changed\n")


def test_rows_appended_after_a_last_row_without_newline_take_that_row_in():
    old = _csv([["1", "x"]], final_newline=False)
    new = _csv([["1", "x"], ["2", "y"]])
    span = row_changes.changed_span(old, row_changes.record_starts(old), new)
    assert (span.first, span.stop, span.middle) == (1, 2, b"1,x\n2,y\n")


def test_an_opened_quote_takes_the_rest_of_the_file():
    # A quote opened in the edited row and closed two rows later turns those rows into one
    # record: the span grows until the quotes balance again.
    old = _csv([["1", "x"], ["2", "y"], ["3", "z"], ["4", "w"]])
    new = old.replace(b"2,y", b'2,"y').replace(b"3,z", b'3",z')
    span = row_changes.changed_span(old, row_changes.record_starts(old), new)
    assert (span.first, span.stop, span.rows) == (2, 4, 1)


def test_a_changed_header_has_no_span():
    old, new = _csv([["1", "x"]]), _csv([["1", "x"]]).replace(b"a,b", b"a,c")
    assert row_changes.changed_span(old, row_changes.record_starts(old), new) is None


def test_a_patch_puts_its_rows_in_and_over_the_rows_of_the_indicators_it_touched():
    table = pd.DataFrame({"indicator_id": ["p", "q", "p", "r"], "value": [1.0, 2.0, 3.0, 4.0]})
    old = _csv([["p", "1"], ["q", "2"], ["p", "3"], ["r", "4"]])
    new = _csv([["p", "1"], ["q", "2"], ["p", "30"], ["p", "31"], ["r", "4"]])
    span = row_changes.changed_span(old, row_changes.record_starts(old), new)
    positions = np.array([0, 2, 3])
    rows = pd.DataFrame({"indicator_id": ["p", "p", "p"], "value": [10.0, 30.0, 31.0]}, index=positions)
    out = row_changes.apply(table, row_changes.Patch(span, positions, rows))
    expected = pd.DataFrame({"indicator_id": ["p", "q", "p", "p", "r"], "value": [10.0, 2.0, 30.0, 31.0, 4.0]})
    pd.testing.assert_frame_equal(out, expected)
