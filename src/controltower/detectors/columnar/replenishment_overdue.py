"""``replenishment_overdue``: a pool below its reorder point that nobody has reordered.

The stock position is physical stock (``on_hand - quality_hold``) plus the open
quantity of open purchase orders into the pool. The trigger is a position strictly
below the product's ``reorder_point``: the open supply, if any, does not lift it back,
so a purchase order is overdue. Pools considered are those with a stock row, open
demand or open supply.

The reference considers every pool with a stock row, open demand or open supply: the
kernel's pools exactly. Only a pool whose physical stock alone is below the reorder
point can have its position below it, so open supply is summed for those pools alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from controltower.detectors.base import DetectorSettings, Finding, pool_subject, product_entity
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.detectors.columnar.phrases import Phrases
from controltower.detectors.columnar.receipt_rows import short_in_pools
from controltower.domain.cases import ExceptionType, Severity, highest_severity
from controltower.domain.explain import format_money, format_qty
from controltower.domain.tables import I64

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
    """The replenishment_overdue wording, also used by the oracle's reference detector.

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


@dataclass(frozen=True, slots=True)
class _Below:
    """Pools (picture ids) below their reorder point, each with its product row and
    open inbound quantity (millionths)."""

    pools: I64
    products: I64
    inbound: I64


def _below_reorder_point(context: ColumnarDetectionContext) -> _Below:
    """Pools whose physical stock plus open inbound is below the product's reorder point."""
    picture, result = context.picture, context.result
    products = context.tables.products
    product = context.product_row[context.vocab_sku_of_picture_sku[picture.pool_sku]]
    known = product >= 0
    at = np.where(known, product, 0)
    physical = result.pool_physical
    if products.sku.shape[0]:
        point = products.reorder_point[at]
        pools = np.flatnonzero(known & products.reorder_point_given[at] & (physical < point))
    else:
        point, pools = physical, np.flatnonzero(known)
    flagged = np.zeros(picture.n_pools, dtype=np.bool_)
    flagged[pools] = True
    into = np.flatnonzero(flagged[picture.inbound_pool])
    inbound = np.zeros(picture.n_pools, dtype=np.int64)
    np.add.at(inbound, picture.inbound_pool[into], picture.inbound_open_qty[into])
    below = pools[physical[pools] + inbound[pools] < point[pools]]
    return _Below(below, product[below], inbound[below])


@dataclass(frozen=True, slots=True)
class _Product:
    """What the finding reads of each pool's product (lists of millionths)."""

    reorder_point: list[int]
    #: the list price, else the unit cost, else 0
    price: list[int]
    by_list_price: list[bool]
    #: the reorder quantity, 0 when not given
    reorder_qty: list[int]


def _product_facts(context: ColumnarDetectionContext, rows: I64) -> _Product:
    products = context.tables.products
    listed = products.list_price_given[rows]
    cost = np.where(products.unit_cost_given[rows], products.unit_cost[rows], 0)
    return _Product(
        reorder_point=products.reorder_point[rows].tolist(),
        price=np.where(listed, products.list_price[rows], cost).tolist(),
        by_list_price=listed.tolist(),
        reorder_qty=np.where(products.reorder_qty_given[rows], products.reorder_qty[rows], 0)
        .astype(np.int64)
        .tolist(),
    )


def detect(context: ColumnarDetectionContext, _settings: DetectorSettings) -> list[Finding]:
    """Every pool below its reorder point with too little on order."""
    picture, result = context.picture, context.result
    below = _below_reorder_point(context)
    product = _product_facts(context, below.products)
    pools = below.pools
    phrases = Phrases(context)
    sku_codes, warehouse_codes = picture.sku_codes, picture.warehouse_codes
    pools_found = zip(
        picture.pool_sku[pools].tolist(),
        picture.pool_warehouse[pools].tolist(),
        context.vocab_warehouse_of_picture_warehouse[picture.pool_warehouse[pools]].tolist(),
        result.pool_physical[pools].tolist(),
        picture.pool_quality_hold[pools].tolist(),
        below.inbound.tolist(),
        short_in_pools(context, pools).tolist(),
        strict=True,
    )
    findings: list[Finding] = []
    for i, (
        sku_id,
        warehouse_id,
        vocab_warehouse,
        physical_units,
        held,
        inbound_units,
        short,
    ) in enumerate(pools_found):
        sku, warehouse = sku_codes[sku_id], warehouse_codes[warehouse_id]
        physical, inbound = phrases.amount[physical_units], phrases.amount[inbound_units]
        gap = phrases.amount[product.reorder_point[i]] - (physical + inbound)
        priced = LIST_PRICE if product.by_list_price[i] else UNIT_COST
        value = gap * phrases.amount[product.price[i]]
        floor = Severity.LOW
        if physical <= 0:
            floor = Severity.MEDIUM
        if short:
            floor = Severity.HIGH
        severity = highest_severity([floor, context.severity_for_value(value)])
        reorder = product.reorder_qty[i]
        gap_text = format_qty(gap)
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
                    available=phrases.qty[physical_units],
                    held=phrases.qty[held] if held else None,
                    on_order=phrases.qty[inbound_units] if inbound > 0 else None,
                    reorder_point=phrases.qty[product.reorder_point[i]],
                    gap=gap_text,
                    worth=format_money(value),
                    priced=priced,
                    reorder_qty=phrases.qty[reorder] if reorder else gap_text,
                ),
                cause=pool_subject(sku, warehouse),
                entities=(product_entity(sku),),
                warehouse=warehouse,
                company=phrases.company_of_warehouse[vocab_warehouse],
            )
        )
    return findings
