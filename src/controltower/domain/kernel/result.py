"""The kernel's result (:class:`ColumnarAnalysis`) and the full recompute that makes it.

:func:`analyse_columns` runs the stages in order (priority, pegging, capacity, money
and credit, order standing, transfer alternatives) and gathers their arrays into one
immutable result that the detectors, the scan writer and the incremental engine read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from controltower.domain.columnar import (
    ColumnarPicture,
)
from controltower.domain.kernel.alternatives import (
    AlternativeColumns,
    transfer_alternatives,
)
from controltower.domain.kernel.arrays import (
    I8,
    I32,
    I64,
    Bools,
    Exact,
    flags_at,
    group_sums,
    order_sums,
    scatter,
)
from controltower.domain.kernel.capacity import schedule_capacity
from controltower.domain.kernel.codes import SOURCE_HELD, SOURCE_INBOUND
from controltower.domain.kernel.credit import (
    CreditColumns,
    assess_credit,
    exact_product,
)
from controltower.domain.kernel.orders import reduce_orders
from controltower.domain.kernel.pegging import PegResult, peg
from controltower.domain.kernel.priority import (
    by_pool,
    lines_in_priority,
    order_priority,
)

# ------------------------------------------------------------------------ the result


@dataclass(frozen=True, slots=True)
class ColumnarAnalysis:
    """The kernel's whole conclusion, as arrays.

    Line arrays are indexed by line id, order arrays by order id, pool arrays by pool
    id, ``inbound_unpegged`` by inbound id (all as in the picture). Days are day
    numbers with ``NULL_DAY`` for a null date; ``order_days_late`` is -1 when null.
    Order codes are the ``BLOCKER_*`` bits, ``STATUS_*`` and ``ALLOCATION_*`` values.
    """

    picture: ColumnarPicture
    line_from_stock: I64
    line_short: I64
    line_supply_day: I32
    line_projected_day: I32
    #: line ``i``'s future-supply pegs are ``peg_*[peg_first[i]:peg_first[i] + count[i]]``
    line_peg_first: I64
    line_peg_count: I64
    peg_kind: I8
    peg_inbound: I64
    peg_qty: I64
    peg_day: I32
    #: ``open_qty * unit_price`` per line, at ``value_decimals``
    line_value: Exact
    value_decimals: int
    alternatives: AlternativeColumns
    order_blockers: I8
    order_status: I8
    order_allocation: I8
    order_projected_ship_day: I32
    order_at_risk: Bools
    order_days_late: I32
    order_open_value: Exact
    pool_physical: I64
    pool_free_stock: I64
    pool_demand: I64
    pool_short: I64
    inbound_unpegged: I64
    credit: CreditColumns


def analyse_columns(picture: ColumnarPicture) -> ColumnarAnalysis:
    """The full recompute: pegging, capacity, orders, credit, for every pool."""
    in_priority = lines_in_priority(picture, order_priority(picture))
    pegging = _peg_every_pool(picture, in_priority)
    n = picture.n_lines
    projected_day = scatter(
        in_priority, schedule_capacity(picture, in_priority, pegging.supply_day), n
    )
    line_value, value_decimals = exact_product(picture.line_open_qty, picture.line_unit_price)
    order_value = order_sums(line_value, picture.order_line_start)
    credit = assess_credit(picture, order_value, value_decimals)
    orders = reduce_orders(
        picture,
        short=pegging.short,
        from_stock=pegging.from_stock,
        supply_day=pegging.supply_day,
        projected_day=projected_day,
        has_held=pegging.has_held,
        has_inbound=pegging.has_inbound,
        credit_blocked=credit.blocked,
    )
    pegs = pegging.pegs
    return ColumnarAnalysis(
        picture=picture,
        line_from_stock=pegging.from_stock,
        line_short=pegging.short,
        line_supply_day=pegging.supply_day,
        line_projected_day=projected_day,
        line_peg_first=pegging.peg_first,
        line_peg_count=pegging.peg_count,
        peg_kind=pegs.peg_kind,
        peg_inbound=pegs.peg_inbound,
        peg_qty=pegs.peg_qty,
        peg_day=pegs.peg_day,
        line_value=line_value,
        value_decimals=value_decimals,
        alternatives=transfer_alternatives(
            picture, pegging.short, projected_day, pegging.pool_free_stock
        ),
        order_blockers=orders.blockers,
        order_status=orders.status,
        order_allocation=orders.allocation,
        order_projected_ship_day=orders.projected_ship_day,
        order_at_risk=orders.at_risk,
        order_days_late=orders.days_late,
        order_open_value=order_value,
        pool_physical=pegging.pool_physical,
        pool_free_stock=pegging.pool_free_stock,
        pool_demand=pegging.pool_demand,
        pool_short=pegging.pool_short,
        inbound_unpegged=pegging.inbound_unpegged,
        credit=credit,
    )


@dataclass(frozen=True, slots=True)
class _Pegging:
    """Pegging of every pool, as arrays over all lines, pools and inbound lines."""

    pegs: PegResult
    from_stock: I64
    short: I64
    supply_day: I32
    peg_first: I64
    peg_count: I64
    has_held: Bools
    has_inbound: Bools
    pool_physical: I64
    pool_free_stock: I64
    pool_demand: I64
    pool_short: I64
    inbound_unpegged: I64


def _peg_every_pool(picture: ColumnarPicture, in_priority: I64) -> _Pegging:
    """Peg all pools, ordering demand only where the order can matter.

    In a pool whose open demand does not exceed its physical stock, every line is
    served from stock in full whatever its priority (reservations included) and no
    future supply is touched: no sort is needed. Only the contended pools, where
    demand exceeds physical stock, are grouped and pegged by :func:`peg`.
    """
    n = picture.n_lines
    held = picture.pool_quality_hold
    physical = np.maximum(picture.pool_on_hand - held, 0)
    demand = group_sums(picture.line_pool, picture.line_open_qty, picture.n_pools)
    contended = demand > physical
    pools = np.flatnonzero(contended)
    lines = by_pool(picture, in_priority[contended[picture.line_pool[in_priority]]])
    inbound = np.flatnonzero(contended[picture.inbound_pool])
    pegs = peg(picture, lines, pools, inbound)

    from_stock = picture.line_open_qty.copy()
    from_stock[lines] = pegs.from_stock
    short = np.zeros(n, dtype=np.int64)
    short[lines] = pegs.short
    supply_day = np.full(n, picture.as_of_day, dtype=np.int32)
    supply_day[lines] = pegs.supply_day
    peg_first = np.zeros(n, dtype=np.int64)
    peg_first[lines] = pegs.peg_first
    peg_count = np.zeros(n, dtype=np.int64)
    peg_count[lines] = pegs.peg_count
    owner = np.repeat(lines, pegs.peg_count)
    free = physical - demand
    free[pools] = pegs.pool_free_stock
    pool_short = np.zeros(picture.n_pools, dtype=np.int64)
    pool_short[pools] = pegs.pool_short
    unpegged = picture.inbound_open_qty.copy()
    unpegged[inbound] = pegs.inbound_unpegged
    return _Pegging(
        pegs=pegs,
        from_stock=from_stock,
        short=short,
        supply_day=supply_day,
        peg_first=peg_first,
        peg_count=peg_count,
        has_held=flags_at(owner[pegs.peg_kind == SOURCE_HELD], n),
        has_inbound=flags_at(owner[pegs.peg_kind == SOURCE_INBOUND], n),
        pool_physical=physical,
        pool_free_stock=free,
        pool_demand=demand,
        pool_short=pool_short,
        inbound_unpegged=unpegged,
    )
