"""The bell, /notifications and its "mark read" form, the API, and the dead letters
(administrators only)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from controltower.domain.notifications import Channel, Preferences
from controltower.domain.people import Role
from controltower.storage import tables
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.notifications import mark_failed
from helpers.notify_peers import add_told_person
from helpers.people import TestPerson, add_test_person, bearer
from helpers.scanned_demo import AS_OF, SCANNED_AT, anonymous_client, api_client, scan, store_demo

pytestmark = pytest.mark.database

TEAM = "customer_service@MAN"


@contextmanager
def signed_in(url: str, person: TestPerson) -> Iterator[TestClient]:
    with anonymous_client(url) as client:
        answer = client.post(
            "/login",
            data={"login": person.login, "password": person.password, "next": "/"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        yield client


def bell_count(page_html: str) -> int:
    found = re.search(r'class="bell-count" data-unread="(\d+)"', page_html)
    return int(found.group(1)) if found else 0


def told(url: str) -> tuple[TestPerson, TestPerson, TestPerson]:
    """(cs.man told of the team's cases, bob told of nothing, an administrator)."""
    picture = store_demo(url)
    ann = add_told_person(
        url,
        "cs.man",
        teams=[TEAM],
        email_address="cs@example.com",
        preferences=Preferences(channels=(Channel.IN_APP, Channel.EMAIL)),
    )
    bob = add_test_person(url, "bob", role=Role.MANAGER)
    admin = add_test_person(url, "root", role=Role.ADMINISTRATOR)
    scan(url, picture, as_of=AS_OF, now=SCANNED_AT)
    return ann, bob, admin


def test_the_bell_and_the_page_show_the_unread_and_mark_read(migrated_database_url: str) -> None:
    url = migrated_database_url
    ann, bob, _admin = told(url)
    with api_client(url, ann.token) as client:
        listed = client.get("/api/notifications").json()
        total = listed["total"]
        assert total > 0
        assert listed["unread"] == total
        assert {item["channel"] for item in listed["items"]} == {"in_app"}
        first = listed["items"][0]
    with signed_in(url, ann) as browser:
        page = browser.get("/notifications")
        assert page.status_code == 200
        assert bell_count(page.text) == total
        assert bell_count(browser.get("/my-work").text) == total
        assert first["title"] in page.text or first["title"].replace("&", "&amp;") in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        refused = browser.post(f"/notifications/{first['id']}/read", follow_redirects=False)
        assert refused.status_code == 403  # no CSRF token
        done = browser.post(
            f"/notifications/{first['id']}/read",
            data={"csrf_token": token.group(1)},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert bell_count(browser.get("/notifications").text) == total - 1
    with api_client(url, bob.token) as other:
        assert other.get("/api/notifications").json()["total"] == 0
        # somebody else's notification answers like a missing one
        theirs = other.post(f"/api/notifications/{first['id']}/read")
        missing = other.post("/api/notifications/999999/read")
        assert theirs.status_code == missing.status_code == 404
        assert bell_count(other.get("/notifications").text) == 0
    with api_client(url, ann.token) as client:
        second = client.get("/api/notifications").json()["items"][1]
        marked = client.post(f"/api/notifications/{second['id']}/read", headers=bearer(ann))
        assert marked.status_code == 200
        assert marked.json()["state"] == "read"
        assert client.get("/api/notifications").json()["unread"] == total - 2


def test_dead_letters_are_for_administrators_only(migrated_database_url: str) -> None:
    url = migrated_database_url
    ann, bob, admin = told(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            n = tables.notifications
            email_id = session.execute(
                sa.select(n.c.id).where(n.c.channel == "email").order_by(n.c.id).limit(1)
            ).scalar_one()
            mark_failed(
                session, email_id, attempts=5, next_attempt_at=None, error="SMTP host:25: refused"
            )
    finally:
        engine.dispose()
    with api_client(url, admin.token) as client:
        dead = client.get("/api/notifications/dead").json()
        assert [item["id"] for item in dead["items"]] == [email_id]
        assert dead["items"][0]["last_error"] == "SMTP host:25: refused"
        page = client.get("/admin/notifications/dead-letters")
        assert page.status_code == 200
        assert f'data-notification="{email_id}"' in page.text
        login = dead["items"][0]["login"]
        assert login in {ann.login, bob.login, admin.login}
        assert f'<td data-label="Person">{login}</td>' in page.text, "the person by login"
    for person in (ann, bob):
        with api_client(url, person.token) as client:
            assert client.get("/api/notifications/dead").status_code == 403
            assert client.get("/admin/notifications/dead-letters").status_code == 403
