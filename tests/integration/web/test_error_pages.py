"""What no page can answer is the error page, in the site's layout, with its status kept;
the API and its documentation answer errors in JSON exactly as before.

An address nobody serves (404, the same for everyone, signed in or not), a method an
address does not take (405), values that cannot be read (422), a refused form (403) and
a failure of the database (500: logged, never shown). A record out of the visitor's
scope answers exactly as a missing one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from controltower.bootstrap import create_app
from controltower.domain.model import OrderStatus
from controltower.domain.people import Role
from controltower.settings import Settings
from controltower.storage.database import make_engine
from helpers.people import TestPerson, add_test_person
from helpers.scanned_demo import api_client, demo_dataset, load_scanned_demo

pytestmark = pytest.mark.database

#: the brand link every page of the site's layout starts with
LAYOUT = '<a class="brand" href="/">Control Tower</a>'


def words(html: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def error_words(html: str) -> str:
    """The error page's own words (its section), whoever asks."""
    found = re.search(r'<section class="empty" data-part="error".*?</section>', html, re.S)
    assert found is not None, f"not the error page: {words(html)[:300]}"
    return words(found.group(0))


def main(html: str) -> str:
    """The page's content, as sent (the header holds the session's own token)."""
    found = re.search(r"<main\b.*?</main>", html, re.S)
    assert found is not None
    return found.group(0)


@contextmanager
def client_of(database_url: str, *, raise_server_exceptions: bool = True) -> Iterator[TestClient]:
    app = create_app(Settings(DATABASE_URL=database_url))
    try:
        with TestClient(
            app, follow_redirects=False, raise_server_exceptions=raise_server_exceptions
        ) as client:
            yield client
    finally:
        app.state.engine.dispose()


def sign_in(client: TestClient, person: TestPerson) -> str:
    """Sign in with the login form; the session's CSRF token."""
    signed = client.post("/login", data={"login": person.login, "password": person.password})
    assert signed.status_code == 303
    page = client.get("/orders").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def assert_error_page(answer: httpx.Response, status: int, heading: str) -> str:
    """The answer is the error page with ``status`` and ``heading``: its words."""
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html"), answer.headers["content-type"]
    assert LAYOUT in answer.text
    assert "Traceback" not in answer.text
    assert answer.headers["x-frame-options"] == "DENY"
    said = error_words(answer.text)
    assert said.startswith(heading), said
    return said


