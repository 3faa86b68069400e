"""The documents of the mapping: orders, purchase orders, receipts, invoices, picks, returns.

Split from :mod:`controltower.connectors.odoo.mapping` (master data and stock) along the
line the dataset itself draws; each function is one file of the canonical dataset and
each rule is the one ``docs/odoo.md`` states for it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from controltower.connectors.odoo.reader import CLOSED_MOVE, PUT_AWAY, Record
from controltower.connectors.odoo.values import decimal as _decimal
from controltower.connectors.odoo.values import many2one_id as _id
from controltower.connectors.odoo.values import text as _text
from controltower.connectors.odoo.values import utc as _utc
from controltower.domain.model import (
    Invoice,
    OrderStatus,
    Pick,
    PickStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    Return,
    ReturnStatus,
    SalesOrder,
    SalesOrderLine,
)

if TYPE_CHECKING:
    from controltower.connectors.odoo.mapping import Mapper

PICKING_RETURN_STATUS = {
    "draft": ReturnStatus.REQUESTED,
    "done": ReturnStatus.RECEIVED,
    "cancel": ReturnStatus.REJECTED,
}
RMA_STATUS = {
    "draft": ReturnStatus.REQUESTED,
    "confirmed": ReturnStatus.APPROVED,
    "waiting_return": ReturnStatus.APPROVED,
    "received": ReturnStatus.RECEIVED,
    "waiting_replacement": ReturnStatus.RECEIVED,
    "cancelled": ReturnStatus.REJECTED,
}
"""OCA ``rma`` states; any other (refunded, replaced, returned, locked, finished) is closed."""


def map_documents(m: Mapper) -> None:
    """Fill the document files of ``m``'s dataset, masters first referenced here."""
    _sales_orders(m)
    _purchase_orders(m)
    _receipts(m)
    _invoices(m)
    _picks(m)
    _returns(m)


def _company_synced(m: Mapper, company: Any) -> bool:
    wanted = m.settings.companies
    return not wanted or m.company_names.get(_id(company) or 0) in wanted


def sale_order_in_scope(m: Mapper, row: Record) -> bool:
    """A sales order the mapping considers (its customer is in the dataset even when the
    order itself cannot be mapped)."""
    return row.get("state") in ("sale", "cancel") and _company_synced(m, row.get("company_id"))


def purchase_order_in_scope(m: Mapper, row: Record) -> bool:
    """A purchase order the mapping considers (its vendor is in the dataset)."""
    states = (*m.flavour.purchase_states, "cancel")
    return row.get("state") in states and _company_synced(m, row.get("company_id"))


def invoice_in_scope(m: Mapper, row: Record) -> bool:
    """An open customer invoice or credit note (its customer is in the dataset)."""
    return (
        row.get("move_type") in ("out_invoice", "out_refund")
        and row.get("state") == "posted"
        and row.get("payment_state") in m.flavour.open_payment_states
    )


def _warehouse_code(m: Mapper, model: str, record_id: int, warehouse: Any) -> str | None:
    code = m.warehouse_codes.get(_id(warehouse) or 0)
    if code is None:
        m.unmapped(model, record_id, "its warehouse is not synced (no code, or archived)")
    return code


def _reserved(m: Mapper) -> dict[int, Decimal]:
    """Per sales line: the quantity its open (not done, not cancelled) deliveries hold."""
    reserved: dict[int, Decimal] = defaultdict(Decimal)
    for move in m.state.of("stock.move").values():
        line = _id(move.get("sale_line_id"))
        pid = _id(move.get("product_id"))
        if line is None or pid is None or move.get("state") in CLOSED_MOVE:
            continue
        if move.get("origin_returned_move_id"):
            continue
        reserved[line] += m.in_product_unit(
            move.get(m.flavour.move_quantity), move.get(m.flavour.move_uom), pid
        )
    return reserved


def _sales_lines(m: Mapper) -> dict[int, list[SalesOrderLine]]:
    """The storable lines of each order, in the product's unit."""
    reserved = _reserved(m)
    by_order: dict[int, list[SalesOrderLine]] = defaultdict(list)
    for lid, row in sorted(m.state.of("sale.order.line").items()):
        oid = _id(row.get("order_id"))
        pid = _id(row.get("product_id"))
        if oid is None:
            continue
        if pid is None:
            m.unmapped("sale.order.line", lid, "the line has no product (deleted?)")
            continue
        product = m.products.get(pid)
        if product is None:
            continue  # not a storable product: nothing to peg
        uom = row.get(m.flavour.line_uom)
        order = m.state.of("sale.order").get(oid, {})
        gross = _decimal(row.get("price_unit")) * (1 - _decimal(row.get("discount")) / 100)
        by_order[oid].append(
            SalesOrderLine(
                order_id="",
                line=lid,
                sku=product.sku,
                qty=max(m.in_product_unit(row.get("product_uom_qty"), uom, pid), Decimal(0)),
                qty_shipped=max(m.in_product_unit(row.get("qty_delivered"), uom, pid), Decimal(0)),
                qty_reserved=max(reserved.get(lid, Decimal(0)), Decimal(0)),
                unit_price=max(
                    m.company_money(m.price_per_product_unit(_decimal(gross), uom, pid), order),
                    Decimal(0),
                ),
            )
        )
    return by_order


