"""The floor: the least work any full recompute of the allocation rules has to do.

Every correct implementation must at least bring each pool's demand into priority
order. The floor is that alone, done as cheaply as numpy can: one ``argsort`` of a
packed 64-bit key per open line, ``(pool << b) | priority rank``, with the key already
built. A kernel "within k times the floor" spends at most k such sorts on everything
else (reservations, pegging, dates, capacity, orders, credit, alternatives).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from controltower.domain.columnar import ColumnarPicture
from controltower.domain.kernel import lines_in_priority, order_priority


def packed_pool_priority_key(picture: ColumnarPicture) -> npt.NDArray[np.uint64]:
    """One unique 64-bit key per open line: its pool, then its global priority rank."""
    n = picture.n_lines
    rank = np.empty(n, dtype=np.uint64)
    rank[lines_in_priority(picture, order_priority(picture))] = np.arange(n, dtype=np.uint64)
    shift = np.uint64(max(1, n.bit_length()))
    return (picture.line_pool.astype(np.uint64) << shift) | rank


def floor_sort(key: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
    """The measured operation: one argsort of the packed key."""
    return np.argsort(key)
