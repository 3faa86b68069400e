"""The pages of a customer, a supplier, a purchase order and a product.

Each shows what its endpoint returns (the builders of ``api/entity_views.py`` and
``api/purchasing_views.py``): the record's facts on top, then its lists, each paged on
its own (``?orders_page=2`` moves the orders and leaves the cases where they were).
Codes may hold slashes, so the pages take them as paths; every code on them links to
its own page through ``templates/_links.html``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Annotated, Any, Final, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from controltower.api.auth import Authenticated, require_on_page
from controltower.api.deps import SessionDep
from controltower.api.entity_links import (
    NamedCode,
    entity_location,
    entity_url,
    requested_code,
    subject_url,
)
from controltower.api.entity_schemas import PurchaseOrderPublic
from controltower.api.entity_views import (
    ENTITY_NOUNS,
    EntityPages,
    customer_detail,
    product_detail,
)
from controltower.api.labels import CASE_STATE_LABELS, ORDER_STATUS_LABELS
from controltower.api.purchasing_views import purchase_order_detail, supplier_detail
from controltower.api.routes.search import PURCHASE_ORDER_STATUS_LABELS
from controltower.api.schemas import PagedPublic
from controltower.api.scope import PictureScope
from controltower.domain.model import Tier
from controltower.domain.people import Permission
from controltower.storage.queries.purchasing import PurchaseOrderShow
from controltower.web.assets import TEMPLATES
from controltower.web.page_support import (
    Pager,
    QueryReading,
    blank_is_none,
    company_query,
    not_found,
    pager_for,
    scope_or_notice,
)

router = APIRouter(include_in_schema=False)
TEMPLATES.env.globals.update(
    entity_url=entity_url,
    subject_url=subject_url,
    case_state_labels=CASE_STATE_LABELS,
    purchase_order_status_labels=PURCHASE_ORDER_STATUS_LABELS,
)

Viewer = Annotated[Authenticated, Depends(require_on_page(Permission.VIEW))]

#: rows per page of each list on an entity page
ROWS_PER_LIST: Final = 25

TIER_LABELS: Final[dict[Tier, str]] = {
    Tier.STRATEGIC: "Strategic",
    Tier.KEY: "Key account",
    Tier.STANDARD: "Standard",
}

#: the tabs of a supplier's purchase orders
SHOW_LABELS: Final[dict[PurchaseOrderShow, str]] = {
    PurchaseOrderShow.OPEN: "All open",
    PurchaseOrderShow.LATE: "Late",
    PurchaseOrderShow.UNCONFIRMED: "Not confirmed",
}


@dataclass(frozen=True, slots=True)
class ListPager:
    """One list's pager and the link to another page of it (the others stay put)."""

    pager: Pager
    link: Callable[..., str]


@dataclass(frozen=True, slots=True)
class EntityRequest:
    """What an entity page was asked for: the picture, the company to keep in links,
    the page of each list, and what in the query was not understood."""

    scope: PictureScope
    company: str | None
    reading: QueryReading
    #: the list page parameters as given (those past 1), kept in every link
    kept: dict[str, str]

    @property
    def query(self) -> str:
        return urlencode(company_query(self.company))


def _entity_request(
    request: Request,
    session: Session,
    visitor: Authenticated,
    company: str | None,
) -> EntityRequest | HTMLResponse:
    """The picture to show (or the notice saying why there is none) and each list's page
    number from the query (``orders_page=2``; anything but a whole number from 1 is
    named in a notice and read as 1)."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "entities", visitor.principal)
    if isinstance(scope, HTMLResponse):
        return scope
    reading = QueryReading()
    kept: dict[str, str] = {}
    for key, value in request.query_params.items():
        if key.endswith("_page"):
            number = reading.page_number(value, key)
            if number > 1:
                kept[key] = str(number)
    return EntityRequest(scope, company, reading, kept)


def _pages(asked: EntityRequest) -> EntityPages:
    """The page of each list asked for (``orders_page=2`` -> ``orders=2``); the size is
    the pages' own."""
    numbers = {key.removesuffix("_page"): int(value) for key, value in asked.kept.items()}
    lists = {f.name for f in fields(EntityPages)} - {"size"}
    return EntityPages(
        size=ROWS_PER_LIST, **{name: n for name, n in numbers.items() if name in lists}
    )


