"""The incremental columnar engine always concludes what a full recompute concludes.

After every change, :class:`ColumnarIncrementalEngine` must hold exactly the picture
that ``to_columns`` builds from the changed dataset and exactly the arrays that
``analyse_columns`` computes from it: every line, peg, pick day, order, pool, listing
of transfer alternatives and credit sum, with the same dtypes. This is checked after
each step of random sequences of changes on small random businesses (whose pick
capacities of one to three lines a day and credit limits near the order values make
every change ripple), on the small demo business, and on hand-built pictures at the
edges of pick capacity and credit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controltower.demo import generate_business
from controltower.demo.sizes import size_named
from controltower.domain.analysis import AllocationPolicy
from controltower.domain.columnar import (
    MAX_UNITS,
    ColumnarPrecisionError,
    from_units,
    to_columns,
)
from controltower.domain.events import (
    Event,
    InvoiceChanged,
    OrderChanged,
    OrderLineChanged,
    PoLineChanged,
    PoLineSlipped,
    PromiseChanged,
    ReceiptPosted,
    StockCounted,
)
from controltower.domain.kernel import STATUS_FULLY_ALLOCATED, analyse_columns
from controltower.domain.kernel_incremental import (
    ColumnarIncrementalEngine,
    StructuralChangeError,
    analysis_array_differences,
    picture_array_differences,
)
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

D = date(2026, 11, 25)
POLICY = AllocationPolicy()
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WAREHOUSES = ("W1", "W2", "W3")
#: most demand and supply lands in W1 so that pools and pick queues are shared
BUSY = ("W1", "W1", "W1", "W2", "W3")
SKUS = ("S1", "S2")
CUSTOMERS = ("C1", "C2", "C3")
ORDER_IDS = ("SO1", "SO2", "SO10", "SO3", "SO20", "so1", "SO4", "SO5", "SO6")
PO_IDS = ("PO1", "PO10", "PO2", "PO9")

positive = st.sampled_from([Decimal(v) for v in ("0.5", "1", "2", "3", "5", "8", "12.25")])
quantities = st.sampled_from([Decimal(v) for v in ("0", "0.5", "1", "2", "3", "5", "8")])
stock_quantities = st.sampled_from([Decimal(v) for v in ("0", "1", "2.5", "5", "9", "20", "30")])
prices = st.one_of(st.none(), st.sampled_from([Decimal(v) for v in ("0", "1.25", "10", "7.125")]))
residuals = st.sampled_from([Decimal(v) for v in ("-10", "0", "5", "40.5", "900")])
days = st.integers(min_value=-6, max_value=8).map(lambda n: D + timedelta(days=n))
statuses = st.sampled_from([OrderStatus.OPEN] * 4 + [OrderStatus.DONE])
policies = st.builds(
    AllocationPolicy,
    quality_release_days=st.integers(0, 3),
    receipt_handling_days=st.integers(0, 2),
    overdue_days_block=st.integers(0, 5),
)


# ------------------------------------------------------------------------ helpers


def assert_matches_full_recompute(engine: ColumnarIncrementalEngine, dataset: Dataset) -> None:
    """The engine's picture and analysis equal those built from ``dataset`` from scratch."""
    picture = to_columns(dataset, engine.picture.as_of, engine.picture.policy)
    assert picture_array_differences(picture, engine.picture) == []
    assert analysis_array_differences(analyse_columns(picture), engine.result()) == []


def copy_of(dataset: Dataset) -> Dataset:
    """A dataset with the same rows in new lists (changes replace rows, never edit them)."""
    copy = Dataset()
    for name, rows in dataset.collections():
        setattr(copy, name, list(rows))
    return copy


def replace_row(rows: list[Any], key: Callable[[Any], object], row: Any) -> None:
    """Put ``row`` in place of the row with its key, or add it."""
    for index, existing in enumerate(rows):
        if key(existing) == key(row):
            rows[index] = row
            return
    rows.append(row)


def order_key(row: Any) -> object:
    return row.order_id


def line_key(row: Any) -> object:
    return (row.order_id, row.line)


def po_line_key(row: Any) -> object:
    return (row.po_id, row.line)


def stock_key(row: Any) -> object:
    return (row.sku, row.warehouse)


def invoice_key(row: Any) -> object:
    return row.invoice_id


#: (what it is, apply to the engine, apply to the plain dataset)
Change = tuple[str, Callable[[ColumnarIncrementalEngine], None], Callable[[Dataset], None]]


def event_change(label: str, event: Event, to_dataset: Callable[[Dataset], None]) -> Change:
    """A change that applies ``event`` to the engine and ``to_dataset`` to the mirror."""
    return (label, lambda e: e.apply(event), to_dataset)


