"""Server-rendered pages. Thin: read what is stored through the API's builders, render.

Every page shows the same data the JSON API returns (the builders of
``controltower.api.routes`` make both), in plain words: labels instead of codes,
money with two decimals, severities in colour. No JavaScript framework; the one chart
uses plotly.js served from the installed package.

Lists are read a page at a time by the database (``controltower.storage.queries``), so
no page grows with the size of the business. The overview and the plotly.js route live
here; the orders pages in ``orders_pages``, the queue in ``exceptions_pages``, one case
and what people do to cases in ``case_pages``, what they share in ``page_support``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from controltower.api.auth import VisitorDep
from controltower.api.deps import SessionDep
from controltower.api.labels import (
    ALLOCATION_LABELS,
    BLOCKER_LABELS,
    ORDER_STATUS_LABELS,
    SEVERITY_LABELS,
    order_id_of,
    order_status_label,
    subject_label,
)
from controltower.api.routes.exceptions import QueueFilters, incident_queue, queue_now
from controltower.api.schemas import IncidentPublic
from controltower.api.scope import PictureScope, resolve_scope
from controltower.domain.cases import Severity
from controltower.domain.people import Principal
from controltower.storage.queries import (
    PageRequest,
    StatusCount,
    active_case_counts,
    order_status_counts,
)
from controltower.storage.repository import PictureSummary, picture_summary
from controltower.web import case_pages, exceptions_pages, orders_pages
from controltower.web.assets import TEMPLATES
from controltower.web.charts import (
    CHART_SEVERITIES,
    PLOTLY_JS_PATH,
    ChartRow,
    exceptions_by_type_figure,
    exceptions_by_type_rows,
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
    chart_severities=CHART_SEVERITIES,
    blocker_labels=BLOCKER_LABELS,
    allocation_labels=ALLOCATION_LABELS,
    status_labels=ORDER_STATUS_LABELS,
    order_status_label=order_status_label,
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

#: severities worst first, as the overview counts them
SEVERITIES_WORST_FIRST: Final = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)

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
    #: the orders at risk per reason (status), the most first
    at_risk_by_status: list[StatusCount]
    chart: str | None
    #: the chart's numbers as a table (its text alternative)
    chart_rows: list[ChartRow]


def picture_overview(
    session: Session, summary: PictureSummary, *, alone: bool, principal: Principal
) -> PictureOverview:
    """One picture's overview; ``alone`` when it is the only picture (links need no company).

    Every number is an aggregate the database computes (counts, sums, the top five
    incidents); no order or case list is read.
    """
    company = next((c for c in summary.companies if principal.scope.covers_company(c)), None)
    scope = resolve_scope(session, None if alone else company, principal)
    query = "" if alone or company is None else urlencode({"company": company})
    if scope.scan is None:
        return PictureOverview(summary, scope, query, [], 0, 0, [], [], None, [])
    counts = active_case_counts(
        session, scope.picture_id, now=queue_now(scope), visible=scope.visible
    )
    top = incident_queue(session, scope, QueueFilters(), page=PageRequest(size=TOP_INCIDENTS))
    figure = exceptions_by_type_figure(counts.by_type_and_severity)
    return PictureOverview(
        summary=summary,
        scope=scope,
        query=query,
        severity_counts=[(s, counts.by_severity(s)) for s in SEVERITIES_WORST_FIRST],
        active_cases=counts.total,
        overdue_cases=counts.overdue,
        top_incidents=top.items,
        at_risk_by_status=order_status_counts(
            session, scope.picture_id, at_risk=True, visible=scope.visible
        ),
        chart=figure_html(figure, f"chart-by-type-{summary.picture_id}") if figure else None,
        chart_rows=exceptions_by_type_rows(counts.by_type_and_severity),
    )


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, visitor: VisitorDep) -> HTMLResponse:
    """Where work stands (when a scan exists) and what is loaded, per picture the visitor
    may see."""
    principal = visitor.principal
    summaries = [
        summary
        for summary in picture_summary(session)
        if any(principal.scope.covers_company(c) for c in summary.companies)
    ]
    overviews = [
        picture_overview(session, summary, alone=len(summaries) == 1, principal=principal)
        for summary in summaries
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


router.include_router(orders_pages.router)
router.include_router(exceptions_pages.router)
router.include_router(case_pages.router)
