"""``return_pending_approval``: a customer's return request nobody has decided on.

The trigger is a return in status ``requested`` more than ``max_days`` days after its
``requested_date``. The customer waits for an answer and the goods for a dock.

Requested returns waiting too long are one mask over the returns table; the order lines
that price them are found through a mask over the lines of just their orders.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

import numpy as np

from controltower.detectors.base import (
    DetectorSettings,
    Finding,
    customer_subject,
    product_entity,
    return_subject,
)
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.detectors.columnar.phrases import RAISED, Phrases, decimal
from controltower.domain.cases import ExceptionType
from controltower.domain.explain import format_money, format_qty, plural
from controltower.domain.model import ReturnStatus, Tier
from controltower.domain.tables import I64, RETURN_STATUSES

#: the value bases, by where the return's unit price comes from
BY_ORDER_LINE_PRICE = "qty x the order line's unit price"
BY_LIST_PRICE = "qty x the product's list price"
NO_PRICE_KNOWN = "no price known"


class ReturnPendingApprovalSettings(DetectorSettings, Protocol):
    @property
    def max_days(self) -> int: ...


def explanation(
    *,
    rma_id: str,
    qty: str,
    sku: str,
    order_id: str | None,
    customer: str,
    requested: str,
    waited_days: int,
    max_days: int,
    worth: str,
) -> str:
    """The return_pending_approval wording, also used by the oracle's reference
    detector."""
    of_order = f" from order {order_id}" if order_id else ""
    return (
        f"Return {rma_id} of {qty} {sku}{of_order}, requested by {customer} {requested}, "
        f"has waited {plural(waited_days, 'day')} for a decision (the policy allows "
        f"{plural(max_days, 'day')}); worth {worth}. "
        f"Next: approve or reject it and tell the customer."
    )


def _first_lines(context: ColumnarDetectionContext, returns: I64) -> dict[tuple[int, int], int]:
    """For each (order, sku) of the returns that name an order, the row of its order line
    with the lowest line number (the first such row on a tie), as vocabulary ids."""
    table = context.tables.returns
    lines = context.tables.sales_order_lines
    orders = table.order[returns]
    wanted = np.zeros(len(context.tables.vocab.orders), dtype=np.bool_)
    wanted[orders[orders >= 0]] = True
    rows = np.flatnonzero(wanted[lines.order])
    first: dict[tuple[int, int], tuple[int, int]] = {}
    for row, order, sku, number in zip(
        rows.tolist(),
        lines.order[rows].tolist(),
        lines.sku[rows].tolist(),
        lines.line[rows].tolist(),
        strict=True,
    ):
        known = first.get((order, sku))
        if known is None or number < known[0]:
            first[(order, sku)] = (number, row)
    return {key: row for key, (_, row) in first.items()}


def _unit_value(
    context: ColumnarDetectionContext, line_row: int | None, sku: int
) -> tuple[Decimal, str]:
    """The price the customer paid (the order line's), else the list price, else 0."""
    products = context.tables.products
    product = int(context.product_row[sku])
    list_price = (
        decimal(products.list_price[product])
        if product >= 0 and products.list_price_given[product]
        else None
    )
    if line_row is not None:
        lines = context.tables.sales_order_lines
        if lines.unit_price_given[line_row]:
            price = decimal(lines.unit_price[line_row])
        else:
            price = list_price if list_price is not None else Decimal(0)
        return price, BY_ORDER_LINE_PRICE
    if list_price is not None:
        return list_price, BY_LIST_PRICE
    return Decimal(0), NO_PRICE_KNOWN


def detect(
    context: ColumnarDetectionContext, settings: ReturnPendingApprovalSettings
) -> list[Finding]:
    """Every requested return undecided after ``max_days`` days."""
    table = context.tables.returns
    waited = context.as_of_day - table.requested_date.astype(np.int64)
    requested = table.status == RETURN_STATUSES.index(ReturnStatus.REQUESTED)
    returns = np.flatnonzero(requested & (waited > settings.max_days))
    first_lines = _first_lines(context, returns)
    vocab = context.tables.vocab
    orders = context.tables.sales_orders
    phrases = Phrases(context)
    findings: list[Finding] = []
    for r in returns.tolist():
        rma_id = str(table.rma_id[r])
        customer_id, sku_id, order = int(table.customer[r]), int(table.sku[r]), int(table.order[r])
        customer, sku = vocab.customers.codes[customer_id], vocab.skus.codes[sku_id]
        order_id = vocab.orders.codes[order] if order >= 0 else None
        price, basis = _unit_value(context, first_lines.get((order, sku_id)), sku_id)
        qty = decimal(table.qty[r])
        value = qty * price
        tier = phrases.tier[customer_id]
        severity = context.severity_for_value(value)
        if tier is Tier.STRATEGIC:
            severity = RAISED[severity]
        days_waited = int(waited[r])
        if days_waited > 2 * settings.max_days:
            severity = RAISED[severity]
        order_row = int(context.sales_order_row[order]) if order >= 0 else -1
        warehouse_id = int(orders.warehouse[order_row]) if order_row >= 0 else -1
        findings.append(
            Finding(
                type=ExceptionType.RETURN_PENDING_APPROVAL,
                subject=return_subject(rma_id),
                severity=severity,
                value_at_risk=value,
                value_basis=basis,
                explanation=explanation(
                    rma_id=rma_id,
                    qty=format_qty(qty),
                    sku=sku,
                    order_id=order_id,
                    customer=phrases.customer[customer_id],
                    requested=phrases.day[int(table.requested_date[r])],
                    waited_days=days_waited,
                    max_days=settings.max_days,
                    worth=format_money(value),
                ),
                cause=return_subject(rma_id),
                related=(context.order_subject(order_id),) if order_id else (),
                entities=(customer_subject(customer), product_entity(sku)),
                warehouse=vocab.warehouses.codes[warehouse_id] if warehouse_id >= 0 else None,
                company=(
                    phrases.company_of_warehouse[warehouse_id]
                    if warehouse_id >= 0
                    else phrases.company_of_customer[customer_id]
                ),
                customer_tier=tier,
            )
        )
    return findings