def row_change(
    label: str,
    event: Event,
    rows: Callable[[Dataset], list[Any]],
    key: Callable[[Any], object],
    row: object,
) -> Change:
    """A change that applies ``event`` to the engine and puts ``row`` among the mirror's
    ``rows`` (in place of the row with its ``key``)."""
    return event_change(label, event, lambda d: replace_row(rows(d), key, row))


def apply(change: Change, engine: ColumnarIncrementalEngine, mirror: Dataset) -> None:
    _, to_engine, to_dataset = change
    to_engine(engine)
    to_dataset(mirror)


# -------------------------------------------------------------- random businesses


@st.composite
def businesses(draw: st.DrawFn) -> Dataset:
    """A small business where pools, pick queues (1 to 3 lines a day), customers and
    POs are shared, and credit limits sit near the order values."""
    warehouses = [
        Warehouse(
            code,
            company=draw(st.sampled_from(["A", "A", "B"])),
            pick_capacity_lines_per_day=draw(st.sampled_from([None, 1, 1, 2, 3])),
        )
        for code in WAREHOUSES
    ]
    lanes = [
        TransferLane(a, b, draw(st.integers(0, 4)))
        for a in WAREHOUSES
        for b in WAREHOUSES
        if a != b and draw(st.booleans())
    ]
    customers = [
        Customer(
            code,
            tier=draw(st.sampled_from(list(Tier))),
            credit_limit=draw(st.sampled_from([None, Decimal(0), Decimal(40), Decimal("60.5")])),
            credit_hold=draw(st.sampled_from([False, False, False, True])),
        )
        for code in CUSTOMERS
    ]
    stock = []
    for sku in SKUS:
        for wh in WAREHOUSES:
            if draw(st.sampled_from([True, True, False])):
                on_hand = draw(stock_quantities)
                hold = draw(st.sampled_from([v for v in (Decimal(0), Decimal(2)) if v <= on_hand]))
                stock.append(StockLevel(sku, wh, on_hand, hold))
    order_ids = draw(st.lists(st.sampled_from(ORDER_IDS), unique=True, min_size=2, max_size=7))
    orders = [
        SalesOrder(
            order_id,
            draw(st.sampled_from(CUSTOMERS)),
            draw(st.sampled_from(BUSY)),
            draw(days),
            draw(days),
            expedite=draw(st.booleans()) and draw(st.booleans()),
            status=draw(statuses),
        )
        for order_id in order_ids
    ]
    lines = []
    for order_id in order_ids:
        for number in draw(st.lists(st.integers(1, 9), unique=True, min_size=1, max_size=3)):
            qty = draw(positive)
            lines.append(
                SalesOrderLine(
                    order_id,
                    number,
                    draw(st.sampled_from(SKUS)),
                    qty,
                    qty_shipped=draw(st.sampled_from([Decimal(0), Decimal(0), qty])),
                    qty_reserved=draw(quantities),
                    unit_price=draw(prices),
                )
            )
    po_ids = draw(st.lists(st.sampled_from(PO_IDS), unique=True, min_size=1, max_size=3))
    pos = [
        PurchaseOrder(
            po_id,
            "SUP",
            draw(st.sampled_from(BUSY)),
            D - timedelta(days=30),
            draw(days),
            status=draw(statuses),
        )
        for po_id in po_ids
    ]
    supply = []
    for po_id in po_ids:
        for number in draw(st.lists(st.integers(1, 6), unique=True, min_size=1, max_size=3)):
            qty = draw(positive)
            supply.append(
                PurchaseOrderLine(
                    po_id,
                    number,
                    draw(st.sampled_from(SKUS)),
                    qty,
                    qty_received=draw(st.sampled_from([Decimal(0), Decimal(0), qty])),
                    expected_date=draw(st.one_of(st.none(), days)),
                )
            )
    invoices = [
        Invoice(f"I{n}", draw(st.sampled_from(CUSTOMERS)), draw(days), draw(residuals))
        for n in range(draw(st.integers(0, 4)))
    ]
    return Dataset(
        warehouses=warehouses,
        transfer_lanes=lanes,
        products=[Product(sku, list_price=draw(prices)) for sku in SKUS],
        customers=customers,
        suppliers=[Supplier("SUP")],
        stock=stock,
        sales_orders=orders,
        sales_order_lines=lines,
        purchase_orders=pos,
        purchase_order_lines=supply,
        invoices=invoices,
    )


