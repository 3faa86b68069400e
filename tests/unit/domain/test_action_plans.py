"""Planning each governed action: its parameters checked, its edits, facts and scope.

One small hand-built business carries every case: an order partly in stock (a split
ships its stock part), a transfer lane within a company and one across two, a customer
on hold with an open order and one without, lines with and without their own or a list
price, returns with and without an order, held stock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from controltower.domain.action_plans import ActionPlan, plain, plan_action
from controltower.domain.actions import ActionParamError, ActionType
from controltower.domain.analysis import AllocationPolicy
from controltower.domain.model import (
    Customer,
    Dataset,
    OrderStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Return,
    ReturnStatus,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    Supplier,
    Tier,
    TransferLane,
    Warehouse,
)
from controltower.domain.picture_edits import (
    AddRow,
    SetField,
    apply_edits,
    edits_from_json,
    edits_not_shown,
)
from controltower.domain.tables import DatasetTables, tables_from_dataset

D = date(2026, 11, 25)
ALLOCATION = AllocationPolicy()


def business() -> Dataset:
    return Dataset(
        warehouses=[
            Warehouse("WH-A", company="main"),
            Warehouse("WH-B", company="main"),
            Warehouse("WH-X", company="east"),
        ],
        transfer_lanes=[TransferLane("WH-A", "WH-B", 2), TransferLane("WH-A", "WH-X", 1)],
        products=[
            Product("CBL-1", unit_cost=Decimal(4), list_price=Decimal(10)),
            Product("LMP-2"),
        ],
        customers=[
            Customer("C1", tier=Tier.STRATEGIC, credit_hold=True, accepts_partial=True),
            Customer("C2", tier=Tier.KEY),
            Customer("C3"),
            Customer("C4", credit_hold=True),
        ],
        suppliers=[Supplier("SUP")],
        stock=[
            StockLevel("CBL-1", "WH-A", Decimal(10), Decimal(2)),
            StockLevel("LMP-2", "WH-A", Decimal(5)),
            StockLevel("CBL-1", "WH-B", Decimal(4), Decimal(4)),
        ],
        sales_orders=[
            SalesOrder("SO1", "C2", "WH-A", date(2026, 11, 20), date(2026, 11, 28)),
            SalesOrder(
                "SO2", "C1", "WH-B", date(2026, 11, 21), date(2026, 11, 27), accepts_partial=False
            ),
            SalesOrder("SO3", "C3", "WH-A", D, D, status=OrderStatus.DONE),
            SalesOrder("SO4", "C3", "WH-A", date(2026, 11, 22), date(2026, 11, 30)),
        ],
        sales_order_lines=[
            SalesOrderLine(
                "SO1", 1, "CBL-1", Decimal(6), qty_reserved=Decimal(2), unit_price=Decimal(12)
            ),
            SalesOrderLine("SO1", 2, "LMP-2", Decimal(20)),
            SalesOrderLine("SO2", 1, "CBL-1", Decimal(3), list_price=Decimal(15)),
            SalesOrderLine("SO3", 1, "CBL-1", Decimal(1)),
            SalesOrderLine("SO4", 1, "CBL-1", Decimal(2), qty_shipped=Decimal(2)),
            SalesOrderLine("SO4", 2, "CBL-1", Decimal(1)),
        ],
        purchase_orders=[
            PurchaseOrder("PO1", "SUP", "WH-A", date(2026, 11, 10), date(2026, 12, 1))
        ],
        purchase_order_lines=[PurchaseOrderLine("PO1", 1, "LMP-2", Decimal(30))],
        returns=[
            Return("R1", "C2", "CBL-1", Decimal(2), D, order_id="SO1"),
            Return("R2", "C3", "LMP-2", Decimal(1), D),
            Return("R3", "C2", "CBL-1", Decimal(1), D, status=ReturnStatus.APPROVED),
        ],
    )


@pytest.fixture(scope="module")
def tables() -> DatasetTables:
    return tables_from_dataset(business())


def plan(tables: DatasetTables, kind: str, **params: Any) -> ActionPlan:
    return plan_action(tables, kind, params, as_of=D, allocation=ALLOCATION)


def refused(tables: DatasetTables, kind: str, params: Mapping[str, Any]) -> ActionParamError:
    with pytest.raises(ActionParamError) as raised:
        plan_action(tables, kind, params, as_of=D, allocation=ALLOCATION)
    return raised.value


def assert_applies(tables: DatasetTables, planned: ActionPlan) -> None:
    """The plan's edits fit the picture, survive JSON and show once applied."""
    json.dumps(planned.to_json())
    assert tuple(edits_from_json(planned.to_json()["edits"])) == planned.edits
    after = apply_edits(tables, planned.edits)
    assert edits_not_shown(after, planned.edits) == []
    assert edits_not_shown(tables, planned.edits) == list(planned.edits)


