"""The reads behind "My work" and "Warehouse work": a person's counts, a warehouse's picks.

**My work** is the case queue narrowed to one person (``CaseFilters.work_of``); its rows
come from :func:`~controltower.storage.queries.cases.list_cases`. What it adds is
:func:`work_counts`: the person's active cases per state, overdue and snoozed, in one
grouped query.

**Warehouse work** is a warehouse's open picks in the order to work them, against its
pick capacity for the day. A warehouse's capacity is counted in order *lines* a day
(``pick_capacity_lines_per_day``; ``docs/allocation-rules.md``: "capacity counts the
warehouse's demand lines"), and a pick releases one order, so a pick takes as many
units of the day's capacity as its order has open lines (ordered quantity not all
shipped). An order with several open picks in the warehouse shares its lines out among
them like cards, one each in turn from the first pick in the list; a pick is always
at least one line of work, even when its order has no open line left.

The list is worked top-down from the start of the day asked about, with the whole
day's capacity: the lines of the picks so far are a running total, and a pick is done
on day ``(running total - 1) // capacity`` after that day (0: the day itself). A pick
whose day falls after its order's promised date misses the promise; without a
capacity every pick is done on the day, so only promises already past are missed.
The running total, the days and the misses are window functions over every open pick
of the warehouse in SQL, so every row is judged with the whole list before it, with the
summary (where the capacity runs out, how many picks and orders miss) riding along as
window aggregates over the whole list. The list is worked out whole once per scan of
the picture and remembered (:mod:`.memory`); a page is cut from it.

The order of the list: the earliest promise first, then orders at risk, then
expedited ones, then the most open value (the risk and the value read from the order
risk of the latest scan), then the pick that has waited longest, then the pick id.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.cases import ACTIVE_STATES, CaseState
from controltower.domain.model import PickStatus
from controltower.domain.people import Scope
from controltower.storage import tables
from controltower.storage.queries.cases import CaseFilters, WorkOf, case_conditions
from controltower.storage.queries.memory import remembered
from controltower.storage.queries.paging import (
    Page,
    PageRequest,
    dialect_name,
    numeric_key,
    picture_companies,
    text_key,
)

# --- My work --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkCounts:
    """A person's active cases: per state those not snoozed, and overdue and snoozed ones.

    ``by_state`` and ``overdue`` count what the work list shows (active, not snoozed);
    ``snoozed`` counts the active cases hidden from it until their snooze runs out.
    """

    by_state: Mapping[CaseState, int] = field(default_factory=dict)
    overdue: int = 0
    snoozed: int = 0

    @property
    def to_do(self) -> int:
        """The cases the work list holds."""
        return sum(self.by_state.values())


def work_counts(
    session: Session,
    picture_id: int,
    work: WorkOf,
    *,
    now: datetime | None,
    clock: datetime,
    visible: Scope | None,
) -> WorkCounts:
    """Counts of ``work`` among the picture's cases ``visible`` covers, in one query.

    Overdue is judged at ``now`` (the latest scan's time, as the queue judges it; None
    before any scan: nothing is overdue), snoozed at ``clock`` (the time of the request).
    """
    companies = picture_companies(session, picture_id)
    if not companies:
        return WorkCounts()
    c = tables.exception_cases.c
    filters = CaseFilters(states=ACTIVE_STATES, work_of=work, visible=visible)
    where = case_conditions(tables.exception_cases, companies, filters, dialect_name(session))
    snoozed = sa.and_(c.snoozed_until.is_not(None), c.snoozed_until > clock)
    overdue = sa.and_(sa.not_(snoozed), c.due_at < now) if now is not None else sa.false()
    query = (
        sa.select(
            c.state,
            sa.func.sum(sa.case((snoozed, 0), else_=1)),
            sa.func.sum(sa.case((overdue, 1), else_=0)),
            sa.func.sum(sa.case((snoozed, 1), else_=0)),
        )
        .where(*where)
        .group_by(c.state)
    )
    by_state: dict[CaseState, int] = {}
    overdue_count = snoozed_count = 0
    for state, shown, late, hidden in session.connection().execute(query):
        if shown:
            by_state[CaseState(state)] = int(shown)
        overdue_count += int(late)
        snoozed_count += int(hidden)
    return WorkCounts(by_state=by_state, overdue=overdue_count, snoozed=snoozed_count)


# --- Warehouse work -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PickingWarehouse:
    """A warehouse of the picture and its pick capacity (None: no limit recorded)."""

    code: str
    name: str | None
    company: str
    capacity: int | None


@dataclass(frozen=True, slots=True)
class QueuedPick:
    """One open pick in its place in the warehouse's list, and what the list makes of it."""

    #: the pick's place in the list, from 1
    position: int
    pick_id: str
    order_id: str
    #: the order's customer (None when the picture has no such order)
    customer: str | None
    customer_name: str | None
    created_at: datetime
    assigned_to: str | None
    promised_date: date | None
    expedite: bool
    #: at risk at the latest scan
    at_risk: bool
    #: the order's open value at the latest scan (None when the scan did not record it)
    open_value: Decimal | None
    #: the lines of capacity the pick takes
    lines: int
    #: the lines of capacity the list takes up to and with this pick
    lines_through: int
    #: the day the pick is done, in days after the day asked about (0: that day)
    day_offset: int
    misses_promise: bool


