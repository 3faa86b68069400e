"""The pages of a customer, a supplier, a purchase order and a product.

Each shows what its endpoint returns (the builders of ``api/entity_views.py`` and
``api/purchasing_views.py``): the record's facts on top, then its lists, each paged on
its own (``?orders_page=2`` moves the orders and leaves the cases where they were).
Codes may hold slashes, so the pages take them as paths; every code on them links to
its own page through ``templates/_links.html``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Annotated, Any, Final
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
from controltower.api.entity_views import (
    ENTITY_NOUNS,
    EntityPages,
    customer_detail,
    product_detail,
)
from controltower.api.labels import CASE_STATE_LABELS, ORDER_STATUS_LABELS
from controltower.api.purchasing_views import purchase_order_detail, supplier_detail
from controltower.api.routes.search import PURCHASE_ORDER_STATUS_LABELS
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
    notice,
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
            number = reading.page_number(value)
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


def _list_pagers(
    location: tuple[str, dict[str, str]],
    asked: EntityRequest,
    lists: Mapping[str, Any],
    extra: Mapping[str, str],
) -> dict[str, ListPager]:
    """A pager per list (``lists``: name -> its page in the response), each linking to
    its own pages at its own anchor, keeping the code (``location``: the page's path and
    the parameters naming the code, from ``entity_location``), the company, ``extra``
    and the others'."""
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
    beyond = any(listed.pager.beyond_last for listed in lists.values())
    status = 400 if asked.reading.problems else 404 if beyond else 200
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
    return notice(
        request,
        "entities",
        title=f"No {noun} {code}",
        message=f"There is no {noun} “{code}” in {', '.join(asked.scope.companies)}.",
        command=None,
        status_code=404,
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
    found = customer_detail(session, asked.scope, code, _pages(asked), query=asked.query)
    if found is None:
        return _missing(request, asked, "customer", code)
    lists = {"orders": found.orders, "invoices": found.invoices, "cases": found.cases}
    return _render(
        request,
        "customer.html",
        asked,
        found,
        _list_pagers(entity_location("customer", code), asked, lists, {}),
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
    chosen = asked.reading.choice(PurchaseOrderShow, show, "list", SHOW_LABELS)
    shown = chosen or PurchaseOrderShow.OPEN
    found = supplier_detail(
        session, asked.scope, code, _pages(asked), show=shown, query=asked.query
    )
    if found is None:
        return _missing(request, asked, "supplier", code)
    extra = {"show": shown.value} if shown is not PurchaseOrderShow.OPEN else {}
    lists = {"purchase_orders": found.purchase_orders, "cases": found.cases}
    location = entity_location("supplier", code)
    return _render(
        request,
        "supplier.html",
        asked,
        found,
        _list_pagers(location, asked, lists, extra),
        show=shown,
        show_tabs=[
            (choice, label, _tab_link(location, asked, choice))
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
    found = purchase_order_detail(session, asked.scope, po_id, _pages(asked), query=asked.query)
    if found is None:
        return _missing(request, asked, "purchase_order", po_id)
    lists = {
        "lines": found.lines,
        "receipts": found.receipts,
        "pegged": found.pegged_orders,
        "cases": found.cases,
    }
    return _render(
        request,
        "purchase_order.html",
        asked,
        found,
        _list_pagers(entity_location("purchase_order", po_id), asked, lists, {}),
        status_labels=ORDER_STATUS_LABELS,
    )


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
    found = product_detail(session, asked.scope, sku, _pages(asked), query=asked.query)
    if found is None:
        return _missing(request, asked, "product", sku)
    lists = {"demand": found.demand, "inbound": found.inbound, "cases": found.cases}
    return _render(
        request,
        "product.html",
        asked,
        found,
        _list_pagers(entity_location("product", sku), asked, lists, {}),
    )
