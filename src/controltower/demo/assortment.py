"""The product range: which SKUs the business sells, at what cost and price, who makes
them, how fast they move and which warehouses stock them.

SKUs are combinations of a family's attributes and a manufacturer's range. They are
chosen by weighted sampling without replacement (the Gumbel top-k trick), so a small
range carries the common items (2.5mm² twin & earth, B16 MCBs) and only a large one
reaches the exotic (63A 4-pole type D 10kA in a budget series).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np

from controltower.demo.catalogue import FAMILIES, RANGES, Attribute
from controltower.demo.network import Network
from controltower.demo.parties import SPECIALTIES, SupplierBook

#: days of demand the open order book holds on average (orders are promised 0-5 weeks out)
OPEN_BOOK_DAYS: Final = 20
#: spread (sigma of the log) of a line's quantity around its family's median
QTY_SIGMA: Final = 0.75
#: safety days added to the lead time in a reorder point
_SAFETY_DAYS: Final = 5
#: days of demand a reorder quantity buys
_ORDER_COVER_DAYS: Final = 30
#: share of SKUs with no reorder point (specials bought to order)
_UNPLANNED_SHARE: Final = 0.08

_QTY_STEP: Final = np.array([f.qty_step_tenths for f in FAMILIES])
_QTY_MEDIAN: Final = np.array([f.order_qty_median for f in FAMILIES], dtype=float)
_QTY_MAX: Final = np.array([f.order_qty_max * 10 for f in FAMILIES])


@dataclass(slots=True)
class ProductRange:
    """SKUs as parallel arrays; quantities in tenths, money in pence, -1 for "not given"."""

    skus: list[str]
    names: list[str]
    family: np.ndarray
    unit_cost: np.ndarray
    list_price: np.ndarray
    popularity: np.ndarray
    supplier: np.ndarray
    reorder_point: np.ndarray
    reorder_qty: np.ndarray
    stocked: np.ndarray  # (sku, warehouse) -> bool
    daily_demand: np.ndarray  # expected tenths a day at each stocking warehouse

    @property
    def size(self) -> int:
        return len(self.skus)

    def uom(self, index: int) -> str:
        return FAMILIES[int(self.family[index])].uom

    def qty_step(self) -> np.ndarray:
        """Smallest quantity step of each SKU, in tenths."""
        return np.asarray(_QTY_STEP[self.family])

    def qty_median(self) -> np.ndarray:
        """Median line quantity of each SKU, in units."""
        return np.asarray(_QTY_MEDIAN[self.family])

    def qty_max(self) -> np.ndarray:
        """Largest line quantity of each SKU, in tenths."""
        return np.asarray(_QTY_MAX[self.family])

    def stock_level(self) -> np.ndarray:
        """The level (tenths) a warehouse keeps above its open orders: the reorder point,
        or two weeks of demand for a SKU without one."""
        fallback = _round_up(np.maximum(self.daily_demand * 14, 1), self.qty_step())
        return np.asarray(np.where(self.reorder_point >= 0, self.reorder_point, fallback))

    def order_quantity(self) -> np.ndarray:
        """What a replenishment PO buys (tenths): the reorder quantity, or a month of demand."""
        fallback = _round_up(np.maximum(self.daily_demand * 30, 1), self.qty_step())
        return np.asarray(np.where(self.reorder_qty >= 0, self.reorder_qty, fallback))

    def skus_of_family(self, key: str) -> np.ndarray:
        index = next(i for i, f in enumerate(FAMILIES) if f.key == key)
        return np.flatnonzero(self.family == index)


def _dimensions(family_index: int) -> tuple[tuple[Attribute, ...], ...]:
    return (*FAMILIES[family_index].dimensions, RANGES)


def _combination_weights(family_index: int) -> np.ndarray:
    """Popularity of every attribute combination of a family, flattened, summing to 1."""
    weights = np.ones(1)
    for dimension in _dimensions(family_index):
        weights = np.multiply.outer(weights, np.array([a.popularity for a in dimension])).ravel()
    return np.asarray(weights / weights.sum())


def _round_up(tenths: np.ndarray, step: np.ndarray) -> np.ndarray:
    return np.asarray(np.ceil(tenths / step).astype(np.int64) * step)


def build_range(
    rng: np.random.Generator,
    count: int,
    network: Network,
    suppliers: SupplierBook,
    open_order_lines: int,
) -> ProductRange:
    """``count`` SKUs with prices, suppliers, stocking and reorder parameters."""
    family_ids, local_ids, weights = [], [], []
    for f, spec in enumerate(FAMILIES):
        w = _combination_weights(f) * spec.popularity
        family_ids.append(np.full(w.size, f))
        local_ids.append(np.arange(w.size))
        weights.append(w)
    all_family = np.concatenate(family_ids)
    all_local = np.concatenate(local_ids)
    all_weight = np.concatenate(weights)
    if count > all_weight.size:
        raise ValueError(f"the catalogue has {all_weight.size} SKUs, {count} were asked for")
    keys = np.log(all_weight) + rng.gumbel(size=all_weight.size)
    chosen = np.argpartition(-keys, count - 1)[:count]
    chosen = chosen[np.lexsort((all_local[chosen], all_family[chosen]))]
    family = all_family[chosen]
    local = all_local[chosen]
    base_popularity = all_weight[chosen]

    skus: list[str] = []
    names: list[str] = []
    cost_factor = np.empty(count)
    for i, (f, flat) in enumerate(zip(family.tolist(), local.tolist(), strict=True)):
        dims = _dimensions(f)
        picks = np.unravel_index(flat, tuple(len(d) for d in dims))
        attrs = [d[int(p)] for d, p in zip(dims, picks, strict=True)]
        *own, brand = attrs
        spec = FAMILIES[f]
        skus.append("-".join([spec.prefix, *(a.code for a in own), brand.code]))
        names.append(f"{brand.label} {spec.name_template.format(*(a.label for a in own))}")
        cost_factor[i] = math.prod(a.cost_factor for a in attrs)

    base_cost = np.array([f.base_cost for f in FAMILIES])[family]
    unit_cost = np.maximum(
        5, np.round(base_cost * cost_factor * rng.lognormal(0, 0.08, count) * 100)
    ).astype(np.int64)
    low = np.array([f.markup[0] for f in FAMILIES])[family]
    high = np.array([f.markup[1] for f in FAMILIES])[family]
    list_price = np.round(unit_cost * rng.uniform(low, high)).astype(np.int64)

    popularity = base_popularity * rng.lognormal(0.0, 1.0, size=count)
    popularity /= popularity.sum()

    supplier = np.empty(count, dtype=np.int64)
    specialty_of_sku = np.array([SPECIALTIES.index(f.specialty) for f in FAMILIES])[family]
    for s in range(len(SPECIALTIES)):
        members = np.flatnonzero(specialty_of_sku == s)
        makers = np.flatnonzero(suppliers.specialty == s)
        if members.size:
            p = suppliers.share[makers] / suppliers.share[makers].sum()
            supplier[members] = rng.choice(makers, size=members.size, p=p)

    stocked = _stocking(rng, popularity, network)

    step = _QTY_STEP[family]
    mean_qty = _QTY_MEDIAN[family] * 10
    mean_qty = mean_qty * math.exp(QTY_SIGMA**2 / 2)
    daily = popularity * (open_order_lines / OPEN_BOOK_DAYS) * mean_qty
    daily_per_location = daily / np.maximum(1, stocked.sum(axis=1))
    lead = suppliers.effective_lead_days()[supplier]
    reorder_point = _round_up(np.maximum(daily_per_location * (lead + _SAFETY_DAYS), 1), step)
    reorder_qty = np.maximum(
        reorder_point, _round_up(np.maximum(daily_per_location * _ORDER_COVER_DAYS, 1), step)
    )
    unplanned = rng.random(count) < _UNPLANNED_SHARE
    reorder_point[unplanned] = -1
    reorder_qty[unplanned] = -1

    return ProductRange(
        skus=skus,
        names=names,
        family=family,
        unit_cost=unit_cost,
        list_price=list_price,
        popularity=popularity,
        supplier=supplier,
        reorder_point=reorder_point,
        reorder_qty=reorder_qty,
        stocked=stocked,
        daily_demand=daily_per_location,
    )


def _stocking(rng: np.random.Generator, popularity: np.ndarray, network: Network) -> np.ndarray:
    """Which warehouses stock which SKU: the central DC nearly all, branches the movers."""
    count = popularity.size
    rank = np.empty(count)
    rank[np.argsort(popularity, kind="stable")] = np.linspace(0.0, 1.0, count)
    noisy_rank = rank[:, None] + rng.normal(0.0, 0.12, size=(count, network.size))
    stocked = noisy_rank > 1.0 - network.range_coverage[None, :]
    stocked[:, 0] |= rng.random(count) < network.range_coverage[0]
    stocked[~stocked.any(axis=1), 0] = True
    return np.asarray(stocked)