@dataclass(frozen=True, slots=True)
class PickQueueSummary:
    """The whole list at once: its size and where it goes wrong."""

    picks: int = 0
    lines: int = 0
    unassigned: int = 0
    #: the position of the first pick the day's capacity does not cover (None: all fit)
    capacity_runs_out_at: int | None = None
    picks_missing_promise: int = 0
    orders_missing_promise: int = 0
    #: the day the last pick is done, in days after the day asked about
    last_day_offset: int = 0


@dataclass(frozen=True, slots=True)
class PickQueue:
    """A page of a warehouse's open picks, in working order, and the whole list's summary."""

    warehouse: PickingWarehouse
    day: date
    summary: PickQueueSummary
    page: Page[QueuedPick]


def picking_warehouses(
    session: Session, picture_id: int, visible: Scope | None
) -> list[PickingWarehouse]:
    """The picture's warehouses ``visible`` covers, in source order."""
    w = tables.warehouses
    query = sa.select(w.c.code, w.c.name, w.c.company, w.c.pick_capacity_lines_per_day).where(
        w.c.picture_id == picture_id
    )
    found = [
        PickingWarehouse(code=row[0], name=row[1], company=row[2], capacity=row[3])
        for row in session.connection().execute(query.order_by(w.c.position))
    ]
    return [
        warehouse
        for warehouse in found
        if visible is None or visible.covers(warehouse.company, warehouse.code)
    ]


def pick_queue(
    session: Session,
    picture_id: int,
    warehouse: PickingWarehouse,
    day: date,
    *,
    page: PageRequest = PageRequest(),
) -> PickQueue:
    """One page of ``warehouse``'s open picks worked top-down from ``day``, and the summary.

    The caller has checked the person may see the warehouse (:func:`picking_warehouses`).

    Every pick is judged against the whole list before it, so the list is worked out
    whole; it is remembered until the picture's next scan (:func:`_queue_version`) and
    each page is cut from it.
    """
    whole = remembered(
        _queue_version(session, picture_id),
        ("pick queue", picture_id, warehouse, day),
        lambda: _whole_queue(session, picture_id, warehouse, day),
    )
    items = list(whole.picks[page.offset : page.offset + page.size])
    return PickQueue(
        warehouse=warehouse,
        day=day,
        summary=whole.summary,
        page=Page(items, whole.summary.picks, page.number, page.size, page.offset),
    )


@dataclass(frozen=True, slots=True)
class _WholeQueue:
    """Every open pick of a warehouse in working order, and the list's summary."""

    summary: PickQueueSummary
    picks: tuple[QueuedPick, ...]

    def __len__(self) -> int:
        """What it weighs in the memory of answers (:mod:`.memory`): a row a pick."""
        return len(self.picks)


def _queue_version(session: Session, picture_id: int) -> Hashable | None:
    """A key that changes whenever a warehouse's pick list can have changed: the
    picture's newest scan run (None before any scan: then nothing is remembered).

    The list reads the picture's picks, orders and order lines and the order risk. A
    picture's rows change after its import only when a governed action is executed,
    which rescans the picture in the same transaction (``api/action_commands.py``), and
    the order risk only with a recorded scan; a new import is a new picture.
    """
    runs = tables.scan_runs
    query = sa.select(sa.func.max(runs.c.id)).where(runs.c.picture_id == picture_id)
    newest = session.connection().execute(query).scalar_one()
    if newest is None:
        return None
    return ("pick queue", session.connection().engine.url.render_as_string(), newest)


