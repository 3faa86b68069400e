"""The whole dataset as columns: every table of ``docs/dataset-format.md``, one array per column.

:class:`~controltower.domain.model.Dataset` holds one value object per row, which is
right for the web app, the database and the reference engine, and far too slow for a
scan of a million order lines. :class:`DatasetTables` is the same picture as numpy
arrays, what the columnar scan (:mod:`controltower.workflow.columnar_scan`) reads: the
fast CSV reader fills it without making a single row object, the kernel's picture is
built from it with whole-array operations, and the columnar detectors and the document
writer read it.

Representation (the same conventions as :mod:`controltower.domain.columnar`):

* **Codes** (warehouse, company, sku, customer, supplier, order id, PO id) are ``int32``
  ids into a shared, sorted vocabulary (:class:`Vocabulary`, Python string order), one
  per kind of code, holding every code any row of any table names. Comparing ids
  compares codes. An optional code (a return's ``order_id``) is ``-1`` when blank.
* **Row identifiers nothing refers to** (receipt, invoice, RMA and pick ids) and **free
  text** (names, ``uom``, ``salesperson``, ``buyer``, ``assigned_to``,
  ``account_owner``) are numpy ``object`` arrays of ``str``, ``None`` when blank.
* **Quantities and money** are ``int64`` millionths (:data:`~.columnar.QTY_SCALE`). An
  optional one has a ``*_given`` boolean column and holds 0 where not given.
* **Dates** are ``int32`` day numbers (:meth:`datetime.date.toordinal`), ``NULL_DAY``
  when blank; the pick's ``created_at`` is ``int64`` seconds since
  ``0001-01-01T00:00:00`` (naive, as the domain holds it: UTC when the file gave a zone).
* **Optional whole numbers** (capacity, lead days) are ``int64``, ``-1`` when blank.
* **Enumerations** are ``int8`` positions in the order their ``StrEnum`` declares them
  (tier is :data:`~.model.TIER_RANK`); an optional boolean (``accepts_partial``) is
  ``int8`` ``-1`` blank, ``0`` false, ``1`` true.

Rows keep the order of their source (file order for the reader, list order for
:func:`tables_from_dataset`); nothing that reads the tables may depend on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from controltower.domain.columnar import NULL_DAY, units_column
from controltower.domain.model import (
    TIER_RANK,
    Dataset,
    OrderStatus,
    PickStatus,
    ReturnStatus,
)

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
I8 = npt.NDArray[np.int8]
Bools = npt.NDArray[np.bool_]
Texts = npt.NDArray[np.object_]

#: ``created_at`` seconds are counted from this moment
EPOCH: Final = datetime(1, 1, 1)
ORDER_STATUSES: Final = tuple(OrderStatus)
RETURN_STATUSES: Final = tuple(ReturnStatus)
PICK_STATUSES: Final = tuple(PickStatus)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Every code of one kind, sorted by code point; a code's id is its position."""

    codes: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.codes)

    def ids(self) -> dict[str, int]:
        """Code to id (built on each call: keep it when looking up many codes)."""
        return {code: i for i, code in enumerate(self.codes)}

    def id_of(self, code: str) -> int | None:
        """The id of ``code``, or None when no row names it (binary search)."""
        i = _bisect(self.codes, code)
        return i if i < len(self.codes) and self.codes[i] == code else None


def _bisect(codes: Sequence[str], code: str) -> int:
    low, high = 0, len(codes)
    while low < high:
        middle = (low + high) // 2
        if codes[middle] < code:
            low = middle + 1
        else:
            high = middle
    return low


@dataclass(frozen=True, slots=True)
class Vocabularies:
    warehouses: Vocabulary
    companies: Vocabulary
    skus: Vocabulary
    customers: Vocabulary
    suppliers: Vocabulary
    orders: Vocabulary
    pos: Vocabulary


@dataclass(frozen=True, slots=True)
class WarehouseTable:
    code: I32
    name: Texts
    company: I32
    #: ``pick_capacity_lines_per_day``, -1 when blank
    capacity: I64


@dataclass(frozen=True, slots=True)
class TransferLaneTable:
    from_warehouse: I32
    to_warehouse: I32
    transit_days: I64