def open_order_lines(mirror: Dataset) -> list[SalesOrderLine]:
    open_orders = {o.order_id for o in mirror.sales_orders if o.status is OrderStatus.OPEN}
    return [ln for ln in mirror.sales_order_lines if ln.order_id in open_orders and ln.open_qty > 0]


def open_po_lines(mirror: Dataset) -> list[PurchaseOrderLine]:
    open_pos = {p.po_id for p in mirror.purchase_orders if p.status is OrderStatus.OPEN}
    return [ln for ln in mirror.purchase_order_lines if ln.po_id in open_pos and ln.open_qty > 0]


def draw_change(
    draw: Callable[..., Any], mirror: Dataset, engine: ColumnarIncrementalEngine, step: int
) -> Change | None:
    """One random change the engine patches in place, or None when there is none of
    the kind drawn (the picture has no open PO line left, say)."""
    kind = draw(st.sampled_from(["line", "order", "po_line", "receipt", "stock", "invoice"]))
    if kind == "line":
        lines = open_order_lines(mirror)
        line = draw(st.sampled_from(lines))
        changed = dataclasses.replace(
            line,
            qty=line.qty_shipped + draw(positive),
            qty_reserved=draw(quantities),
            unit_price=draw(prices),
        )
        return (
            f"upsert {changed}",
            lambda e: e.apply(OrderLineChanged.of(changed)),
            lambda d: replace_row(d.sales_order_lines, line_key, changed),
        )
    if kind == "order":
        open_ids = {ln.order_id for ln in open_order_lines(mirror)}
        order = draw(st.sampled_from([o for o in mirror.sales_orders if o.order_id in open_ids]))
        header = dataclasses.replace(
            order,
            promised_date=order.promised_date + timedelta(days=draw(st.integers(-4, 4))),
            order_date=draw(days),
            expedite=draw(st.booleans()),
            customer=draw(st.sampled_from(CUSTOMERS)),
        )
        return (
            f"upsert {header}",
            lambda e: e.apply(OrderChanged.of(header)),
            lambda d: replace_row(d.sales_orders, order_key, header),
        )
    if kind in ("po_line", "receipt"):
        supply = open_po_lines(mirror)
        if not supply:
            return None
        po_line = draw(st.sampled_from(supply))
        if kind == "po_line":
            moved = dataclasses.replace(
                po_line,
                expected_date=draw(st.one_of(st.none(), days)),
                qty_received=draw(st.sampled_from([Decimal(0), po_line.qty_received, po_line.qty])),
            )
            return (
                f"upsert {moved}",
                lambda e: e.apply(PoLineChanged.of(moved)),
                lambda d: replace_row(d.purchase_order_lines, po_line_key, moved),
            )
        receipt = Receipt(f"R{step}", po_line.po_id, po_line.line, D, draw(positive))
        received = dataclasses.replace(po_line, qty_received=po_line.qty_received + receipt.qty)

        def record(d: Dataset) -> None:
            d.receipts.append(receipt)
            replace_row(d.purchase_order_lines, po_line_key, received)

        return (f"add {receipt}", lambda e: e.apply(ReceiptPosted.of(receipt)), record)
    if kind == "stock":
        picture = engine.picture
        pool = draw(st.integers(0, picture.n_pools - 1))
        on_hand = draw(stock_quantities)
        level = StockLevel(
            picture.sku_codes[int(picture.pool_sku[pool])],
            picture.warehouse_codes[int(picture.pool_warehouse[pool])],
            on_hand,
            draw(st.sampled_from([v for v in (Decimal(0), Decimal(2)) if v <= on_hand])),
        )
        return (
            f"set {level}",
            lambda e: e.apply(StockCounted.of(level)),
            lambda d: replace_row(d.stock, stock_key, level),
        )
    if not mirror.invoices:
        return None
    invoice = draw(st.sampled_from(mirror.invoices))
    bill = dataclasses.replace(
        invoice,
        amount_residual=draw(residuals),
        due_date=draw(days),
        customer=draw(st.sampled_from(CUSTOMERS)),
    )
    return (
        f"upsert {bill}",
        lambda e: e.apply(InvoiceChanged.of(bill)),
        lambda d: replace_row(d.invoices, invoice_key, bill),
    )


@SETTINGS
@given(businesses(), policies, st.data())
def test_after_every_change_of_a_random_sequence_the_engine_equals_a_full_recompute(
    dataset: Dataset, policy: AllocationPolicy, data: st.DataObject
) -> None:
    if not open_order_lines(dataset):
        return
    engine = ColumnarIncrementalEngine.from_dataset(dataset, D, policy)
    mirror = copy_of(dataset)
    for step in range(data.draw(st.integers(1, 10), label="changes")):
        change = draw_change(data.draw, mirror, engine, step)
        if change is None:
            continue
        data.draw(st.just(change[0]), label=f"step {step}")
        apply(change, engine, mirror)
        assert_matches_full_recompute(engine, mirror)


