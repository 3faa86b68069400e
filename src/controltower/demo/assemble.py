"""Turn the generator's arrays into the domain's value objects.

This is the one place that names documents (``SO100042``, ``PO100007``, ...), numbers
lines and converts tenths, pence and day offsets into Decimals and dates. Document
numbers follow the document's date, as an ERP's sequences do, with ties broken by a
seeded draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import attrgetter

import numpy as np

from controltower.demo.aftersales import ReturnTable
from controltower.demo.assortment import ProductRange
from controltower.demo.catalogue import COMPANY, FAMILIES
from controltower.demo.convert import Converter
from controltower.demo.demand import Demand
from controltower.demo.finance import InvoiceTable
from controltower.demo.fulfilment import PickTable
from controltower.demo.network import Network
from controltower.demo.parties import CustomerBook, SupplierBook
from controltower.demo.people import Staff
from controltower.demo.purchasing import Purchasing
from controltower.demo.stock import StockPlan
from controltower.domain.model import (
    Customer,
    Dataset,
    Invoice,
    OrderStatus,
    Pick,
    PickStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
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

_TIERS = (Tier.STRATEGIC, Tier.KEY, Tier.STANDARD)
_ORDER_STATUSES = (OrderStatus.OPEN, OrderStatus.DONE, OrderStatus.CANCELLED)
_RETURN_STATUSES = tuple(ReturnStatus)
_PICK_STATUSES = (PickStatus.OPEN, PickStatus.DONE)
_FIRST_NUMBER = 100_001

#: each entity's key (``docs/dataset-format.md``): rows are listed in key order, as a dataset
#: folder lists them, so a business written and read back is equal to itself
_KEYS: dict[str, tuple[str, ...]] = {
    "warehouses": ("code",),
    "transfer_lanes": ("from_warehouse", "to_warehouse"),
    "products": ("sku",),
    "customers": ("code",),
    "suppliers": ("code",),
    "stock": ("sku", "warehouse"),
    "sales_orders": ("order_id",),
    "sales_order_lines": ("order_id", "line"),
    "purchase_orders": ("po_id",),
    "purchase_order_lines": ("po_id", "line"),
    "receipts": ("receipt_id",),
    "invoices": ("invoice_id",),
    "returns": ("rma_id",),
    "picks": ("pick_id",),
}


@dataclass(frozen=True, slots=True)
class Business:
    """Everything the generator decided, before it becomes a dataset."""

    network: Network
    pick_capacities: list[int]
    staff: Staff
    suppliers: SupplierBook
    products: ProductRange
    customers: CustomerBook
    credit_limits: np.ndarray
    stock: StockPlan
    demand: Demand
    purchasing: Purchasing
    invoices: InvoiceTable
    returns: ReturnTable
    picks: PickTable


def sequence_within(groups: np.ndarray) -> np.ndarray:
    """1, 2, ... within each group, in row order (line numbers of documents)."""
    by_group = np.argsort(groups, kind="stable")
    sorted_groups = groups[by_group]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    lengths = np.diff(np.r_[starts, sorted_groups.size])
    numbers = np.empty(groups.size, dtype=np.int64)
    numbers[by_group] = np.arange(sorted_groups.size) - np.repeat(starts, lengths) + 1
    return numbers


def _numbering(
    rng: np.random.Generator, prefix: str, days: np.ndarray
) -> tuple[list[str], np.ndarray]:
    """(id of each row, rows in id order): ids ascend with the date."""
    order = np.lexsort((rng.random(days.size), days))
    numbers = np.empty(days.size, dtype=np.int64)
    numbers[order] = np.arange(_FIRST_NUMBER, _FIRST_NUMBER + days.size)
    return [f"{prefix}{n}" for n in numbers.tolist()], order


def _line_order(
    document_of_line: np.ndarray, documents_in_order: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(line number of each line, lines sorted by document id then line number)."""
    number = sequence_within(document_of_line)
    rank = np.empty(documents_in_order.size, dtype=np.int64)
    rank[documents_in_order] = np.arange(documents_in_order.size)
    return number, np.lexsort((number, rank[document_of_line]))


