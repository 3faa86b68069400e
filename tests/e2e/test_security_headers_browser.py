"""Under the Content-Security-Policy the pages still work in a real browser.

The overview's chart is drawn (plotly.js and the packaged chart script, no inline
script), the pick list's "Print" button still prints (its handler is allowed by hash),
the API documentation starts, and the browser reports no violation of the policy on
any of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from helpers.scanned_demo import load_scanned_demo

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from helpers.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.database]

#: collects every policy violation the page reports, and records calls to print()
WATCH_POLICY = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI + " " + event.sample);
});
window.__printed = 0;
window.print = function () { window.__printed += 1; };
"""


def violations(page: Page) -> list[str]:
    found: list[str] = page.evaluate("window.__violations")
    return found


def test_the_pages_work_under_the_policy_without_a_single_violation(
    live_server: LiveServer, page: Page
) -> None:
    load_scanned_demo(live_server.database_url)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(WATCH_POLICY)

    response = page.goto(live_server.url + "/")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator('[data-part="chart-by-type"] svg.main-svg').first.wait_for(timeout=15000)
    assert page.locator('[data-part="chart-by-type"] .barlayer .point').count() > 0
    page.locator('[data-part="chart-by-type"] .legendtext').first.wait_for(timeout=5000)
    assert violations(page) == []

    page.goto(live_server.url + "/warehouse-work")
    page.get_by_role("button", name="Print this list").click()
    page.wait_for_function("window.__printed === 1", timeout=5000)
    assert violations(page) == []

    page.goto(live_server.url + "/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=15000)
    assert violations(page) == []

    assert not [text for text in console if "Content Security Policy" in text]
