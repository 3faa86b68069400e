"""Scan results belong to companies: an import replacing the picture keeps every history.

The normal CSV workflow re-imports the ERP's dataset every morning, and every import
replaces the picture with a new one. These scenarios import, run the stored scan,
import again and scan again, and check that each order's risk and status history carry
over to the new picture of its company, and stay apart from other companies'.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from controltower.connectors.dataset import read_dataset
from controltower.domain.analysis import Allocation, Analysis, OrderOutcome, OrderRiskStatus
from controltower.domain.model import Dataset, OrderStatus
from controltower.policy import load_policy
from controltower.storage import tables
from controltower.storage.picture_store import SqlPictureStore
from controltower.storage.repository import (
    StatusChange,
    latest_scan_run,
    order_risk_rows,
    order_status_history,
    replace_picture,
)
from controltower.workflow.stored_scan import StoredScanResult, run_stored_scan
from helpers.order_risk import record_analysis

pytestmark = pytest.mark.database

MINIMAL = Path(__file__).resolve().parents[2] / "fixtures" / "datasets" / "minimal"
AS_OF = date(2026, 11, 25)
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
NEXT_MORNING = T0 + timedelta(days=1)
ORDERS = ("SO1001", "SO1002", "SO1003")
POLICY = load_policy(None)


def minimal(company: str = "main") -> Dataset:
    """The minimal business (open orders SO1001-SO1003), its warehouses in ``company``."""
    dataset = read_dataset(MINIMAL).dataset
    return replace(dataset, warehouses=[replace(w, company=company) for w in dataset.warehouses])


def with_credit_released(dataset: Dataset) -> Dataset:
    """The next extract after C003's credit hold was lifted: SO1003 is no longer blocked."""
    customers = [
        replace(c, credit_hold=False) if c.code == "C003" else c for c in dataset.customers
    ]
    return replace(dataset, customers=customers)


def with_order_status(dataset: Dataset, order_id: str, status: OrderStatus) -> Dataset:
    orders = [
        replace(o, status=status) if o.order_id == order_id else o for o in dataset.sales_orders
    ]
    return replace(dataset, sales_orders=orders)


def import_picture(sessions: sessionmaker[Session], dataset: Dataset, at: datetime) -> int:
    with sessions.begin() as session:
        return replace_picture(session, dataset, source="erp", imported_at=at).picture_id


def scan(sessions: sessionmaker[Session], now: datetime, company: str = "main") -> StoredScanResult:
    with sessions.begin() as session:
        store = SqlPictureStore.for_company(session, company)
        return run_stored_scan(store, as_of=AS_OF, policy=POLICY, now=now)


def histories(
    sessions: sessionmaker[Session], picture_id: int, order_ids: tuple[str, ...] = ORDERS
) -> dict[str, list[StatusChange]]:
    with sessions() as session:
        return {
            order_id: order_status_history(session, picture_id, order_id) for order_id in order_ids
        }


