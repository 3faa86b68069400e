"""A stored scan whose orders are worded by a forked child records what one process does.

A command's own stored scan of a large picture has a forked child word the orders
(``workflow/order_texts_aside.py``) while it keeps the cases, and records the orders
after them. Here every scan asked to fork does, whatever the picture's size, and what it
leaves in the database is compared with the scan of one process: the same order rows,
history, pegs, line blocks, cases and events. A child that fails leaves the scan to word
the orders itself; a scan that fails leaves no child behind; a change of policy is
audited once either way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from controltower.demo import generate_business
from controltower.domain.kernel import ColumnarAnalysis
from controltower.domain.tables import DatasetTables
from controltower.policy import load_policy
from controltower.storage import tables
from controltower.storage.audit import AuditFilters, walk_entries
from controltower.storage.picture_store import SqlPictureStore
from controltower.storage.repository import replace_picture
from controltower.workflow import order_texts_aside, stored_scan
from controltower.workflow.order_risk import OrderTexts
from controltower.workflow.stored_scan import StoredScanResult, run_stored_scan

pytestmark = [
    pytest.mark.database,
    pytest.mark.skipif(not hasattr(os, "fork"), reason="the child is forked (POSIX)"),
]

AS_OF = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
IMPORTED_AT = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)

#: the tables a scan writes, read without the numbers a sequence gives (PostgreSQL's
#: sequences move on in a transaction rolled back)
RECORDED = (
    "order_risk",
    "order_status_history",
    "order_pegs",
    "order_line_blocks",
    "exception_cases",
    "case_events",
    "case_routing_facts",
)
SEQUENCED = frozenset({("order_status_history", "id"), ("scan_runs", "id")})


class CountedAside(order_texts_aside.OrderTextsAside):
    """The aside, remembering each one made (so each child forked)."""

    made: ClassVar[list[CountedAside]] = []

    def __init__(self, result: ColumnarAnalysis, tables_: DatasetTables) -> None:
        super().__init__(result, tables_)
        CountedAside.made.append(self)

    @property
    def pid(self) -> int:
        return self._pid

    @property
    def exit_code(self) -> int | None:
        return self._exit_code


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[CountedAside]:
    """Every scan asked to fork does (whatever the picture's size or day); the asides
    made, one per child forked."""
    CountedAside.made = []
    monkeypatch.setattr(stored_scan, "words_aside", lambda _result, *, allowed: allowed)
    monkeypatch.setattr(stored_scan, "OrderTextsAside", CountedAside)
    return CountedAside.made


@pytest.fixture
def picture_id(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        dataset = generate_business("small", seed=5, as_of=AS_OF)
        return replace_picture(
            session, dataset, source="demo:small", imported_at=IMPORTED_AT
        ).picture_id


def recorded(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the scan tables hold, sorted, without sequence-given ids."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    for name in RECORDED:
        table = tables.metadata.tables[name]
        columns = [
            c for c in table.columns if (name, c.name) not in SEQUENCED and c.name != "scan_run_id"
        ]
        rows = session.execute(sa.select(*columns)).all()
        found[name] = sorted((tuple(row) for row in rows), key=repr)
    return found


def scan_and_read(
    sessions: sessionmaker[Session], picture_id: int, *, fork: bool
) -> tuple[StoredScanResult, dict[str, list[tuple[Any, ...]]]]:
    """Scan, read what it recorded, and roll it back."""
    with sessions() as session:
        result = run_stored_scan(
            SqlPictureStore(session, picture_id),
            as_of=AS_OF,
            policy=load_policy(None),
            now=NOW,
            fork=fork,
        )
        rows = recorded(session)
        session.rollback()
    return result, rows


def test_orders_worded_by_a_child_are_recorded_as_one_process_records_them(
    sessions: sessionmaker[Session], picture_id: int, forks: list[CountedAside]
) -> None:
    alone, rows_alone = scan_and_read(sessions, picture_id, fork=False)
    assert forks == []
    aside, rows_aside = scan_and_read(sessions, picture_id, fork=True)

    (child,) = forks
    assert child.exit_code == 0, "the child worded the orders"
    assert rows_alone["order_risk"], "the demo has open orders"
    assert rows_alone["exception_cases"], "and exceptions"
    for name in RECORDED:
        assert rows_aside[name] == rows_alone[name], name
    assert replace(aside, scan_run_id=0) == replace(alone, scan_run_id=0)


def test_a_child_that_fails_leaves_the_scan_to_word_the_orders_itself(
    sessions: sessionmaker[Session],
    picture_id: int,
    forks: list[CountedAside],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, rows_alone = scan_and_read(sessions, picture_id, fork=False)

    def failing(*_args: object) -> Iterator[OrderTexts]:
        raise MemoryError("the child ran out of memory")

    # the child's own copy of the module fails; the scan's fallback words with its own
    monkeypatch.setattr(order_texts_aside, "worded_order_chunks", failing)
    _, rows_aside = scan_and_read(sessions, picture_id, fork=True)

    (aside,) = forks
    assert aside.exit_code not in (None, 0), "the child failed"
    for name in RECORDED:
        assert rows_aside[name] == rows_alone[name], name


def test_a_scan_that_fails_while_the_child_words_leaves_no_child_and_no_row(
    sessions: sessionmaker[Session],
    picture_id: int,
    forks: list[CountedAside],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def failing(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(SqlPictureStore, "save_cases", failing)
    with pytest.raises(RuntimeError, match="went away"), sessions.begin() as session:
        run_stored_scan(
            SqlPictureStore(session, picture_id),
            as_of=AS_OF,
            policy=load_policy(None),
            now=NOW,
            fork=True,
        )

    (aside,) = forks
    with pytest.raises(ChildProcessError):
        os.waitpid(aside.pid, os.WNOHANG)  # reaped already: not left running or a zombie
    with sessions() as session:
        assert all(not rows for rows in recorded(session).values())


def test_a_change_of_policy_is_audited_once_when_the_orders_come_after_the_cases(
    sessions: sessionmaker[Session], picture_id: int, forks: list[CountedAside], tmp_path: Path
) -> None:
    stricter = tmp_path / "stricter.toml"
    stricter.write_text("[detectors.pricing_variance]\ntolerance_pct = 0.5\n", encoding="utf-8")

    def scan(policy: Callable[[], Any], at: datetime) -> None:
        with sessions.begin() as session:
            run_stored_scan(
                SqlPictureStore(session, picture_id),
                as_of=AS_OF,
                policy=policy(),
                now=at,
                fork=True,
            )

    scan(lambda: load_policy(None), NOW)
    scan(lambda: load_policy(stricter), NOW + timedelta(hours=1))

    assert [aside.exit_code for aside in forks] == [0, 0], "both worded by a child"
    with sessions() as session:
        (entry,) = walk_entries(session, AuditFilters(action="policy.change"))
    assert entry.record.reason is not None
    assert entry.record.reason.startswith("scan run 2 of ")
