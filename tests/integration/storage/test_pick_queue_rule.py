"""The warehouse pick list's rule: working order, lines of capacity, pick days, misses.

The database works the list out with window functions (``storage/queries/work.py``);
here a plain Python walk down the list, one pick at a time filling each day's capacity,
says what it must be, on hand-made cases and on random small warehouses.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from controltower.domain.analysis import Allocation, OrderRiskStatus
from controltower.domain.model import OrderStatus, PickStatus
from controltower.domain.people import Scope
from controltower.storage import tables
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.order_lines import line_blocks, line_places, store_line_blocks
from controltower.storage.queries import (
    PageRequest,
    PickingWarehouse,
    PickQueueSummary,
    QueuedPick,
    pick_queue,
    picking_warehouses,
)
from controltower.storage.queries.memory import forget_remembered

pytestmark = pytest.mark.database

DAY = date(2026, 11, 25)
COMPANY = "ACME"
HERE = "WH1"
ELSEWHERE = "WH2"
PICTURE_ID = 1


@dataclass(frozen=True)
class Order:
    order_id: str
    promised: date
    expedite: bool
    #: None: the latest scan recorded no risk for it
    at_risk: bool | None
    open_value: Decimal | None
    open_lines: int


@dataclass(frozen=True)
class Pick:
    pick_id: str
    order_id: str
    created_at: datetime
    assigned_to: str | None


@dataclass(frozen=True)
class Expected:
    position: int
    lines: int
    done_on: date
    misses: bool


@pytest.fixture
def session(migrated_database_url: str) -> Iterator[Session]:
    engine = make_engine(migrated_database_url)
    try:
        with make_session_factory(engine)() as opened:
            yield opened
    finally:
        engine.dispose()


# --- the rule, walked in Python -------------------------------------------------------


def simulate(
    orders: Sequence[Order], picks: Sequence[Pick], capacity: int | None
) -> dict[str, Expected]:
    """Work the list top-down: each pick takes its lines from what is left of the day."""
    by_id = {order.order_id: order for order in orders}

    def working_order(pick: Pick) -> tuple[object, ...]:
        order = by_id.get(pick.order_id)
        if order is None:
            return (1, date.min, 1, 1, Decimal(0), pick.created_at, pick.pick_id)
        return (
            0,
            order.promised,
            0 if order.at_risk else 1,
            0 if order.expedite else 1,
            -scanned_value(order),
            pick.created_at,
            pick.pick_id,
        )

    ordered = sorted(picks, key=working_order)
    lines = deal_lines(ordered, by_id)
    expected: dict[str, Expected] = {}
    today, left = DAY, capacity or 0
    for position, pick in enumerate(ordered, start=1):
        need = lines[pick.pick_id]
        if capacity is not None:
            while need > left:
                need -= left
                today, left = today + timedelta(days=1), capacity
            left -= need
        order = by_id.get(pick.order_id)
        expected[pick.pick_id] = Expected(
            position=position,
            lines=lines[pick.pick_id],
            done_on=today,
            misses=order is not None and today > order.promised,
        )
    return expected


def scanned_value(order: Order) -> Decimal:
    """The open value the scan recorded (0 when it recorded nothing for the order)."""
    if order.at_risk is None or order.open_value is None:
        return Decimal(0)
    return order.open_value


def deal_lines(ordered: Sequence[Pick], orders: dict[str, Order]) -> dict[str, int]:
    """Each order's open lines dealt like cards to its picks in list order; at least one."""
    picks_of: dict[str, list[str]] = defaultdict(list)
    for pick in ordered:
        picks_of[pick.order_id].append(pick.pick_id)
    dealt = {pick.pick_id: 0 for pick in ordered}
    for order_id, pick_ids in picks_of.items():
        order = orders.get(order_id)
        for card in range(order.open_lines if order is not None else 0):
            dealt[pick_ids[card % len(pick_ids)]] += 1
    return {pick_id: max(1, n) for pick_id, n in dealt.items()}


# --- the rows in the database ---------------------------------------------------------


