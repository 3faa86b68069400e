"""The case page's forms and the queue's bulk bar: CSRF, permissions, what lands."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from controltower.domain.cases import CaseState, EventKind, ExceptionCase
from controltower.domain.people import Role
from controltower.storage.cases import load_cases
from controltower.storage.database import make_engine, make_session_factory
from helpers.people import TestPerson, add_test_person
from helpers.scanned_demo import anonymous_client, load_scanned_demo

pytestmark = pytest.mark.database

#: the picture the demo is stored as in a fresh database
PICTURE_ID = 1


def stored_cases(url: str) -> list[ExceptionCase]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return load_cases(session, PICTURE_ID)
    finally:
        engine.dispose()


def stored(url: str, case_id: str) -> ExceptionCase:
    return next(c for c in stored_cases(url) if c.id == case_id)


def a_case(url: str) -> ExceptionCase:
    assert load_scanned_demo(url).picture_id == PICTURE_ID
    return min((c for c in stored_cases(url) if c.is_active and c.warehouse), key=lambda c: c.id)


@contextmanager
def signed_in(url: str, person: TestPerson) -> Iterator[TestClient]:
    """A browser-like client signed in through the login form (a session cookie)."""
    with anonymous_client(url) as client:
        answer = client.post(
            "/login",
            data={"login": person.login, "password": person.password, "next": "/exceptions"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        yield client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "the page carries the CSRF token"
    return found.group(1)


def forms_of(html: str) -> list[str]:
    """The actions of the case page's forms, by their last path part."""
    return [
        action.rsplit("/", 1)[-1].split("?")[0]
        for action in re.findall(r'<form method="post" action="(/exceptions/cases/[^"]+)"', html)
    ]


