"""What kind of day the demo business is having: ``normal`` or ``crisis``.

A scenario is data, like a size: ``normal`` is the everyday NORDEL of ``docs/demo.md``,
where about one order in ten is at risk. ``crisis`` is the same business on its worst
day, when several troubles land at once and most orders are at risk:

- **a supplier-wide slip**: a port and haulage disruption holds up every supplier of
  imported lines (lighting, EV chargers, switchgear) and, through the haulier they
  share, most of the others. Their open POs were due already; most of their lines have
  been re-dated one to five weeks out, the rest have gone silent past their date, and
  most of those POs are no longer confirmed;
- **stock counts collapsing**: a wall-to-wall count wrote stock down to a fraction of
  the open orders in most pools whose orders it covered; the buyers have raised POs for
  most of them (which the slip then holds up), the rest are short with nothing on order;
- **credit holds**: the credit insurer withdrew cover on many trade accounts, so a
  wave of them is on hold or blocked by overdue invoices, and many of their invoices
  are disputed;
- **customers chasing**: expedite requests surge.

Each trouble is one step below, run right after the generator step it hits and drawn
from its own random stream (``crisis ...``). The ``normal`` scenario runs none of them,
so it is exactly the business the generator always made; a crisis keeps that
business's network, range, customers, open order lines and history, and hits the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from controltower.demo.convert import NO_DAY
from controltower.demo.demand import Demand
from controltower.demo.finance import InvoiceTable
from controltower.demo.parties import SPECIALTIES, TIER_STRATEGIC, CustomerBook, SupplierBook
from controltower.demo.purchasing import Purchasing
from controltower.demo.stock import HEALTHY, SHORT, TIGHT, StockPlan


@dataclass(frozen=True, slots=True)
class Scenario:
    """How hard each trouble hits (all zero: the normal business).

    Rates are shares of the rows they name; day ranges are inclusive offsets.
    """

    name: str
    #: specialties whose every supplier slips (imported lines held at the port)
    slipping_specialties: tuple[str, ...] = ()
    #: share of the other suppliers that slip too (the shared haulier)
    other_supplier_slip_rate: float = 0.0
    #: days before D the slipping suppliers' open POs were due (at least one)
    overdue_days: tuple[int, int] = (1, 7)
    #: share of a slipping supplier's open lines re-dated (the rest go silent)
    redated_rate: float = 0.0
    #: days after D a re-dated line is now expected
    redated_days: tuple[int, int] = (7, 35)
    #: share of a slipping supplier's open POs no longer confirmed
    unconfirmed_rate: float = 0.0
    #: share of healthy pools with open orders whose count came in below the orders
    recount_rate: float = 0.0
    #: share of the recounted pools the buyers have already reordered (the rest: short)
    reordered_rate: float = 0.0
    #: the most a recounted pool still holds, as a share of its open orders
    recounted_stock_share: float = 1.0
    #: share of non-strategic accounts newly on credit hold
    credit_hold_rate: float = 0.0
    #: share of non-strategic accounts newly paying late (an invoice over 30 days overdue)
    late_payer_rate: float = 0.0
    #: share of the newly troubled accounts' invoices in dispute
    dispute_rate: float = 0.0
    #: share of open orders the customer has asked to expedite
    expedite_rate: float = 0.0

    @property
    def disrupted(self) -> bool:
        """Whether any trouble is added to the normal business."""
        return self != Scenario(self.name)


NORMAL: Final = Scenario(name="normal")

CRISIS: Final = Scenario(
    name="crisis",
    slipping_specialties=("lighting", "ev", "switchgear"),
    other_supplier_slip_rate=0.7,
    overdue_days=(1, 7),
    redated_rate=0.75,
    redated_days=(7, 35),
    unconfirmed_rate=0.75,
    recount_rate=0.8,
    reordered_rate=0.7,
    recounted_stock_share=0.25,
    credit_hold_rate=0.15,
    late_payer_rate=0.06,
    dispute_rate=0.4,
    expedite_rate=0.3,
)

SCENARIOS: Final[dict[str, Scenario]] = {s.name: s for s in (NORMAL, CRISIS)}


def scenario_named(name: str) -> Scenario:
    """The scenario called ``name`` (``normal`` or ``crisis``)."""
    try:
        return SCENARIOS[name]
    except KeyError:
        known = ", ".join(SCENARIOS)
        raise ValueError(f"unknown demo scenario {name!r}; choose one of {known}") from None


# --- the troubles, in the order the generator meets them ---------------------------------


def squeeze_credit(
    rng: np.random.Generator, customers: CustomerBook, scenario: Scenario
) -> np.ndarray:
    """Put trade accounts on hold and make others late payers, in place; the mask of
    the accounts newly in trouble. Strategic accounts are spared (the story casts one)."""
    untroubled = (customers.tier != TIER_STRATEGIC) & ~customers.credit_hold & ~customers.late_payer
    draw = rng.random(customers.size)
    hold = untroubled & (draw < scenario.credit_hold_rate)
    late = (
        untroubled
        & (draw >= scenario.credit_hold_rate)
        & (draw < scenario.credit_hold_rate + scenario.late_payer_rate)
    )
    customers.credit_hold[hold] = True
    customers.late_payer[late] = True
    return np.asarray(hold | late)


def chase_orders(rng: np.random.Generator, demand: Demand, scenario: Scenario) -> None:
    """Flag more open orders as expedited, in place (``demand`` holds open orders only)."""
    orders = demand.orders
    orders.expedite |= rng.random(orders.size) < scenario.expedite_rate


def recount_stock(
    rng: np.random.Generator,
    situation: np.ndarray,
    demand: np.ndarray,
    story_skus: set[int],
    scenario: Scenario,
) -> np.ndarray:
    """Turn healthy pools with open orders into pools whose count fell below their
    orders, in place: reordered ones wait on an inbound PO (``TIGHT``), the others are
    short with nothing on order (``SHORT``). The story's SKUs are left alone. Returns
    the recounted pools (their stock is written down by :func:`write_down_stock`)."""
    spared = np.zeros(situation.shape[0], dtype=bool)
    spared[sorted(story_skus)] = True
    candidates = (situation == HEALTHY) & (demand > 0) & ~spared[:, None]
    draw = rng.random(situation.shape)
    recounted = candidates & (draw < scenario.recount_rate)
    reordered = draw < scenario.recount_rate * scenario.reordered_rate
    situation[recounted & reordered] = TIGHT
    situation[recounted & ~reordered] = SHORT
    return np.asarray(recounted)


def write_down_stock(
    rng: np.random.Generator,
    stock: StockPlan,
    demand: np.ndarray,
    step: np.ndarray,
    recounted: np.ndarray,
    scenario: Scenario,
) -> None:
    """What the count found in the recounted pools, in place: at most
    ``recounted_stock_share`` of their open orders (never more than the stock drawn
    for their situation), and nothing held by quality."""
    share = scenario.recounted_stock_share * rng.random(demand.shape)
    steps = np.broadcast_to(step[:, None], demand.shape)
    counted = (np.floor(share * demand / steps) * steps).astype(np.int64)
    stock.on_hand[recounted] = np.minimum(stock.on_hand, counted)[recounted]
    stock.quality_hold[recounted] = 0


def slipping_suppliers(
    rng: np.random.Generator, suppliers: SupplierBook, scenario: Scenario
) -> np.ndarray:
    """Which suppliers slip: every one of the hit specialties, some of the others."""
    hit = np.array([SPECIALTIES[s] in scenario.slipping_specialties for s in suppliers.specialty])
    others = rng.random(suppliers.size) < scenario.other_supplier_slip_rate
    return np.asarray(hit | others)


def slip_open_orders(
    rng: np.random.Generator, purchasing: Purchasing, suppliers: SupplierBook, scenario: Scenario
) -> None:
    """Hold up the slipping suppliers' open POs, in place (``purchasing`` holds the
    open POs only, before the story's is added).

    Each such PO was due some days ago (its order date moves back as far as the lead
    time needs); most of its open lines are re-dated weeks out, the rest keep the PO's
    passed date; most lose their confirmation.
    """
    orders, lines = purchasing.orders, purchasing.lines
    slipping = slipping_suppliers(rng, suppliers, scenario)
    hit = slipping[orders.supplier]
    n = orders.size
    low, high = scenario.overdue_days
    due = -rng.integers(max(1, low), max(1, high) + 1, size=n)
    lead = suppliers.effective_lead_days()[orders.supplier]
    expected = np.where(hit, np.minimum(orders.expected_day, due), orders.expected_day)
    orders.order_day[:] = np.where(
        hit, np.minimum(orders.order_day, expected - lead), orders.order_day
    )
    orders.expected_day[:] = expected
    unconfirm = hit & (rng.random(n) < scenario.unconfirmed_rate)
    orders.confirmed_day[unconfirm] = NO_DAY
    keep = hit & ~unconfirm & (orders.confirmed_day != NO_DAY)
    orders.confirmed_day[keep] = np.maximum(orders.confirmed_day[keep], orders.order_day[keep])

    open_line = hit[lines.po] & (lines.qty > lines.received)
    first, last = scenario.redated_days
    po_slip = rng.integers(first, last + 1, size=n)
    line_slip = po_slip[lines.po] + rng.integers(0, 4, size=lines.size)
    redated = open_line & (rng.random(lines.size) < scenario.redated_rate)
    lines.expected_day[redated] = line_slip[redated]
    silent = open_line & ~redated
    lines.expected_day[silent] = NO_DAY


def dispute_invoices(
    rng: np.random.Generator, invoices: InvoiceTable, troubled: np.ndarray, scenario: Scenario
) -> None:
    """Put many invoices of the newly troubled accounts in dispute, in place."""
    owed = (invoices.amount > 0) & troubled[invoices.customer]
    invoices.disputed |= owed & (rng.random(invoices.size) < scenario.dispute_rate)
