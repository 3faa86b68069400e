"""The what-if preview: the orders and cases an action changes, and the words for them.

Each action is previewed on a small hand-built business where its effect is known in
advance (a later promise fixes an order, a released hold lets an order through, a
transfer fixes the order it feeds and starves the one it leaves); the preview must list
exactly those orders with both sides, the cases that open and clear, and say so in
plain sentences. It must never change the picture it was given.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from controltower.domain.action_plans import ActionPlan, plan_action
from controltower.domain.errors import DatasetConflictError
from controltower.domain.model import (
    Customer,
    Dataset,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Return,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    Supplier,
    TransferLane,
    Warehouse,
)
from controltower.domain.picture_edits import SetField
from controltower.domain.tables import DatasetTables, tables_from_dataset
from controltower.policy import Policy, load_policy
from controltower.workflow.action_preview import (
    SHIPPED,
    CaseChange,
    OrderChange,
    Preview,
    first_sentence,
    preview_action,
    subject_words,
)
from helpers.tables import assert_tables_equal

D = date(2026, 11, 25)


def day(n: int) -> date:
    return D + timedelta(days=n)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def base(**rows: Any) -> Dataset:
    """Two warehouses of one company, a lane from A to B, one product and customers."""
    dataset = Dataset(
        warehouses=[Warehouse("WH-A"), Warehouse("WH-B")],
        transfer_lanes=[TransferLane("WH-A", "WH-B", 1)],
        products=[Product("S1", unit_cost=Decimal(2), list_price=Decimal(5))],
        customers=[Customer("CA"), Customer("CB")],
        suppliers=[Supplier("SUP")],
    )
    return dataclasses.replace(dataset, **rows)


def order(order_id: str, customer: str, warehouse: str, promised: date, qty: int) -> list[Any]:
    return [
        SalesOrder(order_id, customer, warehouse, D - timedelta(days=3), promised),
        SalesOrderLine(order_id, 1, "S1", Decimal(qty)),
    ]


def orders(*specs: list[Any]) -> dict[str, list[Any]]:
    return {
        "sales_orders": [spec[0] for spec in specs],
        "sales_order_lines": [line for spec in specs for line in spec[1:]],
    }


def preview(
    dataset: Dataset, policy: Policy, kind: str, **params: Any
) -> tuple[DatasetTables, Preview]:
    tables = tables_from_dataset(dataset)
    planned = plan_action(tables, kind, params, as_of=D, allocation=policy.allocation.to_domain())
    return tables, preview_action(tables, planned, as_of=D, policy=policy)


def by_order(shown: Preview) -> dict[str, OrderChange]:
    return {change.order_id: change for change in shown.orders}


def case_keys(shown: Preview) -> set[tuple[str, str, str]]:
    return {(c.type, c.subject, c.change) for c in shown.cases}


# ------------------------------------------------------------------------- the transfer


def test_a_transfer_that_fixes_one_order_and_starves_another_says_so(policy: Policy) -> None:
    dataset = base(
        stock=[StockLevel("S1", "WH-A", Decimal(10))],
        **orders(order("SO-A", "CA", "WH-A", day(5), 10), order("SO-B", "CB", "WH-B", day(5), 10)),
    )
    tables, shown = preview(
        dataset,
        policy,
        "transfer_stock",
        sku="S1",
        from_warehouse="WH-A",
        to_warehouse="WH-B",
        qty=10,
    )
    changes = by_order(shown)
    assert set(changes) == {"SO-A", "SO-B"}
    assert changes["SO-B"] == OrderChange(
        order_id="SO-B",
        customer="CB",
        warehouse="WH-B",
        before_status="short",
        after_status="dependent_on_inbound",
        before_allocation="none",
        after_allocation="none",
        before_projected=None,
        # arrives after one day in transit, then a day of receipt handling
        after_projected=day(2),
        before_at_risk=True,
        after_at_risk=False,
        effect="fixed",
    )
    starved = changes["SO-A"]
    assert (starved.before_status, starved.after_status) == ("fully_allocated", "short")
    assert (starved.before_at_risk, starved.after_at_risk, starved.effect) == (
        False,
        True,
        "starved",
    )
    assert shown.summary[:2] == (
        "Fixes order SO-B (CB): at risk -> dependent on inbound, projected 2026-11-27.",
        "Starves order SO-A (CA): fully allocated, all from stock, projected 2026-11-25 -> "
        "at risk, short 10 S1 in WH-A.",
    )
    assert {
        ("order_at_risk", "sales_order:SO-B", "clears"),
        ("order_at_risk", "sales_order:SO-A", "opens"),
    } <= case_keys(shown)
    assert any(s.startswith("Opens an order at risk case on order SO-A (") for s in shown.summary)
    assert "Clears the order at risk case on order SO-B." in shown.summary
    # nothing was written: the tables given are as they were
    assert_tables_equal(tables_from_dataset(dataset), tables)


def test_the_preview_is_json_without_the_changed_picture(policy: Policy) -> None:
    dataset = base(
        stock=[StockLevel("S1", "WH-A", Decimal(10))],
        **orders(order("SO-B", "CB", "WH-B", day(5), 10)),
    )
    _, shown = preview(
        dataset,
        policy,
        "transfer_stock",
        sku="S1",
        from_warehouse="WH-A",
        to_warehouse="WH-B",
        qty="2.5",
    )
    document = json.loads(json.dumps(shown.to_json()))
    assert set(document) == {"plan", "orders", "cases", "summary"}
    assert document["plan"]["action_type"] == "transfer_stock"
    assert document["plan"]["facts"]["value"] == "5"
    assert document["plan"]["edits"][0] == {
        "op": "set",
        "table": "stock",
        "key": ["S1", "WH-A"],
        "column": "on_hand",
        "old": "10",
        "new": "7.5",
    }
    # 2.5 of 10 leaves SO-B short, with no date, as it was: its standing does not change
    assert document["orders"] == []
    assert document["summary"] == list(shown.summary)


# ----------------------------------------------------------------------- each action


def test_a_later_promise_fixes_a_late_order(policy: Policy) -> None:
    dataset = base(
        purchase_orders=[PurchaseOrder("PO1", "SUP", "WH-A", D, day(5), confirmed_date=D)],
        purchase_order_lines=[PurchaseOrderLine("PO1", 1, "S1", Decimal(10))],
        **orders(order("SO1", "CA", "WH-A", day(2), 4)),
    )
    _, shown = preview(
        dataset, policy, "change_promised_date", order_id="SO1", promised_date=day(7).isoformat()
    )
    change = by_order(shown)["SO1"]
    assert (change.before_status, change.after_status) == ("dependent_on_inbound",) * 2
    assert (change.before_projected, change.after_projected) == (day(6), day(6))
    assert change.effect == "fixed"
    assert shown.summary[0] == (
        "Fixes order SO1 (CA): at risk -> dependent on inbound, projected 2026-12-01."
    )
    assert ("order_at_risk", "sales_order:SO1", "clears") in case_keys(shown)


def test_releasing_a_credit_hold_lets_the_order_through(policy: Policy) -> None:
    dataset = base(
        customers=[Customer("CA", credit_hold=True), Customer("CB")],
        stock=[StockLevel("S1", "WH-A", Decimal(10))],
        **orders(order("SO1", "CA", "WH-A", day(2), 4)),
    )
    _, shown = preview(dataset, policy, "release_credit_hold", customer="CA", until=day(30))
    change = by_order(shown)["SO1"]
    assert (change.before_status, change.after_status) == ("blocked_by_credit", "fully_allocated")
    assert change.effect == "fixed"
    assert ("credit_hold", "customer:CA", "clears") in case_keys(shown)
    assert "Clears the credit hold case on customer CA." in shown.summary


def test_bypassing_quality_makes_the_held_stock_ship_today(policy: Policy) -> None:
    dataset = base(
        stock=[StockLevel("S1", "WH-A", Decimal(10), quality_hold=Decimal(10))],
        **orders(order("SO1", "CA", "WH-A", D, 4)),
    )
    _, shown = preview(dataset, policy, "bypass_quality", sku="S1", warehouse="WH-A", qty=10)
    change = by_order(shown)["SO1"]
    assert (change.before_status, change.after_status) == ("waiting_on_quality", "fully_allocated")
    assert (change.before_allocation, change.after_allocation) == ("none", "full")
    assert (change.after_projected, change.effect) == (D, "fixed")
    assert ("quality_hold", "sku:S1@WH-A", "clears") in case_keys(shown)


def test_counting_less_stock_starves_the_order_it_served(policy: Policy) -> None:
    dataset = base(
        stock=[StockLevel("S1", "WH-A", Decimal(10))],
        **orders(order("SO1", "CA", "WH-A", day(1), 4), order("SO2", "CB", "WH-A", day(3), 6)),
    )
    _, shown = preview(dataset, policy, "adjust_inventory", sku="S1", warehouse="WH-A", on_hand=5)
    changes = by_order(shown)
    # SO1 is promised first and keeps its stock; SO2 gets what is left, 1 of 6
    assert set(changes) == {"SO2"}
    assert (changes["SO2"].before_allocation, changes["SO2"].after_allocation) == (
        "full",
        "partial",
    )
    assert changes["SO2"].effect == "starved"
    assert shown.summary[0] == (
        "Starves order SO2 (CB): fully allocated, all from stock, projected 2026-11-25 -> "
        "at risk, short 5 S1 in WH-A."
    )


def test_counting_more_stock_where_nothing_waits_changes_nothing(policy: Policy) -> None:
    dataset = base(
        stock=[StockLevel("S1", "WH-A", Decimal(10))],
        **orders(order("SO1", "CA", "WH-A", day(1), 4)),
    )
    _, shown = preview(dataset, policy, "adjust_inventory", sku="S1", warehouse="WH-A", on_hand=12)
    assert shown.orders == ()
    assert shown.cases == ()
    assert shown.summary == ("No order changes.", "No case opens or clears.")


def test_a_split_ships_the_stock_part_and_the_rest_waits(policy: Policy) -> None:
    dataset = base(
        customers=[Customer("CA", accepts_partial=True)],
        stock=[StockLevel("S1", "WH-A", Decimal(3))],
        purchase_orders=[PurchaseOrder("PO1", "SUP", "WH-A", D, day(2), confirmed_date=D)],
        purchase_order_lines=[PurchaseOrderLine("PO1", 1, "S1", Decimal(10))],
        **orders(order("SO1", "CA", "WH-A", day(5), 8)),
    )
    _, shown = preview(dataset, policy, "split_shipment", order_id="SO1")
    change = by_order(shown)["SO1"]
    assert (change.before_allocation, change.after_allocation) == ("partial", "none")
    assert change.effect == "changed"  # less from stock because the stock left with it
    assert shown.summary[0] == (
        "Ships the part of order SO1 (CA) in stock now; the rest: dependent on inbound, "
        "nothing from stock, projected 2026-11-28."
    )
    assert shown.plan.facts.accepts_partial is True


def test_an_order_whose_every_open_line_ships_is_listed_as_shipped(policy: Policy) -> None:
    dataset = base(
        stock=[StockLevel("S1", "WH-A", Decimal(10))],
        **orders(order("SO1", "CA", "WH-A", day(1), 4)),
    )
    tables = tables_from_dataset(dataset)
    planned = plan_action(
        tables,
        "change_promised_date",
        {"order_id": "SO1", "promised_date": day(2).isoformat()},
        as_of=D,
        allocation=policy.allocation.to_domain(),
    )
    shipping = dataclasses.replace(
        planned, edits=(SetField("sales_order_lines", ("SO1", "1"), "qty_shipped", "0", "4"),)
    )
    shown = preview_action(tables, shipping, as_of=D, policy=policy)
    (change,) = shown.orders
    assert (change.after_status, change.after_allocation, change.effect) == (
        SHIPPED,
        SHIPPED,
        "changed",
    )
    assert shown.summary[0] == "Ships order SO1 (CA): every open line leaves now."


def test_authorising_a_return_clears_its_pending_case(policy: Policy) -> None:
    dataset = base(returns=[Return("R1", "CA", "S1", Decimal(2), day(-10))])
    _, shown = preview(dataset, policy, "authorise_return", rma_id="R1")
    assert shown.orders == ()
    assert case_keys(shown) == {("return_pending_approval", "return:R1", "clears")}
    assert shown.summary == (
        "No order changes.",
        "Clears the return pending approval case on return R1.",
    )


def test_a_price_far_off_the_list_opens_a_pricing_case(policy: Policy) -> None:
    dataset = base(
        stock=[StockLevel("S1", "WH-A", Decimal(10))],
        **orders(order("SO1", "CA", "WH-A", day(1), 4)),
    )
    _, shown = preview(dataset, policy, "override_price", order_id="SO1", line=1, price=3)
    assert shown.plan.facts.price_variance_pct == Decimal("-40.00")
    (case,) = shown.cases
    assert (case.type, case.subject, case.change) == (
        "pricing_variance",
        "sales_order_line:SO1/1",
        "opens",
    )
    assert case.title == first_sentence(case.title)
    assert case.title.endswith(".")
    assert (
        shown.summary[1]
        == f"Opens a pricing variance case on line 1 of order SO1 ({case.severity})."
    )


def test_a_plan_made_on_another_picture_is_refused(policy: Policy) -> None:
    dataset = base(
        stock=[StockLevel("S1", "WH-A", Decimal(10))],
        **orders(order("SO1", "CA", "WH-A", day(1), 4)),
    )
    tables = tables_from_dataset(dataset)
    planned: ActionPlan = plan_action(
        tables,
        "adjust_inventory",
        {"sku": "S1", "warehouse": "WH-A", "on_hand": 7},
        as_of=D,
        allocation=policy.allocation.to_domain(),
    )
    recounted = dataclasses.replace(dataset, stock=[StockLevel("S1", "WH-A", Decimal(9))])
    with pytest.raises(DatasetConflictError, match="on_hand is now 9, not 10"):
        preview_action(tables_from_dataset(recounted), planned, as_of=D, policy=policy)


# ------------------------------------------------------------------------------ words


@pytest.mark.parametrize(
    ("subject", "words"),
    [
        ("sales_order:SO1", "order SO1"),
        ("sales_order_line:SO/1/2", "line 2 of order SO/1"),
        ("sku:CBL-1@WH-A", "CBL-1 at WH-A"),
        ("purchase_order:PO7", "purchase order PO7"),
        ("customer:C1", "customer C1"),
        ("customer:C1:order_at_risk", "customer C1 (order at risk)"),
        ("warehouse:WH-A", "warehouse WH-A"),
        ("return:R1", "return R1"),
    ],
)
def test_case_subjects_in_words(subject: str, words: str) -> None:
    assert subject_words(subject) == words


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Order SO1 is 2 days late. Ship it.", "Order SO1 is 2 days late."),
        ("Short 2.5 units of S1. Expedite PO1.", "Short 2.5 units of S1."),
        ("No full stop", "No full stop"),
    ],
)
def test_first_sentence(text: str, first: str) -> None:
    assert first_sentence(text) == first


def test_many_changes_are_counted_past_twelve_sentences(policy: Policy) -> None:
    specs = [order(f"SO{n:02}", "CA", "WH-A", day(1), 1) for n in range(15)]
    dataset = base(
        customers=[Customer("CA", credit_hold=True)],
        stock=[StockLevel("S1", "WH-A", Decimal(20))],
        **orders(*specs),
    )
    _, shown = preview(dataset, policy, "release_credit_hold", customer="CA", until=day(1))
    assert len(shown.orders) == 15
    assert all(isinstance(c, OrderChange) and c.effect == "fixed" for c in shown.orders)
    assert shown.summary[12] == "And 3 more orders change."
    assert all(isinstance(c, CaseChange) for c in shown.cases)
    assert len(shown.cases) > 12  # every order's case clears, and the hold's
    assert shown.summary[-1] == f"And {len(shown.cases) - 12} more cases open or clear."
    assert len(shown.summary) == 12 + 1 + 12 + 1