def store(
    session: Session, orders: Sequence[Order], picks: Sequence[Pick], capacity: int | None
) -> PickingWarehouse:
    """The warehouse's orders, lines, picks and scan results, in place of any before.

    They are stored under the same picture and scan run ids each time, which no writer
    of the product does (a picture's rows change only with a new scan run), so what the
    process remembers of the last list is forgotten here.
    """
    forget_remembered()
    connection = session.connection()
    for table in (
        tables.order_risk,
        tables.order_line_blocks,
        tables.scan_runs,
        tables.picks,
        tables.sales_order_lines,
        tables.sales_orders,
        tables.customers,
        tables.warehouses,
        tables.companies,
        tables.pictures,
    ):
        connection.execute(sa.delete(table))
    moment = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    connection.execute(
        sa.insert(tables.pictures).values(
            id=PICTURE_ID, companies=COMPANY, imported_at=moment, source="test", row_counts={}
        )
    )
    connection.execute(sa.insert(tables.companies).values(code=COMPANY, picture_id=PICTURE_ID))
    connection.execute(
        sa.insert(tables.warehouses),
        [
            _warehouse(HERE, 0, capacity),
            _warehouse(ELSEWHERE, 1, 1),
        ],
    )
    connection.execute(
        sa.insert(tables.customers).values(
            picture_id=PICTURE_ID,
            code="C1",
            position=0,
            name="Northwind",
            tier="standard",
            credit_hold=False,
            accepts_partial=False,
        )
    )
    if orders:
        connection.execute(
            sa.insert(tables.sales_orders), [_order(o, i) for i, o in enumerate(orders)]
        )
        order_lines = [row for i, o in enumerate(orders) for row in _lines(o, i)]
        connection.execute(sa.insert(tables.sales_order_lines), order_lines)
    picks_rows = [_pick(p, i, HERE, PickStatus.OPEN) for i, p in enumerate(picks)]
    # neither a done pick here nor an open pick elsewhere is on the list
    picks_rows += [
        _pick(Pick(f"DONE{i}", p.order_id, p.created_at, None), 100 + i, HERE, PickStatus.DONE)
        for i, p in enumerate(picks[:2])
    ]
    picks_rows += [
        _pick(Pick(f"AWAY{i}", p.order_id, p.created_at, None), 200 + i, ELSEWHERE, PickStatus.OPEN)
        for i, p in enumerate(picks[:2])
    ]
    if picks_rows:
        connection.execute(sa.insert(tables.picks), picks_rows)
    connection.execute(
        sa.insert(tables.scan_runs).values(
            id=1,
            picture_id=PICTURE_ID,
            companies=COMPANY,
            as_of=DAY,
            scanned_at=moment,
            policy_digest="test",
            order_count=len(orders),
            at_risk_count=0,
        )
    )
    risks = [_risk(o) for o in orders if o.at_risk is not None]
    if risks:
        blocks, slots = line_places(len(risks))
        for risk, block, slot in zip(risks, blocks, slots, strict=True):
            risk.update(lines_block=block, lines_slot=slot)
        store_line_blocks(connection, 1, line_blocks(["[]"] * len(risks)))
        connection.execute(sa.insert(tables.order_risk), risks)
    session.commit()
    return next(w for w in picking_warehouses(session, PICTURE_ID, None) if w.code == HERE)


def _warehouse(code: str, position: int, capacity: int | None) -> dict[str, object]:
    return {
        "picture_id": PICTURE_ID,
        "code": code,
        "position": position,
        "name": f"Warehouse {code}",
        "company": COMPANY,
        "pick_capacity_lines_per_day": capacity,
    }


def _order(order: Order, position: int) -> dict[str, object]:
    return {
        "picture_id": PICTURE_ID,
        "order_id": order.order_id,
        "position": position,
        "customer": "C1",
        "warehouse": HERE,
        "order_date": DAY - timedelta(days=10),
        "promised_date": order.promised,
        "expedite": order.expedite,
        "accepts_partial": None,
        "status": OrderStatus.OPEN,
        "salesperson": None,
    }


def _lines(order: Order, position: int) -> list[dict[str, object]]:
    """The order's open lines, and one line already shipped in full (not open)."""
    shipped = [(Decimal(4), Decimal(4))]
    open_ = [(Decimal("2.5"), Decimal(line % 2)) for line in range(order.open_lines)]
    return [
        {
            "picture_id": PICTURE_ID,
            "order_id": order.order_id,
            "line": line,
            "position": position * 100 + line,
            "sku": "SKU1",
            "qty": qty,
            "qty_shipped": done,
            "qty_reserved": Decimal(0),
            "unit_price": None,
            "list_price": None,
        }
        for line, (qty, done) in enumerate(shipped + open_, start=1)
    ]


def _pick(pick: Pick, position: int, warehouse: str, status: PickStatus) -> dict[str, object]:
    return {
        "picture_id": PICTURE_ID,
        "pick_id": pick.pick_id,
        "position": position,
        "order_id": pick.order_id,
        "warehouse": warehouse,
        "created_at": pick.created_at,
        "assigned_to": pick.assigned_to,
        "status": status,
    }


