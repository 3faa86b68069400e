"""Exception cases: one typed problem on one subject, its lifecycle and its timeline.

A case is plain data (ids as strings, times as datetimes, the timeline as a tuple of
events) so storage can persist it column for column. Everything that changes a case is
a pure function returning a new case: :func:`transition` for what people do (declared in
:data:`TRANSITIONS`), :func:`reconcile` for what each detection run implies (open,
update, resolve itself with hysteresis, reopen, close once the reopen window passed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from controltower.domain.errors import IllegalTransitionError


class ExceptionType(StrEnum):
    """The catalogue of exception types (``docs/exceptions.md`` describes each)."""

    ORDER_AT_RISK = "order_at_risk"
    STOCK_SHORTAGE = "stock_shortage"
    SUPPLIER_CONFIRMATION_OVERDUE = "supplier_confirmation_overdue"
    SUPPLIER_DELAY = "supplier_delay"
    INBOUND_NOT_PUT_AWAY = "inbound_not_put_away"
    DAMAGED_RECEIPT = "damaged_receipt"
    PICK_UNASSIGNED = "pick_unassigned"
    PICKING_BOTTLENECK = "picking_bottleneck"
    PRICING_VARIANCE = "pricing_variance"
    RETURN_PENDING_APPROVAL = "return_pending_approval"
    CREDIT_HOLD = "credit_hold"
    QUALITY_HOLD = "quality_hold"
    EXPEDITE_REQUEST = "expedite_request"
    REPLENISHMENT_OVERDUE = "replenishment_overdue"
    INVOICE_BLOCKED = "invoice_blocked"
    RECURRING_EXCEPTION = "recurring_exception"


class Severity(StrEnum):
    """How much an exception matters; the member order is the escalation order."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


SEVERITY_ORDER: tuple[Severity, ...] = tuple(Severity)


def severity_rank(severity: Severity) -> int:
    """0 for low up to 3 for critical, so severities compare as numbers."""
    return SEVERITY_ORDER.index(severity)


def raise_severity(severity: Severity, steps: int = 1) -> Severity:
    """``severity`` raised by ``steps`` levels, never beyond critical."""
    return SEVERITY_ORDER[min(severity_rank(severity) + steps, len(SEVERITY_ORDER) - 1)]


#: the most a finding that makes no order late may be: it is worth watching, not a fire
UNHURT_CEILING: Severity = Severity.MEDIUM


def at_most(severity: Severity, ceiling: Severity) -> Severity:
    """``severity``, lowered to ``ceiling`` when above it."""
    return SEVERITY_ORDER[min(severity_rank(severity), severity_rank(ceiling))]


def highest_severity(severities: Iterable[Severity]) -> Severity:
    """The most severe of ``severities`` (low when there are none)."""
    return max(severities, key=severity_rank, default=Severity.LOW)


class CaseState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    WAITING_FOR_APPROVAL = "waiting_for_approval"
    RESOLVED = "resolved"
    CLOSED = "closed"


#: states in which a case is still someone's work
ACTIVE_STATES: frozenset[CaseState] = frozenset(
    {
        CaseState.OPEN,
        CaseState.ACKNOWLEDGED,
        CaseState.IN_PROGRESS,
        CaseState.WAITING_FOR_APPROVAL,
    }
)


class Trigger(StrEnum):
    """Why a case moves: an act of a person, or (the last three) a detection run."""

    ACKNOWLEDGE = "acknowledge"
    START_WORK = "start_work"
    REQUEST_APPROVAL = "request_approval"
    APPROVAL_DECIDED = "approval_decided"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    CLOSE = "close"
    CONDITION_CLEARED = "condition_cleared"
    CONDITION_RETURNED = "condition_returned"
    REOPEN_WINDOW_PASSED = "reopen_window_passed"


@dataclass(frozen=True, slots=True)
class Transition:
    source: CaseState
    target: CaseState
    trigger: Trigger


def _from_each(
    sources: Iterable[CaseState], target: CaseState, trigger: Trigger
) -> set[Transition]:
    return {Transition(source, target, trigger) for source in sources}