def _whole_queue(
    session: Session, picture_id: int, warehouse: PickingWarehouse, day: date
) -> _WholeQueue:
    """The warehouse's whole pick list with its customers' names, and its summary."""
    queue = _queue(session, picture_id, warehouse, day)
    connection = session.connection()
    customers = tables.customers
    named = queue.outerjoin(
        customers,
        sa.and_(customers.c.picture_id == picture_id, customers.c.code == queue.c.customer),
    )
    # the summary rides along each row as window aggregates over the whole list, so
    # the list is worked out once; an empty list has no row and asks for it alone
    totals = [term.over().label(f"summary_{name}") for name, term in _summary_terms(queue)]
    rows = connection.execute(
        sa.select(queue, customers.c.name.label("customer_name"), *totals)
        .select_from(named)
        .order_by(queue.c.position)
    ).all()
    if rows:
        summary = _summary_of([rows[0]._mapping[f"summary_{name}"] for name in _SUMMARY])
    else:
        terms = [term for _, term in _summary_terms(queue)]
        summary = _summary_of(list(connection.execute(sa.select(*terms)).one()))
    return _WholeQueue(summary, tuple(_queued_pick(row._mapping) for row in rows))


def _queued_pick(row: sa.RowMapping) -> QueuedPick:
    return QueuedPick(
        position=int(row["position"]),
        pick_id=row["pick_id"],
        order_id=row["order_id"],
        customer=row["customer"],
        customer_name=row["customer_name"],
        created_at=row["created_at"],
        assigned_to=row["assigned_to"],
        promised_date=row["promised_date"],
        expedite=bool(row["expedite"]),
        at_risk=bool(row["at_risk"]),
        open_value=row["open_value"],
        lines=int(row["lines"]),
        lines_through=int(row["lines_through"]),
        day_offset=int(row["day_offset"]),
        misses_promise=bool(row["misses"]),
    )


#: what the summary holds, in the order of :func:`_summary_terms`
_SUMMARY: Final = (
    "picks",
    "lines",
    "unassigned",
    "runs_out",
    "missing",
    "orders_missing",
    "last_day",
)


def _summary_terms(queue: sa.Subquery) -> list[tuple[str, sa.FunctionElement[Any]]]:
    """The summary's aggregates over the list (see :data:`_SUMMARY`).

    An order misses its promise when its last pick in the list does: its picks share
    the promise and a later pick is never done earlier, so counting the misses of
    last picks counts the orders (without a DISTINCT, which no window allows).
    """
    q = queue.c
    last_of_order = q.nth_of_order == q.picks_of_order
    terms: list[sa.FunctionElement[Any]] = [
        sa.func.count(),
        sa.func.max(q.lines_through),
        sa.func.sum(sa.case((q.assigned_to.is_(None), 1), else_=0)),
        sa.func.min(sa.case((q.day_offset > 0, q.position), else_=None)),
        sa.func.sum(q.misses),
        sa.func.sum(sa.case((sa.and_(q.misses == 1, last_of_order), 1), else_=0)),
        sa.func.max(q.day_offset),
    ]
    return list(zip(_SUMMARY, terms, strict=True))


def _summary_of(values: Sequence[Any]) -> PickQueueSummary:
    found = dict(zip(_SUMMARY, values, strict=True))
    runs_out = found["runs_out"]
    return PickQueueSummary(
        picks=int(found["picks"] or 0),
        lines=int(found["lines"] or 0),
        unassigned=int(found["unassigned"] or 0),
        capacity_runs_out_at=int(runs_out) if runs_out is not None else None,
        picks_missing_promise=int(found["missing"] or 0),
        orders_missing_promise=int(found["orders_missing"] or 0),
        last_day_offset=int(found["last_day"] or 0),
    )


def _queue(
    session: Session, picture_id: int, warehouse: PickingWarehouse, day: date
) -> sa.Subquery:
    """Every open pick of the warehouse with its place, lines, day and whether it misses."""
    weighted = _weighted(session, picture_id, warehouse, day)
    through = sa.cast(weighted.c.lines_through, sa.BigInteger)
    day_offset: sa.ColumnElement[int] = (
        (through - 1) // sa.literal(warehouse.capacity, sa.BigInteger)
        if warehouse.capacity is not None
        else sa.literal(0, sa.BigInteger)
    )
    to_promise = weighted.c.days_to_promise
    misses = sa.case((sa.and_(to_promise.is_not(None), day_offset > to_promise), 1), else_=0)
    return sa.select(
        *(column for column in weighted.c if column.name != "lines_through"),
        through.label("lines_through"),
        day_offset.label("day_offset"),
        misses.label("misses"),
    ).subquery("queue")


