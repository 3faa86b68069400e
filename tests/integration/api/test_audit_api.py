"""``GET /api/audit`` and the request ids behind it: a person's change through the API is
an entry naming them, their role then, the request and the values before and after;
auditors filter the trail, each within their scope; nobody else reads it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from controltower.domain.cases import ExceptionCase
from controltower.domain.people import Role
from controltower.storage.cases import load_cases
from controltower.storage.database import make_engine, make_session_factory
from helpers.people import TestPerson, add_test_person
from helpers.scanned_demo import anonymous_client, api_client, load_scanned_demo

pytestmark = pytest.mark.database


@dataclass(frozen=True)
class Trail:
    url: str
    case: ExceptionCase
    company: str
    people: dict[str, TestPerson]


@pytest.fixture
def trail(migrated_database_url: str) -> Trail:
    """The scanned demo, its people, and two changes made through the API by mia: a case
    acknowledged (request id ``trace-ack-1``) and a comment on it."""
    url = migrated_database_url
    demo = load_scanned_demo(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            case = min(
                (c for c in load_cases(session, demo.picture_id) if c.state == "open"),
                key=lambda c: c.id,
            )
    finally:
        engine.dispose()
    company = demo.companies[0]
    people = {
        "audra": add_test_person(url, "audra", role=Role.AUDITOR),
        "mia": add_test_person(url, "mia", role=Role.MANAGER),
        "own": add_test_person(url, "own", role=Role.AUDITOR, companies=[company]),
        "acme": add_test_person(url, "acme", role=Role.AUDITOR, companies=["ACME"]),
        "shelf": add_test_person(url, "shelf", role=Role.AUDITOR, warehouses=["LDS"]),
    }
    with api_client(url, people["mia"].token) as mia:
        acknowledged = mia.post(
            f"/api/cases/{case.id}/acknowledge",
            json={"note": "seen it"},
            headers={"X-Request-ID": "trace-ack-1"},
        )
        assert acknowledged.status_code == 200, acknowledged.text
        assert acknowledged.headers["X-Request-ID"] == "trace-ack-1"
        commented = mia.post(f"/api/cases/{case.id}/comment", json={"text": "called them"})
        assert commented.status_code == 200, commented.text
    return Trail(url, case, company, people)


def audit(trail: Trail, login: str, **params: Any) -> Any:
    with api_client(trail.url, trail.people[login].token) as client:
        return client.get("/api/audit", params=params)


def test_a_case_action_through_the_api_is_an_entry_naming_the_person_and_the_request(
    trail: Trail,
) -> None:
    answer = audit(trail, "audra", action="case")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total"] == 2
    comment, acknowledgement = body["items"]
    assert acknowledgement["action"] == "case.acknowledge"
    assert acknowledgement["actor_login"] == "mia"
    assert acknowledgement["actor_role"] == "manager"
    assert acknowledgement["actor_id"] is not None
    assert acknowledgement["subject_type"] == "case"
    assert acknowledgement["subject_id"] == trail.case.id
    assert acknowledgement["scope_company"] == trail.company
    assert acknowledgement["old"] == {"state": "open"}
    assert acknowledgement["new"] == {"state": "acknowledged"}
    assert acknowledgement["reason"] == "seen it"
    assert acknowledgement["request_id"] == "trace-ack-1"
    assert acknowledgement["link"] == f"/exceptions/cases/{trail.case.id}?company={trail.company}"
    assert comment["action"] == "case.comment"
    assert (comment["old"], comment["new"], comment["reason"]) == (None, None, "called them")
    assert re.fullmatch(r"[0-9a-f]{32}", comment["request_id"]), "a new id when none was sent"
    assert comment["prev_hash"] == acknowledgement["entry_hash"], "the newer chains on the older"


@pytest.mark.parametrize("sent", ["a b", "x" * 65, "line\\nbreak", ""])
def test_a_request_id_that_is_not_a_sane_token_is_replaced(trail: Trail, sent: str) -> None:
    with anonymous_client(trail.url) as client:
        answer = client.get("/api/health", headers={"X-Request-ID": sent})
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"])
    with anonymous_client(trail.url) as client:
        kept = client.get("/api/health", headers={"X-Request-ID": "Req_1.2-3"})
    assert kept.headers["X-Request-ID"] == "Req_1.2-3"


def test_only_people_who_may_view_the_audit_read_it(trail: Trail) -> None:
    refused = audit(trail, "mia")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "mia (manager) may not view audit"
    with anonymous_client(trail.url) as client:
        assert client.get("/api/audit").status_code == 401
    with api_client(trail.url) as admin:
        assert admin.get("/api/audit").status_code == 200


def test_filters_narrow_the_trail_newest_first(trail: Trail) -> None:
    everything = audit(trail, "audra", page_size=200).json()
    seqs = [item["seq"] for item in everything["items"]]
    assert seqs == sorted(seqs, reverse=True)
    assert everything["total"] == len(seqs)
    people = audit(trail, "audra", subject_type="user", action="user.add").json()
    added = {item["subject_id"] for item in people["items"]}
    assert {"audra", "mia", "own", "acme", "shelf"} <= added
    assert {item["actor_login"] for item in people["items"]} == {"command line"}
    by_mia = audit(trail, "audra", actor="mia").json()
    assert [item["action"] for item in by_mia["items"]] == ["case.comment", "case.acknowledge"]
    about = audit(trail, "audra", subject_type="case", subject_id=trail.case.id).json()
    assert about["total"] == 2
    day = everything["items"][0]["at"][:10]
    assert audit(trail, "audra", **{"from": day, "to": day}).json()["total"] >= 2
    assert audit(trail, "audra", to="2000-01-01").json()["total"] == 0
    paged = audit(trail, "audra", page=2, page_size=2).json()
    assert [item["seq"] for item in paged["items"]] == seqs[2:4]
    assert (paged["page"], paged["page_size"]) == (2, 2)
    assert paged["last_page"] == -(-everything["total"] // 2)


def test_bad_filters_are_422_naming_the_parameter(trail: Trail) -> None:
    backwards = audit(trail, "audra", **{"from": "2026-12-02", "to": "2026-12-01"})
    assert backwards.status_code == 422
    assert backwards.json()["detail"][0]["loc"] == ["query", "to"]
    for params, named in (
        ({"from": "soon"}, "from"),
        ({"actor": "x" * 201}, "actor"),
        ({"page_size": 0}, "page_size"),
    ):
        answer = audit(trail, "audra", **params)
        assert answer.status_code == 422, params
        assert answer.json()["detail"][0]["loc"][-1] == named


def test_each_auditor_reads_only_the_entries_of_their_scope(trail: Trail) -> None:
    def seen(login: str) -> set[tuple[str, str | None]]:
        items = audit(trail, login, page_size=200).json()["items"]
        return {(item["action"], item["scope_company"]) for item in items}

    unlimited = seen("audra")
    assert ("case.acknowledge", trail.company) in unlimited
    assert ("user.add", None) in unlimited
    assert seen("own") == {(action, company) for action, company in unlimited if company}
    assert seen("own") == {
        ("case.acknowledge", trail.company),
        ("case.comment", trail.company),
    }
    assert seen("acme") == set(), "another company's auditor reads nothing of this one"
    assert seen("shelf") == set(), "an entry is filed under a company, never a warehouse"
