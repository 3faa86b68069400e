"""No page and no list response grows with the business: twice the orders and cases,
the same bytes (within the spread of what the rows happen to say)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from controltower.demo.generator import generate_business
from controltower.demo.sizes import size_for_open_lines
from controltower.policy import load_policy
from controltower.storage.database import make_engine, make_session_factory, migrate
from controltower.storage.picture_store import SqlPictureStore
from controltower.storage.queries.incidents import MEMBERS_SHOWN
from controltower.storage.repository import replace_picture
from controltower.workflow.stored_scan import run_stored_scan
from helpers.scanned_demo import AS_OF, IMPORTED_AT, SCANNED_AT, api_client

pytestmark = pytest.mark.database

#: open order lines of the smaller business; the larger one has twice as many
LINES = 1_600

#: every list here has more than one full page at both sizes
FULL_PAGES = (
    "/api/orders",
    "/api/exceptions",
    "/api/exceptions?view=incidents",
    "/orders?show=all",
    "/exceptions",
    "/exceptions?view=cases",
)

#: how much larger a page of the same rows may be: the rows differ (longer names and
#: explanations), their number does not
MARGIN = 1.3


@contextmanager
def business(database_url: str, lines: int) -> Iterator[tuple[TestClient, int, int]]:
    """A generated business of ``lines`` open order lines, stored and scanned."""
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        dataset = generate_business(size_for_open_lines(lines), seed=3, as_of=AS_OF)
        with make_session_factory(engine).begin() as session:
            picture = replace_picture(session, dataset, source="test", imported_at=IMPORTED_AT)
        with make_session_factory(engine).begin() as session:
            result = run_stored_scan(
                SqlPictureStore(session, picture.picture_id),
                as_of=AS_OF,
                policy=load_policy(),
                now=SCANNED_AT,
            )
    finally:
        engine.dispose()
    with api_client(database_url) as client:
        yield client, result.orders, result.active_cases


#: a page of incidents lists each with at most this many of its cases: it grows with
#: how many cases the incidents on it have, up to that bound, not with the business
INCIDENTS = "/api/exceptions?view=incidents"


def sizes(client: TestClient) -> dict[str, int]:
    found = {}
    for path in (*FULL_PAGES, "/"):
        response = client.get(path)
        assert response.status_code == 200, path
        found[path] = len(response.content)
        if path == INCIDENTS:
            items = response.json()["items"]
            shown = [len(item["members"]) for item in items]
            assert max(shown) <= MEMBERS_SHOWN
            # the size of a page per case it shows: the rest is bounded by the page size
            found[path] = len(response.content) // max(1, sum(shown) + len(items))
        elif path == "/exceptions":  # the queue by root cause, its incidents' cases listed
            rows = response.text.count("<tr data-incident=")
            members = response.text.count('<li><span class="sev sev-')
            found[path] = len(response.content) // max(1, rows + members)
    return found


def test_twice_the_business_gives_pages_of_the_same_size(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if database_url.startswith("sqlite"):
        larger_url = f"sqlite:///{tmp_path_factory.mktemp('larger') / 'larger.db'}"
    else:
        larger_url = None
    with business(database_url, LINES) as (client, orders, cases):
        smaller = sizes(client)
    if larger_url is None:
        # one PostgreSQL database per test: the larger business replaces the smaller one
        with business_replacing(database_url, 2 * LINES) as (client, more_orders, more_cases):
            larger = sizes(client)
    else:
        with business(larger_url, 2 * LINES) as (client, more_orders, more_cases):
            larger = sizes(client)

    assert more_orders > 1.8 * orders
    assert more_cases > 1.5 * cases
    for path in (*FULL_PAGES, "/"):
        assert larger[path] < MARGIN * smaller[path], (path, smaller[path], larger[path])


@contextmanager
def business_replacing(database_url: str, lines: int) -> Iterator[tuple[TestClient, int, int]]:
    """A larger business stored in the same database, replacing every picture; its cases
    are counted in the same scan (the smaller one's are filed under the same company and
    resolve or update, so the larger scan's active cases are what the pages list)."""
    engine = make_engine(database_url)
    try:
        dataset = generate_business(size_for_open_lines(lines), seed=3, as_of=AS_OF)
        with make_session_factory(engine).begin() as session:
            picture = replace_picture(
                session, dataset, source="test", imported_at=IMPORTED_AT, replace_all=True
            )
        with make_session_factory(engine).begin() as session:
            result = run_stored_scan(
                SqlPictureStore(session, picture.picture_id),
                as_of=AS_OF,
                policy=load_policy(),
                now=SCANNED_AT,
            )
    finally:
        engine.dispose()
    with api_client(database_url) as client:
        yield client, result.orders, result.active_cases
