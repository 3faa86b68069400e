"""Governed actions through the API: preview, request, approve, reject, cancel, refusals.

The business is the scanned small demo; each action's parameters are found in its
picture and weighed by the default policy (``helpers/governed_actions.py``), so the
tests say what kind of request they need (executed at once, one approval, two) rather
than naming records.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controltower.domain.actions import ActionType
from controltower.domain.model import Tier
from controltower.domain.people import Role
from helpers.governed_actions import Params, find_params, planned
from helpers.people import TestPerson, add_test_person
from helpers.scanned_demo import anonymous_client, api_client, demo_dataset, load_scanned_demo

pytestmark = pytest.mark.database

#: a warehouse of the demo, and another one
HERE, THERE = "LDS", "MAN"


@dataclass(frozen=True)
class Business:
    url: str
    people: dict[str, TestPerson]


def business_with_people(url: str) -> Business:
    load_scanned_demo(url)
    people = {
        "admin": add_test_person(url, "admin"),
        "mia": add_test_person(url, "mia", role=Role.MANAGER),
        "max": add_test_person(url, "max", role=Role.MANAGER),
        "finn": add_test_person(url, "finn", role=Role.FRONTLINE),
        "eve": add_test_person(url, "eve", role=Role.EXECUTIVE),
        "apu": add_test_person(url, "apu", role=Role.APPROVER),
        "audra": add_test_person(url, "audra", role=Role.AUDITOR),
        "wes": add_test_person(url, "wes", role=Role.MANAGER, warehouses=[THERE]),
        "olga": add_test_person(url, "olga", role=Role.MANAGER, companies=["ELSEWHERE"]),
    }
    return Business(url, people)


@contextmanager
def as_person(business: Business, login: str) -> Iterator[TestClient]:
    with api_client(business.url, token=business.people[login].token) as client:
        yield client


def ask_for(client: TestClient, action: ActionType | str, params: Params, **extra: Any) -> Any:
    body = {"type": str(action), "params": params, "reason_code": "customer_request"}
    body["note"] = "the customer asked"
    return client.post("/api/actions", json={**body, **extra})


def field_of(response: Any) -> str:
    """The field a 422 names (the last part of its first error's location)."""
    assert response.status_code == 422, response.text
    return str(response.json()["detail"][0]["loc"][-1])


def stored_total(business: Business) -> int:
    with as_person(business, "mia") as mia:
        answer = mia.get("/api/actions")
    assert answer.status_code == 200, answer.text
    return int(answer.json()["total"])


# --- each action type ------------------------------------------------------------------


@pytest.mark.parametrize("action", list(ActionType))
def test_each_action_type_is_previewed_then_requested(
    migrated_database_url: str, action: ActionType
) -> None:
    business = business_with_people(migrated_database_url)
    params = find_params(action)
    plan, needs = planned(action, params)
    with as_person(business, "mia") as mia:
        previewed = mia.post("/api/actions/preview", json={"type": action, "params": params})
        requested = ask_for(mia, action, params)
        read = mia.get(requested.headers.get("location", "/api/actions/0"))

    assert previewed.status_code == 200, previewed.text
    preview = previewed.json()
    assert (preview["type"], preview["subject"], preview["company"]) == (
        action.value,
        plan.subject,
        plan.company,
    )
    assert preview["warehouse"] == plan.warehouse
    assert preview["approvals"]["approvals"] == needs.approvals
    assert preview["approvals"]["roles"] == list(needs.roles)
    assert preview["approvals"]["evidence"] == list(needs.evidence)
    assert preview["summary"], "a preview says what the action does in sentences"
    assert preview["plan"]["edits"], "every action changes the picture"
    for order in preview["orders"]:
        assert order["effect"] in {"fixed", "starved", "better", "worse", "changed"}
    assert {c["change"] for c in preview["cases"]} <= {"opens", "clears"}

    assert requested.status_code == 201, requested.text
    stored = requested.json()
    assert requested.headers["location"] == f"/api/actions/{stored['id']}"
    assert stored["links"] == {
        "self": f"/api/actions/{stored['id']}",
        "subject": plan.subject_link,
        "evidence": f"/api/actions/{stored['id']}/evidence",
    }
    expected_state = "awaiting_approval" if needs.approvals else "executed"
    assert (stored["state"], stored["action_type"], stored["requested_by"]) == (
        expected_state,
        action.value,
        "mia",
    )
    assert stored["approvals_needed"] == needs.approvals
    assert stored["approvals_remaining"] == needs.approvals
    assert stored["approvals_given"] == 0
    assert stored["reason_code"] == "customer_request"
    assert stored["note"] == "the customer asked"
    assert stored["preview"]["summary"] == preview["summary"]
    assert stored["erp_state"] == (None if needs.approvals else "awaiting_confirmation")
    assert (stored["executed_by"] is None) == bool(needs.approvals)
    assert read.status_code == 200
    assert read.json() == stored


# --- refusals --------------------------------------------------------------------------


def test_a_bad_field_is_named_in_a_422_and_nothing_is_stored(migrated_database_url: str) -> None:
    business = business_with_people(migrated_database_url)
    date_change = find_params(ActionType.CHANGE_PROMISED_DATE)
    order = date_change["order_id"]
    kind = ActionType.CHANGE_PROMISED_DATE
    with as_person(business, "mia") as mia:
        answers = {
            "unknown type": ask_for(mia, "launch_rocket", date_change),
            "no type": mia.post(
                "/api/actions",
                json={"params": date_change, "reason_code": "other", "note": "n"},
            ),
            "order missing": ask_for(mia, kind, {"promised_date": "2027-01-08"}),
            "order unknown": ask_for(mia, kind, {**date_change, "order_id": "SO-NOPE"}),
            "date not a date": ask_for(mia, kind, {"order_id": order, "promised_date": "soon"}),
            "param unknown": ask_for(mia, kind, {**date_change, "colour": "red"}),
            "reason unknown": ask_for(mia, kind, date_change, reason_code="because"),
            "note blank": ask_for(mia, kind, date_change, note="  "),
            "note too long": ask_for(mia, kind, date_change, note="x" * 4001),
            "field unknown": ask_for(mia, kind, date_change, urgent=True),
            "case unknown": ask_for(mia, kind, date_change, case_id="CASE-NOPE"),
            "preview field unknown": mia.post(
                "/api/actions/preview", json={"type": kind, "params": date_change, "x": 1}
            ),
            "preview param": mia.post(
                "/api/actions/preview", json={"type": kind, "params": {"order_id": order}}
            ),
        }

    fields = {name: field_of(response) for name, response in answers.items()}
    assert fields == {
        "unknown type": "type",
        "no type": "type",
        "order missing": "order_id",
        "order unknown": "order_id",
        "date not a date": "promised_date",
        "param unknown": "colour",
        "reason unknown": "reason_code",
        "note blank": "note",
        "note too long": "note",
        "field unknown": "urgent",
        "case unknown": "case_id",
        "preview field unknown": "x",
        "preview param": "promised_date",
    }
    assert answers["order unknown"].json()["detail"][0]["loc"] == ["body", "params", "order_id"]
    assert "no open order 'SO-NOPE'" in answers["order unknown"].json()["detail"][0]["msg"]
    assert stored_total(business) == 0


def test_roles_without_the_permission_are_refused_with_403(migrated_database_url: str) -> None:
    business = business_with_people(migrated_database_url)
    kind = ActionType.CHANGE_PROMISED_DATE
    params = find_params(kind, approvals=1)
    with as_person(business, "mia") as mia:
        action_id = ask_for(mia, kind, params).json()["id"]
    refused = {}
    for login in ("audra", "eve", "apu"):
        with as_person(business, login) as person:
            refused[f"{login} preview"] = person.post(
                "/api/actions/preview", json={"type": kind, "params": params}
            )
            refused[f"{login} request"] = ask_for(person, kind, params)
    with as_person(business, "finn") as finn:
        refused["finn approve"] = finn.post(f"/api/actions/{action_id}/approve", json={})
        refused["finn reject"] = finn.post(f"/api/actions/{action_id}/reject", json={"note": "n"})
        bypass = ActionType.BYPASS_QUALITY
        refused["finn bypass"] = ask_for(finn, bypass, find_params(bypass))
    with as_person(business, "audra") as audra:
        refused["audra approve"] = audra.post(f"/api/actions/{action_id}/approve", json={})
        read = audra.get(f"/api/actions/{action_id}")

    assert {name: r.status_code for name, r in refused.items()} == dict.fromkeys(refused, 403)
    assert refused["audra request"].json()["detail"] == "audra (auditor) may not request actions"
    assert refused["eve preview"].json()["detail"] == "eve (executive) may not request actions"
    assert refused["finn approve"].json()["detail"] == "finn (frontline) may not approve actions"
    assert "may not ask for bypass_quality" in refused["finn bypass"].json()["detail"]
    assert read.status_code == 200, "an auditor reads requests"
    assert read.json()["state"] == "awaiting_approval"
    assert stored_total(business) == 1


def test_without_a_token_every_endpoint_answers_401(migrated_database_url: str) -> None:
    business = business_with_people(migrated_database_url)
    kind = ActionType.CHANGE_PROMISED_DATE
    params = find_params(kind, approvals=1)
    with as_person(business, "mia") as mia:
        action_id = ask_for(mia, kind, params).json()["id"]
    with anonymous_client(business.url) as client:
        answers = [
            client.post("/api/actions/preview", json={"type": kind, "params": params}),
            ask_for(client, kind, params),
            client.get("/api/actions"),
            client.get(f"/api/actions/{action_id}"),
            client.post(f"/api/actions/{action_id}/approve", json={}),
            client.post(f"/api/actions/{action_id}/reject", json={"note": "no"}),
            client.post(f"/api/actions/{action_id}/cancel"),
        ]
    assert [r.status_code for r in answers] == [401] * len(answers)
    assert stored_total(business) == 1


# --- deciding --------------------------------------------------------------------------


def _late_order_fixed_by_a_new_promise(mia: TestClient) -> tuple[str, Params]:
    """An order at risk, of a customer whose date changes need a manager's approval, and a
    promise after its projected date that the preview says fixes it."""
    tiers = {c.code: c.tier for c in demo_dataset().customers}
    listed = mia.get("/api/orders", params={"at_risk": "true", "page_size": 200}).json()["items"]
    tried = 0
    for order in listed:
        if tiers.get(order["customer"]) not in (Tier.KEY, Tier.STRATEGIC):
            continue
        if order["projected_ship_date"] is None:
            continue
        later = date.fromisoformat(order["projected_ship_date"]) + timedelta(days=1)
        params = {"order_id": order["order_id"], "promised_date": later.isoformat()}
        shown = mia.post(
            "/api/actions/preview", json={"type": "change_promised_date", "params": params}
        ).json()
        effects = {o["order_id"]: o["effect"] for o in shown["orders"]}
        if effects.get(order["order_id"]) == "fixed" and shown["approvals"]["approvals"] == 1:
            return order["order_id"], params
        tried += 1
        assert tried < 20, "no late order of a key customer is fixed by a later promise"
    raise AssertionError("the demo has no late order of a key or strategic customer")


def test_a_second_person_approves_and_the_order_stops_being_at_risk(
    migrated_database_url: str,
) -> None:
    business = business_with_people(migrated_database_url)
    with as_person(business, "mia") as mia:
        order_id, params = _late_order_fixed_by_a_new_promise(mia)
        requested = ask_for(mia, ActionType.CHANGE_PROMISED_DATE, params)
        action_id = requested.json()["id"]
        own = mia.post(f"/api/actions/{action_id}/approve", json={"note": "fine by me"})
        before = mia.get(f"/api/orders/{order_id}").json()
    with as_person(business, "eve") as eve:
        wrong_role = eve.post(f"/api/actions/{action_id}/approve", json={})
    with as_person(business, "max") as max_:
        approved = max_.post(f"/api/actions/{action_id}/approve", json={"note": "agreed"})
        after = max_.get(f"/api/orders/{order_id}").json()
        again = max_.post(f"/api/actions/{action_id}/approve", json={})
    with as_person(business, "eve") as eve:
        late_reject = eve.post(f"/api/actions/{action_id}/reject", json={"note": "too late"})

    assert requested.status_code == 201
    assert requested.json()["state"] == "awaiting_approval"
    assert requested.json()["approver_roles"] == ["manager"]
    assert own.status_code == 403, "nobody approves their own request"
    assert "another person must approve it" in own.json()["detail"]
    assert before["at_risk"] is True
    assert wrong_role.status_code == 403
    assert "needs 1 approval by a manager" in wrong_role.json()["detail"]
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["state"], body["executed_by"], body["erp_state"]) == (
        "executed",
        "max",
        "awaiting_confirmation",
    )
    assert (body["approvals_given"], body["approvals_remaining"]) == (1, 0)
    assert [(d["login"], d["decision"], d["note"]) for d in body["decisions"]] == [
        ("max", "approve", "agreed")
    ]
    assert after["promised_date"] == params["promised_date"]
    assert after["at_risk"] is False, "the stored risk was recomputed on execution"
    assert again.status_code == 409, "a decided request takes no further decision"
    assert late_reject.status_code == 409
    assert "is executed" in late_reject.json()["detail"]


