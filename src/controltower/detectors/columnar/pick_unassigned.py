"""``pick_unassigned``: an open pick nobody has taken.

A pick without a picker does not move; the order behind it waits silently. The trigger
is an open pick with no ``assigned_to`` created more than ``max_unassigned_hours``
hours before the detection time.

Open picks older than the allowed wait are chosen with one mask over the picks table
(``created_at`` is whole seconds); the exact wait and the assignee are checked only
for them.
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
    pick_subject,
    warehouse_subject,
)
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.detectors.columnar.phrases import RAISED, Memo, Phrases, take
from controltower.domain.cases import ExceptionType
from controltower.domain.columnar import from_units
from controltower.domain.explain import format_money
from controltower.domain.model import PickStatus
from controltower.domain.tables import I64, PICK_STATUSES, seconds_since_epoch


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
    """The detector's wording, also used by the oracle's reference detector.

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


_MICROS_PER_HOUR = 3_600_000_000


def _waiting(context: ColumnarDetectionContext, limit_hours: int) -> tuple[I64, list[int]]:
    """Rows of open, unassigned picks waiting longer than ``limit_hours`` at detection
    time, and how long each has waited, in microseconds (exactly, as ``timedelta`` does)."""
    picks = context.tables.picks
    now = seconds_since_epoch(context.detected_at.replace(microsecond=0))
    micros = context.detected_at.microsecond
    limit = limit_hours * _MICROS_PER_HOUR
    # Waited (now - created) seconds plus ``micros``: more than the limit needs at least
    # the limit in whole seconds.
    old = now - picks.created_at >= limit // 1_000_000
    candidates = np.flatnonzero((picks.status == PICK_STATUSES.index(PickStatus.OPEN)) & old)
    rows, waited = [], []
    for row, assignee, seconds in zip(
        candidates.tolist(),
        picks.assigned_to[candidates].tolist(),
        picks.created_at[candidates].tolist(),
        strict=True,
    ):
        wait = (now - seconds) * 1_000_000 + micros
        if not assignee and wait > limit:
            rows.append(row)
            waited.append(wait)
    return np.array(rows, dtype=np.int64), waited


def _created_text(seconds: int, days: Memo[int, str]) -> str:
    """``created_at.isoformat(sep=" ", timespec="minutes")`` of seconds since 0001-01-01."""
    day, second = divmod(seconds, 86_400)
    return f"{days[day + 1]} {second // 3600:02d}:{second % 3600 // 60:02d}"


def _hours_text(micros: int) -> str:
    """The reference's ``_hours`` of a wait given in microseconds (the same float steps
    as ``timedelta.total_seconds() / 3600``)."""
    return f"{micros / 1_000_000 / 3600:.1f} hours"


@dataclass(frozen=True, slots=True)
class _Orders:
    """For each pick, what its order says (lists; ``row`` is -1 for an unknown order)."""

    row: list[int]
    value: list[Decimal]
    customer: list[int]
    expedite: list[bool]
    promised: list[int]


def _orders(context: ColumnarDetectionContext, orders: I64) -> _Orders:
    """Each order's sales-order row, its open value (0 when not open) and header facts."""
    result, table = context.result, context.tables.sales_orders
    outcome = context.picture_order_of_vocab_order[orders]
    row = context.sales_order_row[orders]
    return _Orders(
        row=row.tolist(),
        value=[
            from_units(int(v), result.value_decimals) if v is not None else Decimal(0)
            for v in take(result.order_open_value, outcome, None)
        ],
        customer=take(table.customer, row, -1),
        expedite=take(table.expedite, row, False),
        promised=take(table.promised_date, row, 0),
    )


def detect(context: ColumnarDetectionContext, settings: PickUnassignedSettings) -> list[Finding]:
    """Every open pick nobody took within ``max_unassigned_hours``."""
    picks = context.tables.picks
    rows, waited = _waiting(context, settings.max_unassigned_hours)
    vocab = context.tables.vocab
    order_ids = picks.order[rows].astype(np.int64)
    orders = _orders(context, order_ids)
    phrases = Phrases(context)
    findings: list[Finding] = []
    for i, (pick_id, order, warehouse_id, seconds) in enumerate(
        zip(
            picks.pick_id[rows].tolist(),
            order_ids.tolist(),
            picks.warehouse[rows].tolist(),
            picks.created_at[rows].tolist(),
            strict=True,
        )
    ):
        order_id, warehouse = vocab.orders.codes[order], vocab.warehouses.codes[warehouse_id]
        value = orders.value[i]
        severity = context.severity_for_value(value)
        customer = orders.customer[i]
        known = orders.row[i] >= 0
        phrase = promised = worth = None
        if known:
            if orders.expedite[i] or orders.promised[i] <= context.as_of_day:
                severity = RAISED[severity]
            phrase = phrases.customer[customer]
            promised = phrases.day[orders.promised[i]]
            worth = format_money(value)
        findings.append(
            Finding(
                type=ExceptionType.PICK_UNASSIGNED,
                subject=pick_subject(pick_id),
                severity=severity,
                value_at_risk=value,
                value_basis=VALUE_BASIS,
                explanation=explanation(
                    pick_id=pick_id,
                    warehouse=warehouse,
                    created=_created_text(seconds, phrases.day),
                    waited=_hours_text(waited[i]),
                    allowed_hours=settings.max_unassigned_hours,
                    order_id=order_id,
                    customer=phrase,
                    promised=promised,
                    expedited=orders.expedite[i],
                    value=worth,
                ),
                cause=warehouse_subject(warehouse),
                related=(context.order_subject(order_id),),
                entities=(customer_subject(vocab.customers.codes[customer]),) if known else (),
                warehouse=warehouse,
                company=phrases.company_of_warehouse[warehouse_id],
                customer_tier=phrases.tier[customer] if known else None,
            )
        )
    return findings
