"""The vectorised kernel concludes exactly what the reference engine concludes.

The reference engine (``domain.engine.analyse``) is the readable statement of
``allocation.md``; the kernel (``domain.kernel``) is its fast twin. They must agree on
every peg, date, status, blocker, risk flag and lateness of every line and order, on
every pool and every credit assessment, and on the explanations built from them. This
is checked on many random small businesses, on the demo business, and on the worked
example of ``allocation.md``; the kernel's own building blocks (the stable radix sort,
the pick queue, exact money) are checked against plain Python.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controltower.demo.generator import generate_business
from controltower.domain.analysis import Allocation, AllocationPolicy, Analysis, Blocker
from controltower.domain.columnar import ColumnarPrecisionError, from_units, to_columns
from controltower.domain.errors import DatasetConflictError
from controltower.domain.kernel import (
    analyse_columns,
    analysis_differences,
    peg_pools,
    served_by_day,
    stable_order,
    to_analysis,
)
from controltower.domain.model import (
    Customer,
    Dataset,
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
from controltower_oracle.engine import analyse
from helpers.random_business import D, businesses, policies

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def kernel_analysis(dataset: Dataset, policy: AllocationPolicy = AllocationPolicy()) -> Analysis:
    return to_analysis(analyse_columns(to_columns(dataset, D, policy)), dataset)


def assert_same_analysis(expected: Analysis, actual: Analysis) -> None:
    problems = analysis_differences(expected, actual)
    assert not problems, "\n".join(problems)
    assert actual == expected


# ----------------------------------------------------------- equality with the reference


@SETTINGS
@given(businesses(), policies)
def test_kernel_concludes_what_the_reference_engine_concludes_on_any_small_business(
    dataset: Dataset, policy: AllocationPolicy
) -> None:
    assert_same_analysis(analyse(dataset, D, policy), kernel_analysis(dataset, policy))


@pytest.mark.parametrize("seed", [7, 11])
def test_kernel_concludes_what_the_reference_engine_concludes_on_the_small_demo_business(
    seed: int,
) -> None:
    dataset = generate_business("small", seed=seed, as_of=D)
    expected = analyse(dataset, D, AllocationPolicy())
    assert_same_analysis(expected, kernel_analysis(dataset))
    statuses = {order.status for order in expected.orders}
    assert len(statuses) >= 4, "the demo business should exercise most statuses"


def test_kernel_ignores_the_row_order_of_the_dataset() -> None:
    dataset = generate_business("small", seed=3, as_of=D)
    shuffled = dataclasses.replace(
        dataset,
        sales_order_lines=list(reversed(dataset.sales_order_lines)),
        purchase_order_lines=list(reversed(dataset.purchase_order_lines)),
        sales_orders=list(reversed(dataset.sales_orders)),
        stock=list(reversed(dataset.stock)),
    )
    assert_same_analysis(kernel_analysis(dataset), kernel_analysis(shuffled))


def test_rows_naming_an_unknown_customer_or_warehouse_are_read_like_the_reference_reads_them() -> (
    None
):
    dataset = generate_business("small", seed=5, as_of=D)
    open_lines = {
        line.order_id for line in dataset.sales_order_lines if line.qty > line.qty_shipped
    }
    first, second = [
        i
        for i, order in enumerate(dataset.sales_orders)
        if order.status is OrderStatus.OPEN and order.order_id in open_lines
    ][:2]
    home = dataset.sales_orders[second].warehouse
    dataset.sales_orders[first] = dataclasses.replace(
        dataset.sales_orders[first], customer="NOBODY"
    )
    dataset.sales_orders[second] = dataclasses.replace(
        dataset.sales_orders[second], warehouse="NOWHERE"
    )
    dataset.purchase_orders[0] = dataclasses.replace(
        dataset.purchase_orders[0], warehouse="NOWHERE"
    )
    dataset.transfer_lanes.append(TransferLane("NOWHERE", home, 1))

    expected = analyse(dataset, D, AllocationPolicy())

    assert "NOBODY" in expected.credit
    assert any(order.warehouse == "NOWHERE" for order in expected.orders)
    assert_same_analysis(expected, kernel_analysis(dataset))


# ----------------------------------------------------------------- the worked example


def worked_example() -> Dataset:
    """The worked example at the end of ``allocation.md``."""
    return Dataset(
        warehouses=[Warehouse("WH-EAST")],
        products=[Product("CBL-2X14")],
        customers=[Customer("KEYCO", tier=Tier.KEY), Customer("STDCO", tier=Tier.STANDARD)],
        suppliers=[Supplier("SUP-ACME")],
        stock=[StockLevel("CBL-2X14", "WH-EAST", on_hand=Decimal(30), quality_hold=Decimal(5))],
        sales_orders=[
            SalesOrder("SO1", "KEYCO", "WH-EAST", D - timedelta(days=3), date(2026, 11, 26)),
            SalesOrder(
                "SO2", "STDCO", "WH-EAST", D - timedelta(days=1), date(2026, 11, 30), expedite=True
            ),
        ],
        sales_order_lines=[
            SalesOrderLine("SO1", 1, "CBL-2X14", qty=Decimal(20), qty_reserved=Decimal(10)),
            SalesOrderLine("SO2", 1, "CBL-2X14", qty=Decimal(20)),
        ],
        purchase_orders=[
            PurchaseOrder("PO77", "SUP-ACME", "WH-EAST", D - timedelta(days=9), date(2026, 11, 26))
        ],
        purchase_order_lines=[PurchaseOrderLine("PO77", 2, "CBL-2X14", qty=Decimal(50))],
    )


def test_worked_example_expedited_order_takes_free_stock_before_the_reserved_order_tops_up() -> (
    None
):
    dataset = worked_example()
    analysis = kernel_analysis(dataset)
    so1, so2 = analysis.order("SO1"), analysis.order("SO2")
    assert so1 is not None
    assert so2 is not None
    released = date(2026, 11, 27)

    (line1,) = so1.lines
    assert line1.from_stock == 10
    assert [(p.po_id, p.line, p.qty, p.available_date) for p in line1.from_inbound] == [
        ("PO77", 2, Decimal(10), released)
    ]
    assert line1.from_quality_hold == ()
    assert (so1.allocation, so1.blockers) == (Allocation.PARTIAL, (Blocker.INBOUND,))
    assert so1.status == "dependent_on_inbound"
    assert (so1.projected_ship_date, so1.at_risk, so1.days_late) == (released, True, 1)

    (line2,) = so2.lines
    assert line2.from_stock == 15
    assert [(h.qty, h.available_date) for h in line2.from_quality_hold] == [(Decimal(5), released)]
    assert (so2.allocation, so2.blockers) == (Allocation.PARTIAL, (Blocker.QUALITY,))
    assert so2.status == "waiting_on_quality"
    assert (so2.projected_ship_date, so2.at_risk, so2.days_late) == (released, False, 0)

    assert_same_analysis(analyse(dataset, D, AllocationPolicy()), analysis)


# ------------------------------------------------------------------------ restriction


def test_pegging_one_pool_alone_gives_it_what_the_full_recompute_gives_it() -> None:
    dataset = generate_business("small", seed=5, as_of=D)
    picture = to_columns(dataset, D, AllocationPolicy())
    full = analyse_columns(picture)
    busiest = int(np.bincount(picture.line_pool).argmax())

    alone = peg_pools(picture, np.array([busiest]))

    assert alone.lines.size == np.count_nonzero(picture.line_pool == busiest) > 5
    assert np.array_equal(alone.from_stock, full.line_from_stock[alone.lines])
    assert np.array_equal(alone.short, full.line_short[alone.lines])
    assert np.array_equal(alone.supply_day, full.line_supply_day[alone.lines])
    assert alone.pool_free_stock.tolist() == [full.pool_free_stock[busiest]]
    assert np.array_equal(alone.inbound_unpegged, full.inbound_unpegged[alone.inbound])
    for i, line in enumerate(alone.lines.tolist()):
        mine = slice(alone.peg_first[i], alone.peg_first[i] + alone.peg_count[i])
        first = full.line_peg_first[line]
        theirs = slice(first, first + full.line_peg_count[line])
        assert alone.peg_qty[mine].tolist() == full.peg_qty[theirs].tolist()
        assert alone.peg_inbound[mine].tolist() == full.peg_inbound[theirs].tolist()


# --------------------------------------------------------------------- exact numbers


def test_a_quantity_with_seven_decimals_is_refused_naming_the_order_line() -> None:
    dataset = worked_example()
    dataset.sales_order_lines[0] = dataclasses.replace(
        dataset.sales_order_lines[0], qty_reserved=Decimal("0.0000001")
    )
    with pytest.raises(ColumnarPrecisionError, match="sales order SO1 line 1: qty_reserved"):
        to_columns(dataset, D, AllocationPolicy())


def test_quantities_too_large_to_add_up_exactly_are_refused() -> None:
    dataset = worked_example()
    dataset.stock[0] = dataclasses.replace(dataset.stock[0], on_hand=Decimal("3000000000000"))
    dataset.sales_order_lines[0] = dataclasses.replace(
        dataset.sales_order_lines[0], qty=Decimal("3000000000000")
    )
    with pytest.raises(ColumnarPrecisionError, match="add up to 6000000000070 units"):
        to_columns(dataset, D, AllocationPolicy())


def test_a_repeated_order_line_is_refused() -> None:
    dataset = worked_example()
    dataset.sales_order_lines.append(dataset.sales_order_lines[0])
    with pytest.raises(DatasetConflictError, match="SO1 line 1"):
        to_columns(dataset, D, AllocationPolicy())


def test_credit_compares_order_values_exactly_beyond_the_sixth_decimal() -> None:
    """Quantity and price with six decimals each make values with twelve, and products
    large enough that the kernel must leave int64 for Python integers: a limit a
    millionth below the exposure blocks, a millionth above it does not."""
    dataset = worked_example()
    qty, price = Decimal("1234.567891"), Decimal("987.654321")
    dataset.sales_order_lines[:] = [
        SalesOrderLine(order_id, number, "CBL-2X14", qty=qty, unit_price=price)
        for order_id in ("SO1", "SO2")
        for number in (1, 2, 3, 4)
    ]
    value = 4 * qty * price
    below = value.quantize(Decimal("0.000001"), rounding=ROUND_FLOOR)
    above = value.quantize(Decimal("0.000001"), rounding=ROUND_CEILING)
    dataset.customers[:] = [
        dataclasses.replace(dataset.customers[0], credit_limit=below),
        dataclasses.replace(dataset.customers[1], credit_limit=above),
    ]

    analysis = kernel_analysis(dataset)

    assert analysis.credit["KEYCO"].open_order_value == value
    assert analysis.credit["KEYCO"].over_limit
    assert not analysis.credit["STDCO"].over_limit
    assert_same_analysis(analyse(dataset, D, AllocationPolicy()), analysis)


def test_units_convert_back_to_decimals_without_trailing_zeros() -> None:
    assert str(from_units(20_000_000)) == "20"
    assert str(from_units(2_500_000)) == "2.5"
    assert str(from_units(-1)) == "-0.000001"
    assert str(from_units(1234, 2)) == "12.34"


# -------------------------------------------------------------------- building blocks


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=60).flatmap(
        lambda n: st.lists(
            st.tuples(st.integers(0, 2**40), st.integers(1, 2**40)).flatmap(
                lambda bound_pair: st.tuples(
                    st.just(bound_pair[1]),
                    st.lists(st.integers(0, bound_pair[1] - 1), min_size=n, max_size=n),
                )
            ),
            min_size=1,
            max_size=3,
        )
    )
)
def test_stable_order_sorts_rows_like_python_sorts_their_key_tuples(
    keys: list[tuple[int, list[int]]],
) -> None:
    size = len(keys[0][1])
    arrays: list[tuple[npt.NDArray[np.integer], int]] = [
        (np.array(values, dtype=np.int64), bound) for bound, values in keys
    ]
    expected = sorted(range(size), key=lambda i: tuple(values[i] for _, values in keys))
    assert stable_order(arrays, size).tolist() == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=60),
    st.integers(min_value=1, max_value=5),
)
def test_pick_queue_serves_each_line_on_the_first_day_with_room_on_or_after_it_is_ready(
    ready_days: list[int], per_day: int
) -> None:
    ready = sorted(ready_days)
    used: dict[int, int] = {}
    expected = []
    for day in ready:
        while used.get(day, 0) >= per_day:
            day += 1
        used[day] = used.get(day, 0) + 1
        expected.append(day)

    served = served_by_day(np.array(ready, dtype=np.int64), per_day)
    picked = np.searchsorted(served, np.arange(len(ready)), side="right")

    assert picked.tolist() == expected
