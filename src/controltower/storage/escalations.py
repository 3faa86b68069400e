"""Escalation deadlines in the database: fire each due one once, and read a case's path.

A case's next deadline is a column (``exception_cases.next_escalation_at``), so it
survives any process: whichever worker runs after it falls due fires it, and a worker
that dies part-way fires nothing twice. :func:`escalate_due` works in one short
transaction per batch: it takes the cases' turn (PostgreSQL's advisory lock, SQLite's
write lock: the turn a stored scan and a person's action take, so a scan reconciling at
the same moment never writes back a step it read before), claims the due rows (``FOR
UPDATE SKIP LOCKED`` on PostgreSQL, so a second worker never takes a row the first
holds), moves each one step up its ladder, appends the ``escalated`` event and queues
the notifications. All of it commits together or not at all: a worker killed before the
commit leaves the deadlines due for the next run, one killed after has moved them on.

A due case is open (nobody acknowledged, started or resolved it), not snoozed, and
its deadline is at or before the run's moment. Like the rest of the storage package,
:func:`escalate_due` never commits; :func:`run_escalations` owns its transactions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from controltower.domain.cases import CaseState, ExceptionCase
from controltower.domain.escalation import (
    Colleague,
    Escalated,
    EscalationLadder,
    EscalationStep,
    PathStep,
    escalate,
    ladder_path,
    people_at_step,
)
from controltower.policy.model import Policy
from controltower.policy.routing import add_business_hours
from controltower.storage import tables
from controltower.storage.bulk import keys_by_company
from controltower.storage.case_actions import lock_cases
from controltower.storage.cases import append_case_events, exception_case
from controltower.storage.notifications import colleagues, queue_escalation_notices

#: due cases one transaction claims
BATCH: Final = 100
#: batches one run works at most (the next run goes on)
MAX_BATCHES: Final = 1_000


@dataclass
class EscalationReport:
    """What one run did."""

    #: steps climbed (a case climbing two missed steps counts two)
    escalated: int = 0
    #: deadlines that lapsed with nothing above (the final step)
    lapsed: int = 0
    #: notifications queued
    notifications: int = 0
    #: the cases that climbed, in the order they did
    case_ids: list[str] = field(default_factory=list)

    def summary_line(self) -> str:
        return f"escalations: {self.escalated} escalated, {self.notifications} notifications queued"


def run_escalations(
    sessions: sessionmaker[Session], policy: Policy, *, now: datetime, batch: int = BATCH
) -> EscalationReport:
    """Fire every escalation deadline due at ``now``, a committed batch at a time.

    A case whose next deadline is also past (a worker that was stopped) is claimed again
    by a later batch and climbs again: every missed deadline fires once. ``now`` must
    carry a time zone; business hours without one are read in its zone, as the stored
    scan reads them.
    """
    if now.utcoffset() is None:
        raise ValueError(f"the escalation time {now.isoformat()} has no time zone")
    ladder = policy.escalation.to_domain()
    report = EscalationReport()
    for _ in range(MAX_BATCHES):
        with sessions.begin() as session:
            claimed = escalate_due(session, policy, ladder, now=now, limit=batch, report=report)
        if claimed == 0:
            break
    return report


def escalate_due(
    session: Session,
    policy: Policy,
    ladder: EscalationLadder,
    *,
    now: datetime,
    limit: int,
    report: EscalationReport,
) -> int:
    """Claim up to ``limit`` due cases, move each one step, append its event, queue its
    notifications; how many were claimed (the caller commits)."""
    lock_cases(session)
    connection = session.connection()
    claimed = _claim(connection, now=now, limit=limit)
    if not claimed:
        return 0
    positions = _timeline_sizes(connection, [(scope, case.id) for scope, case in claimed])
    zone = now.tzinfo
    assert zone is not None
    escalated: list[Escalated] = []
    for scope, case in claimed:
        fired = case.next_escalation_at
        assert fired is not None  # the claim asked for a deadline
        clock = _BusinessHours(policy, case.warehouse, zone)
        after = escalate(case, ladder=ladder, at=now, add_hours=clock)
        _store(connection, scope, case, after, position=positions.get((scope, case.id), 0))
        if after.escalation_step == case.escalation_step:
            report.lapsed += 1
            continue
        escalated.append(Escalated(case=after, scope_company=scope, fired=fired, at=now))
        report.case_ids.append(after.id)
    report.escalated += len(escalated)
    report.notifications += queue_escalation_notices(session, escalated, ladder)
    return len(claimed)


def _claim(
    connection: sa.Connection, *, now: datetime, limit: int
) -> list[tuple[str, ExceptionCase]]:
    table = tables.exception_cases
    query = (
        sa.select(table)
        .where(
            table.c.state == CaseState.OPEN,
            table.c.next_escalation_at.is_not(None),
            table.c.next_escalation_at <= now,
            sa.or_(table.c.snoozed_until.is_(None), table.c.snoozed_until <= now),
        )
        .order_by(table.c.next_escalation_at, table.c.scope_company, table.c.id)
        .limit(limit)
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [
        (row.scope_company, exception_case(row._mapping, ())) for row in connection.execute(query)
    ]


def _timeline_sizes(
    connection: sa.Connection, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """How many events each case's timeline holds: where its next event goes."""
    events = tables.case_events
    sizes: dict[tuple[str, str], int] = {}
    for condition in keys_by_company(events.c.scope_company, events.c.case_id, keys):
        query = (
            sa.select(events.c.scope_company, events.c.case_id, sa.func.count())
            .where(condition)
            .group_by(events.c.scope_company, events.c.case_id)
        )
        sizes.update(
            ((scope, case_id), int(count)) for scope, case_id, count in connection.execute(query)
        )
    return sizes


