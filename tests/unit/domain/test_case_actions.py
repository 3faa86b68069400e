"""What people do to a case: each action's rules, and what reconciliation makes of them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controltower.domain.case_actions import (
    MAX_SNOOZE,
    MAX_TEXT,
    Action,
    ActionInputError,
    ResolutionCode,
    acknowledge,
    actions_allowed_in,
    assign,
    comment,
    reopen,
    resolve,
    snooze,
    snooze_until,
    start,
)
from controltower.domain.cases import (
    ACTIVE_STATES,
    TRANSITIONS,
    Absence,
    CaseState,
    EventKind,
    ExceptionCase,
    ExceptionType,
    Severity,
    reconcile,
)
from controltower.domain.errors import IllegalTransitionError
from controltower.policy.model import Policy

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
SUBJECT = "purchase_order:PO7"


@dataclasses.dataclass(frozen=True)
class Detected:
    """A routed detection of the case's condition, as reconciliation receives it."""

    type: ExceptionType = ExceptionType.SUPPLIER_DELAY
    subject: str = SUBJECT
    severity: Severity = Severity.MEDIUM
    value_at_risk: Decimal = Decimal(500)
    value_basis: str = "open value of the orders the delay makes late"
    explanation: str = "PO7 is 2 days late."
    cause: str = SUBJECT
    related: tuple[str, ...] = ("sales_order:SO1",)
    entities: tuple[str, ...] = ("supplier:SUP-ACME",)
    owner: str = "purchasing@WH-EAST"
    due_at: datetime = T0 + timedelta(hours=8)
    warehouse: str | None = "WH-EAST"
    company: str | None = "acme"


POLICY = Policy.model_validate(
    {"lifecycle": {"clear_after_scans": 2, "clear_after_minutes": 30, "reopen_window_days": 7}}
)


def opened() -> ExceptionCase:
    (case,) = reconcile((), [Detected()], now=T0, policy=POLICY).cases
    return case


def in_state(state: CaseState, **changes: object) -> ExceptionCase:
    return dataclasses.replace(opened(), state=state, **changes)  # type: ignore[arg-type]


def added(before: ExceptionCase, after: ExceptionCase) -> list[EventKind]:
    assert after.timeline[: len(before.timeline)] == before.timeline, "the timeline only grows"
    return [event.kind for event in after.timeline[len(before.timeline) :]]


AT = T0 + timedelta(hours=1)


# --- acknowledge, start, reopen ---------------------------------------------------------


def test_acknowledging_an_open_case_records_who_when_and_why() -> None:
    case = opened()
    after = acknowledge(case, by="ana", at=AT, note="  on it  ")
    assert after.state is CaseState.ACKNOWLEDGED
    (event,) = after.timeline[len(case.timeline) :]
    assert (event.kind, event.by, event.at, event.note) == (
        EventKind.ACKNOWLEDGED,
        "ana",
        AT,
        "on it",
    )
    assert (event.from_state, event.to_state) == (CaseState.OPEN, CaseState.ACKNOWLEDGED)


@pytest.mark.parametrize("state", [s for s in CaseState if s is not CaseState.OPEN])
def test_only_an_open_case_can_be_acknowledged(state: CaseState) -> None:
    with pytest.raises(
        IllegalTransitionError, match=rf"is {state.value}: only a case that is open"
    ):
        acknowledge(in_state(state), by="ana", at=AT)


def test_work_starts_from_open_or_acknowledged_only() -> None:
    assert start(opened(), by="ana", at=AT).state is CaseState.IN_PROGRESS
    acknowledged = acknowledge(opened(), by="ana", at=AT)
    assert start(acknowledged, by="ana", at=AT).state is CaseState.IN_PROGRESS
    for state in (CaseState.IN_PROGRESS, CaseState.RESOLVED, CaseState.CLOSED):
        with pytest.raises(IllegalTransitionError, match="open or acknowledged can be started"):
            start(in_state(state), by="ana", at=AT)


def test_reopening_brings_a_resolved_case_back_and_forgets_its_resolution() -> None:
    resolved = resolve(
        opened(), code=ResolutionCode.FALSE_ALARM, note="stock is there", by="a", at=AT
    )
    again = reopen(resolved, by="ben", at=AT + timedelta(hours=1), note="it is not")
    assert again.state is CaseState.OPEN
    assert again.resolution_code is None
    assert added(resolved, again) == [EventKind.REOPENED]
    with pytest.raises(IllegalTransitionError, match="is open: only a case that is resolved"):
        reopen(opened(), by="ben", at=AT)
    with pytest.raises(IllegalTransitionError, match="is closed"):
        reopen(in_state(CaseState.CLOSED), by="ben", at=AT)


# --- assign -------------------------------------------------------------------------------


