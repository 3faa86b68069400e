"""Picture edits: applied to the columns they equal the columns of the edited dataset.

An edit names a row by its business key and a value by its dataset text, so the same
edit can be previewed, stored, executed and checked against the ERP's next picture. The
tests build the expected picture the long way (edit the value objects, then
``tables_from_dataset``) and hold the edited columns equal to it, array for array and
vocabulary for vocabulary, including when an added row names codes the picture did not
hold (every id of that kind moves).
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from controltower.connectors.dataset.columns import FILES
from controltower.demo import generate_business
from controltower.domain.errors import DatasetConflictError
from controltower.domain.model import (
    Customer,
    Dataset,
    Invoice,
    OrderStatus,
    Pick,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Return,
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
    Edit,
    SetField,
    apply_edits,
    cell_text,
    dataset_columns,
    edits_from_json,
    edits_not_shown,
    edits_to_json,
)
from controltower.domain.tables import tables_from_dataset
from helpers.tables import assert_tables_equal, table_differences

D = date(2026, 11, 25)


def small_business() -> Dataset:
    """Codes chosen so that new codes sort between, before and after the ones held."""
    return Dataset(
        warehouses=[Warehouse("WH-B", company="main"), Warehouse("WH-D", company="main")],
        transfer_lanes=[TransferLane("WH-B", "WH-D", 2)],
        products=[Product("P2", unit_cost=Decimal("4"), list_price=Decimal("10"))],
        customers=[Customer("C2", credit_hold=True)],
        suppliers=[Supplier("S2")],
        stock=[StockLevel("P2", "WH-B", Decimal(10), Decimal(2))],
        sales_orders=[SalesOrder("SO2", "C2", "WH-D", D, D)],
        sales_order_lines=[SalesOrderLine("SO2", 1, "P2", Decimal(4), qty_reserved=Decimal(1))],
        purchase_orders=[PurchaseOrder("PO2", "S2", "WH-D", D, D)],
        purchase_order_lines=[PurchaseOrderLine("PO2", 1, "P2", Decimal(3))],
        returns=[Return("R1", "C2", "P2", Decimal(1), D, order_id="SO2")],
        picks=[Pick("PK1", "SO2", "WH-D", datetime(2026, 11, 24, 9, 30))],
    )


def edited(dataset: Dataset, **changes: list[Any]) -> Dataset:
    return dataclasses.replace(dataset, **changes)


# ------------------------------------------------------------------------------- JSON


EDITS: list[Edit] = [
    SetField("sales_orders", ("SO2",), "promised_date", "2026-11-25", "2026-12-01"),
    SetField("sales_order_lines", ("SO2", "1"), "unit_price", None, "12.5"),
    AddRow("suppliers", (("code", "S1"), ("name", None))),
]


def test_edits_survive_a_json_round_trip() -> None:
    data = edits_to_json(EDITS)
    assert data[1] == {
        "op": "set",
        "table": "sales_order_lines",
        "key": ["SO2", "1"],
        "column": "unit_price",
        "old": None,
        "new": "12.5",
    }
    assert data[2] == {
        "op": "add",
        "table": "suppliers",
        "values": [["code", "S1"], ["name", None]],
    }
    assert edits_from_json(data) == EDITS


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"op": "drop", "table": "stock"}, "op must be"),
        ({"op": "set", "table": "stock", "key": "P2", "column": "on_hand"}, "key must be"),
        ({"op": "set", "table": "", "key": ["P2"], "column": "x"}, "table must be"),
        ({"op": "set", "table": "stock", "key": ["P2"], "column": "x", "new": 3}, "new must be"),
        ({"op": "add", "table": "stock", "values": [["sku"]]}, "pairs"),
    ],
)
def test_malformed_json_is_refused_naming_the_edit(data: dict[str, Any], named: str) -> None:
    with pytest.raises(ValueError, match=named) as raised:
        edits_from_json([data])
    assert str(raised.value).startswith("edit 1:")


# ----------------------------------------------------------------------------- applying


def test_a_set_field_equals_the_edited_dataset_and_leaves_its_input_alone() -> None:
    dataset = small_business()
    tables = tables_from_dataset(dataset)
    after = apply_edits(tables, EDITS[:2])
    order, line = dataset.sales_orders[0], dataset.sales_order_lines[0]
    expected = edited(
        dataset,
        sales_orders=[dataclasses.replace(order, promised_date=date(2026, 12, 1))],
        sales_order_lines=[dataclasses.replace(line, unit_price=Decimal("12.5"))],
    )
    assert_tables_equal(tables_from_dataset(expected), after)
    assert_tables_equal(tables_from_dataset(dataset), tables)


def test_added_rows_with_new_codes_renumber_every_id_of_their_kind() -> None:
    dataset = small_business()
    edits: list[Edit] = [
        AddRow("warehouses", (("code", "WH-A"), ("company", "other"))),
        AddRow("warehouses", (("code", "WH-E"),)),
        AddRow("customers", (("code", "C1"), ("tier", "key"), ("credit_limit", "100"))),
        AddRow("products", (("sku", "P1"), ("list_price", "2.25"))),
        AddRow("products", (("sku", "P3"),)),
        AddRow("suppliers", (("code", "S1"), ("name", "First"))),
        AddRow(
            "sales_orders",
            (
                ("order_id", "SO1"),
                ("customer", "C1"),
                ("warehouse", "WH-A"),
                ("order_date", "2026-11-20"),
                ("promised_date", "2026-11-30"),
                ("accepts_partial", "true"),
            ),
        ),
        AddRow(
            "sales_order_lines", (("order_id", "SO1"), ("line", "3"), ("sku", "P1"), ("qty", "5.5"))
        ),
        AddRow("stock", (("sku", "P3"), ("warehouse", "WH-E"), ("on_hand", "7"))),
        AddRow(
            "purchase_orders",
            (
                ("po_id", "PO1"),
                ("supplier", "S1"),
                ("warehouse", "WH-E"),
                ("order_date", "2026-11-25"),
                ("expected_date", "2026-11-27"),
                ("confirmed_date", "2026-11-25"),
            ),
        ),
        AddRow(
            "purchase_order_lines",
            (("po_id", "PO1"), ("line", "1"), ("sku", "P3"), ("qty", "4"), ("qty_received", "0")),
        ),
        AddRow(
            "transfer_lanes",
            (("from_warehouse", "WH-A"), ("to_warehouse", "WH-B"), ("transit_days", "3")),
        ),
        AddRow(
            "returns",
            (
                ("rma_id", "R0"),
                ("customer", "C1"),
                ("sku", "P3"),
                ("qty", "1"),
                ("requested_date", "2026-11-21"),
            ),
        ),
        AddRow(
            "picks",
            (
                ("pick_id", "PK0"),
                ("order_id", "SO1"),
                ("warehouse", "WH-A"),
                ("created_at", "2026-11-24T10:15:00+01:00"),
            ),
        ),
    ]
    after = apply_edits(tables_from_dataset(dataset), edits)
    d = dataset
    expected = edited(
        d,
        warehouses=[*d.warehouses, Warehouse("WH-A", company="other"), Warehouse("WH-E")],
        customers=[*d.customers, Customer("C1", tier=Tier.KEY, credit_limit=Decimal(100))],
        products=[*d.products, Product("P1", list_price=Decimal("2.25")), Product("P3")],
        suppliers=[*d.suppliers, Supplier("S1", name="First")],
        sales_orders=[
            *d.sales_orders,
            SalesOrder(
                "SO1", "C1", "WH-A", date(2026, 11, 20), date(2026, 11, 30), accepts_partial=True
            ),
        ],
        sales_order_lines=[*d.sales_order_lines, SalesOrderLine("SO1", 3, "P1", Decimal("5.5"))],
        stock=[*d.stock, StockLevel("P3", "WH-E", Decimal(7))],
        purchase_orders=[
            *d.purchase_orders,
            PurchaseOrder("PO1", "S1", "WH-E", D, date(2026, 11, 27), confirmed_date=D),
        ],
        purchase_order_lines=[
            *d.purchase_order_lines,
            PurchaseOrderLine("PO1", 1, "P3", Decimal(4)),
        ],
        transfer_lanes=[*d.transfer_lanes, TransferLane("WH-A", "WH-B", 3)],
        returns=[*d.returns, Return("R0", "C1", "P3", Decimal(1), date(2026, 11, 21))],
        picks=[*d.picks, Pick("PK0", "SO1", "WH-A", datetime(2026, 11, 24, 9, 15))],
    )
    assert_tables_equal(tables_from_dataset(expected), after)
    assert after.vocab.warehouses.codes == ("WH-A", "WH-B", "WH-D", "WH-E")


def test_a_code_changed_to_a_new_one_drops_the_old_when_nothing_names_it() -> None:
    dataset = small_business()
    dataset.invoices.clear()
    edits = [
        SetField("sales_orders", ("SO2",), "customer", "C2", "C0"),
        SetField("customers", ("C2",), "code", "C2", "C3"),
        SetField("returns", ("R1",), "customer", "C2", "C0"),
    ]
    after = apply_edits(tables_from_dataset(dataset), edits)
    expected = edited(
        dataset,
        sales_orders=[dataclasses.replace(dataset.sales_orders[0], customer="C0")],
        customers=[dataclasses.replace(dataset.customers[0], code="C3")],
        returns=[dataclasses.replace(dataset.returns[0], customer="C0")],
    )
    assert_tables_equal(tables_from_dataset(expected), after)
    assert after.vocab.customers.codes == ("C0", "C3")


def test_an_optional_code_and_flag_can_be_blanked() -> None:
    dataset = small_business()
    edits = [
        SetField("returns", ("R1",), "order_id", "SO2", None),
        SetField("sales_orders", ("SO2",), "accepts_partial", None, "false"),
        SetField("products", ("P2",), "unit_cost", "4", None),
        SetField("stock", ("P2", "WH-B"), "quality_hold", "2", None),
    ]
    after = apply_edits(tables_from_dataset(dataset), edits)
    expected = edited(
        dataset,
        returns=[dataclasses.replace(dataset.returns[0], order_id=None)],
        sales_orders=[dataclasses.replace(dataset.sales_orders[0], accepts_partial=False)],
        products=[dataclasses.replace(dataset.products[0], unit_cost=None)],
        stock=[dataclasses.replace(dataset.stock[0], quality_hold=Decimal(0))],
    )
    assert table_differences(tables_from_dataset(expected), after) == []


def test_a_key_that_names_no_row_is_refused_naming_the_row() -> None:
    tables = tables_from_dataset(small_business())
    edit = SetField("sales_order_lines", ("SO2", "7"), "qty_shipped", "0", "1")
    with pytest.raises(
        DatasetConflictError, match="sales_order_lines row with order_id SO2, line 7"
    ):
        apply_edits(tables, [edit])
    with pytest.raises(DatasetConflictError, match="order_id SO9"):
        apply_edits(tables, [SetField("sales_orders", ("SO9",), "expedite", "false", "true")])


def test_a_cell_that_no_longer_holds_the_old_value_is_not_overwritten() -> None:
    tables = tables_from_dataset(small_business())
    stale = SetField("stock", ("P2", "WH-B"), "on_hand", "12", "4")
    with pytest.raises(DatasetConflictError, match=r"on_hand is now 10, not 12"):
        apply_edits(tables, [stale])
    # the same value written another way is the same value
    same = SetField("stock", ("P2", "WH-B"), "on_hand", "10.000", "4")
    assert cell_text(apply_edits(tables, [same]), "stock", ("P2", "WH-B"), "on_hand") == "4"


@pytest.mark.parametrize(
    ("edit", "error", "named"),
    [
        (AddRow("suppliers", (("code", "S2"),)), DatasetConflictError, "exists already"),
        (
            AddRow("stock", (("sku", "P2"), ("warehouse", "WH-D"))),
            DatasetConflictError,
            "stock.on_hand cannot be blank",
        ),
        (
            AddRow("stock", (("sku", "P2"), ("warehouse", "WH-D"), ("bin", "7"))),
            DatasetConflictError,
            "stock has no column 'bin'",
        ),
        (
            SetField("stock", ("P2", "WH-B"), "on_hand", "10", "ten"),
            DatasetConflictError,
            "'ten' is not a value",
        ),
        (
            SetField("stock", ("P2", "WH-B"), "on_hand", "10", "-1"),
            DatasetConflictError,
            "'-1' is not a value",
        ),
        (
            SetField("sales_orders", ("SO2",), "status", "open", "shipped"),
            DatasetConflictError,
            "not one of open, done, cancelled",
        ),
        (
            SetField("stock", ("P2", "WH-B"), "on_hand", "10", "0.0000001"),
            DatasetConflictError,
            "stock.on_hand: '0.0000001' is not a value of the column \\(beyond six decimals",
        ),
        (SetField("stock", ("P2",), "on_hand", "10", "1"), DatasetConflictError, "has 2 parts"),
        (SetField("pallets", ("P2",), "qty", "1", "2"), DatasetConflictError, "no table"),
    ],
)
def test_a_value_the_column_cannot_hold_is_refused(
    edit: Edit, error: type[Exception], named: str
) -> None:
    with pytest.raises(error, match=named):
        apply_edits(tables_from_dataset(small_business()), [edit])


def test_a_signed_amount_may_be_negative() -> None:
    dataset = small_business()
    dataset.invoices.append(Invoice("INV1", "C2", D, Decimal(5)))
    after = apply_edits(
        tables_from_dataset(dataset),
        [SetField("invoices", ("INV1",), "amount_residual", "5", "-20.5")],
    )
    assert cell_text(after, "invoices", ("INV1",), "amount_residual") == "-20.5"


# ------------------------------------------------------------------- what the ERP shows


def test_edits_not_shown_lists_what_a_picture_does_not_hold() -> None:
    dataset = small_business()
    tables = tables_from_dataset(dataset)
    edits: list[Edit] = [
        SetField("stock", ("P2", "WH-B"), "on_hand", "10", "6"),
        SetField("customers", ("C2",), "credit_hold", "true", "false"),
        AddRow("suppliers", (("code", "S9"), ("name", "Nine"))),
    ]
    assert edits_not_shown(tables, edits) == edits
    assert edits_not_shown(apply_edits(tables, edits), edits) == []
    # the ERP took the stock count and the supplier, but kept the hold
    erp = edited(
        dataset,
        stock=[dataclasses.replace(dataset.stock[0], on_hand=Decimal(6))],
        suppliers=[*dataset.suppliers, Supplier("S9", name="Nine")],
    )
    assert edits_not_shown(tables_from_dataset(erp), edits) == [edits[1]]
    # an added row with another value than the one written is not shown either
    renamed = edited(erp, suppliers=[*dataset.suppliers, Supplier("S9", name="Other")])
    assert edits[2] in edits_not_shown(tables_from_dataset(renamed), edits)


def test_only_the_last_edit_of_a_cell_must_show() -> None:
    tables = tables_from_dataset(small_business())
    first = SetField("stock", ("P2", "WH-B"), "on_hand", "10", "6")
    second = SetField("stock", ("P2", "WH-B"), "on_hand", "6", "5")
    after = apply_edits(tables, [first, second])
    assert cell_text(after, "stock", ("P2", "WH-B"), "on_hand") == "5"
    assert edits_not_shown(after, [first, second]) == []


def test_an_edit_of_a_row_the_picture_lost_is_not_shown() -> None:
    tables = tables_from_dataset(small_business())
    gone = SetField("sales_orders", ("SO9",), "promised_date", "2026-11-25", "2026-11-30")
    assert edits_not_shown(tables, [gone]) == [gone]


# ------------------------------------------------------ every column, as the format says


def test_every_column_of_the_format_reads_back_as_the_value_the_row_holds() -> None:
    """``cell_text`` of every column of a few rows of every file parses (with the dataset
    format's own parser) back to the value object's value: the edits speak the format."""
    dataset = generate_business("small", seed=3, as_of=D)
    tables = tables_from_dataset(dataset)
    for spec in FILES:
        table = spec.entity
        assert dataset_columns(table) == tuple(column.name for column in spec.columns)
        rows = getattr(dataset, table)
        assert rows, f"the demo has no {table}"
        for row in rows[:3] + rows[-2:]:
            key = tuple(str(getattr(row, name)) for name in spec.key)
            for column in spec.columns:
                text = cell_text(tables, table, key, column.name)
                value = getattr(row, column.name)
                if isinstance(value, datetime):
                    value = value.replace(microsecond=0)
                read = None if text is None else column.type.parse(text)
                assert read == value, (table, key, column.name, text)


def test_a_no_op_set_field_leaves_the_demo_picture_equal() -> None:
    dataset = generate_business("small", seed=3, as_of=D)
    tables = tables_from_dataset(dataset)
    line = dataset.sales_order_lines[17]
    key = (line.order_id, str(line.line))
    text = cell_text(tables, "sales_order_lines", key, "qty")
    after = apply_edits(tables, [SetField("sales_order_lines", key, "qty", text, text)])
    assert_tables_equal(tables, after)
    assert after.sales_order_lines.qty is not tables.sales_order_lines.qty


def test_added_rows_on_the_demo_equal_the_demo_edited() -> None:
    dataset = generate_business("small", seed=3, as_of=D)
    open_order = next(o for o in dataset.sales_orders if o.status is OrderStatus.OPEN)
    sku = dataset.products[-1].sku
    edits: list[Edit] = [
        AddRow("customers", (("code", "A-NEW"), ("name", "New customer"))),
        AddRow(
            "sales_orders",
            (
                ("order_id", "0-NEW"),
                ("customer", "A-NEW"),
                ("warehouse", open_order.warehouse),
                ("order_date", "2026-11-24"),
                ("promised_date", "2026-11-26"),
            ),
        ),
        AddRow(
            "sales_order_lines",
            (
                ("order_id", "0-NEW"),
                ("line", "1"),
                ("sku", sku),
                ("qty", "2"),
                ("unit_price", "3.5"),
            ),
        ),
    ]
    after = apply_edits(tables_from_dataset(dataset), edits)
    expected = edited(
        dataset,
        customers=[*dataset.customers, Customer("A-NEW", name="New customer")],
        sales_orders=[
            *dataset.sales_orders,
            SalesOrder(
                "0-NEW", "A-NEW", open_order.warehouse, date(2026, 11, 24), date(2026, 11, 26)
            ),
        ],
        sales_order_lines=[
            *dataset.sales_order_lines,
            SalesOrderLine("0-NEW", 1, sku, Decimal(2), unit_price=Decimal("3.5")),
        ],
    )
    assert_tables_equal(tables_from_dataset(expected), after)
    ids = after.sales_orders.order
    assert int(np.max(ids)) == len(after.vocab.orders) - 1
