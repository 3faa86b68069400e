"""The picture the allocation engine reads, as columns of numbers.

The reference engine walks value objects one at a time, which is easy to read and
slow at a million lines. The vectorised kernel (:mod:`controltower.domain.kernel`)
reads the same picture as flat numpy arrays instead, one array per attribute of an
entity, so that every rule of ``allocation.md`` becomes a handful of whole-array
operations. This module builds those arrays from a :class:`~controltower.domain.model.Dataset`.

Representation, chosen so that the arithmetic stays exact:

* **Quantities and money** are ``int64`` fixed-point units: ``units = value * 10**6``
  (:data:`QTY_SCALE`, :data:`MONEY_SCALE`). A value with more than six decimals
  (``0.0000001``) cannot be represented and is refused with a
  :class:`ColumnarPrecisionError` naming the row and column; a value too large for the
  range is refused the same way. The kernel adds quantities up across the whole
  picture, so :func:`to_columns` also refuses a picture whose open demand, stock and
  inbound quantities together reach ``2**62`` millionths (about 4.6 million million
  units).
* **Dates** are ``int32`` day numbers (:meth:`datetime.date.toordinal`), so adding N
  days is adding N.
* **Codes** are integer ids with a lookup table. Every table is sorted by code point
  (Python string order), so comparing two ids compares their codes the way
  ``allocation.md`` orders ``order_id`` and ``po_id``.
* Only what takes part in allocation is kept: open lines of open orders, open lines of
  open purchase orders, every stock row, every invoice. Open order lines are stored
  grouped by order (orders in ``order_id`` order) and by line number within an order:
  the kernel relies on that layout to order demand without sorting every line.
* ``NULL_DAY`` marks a missing date in an ``int32`` day column.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import ClassVar, Final

import numpy as np
import numpy.typing as npt

from controltower.domain.analysis import AllocationPolicy
from controltower.domain.errors import DatasetConflictError, DomainError
from controltower.domain.model import (
    TIER_RANK,
    Dataset,
    OrderStatus,
    SalesOrderLine,
    Tier,
    effective_unit_price,
    po_line_expected_date,
)

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
I8 = npt.NDArray[np.int8]
Bools = npt.NDArray[np.bool_]

DECIMALS: Final = 6
QTY_SCALE: Final = 10**DECIMALS
MONEY_SCALE: Final = 10**DECIMALS
#: The largest magnitude a fixed-point column accepts (leaves headroom for sums).
MAX_UNITS: Final = 2**62
NULL_DAY: Final = np.iinfo(np.int32).min

_SCALE_DECIMAL: Final = Decimal(QTY_SCALE)


class ColumnarPrecisionError(DomainError):
    """A quantity or amount the columns cannot hold exactly, so nothing is analysed.

    The columns keep quantities and money as ``int64`` millionths: a value with more
    than six decimals, a value of :data:`MAX_UNITS` millionths or more, or open
    quantities adding up beyond what the kernel sums exactly are refused. ``detail``
    names what is too precise or too large (the row and column, or the totals); the
    message is ``detail``, then the rule (:attr:`RULE`), with no final full stop.
    """

    RULE: ClassVar[str] = (
        "Control Tower keeps quantities and money to six decimals and below about "
        "4.6 million million (2**62 millionths), the open quantities of a picture in "
        "total too, so that every sum is exact"
    )

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.detail}. {self.RULE}"


def to_units(value: Decimal, where: str) -> int:
    """``value`` in millionths, exactly; refuses anything that would be rounded.

    ``where`` names the row and column for the error message.
    """
    try:
        scaled = value * _SCALE_DECIMAL
        units = int(scaled)
    except (InvalidOperation, ValueError, OverflowError) as exc:
        raise ColumnarPrecisionError(f"{where}: {value} is not a finite number") from exc
    if units != scaled:
        raise ColumnarPrecisionError(
            f"{where}: {value} has more than {DECIMALS} decimals, which the engine "
            "cannot hold exactly"
        )
    if not -MAX_UNITS < units < MAX_UNITS:
        raise ColumnarPrecisionError(f"{where}: {value} is too large for the engine")
    return units


def units_column(values: Sequence[Decimal], where: Callable[[int], str]) -> I64:
    """:func:`to_units` of every value, as an ``int64`` array.

    The same checks, done in bulk; ``where(i)`` names the row of ``values[i]`` and is
    only called to describe a value that is refused.
    """
    try:
        scaled = [value * _SCALE_DECIMAL for value in values]
        units = [int(value) for value in scaled]
        exact = not any(map(operator.ne, units, scaled))
        column = np.array(units, dtype=np.int64) if exact else None
    except (InvalidOperation, ValueError, OverflowError):
        column = None
    if column is None or (column.size and int(np.abs(column).max()) >= MAX_UNITS):
        for i, value in enumerate(values):
            to_units(value, where(i))
    assert column is not None
    return column


def from_units(units: int, decimals: int = DECIMALS) -> Decimal:
    """The exact Decimal for ``units`` counted in ``10**-decimals``, without trailing
    zeros (``20`` rather than ``20.000000``, ``2.5`` rather than ``2.500000``)."""
    while decimals > 0 and units % 10 == 0:
        units //= 10
        decimals -= 1
    return Decimal(units).scaleb(-decimals) if decimals > 0 else Decimal(units)


def decimals_used(units: I64) -> int:
    """How many of the six decimals a fixed-point column really uses (0 for integers).

    Products of two columns (quantity times price) are computed at the combined
    precision actually used, which keeps them inside ``int64`` for real data. Found from
    the greatest common divisor of the column: the power of ten it holds is the number
    of decimals the column does *not* use.
    """
    common = int(np.gcd.reduce(units)) if units.size else 0
    if common == 0:
        return 0
    unused = 0
    while unused < DECIMALS and common % 10 == 0:
        common //= 10
        unused += 1
    return DECIMALS - unused


def _ids(codes: Iterable[str]) -> tuple[tuple[str, ...], dict[str, int]]:
    table = tuple(sorted(set(codes)))
    return table, {code: i for i, code in enumerate(table)}


@dataclass(frozen=True, slots=True)
class ColumnarPicture:
    """Everything the allocation rules read, as arrays (see the module docstring).

    Array names are ``<entity>_<attribute>``; ids index the matching code tables.
    """

    as_of: date
    as_of_day: int
    policy: AllocationPolicy

    warehouse_codes: tuple[str, ...]
    #: False for a code only other rows name (it has no capacity and offers no transfer)
    warehouse_known: Bools
    #: lines picked per day; 0 means no capacity given (never delays)
    warehouse_capacity: I64
    #: index into ``company_codes``; -1 for an unknown warehouse
    warehouse_company: I32
    company_codes: tuple[str, ...]
    #: transfer lanes, sorted by (to warehouse, transit days, from warehouse)
    lane_from: I32
    lane_to: I32
    lane_transit_days: I32

    sku_codes: tuple[str, ...]

    #: every customer code, including ones only orders or invoices name (those have the
    #: standard tier and no credit rule, as in the reference engine)
    customer_codes: tuple[str, ...]
    customer_tier: I8
    customer_credit_hold: Bools
    customer_has_limit: Bools
    customer_credit_limit: I64

    #: pools sorted by (warehouse id, sku id): every pair with stock, demand or inbound
    pool_warehouse: I32
    pool_sku: I32
    pool_on_hand: I64
    pool_quality_hold: I64

    #: open orders with at least one open line, in ``order_id`` order
    order_ids: tuple[str, ...]
    order_customer: I32
    order_warehouse: I32
    order_date: I32
    order_promised: I32
    order_expedite: Bools
    #: the order's lines are ``line_*[order_line_start[o]:order_line_start[o + 1]]``
    order_line_start: I64

    line_order: I32
    #: the line's order's warehouse (kept per line: capacity reads it for every line)
    line_warehouse: I32
    line_number: I64
    line_sku: I32
    line_pool: I32
    line_open_qty: I64
    line_reserved: I64
    line_unit_price: I64

    #: ``po_id`` table; inbound lines are sorted by (po_id, line)
    po_ids: tuple[str, ...]
    inbound_po: I32
    inbound_line: I64
    inbound_pool: I32
    inbound_open_qty: I64
    #: the line's expected date (its own, else the order's)
    inbound_expected: I32

    invoice_ids: tuple[str, ...]
    invoice_customer: I32
    invoice_residual: I64
    invoice_due: I32

    @property
    def n_lines(self) -> int:
        return int(self.line_open_qty.shape[0])

    @property
    def n_orders(self) -> int:
        return len(self.order_ids)

    @property
    def n_pools(self) -> int:
        return int(self.pool_sku.shape[0])

    def pool_of(self, sku: str, warehouse: str) -> int | None:
        """The pool id of (sku, warehouse), or None when the picture has no such pool."""
        try:
            s = self.sku_codes.index(sku)
            w = self.warehouse_codes.index(warehouse)
        except ValueError:
            return None
        hits = np.flatnonzero((self.pool_sku == s) & (self.pool_warehouse == w))
        return int(hits[0]) if hits.size else None


def _array_i64(values: Sequence[int]) -> I64:
    return np.array(values, dtype=np.int64)


def _array_i32(values: Sequence[int]) -> I32:
    return np.array(values, dtype=np.int32)


def _check_unique(keys: Sequence[tuple[str, int]], what: str) -> None:
    """Refuse a repeated (id, line) key in a list sorted by it (the picture is ambiguous)."""
    for previous, current in itertools.pairwise(keys):
        if previous == current:
            raise DatasetConflictError(
                f"{what} {current[0]} line {current[1]} appears more than once"
            )


def _check_total(*columns: I64) -> None:
    """Refuse quantities whose total the kernel's running sums could not hold."""
    total = sum(int(column.sum(dtype=np.float64)) for column in columns)
    if total >= MAX_UNITS // 2:  # float sum: leave a margin for its rounding
        exact = sum(sum(column.tolist()) for column in columns)
        if exact >= MAX_UNITS:
            raise ColumnarPrecisionError(
                f"the open demand, stock and inbound quantities add up to "
                f"{from_units(exact)} units, more than the engine can sum exactly"
            )


