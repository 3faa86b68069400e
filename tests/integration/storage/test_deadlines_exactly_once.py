"""Deadlines fire exactly once: two real ``controltower worker`` processes on one
database, one of them killed (SIGKILL) in the middle of an escalation and started
again; then ``worker --once`` twice in a row, the second sending nothing new.

Every open case of the scanned demo is given a first deadline a month ago, so each must
climb the whole ladder (team lead, manager, executive). On PostgreSQL the kill is
certain to land inside an escalation transaction: the test holds the executive's user
row, so the first worker to tell the executive waits, mid-transaction, with deadlines
already fired before it and others still due; it is killed there. On SQLite (one writer
at a time, nothing to wait on inside a transaction) it is killed as soon as its first
escalations are committed. Either way, the end state must show each step fired once per
case, each notification queued once and each email received once by a real SMTP server.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Final

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from controltower.domain.cases import EventKind
from controltower.domain.escalation import EscalationStep, people_at_step
from controltower.domain.notifications import Preferences
from controltower.domain.people import Role
from controltower.policy import load_policy
from controltower.storage import tables
from controltower.storage.cases import case_event
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.notifications import colleagues
from helpers.cli_runs import run_cli
from helpers.notify_peers import add_told_person, smtp_server
from helpers.scanned_demo import scan, store_demo

pytestmark = pytest.mark.database

TEAM = "customer_service@MAN"
EVERYTHING_NOW = Preferences(digest_severities=frozenset())
LADDER = load_policy().escalation.to_domain()
#: how long the test waits for the workers to reach each point
PATIENCE: Final = 180.0


@dataclass
class Worker:
    """A ``controltower worker`` process and the files it writes its lines to."""

    process: subprocess.Popen[bytes]
    out: Path
    err: Path

    def lines(self) -> str:
        return self.out.read_text("utf-8") + self.err.read_text("utf-8")


def start_worker(url: str, smtp_url: str, folder: Path, name: str) -> Worker:
    """``controltower worker --interval 5`` on ``url``; only the given settings count."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONTROLTOWER_")}
    environment.update(
        DATABASE_URL=url, SMTP_URL=smtp_url, NOTIFY_FROM="tower@example.com", COLUMNS="200"
    )
    out, err = folder / f"{name}.out", folder / f"{name}.err"
    command = [
        sys.executable,
        "-c",
        "from controltower.cli.main import app; app()",
        "worker",
        "--interval",
        "5",
    ]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(command, env=environment, stdout=stdout, stderr=stderr)
    return Worker(process, out, err)


def wait_until(what: str, ready: Callable[[], bool], workers: list[Worker]) -> None:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if ready():
            return
        for worker in workers:
            if worker.process.poll() is not None:
                pytest.fail(f"a worker stopped while waiting for {what}: {worker.lines()}")
        time.sleep(0.02)
    pytest.fail(f"gave up waiting for {what}: " + " | ".join(w.lines() for w in workers))


def stop(worker: Worker) -> str:
    """SIGTERM, as a service manager stops it; what it wrote."""
    worker.process.send_signal(signal.SIGTERM)
    worker.process.wait(timeout=PATIENCE)
    return worker.lines()


def count(engine: Engine, query: sa.Select[int]) -> int:
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def escalated_events(engine: Engine) -> int:
    events = tables.case_events
    return count(
        engine, sa.select(sa.func.count()).where(events.c.kind == str(EventKind.ESCALATED))
    )


def due_deadlines(engine: Engine) -> int:
    """Open cases whose deadline has passed by the database's clock."""
    cases = tables.exception_cases
    return count(
        engine,
        sa.select(sa.func.count()).where(
            cases.c.state == "open",
            cases.c.next_escalation_at.is_not(None),
            cases.c.next_escalation_at <= datetime.now(UTC),
        ),
    )


def unsent_email(engine: Engine) -> int:
    """Email rows neither sent nor held by a delivery's lease (a killed worker's claim)."""
    n = tables.notifications
    return count(
        engine,
        sa.select(sa.func.count()).where(
            n.c.channel == "email", n.c.state == "pending", n.c.claimed_until.is_(None)
        ),
    )


def waiting_to_tell(engine: Engine) -> bool:
    """Whether a session waits on a lock to queue a notification (PostgreSQL)."""
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO notifications%'"
    )
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one()) > 0


@contextmanager
def executive_held(engine: Engine) -> Iterator[Callable[[], None]]:
    """Hold the executive's user row (PostgreSQL): an insert naming them waits for it.
    Yields the release."""
    connection = engine.connect()
    transaction = connection.begin()
    users = tables.users
    connection.execute(sa.select(users.c.id).where(users.c.login == "chief").with_for_update())

    def release() -> None:
        if transaction.is_active:
            transaction.rollback()

    try:
        yield release
    finally:
        release()
        connection.close()