def test_assigning_records_the_old_and_new_assignee() -> None:
    case = opened()
    taken = assign(case, to="ana", by="ana", at=AT)
    assert taken.assignee == "ana"
    (event,) = taken.timeline[len(case.timeline) :]
    assert event.kind is EventKind.ASSIGNED
    assert [(c.field, c.old, c.new) for c in event.changes] == [("assignee", "", "ana")]
    assert event.note == "assigned to ana"

    handed_back = assign(taken, to=None, by="ana", at=AT, note="on leave")
    assert handed_back.assignee is None
    (back,) = handed_back.timeline[len(taken.timeline) :]
    assert [(c.old, c.new) for c in back.changes] == [("ana", "")]
    assert back.note == "on leave"
    assert assign(taken, to=None, by="ana", at=AT).timeline[-1].note == (
        "assigned to the team purchasing@WH-EAST"
    )


def test_assigning_to_the_current_assignee_changes_nothing() -> None:
    taken = assign(opened(), to="ana", by="ana", at=AT)
    assert assign(taken, to="ana", by="ben", at=AT) == taken


@pytest.mark.parametrize("state", [CaseState.RESOLVED, CaseState.CLOSED])
def test_only_an_active_case_can_be_assigned(state: CaseState) -> None:
    with pytest.raises(IllegalTransitionError, match=f"is {state.value}"):
        assign(in_state(state), to="ana", by="ana", at=AT)


# --- comment ------------------------------------------------------------------------------


@pytest.mark.parametrize("state", list(CaseState))
def test_a_comment_goes_on_the_timeline_in_any_state(state: CaseState) -> None:
    case = in_state(state)
    after = comment(case, text="supplier chased", by="ana", at=AT)
    assert after.state is state
    assert added(case, after) == [EventKind.COMMENTED]
    assert after.timeline[-1].note == "supplier chased"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("   ", "text is required"),
        ("x" * (MAX_TEXT + 1), f"longer than {MAX_TEXT}"),
        ("a\x00b", "NUL"),
    ],
)
def test_a_comment_must_say_something_readable(text: str, problem: str) -> None:
    with pytest.raises(ActionInputError, match=problem) as refused:
        comment(opened(), text=text, by="ana", at=AT)
    assert refused.value.field == "text"


# --- snooze -------------------------------------------------------------------------------


def test_snoozing_hides_the_case_until_a_moment_with_a_reason() -> None:
    case = opened()
    until = AT + timedelta(days=3)
    after = snooze(case, until=until, reason="supplier answers Friday", by="ana", at=AT)
    assert (after.snoozed_until, after.snooze_reason) == (until, "supplier answers Friday")
    assert after.state is CaseState.OPEN
    (event,) = after.timeline[len(case.timeline) :]
    assert event.kind is EventKind.SNOOZED
    assert [(c.field, c.new) for c in event.changes] == [("snoozed_until", until.isoformat())]


def test_a_snooze_may_last_up_to_its_limit_and_no_longer() -> None:
    case = opened()
    assert snooze(case, until=AT + MAX_SNOOZE, reason="r", by="a", at=AT).snoozed_until
    with pytest.raises(ActionInputError, match=f"at most {MAX_SNOOZE.days} days") as refused:
        snooze(case, until=AT + MAX_SNOOZE + timedelta(seconds=1), reason="r", by="a", at=AT)
    assert refused.value.field == "until"


@pytest.mark.parametrize(
    ("until", "reason", "field"),
    [
        (AT, "r", "until"),
        (AT - timedelta(hours=1), "r", "until"),
        (datetime(2026, 12, 1, 9, 0), "r", "until"),
        (AT + timedelta(days=1), "  ", "reason"),
    ],
    ids=["now", "past", "no-zone", "no-reason"],
)
def test_a_snooze_needs_a_future_moment_with_a_zone_and_a_reason(
    until: datetime, reason: str, field: str
) -> None:
    with pytest.raises(ActionInputError) as refused:
        snooze(opened(), until=until, reason=reason, by="a", at=AT)
    assert refused.value.field == field


@pytest.mark.parametrize("state", [CaseState.RESOLVED, CaseState.CLOSED])
def test_only_an_active_case_can_be_snoozed(state: CaseState) -> None:
    with pytest.raises(IllegalTransitionError, match=f"is {state.value}"):
        snooze(in_state(state), until=AT + timedelta(days=1), reason="r", by="a", at=AT)


def test_a_snooze_is_written_as_a_date_or_a_moment_with_a_zone() -> None:
    assert snooze_until("2026-12-01") == datetime(2026, 12, 1, tzinfo=UTC)
    assert snooze_until(" 2026-12-01T09:30:00+01:00 ") == datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    assert snooze_until("2026-12-01T09:30:00Z") == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    for text in ("2026-12-01T09:30", "tomorrow", "2026-13-01", ""):
        with pytest.raises(ActionInputError) as refused:
            snooze_until(text)
        assert refused.value.field == "until"