def _weighted(
    session: Session, picture_id: int, warehouse: PickingWarehouse, day: date
) -> sa.Subquery:
    """The ranked picks with the lines each takes and the running total of lines."""
    ranked = _ranked(session, picture_id, warehouse, day)
    r = ranked.c
    # the order's lines dealt out among its picks: the first (lines % picks) get one more
    share = r.order_lines // r.picks_of_order + sa.case(
        (r.nth_of_order - 1 < r.order_lines % r.picks_of_order, 1), else_=0
    )
    lines = sa.case((share < 1, 1), else_=share)
    return sa.select(
        *r,
        lines.label("lines"),
        sa.func.sum(lines).over(order_by=r.position).label("lines_through"),
    ).subquery("weighted")


def _ranked(
    session: Session, picture_id: int, warehouse: PickingWarehouse, day: date
) -> sa.Subquery:
    """The open picks with their orders' facts, in working order (``position``).

    An order's risk is filed under the company of the warehouse it ships from; it is
    looked up by its primary key alone (company, order id), so each pick reads one row
    (a condition on another column leads SQLite to scan a covering index instead).
    """
    dialect = dialect_name(session)
    p, o, risk = tables.picks, tables.sales_orders, tables.order_risk
    open_picks = (
        p.c.picture_id == picture_id,
        p.c.warehouse == warehouse.code,
        p.c.status == PickStatus.OPEN,
    )
    at_risk = sa.case((risk.c.at_risk.is_(True), 1), else_=0)
    expedite = sa.case((o.c.expedite.is_(True), 1), else_=0)
    working_order = (
        sa.case((o.c.promised_date.is_(None), 1), else_=0),
        o.c.promised_date,
        at_risk.desc(),
        expedite.desc(),
        sa.func.coalesce(numeric_key(risk.c.open_value, dialect), 0).desc(),
        p.c.created_at,
        text_key(p.c.pick_id, dialect),
    )
    source = p.outerjoin(
        o, sa.and_(o.c.picture_id == p.c.picture_id, o.c.order_id == p.c.order_id)
    ).outerjoin(risk, sa.and_(risk.c.company == warehouse.company, risk.c.order_id == p.c.order_id))
    return (
        sa.select(
            p.c.pick_id,
            p.c.order_id,
            p.c.created_at,
            p.c.assigned_to,
            o.c.customer,
            o.c.promised_date,
            expedite.label("expedite"),
            at_risk.label("at_risk"),
            risk.c.open_value,
            _open_line_count(picture_id, p.c.order_id, dialect).label("order_lines"),
            sa.func.row_number().over(order_by=working_order).label("position"),
            sa.func.row_number()
            .over(partition_by=p.c.order_id, order_by=working_order)
            .label("nth_of_order"),
            # the same window as nth_of_order (framed over the whole order), so the
            # database sorts the picks once for both
            sa.func.count()
            .over(partition_by=p.c.order_id, order_by=working_order, rows=(None, None))
            .label("picks_of_order"),
            days_between(day, o.c.promised_date, dialect).label("days_to_promise"),
        )
        .select_from(source)
        .where(*open_picks)
        .subquery("ranked")
    )


def _open_line_count(picture_id: int, order_id: sa.ColumnElement[str], dialect: str) -> Any:
    """Open lines (quantity not all shipped) of the order ``order_id`` names, as a scalar
    subquery: one range of the order lines' primary key per pick, so the list costs what
    its picks do, not what every order line of the business does (a join to grouped
    counts led both databases to read every order line)."""
    lines = tables.sales_order_lines
    return (
        sa.select(sa.func.count())
        .where(
            lines.c.picture_id == picture_id,
            lines.c.order_id == order_id,
            numeric_key(lines.c.qty, dialect) > numeric_key(lines.c.qty_shipped, dialect),
        )
        .scalar_subquery()
    )


def days_between(start: date, end: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[int]:
    """Whole days from ``start`` to the date column ``end`` (negative when before), in SQL."""
    if dialect == "sqlite":
        return sa.cast(sa.func.julianday(end) - sa.func.julianday(start.isoformat()), sa.Integer)
    return sa.type_coerce(end - sa.cast(sa.literal(start.isoformat()), sa.Date), sa.Integer)