def _order_status(row: Record, lines: list[SalesOrderLine]) -> OrderStatus:
    if row.get("state") == "cancel":
        return OrderStatus.CANCELLED
    if row.get("delivery_status") == "full" or all(li.qty_shipped >= li.qty for li in lines):
        return OrderStatus.DONE
    return OrderStatus.OPEN


def _sales_orders(m: Mapper) -> None:
    lines_of = _sales_lines(m)
    dataset = m.outcome.dataset
    for oid, row in sorted(m.state.of("sale.order").items()):
        if not sale_order_in_scope(m, row):
            continue
        name = _text(row.get("name")) or f"sale.order-{oid}"
        warehouse = _warehouse_code(m, "sale.order", oid, row.get("warehouse_id"))
        customer = m.customer(row.get("partner_id"))
        company = row.get("company_id")
        promised = m.local_date(row.get("commitment_date") or row.get("expected_date"), company)
        ordered = m.local_date(row.get("date_order"), company)
        if warehouse is None:
            continue
        if customer is None:
            m.unmapped("sale.order", oid, "its customer could not be read")
            continue
        if promised is None or ordered is None:
            m.unmapped("sale.order", oid, "it has no order date or no delivery date")
            continue
        lines = lines_of.get(oid, [])
        tags = {m.order_tags.get(t) for t in row.get("tag_ids") or ()}
        policy = row.get("picking_policy")
        dataset.sales_orders.append(
            SalesOrder(
                order_id=name,
                customer=customer.code,
                warehouse=warehouse,
                order_date=ordered,
                promised_date=promised,
                expedite=bool(tags & set(m.settings.expedite_tags)),
                accepts_partial=None if not policy else policy == "direct",
                status=_order_status(row, lines),
                salesperson=m.login(row.get("user_id")),
            )
        )
        m.order_names[oid] = name
        dataset.sales_order_lines.extend(replace(line, order_id=name) for line in lines)


def _purchase_orders(m: Mapper) -> None:
    dataset = m.outcome.dataset
    types = m.state.of("stock.picking.type")
    lines_of: dict[int, list[tuple[int, Record]]] = defaultdict(list)
    for lid, row in sorted(m.state.of("purchase.order.line").items()):
        if (oid := _id(row.get("order_id"))) is not None:
            lines_of[oid].append((lid, row))
    for oid, row in sorted(m.state.of("purchase.order").items()):
        if not purchase_order_in_scope(m, row):
            continue
        kind = types.get(_id(row.get("picking_type_id")) or 0, {})
        warehouse = _warehouse_code(m, "purchase.order", oid, kind.get("warehouse_id"))
        supplier = m.supplier(row.get("partner_id"))
        company = row.get("company_id")
        approved = row.get("date_approve") or row.get("date_order")
        expected = m.local_date(row.get("date_planned"), company)
        ordered = m.local_date(approved, company)
        if warehouse is None:
            continue
        if supplier is None:
            m.unmapped("purchase.order", oid, "its vendor could not be read")
            continue
        if expected is None or ordered is None:
            m.unmapped("purchase.order", oid, "it has no order date or no expected arrival")
            continue
        confirmed_flag = m.flavour.vendor_confirmed_field
        name = _text(row.get("name")) or f"purchase.order-{oid}"
        status = OrderStatus.OPEN
        if row.get("state") == "cancel":
            status = OrderStatus.CANCELLED
        elif row.get("receipt_status") == "full":
            status = OrderStatus.DONE
        dataset.purchase_orders.append(
            PurchaseOrder(
                po_id=name,
                supplier=supplier.code,
                warehouse=warehouse,
                order_date=ordered,
                expected_date=expected,
                confirmed_date=ordered if confirmed_flag and row.get(confirmed_flag) else None,
                status=status,
                buyer=m.login(row.get("user_id")),
            )
        )
        m.purchase_names[oid] = name
        _purchase_lines(m, name, row, lines_of.get(oid, []))


