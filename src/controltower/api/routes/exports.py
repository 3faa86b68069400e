"""Downloads of the lists: ``GET /api/exceptions/export`` and ``GET /api/orders/export``.

Each takes the same filters and sort as its list (``/api/exceptions``, ``/api/orders``)
and ``format=csv`` or ``format=xlsx``, and answers the whole filtered list as a file
(:mod:`controltower.api.export` says how each format is written). The file is written
while the rows are read, a chunk at a time, so its size is not held in memory. A
download needs the export permission; filters are checked as for the list (422 naming
the parameter).

This router is included before the orders router, so ``/api/orders/export`` is not
taken for an order id.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from controltower.api.auth import require
from controltower.api.export import ExportFormat, export_response
from controltower.api.list_exports import (
    CASE_COLUMNS,
    INCIDENT_COLUMNS,
    ORDER_COLUMNS,
    case_rows,
    incident_rows,
    order_rows,
)
from controltower.api.order_filters import OrderFiltersDep, OrderListOrderDep
from controltower.api.queue_filters import QueueFiltersDep, QueueView
from controltower.api.routes.exceptions import CaseOrderDep
from controltower.api.scope import PictureScope, ScannedScopeDep, ScopeDep, require_scan
from controltower.domain.people import Permission

router = APIRouter(tags=["exports"], dependencies=[Depends(require(Permission.EXPORT))])

#: what the OpenAPI description says a download answers
_FILE_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "description": "The list as a file (attachment).",
        "content": {ExportFormat.CSV.media_type: {}, ExportFormat.XLSX.media_type: {}},
    }
}

FormatQuery = Annotated[
    ExportFormat, Query(alias="format", description="csv (UTF-8 with BOM) or xlsx (Excel).")
]


def session_opener(request: Request) -> sessionmaker[Session]:
    """The app's session factory: a download reads each chunk in a session of its own."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def file_name(kind: str, scope: PictureScope) -> str:
    """``cases-ACME-2026-11-25``: what, whose, and as of which scan."""
    as_of = f"-{scope.scan.as_of.isoformat()}" if scope.scan is not None else ""
    return f"{kind}-{'-'.join(scope.companies)}{as_of}"


@router.get(
    "/api/exceptions/export",
    response_class=StreamingResponse,
    responses=_FILE_RESPONSES,
    summary="The exception queue, filtered, as a CSV or Excel file",
)
def export_exceptions(
    request: Request,
    scope: ScannedScopeDep,
    filters: QueueFiltersDep,
    order: CaseOrderDep,
    file_format: FormatQuery,
    view: Annotated[
        QueueView,
        Query(description="cases: one row per case; incidents: cases grouped by root cause."),
    ] = QueueView.CASES,
) -> StreamingResponse:
    """Every case (or incident) the filters match, in the list's order, with the
    columns of the exceptions page."""
    opener = session_opener(request)
    if view is QueueView.INCIDENTS:
        incidents = incident_rows(opener, scope, filters)
        return export_response(
            INCIDENT_COLUMNS, incidents, file_name("incidents", scope), file_format
        )
    cases = case_rows(opener, scope, filters, order)
    return export_response(CASE_COLUMNS, cases, file_name("cases", scope), file_format)


@router.get(
    "/api/orders/export",
    response_class=StreamingResponse,
    responses=_FILE_RESPONSES,
    summary="Open orders, filtered, as a CSV or Excel file",
)
def export_orders(
    request: Request,
    scope: ScopeDep,
    filters: OrderFiltersDep,
    order: OrderListOrderDep,
    file_format: FormatQuery,
) -> StreamingResponse:
    """Every open order the filters match, in the list's order, with the columns of the
    orders page."""
    require_scan(scope)
    orders = order_rows(session_opener(request), scope, filters, order)
    return export_response(ORDER_COLUMNS, orders, file_name("orders", scope), file_format)
