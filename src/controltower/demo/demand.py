"""Customer demand: open sales orders around the as-of date, and done or cancelled
orders as history.

Orders are drawn customer by customer in proportion to appetite, shipped from the
customer's home branch (now and then from another), with lines drawn from what that
warehouse stocks in proportion to popularity. Most lines are plain; a few are
expedited, reserved, partly shipped, past their promise or sold off list price, at
rates a distributor would recognise.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Final

import numpy as np

from controltower.demo.assortment import QTY_SIGMA, ProductRange
from controltower.demo.network import Network
from controltower.demo.parties import TIER_STANDARD, CustomerBook

OPEN, DONE, CANCELLED = 0, 1, 2

#: mean lines per order by tier (strategic, key, standard)
_LINES_PER_ORDER: Final = np.array([6.0, 4.0, 2.5])
_MAX_LINES_PER_ORDER: Final = 25
#: line quantity multiplier by tier: big accounts buy bigger
_QTY_FACTOR: Final = np.array([1.6, 1.2, 1.0])
_EXPEDITE_RATE: Final = np.array([0.06, 0.05, 0.02])
#: share of orders shipped from a warehouse other than the customer's home branch
_AWAY_RATE: Final = 0.12


@dataclass(slots=True)
class OrderTable:
    """Sales order headers; days are offsets from the as-of date."""

    customer: np.ndarray
    warehouse: np.ndarray
    order_day: np.ndarray
    promised_day: np.ndarray
    expedite: np.ndarray
    accepts_partial: np.ndarray  # -1: the customer's, 0: no, 1: yes
    status: np.ndarray
    salesperson: np.ndarray  # index into the warehouse's sales desk, -1: none

    @property
    def size(self) -> int:
        return int(self.customer.size)

    def extended(self, other: OrderTable) -> OrderTable:
        return OrderTable(
            **{
                f.name: np.concatenate([getattr(self, f.name), getattr(other, f.name)])
                for f in fields(OrderTable)
            }
        )


@dataclass(slots=True)
class LineTable:
    """Sales order lines; quantities in tenths, prices in pence (-1: not given)."""

    order: np.ndarray
    sku: np.ndarray
    qty: np.ndarray
    shipped: np.ndarray
    reserved: np.ndarray
    unit_price: np.ndarray
    list_price: np.ndarray

    @property
    def size(self) -> int:
        return int(self.order.size)

    @property
    def open_qty(self) -> np.ndarray:
        return np.asarray(self.qty - self.shipped)

    def extended(self, other: LineTable, order_offset: int = 0) -> LineTable:
        values = {
            f.name: np.concatenate([getattr(self, f.name), getattr(other, f.name)])
            for f in fields(LineTable)
        }
        values["order"] = np.concatenate([self.order, other.order + order_offset])
        return LineTable(**values)


@dataclass(frozen=True, slots=True)
class Demand:
    """Open orders first, history after; ``lines.order`` indexes ``orders``."""

    orders: OrderTable
    lines: LineTable

    def open_line_mask(self) -> np.ndarray:
        """Lines of open orders with quantity still to ship."""
        return np.asarray(
            (self.orders.status[self.lines.order] == OPEN) & (self.lines.open_qty > 0)
        )

    def open_demand_by_pool(self, skus: int, warehouses: int) -> np.ndarray:
        """Open quantity (tenths) per (sku, warehouse)."""
        mask = self.open_line_mask()
        pools = self.lines.sku[mask] * warehouses + self.orders.warehouse[self.lines.order[mask]]
        totals = np.bincount(pools, weights=self.lines.open_qty[mask], minlength=skus * warehouses)
        return np.asarray(totals.astype(np.int64).reshape(skus, warehouses))


def _round_down(tenths: np.ndarray, step: np.ndarray) -> np.ndarray:
    """``tenths`` rounded down to whole steps, as integers."""
    return np.asarray((np.floor(tenths / step) * step).astype(np.int64))


def _line_counts(rng: np.random.Generator, tiers: np.ndarray) -> np.ndarray:
    means = _LINES_PER_ORDER[tiers]
    return np.asarray(np.minimum(rng.geometric(1.0 / means), _MAX_LINES_PER_ORDER))


def _orders_for_lines(
    rng: np.random.Generator, target_lines: int, customers: CustomerBook
) -> tuple[np.ndarray, np.ndarray]:
    """Customers of orders and their line counts, summing to exactly ``target_lines``."""
    p = customers.activity / customers.activity.sum()
    who = np.empty(0, dtype=np.int64)
    counts = np.empty(0, dtype=np.int64)
    while counts.sum() < target_lines:
        batch = max(16, int((target_lines - counts.sum()) / 2.5 * 1.2))
        drawn = rng.choice(customers.size, size=batch, p=p)
        who = np.concatenate([who, drawn])
        counts = np.concatenate([counts, _line_counts(rng, customers.tier[drawn])])
    cumulative = np.cumsum(counts)
    last = int(np.searchsorted(cumulative, target_lines))
    counts = counts[: last + 1].copy()
    counts[last] -= int(cumulative[last] - target_lines)
    return who[: last + 1], counts


def _shipping_warehouses(
    rng: np.random.Generator, who: np.ndarray, customers: CustomerBook, network: Network
) -> np.ndarray:
    warehouse = customers.home[who].copy()
    away = rng.random(who.size) < _AWAY_RATE
    warehouse[away] = rng.choice(network.size, size=int(away.sum()), p=network.demand_share)
    return np.asarray(warehouse)


def _draw_skus(
    rng: np.random.Generator,
    products: ProductRange,
    warehouse_of_line: np.ndarray,
    order_of_line: np.ndarray,
) -> np.ndarray:
    """A stocked SKU per line, by popularity, avoiding repeats within an order."""
    sku = np.empty(warehouse_of_line.size, dtype=np.int64)
    candidates: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for w in range(products.stocked.shape[1]):
        c = np.flatnonzero(products.stocked[:, w])
        candidates.append(c)
        weights.append(products.popularity[c] / products.popularity[c].sum())

    def draw(rows: np.ndarray) -> None:
        for w, (c, p) in enumerate(zip(candidates, weights, strict=True)):
            here = rows[warehouse_of_line[rows] == w]
            if here.size:
                sku[here] = rng.choice(c, size=here.size, p=p)

    draw(np.arange(sku.size))
    for _ in range(4):
        key = order_of_line * products.size + sku
        sorter = np.argsort(key, kind="stable")
        repeated = sorter[1:][key[sorter][1:] == key[sorter][:-1]]
        if repeated.size == 0:
            break
        draw(repeated)
    return sku


def _draw_qty(
    rng: np.random.Generator, products: ProductRange, sku: np.ndarray, tier: np.ndarray
) -> np.ndarray:
    step = products.qty_step()[sku]
    median = products.qty_median()[sku] * _QTY_FACTOR[tier] * 10
    raw = median * rng.lognormal(0.0, QTY_SIGMA, size=sku.size)
    qty = np.round(raw / step).astype(np.int64) * step
    return np.asarray(np.clip(qty, step, np.maximum(step, products.qty_max()[sku])))


def _draw_prices(
    rng: np.random.Generator, products: ProductRange, sku: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(unit price, list price) in pence: mostly list, some small discounts, a few lines
    sold well off list (the pricing variances), now and then left blank to default."""
    list_price = products.list_price[sku]
    draw = rng.random(sku.size)
    factor = np.ones(sku.size)
    small = (draw >= 0.945) & (draw < 0.985)
    factor[small] = 1.0 - rng.uniform(0.01, 0.04, size=int(small.sum()))
    big = draw >= 0.985
    below = rng.random(sku.size) < 0.6
    factor[big & below] = 1.0 - rng.uniform(0.08, 0.30, size=int((big & below).sum()))
    factor[big & ~below] = 1.0 + rng.uniform(0.05, 0.15, size=int((big & ~below).sum()))
    unit_price = np.maximum(1, np.round(list_price * factor)).astype(np.int64)
    exact = factor == 1.0
    unit_price[exact & (rng.random(sku.size) < 0.05)] = -1
    line_list = list_price.copy()
    line_list[rng.random(sku.size) < 0.10] = -1
    return unit_price, line_list


