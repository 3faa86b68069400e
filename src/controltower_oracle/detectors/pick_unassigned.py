"""The reference ``pick_unassigned`` detector, over value objects.

It reads the picture and the reference analysis one value object at a time and finds an
open pick nobody has taken. Its settings, value basis and wording are the product
detector's (:mod:`controltower.detectors.columnar.pick_unassigned`), whose findings
tests hold equal to these.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from controltower.detectors.base import (
    Finding,
    customer_subject,
    order_subject,
    pick_subject,
    warehouse_subject,
)
from controltower.detectors.columnar.pick_unassigned import (
    VALUE_BASIS,
    PickUnassignedSettings,
    explanation,
)
from controltower.domain.cases import ExceptionType, raise_severity
from controltower.domain.explain import format_money
from controltower.domain.model import PickStatus
from controltower_oracle.detectors.context import DetectionContext


def _hours(elapsed: timedelta) -> str:
    hours = elapsed.total_seconds() / 3600
    return f"{hours:.1f} hours"


def detect(context: DetectionContext, settings: PickUnassignedSettings) -> list[Finding]:
    findings: list[Finding] = []
    limit = timedelta(hours=settings.max_unassigned_hours)
    for pick in sorted(context.dataset.picks, key=lambda p: p.pick_id):
        if pick.status is not PickStatus.OPEN or pick.assigned_to:
            continue
        elapsed = context.detected_at - pick.created_at
        if elapsed <= limit:
            continue
        outcome = context.outcome(pick.order_id)
        order = context.sales_order(pick.order_id)
        value = outcome.open_value if outcome is not None else Decimal(0)
        severity = context.severity_for_value(value)
        urgent = order is not None and (order.expedite or order.promised_date <= context.as_of)
        if urgent:
            severity = raise_severity(severity)
        customer = promised = worth = None
        if order is not None:
            customer = context.customer_phrase(order.customer)
            promised = order.promised_date.isoformat()
            worth = format_money(value)
        findings.append(
            Finding(
                type=ExceptionType.PICK_UNASSIGNED,
                subject=pick_subject(pick.pick_id),
                severity=severity,
                value_at_risk=value,
                value_basis=VALUE_BASIS,
                explanation=explanation(
                    pick_id=pick.pick_id,
                    warehouse=pick.warehouse,
                    created=pick.created_at.isoformat(sep=" ", timespec="minutes"),
                    waited=_hours(elapsed),
                    allowed_hours=settings.max_unassigned_hours,
                    order_id=pick.order_id,
                    customer=customer,
                    promised=promised,
                    expedited=order is not None and order.expedite,
                    value=worth,
                ),
                cause=warehouse_subject(pick.warehouse),
                related=(order_subject(pick.order_id),),
                entities=(customer_subject(order.customer),) if order is not None else (),
                warehouse=pick.warehouse,
                company=context.company_of_warehouse(pick.warehouse),
                customer_tier=context.tier_of(order.customer) if order is not None else None,
            )
        )
    return findings
