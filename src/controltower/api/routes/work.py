"""The two work lists: a person's cases ("My work") and a warehouse's picks for a day.

**My work** is what the person asking has to do: the active cases assigned to them and
the unassigned ones owned by their teams, leaving out those snoozed, most severe first
and then the soonest due (the queue's order), each read as what is wrong and what to
do next (``domain/explanation_parts.py``), with counts per state on top.

**Warehouse work** is a warehouse's open picks in the order to work them, against the
day's pick capacity: where the capacity runs out and which orders miss their promise if
the list is worked top-down (``storage/queries/work.py`` states the rule).

The builders (:func:`my_work`, :func:`warehouse_work`, :func:`chosen_warehouse`) are
public so the web pages show exactly what the API returns.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Final

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi import status as http_status
from sqlalchemy.orm import Session

from controltower.api.auth import request_now, require
from controltower.api.deps import SessionDep
from controltower.api.paging import PageParams, page_request
from controltower.api.routes.exceptions import case_public, queue_now
from controltower.api.scope import PictureScope, ScopeDep, require_scan
from controltower.api.work_schemas import (
    MyWorkPublic,
    PickingWarehousePublic,
    QueuedPickPublic,
    WarehouseWorkPublic,
    WorkCountsPublic,
    WorkItemPublic,
)
from controltower.domain.cases import ACTIVE_STATES, CaseState, ExceptionCase
from controltower.domain.explanation_parts import next_step, next_steps, what_is_wrong
from controltower.domain.people import Permission, Principal
from controltower.storage.queries import (
    CaseFilters,
    CaseSort,
    PageRequest,
    PickingWarehouse,
    PickQueue,
    QueuedPick,
    WorkCounts,
    WorkOf,
    list_cases,
    pick_queue,
    picking_warehouses,
    work_counts,
)

router = APIRouter(prefix="/api", tags=["work"])

#: rows per page of either list when the client does not say
DEFAULT_PAGE_SIZE: Final = 50

Viewer = Annotated[Principal, Depends(require(Permission.VIEW))]


class UnknownWarehouseError(LookupError):
    """A warehouse the picture does not have, or the person may not see (told alike)."""


# --- My work --------------------------------------------------------------------------


def my_work(
    session: Session,
    scope: PictureScope,
    principal: Principal,
    *,
    clock: datetime,
    page: PageRequest = PageRequest(size=DEFAULT_PAGE_SIZE),
) -> MyWorkPublic:
    """A page of ``principal``'s work and its counts; snoozes are judged at ``clock``."""
    now = queue_now(scope)
    work = WorkOf(principal.login, principal.teams)
    filters = CaseFilters(
        states=ACTIVE_STATES,
        work_of=work,
        snoozed=False,
        now=now,
        clock=clock,
        visible=scope.visible,
    )
    found = list_cases(session, scope.picture_id, filters, sort=CaseSort.QUEUE, page=page)
    counts = work_counts(
        session, scope.picture_id, work, now=now, clock=clock, visible=scope.visible
    )
    return MyWorkPublic(
        picture_id=scope.picture_id,
        companies=list(scope.companies),
        scan=scope.scan_public,
        login=principal.login,
        teams=sorted(principal.teams),
        counts=counts_public(counts),
        items=[work_item(case, now, principal) for case in found.items],
        total=found.total,
        page=found.number,
        page_size=found.size,
        last_page=found.last_number,
    )


def counts_public(counts: WorkCounts) -> WorkCountsPublic:
    state = counts.by_state
    return WorkCountsPublic(
        open=state.get(CaseState.OPEN, 0),
        acknowledged=state.get(CaseState.ACKNOWLEDGED, 0),
        in_progress=state.get(CaseState.IN_PROGRESS, 0),
        waiting_for_approval=state.get(CaseState.WAITING_FOR_APPROVAL, 0),
        to_do=counts.to_do,
        overdue=counts.overdue,
        snoozed=counts.snoozed,
    )


def work_item(case: ExceptionCase, now: datetime | None, principal: Principal) -> WorkItemPublic:
    return WorkItemPublic(
        **case_public(case, now).model_dump(),
        what_is_wrong=what_is_wrong(case.explanation),
        next_step=next_step(case.explanation),
        next_steps=next_steps(case.explanation),
        assigned_to_me=case.assignee == principal.login,
    )


# --- Warehouse work -------------------------------------------------------------------


def chosen_warehouse(session: Session, scope: PictureScope, code: str | None) -> PickingWarehouse:
    """The warehouse ``code`` (None: the first the person may see).

    Raises :class:`UnknownWarehouseError` when the picture has no such warehouse or the
    person may not see it (the same message either way), or they may see none at all.
    """
    visible = picking_warehouses(session, scope.picture_id, scope.visible)
    companies = ", ".join(scope.companies)
    if not visible:
        raise UnknownWarehouseError(
            f"no warehouse of {companies} is within what you may see ({scope.visible.describe()})"
        )
    if code is None:
        return visible[0]
    for warehouse in visible:
        if warehouse.code == code:
            return warehouse
    raise UnknownWarehouseError(
        f"no warehouse {code!r} in {companies}; the warehouses you can see are "
        + ", ".join(w.code for w in visible)
    )


