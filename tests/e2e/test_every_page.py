"""Every page of the web app, at a phone's width (390 px) and a laptop's (1280 px), in
every state a person meets it (nothing loaded, loaded but not scanned, scanned), is
accessible and fits the window:

- axe-core finds nothing serious or critical, under the Content-Security-Policy the
  page is served with, and no coloured badge signals without words;
- nothing scrolls sideways, no words are drawn over a button, every cell is labelled
  as its column, and on a phone wide tables are cards and the navigation is folded.

One walk of the tour (``helpers.page_tour``) runs both checks on each page: loading
every page at both widths is most of the walk's time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from helpers.page_checks import AccessibilityCheck, layout_problems
from helpers.page_tour import (
    before_a_scan_stops,
    empty_stops,
    load_the_tour,
    routes_without_a_stop,
    store_unscanned_demo,
    walk,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from helpers.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.database]


def test_every_page_at_either_width_is_accessible_and_fits_the_window(
    live_server: LiveServer, browser: Browser
) -> None:
    policy = httpx.get(live_server.url + "/login", timeout=30).headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-eval" not in policy  # axe-core runs under the policy as served
    accessibility = AccessibilityCheck()

    def check(page: Page) -> list[str]:
        # axe first, on the page as it opens; the layout check then opens every <details>
        return [*accessibility(page), *layout_problems(page)]

    problems = walk(browser, live_server, empty_stops(live_server), check)
    store_unscanned_demo(live_server)
    problems += walk(browser, live_server, before_a_scan_stops(live_server), check)
    _, stops = load_the_tour(live_server)
    assert routes_without_a_stop(stops) == []
    problems += walk(browser, live_server, stops, check)
    assert not problems, "\n".join(problems)
    assert accessibility.coloured > 100
