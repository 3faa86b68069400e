"""Escalation on the stored cases: the stored scan scores each case, the deadlines fire
from the database step by step, each once, telling the people of each step; answered
and snoozed cases wait; a rescan keeps where a case stands; an urgent score raises the
stored severity.

The small demo business is stored and scanned as of Wednesday 2026-11-25 at 10:00 UTC;
the escalations run at chosen moments after it, on the configured test database.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from controltower.domain.case_actions import acknowledge, snooze
from controltower.domain.cases import CaseState, EventKind, ExceptionCase, raise_severity
from controltower.domain.escalation import ImpactFacts, impact_score
from controltower.domain.model import Tier
from controltower.domain.notifications import Channel, Preferences
from controltower.domain.people import Role, Scope
from controltower.policy import Policy, load_policy
from controltower.storage import tables
from controltower.storage.case_actions import act_on_case
from controltower.storage.cases import load_cases
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.escalations import EscalationReport, run_escalations
from controltower.storage.picture_store import SqlPictureStore
from controltower.workflow.stored_scan import run_stored_scan
from helpers.notify_peers import add_told_person
from helpers.scanned_demo import AS_OF, SCANNED_AT, ScannedDemo, load_scanned_demo

pytestmark = pytest.mark.database

TEAM = "customer_service@MAN"
EVERYTHING_NOW = Preferences(digest_severities=frozenset())
POLICY = load_policy()


@dataclass(frozen=True)
class Business:
    url: str
    engine: Engine
    demo: ScannedDemo
    #: user id by login
    people: dict[str, int]

    def sessions(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)

    def escalate(self, now: datetime, policy: Policy = POLICY) -> EscalationReport:
        return run_escalations(self.sessions(), policy, now=now)

    def case(self, case_id: str) -> ExceptionCase:
        (found,) = [c for c in self.cases() if c.id == case_id]
        return found

    def cases(self) -> list[ExceptionCase]:
        with self.sessions()() as session:
            return load_cases(session, self.demo.picture_id)

    def told(self, case_id: str, channel: Channel = Channel.IN_APP) -> list[tuple[int, str]]:
        """(person, title) of each escalation notification of the case, oldest first."""
        n = tables.notifications
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(n.c.user_id, n.c.title)
                .where(
                    n.c.case_id == case_id,
                    n.c.kind == "case_escalated",
                    n.c.channel == str(channel),
                )
                .order_by(n.c.id)
            )
            return [(row.user_id, row.title) for row in rows]


def _user_ids(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            users = tables.users
            return {
                row.login: row.id
                for row in connection.execute(sa.select(users.c.login, users.c.id))
            }
    finally:
        engine.dispose()


@pytest.fixture
def business(migrated_database_url: str) -> Iterator[Business]:
    url = migrated_database_url
    demo = load_scanned_demo(url)
    mail = "{}@example.com".format
    # the team lead: a manager on the owning team; a member of it; a manager of the
    # whole business; a manager who sees only Leeds; an executive
    add_told_person(
        url, "lead", teams=[TEAM], email_address=mail("lead"), preferences=EVERYTHING_NOW
    )
    add_told_person(url, "member", teams=[TEAM], role=Role.FRONTLINE, preferences=EVERYTHING_NOW)
    add_told_person(url, "boss", teams=[], email_address=mail("boss"), preferences=EVERYTHING_NOW)
    add_told_person(url, "leeds", teams=[], warehouses=["LDS"], preferences=EVERYTHING_NOW)
    add_told_person(url, "chief", teams=[], role=Role.EXECUTIVE, preferences=EVERYTHING_NOW)
    engine = make_engine(url)
    try:
        yield Business(url, engine, demo, _user_ids(url))
    finally:
        engine.dispose()


def first_case_of(business: Business, owner: str = TEAM) -> ExceptionCase:
    """The open case of ``owner`` whose response target comes first."""
    mine = [c for c in business.cases() if c.owner == owner and c.state is CaseState.OPEN]
    return min(mine, key=lambda c: (c.due_at, c.id))


def escalations_of(case: ExceptionCase) -> list[str]:
    """The step each ``escalated`` entry of the timeline moved the case to."""
    return [
        change.new
        for event in case.timeline
        if event.kind is EventKind.ESCALATED
        for change in event.changes
        if change.field == "escalation_step"
    ]


def test_a_breached_case_climbs_one_step_says_so_and_tells_the_team_lead_once(
    business: Business,
) -> None:
    case = first_case_of(business)
    assert (case.escalation_step, case.next_escalation_at) == (0, case.due_at)
    assert case.due_at > SCANNED_AT

    before = business.escalate(case.due_at - timedelta(minutes=1))
    assert case.id not in before.case_ids
    assert business.case(case.id).escalation_step == 0

    moment = case.due_at + timedelta(minutes=1)
    report = business.escalate(moment)
    assert case.id in report.case_ids
    climbed = business.case(case.id)
    assert climbed.escalation_step == 1
    assert climbed.escalated_at == moment
    assert climbed.next_escalation_at is not None
    assert climbed.next_escalation_at > case.due_at
    (event,) = [e for e in climbed.timeline if e.kind is EventKind.ESCALATED]
    assert event.by == "system"
    assert event.at == moment
    assert "escalated to team lead" in event.note
    assert f"not acknowledged by {case.due_at.isoformat()}" in event.note
    lead = business.people["lead"]
    assert [who for who, _ in business.told(case.id)] == [lead]
    told_here = len(business.told(case.id)) + len(business.told(case.id, Channel.EMAIL))
    assert report.notifications >= told_here == 2
    assert [who for who, _ in business.told(case.id, Channel.EMAIL)] == [lead]
    ((_, title),) = business.told(case.id)
    assert title.startswith("Escalated to team lead: ")

    again = business.escalate(moment)
    assert (again.escalated, again.notifications) == (0, 0)
    assert business.case(case.id).timeline == climbed.timeline
    assert len(business.told(case.id)) == 1


def test_each_later_step_tells_the_people_it_names(business: Business) -> None:
    case = first_case_of(business)
    business.escalate(case.due_at)
    for step in (2, 3):
        deadline = business.case(case.id).next_escalation_at
        assert deadline is not None
        business.escalate(deadline)
        assert business.case(case.id).escalation_step == step
    final = business.case(case.id)
    assert final.next_escalation_at is None
    assert escalations_of(final) == ["team_lead", "manager", "executive"]
    told: dict[str, set[int]] = defaultdict(set)
    for who, title in business.told(case.id):
        told[title.split(":")[0]].add(who)
    ids = business.people
    # the member is only the team lead's fallback; the manager of Leeds cannot see it
    assert told == {
        "Escalated to team lead": {ids["lead"]},
        "Escalated to manager": {ids["lead"], ids["boss"]},
        "Escalated to executive": {ids["chief"]},
    }
    quiet = business.escalate(SCANNED_AT + timedelta(days=60))
    assert case.id not in quiet.case_ids


def _act(business: Business, case_id: str, action: Any) -> None:
    with business.sessions().begin() as session:
        done = act_on_case(
            session,
            picture_id=business.demo.picture_id,
            companies=business.demo.companies,
            case_id=case_id,
            visible=Scope(),
            action=action,
        )
        assert done is not None


def test_answered_cases_never_climb_and_a_snooze_holds_the_climb(business: Business) -> None:
    first, second = sorted(
        (c for c in business.cases() if c.owner == TEAM and c.state is CaseState.OPEN),
        key=lambda c: (c.due_at, c.id),
    )[:2]
    answered_at = SCANNED_AT + timedelta(minutes=5)
    _act(business, first.id, lambda c: acknowledge(c, by="lead", at=answered_at))
    until = second.due_at + timedelta(days=2)
    _act(
        business,
        second.id,
        lambda c: snooze(
            c, until=until, reason="supplier answers Friday", by="lead", at=answered_at
        ),
    )
    assert business.case(first.id).next_escalation_at is None

    business.escalate(until - timedelta(minutes=1))
    assert escalations_of(business.case(first.id)) == []
    assert escalations_of(business.case(second.id)) == []

    business.escalate(until)
    assert escalations_of(business.case(first.id)) == []
    assert escalations_of(business.case(second.id))[0] == "team_lead"
    assert business.told(first.id) == []


def test_a_stopped_worker_fires_every_missed_deadline_once(business: Business) -> None:
    later = SCANNED_AT + timedelta(days=30)
    report = business.escalate(later)
    cases = {c.id: c for c in business.cases() if c.is_active}
    climbed = {case_id: escalations_of(c) for case_id, c in cases.items()}
    assert report.escalated == sum(len(steps) for steps in climbed.values()) > 0
    for case_id, steps in climbed.items():
        case = cases[case_id]
        if case.due_at <= later:
            assert steps == ["team_lead", "manager", "executive"], case_id
            assert (case.escalation_step, case.next_escalation_at) == (3, None)
        else:
            assert steps == []
            assert case.next_escalation_at == case.due_at
    keys = Counter(_dedupe_keys(business.engine))
    assert keys
    assert max(keys.values()) == 1
    again = business.escalate(later + timedelta(hours=1))
    assert (again.escalated, again.notifications) == (0, 0)


def _dedupe_keys(engine: Engine) -> list[str]:
    n = tables.notifications
    with engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(n.c.dedupe_key).where(n.c.kind == "case_escalated")
            ).scalars()
        )


def test_a_rescan_keeps_where_each_case_stands(business: Business) -> None:
    case = first_case_of(business)
    business.escalate(case.due_at)
    climbed = business.case(case.id)
    with business.sessions().begin() as session:
        run_stored_scan(
            SqlPictureStore(session, business.demo.picture_id),
            as_of=AS_OF,
            policy=POLICY,
            now=SCANNED_AT + timedelta(hours=3),
        )
    kept = business.case(case.id)
    assert (kept.escalation_step, kept.next_escalation_at, kept.escalated_at) == (
        climbed.escalation_step,
        climbed.next_escalation_at,
        climbed.escalated_at,
    )


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        # 17:30 in UTC: half an hour on Wednesday, three and a half from Thursday 08:00
        (0, datetime(2026, 11, 26, 11, 30, tzinfo=UTC)),
        # 18:30 at UTC+1: closed; four hours from Thursday 08:00 there (07:00 UTC)
        (1, datetime(2026, 11, 26, 11, 0, tzinfo=UTC)),
    ],
)
def test_the_run_counts_business_hours_in_its_own_zone(
    business: Business, offset: int, expected: datetime
) -> None:
    case = first_case_of(business)
    fired = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)  # a Wednesday
    table = tables.exception_cases
    with business.engine.begin() as connection:
        connection.execute(
            sa.update(table)
            .where(table.c.id == case.id)
            .values(next_escalation_at=fired, impact_score=0)
        )
    zone = timezone(timedelta(hours=offset))
    business.escalate((fired + timedelta(minutes=1)).astimezone(zone))
    assert business.case(case.id).next_escalation_at == expected


def _tiers(engine: Engine) -> dict[str, Tier]:
    """The tier of each order's customer."""
    orders, customers = tables.sales_orders, tables.customers
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(orders.c.order_id, customers.c.tier).join(
                customers,
                sa.and_(
                    customers.c.picture_id == orders.c.picture_id,
                    customers.c.code == orders.c.customer,
                ),
            )
        )
        return {row.order_id: row.tier for row in rows}


