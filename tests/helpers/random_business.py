"""Random small businesses for property tests of the engine and the scan.

Pools, pick queues, customers and purchase orders are shared between few codes so that
every rule meets every other: priorities, reservations, quality holds, inbound by date,
pick capacity, credit limits and holds, overdue invoices, transfers. Order ids are
chosen so that code-point order differs from number order (``SO10`` before ``SO2``).
Suppliers vary (one with a name, one without, one the dataset does not list) and
purchase orders may be confirmed, so explanations meet every wording.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from controltower.domain.analysis import AllocationPolicy
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

D = date(2026, 11, 25)

WAREHOUSE_CODES = ("W1", "W2", "W3")
SKUS = ("S1", "S2", "S3")
CUSTOMER_CODES = ("C1", "C2", "C3")
#: code-point order differs from number order on purpose (SO10 before SO2)
ORDER_IDS = ("SO1", "SO2", "SO10", "SO3", "SO20", "so1", "SO4", "SO5", "SO6", "SO7")
PO_IDS = ("PO1", "PO10", "PO2", "PO9")

quantities = st.sampled_from([Decimal(v) for v in ("0", "0.5", "1", "2", "3", "5", "8", "13")])
positive = st.sampled_from([Decimal(v) for v in ("0.25", "1", "2", "3", "5", "8", "12.5")])
stock_levels = st.sampled_from([Decimal(v) for v in ("0", "1", "2.5", "5", "9", "20")])
prices = st.one_of(st.none(), st.sampled_from([Decimal(v) for v in ("0", "1.25", "10", "99.999")]))
days = st.integers(min_value=-8, max_value=8).map(lambda n: D + timedelta(days=n))
statuses = st.sampled_from([OrderStatus.OPEN] * 4 + [OrderStatus.DONE, OrderStatus.CANCELLED])
policies = st.builds(
    AllocationPolicy,
    quality_release_days=st.integers(min_value=0, max_value=3),
    receipt_handling_days=st.integers(min_value=0, max_value=2),
    overdue_days_block=st.integers(min_value=0, max_value=10),
)


@st.composite
def businesses(draw: st.DrawFn) -> Dataset:
    """A small business where pools, pick queues, customers and POs are all shared."""
    n_warehouses = draw(st.integers(min_value=1, max_value=3))
    warehouses = [
        Warehouse(
            code,
            company=draw(st.sampled_from(["main", "main", "other"])),
            pick_capacity_lines_per_day=draw(st.sampled_from([None, None, 1, 2, 3])),
        )
        for code in WAREHOUSE_CODES[:n_warehouses]
    ]
    codes = [w.code for w in warehouses]
    lanes = [
        TransferLane(a, b, draw(st.integers(min_value=0, max_value=4)))
        for a in codes
        for b in codes
        if a != b and draw(st.booleans())
    ]
    products = [Product(sku, list_price=draw(prices)) for sku in SKUS]
    customers = [
        Customer(
            code,
            tier=draw(st.sampled_from(list(Tier))),
            credit_limit=draw(st.sampled_from([None, None, Decimal(0), Decimal(40), Decimal(500)])),
            credit_hold=draw(st.booleans()) and draw(st.booleans()),
        )
        for code in CUSTOMER_CODES
    ]
    stock = []
    for sku in SKUS:
        for wh in codes:
            if draw(st.booleans()):
                on_hand = draw(stock_levels)
                held = min(on_hand, draw(stock_levels)) if draw(st.booleans()) else Decimal(0)
                stock.append(StockLevel(sku, wh, on_hand=on_hand, quality_hold=held))
    orders, lines = [], []
    for order_id in draw(st.lists(st.sampled_from(ORDER_IDS), unique=True, max_size=8)):
        orders.append(
            SalesOrder(
                order_id,
                customer=draw(st.sampled_from(CUSTOMER_CODES)),
                warehouse=draw(st.sampled_from(codes)),
                order_date=draw(days),
                promised_date=draw(days),
                expedite=draw(st.booleans()) and draw(st.booleans()),
                status=draw(statuses),
            )
        )
        for number in draw(
            st.lists(st.sampled_from([1, 2, 3, 10]), unique=True, min_size=1, max_size=3)
        ):
            qty = draw(positive)
            lines.append(
                SalesOrderLine(
                    order_id,
                    number,
                    sku=draw(st.sampled_from(SKUS)),
                    qty=qty,
                    qty_shipped=min(qty, draw(quantities)) if draw(st.booleans()) else Decimal(0),
                    qty_reserved=draw(quantities) if draw(st.booleans()) else Decimal(0),
                    unit_price=draw(prices),
                )
            )
    purchase_orders, po_lines = [], []
    for po_id in draw(st.lists(st.sampled_from(PO_IDS), unique=True, max_size=4)):
        purchase_orders.append(
            PurchaseOrder(
                po_id,
                supplier=draw(st.sampled_from(["SUP", "SUP", "SUP-N", "SUP-GONE"])),
                warehouse=draw(st.sampled_from(codes)),
                order_date=D - timedelta(days=10),
                expected_date=draw(days),
                confirmed_date=draw(st.one_of(st.none(), days)),
                status=draw(statuses),
            )
        )
        for number in draw(
            st.lists(st.sampled_from([1, 2, 3]), unique=True, min_size=1, max_size=3)
        ):
            qty = draw(positive)
            po_lines.append(
                PurchaseOrderLine(
                    po_id,
                    number,
                    sku=draw(st.sampled_from(SKUS)),
                    qty=qty,
                    qty_received=min(qty, draw(quantities)) if draw(st.booleans()) else Decimal(0),
                    expected_date=draw(st.one_of(st.none(), days)),
                )
            )
    invoices = [
        Invoice(
            f"INV{i}",
            customer=draw(st.sampled_from(CUSTOMER_CODES)),
            due_date=draw(days) - timedelta(days=draw(st.sampled_from([0, 5, 12]))),
            amount_residual=draw(
                st.sampled_from([Decimal(v) for v in ("-20", "0", "15.5", "300")])
            ),
        )
        for i in range(draw(st.integers(min_value=0, max_value=4)))
    ]
    return Dataset(
        warehouses=warehouses,
        transfer_lanes=lanes,
        products=products,
        customers=customers,
        suppliers=[Supplier("SUP", name="Supplier & Co"), Supplier("SUP-N")],
        stock=stock,
        sales_orders=orders,
        sales_order_lines=lines,
        purchase_orders=purchase_orders,
        purchase_order_lines=po_lines,
        invoices=invoices,
    )
