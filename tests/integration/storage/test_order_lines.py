"""The stored orders' line outcomes, kept in compressed blocks (``storage/order_lines.py``).

Whatever the scans write, every stored row's lines read back as the scan stated them;
a block goes once no row names it; and migration 0024 moves the lines of rows stored
before it into blocks (and back), giving pegs to companies that had none.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from controltower.domain.analysis import Analysis, OrderOutcome
from controltower.storage import tables
from controltower.storage.database import downgrade, migrate
from controltower.storage.order_lines import (
    ORDERS_PER_BLOCK,
    line_blocks,
    line_places,
    with_stored_lines,
)
from controltower.storage.queries.orders import open_order
from controltower.storage.repository import order_risk_rows
from helpers.order_risk import AS_OF, pegged_order, record_analysis

pytestmark = pytest.mark.database

FIRST_SCAN = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
#: the revision before the lines moved into blocks
BEFORE_BLOCKS = "0023_picture_next_positions"


def many_orders(count: int, *, qty: int = 40) -> list[OrderOutcome]:
    """``count`` orders, every third one waiting on a purchase order."""
    return [
        pegged_order(f"SO{n:04d}", *([(1, f"PO{n % 7}", 1 + n % 3, str(qty))] if n % 3 else []))
        for n in range(count)
    ]


def scan(
    sessions: sessionmaker[Session], picture_id: int, at: datetime, orders: list[OrderOutcome]
) -> int:
    analysis = Analysis(as_of=AS_OF, orders=orders, pools={}, credit={})
    with sessions.begin() as session:
        return record_analysis(
            session, picture_id, analysis, scanned_at=at, policy_digest="p1"
        ).scan_run_id


def stored(sessions: sessionmaker[Session], picture_id: int) -> dict[str, OrderOutcome]:
    with sessions() as session:
        return {row.outcome.order_id: row.outcome for row in order_risk_rows(session, picture_id)}


def blocks(sessions: sessionmaker[Session]) -> set[tuple[int, int]]:
    table = tables.order_line_blocks
    with sessions() as session:
        return {(r.scan_run_id, r.block) for r in session.execute(sa.select(table))}


def test_every_order_reads_back_its_lines_across_blocks_and_runs(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    orders = many_orders(ORDERS_PER_BLOCK * 2 + 5)
    first = scan(sessions, picture_id, FIRST_SCAN, orders)
    assert blocks(sessions) == {(first, 0), (first, 1), (first, 2)}
    assert stored(sessions, picture_id) == {o.order_id: o for o in orders}

    # a few orders change: their lines go into the second run's one block, the others stay
    changed = [*orders[:3], *many_orders(ORDERS_PER_BLOCK * 2 + 5, qty=30)[3:6], *orders[6:]]
    second = scan(sessions, picture_id, FIRST_SCAN + timedelta(hours=1), changed)

    assert blocks(sessions) == {(first, 0), (first, 1), (first, 2), (second, 0)}
    assert stored(sessions, picture_id) == {o.order_id: o for o in changed}


def test_a_block_goes_once_no_row_names_it(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    orders = many_orders(ORDERS_PER_BLOCK + 1)
    first = scan(sessions, picture_id, FIRST_SCAN, orders)
    # the last order (alone in block 1) ships; every order of block 0 stays
    second = scan(sessions, picture_id, FIRST_SCAN + timedelta(hours=1), orders[:-1])
    assert blocks(sessions) == {(first, 0)}

    # every order ships and a new one opens: the first run's block goes, the third's comes
    third = scan(sessions, picture_id, FIRST_SCAN + timedelta(hours=2), [pegged_order("SO-NEW")])
    assert blocks(sessions) == {(third, 0)}
    assert second != third


def test_a_missing_block_is_named_rather_than_read_as_no_lines(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    scan(sessions, picture_id, FIRST_SCAN, many_orders(2))
    with sessions.begin() as session:
        session.execute(sa.delete(tables.order_line_blocks))
    with sessions() as session, pytest.raises(LookupError, match="lines of order SO0000 "):
        order_risk_rows(session, picture_id)
    with sessions() as session, pytest.raises(LookupError, match="lines of order SO0001 "):
        open_order(session, picture_id, "SO0001")


def test_lines_are_placed_in_blocks_of_orders_per_block_and_read_back_exactly() -> None:
    texts = [f'[{{"sku":"Kábel-{n}","n":{n}}}]' * (n % 3) for n in range(ORDERS_PER_BLOCK + 2)]
    where, slots = line_places(len(texts))
    assert where == [0] * ORDERS_PER_BLOCK + [1, 1]
    assert slots == [*range(ORDERS_PER_BLOCK), 0, 1]
    blocks = line_blocks(texts)
    rows = [
        SimpleNamespace(
            _mapping={
                "order_id": f"SO{n}",
                "scan_run_id": 7,
                "lines_block": b,
                "lines_slot": s,
                "lines_block_data": blocks[b],
            }
        )
        for n, (b, s) in enumerate(zip(where, slots, strict=True))
    ]
    assert [row["lines"] for row in with_stored_lines(rows)] == texts


def test_migrating_moves_the_lines_into_blocks_and_back_and_gives_pegs_to_rows_without(
    storage_engine: Engine, sessions: sessionmaker[Session], picture_id: int
) -> None:
    orders = many_orders(ORDERS_PER_BLOCK + 3)
    first = scan(sessions, picture_id, FIRST_SCAN, orders)
    changed = [*many_orders(2, qty=11), *orders[2:]]
    second = scan(sessions, picture_id, FIRST_SCAN + timedelta(hours=1), changed)
    before = stored(sessions, picture_id)
    with sessions() as session:
        pegs = set(session.execute(sa.select(tables.order_pegs)).all())
    assert pegs

    downgrade(storage_engine, BEFORE_BLOCKS)
    with storage_engine.begin() as connection:
        query = sa.text("SELECT order_id, lines FROM order_risk")
        texts: dict[str, str] = {order_id: lines for order_id, lines in connection.execute(query)}
        assert '"po_id": "PO1"' in texts["SO0001"]
        # rows stored before ``order_pegs`` existed have no pegs
        connection.execute(sa.text("DELETE FROM order_pegs"))
    migrate(storage_engine)

    assert stored(sessions, picture_id) == before
    with sessions() as session:
        assert set(session.execute(sa.select(tables.order_pegs)).all()) == pegs
    # each run's rows in blocks of their own, in order of company and order id
    assert blocks(sessions) == {(first, 0), (first, 1), (second, 0)}
