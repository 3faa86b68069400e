"""Generate a realistic demo business: NORDEL, a regional distributor of electrical
components, as a canonical :class:`~controltower.domain.model.Dataset`.

The business is drawn relative to an as-of date: history before it, promises and
expected dates around it. Everything depends only on the seed, the size and the
as-of date, so the same three give the same dataset on any machine. The steps run
in the order their facts depend on each other (who sells, what is sold, who buys it,
what that leaves on the shelf, what is on order, who owes what); each draws from its
own random stream so changing one step leaves the others' draws alone.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

import numpy as np

from controltower.demo.aftersales import authorise_returns
from controltower.demo.assemble import Business, to_dataset
from controltower.demo.assortment import build_range
from controltower.demo.demand import combine, take_history_orders, take_open_orders
from controltower.demo.finance import raise_invoices, set_credit_limits
from controltower.demo.fulfilment import release_picks
from controltower.demo.network import open_network
from controltower.demo.parties import open_accounts, sign_suppliers
from controltower.demo.people import hire_staff
from controltower.demo.purchasing import (
    lines_to_order,
    place_history_orders,
    place_open_orders,
)
from controltower.demo.scenario import (
    Scenario,
    chase_orders,
    dispute_invoices,
    recount_stock,
    scenario_named,
    slip_open_orders,
    squeeze_credit,
    write_down_stock,
)
from controltower.demo.sizes import BusinessSize, size_named
from controltower.demo.stock import (
    TIGHT,
    choose_replenishment,
    draw_situations,
    stock_levels,
)
from controltower.demo.story import STORY_ORDER_LINES, plan_story, story_purchase_order
from controltower.demo.streams import RandomStreams
from controltower.domain.model import Dataset

#: called with the name of each step as it starts, for progress displays
StepListener = Callable[[str], None]

STEPS: tuple[str, ...] = (
    "network and people",
    "suppliers and products",
    "customers",
    "sales orders",
    "stock",
    "purchase orders",
    "receivables, picks and returns",
    "dataset",
)


def _ignore(_step: str) -> None:
    return None


@contextmanager
def _garbage_collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of objects are created.

    The dataset is made of acyclic value objects, so the collector finds nothing to
    free, yet it keeps re-scanning the growing heap: pausing it halves the time a large
    business takes. The collector's previous state is restored however this ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def generate_business(
    size: str | BusinessSize = "medium",
    *,
    seed: int = 7,
    as_of: date,
    scenario: str | Scenario = "normal",
    on_step: StepListener | None = None,
) -> Dataset:
    """The demo business of ``size`` (a preset name or a :class:`BusinessSize`) as of
    ``as_of``, drawn from ``seed``, having the day ``scenario`` says (a name or a
    :class:`~controltower.demo.scenario.Scenario`: ``normal``, or ``crisis``, when most
    orders are at risk).

    ``on_step`` is told the name of each step (see :data:`STEPS`) as it starts.
    """
    chosen = size_named(size) if isinstance(size, str) else size
    day = scenario_named(scenario) if isinstance(scenario, str) else scenario
    # the troubles of a disrupted day draw from their own streams, after the step they hit
    hit = day.disrupted
    notify = on_step or _ignore
    streams = RandomStreams(seed)

    notify(STEPS[0])
    network = open_network(chosen.warehouses)
    staff = hire_staff(streams.stream("staff"), chosen)

    notify(STEPS[1])
    suppliers = sign_suppliers(streams.stream("suppliers"), chosen.suppliers)
    products = build_range(
        streams.stream("products"), chosen.skus, network, suppliers, chosen.open_order_lines
    )

    notify(STEPS[2])
    customers = open_accounts(streams.stream("customers"), chosen.customers, network, staff)
    troubled = (
        squeeze_credit(streams.stream("crisis credit"), customers, day)
        if hit
        else np.zeros(customers.size, dtype=bool)
    )

    notify(STEPS[3])
    desk = len(staff.sales_desks[0])
    open_demand = take_open_orders(
        streams.stream("open orders"),
        chosen.open_order_lines - STORY_ORDER_LINES,
        customers,
        products,
        network,
        desk,
    )
    if hit:
        chase_orders(streams.stream("crisis chasing"), open_demand, day)
    story, open_demand = plan_story(network, customers, suppliers, products, open_demand)
    history = take_history_orders(
        streams.stream("history orders"),
        chosen.history_order_lines,
        chosen.history_days,
        customers,
        products,
        network,
        desk,
    )
    demand = combine(open_demand, history)

    notify(STEPS[4])
    by_pool = demand.open_demand_by_pool(products.size, network.size)
    stock_rng = streams.stream("stock")
    situation = draw_situations(stock_rng, products, by_pool, story.pinned, story.kept_healthy)
    if hit:
        story_skus = {sku for sku, _ in story.pinned.keys() | story.kept_healthy}
        recount_rng = streams.stream("crisis stock")
        recounted = recount_stock(recount_rng, situation, by_pool, story_skus, day)
    story_po = story_purchase_order(story, products, suppliers, len(staff.buyers))
    covering_lines = int(np.count_nonzero(situation == TIGHT))
    replenish_count = chosen.open_po_lines - covering_lines - story_po.lines.size
    choose_replenishment(stock_rng, products, situation, replenish_count, story.kept_healthy)
    stock = stock_levels(stock_rng, products, by_pool, situation, story.pinned)
    if hit:
        write_down_stock(recount_rng, stock, by_pool, products.qty_step(), recounted, day)

    notify(STEPS[5])
    purchasing_rng = streams.stream("purchasing")
    to_order = lines_to_order(purchasing_rng, products, by_pool, stock)
    purchasing = place_open_orders(
        purchasing_rng, products, suppliers, to_order, network.size, len(staff.buyers)
    )
    if hit:
        slip_open_orders(streams.stream("crisis purchasing"), purchasing, suppliers, day)
    purchasing = purchasing.extended(story_po)
    purchasing = purchasing.extended(
        place_history_orders(
            streams.stream("purchase history"),
            products,
            suppliers,
            chosen.history_po_lines,
            chosen.history_days,
            network.size,
            len(staff.buyers),
        )
    )

    notify(STEPS[6])
    finance_rng = streams.stream("finance")
    invoices = raise_invoices(finance_rng, customers, demand, products.list_price, story)
    if hit:
        dispute_invoices(streams.stream("crisis disputes"), invoices, troubled, day)
    limits = set_credit_limits(finance_rng, customers, invoices, demand, products.list_price, story)
    picks = release_picks(streams.stream("picks"), demand, customers, len(staff.pickers[0]))
    returns = authorise_returns(streams.stream("returns"), demand, products)
    open_lines = np.bincount(
        demand.orders.warehouse[demand.lines.order[demand.open_line_mask()]],
        minlength=network.size,
    )

    notify(STEPS[7])
    business = Business(
        network=network,
        pick_capacities=network.pick_capacities(open_lines),
        staff=staff,
        suppliers=suppliers,
        products=products,
        customers=customers,
        credit_limits=limits,
        stock=stock,
        demand=demand,
        purchasing=purchasing,
        invoices=invoices,
        returns=returns,
        picks=picks,
    )
    with _garbage_collector_paused():
        return to_dataset(business, as_of, streams.stream("document numbers"))
