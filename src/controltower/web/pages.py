"""Server-rendered pages. Thin: read what is stored through the API's builders, render.

Every page shows the same data the JSON API returns (the builders of
``controltower.api.routes`` make both), in plain words: labels instead of codes,
money with two decimals, severities in colour. No JavaScript framework; the one chart
uses plotly.js served from the installed package.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Annotated, Any, Final, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from controltower.api.deps import SessionDep
from controltower.api.labels import (
    ALLOCATION_LABELS,
    BLOCKER_LABELS,
    EXCEPTION_TYPE_LABELS,
    ORDER_STATUS_LABELS,
    SEVERITY_LABELS,
    order_id_of,
    subject_label,
)
from controltower.api.routes.exceptions import (
    QueueFilters,
    QueueView,
    StateFilter,
    case_detail,
    case_public,
    case_queue,
    incident_queue,
    queue_cases,
    queue_now,
)
from controltower.api.routes.orders import order_detail, order_list
from controltower.api.schemas import IncidentPublic
from controltower.api.scope import PictureScope, resolve_scope
from controltower.domain.analysis import OrderRiskStatus
from controltower.domain.cases import ExceptionType, Severity
from controltower.storage.repository import (
    AmbiguousPictureError,
    PictureNotFoundError,
    PictureSummary,
    picture_summary,
)
from controltower.web.assets import TEMPLATES
from controltower.web.charts import (
    PLOTLY_JS_PATH,
    exceptions_by_type_figure,
    figure_html,
    plotly_js,
    plotly_js_gzipped,
)
from controltower.web.formatting import register_filters

router = APIRouter(include_in_schema=False)
register_filters(TEMPLATES.env)
TEMPLATES.env.globals.update(
    plotly_js_path=PLOTLY_JS_PATH,
    severity_labels=SEVERITY_LABELS,
    blocker_labels=BLOCKER_LABELS,
    allocation_labels=ALLOCATION_LABELS,
    subject_label=subject_label,
    order_id_of=order_id_of,
)

#: the entity counts shown on the home page, in the order a distributor thinks of them
HEADLINE_ENTITIES: tuple[tuple[str, str], ...] = (
    ("warehouses", "Warehouses"),
    ("products", "Products (SKUs)"),
    ("customers", "Customers"),
    ("suppliers", "Suppliers"),
    ("sales_orders", "Sales orders"),
    ("sales_order_lines", "Sales order lines"),
    ("purchase_orders", "Purchase orders"),
    ("purchase_order_lines", "Purchase order lines"),
    ("stock", "Stock positions"),
    ("receipts", "Receipts"),
    ("invoices", "Invoices"),
    ("returns", "Returns"),
    ("picks", "Picks"),
    ("transfer_lanes", "Transfer lanes"),
)

#: incidents shown on the overview
TOP_INCIDENTS: Final = 5

#: orders per page of /orders
ORDERS_PER_PAGE: Final = 100

#: severities worst first, as the overview counts them
SEVERITIES_WORST_FIRST: Final = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)

_Choice = TypeVar("_Choice", ExceptionType, Severity)

#: how plotly.js may be cached: a year, since its path names its version
_LONG_CACHE: Final = "public, max-age=31536000, immutable"


# --- Overview --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PictureOverview:
    """What the overview shows of one picture: what is loaded, and where work stands."""

    summary: PictureSummary
    scope: PictureScope
    #: the query string that keeps links on this picture ("" when it is the only one)
    query: str
    severity_counts: list[tuple[Severity, int]]
    active_cases: int
    overdue_cases: int
    top_incidents: list[IncidentPublic]
    chart: str | None


def picture_overview(session: Session, summary: PictureSummary, *, alone: bool) -> PictureOverview:
    """One picture's overview; ``alone`` when it is the only picture (links need no company)."""
    company = summary.companies[0] if summary.companies else None
    scope = resolve_scope(session, None if alone else company)
    query = "" if alone or company is None else urlencode({"company": company})
    if scope.scan is None:
        return PictureOverview(summary, scope, query, [], 0, 0, [], None)
    active = queue_cases(session, scope, StateFilter.ACTIVE)
    by_severity = Counter(case.severity for case in active)
    now = queue_now(scope)
    incidents = incident_queue(scope, active, QueueFilters()).incidents
    figure = exceptions_by_type_figure(active)
    return PictureOverview(
        summary=summary,
        scope=scope,
        query=query,
        severity_counts=[(s, by_severity.get(s, 0)) for s in SEVERITIES_WORST_FIRST],
        active_cases=len(active),
        overdue_cases=sum(1 for case in active if case_public(case, now).overdue),
        top_incidents=incidents[:TOP_INCIDENTS],
        chart=figure_html(figure, f"chart-by-type-{summary.picture_id}") if figure else None,
    )


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> HTMLResponse:
    """Where work stands (when a scan exists) and what is loaded, per picture."""
    summaries = picture_summary(session)
    overviews = [
        picture_overview(session, summary, alone=len(summaries) == 1) for summary in summaries
    ]
    return TEMPLATES.TemplateResponse(
        request,
        "home.html",
        {
            "pictures": summaries,
            "overviews": overviews,
            "entities": HEADLINE_ENTITIES,
            "needs_chart": any(o.chart for o in overviews),
            "nav": "overview",
        },
    )


