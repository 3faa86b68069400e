"""What the browser tests check on every page of the tour (``helpers.page_tour``):
what axe-core finds serious or critical, colour that signals without words, and the
layout at a phone's and a laptop's width (nothing sideways, no words over a button,
cells labelled as their column, wide tables as cards on a phone).

Both kinds of check run on each page of one walk (``tests/e2e/test_every_page.py``):
the tour loads every page at both widths, which is most of its time, so it is walked
once. axe-core is injected by ``axe-playwright-python`` through Playwright's
``evaluate``, which runs through the browser's debugging protocol and is not governed
by the page's Content-Security-Policy: the pages are checked under the policy they are
served with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from axe_playwright_python.sync_playwright import Axe

from helpers.page_tour import WIDTHS

if TYPE_CHECKING:
    from playwright.sync_api import Page

PHONE: Final = WIDTHS["phone"]

#: the impacts that fail the check
FAILING: Final = frozenset({"serious", "critical"})

AXE: Final = Axe()

#: elements coloured to signal a severity, a status or a warning, that carry no words
COLOUR_WITHOUT_WORDS: Final = """() => {
  const signal = /^(sev|status|flag|work-count|pick-stat)-|^(late|good|overdue-text)$/;
  const found = [];
  let checked = 0;
  document.querySelectorAll("[class]").forEach((element) => {
    const classes = [...element.classList].filter((name) => signal.test(name));
    if (!classes.length) return;
    checked += 1;
    // words as shown; inside a closed <details>, the words it shows once opened
    const words = element.checkVisibility() ? element.innerText : element.textContent;
    if (!words.trim())
      found.push(`a ${element.tagName.toLowerCase()}.${classes.join(".")} has no words`);
  });
  return { found: [...new Set(found)], checked };
}"""


def axe_findings(page: Page) -> list[str]:
    """What axe-core finds serious or critical on the page as it is shown, one line each."""
    response: dict[str, Any] = AXE.run(page).response
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}; "
        f"{len(violation['nodes'])} element(s), e.g. "
        f"{[' '.join(map(str, node['target'])) for node in violation['nodes'][:3]]}"
        for violation in response["violations"]
        if violation["impact"] in FAILING
    ]


class AccessibilityCheck:
    """axe-core's findings and the colour signals without words, on every page shown;
    counts the coloured signals it looked at (so the check is never vacuous)."""

    def __init__(self) -> None:
        self.coloured = 0

    def __call__(self, page: Page) -> list[str]:
        colour: dict[str, Any] = page.evaluate(COLOUR_WITHOUT_WORDS)
        self.coloured += int(colour["checked"])
        return axe_findings(page) + list(colour["found"])


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
