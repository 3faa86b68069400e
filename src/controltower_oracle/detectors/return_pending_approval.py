"""The reference ``return_pending_approval`` detector, over value objects.

It reads the picture and the reference analysis one value object at a time and finds a
customer's return request nobody has decided on. Its settings, value basis and wording
are the product detector's
(:mod:`controltower.detectors.columnar.return_pending_approval`), whose findings tests
hold equal to these.
"""

from __future__ import annotations

from decimal import Decimal

from controltower.detectors.base import (
    Finding,
    customer_subject,
    order_subject,
    product_entity,
    return_subject,
)
from controltower.detectors.columnar.return_pending_approval import (
    BY_LIST_PRICE,
    BY_ORDER_LINE_PRICE,
    NO_PRICE_KNOWN,
    ReturnPendingApprovalSettings,
    explanation,
)
from controltower.domain.cases import ExceptionType, raise_severity
from controltower.domain.explain import format_money, format_qty
from controltower.domain.model import Return, ReturnStatus, Tier, effective_unit_price
from controltower_oracle.detectors.context import DetectionContext


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
