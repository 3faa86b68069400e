"""Receivables and credit: open invoices, credit notes and credit limits.

Most accounts pay within terms and sit well inside their limit. A few pay late (an
invoice more than 30 days overdue blocks their orders), a few run over their limit,
some invoices are disputed, some accounts hold a credit note. Limits are set from each
account's exposure so the "over limit" accounts are exactly the ones meant to be.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from controltower.demo.demand import DONE, OPEN, Demand
from controltower.demo.parties import TIER_STRATEGIC, CustomerBook
from controltower.demo.story import STORY_DISPUTED_INVOICE, StoryPlan

_DISPUTED_RATE: Final = 0.025
_MILDLY_OVERDUE_RATE: Final = 0.04
_CREDIT_NOTE_RATE: Final = 0.05
_OVER_LIMIT_RATE: Final = 0.015
#: share of accounts with no credit limit, by tier (strategic, key, standard)
_NO_LIMIT_RATE: Final = np.array([0.5, 0.1, 0.06])
#: headroom (pounds) a limit gives on top of a multiple of the exposure, by tier
_LIMIT_BASE: Final = np.array([50_000, 10_000, 2_000])


@dataclass(slots=True)
class InvoiceTable:
    """Open receivables; amounts in pence, negative for credit notes."""

    customer: np.ndarray
    due_day: np.ndarray
    amount: np.ndarray
    disputed: np.ndarray

    @property
    def size(self) -> int:
        return int(self.customer.size)

    @property
    def is_credit_note(self) -> np.ndarray:
        return np.asarray(self.amount < 0)


def line_values(demand: Demand, list_prices: np.ndarray) -> np.ndarray:
    """Pence value of each line's open quantity at its effective unit price."""
    lines = demand.lines
    price = np.where(lines.unit_price >= 0, lines.unit_price, list_prices[lines.sku])
    return np.asarray(lines.open_qty * price / 10)


def raise_invoices(
    rng: np.random.Generator,
    customers: CustomerBook,
    demand: Demand,
    list_prices: np.ndarray,
    story: StoryPlan,
) -> InvoiceTable:
    """Open invoices sized on what each customer buys, with late payers, disputes and
    credit notes, plus the story's disputed invoice."""
    lines = demand.lines
    done = demand.orders.status[lines.order] == DONE
    price = np.where(lines.unit_price >= 0, lines.unit_price, list_prices[lines.sku])
    shipped_value = np.where(done, lines.shipped * price / 10, 0.0)
    who_line = demand.orders.customer[lines.order]
    spend = np.bincount(who_line, weights=shipped_value, minlength=customers.size)
    orders_done = np.bincount(
        demand.orders.customer[demand.orders.status == DONE], minlength=customers.size
    )
    typical = np.where(orders_done > 0, spend / np.maximum(orders_done, 1), 0.0)
    fallback = float(np.median(typical[typical > 0])) if np.any(typical > 0) else 50_000.0
    typical = np.where(typical > 0, typical, fallback)

    relative = customers.activity / customers.activity.mean()
    count = rng.poisson(np.minimum(30.0, 0.5 + 2.5 * relative))
    who = np.repeat(np.arange(customers.size), count)
    n = who.size
    amount = np.maximum(500, np.round(typical[who] * rng.lognormal(0.0, 0.6, n))).astype(np.int64)
    due = rng.integers(-45, 1, size=n) + 30
    mildly = rng.random(n) < _MILDLY_OVERDUE_RATE
    due[mildly] = rng.integers(-30, -15, size=int(mildly.sum()))
    disputed = rng.random(n) < _DISPUTED_RATE

    late = np.flatnonzero(customers.late_payer)
    late_who = np.repeat(late, rng.integers(1, 4, size=late.size))
    late_amount = np.maximum(
        500, np.round(typical[late_who] * rng.lognormal(0, 0.5, late_who.size))
    )
    late_due = rng.integers(-75, -30, size=late_who.size)

    noted = np.flatnonzero(rng.random(customers.size) < _CREDIT_NOTE_RATE)
    note_amount = -np.maximum(500, np.round(typical[noted] * rng.uniform(0.05, 0.4, noted.size)))
    note_due = rng.integers(-60, 1, size=noted.size)

    story_amount, story_due = STORY_DISPUTED_INVOICE
    return InvoiceTable(
        customer=np.concatenate([who, late_who, noted, [story.customer]]).astype(np.int64),
        due_day=np.concatenate([due, late_due, note_due, [story_due]]).astype(np.int64),
        amount=np.concatenate([amount, late_amount, note_amount, [story_amount]]).astype(np.int64),
        disputed=np.concatenate(
            [disputed, np.zeros(late_who.size + noted.size, dtype=bool), [True]]
        ),
    )


def set_credit_limits(
    rng: np.random.Generator,
    customers: CustomerBook,
    invoices: InvoiceTable,
    demand: Demand,
    list_prices: np.ndarray,
    story: StoryPlan,
) -> np.ndarray:
    """Credit limit of each customer in whole pounds (-1: none).

    Limits sit well above exposure (receivables plus open order value), except for a
    few accounts chosen to be over their limit.
    """
    lines = demand.lines
    open_lines = demand.orders.status[lines.order] == OPEN
    values = np.where(open_lines, line_values(demand, list_prices), 0.0)
    order_value = np.bincount(
        demand.orders.customer[lines.order], weights=values, minlength=customers.size
    )
    receivable = np.bincount(invoices.customer, weights=invoices.amount, minlength=customers.size)
    exposure_pounds = (order_value + receivable) / 100

    multiple = rng.uniform(1.3, 3.0, size=customers.size)
    limit = (
        np.ceil((np.maximum(exposure_pounds, 0) * multiple + _LIMIT_BASE[customers.tier]) / 1000)
        * 1000
    ).astype(np.int64)
    no_limit = rng.random(customers.size) < _NO_LIMIT_RATE[customers.tier]
    limit[no_limit] = -1

    trade = customers.tier != TIER_STRATEGIC
    modest = customers.activity <= np.quantile(customers.activity[trade], 0.8)
    eligible = np.flatnonzero(
        trade & modest & ~customers.credit_hold & ~customers.late_payer & (exposure_pounds > 2_000)
    )
    eligible = eligible[eligible != story.customer]
    over = rng.permutation(eligible)[: max(1, round(_OVER_LIMIT_RATE * customers.size))]
    squeezed = np.floor(exposure_pounds[over] * rng.uniform(0.7, 0.95, over.size) / 500) * 500
    limit[over] = squeezed.astype(np.int64)
    return np.asarray(limit)