def history_rows(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        count = sa.select(sa.func.count()).select_from(tables.order_status_history)
        return session.execute(count).scalar_one()


def test_re_importing_the_same_dataset_and_scanning_again_records_no_status_change(
    sessions: sessionmaker[Session],
) -> None:
    first_picture = import_picture(sessions, minimal(), T0)
    first = scan(sessions, T0)
    before = histories(sessions, first_picture)

    second_picture = import_picture(sessions, minimal(), NEXT_MORNING)
    second = scan(sessions, NEXT_MORNING)

    assert second_picture != first_picture
    assert (first.status_changes, second.status_changes) == (3, 0)
    assert histories(sessions, second_picture) == before
    assert all(len(changes) == 1 for changes in before.values())
    with sessions() as session:
        rows = order_risk_rows(session, second_picture)
        latest = latest_scan_run(session, second_picture)
    assert [row.outcome.order_id for row in rows] == list(ORDERS)
    # nothing changed: every row is still the one the first scan wrote
    assert {(row.scan_run_id, row.updated_at) for row in rows} == {(first.scan_run_id, T0)}
    assert latest is not None
    assert latest.scan_run_id == second.scan_run_id


def test_re_importing_with_one_order_changed_adds_exactly_one_history_row_for_it(
    sessions: sessionmaker[Session],
) -> None:
    import_picture(sessions, minimal(), T0)
    scan(sessions, T0)
    rows_before = history_rows(sessions)

    picture = import_picture(sessions, with_credit_released(minimal()), NEXT_MORNING)
    result = scan(sessions, NEXT_MORNING)

    assert result.status_changes == 1
    assert history_rows(sessions) == rows_before + 1
    changes = histories(sessions, picture)
    assert [len(changes[order_id]) for order_id in ORDERS] == [1, 1, 2]
    first, second = changes["SO1003"]
    assert (first.from_status, first.to_status) == (None, OrderRiskStatus.BLOCKED_BY_CREDIT)
    assert second.from_status is OrderRiskStatus.BLOCKED_BY_CREDIT
    assert second.to_status is not OrderRiskStatus.BLOCKED_BY_CREDIT
    assert (second.scan_run_id, second.changed_at) == (result.scan_run_id, NEXT_MORNING)
    with sessions() as session:
        stored = {row.outcome.order_id: row.outcome for row in order_risk_rows(session, picture)}
    assert stored["SO1003"].status is second.to_status


def test_two_companies_in_separate_pictures_keep_separate_histories(
    sessions: sessionmaker[Session],
) -> None:
    north = import_picture(sessions, minimal("north"), T0)
    south = import_picture(sessions, minimal("south"), T0)
    scan(sessions, T0, "north")
    scan(sessions, T0, "south")

    south = import_picture(sessions, with_credit_released(minimal("south")), NEXT_MORNING)
    changed = scan(sessions, NEXT_MORNING, "south")

    assert changed.status_changes == 1
    north_history, south_history = histories(sessions, north), histories(sessions, south)
    assert {c.company for changes in north_history.values() for c in changes} == {"north"}
    assert {c.company for changes in south_history.values() for c in changes} == {"south"}
    assert [len(north_history[order_id]) for order_id in ORDERS] == [1, 1, 1]
    assert [len(south_history[order_id]) for order_id in ORDERS] == [1, 1, 2]
    with sessions() as session:
        north_rows, south_rows = order_risk_rows(session, north), order_risk_rows(session, south)
    assert [(r.company, r.outcome.order_id) for r in north_rows] == [("north", o) for o in ORDERS]
    assert [(r.company, r.outcome.order_id) for r in south_rows] == [("south", o) for o in ORDERS]
    assert {r.outcome.status for r in north_rows if r.outcome.order_id == "SO1003"} == {
        OrderRiskStatus.BLOCKED_BY_CREDIT
    }


def test_an_order_closed_by_one_import_and_reopened_by_the_next_continues_its_history(
    sessions: sessionmaker[Session],
) -> None:
    import_picture(sessions, minimal(), T0)
    scan(sessions, T0)
    closed = import_picture(sessions, with_order_status(minimal(), "SO1003", OrderStatus.DONE), T0)
    left = scan(sessions, T0 + timedelta(hours=1))
    with sessions() as session:
        assert [r.outcome.order_id for r in order_risk_rows(session, closed)] == [
            "SO1001",
            "SO1002",
        ]

    reopened = import_picture(sessions, with_credit_released(minimal()), NEXT_MORNING)
    back = scan(sessions, NEXT_MORNING)

    assert (left.status_changes, back.status_changes) == (0, 1)
    changes = histories(sessions, reopened, ("SO1003",))["SO1003"]
    assert [(c.from_status, c.changed_at) for c in changes] == [
        (None, T0),
        (OrderRiskStatus.BLOCKED_BY_CREDIT, NEXT_MORNING),
    ]


def test_a_replaced_picture_leaves_its_scan_runs_with_their_companies_and_no_picture(
    sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    picture = import_picture(sessions, make_business("south", "north"), T0)
    empty = Analysis(as_of=AS_OF, orders=[], pools={}, credit={})
    with sessions.begin() as session:
        run = record_analysis(session, picture, empty, scanned_at=T0, policy_digest="p")
    with sessions() as session:
        stored = session.execute(sa.select(tables.scan_runs)).one()
    assert (stored.picture_id, stored.companies) == (picture, "north,south")

    import_picture(sessions, make_business("south", "north"), NEXT_MORNING)

    with sessions() as session:
        kept = session.execute(sa.select(tables.scan_runs)).one()
    assert (kept.id, kept.picture_id, kept.companies) == (run.scan_run_id, None, "north,south")


def test_an_order_moved_to_another_companys_warehouse_starts_a_history_there(
    sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    dataset = make_business("north", "south")
    picture = import_picture(sessions, dataset, T0)
    with sessions.begin() as session:
        record_analysis(
            session, picture, analysis_of(order_at("WH-NORTH")), scanned_at=T0, policy_digest="p"
        )
    moved = replace(
        dataset,
        sales_orders=[replace(o, warehouse="WH-SOUTH") for o in dataset.sales_orders],
        picks=[],
    )
    picture = import_picture(sessions, moved, NEXT_MORNING)

    with sessions.begin() as session:
        summary = record_analysis(
            session,
            picture,
            analysis_of(order_at("WH-SOUTH")),
            scanned_at=NEXT_MORNING,
            policy_digest="p",
        )

    assert (summary.new_orders, summary.removed_orders, summary.changed_orders) == (1, 1, 0)
    with sessions() as session:
        (row,) = order_risk_rows(session, picture)
        changes = order_status_history(session, picture, "SO1001")
    assert row.company == "south"
    assert [(c.company, c.from_status, c.changed_at) for c in changes] == [
        ("south", None, NEXT_MORNING)
    ]
    assert history_rows(sessions) == 2


def order_at(warehouse: str) -> OrderOutcome:
    return OrderOutcome(
        order_id="SO1001",
        customer="C001",
        warehouse=warehouse,
        promised_date=date(2026, 11, 27),
        status=OrderRiskStatus.FULLY_ALLOCATED,
        allocation=Allocation.FULL,
        blockers=(),
        projected_ship_date=date(2026, 11, 26),
        at_risk=False,
        days_late=0,
        lines=(),
    )


def analysis_of(*orders: OrderOutcome) -> Analysis:
    return Analysis(as_of=AS_OF, orders=list(orders), pools={}, credit={})


def stored_rows(sessions: sessionmaker[Session]) -> dict[str, tuple[object, ...]]:
    """Each stored order's row: its scan, time, digest and texts."""
    table = tables.order_risk
    query = sa.select(
        table.c.order_id,
        table.c.scan_run_id,
        table.c.updated_at,
        table.c.content_digest,
        table.c.explanation,
    )
    with sessions() as session:
        return {row[0]: tuple(row[1:]) for row in session.execute(query)}


def test_a_rescan_leaves_unchanged_orders_alone_and_rewrites_only_the_changed_one(
    sessions: sessionmaker[Session],
) -> None:
    import_picture(sessions, minimal(), T0)
    scan(sessions, T0)
    before = stored_rows(sessions)
    import_picture(sessions, with_credit_released(minimal()), NEXT_MORNING)
    result = scan(sessions, NEXT_MORNING)
    after = stored_rows(sessions)

    assert after.keys() == before.keys() == set(ORDERS)
    changed = {order_id for order_id in ORDERS if after[order_id][2:] != before[order_id][2:]}
    assert changed == {"SO1003"}
    assert after["SO1003"][:2] == (result.scan_run_id, NEXT_MORNING)
    assert {order_id: after[order_id] for order_id in ORDERS if order_id != "SO1003"} == {
        order_id: before[order_id] for order_id in ORDERS if order_id != "SO1003"
    }
    assert all(row[2] for row in after.values())


def test_a_picture_whose_warehouse_moved_to_another_company_rescans_its_cases_where_filed(
    sessions: sessionmaker[Session],
) -> None:
    """A case stays under the company it was filed under when the next picture files it
    elsewhere; what the scan keeps beside it (its routing facts) goes there too."""
    dataset = minimal()
    import_picture(sessions, dataset, T0)
    first = scan(sessions, T0)
    assert first.opened > 0
    east, *others = dataset.warehouses
    split = replace(dataset, warehouses=[replace(east, company="östlich ✓"), *others])
    import_picture(sessions, split, NEXT_MORNING)

    again = scan(sessions, NEXT_MORNING)

    assert again.opened + again.updated + again.reopened > 0
    with sessions() as session:
        cases = tables.exception_cases
        facts = tables.case_routing_facts
        orphans = session.execute(
            sa.select(sa.func.count())
            .select_from(facts)
            .outerjoin(
                cases,
                sa.and_(
                    cases.c.scope_company == facts.c.scope_company, cases.c.id == facts.c.case_id
                ),
            )
            .where(cases.c.id.is_(None))
        ).scalar_one()
        scopes = set(session.execute(sa.select(cases.c.scope_company).distinct()).scalars())
    assert orphans == 0
    assert scopes == {"main"}
