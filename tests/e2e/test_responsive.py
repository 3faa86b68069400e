"""A phone held upright (390 px) and a laptop (1280 px), beyond the page-by-page layout
check of ``test_every_page.py`` (nothing sideways, no words over a button, wide tables
as cards): the navigation folds behind a Menu button on the phone, and the overview,
the queue and an order show as they should at both widths.

Screenshots of the overview, the case queue and an order at both widths are kept in
``$CT_SCREENSHOT_DIR`` when it is set (``docs/screenshots`` holds the ones the docs
show).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from helpers.page_checks import PHONE, SIDEWAYS
from helpers.page_tour import WIDTHS, showcase
from helpers.scanned_demo import load_scanned_demo

if TYPE_CHECKING:
    from playwright.sync_api import FloatRect, Page

    from helpers.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.database]


def test_the_navigation_folds_behind_a_menu_button_on_a_phone(
    live_server: LiveServer, page: Page
) -> None:
    load_scanned_demo(live_server.database_url)
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    page.goto(live_server.url + "/exceptions")
    menu = page.get_by_role("button", name="Menu")
    orders = page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders at risk")
    assert menu.is_visible()
    assert menu.get_attribute("aria-expanded") == "false"
    assert not orders.is_visible()

    menu.focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    assert orders.is_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false"
    assert not orders.is_visible()
    assert page.evaluate("document.activeElement.textContent.trim()") == "Menu"

    menu.click()
    orders.click()
    page.wait_for_url(re.compile(r"/orders$"))
    assert page.get_by_role("heading", name="Orders at risk").is_visible()

    page.set_viewport_size({"width": 1280, "height": 900})
    assert not page.get_by_role("button", name="Menu").is_visible()
    assert (
        page.get_by_role("navigation", name="Main")
        .get_by_role("link", name="Overview")
        .is_visible()
    )


def keep(page: Page, tmp_path: Path, name: str) -> None:
    """A picture of the page, whole on a laptop and its first two screens on a phone;
    also in $CT_SCREENSHOT_DIR when it is set."""
    size = page.viewport_size
    assert size is not None
    clip: FloatRect | None = None
    if size["width"] == PHONE[0]:
        tall = min(2 * size["height"], page.evaluate("document.documentElement.scrollHeight"))
        clip = {"x": 0, "y": 0, "width": size["width"], "height": tall}
    folders = [tmp_path, *[Path(d) for d in [os.environ.get("CT_SCREENSHOT_DIR")] if d]]
    for folder in folders:
        page.screenshot(path=str(folder / name), full_page=True, clip=clip)


def test_the_overview_the_queue_and_an_order_at_a_phone_and_a_laptop_width(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    load_scanned_demo(live_server.database_url)
    order = showcase(live_server).order
    for width, height in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server.url + "/")
        page.locator('[data-part="chart-by-type"] svg.main-svg').first.wait_for(timeout=15000)
        assert page.locator('[data-stat="at-risk"]').is_visible()
        keep(page, tmp_path, f"overview-{width}.png")

        page.goto(live_server.url + "/exceptions")
        first = page.locator("table.incidents tbody tr").first
        assert first.locator('td[data-label="Severity"] .sev').is_visible()
        keep(page, tmp_path, f"queue-{width}.png")

        page.goto(f"{live_server.url}/orders/{quote(order, safe='')}")
        line = page.locator("table.lines tbody tr").first
        assert line.is_visible()
        product = line.locator('td[data-label="Product"]')
        shown_as = product.evaluate("cell => getComputedStyle(cell, '::before').content")
        assert shown_as == ('"Product"' if width == PHONE[0] else "none")
        keep(page, tmp_path, f"order-{width}.png")
    assert not page.evaluate(SIDEWAYS)
