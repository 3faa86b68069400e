"""The reference ``picking_bottleneck`` detector, over value objects.

It reads the picture and the reference analysis one value object at a time and finds a
warehouse whose picking capacity cannot keep up. Its settings, value basis and wording
are the product detector's (:mod:`controltower.detectors.columnar.picking_bottleneck`),
whose findings tests hold equal to these.
"""

from __future__ import annotations

from decimal import Decimal

from controltower.detectors.base import Finding, order_subject, warehouse_subject
from controltower.detectors.columnar.picking_bottleneck import (
    LATE_BASIS,
    NONE_LATE_BASIS,
    PickingBottleneckSettings,
    explanation,
    severity_of,
)
from controltower.domain.analysis import OrderOutcome
from controltower.domain.cases import ExceptionType
from controltower.domain.explain import format_money
from controltower_oracle.detectors.context import DetectionContext, order_cause


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
        subject = warehouse_subject(warehouse.code)
        late = [
            delayed[k]
            for k in sorted(delayed)
            if delayed[k].at_risk and order_cause(delayed[k]) == subject
        ]
        value = sum((o.open_value for o in late), Decimal(0))
        findings.append(
            Finding(
                type=ExceptionType.PICKING_BOTTLENECK,
                subject=warehouse_subject(warehouse.code),
                severity=severity_of(context.severity_for_value(value), len(late)),
                value_at_risk=value,
                value_basis=LATE_BASIS if late else NONE_LATE_BASIS,
                explanation=explanation(
                    warehouse=warehouse.code,
                    capacity=capacity,
                    delayed_lines=delayed_lines,
                    delayed_orders=len(delayed),
                    max_delay_days=max_delay,
                    late=[o.order_id for o in late],
                    backlogged=backlogged,
                    open_picks=len(picks),
                    backlog_limit=backlog_limit,
                    backlog_days=settings.backlog_days,
                    value=format_money(value),
                ),
                cause=warehouse_subject(warehouse.code),
                related=tuple(order_subject(o.order_id) for o in late),
                warehouse=warehouse.code,
                company=warehouse.company,
            )
        )
    return findings
