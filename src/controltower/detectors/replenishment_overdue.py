"""``replenishment_overdue``: a pool below its reorder point that nobody has reordered.

The stock position is physical stock (``on_hand - quality_hold``) plus the open
quantity of open purchase orders into the pool. The trigger is a position strictly
below the product's ``reorder_point``: the open supply, if any, does not lift it back,
so a purchase order is overdue. Pools considered are those with a stock row, open
demand or open supply.
"""

from __future__ import annotations

from controltower.detectors.base import (
    DetectionContext,
    DetectorSettings,
    Finding,
    pool_subject,
    product_entity,
)
from controltower.domain.cases import ExceptionType, Severity, highest_severity
from controltower.domain.explain import format_money, format_qty
from controltower.domain.model import ZERO
from controltower.domain.pegging import physical_stock


def _pools(context: DetectionContext) -> list[tuple[str, str]]:
    pools = {(s.sku, s.warehouse) for s in context.dataset.stock}
    pools |= set(context.analysis.pools)
    return sorted(pools)


def detect(context: DetectionContext, settings: DetectorSettings) -> list[Finding]:
    findings: list[Finding] = []
    for sku, warehouse in _pools(context):
        product = context.product(sku)
        if product is None or product.reorder_point is None:
            continue
        stock = context.stock(sku, warehouse)
        physical = physical_stock(stock)
        inbound = sum((ln.open_qty for ln in context.open_po_lines(sku, warehouse)), ZERO)
        position = physical + inbound
        if position >= product.reorder_point:
            continue
        gap = product.reorder_point - position
        if product.list_price is not None:
            price, priced = product.list_price, "list price"
        else:
            price, priced = context.unit_cost(sku), "unit cost"
        value = gap * price
        floor = Severity.LOW
        if physical <= 0:
            floor = Severity.MEDIUM
        if context.short_in_pool(sku, warehouse):
            floor = Severity.HIGH
        severity = highest_severity([floor, context.severity_for_value(value)])
        held = (
            f" ({format_qty(stock.quality_hold)} more held by quality)"
            if stock and stock.quality_hold
            else ""
        )
        on_order = (
            f" plus {format_qty(inbound)} on order" if inbound > 0 else " and nothing on order"
        )
        qty = product.reorder_qty if product.reorder_qty else gap
        findings.append(
            Finding(
                type=ExceptionType.REPLENISHMENT_OVERDUE,
                subject=pool_subject(sku, warehouse),
                severity=severity,
                value_at_risk=value,
                value_basis=f"gap to the reorder point x {priced}",
                explanation=(
                    f"{sku} in {warehouse} has {format_qty(physical)} available{held}"
                    f"{on_order}, below its reorder point of "
                    f"{format_qty(product.reorder_point)} by {format_qty(gap)} "
                    f"({format_money(value)} at {priced}). Next: raise a purchase order for "
                    f"{format_qty(qty)} or transfer stock in."
                ),
                cause=pool_subject(sku, warehouse),
                entities=(product_entity(sku),),
                warehouse=warehouse,
                company=context.company_of_warehouse(warehouse),
            )
        )
    return findings
