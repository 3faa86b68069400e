"""Codes are data, never part of a URL's syntax: an order, customer, supplier, product
or purchase order whose code holds ``/``, ``#``, ``?``, ``%``, ``&``, spaces, ``+``,
accents, or is ``..`` opens through the very links the pages render, and the API
answers for it.

The pages are crawled from the lists as a browser would follow them, from a real
server (uvicorn decodes a path once, as every server does; the test client decodes it
twice, so ``%41`` would reach the app as ``A``), by an HTTP client that resolves dot
segments as a browser does: a link that loses part of its code, or leads to another
page, shows up as a page not reached or not found.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
import uvicorn

from controltower.bootstrap import create_app
from controltower.domain.model import Dataset, Warehouse
from controltower.settings import Settings
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.repository import replace_picture
from helpers.entity_facts import stored_cases
from helpers.odd_ids_business import WHOLE_CODES, Family, families, load_odd_ids_business
from helpers.people import add_test_person, bearer

pytestmark = pytest.mark.database

#: where the pages of things live: what the crawl follows
_ENTITY_PREFIXES = (
    "/orders/",
    "/customers/",
    "/suppliers/",
    "/products/",
    "/purchase-orders/",
    "/exceptions/cases/",
)
_START = ("/orders?show=all", "/exceptions?view=cases", "/warehouse-work", "/my-work")


@contextmanager
def served(database_url: str) -> Iterator[httpx.Client]:
    """A client of the real app served by uvicorn on a free loopback port, signed in as
    an administrator. The client waits as long as a loaded machine may need: these tests
    check addresses, not speed, and httpx's 5 s default failed a run on a busy CI machine."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    app = create_app(Settings(DATABASE_URL=database_url, host="127.0.0.1", port=port))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    headers = bearer(add_test_person(database_url, "admin"))
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            headers=headers,
            follow_redirects=True,
            timeout=120,
        ) as client:
            deadline = time.monotonic() + 30
            while not server.started and thread.is_alive() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert server.started, "the server did not start"
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


