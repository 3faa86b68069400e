"""Receipts with their purchase order and PO line, and whether a pool is short.

Each works on candidate rows already chosen with whole-array masks, so it may touch a
large table once (a mask over its rows) but never loops over it in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.domain.tables import I64, Bools


def po_line_rows(context: ColumnarDetectionContext, pos: I64, lines: I64) -> I64:
    """The row of ``tables.purchase_order_lines`` of each (PO id, line number), else -1.

    Only the rows of the POs asked about are looked at, through a mask over the table.
    """
    table = context.tables.purchase_order_lines
    found: I64 = np.full(pos.shape[0], -1, dtype=np.int64)
    if not pos.shape[0]:
        return found
    wanted = np.zeros(len(context.tables.vocab.pos), dtype=np.bool_)
    wanted[pos] = True
    rows = np.flatnonzero(wanted[table.po])
    index: dict[tuple[int, int], int] = {}
    for row, po, line in zip(
        rows.tolist(), table.po[rows].tolist(), table.line[rows].tolist(), strict=True
    ):
        index.setdefault((po, line), row)
    for i, key in enumerate(zip(pos.tolist(), lines.tolist(), strict=True)):
        found[i] = index.get(key, -1)
    return found


def short_in_pools(context: ColumnarDetectionContext, pools: I64) -> Bools:
    """Whether some demand of each pool (a picture pool id, -1 for none) is left without
    supply (the reference ``short_in_pool``)."""
    short = context.result.pool_short
    if not short.shape[0]:
        return np.zeros(pools.shape[0], dtype=np.bool_)
    found: Bools = (pools >= 0) & (short[np.maximum(pools, 0)] > 0)
    return found


@dataclass(frozen=True, slots=True)
class ReceiptRows:
    """Candidate receipts whose purchase order and PO line exist, with what the
    receipt detectors say about each (as lists, one item per receipt)."""

    receipt_id: list[str]
    po_id: list[str]
    line: list[int]
    received_day: list[int]
    qty: list[int]
    damaged_qty: list[int]
    sku: list[str]
    warehouse: list[int]
    supplier: list[int]
    unit_cost: list[int]
    #: whether the pool (the line's sku in the PO's warehouse) is short in the analysis
    short: list[bool]
    #: the receipts' rows of ``tables.receipts``
    rows: I64


def receipt_rows(context: ColumnarDetectionContext, receipts: I64) -> ReceiptRows:
    """The purchase order and PO line of each receipt of ``receipts``; receipts naming
    a missing one are dropped, as the reference detectors skip them."""
    tables = context.tables
    table = tables.receipts
    po = table.po[receipts].astype(np.int64)
    order = context.purchase_order_row[po]
    po_line = po_line_rows(context, po, table.line[receipts])
    keep = (order >= 0) & (po_line >= 0)
    receipts, po, order, po_line = receipts[keep], po[keep], order[keep], po_line[keep]
    sku = tables.purchase_order_lines.sku[po_line].astype(np.int64)
    warehouse = tables.purchase_orders.warehouse[order].astype(np.int64)
    skus, pos = tables.vocab.skus.codes, tables.vocab.pos.codes
    return ReceiptRows(
        receipt_id=[str(r) for r in table.receipt_id[receipts].tolist()],
        po_id=[pos[p] for p in po.tolist()],
        line=table.line[receipts].tolist(),
        received_day=table.received_date[receipts].tolist(),
        qty=table.qty[receipts].tolist(),
        damaged_qty=table.damaged_qty[receipts].tolist(),
        sku=[skus[s] for s in sku.tolist()],
        warehouse=warehouse.tolist(),
        supplier=tables.purchase_orders.supplier[order].tolist(),
        unit_cost=context.unit_cost_units(sku, po_line).tolist(),
        short=short_in_pools(context, context.pools_of(sku, warehouse)).tolist(),
        rows=receipts,
    )
