"""``pick_unassigned``: an open pick nobody has taken.

A pick without a picker does not move; the order behind it waits silently. The trigger
is an open pick with no ``assigned_to`` created more than ``max_unassigned_hours``
hours before the detection time.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Protocol

from controltower.detectors.base import (
    DetectionContext,
    DetectorSettings,
    Finding,
    customer_subject,
    order_subject,
    pick_subject,
    warehouse_subject,
)
from controltower.domain.cases import ExceptionType, raise_severity
from controltower.domain.explain import format_money
from controltower.domain.model import PickStatus


class PickUnassignedSettings(DetectorSettings, Protocol):
    @property
    def max_unassigned_hours(self) -> int: ...


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
        if order is not None:
            why = (
                f"order {order.order_id} for {context.customer_phrase(order.customer)}, "
                f"promised {order.promised_date.isoformat()}"
                + (", expedited" if order.expedite else "")
                + f", worth {format_money(value)}, waits on it"
            )
        else:
            why = f"order {pick.order_id} waits on it"
        findings.append(
            Finding(
                type=ExceptionType.PICK_UNASSIGNED,
                subject=pick_subject(pick.pick_id),
                severity=severity,
                value_at_risk=value,
                value_basis="open value of the order being picked",
                explanation=(
                    f"Pick {pick.pick_id} in {pick.warehouse}, created "
                    f"{pick.created_at.isoformat(sep=' ', timespec='minutes')}, has had no "
                    f"picker for {_hours(elapsed)} (the policy allows "
                    f"{settings.max_unassigned_hours} hours); {why}. Next: assign a picker "
                    f"in {pick.warehouse}."
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