def to_dataset(business: Business, as_of: date, rng: np.random.Generator) -> Dataset:
    """The canonical dataset of ``business`` as of ``as_of``."""
    convert = Converter(as_of)
    net = business.network
    dataset = Dataset()
    dataset.warehouses = [
        Warehouse(code, name, COMPANY, capacity)
        for code, name, capacity in zip(net.codes, net.names, business.pick_capacities, strict=True)
    ]
    dataset.transfer_lanes = [TransferLane(a, b, days) for a, b, days in net.lanes()]
    dataset.products = _products(business.products, convert)
    dataset.customers = _customers(business.customers, business.credit_limits)
    suppliers = business.suppliers
    dataset.suppliers = [
        Supplier(code, name, None if lead < 0 else lead)
        for code, name, lead in zip(
            suppliers.codes, suppliers.names, suppliers.lead_days.tolist(), strict=True
        )
    ]
    dataset.stock = _stock(business, convert)
    order_ids = _sales(dataset, business, rng, convert)
    _purchases(dataset, business, rng, convert)
    _receivables(dataset, business, rng, convert)
    _returns(dataset, business, rng, order_ids, convert)
    _picks(dataset, business, rng, order_ids, convert)
    for name, key in _KEYS.items():
        getattr(dataset, name).sort(key=attrgetter(*key))
    return dataset


def _products(products: ProductRange, convert: Converter) -> list[Product]:
    uoms = [f.uom for f in FAMILIES]
    return [
        Product(sku, name, cost, price, uoms[family], point, reorder)
        for sku, name, cost, price, family, point, reorder in zip(
            products.skus,
            products.names,
            convert.amounts(products.unit_cost),
            convert.amounts(products.list_price),
            products.family.tolist(),
            convert.optional_quantities(products.reorder_point),
            convert.optional_quantities(products.reorder_qty),
            strict=True,
        )
    ]


def _customers(customers: CustomerBook, limits: np.ndarray) -> list[Customer]:
    return [
        Customer(
            code,
            name,
            _TIERS[tier],
            None if limit < 0 else Decimal(limit),
            hold,
            owner,
            partial,
        )
        for code, name, tier, limit, hold, owner, partial in zip(
            customers.codes,
            customers.names,
            customers.tier.tolist(),
            limits.tolist(),
            customers.credit_hold.tolist(),
            customers.account_owner,
            customers.accepts_partial.tolist(),
            strict=True,
        )
    ]


def _stock(business: Business, convert: Converter) -> list[StockLevel]:
    skus, codes, stock = business.products.skus, business.network.codes, business.stock
    sku, warehouse = stock.rows()
    return [
        StockLevel(skus[s], codes[w], on_hand, held)
        for s, w, on_hand, held in zip(
            sku.tolist(),
            warehouse.tolist(),
            convert.quantities(stock.on_hand[sku, warehouse]),
            convert.quantities(stock.quality_hold[sku, warehouse]),
            strict=True,
        )
    ]


def _sales(
    dataset: Dataset, business: Business, rng: np.random.Generator, convert: Converter
) -> list[str]:
    orders, lines = business.demand.orders, business.demand.lines
    ids, in_order = _numbering(rng, "SO", orders.order_day)
    codes, wh = business.customers.codes, business.network.codes
    desks = business.staff.sales_desks
    accepts = (None, False, True)
    dataset.sales_orders = [
        SalesOrder(
            ids[i],
            codes[customer],
            wh[warehouse],
            ordered,
            promised,
            expedite,
            accepts[partial + 1],
            _ORDER_STATUSES[status],
            None if seller < 0 else desks[warehouse][seller],
        )
        for i, customer, warehouse, ordered, promised, expedite, partial, status, seller in zip(
            in_order.tolist(),
            orders.customer[in_order].tolist(),
            orders.warehouse[in_order].tolist(),
            convert.days(orders.order_day[in_order]),
            convert.days(orders.promised_day[in_order]),
            orders.expedite[in_order].tolist(),
            orders.accepts_partial[in_order].tolist(),
            orders.status[in_order].tolist(),
            orders.salesperson[in_order].tolist(),
            strict=True,
        )
    ]
    number, rows = _line_order(lines.order, in_order)
    skus = business.products.skus
    dataset.sales_order_lines = [
        SalesOrderLine(ids[order], line, skus[sku], *values)
        for order, line, sku, *values in zip(
            lines.order[rows].tolist(),
            number[rows].tolist(),
            lines.sku[rows].tolist(),
            convert.quantities(lines.qty[rows]),
            convert.quantities(lines.shipped[rows]),
            convert.quantities(lines.reserved[rows]),
            convert.optional_amounts(lines.unit_price[rows]),
            convert.optional_amounts(lines.list_price[rows]),
            strict=True,
        )
    ]
    return ids