@pytest.mark.parametrize("seed", [3, 8])
def test_a_mixed_sequence_on_the_small_demo_business_stays_equal_to_a_full_recompute(
    seed: int,
) -> None:
    dataset = generate_business(size_named("small"), seed=seed, as_of=D)
    engine = ColumnarIncrementalEngine.from_dataset(dataset, D, POLICY)
    mirror = copy_of(dataset)
    rng = np.random.default_rng(seed)
    lines = open_order_lines(mirror)
    supply = open_po_lines(mirror)
    for step in range(24):
        line = lines[int(rng.integers(len(lines)))]
        bigger = dataclasses.replace(line, qty=line.qty + Decimal(int(rng.integers(1, 40))))
        lines[lines.index(line)] = bigger
        order = next(o for o in mirror.sales_orders if o.order_id == line.order_id)
        moved = dataclasses.replace(
            order, promised_date=order.promised_date + timedelta(days=int(rng.integers(-3, 4)))
        )
        po_line = supply[int(rng.integers(len(supply)))]
        slipped = dataclasses.replace(
            po_line, expected_date=D + timedelta(days=int(rng.integers(0, 20)))
        )
        supply[supply.index(po_line)] = slipped
        level = mirror.stock[int(rng.integers(len(mirror.stock)))]
        counted = dataclasses.replace(level, on_hand=level.on_hand + int(rng.integers(-3, 30)))
        counted = dataclasses.replace(counted, on_hand=max(counted.on_hand, counted.quality_hold))
        paid = dataclasses.replace(
            mirror.invoices[int(rng.integers(len(mirror.invoices)))], amount_residual=Decimal(0)
        )
        changes: list[Change] = [
            row_change(
                "qty", OrderLineChanged.of(bigger), lambda d: d.sales_order_lines, line_key, bigger
            ),
            row_change(
                "promise", OrderChanged.of(moved), lambda d: d.sales_orders, order_key, moved
            ),
            row_change(
                "slip",
                PoLineChanged.of(slipped),
                lambda d: d.purchase_order_lines,
                po_line_key,
                slipped,
            ),
            row_change("count", StockCounted.of(counted), lambda d: d.stock, stock_key, counted),
            row_change("pay", InvoiceChanged.of(paid), lambda d: d.invoices, invoice_key, paid),
        ]
        for change in changes:
            apply(change, engine, mirror)
        if step % 6 == 5:
            assert_matches_full_recompute(engine, mirror)
    assert_matches_full_recompute(engine, mirror)


# ------------------------------------------------------------ hand-built pictures


def busy_warehouse(capacity: int = 1, orders: int = 6) -> Dataset:
    """One warehouse picking ``capacity`` lines a day, ``orders`` one-line orders of one
    SKU promised a day apart, enough stock for all of them, and one open PO."""
    return Dataset(
        warehouses=[Warehouse("W1", pick_capacity_lines_per_day=capacity), Warehouse("W2")],
        transfer_lanes=[TransferLane("W2", "W1", 2)],
        products=[Product("S1", list_price=Decimal(10)), Product("S2", list_price=Decimal(3))],
        customers=[Customer("C1", credit_limit=Decimal(100)), Customer("C2", tier=Tier.KEY)],
        suppliers=[Supplier("SUP")],
        stock=[StockLevel("S1", "W1", Decimal(orders)), StockLevel("S1", "W2", Decimal(4))],
        sales_orders=[
            SalesOrder(f"SO{k}", "C1" if k % 2 else "C2", "W1", D, D + timedelta(days=k))
            for k in range(orders)
        ],
        sales_order_lines=[SalesOrderLine(f"SO{k}", 1, "S1", Decimal(1)) for k in range(orders)],
        purchase_orders=[PurchaseOrder("PO1", "SUP", "W1", D, D + timedelta(days=3))],
        purchase_order_lines=[PurchaseOrderLine("PO1", 1, "S1", Decimal(2))],
        invoices=[Invoice("I1", "C1", D - timedelta(days=40), Decimal(5))],
    )


def engine_and_mirror(dataset: Dataset) -> tuple[ColumnarIncrementalEngine, Dataset]:
    engine = ColumnarIncrementalEngine.from_dataset(dataset, D, POLICY)
    assert_matches_full_recompute(engine, dataset)
    return engine, copy_of(dataset)


