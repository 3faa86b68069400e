"""Transfer alternatives: where else a short line's stock could come from.

Kept apart from pegging because it reads pegging's outcome (what each pool has left
free) and never changes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from controltower.domain.columnar import (
    NULL_DAY,
    ColumnarPicture,
)
from controltower.domain.kernel.arrays import I32, I64, Bools, exclusive_cumsum

# ---------------------------------------------------------------- transfer alternatives


@dataclass(frozen=True, slots=True)
class AlternativeColumns:
    """Free stock elsewhere for the lines that are short or late (``allocation.md``).

    Line ``i`` owns ``from_warehouse[first[i]:first[i] + count[i]]`` (and the same slice
    of the other arrays), listed by arrival date then source warehouse code.
    """

    first: I64
    count: I64
    from_warehouse: I32
    free_qty: I64
    transit_days: I32
    arrival_day: I32
    makes_promise: Bools


def transfer_alternatives(
    picture: ColumnarPicture, short: I64, projected_day: I32, pool_free_stock: I64
) -> AlternativeColumns:
    """For each short or late line, the same-company warehouses whose lane reaches the
    line's warehouse and whose pool of the same SKU has free stock."""
    n = picture.n_lines
    promised = picture.order_promised[picture.line_order]
    attention = np.flatnonzero(
        (short > 0) | ((projected_day != NULL_DAY) & (projected_day > promised))
    )
    source, target = picture.lane_from, picture.lane_to
    known, company = picture.warehouse_known, picture.warehouse_company
    usable = np.flatnonzero(
        known[source] & known[target] & (source != target) & (company[source] == company[target])
    )
    n_warehouses = len(picture.warehouse_codes)
    lane_start = exclusive_cumsum(
        np.bincount(target[usable], minlength=n_warehouses).astype(np.int64)
    )
    warehouse = picture.order_warehouse[picture.line_order[attention]]
    fan_out = lane_start[warehouse + 1] - lane_start[warehouse]
    offsets = exclusive_cumsum(fan_out)
    row = np.repeat(attention, fan_out)
    lane = usable[
        np.repeat(lane_start[warehouse] - offsets[:-1], fan_out)
        + np.arange(int(offsets[-1]), dtype=np.int64)
    ]
    free = _free_stock_lookup(picture, pool_free_stock)(source[lane], picture.line_sku[row])
    keep = free > 0
    row, lane, free = row[keep], lane[keep], free[keep]
    transit = picture.lane_transit_days[lane]
    arrival = (picture.as_of_day + transit).astype(np.int32)
    count = np.bincount(row, minlength=n).astype(np.int64)
    return AlternativeColumns(
        first=exclusive_cumsum(count)[:-1],
        count=count,
        from_warehouse=source[lane],
        free_qty=free,
        transit_days=transit,
        arrival_day=arrival,
        makes_promise=arrival <= promised[row],
    )


def _free_stock_lookup(picture: ColumnarPicture, pool_free_stock: I64) -> Callable[[I32, I32], I64]:
    """A vectorised ``free_stock(warehouse, sku)`` (0 for a pool the picture lacks).

    A dense (warehouse x sku) table when it is small, else a binary search over the
    pools, which are sorted by (warehouse, sku).
    """
    n_skus = max(len(picture.sku_codes), 1)
    pool_key = picture.pool_warehouse.astype(np.int64) * n_skus + picture.pool_sku
    cells = len(picture.warehouse_codes) * n_skus
    if cells <= 4 * picture.n_pools + 1_000_000:
        table = np.zeros(cells, dtype=np.int64)
        table[pool_key] = pool_free_stock

        def dense(warehouse: I32, sku: I32) -> I64:
            found: I64 = table[warehouse.astype(np.int64) * n_skus + sku]
            return found

        return dense

    def sparse(warehouse: I32, sku: I32) -> I64:
        wanted = warehouse.astype(np.int64) * n_skus + sku
        position = np.minimum(np.searchsorted(pool_key, wanted), max(picture.n_pools - 1, 0))
        free = np.zeros(wanted.shape[0], dtype=np.int64)
        if picture.n_pools:
            found = pool_key[position] == wanted
            free[found] = pool_free_stock[position[found]]
        return free

    return sparse
