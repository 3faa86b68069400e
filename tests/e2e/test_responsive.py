"""Every page fits a phone held upright (390 px) and a laptop (1280 px): nothing scrolls
sideways, no words are drawn over a button, wide tables turn into one card per row, and
the navigation folds behind a Menu button on the phone.

Screenshots of the overview, the case queue and an order at both widths are kept in
``$CT_SCREENSHOT_DIR`` when it is set (``docs/screenshots`` holds the ones the docs
show).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

import pytest

from helpers.page_tour import (
    WIDTHS,
    before_a_scan_stops,
    empty_stops,
    load_the_tour,
    showcase,
    store_unscanned_demo,
    walk,
)
from helpers.scanned_demo import load_scanned_demo

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FloatRect, Page

    from helpers.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.database]

PHONE: Final = WIDTHS["phone"]

#: what sticks out sideways: the page itself, any table wider than the window (a table
#: kept whole inside a scrolling box would still be one to scroll sideways), and anything
#: shown past the window's right edge (the outermost of each such part)
SIDEWAYS: Final = """() => {
  const width = window.innerWidth;
  const found = [];
  const page = document.documentElement.scrollWidth;
  if (page > width) found.push(`the page is ${page}px wide in a ${width}px window`);
  const beyond = (element) => element.getBoundingClientRect().right > width + 0.5
    && element.checkVisibility({ visibilityProperty: true });
  document.body.querySelectorAll("*").forEach((element) => {
    if (!beyond(element) || (element.parentElement && beyond(element.parentElement))) return;
    const text = (element.textContent || "").trim().slice(0, 30);
    found.push(`a ${element.tagName.toLowerCase()}.${[...element.classList].join(".")} "${text}" `
      + `reaches ${Math.round(element.getBoundingClientRect().right)}px`);
  });
  document.querySelectorAll("table").forEach((table, index) => {
    const box = table.getBoundingClientRect();
    const name = table.className || table.id || `table ${index + 1}`;
    if (box.right > width + 0.5) found.push(`table "${name}" reaches ${Math.round(box.right)}px`);
    if (table.scrollWidth > table.clientWidth + 1)
      found.push(`table "${name}" is ${table.scrollWidth}px wide in ${table.clientWidth}px`);
    table.querySelectorAll("td, th").forEach((cell) => {
      const shown = cell.checkVisibility() && getComputedStyle(cell).overflowX === "visible";
      if (shown && cell.scrollWidth > cell.clientWidth + 1)
        found.push(`in table "${name}", "${cell.textContent.trim().slice(0, 30)}" sticks out of its cell`);
    });
  });
  return [...new Set(found)];
}"""

#: cells whose data-label (the name a card shows beside the value) is not their header
MISLABELLED: Final = """() => {
  const found = [];
  document.querySelectorAll("table.data, table.grid").forEach((table) => {
    const heads = [...table.querySelectorAll("thead th")].map((th) => {
      const words = th.cloneNode(true);
      words.querySelectorAll("[aria-hidden]").forEach((hidden) => hidden.remove());
      return words.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach((row) => {
      const cells = [...row.children];
      if (cells.some((cell) => cell.colSpan > 1)) return;
      cells.forEach((cell, column) => {
        const label = cell.getAttribute("data-label");
        if (label !== heads[column])
          found.push(`${table.className}: a cell labelled "${label}" under "${heads[column]}"`);
      });
    });
  });
  return [...new Set(found)];
}"""

#: at a phone's width: wide tables as cards (rows are blocks) and the links of the
#: navigation folded away
PHONE_LAYOUT: Final = """() => {
  const found = [];
  document.querySelectorAll("table.data:not(.fits) tbody tr").forEach((row) => {
    if (getComputedStyle(row).display !== "block") found.push("a wide table's row is not a card");
  });
  document.querySelectorAll("#main-nav a").forEach((link) => {
    if (link.checkVisibility()) found.push(`the navigation link "${link.textContent}" shows`);
  });
  return [...new Set(found)];
}"""


#: words drawn over a button: any element with text of its own (not inside the button,
#: nor holding it) whose box crosses a shown button's box (a hint pulled up under a form
#: once sat half behind the sign-in button)
OVER_A_BUTTON: Final = """() => {
  const found = [];
  const shown = (element) => element.checkVisibility({ visibilityProperty: true });
  const texts = [...document.body.querySelectorAll("*")].filter((element) => shown(element)
    && [...element.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
    .map((element) => [element, [...element.getClientRects()]]);
  document.querySelectorAll("button").forEach((button) => {
    if (!shown(button)) return;
    const b = button.getBoundingClientRect();
    texts.forEach(([element, rects]) => {
      if (button.contains(element) || element.contains(button)) return;
      rects.forEach((r) => {
        const across = Math.min(r.right, b.right) - Math.max(r.left, b.left);
        const down = Math.min(r.bottom, b.bottom) - Math.max(r.top, b.top);
        if (across > 2 && down > 2)
          found.push(`"${element.textContent.trim().slice(0, 30)}" is drawn over the button `
            + `"${button.textContent.trim().slice(0, 30)}"`);
      });
    });
  });
  return [...new Set(found)];
}"""


def layout_problems(page: Page) -> list[str]:
    """What is drawn over a button (as the page opens: an opened filter's choices may
    cover the page's buttons, as any menu does), then what sticks out or is
    mislabelled, with every ``<details>`` of the page opened (a filter's choices, an
    incident's cases, the chart's numbers must fit too)."""
    found: list[str] = page.evaluate(OVER_A_BUTTON)
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    found += page.evaluate(SIDEWAYS)
    found += page.evaluate(MISLABELLED)
    if page.viewport_size == {"width": PHONE[0], "height": PHONE[1]}:
        found += page.evaluate(PHONE_LAYOUT)
    return found


def test_no_page_scrolls_sideways_at_either_width(
    live_server: LiveServer, browser: Browser
) -> None:
    problems = walk(browser, live_server, empty_stops(live_server), layout_problems)
    store_unscanned_demo(live_server)
    problems += walk(browser, live_server, before_a_scan_stops(live_server), layout_problems)
    _, stops = load_the_tour(live_server)
    problems += walk(browser, live_server, stops, layout_problems)
    assert not problems, "\n".join(problems)


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
