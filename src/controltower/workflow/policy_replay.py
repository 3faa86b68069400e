"""Replay a policy on the stored case history: what would it have raised, and for whom?

A policy change (a higher ``min_value_at_risk``, another team owning a type, a shorter
response target, a different escalation ladder) is judged before it goes live by
running it, and the policy in force, over the same history: every opening and reopening
of a case in the period (``storage/replay_history.py`` reads them with what routing read
of their findings). For each occurrence a policy decides:

- **raised**: its detector is enabled and the value at risk reaches the detector's
  ``min_value_at_risk`` (the severity is the one recorded: severities come from the
  picture, which history does not keep);
- **owner**: routing as the scans do (``policy/routing.owner_for``);
- **notifications**: one per member of the owning team and channel they use; the cases
  of one incident opened by one scan tell each person once, as the outbox does;
- **escalations**: the response target (``[sla]``, on the warehouse's business
  calendar) and the escalation ladder (``[escalation]``, at the pace of the case's
  impact score), against when a person first acted on the case (or it cleared, or the
  period ended): how many steps it would have climbed.

The result is counted per type, per team and per person, side by side for the two
policies. Nothing is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.errors import PolicyError
from controltower.domain.model import Tier
from controltower.domain.people import Scope
from controltower.policy.model import Policy
from controltower.policy.routing import add_business_hours, owner_for


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One opening (or reopening) of a case, with what routing read of its finding."""

    case_id: str
    type: ExceptionType
    subject: str
    severity: Severity
    value_at_risk: Decimal
    cause: str
    warehouse: str | None
    company: str | None
    customer_tier: Tier | None
    routing: str | None
    routed_as: ExceptionType
    #: when the scan opened (or reopened) it: aware
    opened_at: datetime
    #: when a person first acted on it after that, None if nobody did
    first_action_at: datetime | None
    #: when it was next resolved (by a person or by the scans), None if still open
    cleared_at: datetime | None
    #: its impact score (``domain/escalation.py``), which sets its pace up the ladder
    impact_score: int = 0


@dataclass(frozen=True, slots=True)
class Person:
    """Somebody who may be told: their teams, scope and how many channels they use."""

    login: str
    teams: frozenset[str]
    channels: int = 1
    scope: Scope = Scope()  # noqa: RUF009 - frozen value


@dataclass
class Tally:
    """What one policy raised for one type, team or person."""

    cases: int = 0
    notifications: int = 0
    escalations: int = 0


@dataclass
class Replay:
    """The counts of one policy over the history."""

    by_type: dict[str, Tally] = field(default_factory=dict)
    by_team: dict[str, Tally] = field(default_factory=dict)
    by_person: dict[str, Tally] = field(default_factory=dict)
    #: occurrences the policy could not route (no team owns the type), by type
    unroutable: Counter[str] = field(default_factory=Counter)

    def total(self) -> Tally:
        whole = Tally()
        for tally in self.by_type.values():
            whole.cases += tally.cases
            whole.notifications += tally.notifications
            whole.escalations += tally.escalations
        return whole


#: how many escalation steps an occurrence climbs under a policy, given its deadline
#: and the moment its clock stopped
EscalationSteps = Callable[[Occurrence, datetime, datetime, Policy], int]


def escalation_steps(
    occurrence: Occurrence, due_at: datetime, stopped_at: datetime, policy: Policy
) -> int:
    """How many steps of ``policy``'s escalation ladder the occurrence climbs before its
    clock stopped: the first when its response target passes, each later one after the
    business hours of the step it is on (its impact score's band sets the pace), as the
    worker moves stored cases (``domain/escalation.escalate``)."""
    ladder = policy.escalation.to_domain()
    step, deadline = 0, due_at
    while deadline < stopped_at and step < ladder.last:
        step += 1
        hours = ladder.hours_at(step, occurrence.impact_score)
        if hours is None:
            break
        deadline = _later(deadline, hours, occurrence, policy)
    return step


def _later(deadline: datetime, hours: Decimal, occurrence: Occurrence, policy: Policy) -> datetime:
    zone = deadline.tzinfo
    start = deadline.astimezone(policy.clock.frame() or zone).replace(tzinfo=None)
    later = add_business_hours(start, hours, policy.clock, warehouse=occurrence.warehouse)
    return later if later.tzinfo is not None else later.replace(tzinfo=zone)


def raised(occurrence: Occurrence, policy: Policy) -> bool:
    """Whether ``policy``'s detector settings would raise this occurrence at all."""
    settings = getattr(policy.detectors, occurrence.type.value)
    return bool(settings.enabled) and occurrence.value_at_risk >= settings.min_value_at_risk


def due_at(occurrence: Occurrence, policy: Policy) -> datetime:
    """The response target ``policy`` would have set when the case opened."""
    hours = policy.sla.hours_for(occurrence.type, occurrence.severity)
    return _later(occurrence.opened_at, hours, occurrence, policy)


def replay(
    history: Iterable[Occurrence],
    policy: Policy,
    people: Sequence[Person],
    *,
    until: datetime,
    steps_rule: EscalationSteps = escalation_steps,
) -> Replay:
    """The counts of ``policy`` over ``history``; ``until`` stops the clocks of the cases
    nobody acted on or cleared."""
    result = Replay()
    members = _members(people)
    told: set[tuple[str, str, datetime]] = set()
    for occurrence in history:
        if not raised(occurrence, policy):
            continue
        try:
            owner = owner_for(occurrence, policy)
        except PolicyError:
            result.unroutable[occurrence.type.value] += 1
            continue
        stopped = min(
            (t for t in (occurrence.first_action_at, occurrence.cleared_at) if t is not None),
            default=until,
        )
        steps = steps_rule(occurrence, due_at(occurrence, policy), min(stopped, until), policy)
        for tally in (
            result.by_type.setdefault(occurrence.type.value, Tally()),
            result.by_team.setdefault(owner, Tally()),
        ):
            tally.cases += 1
            tally.escalations += steps
        for person in members.get(owner, ()):
            if not person.scope.covers(occurrence.company, occurrence.warehouse):
                continue
            key = (person.login, occurrence.cause, occurrence.opened_at)
            own = result.by_person.setdefault(person.login, Tally())
            own.cases += 1
            if key in told:  # one incident's cases from one scan: told once
                continue
            told.add(key)
            own.notifications += person.channels
            result.by_type[occurrence.type.value].notifications += person.channels
            result.by_team[owner].notifications += person.channels
    return result


def _members(people: Sequence[Person]) -> Mapping[str, list[Person]]:
    teams: dict[str, list[Person]] = {}
    for person in people:
        for team in person.teams:
            teams.setdefault(team, []).append(person)
    return teams