def _risk(order: Order) -> dict[str, object]:
    return {
        "company": COMPANY,
        "order_id": order.order_id,
        "scan_run_id": 1,
        "customer": "C1",
        "warehouse": HERE,
        "promised_date": order.promised,
        "status": OrderRiskStatus.FULLY_ALLOCATED,
        "allocation": Allocation.FULL,
        "blockers": "",
        "projected_ship_date": order.promised,
        "at_risk": bool(order.at_risk),
        "days_late": 0,
        "open_value": order.open_value if order.open_value is not None else Decimal(0),
        "explanation": json.dumps([]),
        "updated_at": datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
        "content_digest": None,
    }


def every_pick(
    session: Session, warehouse: PickingWarehouse, page_size: int
) -> tuple[PickQueueSummary, list[QueuedPick]]:
    """The whole list read page by page, and its summary (the same on every page)."""
    first = pick_queue(session, PICTURE_ID, warehouse, DAY, page=PageRequest(size=page_size))
    items = list(first.page.items)
    number = 2
    while len(items) < first.summary.picks:
        more = pick_queue(
            session, PICTURE_ID, warehouse, DAY, page=PageRequest(number=number, size=page_size)
        )
        assert more.summary == first.summary, "every page carries the same summary"
        assert more.page.items, "no page before the last is empty"
        items.extend(more.page.items)
        number += 1
    return first.summary, items


def check_against_simulation(
    session: Session,
    orders: Sequence[Order],
    picks: Sequence[Pick],
    capacity: int | None,
    page_size: int = 200,
) -> tuple[PickQueueSummary, list[QueuedPick]]:
    warehouse = store(session, orders, picks, capacity)
    summary, items = every_pick(session, warehouse, page_size)
    expected = simulate(orders, picks, capacity)
    got = {
        p.pick_id: Expected(
            position=p.position,
            lines=p.lines,
            done_on=DAY + timedelta(days=p.day_offset),
            misses=p.misses_promise,
        )
        for p in items
    }
    assert got == expected
    assert [p.position for p in items] == list(range(1, len(picks) + 1))
    assert summary.picks == len(picks)
    assert summary.lines == sum(e.lines for e in expected.values())
    assert summary.unassigned == sum(1 for p in picks if p.assigned_to is None)
    later = [e.position for e in expected.values() if e.done_on > DAY]
    assert summary.capacity_runs_out_at == (min(later) if later else None)
    assert summary.picks_missing_promise == sum(e.misses for e in expected.values())
    missing_orders = {p.order_id for p in picks if expected[p.pick_id].misses}
    assert summary.orders_missing_promise == len(missing_orders)
    last_day = max((e.done_on for e in expected.values()), default=DAY)
    assert summary.last_day_offset == (last_day - DAY).days
    return summary, items


# --- hand-made cases ------------------------------------------------------------------


def _at(hour: int) -> datetime:
    return datetime(2026, 11, 24, hour, 0)


def test_the_earliest_promise_comes_first_then_risk_expedite_and_value(session: Session) -> None:
    orders = [
        Order("SO-LATER", DAY + timedelta(days=2), True, True, Decimal(900), 1),
        Order("SO-PLAIN", DAY, False, False, Decimal(5000), 1),
        Order("SO-RICH", DAY, False, False, Decimal("5000.5"), 1),
        Order("SO-EXPEDITE", DAY, True, False, Decimal(1), 1),
        Order("SO-RISK", DAY, False, True, Decimal(1), 1),
    ]
    picks = [Pick(f"P-{o.order_id}", o.order_id, _at(9), "ann") for o in orders]
    summary, items = check_against_simulation(session, orders, picks, capacity=None)
    assert [p.order_id for p in items] == [
        "SO-RISK",
        "SO-EXPEDITE",
        "SO-RICH",
        "SO-PLAIN",
        "SO-LATER",
    ]
    assert summary.capacity_runs_out_at is None, "without a capacity every pick fits"


def test_capacity_is_counted_in_open_lines_and_runs_out_mid_list(session: Session) -> None:
    orders = [
        Order("SO1", DAY, False, True, Decimal(10), 3),
        Order("SO2", DAY + timedelta(days=1), False, False, Decimal(10), 3),
        Order("SO3", DAY + timedelta(days=1), False, False, Decimal(5), 2),
        Order("SO4", DAY + timedelta(days=1), False, False, Decimal(1), 0),
    ]
    picks = [
        Pick("P1", "SO1", _at(8), "ann"),
        Pick("P2", "SO2", _at(8), None),
        Pick("P3", "SO3", _at(8), "bob"),
        Pick("P4", "SO4", _at(8), None),
    ]
    summary, items = check_against_simulation(session, orders, picks, capacity=4)
    rows = {p.pick_id: p for p in items}
    # 3 + 3 lines: P2 ends on the next day, which is still its promise
    assert [rows[k].lines for k in ("P1", "P2", "P3", "P4")] == [3, 3, 2, 1]
    assert [rows[k].day_offset for k in ("P1", "P2", "P3", "P4")] == [0, 1, 1, 2]
    assert summary.capacity_runs_out_at == 2
    assert [k for k, p in rows.items() if p.misses_promise] == ["P4"]
    assert summary.unassigned == 2


