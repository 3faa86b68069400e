"""The list pages: multi-select filters, chips that remove one value, sortable headers.

The pages are read as a browser without JavaScript would: the filters are checkboxes in
a GET form, a chip's ✕ and a column header are plain links. Counts and rows are held to
the list worked out in Python from everything stored.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient

from controltower.api.labels import EXCEPTION_TYPE_LABELS
from controltower.domain.cases import ExceptionCase, severity_rank
from controltower.storage.cases import load_cases
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.repository import order_risk_rows
from helpers.scanned_demo import api_client, load_scanned_demo
from helpers.work import act, snoozed

pytestmark = pytest.mark.database


def stored_active(url: str, picture_id: int) -> list[ExceptionCase]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return [c for c in load_cases(session, picture_id) if c.is_active]
    finally:
        engine.dispose()


def total(page_html: str, element_id: str) -> int:
    found = re.search(rf'id="{element_id}" data-total="(\d+)"', page_html)
    assert found is not None, f"no #{element_id}"
    return int(found.group(1))


def rows(page_html: str, attribute: str) -> list[str]:
    return re.findall(rf'<tr {attribute}="([^"]+)"', page_html)


def ticked(page_html: str, name: str) -> set[str]:
    """The values of the ticked checkboxes named ``name``."""
    return set(re.findall(rf'name="{name}" value="([^"]+)" checked', page_html))


def chips(page_html: str) -> dict[str, str]:
    """Each chip's words and the link of its ✕."""
    found = re.findall(r'<li class="chip">(.*?) <a class="remove" href="([^"]+)"', page_html)
    return {html.unescape(words): html.unescape(href) for words, href in found}


def header(page_html: str, label: str) -> tuple[str, str | None, str]:
    """A sortable header's link, its aria-sort (None when not sorted by it), its arrow."""
    found = re.search(
        rf'<th[^>]*?(?: aria-sort="(\w+)")?><a class="sort" href="([^"]+)"[^>]*>{label}'
        r'(?: <span class="arrow" aria-hidden="true">(.)</span>)?</a>',
        page_html,
    )
    assert found is not None, f"no sortable header {label}"
    return html.unescape(found.group(2)), found.group(1), found.group(3) or ""


def query_of(link: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(link).query)


def get(client: TestClient, link: str) -> str:
    response = client.get(link)
    assert response.status_code == 200, response.text
    return str(response.text)


