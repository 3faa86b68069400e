"""Pegging within one pool, rule by rule (``allocation.md``, "Inputs" and "Pegging")."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from controltower.domain.analysis import AllocationPolicy, HeldPeg, InboundPeg
from controltower.domain.model import (
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    Tier,
)
from controltower_oracle.pegging import (
    PoolDemand,
    PoolPegging,
    PoolSupply,
    inbound_available_date,
    peg_pool,
    physical_stock,
    pool_supply,
)
from controltower_oracle.priority import demand_priority

D = date(2026, 11, 25)
SKU = "CBL-2X14"
WH = "WH-EAST"
POLICY = AllocationPolicy()


def day(n: int) -> date:
    return D + timedelta(days=n)


def q(value: str | int) -> Decimal:
    return Decimal(str(value))


def demand(
    order_id: str,
    open_qty: str | int,
    reserved: str | int = 0,
    *,
    promised: date = date(2026, 11, 30),
    expedite: bool = False,
    tier: Tier = Tier.STANDARD,
    line: int = 1,
) -> PoolDemand:
    order = SalesOrder(order_id, "C1", WH, date(2026, 11, 1), promised, expedite=expedite)
    so_line = SalesOrderLine(order_id, line, SKU, q(open_qty), qty_reserved=q(reserved))
    return PoolDemand(
        key=(order_id, line),
        priority=demand_priority(order, tier, so_line),
        open_qty=q(open_qty),
        qty_reserved=q(reserved),
    )


def po(
    po_id: str,
    line: int,
    qty: str | int,
    *,
    expected: date = day(3),
    line_expected: date | None = None,
    received: str | int = 0,
    status: OrderStatus = OrderStatus.OPEN,
) -> tuple[PurchaseOrder, PurchaseOrderLine]:
    return (
        PurchaseOrder(po_id, "SUP-ACME", WH, date(2026, 11, 1), expected, status=status),
        PurchaseOrderLine(
            po_id, line, SKU, q(qty), qty_received=q(received), expected_date=line_expected
        ),
    )


def supply(
    on_hand: str | int = 0,
    quality_hold: str | int = 0,
    *purchase_lines: tuple[PurchaseOrder, PurchaseOrderLine],
    policy: AllocationPolicy = POLICY,
) -> PoolSupply:
    stock = StockLevel(SKU, WH, q(on_hand), q(quality_hold))
    return pool_supply(stock, purchase_lines, as_of=D, policy=policy)


def peg(pool: PoolSupply, *lines: PoolDemand) -> PoolPegging:
    return peg_pool(SKU, WH, pool, lines, as_of=D)


def test_worked_example_pegs_reservation_then_expedite_then_inbound() -> None:
    pool = supply(30, 5, po("PO77", 2, 50, expected=day(1)))
    so1 = demand("SO1", 20, 10, promised=day(1), tier=Tier.KEY)
    so2 = demand("SO2", 20, 0, promised=day(5), expedite=True)

    result = peg(pool, so1, so2)

    first, second = result.lines[("SO1", 1)], result.lines[("SO2", 1)]
    assert first.from_stock == 10
    assert first.from_quality_hold == ()
    assert first.from_inbound == (InboundPeg("PO77", 2, q(10), day(2)),)
    assert first.supply_date == day(2)
    assert second.from_stock == 15
    assert second.from_quality_hold == (HeldPeg(q(5), day(2)),)
    assert second.from_inbound == ()
    assert second.supply_date == day(2)
    assert result.free_stock == 0
    assert result.unpegged_quality_hold == 0
    assert result.unpegged_inbound == {("PO77", 2): q(40)}


def test_reservation_of_a_later_line_is_served_before_an_earlier_line_takes_free_stock() -> None:
    result = peg(supply(10), demand("SO1", 10, promised=day(1)), demand("SO2", 10, 10))
    assert result.lines[("SO2", 1)].from_stock == 10
    assert result.lines[("SO1", 1)].from_stock == 0
    assert result.lines[("SO1", 1)].short_qty == 10


def test_reservations_beyond_physical_stock_take_only_what_is_left_in_priority_order() -> None:
    result = peg(
        supply(25, 0, po("PO1", 1, 100)),
        demand("SO1", 20, 20, promised=day(1)),
        demand("SO2", 20, 20, promised=day(2)),
    )
    assert result.lines[("SO1", 1)].from_stock == 20
    assert result.lines[("SO2", 1)].from_stock == 5
    assert result.lines[("SO2", 1)].from_inbound == (InboundPeg("PO1", 1, q(15), day(4)),)


def test_reservation_larger_than_open_quantity_takes_only_the_open_quantity() -> None:
    result = peg(supply(30), demand("SO1", 10, 50, promised=day(2)), demand("SO2", 20))
    assert result.lines[("SO1", 1)].from_stock == 10
    assert result.lines[("SO2", 1)].from_stock == 20
    assert result.free_stock == 0


def test_line_takes_free_stock_then_future_supply_earliest_first() -> None:
    pool = supply(7, 3, po("PO1", 1, 5, expected=day(6)), po("PO2", 1, 5, expected=day(1)))
    result = peg(pool, demand("SO1", 14))
    line = result.lines[("SO1", 1)]
    assert line.from_stock == 4
    assert line.from_quality_hold == (HeldPeg(q(3), day(2)),)
    assert line.from_inbound == (
        InboundPeg("PO2", 1, q(5), day(2)),
        InboundPeg("PO1", 1, q(2), day(7)),
    )
    assert line.short_qty == 0
    assert line.supply_date == day(7)


def test_line_covered_from_stock_alone_is_available_on_the_as_of_date() -> None:
    result = peg(supply(10, 0, po("PO1", 1, 5)), demand("SO1", 10))
    assert result.lines[("SO1", 1)].supply_date == D
    assert result.lines[("SO1", 1)].from_inbound == ()


def test_quality_held_stock_comes_before_inbound_available_the_same_day() -> None:
    policy = AllocationPolicy(quality_release_days=2, receipt_handling_days=1)
    pool = supply(0, 5, po("PO1", 1, 5, expected=day(1)), policy=policy)
    line = peg(pool, demand("SO1", 6)).lines[("SO1", 1)]
    assert line.from_quality_hold == (HeldPeg(q(5), day(2)),)
    assert line.from_inbound == (InboundPeg("PO1", 1, q(1), day(2)),)


def test_inbound_on_the_same_day_is_taken_by_po_id_in_string_order_then_line() -> None:
    pool = supply(
        0,
        0,
        po("PO9", 1, 1),
        po("PO10", 10, 1),
        po("PO10", 2, 1),
    )
    line = peg(pool, demand("SO1", 3)).lines[("SO1", 1)]
    assert [(p.po_id, p.line) for p in line.from_inbound] == [
        ("PO10", 2),
        ("PO10", 10),
        ("PO9", 1),
    ]


def test_overdue_po_is_available_receipt_handling_days_after_the_as_of_date() -> None:
    assert inbound_available_date(day(-10), D, POLICY) == day(1)
    line = peg(supply(0, 0, po("PO1", 1, 5, expected=day(-10))), demand("SO1", 5))
    assert line.lines[("SO1", 1)].from_inbound == (InboundPeg("PO1", 1, q(5), day(1)),)


def test_po_line_expected_date_overrides_the_order_expected_date() -> None:
    pool = supply(
        0,
        0,
        po("PO1", 1, 5, expected=day(1), line_expected=day(8)),
        po("PO2", 1, 5, expected=day(4)),
    )
    line = peg(pool, demand("SO1", 6)).lines[("SO1", 1)]
    assert line.from_inbound == (
        InboundPeg("PO2", 1, q(5), day(5)),
        InboundPeg("PO1", 1, q(1), day(9)),
    )


@pytest.mark.parametrize("status", [OrderStatus.DONE, OrderStatus.CANCELLED])
def test_done_and_cancelled_purchase_orders_bring_no_supply(status: OrderStatus) -> None:
    result = peg(supply(0, 0, po("PO1", 1, 50, status=status)), demand("SO1", 5))
    assert result.lines[("SO1", 1)].short_qty == 5
    assert result.unpegged_inbound == {}


def test_only_the_quantity_still_to_receive_of_a_po_line_is_supply() -> None:
    pool = supply(0, 0, po("PO1", 1, 10, received=7), po("PO2", 1, 10, received=10))
    result = peg(pool, demand("SO1", 5))
    line = result.lines[("SO1", 1)]
    assert line.from_inbound == (InboundPeg("PO1", 1, q(3), day(4)),)
    assert line.short_qty == 2
    assert result.unpegged_inbound == {("PO1", 1): q(0)}


def test_short_quantity_is_what_no_source_covers_and_the_line_has_no_date() -> None:
    result = peg(supply(5, 2, po("PO1", 1, 4)), demand("SO1", 5), demand("SO2", 6))
    assert result.lines[("SO1", 1)].short_qty == 0
    assert result.lines[("SO2", 1)].short_qty == 2
    assert result.lines[("SO2", 1)].supply_date is None
    assert result.short == 2
    assert result.demand == 11


def test_physical_stock_is_on_hand_less_quality_hold_and_never_below_zero() -> None:
    assert physical_stock(StockLevel(SKU, WH, q(30), q(5))) == 25
    assert physical_stock(StockLevel(SKU, WH, q(3), q(5))) == 0
    assert physical_stock(None) == 0


def test_quality_hold_above_on_hand_gives_no_physical_stock_but_stays_held() -> None:
    pool = supply(3, 5)
    assert pool.physical == 0
    line = peg(pool, demand("SO1", 6)).lines[("SO1", 1)]
    assert line.from_stock == 0
    assert line.from_quality_hold == (HeldPeg(q(5), day(2)),)
    assert line.short_qty == 1


def test_policy_days_move_the_release_and_receipt_dates() -> None:
    policy = AllocationPolicy(quality_release_days=5, receipt_handling_days=3)
    pool = supply(0, 1, po("PO1", 1, 1, expected=day(1)), policy=policy)
    line = peg(pool, demand("SO1", 2)).lines[("SO1", 1)]
    assert line.from_inbound == (InboundPeg("PO1", 1, q(1), day(4)),)
    assert line.from_quality_hold == (HeldPeg(q(1), day(5)),)
    assert line.supply_date == day(5)


def test_fractional_quantities_are_pegged_exactly() -> None:
    pool = supply("2", "0.5", po("PO1", 1, "0.25"))
    result = peg(pool, demand("SO1", "1", "0.5"), demand("SO2", "1.5"))
    assert result.lines[("SO1", 1)].from_stock == q("1")
    second = result.lines[("SO2", 1)]
    assert second.from_stock == q("0.5")
    assert second.from_quality_hold == (HeldPeg(q("0.5"), day(2)),)
    assert second.from_inbound == (InboundPeg("PO1", 1, q("0.25"), day(4)),)
    assert second.short_qty == q("0.25")


def test_a_line_split_across_many_sources_lists_them_in_the_order_taken() -> None:
    pool = supply(0, 0, po("PO3", 1, 1, expected=day(1)), po("PO1", 1, 1, expected=day(2)))
    first = peg(pool, demand("SO1", 1, promised=day(1)), demand("SO2", 2))
    assert first.lines[("SO1", 1)].from_inbound == (InboundPeg("PO3", 1, q(1), day(2)),)
    assert first.lines[("SO2", 1)].from_inbound == (InboundPeg("PO1", 1, q(1), day(3)),)
    assert first.lines[("SO2", 1)].short_qty == 1


def test_pool_without_demand_keeps_all_its_supply_unpegged() -> None:
    result = peg(supply(9, 2, po("PO1", 1, 4)))
    assert result.free_stock == 7
    assert result.unpegged_quality_hold == 2
    assert result.unpegged_inbound == {("PO1", 1): q(4)}
    outcome = result.outcome()
    assert (outcome.physical, outcome.quality_held, outcome.demand, outcome.short) == (
        q(7),
        q(2),
        q(0),
        q(0),
    )


def test_pegging_does_not_depend_on_the_order_demand_is_given_in() -> None:
    pool = supply(5, 2, po("PO1", 1, 4), po("PO2", 1, 4, expected=day(1)))
    lines = [demand(f"SO{n}", n, n % 3, promised=day(n % 4)) for n in range(1, 6)]
    assert peg(pool, *lines) == peg(pool, *reversed(lines))
