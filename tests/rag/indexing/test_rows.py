"""Row-id sets: sorted and distinct whatever order they come in, and their runs of consecutive ids."""

import numpy as np
import pytest

from rag.indexing.rows import RowSet, runs, sorted_unique


def test_rows_come_out_sorted_and_distinct():
    assert sorted_unique(np.array([9, 3, 9, 1, 3])).tolist() == [1, 3, 9]
    assert sorted_unique(np.arange(5)).tolist() == [0, 1, 2, 3, 4]
    assert sorted_unique(np.array([], dtype=np.int64)).tolist() == []


def test_runs_of_consecutive_rows_with_exclusive_ends():
    starts, ends = runs(np.array([2, 3, 4, 8, 10, 11]))
    assert starts.tolist() == [2, 8, 10] and ends.tolist() == [5, 9, 12]
    starts, ends = runs(np.array([7]))
    assert starts.tolist() == [7] and ends.tolist() == [8]


def test_a_row_set_sorts_its_ids_and_derives_each_thing_once():
    rows = RowSet([9, 3, 4, 3, 5])
    assert rows.ids.tolist() == [3, 4, 5, 9] and len(rows) == 4
    starts, ends = rows.runs()
    assert starts.tolist() == [3, 9] and ends.tolist() == [6, 10]
    made = []
    first = rows.derived("segment", lambda: made.append(1) or np.array([0, 2]))
    assert rows.derived("segment", lambda: made.append(1) or np.array([7])) is first and made == [1]
    assert rows.runs() is rows.runs()
    with pytest.raises(ValueError, match="-1"):
        RowSet([4, -1])
