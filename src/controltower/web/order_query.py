"""What the orders page's query string says, and the controls that change it.

The page, its downloads and the saved views read the query here: which tab (at risk or
every open order), the filters (through ``api.order_filters.read_order_filters``, the
API's own reading), the sort and the page number; and write it back in one order for
links, chips, downloads and saved views.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from fastapi import Request
from sqlalchemy.orm import Session

from controltower.api.labels import ORDER_STATUS_LABELS
from controltower.api.order_filters import OrderListOrder, read_order_filters
from controltower.api.scope import PictureScope
from controltower.domain.analysis import OrderRiskStatus
from controltower.storage.queries import OrderFilters, OrderSort, SortDirection, reverse_for
from controltower.web.formatting import money
from controltower.web.list_controls import Chosen, ListLink, Option, PageFilterReader
from controltower.web.page_support import QueryReading, company_query

#: the tabs of /orders: which orders each shows (``at_risk``)
SHOW_CHOICES: Final = {"at_risk": True, "all": None}

#: how each sort reads in a message
SORT_LABELS: Final[dict[OrderSort, str]] = {
    OrderSort.URGENCY: "Most urgent first",
    OrderSort.DAYS_LATE: "Latest first",
    OrderSort.VALUE: "Most valuable first",
    OrderSort.PROMISED_DATE: "Promised soonest first",
    OrderSort.ORDER_ID: "By order number",
    OrderSort.CUSTOMER: "By customer",
    OrderSort.WAREHOUSE: "By warehouse",
}

#: how the count line says the order of the orders: (its own way, turned round)
SORT_WORDS: Final[dict[OrderSort, tuple[str, str]]] = {
    OrderSort.URGENCY: ("most urgent first", "least urgent first"),
    OrderSort.DAYS_LATE: ("latest first", "least late first"),
    OrderSort.VALUE: ("most valuable first", "least valuable first"),
    OrderSort.PROMISED_DATE: ("promised soonest first", "promised latest first"),
    OrderSort.ORDER_ID: ("by order number", "by order number, last first"),
    OrderSort.CUSTOMER: ("by customer code, A to Z", "by customer code, Z to A"),
    OrderSort.WAREHOUSE: ("by warehouse, A to Z", "by warehouse, Z to A"),
}

#: sort directions in words
DIRECTION_LABELS: Final[dict[SortDirection, str]] = {
    SortDirection.ASC: "Up",
    SortDirection.DESC: "Down",
}


@dataclass(frozen=True, slots=True)
class OrderPageQuery:
    """The orders page's query, as read."""

    show: str
    filters: OrderFilters
    order: OrderListOrder
    number: int
    company: str | None


def read_order_page(
    request: Request,
    session: Session,
    scope: PictureScope,
    reading: QueryReading,
    company: str | None,
) -> OrderPageQuery:
    """The page's query; what cannot be read is a problem in ``reading`` and left out."""
    params = request.query_params
    show = reading.one_of(params.get("show"), SHOW_CHOICES, "list of orders", parameter="show")
    show = show or "at_risk"
    at_risk = ["true"] if SHOW_CHOICES[show] else []

    def values(name: str) -> list[str]:
        return at_risk if name == "at_risk" else params.getlist(name)

    filters = read_order_filters(
        PageFilterReader(reading, {OrderRiskStatus: ORDER_STATUS_LABELS}),
        values,
        session=session,
        scope=scope,
    )
    sort = reading.choice(
        OrderSort, params.get("sort"), "sort order", SORT_LABELS, parameter="sort"
    )
    sort = sort or OrderSort.URGENCY
    direction = reading.choice(
        SortDirection,
        params.get("direction"),
        "sort direction",
        DIRECTION_LABELS,
        parameter="direction",
    )
    return OrderPageQuery(
        show=show,
        filters=filters,
        order=OrderListOrder(sort, reverse_for(sort.descending, direction)),
        number=reading.page_number(params.get("page")),
        company=company,
    )


def chosen_filters(filters: OrderFilters) -> list[Chosen]:
    """Every chosen value, in the order of the filter controls."""
    chosen = [
        Chosen("status", status.value, f"Status: {label}")
        for status, label in ORDER_STATUS_LABELS.items()
        if status in (filters.statuses or ())
    ]
    chosen.extend(
        Chosen("warehouse", w, f"Warehouse: {w}") for w in sorted(filters.warehouses or ())
    )
    chosen.extend(Chosen("customer", c, f"Customer: {c}") for c in sorted(filters.customers or ()))
    if filters.min_value is not None:
        chosen.append(
            Chosen("min_value", str(filters.min_value), f"Value ≥ {money(filters.min_value)}")
        )
    if filters.q:
        chosen.append(Chosen("q", filters.q, f"Search: {filters.q}"))
    return chosen


def order_link(query: OrderPageQuery, chosen: list[Chosen]) -> ListLink:
    """The page's query written back in one order: what links, chips, downloads and
    saved views start from."""
    pairs: list[tuple[str, str]] = list(company_query(query.company).items())
    pairs.append(("show", query.show))
    pairs.extend((c.parameter, c.value) for c in chosen)
    if query.order.sort is not OrderSort.URGENCY or query.order.reverse:
        pairs.append(("sort", query.order.sort.value))
    if query.order.reverse:
        pairs.append(("direction", query.order.direction.value))
    if query.number > 1:
        pairs.append(("page", str(query.number)))
    return ListLink("/orders", tuple(pairs))


def sort_words(order: OrderListOrder) -> str:
    """How the count line says the order of the orders."""
    own, turned = SORT_WORDS[order.sort]
    return turned if order.reverse else own


@dataclass(frozen=True, slots=True)
class OrderChoices:
    """What the filter controls offer, each choice ticked when chosen."""

    statuses: list[Option]
    warehouses: list[Option]


def order_choices(filters: OrderFilters, warehouses: list[tuple[str, str | None]]) -> OrderChoices:
    """The choices of each multi-select."""
    return OrderChoices(
        statuses=[
            Option(status.value, label, None, status in (filters.statuses or ()))
            for status, label in ORDER_STATUS_LABELS.items()
        ],
        warehouses=[
            Option(
                code, f"{code} · {name}" if name else code, None, code in (filters.warehouses or ())
            )
            for code, name in warehouses
        ],
    )
