"""Where every pool (SKU at a warehouse) stands, and the stock that puts it there.

Stock is set from the open demand of the pool and a situation drawn for it, so the
exceptions the tower looks for occur at realistic rates instead of by accident:

- ``HEALTHY``: on hand covers the open orders and still sits above the reorder point;
- ``REPLENISHING``: covers the orders, has dipped below the reorder point, and an open
  PO is on its way (most open PO lines are these);
- ``TIGHT``: the orders need part of an inbound PO (late suppliers make them late);
- ``SHORT``: the orders need more than there is, and nobody has ordered any (the whole
  SKU has no open PO, so it is also overdue for replenishment);
- ``HELD``: part of the stock the orders need sits in a quality hold;
- ``NEGLECTED``: below the reorder point everywhere with no open PO anywhere, though
  the few orders are still covered;
- ``PINNED``: set by the story, left alone by everything here.

A few healthy pools also carry a quality hold on stock nobody needs yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from controltower.demo.assortment import ProductRange

UNSTOCKED, HEALTHY, REPLENISHING, TIGHT, SHORT, HELD, NEGLECTED, PINNED = range(-1, 7)

#: share of SKUs with open demand that run short with nothing on order
_SHORT_SKU_RATE: Final = 0.012
#: share of SKUs without a covering order book that nobody reordered
_NEGLECTED_SKU_RATE: Final = 0.015
#: share of pools with open demand that wait on an inbound PO
_TIGHT_POOL_RATE: Final = 0.035
#: share of pools with open demand that wait on a quality release
_HELD_POOL_RATE: Final = 0.012
#: share of untroubled pools carrying a quality hold nobody waits on
_IDLE_HOLD_RATE: Final = 0.02


@dataclass(slots=True)
class StockPlan:
    """Situation, on hand and quality hold (tenths) of every (sku, warehouse)."""

    situation: np.ndarray
    on_hand: np.ndarray
    quality_hold: np.ndarray

    def rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(sku, warehouse) of every stocked pool, in SKU then warehouse order."""
        sku, warehouse = np.nonzero(self.situation != UNSTOCKED)
        return sku, warehouse


def _round_up(tenths: np.ndarray, step: np.ndarray) -> np.ndarray:
    return np.asarray((np.ceil(tenths / step) * step).astype(np.int64))


def _round_down(tenths: np.ndarray, step: np.ndarray) -> np.ndarray:
    return np.asarray((np.floor(tenths / step) * step).astype(np.int64))


def draw_situations(
    rng: np.random.Generator,
    products: ProductRange,
    demand: np.ndarray,
    pinned: dict[tuple[int, int], int],
    kept_healthy: set[tuple[int, int]],
) -> np.ndarray:
    """A situation for every (sku, warehouse); ``demand`` is open tenths per pool."""
    situation = np.where(products.stocked, HEALTHY, UNSTOCKED)
    skus = products.size
    # the story's SKUs keep exactly the situations the story gives them
    story_sku = np.zeros(skus, dtype=bool)
    for sku, _ in pinned.keys() | kept_healthy:
        story_sku[sku] = True

    has_demand = demand > 0
    demanded = has_demand.any(axis=1) & ~story_sku
    short_sku = demanded & (rng.random(skus) < _SHORT_SKU_RATE)
    situation[short_sku[:, None] & has_demand] = SHORT

    total = demand.sum(axis=1)
    room = (products.reorder_point > total + products.qty_step()) & ~short_sku & ~story_sku
    neglected_sku = room & (rng.random(skus) < _NEGLECTED_SKU_RATE)
    situation[neglected_sku[:, None] & products.stocked] = NEGLECTED

    free = (situation == HEALTHY) & has_demand & ~story_sku[:, None]
    draw = rng.random(situation.shape)
    situation[free & (draw < _TIGHT_POOL_RATE)] = TIGHT
    held = free & (draw >= _TIGHT_POOL_RATE) & (draw < _TIGHT_POOL_RATE + _HELD_POOL_RATE)
    situation[held] = HELD

    for sku, warehouse in sorted(pinned):
        situation[sku, warehouse] = PINNED
    return np.asarray(situation)


