"""The exception queue page (incidents or cases, a page at a time) and one case."""

from __future__ import annotations

from typing import Final
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from controltower.api.deps import SessionDep
from controltower.api.labels import EXCEPTION_TYPE_LABELS, SEVERITY_LABELS
from controltower.api.routes.exceptions import (
    QueueFilters,
    QueueView,
    StateFilter,
    case_detail,
    case_queue,
    incident_queue,
    queue_now,
)
from controltower.api.routes.orders import warehouse_codes
from controltower.api.schemas import CaseQueuePublic, IncidentQueuePublic
from controltower.domain.cases import ExceptionType, Severity
from controltower.storage.queries import (
    CaseSort,
    PageRequest,
    case_facets,
    count_cases,
    count_incidents,
)
from controltower.web.assets import TEMPLATES
from controltower.web.page_support import (
    QueryReading,
    blank_is_none,
    company_query,
    linker,
    list_status,
    notice,
    pager_for,
    scope_or_notice,
)

router = APIRouter(include_in_schema=False)

#: incidents or cases per page of /exceptions
QUEUE_PER_PAGE: Final = 50

#: timeline events per page of a case
EVENTS_PER_PAGE: Final = 100

#: severities worst first, as the filters and the overview list them
SEVERITIES_WORST_FIRST: Final = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)

#: the states offered in the "Show" menu, in the order a person thinks of them
STATE_LABELS: Final[dict[StateFilter, str]] = {
    StateFilter.ACTIVE: "Still to do",
    StateFilter.OPEN: "Open, not yet picked up",
    StateFilter.ACKNOWLEDGED: "Acknowledged",
    StateFilter.IN_PROGRESS: "In progress",
    StateFilter.WAITING_FOR_APPROVAL: "Waiting for approval",
    StateFilter.RESOLVED: "Resolved",
    StateFilter.CLOSED: "Closed",
    StateFilter.ALL: "Everything, resolved and closed too",
}

#: how each sort of the case list reads
SORT_LABELS: Final[dict[CaseSort, str]] = {
    CaseSort.QUEUE: "Most severe, then soonest due",
    CaseSort.DUE: "Soonest due first",
    CaseSort.VALUE: "Most value at risk first",
    CaseSort.OPENED: "Newest first",
}

#: the two views of the queue, as their tabs say
VIEW_LABELS: Final[dict[QueueView, str]] = {
    QueueView.INCIDENTS: "By root cause (incidents)",
    QueueView.CASES: "All cases (cases)",
}

#: the overdue filter's choices
OVERDUE_CHOICES: Final = {"yes": "Overdue only", "no": "Not overdue"}