# ------------------------------------------------------------------------------ common


def test_an_unknown_action_names_the_type(tables: DatasetTables) -> None:
    error = refused(tables, "teleport_stock", {})
    assert error.field == "type"
    assert "change_promised_date" in str(error)


def test_an_unknown_parameter_is_named(tables: DatasetTables) -> None:
    error = refused(tables, "authorise_return", {"rma_id": "R1", "note": "x"})
    assert error.field == "note"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "is required"),
        ("  ", "is required"),
        (12, "must be a text"),
    ],
)
def test_a_missing_or_ill_typed_code_is_named(
    tables: DatasetTables, value: Any, message: str
) -> None:
    error = refused(tables, "authorise_return", {"rma_id": value})
    assert (error.field, str(error)) == ("rma_id", f"rma_id: {message}")


# ------------------------------------------------------------------ change_promised_date


def test_change_promised_date(tables: DatasetTables) -> None:
    planned = plan(tables, "change_promised_date", order_id=" SO1 ", promised_date="2026-12-05")
    assert planned.action_type is ActionType.CHANGE_PROMISED_DATE
    assert planned.params == {"order_id": "SO1", "promised_date": "2026-12-05"}
    assert planned.edits == (
        SetField("sales_orders", ("SO1",), "promised_date", "2026-11-28", "2026-12-05"),
    )
    assert (planned.company, planned.warehouse) == ("main", "WH-A")
    assert (planned.subject, planned.subject_link) == ("order SO1", "/orders/SO1")
    # open value: 6 x 12 on line 1; line 2 has no price of its own and no list price
    assert planned.facts.value == Decimal(72)
    assert planned.facts.customer_tier == "key"
    assert planned.erp_operation == "write_promised_date"
    assert planned.erp_payload == {"order_id": "SO1", "promised_date": "2026-12-05"}
    assert_applies(tables, planned)
    assert (
        plan(tables, "change_promised_date", order_id="SO1", promised_date=date(2026, 12, 5))
        == planned
    )


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"promised_date": "2026-12-05"}, "order_id", "is required"),
        ({"order_id": "SO3", "promised_date": "2026-12-05"}, "order_id", "no open order 'SO3'"),
        ({"order_id": "SO9", "promised_date": "2026-12-05"}, "order_id", "no open order 'SO9'"),
        ({"order_id": "SO1"}, "promised_date", "is required"),
        ({"order_id": "SO1", "promised_date": "05/12/2026"}, "promised_date", "not a date"),
        ({"order_id": "SO1", "promised_date": "2026-02-30"}, "promised_date", "not a date"),
        ({"order_id": "SO1", "promised_date": "9999-12-31"}, "promised_date", "outside"),
        ({"order_id": "SO1", "promised_date": "2026-11-19"}, "promised_date",
         "2026-11-19 is before the order date 2026-11-20 of SO1"),
        ({"order_id": "SO1", "promised_date": "2026-11-28"}, "promised_date",
         "order SO1 is already promised 2026-11-28"),
    ],
)  # fmt: skip
def test_change_promised_date_refusals(
    tables: DatasetTables, params: dict[str, Any], field: str, message: str
) -> None:
    error = refused(tables, "change_promised_date", params)
    assert error.field == field
    assert message in str(error)


def test_an_odd_order_id_links_to_its_page_encoded() -> None:
    dataset = business()
    dataset.sales_orders.append(SalesOrder("SO/9 #1", "C2", "WH-A", D, D))
    dataset.sales_orders.append(SalesOrder("..", "C2", "WH-A", D, D))
    odd = tables_from_dataset(dataset)
    assert (
        plan(
            odd, "change_promised_date", order_id="SO/9 #1", promised_date="2026-12-01"
        ).subject_link
        == "/orders/SO%2F9%20%231"
    )
    assert (
        plan(odd, "change_promised_date", order_id="..", promised_date="2026-12-01").subject_link
        == "/orders/?id=.."
    )