#: every move a case may make; anything else is refused with IllegalTransitionError
TRANSITIONS: frozenset[Transition] = frozenset(
    {
        Transition(CaseState.OPEN, CaseState.ACKNOWLEDGED, Trigger.ACKNOWLEDGE),
        Transition(CaseState.OPEN, CaseState.IN_PROGRESS, Trigger.START_WORK),
        Transition(CaseState.ACKNOWLEDGED, CaseState.IN_PROGRESS, Trigger.START_WORK),
        Transition(CaseState.IN_PROGRESS, CaseState.WAITING_FOR_APPROVAL, Trigger.REQUEST_APPROVAL),
        Transition(CaseState.WAITING_FOR_APPROVAL, CaseState.IN_PROGRESS, Trigger.APPROVAL_DECIDED),
        Transition(CaseState.RESOLVED, CaseState.OPEN, Trigger.REOPEN),
        Transition(CaseState.RESOLVED, CaseState.OPEN, Trigger.CONDITION_RETURNED),
        Transition(CaseState.RESOLVED, CaseState.CLOSED, Trigger.CLOSE),
        Transition(CaseState.RESOLVED, CaseState.CLOSED, Trigger.REOPEN_WINDOW_PASSED),
    }
    | _from_each(ACTIVE_STATES, CaseState.RESOLVED, Trigger.RESOLVE)
    | _from_each(ACTIVE_STATES, CaseState.RESOLVED, Trigger.CONDITION_CLEARED)
)


class EventKind(StrEnum):
    OPENED = "opened"
    UPDATED = "updated"
    SEVERITY_CHANGED = "severity_changed"
    ACKNOWLEDGED = "acknowledged"
    WORK_STARTED = "work_started"
    APPROVAL_REQUESTED = "approval_requested"
    APPROVAL_DECIDED = "approval_decided"
    RESOLVED = "resolved"
    RESOLVED_AUTOMATICALLY = "resolved_automatically"
    REOPENED = "reopened"
    CLOSED = "closed"
    ASSIGNED = "assigned"
    COMMENTED = "commented"
    SNOOZED = "snoozed"
    SNOOZE_ENDED = "snooze_ended"
    #: an unacknowledged case moved one step up its escalation ladder (``domain.escalation``)
    ESCALATED = "escalated"


EVENT_FOR_TRIGGER: dict[Trigger, EventKind] = {
    Trigger.ACKNOWLEDGE: EventKind.ACKNOWLEDGED,
    Trigger.START_WORK: EventKind.WORK_STARTED,
    Trigger.REQUEST_APPROVAL: EventKind.APPROVAL_REQUESTED,
    Trigger.APPROVAL_DECIDED: EventKind.APPROVAL_DECIDED,
    Trigger.RESOLVE: EventKind.RESOLVED,
    Trigger.REOPEN: EventKind.REOPENED,
    Trigger.CLOSE: EventKind.CLOSED,
    Trigger.CONDITION_CLEARED: EventKind.RESOLVED_AUTOMATICALLY,
    Trigger.CONDITION_RETURNED: EventKind.REOPENED,
    Trigger.REOPEN_WINDOW_PASSED: EventKind.CLOSED,
}

#: the actor named on events a detection run causes
SYSTEM_ACTOR = "system"


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field's old and new value, as text so every change persists the same way."""

    field: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One entry of a case's timeline."""

    kind: EventKind
    at: datetime
    by: str
    note: str = ""
    from_state: CaseState | None = None
    to_state: CaseState | None = None
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True, slots=True)
class Absence:
    """Consecutive detection runs that no longer found an active case's condition."""

    first_missed_at: datetime
    last_missed_at: datetime
    scans: int


@dataclass(frozen=True, slots=True)
class ExceptionCase:
    """One exception of one type on one subject, from opening to closing."""

    id: str
    type: ExceptionType
    subject: str
    state: CaseState
    severity: Severity
    value_at_risk: Decimal
    value_basis: str
    explanation: str
    cause: str
    owner: str
    due_at: datetime
    opened_at: datetime
    related: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    warehouse: str | None = None
    company: str | None = None
    #: set while an active case's condition is missing from detection runs (hysteresis)
    absence: Absence | None = None
    timeline: tuple[CaseEvent, ...] = ()
    #: the login of the person working it (None: its owning team's, unassigned)
    assignee: str | None = None
    #: hidden from the queue until then; the first detection run after it ends the snooze
    snoozed_until: datetime | None = None
    snooze_reason: str | None = None
    #: the reason code of the latest resolution by a person (``domain.case_actions``)
    resolution_code: str | None = None
    #: how much the case matters, 0 to 100 (``domain.escalation.impact_score``)
    impact_score: int = 0
    #: where it stands on the policy's escalation ladder (0: its owner)
    escalation_step: int = 0
    #: when it climbs the next step unless someone acknowledges it first (None: never)
    next_escalation_at: datetime | None = None
    #: when it last climbed a step (None: never)
    escalated_at: datetime | None = None

    @property
    def key(self) -> tuple[ExceptionType, str]:
        return (self.type, self.subject)

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def resolved_at(self) -> datetime | None:
        """When the case last became resolved, while it is resolved (else None)."""
        if self.state is not CaseState.RESOLVED:
            return None
        for event in reversed(self.timeline):
            if event.to_state is CaseState.RESOLVED:
                return event.at
        return None