def warehouse_work(
    session: Session,
    scope: PictureScope,
    warehouse: PickingWarehouse,
    day: date,
    *,
    page: PageRequest = PageRequest(size=DEFAULT_PAGE_SIZE),
) -> WarehouseWorkPublic:
    """A page of ``warehouse``'s open picks worked top-down from ``day``, and the summary."""
    queue = pick_queue(session, scope.picture_id, warehouse, day, page=page)
    summary = queue.summary
    return WarehouseWorkPublic(
        picture_id=scope.picture_id,
        companies=list(scope.companies),
        scan=scope.scan_public,
        warehouse=PickingWarehousePublic(
            code=warehouse.code,
            name=warehouse.name,
            company=warehouse.company,
            capacity_lines_per_day=warehouse.capacity,
        ),
        day=day,
        lines=summary.lines,
        unassigned=summary.unassigned,
        capacity_runs_out_at=summary.capacity_runs_out_at,
        picks_missing_promise=summary.picks_missing_promise,
        orders_missing_promise=summary.orders_missing_promise,
        last_pick_day=day + timedelta(days=summary.last_day_offset),
        items=[queued_pick_public(pick, queue) for pick in queue.page.items],
        total=queue.page.total,
        page=queue.page.number,
        page_size=queue.page.size,
        last_page=queue.page.last_number,
    )


def queued_pick_public(pick: QueuedPick, queue: PickQueue) -> QueuedPickPublic:
    return QueuedPickPublic(
        position=pick.position,
        pick_id=pick.pick_id,
        order_id=pick.order_id,
        customer=pick.customer,
        customer_name=pick.customer_name,
        created_at=pick.created_at,
        assigned_to=pick.assigned_to,
        unassigned=pick.assigned_to is None,
        promised_date=pick.promised_date,
        expedite=pick.expedite,
        at_risk=pick.at_risk,
        open_value=pick.open_value,
        lines=pick.lines,
        lines_through=pick.lines_through,
        pick_day=queue.day + timedelta(days=pick.day_offset),
        beyond_capacity=pick.day_offset > 0,
        starts_new_day=pick.day_offset > day_before(pick, queue.warehouse.capacity),
        misses_promise=pick.misses_promise,
        already_late=pick.promised_date is not None and pick.promised_date < queue.day,
    )


def day_before(pick: QueuedPick, capacity: int | None) -> int:
    """The day the pick before ``pick`` is done (for the first pick: the day asked, 0)."""
    if pick.position == 1 or capacity is None:
        return 0
    return (pick.lines_through - pick.lines - 1) // capacity


# --- Routes ---------------------------------------------------------------------------


@router.get(
    "/my-work",
    response_model=MyWorkPublic,
    summary="The signed-in person's cases and their teams' unassigned ones, a page at a time",
)
def get_my_work(
    session: SessionDep, scope: ScopeDep, principal: Viewer, paging: PageParams
) -> MyWorkPublic:
    """Active cases assigned to the caller, and the unassigned ones their teams own, not
    snoozed: most severe first, then the soonest due. Each says ``what_is_wrong`` (the
    explanation's first sentence) and its ``next_step``; ``counts`` has the cases per
    state on the list, how many are overdue and how many are snoozed."""
    page = page_request(paging, default_size=DEFAULT_PAGE_SIZE)
    return my_work(session, scope, principal, clock=request_now(), page=page)


@router.get(
    "/warehouse-work",
    response_model=WarehouseWorkPublic,
    summary="A warehouse's open picks in working order against its pick capacity for a day",
)
def get_warehouse_work(
    session: SessionDep,
    scope: ScopeDep,
    _viewer: Viewer,
    paging: PageParams,
    warehouse: Annotated[
        str | None,
        Query(
            min_length=1,
            description="The warehouse code; by default the first warehouse you can see.",
        ),
    ] = None,
    day: Annotated[
        date | None,
        Query(
            description="The day to work the list from (YYYY-MM-DD); by default the "
            "latest scan's as-of date."
        ),
    ] = None,
) -> WarehouseWorkPublic:
    """Open picks, the earliest promise first, then orders at risk, expedited orders and
    the most open value; each takes its order's open lines of the day's capacity (lines
    a day). ``capacity_runs_out_at`` is the first pick the day does not cover; a pick's
    ``pick_day`` is when working the list top-down gets to it, and ``misses_promise``
    says it is after the order's promise. A warehouse you may not see answers 404, as
    an unknown one does."""
    scan = require_scan(scope)
    try:
        chosen = chosen_warehouse(session, scope, warehouse)
    except UnknownWarehouseError as error:
        raise HTTPException(http_status.HTTP_404_NOT_FOUND, detail=str(error)) from error
    page = page_request(paging, default_size=DEFAULT_PAGE_SIZE)
    return warehouse_work(session, scope, chosen, day or scan.as_of, page=page)