# ----------------------------------------------------------------------- split_shipment


def test_split_shipment_ships_what_is_pegged_to_stock(tables: DatasetTables) -> None:
    planned = plan(tables, "split_shipment", order_id="SO1")
    # line 1: 6 from stock (2 reserved, 4 free); line 2: 5 of 20 from stock, 15 inbound
    assert planned.edits == (
        SetField("sales_order_lines", ("SO1", "1"), "qty_shipped", "0", "6"),
        SetField("sales_order_lines", ("SO1", "1"), "qty_reserved", "2", "0"),
        SetField("sales_order_lines", ("SO1", "2"), "qty_shipped", "0", "5"),
        SetField("stock", ("CBL-1", "WH-A"), "on_hand", "10", "4"),
        SetField("stock", ("LMP-2", "WH-A"), "on_hand", "5", "0"),
    )
    assert planned.facts.value == Decimal(72)
    assert planned.facts.quantity == Decimal(11)
    # the order says nothing; its customer C2 does not accept partial shipments
    assert planned.facts.accepts_partial is False
    assert planned.facts.customer_tier == "key"
    assert planned.erp_operation == "ship_partial"
    assert planned.erp_payload == {
        "order_id": "SO1",
        "warehouse": "WH-A",
        "lines": [
            {"line": "1", "sku": "CBL-1", "qty": "6"},
            {"line": "2", "sku": "LMP-2", "qty": "5"},
        ],
    }
    assert_applies(tables, planned)


def test_split_shipment_reads_the_orders_own_partial_flag_first() -> None:
    dataset = business()
    dataset.sales_orders[0] = SalesOrder(
        "SO1", "C2", "WH-A", date(2026, 11, 20), date(2026, 11, 28), accepts_partial=True
    )
    planned = plan(tables_from_dataset(dataset), "split_shipment", order_id="SO1")
    assert planned.facts.accepts_partial is True


@pytest.mark.parametrize(
    ("order_id", "message"),
    [
        ("SO2", "nothing of order SO2 is in stock to ship now"),
        ("SO4", "order SO4 is wholly in stock: ship it whole"),
        ("SO3", "no open order 'SO3'"),
    ],
)
def test_split_shipment_refusals(tables: DatasetTables, order_id: str, message: str) -> None:
    error = refused(tables, "split_shipment", {"order_id": order_id})
    assert error.field == "order_id"
    assert message in str(error)


# ----------------------------------------------------------------------- transfer_stock


def test_transfer_stock_arrives_as_an_inbound_purchase_order(tables: DatasetTables) -> None:
    planned = plan(
        tables, "transfer_stock", sku="CBL-1", from_warehouse="WH-A", to_warehouse="WH-B", qty=5
    )
    po_id = "TR-WH-A-WH-B-20261125-1"
    assert planned.edits == (
        SetField("stock", ("CBL-1", "WH-A"), "on_hand", "10", "5"),
        AddRow("suppliers", (("code", "TRANSFER-WH-A"), ("name", "Transfer from WH-A"))),
        AddRow(
            "purchase_orders",
            (
                ("po_id", po_id),
                ("supplier", "TRANSFER-WH-A"),
                ("warehouse", "WH-B"),
                ("order_date", "2026-11-25"),
                ("expected_date", "2026-11-27"),
                ("confirmed_date", "2026-11-25"),
                ("status", "open"),
            ),
        ),
        AddRow(
            "purchase_order_lines",
            (
                ("po_id", po_id),
                ("line", "1"),
                ("sku", "CBL-1"),
                ("qty", "5"),
                ("qty_received", "0"),
            ),
        ),
    )
    assert planned.params == {
        "sku": "CBL-1",
        "from_warehouse": "WH-A",
        "to_warehouse": "WH-B",
        "qty": "5",
    }
    assert (planned.company, planned.warehouse) == ("main", "WH-A")
    assert (planned.subject, planned.subject_link) == (
        "SKU CBL-1 from WH-A to WH-B",
        "/products/CBL-1",
    )
    assert planned.facts.value == Decimal(20)  # 5 x unit cost 4
    assert planned.facts.quantity == Decimal(5)
    assert planned.facts.customer_tier is None
    assert planned.erp_payload["po_id"] == po_id
    assert planned.erp_payload["expected_date"] == "2026-11-27"
    assert_applies(tables, planned)


