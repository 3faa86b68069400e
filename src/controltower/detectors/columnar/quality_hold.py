"""``quality_hold``: demand waiting on stock that quality is holding.

Held stock is expected back ``quality_release_days`` after D; until quality releases
it, the lines pegged to it cannot ship. The trigger is an order line taking from
quality-held stock; one finding per pool (quality releases a pool's held stock, not a
line), and the pool is the cause those orders' risk is grouped under.

The lines waiting on quality-held stock are the owners of the kernel's held pegs; they
are grouped by pool with one stable sort (analysis order is kept within a pool), and
every pool's amounts, release date, late orders and customers are gathered at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from controltower.detectors.base import (
    DetectorSettings,
    Finding,
    pool_subject,
    product_entity,
)
from controltower.detectors.columnar.bulk_text import day_texts, int_texts, money_text, qty_texts
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.detectors.columnar.groups import first_in_runs, pairs_by_group, sums_of_products
from controltower.detectors.columnar.parties import tier_of_rank, top_tier_ranks
from controltower.detectors.columnar.severity_ladder import ladder_ranks, severities
from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.columnar import from_units
from controltower.domain.kernel import SOURCE_HELD

VALUE_BASIS = "held qty pegged to orders x their unit price"


def explanation(
    *,
    held_qty: str,
    held_total: str,
    sku: str,
    warehouse: str,
    places: Sequence[tuple[str, str]],
    money: str,
    release: str,
    late: Sequence[str],
) -> str:
    """The quality_hold wording, also used by the oracle's reference detector."""
    where = ", ".join(f"{order_id} line {line}" for order_id, line in places)
    lateness = f" Waiting makes {', '.join(late)} miss the promise." if late else ""
    return (
        f"{held_qty} of the {held_total} {sku} held by quality in {warehouse} are promised "
        f"to {len(places)} order line(s) ({where}) worth {money}; release is "
        f"expected {release}.{lateness} Next: inspect and release the held stock, or declare "
        f"it unusable so planning can replace it."
    )


def detect(context: ColumnarDetectionContext, _settings: DetectorSettings) -> list[Finding]:
    """One finding per pool whose held stock some order line waits on."""
    p, r = context.picture, context.result
    pegs = context.pegs_in_analysis_order
    pegs = pegs[r.peg_kind[pegs] == SOURCE_HELD]
    if not pegs.size:
        return []
    pegs = pegs[np.argsort(p.line_pool[context.peg_owner[pegs]], kind="stable")]
    owners = context.peg_owner[pegs]
    firsts = first_in_runs(p.line_pool[owners])
    group = np.cumsum(firsts) - 1
    start = np.append(np.flatnonzero(firsts), pegs.shape[0]).astype(np.int64)
    pools = p.line_pool[owners[start[:-1]]]
    n = pools.shape[0]

    amounts = np.empty(n, dtype=object)
    amounts[:] = sums_of_products(r.peg_qty[pegs], p.line_unit_price[owners], start)
    held = qty_texts(np.add.reduceat(r.peg_qty[pegs], start[:-1]))
    totals = qty_texts(p.pool_quality_hold[pools])
    release = np.maximum.reduceat(r.peg_day[pegs].astype(np.int64), start[:-1])
    line_group, lines, line_bounds = pairs_by_group(group, owners, n)
    orders = p.line_order[lines]
    order_ids = context.code_array(p.order_ids)
    places = list(zip(order_ids[orders].tolist(), int_texts(p.line_number[lines]), strict=True))
    is_late = release[line_group] > p.order_promised[orders]
    _, late, late_bounds = pairs_by_group(line_group[is_late], orders[is_late], n)
    late_ids = order_ids[late].tolist()
    _, related, related_bounds = pairs_by_group(line_group, orders, n)
    subjects = [context.order_subject(o) for o in order_ids[related].tolist()]
    customers = context.vocab_customer_of_picture_customer[p.order_customer[orders]]
    tiers = top_tier_ranks(context, line_group, customers, n).tolist()
    raises = (np.diff(late_bounds) > 0).astype(np.int64)
    companies = [
        context.company_of_warehouse(int(w)) for w in context.vocab_warehouse_of_picture_warehouse
    ]
    findings: list[Finding] = []
    for k, (sku, warehouse, amount, severity, held_qty, total, released) in enumerate(
        zip(
            context.code_array(p.sku_codes)[p.pool_sku[pools]].tolist(),
            p.pool_warehouse[pools].tolist(),
            amounts.tolist(),
            severities(ladder_ranks(context, amounts, 12), Severity.LOW, raises),
            held,
            totals,
            day_texts(release),
            strict=True,
        )
    ):
        code = p.warehouse_codes[warehouse]
        findings.append(
            Finding(
                type=ExceptionType.QUALITY_HOLD,
                subject=pool_subject(sku, code),
                severity=severity,
                value_at_risk=from_units(amount, 12),
                value_basis=VALUE_BASIS,
                explanation=explanation(
                    held_qty=held_qty,
                    held_total=total,
                    sku=sku,
                    warehouse=code,
                    places=places[line_bounds[k] : line_bounds[k + 1]],
                    money=money_text(amount, 12),
                    release=released,
                    late=late_ids[late_bounds[k] : late_bounds[k + 1]],
                ),
                cause=pool_subject(sku, code),
                related=tuple(subjects[related_bounds[k] : related_bounds[k + 1]]),
                entities=(product_entity(sku),),
                warehouse=code,
                company=companies[warehouse],
                customer_tier=tier_of_rank(tiers[k]),
            )
        )
    return findings