def test_a_rejection_says_why_and_changes_nothing(migrated_database_url: str) -> None:
    business = business_with_people(migrated_database_url)
    kind = ActionType.CHANGE_PROMISED_DATE
    params = find_params(kind, approvals=1)
    with as_person(business, "mia") as mia:
        action_id = ask_for(mia, kind, params).json()["id"]
        promised = mia.get(f"/api/orders/{params['order_id']}").json()["promised_date"]
    with as_person(business, "max") as max_:
        no_reason = max_.post(f"/api/actions/{action_id}/reject", json={})
        blank = max_.post(f"/api/actions/{action_id}/reject", json={"note": " "})
        rejected = max_.post(f"/api/actions/{action_id}/reject", json={"note": "customer said no"})
        twice = max_.post(f"/api/actions/{action_id}/reject", json={"note": "still no"})
        after = max_.get(f"/api/orders/{params['order_id']}").json()
    with as_person(business, "admin") as admin:
        approved_after = admin.post(f"/api/actions/{action_id}/approve", json={})

    assert field_of(no_reason) == field_of(blank) == "note"
    assert rejected.status_code == 200, rejected.text
    body = rejected.json()
    assert (body["state"], body["approvals_remaining"], body["executed_at"]) == (
        "rejected",
        0,
        None,
    )
    assert body["decided_at"] is not None
    assert [(d["login"], d["decision"], d["note"]) for d in body["decisions"]] == [
        ("max", "reject", "customer said no")
    ]
    assert twice.status_code == approved_after.status_code == 409
    assert after["promised_date"] == promised


