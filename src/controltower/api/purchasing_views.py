"""What the supplier and purchase order endpoints and pages show.

A supplier is the picture's master data (whoever sees the picture sees it), but its
purchase orders belong to warehouses: a person sees those of the warehouses their scope
covers, and a purchase order outside it is answered exactly like a missing one.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from controltower.api.entity_links import entity_url
from controltower.api.entity_schemas import (
    CasePagePublic,
    PeggedOrderPagePublic,
    PeggedOrderPublic,
    PegPublic,
    PurchaseOrderLinePagePublic,
    PurchaseOrderLinePublic,
    PurchaseOrderPagePublic,
    PurchaseOrderPublic,
    PurchaseOrderSummaryPublic,
    ReceiptPagePublic,
    ReceiptPublic,
    SupplierPublic,
)
from controltower.api.entity_views import (
    EntityPages,
    cases_naming_entity,
    entity_head,
    paged,
)
from controltower.api.labels import order_status_label
from controltower.api.routes.exceptions import case_public, queue_now
from controltower.api.scope import PictureScope, require_scan
from controltower.domain.model import OrderStatus, PurchaseOrder, po_line_expected_date
from controltower.storage.queries.entities import find_purchase_order, find_supplier
from controltower.storage.queries.entity_support import visible_warehouses, warehouse_companies
from controltower.storage.queries.purchasing import (
    PeggedOrder,
    PurchaseOrderShow,
    open_values,
    orders_pegged_to,
    orders_waiting_on_supplier,
    purchase_order_cases,
    purchase_order_lines,
    purchase_order_receipts,
    supplier_counts,
    supplier_purchase_orders,
)


def supplier_detail(
    session: Session,
    scope: PictureScope,
    code: str,
    pages: EntityPages,
    *,
    show: PurchaseOrderShow = PurchaseOrderShow.OPEN,
    query: str = "",
) -> SupplierPublic | None:
    """A supplier: its open purchase orders (all, late or unconfirmed) at the warehouses
    the person may see, the orders waiting on them, and its cases."""
    supplier = find_supplier(session, scope.picture_id, code)
    if supplier is None:
        return None
    as_of = require_scan(scope).as_of
    warehouses = visible_warehouses(session, scope.picture_id, scope.visible)
    counts = supplier_counts(session, scope.picture_id, code, as_of=as_of, warehouses=warehouses)
    waiting = orders_waiting_on_supplier(session, scope.picture_id, code, visible=scope.visible)
    found = supplier_purchase_orders(
        session,
        scope.picture_id,
        code,
        as_of=as_of,
        warehouses=warehouses,
        show=show,
        page=pages.of(pages.purchase_orders),
    )
    values = open_values(session, scope.picture_id, [po.po_id for po in found.items])
    return SupplierPublic(
        **entity_head(scope, "supplier", code, query).model_dump(),
        code=supplier.code,
        name=supplier.name,
        lead_days=supplier.lead_days,
        open_purchase_orders=counts.open,
        late_purchase_orders=counts.late,
        unconfirmed_purchase_orders=counts.unconfirmed,
        waiting_orders=waiting.orders,
        waiting_value=waiting.value,
        purchase_orders=PurchaseOrderPagePublic(
            show=show,
            items=[
                summary_public(po, as_of, values.get(po.po_id, Decimal(0)), query)
                for po in found.items
            ],
            **paged(found),
        ),
        cases=cases_naming_entity(session, scope, f"supplier:{code}", pages.of(pages.cases)),
    )


def summary_public(
    po: PurchaseOrder, as_of: date, open_value: Decimal, query: str
) -> PurchaseOrderSummaryPublic:
    late = po.status is OrderStatus.OPEN and po.expected_date < as_of
    return PurchaseOrderSummaryPublic(
        po_id=po.po_id,
        supplier=po.supplier,
        warehouse=po.warehouse,
        order_date=po.order_date,
        expected_date=po.expected_date,
        confirmed_date=po.confirmed_date,
        status=po.status,
        buyer=po.buyer,
        late=late,
        days_late=(as_of - po.expected_date).days if late else 0,
        open_value=open_value,
        url=entity_url("purchase_order", po.po_id, query),
    )


def visible_purchase_order(
    session: Session, scope: PictureScope, po_id: str
) -> PurchaseOrder | None:
    """The purchase order, when the picture has it at a warehouse the person may see."""
    po = find_purchase_order(session, scope.picture_id, po_id)
    if po is None:
        return None
    company = warehouse_companies(session, scope.picture_id).get(po.warehouse)
    return po if scope.visible.covers(company, po.warehouse) else None


def purchase_order_detail(
    session: Session, scope: PictureScope, po_id: str, pages: EntityPages, *, query: str = ""
) -> PurchaseOrderPublic | None:
    """A purchase order: its dates and status, lines, receipts, the open order lines
    pegged to it and the cases about it."""
    po = visible_purchase_order(session, scope, po_id)
    if po is None:
        return None
    as_of = require_scan(scope).as_of
    values = open_values(session, scope.picture_id, [po.po_id])
    lines = purchase_order_lines(session, scope.picture_id, po_id, page=pages.of(pages.lines))
    receipts = purchase_order_receipts(
        session, scope.picture_id, po_id, page=pages.of(pages.receipts)
    )
    pegged = orders_pegged_to(
        session, scope.picture_id, po, visible=scope.visible, page=pages.of(pages.pegged)
    )
    supplier = find_supplier(session, scope.picture_id, po.supplier)
    return PurchaseOrderPublic(
        **entity_head(scope, "purchase_order", po_id, query).model_dump(),
        purchase_order=summary_public(po, as_of, values.get(po_id, Decimal(0)), query),
        supplier_name=supplier.name if supplier is not None else None,
        supplier_url=entity_url("supplier", po.supplier, query),
        lines=PurchaseOrderLinePagePublic(
            items=[
                PurchaseOrderLinePublic(
                    line=line.line,
                    sku=line.sku,
                    qty=line.qty,
                    qty_received=line.qty_received,
                    open_qty=line.open_qty,
                    expected_date=po_line_expected_date(line, po),
                    unit_cost=line.unit_cost,
                )
                for line in lines.items
            ],
            **paged(lines),
        ),
        receipts=ReceiptPagePublic(
            items=[
                ReceiptPublic(
                    receipt_id=r.receipt_id,
                    line=r.line,
                    received_date=r.received_date,
                    qty=r.qty,
                    damaged_qty=r.damaged_qty,
                    put_away=r.put_away,
                )
                for r in receipts.items
            ],
            **paged(receipts),
        ),
        pegged_orders=PeggedOrderPagePublic(
            items=[pegged_public(p, query) for p in pegged.items], **paged(pegged)
        ),
        cases=purchase_order_case_page(session, scope, po_id, pages),
    )


def pegged_public(pegged: PeggedOrder, query: str) -> PeggedOrderPublic:
    order = pegged.order
    return PeggedOrderPublic(
        order_id=order.order_id,
        customer=order.customer,
        warehouse=order.warehouse,
        status=order.status,
        status_label=order_status_label(order.status, order.at_risk),
        at_risk=order.at_risk,
        promised_date=order.promised_date,
        projected_ship_date=order.projected_ship_date,
        days_late=order.days_late,
        open_value=order.open_value,
        pegs=[
            PegPublic(
                order_line=line, po_line=peg.line, qty=peg.qty, available_date=peg.available_date
            )
            for line, peg in pegged.pegs
        ],
        url=entity_url("order", order.order_id, query),
    )


def purchase_order_case_page(
    session: Session, scope: PictureScope, po_id: str, pages: EntityPages
) -> CasePagePublic:
    now = queue_now(scope)
    found = purchase_order_cases(
        session,
        scope.picture_id,
        po_id,
        now=now,
        visible=scope.visible,
        page=pages.of(pages.cases),
    )
    return CasePagePublic(items=[case_public(case, now) for case in found.items], **paged(found))
