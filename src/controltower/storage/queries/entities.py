"""One customer, supplier, purchase order or product, and what hangs off a customer or a
product: a customer's credit exposure and the invoices to chase, a product's stock,
demand and inbound per warehouse and its order and purchase lines.

Records are read by primary key as the domain's own dataclasses; every list is one
range of an index (migration 0008) read a page at a time, and every total is an
aggregate the database computes. Purchase orders and suppliers are in ``purchasing``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.model import (
    Customer,
    Invoice,
    OrderStatus,
    Product,
    PurchaseOrder,
    StockLevel,
    Supplier,
)
from controltower.domain.people import Scope
from controltower.storage import tables
from controltower.storage.queries.entity_support import (
    as_money,
    as_quantity,
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
)
from controltower.storage.visibility import visible_to

_Record = TypeVar("_Record")

#: zero as the exact decimal the amount columns compare with (an int would not bind)
_ZERO: Final = Decimal(0)


# --- Records ---------------------------------------------------------------------------


def find_customer(session: Session, picture_id: int, code: str) -> Customer | None:
    return _record(session, tables.customers, Customer, picture_id, code=code)


def find_supplier(session: Session, picture_id: int, code: str) -> Supplier | None:
    return _record(session, tables.suppliers, Supplier, picture_id, code=code)


def find_product(session: Session, picture_id: int, sku: str) -> Product | None:
    return _record(session, tables.products, Product, picture_id, sku=sku)


def find_purchase_order(session: Session, picture_id: int, po_id: str) -> PurchaseOrder | None:
    return _record(session, tables.purchase_orders, PurchaseOrder, picture_id, po_id=po_id)


def _record(
    session: Session, table: sa.Table, cls: type[_Record], picture_id: int, **key: str
) -> _Record | None:
    """The row of ``table`` with this key in the picture, as ``cls`` (one key lookup)."""
    query = sa.select(table).where(
        table.c.picture_id == picture_id, *(table.c[name] == value for name, value in key.items())
    )
    row = session.connection().execute(query).first()
    return record_of(cls, row) if row is not None else None


# --- A customer ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CustomerExposure:
    """What a customer owes and has on order, as the credit rules count it.

    Receivables are every invoice's residual (credit notes and disputed ones too); the
    orders are the open orders of the latest scan the person asking may see.
    """

    receivables: Decimal
    #: residual above 0 of invoices due before the as-of date
    overdue_receivables: Decimal
    disputed_receivables: Decimal
    open_orders: int
    open_order_value: Decimal
    at_risk_orders: int
    value_at_risk: Decimal

    @property
    def exposure(self) -> Decimal:
        """Receivables plus open order value: what the credit limit is compared with."""
        return self.receivables + self.open_order_value


def customer_exposure(
    session: Session, picture_id: int, code: str, *, as_of: date, visible: Scope | None
) -> CustomerExposure:
    """A customer's receivables (three sums over its invoices) and open orders (counts
    and sums over its stored order risk): two aggregates, each one index range."""
    invoices = tables.invoices
    dialect = dialect_name(session)
    residual = numeric_key(invoices.c.amount_residual, dialect)
    overdue = sa.and_(invoices.c.due_date < as_of, residual > _ZERO)
    connection = session.connection()
    owed = connection.execute(
        sa.select(
            sa.func.sum(residual),
            sa.func.sum(sa.case((overdue, residual), else_=_ZERO)),
            sa.func.sum(sa.case((invoices.c.disputed.is_(True), residual), else_=_ZERO)),
        ).where(invoices.c.picture_id == picture_id, invoices.c.customer == code)
    ).one()
    orders = _customer_order_sums(session, picture_id, code, visible)
    return CustomerExposure(
        receivables=as_money(owed[0]),
        overdue_receivables=as_money(owed[1]),
        disputed_receivables=as_money(owed[2]),
        open_orders=int(orders[0] or 0),
        open_order_value=as_money(orders[1]),
        at_risk_orders=int(orders[2] or 0),
        value_at_risk=as_money(orders[3]),
    )


def _customer_order_sums(
    session: Session, picture_id: int, code: str, visible: Scope | None
) -> tuple[Any, ...]:
    companies = picture_companies(session, picture_id)
    if not companies:
        return (0, 0, 0, 0)
    risk = tables.order_risk
    value = numeric_key(risk.c.open_value, dialect_name(session))
    query = sa.select(
        sa.func.count(),
        sa.func.sum(value),
        sa.func.sum(sa.case((risk.c.at_risk.is_(True), 1), else_=0)),
        sa.func.sum(sa.case((risk.c.at_risk.is_(True), value), else_=_ZERO)),
    ).where(
        in_companies(risk.c.company, companies),
        risk.c.customer == code,
        *visible_to(visible, risk.c.company, risk.c.warehouse),
    )
    return tuple(session.connection().execute(query).one())


def invoices_to_chase(
    session: Session, picture_id: int, customer: str, *, as_of: date, page: PageRequest
) -> Page[Invoice]:
    """A page of the customer's invoices that are overdue (residual above 0, due before
    ``as_of``) or disputed, the soonest due first."""
    table = tables.invoices
    residual = numeric_key(table.c.amount_residual, dialect_name(session))
    query = (
        sa.select(table)
        .where(
            table.c.picture_id == picture_id,
            table.c.customer == customer,
            sa.or_(table.c.disputed.is_(True), sa.and_(table.c.due_date < as_of, residual > _ZERO)),
        )
        .order_by(table.c.due_date, table.c.invoice_id)
    )
    return plain_page(session.connection(), query, page, lambda row: record_of(Invoice, row))


# --- A product -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProductPosition:
    """A product at one warehouse: stock, what open orders want, what is on its way."""

    warehouse: str
    on_hand: Decimal
    quality_hold: Decimal
    #: open quantity of the open order lines shipping from here
    open_demand: Decimal
    #: open quantity of the open purchase order lines arriving here
    inbound: Decimal

    @property
    def usable(self) -> Decimal:
        """Stock not held by quality."""
        return self.on_hand - self.quality_hold


@dataclass(frozen=True, slots=True)
class DemandLine:
    """One open order line of a product."""

    order_id: str
    line: int
    customer: str
    warehouse: str
    promised_date: date
    open_qty: Decimal


@dataclass(frozen=True, slots=True)
class InboundLine:
    """One open purchase order line of a product."""

    po_id: str
    line: int
    supplier: str
    warehouse: str
    #: the line's own expected date, else its purchase order's
    expected_date: date
    confirmed_date: date | None
    open_qty: Decimal


def product_positions(
    session: Session, picture_id: int, sku: str, *, warehouses: Sequence[str] | None
) -> list[ProductPosition]:
    """The product at each of ``warehouses`` (None: every one) where it has stock, open
    demand or inbound, by warehouse code: three aggregates over its own index ranges."""
    stock = {
        level.warehouse: level
        for level in (
            record_of(StockLevel, row)
            for row in session.connection().execute(
                sa.select(tables.stock).where(
                    tables.stock.c.picture_id == picture_id,
                    tables.stock.c.sku == sku,
                    *in_warehouses(tables.stock.c.warehouse, warehouses),
                )
            )
        )
    }
    demand = _open_quantities(session, _demand_query(session, picture_id, sku, warehouses))
    inbound = _open_quantities(session, _inbound_query(session, picture_id, sku, warehouses))
    zero = Decimal(0)
    return [
        ProductPosition(
            warehouse=code,
            on_hand=stock[code].on_hand if code in stock else zero,
            quality_hold=stock[code].quality_hold if code in stock else zero,
            open_demand=demand.get(code, zero),
            inbound=inbound.get(code, zero),
        )
        for code in sorted({*stock, *demand, *inbound})
    ]


def _open_quantities(session: Session, lines: sa.Select[Any]) -> dict[str, Decimal]:
    """Open quantity per warehouse of the ``lines`` (warehouse, open quantity) query."""
    found = lines.subquery("open_lines")
    query = sa.select(found.c.warehouse, sa.func.sum(found.c.open_qty)).group_by(found.c.warehouse)
    return {code: as_quantity(total) for code, total in session.connection().execute(query)}


def _demand_query(
    session: Session, picture_id: int, sku: str, warehouses: Sequence[str] | None
) -> sa.Select[Any]:
    """Open lines of open orders of ``sku``: order, line, customer, warehouse, promised
    date and open quantity, in order id and line order (the index's)."""
    lines, orders = tables.sales_order_lines, tables.sales_orders
    dialect = dialect_name(session)
    open_qty = numeric_key(lines.c.qty, dialect) - numeric_key(lines.c.qty_shipped, dialect)
    return (
        sa.select(
            lines.c.order_id,
            lines.c.line,
            orders.c.customer,
            orders.c.warehouse,
            orders.c.promised_date,
            open_qty.label("open_qty"),
        )
        .select_from(
            lines.join(
                orders,
                sa.and_(
                    orders.c.picture_id == lines.c.picture_id,
                    orders.c.order_id == lines.c.order_id,
                ),
            )
        )
        .where(
            lines.c.picture_id == picture_id,
            lines.c.sku == sku,
            orders.c.status == OrderStatus.OPEN,
            open_qty > _ZERO,
            *in_warehouses(orders.c.warehouse, warehouses),
        )
        .order_by(lines.c.order_id, lines.c.line)
    )


def _inbound_query(
    session: Session, picture_id: int, sku: str, warehouses: Sequence[str] | None
) -> sa.Select[Any]:
    """Open lines of open purchase orders of ``sku``, in purchase order and line order."""
    lines, orders = tables.purchase_order_lines, tables.purchase_orders
    dialect = dialect_name(session)
    open_qty = numeric_key(lines.c.qty, dialect) - numeric_key(lines.c.qty_received, dialect)
    return (
        sa.select(
            lines.c.po_id,
            lines.c.line,
            orders.c.supplier,
            orders.c.warehouse,
            sa.func.coalesce(lines.c.expected_date, orders.c.expected_date).label("expected"),
            orders.c.confirmed_date,
            open_qty.label("open_qty"),
        )
        .select_from(
            lines.join(
                orders,
                sa.and_(orders.c.picture_id == lines.c.picture_id, orders.c.po_id == lines.c.po_id),
            )
        )
        .where(
            lines.c.picture_id == picture_id,
            lines.c.sku == sku,
            orders.c.status == OrderStatus.OPEN,
            open_qty > _ZERO,
            *in_warehouses(orders.c.warehouse, warehouses),
        )
        .order_by(lines.c.po_id, lines.c.line)
    )


def product_demand(
    session: Session,
    picture_id: int,
    sku: str,
    *,
    warehouses: Sequence[str] | None,
    page: PageRequest,
) -> Page[DemandLine]:
    """A page of the product's open order lines at ``warehouses``, by order id."""
    return plain_page(
        session.connection(),
        _demand_query(session, picture_id, sku, warehouses),
        page,
        lambda row: DemandLine(
            order_id=row.order_id,
            line=row.line,
            customer=row.customer,
            warehouse=row.warehouse,
            promised_date=row.promised_date,
            open_qty=as_quantity(row.open_qty),
        ),
    )


def product_inbound(
    session: Session,
    picture_id: int,
    sku: str,
    *,
    warehouses: Sequence[str] | None,
    page: PageRequest,
) -> Page[InboundLine]:
    """A page of the product's open purchase order lines at ``warehouses``, by PO id."""
    return plain_page(
        session.connection(),
        _inbound_query(session, picture_id, sku, warehouses),
        page,
        lambda row: InboundLine(
            po_id=row.po_id,
            line=row.line,
            supplier=row.supplier,
            warehouse=row.warehouse,
            expected_date=row.expected,
            confirmed_date=row.confirmed_date,
            open_qty=as_quantity(row.open_qty),
        ),
    )


def supplier_names(session: Session, picture_id: int, codes: Sequence[str]) -> dict[str, str]:
    """Names of the given suppliers of a picture (one without a name is left out); for a
    page's worth of codes."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    table = tables.suppliers
    query = sa.select(table.c.code, table.c.name).where(
        table.c.picture_id == picture_id, table.c.code.in_(wanted)
    )
    return {code: name for code, name in session.connection().execute(query) if name}