def test_only_the_requester_cancels_a_request_still_awaiting(migrated_database_url: str) -> None:
    business = business_with_people(migrated_database_url)
    kind = ActionType.CHANGE_PROMISED_DATE
    with as_person(business, "mia") as mia:
        action_id = ask_for(mia, kind, find_params(kind, approvals=1)).json()["id"]
    with as_person(business, "max") as max_:
        somebody_else = max_.post(f"/api/actions/{action_id}/cancel")
    with as_person(business, "mia") as mia:
        cancelled = mia.post(f"/api/actions/{action_id}/cancel")
        twice = mia.post(f"/api/actions/{action_id}/cancel")
    with as_person(business, "max") as max_:
        approved = max_.post(f"/api/actions/{action_id}/approve", json={})

    assert somebody_else.status_code == 403
    assert "only mia" in somebody_else.json()["detail"]
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["state"], cancelled.json()["approvals_remaining"]) == ("cancelled", 0)
    assert twice.status_code == approved.status_code == 409
    assert "is cancelled" in approved.json()["detail"]


def test_two_approvals_need_two_different_people(migrated_database_url: str) -> None:
    business = business_with_people(migrated_database_url)
    kind = ActionType.ADJUST_INVENTORY
    params = find_params(kind, approvals=2)
    with as_person(business, "mia") as mia:
        requested = ask_for(mia, kind, params)
        action_id = requested.json()["id"]
        attached = mia.post(
            f"/api/actions/{action_id}/evidence",
            files={"file": ("count.csv", b"sku,counted\nA,502\n", "text/csv")},
            data={"kind": "count_sheet"},
        )
    with as_person(business, "eve") as eve:
        first = eve.post(f"/api/actions/{action_id}/approve", json={"note": "counted twice"})
        same_again = eve.post(f"/api/actions/{action_id}/approve", json={})
    with as_person(business, "mia") as mia:
        own = mia.post(f"/api/actions/{action_id}/approve", json={})
    with as_person(business, "max") as max_:
        second = max_.post(f"/api/actions/{action_id}/approve", json={})
        product = max_.get(f"/api/products/{params['sku']}").json()

    assert requested.json()["approvals_needed"] == 2
    assert requested.json()["evidence_required"] == ["count_sheet"]
    assert attached.status_code == 201, attached.text
    assert first.status_code == 200, first.text
    assert (first.json()["state"], first.json()["approvals_given"]) == ("awaiting_approval", 1)
    assert first.json()["approvals_remaining"] == 1
    assert same_again.status_code == 409
    assert "each person decides once" in same_again.json()["detail"]
    assert own.status_code == 403
    assert second.status_code == 200, second.text
    assert (second.json()["state"], second.json()["approvals_given"]) == ("executed", 2)
    assert [d["login"] for d in second.json()["decisions"]] == ["eve", "max"]
    position = next(p for p in product["positions"] if p["warehouse"] == params["warehouse"])
    assert str(position["on_hand"]) == params["on_hand"]


