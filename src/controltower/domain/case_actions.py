"""What people do to a case: acknowledge, assign, comment, snooze, start, resolve, reopen.

Each action is a pure function returning the case with one more event on its timeline,
naming who did it, when and why. What is refused is refused here, once, for every
caller: a move the lifecycle does not declare raises
:class:`~controltower.domain.errors.IllegalTransitionError` (the API answers 409 naming
the state); a bad value raises :class:`ActionInputError` naming the field (422).

Resolving needs a reason code. ``fixed`` says the problem is gone, so the latest scan
must no longer find it (the case is counting absences); every other code accepts a
condition that is still there and needs a note saying why. A case resolved with an
accepting code is not reopened by the scans while the condition stays, until its
reopen window passes (``domain.cases.ACCEPTING_RESOLUTIONS``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Final

from controltower.domain.cases import (
    ACCEPTING_RESOLUTIONS,
    ACTIVE_STATES,
    TRANSITIONS,
    CaseEvent,
    CaseState,
    EventKind,
    ExceptionCase,
    FieldChange,
    Transition,
    Trigger,
    transition,
)
from controltower.domain.errors import DomainError, IllegalTransitionError

#: the longest snooze: a case put away for longer should be resolved as accepted instead
MAX_SNOOZE: Final = timedelta(days=90)

#: the longest comment, note or reason a person may write
MAX_TEXT: Final = 4_000


class ResolutionCode(StrEnum):
    """Why a person resolved a case."""

    #: the problem is gone (the latest scan no longer finds it)
    FIXED = "fixed"
    #: the risk is known and accepted as it is
    ACCEPTED_RISK = "accepted_risk"
    #: the customer agreed to the delay or the change
    CUSTOMER_AGREED = "customer_agreed"
    #: the condition is not a problem in reality (the data is behind the business)
    FALSE_ALARM = "false_alarm"
    #: another case covers it
    DUPLICATE = "duplicate"


assert {code.value for code in ResolutionCode} - {"fixed"} == ACCEPTING_RESOLUTIONS

RESOLUTION_LABELS: Final[dict[ResolutionCode, str]] = {
    ResolutionCode.FIXED: "Fixed: the problem is gone",
    ResolutionCode.ACCEPTED_RISK: "Accepted risk",
    ResolutionCode.CUSTOMER_AGREED: "Customer agreed",
    ResolutionCode.FALSE_ALARM: "False alarm",
    ResolutionCode.DUPLICATE: "Duplicate of another case",
}


class Action(StrEnum):
    """What a person can do to a case (each is one function of this module)."""

    ACKNOWLEDGE = "acknowledge"
    START = "start"
    ASSIGN = "assign"
    COMMENT = "comment"
    SNOOZE = "snooze"
    RESOLVE = "resolve"
    REOPEN = "reopen"


#: the lifecycle move behind each action that changes the state
_MOVES: Final[dict[Action, tuple[CaseState, Trigger]]] = {
    Action.ACKNOWLEDGE: (CaseState.ACKNOWLEDGED, Trigger.ACKNOWLEDGE),
    Action.START: (CaseState.IN_PROGRESS, Trigger.START_WORK),
    Action.RESOLVE: (CaseState.RESOLVED, Trigger.RESOLVE),
    Action.REOPEN: (CaseState.OPEN, Trigger.REOPEN),
}


def actions_allowed_in(state: CaseState) -> frozenset[Action]:
    """The actions a case in ``state`` accepts, read from the declared transitions.

    Pages offer only these; a value an action also checks (a snooze too long, a note
    missing, ``fixed`` while the condition is still found) can still refuse it.
    """
    allowed = {Action.COMMENT}
    if state in ACTIVE_STATES:
        allowed |= {Action.ASSIGN, Action.SNOOZE}
    allowed |= {
        action
        for action, (target, trigger) in _MOVES.items()
        if Transition(state, target, trigger) in TRANSITIONS
    }
    return frozenset(allowed)


class ActionInputError(DomainError):
    """A value given to an action is not acceptable; ``field`` names which one."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _text(field: str, value: str, *, required: bool) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise ActionInputError(field, f"{field} is required")
    if len(cleaned) > MAX_TEXT:
        raise ActionInputError(field, f"{field} is longer than {MAX_TEXT} characters")
    if "\x00" in cleaned:
        raise ActionInputError(field, f"{field} contains a NUL character")
    return cleaned


_DATE_ONLY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def snooze_until(text: str) -> datetime:
    """The end of a snooze as written: an ISO date-time with a time zone, or a date
    (``2026-12-01``), which means the start of that day in UTC.

    A date-time without a zone is refused rather than guessed: the same words mean
    different moments in different warehouses.
    """
    written = text.strip()
    if _DATE_ONLY.fullmatch(written):
        try:
            day = date.fromisoformat(written)
        except ValueError:
            raise ActionInputError("until", f"until: {written!r} is not a date") from None
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(written)
    except ValueError:
        raise ActionInputError(
            "until",
            f"until: {written!r} is neither a date (2026-12-01) nor a date and time with a "
            "time zone (2026-12-01T09:00:00+01:00)",
        ) from None
    if moment.tzinfo is None:
        raise ActionInputError(
            "until",
            f"until: {written!r} has no time zone; add one (2026-12-01T09:00:00+01:00, or Z "
            "for UTC) or give a date alone",
        )
    return moment