# --- resolve ------------------------------------------------------------------------------


def test_fixed_is_refused_while_the_latest_scan_still_finds_the_condition() -> None:
    case = acknowledge(opened(), by="ana", at=AT)
    with pytest.raises(IllegalTransitionError, match="is acknowledged and the latest scan still"):
        resolve(case, code=ResolutionCode.FIXED, note="", by="ana", at=AT)
    missing = dataclasses.replace(case, absence=Absence(AT, AT, 1))
    fixed = resolve(missing, code=ResolutionCode.FIXED, note="", by="ana", at=AT)
    assert (fixed.state, fixed.resolution_code) == (CaseState.RESOLVED, "fixed")
    assert fixed.absence is None


@pytest.mark.parametrize("code", [c for c in ResolutionCode if c is not ResolutionCode.FIXED])
def test_a_code_accepting_the_condition_needs_a_note(code: ResolutionCode) -> None:
    with pytest.raises(ActionInputError, match="note is required") as refused:
        resolve(opened(), code=code, note=" ", by="ana", at=AT)
    assert refused.value.field == "note"
    case = snooze(opened(), until=AT + timedelta(days=2), reason="wait", by="ana", at=AT)
    after = resolve(case, code=code, note="agreed with the customer", by="ana", at=AT)
    assert after.state is CaseState.RESOLVED
    assert after.resolution_code == code.value
    assert (after.snoozed_until, after.snooze_reason) == (None, None), "resolving ends a snooze"
    (event,) = after.timeline[len(case.timeline) :]
    assert event.note == f"{code.value}: agreed with the customer"
    assert [(c.field, c.new) for c in event.changes] == [("resolution_code", code.value)]


@pytest.mark.parametrize("state", [CaseState.RESOLVED, CaseState.CLOSED])
def test_only_an_active_case_can_be_resolved(state: CaseState) -> None:
    with pytest.raises(IllegalTransitionError, match=f"is {state.value}"):
        resolve(in_state(state), code=ResolutionCode.DUPLICATE, note="", by="a", at=AT)


# --- what a state allows --------------------------------------------------------------------


def test_the_actions_a_state_allows_follow_the_declared_transitions() -> None:
    assert actions_allowed_in(CaseState.OPEN) == set(Action) - {Action.REOPEN}
    assert actions_allowed_in(CaseState.ACKNOWLEDGED) == set(Action) - {
        Action.ACKNOWLEDGE,
        Action.REOPEN,
    }
    assert actions_allowed_in(CaseState.RESOLVED) == {Action.COMMENT, Action.REOPEN}
    assert actions_allowed_in(CaseState.CLOSED) == {Action.COMMENT}
    for state in ACTIVE_STATES:
        assert {Action.ASSIGN, Action.SNOOZE, Action.RESOLVE} <= actions_allowed_in(state)


# --- reconciliation after people acted -------------------------------------------------------


def test_a_case_resolved_as_accepted_stays_resolved_while_the_condition_persists() -> None:
    accepted = resolve(opened(), code=ResolutionCode.ACCEPTED_RISK, note="known", by="ana", at=AT)
    later = reconcile([accepted], [Detected()], now=AT + timedelta(days=2), policy=POLICY)
    (case,) = later.cases
    assert case.state is CaseState.RESOLVED
    assert later.events == ()


def test_a_case_resolved_as_fixed_reopens_when_the_condition_returns() -> None:
    missing = dataclasses.replace(opened(), absence=Absence(AT, AT, 1))
    fixed = resolve(missing, code=ResolutionCode.FIXED, note="", by="ana", at=AT)
    later = reconcile([fixed], [Detected()], now=AT + timedelta(days=2), policy=POLICY)
    (case,) = later.cases
    assert case.state is CaseState.OPEN
    assert case.resolution_code is None
    assert EventKind.REOPENED in [entry.event.kind for entry in later.events]


def test_a_snoozed_case_wakes_at_the_first_scan_after_its_time() -> None:
    until = AT + timedelta(days=1)
    snoozed = snooze(opened(), until=until, reason="wait", by="ana", at=AT)
    before = reconcile([snoozed], [Detected()], now=until - timedelta(minutes=1), policy=POLICY)
    assert before.cases[0].snoozed_until == until
    assert before.events == ()
    after = reconcile([snoozed], [Detected()], now=until, policy=POLICY)
    (case,) = after.cases
    assert (case.snoozed_until, case.snooze_reason) == (None, None)
    (entry,) = after.events
    assert entry.event.kind is EventKind.SNOOZE_ENDED
    assert entry.event.by == "system"
    assert [(c.field, c.old, c.new) for c in entry.event.changes] == [
        ("snoozed_until", until.isoformat(), "")
    ]


