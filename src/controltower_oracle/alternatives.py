"""Transfer alternatives: free stock elsewhere that could rescue a short or late line.

For a line that is short or projected after its promise, look at every other warehouse
of the same company with a transfer lane *to* the line's warehouse: its free stock of
the same SKU (physical stock no demand of its own pool is pegged to) could be moved,
arriving ``as_of + transit_days``. The alternative "makes the promise" when it arrives
on or before the promised date. Alternatives only inform; they never change pegging.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal

from controltower.domain.analysis import TransferAlternative
from controltower.domain.model import ZERO, TransferLane, Warehouse


def transfer_alternatives(
    *,
    sku: str,
    to_warehouse: Warehouse | None,
    promised_date: date,
    as_of: date,
    lanes_into: Iterable[TransferLane],
    warehouse: Callable[[str], Warehouse | None],
    free_stock: Callable[[str, str], Decimal],
) -> tuple[TransferAlternative, ...]:
    """Every reachable free stock of ``sku``, by arrival date then warehouse code.

    ``lanes_into`` are the lanes whose ``to_warehouse`` is the line's warehouse;
    ``warehouse(code)`` looks a warehouse up; ``free_stock(sku, warehouse)`` is the
    physical stock left unpegged in that pool. A warehouse that is not known, belongs to
    another company, is the line's own, or has nothing free offers nothing.
    """
    if to_warehouse is None:
        return ()
    found: list[TransferAlternative] = []
    for lane in lanes_into:
        if lane.to_warehouse != to_warehouse.code or lane.from_warehouse == to_warehouse.code:
            continue
        source = warehouse(lane.from_warehouse)
        if source is None or source.company != to_warehouse.company:
            continue
        free = free_stock(sku, source.code)
        if free <= ZERO:
            continue
        arrival = as_of + timedelta(days=lane.transit_days)
        found.append(
            TransferAlternative(
                from_warehouse=source.code,
                free_qty=free,
                transit_days=lane.transit_days,
                arrival_date=arrival,
                makes_promise=arrival <= promised_date,
            )
        )
    found.sort(key=lambda alt: (alt.arrival_date, alt.from_warehouse))
    return tuple(found)
