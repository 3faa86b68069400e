"""The purchasing reads answer from ``order_pegs``: the orders waiting on a supplier and
the orders pegged to one purchase order are the ones its rows name, with the pegs the
orders' stored lines state.

The rows are put in here from the stored orders' lines (the plain way), so the reads
are checked against exactly the rows the table holds, whoever writes them.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from controltower.domain.analysis import OrderOutcome
from controltower.domain.model import OrderStatus, PurchaseOrder
from controltower.domain.people import Scope
from controltower.storage import tables
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.queries import PageRequest
from controltower.storage.queries.purchasing import orders_pegged_to, orders_waiting_on_supplier
from helpers.entity_facts import pegged_to, stored_orders
from helpers.scanned_demo import demo_dataset, load_scanned_demo

CENT = Decimal("0.01")


def _company_of(warehouse: str) -> str:
    return next(w.company for w in demo_dataset().warehouses if w.code == warehouse)


def _peg_rows(orders: list[OrderOutcome]) -> list[dict[str, object]]:
    return [
        {
            "company": _company_of(order.warehouse),
            "order_id": order.order_id,
            "order_line": line.line,
            "po_id": peg.po_id,
            "po_line": peg.line,
            "warehouse": order.warehouse,
            "qty": peg.qty,
            "available_date": peg.available_date,
        }
        for order in orders
        for line in order.lines
        for peg in line.from_inbound
    ]


def _store_pegs(database_url: str, rows: list[dict[str, object]]) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.delete(tables.order_pegs))
            if rows:
                connection.execute(sa.insert(tables.order_pegs), rows)
    finally:
        engine.dispose()


def _busiest_purchase_order(orders: list[OrderOutcome]) -> PurchaseOrder:
    return max(
        (p for p in demo_dataset().purchase_orders if p.status is OrderStatus.OPEN),
        key=lambda p: (len(pegged_to(orders, p.po_id)), p.po_id),
    )


def _every_pegged(
    database_url: str, picture_id: int, po: PurchaseOrder, visible: Scope | None
) -> tuple[list[tuple[str, list[tuple[int, int]]]], set[int]]:
    """Each pegged order's id and (order line, PO line) pegs, read two at a time, and
    the totals every page stated."""
    engine = make_engine(database_url)
    found: list[tuple[str, list[tuple[int, int]]]] = []
    totals: set[int] = set()
    try:
        with make_session_factory(engine)() as session:
            number = 1
            while True:
                page = orders_pegged_to(
                    session, picture_id, po, visible=visible, page=PageRequest(number, 2)
                )
                totals.add(page.total)
                found.extend(
                    (p.order.order_id, [(line, peg.line) for line, peg in p.pegs])
                    for p in page.items
                )
                if not page.items:
                    return found, totals
                number += 1
    finally:
        engine.dispose()


def _waiting(database_url: str, picture_id: int, supplier: str) -> tuple[int, Decimal]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            found = orders_waiting_on_supplier(session, picture_id, supplier, visible=None)
            return found.orders, found.value
    finally:
        engine.dispose()


def test_the_orders_pegged_to_a_purchase_order_are_those_its_peg_rows_name(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    orders = stored_orders(migrated_database_url, demo.picture_id)
    _store_pegs(migrated_database_url, _peg_rows(orders))
    po = _busiest_purchase_order(orders)
    expected = pegged_to(orders, po.po_id)

    found, totals = _every_pegged(migrated_database_url, demo.picture_id, po, None)

    assert len(expected) > 2
    assert [order_id for order_id, _ in found] == sorted(expected)
    assert dict(found) == expected
    assert totals == {len(expected)}


def test_an_order_without_peg_rows_is_not_pegged_and_a_scope_keeps_its_warehouses(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    orders = stored_orders(migrated_database_url, demo.picture_id)
    po = _busiest_purchase_order(orders)
    left_out = sorted(pegged_to(orders, po.po_id))[0]
    _store_pegs(migrated_database_url, [r for r in _peg_rows(orders) if r["order_id"] != left_out])
    other = next(w.code for w in demo_dataset().warehouses if w.code != po.warehouse)

    found, _ = _every_pegged(migrated_database_url, demo.picture_id, po, None)
    elsewhere, totals = _every_pegged(
        migrated_database_url,
        demo.picture_id,
        po,
        Scope(warehouses=frozenset({other})),
    )

    assert {order_id for order_id, _ in found} == set(pegged_to(orders, po.po_id)) - {left_out}
    assert (elsewhere, totals) == ([], {0})


def test_the_orders_waiting_on_a_supplier_count_each_order_once_with_its_value(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    orders = stored_orders(migrated_database_url, demo.picture_id)
    _store_pegs(migrated_database_url, _peg_rows(orders))
    supplier = _busiest_purchase_order(orders).supplier
    ids = {
        p.po_id
        for p in demo_dataset().purchase_orders
        if p.supplier == supplier and p.status is OrderStatus.OPEN
    }
    waiting = [
        o for o in orders if any(p.po_id in ids for line in o.lines for p in line.from_inbound)
    ]

    counted = _waiting(migrated_database_url, demo.picture_id, supplier)
    _store_pegs(migrated_database_url, [])
    none = _waiting(migrated_database_url, demo.picture_id, supplier)

    assert counted == (
        len(waiting),
        sum((o.open_value for o in waiting), Decimal(0)).quantize(CENT),
    )
    assert len(waiting) > 1
    assert none == (0, Decimal("0.00"))