def case_id(type_: ExceptionType, subject: str, opened_at: datetime) -> str:
    """A stable id: the same case gets the same id wherever it is computed."""
    digest = hashlib.sha256(f"{type_}|{subject}|{opened_at.isoformat()}".encode()).hexdigest()
    return f"CASE-{digest[:16].upper()}"


def allowed_moves(state: CaseState) -> list[Transition]:
    """The declared transitions out of ``state``, in a stable order."""
    return sorted(
        (t for t in TRANSITIONS if t.source is state), key=lambda t: (t.target, t.trigger)
    )


def transition(
    case: ExceptionCase,
    to: CaseState,
    *,
    trigger: Trigger,
    at: datetime,
    by: str,
    note: str = "",
) -> ExceptionCase:
    """``case`` moved to ``to`` by ``trigger``, with the move on its timeline.

    Raises IllegalTransitionError naming the case, both states and every move allowed
    from the current state when the move is not declared in :data:`TRANSITIONS`.
    """
    if Transition(case.state, to, trigger) not in TRANSITIONS:
        moves = allowed_moves(case.state)
        allowed = ", ".join(f"{t.target} (by {t.trigger})" for t in moves) or "none"
        raise IllegalTransitionError(
            f"case {case.id} ({case.type} on {case.subject}) cannot move from "
            f"{case.state} to {to} by {trigger}; allowed from {case.state}: {allowed}"
        )
    event = CaseEvent(
        kind=EVENT_FOR_TRIGGER[trigger],
        at=at,
        by=by,
        note=note,
        from_state=case.state,
        to_state=to,
    )
    updates: dict[str, Any] = {}
    if to is CaseState.OPEN:
        updates["resolution_code"] = None  # reopened: the old resolution no longer holds
        # back at the foot of the ladder, climbing again once its response target passes
        updates.update(escalation_step=0, next_escalation_at=case.due_at)
    else:
        # somebody answered (or the case ended): its escalation clock stops where it is
        updates["next_escalation_at"] = None
    if to not in ACTIVE_STATES:
        updates.update(snoozed_until=None, snooze_reason=None)
    return replace(case, state=to, absence=None, timeline=(*case.timeline, event), **updates)


# --- reconciliation with detection runs ---------------------------------------------


class DetectedException(Protocol):
    """What a detection run says about one (type, subject); routed already."""

    @property
    def type(self) -> ExceptionType: ...
    @property
    def subject(self) -> str: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def value_at_risk(self) -> Decimal: ...
    @property
    def value_basis(self) -> str: ...
    @property
    def explanation(self) -> str: ...
    @property
    def cause(self) -> str: ...
    @property
    def related(self) -> tuple[str, ...]: ...
    @property
    def entities(self) -> tuple[str, ...]: ...
    @property
    def owner(self) -> str: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def warehouse(self) -> str | None: ...
    @property
    def company(self) -> str | None: ...


class LifecycleRules(Protocol):
    """The policy values reconciliation reads (``[lifecycle]`` in the policy file)."""

    @property
    def clear_after_scans(self) -> int: ...
    @property
    def clear_after_minutes(self) -> int: ...
    @property
    def reopen_window_days(self) -> int: ...


class LifecyclePolicy(Protocol):
    @property
    def lifecycle(self) -> LifecycleRules: ...


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """An event appended to a case's timeline by one reconciliation."""

    case_id: str
    event: CaseEvent


@dataclass(frozen=True, slots=True)
class ReconcileResult:
    #: every case after reconciliation, sorted by (type, subject, opened_at)
    cases: tuple[ExceptionCase, ...]
    #: the new or modified cases (what storage must write)
    changed: tuple[ExceptionCase, ...]
    #: the events appended, in the order they happened
    events: tuple[TimelineEntry, ...]


#: the descriptive fields a re-detection refreshes (severity and due_at have own rules)
_REFRESHED_FIELDS: tuple[str, ...] = (
    "value_at_risk",
    "value_basis",
    "cause",
    "related",
    "entities",
    "warehouse",
    "company",
)