@router.get("/exceptions", response_class=HTMLResponse)
def exceptions_page(
    request: Request,
    session: SessionDep,
    view: str | None = None,
    type: str | None = None,
    owner: str | None = None,
    severity: str | None = None,
    state: str | None = None,
    warehouse: str | None = None,
    overdue: str | None = None,
    q: str | None = None,
    cause: str | None = None,
    sort: str | None = None,
    company: str | None = None,
    page: str | None = None,
) -> HTMLResponse:
    """The queue, as incidents (default) or cases: filtered, sorted and paged by the
    database."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "exceptions")
    if isinstance(scope, HTMLResponse):
        return scope
    reading = QueryReading()
    chosen_view = reading.choice(QueueView, view, "view", VIEW_LABELS) or QueueView.INCIDENTS
    chosen_state = reading.choice(StateFilter, state, "state", STATE_LABELS) or StateFilter.ACTIVE
    warehouses = warehouse_codes(session, scope)
    chosen_warehouse = reading.one_of(warehouse, dict.fromkeys(warehouses), "warehouse")
    chosen_overdue = reading.flag(overdue, "overdue")
    filters = QueueFilters(
        state=chosen_state,
        type=reading.choice(ExceptionType, type, "type of exception", EXCEPTION_TYPE_LABELS),
        owner=reading.text(owner, "owner"),
        severity=reading.choice(Severity, severity, "severity", SEVERITY_LABELS),
        warehouse=chosen_warehouse,
        overdue=chosen_overdue,
        q=reading.text(q, "search"),
        cause=reading.text(cause, "cause", limit=300),
    )
    chosen_sort = reading.choice(CaseSort, sort, "sort order", SORT_LABELS) or CaseSort.QUEUE
    number = reading.page_number(page)
    request_page = PageRequest(number=number, size=QUEUE_PER_PAGE)
    now = queue_now(scope)
    queue: IncidentQueuePublic | CaseQueuePublic
    if chosen_view is QueueView.INCIDENTS:
        queue = incident_queue(session, scope, filters, page=request_page)
        incident_total = queue.total
        case_total = count_cases(session, scope.picture_id, filters.cases(now))
    else:
        queue = case_queue(session, scope, filters, sort=chosen_sort, page=request_page)
        case_total = queue.total
        incident_total = count_incidents(session, scope.picture_id, filters.incidents(now))
    shown = pager_for(
        total=queue.total,
        number=queue.page,
        size=queue.page_size,
        offset=(queue.page - 1) * queue.page_size,
        shown=len(queue.items),
    )
    facets = case_facets(session, scope.picture_id, chosen_state.states)
    types = sorted(
        set(facets.by_type) | ({filters.type} if filters.type else set()),
        key=lambda t: EXCEPTION_TYPE_LABELS[t],
    )
    owners = sorted(set(facets.by_owner) | ({filters.owner} if filters.owner else set()))
    base = {
        **company_query(company),
        "view": chosen_view.value,
        **({"type": filters.type.value} if filters.type else {}),
        **({"owner": filters.owner} if filters.owner else {}),
        **({"severity": filters.severity.value} if filters.severity else {}),
        **({"state": chosen_state.value} if chosen_state is not StateFilter.ACTIVE else {}),
        **({"warehouse": chosen_warehouse} if chosen_warehouse else {}),
        **({"overdue": "yes" if chosen_overdue else "no"} if chosen_overdue is not None else {}),
        **({"q": filters.q} if filters.q else {}),
        **({"cause": filters.cause} if filters.cause else {}),
        **({"sort": chosen_sort.value} if chosen_sort is not CaseSort.QUEUE else {}),
        **({"page": str(number)} if number > 1 else {}),
    }
    filtered = any(
        (
            filters.type,
            filters.owner,
            filters.severity,
            chosen_warehouse,
            chosen_overdue is not None,
            filters.q,
            filters.cause,
            chosen_state is not StateFilter.ACTIVE,
        )
    )
    return TEMPLATES.TemplateResponse(
        request,
        "exceptions.html",
        {
            "nav": "exceptions",
            "view": chosen_view.value,
            "queue": queue,
            "pager": shown,
            "filters": filters,
            "filtered": filtered,
            "case_count": case_total,
            "incident_count": incident_total,
            "company": company,
            "types": types,
            "type_counts": facets.by_type,
            "type_labels": EXCEPTION_TYPE_LABELS,
            "owners": owners,
            "owner_counts": facets.by_owner,
            "warehouses": warehouses,
            "severities": SEVERITIES_WORST_FIRST,
            "states": list(STATE_LABELS.items()),
            "overdue_choices": list(OVERDUE_CHOICES.items()),
            "overdue": "yes" if chosen_overdue else ("no" if chosen_overdue is False else ""),
            "sort": chosen_sort,
            "sorts": list(SORT_LABELS.items()),
            "problems": reading.problems,
            "link": linker("/exceptions", base),
            "query": urlencode(company_query(company)),
        },
        status_code=list_status(reading, shown),
    )


@router.get("/exceptions/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    session: SessionDep,
    case_id: str,
    company: str | None = None,
    events: str | None = None,
) -> HTMLResponse:
    """One case: its facts, what to do, and its timeline (when, what, by whom, note), a
    hundred events at a time."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "exceptions")
    if isinstance(scope, HTMLResponse):
        return scope
    reading = QueryReading()
    number = reading.page_number(events)
    case = case_detail(
        session, scope, case_id, timeline=PageRequest(number=number, size=EVENTS_PER_PAGE)
    )
    if case is None:
        return notice(
            request,
            "exceptions",
            title="Case not found",
            message=f"No case {case_id} is filed under {', '.join(scope.companies)}.",
            command=None,
            status_code=404,
        )
    timeline = pager_for(
        total=case.timeline_total,
        number=case.timeline_page,
        size=case.timeline_page_size,
        offset=(case.timeline_page - 1) * case.timeline_page_size,
        shown=len(case.timeline),
    )
    query = company_query(company)
    return TEMPLATES.TemplateResponse(
        request,
        "case.html",
        {
            "nav": "exceptions",
            "case": case,
            "scan": scope.scan,
            "timeline": timeline,
            "problems": reading.problems,
            "events_link": lambda n: (
                f"/exceptions/cases/{case_id}?"
                + urlencode({**query, **({"events": n} if n > 1 else {})})
            ),
            "query": urlencode(query),
        },
        status_code=list_status(reading, timeline),
    )