def _promises(engine: Engine) -> dict[str, date]:
    orders = tables.sales_orders
    query = sa.select(orders.c.order_id, orders.c.promised_date)
    with engine.connect() as connection:
        return {row.order_id: row.promised_date for row in connection.execute(query)}


def test_the_stored_scan_scores_each_order_case_from_its_facts(business: Business) -> None:
    order_cases = [c for c in business.cases() if c.type == "order_at_risk" and c.is_active]
    assert order_cases
    tiers, promises = _tiers(business.engine), _promises(business.engine)
    causes = Counter(c.cause for c in order_cases)
    scored = set()
    for case in order_cases:
        order = case.subject.removeprefix("sales_order:")
        facts = ImpactFacts(
            value_at_risk=case.value_at_risk,
            customer_tier=tiers[order],
            days_to_promise=(promises[order] - AS_OF).days,
            orders_sharing_cause=causes[case.cause],
        )
        assert case.impact_score == impact_score(facts, POLICY.detectors.severity_by_value).total
        scored.add(case.impact_score)
    assert len(scored) > 3  # the parts vary from case to case


def test_an_urgent_score_raises_the_stored_severity_one_step(business: Business) -> None:
    before = {c.key: c for c in business.cases() if c.is_active}
    band = 45
    urgent = Policy.model_validate(
        POLICY.model_dump() | {"escalation": {"score_bands": {"urgent": band, "elevated": band}}}
    )
    with business.sessions().begin() as session:
        run_stored_scan(
            SqlPictureStore(session, business.demo.picture_id),
            as_of=AS_OF,
            policy=urgent,
            now=SCANNED_AT,
        )
    after = {c.key: c for c in business.cases() if c.is_active}
    raised = 0
    for key, case in after.items():
        was = before[key]
        if case.impact_score >= band:
            assert case.severity is raise_severity(was.severity), key
            assert case.due_at <= was.due_at
            raised += case.severity is not was.severity
        else:
            assert case.severity is was.severity, key
    assert raised > 0
