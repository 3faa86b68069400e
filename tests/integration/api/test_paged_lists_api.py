"""Every list endpoint is filtered, sorted, counted and paged by the database.

Each test compares what the API pages through with the same list built in Python from
everything stored (the repository's full reads), so the SQL is held to the meaning the
lists always had.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controltower.domain.analysis import OrderOutcome
from controltower.domain.cases import (
    ACTIVE_STATES,
    CaseState,
    ExceptionCase,
    Trigger,
    severity_rank,
    transition,
)
from controltower.storage.cases import load_cases, save_cases
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.queries import MAX_PAGE_SIZE
from controltower.storage.repository import order_risk_rows
from helpers.scanned_demo import AS_OF, SCANNED_AT, api_client, load_scanned_demo, scan

pytestmark = pytest.mark.database


def stored_orders(database_url: str, picture_id: int) -> list[OrderOutcome]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return [row.outcome for row in order_risk_rows(session, picture_id)]
    finally:
        engine.dispose()


def stored_cases(database_url: str, picture_id: int) -> list[ExceptionCase]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return load_cases(session, picture_id)
    finally:
        engine.dispose()


def pages(client: TestClient, path: str, size: int, **params: Any) -> list[dict[str, Any]]:
    """Every page of a list, checking on each that the paging fields agree."""
    bodies: list[dict[str, Any]] = []
    number = 1
    while True:
        response = client.get(path, params={**params, "page": number, "page_size": size})
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["page"], body["page_size"]) == (number, size)
        assert body["last_page"] == max(1, -(-body["total"] // size))
        bodies.append(body)
        if number >= body["last_page"]:
            return bodies
        assert len(body["items"]) == size, "every page but the last is full"
        number += 1


def lateness(order: OrderOutcome) -> int:
    return order.days_late if order.days_late is not None else 10**9


ORDER_SORTS: dict[str, Callable[[OrderOutcome], Any]] = {
    "urgency": lambda o: (not o.at_risk, -lateness(o), -o.open_value, o.order_id),
    "days_late": lambda o: (-lateness(o), -o.open_value, o.order_id),
    "value": lambda o: (-o.open_value, o.order_id),
    "promised_date": lambda o: (o.promised_date, o.order_id),
    "order_id": lambda o: o.order_id,
}


def test_orders_page_through_every_filter_and_sort_with_totals_that_follow_the_filters(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    stored = stored_orders(migrated_database_url, demo.picture_id)
    warehouse, _ = Counter(o.warehouse for o in stored).most_common(1)[0]
    status = next(o.status for o in stored if o.at_risk)
    customer, _ = Counter(o.customer for o in stored).most_common(1)[0]
    prefix = stored[len(stored) // 2].order_id[:-2]
    filters: list[tuple[dict[str, str], Callable[[OrderOutcome], bool]]] = [
        ({}, lambda _: True),
        ({"at_risk": "true"}, lambda o: o.at_risk),
        (
            {"at_risk": "false", "warehouse": warehouse},
            lambda o: not o.at_risk and o.warehouse == warehouse,
        ),
        ({"status": status.value}, lambda o: o.status is status),
        ({"customer": customer}, lambda o: o.customer == customer),
        (
            {"q": prefix.lower()},
            lambda o: o.order_id.startswith(prefix) or o.customer.startswith(prefix),
        ),
    ]

    with api_client(migrated_database_url) as client:
        for sort, key in ORDER_SORTS.items():
            for params, keep in filters:
                expected = [o.order_id for o in sorted(filter(keep, stored), key=key)]
                bodies = pages(client, "/api/orders", 23, sort=sort, **params)
                assert all(body["total"] == len(expected) for body in bodies), (sort, params)
                assert all(body["sort"] == sort for body in bodies)
                got = [o["order_id"] for body in bodies for o in body["items"]]
                assert got == expected, (sort, params)
    assert 0 < sum(keep(o) for o in stored for _, keep in filters[4:5]) < len(stored)


def test_order_pages_at_and_past_the_end_and_the_page_size_cap(migrated_database_url: str) -> None:
    demo = load_scanned_demo(migrated_database_url)
    total = demo.open_orders
    size = 40
    last = -(-total // size)

    with api_client(migrated_database_url) as client:
        at_last = client.get("/api/orders", params={"page": last, "page_size": size}).json()
        past = client.get("/api/orders", params={"page": last + 1, "page_size": size})
        biggest = client.get("/api/orders", params={"page_size": MAX_PAGE_SIZE})
        too_big = client.get("/api/orders", params={"page_size": MAX_PAGE_SIZE + 1})
        page_zero = client.get("/api/orders", params={"page": 0})
        nothing = client.get("/api/orders", params={"q": "NO-SUCH-ORDER"}).json()

    assert len(at_last["items"]) == total - (last - 1) * size
    assert (at_last["total"], at_last["last_page"]) == (total, last)
    assert past.status_code == 200
    assert past.json()["items"] == []
    assert (past.json()["total"], past.json()["last_page"]) == (total, last)
    assert len(biggest.json()["items"]) == min(MAX_PAGE_SIZE, total)
    assert too_big.status_code == 422
    assert too_big.json()["detail"][0]["loc"] == ["query", "page_size"]
    assert page_zero.status_code == 422
    assert (nothing["total"], nothing["items"], nothing["last_page"]) == (0, [], 1)


def test_order_filters_nobody_has_are_refused_with_a_message_naming_them(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    with api_client(migrated_database_url) as client:
        responses = {
            name: client.get("/api/orders", params={name: value})
            for name, value in [
                ("status", "bogus"),
                ("warehouse", "NOWHERE"),
                ("customer", "NOBODY"),
                ("sort", "colour"),
                ("page_size", "lots"),
            ]
        }
    for name, response in responses.items():
        assert response.status_code == 422, name
        problem = response.json()["detail"][0]
        assert problem["loc"] == ["query", name]
        assert problem["msg"]
    assert "NOWHERE" in responses["warehouse"].json()["detail"][0]["msg"]
    assert "the warehouses are" in responses["warehouse"].json()["detail"][0]["msg"]
    assert "NOBODY" in responses["customer"].json()["detail"][0]["msg"]


def queue_key(case: ExceptionCase) -> tuple[Any, ...]:
    return (-severity_rank(case.severity), case.due_at, case.id)


CASE_SORTS: dict[str, Callable[[ExceptionCase], Any]] = {
    "queue": queue_key,
    "due": lambda c: (c.due_at, c.id),
    "value": lambda c: (-c.value_at_risk, c.id),
    "opened": lambda c: (-c.opened_at.timestamp(), c.id),
}


def resolve(
    database_url: str, picture_id: int, case: ExceptionCase, *, after: datetime = SCANNED_AT
) -> None:
    """Someone resolves ``case`` an hour after ``after`` (the scan that last saw it)."""
    resolved = transition(
        case,
        CaseState.RESOLVED,
        trigger=Trigger.RESOLVE,
        at=after + timedelta(hours=1),
        by="dana.buyer",
        note="sorted out by phone",
    )
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            save_cases(session, picture_id, [resolved])
    finally:
        engine.dispose()


def test_cases_page_through_every_filter_and_sort_with_totals_that_follow_the_filters(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    later = SCANNED_AT + timedelta(days=2)
    scan(migrated_database_url, demo.picture_id, as_of=AS_OF + timedelta(days=2), now=later)
    first = stored_cases(migrated_database_url, demo.picture_id)
    resolve(
        migrated_database_url,
        demo.picture_id,
        next(c for c in first if c.is_active),
        after=later,
    )
    cases = stored_cases(migrated_database_url, demo.picture_id)
    active = [c for c in cases if c.is_active]
    sample = max(active, key=lambda c: (len(c.related), c.id))
    owner, _ = Counter(c.owner for c in active).most_common(1)[0]
    warehouse, _ = Counter(c.warehouse for c in active if c.warehouse).most_common(1)[0]
    order_case = next(c for c in active if c.subject.startswith("sales_order:"))
    code = order_case.subject.partition(":")[2]
    cause, _ = Counter(c.cause for c in active).most_common(1)[0]
    filters: list[tuple[dict[str, str], Callable[[ExceptionCase], bool]]] = [
        ({}, lambda c: c.is_active),
        ({"state": "all"}, lambda _: True),
        ({"state": "resolved"}, lambda c: c.state is CaseState.RESOLVED),
        (
            {"type": sample.type.value, "severity": sample.severity.value},
            lambda c: c.is_active and c.type is sample.type and c.severity is sample.severity,
        ),
        ({"owner": owner}, lambda c: c.is_active and c.owner == owner),
        ({"warehouse": warehouse}, lambda c: c.is_active and c.warehouse == warehouse),
        ({"overdue": "true"}, lambda c: c.is_active and c.due_at < later),
        ({"overdue": "false", "state": "all"}, lambda c: not (c.is_active and c.due_at < later)),
        ({"subject": sample.subject}, lambda c: c.is_active and c.subject == sample.subject),
        ({"cause": cause}, lambda c: c.is_active and c.cause == cause),
        (
            {"q": code.lower()},
            lambda c: (
                c.is_active
                and (
                    c.id.startswith(code.upper())
                    or c.subject.partition(":")[2].startswith(code.upper())
                    or c.subject.startswith(code.upper())
                )
            ),
        ),
    ]

    with api_client(migrated_database_url) as client:
        for sort, key in CASE_SORTS.items():
            for params, keep in filters:
                expected = [c.id for c in sorted(filter(keep, cases), key=key)]
                bodies = pages(client, "/api/exceptions", 19, view="cases", sort=sort, **params)
                assert all(body["total"] == len(expected) for body in bodies), (sort, params)
                got = [c["id"] for body in bodies for c in body["items"]]
                assert got == expected, (sort, params)
    overdue = sum(1 for c in active if c.due_at < later)
    assert 0 < overdue < len(active), "the later scan leaves some cases overdue, not all"
    assert any(c.state is CaseState.RESOLVED for c in cases)


def test_incidents_page_in_the_order_grouping_every_case_gives(migrated_database_url: str) -> None:
    from controltower.domain.incidents import group_incidents

    demo = load_scanned_demo(migrated_database_url)
    active = [c for c in stored_cases(migrated_database_url, demo.picture_id) if c.is_active]
    expected = group_incidents(active)
    owner = next(c.owner for c in active if c.type.value == "order_at_risk")
    mine = [i for i in expected if any(c.owner == owner for c in active if c.cause == i.cause)]

    with api_client(migrated_database_url) as client:
        every = pages(client, "/api/exceptions", 11, view="incidents")
        filtered = pages(client, "/api/exceptions", 11, view="incidents", owner=owner)

    got = [i for body in every for i in body["items"]]
    assert [i["cause"] for i in got] == [i.cause for i in expected]
    assert [Decimal(str(i["value_at_risk"])) for i in got] == [i.value_at_risk for i in expected]
    assert [i["impact_count"] for i in got] == [len(i.impacts) for i in expected]
    assert all(body["total"] == len(expected) for body in every)
    assert [i["cause"] for body in filtered for i in body["items"]] == [i.cause for i in mine]
    assert all(body["total"] == len(mine) < len(expected) for body in filtered)


def test_queue_values_nobody_has_are_refused_and_past_the_end_is_an_empty_page(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    active = sum(1 for c in stored_cases(migrated_database_url, demo.picture_id) if c.is_active)
    with api_client(migrated_database_url) as client:
        refused = {
            name: client.get("/api/exceptions", params={name: value})
            for name, value in [
                ("warehouse", "NOWHERE"),
                ("sort", "colour"),
                ("overdue", "perhaps"),
                ("state", "pending"),
                ("page_size", str(MAX_PAGE_SIZE + 1)),
            ]
        }
        past = client.get("/api/exceptions", params={"view": "cases", "page": 99}).json()
        nobody = client.get("/api/exceptions", params={"owner": "nobody@nowhere"}).json()

    for name, response in refused.items():
        assert response.status_code == 422, name
        assert response.json()["detail"][0]["loc"] == ["query", name]
    assert "NOWHERE" in refused["warehouse"].json()["detail"][0]["msg"]
    assert past["items"] == []
    assert (past["total"], past["last_page"], past["page"]) == (active, -(-active // 50), 99)
    assert (nobody["total"], nobody["items"]) == (0, [])


def test_a_case_timeline_comes_a_page_at_a_time(migrated_database_url: str) -> None:
    demo = load_scanned_demo(migrated_database_url)
    case = stored_cases(migrated_database_url, demo.picture_id)[0]
    resolve(migrated_database_url, demo.picture_id, case)
    path = f"/api/exceptions/cases/{case.id}"

    with api_client(migrated_database_url) as client:
        whole = client.get(path).json()
        first = client.get(path, params={"timeline_page_size": 1}).json()
        second = client.get(path, params={"timeline_page_size": 1, "timeline_page": 2}).json()
        past = client.get(path, params={"timeline_page_size": 1, "timeline_page": 3}).json()
        too_big = client.get(path, params={"timeline_page_size": 201})

    assert [e["kind"] for e in whole["timeline"]] == ["opened", "resolved"]
    assert whole["timeline_total"] == 2
    assert [e["kind"] for e in first["timeline"]] == ["opened"]
    assert [e["kind"] for e in second["timeline"]] == ["resolved"]
    assert (second["timeline_page"], second["timeline_page_size"]) == (2, 1)
    assert past["timeline"] == []
    assert past["timeline_total"] == 2
    assert too_big.status_code == 422


def test_an_incident_lists_its_first_cases_and_says_how_many_it_has(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    active = [c for c in stored_cases(migrated_database_url, demo.picture_id) if c.is_active]
    biggest, members = Counter(c.cause for c in active).most_common(1)[0]

    with api_client(migrated_database_url) as client:
        incidents = [
            i
            for body in pages(client, "/api/exceptions", 200, view="incidents")
            for i in body["items"]
        ]
        cases = client.get(
            "/api/exceptions", params={"view": "cases", "cause": biggest, "page_size": 200}
        ).json()

    incident = next(i for i in incidents if i["cause"] == biggest)
    assert incident["member_count"] == members == cases["total"] > 1
    assert {m["case_id"] for m in incident["members"]} <= {c["id"] for c in cases["items"]}
    assert all(c["cause"] == biggest for c in cases["items"])
    assert len(incident["members"]) == min(members, 25)
    assert set(ACTIVE_STATES) >= {CaseState(c["state"]) for c in cases["items"]}


def test_remembered_incidents_and_counts_follow_a_case_resolved_by_hand(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    active = [c for c in stored_cases(migrated_database_url, demo.picture_id) if c.is_active]
    alone = next(c for c in active if sum(other.cause == c.cause for other in active) == 1)

    with api_client(migrated_database_url) as client:
        before = pages(client, "/api/exceptions", 200, view="incidents")[0]
        overview_before = client.get("/").text
        resolve(migrated_database_url, demo.picture_id, alone)
        after = pages(client, "/api/exceptions", 200, view="incidents")[0]
        overview_after = client.get("/").text

    assert alone.cause in {i["cause"] for i in before["items"]}
    assert alone.cause not in {i["cause"] for i in after["items"]}
    assert after["total"] == before["total"] - 1
    assert active_stat(overview_before) == f"{len(active):,}"
    assert active_stat(overview_after) == f"{len(active) - 1:,}"


def active_stat(overview: str) -> str:
    """The overview's count of active exceptions, as shown."""
    found = re.search(r'data-stat="active-exceptions">([\d,]+)<', overview)
    assert found is not None
    return found.group(1)
