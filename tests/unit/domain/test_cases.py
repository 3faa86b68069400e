"""The exception-case lifecycle: declared transitions and reconciliation with detections."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from controltower.domain.cases import (
    TRANSITIONS,
    CaseState,
    EventKind,
    ExceptionCase,
    ExceptionType,
    ReconcileResult,
    Severity,
    Transition,
    Trigger,
    occurrences,
    reconcile,
    transition,
)
from controltower.domain.errors import IllegalTransitionError
from controltower.policy.model import Policy

T0 = datetime(2026, 11, 25, 8, 0)
DELAY = ExceptionType.SUPPLIER_DELAY


@dataclass(frozen=True)
class Detected:
    """A routed detection, as the workflow hands it to reconciliation."""

    type: ExceptionType = DELAY
    subject: str = "purchase_order:PO7"
    severity: Severity = Severity.MEDIUM
    value_at_risk: Decimal = Decimal(500)
    value_basis: str = "open value of the orders the delay makes late"
    explanation: str = "PO7 is 2 days late."
    cause: str = "purchase_order:PO7"
    related: tuple[str, ...] = ("sales_order:SO1",)
    entities: tuple[str, ...] = ("supplier:SUP-ACME",)
    owner: str = "purchasing@WH-EAST"
    due_at: datetime = T0 + timedelta(hours=8)
    warehouse: str | None = "WH-EAST"
    company: str | None = "acme"


def _policy(**lifecycle: int) -> Policy:
    rules = {"clear_after_scans": 2, "clear_after_minutes": 30, "reopen_window_days": 7}
    return Policy.model_validate({"lifecycle": {**rules, **lifecycle}})


POLICY = _policy()


def _run(
    cases: tuple[ExceptionCase, ...], *found: Detected, at: datetime, policy: Policy = POLICY
) -> ReconcileResult:
    return reconcile(cases, found, now=at, policy=policy)


def _opened(finding: Detected = Detected()) -> ExceptionCase:
    (case,) = _run((), finding, at=T0).cases
    return case


def _kinds(case: ExceptionCase) -> list[EventKind]:
    return [event.kind for event in case.timeline]


# --- transitions --------------------------------------------------------------------


_TRANSITIONS_IN_ORDER = sorted(TRANSITIONS, key=lambda t: (t.source, t.target, t.trigger))


@pytest.mark.parametrize(
    "move",
    _TRANSITIONS_IN_ORDER,
    ids=lambda t: f"{t.source}-{t.trigger}-{t.target}",
)
def test_every_declared_transition_moves_the_case_and_records_it(move: Transition) -> None:
    case = dataclasses.replace(_opened(), state=move.source)
    moved = transition(case, move.target, trigger=move.trigger, at=T0, by="ana", note="why")
    assert moved.state is move.target
    event = moved.timeline[-1]
    assert (event.from_state, event.to_state, event.by, event.note) == (
        move.source,
        move.target,
        "ana",
        "why",
    )


def test_people_work_a_case_from_open_to_closed() -> None:
    case = _opened()
    steps = [
        (CaseState.ACKNOWLEDGED, Trigger.ACKNOWLEDGE),
        (CaseState.IN_PROGRESS, Trigger.START_WORK),
        (CaseState.WAITING_FOR_APPROVAL, Trigger.REQUEST_APPROVAL),
        (CaseState.IN_PROGRESS, Trigger.APPROVAL_DECIDED),
        (CaseState.RESOLVED, Trigger.RESOLVE),
        (CaseState.CLOSED, Trigger.CLOSE),
    ]
    for target, trigger in steps:
        case = transition(case, target, trigger=trigger, at=T0, by="ana")
    assert _kinds(case) == [
        EventKind.OPENED,
        EventKind.ACKNOWLEDGED,
        EventKind.WORK_STARTED,
        EventKind.APPROVAL_REQUESTED,
        EventKind.APPROVAL_DECIDED,
        EventKind.RESOLVED,
        EventKind.CLOSED,
    ]


def test_an_undeclared_move_is_refused_naming_both_states_and_the_allowed_moves() -> None:
    resolved = transition(_opened(), CaseState.RESOLVED, trigger=Trigger.RESOLVE, at=T0, by="ana")
    with pytest.raises(IllegalTransitionError) as refused:
        transition(resolved, CaseState.IN_PROGRESS, trigger=Trigger.START_WORK, at=T0, by="ana")
    message = str(refused.value)
    assert "from resolved to in_progress by start_work" in message
    assert "allowed from resolved: closed (by close)" in message
    assert "open (by reopen)" in message


def test_a_closed_case_allows_no_move_at_all() -> None:
    closed = dataclasses.replace(_opened(), state=CaseState.CLOSED)
    with pytest.raises(IllegalTransitionError, match="allowed from closed: none"):
        transition(closed, CaseState.OPEN, trigger=Trigger.REOPEN, at=T0, by="ana")


def test_the_right_target_with_the_wrong_trigger_is_refused() -> None:
    with pytest.raises(IllegalTransitionError):
        transition(_opened(), CaseState.ACKNOWLEDGED, trigger=Trigger.START_WORK, at=T0, by="ana")


# --- reconciliation -----------------------------------------------------------------


def test_a_first_detection_opens_a_case_with_the_finding_on_it() -> None:
    result = _run((), Detected(), at=T0)
    (case,) = result.cases
    assert result.changed == (case,)
    assert case.state is CaseState.OPEN
    assert (case.owner, case.due_at, case.opened_at) == (
        "purchasing@WH-EAST",
        Detected().due_at,
        T0,
    )
    assert case.id.startswith("CASE-")
    assert [(e.case_id, e.event.kind) for e in result.events] == [(case.id, EventKind.OPENED)]


def test_a_case_opens_with_its_impact_score_and_rescoring_leaves_it_as_it_is() -> None:
    from controltower.domain.escalation import with_impact_scores

    key = (DELAY, Detected().subject)
    result = reconcile((), (Detected(),), now=T0, policy=POLICY, scores={key: 64})
    (case,) = result.cases
    assert case.impact_score == 64
    assert with_impact_scores(result, {key: 64}) is result
    assert _opened().impact_score == 0  # no score given: none assumed
    # a case opened again after its window carries the new score too
    resolved = _resolved_at(T0)
    back = T0 + timedelta(days=7, minutes=1)
    later = reconcile((resolved,), (Detected(),), now=back, policy=POLICY, scores={key: 12})
    new = max(later.cases, key=lambda c: c.opened_at)
    assert (new.state, new.impact_score) == (CaseState.OPEN, 12)


def test_reconciling_the_same_findings_again_changes_nothing() -> None:
    first = _run((), Detected(), at=T0)
    for later in (T0, T0 + timedelta(hours=1)):
        again = _run(first.cases, Detected(), at=later)
        assert again.cases == first.cases
        assert again.changed == ()
        assert again.events == ()


def test_a_re_detection_updates_the_case_never_duplicates_it() -> None:
    case = _opened()
    richer = Detected(value_at_risk=Decimal(900), explanation="PO7 is 3 days late.")
    result = _run((case,), richer, at=T0 + timedelta(days=1))
    (updated,) = result.cases
    assert updated.id == case.id
    assert (updated.value_at_risk, updated.explanation) == (Decimal(900), "PO7 is 3 days late.")
    assert updated.due_at == case.due_at
    (entry,) = result.events
    assert entry.event.kind is EventKind.UPDATED
    assert {c.field for c in entry.event.changes} == {"value_at_risk", "explanation"}


def test_new_wording_alone_refreshes_the_text_without_a_timeline_entry() -> None:
    case = _opened()
    reworded = Detected(explanation="PO7 has been late for 2 days and 1 hour.")
    result = _run((case,), reworded, at=T0 + timedelta(hours=1))
    (updated,) = result.cases
    assert updated.explanation == "PO7 has been late for 2 days and 1 hour."
    assert updated.timeline == case.timeline
    assert result.events == ()


def test_a_rising_severity_brings_the_due_time_forward_a_falling_one_keeps_it() -> None:
    case = _opened()
    sooner = T0 + timedelta(hours=2)
    risen = _run((case,), Detected(severity=Severity.CRITICAL, due_at=sooner), at=T0).cases[0]
    assert (risen.severity, risen.due_at) == (Severity.CRITICAL, sooner)
    assert risen.timeline[-1].kind is EventKind.SEVERITY_CHANGED
    assert risen.timeline[-1].note == "severity medium -> critical"
    later = T0 + timedelta(days=2)
    fallen = _run((risen,), Detected(severity=Severity.LOW, due_at=later), at=T0).cases[0]
    assert (fallen.severity, fallen.due_at) == (Severity.LOW, sooner)


def test_a_cleared_condition_resolves_only_after_enough_scans_and_minutes() -> None:
    case = _opened()
    first_miss = _run((case,), at=T0 + timedelta(minutes=5)).cases[0]
    assert first_miss.state is CaseState.OPEN
    assert first_miss.absence is not None
    assert first_miss.absence.scans == 1
    second_miss_too_soon = _run((first_miss,), at=T0 + timedelta(minutes=34)).cases[0]
    assert second_miss_too_soon.state is CaseState.OPEN
    result = _run((second_miss_too_soon,), at=T0 + timedelta(minutes=35))
    (resolved,) = result.cases
    assert resolved.state is CaseState.RESOLVED
    (entry,) = result.events
    assert entry.event.kind is EventKind.RESOLVED_AUTOMATICALLY
    assert entry.event.note.startswith(
        "condition cleared: supplier_delay on purchase_order:PO7 no longer detected in 3"
    )


def test_one_missed_scan_is_not_enough_with_two_required() -> None:
    policy = _policy(clear_after_minutes=0)
    once = _run((_opened(),), at=T0 + timedelta(hours=1), policy=policy).cases[0]
    assert once.state is CaseState.OPEN
    twice = _run((once,), at=T0 + timedelta(hours=2), policy=policy).cases[0]
    assert twice.state is CaseState.RESOLVED


def test_repeating_a_scan_at_the_same_time_does_not_count_as_another_miss() -> None:
    policy = _policy(clear_after_minutes=0)
    missed = _run((_opened(),), at=T0 + timedelta(hours=1), policy=policy)
    again = _run(missed.cases, at=T0 + timedelta(hours=1), policy=policy)
    assert again.cases[0].state is CaseState.OPEN
    assert again.changed == ()


def test_a_flapping_condition_keeps_one_open_case_without_resolving_it() -> None:
    policy = _policy(clear_after_minutes=0)
    cases = _run((), Detected(), at=T0, policy=policy).cases
    for hour in range(1, 9):
        present = hour % 2 == 0
        found = (Detected(),) if present else ()
        cases = _run(cases, *found, at=T0 + timedelta(hours=hour), policy=policy).cases
    (case,) = cases
    assert case.state is CaseState.OPEN
    assert case.absence is None
    assert _kinds(case) == [EventKind.OPENED]


def _resolved_at(at: datetime) -> ExceptionCase:
    case = _opened()
    return transition(case, CaseState.RESOLVED, trigger=Trigger.CONDITION_CLEARED, at=at, by="x")


def test_a_condition_back_within_the_reopen_window_reopens_the_same_case() -> None:
    resolved = _resolved_at(T0)
    back = T0 + timedelta(days=7)
    fresh_due = back + timedelta(hours=8)
    result = _run((resolved,), Detected(due_at=fresh_due), at=back)
    (case,) = result.cases
    assert case.id == resolved.id
    assert case.state is CaseState.OPEN
    assert case.due_at == fresh_due
    reopened = case.timeline[-1]
    assert reopened.kind is EventKind.REOPENED
    assert reopened.note.startswith("reopened: the condition is back")
    assert [c.field for c in reopened.changes] == ["due_at"]


def test_a_condition_back_after_the_reopen_window_closes_the_old_case_and_opens_a_new_one() -> None:
    resolved = _resolved_at(T0)
    back = T0 + timedelta(days=7, minutes=1)
    result = _run((resolved,), Detected(), at=back)
    old, new = sorted(result.cases, key=lambda c: c.opened_at)
    assert old.id == resolved.id
    assert old.state is CaseState.CLOSED
    assert old.timeline[-1].note == "closed: resolved for more than 7 day(s)"
    assert new.id != old.id
    assert new.state is CaseState.OPEN
    assert new.opened_at == back
    assert [e.event.kind for e in result.events] == [EventKind.CLOSED, EventKind.OPENED]


def test_a_resolved_case_closes_itself_once_the_window_passes() -> None:
    resolved = _resolved_at(T0)
    assert _run((resolved,), at=T0 + timedelta(days=7)).changed == ()
    (closed,) = _run((resolved,), at=T0 + timedelta(days=8)).cases
    assert closed.state is CaseState.CLOSED


def test_a_closed_case_stays_history_when_the_condition_returns() -> None:
    closed = dataclasses.replace(_opened(), state=CaseState.CLOSED)
    result = _run((closed,), Detected(), at=T0 + timedelta(days=1))
    assert [c.state for c in result.cases] == [CaseState.CLOSED, CaseState.OPEN]
    assert result.changed == (result.cases[1],)


def test_cases_people_work_on_are_updated_not_reset() -> None:
    working = transition(
        _opened(), CaseState.IN_PROGRESS, trigger=Trigger.START_WORK, at=T0, by="a"
    )
    (case,) = _run((working,), Detected(value_at_risk=Decimal(1)), at=T0).cases
    assert case.state is CaseState.IN_PROGRESS


def test_two_findings_for_one_type_and_subject_are_refused() -> None:
    with pytest.raises(ValueError, match="two findings for supplier_delay on purchase_order:PO7"):
        _run((), Detected(), Detected(), at=T0)


def test_each_opening_and_reopening_is_an_occurrence_for_recurrence_counts() -> None:
    resolved = _resolved_at(T0)
    back = T0 + timedelta(days=1)
    (case,) = _run((resolved,), Detected(), at=back).cases
    found = occurrences([case])
    assert [o.opened_at for o in found] == [T0, back]
    assert found[0].entities == ("supplier:SUP-ACME",)
    assert found[0].cause == "purchase_order:PO7"
