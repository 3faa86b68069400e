"""Open orders: where each stood at the latest scan, and why.

The functions that build the responses (:func:`order_list`, :func:`order_detail`) are
public so the web pages show exactly what the API returns; the handlers only choose the
picture and pass the query on. Filtering, sorting, counting and paging happen in the
database (:mod:`controltower.storage.queries`): a response holds one page, never the
whole book.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Final

from fastapi import APIRouter, HTTPException, Path
from fastapi import status as http_status
from sqlalchemy.orm import Session

from controltower.api.deps import SessionDep
from controltower.api.entity_links import NamedCode, requested_code
from controltower.api.labels import ORDER_STATUS_LABELS, order_status_label
from controltower.api.order_filters import OrderFiltersDep, OrderListOrderDep
from controltower.api.paging import PageParams, page_request
from controltower.api.picture_codes import warehouse_codes as warehouse_codes
from controltower.api.schemas import (
    HeldPegPublic,
    InboundPegPublic,
    OrderDetailPublic,
    OrderLinePublic,
    OrderListPublic,
    OrderPublic,
    StatusChangePublic,
    TransferAlternativePublic,
)
from controltower.api.scope import PictureScope, ScopeDep, require_scan, scan_public
from controltower.domain.analysis import LineOutcome, OrderOutcome
from controltower.storage.memo import Memo
from controltower.storage.queries import (
    OrderFilters,
    OrderSort,
    PageRequest,
    open_order,
    open_orders,
)
from controltower.storage.repository import (
    LINES_REMEMBERED,
    customer_names,
    order_status_history,
)

router = APIRouter(prefix="/api/orders", tags=["orders"])

#: orders per page when the client does not say
DEFAULT_PAGE_SIZE: Final = 50


def line_public(line: LineOutcome) -> OrderLinePublic:
    return OrderLinePublic(
        line=line.line,
        sku=line.sku,
        warehouse=line.warehouse,
        open_qty=line.open_qty,
        from_stock=line.from_stock,
        from_quality_hold=[
            HeldPegPublic(qty=peg.qty, available_date=peg.available_date)
            for peg in line.from_quality_hold
        ],
        from_inbound=[
            InboundPegPublic(
                po_id=peg.po_id, line=peg.line, qty=peg.qty, available_date=peg.available_date
            )
            for peg in line.from_inbound
        ],
        short_qty=line.short_qty,
        projected_date=line.projected_date,
        supply_date=line.supply_date,
        capacity_delay_days=line.capacity_delay_days,
        unit_price=line.unit_price,
        alternatives=[
            TransferAlternativePublic(
                from_warehouse=alt.from_warehouse,
                free_qty=alt.free_qty,
                transit_days=alt.transit_days,
                arrival_date=alt.arrival_date,
                makes_promise=alt.makes_promise,
            )
            for alt in line.alternatives
        ],
    )


def order_public(order: OrderOutcome, customer_name: str | None) -> OrderPublic:
    return OrderPublic(
        order_id=order.order_id,
        customer=order.customer,
        customer_name=customer_name,
        warehouse=order.warehouse,
        status=order.status,
        status_label=order_status_label(order.status, order.at_risk),
        allocation=order.allocation,
        blockers=list(order.blockers),
        promised_date=order.promised_date,
        projected_ship_date=order.projected_ship_date,
        days_late=order.days_late,
        at_risk=order.at_risk,
        open_value=order.open_value,
        explanation=list(order.explanation),
        lines=lines_public(order.lines),
    )


#: the public models of the lines read lately, counted in lines: the stored orders'
#: lines are shared by every request that reads them
#: (:func:`~controltower.storage.repository.line_outcomes`), and so are their models,
#: built once rather than for every request (about a quarter of a list's answer)
_PUBLIC_LINES: Final = Memo(LINES_REMEMBERED)


def lines_public(lines: tuple[LineOutcome, ...]) -> list[OrderLinePublic]:
    """The public models of an order's ``lines``, remembered by the tuple itself.

    Keyed by the tuple's identity, and kept with the tuple: while it is kept nothing
    else can have its identity, and a tuple of frozen lines never changes. Lines read
    afresh (not shared) are a new tuple, so they are only ever converted, never
    mistaken for another. The list is shared: callers must not change it.
    """
    if not lines:
        return []
    kept: tuple[tuple[LineOutcome, ...], list[OrderLinePublic]] | None = _PUBLIC_LINES.get(
        id(lines)
    )
    if kept is not None and kept[0] is lines:
        return kept[1]
    public = [line_public(line) for line in lines]
    _PUBLIC_LINES.put(id(lines), (lines, public), len(lines))
    return public


def forget_public_lines() -> None:
    """Drop the public line models kept (for tests, or to give the memory back)."""
    _PUBLIC_LINES.clear()


def order_list(
    session: Session,
    scope: PictureScope,
    filters: OrderFilters = OrderFilters(),
    *,
    sort: OrderSort = OrderSort.URGENCY,
    reverse: bool = False,
    page: PageRequest = PageRequest(size=DEFAULT_PAGE_SIZE),
    with_lines: bool = True,
) -> OrderListPublic:
    """A page of the picture's stored order risk, filtered and sorted in the database
    (``reverse``: the sort read the other way round).

    ``with_lines=False`` leaves every order's ``lines`` empty, for a list that does not
    show them (the orders page).
    """
    scan = require_scan(scope)
    found = open_orders(
        session,
        scope.picture_id,
        replace(filters, visible=scope.visible),
        sort=sort,
        reverse=reverse,
        page=page,
        with_lines=with_lines,
    )
    names = customer_names(session, scope.picture_id, (row.outcome.customer for row in found.items))
    return OrderListPublic(
        picture_id=scope.picture_id,
        companies=list(scope.companies),
        scan=scan_public(scan),
        sort=sort,
        items=[order_public(row.outcome, names.get(row.outcome.customer)) for row in found.items],
        total=found.total,
        page=found.number,
        page_size=found.size,
        last_page=found.last_number,
        offset=found.offset,
        limit=found.size,
    )


def order_detail(session: Session, scope: PictureScope, order_id: str) -> OrderDetailPublic | None:
    """One open order with its lines and status history (None when the scan did not see it)."""
    scan = require_scan(scope)
    found = open_order(session, scope.picture_id, order_id, visible=scope.visible)
    if found is None:
        return None
    outcome = found.outcome
    names = customer_names(session, scope.picture_id, [outcome.customer])
    public = order_public(outcome, names.get(outcome.customer))
    history = [
        StatusChangePublic(
            scan_run_id=change.scan_run_id,
            as_of=change.as_of,
            from_status=change.from_status,
            to_status=change.to_status,
            to_status_label=ORDER_STATUS_LABELS[change.to_status],
            changed_at=change.changed_at,
        )
        for change in order_status_history(session, scope.picture_id, order_id)
    ]
    return OrderDetailPublic(
        **public.model_dump(),
        picture_id=scope.picture_id,
        scan=scan_public(scan),
        status_history=history,
    )


def order_not_found_message(scope: PictureScope, order_id: str) -> str:
    scan = require_scan(scope)
    return (
        f"order {order_id!r} is not an open order of the latest scan (scan run "
        f"{scan.scan_run_id} as of {scan.as_of.isoformat()}, companies "
        f"{', '.join(scope.companies)})"
    )


@router.get("", response_model=OrderListPublic, summary="Open orders and where each stands")
def list_orders(
    session: SessionDep,
    scope: ScopeDep,
    paging: PageParams,
    filters: OrderFiltersDep,
    order: OrderListOrderDep,
) -> OrderListPublic:
    """The stored order risk of the latest scan, one page at a time: status, allocation,
    blockers, projected and promised dates, days late, open value, explanation and
    lines. ``status``, ``warehouse`` and ``customer`` may be repeated to mean any of
    their values. ``total`` counts every order the filters match."""
    return order_list(
        session,
        scope,
        filters,
        sort=order.sort,
        reverse=order.reverse,
        page=page_request(paging, default_size=DEFAULT_PAGE_SIZE),
    )


@router.get(
    "/{order_id:path}", response_model=OrderDetailPublic, summary="One order, its lines and history"
)
def get_order(
    session: SessionDep,
    scope: ScopeDep,
    order_id: Annotated[str, Path(description="The sales order id, e.g. SO100753.")],
    named: NamedCode = None,
) -> OrderDetailPublic:
    """One open order with every line and every recorded change of its risk status.
    The id is URL-encoded whole (`SO%2F2026%2F0001`); `/api/orders/?id=..` names an id
    no path can carry."""
    order_id = requested_code(order_id, named)
    found = order_detail(session, scope, order_id)
    if found is None:
        raise HTTPException(
            http_status.HTTP_404_NOT_FOUND, detail=order_not_found_message(scope, order_id)
        )
    return found
