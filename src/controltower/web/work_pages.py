"""The two work pages: "My work" (where people land after signing in) and "Warehouse work".

Both show what the API's builders return (``api/routes/work.py``), a page at a time.
My work is read in five seconds: how much there is and how much is late on top, then
one row per case saying what is wrong and what to do. Warehouse work is a list to print
and pick from: the picks in working order, a line across the list where the day's
capacity runs out, and the orders that miss their promise marked.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from controltower.api.auth import Authenticated, request_now, require_on_page
from controltower.api.deps import SessionDep
from controltower.api.labels import CASE_STATE_LABELS
from controltower.api.routes.work import (
    UnknownWarehouseError,
    chosen_warehouse,
    my_work,
    warehouse_work,
)
from controltower.api.scope import PictureScope, require_scan
from controltower.domain.cases import CaseState
from controltower.domain.people import Permission
from controltower.storage.queries import PageRequest, picking_warehouses
from controltower.web.assets import TEMPLATES
from controltower.web.page_support import (
    OVERVIEW_LINK,
    QueryReading,
    blank_is_none,
    company_query,
    linker,
    list_status,
    not_found,
    pager_for,
    scope_or_notice,
    within_last_page,
)

router = APIRouter(include_in_schema=False)

#: cases per page of /my-work
WORK_PER_PAGE: Final = 50

#: picks per page of /warehouse-work (a printed page or two)
PICKS_PER_PAGE: Final = 100

#: the states counted at the top of My work, in the order work moves through them
WORK_STATES: Final = (
    CaseState.OPEN,
    CaseState.ACKNOWLEDGED,
    CaseState.IN_PROGRESS,
    CaseState.WAITING_FOR_APPROVAL,
)

Viewer = Annotated[Authenticated, Depends(require_on_page(Permission.VIEW))]


@router.get("/my-work", response_class=HTMLResponse)
def my_work_page(
    request: Request,
    session: SessionDep,
    visitor: Viewer,
    company: str | None = None,
    page: str | None = None,
) -> HTMLResponse:
    """The signed-in person's cases and their teams' unassigned ones, most urgent first."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "my-work", visitor.principal)
    if isinstance(scope, HTMLResponse):
        return scope
    reading = QueryReading()
    clock = request_now()
    work, asked = within_last_page(
        reading.page_number(page),
        lambda number: my_work(
            session,
            scope,
            visitor.principal,
            clock=clock,
            page=PageRequest(number=number, size=WORK_PER_PAGE),
        ),
    )
    shown = pager_for(
        total=work.total,
        number=work.page,
        size=work.page_size,
        offset=(work.page - 1) * work.page_size,
        shown=len(work.items),
        asked=asked,
    )
    query = company_query(company)
    return TEMPLATES.TemplateResponse(
        request,
        "my_work.html",
        {
            "nav": "my-work",
            "work": work,
            "person": visitor.principal,
            "state_counts": [
                (state, CASE_STATE_LABELS[state], getattr(work.counts, state.value))
                for state in WORK_STATES
            ],
            "problems": reading.problems,
            "pager": shown,
            "link": linker("/my-work", query),
            "query": urlencode(query),
        },
        status_code=list_status(reading),
    )


@router.get("/warehouse-work", response_class=HTMLResponse)
def warehouse_work_page(
    request: Request,
    session: SessionDep,
    visitor: Viewer,
    warehouse: str | None = None,
    day: str | None = None,
    company: str | None = None,
    page: str | None = None,
) -> HTMLResponse:
    """A warehouse's open picks for a day, in working order, against its pick capacity."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "warehouse-work", visitor.principal)
    if isinstance(scope, HTMLResponse):
        return scope
    try:
        chosen = chosen_warehouse(session, scope, blank_is_none(warehouse))
    except UnknownWarehouseError as error:
        return not_found(
            request,
            "warehouse-work",
            title="No such warehouse" if warehouse else "No warehouse to show",
            message=sentence(str(error)),
            back=None if warehouse else OVERVIEW_LINK,
        )
    reading = QueryReading()
    as_of = require_scan(scope).as_of  # scope_or_notice answered already when there is none
    chosen_day = read_day(reading, day) or as_of
    work, asked = within_last_page(
        reading.page_number(page),
        lambda number: warehouse_work(
            session,
            scope,
            chosen,
            chosen_day,
            page=PageRequest(number=number, size=PICKS_PER_PAGE),
        ),
    )
    shown = pager_for(
        total=work.total,
        number=work.page,
        size=work.page_size,
        offset=(work.page - 1) * work.page_size,
        shown=len(work.items),
        asked=asked,
    )
    base = {
        **company_query(company),
        "warehouse": chosen.code,
        **({"day": chosen_day.isoformat()} if chosen_day != as_of else {}),
    }
    return TEMPLATES.TemplateResponse(
        request,
        "warehouse_work.html",
        {
            "nav": "warehouse-work",
            "work": work,
            "warehouses": warehouse_choices(session, scope),
            "as_of": as_of,
            "company": company,
            "problems": reading.problems,
            "pager": shown,
            "link": linker("/warehouse-work", base),
            "query": urlencode(company_query(company)),
        },
        status_code=list_status(reading),
    )


def warehouse_choices(session: Session, scope: PictureScope) -> list[tuple[str, str]]:
    """(code, "code · name") of the warehouses the person may see, for the chooser."""
    return [
        (w.code, f"{w.code} · {w.name}" if w.name else w.code)
        for w in picking_warehouses(session, scope.picture_id, scope.visible)
    ]


def sentence(message: str) -> str:
    """An API message (``no warehouse 'X' in ...``) as a sentence for a page."""
    return f"{message[:1].upper()}{message[1:]}."


def read_day(reading: QueryReading, value: str | None) -> date | None:
    """``YYYY-MM-DD`` as a day (blank: None); anything else is a problem for the notice."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        reading.problem(
            "day",
            f"“{text[:40]}” is not a day; write it as YYYY-MM-DD (for example 2026-11-25). "
            "Showing the latest scan's day.",
        )
        return None
