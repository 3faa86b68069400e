"""Where an order stands (``allocation.md``, "Dates" and "Where an order stands")."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from controltower.domain.analysis import (
    Allocation,
    Blocker,
    CreditAssessment,
    HeldPeg,
    InboundPeg,
    LineOutcome,
    OrderRiskStatus,
)
from controltower_oracle.risk import assess_order, needs_attention, open_value

D = date(2026, 11, 25)


def day(n: int) -> date:
    return D + timedelta(days=n)


def line(
    number: int = 1,
    *,
    open_qty: str = "10",
    stock: str = "10",
    held: str = "0",
    inbound: str = "0",
    short: str = "0",
    supply_on: int | None = 0,
    picked_on: int | None = None,
    price: str = "0",
) -> LineOutcome:
    supply_date = None if supply_on is None else day(supply_on)
    picked = supply_date if picked_on is None else day(picked_on)
    return LineOutcome(
        order_id="SO1",
        line=number,
        sku="SKU",
        warehouse="WH",
        open_qty=Decimal(open_qty),
        from_stock=Decimal(stock),
        from_quality_hold=(HeldPeg(Decimal(held), day(2)),) if Decimal(held) else (),
        from_inbound=(InboundPeg("PO1", 1, Decimal(inbound), day(3)),) if Decimal(inbound) else (),
        short_qty=Decimal(short),
        projected_date=None if Decimal(short) else picked,
        supply_date=supply_date,
        unit_price=Decimal(price),
    )


def credit(*, hold: bool = False) -> CreditAssessment:
    return CreditAssessment("C1", hold, None, Decimal(0), Decimal(0))


def test_allocation_is_full_when_stock_covers_all_open_quantity() -> None:
    standing = assess_order([line(1), line(2)], day(0), credit())
    assert standing.allocation is Allocation.FULL


def test_allocation_is_partial_when_stock_covers_some_of_it() -> None:
    lines = [line(1), line(2, stock="0", inbound="10", supply_on=3)]
    assert assess_order(lines, day(9), credit()).allocation is Allocation.PARTIAL


def test_quality_held_stock_is_not_stock_for_allocation() -> None:
    lines = [line(stock="0", held="10", supply_on=2)]
    assert assess_order(lines, day(9), credit()).allocation is Allocation.NONE


def test_fully_allocated_order_on_time_has_no_blocker_and_is_not_at_risk() -> None:
    standing = assess_order([line()], day(0), credit())
    assert standing.blockers == ()
    assert standing.status is OrderRiskStatus.FULLY_ALLOCATED
    assert standing.projected_ship_date == day(0)
    assert standing.days_late == 0
    assert not standing.at_risk


def test_credit_blocks_an_order_fully_in_stock_and_puts_it_at_risk() -> None:
    standing = assess_order([line()], day(5), credit(hold=True))
    assert standing.blockers == (Blocker.CREDIT,)
    assert standing.status is OrderRiskStatus.BLOCKED_BY_CREDIT
    assert standing.at_risk
    assert standing.days_late == 0


def test_short_line_gives_no_ship_date_no_lateness_and_puts_the_order_at_risk() -> None:
    lines = [line(1), line(2, stock="4", short="6", supply_on=None)]
    standing = assess_order(lines, day(30), credit())
    assert standing.blockers == (Blocker.NO_SUPPLY,)
    assert standing.status is OrderRiskStatus.SHORT
    assert standing.projected_ship_date is None
    assert standing.days_late is None
    assert standing.at_risk


def test_blockers_are_listed_in_the_documented_order_and_the_first_names_the_status() -> None:
    lines = [
        line(1, stock="0", inbound="10", supply_on=3, picked_on=4),
        line(2, stock="0", held="10", supply_on=2),
        line(3, stock="0", short="10", supply_on=None),
    ]
    standing = assess_order(lines, day(30), credit(hold=True))
    assert standing.blockers == tuple(Blocker)
    assert standing.status is OrderRiskStatus.BLOCKED_BY_CREDIT


@pytest.mark.parametrize(
    ("lines", "status"),
    [
        ([line(stock="5", held="5", supply_on=2)], OrderRiskStatus.WAITING_ON_QUALITY),
        (
            [line(stock="0", held="5", inbound="5", supply_on=3)],
            OrderRiskStatus.WAITING_ON_QUALITY,
        ),
        ([line(stock="5", inbound="5", supply_on=3)], OrderRiskStatus.DEPENDENT_ON_INBOUND),
        ([line(picked_on=1)], OrderRiskStatus.DELAYED_BY_WAREHOUSE_CAPACITY),
    ],
)
def test_each_supply_blocker_names_its_status(
    lines: list[LineOutcome], status: OrderRiskStatus
) -> None:
    assert assess_order(lines, day(30), credit()).status is status


def test_capacity_delay_is_a_blocker_even_when_the_order_stays_on_time() -> None:
    standing = assess_order([line(picked_on=2)], day(5), credit())
    assert standing.blockers == (Blocker.WAREHOUSE_CAPACITY,)
    assert standing.days_late == 0
    assert not standing.at_risk


def test_ship_date_is_the_latest_line_date_and_lateness_counts_days_after_the_promise() -> None:
    lines = [line(1), line(2, stock="0", inbound="10", supply_on=3, picked_on=6)]
    standing = assess_order(lines, day(2), credit())
    assert standing.projected_ship_date == day(6)
    assert standing.days_late == 4
    assert standing.at_risk


def test_shipping_on_the_promised_date_is_on_time() -> None:
    standing = assess_order([line(stock="0", inbound="10", supply_on=3)], day(3), credit())
    assert standing.days_late == 0
    assert not standing.at_risk


def test_a_promise_already_past_makes_a_stock_order_late() -> None:
    standing = assess_order([line()], day(-3), credit())
    assert standing.status is OrderRiskStatus.FULLY_ALLOCATED
    assert standing.days_late == 3
    assert standing.at_risk


def test_quality_wait_before_the_promise_is_not_at_risk() -> None:
    standing = assess_order([line(stock="0", held="10", supply_on=2)], day(2), credit())
    assert standing.blockers == (Blocker.QUALITY,)
    assert not standing.at_risk


def test_lines_short_or_after_the_promise_need_attention() -> None:
    assert needs_attention(line(short="1", stock="9", supply_on=None), day(9))
    assert needs_attention(line(picked_on=3), day(2))
    assert not needs_attention(line(picked_on=2), day(2))


def test_open_value_sums_open_quantity_times_unit_price() -> None:
    lines = [line(1, open_qty="2.5", stock="2.5", price="4"), line(2, price="1.10")]
    assert open_value(lines) == Decimal("21.00")
