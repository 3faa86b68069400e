"""The orders pages: open orders a page at a time, and one order in full."""

from __future__ import annotations

from dataclasses import replace
from typing import Final
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from controltower.api.auth import VisitorDep
from controltower.api.deps import SessionDep
from controltower.api.entity_links import NamedCode, requested_code
from controltower.api.labels import ORDER_STATUS_LABELS
from controltower.api.picture_codes import visible_warehouses
from controltower.api.routes.exceptions import cases_naming_order
from controltower.api.routes.orders import order_detail, order_list
from controltower.storage.queries import OrderSort, PageRequest
from controltower.web.assets import TEMPLATES
from controltower.web.list_controls import ListLink, chips_of, sort_header
from controltower.web.list_tools import list_tools
from controltower.web.order_query import (
    chosen_filters,
    order_choices,
    order_link,
    read_order_page,
    sort_words,
)
from controltower.web.page_support import (
    QueryReading,
    blank_is_none,
    company_query,
    list_status,
    not_found,
    pager_for,
    scope_or_notice,
    within_last_page,
)

router = APIRouter(include_in_schema=False)

#: orders per page of /orders
ORDERS_PER_PAGE: Final = 100

#: the sortable columns: (heading, the sort it stands for)
SORTED_COLUMNS: Final = (
    ("order", OrderSort.ORDER_ID),
    ("customer", OrderSort.CUSTOMER),
    ("warehouse", OrderSort.WAREHOUSE),
    ("promised", OrderSort.PROMISED_DATE),
    ("days_late", OrderSort.DAYS_LATE),
    ("value", OrderSort.VALUE),
)


@router.get("/orders", response_class=HTMLResponse)
def orders_page(
    request: Request,
    session: SessionDep,
    visitor: VisitorDep,
    company: str | None = None,
) -> HTMLResponse:
    """Open orders, at risk only by default: filtered, sorted and paged by the database.
    Status, warehouse and customer may each hold several values."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "orders", visitor.principal)
    if isinstance(scope, HTMLResponse):
        return scope
    reading = QueryReading()
    query = read_order_page(request, session, scope, reading, company)
    listing, asked = within_last_page(
        query.number,
        lambda number: order_list(
            session,
            scope,
            query.filters,
            sort=query.order.sort,
            reverse=query.order.reverse,
            page=PageRequest(number=number, size=ORDERS_PER_PAGE),
            with_lines=False,
        ),
    )
    shown_pager = pager_for(
        total=listing.total,
        number=listing.page,
        size=listing.page_size,
        offset=listing.offset,
        shown=len(listing.items),
        asked=asked,
    )
    chosen = chosen_filters(query.filters)
    link = order_link(replace(query, number=listing.page), chosen)
    order = query.order
    return TEMPLATES.TemplateResponse(
        request,
        "orders.html",
        {
            "nav": "orders",
            "listing": listing,
            "pager": shown_pager,
            "show": query.show,
            "filters": query.filters,
            "chips": chips_of(chosen, link),
            "choices": order_choices(query.filters, visible_warehouses(session, scope)),
            "customers": sorted(query.filters.customers or ()),
            "sort": order.sort,
            "direction": order.direction.value if order.reverse else None,
            "order_words": sort_words(order),
            "headers": {
                name: sort_header(
                    link, sort, order.sort, order.direction, default=OrderSort.URGENCY
                )
                for name, sort in SORTED_COLUMNS
            },
            "company": company,
            "problems": reading.problems,
            "link": link,
            "clear": ListLink("/orders", (*company_query(company).items(), ("show", query.show))),
            "order_query": urlencode(company_query(company)),
            "filtered": bool(chosen),
            "tools": list_tools(session, visitor, "orders", link),
        },
        status_code=list_status(reading),
    )


@router.get("/orders/{order_id:path}", response_class=HTMLResponse)
def order_page(
    request: Request,
    session: SessionDep,
    visitor: VisitorDep,
    order_id: str,
    company: str | None = None,
    named: NamedCode = None,
) -> HTMLResponse:
    """One order: every line, the full explanation, its exceptions and status history.
    The id is URL-encoded whole; ``/orders/?id=..`` names one no path can carry."""
    order_id = requested_code(order_id, named)
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "orders", visitor.principal)
    if isinstance(scope, HTMLResponse):
        return scope
    order = order_detail(session, scope, order_id)
    if order is None:
        return not_found(
            request,
            "orders",
            title=f"Order {order_id} is not open",
            message=f"The latest scan has no open order {order_id}: it may have shipped, "
            "been cancelled, or belong to another company.",
        )
    query = company_query(company)
    return TEMPLATES.TemplateResponse(
        request,
        "order.html",
        {
            "nav": "orders",
            "order": order,
            "cases": cases_naming_order(session, scope, order),
            "status_labels": ORDER_STATUS_LABELS,
            "query": urlencode(query),
        },
    )
