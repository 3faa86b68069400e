"""The lists' filters take several values, and every sort reads both ways.

Each test compares what the API pages through with the same list worked out in Python
from everything stored, so "any of these values" and "the other way round" are held to
their plain meaning on both databases.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controltower.domain.analysis import OrderOutcome, OrderRiskStatus
from controltower.domain.cases import ExceptionCase, severity_rank
from controltower.domain.people import Role
from controltower.storage.cases import load_cases
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.repository import order_risk_rows
from helpers.people import add_test_person
from helpers.scanned_demo import api_client, load_scanned_demo
from helpers.work import act, assigned_to, snoozed

pytestmark = pytest.mark.database

#: every case sort, as Python sorts the cases it stands for (its own way round)
CASE_SORTS: dict[str, Callable[[ExceptionCase], Any]] = {
    "queue": lambda c: (-severity_rank(c.severity), c.due_at, c.id),
    "due": lambda c: (c.due_at, c.id),
    "value": lambda c: (-c.value_at_risk, c.id),
    "opened": lambda c: (-c.opened_at.timestamp(), c.id),
    "owner": lambda c: (c.owner, c.due_at, c.id),
}

#: the sorts that read their leading column downwards by nature
DOWNWARDS = {"queue", "value", "opened", "urgency", "days_late"}


def lateness(order: OrderOutcome) -> int:
    return order.days_late if order.days_late is not None else 10**9


ORDER_SORTS: dict[str, Callable[[OrderOutcome], Any]] = {
    "urgency": lambda o: (not o.at_risk, -lateness(o), -o.open_value, o.order_id),
    "days_late": lambda o: (-lateness(o), -o.open_value, o.order_id),
    "value": lambda o: (-o.open_value, o.order_id),
    "promised_date": lambda o: (o.promised_date, o.order_id),
    "order_id": lambda o: o.order_id,
    "customer": lambda o: (o.customer, o.order_id),
    "warehouse": lambda o: (o.warehouse, o.order_id),
}


def stored_cases(url: str, picture_id: int) -> list[ExceptionCase]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return load_cases(session, picture_id)
    finally:
        engine.dispose()


def stored_orders(url: str, picture_id: int) -> list[OrderOutcome]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return [row.outcome for row in order_risk_rows(session, picture_id)]
    finally:
        engine.dispose()


def every_page(client: TestClient, path: str, size: int, params: dict[str, Any]) -> list[Any]:
    """Every item of a list, page by page; each page's total is the same."""
    items: list[Any] = []
    totals: set[int] = set()
    number = 1
    while True:
        response = client.get(path, params={**params, "page": number, "page_size": size})
        assert response.status_code == 200, response.text
        body = response.json()
        totals.add(body["total"])
        items.extend(body["items"])
        if number >= body["last_page"]:
            assert totals == {len(items)}, "every page says the same total, the rows counted"
            return items
        number += 1


def two_most_common(values: list[str]) -> list[str]:
    return [value for value, _ in Counter(values).most_common(2)]


def entity_codes(cases: list[ExceptionCase], kind: str) -> list[str]:
    return [e.partition(":")[2] for c in cases for e in c.entities if e.startswith(f"{kind}:")]