# --- any sequence of actions ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Step:
    """One thing that happens to the case: an action by ana, or a scan."""

    name: str
    to: str | None = None
    text: str = ""
    days: int = 0
    code: ResolutionCode = ResolutionCode.FIXED
    #: for a scan: whether it finds the condition
    found: bool = True


STEPS = st.one_of(
    st.sampled_from([Step("acknowledge"), Step("start"), Step("reopen")]),
    st.builds(Step, st.just("assign"), to=st.sampled_from([None, "ana", "ben"])),
    st.builds(Step, st.just("comment"), text=st.sampled_from(["", "chased the supplier"])),
    st.builds(
        Step,
        st.just("snooze"),
        days=st.sampled_from([-1, 0, 1, MAX_SNOOZE.days, MAX_SNOOZE.days + 1])
        | st.integers(-2, MAX_SNOOZE.days + 2),
    ),
    st.builds(
        Step,
        st.just("resolve"),
        code=st.sampled_from(list(ResolutionCode)),
        text=st.sampled_from(["", "agreed"]),
    ),
    st.builds(Step, st.just("scan"), found=st.booleans()),
)


def perform(case: ExceptionCase, step: Step, at: datetime) -> ExceptionCase:
    """``step`` done by ana at ``at``; a scan that misses the condition marks it absent."""
    match step.name:
        case "acknowledge":
            return acknowledge(case, by="ana", at=at)
        case "start":
            return start(case, by="ana", at=at)
        case "assign":
            return assign(case, to=step.to, by="ana", at=at)
        case "comment":
            return comment(case, text=step.text, by="ana", at=at)
        case "snooze":
            until = at + timedelta(days=step.days)
            return snooze(case, until=until, reason="wait", by="ana", at=at)
        case "resolve":
            return resolve(case, code=step.code, note=step.text, by="ana", at=at)
        case "reopen":
            return reopen(case, by="ana", at=at)
    missed = not step.found and case.is_active
    return dataclasses.replace(case, absence=Absence(at, at, 1) if missed else None)


def expected_events(case: ExceptionCase, step: Step) -> list[EventKind] | None:
    """What ``step`` should add to the timeline, or None when it should be refused."""
    active = case.state in ACTIVE_STATES
    resolvable = case.absence is not None if step.code is ResolutionCode.FIXED else bool(step.text)
    expected: dict[str, tuple[bool, list[EventKind]]] = {
        "acknowledge": (case.state is CaseState.OPEN, [EventKind.ACKNOWLEDGED]),
        "start": (
            case.state in (CaseState.OPEN, CaseState.ACKNOWLEDGED),
            [EventKind.WORK_STARTED],
        ),
        "assign": (active, [] if step.to == case.assignee else [EventKind.ASSIGNED]),
        "comment": (bool(step.text), [EventKind.COMMENTED]),
        "snooze": (active and 0 < step.days <= MAX_SNOOZE.days, [EventKind.SNOOZED]),
        "resolve": (active and resolvable, [EventKind.RESOLVED]),
        "reopen": (case.state is CaseState.RESOLVED, [EventKind.REOPENED]),
        "scan": (True, []),
    }
    allowed, events = expected[step.name]
    return events if allowed else None


def assert_legal(case: ExceptionCase) -> None:
    """The timeline replays to the case's state through declared moves only, and the
    case's fields agree with its state and its timeline."""
    state: CaseState | None = None
    assignee = ""
    for event in case.timeline:
        if event.to_state is not None:
            if state is not None:
                assert event.from_state is state
                declared = {(t.source, t.target) for t in TRANSITIONS}
                assert (state, event.to_state) in declared, f"{state} -> {event.to_state}"
            state = event.to_state
        for change in event.changes:
            if change.field == "assignee":
                assert change.old == assignee
                assignee = change.new
    assert state is case.state
    assert (case.assignee or "") == assignee
    assert (case.resolution_code is not None) == (case.state is CaseState.RESOLVED)
    assert (case.snoozed_until is None) == (case.snooze_reason is None)
    assert case.snoozed_until is None or case.state in ACTIVE_STATES


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(STEPS, max_size=30))
def test_any_sequence_of_actions_leaves_a_legal_case_and_exactly_its_events(
    steps: list[Step],
) -> None:
    case = opened()
    for number, step in enumerate(steps, start=1):
        at = T0 + timedelta(hours=number)
        wanted = expected_events(case, step)
        try:
            after = perform(case, step, at)
        except (IllegalTransitionError, ActionInputError):
            assert wanted is None, f"{step} was refused in state {case.state}"
            continue
        assert wanted is not None, f"{step} was accepted in state {case.state}"
        assert added(case, after) == wanted, step
        assert all(e.by == "ana" and e.at == at for e in after.timeline[len(case.timeline) :])
        assert_legal(after)
        case = after
