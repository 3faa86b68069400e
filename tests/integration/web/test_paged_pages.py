"""The pages read their lists a page at a time: count lines, pagers and clear notices."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from controltower.api.routes.exceptions import cases_naming_order
from controltower.api.routes.orders import order_detail
from controltower.api.scope import resolve_scope
from controltower.domain.cases import severity_rank
from controltower.storage.cases import load_cases
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.repository import order_risk_rows
from helpers.people import WHOLE_BUSINESS
from helpers.scanned_demo import AS_OF, SCANNED_AT, api_client, load_scanned_demo, scan

pytestmark = pytest.mark.database


def rows(html: str, attribute: str) -> list[str]:
    return re.findall(rf'<tr {attribute}="([^"]+)"', html)


def count_line(html: str, element_id: str) -> tuple[int, str]:
    found = re.search(rf'id="{element_id}" data-total="(\d+)">\s*(.*?)\s*</p>', html, re.S)
    assert found is not None, f"no #{element_id}"
    return int(found.group(1)), " ".join(found.group(2).split())


def test_the_orders_page_shows_where_each_page_is_and_links_to_the_others(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    total = demo.open_orders
    last = -(-total // 100)
    assert last >= 3, "the small demo has more than two pages of open orders"

    with api_client(migrated_database_url) as client:
        first = client.get("/orders", params={"show": "all"})
        second = client.get("/orders", params={"show": "all", "page": 2})
        final = client.get("/orders", params={"show": "all", "page": last})
        past = client.get("/orders", params={"show": "all", "page": last + 5})

    assert first.status_code == second.status_code == final.status_code == 200
    assert count_line(first.text, "order-count") == (
        total,
        f"Showing 1–100 of {total} orders, most urgent first.",
    )
    assert count_line(second.text, "order-count")[1].startswith(f"Showing 101–200 of {total}")
    assert count_line(final.text, "order-count")[1].startswith(
        f"Showing {(last - 1) * 100 + 1}–{total} of {total}"
    )
    assert len(rows(first.text, "data-order")) == len(rows(second.text, "data-order")) == 100
    assert len(rows(final.text, "data-order")) == total - (last - 1) * 100
    assert not set(rows(first.text, "data-order")) & set(rows(second.text, "data-order"))
    assert 'href="/orders?show=all&amp;page=2"' in first.text
    assert f'href="/orders?show=all&amp;page={last}"' in first.text, "the pager links the last page"
    assert f"Page 1 of {last}" in first.text
    assert past.status_code == 200, "a page past the end shows the last page"
    assert f"Page {last + 5} is past the end: showing page {last} of {last}." in past.text
    assert rows(past.text, "data-order") == rows(final.text, "data-order")
    assert f"Showing {(last + 4) * 100 + 1}" not in past.text


def test_order_filters_count_what_they_match_and_unknown_values_are_named(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    engine = make_engine(migrated_database_url)
    try:
        with make_session_factory(engine)() as session:
            stored = [row.outcome for row in order_risk_rows(session, demo.picture_id)]
    finally:
        engine.dispose()
    warehouse = stored[0].warehouse
    in_warehouse = [o for o in stored if o.warehouse == warehouse]
    customer = stored[0].customer

    with api_client(migrated_database_url) as client:
        filtered = client.get("/orders", params={"show": "all", "warehouse": warehouse})
        by_customer = client.get("/orders", params={"show": "all", "customer": customer})
        bogus = client.get("/orders", params={"status": "bogus", "warehouse": "NOWHERE"})
        bad_page = client.get("/orders", params={"page": "two"})
        bad_sort = client.get("/orders", params={"sort": "colour"})

    assert filtered.status_code == 200
    assert count_line(filtered.text, "order-count")[0] == len(in_warehouse)
    assert count_line(by_customer.text, "order-count")[0] == sum(
        o.customer == customer for o in stored
    )
    assert f'<li class="chip">Customer: {customer} <a' in by_customer.text
    assert bogus.status_code == 400
    assert "“bogus” is not a status" in bogus.text
    assert "There is no warehouse “NOWHERE”" in bogus.text
    assert count_line(bogus.text, "order-count")[0] == demo.at_risk, "shown without them"
    assert bad_page.status_code == 400
    assert "“two” is not a page number" in bad_page.text
    assert bad_sort.status_code == 400
    assert "“colour” is not a sort order" in bad_sort.text


def test_the_queue_pages_incidents_and_cases_with_counts_that_follow_the_filters(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    engine = make_engine(migrated_database_url)
    try:
        with make_session_factory(engine)() as session:
            active = [c for c in load_cases(session, demo.picture_id) if c.is_active]
    finally:
        engine.dispose()
    causes = {c.cause for c in active}
    owner = active[0].owner
    owned = [c for c in active if c.owner == owner]
    last_incidents = -(-len(causes) // 50)

    with api_client(migrated_database_url) as client:
        incidents = client.get("/exceptions")
        later_incidents = client.get("/exceptions", params={"page": last_incidents})
        cases = client.get("/exceptions", params={"view": "cases", "page": 2})
        mine = client.get("/exceptions", params={"view": "cases", "owner": owner})
        past = client.get("/exceptions", params={"view": "cases", "page": 40})
        bogus = client.get("/exceptions", params={"view": "table", "severity": "urgent"})

    assert count_line(incidents.text, "queue-count")[0] == len(causes)
    assert len(rows(incidents.text, "data-incident")) == min(50, len(causes))
    assert (
        len(rows(later_incidents.text, "data-incident")) == len(causes) - (last_incidents - 1) * 50
    )
    assert count_line(cases.text, "queue-count") == (
        len(active),
        f"Showing 51–{min(100, len(active))} of {len(active)} cases, "
        "most severe first, then the soonest due.",
    )
    assert count_line(mine.text, "queue-count")[0] == len(owned)
    queue_order = sorted(owned, key=lambda c: (-severity_rank(c.severity), c.due_at, c.id))
    assert rows(mine.text, "data-case") == [c.id for c in queue_order[:50]]
    assert f'All cases <span class="n">{len(owned)}</span>' in mine.text, "tabs follow filters"
    last_cases = -(-len(active) // 50)
    assert past.status_code == 200
    assert f"Page 40 is past the end: showing page {last_cases} of {last_cases}." in past.text
    assert len(rows(past.text, "data-case")) == len(active) - (last_cases - 1) * 50
    assert bogus.status_code == 400
    assert "“table” is not a view" in bogus.text
    assert "“urgent” is not a severity" in bogus.text
    assert rows(bogus.text, "data-incident"), "the default view is shown without them"


def test_overdue_and_cause_filters_on_the_queue_page(migrated_database_url: str) -> None:
    demo = load_scanned_demo(migrated_database_url)
    later = SCANNED_AT + timedelta(days=3)
    scan(migrated_database_url, demo.picture_id, as_of=AS_OF + timedelta(days=3), now=later)
    engine = make_engine(migrated_database_url)
    try:
        with make_session_factory(engine)() as session:
            active = [c for c in load_cases(session, demo.picture_id) if c.is_active]
    finally:
        engine.dispose()
    overdue = [c for c in active if c.due_at < later]
    cause = max({c.cause for c in active}, key=lambda k: sum(c.cause == k for c in active))

    with api_client(migrated_database_url) as client:
        late = client.get("/exceptions", params={"view": "cases", "overdue": "yes"})
        of_cause = client.get("/exceptions", params={"view": "cases", "cause": cause})

    assert count_line(late.text, "queue-count")[0] == len(overdue) > 0
    assert count_line(of_cause.text, "queue-count")[0] == sum(c.cause == cause for c in active)
    assert "Cases caused by" in of_cause.text


def test_an_order_page_lists_exactly_the_cases_that_name_the_order(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    engine = make_engine(migrated_database_url)
    try:
        with make_session_factory(engine)() as session:
            active = [c for c in load_cases(session, demo.picture_id) if c.is_active]
            scope = resolve_scope(session, None, WHOLE_BUSINESS)
            named = 0
            for row in order_risk_rows(session, demo.picture_id):
                subject = f"sales_order:{row.outcome.order_id}"
                expected = {c.id for c in active if c.subject == subject or subject in c.related}
                order = order_detail(session, scope, row.outcome.order_id)
                assert order is not None
                found = {c.id for c in cases_naming_order(session, scope, order)}
                assert found == expected, row.outcome.order_id
                named += bool(expected)
    finally:
        engine.dispose()
    assert named > 10, "many orders are named by some case"


def test_a_case_page_asked_for_a_timeline_page_past_the_end_shows_the_last(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    engine = make_engine(migrated_database_url)
    try:
        with make_session_factory(engine)() as session:
            case = load_cases(session, demo.picture_id)[0]
    finally:
        engine.dispose()

    with api_client(migrated_database_url) as client:
        shown = client.get(f"/exceptions/cases/{case.id}")
        past = client.get(f"/exceptions/cases/{case.id}", params={"events": 3})

    assert shown.status_code == 200
    assert "Opened" in shown.text
    assert past.status_code == 200
    assert "Page 3 is past the end: showing page 1 of 1." in past.text
    assert rows(past.text, "data-event") == rows(shown.text, "data-event"), "its last page"
    assert rows(past.text, "data-event")
