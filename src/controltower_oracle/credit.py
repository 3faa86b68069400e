"""A customer's credit position as of D, and whether it blocks the customer's orders.

``allocation.md``: the ``credit`` blocker holds when the customer is on credit hold; or
it has a credit limit (0 is a limit, blank is none) and its open receivables plus the
value of its open order quantity is strictly greater than that limit; or one of its
invoices has a positive residual more than ``overdue_days_block`` days past due.

Receivables are the sum of ``amount_residual`` over *all* the customer's invoices:
disputed ones, ones not yet due and credit notes (negative residuals) included.
Amounts stay exact Decimals: nothing is rounded before comparing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from controltower.domain.analysis import CreditAssessment
from controltower.domain.model import ZERO, Customer, Invoice


def open_line_value(open_qty: Decimal, unit_price: Decimal) -> Decimal:
    """What the open quantity of one line is worth at its effective unit price."""
    return open_qty * unit_price


def days_overdue(invoice: Invoice, as_of: date) -> int:
    """Calendar days since the due date (negative when not yet due)."""
    return (as_of - invoice.due_date).days


def assess_credit(
    customer_code: str,
    customer: Customer | None,
    invoices: Iterable[Invoice],
    open_order_value: Decimal,
    *,
    as_of: date,
    overdue_days_block: int,
) -> CreditAssessment:
    """Assess one customer's credit.

    ``open_order_value`` is the sum of ``open_qty * unit_price`` over the open lines of
    all the customer's open orders in every warehouse. A customer code with no customer
    row (only possible in a hand-built picture) has no hold and no limit.
    """
    receivables = ZERO
    overdue: list[tuple[int, str, Decimal]] = []
    for invoice in invoices:
        receivables += invoice.amount_residual
        late = days_overdue(invoice, as_of)
        if invoice.amount_residual > ZERO and late > overdue_days_block:
            overdue.append((late, invoice.invoice_id, invoice.amount_residual))
    # most overdue first; equal lateness by invoice id, so the order never depends on input
    overdue.sort(key=lambda item: (-item[0], item[1]))
    return CreditAssessment(
        customer=customer_code,
        on_hold=customer.credit_hold if customer is not None else False,
        credit_limit=customer.credit_limit if customer is not None else None,
        open_receivables=receivables,
        open_order_value=open_order_value,
        overdue_invoices=tuple((inv_id, residual, late) for late, inv_id, residual in overdue),
    )
