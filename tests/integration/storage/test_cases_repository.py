"""Exception cases in the database: exact round trips, append-only timelines, filing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from controltower.domain.cases import (
    Absence,
    CaseEvent,
    CaseState,
    EventKind,
    ExceptionCase,
    ExceptionType,
    FieldChange,
    Severity,
    Trigger,
    occurrences,
    transition,
)
from controltower.domain.model import Dataset
from controltower.storage import tables
from controltower.storage.cases import (
    CaseWriteError,
    case_history,
    list_incidents,
    load_cases,
    load_cases_to_reconcile,
    save_cases,
)
from controltower.storage.database import current_revision, downgrade, migrate
from controltower.storage.repository import PictureNotFoundError, replace_picture

pytestmark = pytest.mark.database

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
ELSEWHERE = timezone(timedelta(hours=-5), "UTC-5")


def opened(
    subject: str = "purchase_order:PO77",
    *,
    type_: ExceptionType = ExceptionType.SUPPLIER_DELAY,
    at: datetime = T0,
    company: str | None = "main",
    case_id: str | None = None,
) -> ExceptionCase:
    """A freshly opened case with one event, the way reconciliation opens one."""
    return ExceptionCase(
        id=case_id or f"CASE-{type_}-{subject}-{at.isoformat()}",
        type=type_,
        subject=subject,
        state=CaseState.OPEN,
        severity=Severity.MEDIUM,
        value_at_risk=Decimal("250.5"),
        value_basis="open value of the orders it makes late",
        explanation="PO77 is 2 days late.",
        cause=subject,
        owner="purchasing@WH-MAIN",
        due_at=at + timedelta(hours=8),
        opened_at=at,
        related=("sales_order:SO1001",),
        entities=("supplier:SUP-ACME", "product:CBL-2X14"),
        warehouse="WH-MAIN",
        company=company,
        timeline=(
            CaseEvent(
                kind=EventKind.OPENED, at=at, by="system", note="opened", to_state=CaseState.OPEN
            ),
        ),
    )


def fully_populated() -> ExceptionCase:
    """A case using every field: odd decimals, times in another zone, a rich timeline."""
    start = datetime(2026, 11, 25, 3, 15, 42, 123456, tzinfo=ELSEWHERE)
    case = replace(
        opened(at=start, company=None),
        severity=Severity.CRITICAL,
        value_at_risk=Decimal("123456789012345678901234567890.000000000000000000000000000001"),
        explanation='Ligne «câble» en retard — 2 jours; "quoted", commas, and\nnew lines.',
        related=("sales_order:SO1,with-comma", "sales_order:SO2"),
        entities=(),
        warehouse=None,
    )
    acknowledged = transition(
        case,
        CaseState.ACKNOWLEDGED,
        trigger=Trigger.ACKNOWLEDGE,
        at=start + timedelta(minutes=5),
        by="erin",
        note="on it",
    )
    updated = replace(
        acknowledged,
        timeline=(
            *acknowledged.timeline,
            CaseEvent(
                kind=EventKind.SEVERITY_CHANGED,
                at=start + timedelta(hours=1),
                by="system",
                note="severity medium -> critical",
                changes=(
                    FieldChange("severity", "medium", "critical"),
                    FieldChange("due_at", "2026-11-25T16:00:00+00:00", "2026-11-25T10:00:00+00:00"),
                ),
            ),
        ),
    )
    return replace(
        updated,
        absence=Absence(
            first_missed_at=start + timedelta(hours=2),
            last_missed_at=start + timedelta(hours=3, microseconds=7),
            scans=2,
        ),
    )


@pytest.fixture
def picture_id(sessions: sessionmaker[Session], make_business: Callable[..., Dataset]) -> int:
    with sessions.begin() as session:
        return replace_picture(
            session, make_business("main"), source="test", imported_at=T0
        ).picture_id


def cleared(case: ExceptionCase) -> ExceptionCase:
    """``case`` resolved by a scan an hour after ``T0``: its condition cleared."""
    return transition(
        case,
        CaseState.RESOLVED,
        trigger=Trigger.CONDITION_CLEARED,
        at=T0 + timedelta(hours=1),
        by="system",
        note="condition cleared",
    )


def save(sessions: sessionmaker[Session], picture_id: int, *cases: ExceptionCase) -> None:
    with sessions.begin() as session:
        save_cases(session, picture_id, cases)


def load(
    sessions: sessionmaker[Session], picture_id: int, *, include_closed: bool = True
) -> list[ExceptionCase]:
    with sessions() as session:
        return load_cases(session, picture_id, include_closed=include_closed)


def count_rows(sessions: sessionmaker[Session], table: sa.Table) -> int:
    with sessions() as session:
        return session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_a_case_round_trips_with_every_field_and_its_timeline_in_order(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    case = fully_populated()
    save(sessions, picture_id, case)

    [loaded] = load(sessions, picture_id)

    assert loaded == case
    assert [event.kind for event in loaded.timeline] == [
        EventKind.OPENED,
        EventKind.ACKNOWLEDGED,
        EventKind.SEVERITY_CHANGED,
    ]
    assert loaded.opened_at.tzinfo is UTC
    assert str(loaded.value_at_risk) == str(case.value_at_risk)


def test_saving_a_case_again_appends_only_its_new_events_and_never_rewrites_stored_ones(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    first = opened()
    save(sessions, picture_id, first)
    with sessions.begin() as session:  # mark the stored event, to see whether a save rewrites it
        session.execute(sa.update(tables.case_events).values(note="as first stored"))
    later = transition(
        replace(first, severity=Severity.HIGH, explanation="PO77 is 4 days late."),
        CaseState.RESOLVED,
        trigger=Trigger.CONDITION_CLEARED,
        at=T0 + timedelta(hours=2),
        by="system",
        note="condition cleared",
    )

    save(sessions, picture_id, later)

    [loaded] = load(sessions, picture_id)
    assert count_rows(sessions, tables.case_events) == 2
    assert loaded.timeline[0].note == "as first stored"
    assert loaded.timeline[1:] == later.timeline[1:]
    assert (loaded.state, loaded.severity, loaded.explanation) == (
        CaseState.RESOLVED,
        Severity.HIGH,
        "PO77 is 4 days late.",
    )


def test_a_scan_loads_only_resolved_timelines_and_numbers_new_events_after_the_rest(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    active = opened("purchase_order:PO77")
    resolved = cleared(opened("purchase_order:PO88"))
    save(sessions, picture_id, active, resolved)

    with sessions() as session:
        cases, left_out = load_cases_to_reconcile(session, picture_id)
    by_id = {case.id: case for case in cases}
    assert by_id[active.id].timeline == ()
    assert by_id[resolved.id].timeline == resolved.timeline
    assert left_out == {active.id: 1}

    later = transition(
        by_id[active.id],
        CaseState.ACKNOWLEDGED,
        trigger=Trigger.ACKNOWLEDGE,
        at=T0 + timedelta(hours=2),
        by="ana",
        note="looking into it",
    )
    with sessions.begin() as session:
        save_cases(session, picture_id, [later], left_out=left_out)
    [reloaded] = [case for case in load(sessions, picture_id) if case.id == active.id]
    assert reloaded.timeline == (*active.timeline, *later.timeline)
    with sessions.begin() as session, pytest.raises(CaseWriteError, match="a timeline only grows"):
        save_cases(session, picture_id, [later])


@pytest.mark.parametrize(
    ("always", "share"), [(0, 1), (0, 100), (100, 1)], ids=["by key", "read whole", "few"]
)
def test_the_cases_a_scan_asks_for_come_the_same_by_key_or_read_with_every_live_case(
    sessions: sessionmaker[Session],
    picture_id: int,
    monkeypatch: pytest.MonkeyPatch,
    always: int,
    share: int,
) -> None:
    """A rescan asks for the few cases whose facts follow the clock: looked up by key
    while they are a small share of the live cases, else picked out of all of them."""
    from controltower.storage import cases as stored_cases

    resolved = cleared(opened("purchase_order:PO88"))
    others = [opened(f"purchase_order:PO{n}") for n in range(10, 16)]
    save(sessions, picture_id, resolved, *others)
    wanted = [resolved.id, others[0].id, others[3].id]
    monkeypatch.setattr(stored_cases, "_LOOKED_UP_IDS", always)
    monkeypatch.setattr(stored_cases, "_LOOKED_UP_SHARE", share)
    with sessions() as session:
        everything, every_left_out = load_cases_to_reconcile(session, picture_id)
        some, left_out = load_cases_to_reconcile(session, picture_id, wanted)
    assert some == [case for case in everything if case.id in wanted]
    assert left_out == {k: v for k, v in every_left_out.items() if k in wanted}
    assert {case.id for case in some} == set(wanted)


def test_saving_an_unchanged_case_writes_no_event(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    case = fully_populated()
    save(sessions, picture_id, case)
    save(sessions, picture_id, case)

    assert count_rows(sessions, tables.case_events) == len(case.timeline)
    assert load(sessions, picture_id) == [case]


def test_a_timeline_shorter_than_the_stored_one_is_refused_and_nothing_is_written(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    case = fully_populated()
    save(sessions, picture_id, case)
    stale = replace(case, timeline=case.timeline[:1], explanation="stale")
    other = opened("purchase_order:PO78")

    with pytest.raises(CaseWriteError, match=f"case {case.id} has 3 timeline events stored"):
        save(sessions, picture_id, other, stale)

    assert load(sessions, picture_id) == [case]


def test_a_case_given_with_another_subject_than_stored_is_refused(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    case = opened()
    save(sessions, picture_id, case)

    with pytest.raises(CaseWriteError, match="type, subject and opening never change"):
        save(sessions, picture_id, replace(case, subject="purchase_order:PO99"))


def test_a_second_live_case_on_the_same_subject_is_refused(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    save(sessions, picture_id, opened())
    duplicate = opened(at=T0 + timedelta(hours=1))

    with pytest.raises(CaseWriteError, match="at most one case that is not closed"):
        save(sessions, picture_id, duplicate)

    assert len(load(sessions, picture_id)) == 1


def test_a_refused_save_is_undone_while_the_rest_of_the_transaction_commits(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    stored = opened()
    save(sessions, picture_id, stored)
    changed = replace(stored, explanation="changed before the refusal")
    duplicate = opened(at=T0 + timedelta(hours=1))
    unrelated = opened("purchase_order:PO78")

    with sessions.begin() as session:
        with pytest.raises(CaseWriteError):
            save_cases(session, picture_id, [changed, duplicate])
        save_cases(session, picture_id, [unrelated])

    assert load(sessions, picture_id) == [stored, unrelated]


def test_a_closed_case_and_its_successor_on_the_same_subject_are_saved_together(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    first = cleared(opened())
    save(sessions, picture_id, first)
    closed = transition(
        first,
        CaseState.CLOSED,
        trigger=Trigger.REOPEN_WINDOW_PASSED,
        at=T0 + timedelta(days=9),
        by="system",
    )
    successor = opened(at=T0 + timedelta(days=9))

    save(sessions, picture_id, successor, closed)

    assert load(sessions, picture_id) == [closed, successor]
    assert load(sessions, picture_id, include_closed=False) == [successor]


def test_cases_outlive_their_picture_and_follow_their_company_into_the_next_one(
    sessions: sessionmaker[Session],
    picture_id: int,
    make_business: Callable[..., Dataset],
) -> None:
    case = opened()
    save(sessions, picture_id, case)
    with sessions.begin() as session:
        other = replace_picture(
            session, make_business("other", prefix="O-"), source="other", imported_at=T0
        ).picture_id
        reimported = replace_picture(
            session, make_business("main"), source="again", imported_at=T0 + timedelta(hours=1)
        ).picture_id

    assert reimported != picture_id
    assert load(sessions, reimported) == [case]
    assert load(sessions, other) == []
    with sessions() as session, pytest.raises(PictureNotFoundError):
        load_cases(session, picture_id)


def test_a_case_is_filed_under_its_own_company_else_the_pictures_first(
    sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    with sessions.begin() as session:
        picture = replace_picture(
            session, make_business("south", "north"), source="two", imported_at=T0
        ).picture_id
    own = opened("purchase_order:PO1", company="south")
    without = opened("supplier:SUP-ACME:supplier_delay", company=None)
    elsewhere = opened("purchase_order:PO2", company="west")

    save(sessions, picture, own, without, elsewhere)

    with sessions() as session:
        filed = dict(
            session.execute(
                sa.select(tables.exception_cases.c.subject, tables.exception_cases.c.scope_company)
            ).all()
        )
    assert filed == {
        "purchase_order:PO1": "south",
        "supplier:SUP-ACME:supplier_delay": "north",
        "purchase_order:PO2": "north",
    }
    assert {c.id for c in load(sessions, picture)} == {own.id, without.id, elsewhere.id}


def test_case_history_lists_every_opening_and_reopening_as_the_domain_does(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    first = opened()
    resolved = cleared(first)
    reopened = transition(
        resolved,
        CaseState.OPEN,
        trigger=Trigger.CONDITION_RETURNED,
        at=T0 + timedelta(days=2),
        by="system",
    )
    other = opened("sku:CBL-2X14@WH-MAIN", type_=ExceptionType.STOCK_SHORTAGE, at=T0)
    save(sessions, picture_id, reopened, other)

    with sessions() as session:
        everything = case_history(session, picture_id)
        recent = case_history(session, picture_id, since=T0 + timedelta(days=1))
        expected = occurrences(load_cases(session, picture_id))

    assert everything == expected
    assert len(everything) == 3
    assert [(o.subject, o.opened_at) for o in recent] == [
        ("purchase_order:PO77", T0 + timedelta(days=2))
    ]


def test_incidents_group_the_active_cases_by_their_cause(
    sessions: sessionmaker[Session], picture_id: int
) -> None:
    root = opened()
    impact = replace(
        opened("sales_order:SO1001", type_=ExceptionType.ORDER_AT_RISK),
        cause="purchase_order:PO77",
        value_at_risk=Decimal(900),
    )
    finished = transition(
        opened("sku:CBL-2X14@WH-MAIN", type_=ExceptionType.STOCK_SHORTAGE),
        CaseState.RESOLVED,
        trigger=Trigger.RESOLVE,
        at=T0 + timedelta(hours=1),
        by="erin",
    )
    save(sessions, picture_id, root, impact, finished)

    with sessions() as session:
        [incident] = list_incidents(session, picture_id)

    assert incident.cause == "purchase_order:PO77"
    assert incident.members == (
        (ExceptionType.ORDER_AT_RISK, "sales_order:SO1001"),
        (ExceptionType.SUPPLIER_DELAY, "purchase_order:PO77"),
    )
    assert incident.value_at_risk == Decimal(900)


def test_every_field_of_a_case_and_of_an_event_has_its_column() -> None:
    case_columns = set(tables.exception_cases.c.keys())
    event_columns = set(tables.case_events.c.keys())
    case_fields = {f.name for f in fields(ExceptionCase)} - {"absence", "timeline"}
    absence_fields = {f"absence_{f.name}" for f in fields(Absence)}
    event_fields = {f.name for f in fields(CaseEvent)}

    assert case_columns == case_fields | absence_fields | {"scope_company"}
    assert event_columns == event_fields | {"scope_company", "case_id", "position"}


def test_migration_0003_adds_the_case_tables_and_its_downgrade_removes_them(
    storage_engine: Engine,
) -> None:
    def names() -> set[str]:
        return set(sa.inspect(storage_engine).get_table_names())

    assert {"exception_cases", "case_events"} <= names()
    downgrade(storage_engine, "0002")
    assert current_revision(storage_engine) == "0002"
    assert not {"exception_cases", "case_events"} & names()
    assert {"scan_runs", "order_risk"} <= names()
    migrate(storage_engine)
    assert {"exception_cases", "case_events"} <= names()