@router.get(PLOTLY_JS_PATH)
def plotly_script(request: Request) -> Response:
    """plotly.js from the installed package, compressed when the browser accepts it."""
    headers = {"Cache-Control": _LONG_CACHE, "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        body = plotly_js_gzipped()
    else:
        body = plotly_js()
    return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)


# --- Scope: which picture a page shows -------------------------------------------------


def _scope_or_notice(
    request: Request, session: Session, company: str | None, nav: str
) -> PictureScope | HTMLResponse:
    """The picture to show, or a page saying why there is none and what to do."""
    try:
        scope = resolve_scope(session, company)
    except PictureNotFoundError as error:
        nothing_loaded = company is None
        return _notice(
            request,
            nav,
            title="Nothing loaded yet" if nothing_loaded else "Unknown company",
            message=str(error) if not nothing_loaded else "Load a business to see it here.",
            command="controltower import path/to/dataset" if nothing_loaded else None,
            status_code=404,
        )
    except AmbiguousPictureError:
        return _choose_company(request, session, nav)
    if scope.scan is None:
        return _notice(
            request,
            nav,
            title="No scan yet",
            message="The business is loaded but has not been scanned, so nothing is known "
            "yet about orders at risk or exceptions. Run a scan:",
            command="controltower scan --db --as-of YYYY-MM-DD",
            status_code=200,
        )
    return scope


def _notice(
    request: Request,
    nav: str,
    *,
    title: str,
    message: str,
    command: str | None,
    status_code: int,
) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request,
        "notice.html",
        {"title": title, "message": message, "command": command, "nav": nav},
        status_code=status_code,
    )


def _choose_company(request: Request, session: Session, nav: str) -> HTMLResponse:
    companies = [company for s in picture_summary(session) for company in s.companies]
    return TEMPLATES.TemplateResponse(
        request,
        "notice.html",
        {
            "title": "Choose a company",
            "message": "Several businesses are loaded. Which one do you want to see?",
            "command": None,
            "companies": companies,
            "nav": nav,
        },
    )


def _company_query(scope: PictureScope, company: str | None) -> dict[str, str]:
    return {"company": company} if company else {}


def _blank_is_none(value: str | None) -> str | None:
    """A form's empty choice ("any") arrives as ``""``; it means no filter."""
    return value or None


# --- Orders ----------------------------------------------------------------------------


