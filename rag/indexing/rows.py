"""Sets of chunk row ids as filters hand them to the legs: sorted, distinct, and cut into runs of consecutive
values (a date range or a collection of an archive written in order is one run)."""

from __future__ import annotations

import numpy as np


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending. They mostly come sorted already (SQLite reads row ids in index order; an
    archive written day by day stores its rows in id order): checking costs 0.2 ms for 100k values, where
    np.unique took 22 ms."""
    if len(values) > 1 and not np.all(values[1:] > values[:-1]):
        values = np.sort(values)
        values = values[np.r_[True, values[1:] != values[:-1]]]
    return values


def runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The runs of consecutive values in a sorted, distinct, non-empty array: their starts and (exclusive) ends."""
    breaks = np.flatnonzero(np.diff(values) != 1) + 1
    return values[np.r_[0, breaks]], values[np.r_[breaks, len(values)] - 1] + 1
