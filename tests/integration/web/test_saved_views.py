"""Saved views: a person's named filters of a list page, on the pages and the API.

Everyone sees, opens and deletes only their own views; the page's forms carry the
session's CSRF token and are refused without it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from controltower.domain.people import Role
from controltower.storage.saved_views import MAX_VIEWS_PER_PAGE, clean_query
from helpers.people import TestPerson, add_test_person, bearer
from helpers.scanned_demo import anonymous_client, api_client, load_scanned_demo

pytestmark = pytest.mark.database


@contextmanager
def signed_in(url: str, person: TestPerson) -> Iterator[TestClient]:
    """A browser-like client signed in through the login form (a session cookie)."""
    with anonymous_client(url) as client:
        answer = client.post(
            "/login",
            data={"login": person.login, "password": person.password, "next": "/orders"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        yield client


def csrf_of(page_html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert found is not None, "the page carries the CSRF token"
    return found.group(1)


def views_listed(page_html: str) -> dict[str, str]:
    """The saved views a page lists: name -> link."""
    found = re.findall(r'<li data-view="\d+"><a href="([^"]+)"[^>]*>([^<]+)</a>', page_html)
    return {html.unescape(name): html.unescape(href) for href, name in found}


def test_a_view_is_saved_from_the_page_opened_from_its_link_and_deleted(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    ann = add_test_person(migrated_database_url, "ann", role=Role.MANAGER)
    bob = add_test_person(migrated_database_url, "bob", role=Role.MANAGER)
    listing = "show=all&status=short&status=blocked_by_credit&sort=value"
    with signed_in(migrated_database_url, ann) as browser:
        page = browser.get(f"/orders?{listing}&page=2")
        token = csrf_of(page.text)
        form = {"page": "orders", "name": "Short or on credit hold", "query": listing + "&page=2"}
        forged = browser.post("/views", data=form, follow_redirects=False)
        saved = browser.post("/views", data={**form, "csrf_token": token}, follow_redirects=False)
        shown = browser.get(saved.headers["location"])
        other_page = browser.get("/exceptions")
        view_id = re.search(r'<li data-view="(\d+)">', shown.text)
        assert view_id is not None
        with signed_in(migrated_database_url, bob) as other:
            not_theirs = other.post(
                f"/views/{view_id.group(1)}/delete",
                data={"csrf_token": csrf_of(other.get("/orders").text)},
            )
            their_page = other.get("/orders")
        deleted = browser.post(
            f"/views/{view_id.group(1)}/delete", data={"csrf_token": token}, follow_redirects=False
        )
        after = browser.get("/orders")

    assert forged.status_code == 403, "no CSRF token, no view"
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/orders?{listing}", "kept without the page number"
    assert views_listed(shown.text) == {"Short or on credit hold": f"/orders?{listing}"}
    assert 'aria-current="true">Short or on credit hold</a>' in shown.text, "the view shown"
    assert views_listed(other_page.text) == {}, "a view belongs to its page"
    assert not_theirs.status_code == 404
    assert views_listed(their_page.text) == {}, "nobody sees another person's views"
    assert deleted.status_code == 303
    assert deleted.headers["location"] == "/orders"
    assert views_listed(after.text) == {}


def test_a_view_without_a_name_is_not_saved_and_says_so(migrated_database_url: str) -> None:
    load_scanned_demo(migrated_database_url)
    ann = add_test_person(migrated_database_url, "ann", role=Role.FRONTLINE)
    with signed_in(migrated_database_url, ann) as browser:
        token = csrf_of(browser.get("/exceptions").text)
        blank = browser.post(
            "/views",
            data={"csrf_token": token, "page": "exceptions", "name": "   ", "query": "view=cases"},
        )
        listed = browser.get("/exceptions")
    assert blank.status_code == 422
    assert "Give the view a name" in blank.text
    assert views_listed(listed.text) == {}


def test_the_api_saves_replaces_lists_and_deletes_only_your_own_views(
    migrated_database_url: str,
) -> None:
    ann = add_test_person(migrated_database_url, "ann", role=Role.MANAGER)
    bob = add_test_person(migrated_database_url, "bob", role=Role.AUDITOR)
    view = {"page": "exceptions", "name": "Overdue criticals", "query": "?severity=critical"}
    with api_client(migrated_database_url, token=ann.token) as client:
        created = client.post("/api/views", json=view)
        again = client.post("/api/views", json={**view, "query": "severity=critical&overdue=yes"})
        client.post("/api/views", json={"page": "orders", "name": "Big", "query": "min_value=5000"})
        mine = client.get("/api/views").json()
        of_orders = client.get("/api/views", params={"page": "orders"}).json()
        bobs = client.get("/api/views", headers=bearer(bob)).json()
        bob_deletes = client.delete(f"/api/views/{created.json()['id']}", headers=bearer(bob))
        unknown_page = client.post("/api/views", json={**view, "page": "reports"})
        no_name = client.post("/api/views", json={**view, "name": " "})
        extra = client.post("/api/views", json={**view, "colour": "red"})
        deleted = client.delete(f"/api/views/{created.json()['id']}")
        gone = client.delete(f"/api/views/{created.json()['id']}")
    with anonymous_client(migrated_database_url) as anonymous:
        nobody = anonymous.get("/api/views")

    assert created.status_code == 201
    assert created.json()["url"] == "/exceptions?severity=critical"
    assert again.status_code == 200, "the same name replaces the query"
    assert again.json()["id"] == created.json()["id"]
    assert [(v["page"], v["name"], v["query"]) for v in mine["items"]] == [
        ("exceptions", "Overdue criticals", "severity=critical&overdue=yes"),
        ("orders", "Big", "min_value=5000"),
    ]
    assert [v["name"] for v in of_orders["items"]] == ["Big"]
    assert bobs["items"] == []
    assert bob_deletes.status_code == 404
    assert unknown_page.status_code == 422
    assert unknown_page.json()["detail"][0]["loc"] == ["body", "page"]
    assert no_name.status_code == 422
    assert no_name.json()["detail"][0]["loc"] == ["body", "name"]
    assert extra.status_code == 422
    assert deleted.status_code == 204
    assert gone.status_code == 404
    assert nobody.status_code == 401


def test_a_person_keeps_a_bounded_number_of_views_per_page(migrated_database_url: str) -> None:
    ann = add_test_person(migrated_database_url, "ann", role=Role.MANAGER)
    with api_client(migrated_database_url, token=ann.token) as client:
        kept = [
            client.post("/api/views", json={"page": "orders", "name": f"View {n:02}"}).status_code
            for n in range(MAX_VIEWS_PER_PAGE)
        ]
        one_more = client.post("/api/views", json={"page": "orders", "name": "One more"})
        replaced = client.post("/api/views", json={"page": "orders", "name": "View 07"})
        elsewhere = client.post("/api/views", json={"page": "exceptions", "name": "Other page"})
        listed = client.get("/api/views", params={"page": "orders"}).json()["items"]
    assert kept == [201] * MAX_VIEWS_PER_PAGE
    assert one_more.status_code == 422
    assert "delete one first" in one_more.json()["detail"][0]["msg"]
    assert replaced.status_code == 200, "replacing a view is not one too many"
    assert elsewhere.status_code == 201
    assert len(listed) == MAX_VIEWS_PER_PAGE


def test_a_view_keeps_the_filters_and_sort_but_not_the_page_or_the_token() -> None:
    assert clean_query("?type=a&type=b&page=3&csrf_token=x&q=&sort=due") == (
        "type=a&type=b&sort=due"
    )
    assert clean_query("") == ""
    assert clean_query("q=SO%201") == "q=SO+1"
