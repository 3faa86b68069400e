"""The work lists' test businesses: the demo short of pickers, and people acting on cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from controltower.domain.case_actions import acknowledge, assign, snooze
from controltower.domain.cases import ExceptionCase, severity_rank
from controltower.domain.people import Scope
from controltower.storage.case_actions import act_on_case
from controltower.storage.cases import load_cases
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.repository import replace_picture
from helpers.scanned_demo import AS_OF, IMPORTED_AT, SCANNED_AT, ScannedDemo, demo_dataset, scan

#: the demo warehouse whose pickers are cut short, and what it picks a day then
SHORT_WAREHOUSE = "SHF"
SHORT_CAPACITY = 5


def load_short_staffed_demo(database_url: str) -> ScannedDemo:
    """The small demo with Sheffield picking only :data:`SHORT_CAPACITY` lines a day,
    stored and scanned like :func:`helpers.scanned_demo.load_scanned_demo`."""
    dataset = demo_dataset()
    short = replace(
        dataset,
        warehouses=[
            replace(w, pick_capacity_lines_per_day=SHORT_CAPACITY)
            if w.code == SHORT_WAREHOUSE
            else w
            for w in dataset.warehouses
        ],
    )
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            picture_id = replace_picture(
                session, short, source="demo:small short-staffed", imported_at=IMPORTED_AT
            ).picture_id
    finally:
        engine.dispose()
    return scan(database_url, picture_id, as_of=AS_OF, now=SCANNED_AT)


def stored_cases(database_url: str, picture_id: int) -> list[ExceptionCase]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return load_cases(session, picture_id)
    finally:
        engine.dispose()


def act(
    database_url: str,
    demo: ScannedDemo,
    case_id: str,
    action: Callable[[ExceptionCase], ExceptionCase],
) -> None:
    """Apply a person's action to a stored case, committed."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            acted = act_on_case(
                session,
                picture_id=demo.picture_id,
                companies=demo.companies,
                case_id=case_id,
                visible=Scope(),
                action=action,
            )
            assert acted is not None, f"no case {case_id}"
            session.commit()
    finally:
        engine.dispose()


def assigned_to(login: str, by: str = "admin") -> Callable[[ExceptionCase], ExceptionCase]:
    return lambda case: assign(case, to=login, by=by, at=datetime.now(UTC))


def acknowledged(by: str) -> Callable[[ExceptionCase], ExceptionCase]:
    return lambda case: acknowledge(case, by=by, at=datetime.now(UTC))


def snoozed(by: str, days: int = 30) -> Callable[[ExceptionCase], ExceptionCase]:
    """Snoozed from now for ``days``: still snoozed when the test asks a moment later."""

    def action(case: ExceptionCase) -> ExceptionCase:
        now = datetime.now(UTC)
        return snooze(case, until=now + timedelta(days=days), reason="waiting", by=by, at=now)

    return action


def queue_order(case: ExceptionCase) -> tuple[int, datetime, str]:
    """The queue's order: the most severe first, then the soonest due, then the id."""
    return (-severity_rank(case.severity), case.due_at, case.id)


def work_of(
    cases: list[ExceptionCase], login: str, teams: set[str], *, clock: datetime
) -> list[ExceptionCase]:
    """A person's work worked out in Python: active, theirs or their teams' unassigned,
    not snoozed at ``clock``; in the queue's order."""
    mine = [
        c
        for c in cases
        if c.is_active
        and (c.assignee == login or (c.assignee is None and c.owner in teams))
        and not (c.snoozed_until is not None and c.snoozed_until > clock)
    ]
    return sorted(mine, key=queue_order)
