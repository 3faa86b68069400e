"""``picking_bottleneck``: a warehouse whose picking capacity cannot keep up.

Two signs, either enough: capacity pushes some ready lines to a later day (the
engine's ``capacity_delay_days``), or the open picks exceed ``backlog_days`` days of
capacity. Warehouses with no capacity given never raise it. It is the root cause the
orders it makes late are grouped under: only those orders (at risk, with the warehouse
as their cause) count as its impact and its value, and with none it is low: a line
picked a day later that still ships on time hurts nobody.

The lines capacity pushes later are one mask over the kernel's line days, counted per
warehouse with ``bincount``; open picks are counted per warehouse the same way. Only
the few warehouses with a capacity are then judged one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

import numpy as np

from controltower.detectors.base import DetectorSettings, Finding, warehouse_subject
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.domain.cases import ExceptionType, Severity, highest_severity
from controltower.domain.columnar import NULL_DAY, from_units
from controltower.domain.explain import format_money, plural
from controltower.domain.model import PickStatus
from controltower.domain.tables import I64, PICK_STATUSES


class PickingBottleneckSettings(DetectorSettings, Protocol):
    @property
    def backlog_days(self) -> Decimal: ...


#: how the value at risk is worked out when capacity makes orders late
LATE_BASIS = "open value of the orders capacity makes late"
#: ... when capacity (or the pile of open picks) makes no order late
NONE_LATE_BASIS = "no order is late because of capacity: nothing at risk yet"
#: the late orders named in the explanation before "and N more"
ORDERS_NAMED = 5


def explanation(
    *,
    warehouse: str,
    capacity: int,
    delayed_lines: int,
    delayed_orders: int,
    max_delay_days: int,
    late: Sequence[str],
    backlogged: bool,
    open_picks: int,
    backlog_limit: Decimal,
    backlog_days: Decimal,
    value: str,
) -> str:
    """The detector's wording, also used by the oracle's reference detector.

    The capacity delay is told when ``delayed_orders`` is not 0, the backlog of open
    picks when ``backlogged``; ``late`` lists the orders that miss their promise because
    of capacity (their lateness is the warehouse's, not a supplier's or a shortage's),
    and ``value`` is what they are worth.
    """
    signs = []
    if delayed_orders:
        signs.append(
            f"capacity pushes {delayed_lines} ready line(s) of {delayed_orders} order(s) "
            f"later, by up to {plural(max_delay_days, 'day')}"
        )
    if backlogged:
        signs.append(
            f"{open_picks} picks are open, more than {backlog_limit.normalize():f} "
            f"({backlog_days.normalize():f} day(s) of capacity)"
        )
    if late:
        named = ", ".join(late[:ORDERS_NAMED])
        more = f" and {len(late) - ORDERS_NAMED} more" if len(late) > ORDERS_NAMED else ""
        miss = "misses its promise" if len(late) == 1 else "miss their promise"
        impact = (
            f"{plural(len(late), 'order')} worth {value} {miss} because of it: "
            f"{named}{more}. Next: add pickers or a shift in {warehouse} today, or ship "
            f"{'that order' if len(late) == 1 else 'those orders'} from another warehouse."
        )
    else:
        impact = (
            f"No order misses its promise because of it yet. Next: watch the open picks; "
            f"add pickers or a shift in {warehouse} if they keep growing."
        )
    return (
        f"{warehouse} picks at most {capacity} lines a day and cannot keep up: "
        f"{'; '.join(signs)}. {impact}"
    )


def severity_of(value_severity: Severity, late_orders: int) -> Severity:
    """Low while no order is late because of capacity; else at least medium, higher
    by the late orders' value (the policy's value ladder)."""
    if not late_orders:
        return Severity.LOW
    return highest_severity([Severity.MEDIUM, value_severity])


@dataclass(frozen=True, slots=True)
class _Delays:
    """Per picture warehouse: the ready lines capacity delays, and their orders."""

    lines: I64
    max_days: I64
    #: picture orders with a delayed line, ascending (so by ``order_id``)
    orders: I64
    #: each of those orders' picture warehouse
    warehouse: I64


def _delays(context: ColumnarDetectionContext) -> _Delays:
    """Capacity delay per line is projected minus supply day (both known), if positive."""
    picture, result = context.picture, context.result
    projected, supply = result.line_projected_day, result.line_supply_day
    delay = projected.astype(np.int64) - supply
    delayed = np.flatnonzero((projected != NULL_DAY) & (supply != NULL_DAY) & (delay > 0))
    n_warehouses = len(picture.warehouse_codes)
    warehouse = picture.line_warehouse[delayed]
    max_days = np.zeros(n_warehouses, dtype=np.int64)
    np.maximum.at(max_days, warehouse, delay[delayed])
    orders = np.unique(picture.line_order[delayed]).astype(np.int64)
    return _Delays(
        lines=np.bincount(warehouse, minlength=n_warehouses).astype(np.int64),
        max_days=max_days,
        orders=orders,
        warehouse=picture.order_warehouse[orders].astype(np.int64),
    )


@dataclass(frozen=True, slots=True)
class _Warehouse:
    """One warehouse with a capacity, as the detector judges it."""

    code: int
    capacity: int
    #: its picture warehouse id (-1 when the picture lacks it)
    mapped: int
    open_picks: int
    #: picture orders capacity delays there, ascending
    delayed: I64


def _late(context: ColumnarDetectionContext, warehouse: _Warehouse) -> I64:
    """The delayed orders at risk whose lateness is the warehouse's own (their cause,
    as the order stories name it, is the warehouse), ascending."""
    at_risk = warehouse.delayed[context.result.order_at_risk[warehouse.delayed]]
    if not at_risk.shape[0]:
        return at_risk
    subject = warehouse_subject(context.picture.warehouse_codes[warehouse.mapped])
    causes = context.order_stories.of(at_risk).cause
    return at_risk[np.array([cause == subject for cause in causes], dtype=np.bool_)]


def _finding(
    context: ColumnarDetectionContext,
    settings: PickingBottleneckSettings,
    warehouse: _Warehouse,
    delays: _Delays,
) -> Finding | None:
    """The warehouse's finding, or None when it keeps up."""
    backlog_limit = warehouse.capacity * settings.backlog_days
    n_delayed = warehouse.delayed.shape[0]
    backlogged = warehouse.open_picks > backlog_limit
    if not n_delayed and not backlogged:
        return None
    late = _late(context, warehouse)
    result = context.result
    value = from_units(sum(result.order_open_value[late].tolist()), result.value_decimals)
    order_ids = context.picture.order_ids
    late_ids = [order_ids[o] for o in late.tolist()]
    code = context.tables.vocab.warehouses.codes[warehouse.code]
    return Finding(
        type=ExceptionType.PICKING_BOTTLENECK,
        subject=warehouse_subject(code),
        severity=severity_of(context.severity_for_value(value), len(late_ids)),
        value_at_risk=value,
        value_basis=LATE_BASIS if late_ids else NONE_LATE_BASIS,
        explanation=explanation(
            warehouse=code,
            capacity=warehouse.capacity,
            delayed_lines=int(delays.lines[warehouse.mapped]) if n_delayed else 0,
            delayed_orders=n_delayed,
            max_delay_days=int(delays.max_days[warehouse.mapped]) if n_delayed else 0,
            late=late_ids,
            backlogged=backlogged,
            open_picks=warehouse.open_picks,
            backlog_limit=backlog_limit,
            backlog_days=settings.backlog_days,
            value=format_money(value),
        ),
        cause=warehouse_subject(code),
        related=tuple(context.order_subject(order_id) for order_id in late_ids),
        warehouse=code,
        company=context.company_of_warehouse(warehouse.code),
    )


def detect(context: ColumnarDetectionContext, settings: PickingBottleneckSettings) -> list[Finding]:
    """Every warehouse with a capacity that cannot keep up."""
    tables = context.tables
    picks = tables.picks
    open_picks = picks.status == PICK_STATUSES.index(PickStatus.OPEN)
    n_open = np.bincount(picks.warehouse[open_picks], minlength=len(tables.vocab.warehouses))
    delays = _delays(context)
    findings: list[Finding] = []
    for row in np.flatnonzero(tables.warehouses.capacity >= 0).tolist():
        code = int(tables.warehouses.code[row])
        mapped = int(context.picture_warehouse_of_vocab_warehouse[code])
        warehouse = _Warehouse(
            code=code,
            capacity=int(tables.warehouses.capacity[row]),
            mapped=mapped,
            open_picks=int(n_open[code]),
            delayed=delays.orders[delays.warehouse == mapped] if mapped >= 0 else delays.orders[:0],
        )
        finding = _finding(context, settings, warehouse, delays)
        if finding is not None:
            findings.append(finding)
    return findings
