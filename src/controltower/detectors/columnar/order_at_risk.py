"""``order_at_risk``: an open order blocked by credit or shortage, or projected late.

The trigger is the engine's ``at_risk`` (``docs/allocation-rules.md``); this detector
adds what the service rep needs: who the customer is, what the order is worth, how
late, the causal chain the engine explained, and the moves that could save the promise.
An order at risk with no blocker is simply not shipped although every line is in
stock: its case goes to the warehouse that must ship it (``[routing.teams]
order_ready_to_ship``), not to customer service.

The orders at risk are the kernel's ``order_at_risk`` mask; their severities are
array arithmetic, and their explanations, next steps, causes and entities are worded
in bulk (:class:`~.common.OrderStories`); only the finding's header is written order
by order.
"""

from __future__ import annotations

from typing import Final, Protocol

import numpy as np

from controltower.detectors.base import DetectorSettings, Finding
from controltower.detectors.columnar.bulk_text import day_texts, money_texts
from controltower.detectors.columnar.context import TIERS, ColumnarDetectionContext
from controltower.detectors.columnar.parties import customer_phrases
from controltower.detectors.columnar.severity_ladder import ladder_ranks, severities
from controltower.domain.analysis import Blocker
from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.columnar import NULL_DAY, from_units
from controltower.domain.explain import plural
from controltower.domain.model import TIER_RANK, Tier


class OrderAtRiskSettings(DetectorSettings, Protocol):
    @property
    def days_late_escalation(self) -> int: ...


def explanation(
    *,
    order_id: str,
    customer: str,
    value: str,
    promised: str,
    ship: str | None,
    days_late: int,
    blockers: str,
    story: str,
    steps: str,
) -> str:
    """The detector's wording, also used by the oracle's reference detector.

    ``ship`` is the projected ship date (None when there is none yet), ``blockers`` the
    blockers' names joined by commas (empty when none), ``story`` the engine's causal
    chain and ``steps`` the next steps, already joined. An order at risk with no
    blocker is late only because its promise has passed while all of it sits in stock:
    it is ready to ship, and the words say so rather than "projected to ship".
    """
    if not blockers and days_late > 0:
        when = f"is ready to ship and {plural(days_late, 'day')} late"
    elif ship is None:
        when = "has no ship date yet"
    elif days_late > 0:
        when = f"is projected to ship {ship}, {plural(days_late, 'day')} late"
    else:
        when = f"is projected to ship {ship}, on time"
    return (
        f"Order {order_id} for {customer}, worth {value}, promised {promised}, {when} "
        f"(blockers: {blockers or 'none'}). {story} Next: {steps}."
    )


def is_ready_to_ship(blockers: int) -> bool:
    """Given its blockers (a count or the kernel's mask), whether an order at risk has
    none: every line is in stock and its promise has passed, so only the warehouse can save it (it ships today)."""
    return blockers == 0


#: the ``[routing.teams]`` entry owning an order at risk that is ready to ship
READY_TO_SHIP_ROUTING: Final = "order_ready_to_ship"


def value_basis(*, open_lines: int) -> str:
    """The detector's value basis, also used by the oracle's reference detector."""
    return f"open value of the order: open qty x unit price over {open_lines} open line(s)"


#: the blockers' names of every blocker mask of the kernel, joined as the reference joins them
BLOCKER_WORDS: Final = tuple(
    ", ".join(b.value for bit, b in enumerate(Blocker) if mask >> bit & 1)
    for mask in range(1 << len(Blocker))
)
_STRATEGIC: Final = TIER_RANK[Tier.STRATEGIC]


def detect(context: ColumnarDetectionContext, settings: OrderAtRiskSettings) -> list[Finding]:
    """Every order the kernel finds at risk, worded as the reference words it."""
    p, r = context.picture, context.result
    orders = np.flatnonzero(r.order_at_risk)
    if not orders.size:
        return []
    stories = context.order_stories.of(orders)
    customers = context.vocab_customer_of_picture_customer[p.order_customer[orders]]
    warehouses = p.order_warehouse[orders]
    companies = [
        context.company_of_warehouse(int(w)) for w in context.vocab_warehouse_of_picture_warehouse
    ]
    tier_rank = context.customer_tier_rank[customers]
    ship_day = r.order_projected_ship_day[orders]
    dated = ship_day != NULL_DAY
    late = r.order_days_late[orders].astype(np.int64)
    amounts = r.order_open_value[orders]
    raises = (tier_rank == _STRATEGIC).astype(np.int64)
    raises += ~dated | (late >= settings.days_late_escalation)
    findings: list[Finding] = []
    # one value basis per number of open lines, shared by the findings (a crisis day
    # has a quarter of a million of them)
    bases: dict[int, str] = {}
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
        has_date,
        days,
        blockers,
        n_lines,
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
        warehouses.tolist(),
        day_texts(p.order_promised[orders]),
        day_texts(np.where(dated, ship_day, p.as_of_day)),
        dated.tolist(),
        late.tolist(),
        r.order_blockers[orders].tolist(),
        (p.order_line_start[orders + 1] - p.order_line_start[orders]).tolist(),
        strict=True,
    ):
        findings.append(
            Finding(
                type=ExceptionType.ORDER_AT_RISK,
                subject=context.order_subject(order_id),
                severity=severity,
                value_at_risk=from_units(int(amount), r.value_decimals),
                value_basis=bases.get(n_lines)
                or bases.setdefault(n_lines, value_basis(open_lines=n_lines)),
                explanation=explanation(
                    order_id=order_id,
                    customer=phrase,
                    value=money,
                    promised=promised,
                    ship=ship if has_date else None,
                    days_late=days,
                    blockers=BLOCKER_WORDS[blockers],
                    story=story,
                    steps=steps,
                ),
                cause=cause,
                related=(),
                entities=entities,
                warehouse=p.warehouse_codes[warehouse],
                company=companies[warehouse],
                customer_tier=TIERS[rank] if rank < len(TIERS) else None,
                routing=READY_TO_SHIP_ROUTING if is_ready_to_ship(blockers) else None,
            )
        )
    return findings
