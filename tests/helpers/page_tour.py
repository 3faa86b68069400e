"""A tour of every page of the web app, for the browser tests that check each of them
(``tests/e2e/test_every_page.py`` walks it once, checking each page with
``helpers.page_checks``).

The page routes are read from the app itself (every route declared to answer with an
HTML page, ``response_class=HTMLResponse``, as every page route of ``controltower.web``
is), and :func:`tour_stops` says how a person reaches each one in the browser, so a
page added without a stop here fails :func:`routes_without_a_stop`. The stops show the
scanned demo at its fullest: the most urgent order that waits on a purchase order (so
the order, the purchase order, its supplier and the product all have lists to show),
the most severe case, a person's own work, a saved view, a refused action and a
refused sign-in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

import httpx
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from controltower.bootstrap import create_app
from controltower.settings import Settings
from helpers.action_requests import split_candidate
from helpers.live_server import LiveServer, sign_in
from helpers.people import TEST_PASSWORD, bearer
from helpers.scanned_demo import ScannedDemo, load_scanned_demo, store_demo
from helpers.work import act, assigned_to

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FilePayload, Page, ViewportSize

#: the two widths every page is checked at: a phone held upright, and a laptop
WIDTHS: Final = {"phone": (390, 844), "laptop": (1280, 900)}

#: the data the page routes are read from (no request is made to it)
_NO_DATABASE: Final = "sqlite:///:memory:"


def page_routes(app: FastAPI | None = None) -> set[tuple[str, str]]:
    """(method, path) of every route of the app declared to answer with an HTML page."""
    if app is None:
        made = create_app(Settings(DATABASE_URL=_NO_DATABASE))
        try:
            return page_routes(made)
        finally:
            made.state.engine.dispose()
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        candidates: list[Any] = list(contexts()) if callable(contexts) else [route]
        for candidate in candidates:
            if getattr(candidate, "response_class", None) is not HTMLResponse:
                continue
            methods = getattr(candidate, "methods", None) or set()
            path = str(getattr(candidate, "path", ""))
            found.update((method, path) for method in methods if method != "HEAD")
    return found


@dataclass(frozen=True)
class Showcase:
    """The codes of the demo's pages that have the most to show."""

    order: str
    case: str
    customer: str
    supplier: str
    purchase_order: str
    sku: str


def _api(server: LiveServer, path: str, **params: str | int) -> Any:
    response = httpx.get(
        server.url + path, params=params, headers=bearer(server.person), timeout=30
    )
    response.raise_for_status()
    return response.json()


def showcase(server: LiveServer) -> Showcase:
    """The most urgent order with a line waiting on a purchase order, that purchase
    order, its supplier, the line's product and customer; the most severe case."""
    orders = _api(server, "/api/orders", page_size=100)["items"]
    for order in orders:
        detail = _api(server, f"/api/orders/{quote(order['order_id'], safe='')}")
        for line in detail["lines"]:
            if line["from_inbound"]:
                po = line["from_inbound"][0]["po_id"]
                bought = _api(server, f"/api/purchase-orders/{quote(po, safe='')}")
                case = _api(server, "/api/exceptions", view="cases", page_size=1)["items"][0]
                return Showcase(
                    order=order["order_id"],
                    case=case["id"],
                    customer=order["customer"],
                    supplier=bought["purchase_order"]["supplier"],
                    purchase_order=po,
                    sku=line["sku"],
                )
    raise AssertionError("no order of the demo waits on a purchase order")


@dataclass(frozen=True)
class Stop:
    """One page of the tour: which route shows it, and how a person gets there."""

    name: str
    #: the (method, path) of the route that answers with this page
    route: tuple[str, str]
    #: takes a browser tab (signed in, unless ``signed_in`` is false) to the page
    visit: Callable[[Page], None]
    signed_in: bool = True


def _wait_for_chart(page: Page) -> None:
    """The overview draws its chart after loading: wait for plotly's drawing."""
    page.locator('[data-part="chart-by-type"] svg.main-svg').first.wait_for(timeout=15000)


def _wait_for_outcomes_chart(page: Page) -> None:
    """The alert-effectiveness page draws its chart after loading, as the overview does."""
    page.locator('[data-part="chart-effectiveness"] svg.main-svg').first.wait_for(timeout=15000)


def _go(
    server: LiveServer, path: str, then: Callable[[Page], None] | None = None
) -> Callable[[Page], None]:
    def visit(page: Page) -> None:
        page.goto(server.url + path)
        if then is not None:
            then(page)

    return visit


def _refused_sign_in(server: LiveServer) -> Callable[[Page], None]:
    def visit(page: Page) -> None:
        page.goto(server.url + "/login")
        page.get_by_label("Login").fill(server.person.login)
        page.get_by_label("Password").fill(TEST_PASSWORD + " not")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    return visit