def test_an_address_nobody_serves_is_the_same_page_for_everyone_and_the_api_stays_json(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    ann = add_test_person(migrated_database_url, "ann", role=Role.MANAGER)
    addresses = ("/no-such-page", "/orders-and-more/1", "/static/no-such.css", "/Orders")
    with client_of(migrated_database_url) as visitor, client_of(migrated_database_url) as signed:
        sign_in(signed, ann)
        for address in addresses:
            stranger, known = visitor.get(address), signed.get(address)
            said = assert_error_page(stranger, 404, "Page not found")
            assert "There is no page at this address" in said
            assert 'href="/">Back to the overview</a>' in stranger.text
            assert known.text == stranger.text, "nothing tells who is asking what exists"
            assert known.status_code == 404
        for address in ("/api/no-such-thing", "/api", "/docs/nothing", "/openapi.json/x"):
            answer = visitor.get(address)
            assert answer.status_code == 404
            assert answer.headers["content-type"] == "application/json"
            assert answer.json() == {"detail": "Not Found"}
        record = signed.get("/orders/SO-NOPE")
        assert_error_page(record, 404, "Order SO-NOPE is not open")
        assert 'href="/orders">Back to the orders</a>' in record.text


def test_a_method_an_address_does_not_take_is_a_page_with_what_it_takes(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    ann = add_test_person(migrated_database_url, "ann", role=Role.MANAGER)
    with client_of(migrated_database_url) as client:
        sign_in(client, ann)
        posted = client.post("/orders")
        opened = client.get("/logout")
        api = client.post("/api/orders", headers={"Authorization": f"Bearer {ann.token}"})
    said = assert_error_page(posted, 405, "Not allowed at this address")
    assert posted.headers["allow"] == "GET"
    assert "This address does not take POST requests; it takes GET." in said
    said = assert_error_page(opened, 405, "Not allowed at this address")
    assert "This address is not a page to open: it takes a form sent from a page." in said
    assert api.status_code == 405
    assert api.json() == {"detail": "Method Not Allowed"}


def test_values_that_cannot_be_read_are_named_on_a_page_and_stay_json_on_the_api(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    ann = add_test_person(migrated_database_url, "ann", role=Role.MANAGER)
    with client_of(migrated_database_url) as client:
        token = sign_in(client, ann)
        deleted = client.post("/views/seven/delete", data={"csrf_token": token})
        forged = client.post("/views/7/delete", data={"csrf_token": "not the token"})
        api = client.delete("/api/views/seven", headers={"Authorization": f"Bearer {ann.token}"})
    with client_of(migrated_database_url) as stranger:
        too_long = stranger.post("/login", data={"login": "a" * 201, "password": "x"})

    said = assert_error_page(deleted, 422, "Some of what was asked for was not understood")
    assert "view_id (in the address): Input should be a valid integer" in said
    said = assert_error_page(too_long, 422, "Some of what was asked for was not understood")
    assert "login (in the form): String should have at most 200 characters." in said
    said = assert_error_page(forged, 403, "Not allowed")
    assert "the form is out of date or did not come from Control Tower" in said
    assert api.status_code == 422
    assert api.headers["content-type"] == "application/json"
    detail = api.json()["detail"]
    assert [(d["loc"], d["type"]) for d in detail] == [(["path", "view_id"], "int_parsing")]


def test_a_failure_is_logged_and_shown_as_a_page_that_tells_nothing_of_it(
    migrated_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    load_scanned_demo(migrated_database_url)
    ann = add_test_person(migrated_database_url, "ann", role=Role.MANAGER)
    engine = make_engine(migrated_database_url)
    try:
        with engine.begin() as connection:
            # the environment fails: a table the orders pages read is gone (with the
            # pegs that refer to its rows)
            connection.execute(sa.text("DROP TABLE order_pegs"))
            connection.execute(sa.text("DROP TABLE order_risk"))
    finally:
        engine.dispose()

    with (
        caplog.at_level(logging.ERROR, logger="controltower.web.error_pages"),
        client_of(migrated_database_url, raise_server_exceptions=False) as client,
    ):
        sign_in(client, ann)
        page = client.get("/orders?show=all")
        api = client.get("/api/orders", headers={"Authorization": f"Bearer {ann.token}"})

    said = assert_error_page(page, 500, "Something went wrong")
    assert "The server could not answer this request." in said
    assert 'href="/orders">Back to the orders</a>' in page.text
    for secret in ("order_risk", "OperationalError", "SELECT", "sqlalchemy", "psycopg"):
        assert secret not in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert api.status_code == 500
    assert api.text == "Internal Server Error"
    assert api.headers["content-type"].startswith("text/plain")
    logged = [r.getMessage() for r in caplog.records if r.name == "controltower.web.error_pages"]
    assert any(m.startswith("GET /orders failed: ") and "order_risk" in m for m in logged), logged
    assert any(m.startswith("GET /api/orders failed: ") for m in logged), logged


def test_a_record_out_of_scope_is_the_same_page_as_a_missing_one(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    with api_client(migrated_database_url) as admin:
        order = admin.get("/api/orders", params={"warehouse": "LDS", "page_size": 1}).json()
        case = admin.get(
            "/api/exceptions", params={"view": "cases", "warehouse": "LDS", "page_size": 1}
        ).json()
    po = next(
        p.po_id
        for p in demo_dataset().purchase_orders
        if p.warehouse == "LDS" and p.status is OrderStatus.OPEN
    )
    pairs = {
        "/orders/": (order["items"][0]["order_id"], "SO-NOPE"),
        "/exceptions/cases/": (case["items"][0]["id"], "CASE-0000000000000000"),
        "/purchase-orders/": (po, "PO-NOPE"),
        "/warehouse-work?warehouse=": ("LDS", "NOWHERE"),
    }
    man = add_test_person(migrated_database_url, "max", role=Role.MANAGER, warehouses=["MAN"])
    with client_of(migrated_database_url) as client:
        sign_in(client, man)
        for path, (hidden, missing) in pairs.items():
            out_of_scope, absent = client.get(f"{path}{hidden}"), client.get(f"{path}{missing}")
            assert out_of_scope.status_code == absent.status_code == 404, path
            assert error_words(out_of_scope.text).replace(hidden, "ID") == error_words(
                absent.text
            ).replace(missing, "ID"), path
            assert main(out_of_scope.text).replace(hidden, "ID") == main(absent.text).replace(
                missing, "ID"
            ), path