def test_bringing_the_last_order_forward_in_a_one_line_a_day_queue_moves_every_other_order() -> (
    None
):
    engine, mirror = engine_and_mirror(busy_warehouse(capacity=1, orders=6))
    before = engine.result().order_projected_ship_day.copy()
    last = next(o for o in mirror.sales_orders if o.order_id == "SO5")
    first = dataclasses.replace(last, promised_date=D - timedelta(days=1))

    apply(
        row_change("promise", OrderChanged.of(first), lambda d: d.sales_orders, order_key, first),
        engine,
        mirror,
    )

    assert_matches_full_recompute(engine, mirror)
    after = engine.result().order_projected_ship_day
    assert (after != before).sum() == 6  # SO5 first, the five others a day later


def test_stock_running_short_pushes_a_line_out_of_the_queue_and_pulls_the_rest_forward() -> None:
    engine, mirror = engine_and_mirror(busy_warehouse(capacity=2, orders=6))
    level = StockLevel("S1", "W1", Decimal(3))

    apply(
        row_change("count", StockCounted.of(level), lambda d: d.stock, stock_key, level),
        engine,
        mirror,
    )

    assert_matches_full_recompute(engine, mirror)
    result = engine.result()
    assert (result.line_short > 0).sum() == 1  # three from stock, two inbound, one short
    assert (result.alternatives.count > 0).sum() >= 1


def test_a_po_line_slipping_past_the_promise_moves_its_pegged_lines_and_their_pick_days() -> None:
    engine, mirror = engine_and_mirror(busy_warehouse(capacity=1, orders=8))
    level = StockLevel("S1", "W1", Decimal(6))
    apply(
        row_change("count", StockCounted.of(level), lambda d: d.stock, stock_key, level),
        engine,
        mirror,
    )
    slipped = PurchaseOrderLine("PO1", 1, "S1", Decimal(2), expected_date=D + timedelta(days=9))

    apply(
        row_change(
            "slip",
            PoLineChanged.of(slipped),
            lambda d: d.purchase_order_lines,
            po_line_key,
            slipped,
        ),
        engine,
        mirror,
    )

    assert_matches_full_recompute(engine, mirror)
    assert engine.result().line_supply_day.max() == (D + timedelta(days=10)).toordinal()


def credit_edge() -> Dataset:
    """C1 (limit 50) with one order of value exactly 50 and one invoice overdue by
    exactly the blocking threshold plus one day."""
    return Dataset(
        warehouses=[Warehouse("W1")],
        products=[Product("S1", list_price=Decimal(10))],
        customers=[Customer("C1", credit_limit=Decimal(50))],
        stock=[StockLevel("S1", "W1", Decimal(100))],
        sales_orders=[SalesOrder("SO1", "C1", "W1", D, D + timedelta(days=2))],
        sales_order_lines=[SalesOrderLine("SO1", 1, "S1", Decimal(5))],
        invoices=[Invoice("I1", "C1", D - timedelta(days=31), Decimal("0.000001"))],
    )


def test_paying_the_only_overdue_invoice_lifts_the_credit_block_at_exactly_the_limit() -> None:
    engine, mirror = engine_and_mirror(credit_edge())
    assert engine.result().credit.blocked.tolist() == [True]
    paid = Invoice("I1", "C1", D - timedelta(days=31), Decimal(0))

    apply(
        row_change("pay", InvoiceChanged.of(paid), lambda d: d.invoices, invoice_key, paid),
        engine,
        mirror,
    )

    assert_matches_full_recompute(engine, mirror)
    result = engine.result()
    assert result.credit.blocked.tolist() == [False]  # exposure 50 is not over a limit of 50
    assert result.order_status.tolist() == [STATUS_FULLY_ALLOCATED]


def test_a_millionth_more_on_an_order_at_its_customers_limit_blocks_it() -> None:
    engine, mirror = engine_and_mirror(credit_edge())
    paid = Invoice("I1", "C1", D - timedelta(days=31), Decimal(0))
    apply(
        row_change("pay", InvoiceChanged.of(paid), lambda d: d.invoices, invoice_key, paid),
        engine,
        mirror,
    )
    line = SalesOrderLine("SO1", 1, "S1", Decimal(5), unit_price=Decimal("10.000001"))

    apply(
        row_change(
            "price", OrderLineChanged.of(line), lambda d: d.sales_order_lines, line_key, line
        ),
        engine,
        mirror,
    )

    assert_matches_full_recompute(engine, mirror)
    assert engine.result().credit.blocked.tolist() == [True]
    assert engine.result().value_decimals == 6  # the price now uses all six decimals


