"""The reference ``replenishment_overdue`` detector, over value objects.

It reads the picture and the reference analysis one value object at a time and finds a
pool below its reorder point that nobody has reordered. Its settings, value basis and
wording are the product detector's
(:mod:`controltower.detectors.columnar.replenishment_overdue`), whose findings tests
hold equal to these.
"""

from __future__ import annotations

from controltower.detectors.base import DetectorSettings, Finding, pool_subject, product_entity
from controltower.detectors.columnar.replenishment_overdue import (
    LIST_PRICE,
    UNIT_COST,
    VALUE_BASIS,
    explanation,
)
from controltower.domain.cases import ExceptionType, Severity, highest_severity
from controltower.domain.explain import format_money, format_qty
from controltower.domain.model import ZERO
from controltower_oracle.detectors.context import DetectionContext
from controltower_oracle.pegging import physical_stock


def _pools(context: DetectionContext) -> list[tuple[str, str]]:
    pools = {(s.sku, s.warehouse) for s in context.dataset.stock}
    pools |= set(context.analysis.pools)
    return sorted(pools)


def detect(context: DetectionContext, _settings: DetectorSettings) -> list[Finding]:
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