@dataclass(frozen=True, slots=True)
class _BusinessHours:
    """Business hours added on the calendar of one case's warehouse, the start read in
    the run's zone (the frame the stored scan counts a case's response target in)."""

    policy: Policy
    warehouse: str | None
    zone: tzinfo

    def __call__(self, start: datetime, hours: Decimal) -> datetime:
        local = start.astimezone(self.zone)
        return add_business_hours(local, hours, self.policy.clock, warehouse=self.warehouse)


def _store(
    connection: sa.Connection,
    scope: str,
    before: ExceptionCase,
    after: ExceptionCase,
    *,
    position: int,
) -> None:
    table = tables.exception_cases
    connection.execute(
        sa.update(table)
        .where(table.c.scope_company == scope, table.c.id == before.id)
        .values(
            escalation_step=after.escalation_step,
            next_escalation_at=after.next_escalation_at,
            escalated_at=after.escalated_at,
        )
    )
    append_case_events(
        connection, scope, before.id, position, after.timeline[len(before.timeline) :]
    )


# --- A case's path, for its page --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PathEntry:
    """One step of a case's path with the people it names."""

    step: PathStep
    people: list[Colleague]


@dataclass(frozen=True, slots=True)
class CaseEscalation:
    """Where a case stands on its ladder, as its page shows it."""

    impact_score: int
    band: str
    step: EscalationStep
    path: list[PathEntry]
    next_escalation_at: datetime | None
    escalated_at: datetime | None


def case_escalation(
    session: Session, companies: Sequence[str], case_id: str, ladder: EscalationLadder
) -> CaseEscalation | None:
    """The path of the case ``case_id`` filed under one of ``companies`` (None: no such
    case). The caller has checked the visitor may see it."""
    table = tables.exception_cases
    row = (
        session.connection()
        .execute(
            sa.select(table)
            .where(table.c.scope_company.in_(list(companies)), table.c.id == case_id)
            .order_by(table.c.scope_company)
            .limit(1)
        )
        .first()
    )
    if row is None:
        return None
    people = colleagues(session, team=row.owner, assignee=row.assignee)
    path = [
        PathEntry(
            step=entry,
            people=people_at_step(
                entry.step,
                owner=row.owner,
                assignee=row.assignee,
                company=row.scope_company,
                warehouse=row.warehouse,
                people=people,
            ),
        )
        for entry in ladder_path(ladder, int(row.escalation_step))
    ]
    return CaseEscalation(
        impact_score=int(row.impact_score),
        band=str(ladder.band(int(row.impact_score))),
        step=ladder.step_at(int(row.escalation_step)),
        path=path,
        next_escalation_at=row.next_escalation_at,
        escalated_at=row.escalated_at,
    )
