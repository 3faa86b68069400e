"""A warehouse manager works through what the latest scan found, in a real browser."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from controltower.domain.analysis import OrderOutcome
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.repository import order_risk_rows
from controltower.web.formatting import words
from helpers.scanned_demo import load_scanned_demo, store_demo

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from helpers.live_server import LiveServer


def stored_orders(database_url: str, picture_id: int) -> list[OrderOutcome]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return [row.outcome for row in order_risk_rows(session, picture_id)]
    finally:
        engine.dispose()


def screenshot(page: Page, tmp_path: Path, name: str, *, publish: bool = True) -> None:
    """Keep a picture of the page; also in $CT_SCREENSHOT_DIR when it is set and ``publish``.

    ``overview.png`` there comes from test_overview_page.py alone (one source per file).
    """
    page.screenshot(path=str(tmp_path / name), full_page=True)
    shots = os.environ.get("CT_SCREENSHOT_DIR")
    if shots and publish:
        page.screenshot(path=str(Path(shots) / name), full_page=True)


def test_the_overview_shows_how_many_orders_are_at_risk_and_charts_the_exceptions(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    demo = load_scanned_demo(live_server.database_url)
    at_risk = sum(1 for o in stored_orders(live_server.database_url, demo.picture_id) if o.at_risk)

    page.goto(live_server.url + "/")

    assert page.locator('[data-stat="at-risk"]').inner_text() == str(at_risk)
    assert page.locator('[data-stat="open-orders"]').inner_text() == str(demo.open_orders)
    share = f"{at_risk * 100 / demo.open_orders:.1f}%"
    summary = page.locator('[data-part="risk-summary"]').inner_text()
    assert summary == f"Open orders {demo.open_orders}, at risk {at_risk} ({share})."
    assert "25 Nov 2026" in page.locator(".asof").inner_text()
    assert page.locator('[data-part="top-incidents"] tbody tr').count() == 5
    # plotly.js, served by the app itself, drew the chart as SVG
    page.locator('[data-part="chart-by-type"] svg.main-svg').first.wait_for(timeout=15000)
    assert page.locator('[data-part="chart-by-type"] .barlayer .point').count() > 0
    screenshot(page, tmp_path, "overview.png")


def test_an_overview_without_a_scan_says_how_to_run_one(
    live_server: LiveServer, page: Page
) -> None:
    store_demo(live_server.database_url)
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", name="No scan yet").is_visible()
    assert "controltower scan --db" in page.locator('[data-part="no-scan"]').inner_text()


def test_from_the_overview_to_the_queue_and_into_a_case_timeline(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    load_scanned_demo(live_server.database_url)
    page.goto(live_server.url + "/")

    page.get_by_role("link", name="See all exceptions").click()
    page.wait_for_url(re.compile(r"/exceptions\?view=incidents"))
    assert page.get_by_role("heading", name="Exceptions", exact=True).is_visible()
    incidents = int(page.locator("#queue-count").get_attribute("data-total") or 0)
    assert page.locator("table.incidents tbody tr").count() == min(incidents, 50) > 0
    screenshot(page, tmp_path, "exceptions.png")
    if incidents > 50:
        page.get_by_role("navigation", name="Pages of the queue").get_by_role(
            "link", name="Next"
        ).click()
        page.wait_for_url(re.compile(r"page=2"))
        assert (
            page.locator("#queue-count")
            .inner_text()
            .startswith(f"Showing 51–{min(incidents, 100)} of {incidents} incidents")
        )
        assert page.locator("table.incidents tbody tr").count() == min(incidents, 100) - 50

    page.locator(".tabs").get_by_role("link", name=re.compile("All cases")).click()
    page.wait_for_url(re.compile(r"view=cases"))
    cases = int(page.locator("#queue-count").get_attribute("data-total") or 0)
    assert cases > incidents, "several cases share a root cause"
    first = page.locator("table.cases tbody tr").first
    assert first.locator(".sev").inner_text() == "Critical"
    first.locator("a").first.click()

    page.wait_for_url(re.compile(r"/exceptions/cases/CASE-"))
    assert page.get_by_role("heading", name="Timeline").is_visible()
    event = page.locator("#timeline tbody tr").first
    assert "Opened" in event.inner_text()
    assert "system" in event.inner_text()
    assert "25 Nov 2026 10:00 UTC" in event.inner_text()
    screenshot(page, tmp_path, "case.png")


def test_the_orders_page_shows_orders_at_risk_and_filters_them_by_warehouse(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    demo = load_scanned_demo(live_server.database_url)
    orders = stored_orders(live_server.database_url, demo.picture_id)
    at_risk = [o for o in orders if o.at_risk]
    warehouse = max(
        {o.warehouse for o in at_risk}, key=lambda w: (sum(o.warehouse == w for o in at_risk), w)
    )

    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders at risk").click()
    page.wait_for_url(re.compile(r"/orders$"))
    assert page.locator("table.orders tbody tr").count() == len(at_risk)
    screenshot(page, tmp_path, "orders.png")

    warehouses = page.locator('details[data-filter="warehouse"]')
    warehouses.locator("summary").click()
    warehouses.get_by_label(re.compile(rf"{re.escape(warehouse)} ·")).check()
    warehouses.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(rf"warehouse={warehouse}"))
    rows = page.locator("table.orders tbody tr")
    expected = {o.order_id for o in at_risk if o.warehouse == warehouse}
    assert rows.count() == len(expected)
    assert {rows.nth(i).get_attribute("data-order") for i in range(rows.count())} == expected

    page.locator(".tabs").get_by_role("link", name=re.compile("All open orders")).click()
    page.wait_for_url(re.compile(r"show=all"))
    every = {o.order_id for o in orders if o.warehouse == warehouse}
    assert page.locator("table.orders tbody tr").count() == min(len(every), 100)


def test_an_order_page_explains_why_the_order_is_at_risk(
    live_server: LiveServer, page: Page
) -> None:
    demo = load_scanned_demo(live_server.database_url)
    orders = {o.order_id: o for o in stored_orders(live_server.database_url, demo.picture_id)}

    page.goto(live_server.url + "/orders")
    first = page.locator("table.orders tbody tr").first
    order_id = first.get_attribute("data-order") or ""
    first.get_by_role("link", name=order_id).click()

    page.wait_for_url(re.compile(rf"/orders/{order_id}$"))
    order = orders[order_id]
    assert page.get_by_role("heading", name=re.compile(f"Order {order_id}")).is_visible()
    sentences = page.locator("#explanation li").all_inner_texts()
    # the stored words, their ISO dates in the page's date style
    assert sentences == [words(sentence) for sentence in order.explanation]
    assert page.locator("table.lines tbody tr").count() == len(order.lines)
    assert "First seen" in page.locator("#status-history").inner_text()