def _purchases(
    dataset: Dataset, business: Business, rng: np.random.Generator, convert: Converter
) -> None:
    purchasing = business.purchasing
    pos, lines, receipts = purchasing.orders, purchasing.lines, purchasing.receipts
    ids, in_order = _numbering(rng, "PO", pos.order_day)
    codes, wh, buyers = business.suppliers.codes, business.network.codes, business.staff.buyers
    dataset.purchase_orders = [
        PurchaseOrder(
            ids[i],
            codes[supplier],
            wh[warehouse],
            ordered,
            expected,
            confirmed,
            _ORDER_STATUSES[status],
            buyers[buyer],
        )
        for i, supplier, warehouse, ordered, expected, confirmed, status, buyer in zip(
            in_order.tolist(),
            pos.supplier[in_order].tolist(),
            pos.warehouse[in_order].tolist(),
            convert.days(pos.order_day[in_order]),
            convert.days(pos.expected_day[in_order]),
            convert.optional_days(pos.confirmed_day[in_order]),
            pos.status[in_order].tolist(),
            pos.buyer[in_order].tolist(),
            strict=True,
        )
    ]
    number, rows = _line_order(lines.po, in_order)
    skus = business.products.skus
    dataset.purchase_order_lines = [
        PurchaseOrderLine(ids[po], line, skus[sku], *values)
        for po, line, sku, *values in zip(
            lines.po[rows].tolist(),
            number[rows].tolist(),
            lines.sku[rows].tolist(),
            convert.quantities(lines.qty[rows]),
            convert.quantities(lines.received[rows]),
            convert.optional_days(lines.expected_day[rows]),
            convert.amounts(lines.unit_cost[rows]),
            strict=True,
        )
    ]
    receipt_ids, receipt_order = _numbering(rng, "GRN", receipts.received_day)
    line_of = receipts.line[receipt_order]
    dataset.receipts = [
        Receipt(receipt_ids[i], ids[po], line, *values)
        for i, po, line, *values in zip(
            receipt_order.tolist(),
            lines.po[line_of].tolist(),
            number[line_of].tolist(),
            convert.days(receipts.received_day[receipt_order]),
            convert.quantities(receipts.qty[receipt_order]),
            convert.quantities(receipts.damaged[receipt_order]),
            receipts.put_away[receipt_order].tolist(),
            strict=True,
        )
    ]


def _receivables(
    dataset: Dataset, business: Business, rng: np.random.Generator, convert: Converter
) -> None:
    invoices = business.invoices
    codes = business.customers.codes
    rows: list[Invoice] = []
    for prefix, mask in (("INV", ~invoices.is_credit_note), ("CRN", invoices.is_credit_note)):
        chosen = np.flatnonzero(mask)
        ids, in_order = _numbering(rng, prefix, invoices.due_day[chosen])
        picked = chosen[in_order]
        rows.extend(
            Invoice(ids[i], codes[customer], due, amount, disputed)
            for i, customer, due, amount, disputed in zip(
                in_order.tolist(),
                invoices.customer[picked].tolist(),
                convert.days(invoices.due_day[picked]),
                convert.amounts(invoices.amount[picked]),
                invoices.disputed[picked].tolist(),
                strict=True,
            )
        )
    dataset.invoices = rows


def _returns(
    dataset: Dataset,
    business: Business,
    rng: np.random.Generator,
    order_ids: list[str],
    convert: Converter,
) -> None:
    returns = business.returns
    ids, in_order = _numbering(rng, "RMA", returns.requested_day)
    codes, skus = business.customers.codes, business.products.skus
    dataset.returns = [
        Return(
            ids[i],
            codes[customer],
            skus[sku],
            qty,
            requested,
            None if order < 0 else order_ids[order],
            _RETURN_STATUSES[status],
        )
        for i, customer, sku, qty, requested, order, status in zip(
            in_order.tolist(),
            returns.customer[in_order].tolist(),
            returns.sku[in_order].tolist(),
            convert.quantities(returns.qty[in_order]),
            convert.days(returns.requested_day[in_order]),
            returns.order[in_order].tolist(),
            returns.status[in_order].tolist(),
            strict=True,
        )
    ]


def _picks(
    dataset: Dataset,
    business: Business,
    rng: np.random.Generator,
    order_ids: list[str],
    convert: Converter,
) -> None:
    picks, orders = business.picks, business.demand.orders
    ids, in_order = _numbering(rng, "PK", picks.created)
    wh, pickers = business.network.codes, business.staff.pickers
    warehouse_of = orders.warehouse[picks.order]
    dataset.picks = [
        Pick(
            ids[i],
            order_ids[order],
            wh[warehouse],
            created,
            None if picker < 0 else pickers[warehouse][picker],
            _PICK_STATUSES[status],
        )
        for i, order, warehouse, created, picker, status in zip(
            in_order.tolist(),
            picks.order[in_order].tolist(),
            warehouse_of[in_order].tolist(),
            convert.moments(picks.created[in_order]),
            picks.picker[in_order].tolist(),
            picks.status[in_order].tolist(),
            strict=True,
        )
    ]
