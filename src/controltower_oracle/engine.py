"""The reference allocation and order-risk engine: a picture and a date in, an Analysis out.

The product analyses pictures with the numpy kernel (:mod:`controltower.domain.kernel`
and :mod:`controltower.domain.kernel_incremental`); this engine is the readable
specification the tests hold the kernel to, and no part of the product imports it.
``analyse`` is the reference implementation of ``allocation.md``. It is built on
:class:`IncrementalEngine`, which keeps the result per pool, per warehouse, per
customer and per order, so that a change (an order line, a PO date, a stock level, a
receipt, an invoice) re-pegs only the pools it touches, updates the pick schedule of a
capacity-limited warehouse only where its ready lines moved, re-assesses credit only
for the customers it touches, and rebuilds only the orders whose inputs changed. A
full analysis is the same machinery with everything marked as changed, so the two
cannot drift apart.

Determinism: every collection is indexed by its key and every sort ends on a unique
key, so the result is the same under any order of the input rows. A repeated key
makes the picture ambiguous and is refused with :class:`DatasetConflictError`.
Rows that reference something absent (a line of an unknown order, a PO line of an
unknown PO) cannot come from a valid dataset and take no part, as the rules say of
anything that is not open demand or open supply.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from controltower.domain.analysis import (
    AllocationPolicy,
    Analysis,
    CreditAssessment,
    LineOutcome,
    OrderOutcome,
)
from controltower.domain.errors import DatasetConflictError
from controltower.domain.explain import explain_order
from controltower.domain.model import (
    ZERO,
    Customer,
    Dataset,
    Invoice,
    OrderStatus,
    Pick,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    Return,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    Supplier,
    Tier,
    TransferLane,
    Warehouse,
    effective_unit_price,
)
from controltower_oracle.alternatives import transfer_alternatives
from controltower_oracle.capacity import PickSchedule, ReadyLine
from controltower_oracle.credit import assess_credit, open_line_value
from controltower_oracle.pegging import (
    LineKey,
    PoLineKey,
    PoolDemand,
    PoolKey,
    PoolPegging,
    SupplyKind,
    peg_pool,
    pool_supply,
)
from controltower_oracle.priority import PriorityKey, demand_priority
from controltower_oracle.risk import assess_order, needs_attention, open_value

__all__ = ["IncrementalEngine", "analyse"]

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")


def analyse(
    dataset: Dataset, as_of: date, policy: AllocationPolicy = AllocationPolicy()
) -> Analysis:
    """Peg all open demand of ``dataset`` as of ``as_of`` and say where each order stands."""
    return IncrementalEngine(dataset, as_of, policy).analysis()


def _index(rows: Iterable[R], key: Callable[[R], K], what: Callable[[K], str]) -> dict[K, R]:
    indexed: dict[K, R] = {}
    for row in rows:
        k = key(row)
        if k in indexed:
            raise DatasetConflictError(f"{what(k)} appears more than once")
        indexed[k] = row
    return indexed


def _nested(
    rows: Iterable[R], key: Callable[[R], tuple[str, int]], what: Callable[[tuple[str, int]], str]
) -> dict[str, dict[int, R]]:
    nested: dict[str, dict[int, R]] = defaultdict(dict)
    for k, row in _index(rows, key, what).items():
        nested[k[0]][k[1]] = row
    return nested


class _Picture:
    """The dataset indexed by key, plus the memberships the engine walks.

    ``pool_lines`` holds every line of a known order under (sku, order's warehouse), and
    ``pool_po_lines`` every line of a known PO under (sku, PO's warehouse), whatever
    their status: pegging filters for open demand and open supply, so a status change
    only has to re-peg, never to re-index.
    """

    def __init__(self, dataset: Dataset) -> None:
        self.warehouses: dict[str, Warehouse] = _index(
            dataset.warehouses, lambda w: w.code, lambda k: f"warehouse {k}"
        )
        self.lanes: dict[tuple[str, str], TransferLane] = _index(
            dataset.transfer_lanes,
            lambda lane: (lane.from_warehouse, lane.to_warehouse),
            lambda k: f"transfer lane {k[0]} -> {k[1]}",
        )
        self.lanes_into: dict[str, list[TransferLane]] = defaultdict(list)
        self.lanes_from: dict[str, set[str]] = defaultdict(set)
        for (source, target), lane in sorted(self.lanes.items()):
            self.lanes_into[target].append(lane)
            self.lanes_from[source].add(target)
        self.products: dict[str, Product] = _index(
            dataset.products, lambda p: p.sku, lambda k: f"product {k}"
        )
        self.customers: dict[str, Customer] = _index(
            dataset.customers, lambda c: c.code, lambda k: f"customer {k}"
        )
        self.suppliers: dict[str, Supplier] = _index(
            dataset.suppliers, lambda s: s.code, lambda k: f"supplier {k}"
        )
        self.stock: dict[PoolKey, StockLevel] = _index(
            dataset.stock,
            lambda s: (s.sku, s.warehouse),
            lambda k: f"stock of {k[0]} in {k[1]}",
        )
        self.orders: dict[str, SalesOrder] = _index(
            dataset.sales_orders, lambda o: o.order_id, lambda k: f"sales order {k}"
        )
        self.order_lines: dict[str, dict[int, SalesOrderLine]] = _nested(
            dataset.sales_order_lines,
            lambda line: (line.order_id, line.line),
            lambda k: f"sales order {k[0]} line {k[1]}",
        )
        self.purchase_orders: dict[str, PurchaseOrder] = _index(
            dataset.purchase_orders, lambda p: p.po_id, lambda k: f"purchase order {k}"
        )
        self.po_lines: dict[str, dict[int, PurchaseOrderLine]] = _nested(
            dataset.purchase_order_lines,
            lambda line: (line.po_id, line.line),
            lambda k: f"purchase order {k[0]} line {k[1]}",
        )
        self.receipts: dict[str, Receipt] = _index(
            dataset.receipts, lambda r: r.receipt_id, lambda k: f"receipt {k}"
        )
        self.invoices: dict[str, Invoice] = _index(
            dataset.invoices, lambda i: i.invoice_id, lambda k: f"invoice {k}"
        )
        self.returns: list[Return] = list(dataset.returns)
        self.picks: list[Pick] = list(dataset.picks)

        self.invoices_by_customer: dict[str, set[str]] = defaultdict(set)
        for invoice in self.invoices.values():
            self.invoices_by_customer[invoice.customer].add(invoice.invoice_id)
        self.orders_by_customer: dict[str, set[str]] = defaultdict(set)
        self.pool_lines: dict[PoolKey, set[LineKey]] = defaultdict(set)
        for order in self.orders.values():
            self.orders_by_customer[order.customer].add(order.order_id)
            self.link_order_lines(order.order_id)
        self.pool_po_lines: dict[PoolKey, set[PoLineKey]] = defaultdict(set)
        for po_id in self.purchase_orders:
            self.link_po_lines(po_id)

    # --- memberships -------------------------------------------------------------

    def order_line_pools(self, order_id: str) -> set[PoolKey]:
        order = self.orders.get(order_id)
        if order is None:
            return set()
        return {(line.sku, order.warehouse) for line in self.order_lines.get(order_id, {}).values()}

    def link_order_lines(self, order_id: str) -> None:
        order = self.orders.get(order_id)
        if order is None:
            return
        for line in self.order_lines.get(order_id, {}).values():
            self.pool_lines[(line.sku, order.warehouse)].add((order_id, line.line))

    def unlink_order_lines(self, order_id: str) -> None:
        order = self.orders.get(order_id)
        if order is None:
            return
        for line in self.order_lines.get(order_id, {}).values():
            _discard(self.pool_lines, (line.sku, order.warehouse), (order_id, line.line))

    def po_line_pools(self, po_id: str) -> set[PoolKey]:
        order = self.purchase_orders.get(po_id)
        if order is None:
            return set()
        return {(line.sku, order.warehouse) for line in self.po_lines.get(po_id, {}).values()}

    def link_po_lines(self, po_id: str) -> None:
        order = self.purchase_orders.get(po_id)
        if order is None:
            return
        for line in self.po_lines.get(po_id, {}).values():
            self.pool_po_lines[(line.sku, order.warehouse)].add((po_id, line.line))

    def unlink_po_lines(self, po_id: str) -> None:
        order = self.purchase_orders.get(po_id)
        if order is None:
            return
        for line in self.po_lines.get(po_id, {}).values():
            _discard(self.pool_po_lines, (line.sku, order.warehouse), (po_id, line.line))

    def all_pools(self) -> set[PoolKey]:
        return set(self.pool_lines) | set(self.stock) | set(self.pool_po_lines)

    # --- look-ups the explanation needs (explain.SupplyDirectory) -----------------

    def purchase_order(self, po_id: str) -> PurchaseOrder | None:
        return self.purchase_orders.get(po_id)

    def purchase_order_line(self, po_id: str, line: int) -> PurchaseOrderLine | None:
        return self.po_lines.get(po_id, {}).get(line)

    def supplier(self, code: str) -> Supplier | None:
        return self.suppliers.get(code)

    # --- the picture as a dataset again -------------------------------------------

    def to_dataset(self) -> Dataset:
        """The current picture, rows sorted by key."""
        return Dataset(
            warehouses=_values_by_key(self.warehouses),
            transfer_lanes=_values_by_key(self.lanes),
            products=_values_by_key(self.products),
            customers=_values_by_key(self.customers),
            suppliers=_values_by_key(self.suppliers),
            stock=_values_by_key(self.stock),
            sales_orders=_values_by_key(self.orders),
            sales_order_lines=[
                line
                for order_id in sorted(self.order_lines)
                for line in _values_by_key(self.order_lines[order_id])
            ],
            purchase_orders=_values_by_key(self.purchase_orders),
            purchase_order_lines=[
                line
                for po_id in sorted(self.po_lines)
                for line in _values_by_key(self.po_lines[po_id])
            ],
            receipts=_values_by_key(self.receipts),
            invoices=_values_by_key(self.invoices),
            returns=list(self.returns),
            picks=list(self.picks),
        )


def _discard(index: dict[K, set[R]], key: K, member: R) -> None:
    members = index.get(key)
    if members is None:
        return
    members.discard(member)
    if not members:
        del index[key]


def _values_by_key(rows: dict[Any, R]) -> list[R]:
    return [rows[k] for k in sorted(rows)]


def _ready_lines(pegging: PoolPegging | None) -> dict[LineKey, tuple[date, PriorityKey]]:
    """What capacity scheduling reads from a pool: ready lines, their date and priority."""
    if pegging is None:
        return {}
    return {
        key: (line.supply_date, line.priority)
        for key, line in pegging.lines.items()
        if line.supply_date is not None
    }


def _orders_repegged(
    old: PoolPegging | None, new: PoolPegging | None, *, every_line: bool
) -> set[str]:
    """Orders with a line in either pegging: all of them, or those whose pegging moved."""
    old_lines = old.lines if old is not None else {}
    new_lines = new.lines if new is not None else {}
    if every_line:
        return {order_id for order_id, _ in old_lines.keys() | new_lines.keys()}
    moved = {
        order_id
        for (order_id, number), line in new_lines.items()
        if old_lines.get((order_id, number)) != line
    }
    moved.update(order_id for order_id, number in old_lines.keys() - new_lines.keys())
    return moved


def _free_stock(pegging: PoolPegging | None) -> Decimal:
    return pegging.free_stock if pegging is not None else ZERO


class IncrementalEngine:
    """The analysis of one picture as of one date, kept current as the picture changes.

    Each change method updates the picture and then recomputes only what depends on
    it; :meth:`analysis` always equals ``analyse(self.dataset(), as_of, policy)``.
    """

    def __init__(
        self, dataset: Dataset, as_of: date, policy: AllocationPolicy = AllocationPolicy()
    ) -> None:
        self._as_of = as_of
        self._policy = policy
        self._picture = _Picture(dataset)
        self._pegging: dict[PoolKey, PoolPegging] = {}
        self._schedules: dict[str, PickSchedule[LineKey]] = {
            code: PickSchedule(row.pick_capacity_lines_per_day)
            for code, row in self._picture.warehouses.items()
            if row.pick_capacity_lines_per_day is not None
        }
        #: each pool's ready lines as its warehouse's schedule last saw them
        self._ready: dict[PoolKey, dict[LineKey, tuple[date, PriorityKey]]] = {}
        self._credit: dict[str, CreditAssessment] = {}
        self._outcomes: dict[str, OrderOutcome] = {}
        self._refresh(
            pools=self._picture.all_pools(),
            customers={o.customer for o in self._picture.orders.values()},
            orders=set(self._picture.orders),
        )

    @property
    def as_of(self) -> date:
        return self._as_of

    @property
    def policy(self) -> AllocationPolicy:
        return self._policy

    # --- results -----------------------------------------------------------------

    def analysis(self) -> Analysis:
        """The current conclusion: orders by ``order_id``, pools and credit by key."""
        orders = [self._outcomes[order_id] for order_id in sorted(self._outcomes)]
        customers = sorted({order.customer for order in orders})
        return Analysis(
            as_of=self._as_of,
            orders=orders,
            pools={key: self._pegging[key].outcome() for key in sorted(self._pegging)},
            credit={code: self._credit[code] for code in customers},
        )

    def dataset(self) -> Dataset:
        """The picture as it stands after every change applied so far."""
        return self._picture.to_dataset()

    # --- changes -----------------------------------------------------------------

    def upsert_order(self, order: SalesOrder) -> None:
        """Add an order header or change one (dates, expedite, status, warehouse, ...)."""
        picture = self._picture
        old = picture.orders.get(order.order_id)
        pools = picture.order_line_pools(order.order_id)
        customers = {order.customer}
        if old is not None:
            customers.add(old.customer)
            picture.unlink_order_lines(order.order_id)
            _discard(picture.orders_by_customer, old.customer, order.order_id)
        picture.orders[order.order_id] = order
        picture.orders_by_customer[order.customer].add(order.order_id)
        picture.link_order_lines(order.order_id)
        pools |= picture.order_line_pools(order.order_id)
        self._refresh(pools=pools, customers=customers, orders={order.order_id})

    def upsert_order_line(self, line: SalesOrderLine) -> None:
        """Add an order line or change one (quantities, reservation, SKU, price)."""
        self._replace_order_line(line.order_id, line.line, line)

    def remove_order_line(self, order_id: str, line: int) -> None:
        """Remove an order line that exists."""
        if line not in self._picture.order_lines.get(order_id, {}):
            raise DatasetConflictError(f"sales order {order_id} line {line} does not exist")
        self._replace_order_line(order_id, line, None)

    def upsert_purchase_order(self, order: PurchaseOrder) -> None:
        """Add a PO header or change one (expected or confirmed date, status, ...)."""
        picture = self._picture
        pools = picture.po_line_pools(order.po_id)
        picture.unlink_po_lines(order.po_id)
        picture.purchase_orders[order.po_id] = order
        picture.link_po_lines(order.po_id)
        pools |= picture.po_line_pools(order.po_id)
        self._refresh(pools=pools, supply_named=True)

    def upsert_purchase_order_line(self, line: PurchaseOrderLine) -> None:
        """Add a PO line or change one (quantity, received, expected date, SKU)."""
        self._replace_po_line(line.po_id, line.line, line)

    def remove_purchase_order_line(self, po_id: str, line: int) -> None:
        """Remove a PO line that exists."""
        if line not in self._picture.po_lines.get(po_id, {}):
            raise DatasetConflictError(f"purchase order {po_id} line {line} does not exist")
        self._replace_po_line(po_id, line, None)

    def set_stock(self, level: StockLevel) -> None:
        """Set the on-hand and quality-held quantity of one (sku, warehouse)."""
        self._picture.stock[(level.sku, level.warehouse)] = level
        self._refresh(pools={(level.sku, level.warehouse)})

    def add_receipt(self, receipt: Receipt) -> None:
        """Record a receipt: its quantity is added to the PO line's ``qty_received``.

        Stock levels are not touched: the ERP reports them separately (``set_stock``).
        """
        picture = self._picture
        if receipt.receipt_id in picture.receipts:
            raise DatasetConflictError(f"receipt {receipt.receipt_id} already exists")
        po_line = picture.po_lines.get(receipt.po_id, {}).get(receipt.line)
        if po_line is None:
            raise DatasetConflictError(
                f"receipt {receipt.receipt_id} names purchase order {receipt.po_id} "
                f"line {receipt.line}, which does not exist"
            )
        picture.receipts[receipt.receipt_id] = receipt
        received = dataclasses.replace(po_line, qty_received=po_line.qty_received + receipt.qty)
        self._replace_po_line(receipt.po_id, receipt.line, received)

    def upsert_invoice(self, invoice: Invoice) -> None:
        """Add an invoice or change one (residual, due date, dispute)."""
        picture = self._picture
        old = picture.invoices.get(invoice.invoice_id)
        customers = {invoice.customer}
        if old is not None:
            customers.add(old.customer)
            _discard(picture.invoices_by_customer, old.customer, invoice.invoice_id)
        picture.invoices[invoice.invoice_id] = invoice
        picture.invoices_by_customer[invoice.customer].add(invoice.invoice_id)
        self._refresh(customers=customers)

    def remove_invoice(self, invoice_id: str) -> None:
        """Remove an invoice that exists (paid and archived, or deleted in the ERP)."""
        picture = self._picture
        old = picture.invoices.pop(invoice_id, None)
        if old is None:
            raise DatasetConflictError(f"invoice {invoice_id} does not exist")
        _discard(picture.invoices_by_customer, old.customer, invoice_id)
        self._refresh(customers={old.customer})

    # --- change plumbing -----------------------------------------------------------

    def _replace_order_line(self, order_id: str, number: int, line: SalesOrderLine | None) -> None:
        picture = self._picture
        order = picture.orders.get(order_id)
        lines = picture.order_lines.setdefault(order_id, {})
        old = lines.get(number)
        pools: set[PoolKey] = set()
        if order is not None and old is not None:
            pools.add((old.sku, order.warehouse))
            _discard(picture.pool_lines, (old.sku, order.warehouse), (order_id, number))
        if line is None:
            lines.pop(number, None)
            if not lines:
                del picture.order_lines[order_id]
        else:
            lines[number] = line
            if order is not None:
                pools.add((line.sku, order.warehouse))
                picture.pool_lines[(line.sku, order.warehouse)].add((order_id, number))
        customers = {order.customer} if order is not None else set()
        self._refresh(pools=pools, customers=customers, orders={order_id})

    def _replace_po_line(self, po_id: str, number: int, line: PurchaseOrderLine | None) -> None:
        picture = self._picture
        order = picture.purchase_orders.get(po_id)
        lines = picture.po_lines.setdefault(po_id, {})
        old = lines.get(number)
        pools: set[PoolKey] = set()
        if order is not None and old is not None:
            pools.add((old.sku, order.warehouse))
            _discard(picture.pool_po_lines, (old.sku, order.warehouse), (po_id, number))
        if line is None:
            lines.pop(number, None)
            if not lines:
                del picture.po_lines[po_id]
        else:
            lines[number] = line
            if order is not None:
                pools.add((line.sku, order.warehouse))
                picture.pool_po_lines[(line.sku, order.warehouse)].add((po_id, number))
        self._refresh(pools=pools, supply_named=True)

    # --- recomputation -------------------------------------------------------------

    def _refresh(
        self,
        *,
        pools: Iterable[PoolKey] = (),
        customers: Iterable[str] = (),
        orders: Iterable[str] = (),
        supply_named: bool = False,
    ) -> None:
        """Recompute what depends on the given pools, customers and orders, and no more.

        Pools are re-pegged; in a warehouse with a pick capacity, the ready lines that
        left, joined or moved in those pools (and only those) update its pick schedule;
        an order is rebuilt when it has a line in a re-pegged pool, a line whose pick day
        moved, a customer whose credit changed, or a line that could take a transfer
        from a pool whose free stock changed. Without a capacity a line's pick day is its
        supply date, which re-pegging its pool already accounts for.

        In a re-pegged pool, an order is rebuilt only when the pegging of one of its
        lines changed, since that is all an order takes from its pools; except when the
        change was to a purchase order (``supply_named``), which the explanation of
        every order pegged to it names, so every order of those pools is rebuilt.
        """
        dirty_orders = set(orders)
        left: dict[str, set[LineKey]] = defaultdict(set)
        joined: dict[str, list[ReadyLine[LineKey]]] = defaultdict(list)
        freed: set[PoolKey] = set()
        for key in pools:
            old = self._pegging.get(key)
            new = self._peg(key)
            dirty_orders.update(_orders_repegged(old, new, every_line=supply_named))
            if key[1] in self._schedules:
                old_ready, new_ready = self._ready.pop(key, {}), _ready_lines(new)
                if new_ready:
                    self._ready[key] = new_ready
                left[key[1]].update(old_ready.keys() - new_ready.keys())
                joined[key[1]].extend(
                    ReadyLine(line_key, supply_date, priority)
                    for line_key, (supply_date, priority) in new_ready.items()
                    if old_ready.get(line_key) != (supply_date, priority)
                )
            if _free_stock(old) != _free_stock(new):
                freed.add(key)
            if new is None:
                self._pegging.pop(key, None)
            else:
                self._pegging[key] = new

        for warehouse in left.keys() | joined.keys():
            moved = self._schedules[warehouse].update(left[warehouse], joined[warehouse])
            dirty_orders.update(order_id for order_id, _ in moved)

        dirty_orders.update(self._orders_a_transfer_could_serve(freed))
        dirty_orders.update(self._reassess_credit(customers))
        self._rebuild_orders(dirty_orders)

    def _orders_a_transfer_could_serve(self, freed: Iterable[PoolKey]) -> Iterator[str]:
        """The orders with a line in a pool that a lane links to one of ``freed``."""
        for sku, source in freed:
            for target in self._picture.lanes_from.get(source, ()):
                for order_id, _ in self._picture.pool_lines.get((sku, target), ()):
                    yield order_id

    def _reassess_credit(self, customers: Iterable[str]) -> set[str]:
        """Assess the customers' credit again; the orders of those whose credit changed."""
        changed: set[str] = set()
        for code in customers:
            assessment = self._assess_credit(code)
            if self._credit.get(code) != assessment:
                self._credit[code] = assessment
                changed.update(self._picture.orders_by_customer.get(code, ()))
        return changed

    def _rebuild_orders(self, order_ids: Iterable[str]) -> None:
        for order_id in order_ids:
            outcome = self._build_order(order_id)
            if outcome is None:
                self._outcomes.pop(order_id, None)
            else:
                self._outcomes[order_id] = outcome

    def _open_order_lines(self, order: SalesOrder) -> list[SalesOrderLine]:
        """Lines of an open order with quantity still to ship, by line number."""
        if order.status is not OrderStatus.OPEN:
            return []
        lines = self._picture.order_lines.get(order.order_id, {})
        return [lines[n] for n in sorted(lines) if lines[n].open_qty > ZERO]

    def _tier(self, customer: str) -> Tier:
        row = self._picture.customers.get(customer)
        return row.tier if row is not None else Tier.STANDARD

    def _peg(self, key: PoolKey) -> PoolPegging | None:
        """Peg one pool; None when it has no open demand, no stock row and no open PO."""
        picture = self._picture
        sku, warehouse = key
        demand: list[PoolDemand] = []
        for order_id, number in picture.pool_lines.get(key, ()):
            order = picture.orders[order_id]
            line = picture.order_lines[order_id][number]
            if order.status is not OrderStatus.OPEN or line.open_qty <= ZERO:
                continue
            demand.append(
                PoolDemand(
                    key=(order_id, number),
                    priority=demand_priority(order, self._tier(order.customer), line),
                    open_qty=line.open_qty,
                    qty_reserved=line.qty_reserved,
                )
            )
        purchase_lines = [
            (picture.purchase_orders[po_id], picture.po_lines[po_id][number])
            for po_id, number in picture.pool_po_lines.get(key, ())
        ]
        stock = picture.stock.get(key)
        supply = pool_supply(stock, purchase_lines, as_of=self._as_of, policy=self._policy)
        has_inbound = any(entry.kind is SupplyKind.INBOUND for entry in supply.future)
        if not demand and stock is None and not has_inbound:
            return None
        return peg_pool(sku, warehouse, supply, demand, as_of=self._as_of)

    def _pick_day(self, warehouse: str, key: LineKey, supply_date: date | None) -> date | None:
        """When a line is picked: its supply date, later if its warehouse is busy."""
        if supply_date is None:
            return None
        schedule = self._schedules.get(warehouse)
        return schedule.day_of(key) if schedule is not None else supply_date

    def _assess_credit(self, code: str) -> CreditAssessment:
        picture = self._picture
        order_value = ZERO
        for order_id in picture.orders_by_customer.get(code, ()):
            for line in self._open_order_lines(picture.orders[order_id]):
                price = effective_unit_price(line, picture.products.get(line.sku))
                order_value += open_line_value(line.open_qty, price)
        invoices = (picture.invoices[i] for i in picture.invoices_by_customer.get(code, ()))
        return assess_credit(
            code,
            picture.customers.get(code),
            invoices,
            order_value,
            as_of=self._as_of,
            overdue_days_block=self._policy.overdue_days_block,
        )

    def _credit_of(self, code: str) -> CreditAssessment:
        assessment = self._credit.get(code)
        if assessment is None:
            assessment = self._credit[code] = self._assess_credit(code)
        return assessment

    def _free_stock_of(self, sku: str, warehouse: str) -> Decimal:
        return _free_stock(self._pegging.get((sku, warehouse)))

    def _build_order(self, order_id: str) -> OrderOutcome | None:
        """Where one order stands now; None when it is not open or has nothing open."""
        picture = self._picture
        order = picture.orders.get(order_id)
        if order is None:
            return None
        open_lines = self._open_order_lines(order)
        if not open_lines:
            return None
        warehouse = picture.warehouses.get(order.warehouse)
        outcomes: list[LineOutcome] = []
        for line in open_lines:
            key = (order_id, line.line)
            pegging = self._pegging[(line.sku, order.warehouse)].lines[key]
            outcome = LineOutcome(
                order_id=order_id,
                line=line.line,
                sku=line.sku,
                warehouse=order.warehouse,
                open_qty=line.open_qty,
                from_stock=pegging.from_stock,
                from_quality_hold=pegging.from_quality_hold,
                from_inbound=pegging.from_inbound,
                short_qty=pegging.short_qty,
                projected_date=self._pick_day(order.warehouse, key, pegging.supply_date),
                supply_date=pegging.supply_date,
                unit_price=effective_unit_price(line, picture.products.get(line.sku)),
            )
            if needs_attention(outcome, order.promised_date):
                alternatives = transfer_alternatives(
                    sku=line.sku,
                    to_warehouse=warehouse,
                    promised_date=order.promised_date,
                    as_of=self._as_of,
                    lanes_into=picture.lanes_into.get(order.warehouse, ()),
                    warehouse=picture.warehouses.get,
                    free_stock=self._free_stock_of,
                )
                outcome = dataclasses.replace(outcome, alternatives=alternatives)
            outcomes.append(outcome)
        credit = self._credit_of(order.customer)
        standing = assess_order(outcomes, order.promised_date, credit)
        explanation = explain_order(
            order,
            outcomes,
            standing,
            credit,
            warehouse=warehouse,
            supply=picture,
            as_of=self._as_of,
            overdue_days_block=self._policy.overdue_days_block,
        )
        return OrderOutcome(
            order_id=order_id,
            customer=order.customer,
            warehouse=order.warehouse,
            promised_date=order.promised_date,
            status=standing.status,
            allocation=standing.allocation,
            blockers=standing.blockers,
            projected_ship_date=standing.projected_ship_date,
            at_risk=standing.at_risk,
            days_late=standing.days_late,
            lines=tuple(outcomes),
            explanation=explanation,
            open_value=open_value(outcomes),
        )