def timeline_rows(html: str) -> list[str]:
    """The timeline's rows as their text (when, what, by whom, note)."""
    body = html.split('id="timeline"', 1)[1]
    rows = re.findall(r'<tr data-event="[^"]+">(.*?)</tr>', body, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def test_a_form_without_the_csrf_token_is_refused_and_writes_nothing(
    migrated_database_url: str,
) -> None:
    case = a_case(migrated_database_url)
    manager = add_test_person(migrated_database_url, "mia", role=Role.MANAGER)
    with signed_in(migrated_database_url, manager) as browser:
        page = browser.get(f"/exceptions/cases/{case.id}")
        forged = browser.post(f"/exceptions/cases/{case.id}/acknowledge", follow_redirects=False)
        wrong = browser.post(
            f"/exceptions/cases/{case.id}/comment",
            data={"csrf_token": "not-the-token", "text": "hello"},
            follow_redirects=False,
        )
        bulk = browser.post("/exceptions/bulk", data={"ids": [case.id], "action": "acknowledge"})

    assert page.status_code == 200
    assert forged.status_code == wrong.status_code == bulk.status_code == 403
    assert "CSRF" in forged.text
    assert stored(migrated_database_url, case.id).timeline == case.timeline


def test_each_form_lands_on_the_timeline_with_who_when_and_why(
    migrated_database_url: str,
) -> None:
    case = a_case(migrated_database_url)
    manager = add_test_person(migrated_database_url, "mia", role=Role.MANAGER, name="Mia Berg")
    add_test_person(migrated_database_url, "finn", role=Role.FRONTLINE, teams=[case.owner])
    add_test_person(migrated_database_url, "audra", role=Role.AUDITOR)
    path = f"/exceptions/cases/{case.id}"
    snooze_day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    with signed_in(migrated_database_url, manager) as browser:
        first = browser.get(path)
        token = csrf_of(first.text)

        def post(action: str, **fields: str) -> str:
            answer = browser.post(
                f"{path}/{action}", data={"csrf_token": token, **fields}, follow_redirects=False
            )
            assert answer.status_code == 303, answer.text
            assert answer.headers["location"] == f"{path}?done={action}"
            return str(browser.get(answer.headers["location"]).text)

        acknowledged = post("acknowledge")
        assigned = post("assign", to="finn")
        commented = post("comment", text="Called the <b>supplier</b>")
        snoozed = post("snooze", until=snooze_day, reason="Supplier answers Friday")
        resolved = post("resolve", reason_code="customer_agreed", note="Customer will wait")
        reopened = post("reopen")

    assert forms_of(first.text) == [
        "acknowledge",
        "start",
        "take",
        "assign",
        "comment",
        "snooze",
        "resolve",
    ]
    assign_form = first.text.split('id="assign-form"')[1].split("</form>")[0]
    assert re.findall(r'<option value="([^"]*)"', assign_form) == ["", "finn", "mia"], (
        "the owning team first, then the others who work cases and see it; never the auditor"
    )
    assert "You acknowledged the case." in acknowledged
    newest = timeline_rows(acknowledged)[-1]
    assert re.fullmatch(r"\d{1,2} \w{3} \d{4} \d{2}:\d{2} UTC Acknowledged .* mia", newest), newest
    assert 'id="fact-assignee"><dt>Assigned to</dt><dd>finn' in assigned
    assert "Called the &lt;b&gt;supplier&lt;/b&gt;" in commented, "comments are escaped"
    assert 'id="fact-snooze"' in snoozed
    assert "Supplier answers Friday" in snoozed
    assert "Resolved as</dt><dd>Customer agreed" in resolved
    assert forms_of(resolved) == ["reopen", "comment"]
    assert "The case is open again." in reopened
    after = stored(migrated_database_url, case.id)
    added = after.timeline[len(case.timeline) :]
    assert [e.kind for e in added] == [
        EventKind.ACKNOWLEDGED,
        EventKind.ASSIGNED,
        EventKind.COMMENTED,
        EventKind.SNOOZED,
        EventKind.RESOLVED,
        EventKind.REOPENED,
    ]
    assert {e.by for e in added} == {"mia"}
    assert added[3].note == "Supplier answers Friday"
    assert after.snoozed_until is None
    assert after.state is CaseState.OPEN
    rows = timeline_rows(reopened)
    assert any("Comment" in row and "mia" in row and "Called the" in row for row in rows)


def test_a_refused_form_shows_the_problem_on_the_case_page(migrated_database_url: str) -> None:
    case = a_case(migrated_database_url)
    manager = add_test_person(migrated_database_url, "mia", role=Role.MANAGER)
    path = f"/exceptions/cases/{case.id}"
    with signed_in(migrated_database_url, manager) as browser:
        token = csrf_of(browser.get(path).text)

        def post(action: str, **fields: str) -> tuple[int, str]:
            answer = browser.post(f"{path}/{action}", data={"csrf_token": token, **fields})
            found = re.search(r'id="action-problem">([^<]*)<', answer.text)
            return answer.status_code, found.group(1) if found else answer.text[:200]

        no_zone = post("snooze", until="2030-01-01T10:00", reason="r")
        no_reason = post("snooze", until=(datetime.now(UTC) + timedelta(days=2)).date().isoformat())
        fixed = post("resolve", reason_code="fixed")
        no_note = post("resolve", reason_code="false_alarm")
        nobody = post("assign", to="nobody")
        blank = post("comment", text=" ")
        reopen_open = post("reopen")
        unknown = browser.post(f"{path}/explode", data={"csrf_token": token})
        missing = browser.post(
            "/exceptions/cases/CASE-NOSUCH/acknowledge", data={"csrf_token": token}
        )

    assert no_zone[0] == 422
    assert no_zone[1].startswith("Snooze until: ")
    assert no_reason == (422, "Reason: reason is required")
    assert fixed[0] == 409
    assert "latest scan still finds its condition" in fixed[1]
    assert no_note == (422, "Note: note is required")
    assert nobody == (422, "Assign to: no active person has the login &#39;nobody&#39;")
    assert blank == (422, "Comment: text is required")
    assert reopen_open[0] == 409
    assert "is open: only a case that is resolved" in reopen_open[1]
    assert unknown.status_code == 404
    assert "No such action" in unknown.text
    assert missing.status_code == 404
    assert "Case not found" in missing.text
    assert stored(migrated_database_url, case.id).timeline == case.timeline


def test_the_page_offers_only_what_the_person_may_do(migrated_database_url: str) -> None:
    case = a_case(migrated_database_url)
    people = {
        "audra": add_test_person(migrated_database_url, "audra", role=Role.AUDITOR),
        "eve": add_test_person(migrated_database_url, "eve", role=Role.EXECUTIVE),
        "finn": add_test_person(migrated_database_url, "finn", role=Role.FRONTLINE),
    }
    path = f"/exceptions/cases/{case.id}"
    offered: dict[str, list[str]] = {}
    for login, person in people.items():
        with signed_in(migrated_database_url, person) as browser:
            offered[login] = forms_of(browser.get(path).text)
            if login == "finn":
                token = csrf_of(browser.get(path).text)
                browser.post(f"{path}/take", data={"csrf_token": token})
                offered["finn, having taken it"] = forms_of(browser.get(path).text)
                refused = browser.post(f"{path}/assign", data={"csrf_token": token, "to": "eve"})
            if login == "audra":
                token = csrf_of(browser.get(path).text)
                audited = browser.post(f"{path}/comment", data={"csrf_token": token, "text": "x"})

    assert offered["audra"] == []
    assert offered["eve"] == ["comment"]
    assert offered["finn"] == ["acknowledge", "start", "take", "comment", "snooze", "resolve"]
    assert offered["finn, having taken it"] == [
        "acknowledge",
        "start",
        "assign",
        "comment",
        "snooze",
        "resolve",
    ], "the taken case offers handing it back instead of taking it"
    assert refused.status_code == 403
    assert audited.status_code == 403
    assert "may not comment" in audited.text
    assert stored(migrated_database_url, case.id).assignee == "finn"


def test_the_queue_acknowledges_and_assigns_a_selection(migrated_database_url: str) -> None:
    load_scanned_demo(migrated_database_url)
    manager = add_test_person(migrated_database_url, "mia", role=Role.MANAGER)
    frontline = add_test_person(migrated_database_url, "finn", role=Role.FRONTLINE)
    with signed_in(migrated_database_url, manager) as browser:
        queue = browser.get("/exceptions", params={"view": "cases"})
        token = csrf_of(queue.text)
        ticked = re.findall(r'name="ids" value="([^"]+)" form="bulk-cases"', queue.text)[:3]
        first = browser.post(
            f"/exceptions/cases/{ticked[0]}/acknowledge", data={"csrf_token": token}
        )
        assert first.status_code == 200
        acknowledged = browser.post(
            "/exceptions/bulk",
            data={"csrf_token": token, "ids": [*ticked, "CASE-NOSUCH"], "action": "acknowledge"},
        )
        assigned = browser.post(
            "/exceptions/bulk",
            data={"csrf_token": token, "ids": ticked, "action": "assign", "to": "finn"},
        )
        nothing = browser.post("/exceptions/bulk", data={"csrf_token": token, "action": "assign"})
    with signed_in(migrated_database_url, frontline) as browser:
        plain_queue = browser.get("/exceptions", params={"view": "cases"})
        forbidden = browser.post(
            "/exceptions/bulk",
            data={"csrf_token": csrf_of(plain_queue.text), "ids": ticked, "action": "acknowledge"},
        )

    assert 'id="bulk-cases"' in queue.text
    assert len(ticked) == 3
    summary = re.search(
        r'id="bulk-summary" data-done="(\d+)" data-refused="(\d+)"', acknowledged.text
    )
    assert summary is not None
    assert summary.groups() == ("2", "2")
    refused = dict(
        re.findall(r'<tr data-case="([^"]+)" data-outcome="([^"]+)">', acknowledged.text)
    )
    assert refused == {ticked[0]: "refused", "CASE-NOSUCH": "not_found"}
    assert "is acknowledged" in acknowledged.text
    assert "3 of 3 cases assigned to finn." in " ".join(assigned.text.split())
    assert nothing.status_code == 422
    assert "Tick at least one case first." in nothing.text
    assert 'id="bulk-cases"' not in plain_queue.text, "frontline people get no bulk bar"
    assert forbidden.status_code == 403
    after = {c.id: c for c in stored_cases(migrated_database_url)}
    assert {after[i].state for i in ticked} == {CaseState.ACKNOWLEDGED}
    assert {after[i].assignee for i in ticked} == {"finn"}


def test_the_api_takes_the_browser_session_only_with_the_csrf_header(
    migrated_database_url: str,
) -> None:
    case = a_case(migrated_database_url)
    manager = add_test_person(migrated_database_url, "mia", role=Role.MANAGER)
    path = f"/api/cases/{case.id}/comment"
    with signed_in(migrated_database_url, manager) as browser:
        token = csrf_of(browser.get(f"/exceptions/cases/{case.id}").text)
        without = browser.post(path, json={"text": "from the page"})
        with_header = browser.post(
            path, json={"text": "from the page"}, headers={"X-CSRF-Token": token}
        )

    assert without.status_code == 403
    assert with_header.status_code == 200
    assert with_header.json()["timeline"][-1]["by"] == "mia"
