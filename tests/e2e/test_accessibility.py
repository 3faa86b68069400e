"""Accessibility beyond the page-by-page check of ``test_every_page.py`` (axe-core and
colour without words on every page at either width): every page route is on the tour,
the keyboard reaches every action of a case with a visible focus ring and works it,
refusals are tied to their fields, and the chart has its numbers in a table.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

import httpx
import pytest

from helpers.live_server import LiveServer, sign_in
from helpers.page_tour import WIDTHS, Showcase, routes_without_a_stop, tour_stops
from helpers.people import TEST_PASSWORD, TestPerson, bearer
from helpers.scanned_demo import load_scanned_demo

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.database]


def test_every_page_route_is_on_the_tour() -> None:
    """A page added to the app without a stop on the tour fails here."""
    nobody = TestPerson(login="nobody", password="", token="")
    server = LiveServer(url="http://127.0.0.1:9", database_url="", person=nobody)
    codes = Showcase("SO1", "CASE-1", "C1", "S1", "PO1", "SKU1")
    assert routes_without_a_stop(tour_stops(server, codes)) == []


def test_the_chart_has_its_numbers_in_a_table(live_server: LiveServer, page: Page) -> None:
    load_scanned_demo(live_server.database_url)
    page.goto(live_server.url + "/")
    figure = page.get_by_role("figure", name="Active exceptions by type")
    chart = figure.get_by_role("img", name=re.compile("^Bar chart of the active exceptions"))
    chart.locator("svg.main-svg").first.wait_for(timeout=15000)
    bars = {text.strip() for text in chart.locator(".ytick text").all_text_contents()}

    figure.get_by_text("The numbers as a table").click()
    table = figure.get_by_role("table", name="Active exceptions by type and severity")
    assert table.is_visible()
    heads = [h.strip() for h in table.locator("thead th").all_text_contents()]
    assert heads == ["Type", "Critical", "High", "Medium", "Low", "All"]
    rows = [
        [cell.strip() for cell in row.locator("th, td").all_text_contents()]
        for row in table.locator("tbody tr").all()
    ]
    assert {row[0] for row in rows} == bars
    counts = [[int(cell.replace(",", "")) for cell in row[1:]] for row in rows]
    assert all(sum(row[:-1]) == row[-1] for row in counts)
    assert [row[-1] for row in counts] == sorted((row[-1] for row in counts), reverse=True)

    active = int(page.locator('[data-stat="active-exceptions"]').inner_text().replace(",", ""))
    assert sum(row[-1] for row in counts) == active
    for column, severity in enumerate(heads[1:-1]):
        chip = page.locator(f'.headline [data-severity="{severity.lower()}"]').inner_text()
        assert chip == f"{severity} {sum(row[column] for row in counts):,}"


#: every element the keyboard should reach, each marked with its place in the page
MARK_FOCUSABLE: Final = """() => {
  const selector = 'a[href], button, input:not([type="hidden"]), select, textarea, summary';
  const shown = [...document.querySelectorAll(selector)].filter(
    (element) => !element.disabled && element.checkVisibility({ visibilityProperty: true }));
  shown.forEach((element, index) => { element.dataset.probe = String(index); });
  return shown.map((element) =>
    `${element.tagName.toLowerCase()} "${(element.innerText || element.name || "").trim().slice(0, 40)}"`);
}"""

#: the element that has the focus: its mark, and whether a focus ring shows on it
FOCUSED: Final = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2)
    || style.boxShadow !== "none";
  const box = element.getBoundingClientRect();
  const inView = box.bottom > 0 && box.top < window.innerHeight && box.width > 0;
  return { probe: element.dataset.probe ?? null, ring,
    inView, text: (element.innerText || element.name || element.id || "").trim().slice(0, 40) };
}"""


def tab_through(page: Page) -> list[dict[str, Any]]:
    """Press Tab from the top of the page until the focus leaves it; where it went."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    stops: list[dict[str, Any]] = []
    for _ in range(800):
        page.keyboard.press("Tab")
        focused: dict[str, Any] | None = page.evaluate(FOCUSED)
        if focused is None or (stops and focused["probe"] == stops[0]["probe"]):
            return stops
        stops.append(focused)
    raise AssertionError("the focus never left the page")


def most_severe_case(server: LiveServer) -> str:
    response = httpx.get(
        server.url + "/api/exceptions",
        params={"view": "cases", "page_size": 1},
        headers=bearer(server.person),
        timeout=30,
    )
    response.raise_for_status()
    case: str = response.json()["items"][0]["id"]
    return case


def test_the_keyboard_reaches_every_action_of_a_case_with_a_focus_ring_and_acknowledges_it(
    live_server: LiveServer, page: Page
) -> None:
    load_scanned_demo(live_server.database_url)
    case_url = f"{live_server.url}/exceptions/cases/{most_severe_case(live_server)}"
    for width, height in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(case_url)
        focusable: list[str] = page.evaluate(MARK_FOCUSABLE)
        stops = tab_through(page)
        reached = {stop["probe"] for stop in stops}
        missed = [name for index, name in enumerate(focusable) if str(index) not in reached]
        assert not missed, f"at {width}px the keyboard never reaches {missed}"
        assert stops[0]["text"] == "Skip to the content"
        assert [s["text"] for s in stops if not s["ring"]] == [], f"no focus ring at {width}px"
        assert [s["text"] for s in stops if not s["inView"]] == [], f"out of view at {width}px"

    page.goto(case_url)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "← Exceptions"

    for _ in range(200):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Acknowledge":
            break
    else:
        raise AssertionError("Tab never reaches the Acknowledge button")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"done=acknowledge"))
    assert page.locator("#action-done").inner_text() == "You acknowledged the case."
    assert page.locator(".badges .flag-state").inner_text() == "Acknowledged"
    assert page.get_by_role("button", name="Acknowledge").count() == 0


def test_a_refusal_is_tied_to_the_fields_it_is_about(
    live_server: LiveServer, browser: Browser, page: Page
) -> None:
    load_scanned_demo(live_server.database_url)
    page.goto(f"{live_server.url}/exceptions/cases/{most_severe_case(live_server)}")
    comment = page.locator("#comment-form").get_by_label("Comment")
    assert comment.get_attribute("aria-invalid") is None
    comment.fill("   ")
    comment.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    problem = page.get_by_role("alert")
    assert problem.inner_text().startswith("Comment:")
    comment = page.locator("#comment-form").get_by_label("Comment")
    assert comment.get_attribute("aria-invalid") == "true"
    assert comment.get_attribute("aria-describedby") == problem.get_attribute("id")
    others = page.locator('.case-actions [aria-invalid="true"]')
    assert others.count() == 1

    context = browser.new_context()
    try:
        visitor = context.new_page()
        wrong = TestPerson(login=live_server.person.login, password=TEST_PASSWORD + "!", token="")
        sign_in(visitor, live_server, wrong)
        alert = visitor.get_by_role("alert")
        assert alert.inner_text() == "The login or the password is wrong."
        for field in ("Login", "Password"):
            box = visitor.get_by_label(field)
            assert box.get_attribute("aria-invalid") == "true"
            assert box.get_attribute("aria-describedby") == alert.get_attribute("id")
    finally:
        context.close()
