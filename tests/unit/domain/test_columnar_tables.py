"""The kernel's picture built from the dataset's columns equals the one built from rows.

``picture_from_tables`` (whole-array operations on ``DatasetTables``) must give exactly
the ``ColumnarPicture`` that ``to_columns`` (one value object at a time) gives: every
array with the same dtype and values, every code table the same, and the same refusals
with the same messages. Checked on generated businesses of several seeds, dates and
sizes, on random small pictures that repeat codes (where the last row wins), and on
hand-made pictures that must be refused.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controltower.demo import generate_business
from controltower.demo.sizes import size_for_open_lines, size_named
from controltower.domain.analysis import AllocationPolicy
from controltower.domain.columnar import ColumnarPicture, ColumnarPrecisionError, to_columns
from controltower.domain.columnar_tables import picture_from_tables
from controltower.domain.errors import DatasetConflictError
from controltower.domain.model import (
    Customer,
    Dataset,
    Invoice,
    OrderStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    Supplier,
    Tier,
    TransferLane,
    Warehouse,
)
from controltower.domain.tables import tables_from_dataset

D = date(2026, 11, 25)
POLICY = AllocationPolicy()


def differences(expected: ColumnarPicture, actual: ColumnarPicture) -> list[str]:
    """The fields of two pictures that differ (arrays by dtype and values)."""
    found = []
    for field in dataclasses.fields(ColumnarPicture):
        want, got = getattr(expected, field.name), getattr(actual, field.name)
        if isinstance(want, np.ndarray):
            same = want.dtype == got.dtype and np.array_equal(want, got)
        else:
            same = want == got
        if not same:
            found.append(f"{field.name}: expected {want!r}, got {got!r}")
    return found


def assert_same_picture(
    dataset: Dataset, as_of: date = D, policy: AllocationPolicy = POLICY
) -> None:
    expected = to_columns(dataset, as_of, policy)
    actual = picture_from_tables(tables_from_dataset(dataset), as_of, policy)
    problems = differences(expected, actual)
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------ generated businesses


@pytest.mark.parametrize(
    ("seed", "as_of"),
    [(7, D), (1, date(2026, 11, 23)), (2, date(2026, 11, 28)), (5, date(2027, 2, 1))],
)
def test_the_picture_of_a_small_generated_business_is_the_one_rows_give(
    seed: int, as_of: date
) -> None:
    dataset = generate_business(size_named("small"), seed=seed, as_of=as_of)
    assert_same_picture(dataset, as_of)


def test_the_picture_of_a_business_read_on_a_later_day_is_the_one_rows_give() -> None:
    dataset = generate_business(size_named("small"), seed=4, as_of=D)
    assert_same_picture(
        dataset,
        D + timedelta(days=9),
        AllocationPolicy(quality_release_days=0, receipt_handling_days=3),
    )


def test_the_picture_of_a_medium_generated_business_is_the_one_rows_give() -> None:
    dataset = generate_business(size_for_open_lines(5_000), seed=3, as_of=D)
    assert_same_picture(dataset)


def test_the_picture_does_not_depend_on_the_row_order() -> None:
    dataset = generate_business(size_named("small"), seed=9, as_of=D)
    shuffled = dataclasses.replace(
        dataset,
        sales_order_lines=list(reversed(dataset.sales_order_lines)),
        purchase_order_lines=list(reversed(dataset.purchase_order_lines)),
        sales_orders=list(reversed(dataset.sales_orders)),
        stock=list(reversed(dataset.stock)),
        invoices=list(reversed(dataset.invoices)),
        transfer_lanes=list(reversed(dataset.transfer_lanes)),
    )
    assert_same_picture(shuffled)
    expected = to_columns(dataset, D, POLICY)
    actual = picture_from_tables(tables_from_dataset(shuffled), D, POLICY)
    assert not differences(expected, actual)


def test_codes_only_other_tables_name_stay_out_of_the_picture() -> None:
    dataset = generate_business(size_named("small"), seed=6, as_of=D)
    tables = tables_from_dataset(dataset)
    picture = picture_from_tables(tables, D, POLICY)

    # The tables' vocabularies hold codes the picture leaves out (returns, picks,
    # closed orders), so ids must have been renumbered, not copied.
    assert len(picture.order_ids) < len(tables.vocab.orders)
    assert set(picture.order_ids) < set(tables.vocab.orders.codes)
    assert_same_picture(dataset)


# ------------------------------------------------------------- random small pictures

WAREHOUSES = ("W1", "W2", "W3")
SKUS = ("S1", "S2", "S3", "S9")
CUSTOMERS = ("C1", "C2", "C3")
ORDER_IDS = ("SO1", "SO10", "SO2", "so1")
PO_IDS = ("PO1", "PO10", "PO2")

quantities = st.sampled_from([Decimal(v) for v in ("0", "0.5", "1", "2", "3.25", "8")])
prices = st.one_of(st.none(), st.sampled_from([Decimal(v) for v in ("0", "1.25", "99.999")]))
days = st.integers(min_value=-6, max_value=6).map(lambda n: D + timedelta(days=n))
statuses = st.sampled_from([OrderStatus.OPEN] * 3 + [OrderStatus.DONE, OrderStatus.CANCELLED])


@st.composite
def pictures(draw: st.DrawFn) -> Dataset:
    """A small picture that repeats warehouse, product, customer, order and PO codes
    (``to_columns`` lets the last row win), names codes no master row holds, and has
    lines of unknown, closed and fully shipped orders."""
    warehouses = [
        Warehouse(
            draw(st.sampled_from(WAREHOUSES)),
            company=draw(st.sampled_from(["main", "other"])),
            pick_capacity_lines_per_day=draw(st.sampled_from([None, 0, 2])),
        )
        for _ in range(draw(st.integers(min_value=0, max_value=4)))
    ]
    lanes = [
        TransferLane(draw(st.sampled_from(WAREHOUSES)), draw(st.sampled_from(WAREHOUSES)), t)
        for t in draw(st.lists(st.integers(min_value=0, max_value=3), max_size=4))
    ]
    products = [
        Product(draw(st.sampled_from(SKUS)), list_price=draw(prices))
        for _ in range(draw(st.integers(min_value=0, max_value=5)))
    ]
    customers = [
        Customer(
            draw(st.sampled_from(CUSTOMERS)),
            tier=draw(st.sampled_from(list(Tier))),
            credit_limit=draw(st.sampled_from([None, Decimal(0), Decimal("40.5")])),
            credit_hold=draw(st.booleans()),
        )
        for _ in range(draw(st.integers(min_value=0, max_value=4)))
    ]
    stock_pairs = draw(
        st.lists(st.tuples(st.sampled_from(SKUS), st.sampled_from(WAREHOUSES)), unique=True)
    )
    stock = [
        StockLevel(sku, wh, on_hand=draw(quantities), quality_hold=draw(quantities))
        for sku, wh in stock_pairs
    ]
    orders = [
        SalesOrder(
            draw(st.sampled_from(ORDER_IDS)),
            customer=draw(st.sampled_from((*CUSTOMERS, "C-NEW"))),
            warehouse=draw(st.sampled_from((*WAREHOUSES, "W-NEW"))),
            order_date=draw(days),
            promised_date=draw(days),
            expedite=draw(st.booleans()),
            status=draw(statuses),
        )
        for _ in range(draw(st.integers(min_value=0, max_value=5)))
    ]
    line_keys = draw(
        st.lists(
            st.tuples(st.sampled_from((*ORDER_IDS, "SO-GONE")), st.sampled_from([1, 2, 10])),
            unique=True,
            max_size=8,
        )
    )
    lines = []
    for order_id, number in line_keys:
        qty = draw(quantities)
        lines.append(
            SalesOrderLine(
                order_id,
                number,
                sku=draw(st.sampled_from(SKUS)),
                qty=qty,
                qty_shipped=min(qty, draw(quantities)),
                qty_reserved=draw(quantities),
                unit_price=draw(prices),
            )
        )
    purchase_orders = [
        PurchaseOrder(
            draw(st.sampled_from(PO_IDS)),
            supplier="SUP",
            warehouse=draw(st.sampled_from((*WAREHOUSES, "W-PO"))),
            order_date=D - timedelta(days=9),
            expected_date=draw(days),
            status=draw(statuses),
        )
        for _ in range(draw(st.integers(min_value=0, max_value=3)))
    ]
    po_keys = draw(
        st.lists(
            st.tuples(st.sampled_from(PO_IDS), st.sampled_from([1, 2])), unique=True, max_size=5
        )
    )
    po_lines = []
    for po_id, number in po_keys:
        qty = draw(quantities)
        po_lines.append(
            PurchaseOrderLine(
                po_id,
                number,
                sku=draw(st.sampled_from(SKUS)),
                qty=qty,
                qty_received=min(qty, draw(quantities)),
                expected_date=draw(st.one_of(st.none(), days)),
            )
        )
    invoices = [
        Invoice(
            draw(st.sampled_from(["INV2", "INV10", "inv1"])),
            customer=draw(st.sampled_from((*CUSTOMERS, "C-INV"))),
            due_date=draw(days),
            amount_residual=draw(st.sampled_from([Decimal("-5"), Decimal("12.5")])),
        )
        for _ in range(draw(st.integers(min_value=0, max_value=4)))
    ]
    return Dataset(
        warehouses=warehouses,
        transfer_lanes=lanes,
        products=products,
        customers=customers,
        suppliers=[Supplier("SUP")],
        stock=stock,
        sales_orders=orders,
        sales_order_lines=lines,
        purchase_orders=purchase_orders,
        purchase_order_lines=po_lines,
        invoices=invoices,
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pictures())
def test_any_small_picture_built_from_columns_is_the_one_rows_give(dataset: Dataset) -> None:
    assert_same_picture(dataset)


def test_an_empty_dataset_gives_an_empty_picture() -> None:
    assert_same_picture(Dataset())
    picture = picture_from_tables(tables_from_dataset(Dataset()), D, POLICY)
    assert (picture.n_lines, picture.n_orders, picture.n_pools) == (0, 0, 0)


# ---------------------------------------------------------------------------- refusals


def one_order_business() -> Dataset:
    return Dataset(
        warehouses=[Warehouse("W1")],
        products=[Product("S1")],
        customers=[Customer("C1")],
        suppliers=[Supplier("SUP")],
        stock=[StockLevel("S1", "W1", Decimal(5))],
        sales_orders=[SalesOrder("SO1", "C1", "W1", D, D)],
        sales_order_lines=[SalesOrderLine("SO1", 1, "S1", Decimal(2))],
        purchase_orders=[PurchaseOrder("PO1", "SUP", "W1", D, D)],
        purchase_order_lines=[PurchaseOrderLine("PO1", 1, "S1", Decimal(3))],
    )


def refusal(dataset: Dataset, error: type[Exception]) -> tuple[str, str]:
    """The messages of ``to_columns`` and ``picture_from_tables`` refusing ``dataset``."""
    tables = tables_from_dataset(dataset)
    with pytest.raises(error) as by_rows:
        to_columns(dataset, D, POLICY)
    with pytest.raises(error) as by_columns:
        picture_from_tables(tables, D, POLICY)
    return str(by_rows.value), str(by_columns.value)


def test_a_repeated_open_order_line_is_refused_as_rows_refuse_it() -> None:
    dataset = one_order_business()
    dataset.sales_order_lines.append(SalesOrderLine("SO1", 1, "S1", Decimal(4)))
    expected, actual = refusal(dataset, DatasetConflictError)
    assert actual == expected == "sales order SO1 line 1 appears more than once"


def test_a_repeated_order_line_that_is_shipped_is_not_a_conflict() -> None:
    dataset = one_order_business()
    dataset.sales_order_lines.append(
        SalesOrderLine("SO1", 1, "S1", Decimal(4), qty_shipped=Decimal(4))
    )
    assert_same_picture(dataset)


def test_a_repeated_open_po_line_is_refused_as_rows_refuse_it() -> None:
    dataset = one_order_business()
    dataset.purchase_order_lines.append(PurchaseOrderLine("PO1", 1, "S1", Decimal(1)))
    expected, actual = refusal(dataset, DatasetConflictError)
    assert actual == expected == "purchase order PO1 line 1 appears more than once"


def test_a_repeated_stock_pair_is_refused_as_rows_refuse_it() -> None:
    dataset = one_order_business()
    dataset.stock.append(StockLevel("S1", "W1", Decimal(1)))
    expected, actual = refusal(dataset, DatasetConflictError)
    assert actual == expected == "a (sku, warehouse) stock row appears more than once"


def test_open_line_conflicts_are_named_before_stock_conflicts() -> None:
    dataset = one_order_business()
    dataset.stock.append(StockLevel("S1", "W1", Decimal(1)))
    dataset.purchase_order_lines.append(PurchaseOrderLine("PO1", 1, "S1", Decimal(1)))
    expected, actual = refusal(dataset, DatasetConflictError)
    assert actual == expected == "purchase order PO1 line 1 appears more than once"


def test_quantities_whose_total_the_kernel_cannot_sum_are_refused_as_rows_refuse_them() -> None:
    huge = Decimal(4_000_000_000_000)
    dataset = one_order_business()
    dataset.stock[0] = StockLevel("S1", "W1", huge)
    dataset.sales_order_lines[0] = SalesOrderLine("SO1", 1, "S1", huge)
    expected, actual = refusal(dataset, ColumnarPrecisionError)
    assert actual == expected
    assert "more than the engine can sum exactly" in actual


def test_an_open_quantity_too_large_for_the_columns_is_refused_as_rows_refuse_it() -> None:
    dataset = one_order_business()
    dataset.sales_order_lines[0] = SalesOrderLine(
        "SO1", 1, "S1", Decimal(4_000_000_000_000), qty_shipped=Decimal(-1_000_000_000_000)
    )
    expected, actual = refusal(dataset, ColumnarPrecisionError)
    assert (
        actual
        == expected
        == (
            f"sales order SO1 line 1: open qty: 5000000000000 is too large for the engine. "
            f"{ColumnarPrecisionError.RULE}"
        )
    )


def test_an_open_po_quantity_too_large_for_the_columns_is_refused_as_rows_refuse_it() -> None:
    dataset = one_order_business()
    dataset.purchase_order_lines[0] = PurchaseOrderLine(
        "PO1", 1, "S1", Decimal(4_000_000_000_000), qty_received=Decimal(-1_000_000_000_000)
    )
    expected, actual = refusal(dataset, ColumnarPrecisionError)
    assert (
        actual
        == expected
        == (
            f"purchase order PO1 line 1: open qty: 5000000000000 is too large for the engine. "
            f"{ColumnarPrecisionError.RULE}"
        )
    )


def test_a_business_with_many_warehouses_and_skus_but_few_pools_gives_the_rows_picture() -> None:
    # Over a million (warehouse, sku) cells for a handful of pairs: pools are numbered
    # by sorting the pairs rather than with a table of every cell.
    warehouses = [Warehouse(f"W{i:04d}") for i in range(1100)]
    products = [Product(f"S{i:04d}") for i in range(1000)]
    dataset = one_order_business()
    dataset.warehouses.extend(warehouses)
    dataset.products.extend(products)
    dataset.stock.extend(
        StockLevel(f"S{i:04d}", f"W{1099 - i:04d}", Decimal(i)) for i in range(0, 1000, 97)
    )
    dataset.sales_orders.append(SalesOrder("SO2", "C1", "W0500", D, D))
    dataset.sales_order_lines.append(SalesOrderLine("SO2", 1, "S0007", Decimal(1)))
    assert len(dataset.warehouses) * len(dataset.products) > 1 << 20
    assert_same_picture(dataset)


def test_a_repeated_stock_pair_among_many_cells_is_refused_as_rows_refuse_it() -> None:
    dataset = one_order_business()
    dataset.warehouses.extend(Warehouse(f"W{i:04d}") for i in range(1100))
    dataset.products.extend(Product(f"S{i:04d}") for i in range(1000))
    dataset.stock.append(StockLevel("S0999", "W1000", Decimal(1)))
    dataset.stock.append(StockLevel("S0999", "W1000", Decimal(2)))
    expected, actual = refusal(dataset, DatasetConflictError)
    assert actual == expected == "a (sku, warehouse) stock row appears more than once"
