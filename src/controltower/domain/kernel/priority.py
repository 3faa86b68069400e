"""Demand priority: the order in which lines take supply.

An order's keys (expedite, promised date, tier, order date) are packed into one
integer and ordered by a stable radix sort; lines inherit their order's rank. Pegging
and capacity scheduling both consume this order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from controltower.domain.columnar import (
    ColumnarPicture,
)
from controltower.domain.kernel.arrays import (
    I64,
    U64,
    bits_for,
    exclusive_cumsum,
    radix_argsort,
)

# -------------------------------------------------------------------------- priority


@dataclass(frozen=True, slots=True)
class OrderPriority:
    """One packed integer per order (or per order of a subset); smaller is served first.

    Ties are left to the caller's stable sort, which keeps ``order_id`` order because
    the picture stores orders in that order.
    """

    key: U64
    bits: int


def order_priority(picture: ColumnarPicture, orders: I64 | None = None) -> OrderPriority:
    """Demand priority of ``orders`` (every order when None): expedite, promised date,
    tier, order date, packed into one integer each.

    The last criterion of ``allocation.md`` (``order_id``, then ``line``) is the storage
    order of the picture, which a stable sort keeps.
    """
    if orders is None:
        expedite, customer = picture.order_expedite, picture.order_customer
        promised = picture.order_promised.astype(np.int64)
        ordered = picture.order_date.astype(np.int64)
    else:
        expedite, customer = (
            picture.order_expedite[orders],
            picture.order_customer[orders],
        )
        promised = picture.order_promised[orders].astype(np.int64)
        ordered = picture.order_date[orders].astype(np.int64)
    if promised.shape[0] == 0:
        return OrderPriority(np.zeros(0, dtype=np.uint64), 1)
    p_min, p_span = int(promised.min()), int(promised.max() - promised.min()) + 1
    d_min, d_span = int(ordered.min()), int(ordered.max() - ordered.min()) + 1
    keys: list[tuple[npt.NDArray[np.integer], int]] = [
        ((~expedite).astype(np.int64), 2),
        (promised - p_min, p_span),
        (picture.customer_tier[customer].astype(np.int64), 3),
        (ordered - d_min, d_span),
    ]
    bits = sum(bits_for(b) for _, b in keys)
    if bits > 64:  # pragma: no cover - would need dates ~10**8 days apart
        raise ValueError("order priority does not fit 64 bits")
    word = np.zeros(promised.shape[0], dtype=np.uint64)
    for values, bound in keys:
        word <<= np.uint64(bits_for(bound))
        word |= values.astype(np.uint64)
    return OrderPriority(word, bits)


def lines_in_priority(picture: ColumnarPicture, priority: OrderPriority) -> I64:
    """Every open line, in global demand priority (across pools and warehouses).

    Sorts the orders, not the lines: an order's lines are stored together, in line
    order, so expanding the sorted orders gives the lines in priority order.
    """
    order_perm = radix_argsort(priority.key, priority.bits)
    return _expand_orders(picture, order_perm)


def _expand_orders(picture: ColumnarPicture, orders: I64) -> I64:
    """The lines of ``orders``, order after order, each order's lines in line order."""
    starts = picture.order_line_start[orders]
    lengths = picture.order_line_start[orders + 1] - starts
    total = int(lengths.sum())
    offsets = exclusive_cumsum(lengths)[:-1]
    return np.repeat(starts - offsets, lengths) + np.arange(total, dtype=np.int64)


def subset_in_priority(picture: ColumnarPicture, lines: I64) -> I64:
    """``lines`` (ascending line ids) reordered into demand priority."""
    priority = order_priority(picture, picture.line_order[lines].astype(np.int64))
    return lines[radix_argsort(priority.key, priority.bits)]


def by_pool(picture: ColumnarPicture, lines_by_priority: I64) -> I64:
    """The lines grouped by pool (ascending pool id), priority order kept within a pool."""
    pools = picture.line_pool[lines_by_priority]
    perm = radix_argsort(pools.astype(np.uint64), bits_for(picture.n_pools))
    return lines_by_priority[perm]
