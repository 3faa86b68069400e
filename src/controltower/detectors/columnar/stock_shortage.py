"""``stock_shortage``: a pool (SKU in a warehouse) has demand no supply covers.

The trigger is a line with ``short_qty > 0`` after pegging; one finding per pool, since
the planner fixes the pool (buy, transfer), not each line.

Short lines are one mask over the kernel's ``line_short``; they are grouped by pool
with one stable sort (line-id order, the reference's order, is kept within a pool),
and every pool's amounts, customers and orders are gathered at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from controltower.detectors.base import (
    DetectorSettings,
    Finding,
    pool_subject,
    product_entity,
)
from controltower.detectors.columnar.bulk_text import day_texts, int_texts, money_text, qty_texts
from controltower.detectors.columnar.context import ColumnarDetectionContext, spans
from controltower.detectors.columnar.groups import (
    first_in_runs,
    group_bounds,
    pairs_by_group,
    sums_of_products,
)
from controltower.detectors.columnar.parties import customer_phrases, tier_of_rank, top_tier_ranks
from controltower.detectors.columnar.severity_ladder import ladder_ranks, severities
from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.columnar import from_units
from controltower.domain.model import TIER_RANK, Tier
from controltower.domain.tables import I64

#: how the value at risk is worked out
VALUE_BASIS = "short qty x unit price over the short order lines"


def explanation(
    *,
    sku: str,
    warehouse: str,
    short: str,
    lines: Sequence[tuple[str, str]],
    value: str,
    customers: Sequence[str],
    transfers: Sequence[tuple[str, str, str]],
) -> str:
    """The detector's wording, also used by the oracle's reference detector.

    ``lines`` are the short lines as order id and line number, ``customers`` the phrases
    of their customers, ``transfers`` the moves to suggest as source warehouse, free
    quantity and arrival date (none: buy instead).
    """
    where = ", ".join([f"{order} line {line}" for order, line in lines])
    if transfers:
        moves = "; ".join(
            [
                f"transfer from {source} ({free} free, arrives {arrival})"
                for source, free, arrival in transfers
            ]
        )
    else:
        moves = "no other warehouse has free stock on a lane; raise a purchase order"
    return (
        f"{sku} in {warehouse} is short {short} units for {len(lines)} order line(s) "
        f"({where}) worth {value}: no stock, quality-held stock or open purchase order is "
        f"left for them. Customers: {', '.join(customers)}. Next: {moves}."
    )


def detect(context: ColumnarDetectionContext, _settings: DetectorSettings) -> list[Finding]:
    """One finding per pool with a short line."""
    p, r = context.picture, context.result
    short = np.flatnonzero(r.line_short > 0)
    if not short.size:
        return []
    short = short[np.argsort(p.line_pool[short], kind="stable")]
    firsts = first_in_runs(p.line_pool[short])
    group = np.cumsum(firsts) - 1
    start = np.append(np.flatnonzero(firsts), short.shape[0]).astype(np.int64)
    pools = p.line_pool[short[start[:-1]]]
    n = pools.shape[0]

    amounts = np.empty(n, dtype=object)
    amounts[:] = sums_of_products(r.line_short[short], p.line_unit_price[short], start)
    quantities = qty_texts(np.add.reduceat(r.line_short[short], start[:-1]))
    orders = p.line_order[short]
    customer_group, customers, customer_bounds = pairs_by_group(
        group, context.vocab_customer_of_picture_customer[p.order_customer[orders]], n
    )
    phrases = customer_phrases(context, customers)
    tiers = top_tier_ranks(context, customer_group, customers, n)
    raises = (tiers == TIER_RANK[Tier.STRATEGIC]).astype(np.int64)
    order_ids = context.code_array(p.order_ids)
    places = list(zip(order_ids[orders].tolist(), int_texts(p.line_number[short]), strict=True))
    _, related_orders, related_bounds = pairs_by_group(group, orders, n)
    related = [context.order_subject(o) for o in order_ids[related_orders].tolist()]
    transfers = _transfers(context, short, group, n)
    skus = context.code_array(p.sku_codes)[p.pool_sku[pools]].tolist()
    warehouses = p.pool_warehouse[pools]
    companies = [
        context.company_of_warehouse(int(w)) for w in context.vocab_warehouse_of_picture_warehouse
    ]
    findings: list[Finding] = []
    for k, (sku, warehouse, amount, severity, quantity, (a, b), moves) in enumerate(
        zip(
            skus,
            warehouses.tolist(),
            amounts.tolist(),
            severities(ladder_ranks(context, amounts, 12), Severity.MEDIUM, raises),
            quantities,
            itertools.pairwise(start.tolist()),
            transfers,
            strict=True,
        )
    ):
        code = p.warehouse_codes[warehouse]
        findings.append(
            Finding(
                type=ExceptionType.STOCK_SHORTAGE,
                subject=pool_subject(sku, code),
                severity=severity,
                value_at_risk=from_units(amount, 12),
                value_basis=VALUE_BASIS,
                explanation=explanation(
                    sku=sku,
                    warehouse=code,
                    short=quantity,
                    lines=places[a:b],
                    value=money_text(amount, 12),
                    customers=phrases[customer_bounds[k] : customer_bounds[k + 1]],
                    transfers=moves,
                ),
                cause=pool_subject(sku, code),
                related=tuple(related[related_bounds[k] : related_bounds[k + 1]]),
                entities=(product_entity(sku),),
                warehouse=code,
                company=companies[warehouse],
                customer_tier=tier_of_rank(int(tiers[k])),
            )
        )
    return findings


def _transfers(
    context: ColumnarDetectionContext, short: I64, group: I64, n: int
) -> list[list[tuple[str, str, str]]]:
    """Per pool: the transfers to suggest (the first alternative of each source
    warehouse, by arrival then source code) as source, free quantity and arrival."""
    p, alt = context.picture, context.result.alternatives
    count = alt.count[short]
    found = spans(alt.first[short], count)
    owner = np.repeat(group, count)
    # The first alternative of each (pool, source warehouse), in line then listing order.
    n_wh = max(len(p.warehouse_codes), 1)
    _, first = np.unique(owner * n_wh + alt.from_warehouse[found], return_index=True)
    first = np.sort(first)
    chosen, owner = found[first], owner[first]
    order = np.lexsort((alt.from_warehouse[chosen], alt.arrival_day[chosen], owner))
    chosen, owner = chosen[order], owner[order]
    bounds = group_bounds(owner, n)
    transfers = list(
        zip(
            context.code_array(p.warehouse_codes)[alt.from_warehouse[chosen]].tolist(),
            qty_texts(alt.free_qty[chosen]),
            day_texts(alt.arrival_day[chosen]),
            strict=True,
        )
    )
    return [transfers[a:b] for a, b in itertools.pairwise(bounds)]
