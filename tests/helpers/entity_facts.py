"""What the search and the entity views should say, worked out the plain way.

The tests compare the API with these: every row of the dataset and of the stored scan
read into memory and filtered in Python, the obvious way, with none of the index ranges
and SQL the product uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from controltower.domain.analysis import OrderOutcome
from controltower.domain.cases import ACTIVE_STATES, CaseState
from controltower.domain.model import Dataset, OrderStatus, PurchaseOrder
from controltower.storage import tables
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.repository import order_risk_rows


@dataclass(frozen=True)
class StoredCase:
    id: str
    subject: str
    cause: str
    state: CaseState
    warehouse: str | None
    entities: str


def stored_orders(database_url: str, picture_id: int) -> list[OrderOutcome]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return [row.outcome for row in order_risk_rows(session, picture_id)]
    finally:
        engine.dispose()


def stored_cases(database_url: str) -> list[StoredCase]:
    engine = make_engine(database_url)
    table = tables.exception_cases
    try:
        with engine.connect() as connection:
            query = sa.select(
                table.c.id,
                table.c.subject,
                table.c.cause,
                table.c.state,
                table.c.warehouse,
                table.c.entities,
            )
            return [StoredCase(*row) for row in connection.execute(query)]
    finally:
        engine.dispose()


def active_cases_naming(cases: Iterable[StoredCase], entity: str) -> set[str]:
    """Ids of the active cases whose entities list ``entity``."""
    return {c.id for c in cases if c.state in ACTIVE_STATES and f'"{entity}"' in c.entities}


def starts(code: str | None, text: str) -> bool:
    return code is not None and code.casefold().startswith(text.casefold())


def expected_matches(
    dataset: Dataset, orders: list[OrderOutcome], cases: list[StoredCase], text: str
) -> set[tuple[str, str]]:
    """(kind, code) of everything a search for ``text`` should find (whole business)."""
    found = {("order", o.order_id) for o in orders if starts(o.order_id, text)}
    found |= {
        ("customer", c.code)
        for c in dataset.customers
        if starts(c.code, text) or starts(c.name, text)
    }
    found |= {
        ("product", p.sku) for p in dataset.products if starts(p.sku, text) or starts(p.name, text)
    }
    found |= {
        ("supplier", s.code)
        for s in dataset.suppliers
        if starts(s.code, text) or starts(s.name, text)
    }
    found |= {("purchase_order", p.po_id) for p in dataset.purchase_orders if starts(p.po_id, text)}
    found |= {("invoice", i.invoice_id) for i in dataset.invoices if starts(i.invoice_id, text)}
    found |= {("case", c.id) for c in cases if starts(c.id, text)}
    return found


def open_purchase_orders(dataset: Dataset, supplier: str) -> list[PurchaseOrder]:
    return [
        po
        for po in dataset.purchase_orders
        if po.supplier == supplier and po.status is OrderStatus.OPEN
    ]


def open_value_of(dataset: Dataset, po_id: str) -> Decimal:
    """Open quantity times unit cost (the product's when the line has none), to the cent."""
    costs = {p.sku: p.unit_cost for p in dataset.products}
    total = sum(
        (
            (line.qty - line.qty_received) * (line.unit_cost or costs.get(line.sku) or Decimal(0))
            for line in dataset.purchase_order_lines
            if line.po_id == po_id
        ),
        Decimal(0),
    )
    return total.quantize(Decimal("0.01"))


def pegged_to(orders: list[OrderOutcome], po_id: str) -> dict[str, list[tuple[int, int]]]:
    """Order id -> (order line, PO line) of each of its pegs on ``po_id``."""
    found: dict[str, list[tuple[int, int]]] = {}
    for order in orders:
        pegs = [
            (line.line, peg.line)
            for line in order.lines
            for peg in line.from_inbound
            if peg.po_id == po_id
        ]
        if pegs:
            found[order.order_id] = pegs
    return found


def overdue(residual: Decimal, due: date, as_of: date) -> bool:
    return residual > 0 and due < as_of
