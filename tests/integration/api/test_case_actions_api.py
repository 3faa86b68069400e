"""People act on cases through the API: the queue's filters, each action, bulk, refusals."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controltower.domain.cases import CaseState, EventKind, ExceptionCase
from controltower.domain.people import Role
from controltower.storage.cases import load_cases
from controltower.storage.database import make_engine, make_session_factory
from helpers.people import TestPerson, add_test_person
from helpers.scanned_demo import anonymous_client, api_client, demo_dataset, load_scanned_demo

pytestmark = pytest.mark.database

ACTIONS: dict[str, dict[str, Any] | None] = {
    "acknowledge": None,
    "start": None,
    "assign": {"to": None},
    "comment": {"text": "called the supplier"},
    "snooze": {"until": "2099-01-01", "reason": "later"},
    "resolve": {"reason_code": "accepted_risk", "note": "known"},
    "reopen": None,
}


@dataclass(frozen=True)
class Business:
    """The scanned demo, the case the tests act on, and its people."""

    url: str
    picture_id: int
    case: ExceptionCase
    #: a warehouse of the business other than the case's
    elsewhere: str
    people: dict[str, TestPerson]


def stored_cases(url: str, picture_id: int) -> list[ExceptionCase]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return load_cases(session, picture_id)
    finally:
        engine.dispose()


def stored_case(business: Business, case_id: str | None = None) -> ExceptionCase:
    wanted = case_id or business.case.id
    return next(c for c in stored_cases(business.url, business.picture_id) if c.id == wanted)


def business_with_people(url: str) -> Business:
    demo = load_scanned_demo(url)
    cases = [c for c in stored_cases(url, demo.picture_id) if c.is_active and c.warehouse]
    case = max(cases, key=lambda c: (c.severity == "critical", c.id))
    elsewhere = next(w.code for w in demo_dataset().warehouses if w.code != case.warehouse)
    people = {
        "admin": add_test_person(url, "admin"),
        "mia": add_test_person(url, "mia", role=Role.MANAGER),
        "finn": add_test_person(url, "finn", role=Role.FRONTLINE, teams=[case.owner]),
        "audra": add_test_person(url, "audra", role=Role.AUDITOR),
        "eve": add_test_person(url, "eve", role=Role.EXECUTIVE),
        "wes": add_test_person(url, "wes", role=Role.FRONTLINE, warehouses=[elsewhere]),
        "olga": add_test_person(url, "olga", role=Role.MANAGER, companies=["ELSEWHERE"]),
    }
    return Business(url, demo.picture_id, case, elsewhere, people)


@contextmanager
def as_person(business: Business, login: str) -> Iterator[TestClient]:
    with api_client(business.url, token=business.people[login].token) as client:
        yield client


def act(client: TestClient, case_id: str, action: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/cases/{case_id}/{action}", json=body)


def field_of(response: Any) -> str:
    """The field a 422 names (the last part of its first error's location)."""
    assert response.status_code == 422, response.text
    return str(response.json()["detail"][0]["loc"][-1])


def test_each_action_lands_on_the_timeline_as_the_person_did_it(
    migrated_database_url: str,
) -> None:
    business = business_with_people(migrated_database_url)
    case = business.case
    until = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)

    with as_person(business, "finn") as finn:
        acknowledged = act(finn, case.id, "acknowledge", {"note": "seen it"})
        taken = act(finn, case.id, "assign", {"to": "FINN"})
        commented = act(finn, case.id, "comment", {"text": "supplier chased"})
        snoozed = act(finn, case.id, "snooze", {"until": until.isoformat(), "reason": "Friday"})
        started = act(finn, case.id, "start")
        resolved = act(
            finn, case.id, "resolve", {"reason_code": "customer_agreed", "note": "ok to wait"}
        )
        reopened = act(finn, case.id, "reopen", {"note": "not agreed after all"})
        shown = finn.get(f"/api/cases/{case.id}").json()

    for response in (acknowledged, taken, commented, snoozed, started, resolved, reopened):
        assert response.status_code == 200, response.text
        assert response.json()["timeline"][-1]["by"] == "finn"
    assert acknowledged.json()["state"] == "acknowledged"
    assert acknowledged.json()["timeline"][-1]["note"] == "seen it"
    assert taken.json()["assignee"] == "finn", "the login is taken as stored"
    assert commented.json()["timeline"][-1]["kind_label"] == "Comment"
    assert snoozed.json()["snoozed_until"] == until.isoformat().replace("+00:00", "Z")
    assert snoozed.json()["snooze_reason"] == "Friday"
    assert started.json()["state"] == "in_progress"
    assert (resolved.json()["state"], resolved.json()["resolution_code"]) == (
        "resolved",
        "customer_agreed",
    )
    assert resolved.json()["snoozed_until"] is None
    assert (reopened.json()["state"], reopened.json()["resolution_code"]) == ("open", None)
    kinds = [e["kind"] for e in shown["timeline"]]
    assert kinds[-7:] == [
        EventKind.ACKNOWLEDGED,
        EventKind.ASSIGNED,
        EventKind.COMMENTED,
        EventKind.SNOOZED,
        EventKind.WORK_STARTED,
        EventKind.RESOLVED,
        EventKind.REOPENED,
    ]
    stored = stored_case(business)
    assert (stored.state, stored.assignee) == (CaseState.OPEN, "finn")
    assert [e.kind for e in stored.timeline] == kinds