_Entity = TypeVar("_Entity", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class EntityRead(Generic[_Entity]):
    """An entity as read for its page: the lists' pages within their ends."""

    #: the entity, None when there is none (or the visitor may not see it)
    found: _Entity | None
    #: what was asked for, each list's page number as shown
    asked: EntityRequest
    #: the page asked for of each list asked for past its end (its last page is shown)
    past_end: dict[str, int]


def _read_within_last(
    asked: EntityRequest,
    read: Callable[[EntityPages], _Entity | None],
    lists_of: Callable[[_Entity], Mapping[str, PagedPublic]],
) -> EntityRead[_Entity]:
    """The entity with the page of each list asked for; a list asked for past its end
    shows its last page instead (read again, the others where they were)."""
    found = read(_pages(asked))
    if found is None:
        return EntityRead(None, asked, {})
    lists = lists_of(found)
    past = {name: listed.page for name, listed in lists.items() if listed.page > listed.last_page}
    if not past:
        return EntityRead(found, asked, {})
    kept = {
        key: value for key, value in asked.kept.items() if key.removesuffix("_page") not in past
    }
    kept.update(
        (f"{name}_page", str(lists[name].last_page)) for name in past if lists[name].last_page > 1
    )
    within = replace(asked, kept=kept)
    return EntityRead(read(_pages(within)), within, past)


def _list_pagers(
    location: tuple[str, dict[str, str]],
    asked: EntityRequest,
    lists: Mapping[str, Any],
    extra: Mapping[str, str],
    past_end: Mapping[str, int],
) -> dict[str, ListPager]:
    """A pager per list (``lists``: name -> its page in the response), each linking to
    its own pages at its own anchor, keeping the code (``location``: the page's path and
    the parameters naming the code, from ``entity_location``), the company, ``extra``
    and the others'. ``past_end``: the page asked for of a list asked past its end."""
    path, named = location
    base = {**named, **company_query(asked.company), **extra, **asked.kept}

    def link_to(name: str) -> Callable[..., str]:
        def link(page: int) -> str:
            changed = {k: v for k, v in base.items() if k != f"{name}_page"}
            if page > 1:
                changed[f"{name}_page"] = str(page)
            return (f"{path}?{urlencode(changed)}" if changed else path) + f"#{name}"

        return link

    return {
        name: ListPager(
            pager_for(
                total=found.total,
                number=found.page,
                size=found.page_size,
                offset=(found.page - 1) * found.page_size,
                shown=len(found.items),
                asked=past_end.get(name),
            ),
            link_to(name),
        )
        for name, found in lists.items()
    }


def _render(
    request: Request,
    template: str,
    asked: EntityRequest,
    entity: BaseModel,
    lists: dict[str, ListPager],
    **more: Any,
) -> HTMLResponse:
    status = 400 if asked.reading.problems else 200
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "nav": "entities",
            "entity": entity,
            "lists": lists,
            "query": asked.query,
            "problems": asked.reading.problems,
            **more,
        },
        status_code=status,
    )


def _missing(request: Request, asked: EntityRequest, kind: str, code: str) -> HTMLResponse:
    """The same page for a record nobody has and for one the visitor may not see."""
    noun = ENTITY_NOUNS[kind]
    return not_found(
        request,
        "entities",
        title=f"No {noun} {code}",
        message=f"There is no {noun} “{code}” in {', '.join(asked.scope.companies)}.",
    )


@router.get("/customers/{code:path}", response_class=HTMLResponse)
def customer_page(
    request: Request,
    session: SessionDep,
    visitor: Viewer,
    code: str,
    company: str | None = None,
    named: NamedCode = None,
) -> HTMLResponse:
    """A customer: credit exposure, open orders, invoices to chase and cases."""
    asked = _entity_request(request, session, visitor, company)
    if isinstance(asked, HTMLResponse):
        return asked
    code = requested_code(code, named)
    read = _read_within_last(
        asked,
        lambda pages: customer_detail(session, asked.scope, code, pages, query=asked.query),
        lambda found: {"orders": found.orders, "invoices": found.invoices, "cases": found.cases},
    )
    if read.found is None:
        return _missing(request, asked, "customer", code)
    found = read.found
    lists = {"orders": found.orders, "invoices": found.invoices, "cases": found.cases}
    location = entity_location("customer", code)
    return _render(
        request,
        "customer.html",
        read.asked,
        found,
        _list_pagers(location, read.asked, lists, {}, read.past_end),
        tier_labels=TIER_LABELS,
    )


