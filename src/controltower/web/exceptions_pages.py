"""The exception queue page (incidents or cases, a page at a time); one case is in
``case_pages``."""

from __future__ import annotations

from dataclasses import replace
from typing import Final
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from controltower.api.auth import VisitorDep
from controltower.api.deps import SessionDep
from controltower.api.picture_codes import warehouse_codes
from controltower.api.queue_filters import QueueView
from controltower.api.routes.exceptions import case_queue, incident_queue, queue_now
from controltower.api.schemas import CaseQueuePublic, IncidentQueuePublic
from controltower.api.scope import PictureScope
from controltower.storage.queries import (
    CaseSort,
    PageRequest,
    case_facets,
    count_cases,
    count_incidents,
)
from controltower.web.assets import TEMPLATES
from controltower.web.case_pages import bulk_bar
from controltower.web.list_controls import ListLink, chips_of, sort_header
from controltower.web.list_tools import list_tools
from controltower.web.page_support import (
    QueryReading,
    blank_is_none,
    company_query,
    list_status,
    pager_for,
    scope_or_notice,
    within_last,
)
from controltower.web.queue_query import (
    OVERDUE_CHOICES,
    SNOOZED_LABELS,
    QueuePageQuery,
    cause_words,
    chosen_filters,
    queue_choices,
    queue_link,
    read_queue_page,
    sort_words,
)

router = APIRouter(include_in_schema=False)

#: incidents or cases per page of /exceptions
QUEUE_PER_PAGE: Final = 50

#: the case list's sortable columns: (heading, the sort it stands for)
SORTED_COLUMNS: Final = (
    ("severity", CaseSort.QUEUE),
    ("owner", CaseSort.OWNER),
    ("due", CaseSort.DUE),
    ("value", CaseSort.VALUE),
)


@router.get("/exceptions", response_class=HTMLResponse)
def exceptions_page(
    request: Request,
    session: SessionDep,
    visitor: VisitorDep,
    company: str | None = None,
) -> HTMLResponse:
    """The queue, as incidents (default) or cases: filtered, sorted and paged by the
    database. Every filter may hold several values (``?type=a&type=b``)."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "exceptions", visitor.principal)
    if isinstance(scope, HTMLResponse):
        return scope
    reading = QueryReading()
    query = read_queue_page(request, session, scope, visitor.principal, reading, company)
    (queue, case_total, incident_total), asked = within_last(
        query.number,
        lambda number: _queue_and_counts(session, scope, query, number),
        lambda read: read[0].last_page,
    )
    shown = pager_for(
        total=queue.total,
        number=queue.page,
        size=queue.page_size,
        offset=(queue.page - 1) * queue.page_size,
        shown=len(queue.items),
        asked=asked,
    )
    chosen = chosen_filters(query.filters, visitor.principal)
    link = queue_link(replace(query, number=queue.page), chosen)
    facets = case_facets(
        session, scope.picture_id, query.filters.case_states, visible=scope.visible
    )
    return TEMPLATES.TemplateResponse(
        request,
        "exceptions.html",
        {
            "nav": "exceptions",
            "view": query.view.value,
            "queue": queue,
            "pager": shown,
            "filters": query.filters,
            "filtered": bool(chosen or query.filters.cause),
            "chips": chips_of(chosen, link),
            "cause_words": cause_words(query.filters),
            "case_count": case_total,
            "incident_count": incident_total,
            "company": company,
            "choices": queue_choices(
                query.filters, facets, warehouse_codes(session, scope), visitor.principal
            ),
            "overdue_choices": list(OVERDUE_CHOICES.items()),
            "overdue": _overdue_word(query.filters.overdue),
            "snoozed_choices": list(SNOOZED_LABELS.items()),
            "sort": query.order.sort,
            "direction": query.order.direction.value if query.order.reverse else None,
            "order_words": sort_words(query.order),
            "headers": {
                name: sort_header(
                    link, sort, query.order.sort, query.order.direction, default=CaseSort.QUEUE
                )
                for name, sort in SORTED_COLUMNS
            },
            "problems": reading.problems,
            "link": link,
            "clear": ListLink(
                "/exceptions", (*company_query(company).items(), ("view", query.view.value))
            ),
            "query": urlencode(company_query(company)),
            "bulk": bulk_bar(session, scope, visitor.principal),
            "tools": list_tools(session, visitor, "exceptions", link),
        },
        status_code=list_status(reading),
    )


def _queue_and_counts(
    session: Session, scope: PictureScope, query: QueuePageQuery, number: int
) -> tuple[IncidentQueuePublic | CaseQueuePublic, int, int]:
    """Page ``number`` of the view shown, and how many cases and incidents the filters
    match (for the two tabs)."""
    filters, now = query.filters, queue_now(scope)
    page = PageRequest(number=number, size=QUEUE_PER_PAGE)
    if query.view is QueueView.INCIDENTS:
        incidents = incident_queue(session, scope, filters, page=page)
        cases = count_cases(session, scope.picture_id, filters.cases(now, scope.visible))
        return incidents, cases, incidents.total
    listed = case_queue(session, scope, filters, order=query.order, page=page)
    incident_total = count_incidents(
        session, scope.picture_id, filters.incidents(now, scope.visible)
    )
    return listed, listed.total, incident_total


def _overdue_word(overdue: bool | None) -> str:
    if overdue is None:
        return ""
    return "yes" if overdue else "no"
