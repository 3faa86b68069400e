"""A purchasing manager's morning, in a real Chromium: sign in, My work, find an order,
work a case from acknowledgement to resolution, export the filtered queue.

With ``CT_SCREENSHOT_DIR`` set, each step's page is saved there as a PNG (the
screenshots in ``docs/`` are made this way).
"""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from controltower.domain.people import Role
from helpers.live_server import sign_in
from helpers.people import add_test_person
from helpers.scanned_demo import load_scanned_demo

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from helpers.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.database]

#: the purchasing teams of the small demo business (company NORDEL, three warehouses)
PURCHASING_TEAMS = (
    "purchasing",
    "purchasing@NORDEL",
    "purchasing@LDS",
    "purchasing@MAN",
    "purchasing@SHF",
)


def snap(page: Page, name: str) -> None:
    folder = os.environ.get("CT_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def test_a_manager_signs_in_finds_an_order_and_works_a_case_to_its_resolution(
    live_server: LiveServer, anonymous_page: Page, tmp_path: Path
) -> None:
    load_scanned_demo(live_server.database_url)
    manager = add_test_person(
        live_server.database_url,
        "pat",
        role=Role.MANAGER,
        name="Pat Hughes",
        teams=PURCHASING_TEAMS,
    )
    page = anonymous_page

    # signing in lands on My work, the person's own queue
    page.goto(live_server.url + "/my-work")
    assert "/login" in page.url
    snap(page, "login")
    sign_in(page, live_server, manager)
    page.goto(live_server.url + "/my-work")
    assert page.get_by_role("heading", name="My work").is_visible()
    rows = page.locator("table tbody tr")
    assert rows.count() > 0
    snap(page, "my-work")

    # finding an order by its number from the search box
    order_link = page.locator("a[href^='/orders/SO']").first
    if order_link.count() == 0:
        page.goto(live_server.url + "/orders")
        order_link = page.locator("a[href^='/orders/SO']").first
    order_id = (order_link.get_attribute("href") or "").rsplit("/", 1)[-1].split("?")[0]
    page.goto(live_server.url + "/my-work")
    search = page.locator("header form[role=search] input[name=q]")
    search.fill(order_id)
    search.press("Enter")
    page.wait_for_load_state()
    if "/orders/" not in page.url:
        page.locator(f"a[href^='/orders/{order_id}']").first.click()
        page.wait_for_load_state()
    assert order_id in page.locator("h1").inner_text()
    snap(page, "order")

    # one case of the queue, worked through the case page
    page.goto(live_server.url + "/my-work")
    page.locator("table tbody tr a[href^='/exceptions/cases/']").first.click()
    page.wait_for_load_state()
    case_url = page.url
    page.get_by_role("button", name="Acknowledge").click()
    page.wait_for_load_state()
    assert page.locator("#action-done").is_visible()
    page.get_by_role("button", name="Take it").click()
    page.wait_for_load_state()
    assert (
        "Pat Hughes" in page.locator("dl.facts").inner_text()
        or "pat" in page.locator("dl.facts").inner_text()
    )
    page.get_by_label("Comment").fill("Chased the supplier by phone: a firm date by Friday.")
    page.get_by_role("button", name="Add comment").click()
    page.wait_for_load_state()
    until = (date.today() + timedelta(days=3)).isoformat()
    page.get_by_label("Snooze until").fill(until)
    page.locator("#snooze-form").get_by_label("Reason").fill("Waiting for the supplier's date")
    page.get_by_role("button", name="Snooze").click()
    page.wait_for_load_state()
    snap(page, "case-worked")
    page.locator("#resolve-form select[name=reason_code]").select_option("customer_agreed")
    page.locator("#resolve-form").get_by_label("Note").fill("Customer accepts delivery next week.")
    page.get_by_role("button", name="Resolve").click()
    page.wait_for_load_state()
    assert page.url.startswith(case_url.split("?")[0])
    timeline = page.locator("table").last.inner_text()
    for entry in ("Acknowledged", "Assigned", "Comment", "Snoozed", "Resolved"):
        assert entry in timeline, f"the timeline shows {entry}"
    assert "Chased the supplier by phone" in page.content()
    assert re.search(r"\bpat\b", timeline)
    snap(page, "case-resolved")

    # the queue, filtered, exported as the screen shows it
    page.goto(live_server.url + "/exceptions?view=cases&severity=high")
    shown = page.locator("table tbody tr").count()
    assert shown > 0
    snap(page, "queue-filtered")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("CSV")).first.click()
    saved = tmp_path / "queue.csv"
    download_info.value.save_as(saved)
    rows_out = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert len(rows_out) >= 2
    severity_column = [h.lower() for h in rows_out[0]].index("severity")
    assert {row[severity_column] for row in rows_out[1:]} == {"High"}
