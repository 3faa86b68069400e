"""A stored scan queues its notifications in its own transaction: per person, once per
case, or once per incident; only people whose scope covers the case; never twice."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

import pytest
import sqlalchemy as sa

from controltower.domain.notifications import Channel, Preferences
from controltower.policy import load_policy
from controltower.storage import tables
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.picture_store import SqlPictureStore
from controltower.workflow.stored_scan import run_stored_scan
from helpers.notify_peers import add_told_person
from helpers.scanned_demo import AS_OF, SCANNED_AT, scan, store_demo

pytestmark = pytest.mark.database

TEAM = "customer_service@MAN"
AT_ONCE = Preferences(channels=(Channel.IN_APP, Channel.EMAIL), digest_severities=frozenset())


def rows(url: str, login: str) -> list[sa.Row[tuple[object, ...]]]:
    n, users = tables.notifications, tables.users
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    sa.select(n)
                    .join(users, users.c.id == n.c.user_id)
                    .where(users.c.login == login)
                )
            )
    finally:
        engine.dispose()


def team_cases(url: str) -> dict[str, list[str]]:
    """The team's cases by cause."""
    cases = tables.exception_cases
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            found: dict[str, list[str]] = defaultdict(list)
            for row in connection.execute(
                sa.select(cases.c.id, cases.c.cause).where(cases.c.owner == TEAM)
            ):
                found[row.cause].append(row.id)
            return found
    finally:
        engine.dispose()


def test_a_scan_tells_the_team_once_per_case_or_incident(migrated_database_url: str) -> None:
    url = migrated_database_url
    picture = store_demo(url)
    add_told_person(
        url, "cs.man", teams=[TEAM], email_address="cs@example.com", preferences=AT_ONCE
    )
    add_told_person(url, "cs.lds", teams=[TEAM], email_address="x@example.com", warehouses=["LDS"])
    add_told_person(url, "cs.acme", teams=[TEAM], companies=["ACME"])
    add_told_person(url, "other", teams=["finance@LDS"], email_address="o@example.com")
    scan(url, picture, as_of=AS_OF, now=SCANNED_AT)

    by_cause = team_cases(url)
    incidents = {cause for cause, ids in by_cause.items() if len(ids) > 1}
    singles = {ids[0] for ids in by_cause.values() if len(ids) == 1}
    assert incidents, "the demo has an incident of several cases for the team"
    told = rows(url, "cs.man")
    assert Counter(row.channel for row in told) == {
        "in_app": len(incidents) + len(singles),
        "email": len(incidents) + len(singles),
    }
    in_app = [row for row in told if row.channel == "in_app"]
    assert {row.cause for row in in_app if row.kind == "incident_opened"} == incidents
    assert {row.case_id for row in in_app if row.kind == "case_opened"} == singles
    for row in in_app:
        assert row.state == "unread"
        assert row.link.startswith("/exceptions/cases/CASE-")
    for row in told:
        if row.kind == "incident_opened":
            assert str(len(by_cause[row.cause])) + " new cases" in row.title
            assert row.link.removeprefix("/exceptions/cases/") in by_cause[row.cause]
    emails = [row for row in told if row.channel == "email"]
    assert {row.state for row in emails} == {"pending"}
    # out of scope (another warehouse, another company) or another team: told nothing
    assert rows(url, "cs.lds") == []
    assert rows(url, "cs.acme") == []
    assert {row.case_id for row in rows(url, "other")}.isdisjoint(singles)


def test_scanning_again_queues_nothing_twice(migrated_database_url: str) -> None:
    url = migrated_database_url
    picture = store_demo(url)
    add_told_person(url, "cs.man", teams=[TEAM], email_address="cs@example.com")
    scan(url, picture, as_of=AS_OF, now=SCANNED_AT)
    first = sorted(row.dedupe_key for row in rows(url, "cs.man"))
    assert first
    scan(url, picture, as_of=AS_OF, now=SCANNED_AT + timedelta(hours=1))
    assert sorted(row.dedupe_key for row in rows(url, "cs.man")) == first


def test_a_scan_rolled_back_queues_nothing(migrated_database_url: str) -> None:
    url = migrated_database_url
    picture = store_demo(url)
    add_told_person(url, "cs.man", teams=[TEAM], email_address="cs@example.com")
    engine = make_engine(url)
    queued_inside: list[int] = []
    try:
        with make_session_factory(engine)() as session:
            result = run_stored_scan(
                SqlPictureStore(session, picture), as_of=AS_OF, policy=load_policy(), now=SCANNED_AT
            )
            count = sa.select(sa.func.count()).select_from(tables.notifications)
            queued_inside.append(session.execute(count).scalar_one())
            session.rollback()
    finally:
        engine.dispose()
    assert result.opened > 0
    assert queued_inside[0] > 0  # written in the scan's transaction...
    assert rows(url, "cs.man") == []  # ...and gone with it
