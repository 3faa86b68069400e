"""Properties of the engine on random small businesses (hypothesis).

Each property is a sentence of ``allocation.md`` that must hold for any picture: units
are conserved, no source gives more than it has, a line is short only when its pool
has nothing left, capacity is never exceeded, the result does not depend on row order,
and the incremental engine always agrees with a full analysis of the changed picture.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controltower.domain.analysis import AllocationPolicy, Analysis
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
WAREHOUSES = ("W1", "W2", "W3")
SKUS = ("S1", "S2")
CUSTOMERS = ("C1", "C2", "C3")
ORDER_IDS = ("SO1", "SO2", "SO10", "SO3", "SO20", "so1", "SO4", "SO5", "SO6")
#: most demand and supply lands in W1 so that pools and pick queues are shared
BUSY_WAREHOUSES = ("W1", "W1", "W1", "W2", "W3")
PO_IDS = ("PO1", "PO10", "PO2", "PO9")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

quantities = st.sampled_from([Decimal(v) for v in ("0", "0.5", "1", "2", "3", "5", "8", "13")])
positive_quantities = st.sampled_from([Decimal(v) for v in ("0.5", "1", "2", "3", "5", "8")])
stock_quantities = st.sampled_from([Decimal(v) for v in ("0", "1", "2.5", "5", "9", "20", "30")])
prices = st.one_of(st.none(), st.sampled_from([Decimal(v) for v in ("0", "1.25", "10")]))
days = st.integers(min_value=-6, max_value=8).map(lambda n: D + timedelta(days=n))
statuses = st.sampled_from(
    [OrderStatus.OPEN, OrderStatus.OPEN, OrderStatus.OPEN, OrderStatus.DONE, OrderStatus.CANCELLED]
)
policies = st.builds(
    AllocationPolicy,
    quality_release_days=st.integers(0, 3),
    receipt_handling_days=st.integers(0, 2),
    overdue_days_block=st.integers(0, 5),
)


@st.composite
def stock_levels(draw: st.DrawFn, sku: str, warehouse: str) -> StockLevel:
    on_hand = draw(stock_quantities)
    hold = draw(
        st.sampled_from([v for v in (Decimal(0), Decimal("0.5"), Decimal(2)) if v <= on_hand])
    )
    return StockLevel(sku, warehouse, on_hand, hold)


@st.composite
def order_lines(draw: st.DrawFn, order_id: str, number: int) -> SalesOrderLine:
    qty = draw(positive_quantities)
    shipped = draw(st.sampled_from([Decimal(0), Decimal(0), min(qty, Decimal(1)), qty]))
    return SalesOrderLine(
        order_id,
        number,
        draw(st.sampled_from(SKUS)),
        qty,
        qty_shipped=shipped,
        qty_reserved=draw(quantities),
        unit_price=draw(prices),
    )


@st.composite
def sales_orders(draw: st.DrawFn, order_id: str) -> SalesOrder:
    return SalesOrder(
        order_id,
        draw(st.sampled_from(CUSTOMERS)),
        draw(st.sampled_from(BUSY_WAREHOUSES)),
        draw(days),
        draw(days),
        expedite=draw(st.booleans()),
        status=draw(statuses),
    )


@st.composite
def purchase_orders(draw: st.DrawFn, po_id: str) -> PurchaseOrder:
    return PurchaseOrder(
        po_id,
        "SUP",
        draw(st.sampled_from(BUSY_WAREHOUSES)),
        D - timedelta(days=30),
        draw(days),
        confirmed_date=draw(st.one_of(st.none(), days)),
        status=draw(statuses),
    )


@st.composite
def po_lines(draw: st.DrawFn, po_id: str, number: int) -> PurchaseOrderLine:
    qty = draw(positive_quantities)
    return PurchaseOrderLine(
        po_id,
        number,
        draw(st.sampled_from(SKUS)),
        qty,
        qty_received=draw(st.sampled_from([Decimal(0), Decimal(0), min(qty, Decimal(1)), qty])),
        expected_date=draw(st.one_of(st.none(), days)),
    )


@st.composite
def invoices(draw: st.DrawFn, invoice_id: str) -> Invoice:
    return Invoice(
        invoice_id,
        draw(st.sampled_from(CUSTOMERS)),
        draw(days),
        draw(st.sampled_from([Decimal(v) for v in ("-10", "0", "5", "40.5")])),
        disputed=draw(st.booleans()),
    )


@st.composite
def businesses(draw: st.DrawFn) -> Dataset:
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
    products = [Product(sku, list_price=draw(prices)) for sku in SKUS]
    customers = [
        Customer(
            code,
            tier=draw(st.sampled_from(list(Tier))),
            credit_limit=draw(st.sampled_from([None, None, Decimal(0), Decimal(60)])),
            credit_hold=draw(st.sampled_from([False, False, False, True])),
        )
        for code in CUSTOMERS
    ]
    stock = [
        draw(stock_levels(sku, wh))
        for sku in SKUS
        for wh in WAREHOUSES
        if draw(st.sampled_from([True, True, False]))
    ]
    order_ids = draw(st.lists(st.sampled_from(ORDER_IDS), unique=True, min_size=2, max_size=7))
    orders = [draw(sales_orders(order_id)) for order_id in order_ids]
    lines = [
        draw(order_lines(order_id, number))
        for order_id in order_ids
        for number in draw(st.lists(st.integers(1, 12), unique=True, min_size=1, max_size=3))
    ]
    po_ids = draw(st.lists(st.sampled_from(PO_IDS), unique=True, min_size=1, max_size=3))
    pos = [draw(purchase_orders(po_id)) for po_id in po_ids]
    supply_lines = [
        draw(po_lines(po_id, number))
        for po_id in po_ids
        for number in draw(st.lists(st.integers(1, 10), unique=True, min_size=1, max_size=2))
    ]
    bills = [draw(invoices(f"I{n}")) for n in range(draw(st.integers(0, 3)))]
    return Dataset(
        warehouses=warehouses,
        transfer_lanes=lanes,
        products=products,
        customers=customers,
        suppliers=[Supplier("SUP")],
        stock=stock,
        sales_orders=orders,
        sales_order_lines=lines,
        purchase_orders=pos,
        purchase_order_lines=supply_lines,
        invoices=bills,
    )


def open_po_quantities(dataset: Dataset) -> dict[tuple[str, int], Decimal]:
    headers = {po.po_id: po for po in dataset.purchase_orders}
    return {
        (line.po_id, line.line): line.open_qty
        for line in dataset.purchase_order_lines
        if headers[line.po_id].status is OrderStatus.OPEN and line.open_qty > 0
    }


@SETTINGS
@given(businesses(), policies)
def test_every_open_unit_is_from_stock_held_inbound_or_short(
    dataset: Dataset, policy: AllocationPolicy
) -> None:
    for order in analyse(dataset, D, policy).orders:
        for line in order.lines:
            taken = (
                line.from_stock
                + sum((peg.qty for peg in line.from_quality_hold), Decimal(0))
                + sum((peg.qty for peg in line.from_inbound), Decimal(0))
            )
            assert taken + line.short_qty == line.open_qty
            assert line.short_qty >= 0
            assert line.from_stock >= 0
            assert all(peg.qty > 0 for peg in line.from_quality_hold)
            assert all(peg.qty > 0 for peg in line.from_inbound)


@SETTINGS
@given(businesses(), policies)
def test_no_source_gives_more_than_it_has(dataset: Dataset, policy: AllocationPolicy) -> None:
    analysis = analyse(dataset, D, policy)
    from_stock: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    from_held: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    from_po: defaultdict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for order in analysis.orders:
        for line in order.lines:
            pool_key = (line.sku, line.warehouse)
            from_stock[pool_key] += line.from_stock
            from_held[pool_key] += sum((peg.qty for peg in line.from_quality_hold), Decimal(0))
            for peg in line.from_inbound:
                from_po[(peg.po_id, peg.line)] += peg.qty
    stock = {(s.sku, s.warehouse): s for s in dataset.stock}
    for pool_key, pool in analysis.pools.items():
        assert from_stock[pool_key] + pool.free_stock == pool.physical
        assert from_held[pool_key] <= pool.quality_held
        level = stock.get(pool_key)
        expected = max(Decimal(0), level.on_hand - level.quality_hold) if level else Decimal(0)
        assert pool.physical == expected
    open_po = open_po_quantities(dataset)
    unpegged = {k: v for pool in analysis.pools.values() for k, v in pool.unpegged_inbound.items()}
    assert set(unpegged) == set(open_po)
    for po_key, qty in open_po.items():
        assert from_po[po_key] + unpegged[po_key] == qty


@SETTINGS
@given(businesses(), policies)
def test_a_line_is_short_only_when_every_source_of_its_pool_is_exhausted(
    dataset: Dataset, policy: AllocationPolicy
) -> None:
    analysis = analyse(dataset, D, policy)
    held_left: dict[tuple[str, str], Decimal] = {}
    for key, pool in analysis.pools.items():
        held_left[key] = pool.quality_held
    for order in analysis.orders:
        for line in order.lines:
            for peg in line.from_quality_hold:
                held_left[(line.sku, line.warehouse)] -= peg.qty
    for order in analysis.orders:
        for line in order.lines:
            if line.short_qty > 0:
                pool = analysis.pools[(line.sku, line.warehouse)]
                assert pool.free_stock == 0
                assert held_left[(line.sku, line.warehouse)] == 0
                assert all(qty == 0 for qty in pool.unpegged_inbound.values())
                assert line.projected_date is None
                assert order.projected_ship_date is None


@SETTINGS
@given(businesses(), policies)
def test_capacity_is_never_exceeded_and_never_brings_a_line_forward(
    dataset: Dataset, policy: AllocationPolicy
) -> None:
    analysis = analyse(dataset, D, policy)
    capacity = {w.code: w.pick_capacity_lines_per_day for w in dataset.warehouses}
    picked: Counter[tuple[str, date]] = Counter()
    for order in analysis.orders:
        for line in order.lines:
            if line.projected_date is None:
                assert line.short_qty > 0
                continue
            assert line.supply_date is not None
            assert line.projected_date >= line.supply_date
            picked[(line.warehouse, line.projected_date)] += 1
    for (warehouse, _), count in picked.items():
        limit = capacity[warehouse]
        assert limit is None or count <= limit


def shuffled(dataset: Dataset, rng: random.Random) -> Dataset:
    copy = Dataset()
    for name, rows in dataset.collections():
        rows = list(rows)
        rng.shuffle(rows)
        setattr(copy, name, rows)
    return copy


@SETTINGS
@given(businesses(), policies, st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_the_order_of_input_rows(
    dataset: Dataset, policy: AllocationPolicy, rng: random.Random
) -> None:
    assert analyse(shuffled(dataset, rng), D, policy) == analyse(dataset, D, policy)


# --- incremental == full ----------------------------------------------------------

Change = tuple[str, Callable[[IncrementalEngine], None], Callable[[Dataset], None]]


def _replace_row(rows: list[Any], key: Callable[[Any], Any], row: Any) -> None:
    for index, existing in enumerate(rows):
        if key(existing) == key(row):
            rows[index] = row
            return
    rows.append(row)


def _line_key(row: Any) -> tuple[str, int]:
    return (row.order_id, row.line) if hasattr(row, "order_id") else (row.po_id, row.line)


@st.composite
def changes(draw: st.DrawFn, mirror: Dataset, step: int) -> Change:
    """One random change, as (label, apply to engine, apply to a plain dataset)."""
    kinds = ["order_line", "order", "po", "po_line", "stock", "invoice"]
    if mirror.sales_order_lines:
        kinds.append("remove_order_line")
    if mirror.purchase_order_lines:
        kinds += ["remove_po_line", "receipt"]
    if mirror.invoices:
        kinds.append("remove_invoice")
    kind = draw(st.sampled_from(kinds))
    if kind in ("order_line", "remove_order_line", "order"):
        return _order_change(draw, mirror, kind)
    if kind in ("po", "po_line", "remove_po_line", "receipt"):
        return _purchase_change(draw, mirror, kind, step)
    return _stock_or_invoice_change(draw, mirror, kind)


def _order_change(draw: st.DrawFn, mirror: Dataset, kind: str) -> Change:
    if kind == "order_line":
        order_id = draw(st.sampled_from([o.order_id for o in mirror.sales_orders] or ["SO1"]))
        line = draw(order_lines(order_id, draw(st.integers(1, 4))))
        return (
            f"upsert {line}",
            lambda e: e.upsert_order_line(line),
            lambda d: _replace_row(d.sales_order_lines, _line_key, line),
        )
    if kind == "remove_order_line":
        gone = draw(st.sampled_from(mirror.sales_order_lines))
        return (
            f"remove {gone}",
            lambda e: e.remove_order_line(gone.order_id, gone.line),
            lambda d: d.sales_order_lines.remove(gone),
        )
    if kind == "order":
        order = draw(sales_orders(draw(st.sampled_from(ORDER_IDS))))
        return (
            f"upsert {order}",
            lambda e: e.upsert_order(order),
            lambda d: _replace_row(d.sales_orders, lambda o: o.order_id, order),
        )
    raise AssertionError(f"not an order change: {kind}")


def _purchase_change(draw: st.DrawFn, mirror: Dataset, kind: str, step: int) -> Change:
    if kind == "po":
        header = draw(purchase_orders(draw(st.sampled_from(PO_IDS))))
        return (
            f"upsert {header}",
            lambda e: e.upsert_purchase_order(header),
            lambda d: _replace_row(d.purchase_orders, lambda p: p.po_id, header),
        )
    if kind == "po_line":
        po_id = draw(st.sampled_from([p.po_id for p in mirror.purchase_orders] or ["PO1"]))
        supply = draw(po_lines(po_id, draw(st.integers(1, 3))))
        return (
            f"upsert {supply}",
            lambda e: e.upsert_purchase_order_line(supply),
            lambda d: _replace_row(d.purchase_order_lines, _line_key, supply),
        )
    if kind == "remove_po_line":
        gone_po = draw(st.sampled_from(mirror.purchase_order_lines))
        return (
            f"remove {gone_po}",
            lambda e: e.remove_purchase_order_line(gone_po.po_id, gone_po.line),
            lambda d: d.purchase_order_lines.remove(gone_po),
        )
    if kind == "receipt":
        received = draw(st.sampled_from(mirror.purchase_order_lines))
        receipt = Receipt(f"R{step}", received.po_id, received.line, D, draw(positive_quantities))
        bumped = dataclasses.replace(received, qty_received=received.qty_received + receipt.qty)

        def mirror_receipt(d: Dataset) -> None:
            d.receipts.append(receipt)
            _replace_row(d.purchase_order_lines, _line_key, bumped)

        return (f"receive {receipt}", lambda e: e.add_receipt(receipt), mirror_receipt)
    raise AssertionError(f"not a purchase change: {kind}")


def _stock_or_invoice_change(draw: st.DrawFn, mirror: Dataset, kind: str) -> Change:
    if kind == "stock":
        level = draw(stock_levels(draw(st.sampled_from(SKUS)), draw(st.sampled_from(WAREHOUSES))))
        return (
            f"set {level}",
            lambda e: e.set_stock(level),
            lambda d: _replace_row(d.stock, lambda s: (s.sku, s.warehouse), level),
        )
    if kind == "invoice":
        bill = draw(invoices(draw(st.sampled_from(["I0", "I1", "I7"]))))
        return (
            f"upsert {bill}",
            lambda e: e.upsert_invoice(bill),
            lambda d: _replace_row(d.invoices, lambda i: i.invoice_id, bill),
        )
    paid = draw(st.sampled_from(mirror.invoices))
    return (
        f"remove {paid}",
        lambda e: e.remove_invoice(paid.invoice_id),
        lambda d: d.invoices.remove(paid),
    )


def copy_dataset(dataset: Dataset) -> Dataset:
    copy = Dataset()
    for name, rows in dataset.collections():
        setattr(copy, name, list(rows))
    return copy


def describe_difference(incremental: Analysis, full: Analysis) -> str:
    diffs: list[str] = []
    by_id = defaultdict(list)
    for order in incremental.orders:
        by_id[order.order_id].append(("incremental", order))
    for order in full.orders:
        by_id[order.order_id].append(("full", order))
    for order_id, versions in sorted(by_id.items()):
        if len(versions) != 2 or versions[0][1] != versions[1][1]:
            diffs.append(f"{order_id}: {versions}")
    if incremental.pools != full.pools:
        diffs.append("pools differ")
    if incremental.credit != full.credit:
        diffs.append(f"credit differs: {incremental.credit} != {full.credit}")
    return "\n".join(diffs)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(businesses(), policies, st.data())
def test_incremental_changes_give_the_same_analysis_as_a_full_recompute(
    dataset: Dataset, policy: AllocationPolicy, data: st.DataObject
) -> None:
    engine = IncrementalEngine(dataset, D, policy)
    mirror = copy_dataset(dataset)
    for step in range(data.draw(st.integers(1, 8), label="changes")):
        label, on_engine, on_mirror = data.draw(changes(mirror, step))
        on_engine(engine)
        on_mirror(mirror)
        full = analyse(mirror, D, policy)
        incremental = engine.analysis()
        assert incremental == full, f"after {label}:\n{describe_difference(incremental, full)}"
