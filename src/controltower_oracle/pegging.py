"""Pegging within one pool (``sku``, warehouse), exactly as ``allocation.md`` states it.

A pool's supply is its physical stock (``on_hand - quality_hold``, never below 0), its
quality-held stock (released ``quality_release_days`` after D) and its open inbound
purchase-order lines (available ``receipt_handling_days`` after ``max(expected, D)``).
Its demand is the open lines of open orders whose warehouse is the pool's.

Pegging is two passes over the demand in priority order: reservations take from
physical stock first; then each line takes what it still needs from the physical stock
left and then from the future supply, earliest available first. Because every line
takes from the front of the same sorted future-supply list, one cursor walks it once:
a pool pegs in O(n log n) for the sorts plus O(n + m) for the walk.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import IntEnum
from typing import TypeAlias

from controltower.domain.analysis import AllocationPolicy, HeldPeg, InboundPeg, PoolOutcome
from controltower.domain.model import (
    ZERO,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    StockLevel,
    po_line_expected_date,
)
from controltower_oracle.priority import PriorityKey

#: (sku, warehouse)
PoolKey: TypeAlias = tuple[str, str]
#: (order_id, line) of a sales-order line
LineKey: TypeAlias = tuple[str, int]
#: (po_id, line) of a purchase-order line
PoLineKey: TypeAlias = tuple[str, int]


class SupplyKind(IntEnum):
    """Kinds of future supply; the value is the tie-break on equal dates (held first)."""

    QUALITY_HOLD = 0
    INBOUND = 1


@dataclass(frozen=True, slots=True)
class FutureSupply:
    """One entry of a pool's future-supply list: held stock or one open PO line."""

    kind: SupplyKind
    available_date: date
    qty: Decimal
    po_id: str = ""
    po_line: int = 0

    @property
    def sort_key(self) -> tuple[date, int, str, int]:
        """Earliest date first; held before inbound; inbound by ``po_id`` then line."""
        return (self.available_date, int(self.kind), self.po_id, self.po_line)


@dataclass(frozen=True, slots=True)
class PoolDemand:
    """What pegging needs to know about one open order line."""

    key: LineKey
    priority: PriorityKey
    open_qty: Decimal
    qty_reserved: Decimal


@dataclass(frozen=True, slots=True)
class PoolSupply:
    """A pool's supply as of D, before any of it is pegged."""

    physical: Decimal = ZERO
    quality_held: Decimal = ZERO
    future: tuple[FutureSupply, ...] = ()


@dataclass(frozen=True, slots=True)
class LinePegging:
    """The sources one line takes from, and the date its pegs make it available."""

    priority: PriorityKey
    open_qty: Decimal
    from_stock: Decimal
    from_quality_hold: tuple[HeldPeg, ...]
    from_inbound: tuple[InboundPeg, ...]
    short_qty: Decimal
    #: latest availability date of the pegs (stock counting as D); None when short
    supply_date: date | None


@dataclass(frozen=True, slots=True)
class PoolPegging:
    """The whole pegging of one pool: every line's sources and what is left over."""

    sku: str
    warehouse: str
    physical: Decimal
    quality_held: Decimal
    lines: dict[LineKey, LinePegging] = field(default_factory=dict)
    free_stock: Decimal = ZERO
    unpegged_quality_hold: Decimal = ZERO
    unpegged_inbound: dict[PoLineKey, Decimal] = field(default_factory=dict)

    @property
    def demand(self) -> Decimal:
        return sum((p.open_qty for p in self.lines.values()), ZERO)

    @property
    def short(self) -> Decimal:
        return sum((p.short_qty for p in self.lines.values()), ZERO)

    def outcome(self) -> PoolOutcome:
        """The pool as the analysis reports it."""
        return PoolOutcome(
            sku=self.sku,
            warehouse=self.warehouse,
            physical=self.physical,
            quality_held=self.quality_held,
            free_stock=self.free_stock,
            demand=self.demand,
            short=self.short,
            unpegged_inbound=dict(sorted(self.unpegged_inbound.items())),
        )


def physical_stock(stock: StockLevel | None) -> Decimal:
    """``on_hand - quality_hold``, never below 0 (nothing on hand without a stock row)."""
    if stock is None:
        return ZERO
    return max(ZERO, stock.on_hand - stock.quality_hold)


def quality_release_date(as_of: date, policy: AllocationPolicy) -> date:
    """When quality-held stock is expected to be released."""
    return as_of + timedelta(days=policy.quality_release_days)


def inbound_available_date(expected: date, as_of: date, policy: AllocationPolicy) -> date:
    """When units of a PO line can be picked: ``max(expected, D) + receipt handling``.

    An overdue line (expected before D) is assumed to arrive today, not in the past.
    """
    return max(expected, as_of) + timedelta(days=policy.receipt_handling_days)


