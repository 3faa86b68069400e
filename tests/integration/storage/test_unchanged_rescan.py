"""A rescan of the picture the orders were last recorded from words no order again.

The scheduled worker scans every minute; between changes of the business it scans the
same picture as of the same day under the same policy, and the kernel's analysis, so
every order's row, comes out as stored. Such a rescan records its run and leaves the
orders' rows alone (``storage.order_risk.record_unchanged_orders``). Anything that may
change a row (another picture, another day, another policy, another release, a scan of
the companies by another picture since, a picture without a snapshot to compare) makes
the rescan record its orders in full, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from controltower.connectors.dataset import read_dataset
from controltower.domain.model import Dataset
from controltower.policy import load_policy
from controltower.storage import order_risk, tables
from controltower.storage.picture_store import SqlPictureStore
from controltower.storage.repository import replace_picture
from controltower.workflow import order_risk as workflow_order_risk
from controltower.workflow import stored_scan
from controltower.workflow.stored_scan import StoredScanResult, run_stored_scan

pytestmark = pytest.mark.database

MINIMAL = Path(__file__).resolve().parents[2] / "fixtures" / "datasets" / "minimal"
AS_OF = date(2026, 11, 25)
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
POLICY = load_policy(None)


def minimal() -> Dataset:
    return read_dataset(MINIMAL).dataset


def with_credit_released(dataset: Dataset) -> Dataset:
    """The next extract after C003's credit hold was lifted: SO1003 is no longer blocked."""
    customers = [
        replace(c, credit_hold=False) if c.code == "C003" else c for c in dataset.customers
    ]
    return replace(dataset, customers=customers)


def import_picture(sessions: sessionmaker[Session], dataset: Dataset) -> int:
    with sessions.begin() as session:
        return replace_picture(session, dataset, source="erp", imported_at=T0).picture_id


def scan(
    sessions: sessionmaker[Session],
    now: datetime,
    *,
    as_of: date = AS_OF,
    policy: Any = POLICY,
) -> StoredScanResult:
    with sessions.begin() as session:
        store = SqlPictureStore.for_company(session)
        return run_stored_scan(store, as_of=as_of, policy=policy, now=now)


def risk_rows(sessions: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    table = tables.order_risk
    with sessions() as session:
        return [tuple(row) for row in session.execute(sa.select(table).order_by(table.c.order_id))]


def runs(sessions: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    table = tables.scan_runs
    query = sa.select(table.c.id, table.c.picture_id, table.c.picture_digest).order_by(table.c.id)
    with sessions() as session:
        return [tuple(row) for row in session.execute(query)]


@pytest.fixture
def worded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a scan worded its orders (made their rows to record in full)."""
    calls: list[int] = []
    real: Callable[..., Any] = workflow_order_risk.order_risk_columns

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(stored_scan, "order_risk_columns", counting)
    return calls


def test_a_rescan_of_the_same_picture_records_its_run_and_leaves_the_orders(
    sessions: sessionmaker[Session], worded: list[int]
) -> None:
    import_picture(sessions, minimal())
    first = scan(sessions, T0)
    before = risk_rows(sessions)
    again = scan(sessions, T0 + timedelta(hours=1))

    assert len(worded) == 1, "the rescan made the orders' rows again"
    assert again.orders == first.orders
    assert again.at_risk == first.at_risk
    assert again.status_changes == 0
    assert risk_rows(sessions) == before
    (_, picture, digest), (_, same_picture, same_digest) = runs(sessions)
    assert digest is not None
    assert (same_picture, same_digest) == (picture, digest)


def test_a_rescan_keeps_the_cases_as_a_full_one_does(
    sessions: sessionmaker[Session], worded: list[int]
) -> None:
    import_picture(sessions, minimal())
    first = scan(sessions, T0)
    again = scan(sessions, T0 + timedelta(hours=1))

    assert len(worded) == 1
    assert again.exceptions == first.exceptions
    assert again.active_cases == first.active_cases
    assert (again.opened, again.resolved, again.reopened) == (0, 0, 0)


def test_a_new_picture_is_recorded_in_full(
    sessions: sessionmaker[Session], worded: list[int]
) -> None:
    import_picture(sessions, minimal())
    scan(sessions, T0)
    import_picture(sessions, with_credit_released(minimal()))
    again = scan(sessions, T0 + timedelta(hours=1))

    assert len(worded) == 2
    assert again.status_changes == 1, "SO1003 is no longer blocked by credit"


def test_another_day_is_recorded_in_full(
    sessions: sessionmaker[Session], worded: list[int]
) -> None:
    import_picture(sessions, minimal())
    scan(sessions, T0)
    scan(sessions, T0 + timedelta(days=1), as_of=AS_OF + timedelta(days=1))

    assert len(worded) == 2


def test_another_policy_is_recorded_in_full(
    sessions: sessionmaker[Session], worded: list[int]
) -> None:
    import_picture(sessions, minimal())
    scan(sessions, T0)
    stricter = POLICY.model_copy(
        update={
            "allocation": POLICY.allocation.model_copy(
                update={"receipt_handling_days": POLICY.allocation.receipt_handling_days + 1}
            )
        }
    )
    scan(sessions, T0 + timedelta(hours=1), policy=stricter)

    assert len(worded) == 2


def test_another_release_is_recorded_in_full(
    sessions: sessionmaker[Session], worded: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    import_picture(sessions, minimal())
    scan(sessions, T0)
    monkeypatch.setattr(order_risk, "__version__", "99.0.0")
    scan(sessions, T0 + timedelta(hours=1))

    assert len(worded) == 2


def test_a_scan_of_the_companies_since_by_another_picture_is_recorded_in_full(
    sessions: sessionmaker[Session], worded: list[int]
) -> None:
    picture = import_picture(sessions, minimal())
    scan(sessions, T0)
    with sessions.begin() as session:
        (companies,) = session.execute(
            sa.select(tables.scan_runs.c.companies).where(tables.scan_runs.c.picture_id == picture)
        ).one()
        # the run an earlier picture of the same companies left (its picture replaced)
        session.execute(
            sa.insert(tables.scan_runs).values(
                picture_id=None,
                companies=companies,
                as_of=AS_OF,
                scanned_at=T0 + timedelta(minutes=30),
                policy_digest=stored_scan.policy_digest(POLICY),
                order_count=0,
                at_risk_count=0,
            )
        )
    scan(sessions, T0 + timedelta(hours=1))

    assert len(worded) == 2


def test_a_picture_without_a_snapshot_is_recorded_in_full(
    sessions: sessionmaker[Session], worded: list[int]
) -> None:
    import_picture(sessions, minimal())
    scan(sessions, T0)
    with sessions.begin() as session:
        session.execute(sa.delete(tables.picture_snapshots))
    again = scan(sessions, T0 + timedelta(hours=1))

    assert len(worded) == 2
    assert again.status_changes == 0
    assert runs(sessions)[-1][2] is None