@router.get("/suppliers/{code:path}", response_class=HTMLResponse)
def supplier_page(
    request: Request,
    session: SessionDep,
    visitor: Viewer,
    code: str,
    company: str | None = None,
    named: NamedCode = None,
    show: str | None = None,
) -> HTMLResponse:
    """A supplier: its open purchase orders (all, late, not confirmed), what waits on
    them, and its cases."""
    asked = _entity_request(request, session, visitor, company)
    if isinstance(asked, HTMLResponse):
        return asked
    code = requested_code(code, named)
    chosen = asked.reading.choice(
        PurchaseOrderShow, show, "list of purchase orders", SHOW_LABELS, parameter="show"
    )
    shown = chosen or PurchaseOrderShow.OPEN
    read = _read_within_last(
        asked,
        lambda pages: supplier_detail(
            session, asked.scope, code, pages, show=shown, query=asked.query
        ),
        lambda found: {"purchase_orders": found.purchase_orders, "cases": found.cases},
    )
    if read.found is None:
        return _missing(request, asked, "supplier", code)
    found = read.found
    extra = {"show": shown.value} if shown is not PurchaseOrderShow.OPEN else {}
    lists = {"purchase_orders": found.purchase_orders, "cases": found.cases}
    location = entity_location("supplier", code)
    return _render(
        request,
        "supplier.html",
        read.asked,
        found,
        _list_pagers(location, read.asked, lists, extra, read.past_end),
        show=shown,
        show_tabs=[
            (choice, label, _tab_link(location, read.asked, choice))
            for choice, label in SHOW_LABELS.items()
        ],
    )


def _tab_link(
    location: tuple[str, dict[str, str]], asked: EntityRequest, choice: PurchaseOrderShow
) -> str:
    """A tab of the supplier's purchase orders: their first page, the cases kept."""
    path, named = location
    query = {
        **named,
        **company_query(asked.company),
        **({"show": choice.value} if choice is not PurchaseOrderShow.OPEN else {}),
        **{k: v for k, v in asked.kept.items() if k != "purchase_orders_page"},
    }
    return (f"{path}?{urlencode(query)}" if query else path) + "#purchase_orders"


@router.get("/purchase-orders/{po_id:path}", response_class=HTMLResponse)
def purchase_order_page(
    request: Request,
    session: SessionDep,
    visitor: Viewer,
    po_id: str,
    company: str | None = None,
    named: NamedCode = None,
) -> HTMLResponse:
    """A purchase order: dates and status, lines, receipts, the order lines waiting on
    it and its cases."""
    asked = _entity_request(request, session, visitor, company)
    if isinstance(asked, HTMLResponse):
        return asked
    po_id = requested_code(po_id, named)
    read = _read_within_last(
        asked,
        lambda pages: purchase_order_detail(session, asked.scope, po_id, pages, query=asked.query),
        _purchase_order_lists,
    )
    if read.found is None:
        return _missing(request, asked, "purchase_order", po_id)
    location = entity_location("purchase_order", po_id)
    return _render(
        request,
        "purchase_order.html",
        read.asked,
        read.found,
        _list_pagers(location, read.asked, _purchase_order_lists(read.found), {}, read.past_end),
        status_labels=ORDER_STATUS_LABELS,
    )


def _purchase_order_lists(found: PurchaseOrderPublic) -> dict[str, PagedPublic]:
    return {
        "lines": found.lines,
        "receipts": found.receipts,
        "pegged": found.pegged_orders,
        "cases": found.cases,
    }


@router.get("/products/{sku:path}", response_class=HTMLResponse)
def product_page(
    request: Request,
    session: SessionDep,
    visitor: Viewer,
    sku: str,
    company: str | None = None,
    named: NamedCode = None,
) -> HTMLResponse:
    """A product: stock per warehouse with quality hold, open demand, inbound, cases."""
    asked = _entity_request(request, session, visitor, company)
    if isinstance(asked, HTMLResponse):
        return asked
    sku = requested_code(sku, named)
    read = _read_within_last(
        asked,
        lambda pages: product_detail(session, asked.scope, sku, pages, query=asked.query),
        lambda found: {"demand": found.demand, "inbound": found.inbound, "cases": found.cases},
    )
    if read.found is None:
        return _missing(request, asked, "product", sku)
    found = read.found
    lists = {"demand": found.demand, "inbound": found.inbound, "cases": found.cases}
    location = entity_location("product", sku)
    return _render(
        request,
        "product.html",
        read.asked,
        found,
        _list_pagers(location, read.asked, lists, {}, read.past_end),
    )
