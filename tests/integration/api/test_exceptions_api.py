"""The exceptions API returns the stored case queue, as cases or grouped into incidents."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from controltower.domain.cases import (
    CaseState,
    ExceptionCase,
    Severity,
    Trigger,
    severity_rank,
    transition,
)
from controltower.domain.incidents import Incident
from controltower.storage.cases import list_incidents, load_cases, save_cases
from controltower.storage.database import make_engine, make_session_factory
from helpers.scanned_demo import AS_OF, SCANNED_AT, api_client, load_scanned_demo, scan


def every(client: TestClient, **params: str) -> list[dict[str, Any]]:
    """Every item of a list, read page by page (200 a page, the most the API serves)."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        body = client.get("/api/exceptions", params={**params, "page_size": 200, "page": page})
        assert body.status_code == 200, body.text
        items.extend(body.json()["items"])
        if page >= body.json()["last_page"]:
            return items
        page += 1


def stored_cases(database_url: str, picture_id: int) -> list[ExceptionCase]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return load_cases(session, picture_id)
    finally:
        engine.dispose()


def stored_incidents(database_url: str, picture_id: int) -> list[Incident]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return list_incidents(session, picture_id)
    finally:
        engine.dispose()


def test_the_case_queue_lists_active_cases_critical_first_then_earliest_due(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    active = [c for c in stored_cases(migrated_database_url, demo.picture_id) if c.is_active]

    with api_client(migrated_database_url) as client:
        body = client.get("/api/exceptions", params={"view": "cases"}).json()
        cases = every(client, view="cases")

    assert body["view"] == "cases"
    assert body["total"] == len(active) > 0
    assert (body["page"], body["page_size"]) == (1, 50)
    assert len(body["items"]) == min(50, len(active))
    assert {c["id"] for c in cases} == {c.id for c in active}
    keys = [(-severity_rank(Severity(c["severity"])), c["due_at"]) for c in cases]
    assert keys == sorted(keys)
    assert cases[0]["severity"] == "critical"
    first = cases[0]
    assert first["type_label"]
    assert first["subject_label"]
    assert first["state_label"] == "Open"
    assert isinstance(first["value_at_risk"], int | float)
    assert first["overdue"] is False, "every case was opened by the one scan, due later"


def test_the_case_queue_filters_by_type_owner_and_severity(migrated_database_url: str) -> None:
    demo = load_scanned_demo(migrated_database_url)
    active = [c for c in stored_cases(migrated_database_url, demo.picture_id) if c.is_active]
    sample = max(active, key=lambda c: c.value_at_risk)

    with api_client(migrated_database_url) as client:

        def ids(**params: str) -> set[str]:
            return {c["id"] for c in every(client, view="cases", **params)}

        by_type = ids(type=sample.type.value)
        by_owner = ids(owner=sample.owner)
        by_severity = ids(severity=sample.severity.value)
        by_all = ids(type=sample.type.value, owner=sample.owner, severity=sample.severity.value)
        by_nobody = ids(owner="nobody@nowhere")

    assert by_type == {c.id for c in active if c.type is sample.type}
    assert by_owner == {c.id for c in active if c.owner == sample.owner}
    assert by_severity == {c.id for c in active if c.severity is sample.severity}
    assert sample.id in by_all
    assert by_all == by_type & by_owner & by_severity
    assert by_nobody == set()


def test_incidents_group_cases_by_cause_those_making_orders_late_first(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    expected = {i.id: i for i in stored_incidents(migrated_database_url, demo.picture_id)}

    with api_client(migrated_database_url) as client:
        body = client.get("/api/exceptions", params={"view": "incidents"}).json()
        incidents = every(client, view="incidents")
        default = client.get("/api/exceptions").json()

    assert default["view"] == "cases", "the API lists cases unless asked for incidents"
    assert body["view"] == "incidents"
    assert body["total"] == len(expected) == len(incidents)
    # those that make orders late first, then the others, each by value at risk
    hitting = [i for i in incidents if i["order_count"]]
    assert incidents[: len(hitting)] == hitting
    for part in (hitting, incidents[len(hitting) :]):
        values = [Decimal(str(i["value_at_risk"])) for i in part]
        assert values == sorted(values, reverse=True)
    for incident in incidents:
        stored = expected[incident["id"]]
        assert Decimal(str(incident["value_at_risk"])) == stored.value_at_risk
        assert incident["severity"] == stored.severity.value
        assert incident["impact_count"] == len(stored.impacts)
        assert incident["member_count"] == len(stored.members)
        assert {(m["type"], m["subject"]) for m in incident["members"]} == set(stored.members)
    grouped = next(i for i in incidents if len(i["members"]) > 1)
    assert grouped["root_case_id"] in {m["case_id"] for m in grouped["members"]}
    assert grouped["order_count"] >= 1


def test_incident_filters_keep_incidents_with_a_matching_case_whole(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    active = [c for c in stored_cases(migrated_database_url, demo.picture_id) if c.is_active]
    owner = next(c.owner for c in active if c.type.value == "order_at_risk")

    with api_client(migrated_database_url) as client:
        everything = every(client, view="incidents")
        mine = every(client, view="incidents", owner=owner)

    causes = {c.cause for c in active if c.owner == owner}
    assert {i["cause"] for i in mine} == causes
    whole = {i["id"]: i for i in everything}
    for incident in mine:
        assert incident == whole[incident["id"]], "a filtered incident keeps all its cases"


def test_a_case_comes_with_its_full_timeline(migrated_database_url: str) -> None:
    demo = load_scanned_demo(migrated_database_url)
    case = max(stored_cases(migrated_database_url, demo.picture_id), key=lambda c: len(c.related))

    with api_client(migrated_database_url) as client:
        body = client.get(f"/api/exceptions/cases/{case.id}").json()
        missing = client.get("/api/exceptions/cases/CASE-NOSUCH")

    assert body["id"] == case.id
    assert body["explanation"] == case.explanation
    assert body["related"] == list(case.related)
    assert [(e["kind"], e["by"], e["note"]) for e in body["timeline"]] == [
        (e.kind.value, e.by, e.note) for e in case.timeline
    ]
    assert body["timeline"][0]["kind_label"] == "Opened"
    assert body["timeline"][0]["at"] == "2026-11-25T10:00:00Z"
    assert missing.status_code == 404
    assert "CASE-NOSUCH" in missing.json()["detail"]


def test_cases_past_their_due_time_at_the_latest_scan_are_overdue(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    later: datetime = SCANNED_AT + timedelta(days=3)
    scan(migrated_database_url, demo.picture_id, as_of=AS_OF + timedelta(days=3), now=later)

    with api_client(migrated_database_url) as client:
        body = client.get("/api/exceptions", params={"view": "cases"}).json()
        cases = every(client, view="cases")

    assert body["scan"]["scanned_at"] == "2026-11-28T10:00:00Z"
    overdue = {c["id"] for c in cases if c["overdue"]}
    due_before = {c["id"] for c in cases if c["due_at"] < "2026-11-28T10:00:00Z"}
    assert overdue == due_before
    assert overdue, "some cases of the first scan are due within three days"
    assert len(overdue) < body["total"], "cases opened by the later scan are not overdue"


def resolve_by_hand(database_url: str, picture_id: int, case: ExceptionCase) -> None:
    """Someone resolves ``case`` an hour after the scan, with a note."""
    resolved = transition(
        case,
        CaseState.RESOLVED,
        trigger=Trigger.RESOLVE,
        at=SCANNED_AT + timedelta(hours=1),
        by="dana.buyer",
        note="supplier confirmed a new date by phone",
    )
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            save_cases(session, picture_id, [resolved])
    finally:
        engine.dispose()


def test_a_case_resolved_by_hand_leaves_the_active_queue_and_shows_who_resolved_it(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    everything = stored_cases(migrated_database_url, demo.picture_id)
    case = everything[0]
    resolve_by_hand(migrated_database_url, demo.picture_id, case)

    with api_client(migrated_database_url) as client:
        active = every(client, view="cases")
        all_cases = every(client, view="cases", state="all")
        detail = client.get(f"/api/exceptions/cases/{case.id}").json()

    assert len(active) == len(everything) - 1
    assert case.id not in {c["id"] for c in active}
    assert len(all_cases) == len(everything)
    assert next(c for c in all_cases if c["id"] == case.id)["state"] == "resolved"
    last = detail["timeline"][-1]
    assert (last["kind"], last["by"], last["note"]) == (
        "resolved",
        "dana.buyer",
        "supplier confirmed a new date by phone",
    )
    assert (last["from_state"], last["to_state"]) == ("open", "resolved")
    assert last["at"] == "2026-11-25T11:00:00Z"


def test_bad_exception_query_parameters_are_refused_and_an_empty_database_is_not_found(
    migrated_database_url: str,
) -> None:
    with api_client(migrated_database_url) as client:
        empty = client.get("/api/exceptions")
        load_scanned_demo(migrated_database_url)
        bad = [
            {"view": "table"},
            {"state": "pending"},
            {"severity": "urgent"},
            {"type": "late_truck"},
        ]
        responses = [client.get("/api/exceptions", params=params) for params in bad]
        unknown_company = client.get("/api/exceptions", params={"company": "NOSUCH"})

    assert empty.status_code == 404
    assert "nothing is loaded" in empty.json()["detail"]
    for params, response in zip(bad, responses, strict=True):
        assert response.status_code == 422, params
        assert response.json()["detail"][0]["loc"] == ["query", next(iter(params))]
    assert unknown_company.status_code == 404
