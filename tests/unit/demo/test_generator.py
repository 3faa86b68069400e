"""The demo business: deterministic, valid, realistic, and telling its story.

``medium`` is generated once per module (it takes a fraction of a second) and every
realism test reads that one dataset; determinism and shape tests use ``small``.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import fields, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from controltower.demo.generator import STEPS, generate_business
from controltower.demo.sizes import LARGE, MEDIUM, SMALL, BusinessSize, size_for_open_lines
from controltower.demo.story import STORY_CUSTOMER_NAME, find_story_order
from controltower.domain.model import (
    Dataset,
    OrderStatus,
    PickStatus,
    PurchaseOrder,
    ReturnStatus,
    Tier,
    po_line_expected_date,
)
from helpers.dataset_validity import dataset_problems

AS_OF = date(2026, 11, 25)


@pytest.fixture(scope="module")
def medium() -> Dataset:
    return generate_business("medium", seed=7, as_of=AS_OF)


@pytest.fixture(scope="module")
def small() -> Dataset:
    return generate_business("small", seed=7, as_of=AS_OF)


def digest(dataset: Dataset) -> str:
    """A fingerprint of every row, stable across processes."""
    text = "\n".join(repr(row) for _, rows in dataset.collections() for row in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def open_order_lines(dataset: Dataset) -> list[Any]:
    open_ids = {o.order_id for o in dataset.sales_orders if o.status is OrderStatus.OPEN}
    return [
        line
        for line in dataset.sales_order_lines
        if line.order_id in open_ids and line.open_qty > 0
    ]


def open_purchase_orders(dataset: Dataset) -> dict[str, PurchaseOrder]:
    return {p.po_id: p for p in dataset.purchase_orders if p.status is OrderStatus.OPEN}


def open_po_lines(dataset: Dataset) -> list[Any]:
    pos = open_purchase_orders(dataset)
    return [
        line for line in dataset.purchase_order_lines if line.po_id in pos and line.open_qty > 0
    ]


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


# --- determinism ------------------------------------------------------------------------


def test_the_same_seed_size_and_date_give_an_identical_business(small: Dataset) -> None:
    assert generate_business("small", seed=7, as_of=AS_OF) == small


def test_a_different_seed_gives_a_different_business(small: Dataset) -> None:
    other = generate_business("small", seed=8, as_of=AS_OF)
    assert other != small
    assert {c.name for c in other.customers} != {c.name for c in small.customers}
    assert {p.sku for p in other.products} != {p.sku for p in small.products}


def test_the_business_does_not_depend_on_the_hash_seed_of_the_process(small: Dataset) -> None:
    script = (
        "import hashlib; from datetime import date;"
        "from controltower.demo.generator import generate_business;"
        "d = generate_business('small', seed=7, as_of=date(2026, 11, 25));"
        "text = chr(10).join(repr(r) for _, rows in d.collections() for r in rows);"
        "print(hashlib.sha256(text.encode()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == digest(small)


def test_moving_the_as_of_date_moves_every_date_and_changes_nothing_else(small: Dataset) -> None:
    week = timedelta(days=7)
    later = generate_business("small", seed=7, as_of=AS_OF + week)

    def shifted(row: Any) -> Any:
        changes = {
            f.name: getattr(row, f.name) + week
            for f in fields(row)
            if isinstance(getattr(row, f.name), date)
        }
        return replace(row, **changes)

    for name, rows in small.collections():
        assert [shifted(row) for row in rows] == getattr(later, name), name


# --- validity ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [7, 11])
def test_a_small_business_is_a_valid_dataset(seed: int) -> None:
    assert dataset_problems(generate_business("small", seed=seed, as_of=AS_OF)) == []


def test_the_medium_business_is_a_valid_dataset(medium: Dataset) -> None:
    assert dataset_problems(medium) == []


def test_a_business_scaled_to_a_line_count_is_valid_and_has_exactly_that_many_open_lines() -> None:
    dataset = generate_business(size_for_open_lines(1_500), seed=3, as_of=AS_OF)
    assert dataset_problems(dataset) == []
    assert len(open_order_lines(dataset)) == 1_500


def test_the_validity_check_catches_broken_rules(small: Dataset) -> None:
    broken = replace(small)
    broken.stock = [replace(small.stock[0], quality_hold=small.stock[0].on_hand + 1)]
    broken.sales_order_lines = [
        *small.sales_order_lines,
        replace(small.sales_order_lines[0], sku="NO-SUCH-SKU"),
    ]
    problems = dataset_problems(broken)
    assert any("quality_hold exceeds on_hand" in p for p in problems)
    assert any("NO-SUCH-SKU" in p and "not in products" in p for p in problems)
    assert any("appears 2 times" in p for p in problems)


def test_order_lines_never_ship_or_reserve_more_than_they_ask_for(medium: Dataset) -> None:
    for line in medium.sales_order_lines:
        assert line.qty_shipped <= line.qty
        assert line.qty_reserved <= line.open_qty


def test_po_lines_have_received_what_their_receipts_add_up_to(medium: Dataset) -> None:
    received: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for receipt in medium.receipts:
        assert receipt.damaged_qty <= receipt.qty
        received[receipt.po_id, receipt.line] += receipt.qty
    for po_line in medium.purchase_order_lines:
        assert po_line.qty_received <= po_line.qty
        assert received.get((po_line.po_id, po_line.line), Decimal(0)) == po_line.qty_received


def test_what_has_happened_is_dated_on_or_before_the_as_of_date(medium: Dataset) -> None:
    for po in medium.purchase_orders:
        assert po.order_date <= AS_OF
        assert po.confirmed_date is None or po.order_date <= po.confirmed_date <= AS_OF
    for order in medium.sales_orders:
        assert order.order_date <= AS_OF
        if order.status is not OrderStatus.OPEN:
            assert order.promised_date < AS_OF
    assert all(r.received_date <= AS_OF for r in medium.receipts)
    assert all(p.created_at < datetime(2026, 11, 25) for p in medium.picks)
    assert all(r.requested_date <= AS_OF for r in medium.returns)


# --- realism of the medium business -----------------------------------------------------


def test_medium_has_the_promised_counts(medium: Dataset) -> None:
    assert len(medium.warehouses) >= 3
    assert len(medium.products) >= 2_000
    assert len(medium.customers) >= 300
    assert len(medium.suppliers) >= 40
    assert len(open_order_lines(medium)) == MEDIUM.open_order_lines >= 5_000
    assert len(open_po_lines(medium)) == MEDIUM.open_po_lines >= 1_500


def test_one_company_runs_warehouses_linked_by_lanes_of_one_to_three_days(medium: Dataset) -> None:
    assert medium.companies() == ["NORDEL"]
    assert all(w.name for w in medium.warehouses)
    assert {lane.transit_days for lane in medium.transfer_lanes} <= {1, 2, 3}
    reachable = {medium.warehouses[0].code}
    for _ in medium.warehouses:
        reachable |= {
            lane.to_warehouse for lane in medium.transfer_lanes if lane.from_warehouse in reachable
        }
    assert reachable == {w.code for w in medium.warehouses}


def test_exactly_one_warehouse_cannot_pick_its_open_book_in_a_day(medium: Dataset) -> None:
    warehouse_of = {o.order_id: o.warehouse for o in medium.sales_orders}
    lines_by_warehouse = Counter(warehouse_of[line.order_id] for line in open_order_lines(medium))
    bound = [
        w.code
        for w in medium.warehouses
        if w.pick_capacity_lines_per_day is not None
        and w.pick_capacity_lines_per_day < lines_by_warehouse[w.code]
    ]
    assert len(bound) == 1


def test_products_have_costs_below_prices_units_and_mostly_reorder_parameters(
    medium: Dataset,
) -> None:
    products = medium.products
    for p in products:
        assert p.unit_cost is not None
        assert p.list_price is not None
        assert p.unit_cost < p.list_price
    assert {"unit", "m", "drum", "pack", "length"} <= {p.uom for p in products}
    planned = [p for p in products if p.reorder_point is not None]
    assert 0.85 < share(len(planned), len(products)) < 0.99
    assert all(p.reorder_qty is not None for p in planned)


def test_customers_of_every_tier_few_strategic_most_standard(medium: Dataset) -> None:
    tiers = Counter(c.tier for c in medium.customers)
    assert 0 < tiers[Tier.STRATEGIC] < tiers[Tier.KEY] < tiers[Tier.STANDARD]
    assert len({c.name for c in medium.customers}) == len(medium.customers)


def test_a_few_customers_are_on_credit_hold_and_some_have_no_limit(medium: Dataset) -> None:
    customers = medium.customers
    holds = sum(c.credit_hold for c in customers)
    assert 2 <= holds <= 0.05 * len(customers)
    no_limit = sum(c.credit_limit is None for c in customers)
    assert 0 < no_limit < 0.2 * len(customers)


def test_receivables_have_overdue_disputed_invoices_and_credit_notes(medium: Dataset) -> None:
    invoices = medium.invoices
    long_overdue = [i for i in invoices if i.amount_residual > 0 and (AS_OF - i.due_date).days > 30]
    assert 0 < len(long_overdue) < 0.1 * len(invoices)
    disputed = sum(i.disputed for i in invoices)
    assert 0 < disputed < 0.1 * len(invoices)
    credit_notes = [i for i in invoices if i.amount_residual < 0]
    assert credit_notes
    assert all(i.invoice_id.startswith("CRN") for i in credit_notes)


def test_suppliers_differ_in_reliability_in_their_history(medium: Dataset) -> None:
    pos = {p.po_id: p for p in medium.purchase_orders}
    lines = {(line.po_id, line.line): line for line in medium.purchase_order_lines}
    late: dict[str, list[bool]] = defaultdict(list)
    for receipt in medium.receipts:
        order = pos[receipt.po_id]
        if order.status is OrderStatus.DONE:
            expected = po_line_expected_date(lines[receipt.po_id, receipt.line], order)
            late[order.supplier].append(receipt.received_date > expected)
    rates = sorted(sum(v) / len(v) for v in late.values() if len(v) >= 10)
    assert rates[0] < 0.15
    assert rates[-1] > 0.35
    assert len({s.lead_days for s in medium.suppliers}) > 5


def test_open_purchase_orders_run_late_unconfirmed_re_dated_and_partly_received(
    medium: Dataset,
) -> None:
    pos = open_purchase_orders(medium)
    late = [p for p in pos.values() if p.expected_date < AS_OF]
    unconfirmed_late = [p for p in late if p.confirmed_date is None]
    assert 0.05 < share(len(late), len(pos)) < 0.35
    assert unconfirmed_late
    lines = open_po_lines(medium)
    assert any(line.expected_date is not None for line in lines)
    assert any(line.expected_date is None for line in lines)
    assert any(0 < line.qty_received < line.qty for line in lines)
    done = [p for p in medium.purchase_orders if p.status is OrderStatus.DONE]
    assert done
    assert {r.po_id for r in medium.receipts} & {p.po_id for p in done}


def test_receipts_include_damaged_goods_and_goods_not_put_away(medium: Dataset) -> None:
    receipts = medium.receipts
    damaged = sum(r.damaged_qty > 0 for r in receipts)
    waiting = sum(not r.put_away for r in receipts)
    assert 0 < damaged < 0.15 * len(receipts)
    assert 0 < waiting < 0.15 * len(receipts)


def test_some_stock_is_held_by_quality(medium: Dataset) -> None:
    held = sum(s.quality_hold > 0 for s in medium.stock)
    assert 0 < held < 0.1 * len(medium.stock)


def test_open_orders_are_mostly_plain_with_a_few_of_every_kind_of_special(
    medium: Dataset,
) -> None:
    orders = [o for o in medium.sales_orders if o.status is OrderStatus.OPEN]
    expedited = sum(o.expedite for o in orders)
    past_due = sum(o.promised_date < AS_OF for o in orders)
    assert 0 < expedited < 0.1 * len(orders)
    assert 0 < past_due < 0.1 * len(orders)
    assert any(o.promised_date > AS_OF + timedelta(days=14) for o in orders)
    lines = open_order_lines(medium)
    assert 0.05 < share(sum(line.qty_reserved > 0 for line in lines), len(lines)) < 0.3
    assert 0 < sum(line.qty_shipped > 0 for line in lines) < 0.1 * len(lines)
    history = Counter(o.status for o in medium.sales_orders)
    assert history[OrderStatus.DONE] > history[OrderStatus.CANCELLED] > 0


def test_a_small_share_of_lines_is_sold_well_off_list_price(medium: Dataset) -> None:
    products = {p.sku: p for p in medium.products}
    lines = open_order_lines(medium)

    def off_list(line: Any) -> bool:
        listed = line.list_price if line.list_price is not None else products[line.sku].list_price
        return line.unit_price is not None and abs(line.unit_price / listed - 1) > Decimal("0.05")

    assert 0.003 < share(sum(off_list(line) for line in lines), len(lines)) < 0.04


def test_some_items_are_below_reorder_point_with_nothing_on_order(medium: Dataset) -> None:
    on_order = {line.sku for line in open_po_lines(medium)}
    on_hand: dict[str, Decimal] = defaultdict(Decimal)
    for stock in medium.stock:
        on_hand[stock.sku] += stock.on_hand
    neglected = [
        p.sku
        for p in medium.products
        if p.reorder_point is not None
        and on_hand[p.sku] < p.reorder_point
        and p.sku not in on_order
    ]
    assert 0 < len(neglected) < 0.06 * len(medium.products)


def test_some_pools_cannot_cover_their_open_orders_even_with_inbound(medium: Dataset) -> None:
    warehouse_of = {o.order_id: o.warehouse for o in medium.sales_orders}
    demand: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in open_order_lines(medium):
        demand[line.sku, warehouse_of[line.order_id]] += line.open_qty
    supply: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for stock in medium.stock:
        supply[stock.sku, stock.warehouse] += stock.on_hand
    pos = open_purchase_orders(medium)
    for line in open_po_lines(medium):
        supply[line.sku, pos[line.po_id].warehouse] += line.open_qty
    short = [pool for pool, wanted in demand.items() if wanted > supply[pool]]
    assert 0 < len(short) < 0.05 * len(demand)


def test_returns_occur_in_every_status(medium: Dataset) -> None:
    assert {r.status for r in medium.returns} == set(ReturnStatus)


def test_picks_are_open_or_done_and_some_open_ones_are_unassigned(medium: Dataset) -> None:
    open_picks = [p for p in medium.picks if p.status is PickStatus.OPEN]
    unassigned = [p for p in open_picks if p.assigned_to is None]
    assert 0 < len(unassigned) < 0.5 * len(open_picks)
    assert any(p.status is PickStatus.DONE for p in medium.picks)


# --- the story --------------------------------------------------------------------------


def test_the_story_order_waits_on_a_late_unconfirmed_po_with_stock_a_lane_away(
    medium: Dataset,
) -> None:
    (customer,) = [c for c in medium.customers if c.name == STORY_CUSTOMER_NAME]
    assert customer.tier is Tier.STRATEGIC
    assert customer.credit_hold
    assert any(i.customer == customer.code and i.disputed for i in medium.invoices)

    order = find_story_order(medium)
    assert order is not None
    assert order.customer == customer.code
    assert order.status is OrderStatus.OPEN
    assert order.promised_date >= AS_OF
    free = {(s.sku, s.warehouse): s.on_hand - s.quality_hold for s in medium.stock}
    lines = [line for line in medium.sales_order_lines if line.order_id == order.order_id]
    stocked = [x for x in lines if free.get((x.sku, order.warehouse), 0) >= x.open_qty]
    missing = [x for x in lines if free.get((x.sku, order.warehouse), 0) == 0]
    assert len(stocked) >= 3
    assert len(missing) == 1
    (line,) = missing

    pos = open_purchase_orders(medium)
    supply = [
        (po_line, pos[po_line.po_id])
        for po_line in open_po_lines(medium)
        if po_line.sku == line.sku and pos[po_line.po_id].warehouse == order.warehouse
    ]
    assert len(supply) == 1
    po_line, po = supply[0]
    assert po.confirmed_date is None
    assert po_line_expected_date(po_line, po) > order.promised_date

    lanes = {
        lane.from_warehouse: lane.transit_days
        for lane in medium.transfer_lanes
        if lane.to_warehouse == order.warehouse
    }
    helpers = [
        w
        for w, days in lanes.items()
        if free.get((line.sku, w), 0) >= line.open_qty
        and AS_OF + timedelta(days) <= order.promised_date
    ]
    assert helpers


# --- sizes ------------------------------------------------------------------------------


def test_the_small_business_is_small(small: Dataset) -> None:
    assert len(small.warehouses) == SMALL.warehouses == 3
    assert len(small.products) == SMALL.skus <= 300
    assert len(small.customers) == SMALL.customers <= 60
    assert len(small.suppliers) == SMALL.suppliers <= 12
    assert len(open_order_lines(small)) == SMALL.open_order_lines <= 800
    assert len(open_po_lines(small)) == SMALL.open_po_lines <= 250


def test_the_small_business_still_has_every_kind_of_trouble(small: Dataset) -> None:
    assert {c.tier for c in small.customers} == set(Tier)
    assert any(c.credit_hold for c in small.customers)
    assert any(i.disputed for i in small.invoices)
    assert any(r.damaged_qty > 0 for r in small.receipts)
    assert any(not r.put_away for r in small.receipts)
    assert any(s.quality_hold > 0 for s in small.stock)
    assert {r.status for r in small.returns} == set(ReturnStatus)
    assert find_story_order(small) is not None


def test_scaling_by_open_lines_lands_on_the_presets_at_their_line_counts() -> None:
    for preset in (MEDIUM, LARGE):
        scaled = size_for_open_lines(preset.open_order_lines)
        assert replace(scaled, name=preset.name) == preset


def test_scaling_by_open_lines_grows_every_count_with_the_lines() -> None:
    sizes = [size_for_open_lines(n) for n in (1_000, 10_000, 100_000, 1_000_000)]
    for smaller, bigger in itertools.pairwise(sizes):
        assert smaller.skus < bigger.skus
        assert smaller.customers < bigger.customers
        assert smaller.open_po_lines < bigger.open_po_lines
        assert smaller.warehouses <= bigger.warehouses
    ten_k = sizes[1]
    assert MEDIUM.skus < ten_k.skus < LARGE.skus
    assert 3 <= ten_k.warehouses <= 5


def test_sizes_refuse_impossible_counts_and_unknown_names() -> None:
    with pytest.raises(ValueError, match="warehouses must be between"):
        replace(SMALL, warehouses=1)
    with pytest.raises(ValueError, match="suppliers must be at least"):
        BusinessSize("tiny", 3, 100, 10, 1, 100, 20, 0, 0, 30)
    with pytest.raises(ValueError, match="choose one of small, medium, large"):
        generate_business("huge", as_of=AS_OF)


def test_generation_reports_each_step_in_order() -> None:
    heard: list[str] = []
    generate_business("small", as_of=AS_OF, on_step=heard.append)
    assert heard == list(STEPS)
