"""``return_pending_approval``: a customer's return request nobody has decided on.

The trigger is a return in status ``requested`` more than ``max_days`` days after its
``requested_date``. The customer waits for an answer and the goods for a dock.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from controltower.detectors.base import (
    DetectionContext,
    DetectorSettings,
    Finding,
    customer_subject,
    order_subject,
    product_entity,
    return_subject,
)
from controltower.domain.cases import ExceptionType, raise_severity
from controltower.domain.explain import format_money, format_qty, plural
from controltower.domain.model import (
    Return,
    ReturnStatus,
    Tier,
    effective_unit_price,
)

#: the value bases, by where the return's unit price comes from
BY_ORDER_LINE_PRICE = "qty x the order line's unit price"
BY_LIST_PRICE = "qty x the product's list price"
NO_PRICE_KNOWN = "no price known"


class ReturnPendingApprovalSettings(DetectorSettings, Protocol):
    @property
    def max_days(self) -> int: ...


def unit_value(context: DetectionContext, rma: Return) -> tuple[Decimal, str]:
    """The price the customer paid (the order line's), else the list price, else 0."""
    if rma.order_id is not None:
        for line in context.sales_order_lines(rma.order_id):
            if line.sku == rma.sku:
                price = effective_unit_price(line, context.product(rma.sku))
                return price, BY_ORDER_LINE_PRICE
    product = context.product(rma.sku)
    if product is not None and product.list_price is not None:
        return product.list_price, BY_LIST_PRICE
    return Decimal(0), NO_PRICE_KNOWN


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
    """The return_pending_approval wording, shared by the reference detector and its
    columnar twin."""
    of_order = f" from order {order_id}" if order_id else ""
    return (
        f"Return {rma_id} of {qty} {sku}{of_order}, requested by {customer} {requested}, "
        f"has waited {plural(waited_days, 'day')} for a decision (the policy allows "
        f"{plural(max_days, 'day')}); worth {worth}. "
        f"Next: approve or reject it and tell the customer."
    )


def detect(context: DetectionContext, settings: ReturnPendingApprovalSettings) -> list[Finding]:
    findings: list[Finding] = []
    for rma in sorted(context.dataset.returns, key=lambda r: r.rma_id):
        waited = (context.as_of - rma.requested_date).days
        if rma.status is not ReturnStatus.REQUESTED or waited <= settings.max_days:
            continue
        price, basis = unit_value(context, rma)
        value = rma.qty * price
        tier = context.tier_of(rma.customer)
        severity = context.severity_for_value(value)
        if tier is Tier.STRATEGIC:
            severity = raise_severity(severity)
        if waited > 2 * settings.max_days:
            severity = raise_severity(severity)
        order = context.sales_order(rma.order_id) if rma.order_id else None
        findings.append(
            Finding(
                type=ExceptionType.RETURN_PENDING_APPROVAL,
                subject=return_subject(rma.rma_id),
                severity=severity,
                value_at_risk=value,
                value_basis=basis,
                explanation=explanation(
                    rma_id=rma.rma_id,
                    qty=format_qty(rma.qty),
                    sku=rma.sku,
                    order_id=rma.order_id,
                    customer=context.customer_phrase(rma.customer),
                    requested=rma.requested_date.isoformat(),
                    waited_days=waited,
                    max_days=settings.max_days,
                    worth=format_money(value),
                ),
                cause=return_subject(rma.rma_id),
                related=(order_subject(rma.order_id),) if rma.order_id else (),
                entities=(customer_subject(rma.customer), product_entity(rma.sku)),
                warehouse=order.warehouse if order is not None else None,
                company=(
                    context.company_of_warehouse(order.warehouse)
                    if order is not None
                    else context.company_of_customer(rma.customer)
                ),
                customer_tier=tier,
            )
        )
    return findings