@dataclass(frozen=True, slots=True)
class ProductTable:
    sku: I32
    name: Texts
    unit_cost: I64
    unit_cost_given: Bools
    list_price: I64
    list_price_given: Bools
    uom: Texts
    reorder_point: I64
    reorder_point_given: Bools
    reorder_qty: I64
    reorder_qty_given: Bools


@dataclass(frozen=True, slots=True)
class CustomerTable:
    code: I32
    name: Texts
    #: :data:`~.model.TIER_RANK` of the tier
    tier: I8
    credit_limit: I64
    credit_limit_given: Bools
    credit_hold: Bools
    account_owner: Texts
    accepts_partial: Bools


@dataclass(frozen=True, slots=True)
class SupplierTable:
    code: I32
    name: Texts
    #: -1 when blank
    lead_days: I64


@dataclass(frozen=True, slots=True)
class StockTable:
    sku: I32
    warehouse: I32
    on_hand: I64
    quality_hold: I64


@dataclass(frozen=True, slots=True)
class SalesOrderTable:
    order: I32
    customer: I32
    warehouse: I32
    order_date: I32
    promised_date: I32
    expedite: Bools
    #: -1 blank, 0 false, 1 true
    accepts_partial: I8
    #: position in :data:`ORDER_STATUSES`
    status: I8
    salesperson: Texts


@dataclass(frozen=True, slots=True)
class SalesOrderLineTable:
    order: I32
    line: I64
    sku: I32
    qty: I64
    qty_shipped: I64
    qty_reserved: I64
    unit_price: I64
    unit_price_given: Bools
    list_price: I64
    list_price_given: Bools


@dataclass(frozen=True, slots=True)
class PurchaseOrderTable:
    po: I32
    supplier: I32
    warehouse: I32
    order_date: I32
    expected_date: I32
    #: NULL_DAY when not confirmed
    confirmed_date: I32
    #: position in :data:`ORDER_STATUSES`
    status: I8
    buyer: Texts


@dataclass(frozen=True, slots=True)
class PurchaseOrderLineTable:
    po: I32
    line: I64
    sku: I32
    qty: I64
    qty_received: I64
    #: NULL_DAY when the line has no date of its own
    expected_date: I32
    unit_cost: I64
    unit_cost_given: Bools


@dataclass(frozen=True, slots=True)
class ReceiptTable:
    receipt_id: Texts
    po: I32
    line: I64
    received_date: I32
    qty: I64
    damaged_qty: I64
    put_away: Bools


@dataclass(frozen=True, slots=True)
class InvoiceTable:
    invoice_id: Texts
    customer: I32
    due_date: I32
    amount_residual: I64
    disputed: Bools


@dataclass(frozen=True, slots=True)
class ReturnTable:
    rma_id: Texts
    customer: I32
    sku: I32
    qty: I64
    requested_date: I32
    #: -1 when blank
    order: I32
    #: position in :data:`RETURN_STATUSES`
    status: I8


@dataclass(frozen=True, slots=True)
class PickTable:
    pick_id: Texts
    order: I32
    warehouse: I32
    #: seconds since :data:`EPOCH`
    created_at: I64
    assigned_to: Texts
    #: position in :data:`PICK_STATUSES`
    status: I8


@dataclass(frozen=True, slots=True)
class DatasetTables:
    """Every table of the dataset as columns (see the module docstring)."""

    vocab: Vocabularies
    warehouses: WarehouseTable
    transfer_lanes: TransferLaneTable
    products: ProductTable
    customers: CustomerTable
    suppliers: SupplierTable
    stock: StockTable
    sales_orders: SalesOrderTable
    sales_order_lines: SalesOrderLineTable
    purchase_orders: PurchaseOrderTable
    purchase_order_lines: PurchaseOrderLineTable
    receipts: ReceiptTable
    invoices: InvoiceTable
    returns: ReturnTable
    picks: PickTable

    def row_counts(self) -> dict[str, int]:
        """Rows per table, by the table's dataset name."""
        counts: dict[str, int] = {}
        for item in fields(self):
            if item.name == "vocab":
                continue
            table = getattr(self, item.name)
            counts[item.name] = len(getattr(table, fields(table)[0].name))
        return counts


# --------------------------------------------------------------- from value objects


def seconds_since_epoch(moment: datetime) -> int:
    """``created_at`` as stored in :class:`PickTable` (naive datetimes only)."""
    delta = moment - EPOCH
    return delta.days * 86_400 + delta.seconds


