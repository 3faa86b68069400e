"""The demo's story: one order that shows what the tower is for.

A strategic contractor, Calder Valley Electrical Contractors Group, has an order at the
central DC: most lines are on the shelf, one (a distribution board for the site) waits
on a PO that was placed over two weeks ago, never confirmed by the supplier, and is now
expected two days after the order's promised date. The account is on credit hold while
a disputed invoice is reviewed. Meanwhile the nearest branch, one day away by lane, has
the missing board on its shelf with no order for it. The tower should find the order at
risk, explain the chain (line, PO, supplier, not confirmed, late), show the credit block
and the disputed invoice, and offer the transfer as the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Final

import numpy as np

from controltower.demo.assortment import ProductRange
from controltower.demo.convert import NO_DAY
from controltower.demo.demand import OPEN, Demand, LineTable, OrderTable, combine
from controltower.demo.network import Network
from controltower.demo.parties import TIER_STRATEGIC, CustomerBook, SupplierBook
from controltower.demo.purchasing import (
    PurchaseLineTable,
    PurchaseTable,
    Purchasing,
    ReceiptTable,
)
from controltower.domain.model import Dataset, OrderStatus, SalesOrder, po_line_expected_date

STORY_CUSTOMER_NAME: Final = "Calder Valley Electrical Contractors Group"
#: the disputed invoice: amount in pence, due this many days before the as-of date
STORY_DISPUTED_INVOICE: Final = (486_000, -20)
#: the order: placed 9 days ago, promised in 2 days
STORY_ORDER_DAYS: Final = (-9, 2)
#: the PO: placed 16 days ago, expected in 4 days (after the promise), never confirmed
STORY_PO_DAYS: Final = (-16, 4)
#: units of the missing item the order wants, the PO brings and the branch holds
STORY_MISSING_UNITS: Final = (2, 4, 6)

#: lines of the story's order: four on the shelf and the missing one
STORY_ORDER_LINES: Final = 5

_STOCKED_FAMILIES: Final = ("building_cable", "mcb", "consumer_unit", "downlight")
_MISSING_FAMILIES: Final = ("distribution_board", "isolator", "contactor", "consumer_unit")


@dataclass(slots=True)
class StoryPlan:
    """What the story pins down; the rest of the generator works around it."""

    customer: int
    order: int
    warehouse: int
    partner: int
    missing_sku: int
    stocked_skus: list[int]
    supplier: int
    pinned: dict[tuple[int, int], int] = field(default_factory=dict)
    kept_healthy: set[tuple[int, int]] = field(default_factory=set)
    po_lines: list[tuple[int, int]] = field(default_factory=list)


def _most_popular(products: ProductRange, candidates: np.ndarray) -> int | None:
    if candidates.size == 0:
        return None
    return int(candidates[np.argmax(products.popularity[candidates])])


def _nearest_partner(network: Network, warehouse: int) -> int:
    """The warehouse with the shortest lane into ``warehouse`` (the first on a tie)."""
    code = network.codes[warehouse]
    return min((days, network.index_of(frm)) for frm, to, days in network.lanes() if to == code)[1]


def _cast_customer(customers: CustomerBook, warehouse: int) -> int:
    """The least busy strategic account becomes the story's contractor, on credit hold."""
    strategic = np.flatnonzero(customers.tier == TIER_STRATEGIC)
    customer = int(strategic[np.argmin(customers.activity[strategic])])
    customers.names[customer] = STORY_CUSTOMER_NAME
    customers.home[customer] = warehouse
    customers.credit_hold[customer] = True
    customers.late_payer[customer] = False
    customers.accepts_partial[customer] = False
    return customer


def _missing_item(products: ProductRange, demand: Demand, warehouses: int) -> int:
    """The most popular SKU of the first listed family that nobody has on order."""
    by_pool = demand.open_demand_by_pool(products.size, warehouses)
    untouched = np.flatnonzero(by_pool.sum(axis=1) == 0)
    for family in _MISSING_FAMILIES:
        choice = _most_popular(products, np.intersect1d(products.skus_of_family(family), untouched))
        if choice is not None:
            return choice
    choice = _most_popular(products, untouched)
    if choice is None:  # pragma: no cover - sizes always leave slow SKUs without orders
        raise ValueError("every SKU has open orders; the demo story needs one that has none")
    return choice


def _shelf_items(products: ProductRange, warehouse: int, missing: int) -> list[int]:
    """The most popular stocked SKU of each listed family, topped up to four."""
    shelf = np.flatnonzero(products.stocked[:, warehouse])
    shelf = shelf[shelf != missing]
    stocked: list[int] = []
    for family in _STOCKED_FAMILIES:
        members = np.intersect1d(products.skus_of_family(family), shelf)
        choice = _most_popular(products, np.setdiff1d(members, stocked))
        if choice is not None:
            stocked.append(choice)
    while len(stocked) < STORY_ORDER_LINES - 1:
        choice = _most_popular(products, np.setdiff1d(shelf, stocked))
        if choice is None:  # pragma: no cover - every size stocks far more than four SKUs
            raise ValueError("the central warehouse stocks too few SKUs for the demo story")
        stocked.append(choice)
    return stocked


