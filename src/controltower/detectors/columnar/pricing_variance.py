"""``pricing_variance``: an open line priced off list beyond the tolerance.

A price below list gives margin away, above list overcharges a customer; either needs
someone to approve it before the goods ship. The trigger is an open order line whose
effective unit price differs from its effective list price by more than
``tolerance_pct`` percent of the list price (lines with no or a zero list price are
not judged).

The effective unit and list prices of every order line are whole-array selections over
the lines and products tables. A float comparison with a small margin keeps every open
line of an open order that could be off list beyond the tolerance (those are exactly
the kernel's lines), and the reference's exact Decimal test then decides for those few.

A line whose price was approved as an override (an executed ``override_price`` action,
``context.approved_prices``) is not flagged while it keeps that price: the variance was
decided by the people the policy names. A later change of price is judged again.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

import numpy as np

from controltower.detectors.base import (
    DetectorSettings,
    Finding,
    customer_subject,
    line_subject,
    product_entity,
)
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.detectors.columnar.phrases import RAISED, Phrases, money_text
from controltower.domain.cases import ExceptionType
from controltower.domain.explain import format_money
from controltower.domain.tables import I64

_TENTH = Decimal("0.1")

VALUE_BASIS = "|unit price - list price| x open qty"


class PricingVarianceSettings(DetectorSettings, Protocol):
    @property
    def tolerance_pct(self) -> Decimal: ...


def percent_text(value: Decimal) -> str:
    """A percentage as the finding shows it, to a tenth: ``12.5%``."""
    return f"{value.quantize(_TENTH)}%"


def explanation(
    *,
    order_id: str,
    line: int,
    customer: str,
    qty: str,
    sku: str,
    price: str,
    deviation: str,
    below: bool,
    list_price: str,
    tolerance: str,
    worth: str,
) -> str:
    """The pricing_variance wording, also used by the oracle's reference
    detector."""
    return (
        f"Order {order_id} line {line} for {customer} sells {qty} {sku} at {price}, "
        f"{deviation} {'below' if below else 'above'} the list price {list_price} "
        f"(tolerance {tolerance}): {worth} "
        f"{'of margin given away' if below else 'charged over list'}. "
        f"Next: approve the price as an override or correct it before the line ships."
    )


_HUNDRED = Decimal(100)
#: relative margin of the float pre-selection, far above float64 rounding
_MARGIN = 1e-9
#: a Decimal product (default precision) is exact below this many units
_EXACT_BELOW = 10**28


@dataclass(frozen=True, slots=True)
class _Candidates:
    """Rows of ``tables.sales_order_lines`` that may be off list, with their effective
    list and unit prices (millionths)."""

    rows: I64
    list_price: I64
    unit_price: I64


def _candidates(context: ColumnarDetectionContext, tolerance_pct: Decimal) -> _Candidates:
    """A superset of the lines the reference reports: open lines of the kernel's orders
    with a positive list price and a price gap beyond the tolerance, in floats."""
    lines = context.tables.sales_order_lines
    # A list price given by neither the line nor its product reads as 0: not judged,
    # like a zero or negative one.
    product_list = _product_list_prices(context)[lines.sku]
    list_price = np.where(lines.list_price_given, lines.list_price, product_list)
    unit_price = np.where(lines.unit_price_given, lines.unit_price, product_list)
    rows = np.flatnonzero((unit_price != list_price) & (list_price > 0))
    list_price, unit_price = list_price[rows], unit_price[rows]
    gap = np.abs(unit_price - list_price).astype(np.float64) * 100.0
    bound = list_price.astype(np.float64) * (float(tolerance_pct) * (1.0 - _MARGIN))
    keep = (gap > bound) & (lines.qty[rows] > lines.qty_shipped[rows])
    keep &= context.picture_order_of_vocab_order[lines.order[rows]] >= 0
    return _Candidates(rows[keep], list_price[keep], unit_price[keep])


def _product_list_prices(context: ColumnarDetectionContext) -> I64:
    """Per vocabulary sku, its product's list price in millionths, 0 when none."""
    products = context.tables.products
    skus = np.flatnonzero(context.product_row >= 0)
    product = context.product_row[skus]
    prices: I64 = np.zeros(len(context.tables.vocab.skus), dtype=np.int64)
    prices[skus] = np.where(products.list_price_given[product], products.list_price[product], 0)
    return prices


def _value_text(units: int, value: Decimal) -> str:
    """``format_money(value)``, from ``value``'s exact product in ``10**-12`` when the
    Decimal product holds it exactly (up to 28 digits), else from the Decimal."""
    return money_text(units, 12) if abs(units) < _EXACT_BELOW else format_money(value)


def detect(context: ColumnarDetectionContext, settings: PricingVarianceSettings) -> list[Finding]:
    """Every open line priced off list beyond ``tolerance_pct``."""
    found = _candidates(context, settings.tolerance_pct)
    tables = context.tables
    lines, vocab = tables.sales_order_lines, tables.vocab
    rows = found.rows
    order_rows = context.sales_order_row[lines.order[rows]]
    tolerance = settings.tolerance_pct
    twice, tolerance_text = 2 * tolerance, percent_text(tolerance)
    phrases = Phrases(context)
    findings: list[Finding] = []
    for order, number, sku_id, qty, list_units, price_units, customer_id, warehouse_id in zip(
        lines.order[rows].tolist(),
        lines.line[rows].tolist(),
        lines.sku[rows].tolist(),
        (lines.qty[rows] - lines.qty_shipped[rows]).tolist(),
        found.list_price.tolist(),
        found.unit_price.tolist(),
        tables.sales_orders.customer[order_rows].tolist(),
        tables.sales_orders.warehouse[order_rows].tolist(),
        strict=True,
    ):
        list_price, unit_price = phrases.amount[list_units], phrases.amount[price_units]
        gap = unit_price - list_price
        deviation = abs(gap) / list_price * _HUNDRED
        if deviation <= tolerance:
            continue
        order_id = vocab.orders.codes[order]
        if unit_price in context.approved_prices.get((order_id, number), ()):
            continue
        value = abs(gap) * phrases.amount[qty]
        severity = context.severity_for_value(value)
        if deviation > twice:
            severity = RAISED[severity]
        subject = line_subject(order_id, number)
        sku, customer = vocab.skus.codes[sku_id], vocab.customers.codes[customer_id]
        findings.append(
            Finding(
                type=ExceptionType.PRICING_VARIANCE,
                subject=subject,
                severity=severity,
                value_at_risk=value,
                value_basis=VALUE_BASIS,
                explanation=explanation(
                    order_id=order_id,
                    line=number,
                    customer=phrases.customer[customer_id],
                    qty=phrases.qty[qty],
                    sku=sku,
                    price=phrases.money[price_units],
                    deviation=percent_text(deviation),
                    below=gap < 0,
                    list_price=phrases.money[list_units],
                    tolerance=tolerance_text,
                    worth=_value_text(abs(price_units - list_units) * qty, value),
                ),
                cause=subject,
                entities=(customer_subject(customer), product_entity(sku)),
                warehouse=vocab.warehouses.codes[warehouse_id],
                company=phrases.company_of_warehouse[warehouse_id],
                customer_tier=phrases.tier[customer_id],
            )
        )
    return findings
