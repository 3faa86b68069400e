"""Search finds orders, customers, products, suppliers, purchase orders, invoices and
cases by the start of their code (or name), links each to its page, and finds only what
the person asking may see."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from controltower.domain.people import Role
from helpers.entity_facts import expected_matches, stored_cases, stored_orders
from helpers.people import add_test_person
from helpers.scanned_demo import anonymous_client, api_client, demo_dataset, load_scanned_demo
from helpers.slash_business import (
    CUSTOMER,
    CUSTOMER_NAME,
    ORDER,
    PURCHASE_ORDER,
    load_slash_business,
)


def search(client: Any, q: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.mark.parametrize(
    "text",
    [
        "so1007",
        "SO10100",
        "c0001",
        "sup-000",
        "po10036",
        "crn",
        "case-2",
        "butter",
        "acc-bp",
        "Yarrow",
    ],
)
def test_a_search_finds_every_kind_by_the_start_of_its_code_or_name_whatever_the_case(
    migrated_database_url: str, text: str
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    expected = expected_matches(
        demo_dataset(),
        stored_orders(migrated_database_url, demo.picture_id),
        stored_cases(migrated_database_url),
        text,
    )
    assert 0 < len(expected) <= 50, "each text is chosen to find a handful"

    with api_client(migrated_database_url) as client:
        found = search(client, text, limit=50)

    assert {(m["kind"], m["code"]) for m in found} == expected
    kinds = ["order", "customer", "product", "supplier", "purchase_order", "invoice", "case"]
    ranks = [(kinds.index(m["kind"]), not m["exact"], m["code"]) for m in found]
    assert ranks == sorted(ranks), "grouped by kind, exact first, then by code"
    assert all(m["kind_label"] and m["url"] for m in found)


def test_the_limit_keeps_exact_matches_first_and_gives_every_kind_its_share(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    skus = sorted(p.sku for p in demo_dataset().products)
    # a SKU that starts another one (CBL-1 and CBL-1X): both match, one exactly
    shorter = next(a for a in skus for b in skus if a != b and b.startswith(a))
    with api_client(migrated_database_url) as client:
        several = search(client, "s", limit=6)
        both = search(client, shorter.lower(), limit=50)
        exact = search(client, shorter.lower(), limit=1)
        default = search(client, "s")

    assert len(several) == 6
    assert {"order", "supplier", "product"} <= {m["kind"] for m in several}
    assert len(default) == 10
    assert len(both) >= 2
    assert [(m["code"], m["exact"]) for m in exact] == [(shorter, True)]


def test_each_match_says_what_it_is_and_links_to_its_own_page(migrated_database_url: str) -> None:
    demo = load_scanned_demo(migrated_database_url)
    orders = {o.order_id: o for o in stored_orders(migrated_database_url, demo.picture_id)}
    invoice = next(i for i in demo_dataset().invoices if i.invoice_id.startswith("INV"))
    customer = next(c for c in demo_dataset().customers if c.code == invoice.customer)

    with api_client(migrated_database_url) as client:
        order_id = sorted(orders)[0]
        [order] = search(client, order_id.lower())
        [found_invoice] = search(client, invoice.invoice_id)
        found = search(client, "SO10", limit=20) + search(client, "case-", limit=20)
        pages = {m["url"]: client.get(m["url"]).status_code for m in found}

    assert order["kind"] == "order"
    assert order["exact"] is True
    assert order["url"] == f"/orders/{order_id}"
    assert orders[order_id].warehouse in order["label"]
    assert found_invoice["url"] == f"/customers/{customer.code}#invoices"
    assert customer.name in found_invoice["label"]
    assert set(pages.values()) == {200}, pages


def test_a_warehouse_limited_person_finds_only_what_their_warehouse_holds(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    orders = stored_orders(migrated_database_url, demo.picture_id)
    dataset = demo_dataset()
    mine = "LDS"
    elsewhere = next(o for o in orders if o.warehouse != mine)
    their_po = next(p for p in dataset.purchase_orders if p.warehouse != mine)
    customer_level = next(c for c in stored_cases(migrated_database_url) if c.warehouse is None)
    person = add_test_person(migrated_database_url, "lena", role=Role.FRONTLINE, warehouses=[mine])

    with api_client(migrated_database_url, token=person.token) as client:
        found = search(client, "SO", limit=50)
        missed_order = search(client, elsewhere.order_id)
        missed_po = search(client, their_po.po_id)
        missed_case = search(client, customer_level.id)
        customer = search(client, elsewhere.customer)

    in_mine = {o.order_id for o in orders if o.warehouse == mine}
    assert found
    assert {m["code"] for m in found if m["kind"] == "order"} <= in_mine
    assert ("order", elsewhere.order_id) not in {(m["kind"], m["code"]) for m in missed_order}
    assert ("purchase_order", their_po.po_id) not in {(m["kind"], m["code"]) for m in missed_po}
    assert ("case", customer_level.id) not in {(m["kind"], m["code"]) for m in missed_case}
    # customers are the picture's master data: seen by whoever sees the picture
    assert ("customer", elsewhere.customer) in {(m["kind"], m["code"]) for m in customer}


def test_a_person_of_another_company_finds_nothing_and_cannot_name_this_one(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    person = add_test_person(
        migrated_database_url, "olga", role=Role.MANAGER, companies=["ELSEWHERE"]
    )
    with api_client(migrated_database_url, token=person.token) as client:
        nothing = search(client, "S", limit=50)
        named = client.get("/api/search", params={"q": "S", "company": demo.companies[0]})
        unknown = client.get("/api/search", params={"q": "S", "company": "NOBODY"})

    assert nothing == []
    assert named.status_code == unknown.status_code == 404
    assert "NOBODY" in unknown.json()["detail"]
    assert named.json()["detail"].replace(demo.companies[0], "X") == unknown.json()[
        "detail"
    ].replace("NOBODY", "X")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 101}, "q"),
        ({"q": "SO", "limit": 0}, "limit"),
        ({"q": "SO", "limit": 51}, "limit"),
        ({"q": "SO", "limit": "ten"}, "limit"),
    ],
)
def test_bad_search_parameters_answer_422_naming_the_parameter(
    migrated_database_url: str, params: dict[str, Any], field: str
) -> None:
    load_scanned_demo(migrated_database_url)
    with api_client(migrated_database_url) as client:
        response = client.get("/api/search", params=params)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["query", field]]


def test_searching_needs_a_signed_in_person(migrated_database_url: str) -> None:
    load_scanned_demo(migrated_database_url)
    with anonymous_client(migrated_database_url) as client:
        response = client.get("/api/search", params={"q": "SO"})
    assert response.status_code == 401


def test_codes_with_slashes_are_found_and_their_links_encoded(migrated_database_url: str) -> None:
    load_slash_business(migrated_database_url)
    with api_client(migrated_database_url) as client:
        orders = search(client, "so/2026")
        purchase_orders = search(client, "po/")
        by_name = search(client, CUSTOMER_NAME[:3]) + search(client, CUSTOMER_NAME[:3].upper())
        order_page = client.get(orders[0]["url"])
        po_page = client.get(purchase_orders[0]["url"])

    assert [(m["code"], m["url"]) for m in orders] == [(ORDER, "/orders/" + quote(ORDER, safe=""))]
    assert purchase_orders[0]["url"] == "/purchase-orders/PO%2F2026%2F0001"
    assert purchase_orders[0]["code"] == PURCHASE_ORDER
    assert [m["code"] for m in by_name] == [CUSTOMER, CUSTOMER]
    assert order_page.status_code == po_page.status_code == 200