def _story_order(
    products: ProductRange, customer: int, warehouse: int, stocked: list[int], missing: int
) -> Demand:
    """The story's order: two shelf lines, the missing item, two more shelf lines."""
    step = products.qty_step()
    skus = np.array([*stocked[:2], missing, *stocked[2:]])
    wanted = STORY_MISSING_UNITS[0] * 10
    usual = (products.qty_median()[skus] * 30 // step[skus] * step[skus]).astype(np.int64)
    qty = np.maximum(np.where(skus == missing, wanted, usual), step[skus])
    order_day, promised_day = STORY_ORDER_DAYS
    n = skus.size
    zeros = np.zeros(n, dtype=np.int64)
    orders = OrderTable(
        customer=np.array([customer]),
        warehouse=np.array([warehouse]),
        order_day=np.array([order_day]),
        promised_day=np.array([promised_day]),
        expedite=np.array([False]),
        accepts_partial=np.array([-1]),
        status=np.array([OPEN]),
        salesperson=np.array([0]),
    )
    price = products.list_price[skus]
    lines = LineTable(zeros.copy(), skus, qty, zeros.copy(), zeros.copy(), price, price.copy())
    return Demand(orders, lines)


def plan_story(
    network: Network,
    customers: CustomerBook,
    suppliers: SupplierBook,
    products: ProductRange,
    demand: Demand,
) -> tuple[StoryPlan, Demand]:
    """Cast the story into the business and add its order to ``demand``.

    Changes the chosen customer (name, home, credit hold) and the supplier of the
    missing item (made a slow confirmer) in place.
    """
    warehouse = 0
    partner = _nearest_partner(network, warehouse)
    customer = _cast_customer(customers, warehouse)
    missing = _missing_item(products, demand, network.size)
    stocked = _shelf_items(products, warehouse, missing)
    supplier = int(products.supplier[missing])
    suppliers.make_archetype(supplier, "slow_confirmer")

    order_row = demand.orders.size
    demand = combine(demand, _story_order(products, customer, warehouse, stocked, missing))

    _, bought, spare = (units * 10 for units in STORY_MISSING_UNITS)
    same_supplier = np.flatnonzero((products.supplier == supplier) & products.stocked[:, warehouse])
    others = [int(s) for s in same_supplier if s != missing and s not in stocked][:2]
    buy = products.order_quantity()
    plan = StoryPlan(
        customer=customer,
        order=order_row,
        warehouse=warehouse,
        partner=partner,
        missing_sku=missing,
        stocked_skus=stocked,
        supplier=supplier,
        pinned={
            (missing, warehouse): 0,
            (missing, partner): max(spare, int(products.stock_level()[missing]) + 20),
        },
        kept_healthy={(s, warehouse) for s in stocked},
        po_lines=[(missing, bought), *((s, int(buy[s])) for s in others)],
    )
    return plan, demand


def story_purchase_order(
    plan: StoryPlan, products: ProductRange, suppliers: SupplierBook, buyers: int
) -> Purchasing:
    """The PO the story's order waits on: late against the promise, never confirmed."""
    order_day, expected_day = STORY_PO_DAYS
    n = len(plan.po_lines)
    skus = np.array([s for s, _ in plan.po_lines])
    empty = np.empty(0, dtype=np.int64)
    return Purchasing(
        PurchaseTable(
            supplier=np.array([plan.supplier]),
            warehouse=np.array([plan.warehouse]),
            order_day=np.array([order_day]),
            expected_day=np.array([expected_day]),
            confirmed_day=np.array([NO_DAY]),
            status=np.array([OPEN]),
            buyer=np.array([int(suppliers.specialty[plan.supplier]) % buyers]),
        ),
        PurchaseLineTable(
            po=np.zeros(n, dtype=np.int64),
            sku=skus,
            qty=np.array([q for _, q in plan.po_lines]),
            received=np.zeros(n, dtype=np.int64),
            expected_day=np.full(n, NO_DAY, dtype=np.int64),
            unit_cost=products.unit_cost[skus].copy(),
        ),
        ReceiptTable(empty, empty, empty, empty, np.empty(0, dtype=bool)),
    )


def find_story_order(dataset: Dataset) -> SalesOrder | None:
    """The story's order in a generated dataset, found by its facts (None if absent).

    It is the open order of the story's customer, promised as long after it was placed
    as the story says, with a line whose SKU has nothing on hand at the order's
    warehouse and waits on an open, unconfirmed PO expected after the promise.
    """
    customers = {c.code for c in dataset.customers if c.name == STORY_CUSTOMER_NAME}
    unconfirmed = {
        po.po_id: po
        for po in dataset.purchase_orders
        if po.status is OrderStatus.OPEN and po.confirmed_date is None
    }
    latest_inbound: dict[tuple[str, str], date] = {}
    for po_line in dataset.purchase_order_lines:
        po = unconfirmed.get(po_line.po_id)
        if po is not None and po_line.open_qty > 0:
            key = (po_line.sku, po.warehouse)
            expected = po_line_expected_date(po_line, po)
            latest_inbound[key] = max(expected, latest_inbound.get(key, expected))
    on_hand = {(s.sku, s.warehouse): s.on_hand for s in dataset.stock}
    lines_by_order: dict[str, list[str]] = {}
    for line in dataset.sales_order_lines:
        lines_by_order.setdefault(line.order_id, []).append(line.sku)
    order_to_promise = STORY_ORDER_DAYS[1] - STORY_ORDER_DAYS[0]

    def waits_past_promise(order: SalesOrder, sku: str) -> bool:
        pool = (sku, order.warehouse)
        expected = latest_inbound.get(pool)
        return not on_hand.get(pool) and expected is not None and expected > order.promised_date

    for order in sorted(dataset.sales_orders, key=lambda o: o.order_id):
        if (
            order.customer in customers
            and order.status is OrderStatus.OPEN
            and (order.promised_date - order.order_date).days == order_to_promise
        ):
            skus = lines_by_order.get(order.order_id, [])
            if len(skus) == STORY_ORDER_LINES and any(waits_past_promise(order, s) for s in skus):
                return order
    return None