def test_the_queue_filters_by_several_values_and_a_chip_takes_one_away(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    active = stored_active(migrated_database_url, demo.picture_id)
    (first, _), (second, _) = Counter(c.type for c in active).most_common(2)
    both = [c for c in active if c.type in {first, second}]
    only_second = [c for c in active if c.type is second]
    listing = f"/exceptions?view=cases&type={first.value}&type={second.value}"
    with api_client(migrated_database_url) as client:
        page = get(client, listing)
        remove_first = chips(page)[f"Type: {EXCEPTION_TYPE_LABELS[first]}"]
        narrowed = get(client, remove_first)
        second_page = get(client, f"{listing}&page=2")

    assert total(page, "queue-count") == len(both)
    assert ticked(page, "type") == {first.value, second.value}
    assert '<details class="multi" data-filter="type">' in page, "a checkbox group in a details"
    queue = sorted(both, key=lambda c: (-severity_rank(c.severity), c.due_at, c.id))
    assert rows(page, "data-case") == [c.id for c in queue[:50]]
    assert f'All cases <span class="n">{len(both)}</span>' in page
    assert query_of(remove_first) == [("view", "cases"), ("type", second.value)]
    assert total(narrowed, "queue-count") == len(only_second)
    assert ticked(narrowed, "type") == {second.value}
    assert rows(second_page, "data-case") == [c.id for c in queue[50:100]]
    assert len(both) > 50, "the two types fill more than one page"
    assert f"Page 2 of {-(-len(both) // 50)}" in second_page


def test_sort_headers_show_the_sort_with_an_arrow_and_turn_it_round(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    active = stored_active(migrated_database_url, demo.picture_id)
    by_due = [c.id for c in sorted(active, key=lambda c: (c.due_at, c.id))]
    with api_client(migrated_database_url) as client:
        usual = get(client, "/exceptions?view=cases")
        due_link, due_sorted, _ = header(usual, "Due")
        severity_link, severity_sorted, severity_arrow = header(usual, "Severity")
        soonest = get(client, due_link)
        turn_link, turned_sorted, soonest_arrow = header(soonest, "Due")
        latest = get(client, turn_link)
        _, _, latest_arrow = header(latest, "Due")
        least_severe = get(client, severity_link)

    assert (severity_sorted, severity_arrow) == ("descending", "▼")
    assert due_sorted is None
    assert query_of(due_link) == [("view", "cases"), ("sort", "due")]
    assert query_of(severity_link) == [
        ("view", "cases"),
        ("sort", "queue"),
        ("direction", "asc"),
    ]
    assert rows(soonest, "data-case") == by_due[:50]
    assert (turned_sorted, soonest_arrow) == ("ascending", "▲")
    assert ("direction", "desc") in query_of(turn_link)
    assert rows(latest, "data-case") == by_due[::-1][:50]
    assert latest_arrow == "▼"
    assert "latest due first" in latest
    queue = sorted(active, key=lambda c: (-severity_rank(c.severity), c.due_at, c.id))
    assert rows(least_severe, "data-case") == [c.id for c in queue[::-1][:50]]
    assert "least severe first" in least_severe


def test_the_orders_page_filters_by_several_statuses_and_warehouses_and_sorts_by_column(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    engine = make_engine(migrated_database_url)
    try:
        with make_session_factory(engine)() as session:
            stored = [row.outcome for row in order_risk_rows(session, demo.picture_id)]
    finally:
        engine.dispose()
    statuses = [s for s, _ in Counter(o.status for o in stored if o.at_risk).most_common(2)]
    warehouses = sorted({o.warehouse for o in stored})[:2]
    chosen = [o for o in stored if o.status in statuses and o.warehouse in warehouses]
    query = "&".join(
        [
            "show=all",
            *(f"status={s.value}" for s in statuses),
            *(f"warehouse={w}" for w in warehouses),
        ]
    )
    with api_client(migrated_database_url) as client:
        page = get(client, f"/orders?{query}")
        customer_link, _, _ = header(page, "Customer")
        by_customer = get(client, customer_link)
        without = chips(page)
        warehouse_chip = without[f"Warehouse: {warehouses[0]}"]
        fewer = get(client, warehouse_chip)

    assert total(page, "order-count") == len(chosen)
    assert ticked(page, "status") == {s.value for s in statuses}
    assert ticked(page, "warehouse") == set(warehouses)
    expected = [o.order_id for o in sorted(chosen, key=lambda o: (o.customer, o.order_id))]
    assert rows(by_customer, "data-order") == expected[:100]
    assert header(by_customer, "Customer")[1:] == ("ascending", "▲")
    assert total(fewer, "order-count") == sum(
        o.status in statuses and o.warehouse == warehouses[1] for o in stored
    )
    assert ("sort", "customer") not in query_of(warehouse_chip), "a chip keeps the list's sort"


def test_values_nobody_has_are_named_in_a_notice_and_left_out(migrated_database_url: str) -> None:
    demo = load_scanned_demo(migrated_database_url)
    active = stored_active(migrated_database_url, demo.picture_id)
    with api_client(migrated_database_url) as client:
        queue = client.get(
            "/exceptions",
            params={
                "view": "cases",
                "type": ["bogus", active[0].type.value],
                "customer": "NOBODY",
                "min_value": "lots",
                "direction": "sideways",
            },
        )
        orders = client.get("/orders", params={"status": ["bogus"], "warehouse": "NOWHERE"})

    assert queue.status_code == 400
    for words in (
        "“bogus” is not a type of exception",
        "There is no customer “NOBODY”.",
        "“lots” is not an amount",
        "“sideways” is not a sort direction",
    ):
        assert words in queue.text, words
    assert total(queue.text, "queue-count") == sum(c.type is active[0].type for c in active)
    assert orders.status_code == 400
    assert "“bogus” is not a status" in orders.text
    assert "There is no warehouse “NOWHERE”" in orders.text


def test_the_queue_page_hides_snoozed_cases_until_asked(migrated_database_url: str) -> None:
    demo = load_scanned_demo(migrated_database_url)
    active = stored_active(migrated_database_url, demo.picture_id)
    asleep = min(active, key=lambda c: c.id)
    with api_client(migrated_database_url) as client:
        act(migrated_database_url, demo, asleep.id, snoozed("admin"))
        usual = get(client, "/exceptions?view=cases")
        shown = get(client, "/exceptions?view=cases&snoozed=any")
        only = get(client, "/exceptions?view=cases&snoozed=true")

    assert total(usual, "queue-count") == len(active) - 1
    assert total(shown, "queue-count") == len(active)
    assert rows(only, "data-case") == [asleep.id]
    assert "Snoozed: Only snoozed cases" in chips(only)
    assert not chips(usual), "the default snooze filter is no chip"