def datetime_of(seconds: int) -> datetime:
    """The naive datetime of ``seconds`` since :data:`EPOCH`."""
    return EPOCH + timedelta(seconds=seconds)


def _vocab(codes: Iterable[str]) -> Vocabulary:
    return Vocabulary(tuple(sorted(set(codes))))


def _i32(values: Iterable[int]) -> I32:
    return np.fromiter(values, dtype=np.int32)


def _i64(values: Iterable[int]) -> I64:
    return np.fromiter(values, dtype=np.int64)


def _i8(values: Iterable[int]) -> I8:
    return np.fromiter(values, dtype=np.int8)


def _bools(values: Iterable[bool]) -> Bools:
    return np.fromiter(values, dtype=np.bool_)


def _texts(values: Sequence[str | None]) -> Texts:
    array = np.empty(len(values), dtype=object)
    array[:] = list(values)
    return array


def _units(values: Sequence[Decimal | None], where: Callable[[int], str]) -> tuple[I64, Bools]:
    """The values in millionths (0 where blank) and which were given; ``where(i)`` names
    the row and column of ``values[i]``, should it be refused (see ``units_column``)."""
    rows = np.array([i for i, v in enumerate(values) if v is not None], dtype=np.int64)
    given = np.zeros(len(values), dtype=np.bool_)
    given[rows] = True
    positions = rows.tolist()
    units = np.zeros(len(values), dtype=np.int64)
    units[rows] = units_column([v for v in values if v is not None], lambda k: where(positions[k]))
    return units, given


def _days(values: Iterable[date | None]) -> I32:
    return _i32(NULL_DAY if d is None else d.toordinal() for d in values)


def _optional_int(values: Iterable[int | None]) -> I64:
    return _i64(-1 if v is None else v for v in values)