def test_a_second_transfer_takes_the_next_number_and_the_existing_supplier(
    tables: DatasetTables,
) -> None:
    first = plan(
        tables, "transfer_stock", sku="CBL-1", from_warehouse="WH-A", to_warehouse="WH-B", qty=1
    )
    after = apply_edits(tables, first.edits)
    second = plan(
        after, "transfer_stock", sku="CBL-1", from_warehouse="WH-A", to_warehouse="WH-B", qty="2.5"
    )
    assert second.erp_payload["po_id"] == "TR-WH-A-WH-B-20261125-2"
    assert [type(e).__name__ for e in second.edits] == ["SetField", "AddRow", "AddRow"]
    assert second.edits[0] == SetField("stock", ("CBL-1", "WH-A"), "on_hand", "9", "6.5")
    assert_applies(after, second)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sku": "NOPE"}, "sku", "no product 'NOPE'"),
        ({"from_warehouse": "WH-Z"}, "from_warehouse", "no warehouse 'WH-Z'"),
        ({"to_warehouse": "WH-A"}, "to_warehouse", "from WH-A to itself"),
        ({"from_warehouse": "WH-B", "to_warehouse": "WH-A"}, "to_warehouse",
         "no transfer lane from WH-B to WH-A"),
        ({"to_warehouse": "WH-X"}, "to_warehouse", "WH-X belongs to company east, WH-A to main"),
        ({"qty": 0}, "qty", "must be more than 0"),
        ({"qty": "-1"}, "qty", "-1 is negative"),
        ({"qty": "lots"}, "qty", "'lots' is not a number"),
        ({"qty": True}, "qty", "True is not a number"),
        ({"qty": "0.0000001"}, "qty", "more than six decimals"),
        ({"qty": "NaN"}, "qty", "is not a number"),
        ({"qty": 9}, "qty",
         "only 8 CBL-1 is physical stock in WH-A (on hand 10, 2 held by quality)"),
    ],
)  # fmt: skip
def test_transfer_stock_refusals(
    tables: DatasetTables, changes: dict[str, Any], field: str, message: str
) -> None:
    params = {"sku": "CBL-1", "from_warehouse": "WH-A", "to_warehouse": "WH-B", "qty": 5}
    error = refused(tables, "transfer_stock", params | changes)
    assert error.field == field
    assert message in str(error)


# ------------------------------------------------------------------ release_credit_hold


def test_release_credit_hold(tables: DatasetTables) -> None:
    planned = plan(tables, "release_credit_hold", customer="C1", until="2026-12-31")
    assert planned.edits == (SetField("customers", ("C1",), "credit_hold", "true", "false"),)
    # filed under the company of its open order's warehouse, at no warehouse
    assert (planned.company, planned.warehouse) == ("main", None)
    assert (planned.subject, planned.subject_link) == ("customer C1", "/customers/C1")
    assert planned.facts.value == Decimal(30)  # SO2: 3 x the list price 10
    assert planned.facts.customer_tier == "strategic"
    assert planned.erp_payload == {"customer": "C1", "until": "2026-12-31"}
    assert_applies(tables, planned)


def test_a_customer_without_open_orders_is_filed_under_the_first_company(
    tables: DatasetTables,
) -> None:
    planned = plan(tables, "release_credit_hold", customer="C4", until="2026-11-25")
    assert planned.company == "east"
    assert planned.facts.value == 0


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"customer": "C2", "until": "2026-12-31"}, "customer", "C2 is not on credit hold"),
        ({"customer": "C9", "until": "2026-12-31"}, "customer", "no customer 'C9'"),
        ({"customer": "C1", "until": "2026-11-24"}, "until",
         "2026-11-24 is before the as-of date 2026-11-25"),
        ({"customer": "C1"}, "until", "is required"),
    ],
)  # fmt: skip
def test_release_credit_hold_refusals(
    tables: DatasetTables, params: dict[str, Any], field: str, message: str
) -> None:
    error = refused(tables, "release_credit_hold", params)
    assert error.field == field
    assert message in str(error)


