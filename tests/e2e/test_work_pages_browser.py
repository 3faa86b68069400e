"""A warehouse manager signs in, lands on their work, and prints the day's pick list."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from controltower.domain.people import Role
from helpers.live_server import sign_in
from helpers.people import add_test_person
from helpers.work import SHORT_WAREHOUSE, load_short_staffed_demo

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from helpers.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.database]


def keep(page: Page, tmp_path: Path, name: str) -> None:
    """A picture of the page; also in $CT_SCREENSHOT_DIR when it is set."""
    page.screenshot(path=str(tmp_path / name), full_page=True)
    shots = os.environ.get("CT_SCREENSHOT_DIR")
    if shots:
        page.screenshot(path=str(Path(shots) / name), full_page=True)


def test_a_manager_signs_in_to_their_work_and_opens_the_most_urgent_case(
    live_server: LiveServer, anonymous_page: Page, tmp_path: Path
) -> None:
    load_short_staffed_demo(live_server.database_url)
    wendy = add_test_person(
        live_server.database_url,
        "wendy",
        role=Role.MANAGER,
        teams=["warehouse@SHF", "customer_service@SHF"],
    )
    page = anonymous_page
    sign_in(page, live_server, wendy)

    page.wait_for_url(re.compile(r"/my-work$"))
    assert page.get_by_role("heading", name="My work").is_visible()
    to_do = int(page.locator('[data-count="to_do"] .big').inner_text())
    first = page.locator("table.work tbody tr").first
    assert to_do == int(page.locator("#work-count-line").get_attribute("data-total") or -1) > 0
    assert first.locator(".sev").inner_text() == "Critical"
    assert first.locator("td.next .first-step").inner_text().strip()
    keep(page, tmp_path, "my-work.png")

    first.locator("td.problem a").click()
    page.wait_for_url(re.compile(r"/exceptions/cases/CASE-"))
    assert page.get_by_role("heading", name="What to do").is_visible()


def test_the_pick_list_prints_without_the_navigation_and_with_a_tick_column(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    load_short_staffed_demo(live_server.database_url)
    page.goto(f"{live_server.url}/warehouse-work?warehouse={SHORT_WAREHOUSE}")
    assert page.locator("tr.day-break").first.is_visible()
    assert page.locator(".topbar").is_visible()
    assert not page.get_by_role("columnheader", name="Picked").is_visible()
    keep(page, tmp_path, "warehouse-work.png")

    page.emulate_media(media="print")
    assert not page.locator(".topbar").is_visible()
    assert not page.locator("form.filters").is_visible()
    assert page.get_by_role("columnheader", name="Picked").is_visible()
    assert page.locator("tr.day-break").first.is_visible()
    keep(page, tmp_path, "warehouse-work-print.png")