def _purchase_lines(m: Mapper, po_id: str, order: Record, lines: list[tuple[int, Record]]) -> None:
    for lid, row in lines:
        pid = _id(row.get("product_id"))
        if pid is None:
            m.unmapped("purchase.order.line", lid, "the line has no product (deleted?)")
            continue
        product = m.products.get(pid)
        if product is None:
            continue
        uom = row.get(m.flavour.line_uom)
        m.outcome.dataset.purchase_order_lines.append(
            PurchaseOrderLine(
                po_id=po_id,
                line=lid,
                sku=product.sku,
                qty=max(m.in_product_unit(row.get("product_qty"), uom, pid), Decimal(0)),
                qty_received=max(m.in_product_unit(row.get("qty_received"), uom, pid), Decimal(0)),
                expected_date=m.local_date(row.get("date_planned"), order.get("company_id")),
                unit_cost=max(
                    m.company_money(
                        m.price_per_product_unit(_decimal(row.get("price_unit")), uom, pid), order
                    ),
                    Decimal(0),
                ),
            )
        )


def _location_usage(m: Mapper, location: Any) -> str | None:
    return _text(m.state.of("stock.location").get(_id(location) or 0, {}).get("usage"))


def _damaged(m: Mapper, receipts: list[tuple[int, Record]]) -> dict[int, Decimal]:
    """Per receipt move: what was scrapped from its receipt or moved to a damage location."""
    damaged: dict[int, Decimal] = defaultdict(Decimal)
    first_move: dict[tuple[int, int], int] = {}
    for mid, move in receipts:
        key = (_id(move.get("picking_id")) or 0, _id(move.get("product_id")) or 0)
        first_move.setdefault(key, mid)
    for scrap in m.state.of("stock.scrap").values():
        key = (_id(scrap.get("picking_id")) or 0, _id(scrap.get("product_id")) or 0)
        if key in first_move and scrap.get("state") == "done":
            damaged[first_move[key]] += _decimal(scrap.get("scrap_qty"))
    marks = [mark.lower() for mark in m.settings.damage_locations]
    if marks:
        locations = m.state.of("stock.location")
        put_away = m.state.of(PUT_AWAY)
        for mid, move in receipts:
            for dest in move.get("move_dest_ids") or ():
                row = put_away.get(dest, {})
                where = _text(
                    locations.get(_id(row.get("location_dest_id")) or 0, {}).get("complete_name")
                )
                if row.get("state") == "done" and where and any(k in where.lower() for k in marks):
                    damaged[mid] += _decimal(row.get(m.flavour.move_quantity))
    return damaged


def _receipts(m: Mapper) -> None:
    po_lines = m.state.of("purchase.order.line")
    put_away = m.state.of(PUT_AWAY)
    receipts = [
        (mid, move)
        for mid, move in sorted(m.state.of("stock.move").items())
        if move.get("purchase_line_id")
        and move.get("state") == "done"
        and _location_usage(m, move.get("location_id")) == "supplier"
    ]
    damaged = _damaged(m, receipts)
    kept_lines = {(li.po_id, li.line) for li in m.outcome.dataset.purchase_order_lines}
    for mid, move in receipts:
        line_id = _id(move.get("purchase_line_id")) or 0
        order = _id(po_lines.get(line_id, {}).get("order_id"))
        po_id = m.purchase_names.get(order or 0)
        pid = _id(move.get("product_id"))
        if po_id is None or pid is None or (po_id, line_id) not in kept_lines:
            continue
        picking = move.get("picking_id")
        prefix = str(picking[1]) if isinstance(picking, list | tuple) else "move"
        qty = max(
            m.in_product_unit(move.get(m.flavour.move_quantity), move.get(m.flavour.move_uom), pid),
            Decimal(0),
        )
        company = m.state.of("purchase.order").get(order or 0, {}).get("company_id")
        received = m.local_date(move.get("date"), company)
        if received is None:
            m.unmapped("stock.move", mid, "the receipt has no date")
            continue
        m.outcome.dataset.receipts.append(
            Receipt(
                receipt_id=f"{prefix}/{mid}",
                po_id=po_id,
                line=line_id,
                received_date=received,
                qty=qty,
                damaged_qty=min(damaged.get(mid, Decimal(0)), qty),
                put_away=all(
                    put_away.get(dest, {}).get("state", "done") in CLOSED_MOVE
                    for dest in move.get("move_dest_ids") or ()
                ),
            )
        )


def _invoices(m: Mapper) -> None:
    disputed = {int(row.get("res_id") or 0) for row in m.state.of("mail.activity.dispute").values()}
    for iid, row in sorted(m.state.of("account.move").items()):
        if not invoice_in_scope(m, row):
            continue
        customer = m.customer(row.get("commercial_partner_id"))
        due = m.plain_date(row.get("invoice_date_due"))
        if customer is None or due is None:
            m.unmapped("account.move", iid, "the invoice has no customer or no due date")
            continue
        m.outcome.dataset.invoices.append(
            Invoice(
                invoice_id=_text(row.get("name")) or f"account.move-{iid}",
                customer=customer.code,
                due_date=due,
                amount_residual=_decimal(row.get("amount_residual_signed")),
                disputed=row.get("payment_state") == "blocked" or iid in disputed,
            )
        )


