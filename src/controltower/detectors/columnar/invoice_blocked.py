"""``invoice_blocked``: a disputed invoice with money still owed.

A disputed invoice cannot be collected; it keeps counting toward the customer's credit
exposure and can block their orders. The trigger is an invoice with ``disputed`` true
and ``amount_residual > 0``. Its cause is the customer account, so it is grouped with
the credit hold it feeds.

Disputed invoices with money owed are one mask over the invoices table. The credit
blocker is a property of the customer, so the orders it blocks are all the open orders
of a customer whose credit is blocked, found through a mask over the kernel's orders.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from controltower.detectors.base import (
    DetectorSettings,
    Finding,
    customer_subject,
    invoice_subject,
)
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.detectors.columnar.phrases import RAISED, Phrases
from controltower.domain.cases import ExceptionType
from controltower.domain.columnar import from_units
from controltower.domain.explain import format_money, plural
from controltower.domain.kernel import BLOCKER_CREDIT
from controltower.domain.tables import I64

VALUE_BASIS = "amount still owed on the invoice"


def explanation(
    *,
    invoice_id: str,
    customer: str,
    amount: str,
    due_date: str,
    overdue_days: int,
    code: str,
    exposure: str | None,
    blocked: Sequence[str],
    account_owner: str | None,
) -> str:
    """The invoice_blocked wording, also used by the oracle's reference detector.

    The credit clause is said only with both the customer's ``exposure`` and orders
    ``blocked`` by credit.
    """
    due = (
        f"{plural(overdue_days, 'day')} past its due date {due_date}"
        if overdue_days > 0
        else f"due {due_date}"
    )
    if blocked and exposure is not None:
        blocking = (
            f" It counts toward {code}'s credit exposure of {exposure}, and "
            f"{code}'s {plural(len(blocked), 'order')} ({', '.join(blocked)}) "
            f"{'is' if len(blocked) == 1 else 'are'} blocked by credit."
        )
    else:
        blocking = ""
    owner = f" with the account owner {account_owner}" if account_owner else ""
    return (
        f"Invoice {invoice_id} of {customer} for {amount}, {due}, is disputed and cannot be "
        f"collected.{blocking} Next: settle the dispute{owner} (a credit note or a "
        f"confirmation the customer accepts)."
    )


def _blocked_orders(context: ColumnarDetectionContext, customers: I64) -> dict[int, list[str]]:
    """The order ids, sorted, that credit blocks for each of ``customers`` (picture ids)."""
    picture, result = context.picture, context.result
    wanted = np.zeros(len(picture.customer_codes), dtype=np.bool_)
    wanted[customers[customers >= 0]] = True
    credit = (result.order_blockers & BLOCKER_CREDIT) != 0
    orders = np.flatnonzero(credit & wanted[picture.order_customer])
    blocked: dict[int, list[str]] = {}
    for o, customer in zip(orders.tolist(), picture.order_customer[orders].tolist(), strict=True):
        blocked.setdefault(customer, []).append(picture.order_ids[o])
    return blocked


def _exposure(context: ColumnarDetectionContext, customer: int, blocked: list[str]) -> str | None:
    """The customer's credit exposure as money text, when credit blocks its orders."""
    if not blocked:
        return None
    credit = context.result.credit
    return format_money(
        from_units(
            int(credit.open_receivables[customer]) + int(credit.open_order_value[customer]),
            credit.decimals,
        )
    )


def detect(context: ColumnarDetectionContext, _settings: DetectorSettings) -> list[Finding]:
    """Every disputed invoice with money still owed."""
    table = context.tables.invoices
    invoices = np.flatnonzero(table.disputed & (table.amount_residual > 0))
    customers = table.customer[invoices].astype(np.int64)
    mapped = context.picture_customer_of_vocab_customer[customers]
    blocked_orders = _blocked_orders(context, mapped)
    vocab = context.tables.vocab
    owners = context.tables.customers.account_owner
    phrases = Phrases(context)
    findings: list[Finding] = []
    for j, customer_id, customer in zip(
        invoices.tolist(), customers.tolist(), mapped.tolist(), strict=True
    ):
        invoice_id = str(table.invoice_id[j])
        code = vocab.customers.codes[customer_id]
        blocked = blocked_orders.get(customer, []) if customer >= 0 else []
        residual = phrases.amount[int(table.amount_residual[j])]
        severity = context.severity_for_value(residual)
        if blocked:
            severity = RAISED[severity]
        due_day = int(table.due_date[j])
        row = int(context.customer_row[customer_id])
        findings.append(
            Finding(
                type=ExceptionType.INVOICE_BLOCKED,
                subject=invoice_subject(invoice_id),
                severity=severity,
                value_at_risk=residual,
                value_basis=VALUE_BASIS,
                explanation=explanation(
                    invoice_id=invoice_id,
                    customer=phrases.customer[customer_id],
                    amount=format_money(residual),
                    due_date=phrases.day[due_day],
                    overdue_days=context.as_of_day - due_day,
                    code=code,
                    exposure=_exposure(context, customer, blocked),
                    blocked=blocked,
                    account_owner=owners[row] if row >= 0 else None,
                ),
                cause=customer_subject(code),
                related=tuple(context.order_subject(o) for o in blocked),
                entities=(customer_subject(code),),
                company=phrases.company_of_customer[customer_id],
                customer_tier=phrases.tier[customer_id],
            )
        )
    return findings
