"""Escalation by impact, table by table: the score's parts and bands, the severity an
urgent score stores, the ladder's deadlines over weekends, public holidays and time
zones (from the response target up to the executive), who each step names, and how
acknowledging, reopening and the last step stop or restart the climb."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from controltower.domain.case_actions import ResolutionCode, acknowledge, resolve, start
from controltower.domain.cases import (
    CaseState,
    EventKind,
    ExceptionCase,
    ExceptionType,
    Severity,
    reconcile,
)
from controltower.domain.escalation import (
    MAX_SCORE,
    AddHours,
    Colleague,
    EscalationLadder,
    EscalationStep,
    ImpactFacts,
    ScoreBand,
    escalate,
    impact_score,
    ladder_path,
    people_at_step,
)
from controltower.domain.model import Tier
from controltower.domain.people import Role, Scope
from controltower.policy import Policy
from controltower.policy.model import ClockSection, EscalationSection, SeverityByValueSection
from controltower.policy.routing import add_business_hours

LADDER = EscalationLadder()
VALUES = SeverityByValueSection()  # medium 1,000, high 10,000, critical 50,000
NEW_YORK = ZoneInfo("America/New_York")
TEAM = "customer_service@MAN"


# --- the impact score ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "parts", "band"),
    [
        # value at risk against the ladder: each bound inclusive
        (ImpactFacts(Decimal(999)), (0, 0, 0, 0), ScoreBand.NORMAL),
        (ImpactFacts(Decimal(1000)), (15, 0, 0, 0), ScoreBand.NORMAL),
        (ImpactFacts(Decimal(10000)), (30, 0, 0, 0), ScoreBand.NORMAL),
        (ImpactFacts(Decimal(50000)), (40, 0, 0, 0), ScoreBand.NORMAL),
        # the customer's tier
        (ImpactFacts(Decimal(0), Tier.STANDARD), (0, 0, 0, 0), ScoreBand.NORMAL),
        (ImpactFacts(Decimal(0), Tier.KEY), (0, 10, 0, 0), ScoreBand.NORMAL),
        (ImpactFacts(Decimal(0), Tier.STRATEGIC), (0, 20, 0, 0), ScoreBand.NORMAL),
        # days left before the promised date (order cases)
        (ImpactFacts(Decimal(0), days_to_promise=-3), (0, 0, 20, 0), ScoreBand.NORMAL),
        (ImpactFacts(Decimal(0), days_to_promise=0), (0, 0, 20, 0), ScoreBand.NORMAL),
        (ImpactFacts(Decimal(0), days_to_promise=1), (0, 0, 15, 0), ScoreBand.NORMAL),
        (ImpactFacts(Decimal(0), days_to_promise=2), (0, 0, 15, 0), ScoreBand.NORMAL),
        (ImpactFacts(Decimal(0), days_to_promise=3), (0, 0, 5, 0), ScoreBand.NORMAL),
        (ImpactFacts(Decimal(0), days_to_promise=7), (0, 0, 5, 0), ScoreBand.NORMAL),
        (ImpactFacts(Decimal(0), days_to_promise=8), (0, 0, 0, 0), ScoreBand.NORMAL),
        # orders at risk sharing the cause
        (ImpactFacts(Decimal(0), orders_sharing_cause=1), (0, 0, 0, 5), ScoreBand.NORMAL),
        (ImpactFacts(Decimal(0), orders_sharing_cause=2), (0, 0, 0, 10), ScoreBand.NORMAL),
        (ImpactFacts(Decimal(0), orders_sharing_cause=4), (0, 0, 0, 10), ScoreBand.NORMAL),
        (ImpactFacts(Decimal(0), orders_sharing_cause=5), (0, 0, 0, 15), ScoreBand.NORMAL),
        (ImpactFacts(Decimal(0), orders_sharing_cause=10), (0, 0, 0, 20), ScoreBand.NORMAL),
        # the bands: 50 is elevated, 80 urgent, both bounds inclusive
        (ImpactFacts(Decimal(10000), Tier.STRATEGIC), (30, 20, 0, 0), ScoreBand.ELEVATED),
        (
            ImpactFacts(Decimal(10000), Tier.KEY, days_to_promise=4, orders_sharing_cause=1),
            (30, 10, 5, 5),
            ScoreBand.ELEVATED,
        ),
        (
            ImpactFacts(Decimal(9999), Tier.STRATEGIC, days_to_promise=9),
            (15, 20, 0, 0),
            ScoreBand.NORMAL,
        ),
        (
            ImpactFacts(Decimal(50000), Tier.STRATEGIC, days_to_promise=0),
            (40, 20, 20, 0),
            ScoreBand.URGENT,
        ),
        (
            ImpactFacts(Decimal(10000), Tier.KEY, days_to_promise=1, orders_sharing_cause=5),
            (30, 10, 15, 15),
            ScoreBand.ELEVATED,
        ),
        (
            ImpactFacts(
                Decimal(50000), Tier.STRATEGIC, days_to_promise=-1, orders_sharing_cause=12
            ),
            (40, 20, 20, 20),
            ScoreBand.URGENT,
        ),
    ],
)
def test_the_score_is_the_sum_of_its_parts_and_its_band_follows(
    facts: ImpactFacts, parts: tuple[int, int, int, int], band: ScoreBand
) -> None:
    score = impact_score(facts, VALUES)
    assert (score.value, score.tier, score.promise, score.shared) == parts
    assert score.total == sum(parts) <= MAX_SCORE == 100
    assert LADDER.band(score.total) is band


@pytest.mark.parametrize(
    ("severity", "score", "stored"),
    [
        (Severity.LOW, 79, Severity.LOW),
        (Severity.LOW, 80, Severity.MEDIUM),
        (Severity.MEDIUM, 80, Severity.HIGH),
        (Severity.HIGH, 100, Severity.CRITICAL),
        (Severity.CRITICAL, 95, Severity.CRITICAL),
        (Severity.HIGH, 50, Severity.HIGH),
    ],
)
def test_an_urgent_score_stores_the_severity_one_step_up(
    severity: Severity, score: int, stored: Severity
) -> None:
    assert LADDER.severity_for(severity, score) is stored


def test_the_bands_come_from_the_policy() -> None:
    ladder = Policy.model_validate(
        {"escalation": {"score_bands": {"urgent": 60, "elevated": 30}}}
    ).escalation.to_domain()
    assert [ladder.band(s) for s in (29, 30, 59, 60)] == [
        ScoreBand.NORMAL,
        ScoreBand.ELEVATED,
        ScoreBand.ELEVATED,
        ScoreBand.URGENT,
    ]


# --- deadlines on the business-hours clock ---------------------------------------------


def _clock(**settings: Any) -> ClockSection:
    return ClockSection.model_validate(settings)


PLAIN = _clock()
GREAT_BRITAIN = _clock(country="GB")
IN_LONDON = _clock(timezone="Europe/London")
WITH_NEW_YORK = _clock(
    timezone="Europe/London",
    warehouses={"NYC": {"timezone": "America/New_York", "country": "US"}},
)


def _case(**fields: Any) -> ExceptionCase:
    base = ExceptionCase(
        id="CASE-1",
        type=ExceptionType.ORDER_AT_RISK,
        subject="sales_order:SO1",
        state=CaseState.OPEN,
        severity=Severity.HIGH,
        value_at_risk=Decimal(5000),
        value_basis="open value",
        explanation="late",
        cause="purchase_order:PO7",
        owner=TEAM,
        due_at=datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
        opened_at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
        warehouse="MAN",
    )
    return replace(base, **fields)


def _hours_on(clock: ClockSection, warehouse: str | None = None) -> AddHours:
    def add(start: datetime, hours: Decimal) -> datetime:
        return add_business_hours(start, hours, clock, warehouse=warehouse)

    return add


@dataclass(frozen=True)
class Climb:
    """A case at ``step`` whose deadline ``fired`` passed: where its next one falls."""

    name: str
    clock: ClockSection
    fired: datetime
    step: int
    score: int
    expected: datetime | None
    warehouse: str | None = None


CLIMBS = [
    # to the team lead (4 business hours there) on a Friday afternoon: over the weekend
    Climb("weekend", PLAIN, datetime(2026, 11, 27, 16, 0, tzinfo=UTC), 0, 0,
          datetime(2026, 11, 30, 10, 0, tzinfo=UTC)),
    # an elevated score: three quarters of 4 hours
    Climb("weekend elevated", PLAIN, datetime(2026, 11, 27, 16, 0, tzinfo=UTC), 0, 50,
          datetime(2026, 11, 30, 9, 0, tzinfo=UTC)),
    # an urgent score: half, which ends exactly at closing time and stays that day
    Climb("weekend urgent", PLAIN, datetime(2026, 11, 27, 16, 0, tzinfo=UTC), 0, 80,
          datetime(2026, 11, 27, 18, 0, tzinfo=UTC)),
    # a deadline passed at night counts from the next opening
    Climb("overnight", PLAIN, datetime(2026, 11, 25, 22, 30, tzinfo=UTC), 0, 0,
          datetime(2026, 11, 26, 12, 0, tzinfo=UTC)),
    # to the manager (8 hours) on Christmas Eve in Great Britain: Christmas Day, the
    # weekend and the Boxing Day substitute on Monday 28 are closed
    Climb("holidays", GREAT_BRITAIN, datetime(2026, 12, 24, 17, 0, tzinfo=UTC), 1, 0,
          datetime(2026, 12, 29, 15, 0, tzinfo=UTC)),
    # without the country, Christmas Day is a working Friday
    Climb("no holidays", PLAIN, datetime(2026, 12, 24, 17, 0, tzinfo=UTC), 1, 0,
          datetime(2026, 12, 25, 15, 0, tzinfo=UTC)),
    # London's hours over the change to summer time: Friday 27 March 17:00 GMT, one
    # hour that day, three on Monday from 08:00 BST (07:00 UTC)
    Climb("summer time", IN_LONDON, datetime(2026, 3, 27, 17, 0, tzinfo=UTC), 0, 0,
          datetime(2026, 3, 30, 10, 0, tzinfo=UTC)),
    # a New York warehouse on Thanksgiving eve: 15:00 there, three hours that day,
    # Thursday the 26th a US holiday, one more hour on Friday from 08:00 EST
    Climb("thanksgiving", WITH_NEW_YORK, datetime(2026, 11, 25, 20, 0, tzinfo=UTC), 0, 0,
          datetime(2026, 11, 27, 14, 0, tzinfo=UTC), warehouse="NYC"),
    # the same moment on London's calendar: already closed, four hours on Thursday
    Climb("london next day", WITH_NEW_YORK, datetime(2026, 11, 25, 20, 0, tzinfo=UTC), 0, 0,
          datetime(2026, 11, 26, 12, 0, tzinfo=UTC), warehouse="MAN"),
    # to the executive: the last step, no further deadline
    Climb("last step", PLAIN, datetime(2026, 11, 25, 12, 0, tzinfo=UTC), 2, 90, None),
]  # fmt: skip


@pytest.mark.parametrize("climb", CLIMBS, ids=[c.name for c in CLIMBS])
def test_each_step_lasts_its_business_hours(climb: Climb) -> None:
    case = _case(
        escalation_step=climb.step,
        next_escalation_at=climb.fired,
        impact_score=climb.score,
        warehouse=climb.warehouse,
    )
    at = climb.fired + timedelta(minutes=5)
    after = escalate(case, ladder=LADDER, at=at, add_hours=_hours_on(climb.clock, climb.warehouse))
    assert after.escalation_step == climb.step + 1
    assert after.next_escalation_at == climb.expected
    assert after.escalated_at == at
    if climb.expected is not None:
        assert after.next_escalation_at is not None
        assert after.next_escalation_at.utcoffset() is not None
    (event,) = after.timeline
    assert event.kind is EventKind.ESCALATED
    assert event.at == at
    assert [(c.field, c.old, c.new) for c in event.changes] == [
        ("escalation_step", LADDER.steps[climb.step], LADDER.steps[climb.step + 1]),
        (
            "next_escalation_at",
            climb.fired.isoformat(),
            climb.expected.isoformat() if climb.expected else "",
        ),
    ]


@dataclass(frozen=True)
class Route:
    """A case detected at ``detected`` with ``severity``: its response target (the
    SLA), then the deadline of each step up to the last."""

    name: str
    clock: ClockSection
    detected: datetime
    severity: Severity
    score: int
    deadlines: tuple[datetime, ...]


ROUTES = [
    # high, found Friday 17:00: due Monday 11:00; team lead 4h -> 15:00; manager 8h ->
    # Tuesday 13:00; then the executive, for good
    Route("a weekend", PLAIN, datetime(2026, 11, 27, 17, 0, tzinfo=UTC), Severity.HIGH, 0, (
        datetime(2026, 11, 30, 11, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 15, 0, tzinfo=UTC),
        datetime(2026, 12, 1, 13, 0, tzinfo=UTC),
    )),
    # urgent: the same steps at half the hours (2h, 4h)
    Route("urgent", PLAIN, datetime(2026, 11, 27, 17, 0, tzinfo=UTC), Severity.HIGH, 85, (
        datetime(2026, 11, 30, 11, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 13, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 17, 0, tzinfo=UTC),
    )),
    # Great Britain at Christmas: high found Thursday 24 December 17:00 is due Tuesday
    # 29 at 11:00 (docs/policy.md); team lead until 15:00; manager until Wednesday 13:00
    Route("christmas", GREAT_BRITAIN, datetime(2026, 12, 24, 17, 0, tzinfo=UTC), Severity.HIGH,
         0, (
        datetime(2026, 12, 29, 11, 0, tzinfo=UTC),
        datetime(2026, 12, 29, 15, 0, tzinfo=UTC),
        datetime(2026, 12, 30, 13, 0, tzinfo=UTC),
    )),
    # London over the change to summer time, medium (8h) found Friday 27 March 09:00
    # GMT: due 17:00 GMT; team lead: one hour Friday, three Monday from 08:00 BST
    Route("summer time", IN_LONDON, datetime(2026, 3, 27, 9, 0, tzinfo=UTC), Severity.MEDIUM,
         0, (
        datetime(2026, 3, 27, 17, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 10, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 8, 0, tzinfo=UTC),
    )),
]  # fmt: skip


@pytest.mark.parametrize("path", ROUTES, ids=[p.name for p in ROUTES])
def test_a_case_nobody_answers_climbs_from_its_target_to_the_last_step(path: Route) -> None:
    hours = Policy().sla.hours_for(ExceptionType.ORDER_AT_RISK, path.severity)
    due = add_business_hours(path.detected, hours, path.clock)
    case = _case(due_at=due, next_escalation_at=due, impact_score=path.score, warehouse=None)
    deadlines = [due]
    while case.next_escalation_at is not None:
        case = escalate(
            case, ladder=LADDER, at=case.next_escalation_at, add_hours=_hours_on(path.clock)
        )
        if case.next_escalation_at is not None:
            deadlines.append(case.next_escalation_at)
    assert tuple(deadlines) == path.deadlines
    assert case.escalation_step == LADDER.last == 3
    assert [e.kind for e in case.timeline] == [EventKind.ESCALATED] * 3


def test_a_deadline_not_yet_due_is_refused() -> None:
    case = _case(next_escalation_at=datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    with pytest.raises(ValueError, match="no escalation due"):
        escalate(
            case,
            ladder=LADDER,
            at=datetime(2026, 11, 25, 11, 59, tzinfo=UTC),
            add_hours=_hours_on(PLAIN),
        )


@pytest.mark.parametrize(
    ("state", "step"), [(CaseState.ACKNOWLEDGED, 0), (CaseState.OPEN, 3), (CaseState.OPEN, 7)]
)
def test_a_deadline_with_nothing_above_lapses_without_an_entry(state: CaseState, step: int) -> None:
    fired = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    case = _case(state=state, escalation_step=step, next_escalation_at=fired)
    after = escalate(case, ladder=LADDER, at=fired, add_hours=_hours_on(PLAIN))
    assert (after.escalation_step, after.next_escalation_at, after.timeline) == (step, None, ())


def test_a_shorter_ladder_skips_the_steps_it_leaves_out() -> None:
    ladder = EscalationSection.model_validate(
        {"ladder": ["owner", "manager", "executive"], "hours_at_step": {"manager": 6}}
    ).to_domain()
    fired = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    case = escalate(
        _case(next_escalation_at=fired), ladder=ladder, at=fired, add_hours=_hours_on(PLAIN)
    )
    assert ladder.step_at(case.escalation_step) is EscalationStep.MANAGER
    assert case.next_escalation_at == datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    assert [(p.step, p.where) for p in ladder_path(ladder, case.escalation_step)] == [
        (EscalationStep.OWNER, "passed"),
        (EscalationStep.MANAGER, "current"),
        (EscalationStep.EXECUTIVE, "ahead"),
    ]


@pytest.mark.parametrize(
    ("escalation", "named"),
    [
        ({"ladder": ["team_lead", "executive"]}, "must start with"),
        ({"ladder": ["owner", "manager", "team_lead"]}, "in the order"),
        ({"ladder": ["owner", "manager", "manager"]}, "at most once"),
        ({"hours_at_step": {"team_lead": None}}, "hours_at_step needs team_lead"),
        ({"hours_at_step": {"owner": 2}}, "owner"),
        ({"hours_at_step": {"manager": 0}}, "greater than 0"),
        ({"score_bands": {"urgent": 40, "elevated": 60}}, "elevated (60) <= urgent (40)"),
        ({"score_bands": {"urgent": 101}}, "less than or equal to 100"),
    ],
)
def test_an_unsound_ladder_is_refused_naming_why(escalation: dict[str, Any], named: str) -> None:
    with pytest.raises(ValidationError, match=named.replace("(", r"\(").replace(")", r"\)")):
        EscalationSection.model_validate(escalation)


def test_the_last_step_needs_no_hours() -> None:
    ladder = EscalationSection.model_validate(
        {"ladder": ["owner", "team_lead"], "hours_at_step": {"team_lead": None}}
    ).to_domain()
    fired = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    case = escalate(
        _case(next_escalation_at=fired), ladder=ladder, at=fired, add_hours=_hours_on(PLAIN)
    )
    assert (case.escalation_step, case.next_escalation_at) == (1, None)
    assert "this is the last step" in case.timeline[-1].note


# --- who each step names ----------------------------------------------------------------


def _person(
    user_id: int,
    role: Role,
    *,
    teams: tuple[str, ...] = (),
    warehouses: tuple[str, ...] = (),
    active: bool = True,
) -> Colleague:
    return Colleague(
        user_id=user_id,
        login=f"p{user_id}",
        name=f"Person {user_id}",
        role=role,
        teams=frozenset(teams),
        scope=Scope.of((), warehouses),
        active=active,
    )


PEOPLE = [
    _person(1, Role.FRONTLINE, teams=(TEAM,)),
    _person(2, Role.MANAGER, teams=(TEAM,)),
    _person(3, Role.MANAGER, teams=("purchasing@MAN",)),
    _person(4, Role.MANAGER, warehouses=("LDS",)),  # cannot see a MAN case
    _person(5, Role.EXECUTIVE),
    _person(6, Role.EXECUTIVE, active=False),
    _person(7, Role.MANAGER, teams=(TEAM,), warehouses=("LDS",)),  # on the team, out of scope
]


@pytest.mark.parametrize(
    ("step", "assignee", "people", "named"),
    [
        (EscalationStep.OWNER, None, PEOPLE, [1, 2]),
        (EscalationStep.OWNER, "p1", PEOPLE, [1]),
        (EscalationStep.TEAM_LEAD, None, PEOPLE, [2]),
        (EscalationStep.MANAGER, None, PEOPLE, [2, 3]),
        (EscalationStep.EXECUTIVE, None, PEOPLE, [5]),
        # nobody at the step: the owning team's members
        (EscalationStep.EXECUTIVE, None, PEOPLE[:4], [1, 2]),
        (EscalationStep.TEAM_LEAD, None, [PEOPLE[0], PEOPLE[2]], [1]),
        # nobody at all who can see it
        (EscalationStep.MANAGER, None, [PEOPLE[3], PEOPLE[6]], []),
    ],
)
def test_each_step_names_its_people_who_can_see_the_case(
    step: EscalationStep, assignee: str | None, people: list[Colleague], named: list[int]
) -> None:
    found = people_at_step(
        step, owner=TEAM, assignee=assignee, company="NORDEL", warehouse="MAN", people=people
    )
    assert [p.user_id for p in found] == named


# --- the lifecycle starts and stops the climb ------------------------------------------


@dataclass(frozen=True)
class _Finding:
    type: ExceptionType
    subject: str
    severity: Severity
    value_at_risk: Decimal
    value_basis: str
    explanation: str
    cause: str
    owner: str
    due_at: datetime
    related: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    warehouse: str | None = "MAN"
    company: str | None = "NORDEL"


class _Rules:
    clear_after_scans = 1
    clear_after_minutes = 0
    reopen_window_days = 7


class _Lifecycle:
    lifecycle = _Rules()


def _finding(severity: Severity, due: datetime) -> _Finding:
    return _Finding(
        ExceptionType.ORDER_AT_RISK, "sales_order:SO1", severity, Decimal(5000), "open value",
        "late", "purchase_order:PO7", TEAM, due,
    )  # fmt: skip


NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_opening_sets_the_first_deadline_to_the_response_target() -> None:
    due = NOW + timedelta(hours=4)
    (case,) = reconcile([], [_finding(Severity.HIGH, due)], now=NOW, policy=_Lifecycle()).cases
    assert (case.escalation_step, case.next_escalation_at) == (0, due)


def test_a_sooner_target_moves_the_first_deadline_while_the_case_is_with_its_owner() -> None:
    due = NOW + timedelta(hours=8)
    (case,) = reconcile([], [_finding(Severity.MEDIUM, due)], now=NOW, policy=_Lifecycle()).cases
    sooner = NOW + timedelta(hours=4)
    later = NOW + timedelta(minutes=30)
    (risen,) = reconcile(
        [case], [_finding(Severity.HIGH, sooner)], now=later, policy=_Lifecycle()
    ).cases
    assert (risen.due_at, risen.next_escalation_at) == (sooner, sooner)
    climbed = replace(case, escalation_step=1, next_escalation_at=NOW + timedelta(hours=9))
    (kept,) = reconcile(
        [climbed], [_finding(Severity.HIGH, sooner)], now=later, policy=_Lifecycle()
    ).cases
    assert (kept.escalation_step, kept.next_escalation_at) == (1, NOW + timedelta(hours=9))


@pytest.mark.parametrize("act", ["acknowledge", "start", "resolve"])
def test_answering_stops_the_clock_where_the_case_stands(act: str) -> None:
    case = _case(escalation_step=2, next_escalation_at=NOW + timedelta(hours=1))
    later = NOW + timedelta(minutes=10)
    if act == "acknowledge":
        after = acknowledge(case, by="ann", at=later)
    elif act == "start":
        after = start(case, by="ann", at=later)
    else:
        after = resolve(case, code=ResolutionCode.ACCEPTED_RISK, note="agreed", by="ann", at=later)
    assert (after.escalation_step, after.next_escalation_at) == (2, None)


def test_reopening_puts_the_case_back_at_its_owner_with_a_fresh_target() -> None:
    due = NOW + timedelta(hours=4)
    (case,) = reconcile([], [_finding(Severity.HIGH, due)], now=NOW, policy=_Lifecycle()).cases
    climbed = replace(case, escalation_step=3, next_escalation_at=None)
    cleared = reconcile([climbed], [], now=NOW + timedelta(hours=1), policy=_Lifecycle()).cases
    assert cleared[0].state is CaseState.RESOLVED
    back = NOW + timedelta(days=1)
    fresh = back + timedelta(hours=4)
    (reopened,) = reconcile(
        cleared, [_finding(Severity.HIGH, fresh)], now=back, policy=_Lifecycle()
    ).cases
    assert reopened.state is CaseState.OPEN
    assert (reopened.escalation_step, reopened.next_escalation_at) == (0, fresh)


def test_without_a_clock_zone_the_hours_count_in_the_frame_of_the_deadline() -> None:
    fired = datetime(2026, 11, 25, 12, 0, tzinfo=NEW_YORK)
    case = _case(next_escalation_at=fired)
    after = escalate(case, ladder=LADDER, at=fired, add_hours=_hours_on(PLAIN))
    (event,) = after.timeline
    assert "escalated to team lead" in event.note
    assert "not acknowledged by 2026-11-25T12:00:00-05:00" in event.note
    assert after.next_escalation_at == datetime(2026, 11, 25, 16, 0, tzinfo=NEW_YORK)
