"""What the customer and product endpoints and pages show, and what every entity view
shares: which page of each list to read, the cases naming an entity, the entity's head.

The builders are public so the pages show exactly what the API returns. Each returns
None for a record the picture does not have or the person may not see, and the caller
answers both the same way (:func:`not_found_message`), so scope cannot be probed.
Purchase orders and suppliers are in :mod:`controltower.api.purchasing_views`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Final

from sqlalchemy.orm import Session

from controltower.api.entity_links import entity_url
from controltower.api.entity_schemas import (
    CasePagePublic,
    CustomerPublic,
    DemandLinePagePublic,
    DemandLinePublic,
    EntityPublic,
    ExposurePublic,
    InboundLinePagePublic,
    InboundLinePublic,
    InvoicePagePublic,
    InvoicePublic,
    OrderPagePublic,
    ProductPublic,
    StockPositionPublic,
)
from controltower.api.routes.exceptions import case_public, queue_now
from controltower.api.routes.orders import order_public
from controltower.api.scope import PictureScope, require_scan, scan_public
from controltower.domain.model import Customer, Invoice
from controltower.storage.queries import (
    CaseFilters,
    CaseSort,
    OrderFilters,
    OrderSort,
    Page,
    PageRequest,
    list_cases,
    open_orders,
)
from controltower.storage.queries.entities import (
    CustomerExposure,
    customer_exposure,
    find_customer,
    find_product,
    invoices_to_chase,
    product_demand,
    product_inbound,
    product_positions,
)
from controltower.storage.queries.entity_support import visible_warehouses

#: rows per page of each list of an entity view when the client does not say
DEFAULT_ENTITY_PAGE_SIZE: Final = 25

#: what each kind of entity is called in a message
ENTITY_NOUNS: Final[dict[str, str]] = {
    "customer": "customer",
    "supplier": "supplier",
    "purchase_order": "purchase order",
    "product": "product",
}


@dataclass(frozen=True, slots=True)
class EntityPages:
    """Which page of each list of an entity view to read (each from 1), all ``size`` rows."""

    size: int = DEFAULT_ENTITY_PAGE_SIZE
    orders: int = 1
    cases: int = 1
    invoices: int = 1
    purchase_orders: int = 1
    lines: int = 1
    receipts: int = 1
    pegged: int = 1
    demand: int = 1
    inbound: int = 1

    def of(self, number: int) -> PageRequest:
        return PageRequest(number=number, size=self.size)


def not_found_message(scope: PictureScope, kind: str, code: str) -> str:
    """The one answer for a record that is missing and for one outside the person's scope."""
    return f"no {ENTITY_NOUNS[kind]} {code!r} in {', '.join(scope.companies)}"


def entity_head(scope: PictureScope, kind: str, code: str, query: str) -> EntityPublic:
    """What every entity view says first: the picture, its latest scan, the page's URL."""
    return EntityPublic(
        picture_id=scope.picture_id,
        companies=list(scope.companies),
        scan=scan_public(require_scan(scope)),
        url=entity_url(kind, code, query),
    )


def cases_naming_entity(
    session: Session, scope: PictureScope, entity: str, page: PageRequest
) -> CasePagePublic:
    """A page of the active cases concerning ``entity`` (``customer:C1``,
    ``supplier:S1``, ``product:SKU``) that the person may see, the most severe first."""
    now = queue_now(scope)
    found = list_cases(
        session,
        scope.picture_id,
        CaseFilters(entities=frozenset({entity}), now=now, visible=scope.visible),
        sort=CaseSort.QUEUE,
        page=page,
    )
    return CasePagePublic(items=[case_public(case, now) for case in found.items], **paged(found))


def paged(found: Page[Any]) -> dict[str, int]:
    """The paging fields of a list response, for ``found``."""
    return {
        "total": found.total,
        "page": found.number,
        "page_size": found.size,
        "last_page": found.last_number,
    }


# --- A customer ------------------------------------------------------------------------