def _headers(
    rng: np.random.Generator,
    who: np.ndarray,
    customers: CustomerBook,
    network: Network,
    desk_size: int,
    order_day: np.ndarray,
    promised_day: np.ndarray,
    status: np.ndarray,
) -> OrderTable:
    n = who.size
    accepts = np.full(n, -1, dtype=np.int64)
    draw = rng.random(n)
    accepts[draw < 0.07] = 1
    accepts[(draw >= 0.07) & (draw < 0.15)] = 0
    salesperson = rng.integers(desk_size, size=n)
    salesperson[rng.random(n) < 0.08] = -1
    return OrderTable(
        customer=who,
        warehouse=_shipping_warehouses(rng, who, customers, network),
        order_day=order_day,
        promised_day=promised_day,
        expedite=rng.random(n) < _EXPEDITE_RATE[customers.tier[who]],
        accepts_partial=accepts,
        status=status,
        salesperson=salesperson,
    )


def _promise_offsets(rng: np.random.Generator, n: int) -> np.ndarray:
    """Promised ship dates around the as-of date: a few past due, most ahead."""
    band = rng.choice(4, size=n, p=[0.04, 0.26, 0.45, 0.25])
    low = np.array([-8, 0, 4, 15])[band]
    high = np.array([-1, 3, 14, 35])[band]
    return np.asarray(rng.integers(low, high + 1))


