"""The layout of the flat array of fragments and the frame every writer reads.

:class:`Layout` says which slots each order and line owns; :class:`Frame` gathers the
columns and per-column texts the order heads, the lines and the explanations all need,
computed once per document.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from controltower.domain.columnar import NULL_DAY, from_units
from controltower.domain.explain import format_qty
from controltower.domain.kernel import (
    ColumnarAnalysis,
)
from controltower.domain.tables import DatasetTables
from controltower.workflow.scan_writer.texts import (
    I64,
    ONE_UNIT,
    Bools,
    Ints,
    TextMemo,
    Texts,
    escaped,
    object_array,
)

# --------------------------------------------------------------------------- layout


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each fragment goes in the flat array of fragments.

    Order ``o`` with ``k`` lines owns the slots from ``order_base[o]``: four for its
    head (up to ``"lines":[``), three per line (the line's JSON object), then its
    explanation: one slot when every line is simply served from stock, else ``5 + 2k``
    (the opening with the credit sentences, one per line for that line's sentences,
    three naming the lines served from stock and the ship date, one per line for its
    transfers, and the close).
    """

    order_base: I64
    line_slot: I64
    tail_slot: I64

    @classmethod
    def of(cls, order_line_start: I64, line_order: Ints, detailed: Bools) -> Layout:
        lines_of = np.diff(order_line_start)
        slots = 4 + 3 * lines_of + np.where(detailed, 5 + 2 * lines_of, 1)
        base = np.zeros(lines_of.shape[0] + 1, dtype=np.int64)
        np.cumsum(slots, out=base[1:])
        position = (
            np.arange(int(order_line_start[-1]), dtype=np.int64) - (order_line_start[line_order])
        )
        return cls(
            order_base=base,
            line_slot=base[line_order] + 4 + 3 * position,
            tail_slot=base[:-1] + 4 + 3 * lines_of,
        )

    @property
    def total(self) -> int:
        return int(self.order_base[-1])


# ---------------------------------------------------------------------------- frame


@dataclass(frozen=True)
class Frame:
    """What every part of the document reads: the result, and texts shared by parts."""

    result: ColumnarAnalysis
    tables: DatasetTables
    #: escaped SKU and warehouse codes, by picture id
    sku: Texts
    warehouse: list[str]
    #: per line: served from stock in full and picked the day it is ready
    simple: Bools
    #: per line: days warehouse capacity adds
    delay: I64
    #: per order: the customer's credit blocks it
    credit_blocked: Bools
    qty: TextMemo

    @classmethod
    def of(cls, result: ColumnarAnalysis, tables: DatasetTables) -> Frame:
        picture = result.picture
        projected, supply = result.line_projected_day, result.line_supply_day
        dated = (projected != NULL_DAY) & (supply != NULL_DAY)
        delay = np.where(dated, projected.astype(np.int64) - supply, 0)
        return cls(
            result=result,
            tables=tables,
            sku=object_array(escaped(picture.sku_codes)),
            warehouse=escaped(picture.warehouse_codes),
            simple=(result.line_from_stock >= picture.line_open_qty) & (delay == 0),
            delay=delay,
            credit_blocked=result.credit.blocked[picture.order_customer],
            qty=TextMemo(lambda units: format_qty(from_units(units))),
        )

    def portion(self, units: int, open_units: int, sku: str) -> str:
        """``explain.portion``: ``15 of 40 SKU``, ``all 40 SKU`` or ``1 SKU``."""
        if units < open_units:
            return f"{self.qty(units)} of {self.qty(open_units)} {sku}"
        if open_units <= ONE_UNIT:
            return f"{self.qty(units)} {sku}"
        return f"all {self.qty(units)} {sku}"
