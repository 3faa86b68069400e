"""Downloads of the list pages: ``/exceptions/export.csv`` (or ``.xlsx``) and
``/orders/export.csv`` (or ``.xlsx``), with the page's own query string.

A download reads its query exactly as its page does (``queue_query``, ``order_query``),
so it holds the list the page shows, every page of it, with the same columns
(``api.list_exports``), in the page's order; the exceptions page's view (incidents or
cases) decides which. A filter the page cannot read is answered with the page's notice
(400) rather than a file of something else. A download needs the export permission.

This router is included before the orders pages, so ``/orders/export.csv`` is not taken
for an order id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from controltower.api.auth import Authenticated, require_on_page
from controltower.api.deps import SessionDep
from controltower.api.export import ExportFormat, export_response
from controltower.api.list_exports import (
    CASE_COLUMNS,
    INCIDENT_COLUMNS,
    ORDER_COLUMNS,
    case_rows,
    incident_rows,
    order_rows,
)
from controltower.api.queue_filters import QueueView
from controltower.api.routes.exports import file_name, session_opener
from controltower.domain.people import Permission
from controltower.web.order_query import read_order_page
from controltower.web.page_support import (
    QueryReading,
    blank_is_none,
    not_found,
    notice,
    scope_or_notice,
)
from controltower.web.queue_query import read_queue_page

router = APIRouter(include_in_schema=False)

Exporter = Annotated[Authenticated, Depends(require_on_page(Permission.EXPORT))]


@router.get("/exceptions/export.{extension}")
def export_queue(
    request: Request,
    session: SessionDep,
    visitor: Exporter,
    extension: str,
    company: str | None = None,
) -> Response:
    """The exceptions page's list (incidents or cases, every page) as a file."""
    company = blank_is_none(company)
    fmt = _format(extension)
    if fmt is None:
        return _no_such_file(request, "exceptions", extension)
    scope = scope_or_notice(request, session, company, "exceptions", visitor.principal)
    if isinstance(scope, HTMLResponse):
        return scope
    reading = QueryReading()
    query = read_queue_page(request, session, scope, visitor.principal, reading, company)
    if reading.problems:
        return _not_understood(request, "exceptions", reading.problems)
    opener = session_opener(request)
    if query.view is QueueView.INCIDENTS:
        rows = incident_rows(opener, scope, query.filters)
        return export_response(INCIDENT_COLUMNS, rows, file_name("incidents", scope), fmt)
    cases = case_rows(opener, scope, query.filters, query.order)
    return export_response(CASE_COLUMNS, cases, file_name("cases", scope), fmt)


@router.get("/orders/export.{extension}")
def export_orders(
    request: Request,
    session: SessionDep,
    visitor: Exporter,
    extension: str,
    company: str | None = None,
) -> Response:
    """The orders page's list (every page) as a file."""
    company = blank_is_none(company)
    fmt = _format(extension)
    if fmt is None:
        return _no_such_file(request, "orders", extension)
    scope = scope_or_notice(request, session, company, "orders", visitor.principal)
    if isinstance(scope, HTMLResponse):
        return scope
    reading = QueryReading()
    query = read_order_page(request, session, scope, reading, company)
    if reading.problems:
        return _not_understood(request, "orders", reading.problems)
    rows = order_rows(session_opener(request), scope, query.filters, query.order)
    return export_response(ORDER_COLUMNS, rows, file_name("orders", scope), fmt)


def _format(extension: str) -> ExportFormat | None:
    try:
        return ExportFormat(extension)
    except ValueError:
        return None


def _no_such_file(request: Request, nav: str, extension: str) -> HTMLResponse:
    known = " or ".join(f".{f.value}" for f in ExportFormat)
    return not_found(
        request,
        nav,
        title="No such download",
        message=f"A list downloads as {known}, not .{extension}.",
    )


def _not_understood(request: Request, nav: str, problems: list[str]) -> HTMLResponse:
    return notice(
        request,
        nav,
        title="Some of what was asked for was not understood",
        message=" ".join(problems) + " Nothing was downloaded; fix the filters and try again.",
        command=None,
        status_code=400,
    )
