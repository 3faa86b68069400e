"""The orders pages: open orders a page at a time, and one order in full."""

from __future__ import annotations

from typing import Final
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from controltower.api.deps import SessionDep
from controltower.api.labels import ORDER_STATUS_LABELS
from controltower.api.routes.exceptions import cases_naming_order
from controltower.api.routes.orders import (
    customer_exists,
    order_detail,
    order_list,
)
from controltower.domain.analysis import OrderRiskStatus
from controltower.storage.queries import OrderFilters, OrderSort, PageRequest
from controltower.storage.repository import picture_summary
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

#: orders per page of /orders
ORDERS_PER_PAGE: Final = 100

#: the tabs of /orders: which orders each shows
SHOW_CHOICES: Final = {"at_risk": True, "all": None}

#: how each sort reads in the sort menu and the count line
SORT_LABELS: Final[dict[OrderSort, str]] = {
    OrderSort.URGENCY: "Most urgent first",
    OrderSort.DAYS_LATE: "Latest first",
    OrderSort.VALUE: "Most valuable first",
    OrderSort.PROMISED_DATE: "Promised soonest first",
    OrderSort.ORDER_ID: "By order number",
}


@router.get("/orders", response_class=HTMLResponse)
def orders_page(
    request: Request,
    session: SessionDep,
    show: str | None = None,
    warehouse: str | None = None,
    status: str | None = None,
    customer: str | None = None,
    q: str | None = None,
    sort: str | None = None,
    company: str | None = None,
    page: str | None = None,
) -> HTMLResponse:
    """Open orders, at risk only by default: filtered, sorted and paged by the database."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "orders")
    if isinstance(scope, HTMLResponse):
        return scope
    reading = QueryReading()
    shown = reading.one_of(show, SHOW_CHOICES, "list of orders") or "at_risk"
    warehouses = _warehouses(session, scope.picture_id)
    chosen_warehouse = reading.one_of(warehouse, dict(warehouses), "warehouse")
    chosen_status = reading.choice(OrderRiskStatus, status, "status", ORDER_STATUS_LABELS)
    chosen_customer = reading.text(customer, "customer")
    if chosen_customer is not None and not customer_exists(session, scope, chosen_customer):
        reading.problems.append(f"There is no customer “{chosen_customer}”.")
        chosen_customer = None
    search = reading.text(q, "search")
    chosen_sort = reading.choice(OrderSort, sort, "sort order", SORT_LABELS) or OrderSort.URGENCY
    number = reading.page_number(page)

    filters = OrderFilters(
        at_risk=SHOW_CHOICES[shown],
        status=chosen_status,
        warehouse=chosen_warehouse,
        customer=chosen_customer,
        q=search,
    )
    listing = order_list(
        session,
        scope,
        filters,
        sort=chosen_sort,
        page=PageRequest(number=number, size=ORDERS_PER_PAGE),
        with_lines=False,
    )
    shown_pager = pager_for(
        total=listing.total,
        number=listing.page,
        size=listing.page_size,
        offset=listing.offset,
        shown=len(listing.items),
    )
    base = {
        **company_query(company),
        "show": shown,
        **({"warehouse": chosen_warehouse} if chosen_warehouse else {}),
        **({"status": chosen_status.value} if chosen_status else {}),
        **({"customer": chosen_customer} if chosen_customer else {}),
        **({"q": search} if search else {}),
        **({"sort": chosen_sort.value} if chosen_sort is not OrderSort.URGENCY else {}),
        **({"page": str(number)} if number > 1 else {}),
    }
    return TEMPLATES.TemplateResponse(
        request,
        "orders.html",
        {
            "nav": "orders",
            "listing": listing,
            "pager": shown_pager,
            "show": shown,
            "warehouse": chosen_warehouse,
            "status": chosen_status,
            "customer": chosen_customer,
            "q": search,
            "sort": chosen_sort,
            "sorts": list(SORT_LABELS.items()),
            "company": company,
            "warehouses": warehouses,
            "statuses": list(ORDER_STATUS_LABELS.items()),
            "problems": reading.problems,
            "link": linker("/orders", base),
            "order_query": urlencode(company_query(company)),
            "filtered": bool(chosen_warehouse or chosen_status or chosen_customer or search),
        },
        status_code=list_status(reading, shown_pager),
    )


def _warehouses(session: Session, picture_id: int) -> list[tuple[str, str | None]]:
    for summary in picture_summary(session):
        if summary.picture_id == picture_id:
            return [(code, name) for code, name, _ in summary.warehouses]
    return []


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(
    request: Request, session: SessionDep, order_id: str, company: str | None = None
) -> HTMLResponse:
    """One order: every line, the full explanation, its exceptions and status history."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "orders")
    if isinstance(scope, HTMLResponse):
        return scope
    order = order_detail(session, scope, order_id)
    if order is None:
        return notice(
            request,
            "orders",
            title=f"Order {order_id} is not open",
            message=f"The latest scan has no open order {order_id}: it may have shipped, "
            "been cancelled, or belong to another company.",
            command=None,
            status_code=404,
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
