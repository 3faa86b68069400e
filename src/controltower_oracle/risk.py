"""Where an order stands: allocation, blockers, status, ship date, lateness, risk.

The reference rules, one order at a time (the kernel applies them to every order at
once). Everything here follows "Dates" and "Where an order stands" in ``allocation.md`` and
reads only the order's line outcomes (pegging plus capacity) and its customer's credit,
so the rules can be checked by hand one at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from controltower.domain.analysis import (
    STATUS_FOR_BLOCKER,
    Allocation,
    Blocker,
    CreditAssessment,
    LineOutcome,
    OrderRiskStatus,
    OrderStanding,
)
from controltower.domain.model import ZERO


def allocation_of(lines: Sequence[LineOutcome]) -> Allocation:
    """``full`` when stock covers all open quantity, ``partial`` some, ``none`` nothing.

    Quality-held stock is not stock here.
    """
    open_qty = sum((line.open_qty for line in lines), ZERO)
    from_stock = sum((line.from_stock for line in lines), ZERO)
    if from_stock <= ZERO:
        return Allocation.NONE
    if from_stock >= open_qty:
        return Allocation.FULL
    return Allocation.PARTIAL


def blockers_of(lines: Sequence[LineOutcome], credit_blocked: bool) -> tuple[Blocker, ...]:
    """The blockers that hold, in the order ``allocation.md`` lists them."""
    holding = {
        Blocker.CREDIT: credit_blocked,
        Blocker.NO_SUPPLY: any(line.short_qty > ZERO for line in lines),
        Blocker.QUALITY: any(line.from_quality_hold for line in lines),
        Blocker.INBOUND: any(line.from_inbound for line in lines),
        Blocker.WAREHOUSE_CAPACITY: any(line.capacity_delay_days > 0 for line in lines),
    }
    return tuple(blocker for blocker in Blocker if holding[blocker])


def status_of(blockers: Sequence[Blocker]) -> OrderRiskStatus:
    """The first blocker's status; ``fully_allocated`` when nothing blocks."""
    if not blockers:
        return OrderRiskStatus.FULLY_ALLOCATED
    return STATUS_FOR_BLOCKER[blockers[0]]


def projected_ship_date(lines: Sequence[LineOutcome]) -> date | None:
    """None when any line is short, else the latest line ``projected_date``."""
    dates: list[date] = []
    for line in lines:
        if line.short_qty > ZERO or line.projected_date is None:
            return None
        dates.append(line.projected_date)
    return max(dates) if dates else None


def days_late(ship_date: date | None, promised_date: date) -> int | None:
    """``max(0, ship - promised)`` in days; None when there is no ship date."""
    if ship_date is None:
        return None
    return max(0, (ship_date - promised_date).days)


def needs_attention(line: LineOutcome, promised_date: date) -> bool:
    """A line short of supply or projected after the promise: worth looking elsewhere."""
    if line.short_qty > ZERO:
        return True
    return line.projected_date is not None and line.projected_date > promised_date


def assess_order(
    lines: Sequence[LineOutcome], promised_date: date, credit: CreditAssessment | None
) -> OrderStanding:
    """The standing of an order from its open lines and its customer's credit."""
    credit_blocked = credit is not None and credit.blocked
    blockers = blockers_of(lines, credit_blocked)
    ship = projected_ship_date(lines)
    at_risk = (
        Blocker.CREDIT in blockers
        or Blocker.NO_SUPPLY in blockers
        or (ship is not None and ship > promised_date)
    )
    return OrderStanding(
        allocation=allocation_of(lines),
        blockers=blockers,
        status=status_of(blockers),
        projected_ship_date=ship,
        days_late=days_late(ship, promised_date),
        at_risk=at_risk,
    )


def open_value(lines: Sequence[LineOutcome]) -> Decimal:
    """What the order's open quantity is worth at effective unit prices."""
    return sum((line.open_qty * line.unit_price for line in lines), ZERO)
