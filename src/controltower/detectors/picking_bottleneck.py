"""``picking_bottleneck``: a warehouse whose picking capacity cannot keep up.

Two signs, either enough: capacity pushes some ready lines to a later day (the
engine's ``capacity_delay_days``), or the open picks exceed ``backlog_days`` days of
capacity. Warehouses with no capacity given never raise it. It is the root cause the
orders it delays are grouped under.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from controltower.detectors.base import (
    DetectionContext,
    DetectorSettings,
    Finding,
    order_subject,
    warehouse_subject,
)
from controltower.domain.analysis import OrderOutcome
from controltower.domain.cases import ExceptionType, Severity, highest_severity, raise_severity
from controltower.domain.explain import format_money, plural


class PickingBottleneckSettings(DetectorSettings, Protocol):
    @property
    def backlog_days(self) -> Decimal: ...


#: how the value at risk is worked out when capacity pushes orders later
DELAYED_BASIS = "open value of the orders capacity delays"
#: how it is worked out when only the open picks pile up
BACKLOG_BASIS = "open value of the orders with open picks"


def explanation(
    *,
    warehouse: str,
    capacity: int,
    delayed_lines: int,
    delayed_orders: int,
    max_delay_days: int,
    late_orders: int,
    backlogged: bool,
    open_picks: int,
    backlog_limit: Decimal,
    backlog_days: Decimal,
    value: str,
) -> str:
    """The detector's wording, shared by the reference detector and its columnar twin.

    The capacity delay is told when ``delayed_orders`` is not 0, the backlog of open
    picks when ``backlogged``.
    """
    signs = []
    if delayed_orders:
        signs.append(
            f"capacity pushes {delayed_lines} ready line(s) of {delayed_orders} order(s) "
            f"later, by up to {plural(max_delay_days, 'day')}"
            + (f", {late_orders} of them past their promise" if late_orders else "")
        )
    if backlogged:
        signs.append(
            f"{open_picks} picks are open, more than {backlog_limit.normalize():f} "
            f"({backlog_days.normalize():f} day(s) of capacity)"
        )
    return (
        f"{warehouse} picks at most {capacity} lines a day and cannot keep up: "
        f"{'; '.join(signs)}. Orders worth {value} are held up. "
        f"Next: add pickers or a shift in {warehouse}, or ship urgent orders from "
        f"another warehouse."
    )


def detect(context: DetectionContext, settings: PickingBottleneckSettings) -> list[Finding]:
    findings: list[Finding] = []
    for warehouse in sorted(context.dataset.warehouses, key=lambda w: w.code):
        capacity = warehouse.pick_capacity_lines_per_day
        if capacity is None:
            continue
        delayed: dict[str, OrderOutcome] = {}
        delayed_lines = 0
        max_delay = 0
        for outcome in context.outcomes_in_warehouse(warehouse.code):
            for line in outcome.lines:
                if line.capacity_delay_days > 0:
                    delayed[outcome.order_id] = outcome
                    delayed_lines += 1
                    max_delay = max(max_delay, line.capacity_delay_days)
        picks = context.open_picks(warehouse.code)
        backlog_limit = capacity * settings.backlog_days
        backlogged = len(picks) > backlog_limit
        if not delayed and not backlogged:
            continue
        if delayed:
            orders = [delayed[k] for k in sorted(delayed)]
            basis = DELAYED_BASIS
        else:
            ids = sorted({p.order_id for p in picks})
            orders = [o for o in (context.outcome(i) for i in ids) if o is not None]
            basis = BACKLOG_BASIS
        value = sum((o.open_value for o in orders), Decimal(0))
        late = [o for o in delayed.values() if o.at_risk]
        severity = highest_severity([Severity.MEDIUM, context.severity_for_value(value)])
        if late:
            severity = raise_severity(severity)
        findings.append(
            Finding(
                type=ExceptionType.PICKING_BOTTLENECK,
                subject=warehouse_subject(warehouse.code),
                severity=severity,
                value_at_risk=value,
                value_basis=basis,
                explanation=explanation(
                    warehouse=warehouse.code,
                    capacity=capacity,
                    delayed_lines=delayed_lines,
                    delayed_orders=len(delayed),
                    max_delay_days=max_delay,
                    late_orders=len(late),
                    backlogged=backlogged,
                    open_picks=len(picks),
                    backlog_limit=backlog_limit,
                    backlog_days=settings.backlog_days,
                    value=format_money(value),
                ),
                cause=warehouse_subject(warehouse.code),
                related=tuple(order_subject(o.order_id) for o in orders),
                warehouse=warehouse.code,
                company=warehouse.company,
            )
        )
    return findings
