"""``supplier_delay``: an open PO past its expected date, or slipping past a promise.

A PO line is *overdue* when its expected date is more than ``grace_days`` before D, and
*slipping* when it is expected after the promised date of an order pegged to it. One
finding per PO, listing the orders it hurts: those pegged to it whose promise falls
before the date its units can be picked. It is the root cause those orders' own
``order_at_risk`` exceptions are grouped under.

The open PO lines (the picture's inbound lines) past their date or expected after the
promise of an order pegged to them are two masks over the inbound and peg arrays; the
orders they hurt, the amounts and the severities of every PO holding such a line are
gathered at once, and only the words are written PO by PO.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Final, Protocol

import numpy as np
import numpy.typing as npt

from controltower.detectors.base import DetectorSettings, Finding, po_subject
from controltower.detectors.columnar.bulk_text import day_texts, money_texts
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.detectors.columnar.groups import (
    first_in_runs,
    pairs_by_group,
    sums_of,
    sums_of_products,
)
from controltower.detectors.columnar.parties import (
    customer_phrases,
    supplier_phrases,
    tier_of_rank,
    top_tier_ranks,
)
from controltower.detectors.columnar.purchase_orders import pegs_of_pos, po_entities
from controltower.detectors.columnar.severity_ladder import ladder_ranks, severities
from controltower.domain.cases import (
    UNHURT_CEILING,
    ExceptionType,
    Severity,
    at_most,
    severity_rank,
)
from controltower.domain.columnar import NULL_DAY, from_units
from controltower.domain.explain import plural
from controltower.domain.kernel import SOURCE_INBOUND
from controltower.domain.model import TIER_RANK, Tier
from controltower.domain.tables import I64


class SupplierDelaySettings(DetectorSettings, Protocol):
    @property
    def grace_days(self) -> int: ...
    @property
    def days_late_escalation(self) -> int: ...


#: how the value at risk is worked out when the delay makes orders late
HURT_BASIS = "open value of the orders the delay makes late"
#: how it is worked out while no order is late because of it
UNHURT_BASIS = "open qty x unit cost of the late PO lines (no order hurt yet)"


def explanation(
    *,
    po_id: str,
    supplier: str,
    supplier_phrase: str,
    skus: Sequence[str],
    warehouse: str,
    days_past_expected: int,
    expected: str,
    confirmed: str | None,
    hurt: Sequence[tuple[str, str, str, str]],
    buyer: str | None,
) -> str:
    """The detector's wording, also used by the oracle's reference detector.

    ``expected`` is the date of the PO's earliest late line and ``days_past_expected``
    how far D is past it; ``confirmed`` is the supplier's confirmation date (None when
    never confirmed); ``hurt`` holds each order the delay makes late as its id, customer
    phrase, promised date and open value.
    """
    confirmation = (
        f"confirmed {confirmed}" if confirmed is not None else "never confirmed by the supplier"
    )
    if days_past_expected > 0:
        lateness = (
            f"is {plural(days_past_expected, 'day')} past its expected date {expected} "
            f"({confirmation})"
        )
    else:
        lateness = (
            f"is expected {expected}, after the promised date of an order waiting "
            f"on it ({confirmation})"
        )
    if hurt:
        impact = f"It makes {len(hurt)} order(s) late: " + "; ".join(
            [f"{o} for {c}, promised {d}, worth {v}" for o, c, d, v in hurt]
        )
    else:
        impact = "No order is late because of it yet"
    buyer_note = f" (buyer: {buyer})" if buyer else ""
    return (
        f"{po_id} from {supplier_phrase} for {', '.join(skus)} into {warehouse} {lateness}. "
        f"{impact}. Next: chase {supplier} for a firm, earlier date{buyer_note}; "
        f"look for a transfer or another supplier; tell customer service the revised dates."
    )


_STRATEGIC: Final = TIER_RANK[Tier.STRATEGIC]
#: amounts are compared and written at 12 decimals (quantity times price)
_DECIMALS: Final = 12


def late_inbound(context: ColumnarDetectionContext, grace_days: int) -> I64:
    """The picture inbound lines overdue by more than ``grace_days`` or expected after
    the promised date of an order pegged to them, ascending (so grouped by PO)."""
    p, r = context.picture, context.result
    expected = p.inbound_expected.astype(np.int64)
    late = context.as_of_day - expected > grace_days
    pegs = np.flatnonzero(r.peg_kind == SOURCE_INBOUND)
    inbound = r.peg_inbound[pegs]
    promised = p.order_promised[p.line_order[context.peg_owner[pegs]]]
    late[inbound[expected[inbound] > promised]] = True
    found: I64 = np.flatnonzero(late)
    return found


def detect(context: ColumnarDetectionContext, settings: SupplierDelaySettings) -> list[Finding]:
    """One finding per open PO with a late or slipping line."""
    p, r, tables = context.picture, context.result, context.tables
    late = late_inbound(context, settings.grace_days)
    if not late.size:
        return []
    starts_mask = first_in_runs(p.inbound_po[late])
    group = np.cumsum(starts_mask) - 1
    starts = np.flatnonzero(starts_mask)
    pos = p.inbound_po[late][starts].astype(np.int64)
    n = pos.shape[0]
    headers = tables.purchase_orders
    rows = context.purchase_order_row[context.vocab_po_of_picture_po[pos]]

    pegs, peg_start = pegs_of_pos(context, pos)
    pegged = p.line_order[context.peg_owner[pegs]]
    peg_group = np.repeat(np.arange(n, dtype=np.int64), np.diff(peg_start))
    hurts = r.peg_day[pegs] > p.order_promised[pegged]
    hurt_group, hurt, bounds = pairs_by_group(peg_group[hurts], pegged[hurts], n)
    hurt_values = sums_of(r.order_open_value[hurt], np.array(bounds, dtype=np.int64))

    po_lines = tables.purchase_order_lines
    line_rows = context.po_line_row_of_inbound[late]
    costs = context.unit_cost_units(po_lines.sku[line_rows], line_rows)
    group_start = np.append(starts, late.shape[0]).astype(np.int64)
    cost_values = sums_of_products(
        po_lines.qty[line_rows] - po_lines.qty_received[line_rows], costs, group_start
    )
    is_hurt = (np.diff(bounds) > 0).tolist()
    scale = 10 ** (_DECIMALS - r.value_decimals)
    amounts = np.empty(n, dtype=object)
    amounts[:] = [
        h * scale if has else c for h, c, has in zip(hurt_values, cost_values, is_hurt, strict=True)
    ]
    expected = p.inbound_expected[late].astype(np.int64)
    overdue = np.maximum.reduceat(context.as_of_day - expected, starts)
    earliest = np.minimum.reduceat(expected, starts)
    customers = context.vocab_customer_of_picture_customer[p.order_customer[hurt]]
    tiers = top_tier_ranks(context, hurt_group, customers, n)
    floor = np.where(is_hurt, severity_rank(Severity.MEDIUM), severity_rank(Severity.LOW))
    raises = (tiers == _STRATEGIC).astype(np.int64) + (overdue >= settings.days_late_escalation)
    ranks = np.maximum(ladder_ranks(context, amounts, _DECIMALS), floor)

    hurt_ids = context.code_array(p.order_ids)[hurt].tolist()
    impacts = list(
        zip(
            hurt_ids,
            customer_phrases(context, customers),
            day_texts(p.order_promised[hurt]),
            money_texts(r.order_open_value[hurt], r.value_decimals),
            strict=True,
        )
    )
    related = [context.order_subject(o) for o in hurt_ids]
    vocab_skus = po_lines.sku[line_rows]
    suppliers = headers.supplier[rows]
    entities = po_entities(context, suppliers, group, vocab_skus)
    _, skus, sku_bounds = pairs_by_group(group, vocab_skus, n)
    sku_codes = context.code_array(tables.vocab.skus.codes)[skus].tolist()
    warehouses = headers.warehouse[rows]
    companies = {w: context.company_of_warehouse(w) for w in np.unique(warehouses).tolist()}
    findings: list[Finding] = []
    for k, (
        po_id,
        supplier,
        supplier_phrase,
        amount,
        severity,
        has,
        (a, b),
        days_past,
        expected_day,
        confirmed,
        buyer,
        warehouse,
        tier,
    ) in enumerate(
        zip(
            context.code_array(p.po_ids)[pos].tolist(),
            context.code_array(tables.vocab.suppliers.codes)[suppliers].tolist(),
            supplier_phrases(context, suppliers),
            amounts.tolist(),
            [
                s if has else at_most(s, UNHURT_CEILING)
                for s, has in zip(severities(ranks, Severity.LOW, raises), is_hurt, strict=True)
            ],
            is_hurt,
            itertools.pairwise(bounds),
            (context.as_of_day - earliest).tolist(),
            day_texts(earliest),
            _confirmed_days(headers.confirmed_date[rows]),
            headers.buyer[rows].tolist(),
            warehouses.tolist(),
            tiers.tolist(),
            strict=True,
        )
    ):
        warehouse_code = tables.vocab.warehouses.codes[warehouse]
        findings.append(
            Finding(
                type=ExceptionType.SUPPLIER_DELAY,
                subject=po_subject(po_id),
                severity=severity,
                value_at_risk=from_units(amount, _DECIMALS),
                value_basis=HURT_BASIS if has else UNHURT_BASIS,
                explanation=explanation(
                    po_id=po_id,
                    supplier=supplier,
                    supplier_phrase=supplier_phrase,
                    skus=sku_codes[sku_bounds[k] : sku_bounds[k + 1]],
                    warehouse=warehouse_code,
                    days_past_expected=days_past,
                    expected=expected_day,
                    confirmed=confirmed,
                    hurt=impacts[a:b],
                    buyer=buyer,
                ),
                cause=po_subject(po_id),
                related=tuple(related[a:b]),
                entities=entities[k],
                warehouse=warehouse_code,
                company=companies[warehouse],
                customer_tier=tier_of_rank(tier),
            )
        )
    return findings


def _confirmed_days(confirmed_day: npt.NDArray[np.int32]) -> list[str | None]:
    """For each PO: the date the supplier confirmed it, or None when never confirmed."""
    confirmed = np.flatnonzero(confirmed_day != NULL_DAY)
    found: list[str | None] = [None] * confirmed_day.shape[0]
    for i, day in zip(confirmed.tolist(), day_texts(confirmed_day[confirmed]), strict=True):
        found[i] = day
    return found
