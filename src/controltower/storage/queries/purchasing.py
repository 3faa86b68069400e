"""A supplier's purchase orders and one purchase order in full: its lines, receipts,
the open order lines pegged to it and the cases about it.

Which order lines wait on a purchase order is what the latest scan recorded: the stored
scan writes each inbound peg of an open order as a row of ``order_pegs`` (company,
order, order line, PO, PO line, warehouse) with the order's ``order_risk`` row. The
orders waiting on a purchase order are one range of its index by PO id; only a page of
their ``order_risk`` rows is read, and their pegs are shown as the stored lines state
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.analysis import Blocker, InboundPeg, OrderOutcome
from controltower.domain.cases import ACTIVE_STATES, ExceptionCase
from controltower.domain.model import OrderStatus, PurchaseOrder, PurchaseOrderLine, Receipt
from controltower.domain.people import Scope
from controltower.storage import tables
from controltower.storage.cases import exception_case
from controltower.storage.order_lines import with_lines_block, with_stored_lines
from controltower.storage.queries.cases import CaseFilters, case_conditions, severity_rank
from controltower.storage.queries.entity_support import (
    as_money,
    in_warehouses,
    plain_page,
    record_of,
)
from controltower.storage.queries.paging import (
    Page,
    PageRequest,
    dialect_name,
    in_companies,
    numeric_key,
    picture_companies,
    text_key,
)
from controltower.storage.repository import order_outcome
from controltower.storage.visibility import visible_to

#: receipts of one purchase order whose cases a purchase order page looks for
_RECEIPTS_LOOKED_AT: Final = 500


class PurchaseOrderShow(StrEnum):
    """Which of a supplier's open purchase orders a list holds."""

    OPEN = "open"
    #: expected before the as-of date
    LATE = "late"
    #: not confirmed by the supplier
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True, slots=True)
class SupplierCounts:
    """A supplier's open purchase orders, and how many are late or unconfirmed."""

    open: int
    late: int
    unconfirmed: int


@dataclass(frozen=True, slots=True)
class Waiting:
    """Open orders waiting on purchase orders (a peg on one), and their open value."""

    orders: int
    value: Decimal


@dataclass(frozen=True, slots=True)
class PeggedOrder:
    """An open order with the pegs of its lines on one purchase order."""

    order: OrderOutcome
    #: (order line, the peg) for each of its lines' pegs on the purchase order
    pegs: list[tuple[int, InboundPeg]]


def _open_of_supplier(picture_id: int, supplier: str) -> list[sa.ColumnElement[bool]]:
    table = tables.purchase_orders
    return [
        table.c.picture_id == picture_id,
        table.c.supplier == supplier,
        table.c.status == OrderStatus.OPEN,
    ]


def supplier_purchase_orders(
    session: Session,
    picture_id: int,
    supplier: str,
    *,
    as_of: date,
    warehouses: Sequence[str] | None,
    show: PurchaseOrderShow,
    page: PageRequest,
) -> Page[PurchaseOrder]:
    """A page of the supplier's open purchase orders at ``warehouses`` (None: all), the
    soonest expected first: all of them, the late ones or the unconfirmed ones."""
    table = tables.purchase_orders
    where = [
        *_open_of_supplier(picture_id, supplier),
        *in_warehouses(table.c.warehouse, warehouses),
    ]
    if show is PurchaseOrderShow.LATE:
        where.append(table.c.expected_date < as_of)
    elif show is PurchaseOrderShow.UNCONFIRMED:
        where.append(table.c.confirmed_date.is_(None))
    query = sa.select(table).where(*where).order_by(table.c.expected_date, table.c.po_id)
    return plain_page(session.connection(), query, page, lambda row: record_of(PurchaseOrder, row))


def supplier_counts(
    session: Session,
    picture_id: int,
    supplier: str,
    *,
    as_of: date,
    warehouses: Sequence[str] | None,
) -> SupplierCounts:
    """How many open purchase orders the supplier has at ``warehouses``, late and
    unconfirmed (one aggregate over the supplier's index range)."""
    table = tables.purchase_orders
    query = sa.select(
        sa.func.count(),
        sa.func.sum(sa.case((table.c.expected_date < as_of, 1), else_=0)),
        sa.func.sum(sa.case((table.c.confirmed_date.is_(None), 1), else_=0)),
    ).where(*_open_of_supplier(picture_id, supplier), *in_warehouses(table.c.warehouse, warehouses))
    found = session.connection().execute(query).one()
    return SupplierCounts(
        open=int(found[0]), late=int(found[1] or 0), unconfirmed=int(found[2] or 0)
    )


