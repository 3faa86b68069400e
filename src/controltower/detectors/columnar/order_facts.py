"""The lines and pegs of the orders a detection describes, gathered once.

Every part of an order's story (explanation, next steps, causes, entities) reads the
same lines and future-supply pegs; gathering them once as arrays, grouped by order,
lets each part be one pass over the candidates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from controltower.detectors.columnar.bulk_text import int_texts
from controltower.detectors.columnar.context import (
    ColumnarDetectionContext,
    spans,
    starts_of,
)
from controltower.domain.columnar import NULL_DAY
from controltower.domain.tables import I64, Bools, Texts


@dataclass(frozen=True, slots=True)
class OrderLines:
    """The open lines of some orders, grouped by order and in line order."""

    orders: I64
    #: lines of ``orders[k]`` are positions ``start[k]:start[k + 1]`` of the arrays below
    start: I64
    line: I64
    owner: I64
    #: position of the line within its order
    pos: I64
    number: Texts
    sku: Texts
    warehouse: Texts
    open_qty: I64
    from_stock: I64
    short: I64
    supply: I64
    projected: I64
    delay: I64
    simple: Bools


@dataclass(frozen=True, slots=True)
class OrderPegs:
    """The future-supply pegs of some lines, line after line in the order taken."""

    peg: I64
    #: position in the ``OrderLines`` arrays of the line that took it
    holder: I64
    #: position among the pegs of its line
    rank: I64
    kind: npt.NDArray[np.int8]
    day: I64
    #: picture inbound line (-1 for held stock)
    inbound: I64


def order_lines_of(context: ColumnarDetectionContext, orders: I64) -> OrderLines:
    """The lines of ``orders`` with what every sentence about them reads, gathered once."""
    p, r = context.picture, context.result
    first = p.order_line_start[orders]
    count = p.order_line_start[orders + 1] - first
    start = starts_of(count)
    line = spans(first, count)
    owner = np.repeat(np.arange(orders.shape[0], dtype=np.int64), count)
    supply = r.line_supply_day[line].astype(np.int64)
    projected = r.line_projected_day[line].astype(np.int64)
    dated = (supply != NULL_DAY) & (projected != NULL_DAY)
    delay = np.where(dated, projected - supply, 0)
    open_qty = p.line_open_qty[line]
    from_stock = r.line_from_stock[line]
    numbers = np.empty(line.shape[0], dtype=object)
    numbers[:] = int_texts(p.line_number[line])
    return OrderLines(
        orders=orders,
        start=start,
        line=line,
        owner=owner,
        pos=np.arange(line.shape[0], dtype=np.int64) - start[owner],
        number=numbers,
        sku=context.code_array(p.sku_codes)[p.line_sku[line]],
        warehouse=context.code_array(p.warehouse_codes)[p.line_warehouse[line]],
        open_qty=open_qty,
        from_stock=from_stock,
        short=r.line_short[line],
        supply=supply,
        projected=projected,
        delay=delay,
        simple=(from_stock >= open_qty) & (delay == 0),
    )


def order_pegs_of(context: ColumnarDetectionContext, lines: I64) -> OrderPegs:
    """The pegs of ``lines`` (picture line ids), in the order each line took them."""
    r = context.result
    count = r.line_peg_count[lines]
    peg = spans(r.line_peg_first[lines], count)
    holder = np.repeat(np.arange(lines.shape[0], dtype=np.int64), count)
    rank = np.arange(peg.shape[0], dtype=np.int64) - starts_of(count)[holder]
    return OrderPegs(
        peg=peg,
        holder=holder,
        rank=rank,
        kind=r.peg_kind[peg],
        day=r.peg_day[peg].astype(np.int64),
        inbound=r.peg_inbound[peg],
    )
