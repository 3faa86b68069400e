"""Open orders: where each stood at the latest scan, and why.

The functions that build the responses (:func:`order_list`, :func:`order_detail`) are
public so the web pages show exactly what the API returns; the handlers only choose the
picture and pass the query on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi import status as http_status
from sqlalchemy.orm import Session

from controltower.api.deps import SessionDep
from controltower.api.labels import ORDER_STATUS_LABELS
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
from controltower.domain.analysis import LineOutcome, OrderOutcome, OrderRiskStatus
from controltower.storage.repository import (
    customer_names,
    order_risk_rows,
    order_status_history,
)

router = APIRouter(prefix="/api/orders", tags=["orders"])

#: the most orders one request returns
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


def urgency(order: OrderOutcome) -> tuple[bool, int, Decimal, str]:
    """Sort key, most urgent first: at risk, then latest (no ship date at all is latest),
    then the most money, then the order id so the order is stable."""
    lateness = order.days_late if order.days_late is not None else 10**9
    return (not order.at_risk, -lateness, -order.open_value, order.order_id)


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
        status_label=ORDER_STATUS_LABELS[order.status],
        allocation=order.allocation,
        blockers=list(order.blockers),
        promised_date=order.promised_date,
        projected_ship_date=order.projected_ship_date,
        days_late=order.days_late,
        at_risk=order.at_risk,
        open_value=order.open_value,
        explanation=list(order.explanation),
        lines=[line_public(line) for line in order.lines],
    )


def select_orders(
    orders: Iterable[OrderOutcome],
    *,
    at_risk: bool | None = None,
    status: OrderRiskStatus | None = None,
    warehouse: str | None = None,
) -> list[OrderOutcome]:
    """The orders passing every filter given (None: no filter), most urgent first."""
    chosen = [
        order
        for order in orders
        if (at_risk is None or order.at_risk is at_risk)
        and (status is None or order.status is status)
        and (warehouse is None or order.warehouse == warehouse)
    ]
    return sorted(chosen, key=urgency)


def order_list(
    session: Session,
    scope: PictureScope,
    *,
    at_risk: bool | None = None,
    status: OrderRiskStatus | None = None,
    warehouse: str | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> OrderListPublic:
    """A page of the picture's stored order risk, filtered, most urgent first."""
    scan = require_scan(scope)
    outcomes = [row.outcome for row in order_risk_rows(session, scope.picture_id)]
    chosen = select_orders(outcomes, at_risk=at_risk, status=status, warehouse=warehouse)
    page = chosen[offset : offset + limit]
    names = customer_names(session, scope.picture_id, (o.customer for o in page))
    return OrderListPublic(
        picture_id=scope.picture_id,
        companies=list(scope.companies),
        scan=scan_public(scan),
        total=len(chosen),
        limit=limit,
        offset=offset,
        orders=[order_public(order, names.get(order.customer)) for order in page],
    )


def order_detail(session: Session, scope: PictureScope, order_id: str) -> OrderDetailPublic | None:
    """One open order with its lines and status history (None when the scan did not see it)."""
    scan = require_scan(scope)
    found = _find_order(session, scope.picture_id, order_id)
    if found is None:
        return None
    names = customer_names(session, scope.picture_id, [found.customer])
    public = order_public(found, names.get(found.customer))
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


def _find_order(session: Session, picture_id: int, order_id: str) -> OrderOutcome | None:
    rows: Mapping[str, OrderOutcome] = {
        row.outcome.order_id: row.outcome for row in order_risk_rows(session, picture_id)
    }
    return rows.get(order_id)


@router.get("", response_model=OrderListPublic, summary="Open orders and where each stands")
def list_orders(
    session: SessionDep,
    scope: ScopeDep,
    at_risk: Annotated[
        bool | None, Query(description="Only orders at risk (true) or on track (false).")
    ] = None,
    status: Annotated[
        OrderRiskStatus | None, Query(description="Only orders with this risk status.")
    ] = None,
    warehouse: Annotated[
        str | None, Query(min_length=1, description="Only orders shipping from this warehouse.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Orders per page.")] = (
        DEFAULT_LIMIT
    ),
    offset: Annotated[int, Query(ge=0, description="Orders to skip.")] = 0,
) -> OrderListPublic:
    """The stored order risk of the latest scan: status, allocation, blockers, projected
    and promised dates, days late, open value, explanation and lines. Most urgent first:
    at risk, then latest, then most valuable."""
    return order_list(
        session,
        scope,
        at_risk=at_risk,
        status=status,
        warehouse=warehouse,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/{order_id}", response_model=OrderDetailPublic, summary="One order, its lines and history"
)
def get_order(
    session: SessionDep,
    scope: ScopeDep,
    order_id: Annotated[str, Path(description="The sales order id, e.g. SO100753.")],
) -> OrderDetailPublic:
    """One open order with every line and every recorded change of its risk status."""
    found = order_detail(session, scope, order_id)
    if found is None:
        raise HTTPException(
            http_status.HTTP_404_NOT_FOUND, detail=order_not_found_message(scope, order_id)
        )
    return found
