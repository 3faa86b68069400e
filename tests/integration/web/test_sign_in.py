"""Signing in and out: sessions, timeouts, throttling, CSRF and bearer tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from controltower.bootstrap import create_app
from controltower.domain.people import Role
from controltower.settings import Settings
from controltower.storage import tables
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.people import change_person
from helpers.people import TestPerson, add_test_person

pytestmark = pytest.mark.database


@pytest.fixture
def ann(migrated_database_url: str) -> TestPerson:
    return add_test_person(migrated_database_url, "ann", role=Role.MANAGER)


@pytest.fixture
def client(migrated_database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(DATABASE_URL=migrated_database_url))
    try:
        with TestClient(app, follow_redirects=False) as test_client:
            yield test_client
    finally:
        app.state.engine.dispose()


def sign_in(client: TestClient, login: str, password: str, next_page: str = "/") -> int:
    response = client.post("/login", data={"login": login, "password": password, "next": next_page})
    return int(response.status_code)


def csrf_of(client: TestClient) -> str:
    page = client.get("/", follow_redirects=True).text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, "a signed-in page carries the session's CSRF token"
    return found.group(1)


def age_sessions(database_url: str, *, last_seen: timedelta, created: timedelta) -> None:
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            sa.update(tables.web_sessions).values(
                last_seen_at=now - last_seen, created_at=now - created
            )
        )
    engine.dispose()


def test_a_page_asked_for_without_a_session_leads_to_the_login_page_and_back(
    client: TestClient, ann: TestPerson
) -> None:
    response = client.get("/orders?warehouse=WH-EAST")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Forders%3Fwarehouse%3DWH-EAST"
    login_page = client.get(response.headers["location"])
    assert login_page.status_code == 200
    assert 'name="next" value="/orders?warehouse=WH-EAST"' in login_page.text
    signed = client.post(
        "/login",
        data={"login": "ANN", "password": ann.password, "next": "/orders?warehouse=WH-EAST"},
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/orders?warehouse=WH-EAST"
    assert client.get("/").status_code == 200


def test_the_session_cookie_is_http_only_same_site_and_secure_over_https(
    migrated_database_url: str, ann: TestPerson
) -> None:
    app = create_app(Settings(DATABASE_URL=migrated_database_url))
    try:
        for base, secure in (("http://testserver", False), ("https://testserver", True)):
            with TestClient(app, base_url=base, follow_redirects=False) as test_client:
                response = test_client.post(
                    "/login", data={"login": "ann", "password": ann.password}
                )
                cookie = response.headers["set-cookie"].lower()
                assert "httponly" in cookie
                assert "samesite=lax" in cookie
                assert ("secure" in cookie.split("; ")) is secure
    finally:
        app.state.engine.dispose()


@pytest.mark.usefixtures("ann")
def test_a_wrong_password_and_an_unknown_login_get_the_same_answer(client: TestClient) -> None:
    wrong = client.post("/login", data={"login": "ann", "password": "not the password"})
    unknown = client.post("/login", data={"login": "nobody", "password": "whatever it is"})
    assert wrong.status_code == unknown.status_code == 401
    assert "The login or the password is wrong." in wrong.text
    assert "The login or the password is wrong." in unknown.text
    assert "ct_session" not in wrong.headers.get("set-cookie", "")


def test_repeated_failures_lock_the_login_even_for_the_right_password(
    client: TestClient, ann: TestPerson
) -> None:
    for _ in range(5):
        assert sign_in(client, "ann", "guessing wrong") == 401
    locked = client.post("/login", data={"login": "ann", "password": ann.password})
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    assert "ct_session" not in locked.headers.get("set-cookie", "")


def test_the_login_page_never_sends_a_visitor_to_another_site(
    client: TestClient, ann: TestPerson
) -> None:
    for target in ("//evil.example/", "https://evil.example/", "\\\\evil.example"):
        response = client.post(
            "/login", data={"login": "ann", "password": ann.password, "next": target}
        )
        assert response.headers["location"] == "/my-work"


def test_signing_out_needs_the_csrf_token_and_ends_the_session(
    client: TestClient, ann: TestPerson
) -> None:
    assert sign_in(client, "ann", ann.password) == 303
    token = csrf_of(client)
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/").status_code == 303


def test_an_idle_session_and_a_session_past_its_absolute_limit_end(
    client: TestClient, ann: TestPerson, migrated_database_url: str
) -> None:
    assert sign_in(client, "ann", ann.password) == 303
    age_sessions(migrated_database_url, last_seen=timedelta(minutes=29), created=timedelta(hours=1))
    assert client.get("/").status_code == 200
    age_sessions(migrated_database_url, last_seen=timedelta(minutes=31), created=timedelta(hours=1))
    assert client.get("/").status_code == 303
    assert sign_in(client, "ann", ann.password) == 303
    age_sessions(migrated_database_url, last_seen=timedelta(0), created=timedelta(hours=13))
    assert client.get("/").status_code == 303


def test_a_new_password_signs_the_person_out_everywhere(
    client: TestClient, ann: TestPerson, migrated_database_url: str
) -> None:
    assert sign_in(client, "ann", ann.password) == 303
    engine = make_engine(migrated_database_url)
    with make_session_factory(engine)() as session:
        change_person(session, "ann", now=datetime.now(UTC), password="another long password")
        session.commit()
    engine.dispose()
    assert client.get("/").status_code == 303


def test_the_api_wants_a_valid_bearer_token(
    client: TestClient, ann: TestPerson, migrated_database_url: str
) -> None:
    missing = client.get("/api/pictures")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "controltower user token" in missing.json()["detail"]
    assert (
        client.get("/api/pictures", headers={"Authorization": "Bearer ct_nope"}).status_code == 401
    )
    good = {"Authorization": f"Bearer {ann.token}"}
    assert client.get("/api/pictures", headers=good).status_code == 200
    engine = make_engine(migrated_database_url)
    with make_session_factory(engine)() as session:
        change_person(session, "ann", now=datetime.now(UTC), active=False)
        session.commit()
    engine.dispose()
    assert client.get("/api/pictures", headers=good).status_code == 401


def test_health_answers_without_signing_in(client: TestClient) -> None:
    assert client.get("/api/health").status_code == 200


def test_a_proxy_s_own_authorization_header_does_not_sign_the_browser_out(
    client: TestClient, ann: TestPerson
) -> None:
    assert sign_in(client, "ann", ann.password) == 303
    proxied = client.get("/", headers={"Authorization": "Basic cHJveHk6c2VjcmV0"})
    assert proxied.status_code == 200
    assert client.get("/api/pictures", headers={"Authorization": "Basic eDp5"}).status_code == 200
