"""``order_pegs``: each inbound peg of a stored open order as a row, kept with its risk row.

Whatever the scans do to an order (it opens, its pegs change, it ships), the peg rows
of the picture's companies are exactly the pegs the stored ``order_risk.lines`` name.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from controltower.domain.analysis import (
    Analysis,
    OrderOutcome,
)
from controltower.storage import tables
from controltower.storage.repository import order_risk_rows
from helpers.order_risk import pegged_order, record_analysis

pytestmark = pytest.mark.database

AS_OF = date(2026, 11, 25)
FIRST_SCAN = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)

#: (company, order id, order line, po id, po line, warehouse, qty, available date)
PegRow = tuple[str, str, int, str, int, str, Decimal, date]


def scan(
    sessions: sessionmaker[Session], picture_id: int, at: datetime, *orders: OrderOutcome
) -> None:
    analysis = Analysis(as_of=AS_OF, orders=list(orders), pools={}, credit={})
    with sessions.begin() as session:
        record_analysis(session, picture_id, analysis, scanned_at=at, policy_digest="p1")


def peg_rows(sessions: sessionmaker[Session]) -> set[PegRow]:
    table = tables.order_pegs
    with sessions() as session:
        return {
            (
                row.company,
                row.order_id,
                row.order_line,
                row.po_id,
                row.po_line,
                row.warehouse,
                row.qty,
                row.available_date,
            )
            for row in session.execute(sa.select(table))
        }


def pegs_in_lines(sessions: sessionmaker[Session], picture_id: int) -> set[PegRow]:
    """The pegs the stored risk rows' lines name."""
    with sessions() as session:
        rows = order_risk_rows(session, picture_id)
    return {
        (
            row.company,
            row.outcome.order_id,
            line.line,
            peg.po_id,
            peg.line,
            line.warehouse,
            peg.qty,
            peg.available_date,
        )
        for row in rows
        for line in row.outcome.lines
        for peg in line.from_inbound
    }


def test_peg_rows_follow_the_orders_as_they_open_change_and_ship(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    waiting = pegged_order("SO1", (1, "PO7", 1, "40"), (1, "PO8", 2, "10.5"), (2, "PO7", 3, "5"))
    steady = pegged_order("SO2", (1, "PO9", 1, "3"))
    scan(sessions, picture_id, FIRST_SCAN, waiting, steady, pegged_order("SO3"))
    first = peg_rows(sessions)
    assert first == pegs_in_lines(sessions, picture_id)
    assert len(first) == 4

    moved = pegged_order("SO1", (1, "PO7", 1, "25"), (2, "PO8", 2, "7"))
    scan(sessions, picture_id, FIRST_SCAN + timedelta(hours=1), moved, steady, pegged_order("SO3"))
    assert peg_rows(sessions) == pegs_in_lines(sessions, picture_id)
    assert {(r[1], r[3], r[6]) for r in peg_rows(sessions)} == {
        ("SO1", "PO7", Decimal(25)),
        ("SO1", "PO8", Decimal(7)),
        ("SO2", "PO9", Decimal(3)),
    }

    # SO1 shipped: it left the open orders, and its pegs with it
    scan(sessions, picture_id, FIRST_SCAN + timedelta(hours=2), steady, pegged_order("SO3"))
    assert peg_rows(sessions) == pegs_in_lines(sessions, picture_id)
    assert {r[1] for r in peg_rows(sessions)} == {"SO2"}


pegs_of_an_order = st.lists(
    st.tuples(
        st.integers(1, 3),
        st.sampled_from(["PO1", "PO2"]),
        st.integers(1, 3),
        st.integers(1, 50).map(str),
    ),
    max_size=4,
    unique_by=lambda peg: peg[:3],
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    scans=st.lists(
        st.dictionaries(st.sampled_from(["SO1", "SO2", "SO3"]), pegs_of_an_order),
        min_size=1,
        max_size=3,
    )
)
def test_after_any_scans_the_peg_rows_are_the_pegs_the_lines_name(
    sessions: sessionmaker[Session],
    picture_id: int,
    scans: list[dict[str, list[tuple[int, str, int, str]]]],
) -> None:
    with sessions.begin() as session:
        session.execute(sa.delete(tables.order_pegs))
        session.execute(sa.delete(tables.order_risk))
    for hour, orders in enumerate(scans):
        at = FIRST_SCAN + timedelta(hours=hour)
        scan(
            sessions,
            picture_id,
            at,
            *(pegged_order(o, *pegs) for o, pegs in sorted(orders.items())),
        )
        assert peg_rows(sessions) == pegs_in_lines(sessions, picture_id)
