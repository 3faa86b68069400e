"""A manager narrows the queue with the multi-selects, sorts it by a column, saves the
view and downloads it, in a browser with JavaScript turned off: every control is a
form, a link or a button."""

from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

import pytest

from controltower.api.labels import EXCEPTION_TYPE_LABELS
from controltower.domain.cases import ExceptionType
from controltower.domain.people import Role
from helpers.live_server import sign_in
from helpers.people import add_test_person
from helpers.scanned_demo import load_scanned_demo

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from helpers.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.database]


def chosen(page: Page, name: str) -> list[str]:
    return [value for key, value in parse_qsl(urlsplit(page.url).query) if key == name]


def test_filters_chips_sorting_saving_and_downloading_work_without_javascript(
    live_server: LiveServer, browser: Browser
) -> None:
    load_scanned_demo(live_server.database_url)
    mia = add_test_person(live_server.database_url, "mia", role=Role.MANAGER)
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, mia)
        page.goto(f"{live_server.url}/exceptions?view=cases")
        total = int(page.locator("#queue-count").get_attribute("data-total") or -1)

        types = page.locator('details[data-filter="type"]')
        types.locator("summary").click()
        wanted = [ExceptionType.ORDER_AT_RISK, ExceptionType.PRICING_VARIANCE]
        for kind in wanted:
            types.get_by_label(re.compile(re.escape(EXCEPTION_TYPE_LABELS[kind]))).check()
        types.get_by_role("button", name="Apply").click()
        page.wait_for_load_state()
        assert sorted(chosen(page, "type")) == sorted(k.value for k in wanted)
        both = int(page.locator("#queue-count").get_attribute("data-total") or -1)
        assert 0 < both < total

        page.get_by_role(
            "link", name=f"Remove the filter Type: {EXCEPTION_TYPE_LABELS[wanted[1]]}"
        ).click()
        page.wait_for_load_state()
        assert chosen(page, "type") == [wanted[0].value]
        one = int(page.locator("#queue-count").get_attribute("data-total") or -1)
        assert 0 < one < both

        page.get_by_role("link", name="Due", exact=True).click()
        page.wait_for_load_state()
        assert chosen(page, "sort") == ["due"]
        assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "ascending"
        page.get_by_role("link", name="Due", exact=True).click()
        page.wait_for_load_state()
        assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "descending"
        assert chosen(page, "direction") == ["desc"]

        page.get_by_label("Save this view as").fill("Late orders at risk")
        page.get_by_role("button", name="Save this view").click()
        page.wait_for_load_state()
        saved = page.get_by_role("link", name="Late orders at risk")
        assert saved.get_attribute("aria-current") == "true"

        with page.expect_download() as download:
            page.get_by_role("link", name="Download CSV").click()
        text = download.value.path().read_text("utf-8-sig")
        heading, *rows = list(csv.reader(io.StringIO(text, newline="")))
        assert heading[:6] == ["Severity", "Type", "Subject", "Owner", "Due", "Value at risk"]
        assert len(rows) == one
        assert {row[1] for row in rows} == {EXCEPTION_TYPE_LABELS[wanted[0]]}
    finally:
        context.close()
