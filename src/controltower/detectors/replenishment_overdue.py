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

#: what the gap is priced at: the product's list price, else its unit cost
LIST_PRICE = "list price"
UNIT_COST = "unit cost"
#: the value basis of each pricing
VALUE_BASIS = {priced: f"gap to the reorder point x {priced}" for priced in (LIST_PRICE, UNIT_COST)}


def explanation(
    *,
    sku: str,
    warehouse: str,
    available: str,
    held: str | None,
    on_order: str | None,
    reorder_point: str,
    gap: str,
    worth: str,
    priced: str,
    reorder_qty: str,
) -> str:
    """The replenishment_overdue wording, shared by the reference detector and its
    columnar twin.

    ``held`` is the quantity on quality hold and ``on_order`` the open inbound, each
    ``None`` when there is none.
    """
    held_text = f" ({held} more held by quality)" if held is not None else ""
    inbound = f" plus {on_order} on order" if on_order is not None else " and nothing on order"
    return (
        f"{sku} in {warehouse} has {available} available{held_text}{inbound}, below its "
        f"reorder point of {reorder_point} by {gap} ({worth} at {priced}). Next: raise a "
        f"purchase order for {reorder_qty} or transfer stock in."
    )


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
            price, priced = product.list_price, LIST_PRICE
        else:
            price, priced = context.unit_cost(sku), UNIT_COST
        value = gap * price
        floor = Severity.LOW
        if physical <= 0:
            floor = Severity.MEDIUM
        if context.short_in_pool(sku, warehouse):
            floor = Severity.HIGH
        severity = highest_severity([floor, context.severity_for_value(value)])
        qty = product.reorder_qty if product.reorder_qty else gap
        findings.append(
            Finding(
                type=ExceptionType.REPLENISHMENT_OVERDUE,
                subject=pool_subject(sku, warehouse),
                severity=severity,
                value_at_risk=value,
                value_basis=VALUE_BASIS[priced],
                explanation=explanation(
                    sku=sku,
                    warehouse=warehouse,
                    available=format_qty(physical),
                    held=(format_qty(stock.quality_hold) if stock and stock.quality_hold else None),
                    on_order=format_qty(inbound) if inbound > 0 else None,
                    reorder_point=format_qty(product.reorder_point),
                    gap=format_qty(gap),
                    worth=format_money(value),
                    priced=priced,
                    reorder_qty=format_qty(qty),
                ),
                cause=pool_subject(sku, warehouse),
                entities=(product_entity(sku),),
                warehouse=warehouse,
                company=context.company_of_warehouse(warehouse),
            )
        )
    return findings
