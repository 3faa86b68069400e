"""Customer returns (RMAs) against delivered lines, in every stage of their life.

A return's status follows its age: recent ones wait for approval, older ones have been
approved, received, closed or rejected; a few have sat unapproved too long. Every
status occurs, however small the business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from controltower.demo.assortment import ProductRange
from controltower.demo.demand import DONE, Demand

REQUESTED, APPROVED, RECEIVED, CLOSED, REJECTED = range(5)
_STATUSES: Final = 5
#: share of delivered lines that come back
_RETURN_RATE: Final = 0.025
#: status mix (requested, approved, received, closed, rejected) by age band
_MIX_BY_AGE: Final = np.array(
    [
        [0.60, 0.30, 0.00, 0.00, 0.10],  # up to 3 days old
        [0.15, 0.35, 0.30, 0.10, 0.10],  # 4 to 14 days old
        [0.05, 0.05, 0.15, 0.60, 0.15],  # older
    ]
)


@dataclass(slots=True)
class ReturnTable:
    customer: np.ndarray
    order: np.ndarray  # -1: not referenced
    sku: np.ndarray
    qty: np.ndarray
    requested_day: np.ndarray
    status: np.ndarray

    @property
    def size(self) -> int:
        return int(self.customer.size)


def _every_status_present(status: np.ndarray) -> np.ndarray:
    """``status`` with each absent status given to a row whose status is common."""
    for wanted in range(_STATUSES):
        if np.any(status == wanted):
            continue
        counts = np.bincount(status, minlength=_STATUSES)
        donor = int(np.argmax(counts))
        if counts[donor] < 2:
            break  # fewer returns than statuses: nothing left to give
        status[np.flatnonzero(status == donor)[-1]] = wanted
    return status


def authorise_returns(
    rng: np.random.Generator, demand: Demand, products: ProductRange
) -> ReturnTable:
    """Returns of about 2.5% of delivered lines (at least a dozen)."""
    lines = demand.lines
    delivered = np.flatnonzero((demand.orders.status[lines.order] == DONE) & (lines.shipped > 0))
    count = min(delivered.size, max(12, round(_RETURN_RATE * delivered.size)))
    rows = np.sort(rng.choice(delivered, size=count, replace=False))
    order = lines.order[rows]
    step = products.qty_step()[lines.sku[rows]]
    shipped = lines.shipped[rows]
    qty = np.minimum(shipped, np.ceil(shipped * rng.uniform(0.1, 1.0, count) / step) * step)
    requested = np.minimum(0, demand.orders.promised_day[order] + rng.integers(2, 26, size=count))
    age = -requested
    band = np.where(age <= 3, 0, np.where(age <= 14, 1, 2))
    cumulative = np.cumsum(_MIX_BY_AGE[band], axis=1)
    status = (rng.random(count)[:, None] > cumulative).sum(axis=1)
    status = _every_status_present(np.minimum(status, _STATUSES - 1))
    referenced = np.where(rng.random(count) < 0.9, order, -1)
    return ReturnTable(
        customer=demand.orders.customer[order],
        order=referenced,
        sku=lines.sku[rows],
        qty=np.maximum(step, qty).astype(np.int64),
        requested_day=requested,
        status=status,
    )