def arrange(url: str) -> tuple[str, frozenset[str]]:
    """The demo scanned today, people for every step, and every open case's first
    deadline a month ago but one case of the team's, kept for later: its id, and the
    ids of the cases made due."""
    picture = store_demo(url)
    mail = "{}@example.com".format
    add_told_person(
        url, "lead", teams=[TEAM], email_address=mail("lead"), preferences=EVERYTHING_NOW
    )
    add_told_person(url, "boss", teams=[], email_address=mail("boss"), preferences=EVERYTHING_NOW)
    add_told_person(
        url,
        "chief",
        teams=[],
        role=Role.EXECUTIVE,
        email_address=mail("chief"),
        preferences=EVERYTHING_NOW,
    )
    scan(url, picture, as_of=date.today(), now=datetime.now(UTC))
    engine = make_engine(url)
    try:
        cases = tables.exception_cases
        with engine.begin() as connection:
            kept: str = connection.execute(
                sa.select(sa.func.max(cases.c.id)).where(
                    cases.c.state == "open", cases.c.owner == TEAM
                )
            ).scalar_one()
            made_due = sa.and_(cases.c.state == "open", cases.c.id != kept)
            connection.execute(
                sa.update(cases)
                .where(made_due)
                .values(next_escalation_at=datetime.now(UTC) - timedelta(days=30))
            )
            due = frozenset(connection.execute(sa.select(cases.c.id).where(made_due)).scalars())
    finally:
        engine.dispose()
    return kept, due


@dataclass(frozen=True)
class Arranged:
    engine: Engine
    #: the one open case whose deadline is still ahead
    kept: str
    #: the cases whose first deadline was a month ago
    due: frozenset[str]


@pytest.fixture
def arranged(migrated_database_url: str) -> Iterator[Arranged]:
    kept, due = arrange(migrated_database_url)
    engine = make_engine(migrated_database_url)
    yield Arranged(engine, kept, due)
    engine.dispose()


def test_two_workers_and_a_kill_fire_every_deadline_once(
    migrated_database_url: str, arranged: Arranged, tmp_path: Path
) -> None:
    url, engine = migrated_database_url, arranged.engine
    postgresql = engine.dialect.name == "postgresql"
    workers: list[Worker] = []
    with smtp_server() as (smtp_url, received), executive_held(engine) as release:
        if not postgresql:
            release()
        try:
            first = start_worker(url, smtp_url, tmp_path, "first")
            workers.append(first)
            if postgresql:
                wait_until(
                    "a worker to wait to tell the executive",
                    lambda: waiting_to_tell(engine),
                    workers,
                )
                # the second starts while the first is in the middle of its run
                workers.append(start_worker(url, smtp_url, tmp_path, "second"))
            else:
                wait_until("the first escalations", lambda: escalated_events(engine) > 0, workers)
            fired_before_the_kill = escalated_events(engine)
            first.process.send_signal(signal.SIGKILL)
            assert first.process.wait(timeout=PATIENCE) == -signal.SIGKILL
            workers.remove(first)
            release()
            if not postgresql:
                workers.append(start_worker(url, smtp_url, tmp_path, "second"))
            workers.append(start_worker(url, smtp_url, tmp_path, "restarted"))
            wait_until(
                "every deadline fired and every email sent",
                lambda: due_deadlines(engine) == 0 and unsent_email(engine) == 0,
                workers,
            )
        finally:
            lines = [stop(worker) for worker in workers]
        for written in lines:
            assert "Worker stopped." in written
            assert "Traceback" not in written
            assert cycle_failures(written, postgresql=postgresql) == []
        # every cycle that ran says what it escalated and queued, never a negative count
        counts = re.findall(r"escalations: (-?\d+) escalated, (-?\d+) notif", "".join(lines))
        assert counts
        assert all(int(n) >= 0 for pair in counts for n in pair), counts
        if postgresql:
            # the kill cut a run short: what it had not committed, the others fired
            assert 0 < fired_before_the_kill < escalated_events(engine)
            assert any(re.search(r"escalations: [1-9][0-9]* escalated", w) for w in lines)
        assert_each_step_fired_once(arranged)
        assert_each_notification_queued_and_sent_once(engine, received)

        once_twice_sends_nothing_new(url, smtp_url, arranged, received)


def cycle_failures(written: str, *, postgresql: bool) -> list[str]:
    """The cycles that failed. SQLite admits one writer at a time and refuses a
    transaction that read before another committed (a stored scan reads its picture
    first): that cycle fails in one line and the next goes on, so it is not counted
    there. PostgreSQL workers take turns and never fail."""
    failed = [line for line in written.splitlines() if "cycle failed" in line]
    return failed if postgresql else [line for line in failed if "database is locked" not in line]


