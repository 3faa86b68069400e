"""The pure rules of notifications: who is told, incident grouping, quiet hours, digest
time and the retry schedule."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from controltower.domain.cases import (
    CaseEvent,
    CaseState,
    EventKind,
    ExceptionCase,
    ExceptionType,
    Severity,
)
from controltower.domain.notifications import (
    MAX_ATTEMPTS,
    Channel,
    NotificationKind,
    PreferenceError,
    Preferences,
    Recipient,
    after_failure,
    digest_due,
    parse_quiet_hours,
    plan_notifications,
    quiet_until,
    started_cases,
)
from controltower.domain.people import Scope

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TEAM = "purchasing@LDS"


def case(
    subject: str,
    *,
    cause: str = "purchase_order:PO7",
    assignee: str | None = None,
    kind: EventKind = EventKind.OPENED,
    warehouse: str = "LDS",
    type_: ExceptionType = ExceptionType.ORDER_AT_RISK,
) -> ExceptionCase:
    return ExceptionCase(
        id=f"CASE-{subject}",
        type=type_,
        subject=subject,
        state=CaseState.OPEN,
        severity=Severity.HIGH,
        value_at_risk=Decimal(100),
        value_basis="order value",
        explanation="late",
        cause=cause,
        owner=TEAM,
        due_at=NOW + timedelta(days=1),
        opened_at=NOW,
        warehouse=warehouse,
        company="NORDEL",
        timeline=(CaseEvent(kind=kind, at=NOW, by="system"),),
        assignee=assignee,
    )


def person(user_id: int, login: str, **changes: object) -> Recipient:
    values: dict[str, object] = {
        "user_id": user_id,
        "login": login,
        "email": f"{login}@example.com",
        "active": True,
        "scope": Scope(),
        "teams": frozenset({TEAM}),
        "preferences": Preferences(channels=(Channel.IN_APP,)),
    }
    values.update(changes)
    return Recipient(**values)  # type: ignore[arg-type]


def plan(cases: list[ExceptionCase], people: list[Recipient]) -> list[tuple[str, str, str]]:
    started = started_cases(cases, {c.id: "NORDEL" for c in cases})
    return sorted(
        (p.kind.value, str(p.user_id), p.case_id or p.cause or "")
        for p in plan_notifications(started, people)
    )


def test_the_team_in_scope_is_told_and_an_assignee_alone() -> None:
    people = [
        person(1, "ann"),
        person(2, "bob", active=False),
        person(3, "cy", scope=Scope.of(warehouses=["MAN"])),
        person(4, "di", teams=frozenset({"finance@LDS"})),
    ]
    assert plan([case("SO1")], people) == [("case_opened", "1", "CASE-SO1")]
    assigned = case("SO2", assignee="di")
    assert plan([assigned], people) == [("case_opened", "4", "CASE-SO2")]


def test_new_cases_of_one_cause_are_one_incident_per_person() -> None:
    root = case("purchase_order:PO7", type_=ExceptionType.SUPPLIER_DELAY)
    cases = [case("SO1"), root, case("SO2"), case("SO9", cause="sku:X@LDS")]
    planned = plan_notifications(
        started_cases(cases, {c.id: "NORDEL" for c in cases}), [person(1, "ann")]
    )
    kinds = sorted((p.kind, p.case_id or p.cause) for p in planned)
    assert kinds == [
        (NotificationKind.CASE_OPENED, "CASE-SO9"),
        (NotificationKind.INCIDENT_OPENED, "purchase_order:PO7"),
    ]
    incident = next(p for p in planned if p.kind is NotificationKind.INCIDENT_OPENED)
    assert incident.link == "/exceptions/cases/CASE-purchase_order:PO7"  # the root case
    assert "3 new cases" in incident.title
    assert "purchase order PO7" in incident.title


def test_a_reopened_case_is_told_as_reopened_and_updates_not_at_all() -> None:
    reopened = case("SO1", kind=EventKind.REOPENED)
    updated = case("SO2", kind=EventKind.UPDATED)
    assert plan([reopened, updated], [person(1, "ann")]) == [("case_reopened", "1", "CASE-SO1")]


def test_email_and_webhook_only_for_people_who_can_get_them() -> None:
    everything = Preferences(channels=tuple(Channel), webhook_url=None)
    planned = plan_notifications(
        started_cases([case("SO1")], {"CASE-SO1": "NORDEL"}),
        [
            person(1, "ann", preferences=everything),
            person(2, "bo", email=None, preferences=everything),
        ],
    )
    # no webhook address: no webhook; no email address: no email
    assert sorted((p.user_id, p.channel) for p in planned) == [
        (1, Channel.EMAIL),
        (1, Channel.IN_APP),
        (2, Channel.IN_APP),
    ]
    keys = [p.dedupe_key for p in planned]
    assert len(set(keys)) == len(keys)


def test_quiet_hours_over_midnight_end_the_next_morning_in_the_persons_zone() -> None:
    start, end = parse_quiet_hours("22:00-07:00")
    quiet = Preferences(quiet_start=start, quiet_end=end, timezone="America/New_York")
    # 04:00 UTC is 23:00 in New York (winter): quiet until 07:00 there, 12:00 UTC
    late = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)
    assert quiet_until(quiet, late) == datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    # 11:00 UTC is 06:00 there: still quiet, same end
    assert quiet_until(quiet, datetime(2026, 11, 26, 11, 0, tzinfo=UTC)) == datetime(
        2026, 11, 26, 12, 0, tzinfo=UTC
    )
    assert quiet_until(quiet, datetime(2026, 11, 26, 12, 0, tzinfo=UTC)) is None
    assert quiet_until(Preferences(), late) is None


def test_the_digest_goes_out_the_next_morning_at_eight_local() -> None:
    prefs = Preferences(timezone="Europe/Paris")
    assert digest_due(prefs, NOW) == datetime(2026, 11, 26, 7, 0, tzinfo=UTC)


def test_failures_back_off_then_give_up() -> None:
    pauses = []
    attempts = 0
    moment = NOW
    while True:
        attempts, following = after_failure(attempts, moment)
        if following is None:
            break
        pauses.append(following - moment)
        moment = following
    assert attempts == MAX_ATTEMPTS == 5
    assert pauses == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
    ]


@pytest.mark.parametrize("text", ["22-07", "25:00-07:00", "07:00-07:00", "soon"])
def test_quiet_hours_that_cannot_be_kept_are_refused(text: str) -> None:
    with pytest.raises(PreferenceError, match="quiet hours"):
        parse_quiet_hours(text)


def test_quiet_hours_none_lifts_them() -> None:
    assert parse_quiet_hours("none") == (None, None)
    assert parse_quiet_hours("09:30-12:00") == (time(9, 30), time(12))