def _hrefs(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', html)]


def _heading(html: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    return unescape(re.sub(r"<[^>]+>", "|", found.group(1))) if found else ""


def _crawl(client: httpx.Client) -> dict[str, tuple[int, str]]:
    """Every entity page reachable from the lists by their links: address -> (status,
    heading)."""
    seen: dict[str, tuple[int, str]] = {}
    waiting = deque(_START)
    while waiting:
        address = waiting.popleft()
        response = client.get(address)
        heading = _heading(response.text)
        if address not in _START:
            seen[address] = (response.status_code, heading)
        for href in _hrefs(response.text):
            target = href.partition("#")[0]
            if target.startswith(_ENTITY_PREFIXES) and target not in seen:
                seen[target] = (0, "")
                waiting.append(target)
    return seen


def _expected_headings(family: Family) -> dict[str, str]:
    """What each page of the family says in its heading (the code as data)."""
    return {
        "order": f"Order {family.order}",
        "customer": f"Customer {family.customer} |{family.customer}|",
        "supplier": f"Supplier {family.supplier} |{family.supplier}|",
        "product": family.product,
        "purchase_order": f"Purchase order {family.purchase_order}",
    }


def test_every_page_of_an_odd_code_opens_through_the_links_the_pages_render(
    migrated_database_url: str,
) -> None:
    load_odd_ids_business(migrated_database_url)
    with served(migrated_database_url) as client:
        crawled = _crawl(client)

    failed = {address: status for address, (status, _) in crawled.items() if status != 200}
    assert failed == {}
    headings = {heading.split("\n")[0].strip() for _, heading in crawled.values()}
    missing = [
        (kind, text)
        for family in families()
        for kind, text in _expected_headings(family).items()
        if not any(heading.startswith(text) for heading in headings)
    ]
    assert missing == []
    case_pages = {urlsplit(address).path for address in crawled if "/exceptions/cases/" in address}
    cases = {f"/exceptions/cases/{case.id}" for case in stored_cases(migrated_database_url)}
    assert cases <= case_pages


def _api_address(resource: str, code: str) -> str:
    """The API's address of a code: a path segment, or the ``id`` parameter for a code no
    path can carry (``..`` resolves to the parent)."""
    if code in WHOLE_CODES:
        return f"/api/{resource}/?{'id=' + quote(code, safe='')}"
    return f"/api/{resource}/{quote(code, safe='')}"


def test_the_api_answers_for_every_odd_code_and_its_search_urls_open(
    migrated_database_url: str,
) -> None:
    load_odd_ids_business(migrated_database_url)
    answers: list[tuple[str, str, int, str]] = []
    with served(migrated_database_url) as client:
        for family in families():
            for resource, key, code in (
                ("orders", "order_id", family.order),
                ("customers", "code", family.customer),
                ("suppliers", "code", family.supplier),
                ("products", "sku", family.product),
                ("purchase-orders", "purchase_order.po_id", family.purchase_order),
            ):
                response = client.get(_api_address(resource, code))
                found = response.json() if response.status_code == 200 else {}
                for part in key.split("."):
                    found = found.get(part, {})
                answers.append((resource, code, response.status_code, str(found)))
            search = client.get("/api/search", params={"q": family.order, "limit": 50})
            urls = [m["url"] for m in search.json()["items"] if m["code"] == family.order]
            opened = [client.get(url) for url in urls]
            assert urls, family.order
            assert [page.status_code for page in opened] == [200] * len(urls)
            assert _heading(opened[0].text).startswith(f"Order {family.order}")

    wrong = [(r, code, status, found) for r, code, status, found in answers if found != code]
    assert wrong == []


def test_the_search_page_opens_a_single_exact_odd_code_on_its_own_page(
    migrated_database_url: str,
) -> None:
    load_odd_ids_business(migrated_database_url)
    with served(migrated_database_url) as client:
        for family in families():
            page = client.get("/search", params={"q": family.purchase_order})
            assert page.status_code == 200, family.purchase_order
            heading = _heading(page.text)
            if not heading.startswith("Search"):
                assert heading.startswith(f"Purchase order {family.purchase_order}")


def _add_other_company(database_url: str) -> None:
    """A second picture, of another company: the pages then ask which one to show."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            replace_picture(
                session,
                Dataset(warehouses=[Warehouse("WEST", "West", "OTHER")]),
                source="other",
                imported_at=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("address", "heading"),
    [
        ("/purchase-orders/" + quote("PO?x=1&y=1", safe=""), "Purchase order PO?x=1&y=1"),
        ("/orders/" + quote("SO%411", safe=""), "Order SO%411"),
        ("/orders/?id=..", "Order .."),
    ],
)
def test_choosing_a_company_keeps_the_odd_code_of_the_page(
    migrated_database_url: str, address: str, heading: str
) -> None:
    load_odd_ids_business(migrated_database_url)
    _add_other_company(migrated_database_url)
    with served(migrated_database_url) as client:
        choice = client.get(address)
        assert _heading(choice.text) == "Choose a company"
        chosen = [href for href in _hrefs(choice.text) if "company=ACME" in href]
        page = client.get(chosen[0])

    assert page.status_code == 200
    assert _heading(page.text).startswith(heading)


def test_signing_in_comes_back_to_the_page_of_the_odd_code(migrated_database_url: str) -> None:
    load_odd_ids_business(migrated_database_url)
    address = "/orders/" + quote("SO#1", safe="")
    with served(migrated_database_url) as client:
        anonymous = client.get(address, headers={"Authorization": ""}, follow_redirects=False)
        back = parse_qs(urlsplit(anonymous.headers["location"]).query)["next"]
        page = client.get(back[0])

    assert back == [address]
    assert _heading(page.text).startswith("Order SO#1")