def _as_text(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else str(value)


def _open_case(finding: DetectedException, now: datetime, impact_score: int = 0) -> ExceptionCase:
    event = CaseEvent(
        kind=EventKind.OPENED,
        at=now,
        by=SYSTEM_ACTOR,
        note=finding.explanation,
        to_state=CaseState.OPEN,
    )
    return ExceptionCase(
        id=case_id(finding.type, finding.subject, now),
        type=finding.type,
        subject=finding.subject,
        state=CaseState.OPEN,
        severity=finding.severity,
        value_at_risk=finding.value_at_risk,
        value_basis=finding.value_basis,
        explanation=finding.explanation,
        cause=finding.cause,
        owner=finding.owner,
        due_at=finding.due_at,
        opened_at=now,
        related=finding.related,
        entities=finding.entities,
        warehouse=finding.warehouse,
        company=finding.company,
        timeline=(event,),
        next_escalation_at=finding.due_at,
        impact_score=impact_score,
    )


def _refresh(case: ExceptionCase, finding: DetectedException, now: datetime) -> ExceptionCase:
    """``case`` brought up to date with a re-detection; each change on the timeline.

    The due time is recalculated only when the severity rises, and never moves later.
    """
    events: list[CaseEvent] = []
    updates: dict[str, Any] = {"absence": None}
    if finding.severity != case.severity:
        changes = [FieldChange("severity", case.severity, finding.severity)]
        updates["severity"] = finding.severity
        rose = severity_rank(finding.severity) > severity_rank(case.severity)
        if rose and finding.due_at < case.due_at:
            changes.append(FieldChange("due_at", _as_text(case.due_at), _as_text(finding.due_at)))
            updates["due_at"] = finding.due_at
            if case.escalation_step == 0 and case.next_escalation_at is not None:
                # still waiting at its owner: the sooner target is the first step's deadline
                updates["next_escalation_at"] = finding.due_at
        events.append(
            CaseEvent(
                kind=EventKind.SEVERITY_CHANGED,
                at=now,
                by=SYSTEM_ACTOR,
                note=f"severity {case.severity} -> {finding.severity}",
                changes=tuple(changes),
            )
        )
    field_changes = []
    for name in _REFRESHED_FIELDS:
        old, new = getattr(case, name), getattr(finding, name)
        if old != new:
            field_changes.append(FieldChange(name, _as_text(old), _as_text(new)))
            updates[name] = new
    if case.explanation != finding.explanation:
        # The prose is kept current, but wording alone (an age that grew by an hour)
        # is no new fact: it goes on the timeline only beside a material change.
        updates["explanation"] = finding.explanation
        if field_changes:
            field_changes.append(FieldChange("explanation", case.explanation, finding.explanation))
    if field_changes:
        events.append(
            CaseEvent(
                kind=EventKind.UPDATED,
                at=now,
                by=SYSTEM_ACTOR,
                note="re-detected with new facts",
                changes=tuple(field_changes),
            )
        )
    return replace(case, timeline=(*case.timeline, *events), **updates)


def _reopen(case: ExceptionCase, finding: DetectedException, now: datetime) -> ExceptionCase:
    resolved_at = case.resolved_at
    since = f" (resolved {resolved_at.isoformat()})" if resolved_at is not None else ""
    reopened = transition(
        case,
        CaseState.OPEN,
        trigger=Trigger.CONDITION_RETURNED,
        at=now,
        by=SYSTEM_ACTOR,
        note=f"reopened: the condition is back{since}: {finding.explanation}",
    )
    if finding.due_at != case.due_at:
        # a reopened case gets a fresh response target, recorded on the reopening
        *earlier, event = reopened.timeline
        change = FieldChange("due_at", _as_text(case.due_at), _as_text(finding.due_at))
        reopened = replace(
            reopened,
            due_at=finding.due_at,
            next_escalation_at=finding.due_at,
            timeline=(*earlier, replace(event, changes=(change,))),
        )
    return _refresh(reopened, finding, now)


def _clear_note(case: ExceptionCase, absence: Absence) -> str:
    return (
        f"condition cleared: {case.type} on {case.subject} no longer detected in "
        f"{absence.scans} consecutive scan(s) since {absence.first_missed_at.isoformat()}"
    )


def _missed(case: ExceptionCase, now: datetime, rules: LifecycleRules) -> ExceptionCase:
    """An active case whose condition this run did not find: count it, maybe resolve."""
    previous = case.absence
    if previous is not None and now <= previous.last_missed_at:
        return case  # this run was counted already
    absence = (
        Absence(first_missed_at=now, last_missed_at=now, scans=1)
        if previous is None
        else replace(previous, last_missed_at=now, scans=previous.scans + 1)
    )
    long_enough = now - absence.first_missed_at >= timedelta(minutes=rules.clear_after_minutes)
    if absence.scans >= rules.clear_after_scans and long_enough:
        return transition(
            case,
            CaseState.RESOLVED,
            trigger=Trigger.CONDITION_CLEARED,
            at=now,
            by=SYSTEM_ACTOR,
            note=_clear_note(case, absence),
        )
    return replace(case, absence=absence)


def _window_passed(case: ExceptionCase, now: datetime, rules: LifecycleRules) -> bool:
    resolved_at = case.resolved_at
    return resolved_at is not None and now - resolved_at > timedelta(days=rules.reopen_window_days)


def _close_after_window(case: ExceptionCase, now: datetime, rules: LifecycleRules) -> ExceptionCase:
    return transition(
        case,
        CaseState.CLOSED,
        trigger=Trigger.REOPEN_WINDOW_PASSED,
        at=now,
        by=SYSTEM_ACTOR,
        note=f"closed: resolved for more than {rules.reopen_window_days} day(s)",
    )


def _current(cases: Sequence[ExceptionCase]) -> ExceptionCase | None:
    """The latest case of one key that is not closed (closed cases are history)."""
    live = [c for c in cases if c.state is not CaseState.CLOSED]
    return max(live, key=lambda c: c.opened_at) if live else None


def _reconcile_key(
    current: ExceptionCase | None,
    finding: DetectedException | None,
    now: datetime,
    rules: LifecycleRules,
    score: int = 0,
) -> list[ExceptionCase]:
    """What one (type, subject) becomes: the updated current case and/or a new case
    (opened with the impact ``score`` of its finding)."""
    if current is not None and current.state is CaseState.RESOLVED:
        if _window_passed(current, now, rules):
            closed = _close_after_window(current, now, rules)
            return [closed] if finding is None else [closed, _open_case(finding, now, score)]
        if finding is None or current.resolution_code in ACCEPTING_RESOLUTIONS:
            # a condition a person accepted stays accepted for the reopen window
            return [current]
        return [_reopen(current, finding, now)]
    if current is None:
        return [] if finding is None else [_open_case(finding, now, score)]
    current = _wake(current, now)
    if finding is None:
        return [_missed(current, now, rules)]
    return [_refresh(current, finding, now)]


#: resolution codes that accept a condition still present (``domain.case_actions``):
#: a case resolved with one is not reopened while the condition stays
ACCEPTING_RESOLUTIONS: frozenset[str] = frozenset(
    {"accepted_risk", "customer_agreed", "false_alarm", "duplicate"}
)


def _wake(case: ExceptionCase, now: datetime) -> ExceptionCase:
    """An active case whose snooze has run out, back in the queue with that on its timeline."""
    if case.snoozed_until is None or case.snoozed_until > now:
        return case
    event = CaseEvent(
        kind=EventKind.SNOOZE_ENDED,
        at=now,
        by=SYSTEM_ACTOR,
        note=f"snooze ended (snoozed until {case.snoozed_until.isoformat()})",
        changes=(FieldChange("snoozed_until", case.snoozed_until.isoformat(), ""),),
    )
    return replace(case, snoozed_until=None, snooze_reason=None, timeline=(*case.timeline, event))


def reconcile(
    cases: Sequence[ExceptionCase],
    findings: Sequence[DetectedException],
    *,
    now: datetime,
    policy: LifecyclePolicy,
    scores: Mapping[tuple[ExceptionType, str], int] | None = None,
) -> ReconcileResult:
    """Bring the cases in line with one detection run made at ``now``.

    One case per (type, subject): a finding with a live case updates it, a resolved case
    reopens within ``reopen_window_days``, otherwise a new case opens. An active case
    whose condition is missing resolves itself once it has been missing from
    ``clear_after_scans`` consecutive runs and for ``clear_after_minutes``. Running it
    again with the same findings at the same ``now`` changes nothing. A case opened
    carries its key's impact score from ``scores`` (0 when absent); the cases that go on
    are rescored by ``domain.escalation.with_impact_scores``, which leaves these as they
    are: building half a million cases twice on a crisis day cost seconds and memory.
    """
    rules = policy.lifecycle
    scores = scores or {}
    by_key: dict[tuple[ExceptionType, str], DetectedException] = {}
    for finding in findings:
        key = (finding.type, finding.subject)
        if key in by_key:
            raise ValueError(f"two findings for {finding.type} on {finding.subject}")
        by_key[key] = finding
    grouped: dict[tuple[ExceptionType, str], list[ExceptionCase]] = {}
    for case in cases:
        grouped.setdefault(case.key, []).append(case)

    result: list[ExceptionCase] = []
    changed: list[ExceptionCase] = []
    events: list[TimelineEntry] = []
    for key in sorted(grouped.keys() | by_key.keys()):
        history = grouped.get(key, [])
        current = _current(history)
        after = _reconcile_key(current, by_key.get(key), now, rules, scores.get(key, 0))
        result.extend(c for c in history if c is not current)
        result.extend(after)
        for case in after:
            if current is not None and case.id == current.id:
                if case == current:
                    continue
                added = case.timeline[len(current.timeline) :]
            else:
                added = case.timeline
            changed.append(case)
            events.extend(TimelineEntry(case.id, event) for event in added)
    ordering = sorted(result, key=lambda c: (c.type, c.subject, c.opened_at))
    return ReconcileResult(cases=tuple(ordering), changed=tuple(changed), events=tuple(events))


# --- telling the cases a run leaves alone -------------------------------------------


def detected_facts(found: DetectedException | ExceptionCase) -> tuple[object, ...]:
    """What a re-detection compares of a finding with its live case (:func:`_refresh`):
    the severity, the refreshed fields and the explanation, in one tuple."""
    return (
        found.severity,
        found.value_at_risk,
        found.value_basis,
        found.cause,
        found.related,
        found.entities,
        found.warehouse,
        found.company,
        found.explanation,
    )


@dataclass(frozen=True, slots=True)
class LiveCase:
    """A case that is not closed, as a run first reads it: enough to tell whether its
    finding leaves it as it is (:func:`left_as_is`), without reading it whole.

    On a day like the one before, nearly every case is re-detected with the facts it
    holds; reading and reconciling only the others keeps a rescan's work to what moved.
    """

    id: str
    type: ExceptionType
    subject: str
    state: CaseState
    #: :func:`detected_facts` of the case
    facts: tuple[object, ...]
    #: its condition was missing from a run (an :class:`Absence` is being counted)
    absent: bool
    snoozed_until: datetime | None
    impact_score: int

    @classmethod
    def of(cls, case: ExceptionCase) -> LiveCase:
        """``case``'s facts, as storage reads them from its row."""
        return cls(
            id=case.id,
            type=case.type,
            subject=case.subject,
            state=case.state,
            facts=detected_facts(case),
            absent=case.absence is not None,
            snoozed_until=case.snoozed_until,
            impact_score=case.impact_score,
        )

    @property
    def key(self) -> tuple[ExceptionType, str]:
        return (self.type, self.subject)

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES


def left_as_is(case: LiveCase, finding: DetectedException | None, *, now: datetime) -> bool:
    """Whether :func:`reconcile` at ``now`` returns ``case`` unchanged given ``finding``
    (its type and subject's finding of the run, None: not found).

    So it is when an active case not counted absent, whose snooze (if any) has not run
    out, is re-detected with exactly the facts it holds: :func:`_refresh` then changes
    nothing. Every other case may change and must be reconciled.
    """
    return (
        finding is not None
        and case.state in ACTIVE_STATES
        and not case.absent
        and (case.snoozed_until is None or case.snoozed_until > now)
        and case.facts == detected_facts(finding)
    )


# --- history for recurring-exception detection --------------------------------------


@dataclass(frozen=True, slots=True)
class CaseOccurrence:
    """One time a case's condition arose (opening or reopening), for recurrence counts."""

    type: ExceptionType
    subject: str
    cause: str
    entities: tuple[str, ...]
    opened_at: datetime
    value_at_risk: Decimal = Decimal(0)


def occurrences(cases: Iterable[ExceptionCase]) -> list[CaseOccurrence]:
    """Every opening and reopening on the cases' timelines, oldest first."""
    found = [
        CaseOccurrence(
            type=case.type,
            subject=case.subject,
            cause=case.cause,
            entities=case.entities,
            opened_at=event.at,
            value_at_risk=case.value_at_risk,
        )
        for case in cases
        for event in case.timeline
        if event.kind in (EventKind.OPENED, EventKind.REOPENED)
    ]
    return sorted(found, key=lambda o: (o.opened_at, o.type, o.subject))