# ------------------------------------------------------------------------ override_price


def test_override_price_of_a_line_with_its_own_price(tables: DatasetTables) -> None:
    planned = plan(tables, "override_price", order_id="SO1", line="1", price="10.50")
    assert planned.params == {"order_id": "SO1", "line": 1, "price": "10.5"}
    assert planned.edits == (
        SetField("sales_order_lines", ("SO1", "1"), "unit_price", "12", "10.5"),
    )
    assert planned.subject == "line 1 of order SO1"
    assert planned.facts.value == Decimal(9)  # |10.5 - 12| x 6 open
    assert planned.facts.price_variance_pct == Decimal("5.00")  # against the product's 10
    assert planned.facts.quantity == Decimal(6)
    assert planned.erp_payload == {
        "order_id": "SO1",
        "line": 1,
        "sku": "CBL-1",
        "unit_price": "10.5",
    }
    assert_applies(tables, planned)


def test_override_price_of_a_line_priced_by_the_list(tables: DatasetTables) -> None:
    planned = plan(tables, "override_price", order_id="SO2", line=1, price=12)
    assert planned.edits == (SetField("sales_order_lines", ("SO2", "1"), "unit_price", None, "12"),)
    assert planned.facts.value == Decimal(6)  # |12 - 10| x 3
    assert planned.facts.price_variance_pct == Decimal("-20.00")  # the line's own list 15
    assert planned.facts.customer_tier == "strategic"


def test_override_price_without_a_list_price_has_no_variance(tables: DatasetTables) -> None:
    planned = plan(tables, "override_price", order_id="SO1", line=2, price=Decimal("3.333"))
    assert planned.facts.price_variance_pct is None
    assert planned.facts.value == Decimal("66.66")  # 3.333 x 20, from a price of 0


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"order_id": "SO1", "line": 9, "price": 1}, "line", "order SO1 has no line 9"),
        ({"order_id": "SO4", "line": 1, "price": 1}, "line", "line 1 of order SO4 is shipped in full"),
        ({"order_id": "SO1", "line": "one", "price": 1}, "line", "is not a whole number"),
        ({"order_id": "SO1", "line": 0, "price": 1}, "line", "is not a whole number"),
        ({"order_id": "SO1", "line": 1, "price": "12.000"}, "price",
         "line 1 of order SO1 is already priced 12"),
        ({"order_id": "SO1", "line": 1, "price": -1}, "price", "-1 is negative"),
        ({"order_id": "SO1", "line": 1}, "price", "is required"),
    ],
)  # fmt: skip
def test_override_price_refusals(
    tables: DatasetTables, params: dict[str, Any], field: str, message: str
) -> None:
    error = refused(tables, "override_price", params)
    assert error.field == field
    assert message in str(error)


# ---------------------------------------------------------------------- authorise_return


def test_authorise_a_return_of_an_order(tables: DatasetTables) -> None:
    planned = plan(tables, "authorise_return", rma_id="R1")
    assert planned.edits == (SetField("returns", ("R1",), "status", "requested", "approved"),)
    assert (planned.company, planned.warehouse) == ("main", "WH-A")
    assert (planned.subject, planned.subject_link) == ("return R1 of customer C2", "/orders/SO1")
    assert planned.facts.value == Decimal(24)  # 2 x SO1's CBL-1 price 12
    assert planned.facts.quantity == Decimal(2)
    assert planned.facts.customer_tier == "key"
    assert planned.erp_payload == {"rma_id": "R1", "status": "approved"}
    assert_applies(tables, planned)


def test_authorise_a_return_of_no_order(tables: DatasetTables) -> None:
    planned = plan(tables, "authorise_return", rma_id="R2")
    assert (planned.company, planned.warehouse) == ("main", None)
    assert planned.subject_link == "/customers/C3"
    assert planned.facts.value == 0  # LMP-2 has no list price


@pytest.mark.parametrize(
    ("rma_id", "message"),
    [("R3", "return R3 is approved; only a requested return"), ("R9", "no return 'R9'")],
)
def test_authorise_return_refusals(tables: DatasetTables, rma_id: str, message: str) -> None:
    error = refused(tables, "authorise_return", {"rma_id": rma_id})
    assert error.field == "rma_id"
    assert message in str(error)