def test_an_invoice_due_exactly_the_threshold_ago_is_not_overdue_and_one_day_more_is() -> None:
    engine, mirror = engine_and_mirror(credit_edge())
    for late, overdue in ((30, False), (31, True), (30, False)):
        bill = Invoice("I1", "C1", D - timedelta(days=late), Decimal(3))
        apply(
            row_change("due", InvoiceChanged.of(bill), lambda d: d.invoices, invoice_key, bill),
            engine,
            mirror,
        )
        assert_matches_full_recompute(engine, mirror)
        assert engine.result().credit.invoice_overdue.tolist() == [overdue]


def test_a_price_large_enough_to_overflow_switches_money_to_exact_integers_and_back() -> None:
    engine, mirror = engine_and_mirror(busy_warehouse())
    for price, exact in (
        (Decimal(10) ** 12, True),
        (Decimal(10), False),
        (Decimal(10) ** 12, True),
    ):
        line = SalesOrderLine("SO1", 1, "S1", Decimal(10) ** 7, unit_price=price)
        apply(
            row_change(
                "price", OrderLineChanged.of(line), lambda d: d.sales_order_lines, line_key, line
            ),
            engine,
            mirror,
        )
        assert_matches_full_recompute(engine, mirror)
        assert (engine.result().line_value.dtype == object) is exact


def test_customer_sums_too_large_for_64_bits_become_exact_integers_and_back() -> None:
    engine, mirror = engine_and_mirror(busy_warehouse())
    steps: list[Change] = []
    for qty, price in (("5000000", "1000000"), ("0.5", "1.000001"), ("1", "10")):
        line = SalesOrderLine("SO1", 1, "S1", Decimal(qty), unit_price=Decimal(price))
        steps.append(
            row_change(
                "value", OrderLineChanged.of(line), lambda d: d.sales_order_lines, line_key, line
            )
        )
        if qty == "0.5":  # seven decimals of value: receivables are scaled by ten
            bill = Invoice("I1", "C1", D - timedelta(days=40), Decimal(5 * 10**11))
            steps.append(
                row_change("bill", InvoiceChanged.of(bill), lambda d: d.invoices, invoice_key, bill)
            )
    for change in steps:
        apply(change, engine, mirror)
        assert_matches_full_recompute(engine, mirror)


def test_a_count_that_empties_a_busy_pool_reschedules_its_whole_queue_at_once() -> None:
    dataset = busy_warehouse(capacity=7, orders=70)
    dataset.stock[1] = StockLevel("S1", "W2", Decimal(30))
    engine, mirror = engine_and_mirror(dataset)
    for on_hand in ("0", "70", "12.5"):
        level = StockLevel("S1", "W1", Decimal(on_hand))
        apply(
            row_change("count", StockCounted.of(level), lambda d: d.stock, stock_key, level),
            engine,
            mirror,
        )
        assert_matches_full_recompute(engine, mirror)


def test_dates_too_far_apart_to_pack_are_scheduled_with_the_kernel_and_stay_equal() -> None:
    far = busy_warehouse(capacity=1, orders=4)
    far.sales_orders[0] = dataclasses.replace(
        far.sales_orders[0], order_date=date(1, 1, 1), promised_date=date(9999, 1, 1)
    )
    far.sales_orders[1] = dataclasses.replace(far.sales_orders[1], promised_date=date(2, 1, 1))
    far.stock[0] = StockLevel("S1", "W1", Decimal(2))
    far.purchase_order_lines[0] = PurchaseOrderLine(
        "PO1", 1, "S1", Decimal(2), expected_date=date(9999, 12, 1)
    )
    engine, mirror = engine_and_mirror(far)
    order = dataclasses.replace(mirror.sales_orders[2], promised_date=D - timedelta(days=9))

    apply(
        row_change("promise", OrderChanged.of(order), lambda d: d.sales_orders, order_key, order),
        engine,
        mirror,
    )

    assert_matches_full_recompute(engine, mirror)


def test_a_promise_moved_centuries_away_repacks_the_queues_and_stays_equal() -> None:
    engine, mirror = engine_and_mirror(busy_warehouse(capacity=1, orders=5))
    for promised in (date(2400, 1, 1), D):
        order = dataclasses.replace(mirror.sales_orders[1], promised_date=promised)
        apply(
            row_change(
                "promise", OrderChanged.of(order), lambda d: d.sales_orders, order_key, order
            ),
            engine,
            mirror,
        )
        assert_matches_full_recompute(engine, mirror)


# -------------------------------------------------------------- each kind of change


