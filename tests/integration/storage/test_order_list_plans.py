"""The orders list's pages read their stretch of an index in order (migration 0025).

At a million lines the at-risk segment of the urgency sort holds some 11,000 orders;
a page of it must read its own hundred index entries, not sort the segment. On
PostgreSQL that holds only when the index keeps the sort's directions and the ids'
code-point order, and when the query names the key its segment fixes (``days_late IS
NULL``). Each page's key query is planned here with sorting priced out
(``enable_sort = off``, as on a table too large to sort cheaply): none may still sort,
which would mean no index serves its order.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from controltower.domain.analysis import Analysis, OrderOutcome, OrderRiskStatus
from controltower.storage.queries import OrderFilters, OrderSort, PageRequest, open_orders
from helpers.order_risk import AS_OF, pegged_order, record_analysis

pytestmark = pytest.mark.database

#: enough orders that PostgreSQL would rather sort than walk an index it cannot read in order
ORDERS = 3_000


def _order(n: int) -> OrderOutcome:
    """Orders at risk and not, dated and not, of many values (some equal, so the id
    breaks ties)."""
    at_risk = n % 3 == 0
    dated = n % 2 == 0
    return replace(
        pegged_order(f"SO{n:05d}"),
        at_risk=at_risk,
        status=OrderRiskStatus.SHORT if at_risk else OrderRiskStatus.FULLY_ALLOCATED,
        days_late=(n % 11) - 3 if dated else None,
        projected_ship_date=AS_OF + timedelta(days=n % 11) if dated else None,
        open_value=Decimal(n % 97) + Decimal("0.25"),
    )


@pytest.fixture
def scanned(sessions: sessionmaker[Session], picture_id: int, storage_engine: Engine) -> int:
    orders = [_order(n) for n in range(ORDERS)]
    with sessions.begin() as session:
        record_analysis(
            session,
            picture_id,
            Analysis(as_of=AS_OF, orders=orders, pools={}, credit={}),
            scanned_at=datetime(2026, 11, 25, 8, tzinfo=UTC),
            policy_digest="p1",
        )
    if storage_engine.dialect.name == "postgresql":
        with storage_engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE order_risk")
    return picture_id


def _key_queries(engine: Engine, read: Any) -> list[tuple[str, Any]]:
    """The statements choosing a page's keys while ``read()`` runs, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith("SELECT order_risk.company, order_risk.order_id \nFROM"):
            seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        read()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen


@pytest.mark.parametrize("reverse", [False, True], ids=["urgency", "reversed"])
@pytest.mark.parametrize("at_risk", [None, True, False], ids=["all", "at-risk", "not-at-risk"])
def test_every_page_of_the_urgency_sort_reads_an_index_in_order(
    sessions: sessionmaker[Session],
    storage_engine: Engine,
    scanned: int,
    at_risk: bool | None,
    reverse: bool,
) -> None:
    if storage_engine.dialect.name != "postgresql":
        pytest.skip("SQLite's plans are its own; the order of the pages is tested on both")
    filters = OrderFilters(at_risk=at_risk)
    with sessions() as session:
        pages = [PageRequest(size=50, number=number) for number in (1, 4, 11, 25)]
        queries = _key_queries(
            storage_engine,
            lambda: [
                open_orders(
                    session,
                    scanned,
                    filters,
                    sort=OrderSort.URGENCY,
                    reverse=reverse,
                    page=page,
                    with_lines=False,
                )
                for page in pages
            ],
        )
        assert queries
        connection = session.connection()
        connection.exec_driver_sql("SET LOCAL enable_sort = off")
        for statement, parameters in queries:
            plan = "\n".join(
                row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters)
            )
            assert "Sort" not in plan, plan


def test_the_urgency_pages_hold_every_order_once_in_order(
    sessions: sessionmaker[Session], scanned: int
) -> None:
    """Read with the fixed keys in ORDER BY, the pages still come in the sort's order."""
    orders = [_order(n) for n in range(ORDERS)]

    def urgency(order: OrderOutcome) -> tuple[Any, ...]:
        latest = -order.days_late if order.days_late is not None else float("-inf")
        return (not order.at_risk, latest, -order.open_value, order.order_id)

    expected = [o.order_id for o in sorted(orders, key=urgency)]
    for reverse in (False, True):
        with sessions() as session:
            read = [
                row.outcome.order_id
                for number in range(1, ORDERS // 200 + 2)
                for row in open_orders(
                    session,
                    scanned,
                    sort=OrderSort.URGENCY,
                    reverse=reverse,
                    page=PageRequest(size=200, number=number),
                    with_lines=False,
                ).items
            ]
        assert read == (expected[::-1] if reverse else expected)
