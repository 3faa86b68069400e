"""Customers, suppliers, purchase orders and products, each with what hangs off it.

``/api/customers/{code}``, ``/api/suppliers/{code}``, ``/api/purchase-orders/{po_id}``
and ``/api/products/{sku}`` answer with the same data their pages show (the builders of
:mod:`controltower.api.entity_views` and :mod:`controltower.api.purchasing_views`).
Codes may hold slashes (``PO/2026/0001``): they are paths. Every list is one page, each
paged by its own parameter (``orders_page``, ``cases_page``...) and all ``page_size``
rows. A record the picture does not have and one outside your scope get the same 404.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status

from controltower.api.auth import require
from controltower.api.deps import SessionDep
from controltower.api.entity_links import NamedCode, requested_code
from controltower.api.entity_schemas import (
    CustomerPublic,
    ProductPublic,
    PurchaseOrderPublic,
    SupplierPublic,
)
from controltower.api.entity_views import (
    DEFAULT_ENTITY_PAGE_SIZE,
    EntityPages,
    customer_detail,
    not_found_message,
    product_detail,
)
from controltower.api.purchasing_views import purchase_order_detail, supplier_detail
from controltower.api.scope import CompanyQuery, PictureScope, ScopeDep, require_scan
from controltower.domain.people import Permission
from controltower.storage.queries import MAX_PAGE_SIZE
from controltower.storage.queries.purchasing import PurchaseOrderShow

router = APIRouter(tags=["entities"], dependencies=[Depends(require(Permission.VIEW))])

PageSize = Annotated[
    int,
    Query(
        ge=1, le=MAX_PAGE_SIZE, description=f"Rows per page of each list (1 to {MAX_PAGE_SIZE})."
    ),
]


def _list_page(what: str) -> object:
    return Query(ge=1, description=f"Which page of {what}, from 1.")


OrdersPage = Annotated[int, _list_page("the open orders")]
CasesPage = Annotated[int, _list_page("the active cases")]
InvoicesPage = Annotated[int, _list_page("the overdue or disputed invoices")]
PurchaseOrdersPage = Annotated[int, _list_page("the purchase orders")]
LinesPage = Annotated[int, _list_page("the lines")]
ReceiptsPage = Annotated[int, _list_page("the receipts")]
PeggedPage = Annotated[int, _list_page("the orders pegged to it")]
DemandPage = Annotated[int, _list_page("the open order lines")]
InboundPage = Annotated[int, _list_page("the open purchase order lines")]


def _company_query(company: str | None) -> str:
    return urlencode({"company": company}) if company else ""


def _missing(scope: PictureScope, kind: str, code: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=not_found_message(scope, kind, code))


@router.get(
    "/api/customers/{code:path}",
    response_model=CustomerPublic,
    summary="A customer: credit exposure, open orders, invoices to chase, cases",
)
def get_customer(
    session: SessionDep,
    scope: ScopeDep,
    code: Annotated[str, Path(description="The customer code, e.g. C00017.")],
    named: NamedCode = None,
    company: CompanyQuery = None,
    page_size: PageSize = DEFAULT_ENTITY_PAGE_SIZE,
    orders_page: OrdersPage = 1,
    invoices_page: InvoicesPage = 1,
    cases_page: CasesPage = 1,
) -> CustomerPublic:
    """Tier and credit terms; receivables, open order value and value at risk against
    the credit limit; open orders (most urgent first), invoices overdue or disputed, and
    the active cases concerning the customer."""
    require_scan(scope)
    code = requested_code(code, named)
    pages = EntityPages(
        size=page_size, orders=orders_page, invoices=invoices_page, cases=cases_page
    )
    found = customer_detail(session, scope, code, pages, query=_company_query(company))
    if found is None:
        raise _missing(scope, "customer", code)
    return found


@router.get(
    "/api/suppliers/{code:path}",
    response_model=SupplierPublic,
    summary="A supplier: open purchase orders, late and unconfirmed ones, orders waiting",
)
def get_supplier(
    session: SessionDep,
    scope: ScopeDep,
    code: Annotated[str, Path(description="The supplier code, e.g. SUP-0002.")],
    named: NamedCode = None,
    company: CompanyQuery = None,
    show: Annotated[
        PurchaseOrderShow,
        Query(description="Which open purchase orders to list: open, late or unconfirmed."),
    ] = PurchaseOrderShow.OPEN,
    page_size: PageSize = DEFAULT_ENTITY_PAGE_SIZE,
    purchase_orders_page: PurchaseOrdersPage = 1,
    cases_page: CasesPage = 1,
) -> SupplierPublic:
    """How many open purchase orders the supplier has, late and unconfirmed; the open
    orders waiting on them and their value; a page of the purchase orders (soonest
    expected first) and of the active cases concerning the supplier."""
    require_scan(scope)
    code = requested_code(code, named)
    pages = EntityPages(size=page_size, purchase_orders=purchase_orders_page, cases=cases_page)
    found = supplier_detail(session, scope, code, pages, show=show, query=_company_query(company))
    if found is None:
        raise _missing(scope, "supplier", code)
    return found


@router.get(
    "/api/purchase-orders/{po_id:path}",
    response_model=PurchaseOrderPublic,
    summary="A purchase order: lines, receipts, the order lines pegged to it, cases",
)
def get_purchase_order(
    session: SessionDep,
    scope: ScopeDep,
    po_id: Annotated[str, Path(description="The purchase order id, e.g. PO100366.")],
    named: NamedCode = None,
    company: CompanyQuery = None,
    page_size: PageSize = DEFAULT_ENTITY_PAGE_SIZE,
    lines_page: LinesPage = 1,
    receipts_page: ReceiptsPage = 1,
    pegged_page: PeggedPage = 1,
    cases_page: CasesPage = 1,
) -> PurchaseOrderPublic:
    """Expected and confirmed dates, status and open value; its lines and receipts; the
    open orders whose lines the latest scan pegged to it; the active cases on it, on its
    receipts or caused by it."""
    require_scan(scope)
    po_id = requested_code(po_id, named)
    pages = EntityPages(
        size=page_size,
        lines=lines_page,
        receipts=receipts_page,
        pegged=pegged_page,
        cases=cases_page,
    )
    found = purchase_order_detail(session, scope, po_id, pages, query=_company_query(company))
    if found is None:
        raise _missing(scope, "purchase_order", po_id)
    return found


@router.get(
    "/api/products/{sku:path}",
    response_model=ProductPublic,
    summary="A product: stock per warehouse, open demand, inbound, cases",
)
def get_product(
    session: SessionDep,
    scope: ScopeDep,
    sku: Annotated[str, Path(description="The SKU, e.g. CBL-6242Y-2.5-GY-100-VT.")],
    named: NamedCode = None,
    company: CompanyQuery = None,
    page_size: PageSize = DEFAULT_ENTITY_PAGE_SIZE,
    demand_page: DemandPage = 1,
    inbound_page: InboundPage = 1,
    cases_page: CasesPage = 1,
) -> ProductPublic:
    """Prices and reorder settings; on hand, quality hold, open demand and inbound at
    each warehouse you may see; the open order and purchase lines; the active cases."""
    require_scan(scope)
    sku = requested_code(sku, named)
    pages = EntityPages(size=page_size, demand=demand_page, inbound=inbound_page, cases=cases_page)
    found = product_detail(session, scope, sku, pages, query=_company_query(company))
    if found is None:
        raise _missing(scope, "product", sku)
    return found
