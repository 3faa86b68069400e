"""Finding an order from the search box with the keyboard alone, in a real browser."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from helpers.entity_facts import stored_orders
from helpers.scanned_demo import demo_dataset, load_scanned_demo

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from helpers.live_server import LiveServer


def test_typing_suggests_orders_and_the_keyboard_opens_the_one_chosen(
    live_server: LiveServer, page: Page
) -> None:
    demo = load_scanned_demo(live_server.database_url)
    order_ids = sorted(o.order_id for o in stored_orders(live_server.database_url, demo.picture_id))
    # the start of a handful of order numbers (all shown), typed in lower case
    typed = next(
        start
        for start in (order_id[:-1].lower() for order_id in order_ids)
        if 2 <= sum(o.lower().startswith(start) for o in order_ids) <= 8
    )
    starting = [order_id for order_id in order_ids if order_id.lower().startswith(typed)]

    page.goto(live_server.url + "/")
    box = page.get_by_role("combobox", name="Search")
    box.press_sequentially(typed, delay=30)

    options = page.get_by_role("listbox", name="Suggestions").get_by_role("option")
    expect(options).to_have_count(len(starting))
    assert box.get_attribute("aria-expanded") == "true"
    shown = options.all()
    assert [o.get_attribute("data-kind") for o in shown] == ["order"] * len(starting)
    assert [o.locator(".code").inner_text() for o in shown] == starting
    assert (shown[0].locator(".kind").text_content() or "").strip() == "Order"

    box.press("ArrowDown")
    box.press("ArrowDown")
    chosen = options.nth(1)
    assert chosen.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == chosen.get_attribute("id")
    box.press("Enter")

    page.wait_for_url(re.compile(rf"/orders/{starting[1]}$"))
    assert page.get_by_role("heading", name=re.compile(f"Order {starting[1]}")).is_visible()


def test_escape_closes_the_suggestions_and_enter_searches_everything(
    live_server: LiveServer, page: Page
) -> None:
    load_scanned_demo(live_server.database_url)
    customer = demo_dataset().customers[0]
    assert customer.name is not None
    words = customer.name.split()[0]

    page.goto(live_server.url + "/orders")
    box = page.get_by_role("combobox", name="Search")
    box.press_sequentially(words.lower(), delay=30)
    listbox = page.get_by_role("listbox", name="Suggestions")
    listbox.get_by_role("option").first.wait_for()
    assert customer.code in listbox.inner_text()

    box.press("Escape")
    assert listbox.is_hidden()
    assert box.get_attribute("aria-expanded") == "false"

    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    group = page.locator('.search-group[data-kind="customer"]')
    group.get_by_role("link", name=customer.code).click()
    page.wait_for_url(re.compile(rf"/customers/{customer.code}$"))
    assert page.get_by_role("heading", name=re.compile(re.escape(customer.name))).is_visible()