def tables_from_dataset(dataset: Dataset) -> DatasetTables:
    """The columns of ``dataset``, row for row (tests and small pictures use this).

    Raises :class:`~.columnar.ColumnarPrecisionError` for a quantity or amount with
    more than six decimals, which the columns cannot hold exactly.
    """
    d = dataset
    vocab = Vocabularies(
        warehouses=_vocab(
            [w.code for w in d.warehouses]
            + [x for lane in d.transfer_lanes for x in (lane.from_warehouse, lane.to_warehouse)]
            + [s.warehouse for s in d.stock]
            + [o.warehouse for o in d.sales_orders]
            + [p.warehouse for p in d.purchase_orders]
            + [p.warehouse for p in d.picks]
        ),
        companies=_vocab(w.company for w in d.warehouses),
        skus=_vocab(
            [p.sku for p in d.products]
            + [s.sku for s in d.stock]
            + [ln.sku for ln in d.sales_order_lines]
            + [ln.sku for ln in d.purchase_order_lines]
            + [r.sku for r in d.returns]
        ),
        customers=_vocab(
            [c.code for c in d.customers]
            + [o.customer for o in d.sales_orders]
            + [i.customer for i in d.invoices]
            + [r.customer for r in d.returns]
        ),
        suppliers=_vocab([s.code for s in d.suppliers] + [p.supplier for p in d.purchase_orders]),
        orders=_vocab(
            [o.order_id for o in d.sales_orders]
            + [ln.order_id for ln in d.sales_order_lines]
            + [r.order_id for r in d.returns if r.order_id is not None]
            + [p.order_id for p in d.picks]
        ),
        pos=_vocab(
            [p.po_id for p in d.purchase_orders]
            + [ln.po_id for ln in d.purchase_order_lines]
            + [r.po_id for r in d.receipts]
        ),
    )
    wh, co, sku = vocab.warehouses.ids(), vocab.companies.ids(), vocab.skus.ids()
    cu, su, so, po = (
        vocab.customers.ids(),
        vocab.suppliers.ids(),
        vocab.orders.ids(),
        vocab.pos.ids(),
    )
    order_status = {s: i for i, s in enumerate(ORDER_STATUSES)}
    return_status = {s: i for i, s in enumerate(RETURN_STATUSES)}
    pick_status = {s: i for i, s in enumerate(PICK_STATUSES)}

    products = d.products
    lines, po_lines = d.sales_order_lines, d.purchase_order_lines

    def product(column: str) -> Callable[[int], str]:
        return lambda i: f"product {products[i].sku}: {column}"

    def line(column: str) -> Callable[[int], str]:
        return lambda i: f"sales order {lines[i].order_id} line {lines[i].line}: {column}"

    def po_line(column: str) -> Callable[[int], str]:
        return lambda i: f"purchase order {po_lines[i].po_id} line {po_lines[i].line}: {column}"

    def stock(column: str) -> Callable[[int], str]:
        return lambda i: f"stock of {d.stock[i].sku} in {d.stock[i].warehouse}: {column}"

    def receipt(column: str) -> Callable[[int], str]:
        return lambda i: f"receipt {d.receipts[i].receipt_id}: {column}"

    def required(values: Sequence[Decimal], where: Callable[[int], str]) -> I64:
        return units_column(values, where)

    unit_cost, unit_cost_given = _units([p.unit_cost for p in products], product("unit_cost"))
    list_price, list_price_given = _units([p.list_price for p in products], product("list_price"))
    reorder_point, reorder_point_given = _units(
        [p.reorder_point for p in products], product("reorder_point")
    )
    reorder_qty, reorder_qty_given = _units(
        [p.reorder_qty for p in products], product("reorder_qty")
    )
    credit_limit, credit_limit_given = _units(
        [c.credit_limit for c in d.customers],
        lambda i: f"customer {d.customers[i].code}: credit_limit",
    )
    line_price, line_price_given = _units([ln.unit_price for ln in lines], line("unit_price"))
    line_list, line_list_given = _units([ln.list_price for ln in lines], line("list_price"))
    po_cost, po_cost_given = _units([ln.unit_cost for ln in po_lines], po_line("unit_cost"))

    return DatasetTables(
        vocab=vocab,
        warehouses=WarehouseTable(
            code=_i32(wh[w.code] for w in d.warehouses),
            name=_texts([w.name for w in d.warehouses]),
            company=_i32(co[w.company] for w in d.warehouses),
            capacity=_optional_int(w.pick_capacity_lines_per_day for w in d.warehouses),
        ),
        transfer_lanes=TransferLaneTable(
            from_warehouse=_i32(wh[x.from_warehouse] for x in d.transfer_lanes),
            to_warehouse=_i32(wh[x.to_warehouse] for x in d.transfer_lanes),
            transit_days=_i64(x.transit_days for x in d.transfer_lanes),
        ),
        products=ProductTable(
            sku=_i32(sku[p.sku] for p in products),
            name=_texts([p.name for p in products]),
            unit_cost=unit_cost,
            unit_cost_given=unit_cost_given,
            list_price=list_price,
            list_price_given=list_price_given,
            uom=_texts([p.uom for p in products]),
            reorder_point=reorder_point,
            reorder_point_given=reorder_point_given,
            reorder_qty=reorder_qty,
            reorder_qty_given=reorder_qty_given,
        ),
        customers=CustomerTable(
            code=_i32(cu[c.code] for c in d.customers),
            name=_texts([c.name for c in d.customers]),
            tier=_i8(TIER_RANK[c.tier] for c in d.customers),
            credit_limit=credit_limit,
            credit_limit_given=credit_limit_given,
            credit_hold=_bools(c.credit_hold for c in d.customers),
            account_owner=_texts([c.account_owner for c in d.customers]),
            accepts_partial=_bools(c.accepts_partial for c in d.customers),
        ),
        suppliers=SupplierTable(
            code=_i32(su[s.code] for s in d.suppliers),
            name=_texts([s.name for s in d.suppliers]),
            lead_days=_optional_int(s.lead_days for s in d.suppliers),
        ),
        stock=StockTable(
            sku=_i32(sku[s.sku] for s in d.stock),
            warehouse=_i32(wh[s.warehouse] for s in d.stock),
            on_hand=required([s.on_hand for s in d.stock], stock("on_hand")),
            quality_hold=required([s.quality_hold for s in d.stock], stock("quality_hold")),
        ),
        sales_orders=SalesOrderTable(
            order=_i32(so[o.order_id] for o in d.sales_orders),
            customer=_i32(cu[o.customer] for o in d.sales_orders),
            warehouse=_i32(wh[o.warehouse] for o in d.sales_orders),
            order_date=_days(o.order_date for o in d.sales_orders),
            promised_date=_days(o.promised_date for o in d.sales_orders),
            expedite=_bools(o.expedite for o in d.sales_orders),
            accepts_partial=_i8(
                -1 if o.accepts_partial is None else int(o.accepts_partial) for o in d.sales_orders
            ),
            status=_i8(order_status[o.status] for o in d.sales_orders),
            salesperson=_texts([o.salesperson for o in d.sales_orders]),
        ),
        sales_order_lines=SalesOrderLineTable(
            order=_i32(so[ln.order_id] for ln in lines),
            line=_i64(ln.line for ln in lines),
            sku=_i32(sku[ln.sku] for ln in lines),
            qty=required([ln.qty for ln in lines], line("qty")),
            qty_shipped=required([ln.qty_shipped for ln in lines], line("qty_shipped")),
            qty_reserved=required([ln.qty_reserved for ln in lines], line("qty_reserved")),
            unit_price=line_price,
            unit_price_given=line_price_given,
            list_price=line_list,
            list_price_given=line_list_given,
        ),
        purchase_orders=PurchaseOrderTable(
            po=_i32(po[p.po_id] for p in d.purchase_orders),
            supplier=_i32(su[p.supplier] for p in d.purchase_orders),
            warehouse=_i32(wh[p.warehouse] for p in d.purchase_orders),
            order_date=_days(p.order_date for p in d.purchase_orders),
            expected_date=_days(p.expected_date for p in d.purchase_orders),
            confirmed_date=_days(p.confirmed_date for p in d.purchase_orders),
            status=_i8(order_status[p.status] for p in d.purchase_orders),
            buyer=_texts([p.buyer for p in d.purchase_orders]),
        ),
        purchase_order_lines=PurchaseOrderLineTable(
            po=_i32(po[ln.po_id] for ln in po_lines),
            line=_i64(ln.line for ln in po_lines),
            sku=_i32(sku[ln.sku] for ln in po_lines),
            qty=required([ln.qty for ln in po_lines], po_line("qty")),
            qty_received=required([ln.qty_received for ln in po_lines], po_line("qty_received")),
            expected_date=_days(ln.expected_date for ln in po_lines),
            unit_cost=po_cost,
            unit_cost_given=po_cost_given,
        ),
        receipts=ReceiptTable(
            receipt_id=_texts([r.receipt_id for r in d.receipts]),
            po=_i32(po[r.po_id] for r in d.receipts),
            line=_i64(r.line for r in d.receipts),
            received_date=_days(r.received_date for r in d.receipts),
            qty=required([r.qty for r in d.receipts], receipt("qty")),
            damaged_qty=required([r.damaged_qty for r in d.receipts], receipt("damaged_qty")),
            put_away=_bools(r.put_away for r in d.receipts),
        ),
        invoices=InvoiceTable(
            invoice_id=_texts([i.invoice_id for i in d.invoices]),
            customer=_i32(cu[i.customer] for i in d.invoices),
            due_date=_days(i.due_date for i in d.invoices),
            amount_residual=required(
                [i.amount_residual for i in d.invoices],
                lambda i: f"invoice {d.invoices[i].invoice_id}: amount_residual",
            ),
            disputed=_bools(i.disputed for i in d.invoices),
        ),
        returns=ReturnTable(
            rma_id=_texts([r.rma_id for r in d.returns]),
            customer=_i32(cu[r.customer] for r in d.returns),
            sku=_i32(sku[r.sku] for r in d.returns),
            qty=required(
                [r.qty for r in d.returns], lambda i: f"return {d.returns[i].rma_id}: qty"
            ),
            requested_date=_days(r.requested_date for r in d.returns),
            order=_i32(-1 if r.order_id is None else so[r.order_id] for r in d.returns),
            status=_i8(return_status[r.status] for r in d.returns),
        ),
        picks=PickTable(
            pick_id=_texts([p.pick_id for p in d.picks]),
            order=_i32(so[p.order_id] for p in d.picks),
            warehouse=_i32(wh[p.warehouse] for p in d.picks),
            created_at=_i64(seconds_since_epoch(p.created_at) for p in d.picks),
            assigned_to=_texts([p.assigned_to for p in d.picks]),
            status=_i8(pick_status[p.status] for p in d.picks),
        ),
    )


def describe(tables: DatasetTables) -> dict[str, Any]:
    """Row counts and vocabulary sizes, for progress lines and logs."""
    v = tables.vocab
    return {
        **tables.row_counts(),
        "codes": {item.name: len(getattr(v, item.name)) for item in fields(v)},
    }
