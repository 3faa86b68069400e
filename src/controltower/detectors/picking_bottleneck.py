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
            basis = "open value of the orders capacity delays"
        else:
            ids = sorted({p.order_id for p in picks})
            orders = [o for o in (context.outcome(i) for i in ids) if o is not None]
            basis = "open value of the orders with open picks"
        value = sum((o.open_value for o in orders), Decimal(0))
        late = [o for o in delayed.values() if o.at_risk]
        severity = highest_severity([Severity.MEDIUM, context.severity_for_value(value)])
        if late:
            severity = raise_severity(severity)
        signs = []
        if delayed:
            signs.append(
                f"capacity pushes {delayed_lines} ready line(s) of {len(delayed)} order(s) "
                f"later, by up to {plural(max_delay, 'day')}"
                + (f", {len(late)} of them past their promise" if late else "")
            )
        if backlogged:
            signs.append(
                f"{len(picks)} picks are open, more than {backlog_limit.normalize():f} "
                f"({settings.backlog_days.normalize():f} day(s) of capacity)"
            )
        findings.append(
            Finding(
                type=ExceptionType.PICKING_BOTTLENECK,
                subject=warehouse_subject(warehouse.code),
                severity=severity,
                value_at_risk=value,
                value_basis=basis,
                explanation=(
                    f"{warehouse.code} picks at most {capacity} lines a day and cannot keep up: "
                    f"{'; '.join(signs)}. Orders worth {format_money(value)} are held up. "
                    f"Next: add pickers or a shift in {warehouse.code}, or ship urgent orders from "
                    f"another warehouse."
                ),
                cause=warehouse_subject(warehouse.code),
                related=tuple(order_subject(o.order_id) for o in orders),
                warehouse=warehouse.code,
                company=warehouse.company,
            )
        )
    return findings