def is_open_supply(order: PurchaseOrder, line: PurchaseOrderLine) -> bool:
    """Only open purchase orders with quantity still to receive bring supply."""
    return order.status is OrderStatus.OPEN and line.open_qty > ZERO


def pool_supply(
    stock: StockLevel | None,
    purchase_lines: Iterable[tuple[PurchaseOrder, PurchaseOrderLine]],
    *,
    as_of: date,
    policy: AllocationPolicy,
) -> PoolSupply:
    """A pool's physical, quality-held and inbound supply as of D.

    ``purchase_lines`` are the pool's purchase-order lines with their orders; lines of
    done or cancelled orders and fully received lines are left out here.
    """
    held = stock.quality_hold if stock is not None else ZERO
    future: list[FutureSupply] = []
    if held > ZERO:
        future.append(
            FutureSupply(SupplyKind.QUALITY_HOLD, quality_release_date(as_of, policy), held)
        )
    for order, line in purchase_lines:
        if not is_open_supply(order, line):
            continue
        expected = po_line_expected_date(line, order)
        future.append(
            FutureSupply(
                SupplyKind.INBOUND,
                inbound_available_date(expected, as_of, policy),
                line.open_qty,
                po_id=line.po_id,
                po_line=line.line,
            )
        )
    future.sort(key=lambda s: s.sort_key)
    return PoolSupply(physical=physical_stock(stock), quality_held=held, future=tuple(future))


def peg_pool(
    sku: str,
    warehouse: str,
    supply: PoolSupply,
    demand: Sequence[PoolDemand],
    *,
    as_of: date,
) -> PoolPegging:
    """Peg a pool's demand to its supply (``allocation.md``, "Pegging").

    1. Reservations: in priority order, each line takes
       ``min(qty_reserved, open_qty, physical left)`` from physical stock.
    2. In priority order again, each line takes what it still needs from the physical
       stock left, then from the future supply in availability order.
    3. What no source covers is the line's ``short_qty``.
    """
    ordered = sorted(demand, key=lambda d: d.priority)
    stock_left = supply.physical

    reserved: dict[LineKey, Decimal] = {}
    for d in ordered:
        take = min(d.qty_reserved, d.open_qty, stock_left)
        if take > ZERO:
            reserved[d.key] = take
            stock_left -= take

    future = sorted(supply.future, key=lambda s: s.sort_key)
    remaining = [s.qty for s in future]
    cursor = 0
    lines: dict[LineKey, LinePegging] = {}
    for d in ordered:
        from_stock = reserved.get(d.key, ZERO)
        need = d.open_qty - from_stock
        extra = min(need, stock_left)
        if extra > ZERO:
            from_stock += extra
            stock_left -= extra
            need -= extra
        latest: date | None = as_of if from_stock > ZERO else None
        held: list[HeldPeg] = []
        inbound: list[InboundPeg] = []
        while need > ZERO and cursor < len(future):
            source = future[cursor]
            take = min(need, remaining[cursor])
            if take > ZERO:
                if source.kind is SupplyKind.QUALITY_HOLD:
                    held.append(HeldPeg(qty=take, available_date=source.available_date))
                else:
                    inbound.append(
                        InboundPeg(
                            po_id=source.po_id,
                            line=source.po_line,
                            qty=take,
                            available_date=source.available_date,
                        )
                    )
                remaining[cursor] -= take
                need -= take
                latest = (
                    source.available_date if latest is None else max(latest, source.available_date)
                )
            if remaining[cursor] <= ZERO:
                cursor += 1
        short = max(need, ZERO)
        lines[d.key] = LinePegging(
            priority=d.priority,
            open_qty=d.open_qty,
            from_stock=from_stock,
            from_quality_hold=tuple(held),
            from_inbound=tuple(inbound),
            short_qty=short,
            supply_date=None if short > ZERO else latest,
        )

    unpegged_held = ZERO
    unpegged_inbound: dict[PoLineKey, Decimal] = {}
    for source, left in zip(future, remaining, strict=True):
        if source.kind is SupplyKind.QUALITY_HOLD:
            unpegged_held += left
        else:
            unpegged_inbound[(source.po_id, source.po_line)] = left
    return PoolPegging(
        sku=sku,
        warehouse=warehouse,
        physical=supply.physical,
        quality_held=supply.quality_held,
        lines=lines,
        free_stock=stock_left,
        unpegged_quality_hold=unpegged_held,
        unpegged_inbound=dict(sorted(unpegged_inbound.items())),
    )
