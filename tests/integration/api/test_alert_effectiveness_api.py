"""Alert effectiveness through the API and the page: the SQL counts agree with the
timelines read case by case, and each outcome is counted where it belongs."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from controltower.domain.cases import (
    SYSTEM_ACTOR,
    CaseEvent,
    CaseState,
    EventKind,
    ExceptionCase,
)
from controltower.domain.effectiveness import PERSON_EVENT_KINDS, Outcome
from controltower.domain.people import Role
from helpers.people import add_test_person
from helpers.scanned_demo import AS_OF, SCANNED_AT, api_client, load_scanned_demo, scan
from helpers.work import acknowledged, act, stored_cases

pytestmark = pytest.mark.database


def cleared_by_the_scans(case: ExceptionCase) -> ExceptionCase:
    """The case as the scans leave it once its condition has gone."""
    at = datetime.now(UTC)
    event = CaseEvent(
        EventKind.RESOLVED_AUTOMATICALLY,
        at,
        SYSTEM_ACTOR,
        "the condition cleared",
        from_state=case.state,
        to_state=CaseState.RESOLVED,
    )
    return replace(case, state=CaseState.RESOLVED, timeline=(*case.timeline, event))


def outcome_of(case: ExceptionCase, judged_at: datetime) -> Outcome:
    """The rule of domain/effectiveness.py, read from one timeline."""
    if any(e.kind in PERSON_EVENT_KINDS and e.by != SYSTEM_ACTOR for e in case.timeline):
        return Outcome.ACTED_ON
    if any(e.kind is EventKind.RESOLVED_AUTOMATICALLY for e in case.timeline):
        return Outcome.CLEARED_BY_ITSELF
    return Outcome.IGNORED if case.due_at < judged_at else Outcome.PENDING


def test_the_outcomes_per_type_match_the_timelines(migrated_database_url: str) -> None:
    url = migrated_database_url
    demo = load_scanned_demo(url)
    cases = [c for c in stored_cases(url, demo.picture_id) if c.is_active]
    by_type: dict[str, list[ExceptionCase]] = {}
    for case in cases:
        by_type.setdefault(case.type.value, []).append(case)
    busy = max(by_type.values(), key=len)
    assert len(busy) >= 3
    act(url, demo, busy[0].id, acknowledged("wendy"))
    act(url, demo, busy[1].id, cleared_by_the_scans)
    # a day later: the untouched cases' response targets have passed
    later = SCANNED_AT + timedelta(days=1)
    scan(url, demo.picture_id, as_of=AS_OF, now=later)

    with api_client(url) as client:
        response = client.get("/api/alert-effectiveness", params={"from": "2026-11-01"})
        assert response.status_code == 200, response.text
        body = response.json()

    stored = stored_cases(url, demo.picture_id)
    expected: dict[str, Counter[Outcome]] = {}
    for case in stored:
        if case.opened_at.date() >= datetime(2026, 11, 1, tzinfo=UTC).date():
            expected.setdefault(case.type.value, Counter())[outcome_of(case, later)] += 1
    got = {row["type"]: row for row in body["rows"]}
    assert set(got) == set(expected)
    for type_, counts in expected.items():
        row = got[type_]
        assert row["acted_on"] == counts[Outcome.ACTED_ON], type_
        assert row["cleared_by_itself"] == counts[Outcome.CLEARED_BY_ITSELF], type_
        assert row["ignored"] == counts[Outcome.IGNORED], type_
        assert row["pending"] == counts[Outcome.PENDING], type_
        assert row["total"] == sum(counts.values()), type_
    mine = got[busy[0].type.value]
    assert mine["acted_on"] >= 1
    assert mine["cleared_by_itself"] >= 1
    shares = [r["noise_share_pct"] for r in body["rows"] if r["noise_share_pct"] is not None]
    assert shares == sorted(shares, reverse=True), "the noisiest rule comes first"


def test_per_rule_rows_split_a_type_by_its_owning_team(migrated_database_url: str) -> None:
    url = migrated_database_url
    demo = load_scanned_demo(url)
    cases = stored_cases(url, demo.picture_id)
    owners = Counter((c.type.value, c.owner) for c in cases)
    with api_client(url) as client:
        body = client.get("/api/alert-effectiveness", params={"by": "owner"}).json()
    got = {(row["type"], row["owner"]): row["total"] for row in body["rows"]}
    assert got == dict(owners)


def test_a_person_sees_only_the_cases_of_their_scope(migrated_database_url: str) -> None:
    url = migrated_database_url
    demo = load_scanned_demo(url)
    cases = stored_cases(url, demo.picture_id)
    warehouse = next(c.warehouse for c in cases if c.warehouse)
    ann = add_test_person(url, "ann", role=Role.FRONTLINE, warehouses=[warehouse])
    with api_client(url, ann.token) as client:
        body = client.get("/api/alert-effectiveness").json()
    assert sum(row["total"] for row in body["rows"]) == sum(
        1 for c in cases if c.warehouse == warehouse
    )


def test_a_bad_period_is_a_422_naming_the_parameter(migrated_database_url: str) -> None:
    url = migrated_database_url
    load_scanned_demo(url)
    with api_client(url) as client:
        backwards = client.get(
            "/api/alert-effectiveness", params={"from": "2026-11-20", "to": "2026-11-01"}
        )
        assert backwards.status_code == 422
        assert backwards.json()["detail"][0]["loc"] == ["query", "from"]
        assert "after" in backwards.json()["detail"][0]["msg"]
        assert client.get("/api/alert-effectiveness", params={"by": "colour"}).status_code == 422
        assert client.get("/api/alert-effectiveness", params={"to": "soon"}).status_code == 422


def test_the_page_shows_the_same_numbers_with_a_chart(migrated_database_url: str) -> None:
    url = migrated_database_url
    load_scanned_demo(url)
    with api_client(url) as client:
        body = client.get("/api/alert-effectiveness").json()
        page = client.get("/exceptions/effectiveness")
        assert page.status_code == 200
        assert "Are the alerts worth it?" in page.text
        assert 'data-part="chart-effectiveness"' in page.text
        for row in body["rows"]:
            assert f'data-rule="{row["type"]}"' in page.text
        bad = client.get("/exceptions/effectiveness", params={"from": "yesterday", "by": "x"})
        assert bad.status_code == 400
        assert "is not a day" in bad.text
        assert "is not a grouping" in bad.text
