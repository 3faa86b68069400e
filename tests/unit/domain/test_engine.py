"""The engine end to end: ``analyse`` on small pictures, and incremental changes."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from controltower.domain.analysis import (
    Allocation,
    AllocationPolicy,
    Analysis,
    Blocker,
    CreditAssessment,
    HeldPeg,
    InboundPeg,
    OrderOutcome,
    OrderRiskStatus,
    PoolOutcome,
    TransferAlternative,
)
from controltower.domain.errors import DatasetConflictError
from controltower.domain.model import (
    Customer,
    Dataset,
    Invoice,
    OrderStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    Supplier,
    Tier,
    TransferLane,
    Warehouse,
)
from controltower_oracle.engine import IncrementalEngine, analyse

D = date(2026, 11, 25)
CBL = "CBL-2X14"
LUG = "LUG-10"


def day(n: int) -> date:
    return D + timedelta(days=n)


def q(value: str | int) -> Decimal:
    return Decimal(str(value))


class Business:
    """A small picture built a row at a time, with sensible defaults for the rest."""

    def __init__(self) -> None:
        self.data = Dataset(
            warehouses=[Warehouse("WH-EAST"), Warehouse("WH-WEST")],
            products=[Product(CBL, list_price=q(48)), Product(LUG, list_price=None)],
            customers=[Customer("C1"), Customer("C2", tier=Tier.KEY)],
            suppliers=[Supplier("SUP-ACME", "Acme Cables")],
        )

    def stock(
        self, sku: str, on_hand: int | str, hold: int | str = 0, wh: str = "WH-EAST"
    ) -> Business:
        self.data.stock.append(StockLevel(sku, wh, q(on_hand), q(hold)))
        return self

    def order(
        self,
        order_id: str,
        *lines: tuple[str, int | str],
        customer: str = "C1",
        wh: str = "WH-EAST",
        promised: date = day(5),
        ordered: date = day(-10),
        expedite: bool = False,
        status: OrderStatus = OrderStatus.OPEN,
        reserved: int | str = 0,
        shipped: int | str = 0,
        price: str | None = None,
    ) -> Business:
        self.data.sales_orders.append(
            SalesOrder(order_id, customer, wh, ordered, promised, expedite, status=status)
        )
        for number, (sku, qty) in enumerate(lines, start=1):
            self.data.sales_order_lines.append(
                SalesOrderLine(
                    order_id,
                    number,
                    sku,
                    q(qty),
                    qty_shipped=q(shipped),
                    qty_reserved=q(reserved),
                    unit_price=None if price is None else q(price),
                )
            )
        return self

    def po(
        self,
        po_id: str,
        *lines: tuple[str, int | str],
        wh: str = "WH-EAST",
        expected: date = day(2),
        status: OrderStatus = OrderStatus.OPEN,
        confirmed: date | None = None,
    ) -> Business:
        self.data.purchase_orders.append(
            PurchaseOrder(po_id, "SUP-ACME", wh, day(-20), expected, confirmed, status)
        )
        for number, (sku, qty) in enumerate(lines, start=1):
            self.data.purchase_order_lines.append(PurchaseOrderLine(po_id, number, sku, q(qty)))
        return self

    def capacity(self, wh: str, lines_per_day: int) -> Business:
        self.data.warehouses = [
            dataclasses.replace(w, pick_capacity_lines_per_day=lines_per_day) if w.code == wh else w
            for w in self.data.warehouses
        ]
        return self

    def analyse(self, policy: AllocationPolicy = AllocationPolicy()) -> Analysis:
        return analyse(self.data, D, policy)


def only_order(analysis: Analysis, order_id: str) -> OrderOutcome:
    found = analysis.order(order_id)
    assert found is not None, f"{order_id} is not in the analysis"
    return found


def worked_example() -> Dataset:
    """``allocation.md``, "A worked example"."""
    return Dataset(
        warehouses=[Warehouse("WH-EAST")],
        products=[Product(CBL, list_price=q(48))],
        customers=[Customer("C-KEY", tier=Tier.KEY), Customer("C-STD")],
        suppliers=[Supplier("SUP-ACME")],
        stock=[StockLevel(CBL, "WH-EAST", q(30), q(5))],
        sales_orders=[
            SalesOrder("SO1", "C-KEY", "WH-EAST", day(-5), date(2026, 11, 26)),
            SalesOrder("SO2", "C-STD", "WH-EAST", day(-4), date(2026, 11, 30), expedite=True),
        ],
        sales_order_lines=[
            SalesOrderLine("SO1", 1, CBL, q(20), qty_reserved=q(10)),
            SalesOrderLine("SO2", 1, CBL, q(20)),
        ],
        purchase_orders=[
            PurchaseOrder("PO77", "SUP-ACME", "WH-EAST", day(-15), date(2026, 11, 26)),
        ],
        purchase_order_lines=[PurchaseOrderLine("PO77", 2, CBL, q(50))],
    )


def test_worked_example_of_the_allocation_rules_gives_the_documented_result() -> None:
    analysis = analyse(worked_example(), D)

    so1, so2 = analysis.orders
    assert so1.order_id == "SO1"
    (line,) = so1.lines
    assert (line.open_qty, line.from_stock, line.short_qty) == (q(20), q(10), q(0))
    assert line.from_quality_hold == ()
    assert line.from_inbound == (InboundPeg("PO77", 2, q(10), date(2026, 11, 27)),)
    assert line.projected_date == date(2026, 11, 27)
    assert so1.allocation is Allocation.PARTIAL
    assert so1.blockers == (Blocker.INBOUND,)
    assert so1.status is OrderRiskStatus.DEPENDENT_ON_INBOUND
    assert so1.projected_ship_date == date(2026, 11, 27)
    assert so1.at_risk is True
    assert so1.days_late == 1

    assert so2.order_id == "SO2"
    (line,) = so2.lines
    assert (line.open_qty, line.from_stock, line.short_qty) == (q(20), q(15), q(0))
    assert line.from_quality_hold == (HeldPeg(q(5), date(2026, 11, 27)),)
    assert line.from_inbound == ()
    assert so2.allocation is Allocation.PARTIAL
    assert so2.blockers == (Blocker.QUALITY,)
    assert so2.status is OrderRiskStatus.WAITING_ON_QUALITY
    assert so2.projected_ship_date == date(2026, 11, 27)
    assert so2.at_risk is False
    assert so2.days_late == 0

    assert analysis.pools == {
        (CBL, "WH-EAST"): PoolOutcome(
            CBL, "WH-EAST", q(25), q(5), q(0), q(40), q(0), {("PO77", 2): q(40)}
        )
    }
    assert analysis.credit == {
        "C-KEY": CreditAssessment("C-KEY", False, None, q(0), q(960)),
        "C-STD": CreditAssessment("C-STD", False, None, q(0), q(960)),
    }
    assert so1.open_value == 960


def test_only_open_orders_with_open_lines_are_listed_by_order_id_in_string_order() -> None:
    analysis = (
        Business()
        .stock(CBL, 100)
        .order("SO2", (CBL, 1))
        .order("SO10", (CBL, 1))
        .order("SO3", (CBL, 1), status=OrderStatus.DONE)
        .order("SO4", (CBL, 1), status=OrderStatus.CANCELLED)
        .order("SO5", (CBL, 2), shipped=2)
        .analyse()
    )
    assert [o.order_id for o in analysis.orders] == ["SO10", "SO2"]


def test_order_lists_only_its_lines_with_open_quantity_by_line_number() -> None:
    business = Business().stock(CBL, 100).order("SO1", (CBL, 5), (CBL, 6), (CBL, 7))
    lines = business.data.sales_order_lines
    lines[1] = dataclasses.replace(lines[1], qty_shipped=q(6))
    business.data.sales_order_lines = list(reversed(lines))
    order = only_order(business.analyse(), "SO1")
    assert [(line.line, line.open_qty) for line in order.lines] == [(1, q(5)), (3, q(7))]


@pytest.mark.parametrize("status", [OrderStatus.DONE, OrderStatus.CANCELLED])
def test_reservations_of_done_and_cancelled_orders_hold_nothing(status: OrderStatus) -> None:
    analysis = (
        Business()
        .stock(CBL, 10)
        .order("SO1", (CBL, 10), reserved=10, status=status)
        .order("SO2", (CBL, 10))
        .analyse()
    )
    assert only_order(analysis, "SO2").lines[0].from_stock == 10


def test_reservation_of_a_fully_shipped_line_holds_nothing() -> None:
    analysis = (
        Business()
        .stock(CBL, 10)
        .order("SO1", (CBL, 10), reserved=10, shipped=10)
        .order("SO2", (CBL, 10))
        .analyse()
    )
    assert only_order(analysis, "SO2").lines[0].from_stock == 10


def test_pools_are_per_sku_and_order_warehouse() -> None:
    analysis = (
        Business()
        .stock(CBL, 10, wh="WH-WEST")
        .order("SO1", (CBL, 4), wh="WH-EAST")
        .order("SO2", (LUG, 4), wh="WH-WEST")
        .analyse()
    )
    assert only_order(analysis, "SO1").lines[0].short_qty == 4
    assert only_order(analysis, "SO2").lines[0].short_qty == 4
    assert set(analysis.pools) == {(CBL, "WH-EAST"), (CBL, "WH-WEST"), (LUG, "WH-WEST")}
    assert analysis.pools[(CBL, "WH-WEST")].free_stock == 10


def test_capacity_is_shared_by_all_skus_of_a_warehouse_and_spills_over_days() -> None:
    analysis = (
        Business()
        .capacity("WH-EAST", 2)
        .stock(CBL, 100)
        .stock(LUG, 100)
        .order("SO1", (CBL, 1), (LUG, 1), promised=day(0))
        .order("SO2", (CBL, 1), (LUG, 1), promised=day(1))
        .order("SO3", (LUG, 1), promised=day(9))
        .analyse()
    )
    so1, so2, so3 = analysis.orders
    assert [line.projected_date for line in so1.lines] == [day(0), day(0)]
    assert [line.projected_date for line in so2.lines] == [day(1), day(1)]
    assert so3.lines[0].projected_date == day(2)
    assert so1.status is OrderRiskStatus.FULLY_ALLOCATED
    assert so2.blockers == (Blocker.WAREHOUSE_CAPACITY,)
    assert so2.at_risk is False
    assert so3.lines[0].supply_date == day(0)
    assert so3.lines[0].capacity_delay_days == 2


def test_capacity_counts_each_warehouse_on_its_own() -> None:
    analysis = (
        Business()
        .capacity("WH-EAST", 1)
        .stock(CBL, 10)
        .stock(CBL, 10, wh="WH-WEST")
        .order("SO1", (CBL, 1))
        .order("SO2", (CBL, 1), wh="WH-WEST")
        .order("SO3", (CBL, 1), wh="WH-WEST")
        .analyse()
    )
    assert [o.projected_ship_date for o in analysis.orders] == [day(0), day(0), day(0)]


def test_short_lines_take_no_capacity_but_credit_blocked_lines_do() -> None:
    business = (
        Business()
        .capacity("WH-EAST", 1)
        .stock(CBL, 2)
        .order("SO1", (LUG, 5), promised=day(0))
        .order("SO2", (CBL, 1), customer="C2", promised=day(1))
        .order("SO3", (CBL, 1), promised=day(2))
    )
    business.data.customers = [Customer("C1"), Customer("C2", credit_hold=True)]
    so1, so2, so3 = business.analyse().orders
    assert so1.lines[0].short_qty == 5
    assert so1.lines[0].projected_date is None
    assert so2.status is OrderRiskStatus.BLOCKED_BY_CREDIT
    assert so2.lines[0].projected_date == day(0)
    assert so3.lines[0].projected_date == day(1)


def test_warehouse_capacity_lines_ready_later_start_on_their_own_date() -> None:
    analysis = (
        Business()
        .capacity("WH-EAST", 1)
        .stock(CBL, 1)
        .po("PO1", (CBL, 5), expected=day(3))
        .order("SO1", (CBL, 1), promised=day(0))
        .order("SO2", (CBL, 1), promised=day(1))
        .order("SO3", (CBL, 1), promised=day(2))
        .analyse()
    )
    assert [o.projected_ship_date for o in analysis.orders] == [day(0), day(4), day(5)]
    assert [o.days_late for o in analysis.orders] == [0, 3, 3]


def test_credit_counts_open_order_value_in_every_warehouse_at_effective_prices() -> None:
    business = (
        Business()
        .order("SO1", (CBL, 2), wh="WH-EAST")
        .order("SO2", (CBL, 1), wh="WH-WEST", price="10.50")
        .order("SO3", (LUG, 7), wh="WH-WEST")
        .order("SO4", (CBL, 100), status=OrderStatus.DONE)
        .order("SO5", (CBL, 3), shipped=1)
    )
    credit = business.analyse().credit["C1"]
    assert credit.open_order_value == 2 * 48 + q("10.50") + 7 * 0 + 2 * 48


def test_credit_block_does_not_change_pegging() -> None:
    business = (
        Business()
        .stock(CBL, 10)
        .order("SO1", (CBL, 10), customer="C2", expedite=True)
        .order("SO2", (CBL, 10))
    )
    business.data.customers = [Customer("C1"), Customer("C2", credit_limit=q(0))]
    so1, so2 = business.analyse().orders
    assert so1.status is OrderRiskStatus.BLOCKED_BY_CREDIT
    assert so1.lines[0].from_stock == 10
    assert so2.status is OrderRiskStatus.SHORT


def test_credit_is_assessed_for_every_customer_with_open_orders_only() -> None:
    business = Business().stock(CBL, 5).order("SO1", (CBL, 1))
    business.data.invoices = [Invoice("I9", "C2", day(-90), q(100))]
    assert set(business.analyse().credit) == {"C1"}


def test_overdue_invoice_blocks_orders_with_the_policy_threshold() -> None:
    business = Business().stock(CBL, 5).order("SO1", (CBL, 1))
    business.data.invoices = [Invoice("I1", "C1", day(-10), q(100))]
    assert business.analyse().orders[0].status is OrderRiskStatus.FULLY_ALLOCATED
    strict = business.analyse(AllocationPolicy(overdue_days_block=9))
    assert strict.orders[0].status is OrderRiskStatus.BLOCKED_BY_CREDIT
    assert strict.orders[0].explanation[0] == (
        "Credit: invoice I1 of 100.00 is 10 days overdue (limit 9)."
    )


def test_short_and_late_lines_get_transfer_alternatives_from_free_stock_elsewhere() -> None:
    business = (
        Business()
        .stock(CBL, 2)
        .stock(CBL, 12, wh="WH-WEST")
        .po("PO1", (LUG, 5), expected=day(6))
        .order("SO1", (CBL, 5), (LUG, 5), promised=day(1))
        .order("SO9", (CBL, 2), wh="WH-WEST")
    )
    business.data.transfer_lanes = [TransferLane("WH-WEST", "WH-EAST", 1)]
    order = only_order(business.analyse(), "SO1")
    cbl, lug = order.lines
    assert cbl.alternatives == (TransferAlternative("WH-WEST", q(10), 1, day(1), True),)
    assert lug.alternatives == ()  # WH-WEST has no free LUG-10
    assert order.explanation[-1] == (
        "Line 1: WH-WEST has 10 CBL-2X14 free; a transfer takes 1 day, arriving 2026-11-26, "
        "in time for the promise."
    )


def test_on_time_lines_get_no_alternatives() -> None:
    business = Business().stock(CBL, 5).stock(CBL, 5, wh="WH-WEST").order("SO1", (CBL, 5))
    business.data.transfer_lanes = [TransferLane("WH-WEST", "WH-EAST", 1)]
    assert business.analyse().orders[0].lines[0].alternatives == ()


def test_line_price_falls_back_to_the_product_list_price_then_zero() -> None:
    analysis = (
        Business().order("SO1", (CBL, 2), (LUG, 3)).order("SO2", (CBL, 1), price="5").analyse()
    )
    so1, so2 = analysis.orders
    assert [line.unit_price for line in so1.lines] == [48, 0]
    assert (so1.open_value, so2.open_value) == (q(96), q(5))


def test_pool_outcome_reports_unpegged_inbound_per_po_line() -> None:
    analysis = (
        Business()
        .stock(CBL, 3, 1)
        .po("PO1", (CBL, 5), (CBL, 4))
        .po("PO2", (CBL, 9), status=OrderStatus.DONE)
        .order("SO1", (CBL, 6))
        .analyse()
    )
    pool = analysis.pools[(CBL, "WH-EAST")]
    assert (pool.physical, pool.quality_held, pool.free_stock, pool.demand) == (
        q(2),
        q(1),
        q(0),
        q(6),
    )
    assert pool.unpegged_inbound == {("PO1", 1): q(2), ("PO1", 2): q(4)}


def test_repeated_keys_are_refused_by_name() -> None:
    business = Business().order("SO1", (CBL, 1))
    business.data.sales_order_lines.append(SalesOrderLine("SO1", 1, CBL, q(2)))
    with pytest.raises(DatasetConflictError, match="sales order SO1 line 1 appears more than once"):
        business.analyse()


def test_a_line_of_an_unknown_order_takes_no_part() -> None:
    business = Business().stock(CBL, 5).order("SO1", (CBL, 5))
    business.data.sales_order_lines.append(
        SalesOrderLine("SO-GHOST", 1, CBL, q(5), qty_reserved=q(5))
    )
    assert business.analyse().orders[0].lines[0].from_stock == 5


# --- incremental changes ----------------------------------------------------------


def engine_for(business: Business) -> IncrementalEngine:
    return IncrementalEngine(business.data, D)


def assert_matches_full_analysis(engine: IncrementalEngine) -> None:
    assert engine.analysis() == analyse(engine.dataset(), engine.as_of, engine.policy)


def test_a_receipt_adds_to_the_received_quantity_of_its_po_line() -> None:
    engine = engine_for(Business().po("PO1", (CBL, 10)).order("SO1", (CBL, 8)))
    engine.add_receipt(Receipt("R1", "PO1", 1, D, q(4)))
    line = engine.analysis().orders[0].lines[0]
    assert line.from_inbound == (InboundPeg("PO1", 1, q(6), day(3)),)
    assert line.short_qty == 2
    assert engine.dataset().purchase_order_lines[0].qty_received == 4
    assert_matches_full_analysis(engine)


def test_a_receipt_for_an_unknown_po_line_or_a_repeated_receipt_is_refused() -> None:
    engine = engine_for(Business().po("PO1", (CBL, 10)))
    with pytest.raises(DatasetConflictError, match="purchase order PO1 line 2"):
        engine.add_receipt(Receipt("R1", "PO1", 2, D, q(1)))
    engine.add_receipt(Receipt("R1", "PO1", 1, D, q(1)))
    with pytest.raises(DatasetConflictError, match="receipt R1 already exists"):
        engine.add_receipt(Receipt("R1", "PO1", 1, D, q(1)))


def test_supplier_confirmation_updates_the_explanation_of_pegged_orders() -> None:
    business = Business().po("PO1", (CBL, 10)).order("SO1", (CBL, 8))
    engine = engine_for(business)
    assert "not confirmed by the supplier" in engine.analysis().orders[0].explanation[0]
    engine.upsert_purchase_order(
        dataclasses.replace(business.data.purchase_orders[0], confirmed_date=day(-1))
    )
    assert "confirmed by the supplier on 2026-11-24" in engine.analysis().orders[0].explanation[0]
    assert_matches_full_analysis(engine)


def test_expediting_an_order_moves_stock_to_it_and_capacity_follows() -> None:
    business = (
        Business()
        .capacity("WH-EAST", 1)
        .stock(CBL, 1)
        .stock(LUG, 1)
        .order("SO1", (CBL, 1), promised=day(1))
        .order("SO2", (CBL, 1), promised=day(3))
        .order("SO3", (LUG, 1), promised=day(0))
    )
    engine = engine_for(business)
    engine.upsert_order(dataclasses.replace(business.data.sales_orders[1], expedite=True))
    so1, so2, so3 = engine.analysis().orders
    assert so2.lines[0].from_stock == 1
    assert so1.lines[0].short_qty == 1
    assert (so2.projected_ship_date, so3.projected_ship_date) == (day(0), day(1))
    assert_matches_full_analysis(engine)


def test_closing_an_order_releases_its_stock_to_the_next_line() -> None:
    business = (
        Business().stock(CBL, 5).order("SO1", (CBL, 5), promised=day(0)).order("SO2", (CBL, 5))
    )
    engine = engine_for(business)
    engine.upsert_order(dataclasses.replace(business.data.sales_orders[0], status=OrderStatus.DONE))
    (so2,) = engine.analysis().orders
    assert so2.status is OrderRiskStatus.FULLY_ALLOCATED
    assert set(engine.analysis().credit) == {"C1"}
    assert_matches_full_analysis(engine)


def test_new_stock_and_removed_lines_re_peg_their_pool() -> None:
    business = Business().order("SO1", (CBL, 5), (LUG, 1)).order("SO2", (CBL, 5))
    engine = engine_for(business)
    engine.set_stock(StockLevel(CBL, "WH-EAST", q(7)))
    engine.remove_order_line("SO1", 2)
    so1, so2 = engine.analysis().orders
    assert [line.line for line in so1.lines] == [1]
    assert (so1.lines[0].from_stock, so2.lines[0].from_stock) == (q(5), q(2))
    assert_matches_full_analysis(engine)
    with pytest.raises(DatasetConflictError, match="sales order SO1 line 2 does not exist"):
        engine.remove_order_line("SO1", 2)


def test_an_invoice_change_re_assesses_credit_only() -> None:
    business = Business().stock(CBL, 5).order("SO1", (CBL, 1))
    engine = engine_for(business)
    engine.upsert_invoice(Invoice("I1", "C1", day(-45), q(10)))
    assert engine.analysis().orders[0].status is OrderRiskStatus.BLOCKED_BY_CREDIT
    engine.remove_invoice("I1")
    assert engine.analysis().orders[0].status is OrderRiskStatus.FULLY_ALLOCATED
    assert_matches_full_analysis(engine)


def test_freeing_stock_elsewhere_offers_a_transfer_to_a_short_order() -> None:
    business = Business().order("SO1", (CBL, 5)).stock(CBL, 0, wh="WH-WEST")
    business.data.transfer_lanes = [TransferLane("WH-WEST", "WH-EAST", 2)]
    engine = engine_for(business)
    assert engine.analysis().orders[0].lines[0].alternatives == ()
    engine.set_stock(StockLevel(CBL, "WH-WEST", q(8)))
    (alternative,) = engine.analysis().orders[0].lines[0].alternatives
    assert (alternative.from_warehouse, alternative.free_qty) == ("WH-WEST", q(8))
    assert_matches_full_analysis(engine)


def test_a_change_in_one_sku_moves_pick_days_of_another_sku_in_the_same_warehouse() -> None:
    business = (
        Business()
        .capacity("WH-EAST", 1)
        .stock(CBL, 1)
        .stock(LUG, 1)
        .order("SO1", (LUG, 1), promised=day(0))
        .order("SO2", (CBL, 1), promised=day(1))
    )
    engine = engine_for(business)
    assert only_order(engine.analysis(), "SO2").projected_ship_date == day(1)
    engine.set_stock(StockLevel(LUG, "WH-EAST", q(0)))
    so2 = only_order(engine.analysis(), "SO2")
    assert so2.projected_ship_date == day(0)
    assert so2.status is OrderRiskStatus.FULLY_ALLOCATED
    assert_matches_full_analysis(engine)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"expedite": True, "promised": day(9)}, {"promised": day(0)}),
        ({"promised": day(1)}, {"promised": day(2), "customer": "C-STRATEGIC"}),
        ({"customer": "C-STRATEGIC"}, {"customer": "C2", "ordered": day(-30)}),
        ({"customer": "C2"}, {"customer": "C1", "ordered": day(-30)}),
        ({"ordered": day(-2)}, {"ordered": day(-1)}),
        ({}, {}),
    ],
)
def test_the_order_first_in_priority_wins_the_last_unit_of_stock(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    business = Business().stock(CBL, 1)
    business.data.customers.append(Customer("C-STRATEGIC", tier=Tier.STRATEGIC))
    # SO10 sorts before SO9 as a string: with everything else equal it must win
    analysis = business.order("SO9", (CBL, 1), **second).order("SO10", (CBL, 1), **first).analyse()
    assert only_order(analysis, "SO10").lines[0].from_stock == 1
    assert only_order(analysis, "SO9").lines[0].short_qty == 1