def choose_replenishment(
    rng: np.random.Generator,
    products: ProductRange,
    situation: np.ndarray,
    count: int,
    kept_healthy: set[tuple[int, int]],
) -> tuple[np.ndarray, np.ndarray]:
    """(sku, warehouse) of ``count`` replenishment PO lines, fast movers most likely.

    Each chosen pool becomes ``REPLENISHING``; when more lines are asked for than there
    are healthy pools, the busiest pools get a second PO line.
    """
    eligible = situation == HEALTHY
    for kept_sku, kept_warehouse in kept_healthy:
        eligible[kept_sku, kept_warehouse] = False
    sku, warehouse = np.nonzero(eligible)
    if count <= 0 or sku.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    weight = products.popularity[sku]
    if count <= sku.size:
        keys = np.log(weight) + rng.gumbel(size=sku.size)
        chosen = np.sort(np.argpartition(-keys, count - 1)[:count])
    else:
        extra = rng.choice(sku.size, size=count - sku.size, p=weight / weight.sum())
        chosen = np.sort(np.concatenate([np.arange(sku.size), extra]))
    situation[sku[chosen], warehouse[chosen]] = REPLENISHING
    return np.asarray(sku[chosen]), np.asarray(warehouse[chosen])


def stock_levels(
    rng: np.random.Generator,
    products: ProductRange,
    demand: np.ndarray,
    situation: np.ndarray,
    pinned: dict[tuple[int, int], int],
) -> StockPlan:
    """On hand and quality hold for every pool, consistent with its situation."""
    shape = situation.shape
    step = np.broadcast_to(products.qty_step()[:, None], shape)
    level = np.broadcast_to(products.stock_level()[:, None], shape)
    buy = np.broadcast_to(products.order_quantity()[:, None], shape)
    u = rng.random(shape)

    on_hand = np.zeros(shape, dtype=np.int64)
    hold = np.zeros(shape, dtype=np.int64)

    def put(where: np.ndarray, values: np.ndarray) -> None:
        on_hand[where] = values[where]

    put(situation == HEALTHY, demand + level + _round_up((0.1 + 0.9 * u) * buy, step))
    put(situation == REPLENISHING, demand + _round_down((0.1 + 0.8 * u) * level, step))
    put(situation == TIGHT, _round_down((0.1 + 0.7 * u) * demand, step))
    put(situation == SHORT, _round_down(0.75 * u * demand, step))

    held = situation == HELD
    free = _round_down((0.2 + 0.5 * u) * demand, step)
    held_qty = demand - free + _round_up((0.1 + 0.4 * u) * demand, step)
    on_hand[held] = (free + held_qty)[held]
    hold[held] = held_qty[held]

    neglected = situation == NEGLECTED
    locations = np.maximum(1, products.stocked.sum(axis=1))[:, None]
    room = np.maximum(products.reorder_point[:, None] - demand.sum(axis=1)[:, None], 0)
    on_hand[neglected] = (demand + _round_down(0.5 * u * room / locations, step))[neglected]

    idle = np.isin(situation, (HEALTHY, REPLENISHING)) & (rng.random(shape) < _IDLE_HOLD_RATE)
    idle_hold = _round_up((0.05 + 0.25 * rng.random(shape)) * np.maximum(on_hand, step), step)
    hold[idle] = idle_hold[idle]
    on_hand[idle] += idle_hold[idle]

    for (sku, warehouse), qty in sorted(pinned.items()):
        on_hand[sku, warehouse] = qty
        hold[sku, warehouse] = 0
    return StockPlan(situation=situation, on_hand=on_hand, quality_hold=hold)
