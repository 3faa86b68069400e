"""What narrows the list of open orders, and how a request says it.

``status``, ``warehouse`` and ``customer`` may each be given several times and then
match any of their values; ``at_risk`` is true or false (both: either); ``min_value`` is
a least open value; ``q`` is the start of an order id or customer code. Warehouses and
customers nobody has are refused (422 on the API, a notice on the page): they would
match nothing and are most likely typos.

:func:`read_order_filters` reads them for the API and the pages alike (through a
:class:`~controltower.api.list_params.FilterReader`); :data:`OrderFiltersDep` is the
API's dependency and :data:`OrderListOrderDep` its sort.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.orm import Session

from controltower.api.deps import SessionDep
from controltower.api.list_params import ApiFilterReader, FilterReader
from controltower.api.picture_codes import warehouse_codes
from controltower.api.scope import PictureScope, ScopeDep, require_scan
from controltower.domain.analysis import OrderRiskStatus
from controltower.storage.queries import (
    OrderFilters,
    OrderSort,
    SortDirection,
    direction_of,
    known_customers,
    reverse_for,
)


@dataclass(frozen=True, slots=True)
class OrderListOrder:
    """How the orders are sorted: a sort, read the other way round when ``reverse``."""

    sort: OrderSort = OrderSort.URGENCY
    reverse: bool = False

    @property
    def direction(self) -> SortDirection:
        return direction_of(self.sort.descending, self.reverse)


def read_order_filters(
    reader: FilterReader,
    values: Callable[[str], Sequence[str]],
    *,
    session: Session,
    scope: PictureScope,
) -> OrderFilters:
    """The order filters a query string says (``values(name)``: every value given for
    ``name``); what cannot be read, or names a warehouse or customer the picture does not
    have, is told to ``reader`` and left out."""
    customers = reader.texts(values("customer"), "customer", "customer")
    return OrderFilters(
        at_risk=reader.flag(values("at_risk"), "at_risk", "at risk"),
        statuses=reader.choices(OrderRiskStatus, values("status"), "status", "status"),
        warehouses=reader.known(
            reader.texts(values("warehouse"), "warehouse", "warehouse"),
            warehouse_codes(session, scope),
            "warehouse",
            "warehouse",
        ),
        customers=reader.known(
            customers,
            known_customers(session, scope.picture_id, customers or ()),
            "customer",
            "customer",
            listed=False,
        ),
        min_value=reader.amount(values("min_value"), "min_value", "least open value"),
        q=reader.text(values("q"), "q", "search"),
    )


def order_filters(
    session: SessionDep,
    scope: ScopeDep,
    at_risk: Annotated[
        list[str] | None,
        Query(description="Only orders at risk (true) or on track (false); both: either."),
    ] = None,
    status: Annotated[list[str] | None, Query(description="Risk statuses (repeatable).")] = None,
    warehouse: Annotated[
        list[str] | None,
        Query(description="Orders shipping from these warehouses, by code (repeatable)."),
    ] = None,
    customer: Annotated[
        list[str] | None, Query(description="These customers' orders, by code (repeatable).")
    ] = None,
    min_value: Annotated[
        str | None, Query(description="Only orders with at least this much open value.")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description="Only orders whose id or customer code starts with this text.",
        ),
    ] = None,
) -> OrderFilters:
    """The order filters of an API request; 404 before any scan, 422 naming each
    parameter that cannot be read."""
    require_scan(scope)
    given: dict[str, list[str]] = {
        "at_risk": at_risk or [],
        "status": status or [],
        "warehouse": warehouse or [],
        "customer": customer or [],
        "min_value": [min_value] if min_value else [],
        "q": [q] if q else [],
    }
    reader = ApiFilterReader()
    filters = read_order_filters(
        reader, lambda name: given.get(name, []), session=session, scope=scope
    )
    reader.check()
    return filters


def order_list_order(
    sort: Annotated[
        OrderSort,
        Query(
            description="urgency: at risk, then latest, then most valuable; days_late: latest "
            "first; value: most valuable first; promised_date: earliest first; order_id; "
            "customer: by customer code; warehouse: by warehouse code."
        ),
    ] = OrderSort.URGENCY,
    direction: Annotated[
        SortDirection | None,
        Query(
            description="asc or desc: the sort's leading column up or down (left out: the "
            "sort's own way, as described for sort)."
        ),
    ] = None,
) -> OrderListOrder:
    return OrderListOrder(sort, reverse_for(sort.descending, direction))


OrderFiltersDep = Annotated[OrderFilters, Depends(order_filters)]
OrderListOrderDep = Annotated[OrderListOrder, Depends(order_list_order)]
