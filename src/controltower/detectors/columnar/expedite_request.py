"""``expedite_request``: an expedited order that is not fully served from stock, or late.

Expedite means the customer paid or pleaded for speed; anything short of shipping from
stock on time needs a person. The trigger is an open order with ``expedite`` whose
allocation is not ``full`` or that is at risk.

Expedited orders not fully allocated from stock, or at risk, are one mask over the
kernel's order arrays; their stories are worded in bulk like ``order_at_risk``'s.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from controltower.detectors.base import DetectorSettings, Finding
from controltower.detectors.columnar.bulk_text import day_texts, money_texts
from controltower.detectors.columnar.context import TIERS, ColumnarDetectionContext
from controltower.detectors.columnar.parties import customer_phrases
from controltower.detectors.columnar.severity_ladder import ladder_ranks, severities
from controltower.domain.analysis import Allocation
from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.columnar import NULL_DAY, from_units
from controltower.domain.kernel import ALLOCATION_FULL, ALLOCATION_NONE, ALLOCATION_PARTIAL
from controltower.domain.model import TIER_RANK, Tier

VALUE_BASIS = "open value of the order: open qty x unit price"
ALLOCATION_PHRASES: dict[Allocation, str] = {
    Allocation.FULL: "fully allocated from stock",
    Allocation.PARTIAL: "only partly allocated from stock",
    Allocation.NONE: "not allocated from stock at all",
}


def explanation(
    *,
    order_id: str,
    customer: str,
    money: str,
    promised: str,
    allocation: str,
    ship: str | None,
    days_late: int,
    story: str,
    steps: str,
) -> str:
    """The expedite_request wording, also used by the oracle's reference detector."""
    if ship is None:
        when = "has no ship date yet"
    else:
        when = f"ships {ship}" + (f", {days_late} day(s) late" if days_late > 0 else ", on time")
    return (
        f"Expedited order {order_id} for {customer}, worth {money}, promised {promised}, "
        f"is {allocation} and {when}. {story} Next: {steps}."
    )


#: the words of each kernel allocation code (:data:`ALLOCATION_PHRASES`)
ALLOCATION_WORDS: Final = {
    ALLOCATION_FULL: ALLOCATION_PHRASES[Allocation.FULL],
    ALLOCATION_PARTIAL: ALLOCATION_PHRASES[Allocation.PARTIAL],
    ALLOCATION_NONE: ALLOCATION_PHRASES[Allocation.NONE],
}
_STRATEGIC: Final = TIER_RANK[Tier.STRATEGIC]


def detect(context: ColumnarDetectionContext, _settings: DetectorSettings) -> list[Finding]:
    """Every expedited order not simply served from stock on time."""
    p, r = context.picture, context.result
    orders = np.flatnonzero(
        p.order_expedite & ((r.order_allocation != ALLOCATION_FULL) | r.order_at_risk)
    )
    if not orders.size:
        return []
    stories = context.order_stories.of(orders)
    customers = context.vocab_customer_of_picture_customer[p.order_customer[orders]]
    tier_rank = context.customer_tier_rank[customers]
    vocab_wh = context.vocab_warehouse_of_picture_warehouse
    ship_day = r.order_projected_ship_day[orders]
    amounts = r.order_open_value[orders]
    raises = r.order_at_risk[orders].astype(np.int64) + (tier_rank == _STRATEGIC)
    findings: list[Finding] = []
    for (
        order_id,
        story,
        steps,
        cause,
        entities,
        amount,
        money,
        severity,
        phrase,
        rank,
        warehouse,
        promised,
        ship,
        dated,
        late,
        allocation,
    ) in zip(
        context.code_array(p.order_ids)[orders].tolist(),
        stories.explanation,
        stories.next_steps,
        stories.cause,
        stories.entities,
        amounts.tolist(),
        money_texts(amounts, r.value_decimals),
        severities(ladder_ranks(context, amounts, r.value_decimals), Severity.MEDIUM, raises),
        customer_phrases(context, customers),
        tier_rank.tolist(),
        p.order_warehouse[orders].tolist(),
        day_texts(p.order_promised[orders]),
        day_texts(np.where(ship_day == NULL_DAY, p.as_of_day, ship_day)),
        (ship_day != NULL_DAY).tolist(),
        r.order_days_late[orders].tolist(),
        r.order_allocation[orders].tolist(),
        strict=True,
    ):
        findings.append(
            Finding(
                type=ExceptionType.EXPEDITE_REQUEST,
                subject=context.order_subject(order_id),
                severity=severity,
                value_at_risk=from_units(int(amount), r.value_decimals),
                value_basis=VALUE_BASIS,
                explanation=explanation(
                    order_id=order_id,
                    customer=phrase,
                    money=money,
                    promised=promised,
                    allocation=ALLOCATION_WORDS[allocation],
                    ship=ship if dated else None,
                    days_late=late,
                    story=story,
                    steps=steps,
                ),
                cause=cause,
                entities=entities,
                warehouse=p.warehouse_codes[warehouse],
                company=context.company_of_warehouse(int(vocab_wh[warehouse])),
                customer_tier=TIERS[rank] if rank < len(TIERS) else None,
            )
        )
    return findings