def _lines_of(
    rng: np.random.Generator,
    orders: OrderTable,
    counts: np.ndarray,
    customers: CustomerBook,
    products: ProductRange,
) -> LineTable:
    order = np.repeat(np.arange(orders.size), counts)
    sku = _draw_skus(rng, products, orders.warehouse[order], order)
    qty = _draw_qty(rng, products, sku, customers.tier[orders.customer[order]])
    unit_price, list_price = _draw_prices(rng, products, sku)
    zeros = np.zeros(order.size, dtype=np.int64)
    return LineTable(order, sku, qty, zeros, zeros.copy(), unit_price, list_price)


def take_open_orders(
    rng: np.random.Generator,
    target_lines: int,
    customers: CustomerBook,
    products: ProductRange,
    network: Network,
    desk_size: int,
) -> Demand:
    """Open orders with exactly ``target_lines`` lines still to ship (plus a few lines
    of partly shipped orders that already went out in full)."""
    who, counts = _orders_for_lines(rng, target_lines, customers)
    n = who.size
    promised = _promise_offsets(rng, n)
    strategic_bonus = np.where(customers.tier[who] == TIER_STANDARD, 0, 3)
    lead = rng.geometric(1 / 6, size=n) + strategic_bonus
    age = rng.geometric(1 / 5, size=n) - 1
    order_day = np.maximum(-60, np.minimum(promised - lead, -age))
    orders = _headers(
        rng, who, customers, network, desk_size, order_day, promised, np.full(n, OPEN)
    )
    lines = _lines_of(rng, orders, counts, customers, products)

    step = products.qty_step()[lines.sku]
    line_age = -orders.order_day[lines.order]
    partial = (line_age >= 3) & (lines.qty >= 2 * step) & (rng.random(lines.size) < 0.07)
    shipped = _round_down(lines.qty * rng.uniform(0.25, 0.75, size=lines.size), step)
    lines.shipped[partial] = np.clip(
        shipped[partial], step[partial], lines.qty[partial] - step[partial]
    )

    soon = orders.promised_day[lines.order] <= 7
    reserve = soon & (rng.random(lines.size) < 0.35)
    open_qty = lines.open_qty
    part = _round_down(open_qty * rng.uniform(0.3, 0.9, size=lines.size), step)
    in_full = rng.random(int(reserve.sum())) < 0.7
    lines.reserved[reserve] = np.where(in_full, open_qty[reserve], part[reserve])

    started = np.unique(lines.order[partial])
    extra_orders = started[rng.random(started.size) < 0.35]
    if extra_orders.size:
        shipped_in_full = _lines_of(rng, orders, _counts_for(extra_orders, n), customers, products)
        shipped_in_full.shipped[:] = shipped_in_full.qty
        # drawn first so they get the lowest line numbers: the early lines went out first
        lines = shipped_in_full.extended(lines)
    return Demand(orders, lines)


def _counts_for(orders: np.ndarray, n: int) -> np.ndarray:
    counts = np.zeros(n, dtype=np.int64)
    counts[orders] = 1
    return counts


def take_history_orders(
    rng: np.random.Generator,
    target_lines: int,
    history_days: int,
    customers: CustomerBook,
    products: ProductRange,
    network: Network,
    desk_size: int,
) -> Demand:
    """Done (mostly shipped in full) and cancelled orders over the last ``history_days``."""
    if target_lines == 0:
        return Demand(_empty_orders(), _empty_lines())
    who, counts = _orders_for_lines(rng, target_lines, customers)
    n = who.size
    order_day = rng.integers(-history_days, -3, size=n)
    promised = np.minimum(order_day + rng.integers(1, 15, size=n), -1)
    status = np.where(rng.random(n) < 0.94, DONE, CANCELLED)
    orders = _headers(rng, who, customers, network, desk_size, order_day, promised, status)
    lines = _lines_of(rng, orders, counts, customers, products)
    done = orders.status[lines.order] == DONE
    step = products.qty_step()[lines.sku]
    short = done & (rng.random(lines.size) < 0.03) & (lines.qty >= 2 * step)
    lines.shipped[done] = lines.qty[done]
    cut = _round_down(lines.qty * rng.uniform(0.3, 0.9, size=lines.size), step)
    lines.shipped[short] = np.clip(cut[short], step[short], lines.qty[short] - step[short])
    return Demand(orders, lines)


def _empty_orders() -> OrderTable:
    e = np.empty(0, dtype=np.int64)
    return OrderTable(e, e, e, e, np.empty(0, dtype=bool), e, e, e)


def _empty_lines() -> LineTable:
    e = np.empty(0, dtype=np.int64)
    return LineTable(e, e, e, e, e, e, e)


def combine(first: Demand, second: Demand) -> Demand:
    """``second``'s orders after ``first``'s, line references shifted to match."""
    return Demand(
        first.orders.extended(second.orders),
        first.lines.extended(second.lines, order_offset=first.orders.size),
    )
