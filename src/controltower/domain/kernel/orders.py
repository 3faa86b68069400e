"""Order standing: each order's blockers, status, allocation, dates and risk.

An order's standing is a reduction over its lines (orders own consecutive lines), so it
is computed with segment reductions; the incremental engine reuses it on the orders a
change touches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from controltower.domain.columnar import (
    NULL_DAY,
    ColumnarPicture,
)
from controltower.domain.kernel.arrays import I8, I32, I64, Bools, segment_sums
from controltower.domain.kernel.codes import (
    ALLOCATION_FULL,
    ALLOCATION_NONE,
    ALLOCATION_PARTIAL,
    BLOCKER_CAPACITY,
    BLOCKER_CREDIT,
    BLOCKER_INBOUND,
    BLOCKER_NO_SUPPLY,
    BLOCKER_QUALITY,
    STATUS_OF_BLOCKERS,
)


@dataclass(frozen=True, slots=True)
class OrderColumns:
    blockers: I8
    status: I8
    allocation: I8
    projected_ship_day: I32
    at_risk: Bools
    days_late: I32


def reduce_orders(
    picture: ColumnarPicture,
    *,
    short: I64,
    from_stock: I64,
    supply_day: I32,
    projected_day: I32,
    has_held: Bools,
    has_inbound: Bools,
    credit_blocked: Bools,
) -> OrderColumns:
    """Allocation, blockers, status, dates and risk of every order from its lines."""
    if picture.n_orders == 0:
        none8, none32 = np.zeros(0, dtype=np.int8), np.zeros(0, dtype=np.int32)
        return OrderColumns(none8, none8, none8, none32, np.zeros(0, np.bool_), none32)
    starts = picture.order_line_start[:-1]
    # Each line's own blockers as bits, or-ed over the order's lines in one pass.
    line_bits = (short > 0).view(np.uint8) * np.uint8(BLOCKER_NO_SUPPLY)
    line_bits |= has_held.view(np.uint8) * np.uint8(BLOCKER_QUALITY)
    line_bits |= has_inbound.view(np.uint8) * np.uint8(BLOCKER_INBOUND)
    line_bits |= (projected_day > supply_day).view(np.uint8) * np.uint8(BLOCKER_CAPACITY)
    credit = credit_blocked[picture.order_customer]
    blockers = (
        np.bitwise_or.reduceat(line_bits, starts) | credit.view(np.uint8) * np.uint8(BLOCKER_CREDIT)
    ).astype(np.int8)
    any_short = (blockers & BLOCKER_NO_SUPPLY) != 0
    latest = np.maximum.reduceat(projected_day, starts)
    covered = segment_sums(from_stock, picture.order_line_start)
    open_qty = segment_sums(picture.line_open_qty, picture.order_line_start)
    allocation = np.where(
        covered <= 0,
        ALLOCATION_NONE,
        np.where(covered >= open_qty, ALLOCATION_FULL, ALLOCATION_PARTIAL),
    ).astype(np.int8)
    ship_day = np.where(any_short, NULL_DAY, latest).astype(np.int32)
    late = ship_day.astype(np.int64) - picture.order_promised
    return OrderColumns(
        blockers=blockers,
        status=STATUS_OF_BLOCKERS[blockers],
        allocation=allocation,
        projected_ship_day=ship_day,
        at_risk=credit | any_short | (~any_short & (late > 0)),
        days_late=np.where(any_short, -1, np.maximum(late, 0)).astype(np.int32),
    )