def test_a_larger_order_quantity_takes_the_inbound_line_and_then_runs_short() -> None:
    engine, mirror = engine_and_mirror(busy_warehouse(capacity=3, orders=4))
    for qty in (Decimal(3), Decimal(9), Decimal("1.5")):
        line = SalesOrderLine("SO3", 1, "S1", qty)
        apply(
            row_change(
                "qty", OrderLineChanged.of(line), lambda d: d.sales_order_lines, line_key, line
            ),
            engine,
            mirror,
        )
        assert_matches_full_recompute(engine, mirror)


def test_a_receipt_lowers_the_po_line_and_a_full_receipt_takes_it_and_its_pool_out() -> None:
    dataset = busy_warehouse(capacity=2, orders=3)
    dataset.purchase_orders.append(PurchaseOrder("PO2", "SUP", "W2", D, D + timedelta(days=1)))
    dataset.purchase_order_lines.append(PurchaseOrderLine("PO2", 1, "S2", Decimal(4)))
    engine, mirror = engine_and_mirror(dataset)
    pools = engine.picture.n_pools
    for number, (po, qty) in enumerate([("PO1", "1"), ("PO2", "3"), ("PO2", "1"), ("PO1", "5")]):
        receipt = Receipt(f"R{number}", po, 1, D, Decimal(qty))

        def record(d: Dataset, r: Receipt = receipt) -> None:
            line = next(ln for ln in d.purchase_order_lines if ln.po_id == r.po_id)
            received = dataclasses.replace(line, qty_received=line.qty_received + r.qty)
            replace_row(d.purchase_order_lines, po_line_key, received)

        apply(event_change("receipt", ReceiptPosted.of(receipt), record), engine, mirror)
        assert_matches_full_recompute(engine, mirror)
    # S2 in W2 had only that PO line; S1 in W1 keeps its stock row
    assert engine.picture.n_pools == pools - 1
    assert engine.picture.po_ids == ()


def test_receiving_into_stock_moves_units_from_the_po_line_to_on_hand() -> None:
    engine, mirror = engine_and_mirror(busy_warehouse(capacity=1, orders=8))
    engine.apply(ReceiptPosted("R1", "PO1", 1, D, Decimal(1), into_stock=True))
    replace_row(mirror.purchase_order_lines, po_line_key, PurchaseOrderLine(
        "PO1", 1, "S1", Decimal(2), qty_received=Decimal(1)))  # fmt: skip
    replace_row(mirror.stock, stock_key, StockLevel("S1", "W1", Decimal(9)))

    assert_matches_full_recompute(engine, mirror)


def test_counting_stock_where_a_pool_had_no_stock_row_keeps_the_pool() -> None:
    dataset = busy_warehouse(orders=3)
    dataset.sales_order_lines.append(SalesOrderLine("SO1", 2, "S2", Decimal(2)))
    engine, mirror = engine_and_mirror(dataset)
    level = StockLevel("S2", "W1", Decimal(1))

    apply(
        row_change("count", StockCounted.of(level), lambda d: d.stock, stock_key, level),
        engine,
        mirror,
    )

    assert_matches_full_recompute(engine, mirror)


def test_moving_an_order_to_another_customer_moves_its_value_and_its_credit_block() -> None:
    engine, mirror = engine_and_mirror(busy_warehouse(orders=4))
    order = dataclasses.replace(mirror.sales_orders[2], customer="C1", expedite=True)

    apply(
        row_change("owner", OrderChanged.of(order), lambda d: d.sales_orders, order_key, order),
        engine,
        mirror,
    )

    assert_matches_full_recompute(engine, mirror)


def test_the_narrow_events_keep_the_picture_and_the_analysis_exact() -> None:
    engine, mirror = engine_and_mirror(busy_warehouse(capacity=2, orders=5))
    line = SalesOrderLine("SO2", 1, "S1", Decimal(4), qty_reserved=Decimal(1))
    engine.apply(OrderLineChanged.of(line))
    replace_row(mirror.sales_order_lines, line_key, line)
    assert_matches_full_recompute(engine, mirror)

    order = mirror.sales_orders[3]
    engine.apply(PromiseChanged(order.order_id, D - timedelta(days=2)))
    replace_row(mirror.sales_orders, order_key, dataclasses.replace(
        order, promised_date=D - timedelta(days=2)))  # fmt: skip
    assert_matches_full_recompute(engine, mirror)

    engine.apply(PoLineSlipped("PO1", 1, D + timedelta(days=6)))
    replace_row(mirror.purchase_order_lines, po_line_key, PurchaseOrderLine(
        "PO1", 1, "S1", Decimal(2), expected_date=D + timedelta(days=6)))  # fmt: skip
    assert_matches_full_recompute(engine, mirror)

    engine.apply(StockCounted("S1", "W2", Decimal(0)))
    replace_row(mirror.stock, stock_key, StockLevel("S1", "W2", Decimal(0)))
    assert_matches_full_recompute(engine, mirror)

    bill = Invoice("I1", "C1", D - timedelta(days=40), Decimal(0))
    engine.apply(InvoiceChanged.of(bill))
    replace_row(mirror.invoices, invoice_key, bill)
    assert_matches_full_recompute(engine, mirror)