#: how a refusal names each action ("only a case that is open can be acknowledged")
_DONE_WORDS: Final[dict[Action, str]] = {
    Action.ACKNOWLEDGE: "acknowledged",
    Action.START: "started",
    Action.ASSIGN: "assigned",
    Action.COMMENT: "commented on",
    Action.SNOOZE: "snoozed",
    Action.RESOLVE: "resolved",
    Action.REOPEN: "reopened",
}


def _must_allow(case: ExceptionCase, action: Action) -> None:
    """Refuse, naming the case's state and the states that allow it, an action the
    state does not allow (:func:`actions_allowed_in`)."""
    if action in actions_allowed_in(case.state):
        return
    *others, last = [state.value for state in CaseState if action in actions_allowed_in(state)]
    allowing = f"{', '.join(others)} or {last}" if others else last
    raise IllegalTransitionError(
        f"case {case.id} is {case.state.value}: only a case that is {allowing} can be "
        f"{_DONE_WORDS[action]}"
    )


def _with_event(case: ExceptionCase, event: CaseEvent, **updates: object) -> ExceptionCase:
    return replace(case, timeline=(*case.timeline, event), **updates)  # type: ignore[arg-type]


def acknowledge(case: ExceptionCase, *, by: str, at: datetime, note: str = "") -> ExceptionCase:
    """Someone has seen the case and owns the next step (open -> acknowledged)."""
    _must_allow(case, Action.ACKNOWLEDGE)
    return transition(
        case,
        CaseState.ACKNOWLEDGED,
        trigger=Trigger.ACKNOWLEDGE,
        at=at,
        by=by,
        note=_text("note", note, required=False),
    )


def start(case: ExceptionCase, *, by: str, at: datetime, note: str = "") -> ExceptionCase:
    """Work has started (open or acknowledged -> in progress)."""
    _must_allow(case, Action.START)
    return transition(
        case,
        CaseState.IN_PROGRESS,
        trigger=Trigger.START_WORK,
        at=at,
        by=by,
        note=_text("note", note, required=False),
    )


def assign(
    case: ExceptionCase, *, to: str | None, by: str, at: datetime, note: str = ""
) -> ExceptionCase:
    """The case given to the person ``to`` (None hands it back to its team).

    Who may be given it (a person who can see it) is the caller's check; assigning to
    the current assignee changes nothing and adds no event.
    """
    _must_allow(case, Action.ASSIGN)
    if to == case.assignee:
        return case
    who = to if to is not None else f"the team {case.owner}"
    event = CaseEvent(
        kind=EventKind.ASSIGNED,
        at=at,
        by=by,
        note=_text("note", note, required=False) or f"assigned to {who}",
        changes=(FieldChange("assignee", case.assignee or "", to or ""),),
    )
    return _with_event(case, event, assignee=to)


def comment(case: ExceptionCase, *, text: str, by: str, at: datetime) -> ExceptionCase:
    """A note on the timeline (a supplier chased, a customer called); any state."""
    event = CaseEvent(
        kind=EventKind.COMMENTED, at=at, by=by, note=_text("text", text, required=True)
    )
    return _with_event(case, event)


def snooze(
    case: ExceptionCase, *, until: datetime, reason: str, by: str, at: datetime
) -> ExceptionCase:
    """Out of the queue until ``until``, for ``reason``; it comes back by itself."""
    _must_allow(case, Action.SNOOZE)
    why = _text("reason", reason, required=True)
    if until.tzinfo is None:
        raise ActionInputError("until", "until must carry a time zone")
    if until <= at:
        raise ActionInputError("until", f"until ({until.isoformat()}) must be in the future")
    if until - at > MAX_SNOOZE:
        raise ActionInputError(
            "until",
            f"a case can be snoozed for at most {MAX_SNOOZE.days} days; "
            "resolve it as accepted instead",
        )
    event = CaseEvent(
        kind=EventKind.SNOOZED,
        at=at,
        by=by,
        note=why,
        changes=(
            FieldChange(
                "snoozed_until",
                case.snoozed_until.isoformat() if case.snoozed_until else "",
                until.isoformat(),
            ),
        ),
    )
    return _with_event(case, event, snoozed_until=until, snooze_reason=why)


def resolve(
    case: ExceptionCase, *, code: ResolutionCode, note: str, by: str, at: datetime
) -> ExceptionCase:
    """Resolved by a person with a reason code (see the module's note on ``fixed``)."""
    _must_allow(case, Action.RESOLVE)
    written = _text("note", note, required=code is not ResolutionCode.FIXED)
    if code is ResolutionCode.FIXED and case.absence is None:
        raise IllegalTransitionError(
            f"case {case.id} is {case.state} and the latest scan still finds its condition; "
            "resolve it as fixed once a scan no longer finds it, or choose a code that "
            "accepts it (accepted_risk, customer_agreed, false_alarm, duplicate) with a "
            "note saying why"
        )
    resolved = transition(
        case,
        CaseState.RESOLVED,
        trigger=Trigger.RESOLVE,
        at=at,
        by=by,
        note=f"{code}: {written}" if written else str(code),
    )
    *earlier, event = resolved.timeline
    change = FieldChange("resolution_code", case.resolution_code or "", str(code))
    return replace(
        resolved,
        resolution_code=str(code),
        timeline=(*earlier, replace(event, changes=(change,))),
    )


def reopen(case: ExceptionCase, *, by: str, at: datetime, note: str = "") -> ExceptionCase:
    """A resolved case back to open (a closed case is history and stays closed)."""
    _must_allow(case, Action.REOPEN)
    return transition(
        case,
        CaseState.OPEN,
        trigger=Trigger.REOPEN,
        at=at,
        by=by,
        note=_text("note", note, required=False),
    )