# --- scope and lists -------------------------------------------------------------------


def test_a_request_out_of_scope_answers_exactly_like_a_missing_one(
    migrated_database_url: str,
) -> None:
    business = business_with_people(migrated_database_url)
    kind = ActionType.CHANGE_PROMISED_DATE
    params = find_params(kind, approvals=1, warehouse=HERE)
    with as_person(business, "mia") as mia:
        action_id = ask_for(mia, kind, params).json()["id"]
        missing = mia.get("/api/actions/999999")
    with as_person(business, "wes") as wes:
        answers = {
            "read": wes.get(f"/api/actions/{action_id}"),
            "approve": wes.post(f"/api/actions/{action_id}/approve", json={}),
            "reject": wes.post(f"/api/actions/{action_id}/reject", json={"note": "no"}),
            "cancel": wes.post(f"/api/actions/{action_id}/cancel"),
            "evidence": wes.get(f"/api/actions/{action_id}/evidence"),
        }
        listed = wes.get("/api/actions")
        asked = ask_for(wes, kind, params)
    with as_person(business, "olga") as olga:
        elsewhere = olga.get(f"/api/actions/{action_id}")

    assert missing.status_code == 404
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 404)
    for response in answers.values():
        assert response.json()["detail"] == missing.json()["detail"].replace(
            "999999", str(action_id)
        )
    assert listed.json()["total"] == 0
    assert field_of(asked) == "order_id", "nobody asks for an action outside their scope"
    assert "outside what you may act on" in asked.json()["detail"][0]["msg"]
    assert elsewhere.status_code == 404
    with as_person(business, "mia") as mia:
        assert mia.get(f"/api/actions/{action_id}").json()["state"] == "awaiting_approval"


