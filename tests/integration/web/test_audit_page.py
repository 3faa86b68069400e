"""The ``/audit`` page: the trail for auditors, newest first, with filters; a link to
it in the navigation for them only; bad values named in a notice, never a failure."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape

import pytest
from fastapi.testclient import TestClient

from controltower.domain.people import Role
from controltower.storage.cases import load_cases
from controltower.storage.database import make_engine, make_session_factory
from controltower.web.audit_pages import AUDIT_PER_PAGE, change_words
from helpers.people import TestPerson, add_test_person
from helpers.scanned_demo import anonymous_client, api_client, load_scanned_demo

pytestmark = pytest.mark.database


@dataclass(frozen=True)
class Site:
    url: str
    case_id: str
    company: str
    auditor: TestPerson
    manager: TestPerson


@pytest.fixture
def site(migrated_database_url: str) -> Site:
    """The scanned demo, an auditor, and a manager who acknowledged one case."""
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
    auditor = add_test_person(url, "audra", role=Role.AUDITOR)
    manager = add_test_person(url, "mia", role=Role.MANAGER)
    with api_client(url, manager.token) as client:
        done = client.post(f"/api/cases/{case.id}/acknowledge", json={"note": "on it"})
        assert done.status_code == 200, done.text
    return Site(url, case.id, demo.companies[0], auditor, manager)


@contextmanager
def signed_in(site: Site, person: TestPerson) -> Iterator[TestClient]:
    with anonymous_client(site.url) as client:
        answer = client.post(
            "/login",
            data={"login": person.login, "password": person.password},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        yield client


def text_of(html: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_the_auditor_sees_who_did_what_to_which_case_and_why(site: Site) -> None:
    with signed_in(site, site.auditor) as client:
        page = client.get("/audit?action=case")

    assert page.status_code == 200, page.text
    assert '<a href="/audit" aria-current="page">Audit</a>' in page.text
    (row,) = re.findall(r'<tr data-entry="\d+">(.*?)</tr>', page.text, flags=re.S)
    words = text_of(row)
    assert "mia manager case.acknowledge" in words
    assert "state: open → acknowledged" in words
    assert words.endswith("on it")
    assert f'<a href="/exceptions/cases/{site.case_id}?company={site.company}">' in row
    assert "1 entry, newest first." in text_of(page.text)
    assert 'name="action" value="case"' in page.text, "the form keeps the filter"


def test_the_whole_trail_is_paged_newest_first(site: Site) -> None:
    with signed_in(site, site.auditor) as client:
        page = client.get("/audit")
    numbers = [int(n) for n in re.findall(r'<tr data-entry="(\d+)">', page.text)]
    assert numbers == sorted(numbers, reverse=True)
    assert len(numbers) == min(numbers[0], AUDIT_PER_PAGE)
    assert "user.add" in page.text


def test_people_without_the_permission_get_no_link_and_a_refusal(site: Site) -> None:
    with signed_in(site, site.manager) as client:
        home = client.get("/my-work")
        refused = client.get("/audit")
    assert 'href="/audit"' not in home.text
    assert refused.status_code == 403
    assert 'data-part="error"' in refused.text
    assert "mia (manager) may not view audit" in text_of(refused.text)
    with anonymous_client(site.url) as stranger:
        answer = stranger.get("/audit", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("from=soon", "from: “soon” is not a day; write it as YYYY-MM-DD"),
        ("to=2026-02-30", "to: “2026-02-30” is not a day"),
        ("from=2026-12-02&to=2026-12-01", "to: 2026-12-01 is before from (2026-12-02); left out."),
        ("page=abc", "page: “abc” is not a page number; showing the first page."),
        (f"actor={'x' * 201}", "actor: The actor was cut to its first 200 characters."),
    ],
)
def test_a_value_the_page_cannot_read_is_named_and_left_out(
    site: Site, query: str, says: str
) -> None:
    with signed_in(site, site.auditor) as client:
        page = client.get(f"/audit?{query}")
    assert page.status_code == 400
    assert 'data-part="query-problems"' in page.text
    assert says in text_of(page.text)
    assert "Traceback" not in page.text


def test_a_page_past_the_end_shows_the_last_page(site: Site) -> None:
    with signed_in(site, site.auditor) as client:
        page = client.get("/audit?page=999")
    assert page.status_code == 200
    assert "Page 999 is past the end: showing page 1 of 1." in text_of(page.text)
    assert re.search(r'<tr data-entry="\d+">', page.text)


def test_a_change_reads_in_a_few_words() -> None:
    assert change_words({"state": "open"}, {"state": "resolved"}) == ["state: open → resolved"]
    assert change_words(None, {"role": "manager", "teams": [], "active": True}) == [
        "active: yes",
        "role: manager",
        "teams: none",
    ]
    assert change_words({"assignee": "ann"}, {}) == ["assignee: ann → gone"]
    assert change_words("sha256:aaa", "sha256:bbb") == ["sha256:aaa → sha256:bbb"]
    assert change_words(None, None) == []
    (long,) = change_words(None, "x" * 100)
    assert len(long) == 60
    assert long.endswith("…")


def test_a_change_made_on_a_page_names_the_request_it_came_with(site: Site) -> None:
    with signed_in(site, site.manager) as client:
        case_page = client.get(f"/exceptions/cases/{site.case_id}")
        token = re.search(r'name="csrf_token" value="([^"]+)"', case_page.text)
        assert token is not None
        posted = client.post(
            f"/exceptions/cases/{site.case_id}/comment",
            data={"csrf_token": token.group(1), "text": "chased by phone"},
            headers={"X-Request-ID": "page-comment-7"},
            follow_redirects=False,
        )
    assert posted.status_code in (200, 303), posted.text
    assert posted.headers["X-Request-ID"] == "page-comment-7"
    with api_client(site.url, site.auditor.token) as client:
        (entry,) = client.get("/api/audit", params={"action": "case.comment"}).json()["items"]
    assert (entry["actor_login"], entry["reason"]) == ("mia", "chased by phone")
    assert entry["request_id"] == "page-comment-7"
