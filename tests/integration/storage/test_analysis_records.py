"""Recorded scans: each open order's latest risk, and a history of its status changes.

These scan one picture again and again; how the results outlive an import that replaces
the picture is in ``test_scan_results_across_imports.py``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from controltower.domain.analysis import (
    Allocation,
    Analysis,
    Blocker,
    HeldPeg,
    InboundPeg,
    LineOutcome,
    OrderOutcome,
    OrderRiskStatus,
    TransferAlternative,
)
from controltower.storage import tables
from controltower.storage.repository import (
    PictureNotFoundError,
    ScanRecordError,
    StatusChange,
    latest_scan_run,
    order_risk_rows,
    order_status_history,
)
from helpers.order_risk import record_analysis

pytestmark = pytest.mark.database

AS_OF = date(2026, 11, 25)
FIRST_SCAN = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
SECOND_SCAN = FIRST_SCAN + timedelta(hours=1)
THIRD_SCAN = FIRST_SCAN + timedelta(hours=2)


def outcome(order_id: str, status: OrderRiskStatus, *, at_risk: bool = False) -> OrderOutcome:
    """An order outcome with one plain line; the status is what these tests vary."""
    blockers = () if status is OrderRiskStatus.FULLY_ALLOCATED else (Blocker.NO_SUPPLY,)
    line = LineOutcome(
        order_id=order_id,
        line=1,
        sku="BRK-10A",
        warehouse="WH-MAIN",
        open_qty=Decimal(10),
        from_stock=Decimal(10),
        from_quality_hold=(),
        from_inbound=(),
        short_qty=Decimal(0),
        projected_date=AS_OF,
    )
    return OrderOutcome(
        order_id=order_id,
        customer="C001",
        warehouse="WH-MAIN",
        promised_date=AS_OF + timedelta(days=2),
        status=status,
        allocation=Allocation.FULL if not blockers else Allocation.NONE,
        blockers=blockers,
        projected_ship_date=AS_OF if not blockers else None,
        at_risk=at_risk,
        days_late=0 if not blockers else None,
        lines=(line,),
        open_value=Decimal("99.5"),
    )


def analysis_of(*orders: OrderOutcome, as_of: date = AS_OF) -> Analysis:
    return Analysis(as_of=as_of, orders=list(orders), pools={}, credit={})


def record(
    sessions: sessionmaker[Session], picture_id: int, analysis: Analysis, scanned_at: datetime
) -> None:
    with sessions.begin() as session:
        record_analysis(session, picture_id, analysis, scanned_at=scanned_at, policy_digest="p1")


def history(sessions: sessionmaker[Session], picture_id: int, order_id: str) -> list[StatusChange]:
    with sessions() as session:
        return order_status_history(session, picture_id, order_id)


def test_the_first_scan_records_every_open_order_as_new(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    analysis = analysis_of(
        outcome("SO2", OrderRiskStatus.SHORT, at_risk=True),
        outcome("SO1", OrderRiskStatus.FULLY_ALLOCATED),
    )
    with sessions.begin() as session:
        summary = record_analysis(
            session, picture_id, analysis, scanned_at=FIRST_SCAN, policy_digest="sha256:abc"
        )
    assert (summary.order_count, summary.at_risk_count) == (2, 1)
    assert (summary.new_orders, summary.changed_orders, summary.removed_orders) == (2, 0, 0)
    assert summary.returned_orders == 0
    with sessions() as session:
        rows = order_risk_rows(session, picture_id)
        run = latest_scan_run(session, picture_id)
    assert [row.outcome for row in rows] == [analysis.orders[1], analysis.orders[0]]
    assert {(row.scan_run_id, row.company) for row in rows} == {(summary.scan_run_id, "main")}
    assert run is not None
    assert (run.scan_run_id, run.as_of, run.scanned_at, run.policy_digest) == (
        summary.scan_run_id,
        AS_OF,
        FIRST_SCAN,
        "sha256:abc",
    )
    assert history(sessions, picture_id, "SO2") == [
        StatusChange(
            order_id="SO2",
            scan_run_id=summary.scan_run_id,
            as_of=AS_OF,
            from_status=None,
            to_status=OrderRiskStatus.SHORT,
            changed_at=FIRST_SCAN,
            company="main",
        )
    ]


def test_the_first_scans_history_is_appended_in_order_id_order_whatever_the_scan_order(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    # a first scan's history is copied from the rows it has just written; a later one's
    # is written from the scan's own columns: both append by order id (then company)
    analysis = analysis_of(
        outcome("SO2", OrderRiskStatus.SHORT, at_risk=True),
        outcome("SO10", OrderRiskStatus.FULLY_ALLOCATED),
        outcome("SO1", OrderRiskStatus.WAITING_ON_QUALITY, at_risk=True),
    )
    record(sessions, picture_id, analysis, FIRST_SCAN)
    table = tables.order_status_history
    with sessions() as session:
        appended = session.execute(
            sa.select(table.c.order_id, table.c.from_status, table.c.to_status).order_by(table.c.id)
        ).all()
    assert [tuple(row) for row in appended] == [
        ("SO1", None, OrderRiskStatus.WAITING_ON_QUALITY),
        ("SO10", None, OrderRiskStatus.FULLY_ALLOCATED),
        ("SO2", None, OrderRiskStatus.SHORT),
    ]


def test_a_rescan_appends_history_only_for_orders_whose_status_changed(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    record(
        sessions,
        picture_id,
        analysis_of(
            outcome("SO1", OrderRiskStatus.FULLY_ALLOCATED),
            outcome("SO2", OrderRiskStatus.SHORT),
        ),
        FIRST_SCAN,
    )
    with sessions.begin() as session:
        summary = record_analysis(
            session,
            picture_id,
            analysis_of(
                outcome("SO1", OrderRiskStatus.FULLY_ALLOCATED),
                outcome("SO2", OrderRiskStatus.FULLY_ALLOCATED),
            ),
            scanned_at=SECOND_SCAN,
            policy_digest="p1",
        )
    assert (summary.new_orders, summary.changed_orders, summary.removed_orders) == (0, 1, 0)
    assert [c.to_status for c in history(sessions, picture_id, "SO1")] == [
        OrderRiskStatus.FULLY_ALLOCATED
    ]
    so2 = history(sessions, picture_id, "SO2")
    assert [(c.from_status, c.to_status, c.changed_at) for c in so2] == [
        (None, OrderRiskStatus.SHORT, FIRST_SCAN),
        (OrderRiskStatus.SHORT, OrderRiskStatus.FULLY_ALLOCATED, SECOND_SCAN),
    ]
    with sessions() as session:
        rows = {row.outcome.order_id: row for row in order_risk_rows(session, picture_id)}
    assert rows["SO2"].outcome.status is OrderRiskStatus.FULLY_ALLOCATED
    # An unchanged order's row stays as the scan that last changed it wrote it.
    assert rows["SO1"].scan_run_id == summary.scan_run_id - 1
    assert rows["SO1"].updated_at == FIRST_SCAN
    assert (rows["SO2"].scan_run_id, rows["SO2"].updated_at) == (summary.scan_run_id, SECOND_SCAN)


def test_orders_no_longer_open_leave_the_order_risk_table_without_a_history_entry(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    record(
        sessions,
        picture_id,
        analysis_of(outcome("SO1", OrderRiskStatus.SHORT), outcome("SO2", OrderRiskStatus.SHORT)),
        FIRST_SCAN,
    )
    with sessions.begin() as session:
        summary = record_analysis(
            session,
            picture_id,
            analysis_of(outcome("SO2", OrderRiskStatus.SHORT)),
            scanned_at=SECOND_SCAN,
            policy_digest="p1",
        )
    assert (summary.new_orders, summary.changed_orders, summary.removed_orders) == (0, 0, 1)
    with sessions() as session:
        assert [r.outcome.order_id for r in order_risk_rows(session, picture_id)] == ["SO2"]
    assert [c.changed_at for c in history(sessions, picture_id, "SO1")] == [FIRST_SCAN]


def test_a_returning_order_is_compared_with_its_last_recorded_status(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    record(
        sessions,
        picture_id,
        analysis_of(outcome("SO1", OrderRiskStatus.SHORT), outcome("SO2", OrderRiskStatus.SHORT)),
        FIRST_SCAN,
    )
    record(sessions, picture_id, analysis_of(), SECOND_SCAN)
    with sessions.begin() as session:
        summary = record_analysis(
            session,
            picture_id,
            analysis_of(
                outcome("SO1", OrderRiskStatus.FULLY_ALLOCATED),
                outcome("SO2", OrderRiskStatus.SHORT),
            ),
            scanned_at=THIRD_SCAN,
            policy_digest="p1",
        )

    assert (summary.new_orders, summary.changed_orders, summary.returned_orders) == (0, 1, 2)
    assert [
        (c.from_status, c.to_status, c.changed_at) for c in history(sessions, picture_id, "SO1")
    ] == [
        (None, OrderRiskStatus.SHORT, FIRST_SCAN),
        (OrderRiskStatus.SHORT, OrderRiskStatus.FULLY_ALLOCATED, THIRD_SCAN),
    ]
    # back with the status it left with: no change, so no entry
    assert [c.changed_at for c in history(sessions, picture_id, "SO2")] == [FIRST_SCAN]
    with sessions() as session:
        rows = order_risk_rows(session, picture_id)
    assert [(r.outcome.order_id, r.scan_run_id) for r in rows] == [
        ("SO1", summary.scan_run_id),
        ("SO2", summary.scan_run_id),
    ]


def test_an_order_outcome_comes_back_exactly_as_recorded(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    line = LineOutcome(
        order_id="SO9",
        line=2,
        sku="CBL-2X14",
        warehouse="WH-EAST",
        open_qty=Decimal("40.5"),
        from_stock=Decimal("0.1"),
        from_quality_hold=(HeldPeg(qty=Decimal("0.2"), available_date=date(2026, 11, 27)),),
        from_inbound=(
            InboundPeg(po_id="PO77", line=2, qty=Decimal("15"), available_date=date(2026, 11, 28)),
        ),
        short_qty=Decimal("25.2"),
        projected_date=None,
        supply_date=None,
        unit_price=Decimal("1234567.123456"),
        alternatives=(
            TransferAlternative(
                from_warehouse="WH-WEST",
                free_qty=Decimal("600"),
                transit_days=2,
                arrival_date=date(2026, 11, 27),
                makes_promise=True,
            ),
        ),
    )
    order = OrderOutcome(
        order_id="SO9",
        customer="C001",
        warehouse="WH-MAIN",
        promised_date=date(2026, 11, 27),
        status=OrderRiskStatus.BLOCKED_BY_CREDIT,
        allocation=Allocation.PARTIAL,
        blockers=(Blocker.CREDIT, Blocker.NO_SUPPLY, Blocker.INBOUND),
        projected_ship_date=None,
        at_risk=True,
        days_late=None,
        lines=(line, replace(line, line=3, alternatives=(), from_inbound=())),
        explanation=("Line 2: 15 of 40.5 CBL-2X14 wait on PO77 — «not confirmed»",),
        open_value=Decimal("50000000.0000000001"),
    )
    record(sessions, picture_id, analysis_of(order), FIRST_SCAN)
    with sessions() as session:
        (row,) = order_risk_rows(session, picture_id)
    assert row.outcome == order
    assert row.outcome.lines[0].open_qty.as_tuple() == Decimal("40.5").as_tuple()


def test_recording_a_scan_of_an_unknown_picture_is_refused(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session, pytest.raises(PictureNotFoundError, match="no picture with id 42"):
        record_analysis(session, 42, analysis_of(), scanned_at=FIRST_SCAN, policy_digest="p1")


def test_an_order_from_a_warehouse_the_picture_does_not_hold_is_refused_and_nothing_recorded(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    stray = replace(outcome("SO7", OrderRiskStatus.SHORT), warehouse="WH-ELSEWHERE")
    with sessions() as session:
        with pytest.raises(ScanRecordError, match="order SO7 ships from warehouse 'WH-ELSEWHERE'"):
            record_analysis(
                session,
                picture_id,
                analysis_of(outcome("SO1", OrderRiskStatus.SHORT), stray),
                scanned_at=FIRST_SCAN,
                policy_digest="p1",
            )
        assert latest_scan_run(session, picture_id) is None
        assert order_risk_rows(session, picture_id) == []


def test_no_scan_recorded_yet_means_no_latest_run(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    with sessions() as session:
        assert latest_scan_run(session, picture_id) is None
        assert order_risk_rows(session, picture_id) == []
