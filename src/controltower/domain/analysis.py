"""What the allocation and risk engine concludes about a picture, as value objects.

This is the contract between the engine (the numpy kernel's ``to_analysis``, and the
test oracle's reference engine and detectors), storage and every edge (``scan --json``,
the API, the web app). Field names follow ``allocation.md`` and the ``scan --json`` contract of
``docs/dataset-format.md``; extra fields carry what explanations and detectors need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class AllocationPolicy:
    """The policy values the allocation rules read, with the documented defaults."""

    quality_release_days: int = 2
    receipt_handling_days: int = 1
    overdue_days_block: int = 30


class Allocation(StrEnum):
    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


class Blocker(StrEnum):
    """Blockers in the order ``allocation.md`` lists them (that order is significant)."""

    CREDIT = "credit"
    NO_SUPPLY = "no_supply"
    QUALITY = "quality"
    INBOUND = "inbound"
    WAREHOUSE_CAPACITY = "warehouse_capacity"


BLOCKER_ORDER: tuple[Blocker, ...] = tuple(Blocker)


class OrderRiskStatus(StrEnum):
    BLOCKED_BY_CREDIT = "blocked_by_credit"
    SHORT = "short"
    WAITING_ON_QUALITY = "waiting_on_quality"
    DEPENDENT_ON_INBOUND = "dependent_on_inbound"
    DELAYED_BY_WAREHOUSE_CAPACITY = "delayed_by_warehouse_capacity"
    FULLY_ALLOCATED = "fully_allocated"


STATUS_FOR_BLOCKER: dict[Blocker, OrderRiskStatus] = {
    Blocker.CREDIT: OrderRiskStatus.BLOCKED_BY_CREDIT,
    Blocker.NO_SUPPLY: OrderRiskStatus.SHORT,
    Blocker.QUALITY: OrderRiskStatus.WAITING_ON_QUALITY,
    Blocker.INBOUND: OrderRiskStatus.DEPENDENT_ON_INBOUND,
    Blocker.WAREHOUSE_CAPACITY: OrderRiskStatus.DELAYED_BY_WAREHOUSE_CAPACITY,
}


@dataclass(frozen=True, slots=True)
class HeldPeg:
    """Units a line takes from quality-held stock, released on ``available_date``."""

    qty: Decimal
    available_date: date


@dataclass(frozen=True, slots=True)
class InboundPeg:
    """Units a line takes from an open purchase-order line."""

    po_id: str
    line: int
    qty: Decimal
    available_date: date


@dataclass(frozen=True, slots=True)
class TransferAlternative:
    """Free stock in another warehouse of the same company that a lane reaches."""

    from_warehouse: str
    free_qty: Decimal
    transit_days: int
    arrival_date: date
    makes_promise: bool


@dataclass(frozen=True, slots=True)
class LineOutcome:
    """Where one open order line stands."""

    order_id: str
    line: int
    sku: str
    warehouse: str
    open_qty: Decimal
    from_stock: Decimal
    from_quality_hold: tuple[HeldPeg, ...]
    from_inbound: tuple[InboundPeg, ...]
    short_qty: Decimal
    projected_date: date | None
    #: the projected date before warehouse capacity moved it (None when short)
    supply_date: date | None = None
    unit_price: Decimal = Decimal(0)
    alternatives: tuple[TransferAlternative, ...] = ()

    @property
    def capacity_delay_days(self) -> int:
        if self.projected_date is None or self.supply_date is None:
            return 0
        return (self.projected_date - self.supply_date).days


@dataclass(frozen=True, slots=True)
class CreditAssessment:
    """A customer's credit position as of D, with every amount that went into it."""

    customer: str
    on_hold: bool
    credit_limit: Decimal | None
    open_receivables: Decimal
    open_order_value: Decimal
    #: invoices with a positive residual more than ``overdue_days_block`` days past due
    overdue_invoices: tuple[
        tuple[str, Decimal, int], ...
    ] = ()  # (invoice_id, residual, days overdue)

    @property
    def exposure(self) -> Decimal:
        return self.open_receivables + self.open_order_value

    @property
    def over_limit(self) -> bool:
        return self.credit_limit is not None and self.exposure > self.credit_limit

    @property
    def blocked(self) -> bool:
        return self.on_hold or self.over_limit or bool(self.overdue_invoices)


@dataclass(frozen=True, slots=True)
class OrderStanding:
    """The risk fields of one order, before explanation."""

    allocation: Allocation
    blockers: tuple[Blocker, ...]
    status: OrderRiskStatus
    projected_ship_date: date | None
    days_late: int | None
    at_risk: bool


@dataclass(frozen=True, slots=True)
class OrderOutcome:
    """Where one open order stands and why."""

    order_id: str
    customer: str
    warehouse: str
    promised_date: date
    status: OrderRiskStatus
    allocation: Allocation
    blockers: tuple[Blocker, ...]
    projected_ship_date: date | None
    at_risk: bool
    days_late: int | None
    lines: tuple[LineOutcome, ...]
    explanation: tuple[str, ...] = ()
    open_value: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class PoolOutcome:
    """What is left of a (sku, warehouse) pool's supply after pegging."""

    sku: str
    warehouse: str
    physical: Decimal
    quality_held: Decimal
    free_stock: Decimal
    demand: Decimal
    short: Decimal
    #: (po_id, line) -> quantity of that PO line not pegged to any demand
    unpegged_inbound: dict[tuple[str, int], Decimal] = field(default_factory=dict)


@dataclass(slots=True)
class Analysis:
    """The engine's whole conclusion for one picture as of one date."""

    as_of: date
    orders: list[OrderOutcome]
    pools: dict[tuple[str, str], PoolOutcome]
    credit: dict[str, CreditAssessment]

    def order(self, order_id: str) -> OrderOutcome | None:
        for o in self.orders:
            if o.order_id == order_id:
                return o
        return None
