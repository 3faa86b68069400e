"""Two approvers acting at the same moment, each on a connection of their own.

The decisions are held at the starting line: a third connection takes the turn every
decision takes first (the picture's turn: PostgreSQL's advisory lock, SQLite's write
lock) and both approvers are started against it, so both are inside their decision,
waiting, when it is released. On PostgreSQL the test waits until the server reports
both connections waiting on a lock. Whatever the order they then run in, a request
needing one approval gets exactly one: one approver executes it, the other is told it
is decided (409), and the picture is changed once, with one ERP outbox row and one
``action.execute`` audit entry. A request needing two gets both and is executed once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from controltower.api import action_commands as actions
from controltower.api.action_commands import ActionConflictError, StoredAction
from controltower.api.scope import resolve_scope
from controltower.domain.model import OrderStatus, Tier
from controltower.domain.people import Principal, Role
from controltower.storage import tables
from controltower.storage.audit import entries_of, verify_chain
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.erp_outbox import entries_of_action
from controltower.storage.people import find_person
from controltower.storage.repository import take_picture_turn
from helpers.people import add_test_person
from helpers.scanned_demo import AS_OF, demo_dataset, load_scanned_demo

pytestmark = pytest.mark.database

NOW = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)

#: how long the test waits for both approvers to be held at the line (not an assertion)
HOLD_LIMIT_SECONDS = 30.0


@dataclass
class Setting:
    url: str
    sessions: sessionmaker[Session]
    people: dict[str, Principal]


@pytest.fixture
def setting(migrated_database_url: str) -> Iterator[Setting]:
    url = migrated_database_url
    load_scanned_demo(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    people: dict[str, Principal] = {}
    for login, role in (("ann", Role.FRONTLINE), ("mia", Role.MANAGER), ("max", Role.MANAGER)):
        add_test_person(url, login, role=role)
        with sessions() as session:
            person = find_person(session, login)
        assert person is not None
        people[login] = person.principal()
    try:
        yield Setting(url, sessions, people)
    finally:
        engine.dispose()


def request(setting: Setting, action_type: str, params: dict[str, Any]) -> StoredAction:
    with setting.sessions() as session:
        return actions.request_action(
            session,
            resolve_scope(session, None, setting.people["ann"]),
            setting.people["ann"],
            action_type,
            params,
            reason_code="customer_request",
            note="",
            now=NOW,
            request_id=None,
        )


def approve_on_own_connection(url: str, approver: Principal, action_id: int) -> Any:
    """Approve on a new engine (a connection of its own); the answer or the error."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            scope = resolve_scope(session, None, approver)
            return actions.approve(
                session, scope, approver, action_id, note="", now=NOW, request_id=None
            )
    except Exception as error:
        return error
    finally:
        engine.dispose()


def waiting_on_locks(sessions: sessionmaker[Session]) -> int:
    """PostgreSQL connections of this database waiting on a lock right now."""
    with sessions() as session:
        return int(
            session.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )


def at_the_same_moment(setting: Setting, *work: Callable[[], Any]) -> list[Any]:
    """Run ``work`` on threads held behind the decisions' turn, then release them."""
    results: list[Any] = [None] * len(work)
    start = threading.Barrier(len(work) + 1)

    def run(index: int) -> None:
        start.wait()
        results[index] = work[index]()

    holder = setting.sessions()
    take_picture_turn(holder, work="the test")
    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(work))]
    for thread in threads:
        thread.start()
    start.wait()
    deadline = time.monotonic() + HOLD_LIMIT_SECONDS
    if holder.connection().dialect.name == "postgresql":
        while waiting_on_locks(setting.sessions) < len(work) and time.monotonic() < deadline:
            time.sleep(0.05)
    else:
        time.sleep(0.5)  # SQLite shows no waiters; both are on their way to the lock
    holder.rollback()
    holder.close()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive()
    return results


def strategic_promise_change() -> dict[str, Any]:
    dataset = demo_dataset()
    tiers = {c.code: c.tier for c in dataset.customers}
    to_ship = {line.order_id for line in dataset.sales_order_lines if line.qty > line.qty_shipped}
    order = next(
        o
        for o in dataset.sales_orders
        if o.status is OrderStatus.OPEN
        and tiers[o.customer] is Tier.STRATEGIC
        and o.order_id in to_ship
    )
    promise = max(order.promised_date, AS_OF) + timedelta(days=9)
    return {"order_id": order.order_id, "promised_date": promise.isoformat()}


def executions(setting: Setting, action_id: int) -> tuple[list[str], int]:
    with setting.sessions() as session:
        verbs = [e.record.action for e in entries_of(session, "action", str(action_id))]
        outbox = len(entries_of_action(session, action_id))
        assert verify_chain(session).intact
    return verbs, outbox


def test_two_approvers_at_the_same_moment_give_exactly_one_outcome(setting: Setting) -> None:
    asked = request(setting, "change_promised_date", strategic_promise_change())
    assert asked.approvals_needed == 1

    outcomes = at_the_same_moment(
        setting,
        lambda: approve_on_own_connection(setting.url, setting.people["mia"], asked.id),
        lambda: approve_on_own_connection(setting.url, setting.people["max"], asked.id),
    )

    done = [o for o in outcomes if isinstance(o, StoredAction)]
    refused = [o for o in outcomes if isinstance(o, ActionConflictError)]
    assert len(done) == 1, outcomes
    assert len(refused) == 1, outcomes
    assert done[0].state == "executed"
    assert "is executed" in str(refused[0])
    assert [d.login for d in done[0].decisions] == [done[0].executed_by]
    verbs, outbox = executions(setting, asked.id)
    assert verbs == ["action.request", "action.approve", "action.execute"]
    assert outbox == 1
    with setting.sessions() as session:
        decisions = session.execute(
            sa.select(sa.func.count()).where(tables.action_decisions.c.action_id == asked.id)
        ).scalar_one()
    assert decisions == 1


def test_two_approvals_at_the_same_moment_complete_a_dual_approval_once(
    setting: Setting,
) -> None:
    dataset = demo_dataset()
    costs = {p.sku: p.unit_cost for p in dataset.products if p.unit_cost}
    row = next(s for s in dataset.stock if costs.get(s.sku))
    more = (2000 / costs[row.sku]).to_integral_value() + 1
    params = {"sku": row.sku, "warehouse": row.warehouse, "on_hand": str(row.on_hand + more)}
    asked = request(setting, "adjust_inventory", params)
    assert asked.approvals_needed == 2
    with setting.sessions() as session:
        actions.attach_file(
            session,
            resolve_scope(session, None, setting.people["ann"]),
            setting.people["ann"],
            asked.id,
            kind="count_sheet",
            filename="count.txt",
            content=b"counted again on Tuesday\n",
            now=NOW,
            request_id=None,
            max_bytes=10_000,
        )

    outcomes = at_the_same_moment(
        setting,
        lambda: approve_on_own_connection(setting.url, setting.people["mia"], asked.id),
        lambda: approve_on_own_connection(setting.url, setting.people["max"], asked.id),
    )

    assert all(isinstance(o, StoredAction) for o in outcomes), outcomes
    assert sorted(o.state for o in outcomes) == ["awaiting_approval", "executed"]
    verbs, outbox = executions(setting, asked.id)
    assert verbs.count("action.approve") == 2
    assert verbs.count("action.execute") == 1
    assert verbs[-1] == "action.execute"
    assert outbox == 1