@router.get("/orders", response_class=HTMLResponse)
def orders_page(
    request: Request,
    session: SessionDep,
    show: Annotated[str, Query(pattern="^(at_risk|all)$")] = "at_risk",
    warehouse: str | None = None,
    status: str | None = None,
    company: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    """Open orders, at risk only by default, filterable by warehouse and status."""
    scope = _scope_or_notice(request, session, _blank_is_none(company), "orders")
    if isinstance(scope, HTMLResponse):
        return scope
    chosen_status = _status_or_none(status)
    chosen_warehouse = _blank_is_none(warehouse)
    listing = order_list(
        session,
        scope,
        at_risk=True if show == "at_risk" else None,
        status=chosen_status,
        warehouse=chosen_warehouse,
        limit=ORDERS_PER_PAGE,
        offset=(page - 1) * ORDERS_PER_PAGE,
    )
    base = {
        **_company_query(scope, company),
        **({"warehouse": chosen_warehouse} if chosen_warehouse else {}),
        **({"status": chosen_status.value} if chosen_status else {}),
    }
    return TEMPLATES.TemplateResponse(
        request,
        "orders.html",
        {
            "nav": "orders",
            "listing": listing,
            "show": show,
            "warehouse": chosen_warehouse,
            "status": chosen_status,
            "company": company,
            "page": page,
            "per_page": ORDERS_PER_PAGE,
            "warehouses": _warehouse_codes(session, scope),
            "statuses": list(ORDER_STATUS_LABELS.items()),
            "link": lambda **changes: (
                "/orders?" + urlencode(_merged(base, **{"show": show, **changes}))
            ),
            "order_query": urlencode(_company_query(scope, company)),
        },
    )


def _merged(base: dict[str, str], **changes: Any) -> dict[str, str]:
    """``base`` with ``changes`` applied (a None change removes the key)."""
    merged = dict(base)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return merged


def _status_or_none(value: str | None) -> OrderRiskStatus | None:
    try:
        return OrderRiskStatus(value) if value else None
    except ValueError:
        return None


def _warehouse_codes(session: Session, scope: PictureScope) -> list[tuple[str, str | None]]:
    for summary in picture_summary(session):
        if summary.picture_id == scope.picture_id:
            return [(code, name) for code, name, _ in summary.warehouses]
    return []


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(
    request: Request, session: SessionDep, order_id: str, company: str | None = None
) -> HTMLResponse:
    """One order: every line, the full explanation, its exceptions and status history."""
    scope = _scope_or_notice(request, session, _blank_is_none(company), "orders")
    if isinstance(scope, HTMLResponse):
        return scope
    order = order_detail(session, scope, order_id)
    if order is None:
        return _notice(
            request,
            "orders",
            title=f"Order {order_id} is not open",
            message=f"The latest scan has no open order {order_id}: it may have shipped, "
            "been cancelled, or belong to another company.",
            command=None,
            status_code=404,
        )
    subject = f"sales_order:{order_id}"
    now = queue_now(scope)
    cases = [
        case_public(case, now)
        for case in queue_cases(session, scope, StateFilter.ACTIVE)
        if case.subject == subject or subject in case.related
    ]
    return TEMPLATES.TemplateResponse(
        request,
        "order.html",
        {
            "nav": "orders",
            "order": order,
            "cases": cases,
            "status_labels": ORDER_STATUS_LABELS,
            "query": urlencode(_company_query(scope, company)),
        },
    )


# --- Exceptions ------------------------------------------------------------------------


@router.get("/exceptions", response_class=HTMLResponse)
def exceptions_page(
    request: Request,
    session: SessionDep,
    view: Annotated[str, Query(pattern="^(incidents|cases)$")] = "incidents",
    exception_type: Annotated[str | None, Query(alias="type")] = None,
    owner: str | None = None,
    severity: str | None = None,
    state: Annotated[str, Query(pattern="^(active|all)$")] = "active",
    company: str | None = None,
) -> HTMLResponse:
    """The queue, as incidents (default) or cases, filterable by type, owner, severity."""
    scope = _scope_or_notice(request, session, _blank_is_none(company), "exceptions")
    if isinstance(scope, HTMLResponse):
        return scope
    filters = QueueFilters(
        state=StateFilter(state),
        type=_enum_or_none(ExceptionType, exception_type),
        owner=_blank_is_none(owner),
        severity=_enum_or_none(Severity, severity),
    )
    cases = queue_cases(session, scope, filters.state)
    chosen_view = QueueView(view)
    queue = (
        incident_queue(scope, cases, filters)
        if chosen_view is QueueView.INCIDENTS
        else case_queue(scope, cases, filters)
    )
    base = {
        **_company_query(scope, company),
        **({"type": filters.type.value} if filters.type else {}),
        **({"owner": filters.owner} if filters.owner else {}),
        **({"severity": filters.severity.value} if filters.severity else {}),
        **({"state": filters.state.value} if filters.state is StateFilter.ALL else {}),
    }
    return TEMPLATES.TemplateResponse(
        request,
        "exceptions.html",
        {
            "nav": "exceptions",
            "view": chosen_view.value,
            "queue": queue,
            "filters": filters,
            "case_count": len(cases),
            # the tabs count everything in the chosen state; the count line, what is shown
            "incident_count": incident_queue(scope, cases, QueueFilters(filters.state)).total,
            "company": company,
            "types": sorted(
                {case.type for case in cases} | ({filters.type} if filters.type else set()),
                key=lambda t: EXCEPTION_TYPE_LABELS[t],
            ),
            "type_labels": EXCEPTION_TYPE_LABELS,
            "owners": sorted(
                {case.owner for case in cases} | ({filters.owner} if filters.owner else set())
            ),
            "severities": SEVERITIES_WORST_FIRST,
            "link": lambda **changes: "/exceptions?" + urlencode(_merged(base, **changes)),
            "query": urlencode(_company_query(scope, company)),
        },
    )


def _enum_or_none(kind: type[_Choice], value: str | None) -> _Choice | None:
    """The member named ``value``; an empty or unknown choice means no filter."""
    try:
        return kind(value) if value else None
    except ValueError:
        return None


@router.get("/exceptions/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request, session: SessionDep, case_id: str, company: str | None = None
) -> HTMLResponse:
    """One case: its facts, what to do, and its timeline (when, what, by whom, note)."""
    scope = _scope_or_notice(request, session, _blank_is_none(company), "exceptions")
    if isinstance(scope, HTMLResponse):
        return scope
    case = case_detail(session, scope, case_id)
    if case is None:
        return _notice(
            request,
            "exceptions",
            title="Case not found",
            message=f"No case {case_id} is filed under {', '.join(scope.companies)}.",
            command=None,
            status_code=404,
        )
    return TEMPLATES.TemplateResponse(
        request,
        "case.html",
        {
            "nav": "exceptions",
            "case": case,
            "scan": scope.scan,
            "query": urlencode(_company_query(scope, company)),
        },
    )