def test_each_case_filter_takes_several_values_and_the_total_follows(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    active = [c for c in stored_cases(migrated_database_url, demo.picture_id) if c.is_active]
    types = two_most_common([c.type.value for c in active])
    severities = two_most_common([c.severity.value for c in active])
    owners = two_most_common([c.owner for c in active])
    warehouses = two_most_common([c.warehouse for c in active if c.warehouse])
    customers = two_most_common(entity_codes(active, "customer"))
    supplier = two_most_common(entity_codes(active, "supplier"))[0]
    least = sorted(c.value_at_risk for c in active)[len(active) // 2]

    def concerns(case: ExceptionCase, kind: str, codes: list[str]) -> bool:
        return any(f"{kind}:{code}" in case.entities for code in codes)

    filters: list[tuple[dict[str, Any], Callable[[ExceptionCase], bool]]] = [
        ({"type": types}, lambda c: c.type.value in types),
        ({"severity": severities}, lambda c: c.severity.value in severities),
        ({"owner": owners}, lambda c: c.owner in owners),
        ({"warehouse": warehouses}, lambda c: c.warehouse in warehouses),
        ({"customer": customers}, lambda c: concerns(c, "customer", customers)),
        (
            {"customer": customers, "supplier": [supplier]},
            lambda c: concerns(c, "customer", customers) and concerns(c, "supplier", [supplier]),
        ),
        ({"min_value": str(least)}, lambda c: c.value_at_risk >= least),
        (
            {"type": types, "severity": severities[:1], "warehouse": warehouses},
            lambda c: (
                c.type.value in types
                and c.severity.value == severities[0]
                and c.warehouse in warehouses
            ),
        ),
    ]
    with api_client(migrated_database_url) as client:
        for params, keep in filters:
            expected = [c.id for c in sorted(filter(keep, active), key=CASE_SORTS["queue"])]
            got = every_page(client, "/api/exceptions", 13, {"view": "cases", **params})
            assert [c["id"] for c in got] == expected, params
            assert 0 < len(expected) < len(active) or "supplier" in params, params
            causes = {c.cause for c in active if keep(c)}
            incidents = every_page(client, "/api/exceptions", 7, {"view": "incidents", **params})
            assert {i["cause"] for i in incidents} == causes, params


def test_assignee_and_snooze_filters_follow_what_people_did(migrated_database_url: str) -> None:
    demo = load_scanned_demo(migrated_database_url)
    add_test_person(migrated_database_url, "ann", role=Role.FRONTLINE)
    active = sorted(
        (c for c in stored_cases(migrated_database_url, demo.picture_id) if c.is_active),
        key=CASE_SORTS["queue"],
    )
    for_ann, for_me, asleep = active[0], active[1], active[2]
    with api_client(migrated_database_url) as client:
        act(migrated_database_url, demo, for_ann.id, assigned_to("ann"))
        act(migrated_database_url, demo, for_me.id, assigned_to("admin"))
        act(migrated_database_url, demo, asleep.id, snoozed("admin"))

        def ids(**params: Any) -> list[str]:
            found = every_page(client, "/api/exceptions", 50, {"view": "cases", **params})
            return [c["id"] for c in found]

        awake = [c.id for c in active if c.id != asleep.id]
        assert ids() == awake, "the queue hides a snoozed case by default"
        assert ids(snoozed="true") == [asleep.id]
        assert ids(snoozed="any") == [c.id for c in active]
        assert ids(assignee="me") == [for_me.id]
        assert ids(assignee="ANN") == [for_ann.id], "a login in any case"
        assert ids(assignee=["me", "ann"]) == [for_ann.id, for_me.id]
        assert ids(assignee="none") == [i for i in awake if i not in {for_ann.id, for_me.id}]
        assert ids(assignee=["none", "me"]) == [i for i in awake if i != for_ann.id]
        nobody = client.get("/api/exceptions", params={"assignee": "zed"})
    assert nobody.status_code == 422
    assert nobody.json()["detail"][0]["loc"] == ["query", "assignee"]
    assert "zed" in nobody.json()["detail"][0]["msg"]


def test_every_case_sort_reads_both_ways(migrated_database_url: str) -> None:
    demo = load_scanned_demo(migrated_database_url)
    active = [c for c in stored_cases(migrated_database_url, demo.picture_id) if c.is_active]
    owner = active[0].owner
    with api_client(migrated_database_url) as client:
        for sort, key in CASE_SORTS.items():
            own, turned = ("desc", "asc") if sort in DOWNWARDS else ("asc", "desc")
            for params, keep in [
                ({}, lambda _: True),
                ({"q": "SO1"}, _about_so1),
                ({"owner": owner}, lambda c: c.owner == owner),
            ]:
                expected = [c.id for c in sorted(filter(keep, active), key=key)]
                base = {"view": "cases", "sort": sort, **params}
                plain = every_page(client, "/api/exceptions", 11, base)
                along = every_page(client, "/api/exceptions", 11, {**base, "direction": own})
                back = every_page(client, "/api/exceptions", 11, {**base, "direction": turned})
                assert [c["id"] for c in plain] == expected, (sort, params)
                assert [c["id"] for c in along] == expected, (sort, params)
                assert [c["id"] for c in back] == expected[::-1], (sort, params)


def _about_so1(case: ExceptionCase) -> bool:
    code = case.subject.partition(":")[2]
    return case.id.startswith("SO1") or code.startswith("SO1") or case.subject.startswith("SO1")


def test_each_order_filter_takes_several_values_and_every_sort_reads_both_ways(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    stored = stored_orders(migrated_database_url, demo.picture_id)
    statuses = two_most_common([o.status.value for o in stored if o.at_risk])
    warehouses = two_most_common([o.warehouse for o in stored])
    customers = two_most_common([o.customer for o in stored])
    least = sorted(o.open_value for o in stored)[len(stored) // 2]
    filters: list[tuple[dict[str, Any], Callable[[OrderOutcome], bool]]] = [
        ({}, lambda _: True),
        ({"status": statuses}, lambda o: o.status.value in statuses),
        ({"warehouse": warehouses[:1]}, lambda o: o.warehouse == warehouses[0]),
        ({"customer": customers}, lambda o: o.customer in customers),
        ({"at_risk": ["true", "false"], "min_value": str(least)}, lambda o: o.open_value >= least),
        (
            {"at_risk": "true", "warehouse": warehouses, "status": statuses},
            lambda o: o.at_risk and o.warehouse in warehouses and o.status.value in statuses,
        ),
    ]
    with api_client(migrated_database_url) as client:
        for sort, key in ORDER_SORTS.items():
            own, turned = ("desc", "asc") if sort in DOWNWARDS else ("asc", "desc")
            for params, keep in filters:
                expected = [o.order_id for o in sorted(filter(keep, stored), key=key)]
                base = {"sort": sort, **params}
                along = every_page(client, "/api/orders", 31, {**base, "direction": own})
                back = every_page(client, "/api/orders", 31, {**base, "direction": turned})
                assert [o["order_id"] for o in along] == expected, (sort, params)
                assert [o["order_id"] for o in back] == expected[::-1], (sort, params)
    assert 0 < sum(o.status.value in statuses for o in stored) < len(stored)
    assert set(statuses) <= {s.value for s in OrderRiskStatus}


def test_values_nobody_has_are_refused_naming_the_parameter(migrated_database_url: str) -> None:
    load_scanned_demo(migrated_database_url)
    queue = [
        ("type", ["stock_shortage", "late_truck"], "late_truck"),
        ("severity", "urgent", "urgent"),
        ("state", ["open", "pending"], "pending"),
        ("warehouse", "NOWHERE", "NOWHERE"),
        ("customer", "NOBODY", "NOBODY"),
        ("supplier", "NOBODY", "NOBODY"),
        ("overdue", "perhaps", "perhaps"),
        ("min_value", "-5", "-5"),
        ("snoozed", "maybe", ""),
        ("direction", "sideways", ""),
    ]
    orders = [
        ("status", ["short", "late"], "late"),
        ("warehouse", ["NOWHERE"], "NOWHERE"),
        ("customer", "NOBODY", "NOBODY"),
        ("at_risk", "perhaps", "perhaps"),
        ("min_value", "lots", "lots"),
        ("direction", "up", ""),
    ]
    with api_client(migrated_database_url) as client:
        for path, cases in (("/api/exceptions", queue), ("/api/orders", orders)):
            for name, value, named in cases:
                response = client.get(path, params={name: value})
                assert response.status_code == 422, (path, name)
                problem = response.json()["detail"][0]
                assert problem["loc"] == ["query", name], (path, name)
                assert named in problem["msg"], (path, name)


def test_a_warehouse_outside_the_persons_scope_is_refused_like_one_nobody_has(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    stored = stored_orders(migrated_database_url, demo.picture_id)
    mine, other = two_most_common([o.warehouse for o in stored])
    person = add_test_person(migrated_database_url, "wes", role=Role.MANAGER, warehouses=[mine])
    with api_client(migrated_database_url, token=person.token) as client:
        outside = client.get("/api/orders", params={"warehouse": [mine, other]})
        inside = every_page(client, "/api/orders", 50, {"at_risk": ["true", "false"]})
        cases = every_page(client, "/api/exceptions", 50, {"view": "cases", "warehouse": mine})
    assert outside.status_code == 422
    assert other in outside.json()["detail"][0]["msg"]
    assert {o["warehouse"] for o in inside} == {mine}
    assert len(inside) == sum(o.warehouse == mine for o in stored)
    assert {c["warehouse"] for c in cases} == {mine}


def test_a_value_given_twice_counts_once_and_rows_read_as_in_the_whole_list(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    stored = stored_orders(migrated_database_url, demo.picture_id)
    customer = two_most_common([o.customer for o in stored])[0]
    with api_client(migrated_database_url) as client:
        every = every_page(client, "/api/orders", 50, {"at_risk": ["true", "false"]})
        theirs = every_page(client, "/api/orders", 50, {"customer": [customer, customer]})
    by_id = {o["order_id"]: o for o in every}
    assert theirs
    assert all(json.dumps(o) == json.dumps(by_id[o["order_id"]]) for o in theirs)
    assert all(Decimal(str(o["open_value"])) >= 0 for o in theirs)