def _steps_by_case(engine: Engine) -> dict[tuple[str, str], list[str]]:
    """The steps each case's ``escalated`` entries moved it to, in timeline order."""
    events = tables.case_events
    steps: dict[tuple[str, str], list[str]] = {}
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(events)
            .where(events.c.kind == str(EventKind.ESCALATED))
            .order_by(events.c.scope_company, events.c.case_id, events.c.position)
        )
        for row in rows:
            event = case_event(row._mapping)
            (to,) = [c.new for c in event.changes if c.field == "escalation_step"]
            steps.setdefault((row.scope_company, row.case_id), []).append(to)
    return steps


def assert_each_step_fired_once(arranged: Arranged) -> None:
    engine = arranged.engine
    steps = _steps_by_case(engine)
    cases = tables.exception_cases
    with engine.connect() as connection:
        stored = {
            (row.scope_company, row.id): row
            for row in connection.execute(sa.select(cases).where(cases.c.state == "open"))
        }
    assert stored
    ladder = [str(step) for step in LADDER.steps]
    assert arranged.due <= {case_id for _, case_id in stored}
    for key, row in stored.items():
        if row.id not in arranged.due:
            # the kept case, and any the workers' scans opened since: not due yet
            assert steps.get(key) is None, key
            assert row.escalation_step == 0
            continue
        # a month of missed deadlines: each is at the executive, each step fired once
        assert steps.get(key) == ladder[1:], key
        assert (row.escalation_step, row.next_escalation_at) == (3, None), key


def assert_each_notification_queued_and_sent_once(engine: Engine, received: list[Message]) -> None:
    n = tables.notifications
    with engine.connect() as connection:
        rows = list(
            connection.execute(sa.select(n).where(n.c.kind == "case_escalated").order_by(n.c.id))
        )
    per_notice = Counter((row.user_id, row.channel, row.case_id, row.title) for row in rows)
    assert max(per_notice.values()) == 1
    assert len(rows) == len({row.dedupe_key for row in rows})
    expected = expected_notices(engine)
    assert Counter(row.channel for row in rows) == Counter({"in_app": expected, "email": expected})
    emails = [m for m in received if subject_of(m).startswith("Escalated to ")]
    by_message = Counter((str(m["To"]), subject_of(m)) for m in emails)
    assert max(by_message.values()) == 1
    sent = [row for row in rows if row.channel == "email" and row.state == "sent"]
    assert len(emails) == len(sent) == len(rows) // 2


def subject_of(message: Message) -> str:
    """The subject as written, unfolded (a long one arrives over two lines)."""
    return " ".join(str(message["Subject"]).split())


def expected_notices(engine: Engine) -> int:
    """How many people the steps each case climbed name: one in-app notice each."""
    steps = _steps_by_case(engine)
    cases = tables.exception_cases
    with make_session_factory(engine)() as session:
        people = colleagues(session)
        rows = {
            (row.scope_company, row.id): row
            for row in session.connection().execute(sa.select(cases))
        }
    total = 0
    for key, reached in steps.items():
        row = rows[key]
        for step in reached:
            total += len(
                people_at_step(
                    EscalationStep(step),
                    owner=row.owner,
                    assignee=row.assignee,
                    company=row.scope_company,
                    warehouse=row.warehouse,
                    people=people,
                )
            )
    assert total > 0
    return total


def once_twice_sends_nothing_new(
    url: str, smtp_url: str, arranged: Arranged, received: list[Message]
) -> None:
    """The kept case's response target passes: the first ``worker --once`` escalates it
    and sends its email, the second, right after, does nothing."""
    cases = tables.exception_cases
    with arranged.engine.begin() as connection:
        connection.execute(
            sa.update(cases)
            .where(cases.c.id == arranged.kept)
            .values(next_escalation_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    env: Mapping[str, str] = {
        "DATABASE_URL": url,
        "SMTP_URL": smtp_url,
        "NOTIFY_FROM": "tower@example.com",
    }
    before = len(received)
    first = run_cli("worker", "--once", env=env)
    assert first.exit_code == 0, first.output
    assert "escalations: 1 escalated" in first.stdout
    sent = len(received) - before
    assert sent > 0
    assert f"notifications: {sent} sent" in first.stdout
    second = run_cli("worker", "--once", env=env)
    assert second.exit_code == 0, second.output
    assert "escalations: 0 escalated, 0 notifications queued" in second.stdout
    assert "notifications: 0 sent" in second.stdout
    assert len(received) == before + sent