# ---------------------------------------------------------------------- adjust_inventory


def test_adjust_inventory_of_a_stocked_pool(tables: DatasetTables) -> None:
    planned = plan(tables, "adjust_inventory", sku="CBL-1", warehouse="WH-A", on_hand="7")
    assert planned.edits == (SetField("stock", ("CBL-1", "WH-A"), "on_hand", "10", "7"),)
    assert (planned.subject, planned.subject_link) == ("SKU CBL-1 at WH-A", "/products/CBL-1")
    assert planned.facts.value == Decimal(12)  # |7 - 10| x 4
    assert planned.facts.quantity == Decimal(3)
    assert planned.erp_operation == "set_stock_quantity"
    assert planned.erp_payload == {"sku": "CBL-1", "warehouse": "WH-A", "on_hand": "7"}
    assert_applies(tables, planned)


def test_adjust_inventory_of_a_pool_without_stock_adds_its_row(tables: DatasetTables) -> None:
    planned = plan(tables, "adjust_inventory", sku="LMP-2", warehouse="WH-B", on_hand=4)
    assert planned.edits == (
        AddRow(
            "stock",
            (("sku", "LMP-2"), ("warehouse", "WH-B"), ("on_hand", "4"), ("quality_hold", "0")),
        ),
    )
    assert planned.facts.value == 0  # no unit cost
    assert_applies(tables, planned)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"sku": "CBL-1", "warehouse": "WH-A", "on_hand": 1}, "on_hand",
         "1 is less than the 2 CBL-1 held by quality in WH-A"),
        ({"sku": "CBL-1", "warehouse": "WH-A", "on_hand": "10.0"}, "on_hand",
         "WH-A holds 10 CBL-1 already"),
        ({"sku": "LMP-2", "warehouse": "WH-B", "on_hand": 0}, "on_hand", "WH-B holds 0 LMP-2 already"),
        ({"sku": "CBL-1", "warehouse": "WH-9", "on_hand": 1}, "warehouse", "no warehouse 'WH-9'"),
    ],
)  # fmt: skip
def test_adjust_inventory_refusals(
    tables: DatasetTables, params: dict[str, Any], field: str, message: str
) -> None:
    error = refused(tables, "adjust_inventory", params)
    assert error.field == field
    assert message in str(error)


# ------------------------------------------------------------------------ bypass_quality


def test_bypass_quality_makes_held_stock_physical(tables: DatasetTables) -> None:
    planned = plan(tables, "bypass_quality", sku="CBL-1", warehouse="WH-B", qty=3)
    assert planned.edits == (SetField("stock", ("CBL-1", "WH-B"), "quality_hold", "4", "1"),)
    assert (planned.company, planned.warehouse) == ("main", "WH-B")
    assert planned.facts.value == Decimal(12)
    assert planned.facts.quantity == Decimal(3)
    assert planned.erp_operation == "release_quality_hold"
    assert planned.erp_payload == {
        "sku": "CBL-1",
        "warehouse": "WH-B",
        "qty": "3",
        "quality_hold": "1",
    }
    assert_applies(tables, planned)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"sku": "CBL-1", "warehouse": "WH-B", "qty": 5}, "qty",
         "only 4 CBL-1 is held by quality in WH-B"),
        ({"sku": "CBL-1", "warehouse": "WH-B", "qty": 0}, "qty", "must be more than 0"),
        ({"sku": "LMP-2", "warehouse": "WH-A", "qty": 1}, "warehouse",
         "no LMP-2 is held by quality in WH-A"),
        ({"sku": "XX", "warehouse": "WH-A", "qty": 1}, "sku", "no product 'XX'"),
    ],
)  # fmt: skip
def test_bypass_quality_refusals(
    tables: DatasetTables, params: dict[str, Any], field: str, message: str
) -> None:
    error = refused(tables, "bypass_quality", params)
    assert error.field == field
    assert message in str(error)


# ------------------------------------------------------------------------------ numbers


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("12.500"), "12.5"),
        (Decimal("1E+2"), "100"),
        (Decimal("0.000"), "0"),
        (Decimal(-3), "-3"),
    ],
)
def test_plain_decimal_text(value: Decimal, text: str) -> None:
    assert plain(value) == text