def customer_detail(
    session: Session, scope: PictureScope, code: str, pages: EntityPages, *, query: str = ""
) -> CustomerPublic | None:
    """A customer: its terms, credit exposure, open orders, invoices to chase and cases.

    A customer is the picture's master data: whoever sees the picture sees it; its
    orders and cases are the ones the person's scope covers.
    """
    customer = find_customer(session, scope.picture_id, code)
    if customer is None:
        return None
    as_of = require_scan(scope).as_of
    exposure = customer_exposure(
        session, scope.picture_id, code, as_of=as_of, visible=scope.visible
    )
    orders = open_orders(
        session,
        scope.picture_id,
        OrderFilters(customers=frozenset({code}), visible=scope.visible),
        sort=OrderSort.URGENCY,
        page=pages.of(pages.orders),
        with_lines=False,
    )
    invoices = invoices_to_chase(
        session, scope.picture_id, code, as_of=as_of, page=pages.of(pages.invoices)
    )
    return CustomerPublic(
        **entity_head(scope, "customer", code, query).model_dump(),
        code=customer.code,
        name=customer.name,
        tier=customer.tier,
        credit_limit=customer.credit_limit,
        credit_hold=customer.credit_hold,
        account_owner=customer.account_owner,
        accepts_partial=customer.accepts_partial,
        exposure=exposure_public(customer, exposure),
        orders=OrderPagePublic(
            items=[order_public(row.outcome, customer.name) for row in orders.items],
            **paged(orders),
        ),
        invoices=InvoicePagePublic(
            items=[invoice_public(invoice, as_of) for invoice in invoices.items],
            **paged(invoices),
        ),
        cases=cases_naming_entity(session, scope, f"customer:{code}", pages.of(pages.cases)),
    )


def exposure_public(customer: Customer, exposure: CustomerExposure) -> ExposurePublic:
    limit = customer.credit_limit
    total = exposure.exposure
    return ExposurePublic(
        receivables=exposure.receivables,
        overdue_receivables=exposure.overdue_receivables,
        disputed_receivables=exposure.disputed_receivables,
        open_orders=exposure.open_orders,
        open_order_value=exposure.open_order_value,
        at_risk_orders=exposure.at_risk_orders,
        value_at_risk=exposure.value_at_risk,
        exposure=total,
        credit_limit=limit,
        over_limit=total > limit if limit is not None else None,
        headroom=limit - total if limit is not None else None,
    )


def invoice_public(invoice: Invoice, as_of: date) -> InvoicePublic:
    overdue = invoice.amount_residual > 0 and invoice.due_date < as_of
    return InvoicePublic(
        invoice_id=invoice.invoice_id,
        due_date=invoice.due_date,
        amount_residual=invoice.amount_residual,
        disputed=invoice.disputed,
        overdue=overdue,
        days_overdue=(as_of - invoice.due_date).days if overdue else 0,
    )


# --- A product -------------------------------------------------------------------------


def product_detail(
    session: Session, scope: PictureScope, sku: str, pages: EntityPages, *, query: str = ""
) -> ProductPublic | None:
    """A product: its prices, stock, demand and inbound at each warehouse the person may
    see, its open order and purchase lines there, and its cases."""
    product = find_product(session, scope.picture_id, sku)
    if product is None:
        return None
    as_of = require_scan(scope).as_of
    warehouses = visible_warehouses(session, scope.picture_id, scope.visible)
    demand = product_demand(
        session, scope.picture_id, sku, warehouses=warehouses, page=pages.of(pages.demand)
    )
    inbound = product_inbound(
        session, scope.picture_id, sku, warehouses=warehouses, page=pages.of(pages.inbound)
    )
    return ProductPublic(
        **entity_head(scope, "product", sku, query).model_dump(),
        sku=product.sku,
        name=product.name,
        uom=product.uom,
        unit_cost=product.unit_cost,
        list_price=product.list_price,
        reorder_point=product.reorder_point,
        reorder_qty=product.reorder_qty,
        positions=[
            StockPositionPublic(
                warehouse=p.warehouse,
                on_hand=p.on_hand,
                quality_hold=p.quality_hold,
                usable=p.usable,
                open_demand=p.open_demand,
                inbound=p.inbound,
            )
            for p in product_positions(session, scope.picture_id, sku, warehouses=warehouses)
        ],
        demand=DemandLinePagePublic(
            items=[DemandLinePublic(**asdict(line)) for line in demand.items], **paged(demand)
        ),
        inbound=InboundLinePagePublic(
            items=[
                InboundLinePublic(**asdict(line), late=line.expected_date < as_of)
                for line in inbound.items
            ],
            **paged(inbound),
        ),
        cases=cases_naming_entity(session, scope, f"product:{sku}", pages.of(pages.cases)),
    )