def to_columns(dataset: Dataset, as_of: date, policy: AllocationPolicy) -> ColumnarPicture:
    """The columnar picture of ``dataset`` as of ``as_of`` (see the module docstring).

    Like the reference engine, a row naming something absent is read with defaults (an
    unknown customer has the standard tier and no credit rule; an unknown warehouse has
    no capacity and offers no transfer) or, for a line of an unknown order, takes no
    part. Raises :class:`ColumnarPrecisionError` for a quantity or amount with more
    than six decimals and :class:`DatasetConflictError` for a repeated key.
    """
    warehouses = {w.code: w for w in dataset.warehouses}
    open_orders = {o.order_id: o for o in dataset.sales_orders if o.status is OrderStatus.OPEN}
    open_pos = {p.po_id: p for p in dataset.purchase_orders if p.status is OrderStatus.OPEN}
    warehouse_codes, warehouse_index = _ids(
        [*warehouses, *(s.warehouse for s in dataset.stock)]
        + [o.warehouse for o in open_orders.values()]
        + [p.warehouse for p in open_pos.values()]
        + [x for lane in dataset.transfer_lanes for x in (lane.from_warehouse, lane.to_warehouse)]
    )
    known = [warehouses.get(code) for code in warehouse_codes]
    companies, company_index = _ids(w.company for w in warehouses.values())

    products = {p.sku: p for p in dataset.products}
    sku_codes, sku_index = _ids(
        [*products]
        + [s.sku for s in dataset.stock]
        + [ln.sku for ln in dataset.sales_order_lines]
        + [ln.sku for ln in dataset.purchase_order_lines]
    )

    customers = {c.code: c for c in dataset.customers}
    customer_codes, customer_index = _ids(
        [*customers]
        + [o.customer for o in open_orders.values()]
        + [i.customer for i in dataset.invoices]
    )
    customer_rows = [customers.get(code) for code in customer_codes]

    # Open lines of open orders, grouped by order in order_id order, then by line.
    open_lines = [
        ln
        for ln in dataset.sales_order_lines
        if ln.order_id in open_orders and ln.qty - ln.qty_shipped > 0
    ]
    open_lines.sort(key=lambda ln: (ln.order_id, ln.line))
    _check_unique([(ln.order_id, ln.line) for ln in open_lines], "sales order")
    order_ids, order_index = _ids(ln.order_id for ln in open_lines)
    orders = [open_orders[o] for o in order_ids]

    inbound_lines = [
        ln
        for ln in dataset.purchase_order_lines
        if ln.po_id in open_pos and ln.qty - ln.qty_received > 0
    ]
    inbound_lines.sort(key=lambda ln: (ln.po_id, ln.line))
    _check_unique([(ln.po_id, ln.line) for ln in inbound_lines], "purchase order")
    po_ids, po_index = _ids(ln.po_id for ln in inbound_lines)

    # Pools: every (warehouse, sku) pair with a stock row, open demand or open inbound.
    line_pairs = [
        (warehouse_index[open_orders[ln.order_id].warehouse], sku_index[ln.sku])
        for ln in open_lines
    ]
    inbound_pairs = [
        (warehouse_index[open_pos[ln.po_id].warehouse], sku_index[ln.sku]) for ln in inbound_lines
    ]
    stock_pairs = [(warehouse_index[s.warehouse], sku_index[s.sku]) for s in dataset.stock]
    if len(set(stock_pairs)) != len(stock_pairs):
        raise DatasetConflictError("a (sku, warehouse) stock row appears more than once")
    pairs = sorted({*line_pairs, *inbound_pairs, *stock_pairs})
    pool_index = {pair: i for i, pair in enumerate(pairs)}
    pool_on_hand = np.zeros(len(pairs), dtype=np.int64)
    pool_quality_hold = np.zeros(len(pairs), dtype=np.int64)
    for s, pair in zip(dataset.stock, stock_pairs, strict=True):
        where = f"stock of {s.sku} in {s.warehouse}"
        pool_on_hand[pool_index[pair]] = to_units(s.on_hand, f"{where}: on_hand")
        pool_quality_hold[pool_index[pair]] = to_units(s.quality_hold, f"{where}: quality_hold")

    line_order = np.array([order_index[ln.order_id] for ln in open_lines], dtype=np.int64)
    order_line_start = np.zeros(len(order_ids) + 1, dtype=np.int64)
    np.cumsum(np.bincount(line_order, minlength=len(order_ids)), out=order_line_start[1:])

    def line_where(lines: list[SalesOrderLine], column: str) -> Callable[[int], str]:
        return lambda i: f"sales order {lines[i].order_id} line {lines[i].line}: {column}"

    # Lanes by target, then in the order transfer alternatives are listed: arrival
    # (as_of + transit days), then source warehouse code.
    lanes = sorted(
        dataset.transfer_lanes,
        key=lambda lane: (lane.to_warehouse, lane.transit_days, lane.from_warehouse),
    )
    invoices = sorted(dataset.invoices, key=lambda i: i.invoice_id)
    line_open_qty = units_column(
        [ln.qty - ln.qty_shipped for ln in open_lines], line_where(open_lines, "open qty")
    )
    inbound_open_qty = units_column(
        [ln.qty - ln.qty_received for ln in inbound_lines],
        lambda i: f"purchase order {inbound_lines[i].po_id} line {inbound_lines[i].line}: open qty",
    )
    _check_total(line_open_qty, inbound_open_qty, pool_on_hand)
    return ColumnarPicture(
        as_of=as_of,
        as_of_day=as_of.toordinal(),
        policy=policy,
        warehouse_codes=warehouse_codes,
        warehouse_known=np.array([w is not None for w in known], dtype=np.bool_),
        warehouse_capacity=_array_i64(
            [(w.pick_capacity_lines_per_day or 0) if w is not None else 0 for w in known]
        ),
        warehouse_company=_array_i32(
            [company_index[w.company] if w is not None else -1 for w in known]
        ),
        company_codes=companies,
        lane_from=_array_i32([warehouse_index[lane.from_warehouse] for lane in lanes]),
        lane_to=_array_i32([warehouse_index[lane.to_warehouse] for lane in lanes]),
        lane_transit_days=_array_i32([lane.transit_days for lane in lanes]),
        sku_codes=sku_codes,
        customer_codes=customer_codes,
        customer_tier=np.array(
            [
                TIER_RANK[c.tier] if c is not None else TIER_RANK[Tier.STANDARD]
                for c in customer_rows
            ],
            dtype=np.int8,
        ),
        customer_credit_hold=np.array(
            [c is not None and c.credit_hold for c in customer_rows], dtype=np.bool_
        ),
        customer_has_limit=np.array(
            [c is not None and c.credit_limit is not None for c in customer_rows], dtype=np.bool_
        ),
        customer_credit_limit=_array_i64(
            [
                to_units(c.credit_limit, f"customer {c.code}: credit_limit")
                if c is not None and c.credit_limit is not None
                else 0
                for c in customer_rows
            ]
        ),
        pool_warehouse=_array_i32([w for w, _ in pairs]),
        pool_sku=_array_i32([s for _, s in pairs]),
        pool_on_hand=pool_on_hand,
        pool_quality_hold=pool_quality_hold,
        order_ids=order_ids,
        order_customer=_array_i32([customer_index[o.customer] for o in orders]),
        order_warehouse=_array_i32([warehouse_index[o.warehouse] for o in orders]),
        order_date=_array_i32([o.order_date.toordinal() for o in orders]),
        order_promised=_array_i32([o.promised_date.toordinal() for o in orders]),
        order_expedite=np.array([o.expedite for o in orders], dtype=np.bool_),
        order_line_start=order_line_start,
        line_order=line_order.astype(np.int32),
        line_warehouse=_array_i32([w for w, _ in line_pairs]),
        line_number=_array_i64([ln.line for ln in open_lines]),
        line_sku=_array_i32([s for _, s in line_pairs]),
        line_pool=_array_i32([pool_index[pair] for pair in line_pairs]),
        line_open_qty=line_open_qty,
        line_reserved=units_column(
            [ln.qty_reserved for ln in open_lines], line_where(open_lines, "qty_reserved")
        ),
        line_unit_price=units_column(
            [effective_unit_price(ln, products.get(ln.sku)) for ln in open_lines],
            line_where(open_lines, "unit_price"),
        ),
        po_ids=po_ids,
        inbound_po=_array_i32([po_index[ln.po_id] for ln in inbound_lines]),
        inbound_line=_array_i64([ln.line for ln in inbound_lines]),
        inbound_pool=_array_i32([pool_index[pair] for pair in inbound_pairs]),
        inbound_open_qty=inbound_open_qty,
        inbound_expected=_array_i32(
            [po_line_expected_date(ln, open_pos[ln.po_id]).toordinal() for ln in inbound_lines]
        ),
        invoice_ids=tuple(i.invoice_id for i in invoices),
        invoice_customer=_array_i32([customer_index[i.customer] for i in invoices]),
        invoice_residual=units_column(
            [i.amount_residual for i in invoices],
            lambda i: f"invoice {invoices[i].invoice_id}: amount_residual",
        ),
        invoice_due=_array_i32([i.due_date.toordinal() for i in invoices]),
    )
