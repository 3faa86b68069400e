"""Escalation by impact: how much a case matters, and who hears of it while nobody answers.

Every stored case carries an **impact score** from 0 to 100, the sum of four parts a
person can check by hand (:func:`impact_score`): its value at risk against the policy's
value ladder, its customer's tier, the days left before the promised date (order
cases), and how many orders at risk share its root cause. The score, not the case's
age, sets how fast it climbs the **escalation ladder** (owner, team lead, manager,
executive in the default policy) and whether its stored severity is a step above the
detector's (:meth:`EscalationLadder.severity_for`).

A case waits with its owner until its response target (``due_at``). If nobody has
acknowledged, started or resolved it by then, it moves up one step (:func:`escalate`);
each later step lasts the policy's business hours for that step, halved for an urgent
score and cut to three quarters for an elevated one, and the last step is final. The
next deadline is stored on the case (``next_escalation_at``) rather than held by any
process, so each one fires once whichever worker is running when it falls due
(``storage/escalations.py``).

Pure: the business-hours clock comes in as a function (:data:`AddHours`), the moment as
``at``; nothing here reads a clock, a file or a database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final, Protocol

from controltower.domain.cases import (
    SYSTEM_ACTOR,
    CaseEvent,
    CaseState,
    EventKind,
    ExceptionCase,
    ExceptionType,
    FieldChange,
    ReconcileResult,
    Severity,
    raise_severity,
)
from controltower.domain.model import Tier
from controltower.domain.notifications import (
    NotificationKind,
    Planned,
    Recipient,
    case_link,
)
from controltower.domain.people import Role, Scope


class EscalationStep(StrEnum):
    """A rung of the ladder: who a case is with while nobody acknowledges it."""

    OWNER = "owner"
    TEAM_LEAD = "team_lead"
    MANAGER = "manager"
    EXECUTIVE = "executive"


#: the steps in the only order a ladder may list them (a ladder may leave some out)
STEP_ORDER: Final = tuple(EscalationStep)

STEP_LABELS: Final[dict[EscalationStep, str]] = {
    EscalationStep.OWNER: "Owner",
    EscalationStep.TEAM_LEAD: "Team lead",
    EscalationStep.MANAGER: "Manager",
    EscalationStep.EXECUTIVE: "Executive",
}

#: who each step names, in words (pages, notifications and docs/escalation.md)
STEP_AUDIENCE: Final[dict[EscalationStep, str]] = {
    EscalationStep.OWNER: "the person it is assigned to, else its owning team",
    EscalationStep.TEAM_LEAD: "the managers of its owning team",
    EscalationStep.MANAGER: "the managers whose scope covers it",
    EscalationStep.EXECUTIVE: "the executives whose scope covers it",
}


class ScoreBand(StrEnum):
    """How pressing a score is; it scales the time at each step."""

    NORMAL = "normal"
    ELEVATED = "elevated"
    URGENT = "urgent"


#: the share of a step's hours a case of each band spends at it
BAND_SHARE: Final[dict[ScoreBand, Decimal]] = {
    ScoreBand.NORMAL: Decimal(1),
    ScoreBand.ELEVATED: Decimal("0.75"),
    ScoreBand.URGENT: Decimal("0.5"),
}


# --- the impact score ------------------------------------------------------------------


class ValueLadder(Protocol):
    """The value bounds from which a finding is at least medium, high, critical
    (``[detectors.severity_by_value]``)."""

    @property
    def medium(self) -> Decimal: ...
    @property
    def high(self) -> Decimal: ...
    @property
    def critical(self) -> Decimal: ...


#: points for a value at risk reaching the ladder's medium, high and critical bound
VALUE_POINTS: Final = (15, 30, 40)
#: points for the customer's tier (none: a case about no one customer)
TIER_POINTS: Final[dict[Tier, int]] = {Tier.STRATEGIC: 20, Tier.KEY: 10, Tier.STANDARD: 0}
#: (at most this many days left before the promised date, points), first match counts;
#: a promise already passed has fewer than 0 days left
PROMISE_POINTS: Final = ((0, 20), (2, 15), (7, 5))
#: (at least this many orders at risk sharing the case's cause, points), first match counts
SHARED_POINTS: Final = ((10, 20), (5, 15), (2, 10), (1, 5))
#: the highest score (every part at its most)
MAX_SCORE: Final = (
    VALUE_POINTS[-1] + max(TIER_POINTS.values()) + PROMISE_POINTS[0][1] + SHARED_POINTS[0][1]
)


@dataclass(frozen=True, slots=True)
class ImpactFacts:
    """What the score of one case is made from."""

    value_at_risk: Decimal
    customer_tier: Tier | None = None
    #: the promised date minus the scan's as-of date, for a case on an order (else None)
    days_to_promise: int | None = None
    #: order_at_risk findings naming this case's cause (an order at risk counts itself)
    orders_sharing_cause: int = 0


@dataclass(frozen=True, slots=True)
class ImpactScore:
    """A score and the parts it is the sum of."""

    value: int
    tier: int
    promise: int
    shared: int

    @property
    def total(self) -> int:
        return self.value + self.tier + self.promise + self.shared


def impact_score(facts: ImpactFacts, ladder: ValueLadder) -> ImpactScore:
    """The impact score of ``facts`` (see the module's note and docs/escalation.md)."""
    bounds = (ladder.medium, ladder.high, ladder.critical)
    value = max(
        (p for bound, p in zip(bounds, VALUE_POINTS, strict=True) if facts.value_at_risk >= bound),
        default=0,
    )
    tier = TIER_POINTS[facts.customer_tier] if facts.customer_tier is not None else 0
    return ImpactScore(
        value=value,
        tier=tier,
        promise=_promise_points(facts.days_to_promise),
        shared=_shared_points(facts.orders_sharing_cause),
    )


def _promise_points(days_left: int | None) -> int:
    if days_left is None:
        return 0
    return next((points for most, points in PROMISE_POINTS if days_left <= most), 0)


def _shared_points(orders: int) -> int:
    return next((points for least, points in SHARED_POINTS if orders >= least), 0)


def with_impact_scores(
    result: ReconcileResult, scores: Mapping[tuple[ExceptionType, str], int]
) -> ReconcileResult:
    """``result`` with each active case found by this run carrying its new score.

    A case whose score changed is among the changed cases (storage writes it) with no
    timeline entry: a score moves with the facts it is made of (a day nearer the
    promise), which the timeline records when they matter, as a new severity.
    """
    rescored: dict[str, ExceptionCase] = {}
    for case in result.cases:
        score = scores.get(case.key)
        if case.is_active and score is not None and score != case.impact_score:
            rescored[case.id] = replace(case, impact_score=score)
    if not rescored:
        return result
    changed_ids = {case.id for case in result.changed}
    changed = [rescored.get(case.id, case) for case in result.changed]
    changed.extend(case for case in rescored.values() if case.id not in changed_ids)
    return ReconcileResult(
        cases=tuple(rescored.get(case.id, case) for case in result.cases),
        changed=tuple(changed),
        events=result.events,
    )


# --- the ladder ------------------------------------------------------------------------


def _default_hours() -> dict[EscalationStep, Decimal]:
    return {EscalationStep.TEAM_LEAD: Decimal(4), EscalationStep.MANAGER: Decimal(8)}


@dataclass(frozen=True, slots=True)
class EscalationLadder:
    """The policy's ``[escalation]``: the steps, the business hours at each and the bands.

    ``hours_at_step`` gives every step but the first (whose time is the response target)
    and the last (which is final).
    """

    steps: tuple[EscalationStep, ...] = STEP_ORDER
    hours_at_step: Mapping[EscalationStep, Decimal] = field(default_factory=_default_hours)
    #: from this score on: half the time at each step, and the stored severity a step up
    urgent_score: int = 80
    #: from this score on (below urgent): three quarters of the time at each step
    elevated_score: int = 50

    def band(self, score: int) -> ScoreBand:
        if score >= self.urgent_score:
            return ScoreBand.URGENT
        if score >= self.elevated_score:
            return ScoreBand.ELEVATED
        return ScoreBand.NORMAL

    @property
    def last(self) -> int:
        """The index of the final step."""
        return len(self.steps) - 1

    def step_at(self, index: int) -> EscalationStep:
        """The step at ``index`` (one past the ladder, as after a policy shortened it:
        the final step)."""
        return self.steps[max(0, min(index, self.last))]

    def hours_at(self, index: int, score: int) -> Decimal | None:
        """The business hours a case of ``score`` spends at step ``index`` (None: the
        final step, where it stays)."""
        if index >= self.last:
            return None
        return self.hours_at_step[self.steps[index]] * BAND_SHARE[self.band(score)]

    def severity_for(self, severity: Severity, score: int) -> Severity:
        """The stored severity of a finding of ``severity`` and ``score``: one step up
        for an urgent score (critical stays critical)."""
        return raise_severity(severity) if self.band(score) is ScoreBand.URGENT else severity


#: ``start`` plus a number of business hours, on the calendar of the case's place
AddHours = Callable[[datetime, Decimal], datetime]


def escalate(
    case: ExceptionCase, *, ladder: EscalationLadder, at: datetime, add_hours: AddHours
) -> ExceptionCase:
    """``case`` one step up ``ladder`` because its deadline passed unacknowledged.

    The next deadline counts from the deadline that passed, not from ``at``, so a
    worker that was stopped for a while fires every deadline it missed, each once, and
    the ladder's times do not depend on when a worker ran. A case with nothing above it
    (the final step, or no longer open) keeps its step and loses its deadline, with no
    timeline entry: there is nobody further to tell.
    """
    fired = case.next_escalation_at
    if fired is None or fired > at:
        raise ValueError(f"case {case.id} has no escalation due at {at.isoformat()}")
    if case.state is not CaseState.OPEN or case.escalation_step >= ladder.last:
        return replace(case, next_escalation_at=None)
    step = case.escalation_step + 1
    hours = ladder.hours_at(step, case.impact_score)
    following = None if hours is None else add_hours(fired, hours)
    reached = ladder.step_at(step)
    then = (
        f"; it moves up again at {following.isoformat()} unless acknowledged"
        if following is not None
        else "; this is the last step"
    )
    event = CaseEvent(
        kind=EventKind.ESCALATED,
        at=at,
        by=SYSTEM_ACTOR,
        note=(
            f"escalated to {STEP_LABELS[reached].lower()} ({STEP_AUDIENCE[reached]}): "
            f"not acknowledged by {fired.isoformat()}; impact {case.impact_score} "
            f"({ladder.band(case.impact_score)}){then}"
        ),
        changes=(
            FieldChange("escalation_step", ladder.step_at(step - 1), reached),
            FieldChange(
                "next_escalation_at",
                fired.isoformat(),
                following.isoformat() if following is not None else "",
            ),
        ),
    )
    return replace(
        case,
        escalation_step=step,
        next_escalation_at=following,
        escalated_at=at,
        timeline=(*case.timeline, event),
    )


@dataclass(frozen=True, slots=True)
class PathStep:
    """One step of a case's path, as its page shows it."""

    step: EscalationStep
    label: str
    audience: str
    #: ``passed``, ``current`` or ``ahead``
    where: str


def ladder_path(ladder: EscalationLadder, current: int) -> list[PathStep]:
    """The ladder's steps with where a case at step ``current`` stands on each."""
    here = max(0, min(current, ladder.last))
    return [
        PathStep(
            step=step,
            label=STEP_LABELS[step],
            audience=STEP_AUDIENCE[step],
            where="passed" if index < here else "current" if index == here else "ahead",
        )
        for index, step in enumerate(ladder.steps)
    ]


# --- who each step names ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Colleague:
    """A person as escalation reads them: role, teams and scope."""

    user_id: int
    login: str
    name: str
    role: Role
    teams: frozenset[str]
    scope: Scope
    active: bool


def people_at_step(
    step: EscalationStep,
    *,
    owner: str,
    assignee: str | None,
    company: str,
    warehouse: str | None,
    people: Sequence[Colleague],
) -> list[Colleague]:
    """Who ``step`` names for a case of ``owner`` (its team), filed under ``company`` at
    ``warehouse``: only active people whose scope covers the case. A step that names
    nobody falls back to the owning team's members, so an escalation always reaches
    someone who can see the case when anyone can."""
    seeing = [p for p in people if p.active and p.scope.covers(company, warehouse)]
    team = [p for p in seeing if owner in p.teams]
    if step is EscalationStep.OWNER:
        named = [p for p in seeing if p.login == assignee] if assignee is not None else team
    elif step is EscalationStep.TEAM_LEAD:
        named = [p for p in team if p.role is Role.MANAGER]
    elif step is EscalationStep.MANAGER:
        named = [p for p in seeing if p.role is Role.MANAGER]
    else:
        named = [p for p in seeing if p.role is Role.EXECUTIVE]
    return named or team


@dataclass(frozen=True, slots=True)
class Escalated:
    """A case that just climbed a step, as notifications need it."""

    #: the case after :func:`escalate`
    case: ExceptionCase
    #: the company it is filed under
    scope_company: str
    #: the deadline that passed
    fired: datetime
    #: when it climbed
    at: datetime


def plan_escalation_notices(
    items: Sequence[Escalated],
    *,
    ladder: EscalationLadder,
    people: Sequence[Colleague],
    recipients: Mapping[int, Recipient],
) -> list[Planned]:
    """One notification per person the new step names and per channel they use.

    The dedupe key holds the case, the step and the deadline that passed, so one
    escalation is queued once however often it is planned, and a case that climbs the
    same step again after a reopening tells again.
    """
    planned: list[Planned] = []
    for item in items:
        case = item.case
        step = ladder.step_at(case.escalation_step)
        named = people_at_step(
            step,
            owner=case.owner,
            assignee=case.assignee,
            company=item.scope_company,
            warehouse=case.warehouse,
            people=people,
        )
        title, body = _notice_words(item, ladder)
        for colleague in named:
            person = recipients.get(colleague.user_id)
            if person is None:
                continue
            planned.extend(
                Planned(
                    user_id=person.user_id,
                    channel=channel,
                    kind=NotificationKind.CASE_ESCALATED,
                    scope_company=item.scope_company,
                    case_id=case.id,
                    cause=None,
                    severity=case.severity,
                    title=title,
                    body=body,
                    link=case_link(case.id),
                    dedupe_key=(
                        f"{channel}:{person.user_id}:{NotificationKind.CASE_ESCALATED}:"
                        f"{item.scope_company}:{case.id}:step{case.escalation_step}:"
                        f"{item.fired.astimezone(UTC).isoformat()}"
                    ),
                    created_at=item.at,
                )
                for channel in person.channels()
            )
    return planned


def _notice_words(item: Escalated, ladder: EscalationLadder) -> tuple[str, str]:
    case = item.case
    step = ladder.step_at(case.escalation_step)
    what = case.type.replace("_", " ").capitalize()
    title = f"Escalated to {STEP_LABELS[step].lower()}: {what} on {case.subject} ({case.severity})"
    following = (
        f" It moves up again at {case.next_escalation_at.isoformat()} unless acknowledged."
        if case.next_escalation_at is not None
        else " This is the last step."
    )
    body = (
        f"{case.explanation}\n\nNobody acknowledged it by {item.fired.isoformat()}: it is now "
        f"with {STEP_AUDIENCE[step]} (step {case.escalation_step + 1} of "
        f"{len(ladder.steps)}).{following}\n\nOwner: {case.owner}; impact "
        f"{case.impact_score}; due {case.due_at.isoformat()}; case {case.id}."
    )
    return title, body