def test_an_order_with_several_picks_shares_its_lines_out(session: Session) -> None:
    orders = [Order("SO1", DAY, False, False, Decimal(10), 5)]
    picks = [Pick(f"P{n}", "SO1", _at(8 + n), None) for n in range(3)]
    summary, items = check_against_simulation(session, orders, picks, capacity=2)
    assert [p.lines for p in items] == [2, 2, 1]
    assert summary.orders_missing_promise == 1
    assert summary.picks_missing_promise == 2


def test_an_order_already_past_its_promise_misses_it_on_any_day(session: Session) -> None:
    orders = [Order("SO1", DAY - timedelta(days=1), False, True, None, 1)]
    summary, items = check_against_simulation(
        session, orders, [Pick("P1", "SO1", _at(8), "ann")], 100
    )
    assert items[0].misses_promise
    assert summary.capacity_runs_out_at is None


def test_a_pick_whose_order_is_not_in_the_picture_takes_one_line_and_never_misses(
    session: Session,
) -> None:
    orders = [Order("SO1", DAY, False, False, Decimal(1), 1)]
    picks = [Pick("P1", "SO1", _at(8), "ann"), Pick("P2", "SO-GONE", _at(7), "ann")]
    _, items = check_against_simulation(session, orders, picks, capacity=1)
    gone = next(p for p in items if p.order_id == "SO-GONE")
    assert (gone.position, gone.lines, gone.misses_promise, gone.customer) == (2, 1, False, None)


def test_the_list_is_the_same_read_a_page_at_a_time(session: Session) -> None:
    orders = [
        Order(f"SO{n}", DAY + timedelta(days=n % 3), n % 2 == 0, n % 3 == 0, Decimal(n), n % 4)
        for n in range(9)
    ]
    picks = [Pick(f"P{n}", f"SO{n % 9}", _at(8 + n % 5), None) for n in range(12)]
    check_against_simulation(session, orders, picks, capacity=3, page_size=5)


def test_the_person_sees_only_the_warehouses_of_their_scope(session: Session) -> None:
    store(session, [], [], capacity=10)
    assert [w.code for w in picking_warehouses(session, PICTURE_ID, None)] == [HERE, ELSEWHERE]
    only = Scope.of(warehouses=[ELSEWHERE])
    assert [w.code for w in picking_warehouses(session, PICTURE_ID, only)] == [ELSEWHERE]
    other_company = Scope.of(companies=["OTHER"])
    assert picking_warehouses(session, PICTURE_ID, other_company) == []


def test_an_empty_list_has_an_empty_summary(session: Session) -> None:
    summary, items = check_against_simulation(session, [], [], capacity=5)
    assert summary.picks == summary.lines == 0
    assert items == []


# --- random small warehouses ----------------------------------------------------------


@st.composite
def warehouses(draw: st.DrawFn) -> tuple[list[Order], list[Pick], int | None]:
    """A few orders (promises around the day, ties on purpose) and picks of them."""
    n_orders = draw(st.integers(0, 6))
    orders = [
        Order(
            order_id=f"SO{n}",
            promised=DAY + timedelta(days=draw(st.integers(-2, 4))),
            expedite=draw(st.booleans()),
            at_risk=draw(st.none() | st.booleans()),
            open_value=draw(st.sampled_from([None, Decimal(0), Decimal(10), Decimal("10.5")])),
            open_lines=draw(st.integers(0, 5)),
        )
        for n in range(n_orders)
    ]
    order_ids = [o.order_id for o in orders] + ["SO-GONE"]
    n_picks = draw(st.integers(0, 10))
    picks = [
        Pick(
            pick_id=f"P{draw(st.integers(0, 999)):03d}-{n}",
            order_id=draw(st.sampled_from(order_ids)),
            created_at=_at(draw(st.integers(6, 9))),
            assigned_to=draw(st.sampled_from([None, "ann", "bob"])),
        )
        for n in range(n_picks)
    ]
    capacity = draw(st.none() | st.integers(1, 6))
    return orders, picks, capacity


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(case=warehouses(), page_size=st.integers(1, 4))
def test_the_lists_flags_equal_working_it_top_down_in_python(
    session: Session, case: tuple[list[Order], list[Pick], int | None], page_size: int
) -> None:
    orders, picks, capacity = case
    check_against_simulation(session, orders, picks, capacity, page_size=page_size)