def test_narrow_events_outside_the_picture_change_nothing() -> None:
    engine, mirror = engine_and_mirror(busy_warehouse(orders=3))
    engine.apply(PromiseChanged("SO404", D))
    engine.apply(PoLineSlipped("PO404", 1, D))
    assert_matches_full_recompute(engine, mirror)


# -------------------------------------------------------------- what is refused


@pytest.mark.parametrize(
    "change",
    [
        lambda e: e.apply(OrderLineChanged.of(SalesOrderLine("SO1", 1, "S1", Decimal(0)))),
        lambda e: e.apply(OrderLineChanged.of(SalesOrderLine("SO1", 7, "S1", Decimal(1)))),
        lambda e: e.apply(OrderLineChanged.of(SalesOrderLine("SO1", 1, "S2", Decimal(1)))),
        lambda e: e.apply(OrderChanged.of(SalesOrder("SO9", "C1", "W1", D, D))),
        lambda e: e.apply(
            OrderChanged.of(SalesOrder("SO1", "C1", "W1", D, D, status=OrderStatus.CANCELLED))
        ),
        lambda e: e.apply(OrderChanged.of(SalesOrder("SO1", "C1", "W2", D, D))),
        lambda e: e.apply(OrderChanged.of(SalesOrder("SO1", "C9", "W1", D, D))),
        lambda e: e.apply(PoLineChanged.of(PurchaseOrderLine("PO1", 2, "S1", Decimal(1)))),
        lambda e: e.apply(StockCounted.of(StockLevel("S2", "W2", Decimal(1)))),
        lambda e: e.apply(InvoiceChanged.of(Invoice("I9", "C1", D, Decimal(1)))),
    ],
)
def test_a_change_that_reshapes_the_picture_is_refused_and_changes_nothing(
    change: Callable[[ColumnarIncrementalEngine], None],
) -> None:
    engine, mirror = engine_and_mirror(busy_warehouse(orders=3))

    with pytest.raises(StructuralChangeError):
        change(engine)

    assert_matches_full_recompute(engine, mirror)


def test_a_quantity_with_seven_decimals_is_refused_naming_the_line() -> None:
    engine, mirror = engine_and_mirror(busy_warehouse(orders=3))

    with pytest.raises(ColumnarPrecisionError, match="sales order SO1 line 1"):
        engine.apply(OrderLineChanged.of(SalesOrderLine("SO1", 1, "S1", Decimal("1.0000001"))))

    assert_matches_full_recompute(engine, mirror)


def test_changes_that_change_nothing_leave_a_result_equal_to_the_first() -> None:
    dataset = busy_warehouse(orders=3)
    engine, mirror = engine_and_mirror(dataset)
    engine.apply(OrderLineChanged.of(dataset.sales_order_lines[0]))
    engine.apply(OrderChanged.of(dataset.sales_orders[0]))
    engine.apply(ReceiptPosted.of(Receipt("R1", "PO404", 1, D, Decimal(1))))  # not an open PO line
    assert_matches_full_recompute(engine, mirror)


def test_the_engine_does_not_edit_the_picture_it_was_built_from() -> None:
    dataset = busy_warehouse(orders=3)
    picture = to_columns(dataset, D, POLICY)
    before = picture.line_open_qty.copy()
    engine = ColumnarIncrementalEngine(picture, dataset=dataset)
    row = dataset.sales_order_lines[0]
    line = engine.line_id(row.order_id, row.line)
    assert line is not None

    engine.apply(OrderLineChanged.of(dataclasses.replace(row, qty=row.qty_shipped + 7)))

    assert picture.line_open_qty.tolist() == before.tolist()
    assert engine.picture.line_open_qty[line] == 7 * 10**6


def test_stock_too_large_for_the_running_sums_is_refused_and_changes_nothing() -> None:
    engine, mirror = engine_and_mirror(busy_warehouse(orders=3))
    with pytest.raises(ColumnarPrecisionError, match="add up"):
        engine.apply(StockCounted("S1", "W1", from_units(MAX_UNITS - 1), Decimal(1)))

    assert_matches_full_recompute(engine, mirror)
