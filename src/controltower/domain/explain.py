"""The causal chain behind an order's standing, in sentences a service rep can read out.

Each sentence names the things a customer would ask about: which line, how much of
how many, which SKU, which purchase order and supplier, whether the supplier
confirmed, when the goods are expected and when they can be picked, when held stock is
released, how many days picking capacity adds, how much has no supply at all, what
credit rule blocks the order (with its amounts), how late the order is, and which other
warehouse could help by transfer.

The sentences are built only from the analysis and the picture, in a fixed order
(credit, then lines by number, then the ship date, then transfers), so the same
picture always reads the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from controltower.domain.analysis import CreditAssessment, InboundPeg, LineOutcome, OrderStanding
from controltower.domain.model import (
    ZERO,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    Supplier,
    Warehouse,
    po_line_expected_date,
)

#: how many overdue invoices are named one by one before the rest are counted
MAX_NAMED_OVERDUE_INVOICES = 3

_CENT = Decimal("0.01")


class SupplyDirectory(Protocol):
    """Look-ups the explanation needs to name a purchase order and its supplier."""

    def purchase_order(self, po_id: str) -> PurchaseOrder | None: ...

    def purchase_order_line(self, po_id: str, line: int) -> PurchaseOrderLine | None: ...

    def supplier(self, code: str) -> Supplier | None: ...


def format_qty(qty: Decimal) -> str:
    """A quantity as people write it: ``40``, ``1,200``, ``0.5`` (never ``40.00``)."""
    if qty == qty.to_integral_value():
        return f"{int(qty):,}"
    return f"{qty.normalize():,f}"


def format_money(amount: Decimal) -> str:
    """Money as people read it: to the cent (the currency's two decimals), half a cent
    rounded away from zero, thousands separated: ``25,163.365`` reads ``25,163.37``.

    Quantity times price often has more decimals than the currency; the exact amount
    stays in the data (``value_at_risk``), the sentence shows what a person pays.
    """
    cents = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    return f"{cents.copy_abs() if cents.is_zero() else cents:,.2f}"  # never "-0.00"


def exact_money(amount: Decimal) -> str:
    """Money with two decimals, more only when the amount has them: for a comparison
    rounding would hide (an exposure of ``10,000.004`` over a limit of ``10,000``)."""
    if amount == amount.quantize(_CENT):
        return f"{amount:,.2f}"
    return f"{amount.normalize():,f}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def credit_sentences(credit: CreditAssessment, overdue_days_block: int) -> list[str]:
    """One sentence per credit rule that blocks, with the amounts that decided it."""
    sentences: list[str] = []
    if credit.on_hold:
        sentences.append(f"Credit: account {credit.customer} is on credit hold.")
    if credit.over_limit and credit.credit_limit is not None:
        # to the cent, unless rounding would make the exposure seem within the limit
        shown = (
            format_money
            if format_money(credit.exposure) != format_money(credit.credit_limit)
            else exact_money
        )
        sentences.append(
            f"Credit: {credit.customer} exposure {shown(credit.exposure)} "
            f"(open invoices {shown(credit.open_receivables)} + open orders "
            f"{shown(credit.open_order_value)}) exceeds its limit "
            f"{shown(credit.credit_limit)}."
        )
    named = credit.overdue_invoices[:MAX_NAMED_OVERDUE_INVOICES]
    for invoice_id, residual, late in named:
        sentences.append(
            f"Credit: invoice {invoice_id} of {format_money(residual)} is "
            f"{plural(late, 'day')} overdue (limit {overdue_days_block})."
        )
    unnamed = len(credit.overdue_invoices) - len(named)
    if unnamed > 0:
        sentences.append(
            f"Credit: {plural(unnamed, 'more invoice')} of {credit.customer} "
            f"{'is' if unnamed == 1 else 'are'} more than {overdue_days_block} days overdue."
        )
    return sentences


def _supplier_phrase(order: PurchaseOrder | None, supply: SupplyDirectory) -> str:
    if order is None:
        return "an unknown supplier"
    supplier = supply.supplier(order.supplier)
    if supplier is not None and supplier.name:
        return f"{order.supplier} ({supplier.name})"
    return order.supplier


def portion(qty: Decimal, line: LineOutcome) -> str:
    """``15 of 40 CBL-2X14``, or ``all 40 CBL-2X14`` when it is the whole line."""
    if qty < line.open_qty:
        return f"{format_qty(qty)} of {format_qty(line.open_qty)} {line.sku}"
    if line.open_qty <= 1:
        return f"{format_qty(qty)} {line.sku}"
    return f"all {format_qty(qty)} {line.sku}"


def inbound_sentence(
    line: LineOutcome, peg: InboundPeg, supply: SupplyDirectory, as_of: date
) -> str:
    """``Line 1: 15 of 40 CBL-2X14 wait on PO77 from SUP-ACME, expected ...``."""
    order = supply.purchase_order(peg.po_id)
    po_line = supply.purchase_order_line(peg.po_id, peg.line)
    parts = [f"Line {line.line}: {portion(peg.qty, line)} wait on {peg.po_id} from "]
    parts.append(_supplier_phrase(order, supply))
    if order is not None and po_line is not None:
        expected = po_line_expected_date(po_line, order)
        overdue = (as_of - expected).days
        lateness = f" ({plural(overdue, 'day')} overdue)" if overdue > 0 else ""
        parts.append(f", expected {expected.isoformat()}{lateness}")
    if order is not None:
        if order.confirmed_date is not None:
            parts.append(f", confirmed by the supplier on {order.confirmed_date.isoformat()}")
        else:
            parts.append(", not confirmed by the supplier")
    parts.append(f"; available to pick {peg.available_date.isoformat()}.")
    return "".join(parts)


def is_simply_from_stock(line: LineOutcome) -> bool:
    """Covered from stock in full and picked the day it is ready: nothing to explain."""
    return line.from_stock >= line.open_qty and line.capacity_delay_days == 0


def line_sentences(
    line: LineOutcome,
    *,
    warehouse: Warehouse | None,
    supply: SupplyDirectory,
    as_of: date,
) -> list[str]:
    """Why one line is not simply served from stock today, source by source."""
    prefix = f"Line {line.line}: "
    sentences: list[str] = []
    if ZERO < line.from_stock < line.open_qty:
        sentences.append(
            f"{prefix}{portion(line.from_stock, line)} come from stock in {line.warehouse}."
        )
    for held in line.from_quality_hold:
        sentences.append(
            f"{prefix}{portion(held.qty, line)} are held by quality in {line.warehouse}, "
            f"expected to be released {held.available_date.isoformat()}."
        )
    for peg in line.from_inbound:
        sentences.append(inbound_sentence(line, peg, supply, as_of))
    if line.short_qty > ZERO:
        sentences.append(
            f"{prefix}{portion(line.short_qty, line)} have no supply: no stock, "
            f"quality-held stock or open purchase order in {line.warehouse} is left for them."
        )
    delay = line.capacity_delay_days
    if delay > 0 and line.supply_date is not None and line.projected_date is not None:
        capacity = warehouse.pick_capacity_lines_per_day if warehouse is not None else None
        limit = f"picks at most {plural(capacity, 'line')} a day" if capacity else "is full"
        ready = (
            f"{portion(line.open_qty, line)} are in stock in {line.warehouse}"
            if line.from_stock >= line.open_qty
            else f"ready {line.supply_date.isoformat()}"
        )
        sentences.append(
            f"{prefix}{ready}, but {line.warehouse} {limit}, so the line is picked "
            f"{line.projected_date.isoformat()} ({plural(delay, 'day')} later)."
        )
    return sentences


def alternative_sentences(line: LineOutcome, promised_date: date) -> list[str]:
    """``WH-WEST has 40 free; a transfer takes 2 days, arriving ..., in time ...``."""
    sentences: list[str] = []
    for alt in line.alternatives:
        verdict = (
            "in time for the promise"
            if alt.makes_promise
            else f"too late for the promise of {promised_date.isoformat()}"
        )
        sentences.append(
            f"Line {line.line}: {alt.from_warehouse} has {format_qty(alt.free_qty)} "
            f"{line.sku} free; a transfer takes {plural(alt.transit_days, 'day')}, "
            f"arriving {alt.arrival_date.isoformat()}, {verdict}."
        )
    return sentences


def _ship_clause(
    ship: date, standing: OrderStanding, promised_date: date, *, credit_blocked: bool, brief: bool
) -> str:
    """``2026-11-28, 1 day after the promised 2026-11-27`` or ``2026-11-27, on time``."""
    when = ship.isoformat() + (" once credit is released" if credit_blocked else "")
    late = standing.days_late or 0
    if late > 0:
        return f"{when}, {plural(late, 'day')} after the promised {promised_date.isoformat()}"
    if brief:
        return f"{when}, on time"
    return f"{when}, on time for the promise of {promised_date.isoformat()}"


def ready_to_ship_sentence(
    *, count: int, first_line: int, warehouse: str, promised: str, days_late: int
) -> str:
    """An order whose every line is in stock and whose promise has passed: it waits on
    nobody but the warehouse, and the sentence says so.

    ``Promised 2026-11-28 and not shipped: all 7 lines are in stock in NCL, ready to
    ship today, 8 days late.`` (``count`` lines, the first numbered ``first_line``).
    """
    lines = f"line {first_line} is" if count == 1 else f"all {count} lines are"
    return (
        f"Promised {promised} and not shipped: {lines} in stock in {warehouse}, "
        f"ready to ship today, {plural(days_late, 'day')} late."
    )


def explain_order(
    order: SalesOrder,
    lines: Sequence[LineOutcome],
    standing: OrderStanding,
    credit: CreditAssessment | None,
    *,
    warehouse: Warehouse | None,
    supply: SupplyDirectory,
    as_of: date,
    overdue_days_block: int,
) -> tuple[str, ...]:
    """The order's explanation: credit, each line that needs words, ship date, transfers."""
    credit_blocked = credit is not None and credit.blocked
    sentences: list[str] = []
    if credit is not None and credit.blocked:
        sentences.extend(credit_sentences(credit, overdue_days_block))

    simple = [line for line in lines if is_simply_from_stock(line)]
    late = standing.days_late or 0
    if len(simple) == len(lines) and late > 0 and not credit_blocked:
        sentences.append(
            ready_to_ship_sentence(
                count=len(lines),
                first_line=lines[0].line,
                warehouse=order.warehouse,
                promised=order.promised_date.isoformat(),
                days_late=late,
            )
        )
        return tuple(sentences)
    if len(simple) == len(lines):
        subject = f"Line {lines[0].line} is" if len(lines) == 1 else f"All {len(lines)} lines are"
        ship = standing.projected_ship_date or as_of
        clause = _ship_clause(
            ship, standing, order.promised_date, credit_blocked=credit_blocked, brief=True
        )
        sentences.append(f"{subject} covered from stock in {order.warehouse}; ships {clause}.")
        return tuple(sentences)

    for line in lines:
        sentences.extend(
            line_sentences(
                line,
                warehouse=warehouse,
                supply=supply,
                as_of=as_of,
            )
        )
    if simple:
        numbers = [str(line.line) for line in simple]
        subject = f"Line {numbers[0]} is" if len(numbers) == 1 else f"Lines {_join(numbers)} are"
        sentences.append(f"{subject} covered from stock in {order.warehouse}.")
    if standing.projected_ship_date is None:
        sentences.append(
            f"No ship date until the shortage is covered; promised "
            f"{order.promised_date.isoformat()}."
        )
    else:
        clause = _ship_clause(
            standing.projected_ship_date,
            standing,
            order.promised_date,
            credit_blocked=credit_blocked,
            brief=False,
        )
        sentences.append(f"Projected to ship {clause}.")
    for line in lines:
        if not is_simply_from_stock(line):
            sentences.extend(alternative_sentences(line, order.promised_date))
    return tuple(sentences)
