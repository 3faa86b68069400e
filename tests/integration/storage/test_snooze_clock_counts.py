"""Counts judged at a snooze clock are remembered from one snooze end to the next, and
are still the counts of that clock: a snooze running out between two requests shows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from controltower.domain.case_actions import snooze
from controltower.domain.cases import ExceptionCase
from controltower.storage.cases import load_cases
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.queries import (
    CaseFilters,
    IncidentFilters,
    count_cases,
    forget_remembered,
    list_incidents,
)
from controltower.storage.queries.cases import at_last_snooze_end
from controltower.storage.queries.paging import MAX_PAGE_SIZE, PageRequest
from helpers.scanned_demo import ScannedDemo, load_scanned_demo
from helpers.work import act

pytestmark = pytest.mark.database

START = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=1)
"""Snoozes end after this: tomorrow (a snooze lasts at most 90 days)."""


def snoozed_until(until: datetime) -> Callable[[ExceptionCase], ExceptionCase]:
    def action(case: ExceptionCase) -> ExceptionCase:
        now = datetime.now(UTC)
        return snooze(case, until=until, reason="waiting", by="admin", at=now)

    return action


@pytest.fixture
def stored(migrated_database_url: str) -> Iterator[tuple[ScannedDemo, sessionmaker[Session]]]:
    """The scanned demo, and sessions on its database."""
    demo = load_scanned_demo(migrated_database_url)
    engine = make_engine(migrated_database_url)
    try:
        yield demo, make_session_factory(engine)
    finally:
        engine.dispose()
        forget_remembered()


def active_cases(demo: ScannedDemo, sessions: sessionmaker[Session]) -> list[ExceptionCase]:
    with sessions() as session:
        return [c for c in load_cases(session, demo.picture_id) if c.is_active]


def test_a_count_follows_each_snooze_that_runs_out(
    migrated_database_url: str, stored: tuple[ScannedDemo, sessionmaker[Session]]
) -> None:
    demo, sessions = stored
    active = active_cases(demo, sessions)
    ends = [START + timedelta(hours=hours) for hours in (1, 2, 2, 3)]
    asleep = dict(zip((c.id for c in active[: len(ends)]), ends, strict=True))
    for case_id, until in asleep.items():
        act(migrated_database_url, demo, case_id, snoozed_until(until))
    forget_remembered()
    clocks = [START + timedelta(minutes=m) for m in (0, 30, 59, 60, 61, 119, 120, 150, 181)]
    with sessions() as session:
        for clock in clocks:
            still = sum(1 for until in asleep.values() if until > clock)
            filters = CaseFilters(snoozed=False, clock=clock)
            assert count_cases(session, demo.picture_id, filters) == len(active) - still, clock
            asleep_only = CaseFilters(snoozed=True, clock=clock)
            assert count_cases(session, demo.picture_id, asleep_only) == still, clock


def test_the_clock_moves_back_to_the_last_snooze_end_only(
    migrated_database_url: str, stored: tuple[ScannedDemo, sessionmaker[Session]]
) -> None:
    demo, sessions = stored
    active = active_cases(demo, sessions)
    act(migrated_database_url, demo, active[0].id, snoozed_until(START + timedelta(hours=1)))
    with sessions() as session:

        def moved(clock: datetime) -> datetime | None:
            filters = CaseFilters(snoozed=False, clock=clock)
            return at_last_snooze_end(session, filters).clock

        before = moved(START)
        assert before is not None
        assert before < START + timedelta(hours=1)
        assert moved(START + timedelta(minutes=59)) == before, "nothing ran out in between"
        assert moved(START + timedelta(hours=1)) == START + timedelta(hours=1)
        assert moved(START + timedelta(hours=5)) == START + timedelta(hours=1)
        anytime = CaseFilters(snoozed=None, clock=START)
        assert at_last_snooze_end(session, anytime) is anytime, "no snooze filter, no read"


def _listed_causes(
    sessions: sessionmaker[Session], demo: ScannedDemo, filters: IncidentFilters
) -> list[str]:
    """Every cause the incident list shows under ``filters``, page after page, in order."""
    causes: list[str] = []
    number = 1
    with sessions() as session:
        while True:
            page = list_incidents(
                session, demo.picture_id, filters, page=PageRequest(number, MAX_PAGE_SIZE)
            )
            causes += [group.incident.cause for group in page.items]
            if number >= page.last_number:
                return causes
            number += 1


def test_the_incidents_with_a_member_awake_follow_a_snooze_and_its_end(
    migrated_database_url: str, stored: tuple[ScannedDemo, sessionmaker[Session]]
) -> None:
    """The list narrowed to incidents with a case not snoozed is remembered beside the
    ranking; an incident whose every case is put to sleep leaves it, comes back when the
    snooze runs out, and each answer is the one worked out afresh."""
    demo, sessions = stored
    active = active_cases(demo, sessions)
    by_cause: dict[str, list[str]] = {}
    for case in active:
        by_cause.setdefault(case.cause, []).append(case.id)
    cause, ids = min(by_cause.items(), key=lambda item: (len(item[1]), item[0]))

    def awake(clock: datetime) -> list[str]:
        members = CaseFilters(states=None, snoozed=False, clock=clock)
        remembered_answer = _listed_causes(sessions, demo, IncidentFilters(members=members))
        forget_remembered()
        assert _listed_causes(sessions, demo, IncidentFilters(members=members)) == (
            remembered_answer
        )
        return remembered_answer

    now = datetime.now(UTC)
    before = awake(now)
    assert cause in before
    assert awake(now) == before  # asked again: the same list
    for case_id in ids:
        act(migrated_database_url, demo, case_id, snoozed_until(START + timedelta(hours=1)))
    asleep = awake(now)
    assert cause not in asleep
    assert asleep == [c for c in before if c != cause]
    assert awake(START + timedelta(hours=2)) == before
