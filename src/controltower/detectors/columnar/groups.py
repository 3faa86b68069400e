"""Runs, group bounds and exact group sums over sorted candidate arrays.

The detectors gather candidates sorted by their owner (an order, a PO, a pool) and
need each owner's slice and exact sums; these helpers give them with whole-array
operations and Python integers where an ``int64`` could overflow.
"""

from __future__ import annotations

import itertools

import numpy as np

from controltower.detectors.columnar.bulk_text import Amounts, Ints
from controltower.domain.tables import I64, Bools


def sums_of_products(qty: Ints, price: Ints, start: I64) -> list[int]:
    """Exact ``sum(qty * price)`` (at 12 decimals) of each group ``[start[k], start[k+1])``."""
    products = [q * p for q, p in zip(qty.tolist(), price.tolist(), strict=True)]
    cumulative = [0, *itertools.accumulate(products)]
    bounds = start.tolist()
    return [cumulative[b] - cumulative[a] for a, b in itertools.pairwise(bounds)]


def sums_of(values: Amounts, start: I64) -> list[int]:
    """Exact sums of the groups ``[start[k], start[k+1])`` of ``values``."""
    cumulative = [0, *itertools.accumulate(int(v) for v in values.tolist())]
    bounds = start.tolist()
    return [cumulative[b] - cumulative[a] for a, b in itertools.pairwise(bounds)]


def distinct_sorted(values: Ints) -> I64:
    """``np.unique(values)`` for integer keys, by sorting.

    numpy 2.3+ answers a plain ``np.unique`` from a hash table, which is about fifteen
    times slower than a sort on the million-row keys of a crisis day (seconds per
    call); the result is the same: the distinct values, ascending.
    """
    ordered = np.sort(values.astype(np.int64, copy=False))
    found: I64 = ordered[first_in_runs(ordered)]
    return found


def first_in_runs(keys: Ints) -> Bools:
    """For ``keys`` sorted ascending, where each run of equal keys starts."""
    found: Bools = np.ones(keys.shape[0], dtype=np.bool_)
    found[1:] = keys[1:] != keys[:-1]
    return found


def last_in_runs(keys: Ints) -> Bools:
    """For ``keys`` sorted ascending, where each run of equal keys ends."""
    found: Bools = np.ones(keys.shape[0], dtype=np.bool_)
    found[:-1] = keys[1:] != keys[:-1]
    return found


def group_bounds(owner: Ints, n: int) -> list[int]:
    """For ``owner`` sorted ascending, where each of the ``n`` owners' run starts (and
    the end), as a list for slicing Python lists."""
    bounds: list[int] = np.searchsorted(owner, np.arange(n + 1)).tolist()
    return bounds


def pairs_by_group(groups: Ints, values: Ints, n_groups: int) -> tuple[I64, I64, list[int]]:
    """The distinct (group, value) pairs, sorted: their groups, their values, and the
    bounds of each group's run."""
    width = int(values.max(initial=0)) + 1
    pairs = distinct_sorted(groups.astype(np.int64) * width + values)
    owner = pairs // width
    return owner, pairs % width, group_bounds(owner, n_groups)