def open_values(session: Session, picture_id: int, po_ids: Sequence[str]) -> dict[str, Decimal]:
    """Each purchase order's open value: open quantity times unit cost (the product's
    when the line has none) over its lines; a page's worth of POs at a time."""
    if not po_ids:
        return {}
    lines, products = tables.purchase_order_lines, tables.products
    dialect = dialect_name(session)
    open_qty = numeric_key(lines.c.qty, dialect) - numeric_key(lines.c.qty_received, dialect)
    cost = sa.func.coalesce(
        numeric_key(lines.c.unit_cost, dialect),
        numeric_key(products.c.unit_cost, dialect),
        Decimal(0),
    )
    query = (
        sa.select(lines.c.po_id, sa.func.sum(open_qty * cost))
        .select_from(
            lines.outerjoin(
                products,
                sa.and_(products.c.picture_id == lines.c.picture_id, products.c.sku == lines.c.sku),
            )
        )
        .where(lines.c.picture_id == picture_id, lines.c.po_id.in_(sorted(set(po_ids))))
        .group_by(lines.c.po_id)
    )
    return {po_id: as_money(total) for po_id, total in session.connection().execute(query)}


def purchase_order_lines(
    session: Session, picture_id: int, po_id: str, *, page: PageRequest
) -> Page[PurchaseOrderLine]:
    """A page of the purchase order's lines, by line number (its primary key)."""
    table = tables.purchase_order_lines
    query = (
        sa.select(table)
        .where(table.c.picture_id == picture_id, table.c.po_id == po_id)
        .order_by(table.c.line)
    )
    return plain_page(
        session.connection(), query, page, lambda row: record_of(PurchaseOrderLine, row)
    )


def purchase_order_receipts(
    session: Session, picture_id: int, po_id: str, *, page: PageRequest
) -> Page[Receipt]:
    """A page of what was received against the purchase order, line by line."""
    table = tables.receipts
    query = (
        sa.select(table)
        .where(table.c.picture_id == picture_id, table.c.po_id == po_id)
        .order_by(table.c.line, table.c.received_date, table.c.receipt_id)
    )
    return plain_page(session.connection(), query, page, lambda row: record_of(Receipt, row))


# --- Orders waiting on purchase orders -------------------------------------------------


def _waiting_on_inbound(session: Session, picture_id: int, visible: Scope | None) -> list[Any]:
    """The stored orders of the picture's companies that ``visible`` covers and that wait
    on inbound (only those have pegs on purchase orders)."""
    risk = tables.order_risk
    companies = picture_companies(session, picture_id)
    if not companies:
        return [sa.false()]
    return [
        in_companies(risk.c.company, companies),
        *visible_to(visible, risk.c.company, risk.c.warehouse),
        risk.c.blockers.like(f"%{Blocker.INBOUND.value}%"),
    ]


def _pegged_keys(companies: Sequence[str], purchase_order: PurchaseOrder) -> sa.Select[Any]:
    """(company, order id) of each stored order with a peg on ``purchase_order`` (at its
    warehouse): one range of ``ix_order_pegs_po`` per company."""
    pegs = tables.order_pegs
    return (
        sa.select(pegs.c.company, pegs.c.order_id)
        .where(
            in_companies(pegs.c.company, companies),
            pegs.c.po_id == purchase_order.po_id,
            pegs.c.warehouse == purchase_order.warehouse,
        )
        .distinct()
    )


def _joined_to_risk(keys: sa.Subquery) -> sa.FromClause:
    risk = tables.order_risk
    return keys.join(
        risk, sa.and_(risk.c.company == keys.c.company, risk.c.order_id == keys.c.order_id)
    )