def _refused_comment(server: LiveServer, case: str) -> Callable[[Page], None]:
    """A comment of blanks passes the browser's check and is refused by the server."""

    def visit(page: Page) -> None:
        page.goto(f"{server.url}/exceptions/cases/{case}")
        page.locator("#comment-form").get_by_label("Comment").fill("   ")
        page.get_by_role("button", name="Add comment").click()
        page.wait_for_load_state()

    return visit


def _bulk_acknowledged(server: LiveServer) -> Callable[[Page], None]:
    def visit(page: Page) -> None:
        page.goto(f"{server.url}/exceptions?view=cases")
        page.locator('table.cases input[name="ids"]').nth(1).check()
        page.get_by_role("button", name="Acknowledge selected").click()
        page.wait_for_load_state()

    return visit


def _saved_view(server: LiveServer) -> Callable[[Page], None]:
    def visit(page: Page) -> None:
        page.goto(f"{server.url}/orders?status=short&sort=value")
        page.get_by_label("Save this view as").fill("Short, most valuable first")
        page.get_by_role("button", name="Save this view").click()
        page.wait_for_load_state()

    return visit


def tour_stops(server: LiveServer, shown: Showcase) -> list[Stop]:
    """Every page of the scanned demo, as its person reaches it."""
    order, po = quote(shown.order, safe=""), quote(shown.purchase_order, safe="")
    return [
        Stop("sign in", ("GET", "/login"), _go(server, "/login"), signed_in=False),
        Stop("sign-in refused", ("POST", "/login"), _refused_sign_in(server), signed_in=False),
        Stop("overview", ("GET", "/"), _go(server, "/", _wait_for_chart)),
        Stop("orders at risk", ("GET", "/orders"), _go(server, "/orders")),
        Stop("saved view", ("GET", "/orders"), _saved_view(server)),
        Stop("order", ("GET", "/orders/{order_id:path}"), _go(server, f"/orders/{order}")),
        Stop("incidents", ("GET", "/exceptions"), _go(server, "/exceptions")),
        Stop("case queue", ("GET", "/exceptions"), _go(server, "/exceptions?view=cases")),
        Stop(
            "case",
            ("GET", "/exceptions/cases/{case_id}"),
            _go(server, f"/exceptions/cases/{shown.case}"),
        ),
        Stop(
            "case action refused",
            ("POST", "/exceptions/cases/{case_id}/{action}"),
            _refused_comment(server, shown.case),
        ),
        Stop("bulk acknowledged", ("POST", "/exceptions/bulk"), _bulk_acknowledged(server)),
        Stop(
            "alert effectiveness",
            ("GET", "/exceptions/effectiveness"),
            _go(server, "/exceptions/effectiveness?by=owner", _wait_for_outcomes_chart),
        ),
        Stop("my work", ("GET", "/my-work"), _go(server, "/my-work")),
        Stop("warehouse work", ("GET", "/warehouse-work"), _go(server, "/warehouse-work")),
        Stop("search results", ("GET", "/search"), _go(server, "/search?q=c")),
        Stop(
            "customer",
            ("GET", "/customers/{code:path}"),
            _go(server, f"/customers/{quote(shown.customer, safe='')}"),
        ),
        Stop(
            "supplier",
            ("GET", "/suppliers/{code:path}"),
            _go(server, f"/suppliers/{quote(shown.supplier, safe='')}"),
        ),
        Stop(
            "purchase order",
            ("GET", "/purchase-orders/{po_id:path}"),
            _go(server, f"/purchase-orders/{po}"),
        ),
        Stop(
            "product",
            ("GET", "/products/{sku:path}"),
            _go(server, f"/products/{quote(shown.sku, safe='')}"),
        ),
        Stop(
            "order not found",
            ("GET", "/orders/{order_id:path}"),
            _go(server, "/orders/NO-SUCH-ORDER"),
        ),
        Stop("address nobody serves", ("GET", "/"), _go(server, "/no-such-page")),
        Stop("notifications", ("GET", "/notifications"), _go(server, "/notifications")),
        Stop(
            "dead letters",
            ("GET", "/admin/notifications/dead-letters"),
            _go(server, "/admin/notifications/dead-letters"),
        ),
        Stop("audit trail", ("GET", "/audit"), _go(server, "/audit")),
        *action_stops(server),
    ]


