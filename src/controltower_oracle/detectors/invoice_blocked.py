"""The reference ``invoice_blocked`` detector, over value objects.

It reads the picture and the reference analysis one value object at a time and finds a
disputed invoice with money still owed. Its settings, value basis and wording are the
product detector's (:mod:`controltower.detectors.columnar.invoice_blocked`), whose
findings tests hold equal to these.
"""

from __future__ import annotations

from controltower.detectors.base import (
    DetectorSettings,
    Finding,
    customer_subject,
    invoice_subject,
    order_subject,
)
from controltower.detectors.columnar.invoice_blocked import VALUE_BASIS, explanation
from controltower.domain.analysis import Blocker
from controltower.domain.cases import ExceptionType, raise_severity
from controltower.domain.explain import format_money
from controltower_oracle.detectors.context import DetectionContext


def detect(context: DetectionContext, _settings: DetectorSettings) -> list[Finding]:
    findings: list[Finding] = []
    for invoice in sorted(context.dataset.invoices, key=lambda i: i.invoice_id):
        if not invoice.disputed or invoice.amount_residual <= 0:
            continue
        code = invoice.customer
        blocked = sorted(
            o.order_id for o in context.outcomes_of_customer(code) if Blocker.CREDIT in o.blockers
        )
        severity = context.severity_for_value(invoice.amount_residual)
        if blocked:
            severity = raise_severity(severity)
        credit = context.analysis.credit.get(code)
        customer = context.customer(code)
        findings.append(
            Finding(
                type=ExceptionType.INVOICE_BLOCKED,
                subject=invoice_subject(invoice.invoice_id),
                severity=severity,
                value_at_risk=invoice.amount_residual,
                value_basis=VALUE_BASIS,
                explanation=explanation(
                    invoice_id=invoice.invoice_id,
                    customer=context.customer_phrase(code),
                    amount=format_money(invoice.amount_residual),
                    due_date=invoice.due_date.isoformat(),
                    overdue_days=(context.as_of - invoice.due_date).days,
                    code=code,
                    exposure=(
                        format_money(credit.exposure) if blocked and credit is not None else None
                    ),
                    blocked=blocked,
                    account_owner=customer.account_owner if customer is not None else None,
                ),
                cause=customer_subject(code),
                related=tuple(order_subject(o) for o in blocked),
                entities=(customer_subject(code),),
                company=context.company_of_customer(code),
                customer_tier=context.tier_of(code),
            )
        )
    return findings
