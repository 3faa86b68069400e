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


#: how the finding's value at risk is worked out
VALUE_BASIS = "open value of the order being picked"


def explanation(
    *,
    pick_id: str,
    warehouse: str,
    created: str,
    waited: str,
    allowed_hours: int,
    order_id: str,
    customer: str | None,
    promised: str | None,
    expedited: bool,
    value: str | None,
) -> str:
    """The detector's wording, shared by the reference detector and its columnar twin.

    ``customer``, ``promised``, ``expedited`` and ``value`` describe the order the pick
    is for; when the order is unknown (``customer`` is None) only its id is told.
    """
    if customer is None:
        why = f"order {order_id} waits on it"
    else:
        why = (
            f"order {order_id} for {customer}, promised {promised}"
            + (", expedited" if expedited else "")
            + f", worth {value}, waits on it"
        )
    return (
        f"Pick {pick_id} in {warehouse}, created {created}, has had no picker for {waited} "
        f"(the policy allows {allowed_hours} hours); {why}. Next: assign a picker in "
        f"{warehouse}."
    )


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
