"""The next steps and causes of many orders, as the reference detector words them.

Kept apart from the explanations because they follow their own rules (which blocker
comes first, which subject a cause names), read the same gathered lines and pegs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from controltower.detectors.base import (
    customer_subject,
    order_subject,
    po_subject,
    pool_subject,
    warehouse_subject,
)
from controltower.detectors.columnar.bulk_text import day_texts
from controltower.detectors.columnar.context import (
    ColumnarDetectionContext,
    spans,
)
from controltower.detectors.columnar.groups import (
    distinct_sorted,
    first_in_runs,
    group_bounds,
    last_in_runs,
)
from controltower.detectors.columnar.order_explanations import TextPieces
from controltower.detectors.columnar.order_facts import OrderLines, OrderPegs
from controltower.domain.columnar import NULL_DAY
from controltower.domain.kernel import (
    ALLOCATION_PARTIAL,
    BLOCKER_CAPACITY,
    BLOCKER_CREDIT,
    BLOCKER_QUALITY,
    SOURCE_HELD,
    SOURCE_INBOUND,
)
from controltower.domain.tables import Texts


def next_steps_of(
    context: ColumnarDetectionContext, lines: OrderLines, pegs: OrderPegs
) -> list[str]:
    """``"; ".join(order_at_risk.next_steps(...))`` of every order of ``lines``."""
    p, r, tables = context.picture, context.result, context.tables
    orders = lines.orders
    k = orders.shape[0]
    pieces = TextPieces(k)
    every = np.arange(k, dtype=np.int64)
    blockers = r.order_blockers[orders].astype(np.int64)
    customers = context.code_array(p.customer_codes)[p.order_customer[orders]]
    order_wh = context.code_array(p.warehouse_codes)[p.order_warehouse[orders]]

    credit = every[(blockers & BLOCKER_CREDIT) != 0]
    pieces.add(
        credit,
        0,
        0,
        0,
        [f"ask finance to review the credit block on {c}" for c in customers[credit].tolist()],
    )

    alt = r.alternatives
    count = alt.count[lines.line]
    found = spans(alt.first[lines.line], count)
    holder = np.repeat(np.arange(lines.line.shape[0], dtype=np.int64), count)
    makes = np.flatnonzero(alt.makes_promise[found])
    makes = makes[first_in_runs(holder[makes])]
    rescued, rescue = holder[makes], found[makes]
    pieces.add(
        lines.owner[rescued],
        1,
        lines.pos[rescued],
        0,
        [
            f"transfer {sku} from {source} (arrives {arrival}, in time)"
            for sku, source, arrival in zip(
                lines.sku[rescued].tolist(),
                context.code_array(p.warehouse_codes)[alt.from_warehouse[rescue]].tolist(),
                day_texts(alt.arrival_day[rescue]),
                strict=True,
            )
        ],
    )

    owner = lines.owner[pegs.holder]
    late = (pegs.kind == SOURCE_INBOUND) & (pegs.day > p.order_promised[orders][owner])
    n_pos = max(len(p.po_ids), 1)
    pairs = distinct_sorted(owner[late] * n_pos + p.inbound_po[pegs.inbound[late]])
    chased = pairs // n_pos
    bounds = group_bounds(chased, k)
    po_ids = context.code_array(p.po_ids)[pairs % n_pos].tolist()
    with_late = chased[first_in_runs(chased)]
    pieces.add(
        with_late,
        2,
        0,
        0,
        [
            f"chase {', '.join(po_ids[bounds[o] : bounds[o + 1]])} with the supplier for an "
            f"earlier date"
            for o in with_late.tolist()
        ],
    )

    quality = every[(blockers & BLOCKER_QUALITY) != 0]
    pieces.add(quality, 3, 0, 0, ["ask quality to release the held stock"] * quality.shape[0])
    capacity = every[(blockers & BLOCKER_CAPACITY) != 0]
    pieces.add(
        capacity,
        4,
        0,
        0,
        [f"add picking capacity in {wh} or re-sequence picks" for wh in order_wh[capacity]],
    )

    row = context.sales_order_row[context.vocab_order_of_picture_order[orders]]
    safe = np.maximum(row, 0)
    own = tables.sales_orders.accepts_partial[safe].astype(np.int64)
    customer_row = context.customer_row[tables.sales_orders.customer[safe]]
    of_customer = (customer_row >= 0) & tables.customers.accepts_partial[
        np.maximum(customer_row, 0)
    ]
    # a part to ship now: stock covers some of the order but not all of it
    some_now = r.order_allocation[orders] == ALLOCATION_PARTIAL
    partial = every[(row >= 0) & np.where(own >= 0, own == 1, of_customer) & some_now]
    pieces.add(
        partial,
        5,
        0,
        0,
        ["ship the available part now (the order accepts partial shipment)"] * partial.shape[0],
    )
    ready = blockers == 0
    pieces.add(
        every[ready],
        6,
        0,
        0,
        [
            f"ship it from {wh} today: every line is in stock; then tell {c} it is on its way"
            for wh, c in zip(order_wh[ready].tolist(), customers[ready].tolist(), strict=True)
        ],
    )
    pieces.add(
        every[~ready],
        6,
        0,
        0,
        [
            f"agree a revised date with {c} if none of this holds"
            for c in customers[~ready].tolist()
        ],
    )
    return pieces.joined("; ")


# The kinds of cause ``base.order_cause`` names, by precedence of the rule that decides.
_CUSTOMER, _SHORT_POOL, _WAREHOUSE, _PO, _HELD_POOL, _ORDER = range(6)


def causes_of(context: ColumnarDetectionContext, lines: OrderLines, pegs: OrderPegs) -> list[str]:
    """``base.order_cause`` of every order of ``lines``."""
    p, r = context.picture, context.result
    orders = lines.orders
    k = orders.shape[0]
    if not k:
        return []
    credit = (r.order_blockers[orders].astype(np.int64) & BLOCKER_CREDIT) != 0

    short_at = np.flatnonzero(lines.short > 0)
    short_at = short_at[first_in_runs(lines.owner[short_at])]
    first_short = np.full(k, -1, dtype=np.int64)
    first_short[lines.owner[short_at]] = short_at

    # The line that ships last: the latest projected day, the lowest line number on a tie.
    latest = np.maximum.reduceat(lines.projected, lines.start[:-1])
    last_at = np.flatnonzero(lines.projected == latest[lines.owner])
    last_at = last_at[first_in_runs(lines.owner[last_at])]
    last = np.full(k, -1, dtype=np.int64)
    last[lines.owner[last_at]] = last_at
    n = lines.line.shape[0]
    is_last = np.zeros(n, dtype=np.bool_)
    is_last[last_at] = True

    # Its latest held day and latest inbound peg (the first taken of the latest day):
    # a line takes its pegs in date order, so the latest day is that of its last peg.
    mine = is_last[pegs.holder]
    held = np.flatnonzero(mine & (pegs.kind == SOURCE_HELD))
    held = held[last_in_runs(pegs.holder[held])]
    held_day = np.full(n, NULL_DAY, dtype=np.int64)
    held_day[pegs.holder[held]] = pegs.day[held]
    inbound = np.flatnonzero(mine & (pegs.kind == SOURCE_INBOUND))
    ends = inbound[last_in_runs(pegs.holder[inbound])]
    inbound_day = np.full(n, NULL_DAY, dtype=np.int64)
    inbound_day[pegs.holder[ends]] = pegs.day[ends]
    latest_peg = inbound[pegs.day[inbound] == inbound_day[pegs.holder[inbound]]]
    latest_peg = latest_peg[first_in_runs(pegs.holder[latest_peg])]
    latest_po = np.full(n, -1, dtype=np.int64)
    latest_po[pegs.holder[latest_peg]] = p.inbound_po[pegs.inbound[latest_peg]]

    at = np.maximum(last, 0)
    supply = lines.supply[at]
    delay = lines.delay[at]
    supply_late = (supply != NULL_DAY) & (supply > p.order_promised[orders])
    po, inbound_at, held_at = latest_po[at], inbound_day[at], held_day[at]
    has_held = held_at != NULL_DAY
    kind = np.select(
        [
            credit,
            first_short >= 0,
            (last < 0) | (lines.projected[at] == NULL_DAY),
            (delay > 0) & ~supply_late,
            (po >= 0) & (~has_held | (inbound_at >= held_at)),
            has_held,
            delay > 0,
        ],
        [_CUSTOMER, _SHORT_POOL, _ORDER, _WAREHOUSE, _PO, _HELD_POOL, _WAREHOUSE],
        default=_ORDER,
    )
    short = np.maximum(first_short, 0)
    causes: Texts = np.empty(k, dtype=object)

    def name(which: int, subject: Callable[..., str], *codes: Texts) -> None:
        chosen = kind == which
        if chosen.any():
            causes[chosen] = [
                subject(*c) for c in zip(*(x[chosen].tolist() for x in codes), strict=True)
            ]

    name(
        _CUSTOMER, customer_subject, context.code_array(p.customer_codes)[p.order_customer[orders]]
    )
    name(_SHORT_POOL, pool_subject, lines.sku[short], lines.warehouse[short])
    name(_WAREHOUSE, warehouse_subject, lines.warehouse[at])
    if p.po_ids:  # without an open purchase order, no order's cause is one
        name(_PO, po_subject, context.code_array(p.po_ids)[np.maximum(po, 0)])
    name(_HELD_POOL, pool_subject, lines.sku[at], lines.warehouse[at])
    name(_ORDER, order_subject, context.code_array(p.order_ids)[orders])
    found: list[str] = causes.tolist()
    return found