def test_the_list_filters_by_state_type_requester_and_who_may_decide(
    migrated_database_url: str,
) -> None:
    business = business_with_people(migrated_database_url)
    kind = ActionType.CHANGE_PROMISED_DATE
    with as_person(business, "mia") as mia:
        waiting = ask_for(mia, kind, find_params(kind, approvals=1)).json()
        done_kind = ActionType.TRANSFER_STOCK
        done = ask_for(mia, done_kind, find_params(done_kind, approvals=0)).json()

        def ids(client: TestClient, **query: Any) -> list[int]:
            answer = client.get("/api/actions", params=query)
            assert answer.status_code == 200, answer.text
            return [item["id"] for item in answer.json()["items"]]

        assert ids(mia) == [done["id"], waiting["id"]], "newest first"
        assert ids(mia, state="awaiting_approval") == [waiting["id"]]
        assert ids(mia, state=["awaiting_approval", "executed"]) == [done["id"], waiting["id"]]
        assert ids(mia, type="transfer_stock") == [done["id"]]
        assert ids(mia, mine="true") == [done["id"], waiting["id"]]
        assert ids(mia, awaiting_me="true") == [], "nobody decides their own request"
        assert ids(mia, subject=waiting["subject"]) == [waiting["id"]]
        paged = mia.get("/api/actions", params={"page_size": 1, "page": 2}).json()
        bad_state = mia.get("/api/actions", params={"state": "pending"})
        too_long = mia.get("/api/actions", params={"page_size": 101})
    with as_person(business, "max") as max_:
        assert ids(max_, mine="true") == []
        assert ids(max_, awaiting_me="true") == [waiting["id"]]
    with as_person(business, "eve") as eve:
        assert ids(eve, awaiting_me="true") == [], "the rule names managers"

    assert (paged["total"], paged["page"], paged["last_page"]) == (2, 2, 2)
    assert [item["id"] for item in paged["items"]] == [waiting["id"]]
    assert "preview" not in paged["items"][0], "a list leaves out the stored previews"
    assert bad_state.status_code == 422
    assert bad_state.json()["detail"][0]["loc"][:2] == ["query", "state"]
    assert too_long.status_code == 422
    assert too_long.json()["detail"][0]["loc"] == ["query", "page_size"]
