"""``supplier_confirmation_overdue``: an open PO the supplier has not confirmed in time.

An unconfirmed PO is a date nobody has promised; every order pegged to it rests on
hope. The trigger is an open PO with quantity still to receive, no ``confirmed_date``
and more than ``confirm_within_days`` days since its ``order_date``.

Open, unconfirmed POs ordered too long ago are one mask over the purchase-order
table; their open lines, the pegs on them, the orders waiting and the amounts are
gathered for all of them at once, and only the words are written PO by PO.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from controltower.detectors.base import DetectorSettings, Finding, po_subject
from controltower.detectors.columnar.bulk_text import day_texts, money_texts
from controltower.detectors.columnar.context import OPEN, ColumnarDetectionContext, spans
from controltower.detectors.columnar.groups import pairs_by_group, sums_of_products
from controltower.detectors.columnar.parties import supplier_phrases, tier_of_rank, top_tier_ranks
from controltower.detectors.columnar.purchase_orders import open_po_lines, pegs_of_pos, po_entities
from controltower.detectors.columnar.severity_ladder import ladder_ranks, severities
from controltower.domain.cases import UNHURT_CEILING, ExceptionType, Severity, at_most
from controltower.domain.columnar import NULL_DAY, from_units
from controltower.domain.explain import plural

PEGGED_BASIS = "pegged qty x unit price of the order lines waiting on the PO"
UNPEGGED_BASIS = "open qty x unit cost of the PO lines (no order waits on it yet)"


class SupplierConfirmationOverdueSettings(DetectorSettings, Protocol):
    @property
    def confirm_within_days(self) -> int: ...


def explanation(
    *,
    po_id: str,
    supplier_phrase: str,
    supplier: str,
    ordered: str,
    expected: str,
    waited: str,
    allowed: str,
    #: the id, customer and promised date of each order waiting on the PO
    waiting: Sequence[tuple[str, str, str]],
    money: str,
    buyer: str | None,
) -> str:
    """The supplier confirmation wording, also used by the oracle's reference detector."""
    if waiting:
        impact = f"{len(waiting)} order(s) wait on it: " + ", ".join(
            f"{order_id} for {customer} (promised {promised})"
            for order_id, customer, promised in waiting
        )
    else:
        impact = "no order is pegged to it yet"
    return (
        f"{po_id} to {supplier_phrase}, ordered {ordered} and expected {expected}, is still "
        f"not confirmed {waited} after ordering (the policy allows {allowed}); {impact}; "
        f"worth {money}. Next: get {supplier} to confirm a firm date"
        f"{f' (buyer: {buyer})' if buyer else ''}."
    )


def detect(
    context: ColumnarDetectionContext, settings: SupplierConfirmationOverdueSettings
) -> list[Finding]:
    """Every open PO still unconfirmed ``confirm_within_days`` after ordering."""
    p, r, tables = context.picture, context.result, context.tables
    headers = tables.purchase_orders
    waited = context.as_of_day - headers.order_date.astype(np.int64)
    rows = np.flatnonzero(
        (headers.status == OPEN)
        & (headers.confirmed_date == NULL_DAY)
        & (waited > settings.confirm_within_days)
    )
    pos = headers.po[rows].astype(np.int64)
    distinct = np.unique(pos)
    lines = open_po_lines(context, distinct)
    group = np.searchsorted(distinct, pos)
    keep = lines.start[group + 1] > lines.start[group]
    rows, pos, group = rows[keep], pos[keep], group[keep]
    n = rows.shape[0]
    if not n:
        return []

    po_lines = tables.purchase_order_lines
    open_rows = lines.rows
    costs = context.unit_cost_units(po_lines.sku[open_rows], open_rows)
    line_value = sums_of_products(
        po_lines.qty[open_rows] - po_lines.qty_received[open_rows], costs, lines.start
    )
    pegs, peg_start = pegs_of_pos(context, context.picture_po_of_vocab_po[pos])
    owners = context.peg_owner[pegs]
    peg_value = sums_of_products(r.peg_qty[pegs], p.line_unit_price[owners], peg_start)
    pegged = (np.diff(peg_start) > 0).tolist()
    amounts = np.empty(n, dtype=object)
    amounts[:] = [
        pv if has else line_value[g]
        for pv, has, g in zip(peg_value, pegged, group.tolist(), strict=True)
    ]

    peg_group = np.repeat(np.arange(n, dtype=np.int64), np.diff(peg_start))
    waiting_group, waiting, bounds = pairs_by_group(peg_group, p.line_order[owners], n)
    at_risk = np.bincount(waiting_group, weights=r.order_at_risk[waiting], minlength=n) > 0
    customers = context.vocab_customer_of_picture_customer[p.order_customer[waiting]]
    tiers = top_tier_ranks(context, waiting_group, customers, n).tolist()
    order_ids = context.code_array(p.order_ids)[waiting].tolist()
    waits = list(
        zip(
            order_ids,
            context.code_array(p.customer_codes)[p.order_customer[waiting]].tolist(),
            day_texts(p.order_promised[waiting]),
            strict=True,
        )
    )
    related = [context.order_subject(o) for o in order_ids]
    suppliers = headers.supplier[rows]
    counts = lines.start[group + 1] - lines.start[group]
    own_lines = lines.rows[spans(lines.start[group], counts)]
    entities = po_entities(
        context, suppliers, np.repeat(np.arange(n), counts), po_lines.sku[own_lines]
    )
    warehouses = headers.warehouse[rows]
    companies = {w: context.company_of_warehouse(w) for w in np.unique(warehouses).tolist()}
    codes = tables.vocab
    allowed = plural(settings.confirm_within_days, "day")
    findings: list[Finding] = []
    for k, (
        po_id,
        supplier,
        supplier_phrase,
        amount,
        money,
        severity,
        has,
        (a, b),
        days,
        ordered,
        expected,
        buyer,
        warehouse,
    ) in enumerate(
        zip(
            context.code_array(codes.pos.codes)[pos].tolist(),
            context.code_array(codes.suppliers.codes)[suppliers].tolist(),
            supplier_phrases(context, suppliers),
            amounts.tolist(),
            money_texts(amounts, 12),
            [
                s if late else at_most(s, UNHURT_CEILING)
                for s, late in zip(
                    severities(
                        ladder_ranks(context, amounts, 12), Severity.LOW, at_risk.astype(int)
                    ),
                    at_risk.tolist(),
                    strict=True,
                )
            ],
            pegged,
            itertools.pairwise(bounds),
            waited[rows].tolist(),
            day_texts(headers.order_date[rows]),
            day_texts(headers.expected_date[rows]),
            headers.buyer[rows].tolist(),
            warehouses.tolist(),
            strict=True,
        )
    ):
        findings.append(
            Finding(
                type=ExceptionType.SUPPLIER_CONFIRMATION_OVERDUE,
                subject=po_subject(po_id),
                severity=severity,
                value_at_risk=from_units(amount, 12),
                value_basis=PEGGED_BASIS if has else UNPEGGED_BASIS,
                explanation=explanation(
                    po_id=po_id,
                    supplier_phrase=supplier_phrase,
                    supplier=supplier,
                    ordered=ordered,
                    expected=expected,
                    waited=plural(days, "day"),
                    allowed=allowed,
                    waiting=waits[a:b],
                    money=money,
                    buyer=buyer,
                ),
                cause=po_subject(po_id),
                related=tuple(related[a:b]),
                entities=entities[k],
                warehouse=codes.warehouses.codes[warehouse],
                company=companies[warehouse],
                customer_tier=tier_of_rank(tiers[k]),
            )
        )
    return findings
