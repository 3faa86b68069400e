"""What the lists' downloads hold: their columns, and their rows read a chunk at a time.

Each list (cases, incidents, open orders) has its columns here, in the order and with
the headings its page shows, values in the same plain words (labels, not codes); a few
facts the page shows inside a cell or behind a link follow as columns of their own
(the case id, its state, whether it is overdue, who it is assigned to). Text the page
shortens to fit a cell (what is wrong, why) is written in full.

The rows are read with the list's filters and sort, a chunk at a time, each chunk in a
session of its own that is closed before the chunk's rows are written
(:func:`chunked_rows`): a download of a hundred thousand cases holds the database for a
moment per thousand rows, never for the whole file. Cases and orders are read by
keyset (:mod:`controltower.storage.queries.streaming`); incidents a page at a time from
their remembered ranking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Final, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from controltower.api.export import CellKind, ExportColumn
from controltower.api.labels import SEVERITY_LABELS
from controltower.api.order_filters import OrderListOrder
from controltower.api.queue_filters import QueueFilters
from controltower.api.routes.exceptions import (
    CaseOrder,
    case_public,
    incident_public,
    queue_now,
)
from controltower.api.routes.orders import order_public
from controltower.api.schemas import CasePublic, IncidentPublic, OrderPublic
from controltower.api.scope import PictureScope
from controltower.storage.queries import (
    MAX_PAGE_SIZE,
    Cursor,
    OrderFilters,
    PageRequest,
    case_chunk,
    list_incidents,
    order_chunk,
)
from controltower.storage.repository import customer_names

_Row = TypeVar("_Row")
_Place = TypeVar("_Place")

#: what a flag reads as in a download
_YES_NO: Final = {True: "Yes", False: "No"}

CASE_COLUMNS: Final[tuple[ExportColumn[CasePublic], ...]] = (
    ExportColumn("Severity", lambda c: SEVERITY_LABELS[c.severity], width=10),
    ExportColumn("Type", lambda c: c.type_label, width=24),
    ExportColumn("Subject", lambda c: c.subject_label, width=28),
    ExportColumn("Owner", lambda c: c.owner, width=24),
    ExportColumn("Due", lambda c: c.due_at, CellKind.MOMENT, width=20),
    ExportColumn("Value at risk", lambda c: c.value_at_risk, CellKind.MONEY, width=14),
    ExportColumn("What is wrong", lambda c: c.explanation, width=80),
    ExportColumn("Case", lambda c: c.id, width=24),
    ExportColumn("State", lambda c: c.state_label, width=16),
    ExportColumn("Overdue", lambda c: _YES_NO[c.overdue], width=9),
    ExportColumn("Assigned to", lambda c: c.assignee, width=16),
)

INCIDENT_COLUMNS: Final[tuple[ExportColumn[IncidentPublic], ...]] = (
    ExportColumn("Severity", lambda i: SEVERITY_LABELS[i.severity], width=10),
    ExportColumn("Problem", lambda i: i.root_type_label, width=24),
    ExportColumn("Root cause", lambda i: i.cause_label, width=32),
    ExportColumn("Orders hit", lambda i: i.order_count, CellKind.INTEGER, width=11),
    ExportColumn("Impacts", lambda i: i.impact_count, CellKind.INTEGER, width=9),
    ExportColumn("Value at risk", lambda i: i.value_at_risk, CellKind.MONEY, width=14),
    ExportColumn("Cases", lambda i: i.member_count, CellKind.INTEGER, width=8),
    ExportColumn("Incident", lambda i: i.id, width=24),
    ExportColumn("Root case", lambda i: i.root_case_id, width=24),
)

ORDER_COLUMNS: Final[tuple[ExportColumn[OrderPublic], ...]] = (
    ExportColumn("Order", lambda o: o.order_id, width=12),
    ExportColumn("Customer", lambda o: o.customer_name or o.customer, width=28),
    ExportColumn("Customer code", lambda o: o.customer, width=14),
    ExportColumn("Warehouse", lambda o: o.warehouse, width=11),
    ExportColumn("Status", lambda o: o.status_label, width=26),
    ExportColumn("Promised", lambda o: o.promised_date, CellKind.DATE, width=12),
    ExportColumn("Projected", lambda o: o.projected_ship_date, CellKind.DATE, width=12),
    ExportColumn("Days late", lambda o: o.days_late, CellKind.INTEGER, width=10),
    ExportColumn("Value", lambda o: o.open_value, CellKind.MONEY, width=14),
    ExportColumn("Why", lambda o: " ".join(o.explanation), width=80),
)


def chunked_rows(
    open_session: sessionmaker[Session],
    read: Callable[[Session, _Place], tuple[list[_Row], _Place | None]],
    start: _Place,
) -> Iterator[_Row]:
    """Every row ``read`` gives, chunk after chunk from ``start`` until it says there is
    no next place; each chunk is read in a session of its own, closed before its rows
    are handed on."""
    place: _Place | None = start
    while place is not None:
        with open_session() as session:
            found, place = read(session, place)
        yield from found


def case_rows(
    open_session: sessionmaker[Session],
    scope: PictureScope,
    filters: QueueFilters,
    order: CaseOrder,
) -> Iterator[CasePublic]:
    """The cases the queue lists for ``filters``, in ``order``, as the API shows them."""
    now = queue_now(scope)
    cases = filters.cases(now, scope.visible)

    def read(session: Session, cursor: Cursor) -> tuple[list[CasePublic], Cursor | None]:
        found, following = case_chunk(
            session, scope.picture_id, cases, cursor, sort=order.sort, reverse=order.reverse
        )
        return [case_public(case, now) for case in found], following

    return chunked_rows(open_session, read, Cursor())


def incident_rows(
    open_session: sessionmaker[Session], scope: PictureScope, filters: QueueFilters
) -> Iterator[IncidentPublic]:
    """The incidents the queue lists for ``filters``, most value at risk first."""
    incidents = filters.incidents(queue_now(scope), scope.visible)

    def read(session: Session, number: int) -> tuple[list[IncidentPublic], int | None]:
        page = list_incidents(
            session,
            scope.picture_id,
            incidents,
            page=PageRequest(number=number, size=MAX_PAGE_SIZE),
        )
        following = number + 1 if number < page.last_number else None
        return [incident_public(group) for group in page.items], following

    return chunked_rows(open_session, read, 1)


def order_rows(
    open_session: sessionmaker[Session],
    scope: PictureScope,
    filters: OrderFilters,
    order: OrderListOrder,
) -> Iterator[OrderPublic]:
    """The open orders the list holds for ``filters``, in ``order``, as the API shows
    them (without their lines)."""
    chosen = replace(filters, visible=scope.visible)

    def read(session: Session, cursor: Cursor) -> tuple[list[OrderPublic], Cursor | None]:
        found, following = order_chunk(
            session, scope.picture_id, chosen, cursor, sort=order.sort, reverse=order.reverse
        )
        names = customer_names(session, scope.picture_id, (row.outcome.customer for row in found))
        rows = [order_public(row.outcome, names.get(row.outcome.customer)) for row in found]
        return rows, following

    return chunked_rows(open_session, read, Cursor())
