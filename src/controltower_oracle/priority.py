"""The demand priority of ``allocation.md``: who gets supply first within a pool.

The same key orders lines for pegging and breaks ties in warehouse capacity
scheduling, so it lives in one place. It is a plain tuple so that Python's tuple
comparison does the work, and so that it ends on ``(order_id, line)``, which is unique:
two lines never compare equal, and the result never depends on input row order.
"""

from __future__ import annotations

from datetime import date
from typing import TypeAlias

from controltower.domain.model import TIER_RANK, SalesOrder, SalesOrderLine, Tier

#: (expedite first, promised_date, tier rank, order_date, order_id, line)
PriorityKey: TypeAlias = tuple[int, date, int, date, str, int]


def demand_priority(order: SalesOrder, tier: Tier, line: SalesOrderLine) -> PriorityKey:
    """The sort key of an open order line: the smaller, the earlier it is served.

    In turn: expedited orders first; earliest ``promised_date``; customer tier
    (strategic, key, standard); earliest ``order_date``; ``order_id`` in plain
    code-point string order (so ``SO10`` comes before ``SO2``); ``line`` number.
    """
    return (
        0 if order.expedite else 1,
        order.promised_date,
        TIER_RANK[tier],
        order.order_date,
        order.order_id,
        line.line,
    )