def _is_delivery(m: Mapper, row: Record) -> bool:
    """An outgoing transfer, or the pick step of a multi-step delivery."""
    if row.get("picking_type_code") == "outgoing":
        return True
    kind = _id(row.get("picking_type_id"))
    return any(
        _id(warehouse.get("pick_type_id")) == kind
        and warehouse.get("delivery_steps") != "ship_only"
        for warehouse in m.state.of("stock.warehouse").values()
    )


def _picks(m: Mapper) -> None:
    types = m.state.of("stock.picking.type")
    orders = {o.order_id: o for o in m.outcome.dataset.sales_orders}
    for pid, row in sorted(m.state.of("stock.picking").items()):
        order = m.order_names.get(_id(row.get("sale_id")) or 0)
        if order is None or row.get("state") == "cancel" or not _is_delivery(m, row):
            continue
        kind = types.get(_id(row.get("picking_type_id")) or 0, {})
        warehouse = (
            m.warehouse_codes.get(_id(kind.get("warehouse_id")) or 0) or orders[order].warehouse
        )
        created = _utc(row.get("create_date"))
        if created is None:
            m.unmapped("stock.picking", pid, "the transfer has no creation date")
            continue
        m.outcome.dataset.picks.append(
            Pick(
                pick_id=_text(row.get("name")) or f"stock.picking-{pid}",
                order_id=order,
                warehouse=warehouse,
                created_at=created.replace(tzinfo=None),  # the dataset's times are naive UTC
                assigned_to=m.login(row.get("user_id")),
                status=PickStatus.DONE if row.get("state") == "done" else PickStatus.OPEN,
            )
        )


def _returns(m: Mapper) -> None:
    if m.state.of("rma"):
        _rma_returns(m)
        return
    pickings = m.state.of("stock.picking")
    moves_of: dict[int, list[tuple[int, Record]]] = defaultdict(list)
    for mid, move in sorted(m.state.of("stock.move").items()):
        picking = _id(move.get("picking_id"))
        if move.get("origin_returned_move_id") and picking in pickings:
            moves_of[picking].append((mid, move))
    for picking_id, moves in sorted(moves_of.items()):
        row = pickings[picking_id]
        if _location_usage(m, row.get("location_id")) != "customer":
            continue
        order = m.order_names.get(_id(row.get("sale_id")) or 0)
        source = row.get("partner_id") or m.state.of("sale.order").get(
            _id(row.get("sale_id")) or 0, {}
        ).get("partner_id")
        customer = m.customer(source)
        requested = m.local_date(row.get("create_date"), None)
        if customer is None or requested is None:
            m.unmapped("stock.picking", picking_id, "the return has no customer or no date")
            continue
        status = PICKING_RETURN_STATUS.get(str(row.get("state")), ReturnStatus.APPROVED)
        name = _text(row.get("name")) or f"stock.picking-{picking_id}"
        for mid, move in moves:
            product = _id(move.get("product_id"))
            if product not in m.products:
                continue
            m.outcome.dataset.returns.append(
                Return(
                    rma_id=name if len(moves) == 1 else f"{name}/{mid}",
                    customer=customer.code,
                    order_id=order,
                    sku=m.products[product].sku,
                    qty=max(
                        m.in_product_unit(
                            move.get("product_uom_qty"), move.get(m.flavour.move_uom), product or 0
                        ),
                        Decimal(0),
                    ),
                    requested_date=requested,
                    status=status,
                )
            )


def _rma_returns(m: Mapper) -> None:
    for rid, row in sorted(m.state.of("rma").items()):
        product = _id(row.get("product_id"))
        customer = m.customer(row.get("partner_id"))
        requested = m.local_date(row.get("date"), None)
        if product not in m.products or customer is None or requested is None:
            m.unmapped("rma", rid, "the return has no storable product, customer or date")
            continue
        m.outcome.dataset.returns.append(
            Return(
                rma_id=_text(row.get("name")) or f"rma-{rid}",
                customer=customer.code,
                order_id=m.order_names.get(_id(row.get("order_id")) or 0),
                sku=m.products[product].sku,
                qty=max(_decimal(row.get("product_uom_qty")), Decimal(0)),
                requested_date=requested,
                status=RMA_STATUS.get(str(row.get("state")), ReturnStatus.CLOSED),
            )
        )