def test_an_action_answers_with_the_timeline_page_holding_the_newest_event(
    migrated_database_url: str,
) -> None:
    business = business_with_people(migrated_database_url)
    with as_person(business, "finn") as finn:
        for number in range(100):
            assert (
                act(finn, business.case.id, "comment", {"text": f"note {number}"}).status_code
                == 200
            )
        last = act(finn, business.case.id, "comment", {"text": "the newest"}).json()

    assert last["timeline_total"] > 100
    assert last["timeline_page"] == -(-last["timeline_total"] // 100)
    assert last["timeline"][-1]["note"] == "the newest"


def test_without_a_token_every_endpoint_answers_401(migrated_database_url: str) -> None:
    business = business_with_people(migrated_database_url)
    with anonymous_client(migrated_database_url) as client:
        answers = [client.get("/api/cases"), client.get(f"/api/cases/{business.case.id}")]
        answers += [act(client, business.case.id, a, b) for a, b in ACTIONS.items()]
        answers.append(
            client.post(
                "/api/cases/bulk", json={"ids": [business.case.id], "action": "acknowledge"}
            )
        )
    assert [r.status_code for r in answers] == [401] * len(answers)
    assert len(stored_case(business).timeline) == len(business.case.timeline)


def test_roles_without_the_permission_are_refused_with_403(migrated_database_url: str) -> None:
    business = business_with_people(migrated_database_url)
    case = business.case
    with as_person(business, "audra") as auditor:
        seen = auditor.get("/api/cases")
        audited = {a: act(auditor, case.id, a, b) for a, b in ACTIONS.items()}
    with as_person(business, "eve") as executive:
        worked = act(executive, case.id, "acknowledge")
        commented = act(executive, case.id, "comment", {"text": "what is the plan?"})
        bulk = executive.post("/api/cases/bulk", json={"ids": [case.id], "action": "acknowledge"})
    with as_person(business, "finn") as frontline:
        to_someone_else = act(frontline, case.id, "assign", {"to": "mia"})
        taken = act(frontline, case.id, "assign", {"to": "finn"})
    with as_person(business, "mia") as manager:
        given = act(manager, case.id, "assign", {"to": "mia"})
    with as_person(business, "finn") as frontline:
        taken_back = act(frontline, case.id, "assign", {"to": None})
        taken_over = act(frontline, case.id, "assign", {"to": "finn"})

    assert seen.status_code == 200, "an auditor reads the queue"
    assert {a: r.status_code for a, r in audited.items()} == dict.fromkeys(ACTIONS, 403)
    assert audited["comment"].json()["detail"] == "audra (auditor) may not comment"
    assert audited["acknowledge"].json()["detail"] == "audra (auditor) may not work cases"
    assert worked.status_code == 403
    assert commented.status_code == 200, "an executive may comment"
    assert bulk.status_code == 403
    assert bulk.json()["detail"] == "eve (executive) may not assign cases"
    assert to_someone_else.status_code == 403
    assert taken.status_code == 200, "taking a case yourself needs only work_cases"
    assert given.status_code == 200
    assert taken_back.status_code == 403, "taking mia's case away needs assign_cases"
    assert taken_over.status_code == 403, "taking mia's case over needs assign_cases"
    assert stored_case(business).assignee == "mia"


def test_a_case_out_of_scope_answers_exactly_like_a_missing_one(
    migrated_database_url: str,
) -> None:
    business = business_with_people(migrated_database_url)
    case = business.case
    with as_person(business, "admin") as admin:
        missing = act(admin, "CASE-NOSUCH", "acknowledge")
    with as_person(business, "wes") as other_warehouse:
        listed = other_warehouse.get("/api/cases", params={"state": "all", "page_size": 200})
        read = other_warehouse.get(f"/api/cases/{case.id}")
        acted = {a: act(other_warehouse, case.id, a, b) for a, b in ACTIONS.items()}
        bulk_answer = other_warehouse.post(
            "/api/cases/bulk", json={"ids": [case.id], "action": "acknowledge"}
        )
    with as_person(business, "olga") as other_company:
        elsewhere = act(other_company, case.id, "comment", {"text": "hello"})

    assert missing.status_code == 404
    assert read.status_code == 404
    assert read.json()["detail"] == missing.json()["detail"].replace("CASE-NOSUCH", case.id)
    assert {a: r.status_code for a, r in acted.items()} == dict.fromkeys(ACTIONS, 404)
    assert acted["comment"].json() == read.json()
    assert listed.status_code == 200
    assert case.id not in {c["id"] for c in listed.json()["items"]}
    assert {c["warehouse"] for c in listed.json()["items"]} <= {business.elsewhere}
    assert bulk_answer.status_code == 403, "frontline people may not act on a selection"
    assert elsewhere.status_code == 404
    assert len(stored_case(business).timeline) == len(case.timeline), "nothing was written"


def test_illegal_moves_answer_409_naming_the_state(migrated_database_url: str) -> None:
    business = business_with_people(migrated_database_url)
    case = business.case
    with as_person(business, "finn") as finn:
        reopened_open = act(finn, case.id, "reopen")
        assert act(finn, case.id, "acknowledge").status_code == 200
        again = act(finn, case.id, "acknowledge")
        fixed = act(finn, case.id, "resolve", {"reason_code": "fixed"})
        assert (
            act(
                finn, case.id, "resolve", {"reason_code": "duplicate", "note": "CASE-1"}
            ).status_code
            == 200
        )
        snoozed = act(finn, case.id, "snooze", {"until": "2099-01-01", "reason": "x"})
        assigned = act(finn, case.id, "assign", {"to": "finn"})

    assert reopened_open.status_code == 409
    assert "is open: only a case that is resolved can be reopened" in reopened_open.json()["detail"]
    assert again.status_code == 409
    assert "is acknowledged: only a case that is open can be acknowledged" in again.json()["detail"]
    assert fixed.status_code == 409
    assert "is acknowledged and the latest scan still finds" in fixed.json()["detail"]
    assert snoozed.status_code == assigned.status_code == 409
    assert "is resolved" in snoozed.json()["detail"]
    kinds = [e.kind for e in stored_case(business).timeline[len(case.timeline) :]]
    assert kinds == [EventKind.ACKNOWLEDGED, EventKind.RESOLVED]


def test_bad_payloads_answer_422_naming_the_field(migrated_database_url: str) -> None:
    business = business_with_people(migrated_database_url)
    case = business.case
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    with as_person(business, "mia") as manager:
        answers = {
            "extra": act(manager, case.id, "acknowledge", {"note": "x", "urgent": True}),
            "to missing": act(manager, case.id, "assign", {}),
            "to unknown": act(manager, case.id, "assign", {"to": "nobody"}),
            "to auditor": act(manager, case.id, "assign", {"to": "audra"}),
            "to out of scope": act(manager, case.id, "assign", {"to": "wes"}),
            "text blank": act(manager, case.id, "comment", {"text": "   "}),
            "text too long": act(manager, case.id, "comment", {"text": "x" * 4001}),
            "until no zone": act(
                manager, case.id, "snooze", {"until": "2030-01-01T10:00", "reason": "r"}
            ),
            "until far": act(manager, case.id, "snooze", {"until": "2099-01-01", "reason": "r"}),
            "until number": act(manager, case.id, "snooze", {"until": 1767225600, "reason": "r"}),
            "reason blank": act(manager, case.id, "snooze", {"until": soon, "reason": ""}),
            "code unknown": act(manager, case.id, "resolve", {"reason_code": "whatever"}),
            "note missing": act(manager, case.id, "resolve", {"reason_code": "false_alarm"}),
        }

    fields = {name: field_of(response) for name, response in answers.items()}
    assert fields == {
        "extra": "urgent",
        "to missing": "to",
        "to unknown": "to",
        "to auditor": "to",
        "to out of scope": "to",
        "text blank": "text",
        "text too long": "text",
        "until no zone": "until",
        "until far": "until",
        "until number": "until",
        "reason blank": "reason",
        "code unknown": "reason_code",
        "note missing": "note",
    }
    message = {name: r.json()["detail"][0]["msg"] for name, r in answers.items()}
    assert "no active person has the login 'nobody'" in message["to unknown"]
    assert "audra is an auditor and does not work cases" in message["to auditor"]
    assert (
        f"wes cannot see case {case.id}: they see warehouses {business.elsewhere}"
        in (message["to out of scope"])
    )
    assert "has no time zone" in message["until no zone"]
    assert "at most 90 days" in message["until far"]
    assert len(stored_case(business).timeline) == len(case.timeline), "nothing was written"


def test_the_queue_filters_repeat_and_hides_snoozed_cases_until_asked(
    migrated_database_url: str,
) -> None:
    business = business_with_people(migrated_database_url)
    active = [c for c in stored_cases(business.url, business.picture_id) if c.is_active]
    types = sorted({c.type for c in active})[:2]
    case = business.case
    with as_person(business, "mia") as mia:

        def ids(**params: Any) -> set[str]:
            response = mia.get("/api/cases", params={"page_size": 200, **params})
            assert response.status_code == 200, response.text
            assert response.json()["total"] == len(response.json()["items"])
            return {c["id"] for c in response.json()["items"]}

        by_types = ids(type=[t.value for t in types])
        by_team = ids(team=case.owner)
        assert act(mia, case.id, "assign", {"to": "finn"}).status_code == 200
        to_finn = ids(owner="finn")
        nobodys = ids(owner="unassigned")
        assert act(mia, case.id, "assign", {"to": "mia"}).status_code == 200
        mine = ids(owner="me")
        until = (datetime.now(UTC) + timedelta(days=2)).isoformat()
        assert act(mia, case.id, "snooze", {"until": until, "reason": "r"}).status_code == 200
        default = ids()
        snoozed = ids(snoozed="true")
        either = ids(snoozed="any")
        both_states = ids(state=["open", "acknowledged"])
        warehouse = ids(warehouse=[case.warehouse], snoozed="any")
        page = mia.get("/api/cases", params={"page_size": 5, "page": 2, "sort": "value"}).json()
        refused = {
            "warehouse": mia.get("/api/cases", params={"warehouse": ["NOPE"]}),
            "q": mia.get("/api/cases", params={"q": ["a", "b"]}),
            "page_size": mia.get("/api/cases", params={"page_size": 201}),
            "type": mia.get("/api/cases", params={"type": "nonsense"}),
            "snoozed": mia.get("/api/cases", params={"snoozed": "maybe"}),
            "state": mia.get("/api/cases", params={"state": ["open", "later"]}),
        }

    assert by_types == {c.id for c in active if c.type in types}
    assert by_team == {c.id for c in active if c.owner == case.owner}
    assert to_finn == mine == {case.id}
    assert case.id not in nobodys
    assert len(nobodys) == len(active) - 1
    assert snoozed == {case.id}
    assert default == {c.id for c in active} - {case.id}
    assert either == {c.id for c in active}
    assert both_states == {c.id for c in active if c.state in ("open", "acknowledged")} - {case.id}
    assert warehouse == {c.id for c in active if c.warehouse == case.warehouse}
    assert (page["page"], page["page_size"], page["sort"]) == (2, 5, "value")
    assert page["last_page"] == -(-page["total"] // 5)
    locations = {name: r.json()["detail"][0]["loc"] for name, r in refused.items()}
    assert {name: r.status_code for name, r in refused.items()} == dict.fromkeys(refused, 422)
    assert locations == {
        "warehouse": ["query", "warehouse"],
        "q": ["query", "q"],
        "page_size": ["query", "page_size"],
        "type": ["query", "type", 0],
        "snoozed": ["query", "snoozed"],
        "state": ["query", "state", 1],
    }


def test_bulk_applies_to_each_case_it_can_and_says_what_happened_to_each(
    migrated_database_url: str,
) -> None:
    business = business_with_people(migrated_database_url)
    cases = sorted(
        (c for c in stored_cases(business.url, business.picture_id) if c.is_active),
        key=lambda c: c.id,
    )[:4]
    ids = [c.id for c in cases]
    with as_person(business, "mia") as mia:
        assert act(mia, ids[0], "acknowledge").status_code == 200
        acknowledged = mia.post(
            "/api/cases/bulk", json={"ids": [*ids, "CASE-NOSUCH"], "action": "acknowledge"}
        )
        assigned = mia.post("/api/cases/bulk", json={"ids": ids, "action": "assign", "to": "finn"})
        handed_back = mia.post(
            "/api/cases/bulk", json={"ids": ids[:1], "action": "assign", "to": None}
        )
        refused = {
            "no to": mia.post("/api/cases/bulk", json={"ids": ids, "action": "assign"}),
            "to unknown": mia.post(
                "/api/cases/bulk", json={"ids": ids, "action": "assign", "to": "nobody"}
            ),
            "to with acknowledge": mia.post(
                "/api/cases/bulk", json={"ids": ids, "action": "acknowledge", "to": "finn"}
            ),
            "twice": mia.post(
                "/api/cases/bulk", json={"ids": [ids[0], ids[0]], "action": "acknowledge"}
            ),
            "too many": mia.post(
                "/api/cases/bulk",
                json={"ids": [f"CASE-{n}" for n in range(201)], "action": "acknowledge"},
            ),
            "none": mia.post("/api/cases/bulk", json={"ids": [], "action": "acknowledge"}),
            "action": mia.post("/api/cases/bulk", json={"ids": ids, "action": "resolve"}),
        }

    body = acknowledged.json()
    assert acknowledged.status_code == 200
    assert (body["done"], body["refused"], body["not_found"]) == (3, 1, 1)
    outcomes = {r["id"]: r for r in body["results"]}
    assert [r["id"] for r in body["results"]] == [*ids, "CASE-NOSUCH"]
    assert outcomes[ids[0]]["outcome"] == "refused"
    assert "is acknowledged" in outcomes[ids[0]]["reason"]
    assert {outcomes[i]["state"] for i in ids[1:]} == {"acknowledged"}
    assert outcomes["CASE-NOSUCH"]["outcome"] == "not_found"
    assert assigned.json()["done"] == 4
    assert {r["assignee"] for r in assigned.json()["results"]} == {"finn"}
    assert handed_back.json()["results"][0]["assignee"] is None
    assert {name: field_of(r) for name, r in refused.items()} == {
        "no to": "to",
        "to unknown": "to",
        "to with acknowledge": "to",
        "twice": "ids",
        "too many": "ids",
        "none": "ids",
        "action": "action",
    }
    after = {c.id: c for c in stored_cases(business.url, business.picture_id)}
    assert [after[i].assignee for i in ids] == [None, "finn", "finn", "finn"]
    assert all(after[i].state is CaseState.ACKNOWLEDGED for i in ids)


def test_concurrent_actions_on_one_case_never_lose_a_timeline_entry(
    migrated_database_url: str,
) -> None:
    business = business_with_people(migrated_database_url)
    case = business.case
    token = business.people["mia"].token
    threads, per_thread = 6, 5
    start = threading.Barrier(threads)
    statuses: list[int] = []
    lock = threading.Lock()

    def comment_from(worker: int) -> None:
        # each worker is its own app: its own engine, connections and sessions
        with api_client(business.url, token=token) as client:
            start.wait()
            for number in range(per_thread):
                answer = act(client, case.id, "comment", {"text": f"comment {worker}/{number}"})
                with lock:
                    statuses.append(answer.status_code)

    workers = [threading.Thread(target=comment_from, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert statuses == [200] * threads * per_thread
    stored = stored_case(business)
    comments = Counter(e.note for e in stored.timeline if e.kind is EventKind.COMMENTED)
    expected = {f"comment {w}/{n}" for w in range(threads) for n in range(per_thread)}
    assert set(comments) == expected
    assert set(comments.values()) == {1}, "every comment appears exactly once"
    assert len(stored.timeline) == len(case.timeline) + threads * per_thread