def orders_waiting_on_supplier(
    session: Session, picture_id: int, supplier: str, *, visible: Scope | None
) -> Waiting:
    """How many open orders ``visible`` covers have a line pegged to one of the
    supplier's open purchase orders (of the order's own warehouse), and their value.

    Read from ``order_pegs``: the pegs on the supplier's open purchase orders (their ids
    one range of the supplier's index), then the orders those pegs belong to. A peg is
    always on a purchase order of its order's own warehouse (the engine pegs no other),
    so the ids alone find them.
    """
    companies = picture_companies(session, picture_id)
    if not companies:
        return Waiting(orders=0, value=as_money(None))
    risk, orders, pegs = tables.order_risk, tables.purchase_orders, tables.order_pegs
    keys = (
        sa.select(pegs.c.company, pegs.c.order_id)
        .where(
            in_companies(pegs.c.company, companies),
            pegs.c.po_id.in_(
                sa.select(orders.c.po_id).where(*_open_of_supplier(picture_id, supplier))
            ),
        )
        .distinct()
        .subquery("pegged")
    )
    value = numeric_key(risk.c.open_value, dialect_name(session))
    query = (
        sa.select(sa.func.count(), sa.func.sum(value))
        .select_from(_joined_to_risk(keys))
        .where(*_waiting_on_inbound(session, picture_id, visible))
    )
    found = session.connection().execute(query).one()
    return Waiting(orders=int(found[0]), value=as_money(found[1]))


def orders_pegged_to(
    session: Session,
    picture_id: int,
    purchase_order: PurchaseOrder,
    *,
    visible: Scope | None,
    page: PageRequest,
) -> Page[PeggedOrder]:
    """A page of the open orders with a line pegged to ``purchase_order``, by order id,
    each with those pegs (as the order's stored lines state them, in their order).

    The orders are found in ``order_pegs`` (one index range per company); only the
    page's ``order_risk`` rows are read and parsed.
    """
    companies = picture_companies(session, picture_id)
    if not companies:
        return Page([], 0, page.number, page.size, page.offset)
    risk = tables.order_risk
    keys = _pegged_keys(companies, purchase_order).subquery("pegged")
    dialect = dialect_name(session)
    query = (
        sa.select(risk)
        .select_from(_joined_to_risk(keys))
        .where(*_waiting_on_inbound(session, picture_id, visible))
        .order_by(text_key(risk.c.order_id, dialect), text_key(risk.c.company, dialect))
    )
    found = plain_page(session.connection(), with_lines_block(query), page, lambda row: row)
    orders = [order_outcome(row) for row in with_stored_lines(found.items)]
    po_id = purchase_order.po_id
    return Page(
        [
            PeggedOrder(
                order=order,
                pegs=[
                    (line.line, peg)
                    for line in order.lines
                    for peg in line.from_inbound
                    if peg.po_id == po_id
                ],
            )
            for order in orders
        ],
        found.total,
        found.number,
        found.size,
        found.offset,
    )


# --- Cases about a purchase order ------------------------------------------------------


def purchase_order_cases(
    session: Session,
    picture_id: int,
    po_id: str,
    *,
    now: datetime | None,
    visible: Scope | None,
    page: PageRequest,
) -> Page[ExceptionCase]:
    """A page of the active cases on the purchase order, on its receipts, or caused by
    it (the orders it makes late), the most severe first, then the soonest due.

    Found through the subject and cause indexes (migration 0004), never by reading
    every case.
    """
    companies = picture_companies(session, picture_id)
    if not companies:
        return Page([], 0, page.number, page.size, page.offset)
    table = tables.exception_cases
    subject = f"purchase_order:{po_id}"
    subjects = [subject, *(f"receipt:{r}" for r in _receipt_ids(session, picture_id, po_id))]
    keys = (table.c.scope_company, table.c.id)
    found = sa.union(
        sa.select(*keys).where(
            in_companies(table.c.scope_company, companies), table.c.subject.in_(subjects)
        ),
        sa.select(*keys).where(
            in_companies(table.c.scope_company, companies), table.c.cause == subject
        ),
    ).subquery("about")
    dialect = dialect_name(session)
    filters = CaseFilters(states=ACTIVE_STATES, visible=visible, now=now)
    query = (
        sa.select(table)
        .select_from(
            found.join(
                table,
                sa.and_(table.c.scope_company == found.c.scope_company, table.c.id == found.c.id),
            )
        )
        .where(*case_conditions(table, companies, filters, dialect))
        .order_by(
            severity_rank(table.c.severity).desc(),
            table.c.due_at,
            text_key(table.c.id, dialect),
        )
    )
    return plain_page(
        session.connection(), query, page, lambda row: exception_case(row._mapping, ())
    )


def _receipt_ids(session: Session, picture_id: int, po_id: str) -> list[str]:
    """The first receipts of the purchase order (their cases are about it too)."""
    table = tables.receipts
    query = (
        sa.select(table.c.receipt_id)
        .where(table.c.picture_id == picture_id, table.c.po_id == po_id)
        .order_by(table.c.receipt_id)
        .limit(_RECEIPTS_LOOKED_AT)
    )
    return list(session.connection().execute(query).scalars())
