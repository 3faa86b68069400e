"""Warehouse picks: open picks for orders due now (some nobody has taken), and done
picks for what has already shipped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from controltower.demo.demand import DONE, OPEN, Demand
from controltower.demo.parties import CustomerBook

PICK_OPEN, PICK_DONE = 0, 1
_MINUTES_A_DAY: Final = 24 * 60
#: share of orders due within two days that already have a pick released
_RELEASED_RATE: Final = 0.55
#: share of released picks a picker has taken
_ASSIGNED_RATE: Final = 0.85


@dataclass(slots=True)
class PickTable:
    """Picks; ``created`` in minutes from the start of the as-of date (negative: before)."""

    order: np.ndarray
    created: np.ndarray
    picker: np.ndarray  # index into the warehouse's pickers, -1: unassigned
    status: np.ndarray

    @property
    def size(self) -> int:
        return int(self.order.size)


def _working_minute(rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
    return np.asarray(day * _MINUTES_A_DAY + rng.integers(7 * 60, 17 * 60, size=day.size))


def release_picks(
    rng: np.random.Generator, demand: Demand, customers: CustomerBook, team_size: int
) -> PickTable:
    """Picks of the last days: open for orders due soon, done for orders that shipped."""
    orders = demand.orders
    open_order = orders.status == OPEN
    has_open = np.bincount(
        demand.lines.order[demand.open_line_mask()], minlength=orders.size
    ).astype(bool)
    due = (
        open_order & has_open & (orders.promised_day <= 2) & ~customers.credit_hold[orders.customer]
    )
    released = np.flatnonzero(due & (rng.random(orders.size) < _RELEASED_RATE))
    age = np.where(rng.random(released.size) < 0.75, 1, rng.integers(2, 4, size=released.size))
    open_created = _working_minute(rng, -age)
    picker = rng.integers(team_size, size=released.size)
    picker[rng.random(released.size) >= _ASSIGNED_RATE] = -1

    shipped_any = (
        np.bincount(demand.lines.order, weights=demand.lines.shipped, minlength=orders.size) > 0
    )
    shipped = np.flatnonzero(shipped_any & ((orders.status == DONE) | open_order))
    done_day = np.where(
        orders.status[shipped] == DONE,
        orders.promised_day[shipped] - rng.integers(0, 3, size=shipped.size),
        orders.order_day[shipped] + rng.integers(1, 3, size=shipped.size),
    )
    done_day = np.clip(done_day, orders.order_day[shipped], -1)
    return PickTable(
        order=np.concatenate([released, shipped]),
        created=np.concatenate([open_created, _working_minute(rng, done_day)]),
        picker=np.concatenate([picker, rng.integers(team_size, size=shipped.size)]),
        status=np.concatenate(
            [np.full(released.size, PICK_OPEN), np.full(shipped.size, PICK_DONE)]
        ),
    )
