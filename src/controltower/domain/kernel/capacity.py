"""Capacity scheduling: the day each ready line ships from a warehouse's pick queue.

The pick queue is first come, first served with a daily capacity, so the lines served
by the end of a day follow from a running minimum over arrivals; no simulation loop
runs over days or lines.
"""

from __future__ import annotations

import numpy as np

from controltower.domain.columnar import (
    NULL_DAY,
    ColumnarPicture,
)
from controltower.domain.kernel.arrays import I32, I64, exclusive_cumsum, stable_order

# -------------------------------------------------------------------------- capacity


def schedule_capacity(picture: ColumnarPicture, lines_by_priority: I64, supply_day: I32) -> I32:
    """Projected days of ``lines_by_priority`` after the warehouses' pick capacity.

    ``supply_day`` is indexed by line id (the whole picture). Returns the projected day
    aligned with ``lines_by_priority``: the supply day, moved later where a warehouse
    with a capacity is full. The loop runs over warehouses, never over lines.
    """
    day0 = picture.as_of_day
    supply = supply_day[lines_by_priority]
    projected = supply.copy()
    limited = np.flatnonzero(picture.warehouse_capacity > 0)
    if limited.size == 0:
        return projected
    compact = np.full(len(picture.warehouse_codes), -1, dtype=np.int64)
    compact[limited] = np.arange(limited.shape[0])
    queue_wh = compact[picture.line_warehouse[lines_by_priority]]
    queued = np.flatnonzero((queue_wh >= 0) & (supply != NULL_DAY))
    if queued.size == 0:
        return projected
    queue_wh = queue_wh[queued]
    offset = supply[queued].astype(np.int64) - day0
    span = int(offset.max()) + 1
    order = stable_order([(queue_wh, limited.shape[0]), (offset, span)], queued.shape[0])
    queued, queue_wh, offset = queued[order], queue_wh[order], offset[order]
    bounds = exclusive_cumsum(np.bincount(queue_wh, minlength=limited.shape[0]).astype(np.int64))
    for w in range(limited.shape[0]):
        lo, hi = int(bounds[w]), int(bounds[w + 1])
        if lo == hi:
            continue
        per_day = int(picture.warehouse_capacity[limited[w]])
        served = served_by_day(offset[lo:hi], per_day)
        day = np.searchsorted(served, np.arange(hi - lo, dtype=np.int64), side="right")
        projected[queued[lo:hi]] = (day0 + day).astype(np.int32)
    return projected


def served_by_day(arrival_offsets: I64, per_day: int) -> I64:
    """Cumulative lines picked by the end of each day, first come first served.

    ``arrival_offsets`` are the days (from 0) the lines become pickable, sorted. With
    ``A(t)`` the lines arrived by day ``t``, the queue has served
    ``S(t) = min over 0 <= s <= t+1 of A(s-1) + C * (t - s + 1)`` by the end of day
    ``t``: either it was never idle since day ``s`` or it caught up with arrivals.
    """
    n = arrival_offsets.shape[0]
    horizon = int(arrival_offsets[-1]) + 1 + -(-n // per_day)
    arrived = np.cumsum(np.bincount(arrival_offsets, minlength=horizon)).astype(np.int64)
    s = np.arange(horizon + 1, dtype=np.int64)
    candidate = np.concatenate([[0], arrived]) - per_day * s
    best = np.minimum.accumulate(candidate)
    return per_day * (s[:-1] + 1) + best[1:]
