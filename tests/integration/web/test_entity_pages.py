"""The customer, supplier, purchase order, product and search pages: what each shows,
how its lists page, and that every code on them links to its own page."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape

import pytest

from controltower.domain.model import OrderStatus
from controltower.domain.people import Role
from helpers.entity_facts import pegged_to, stored_cases, stored_orders
from helpers.people import add_test_person
from helpers.scanned_demo import api_client, demo_dataset, load_scanned_demo
from helpers.slash_business import CUSTOMER, ORDER, PURCHASE_ORDER, SKU, load_slash_business

pytestmark = pytest.mark.database


def section(html: str, part: str) -> str:
    found = re.search(rf'data-part="{part}">(.*?)</section>', html, re.S)
    assert found is not None, f"no {part} section"
    return found.group(1)


def rows(html: str, attribute: str) -> list[str]:
    return [unescape(value) for value in re.findall(rf'<tr {attribute}="([^"]+)"', html)]


def links(html: str) -> set[str]:
    return {unescape(href) for href in re.findall(r'href="([^"]+)"', html)}


def test_a_customer_page_links_its_orders_and_cases_and_lists_invoices_to_chase(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    orders = stored_orders(migrated_database_url, demo.picture_id)
    customer = Counter(o.customer for o in orders).most_common(1)[0][0]
    name = next(c.name for c in demo_dataset().customers if c.code == customer)
    mine = {o.order_id for o in orders if o.customer == customer}

    with api_client(migrated_database_url) as client:
        page = client.get(f"/customers/{customer}")

    assert page.status_code == 200
    assert f"{name}" in unescape(page.text)
    shown = section(page.text, "orders")
    listed = rows(shown, "data-order")
    assert len(listed) == min(len(mine), 25)
    assert set(listed) <= mine
    assert {f"/orders/{order_id}" for order_id in listed} <= links(shown)
    assert 'data-fact="exposure"' in page.text
    cases = section(page.text, "cases")
    case_ids = rows(cases, "data-case")
    assert case_ids, "the busiest customer has cases"
    assert {f"/exceptions/cases/{case_id}" for case_id in case_ids} <= links(cases)


def test_a_supplier_page_lists_its_purchase_orders_with_tabs_for_late_and_unconfirmed(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    dataset = demo_dataset()
    per_supplier = Counter(
        po.supplier for po in dataset.purchase_orders if po.status is OrderStatus.OPEN
    )
    supplier = per_supplier.most_common(1)[0][0]
    open_ids = {
        po.po_id
        for po in dataset.purchase_orders
        if po.supplier == supplier and po.status is OrderStatus.OPEN
    }

    with api_client(migrated_database_url) as client:
        page = client.get(f"/suppliers/{supplier}")
        late = client.get(f"/suppliers/{supplier}", params={"show": "late"})
        wrong = client.get(f"/suppliers/{supplier}", params={"show": "soon"})

    assert page.status_code == late.status_code == 200
    listed = section(page.text, "purchase-orders")
    assert set(rows(listed, "data-po")) == open_ids
    assert {f"/purchase-orders/{po_id}" for po_id in open_ids} <= links(listed)
    assert f"/suppliers/{supplier}?show=late#purchase_orders" in links(listed)
    assert set(rows(section(late.text, "purchase-orders"), "data-po")) <= open_ids
    assert wrong.status_code == 400
    assert "“soon” is not a list" in unescape(wrong.text)


def test_a_purchase_order_page_links_its_supplier_products_and_waiting_orders(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    dataset = demo_dataset()
    orders = stored_orders(migrated_database_url, demo.picture_id)
    po = max(
        (p for p in dataset.purchase_orders if p.status is OrderStatus.OPEN),
        key=lambda p: (len(pegged_to(orders, p.po_id)), p.po_id),
    )
    skus = {ln.sku for ln in dataset.purchase_order_lines if ln.po_id == po.po_id}

    with api_client(migrated_database_url) as client:
        page = client.get(f"/purchase-orders/{po.po_id}")

    assert page.status_code == 200
    assert f"/suppliers/{po.supplier}" in links(page.text)
    assert {f"/products/{sku}" for sku in skus} <= links(section(page.text, "lines"))
    waiting = section(page.text, "pegged")
    assert set(rows(waiting, "data-order")) == set(pegged_to(orders, po.po_id))
    assert {f"/orders/{order_id}" for order_id in pegged_to(orders, po.po_id)} <= links(waiting)


def test_a_product_page_pages_its_open_demand_and_says_when_a_page_is_past_the_end(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    dataset = demo_dataset()
    open_orders = {o.order_id for o in dataset.sales_orders if o.status is OrderStatus.OPEN}
    demand = Counter(
        ln.sku
        for ln in dataset.sales_order_lines
        if ln.order_id in open_orders and ln.qty > ln.qty_shipped
    )
    sku, lines = demand.most_common(1)[0]
    assert lines > 25, "the busiest product has more than a page of demand"
    last = -(-lines // 25)

    with api_client(migrated_database_url) as client:
        first = client.get(f"/products/{sku}")
        second = client.get(f"/products/{sku}", params={"demand_page": 2, "cases_page": 1})
        past = client.get(f"/products/{sku}", params={"demand_page": last + 3})
        bad = client.get(f"/products/{sku}", params={"demand_page": "two"})

    assert first.status_code == second.status_code == 200
    one, two = (
        rows(section(first.text, "demand"), "data-order"),
        rows(section(second.text, "demand"), "data-order"),
    )
    assert len(one) == 25
    assert one != two
    assert f"/products/{sku}?demand_page=2#demand" in links(section(first.text, "demand"))
    assert 'data-part="stock"' in first.text
    assert past.status_code == 200
    shown_last = f"Page {last + 3} is past the end: showing page {last} of {last}."
    assert shown_last in unescape(section(past.text, "demand"))
    assert rows(section(past.text, "demand"), "data-order"), "the last page of demand is shown"
    assert bad.status_code == 400
    assert "“two” is not a page number" in unescape(bad.text)


def test_out_of_scope_and_missing_records_get_the_same_page(migrated_database_url: str) -> None:
    load_scanned_demo(migrated_database_url)
    dataset = demo_dataset()
    mine = "LDS"
    theirs = next(p for p in dataset.purchase_orders if p.warehouse != mine)
    person = add_test_person(migrated_database_url, "lena", role=Role.FRONTLINE, warehouses=[mine])

    with api_client(migrated_database_url, token=person.token) as client:
        hidden = client.get(f"/purchase-orders/{theirs.po_id}")
        missing = client.get("/purchase-orders/PO-NOBODY")
        nobody = client.get("/customers/NOBODY")

    assert hidden.status_code == missing.status_code == nobody.status_code == 404
    assert unescape(hidden.text).replace(theirs.po_id, "X") == unescape(missing.text).replace(
        "PO-NOBODY", "X"
    )
    assert "There is no customer “NOBODY”" in unescape(nobody.text)


def test_the_search_page_groups_matches_and_opens_a_single_exact_match(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    order = sorted(o.order_id for o in stored_orders(migrated_database_url, demo.picture_id))[0]

    with api_client(migrated_database_url) as client:
        grouped = client.get("/search", params={"q": "s"})
        exact = client.get("/search", params={"q": order.lower()}, follow_redirects=False)
        empty = client.get("/search", params={"q": "zzzz-nothing"})
        blank = client.get("/search")
        long = client.get("/search", params={"q": "S" * 150})

    kinds = re.findall(r'class="search-group" data-kind="([a-z_]+)"', grouped.text)
    assert grouped.status_code == 200
    assert {"order", "product", "supplier"} <= set(kinds)
    assert kinds == sorted(set(kinds), key=kinds.index), "each kind once"
    assert exact.status_code == 303
    assert exact.headers["location"] == f"/orders/{order}"
    assert 'data-total="0"' in empty.text
    assert blank.status_code == 200
    assert long.status_code == 400
    assert "cut to its first 100 characters" in long.text


def test_existing_pages_link_codes_to_their_pages(migrated_database_url: str) -> None:
    demo = load_scanned_demo(migrated_database_url)
    orders = stored_orders(migrated_database_url, demo.picture_id)
    pegged = next(o for o in orders if any(line.from_inbound for line in o.lines))
    po_id = next(peg.po_id for line in pegged.lines for peg in line.from_inbound)

    customers = {o.order_id: o.customer for o in orders}

    with api_client(migrated_database_url) as client:
        listing = client.get("/orders", params={"show": "all"})
        order = client.get(f"/orders/{pegged.order_id}")

    listed = rows(listing.text, "data-order")
    assert {f"/customers/{customers[order_id]}" for order_id in listed} <= links(listing.text)
    assert f"/customers/{pegged.customer}" in links(order.text)
    assert f"/purchase-orders/{po_id}" in links(order.text)
    assert {f"/products/{line.sku}" for line in pegged.lines} <= links(order.text)


def test_pages_of_codes_with_slashes_link_to_each_other_encoded(
    migrated_database_url: str,
) -> None:
    load_slash_business(migrated_database_url)
    with api_client(migrated_database_url) as client:
        po = client.get("/purchase-orders/PO%2F2026%2F0001")
        customer = client.get(f"/customers/{CUSTOMER}")
        product = client.get("/products/CBL%2F2.5%2F100")
        order = client.get("/orders/SO%2F2026%2F0001")
        search = client.get("/search", params={"q": PURCHASE_ORDER}, follow_redirects=False)

    assert po.status_code == customer.status_code == product.status_code == 200
    assert order.status_code == 200
    assert "/orders/SO%2F2026%2F0001" in links(po.text)
    assert "/products/CBL%2F2.5%2F100" in links(po.text)
    assert "/suppliers/S%2F01" in links(po.text)
    assert ORDER in unescape(customer.text)
    assert SKU in unescape(product.text)
    assert search.headers["location"] == "/purchase-orders/PO%2F2026%2F0001"


def test_a_case_page_links_its_root_cause_and_related_things(migrated_database_url: str) -> None:
    load_scanned_demo(migrated_database_url)
    cases = stored_cases(migrated_database_url)
    caused = next(
        c for c in cases if c.cause.startswith("purchase_order:") and c.subject != c.cause
    )
    po_id = caused.cause.removeprefix("purchase_order:")

    with api_client(migrated_database_url) as client:
        page = client.get(f"/exceptions/cases/{caused.id}")
        queue = client.get("/exceptions", params={"view": "cases"})

    assert page.status_code == 200
    assert f"/purchase-orders/{po_id}" in links(page.text)
    listed = rows(queue.text, "data-case")
    assert {f"/exceptions/cases/{case_id}" for case_id in listed} <= links(queue.text)