def action_stops(server: LiveServer) -> list[Stop]:
    """The governed action pages, as a person goes through them: the form of shipping the
    available part of an order at risk (one whose customer takes no partial shipment, so
    it needs a manager's approval; found when the tour gets there), its preview, a
    request refused for want of a reason, the request made, the list, a file attached to
    the newest request and that request cancelled."""

    def form(page: Page) -> None:
        order_id = split_candidate(server.database_url).order_id
        page.goto(f"{server.url}/actions/new?type=split_shipment&order_id={quote(order_id)}")

    def previewed(page: Page) -> None:
        form(page)
        page.get_by_role("button", name="Preview", exact=True).click()
        page.wait_for_load_state()

    def requested(reason: str | None) -> Callable[[Page], None]:
        def visit(page: Page) -> None:
            previewed(page)
            if reason is not None:
                page.get_by_label("Reason").select_option(reason)
            page.get_by_role("button", name="Request", exact=True).click()
            page.wait_for_load_state()

        return visit

    def on_newest(then: Callable[[Page], None]) -> Callable[[Page], None]:
        def visit(page: Page) -> None:
            page.goto(server.url + "/actions?show=mine")
            page.locator("table.actions-list tbody tr a").first.click()
            page.wait_for_load_state()
            then(page)

        return visit

    def attach(page: Page) -> None:
        sheet: FilePayload = {"name": "count.csv", "mimeType": "text/csv", "buffer": b"A,1\n"}
        page.locator("#evidence-form input[type=file]").set_input_files(files=[sheet])
        page.get_by_role("button", name="Attach").click()
        page.wait_for_load_state()

    def cancel(page: Page) -> None:
        page.get_by_role("button", name="Cancel the request").click()
        page.wait_for_load_state()

    return [
        Stop("action form", ("GET", "/actions/new"), form),
        Stop("action preview", ("POST", "/actions/preview"), previewed),
        Stop("action request refused", ("POST", "/actions"), requested(None)),
        Stop("action requested", ("GET", "/actions/{action_id}"), requested("customer_request")),
        Stop("requests", ("GET", "/actions"), _go(server, "/actions?show=all")),
        Stop("evidence attached", ("POST", "/actions/{action_id}/evidence"), on_newest(attach)),
        Stop("request cancelled", ("POST", "/actions/{action_id}/{decision}"), on_newest(cancel)),
    ]


def routes_without_a_stop(stops: list[Stop]) -> list[tuple[str, str]]:
    """The page routes no stop of the tour shows (none, when the tour is whole)."""
    return sorted(page_routes() - {stop.route for stop in stops})


def load_the_tour(server: LiveServer) -> tuple[ScannedDemo, list[Stop]]:
    """The scanned demo with the most severe case assigned to the signed-in
    administrator (so My work has rows), and the tour of its pages."""
    demo = load_scanned_demo(server.database_url)
    shown = showcase(server)
    act(server.database_url, demo, shown.case, assigned_to(server.person.login))
    return demo, tour_stops(server, shown)


def empty_stops(server: LiveServer) -> list[Stop]:
    """The pages before anything is loaded: the overview and a list say how to load."""
    return [
        Stop("overview, nothing loaded", ("GET", "/"), _go(server, "/")),
        Stop("notice: nothing loaded", ("GET", "/exceptions"), _go(server, "/exceptions")),
    ]


def before_a_scan_stops(server: LiveServer) -> list[Stop]:
    """The pages of a business loaded but never scanned: the overview says how to scan,
    a list page says so in a notice."""
    return [
        Stop("overview before a scan", ("GET", "/"), _go(server, "/")),
        Stop("notice: no scan yet", ("GET", "/orders"), _go(server, "/orders")),
    ]


def store_unscanned_demo(server: LiveServer) -> None:
    store_demo(server.database_url)


def walk(
    browser: Browser,
    server: LiveServer,
    stops: list[Stop],
    check: Callable[[Page], list[str]],
) -> list[str]:
    """Visit every stop at both :data:`WIDTHS` and ``check`` each page as it shows; the
    problems found, each prefixed with the page and the width (none when all is well)."""
    problems: list[str] = []
    for width_name, (width, height) in WIDTHS.items():
        with _tabs(browser, server, (width, height)) as (signed_in, anonymous):
            for stop in stops:
                page = signed_in if stop.signed_in else anonymous
                stop.visit(page)
                where = f"{stop.name} at {width}px ({width_name}, {page.url})"
                problems.extend(f"{where}: {problem}" for problem in check(page))
    return problems


@contextmanager
def _tabs(
    browser: Browser, server: LiveServer, size: tuple[int, int]
) -> Iterator[tuple[Page, Page]]:
    """Two tabs of ``size``: one signed in as the server's administrator, one not."""
    viewport: ViewportSize = {"width": size[0], "height": size[1]}
    signed_in, anonymous = (
        browser.new_context(viewport=viewport),
        browser.new_context(viewport=viewport),
    )
    try:
        page = signed_in.new_page()
        sign_in(page, server, server.person)
        yield page, anonymous.new_page()
    finally:
        signed_in.close()
        anonymous.close()
