"""The kernel's picture built from the dataset's columns, with whole-array operations.

:func:`~controltower.domain.columnar.to_columns` builds the
:class:`~controltower.domain.columnar.ColumnarPicture` from value objects, one row at a
time, which takes seconds at a million order lines. :func:`picture_from_tables` builds
the very same picture (every array and code table equal, the same refusals) from
:class:`~controltower.domain.tables.DatasetTables`, where every column is already a
numpy array: filtering, sorting and id mapping become array operations, and Python
only loops over the handful of rows a refusal names.

Two things need care:

* **Ids are re-numbered.** The tables' vocabularies hold every code any row names; the
  picture keeps only the codes that take part in allocation (a SKU only a return names
  is not in ``sku_codes``). Both are sorted by code point, so the picture's id of a
  code is its rank among the kept codes: a cumulative count over a "kept" mask.
* **Repeated rows.** :func:`to_columns` indexes warehouses, products, customers, open
  orders and open POs in dicts, so the *last* row of a repeated code wins; the same
  rule is applied here. Repeated open order lines, open PO lines and stock pairs are
  refused with :class:`~controltower.domain.errors.DatasetConflictError`, in the same
  order and with the same messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt

from controltower.domain.analysis import AllocationPolicy
from controltower.domain.columnar import (
    MAX_UNITS,
    NULL_DAY,
    ColumnarPicture,
    ColumnarPrecisionError,
    _check_total,
    from_units,
)
from controltower.domain.errors import DatasetConflictError
from controltower.domain.model import TIER_RANK, OrderStatus, Tier
from controltower.domain.tables import ORDER_STATUSES, DatasetTables, Vocabulary

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
I8 = npt.NDArray[np.int8]
Bools = npt.NDArray[np.bool_]

_OPEN: Final = ORDER_STATUSES.index(OrderStatus.OPEN)
_STANDARD_RANK: Final = TIER_RANK[Tier.STANDARD]
#: a (warehouse x sku) table of at most this many cells (or four per pair named) is
#: marked densely to number pools, rather than sorting the pairs
_DENSE_POOL_CELLS: Final = 1 << 20


# ------------------------------------------------------------------------ building blocks


def last_rows(keys: npt.NDArray[np.integer], rows: I64, size: int) -> I64:
    """For each id in ``range(size)``, the last of ``rows`` whose key is that id (-1 if none).

    The dict-building rule of :func:`to_columns` (a later row replaces an earlier one).
    ``rows`` must be ascending. Without repeats a plain scatter does; with repeats the
    first occurrence in the reversed rows is taken, which numpy guarantees.
    """
    out = np.full(size, -1, dtype=np.int64)
    if rows.shape[0] == 0:
        return out
    chosen = keys[rows]
    if int(np.bincount(chosen, minlength=size).max()) <= 1:
        out[chosen] = rows
        return out
    backwards = rows[::-1]
    distinct, first = np.unique(chosen[::-1], return_index=True)
    out[distinct] = backwards[first]
    return out


@dataclass(frozen=True, slots=True)
class _Kept:
    """The codes of one vocabulary the picture keeps, and the id map into them."""

    codes: tuple[str, ...]
    #: vocabulary id -> picture id (-1 for a code the picture does not keep)
    picture_id: I32
    #: picture id -> vocabulary id
    vocabulary_id: I64


def _keep(vocabulary: Vocabulary, *named: npt.NDArray[np.integer]) -> _Kept:
    """The codes named by any of the ``named`` id arrays, in vocabulary (code) order."""
    size = len(vocabulary)
    used = np.zeros(size, dtype=np.bool_)
    for ids in named:
        used[ids] = True
    kept = np.flatnonzero(used)
    picture_id = np.full(size, -1, dtype=np.int32)
    picture_id[kept] = np.arange(kept.shape[0], dtype=np.int32)
    return _Kept(_codes_at(vocabulary.codes, kept), picture_id, kept.astype(np.int64))


def _codes_at(codes: tuple[str, ...], ids: npt.NDArray[np.integer]) -> tuple[str, ...]:
    """``tuple(codes[i] for i in ids)``, without a Python loop per id."""
    if ids.shape[0] == 0:
        return ()
    table = np.empty(len(codes), dtype=object)
    table[:] = codes
    return tuple(table[ids].tolist())


def _by_key_and_line(keys: I32, lines: I64) -> I64:
    """The stable permutation sorting rows by (key, line); rows often arrive sorted."""
    n = keys.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    low, high = int(lines.min()), int(lines.max())
    if high - low < 1 << 31:
        packed = (keys.astype(np.int64) << 31) | (lines - low)
        if bool(np.all(packed[1:] >= packed[:-1])):
            return np.arange(n, dtype=np.int64)
        return np.argsort(packed, kind="stable").astype(np.int64)
    return np.lexsort((lines, keys)).astype(np.int64)


def _refuse_repeats(keys: I32, lines: I64, codes: tuple[str, ...], what: str) -> None:
    """Refuse a repeated (id, line) among rows sorted by it, naming the first repeat."""
    repeated = (keys[1:] == keys[:-1]) & (lines[1:] == lines[:-1])
    if bool(repeated.any()):
        k = int(np.argmax(repeated)) + 1
        raise DatasetConflictError(
            f"{what} {codes[int(keys[k])]} line {int(lines[k])} appears more than once"
        )


def _has_repeats(keys: I64, cells: int) -> bool:
    """Whether any of ``keys`` (each in ``range(cells)``) occurs twice."""
    if keys.shape[0] < 2:
        return False
    if cells <= max(_DENSE_POOL_CELLS, 4 * keys.shape[0]):
        return int(np.bincount(keys, minlength=cells).max()) > 1
    ordered = np.sort(keys)
    return bool(np.any(ordered[1:] == ordered[:-1]))


def _run_starts(keys: npt.NDArray[np.integer]) -> I64:
    """Where each run of equal ``keys`` starts, plus ``len(keys)`` at the end."""
    n = keys.shape[0]
    change = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    return np.concatenate([[0] if n else [], change, [n]]).astype(np.int64)


# ----------------------------------------------------------------------------- open rows


@dataclass(frozen=True, slots=True)
class _OpenLines:
    """Open lines of open headers (orders or POs), sorted by (header code, line)."""

    #: row in the line table
    rows: I64
    #: vocabulary id of the header
    header: I32
    #: row of the header in its table (the last open row of that code)
    header_row: I64
    number: I64
    open_qty: I64


def _open_lines(
    line_header: I32,
    line_number: I64,
    open_qty: I64,
    header_row_of: I64,
    codes: tuple[str, ...],
    what: str,
) -> _OpenLines:
    """The lines with open quantity whose header is open, sorted and checked for repeats."""
    rows = np.flatnonzero((header_row_of[line_header] >= 0) & (open_qty > 0))
    header, number = line_header[rows], line_number[rows]
    order = _by_key_and_line(header, number)
    rows, header, number = rows[order], header[order], number[order]
    _refuse_repeats(header, number, codes, what)
    return _OpenLines(rows, header, header_row_of[header], number, open_qty[rows])


def _check_open_qty(lines: _OpenLines, codes: tuple[str, ...], what: str) -> None:
    """Refuse an open quantity the fixed-point columns cannot hold, naming the first one
    in (code, line) order, as ``units_column`` does."""
    too_large = lines.open_qty >= MAX_UNITS
    if bool(too_large.any()):
        k = int(np.argmax(too_large))
        raise ColumnarPrecisionError(
            f"{what} {codes[int(lines.header[k])]} line {int(lines.number[k])}: open qty: "
            f"{from_units(int(lines.open_qty[k]))} is too large for the engine"
        )


# --------------------------------------------------------------------------------- pools


@dataclass(frozen=True, slots=True)
class _Pools:
    """Every (warehouse, sku) pair with stock, demand or inbound, in (warehouse, sku) order."""

    warehouse: I32
    sku: I32
    #: pool id of each line, inbound line and stock row
    of_line: I32
    of_inbound: I32
    of_stock: I64


def _pools(n_skus: int, n_warehouses: int, line: I64, inbound: I64, stock: I64) -> _Pools:
    """Number the pairs named by the ``warehouse * n_skus + sku`` keys of each kind."""
    everything = np.concatenate([line, inbound, stock])
    cells = n_warehouses * n_skus
    if cells <= max(_DENSE_POOL_CELLS, 4 * everything.shape[0]):
        present = np.zeros(cells, dtype=np.bool_)
        present[everything] = True
        keys = np.flatnonzero(present)
        # Only the cells some pair names are written (and so ever touched).
        pool_of_cell = np.empty(cells, dtype=np.int64)
        pool_of_cell[keys] = np.arange(keys.shape[0], dtype=np.int64)
        pool = pool_of_cell[everything]
    else:
        keys, inverse = np.unique(everything, return_inverse=True)
        pool = inverse.astype(np.int64).reshape(-1)
    n_line, n_inbound = line.shape[0], inbound.shape[0]
    width = max(n_skus, 1)
    return _Pools(
        warehouse=(keys // width).astype(np.int32),
        sku=(keys % width).astype(np.int32),
        of_line=pool[:n_line].astype(np.int32),
        of_inbound=pool[n_line : n_line + n_inbound].astype(np.int32),
        of_stock=pool[n_line + n_inbound :],
    )


# --------------------------------------------------------------------------- the picture


def picture_from_tables(
    tables: DatasetTables, as_of: date, policy: AllocationPolicy
) -> ColumnarPicture:
    """The picture ``to_columns(dataset, as_of, policy)`` builds, from the dataset's columns.

    Equal to it array for array when ``tables`` are the columns of ``dataset``; raises
    :class:`~controltower.domain.errors.DatasetConflictError` for a repeated open order
    line, open PO line or stock pair and :class:`~.columnar.ColumnarPrecisionError` for
    open quantities the kernel cannot sum exactly, as :func:`to_columns` does.
    """
    t, vocab = tables, tables.vocab
    so, sol = t.sales_orders, t.sales_order_lines
    po, pol = t.purchase_orders, t.purchase_order_lines

    # Open headers: the last open row of each order / PO code (the dict rule).
    order_row_of = last_rows(
        so.order, np.flatnonzero(so.status == _OPEN).astype(np.int64), len(vocab.orders)
    )
    po_row_of = last_rows(
        po.po, np.flatnonzero(po.status == _OPEN).astype(np.int64), len(vocab.pos)
    )
    open_order_rows = order_row_of[order_row_of >= 0]
    open_po_rows = po_row_of[po_row_of >= 0]

    lines = _open_lines(
        sol.order,
        sol.line,
        sol.qty - sol.qty_shipped,
        order_row_of,
        vocab.orders.codes,
        "sales order",
    )
    inbound = _open_lines(
        pol.po, pol.line, pol.qty - pol.qty_received, po_row_of, vocab.pos.codes, "purchase order"
    )

    warehouses = _keep(
        vocab.warehouses,
        t.warehouses.code,
        t.stock.warehouse,
        so.warehouse[open_order_rows],
        po.warehouse[open_po_rows],
        t.transfer_lanes.from_warehouse,
        t.transfer_lanes.to_warehouse,
    )
    skus = _keep(vocab.skus, t.products.sku, t.stock.sku, sol.sku, pol.sku)
    customers = _keep(
        vocab.customers, t.customers.code, so.customer[open_order_rows], t.invoices.customer
    )

    # Pools, and the refusal of a repeated stock pair (after the line checks, as there).
    n_skus = len(skus.codes)
    line_warehouse = warehouses.picture_id[so.warehouse[lines.header_row]]
    line_sku = skus.picture_id[sol.sku[lines.rows]]
    inbound_sku = skus.picture_id[pol.sku[inbound.rows]]
    stock_key = (
        warehouses.picture_id[t.stock.warehouse].astype(np.int64) * n_skus
        + skus.picture_id[t.stock.sku]
    )
    if _has_repeats(stock_key, len(warehouses.codes) * n_skus):
        raise DatasetConflictError("a (sku, warehouse) stock row appears more than once")
    pools = _pools(
        n_skus,
        len(warehouses.codes),
        line_warehouse.astype(np.int64) * n_skus + line_sku,
        warehouses.picture_id[po.warehouse[inbound.header_row]].astype(np.int64) * n_skus
        + inbound_sku,
        stock_key,
    )
    pool_on_hand = np.zeros(pools.sku.shape[0], dtype=np.int64)
    pool_on_hand[pools.of_stock] = t.stock.on_hand
    pool_quality_hold = np.zeros(pools.sku.shape[0], dtype=np.int64)
    pool_quality_hold[pools.of_stock] = t.stock.quality_hold

    order_codes, pos_codes = vocab.orders.codes, vocab.pos.codes
    _check_open_qty(lines, order_codes, "sales order")
    _check_open_qty(inbound, pos_codes, "purchase order")
    _check_total(lines.open_qty, inbound.open_qty, pool_on_hand)

    order_starts = _run_starts(lines.header)
    order_rows = lines.header_row[order_starts[:-1]]
    n_orders = order_rows.shape[0]
    line_order = np.repeat(np.arange(n_orders, dtype=np.int32), np.diff(order_starts))
    po_starts = _run_starts(inbound.header)
    inbound_po = np.repeat(np.arange(po_starts.shape[0] - 1, dtype=np.int32), np.diff(po_starts))

    own_expected = pol.expected_date[inbound.rows]
    known = _known_warehouses(tables, warehouses)
    customer = _customer_columns(tables, customers)
    invoices = _invoice_columns(tables, customers)
    lanes = _lane_columns(tables, warehouses)
    return ColumnarPicture(
        as_of=as_of,
        as_of_day=as_of.toordinal(),
        policy=policy,
        warehouse_codes=warehouses.codes,
        warehouse_known=known.known,
        warehouse_capacity=known.capacity,
        warehouse_company=known.company,
        company_codes=known.company_codes,
        lane_from=lanes.from_warehouse,
        lane_to=lanes.to_warehouse,
        lane_transit_days=lanes.transit_days,
        sku_codes=skus.codes,
        customer_codes=customers.codes,
        customer_tier=customer.tier,
        customer_credit_hold=customer.credit_hold,
        customer_has_limit=customer.has_limit,
        customer_credit_limit=customer.credit_limit,
        pool_warehouse=pools.warehouse,
        pool_sku=pools.sku,
        pool_on_hand=pool_on_hand,
        pool_quality_hold=pool_quality_hold,
        order_ids=_codes_at(order_codes, lines.header[order_starts[:-1]]),
        order_customer=customers.picture_id[so.customer[order_rows]],
        order_warehouse=warehouses.picture_id[so.warehouse[order_rows]],
        order_date=so.order_date[order_rows].astype(np.int32),
        order_promised=so.promised_date[order_rows].astype(np.int32),
        order_expedite=so.expedite[order_rows].astype(np.bool_),
        order_line_start=order_starts,
        line_order=line_order,
        line_warehouse=line_warehouse,
        line_number=lines.number.astype(np.int64),
        line_sku=line_sku,
        line_pool=pools.of_line,
        line_open_qty=lines.open_qty,
        line_reserved=sol.qty_reserved[lines.rows],
        line_unit_price=_effective_unit_price(tables, lines.rows),
        po_ids=_codes_at(pos_codes, inbound.header[po_starts[:-1]]),
        inbound_po=inbound_po,
        inbound_line=inbound.number.astype(np.int64),
        inbound_pool=pools.of_inbound,
        inbound_open_qty=inbound.open_qty,
        inbound_expected=np.where(
            own_expected != NULL_DAY, own_expected, po.expected_date[inbound.header_row]
        ).astype(np.int32),
        invoice_ids=invoices.ids,
        invoice_customer=invoices.customer,
        invoice_residual=invoices.residual,
        invoice_due=invoices.due,
    )


# ------------------------------------------------------------------------- small tables


@dataclass(frozen=True, slots=True)
class _WarehouseColumns:
    known: Bools
    capacity: I64
    company: I32
    company_codes: tuple[str, ...]


def _known_warehouses(tables: DatasetTables, warehouses: _Kept) -> _WarehouseColumns:
    """Capacity and company of each kept warehouse code, from its last warehouse row.

    A code no warehouse row names is unknown: no capacity, company -1. A blank capacity
    (-1 in the table) is no capacity (0), as in :func:`to_columns`.
    """
    table = tables.warehouses
    size = len(tables.vocab.warehouses)
    row_of = last_rows(table.code, np.arange(table.code.shape[0], dtype=np.int64), size)
    companies = _keep(tables.vocab.companies, table.company[row_of[row_of >= 0]])
    row = row_of[warehouses.vocabulary_id]
    known = row >= 0
    safe = np.where(known, row, 0)
    capacity = table.capacity[safe] if table.code.shape[0] else np.zeros(row.shape[0], np.int64)
    company = companies.picture_id[table.company[safe]] if table.code.shape[0] else row
    return _WarehouseColumns(
        known=known,
        capacity=np.where(known & (capacity > 0), capacity, 0).astype(np.int64),
        company=np.where(known, company, -1).astype(np.int32),
        company_codes=companies.codes,
    )


@dataclass(frozen=True, slots=True)
class _LaneColumns:
    from_warehouse: I32
    to_warehouse: I32
    transit_days: I32


def _lane_columns(tables: DatasetTables, warehouses: _Kept) -> _LaneColumns:
    """Lanes sorted by (to code, transit days, from code); vocabulary ids sort as codes."""
    lanes = tables.transfer_lanes
    order = np.lexsort((lanes.from_warehouse, lanes.transit_days, lanes.to_warehouse))
    return _LaneColumns(
        from_warehouse=warehouses.picture_id[lanes.from_warehouse[order]],
        to_warehouse=warehouses.picture_id[lanes.to_warehouse[order]],
        transit_days=lanes.transit_days[order].astype(np.int32),
    )


@dataclass(frozen=True, slots=True)
class _CustomerColumns:
    tier: I8
    credit_hold: Bools
    has_limit: Bools
    credit_limit: I64


def _customer_columns(tables: DatasetTables, customers: _Kept) -> _CustomerColumns:
    """Tier and credit rule of each kept customer code, from its last customer row; a
    code only orders or invoices name has the standard tier and no credit rule."""
    table = tables.customers
    row_of = last_rows(
        table.code, np.arange(table.code.shape[0], dtype=np.int64), len(tables.vocab.customers)
    )
    row = row_of[customers.vocabulary_id]
    known = row >= 0
    if table.code.shape[0] == 0:
        nothing = np.zeros(row.shape[0], dtype=np.bool_)
        return _CustomerColumns(
            tier=np.full(row.shape[0], _STANDARD_RANK, dtype=np.int8),
            credit_hold=nothing,
            has_limit=nothing.copy(),
            credit_limit=np.zeros(row.shape[0], dtype=np.int64),
        )
    safe = np.where(known, row, 0)
    has_limit = known & table.credit_limit_given[safe]
    return _CustomerColumns(
        tier=np.where(known, table.tier[safe], _STANDARD_RANK).astype(np.int8),
        credit_hold=known & table.credit_hold[safe],
        has_limit=has_limit,
        credit_limit=np.where(has_limit, table.credit_limit[safe], 0).astype(np.int64),
    )


@dataclass(frozen=True, slots=True)
class _InvoiceColumns:
    ids: tuple[str, ...]
    customer: I32
    residual: I64
    due: I32


def _invoice_columns(tables: DatasetTables, customers: _Kept) -> _InvoiceColumns:
    """Every invoice, sorted by ``invoice_id`` (stable, as ``sorted`` is)."""
    table = tables.invoices
    order = np.argsort(table.invoice_id, kind="stable")
    return _InvoiceColumns(
        ids=tuple(table.invoice_id[order].tolist()),
        customer=customers.picture_id[table.customer[order]],
        residual=table.amount_residual[order].astype(np.int64),
        due=table.due_date[order].astype(np.int32),
    )


def _effective_unit_price(tables: DatasetTables, rows: I64) -> I64:
    """``effective_unit_price`` of the sales order lines ``rows``: the line's own price,
    else its product's list price (the last product row of the SKU), else 0."""
    lines, products = tables.sales_order_lines, tables.products
    price = np.where(lines.unit_price_given[rows], lines.unit_price[rows], 0).astype(np.int64)
    unpriced = np.flatnonzero(~lines.unit_price_given[rows])
    if products.sku.shape[0] == 0 or unpriced.shape[0] == 0:
        return price
    row_of = last_rows(
        products.sku, np.arange(products.sku.shape[0], dtype=np.int64), len(tables.vocab.skus)
    )
    product = row_of[lines.sku[rows[unpriced]]]
    listed = product >= 0
    listed[listed] = products.list_price_given[product[listed]]
    price[unpriced[listed]] = products.list_price[product[listed]]
    return price
