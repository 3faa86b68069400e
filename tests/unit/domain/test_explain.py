"""The plain-language explanation of an order's standing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from controltower.domain.analysis import (
    CreditAssessment,
    HeldPeg,
    InboundPeg,
    LineOutcome,
    TransferAlternative,
)
from controltower.domain.explain import (
    credit_sentences,
    explain_order,
    format_money,
    format_qty,
)
from controltower.domain.model import (
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    Supplier,
    Warehouse,
)
from controltower_oracle.risk import assess_order

D = date(2026, 11, 25)
SKU = "CBL-2X14"
NO_CREDIT_ISSUE = CreditAssessment("C042", False, None, Decimal(0), Decimal(0))


def day(n: int) -> date:
    return D + timedelta(days=n)


@dataclass
class FakeSupplyDirectory:
    orders: dict[str, PurchaseOrder] = field(default_factory=dict)
    lines: dict[tuple[str, int], PurchaseOrderLine] = field(default_factory=dict)
    suppliers: dict[str, Supplier] = field(default_factory=dict)

    def purchase_order(self, po_id: str) -> PurchaseOrder | None:
        return self.orders.get(po_id)

    def purchase_order_line(self, po_id: str, line: int) -> PurchaseOrderLine | None:
        return self.lines.get((po_id, line))

    def supplier(self, code: str) -> Supplier | None:
        return self.suppliers.get(code)


def directory(*, confirmed: date | None = None, expected: date = day(2)) -> FakeSupplyDirectory:
    order = PurchaseOrder("PO77", "SUP-ACME", "WH-EAST", day(-20), expected, confirmed)
    return FakeSupplyDirectory(
        orders={"PO77": order},
        lines={("PO77", 2): PurchaseOrderLine("PO77", 2, SKU, Decimal(50))},
    )


def outcome(
    number: int = 1,
    *,
    open_qty: int = 40,
    stock: int = 40,
    held: tuple[HeldPeg, ...] = (),
    inbound: tuple[InboundPeg, ...] = (),
    short: int = 0,
    supply_date: date | None = D,
    projected: date | None = D,
    alternatives: tuple[TransferAlternative, ...] = (),
) -> LineOutcome:
    return LineOutcome(
        "SO1",
        number,
        SKU,
        "WH-EAST",
        Decimal(open_qty),
        Decimal(stock),
        held,
        inbound,
        Decimal(short),
        projected,
        supply_date,
        alternatives=alternatives,
    )


def explain(
    lines: list[LineOutcome],
    *,
    promised: date = day(2),
    credit: CreditAssessment = NO_CREDIT_ISSUE,
    supply: FakeSupplyDirectory | None = None,
    capacity: int | None = None,
) -> tuple[str, ...]:
    order = SalesOrder("SO1", "C042", "WH-EAST", day(-5), promised)
    return explain_order(
        order,
        lines,
        assess_order(lines, promised, credit),
        credit,
        warehouse=Warehouse("WH-EAST", pick_capacity_lines_per_day=capacity),
        supply=supply or directory(),
        as_of=D,
        overdue_days_block=30,
    )


def test_quantities_read_without_trailing_zeros_and_with_thousands_separators() -> None:
    assert [format_qty(Decimal(v)) for v in ("40", "40.00", "1200", "0.5", "2.50")] == [
        "40",
        "40",
        "1,200",
        "0.5",
        "2.5",
    ]


def test_money_reads_to_the_cent_half_a_cent_rounded_away_from_zero() -> None:
    assert format_money(Decimal("12400")) == "12,400.00"
    assert format_money(Decimal("-300.5")) == "-300.50"
    assert format_money(Decimal("25163.365")) == "25,163.37"
    assert format_money(Decimal("-25163.365")) == "-25,163.37"
    assert format_money(Decimal("10000.004")) == "10,000.00"
    assert format_money(Decimal("-0.001")) == "0.00"


def test_order_fully_in_stock_on_time_gets_one_short_sentence() -> None:
    assert explain([outcome(1), outcome(2), outcome(3)], promised=D) == (
        "All 3 lines are covered from stock in WH-EAST; ships 2026-11-25, on time.",
    )


def test_single_line_order_in_stock_but_past_its_promise_says_it_is_ready_to_ship() -> None:
    """Nothing holds it but the warehouse: "ships 2 days after the promise" would hide
    that it can go today."""
    assert explain([outcome(4)], promised=day(-2)) == (
        "Promised 2026-11-23 and not shipped: line 4 is in stock in WH-EAST, ready to ship "
        "today, 2 days late.",
    )


def test_inbound_line_names_po_supplier_dates_and_that_it_is_unconfirmed() -> None:
    peg = InboundPeg("PO77", 2, Decimal(15), day(3))
    lines = [outcome(stock=25, inbound=(peg,), supply_date=day(3), projected=day(3))]
    assert explain(lines) == (
        "Line 1: 25 of 40 CBL-2X14 come from stock in WH-EAST.",
        "Line 1: 15 of 40 CBL-2X14 wait on PO77 from SUP-ACME, expected 2026-11-27, "
        "not confirmed by the supplier; available to pick 2026-11-28.",
        "Projected to ship 2026-11-28, 1 day after the promised 2026-11-27.",
    )


def test_inbound_sentence_says_when_the_supplier_confirmed_and_names_it() -> None:
    supply = directory(confirmed=day(-3))
    supply.suppliers["SUP-ACME"] = Supplier("SUP-ACME", "Acme Cables")
    peg = InboundPeg("PO77", 2, Decimal(40), day(3))
    sentences = explain([outcome(stock=0, inbound=(peg,), supply_date=day(3))], supply=supply)
    assert "from SUP-ACME (Acme Cables)" in sentences[0]
    assert "confirmed by the supplier on 2026-11-22" in sentences[0]


def test_overdue_purchase_order_says_how_many_days_overdue() -> None:
    peg = InboundPeg("PO77", 2, Decimal(40), day(1))
    sentences = explain(
        [outcome(stock=0, inbound=(peg,), supply_date=day(1))], supply=directory(expected=day(-4))
    )
    assert "expected 2026-11-21 (4 days overdue)" in sentences[0]


def test_quality_hold_sentence_gives_the_release_date() -> None:
    held = (HeldPeg(Decimal(5), day(2)),)
    sentences = explain([outcome(stock=35, held=held, supply_date=day(2), projected=day(2))])
    assert sentences[1] == (
        "Line 1: 5 of 40 CBL-2X14 are held by quality in WH-EAST, expected to be released "
        "2026-11-27."
    )
    assert sentences[-1] == "Projected to ship 2026-11-27, on time for the promise of 2026-11-27."


def test_shortage_says_how_many_units_have_no_supply_and_that_there_is_no_date() -> None:
    lines = [outcome(1), outcome(2, open_qty=30, stock=18, short=12, supply_date=None)]
    sentences = explain(lines)
    assert sentences == (
        "Line 2: 18 of 30 CBL-2X14 come from stock in WH-EAST.",
        "Line 2: 12 of 30 CBL-2X14 have no supply: no stock, quality-held stock or open "
        "purchase order in WH-EAST is left for them.",
        "Line 1 is covered from stock in WH-EAST.",
        "No ship date until the shortage is covered; promised 2026-11-27.",
    )


def test_capacity_delay_names_the_days_the_warehouse_and_its_capacity() -> None:
    sentences = explain([outcome(projected=day(2))], capacity=30)
    assert sentences[0] == (
        "Line 1: all 40 CBL-2X14 are in stock in WH-EAST, but WH-EAST picks at most 30 lines "
        "a day, so the line is picked 2026-11-27 (2 days later)."
    )


def test_capacity_delay_after_inbound_gives_the_day_the_line_is_ready() -> None:
    peg = InboundPeg("PO77", 2, Decimal(40), day(3))
    line = outcome(stock=0, inbound=(peg,), supply_date=day(3), projected=day(4))
    sentences = explain([line], promised=day(9), capacity=1)
    assert sentences == (
        "Line 1: all 40 CBL-2X14 wait on PO77 from SUP-ACME, expected 2026-11-27, not "
        "confirmed by the supplier; available to pick 2026-11-28.",
        "Line 1: ready 2026-11-28, but WH-EAST picks at most 1 line a day, so the line is "
        "picked 2026-11-29 (1 day later).",
        "Projected to ship 2026-11-29, on time for the promise of 2026-12-04.",
    )


def test_credit_over_limit_gives_exposure_receivables_orders_and_limit() -> None:
    credit = CreditAssessment("C042", False, Decimal(10000), Decimal(4400), Decimal(8000))
    assert credit_sentences(credit, 30) == [
        "Credit: C042 exposure 12,400.00 (open invoices 4,400.00 + open orders 8,000.00) "
        "exceeds its limit 10,000.00."
    ]


def test_an_exposure_over_the_limit_by_less_than_a_cent_is_shown_exactly() -> None:
    """Rounded to the cent, 10,000.004 would read as a limit it does not exceed."""
    credit = CreditAssessment("C042", False, Decimal(10000), Decimal("4400.004"), Decimal(5600))
    assert credit_sentences(credit, 30) == [
        "Credit: C042 exposure 10,000.004 (open invoices 4,400.004 + open orders 5,600.00) "
        "exceeds its limit 10,000.00."
    ]


def test_credit_hold_and_overdue_invoices_each_get_a_sentence() -> None:
    overdue = tuple((f"INV{n}", Decimal("1200"), 50 - n) for n in range(5))
    credit = CreditAssessment("C042", True, None, Decimal(6000), Decimal(0), overdue)
    assert credit_sentences(credit, 30) == [
        "Credit: account C042 is on credit hold.",
        "Credit: invoice INV0 of 1,200.00 is 50 days overdue (limit 30).",
        "Credit: invoice INV1 of 1,200.00 is 49 days overdue (limit 30).",
        "Credit: invoice INV2 of 1,200.00 is 48 days overdue (limit 30).",
        "Credit: 2 more invoices of C042 are more than 30 days overdue.",
    ]


def test_credit_blocked_order_explains_credit_first_and_ships_once_released() -> None:
    credit = CreditAssessment("C042", True, None, Decimal(0), Decimal(0))
    assert explain([outcome()], credit=credit) == (
        "Credit: account C042 is on credit hold.",
        "Line 1 is covered from stock in WH-EAST; ships 2026-11-25 once credit is released, "
        "on time.",
    )


def test_transfer_alternatives_say_where_how_long_and_whether_in_time() -> None:
    alternatives = (
        TransferAlternative("WH-WEST", Decimal(40), 2, day(2), True),
        TransferAlternative("WH-NORTH", Decimal(1), 5, day(5), False),
    )
    line = outcome(stock=0, short=40, supply_date=None, alternatives=alternatives)
    sentences = explain([line])
    assert sentences[-2:] == (
        "Line 1: WH-WEST has 40 CBL-2X14 free; a transfer takes 2 days, arriving 2026-11-27, "
        "in time for the promise.",
        "Line 1: WH-NORTH has 1 CBL-2X14 free; a transfer takes 5 days, arriving 2026-11-30, "
        "too late for the promise of 2026-11-27.",
    )
