"""Customers, suppliers, purchase orders and products as the API states them: each with
what hangs off it, paged, within the scope of the person asking."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from controltower.domain.cases import ACTIVE_STATES
from controltower.domain.model import OrderStatus, po_line_expected_date
from controltower.domain.people import Role
from helpers.entity_facts import (
    active_cases_naming,
    open_purchase_orders,
    open_value_of,
    overdue,
    pegged_to,
    stored_cases,
    stored_orders,
)
from helpers.people import add_test_person
from helpers.scanned_demo import (
    AS_OF,
    anonymous_client,
    api_client,
    demo_dataset,
    load_scanned_demo,
    store_demo,
)
from helpers.slash_business import (
    CUSTOMER,
    INVOICE,
    ORDER,
    PURCHASE_ORDER,
    SKU,
    SUPPLIER,
    load_slash_business,
)

CENT = Decimal("0.01")


def number(value: Any) -> Decimal:
    return Decimal(str(value))


def get(client: Any, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def every_page(client: Any, path: str, listed: str, page_param: str) -> list[dict[str, Any]]:
    """Every item of one list of an entity, read two at a time."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        body = get(client, path, page_size=2, **{page_param: page})[listed]
        items.extend(body["items"])
        if page >= body["last_page"]:
            return items
        page += 1


def test_a_customer_shows_its_exposure_open_orders_invoices_to_chase_and_cases(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    dataset = demo_dataset()
    orders = stored_orders(migrated_database_url, demo.picture_id)
    per_customer = Counter(o.customer for o in orders)
    held = [c for c in dataset.customers if c.credit_hold]
    customer = max(held, key=lambda c: (per_customer[c.code], c.code))
    invoices = [i for i in dataset.invoices if i.customer == customer.code]
    mine = [o for o in orders if o.customer == customer.code]
    to_chase = sorted(
        (i for i in invoices if i.disputed or overdue(i.amount_residual, i.due_date, AS_OF)),
        key=lambda i: (i.due_date, i.invoice_id),
    )

    with api_client(migrated_database_url) as client:
        body = get(client, f"/api/customers/{customer.code}")
        paged_orders = every_page(
            client, f"/api/customers/{customer.code}", "orders", "orders_page"
        )

    exposure = body["exposure"]
    receivables = sum((i.amount_residual for i in invoices), Decimal(0))
    open_value = sum((o.open_value for o in mine), Decimal(0))
    assert (body["code"], body["name"], body["tier"]) == (
        customer.code,
        customer.name,
        customer.tier.value,
    )
    assert body["credit_hold"] is True
    assert number(exposure["receivables"]) == receivables.quantize(CENT)
    assert number(exposure["open_order_value"]) == open_value.quantize(CENT)
    assert number(exposure["exposure"]) == (receivables + open_value).quantize(CENT)
    assert exposure["open_orders"] == len(mine)
    assert exposure["at_risk_orders"] == sum(o.at_risk for o in mine)
    assert number(exposure["value_at_risk"]) == sum(
        (o.open_value for o in mine if o.at_risk), Decimal(0)
    ).quantize(CENT)
    assert number(exposure["disputed_receivables"]) == sum(
        (i.amount_residual for i in invoices if i.disputed), Decimal(0)
    ).quantize(CENT)
    if customer.credit_limit is not None:
        total = (receivables + open_value).quantize(CENT)
        assert exposure["over_limit"] is (total > customer.credit_limit)
    assert [i["invoice_id"] for i in body["invoices"]["items"]] == [i.invoice_id for i in to_chase]
    assert body["orders"]["total"] == len(mine)
    assert sorted(o["order_id"] for o in paged_orders) == sorted(o.order_id for o in mine)
    assert all(o["lines"] == [] for o in paged_orders), "a list of orders leaves lines out"
    assert body["url"] == f"/customers/{customer.code}"
    naming = active_cases_naming(stored_cases(migrated_database_url), f"customer:{customer.code}")
    assert body["cases"]["total"] == len(naming) > 0
    assert {c["id"] for c in body["cases"]["items"]} <= naming


def test_a_supplier_counts_open_late_and_unconfirmed_purchase_orders_and_what_waits(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    dataset = demo_dataset()
    orders = stored_orders(migrated_database_url, demo.picture_id)
    supplier = max(
        dataset.suppliers,
        key=lambda s: (
            sum(po.expected_date < AS_OF for po in open_purchase_orders(dataset, s.code)),
            s.code,
        ),
    )
    open_pos = open_purchase_orders(dataset, supplier.code)
    late = sorted(
        (po for po in open_pos if po.expected_date < AS_OF),
        key=lambda po: (po.expected_date, po.po_id),
    )
    ids = {po.po_id for po in open_pos}
    waiting = [
        o for o in orders if any(p.po_id in ids for line in o.lines for p in line.from_inbound)
    ]

    with api_client(migrated_database_url) as client:
        body = get(client, f"/api/suppliers/{supplier.code}", show="late")
        every_open = every_page(
            client, f"/api/suppliers/{supplier.code}", "purchase_orders", "purchase_orders_page"
        )
        unconfirmed = get(client, f"/api/suppliers/{supplier.code}", show="unconfirmed")

    assert body["open_purchase_orders"] == len(open_pos)
    assert body["late_purchase_orders"] == len(late) > 0
    assert body["unconfirmed_purchase_orders"] == sum(po.confirmed_date is None for po in open_pos)
    assert [po["po_id"] for po in body["purchase_orders"]["items"]] == [po.po_id for po in late]
    assert all(po["late"] and po["days_late"] > 0 for po in body["purchase_orders"]["items"])
    assert body["purchase_orders"]["show"] == "late"
    assert sorted(po["po_id"] for po in every_open) == sorted(ids)
    assert {po["po_id"] for po in unconfirmed["purchase_orders"]["items"]} == {
        po.po_id for po in open_pos if po.confirmed_date is None
    }
    assert body["waiting_orders"] == len(waiting) > 0
    assert number(body["waiting_value"]) == sum(
        (o.open_value for o in waiting), Decimal(0)
    ).quantize(CENT)
    first = body["purchase_orders"]["items"][0]
    assert number(first["open_value"]) == open_value_of(dataset, first["po_id"])
    naming = active_cases_naming(stored_cases(migrated_database_url), f"supplier:{supplier.code}")
    assert body["cases"]["total"] == len(naming)


def test_a_purchase_order_shows_its_lines_receipts_and_the_order_lines_pegged_to_it(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    dataset = demo_dataset()
    orders = stored_orders(migrated_database_url, demo.picture_id)
    po = max(
        (p for p in dataset.purchase_orders if p.status is OrderStatus.OPEN),
        key=lambda p: (len(pegged_to(orders, p.po_id)), p.po_id),
    )
    pegged = pegged_to(orders, po.po_id)
    lines = sorted(
        (ln for ln in dataset.purchase_order_lines if ln.po_id == po.po_id), key=lambda ln: ln.line
    )

    with api_client(migrated_database_url) as client:
        body = get(client, f"/api/purchase-orders/{po.po_id}")
        every_pegged = every_page(
            client, f"/api/purchase-orders/{po.po_id}", "pegged_orders", "pegged_page"
        )

    summary = body["purchase_order"]
    assert (summary["po_id"], summary["supplier"], summary["warehouse"]) == (
        po.po_id,
        po.supplier,
        po.warehouse,
    )
    assert summary["late"] is (po.expected_date < AS_OF)
    assert number(summary["open_value"]) == open_value_of(dataset, po.po_id)
    assert body["supplier_url"] == f"/suppliers/{po.supplier}"
    assert [
        (ln["line"], ln["sku"], number(ln["open_qty"]), ln["expected_date"])
        for ln in body["lines"]["items"]
    ] == [(ln.line, ln.sku, ln.open_qty, po_line_expected_date(ln, po).isoformat()) for ln in lines]
    assert len(pegged) > 1
    assert {
        o["order_id"]: [(p["order_line"], p["po_line"]) for p in o["pegs"]] for o in every_pegged
    } == pegged
    assert all(o["url"] == f"/orders/{o['order_id']}" for o in every_pegged)


def test_a_purchase_order_lists_its_receipts_and_the_cases_on_them(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    dataset = demo_dataset()
    cases = stored_cases(migrated_database_url)
    damaged = next(
        r
        for r in dataset.receipts
        if r.damaged_qty > 0 and any(c.subject == f"receipt:{r.receipt_id}" for c in cases)
    )
    receipts = sorted(
        (r for r in dataset.receipts if r.po_id == damaged.po_id),
        key=lambda r: (r.line, r.received_date, r.receipt_id),
    )

    with api_client(migrated_database_url) as client:
        body = get(client, f"/api/purchase-orders/{damaged.po_id}")

    assert [r["receipt_id"] for r in body["receipts"]["items"]] == [r.receipt_id for r in receipts]
    subject = f"purchase_order:{damaged.po_id}"
    own = {subject, *(f"receipt:{r.receipt_id}" for r in receipts)}
    found = body["cases"]["items"]
    assert f"receipt:{damaged.receipt_id}" in {c["subject"] for c in found}
    assert all(c["subject"] in own or c["cause"] == subject for c in found)
    assert body["cases"]["total"] == sum(
        c.state in ACTIVE_STATES and (c.subject in own or c.cause == subject) for c in cases
    )


def test_a_product_shows_stock_quality_hold_demand_and_inbound_per_warehouse(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    dataset = demo_dataset()
    open_orders = {o.order_id: o for o in dataset.sales_orders if o.status is OrderStatus.OPEN}
    open_pos = {p.po_id: p for p in dataset.purchase_orders if p.status is OrderStatus.OPEN}
    held = [s for s in dataset.stock if s.quality_hold > 0]
    sku = held[0].sku
    demand = [
        ln
        for ln in dataset.sales_order_lines
        if ln.sku == sku and ln.order_id in open_orders and ln.open_qty > 0
    ]
    inbound = [
        ln
        for ln in dataset.purchase_order_lines
        if ln.sku == sku and ln.po_id in open_pos and ln.open_qty > 0
    ]

    with api_client(migrated_database_url) as client:
        body = get(client, f"/api/products/{sku}")
        every_demand = every_page(client, f"/api/products/{sku}", "demand", "demand_page")

    positions = {p["warehouse"]: p for p in body["positions"]}
    for level in (s for s in dataset.stock if s.sku == sku):
        assert number(positions[level.warehouse]["on_hand"]) == level.on_hand
        assert number(positions[level.warehouse]["quality_hold"]) == level.quality_hold
        assert number(positions[level.warehouse]["usable"]) == level.on_hand - level.quality_hold
    for warehouse, position in positions.items():
        assert number(position["open_demand"]) == sum(
            (ln.open_qty for ln in demand if open_orders[ln.order_id].warehouse == warehouse),
            Decimal(0),
        )
        assert number(position["inbound"]) == sum(
            (ln.open_qty for ln in inbound if open_pos[ln.po_id].warehouse == warehouse),
            Decimal(0),
        )
    assert sorted((d["order_id"], d["line"]) for d in every_demand) == sorted(
        (ln.order_id, ln.line) for ln in demand
    )
    assert body["inbound"]["total"] == len(inbound)
    naming = active_cases_naming(stored_cases(migrated_database_url), f"product:{sku}")
    assert body["cases"]["total"] == len(naming)


def test_a_warehouse_limited_person_sees_their_warehouse_and_nothing_else(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    dataset = demo_dataset()
    orders = stored_orders(migrated_database_url, demo.picture_id)
    mine = "LDS"
    their_po = next(p for p in dataset.purchase_orders if p.warehouse != mine)
    my_po = next(p for p in dataset.purchase_orders if p.warehouse == mine)
    customer = max(
        {o.customer for o in orders},
        key=lambda c: (len({o.warehouse for o in orders if o.customer == c}), c),
    )
    sku = next(s.sku for s in dataset.stock if s.warehouse != mine)
    person = add_test_person(migrated_database_url, "lena", role=Role.FRONTLINE, warehouses=[mine])

    with api_client(migrated_database_url, token=person.token) as client:
        hidden = client.get(f"/api/purchase-orders/{their_po.po_id}")
        missing = client.get("/api/purchase-orders/PO-NOBODY")
        shown = client.get(f"/api/purchase-orders/{my_po.po_id}")
        customer_body = get(client, f"/api/customers/{customer}", page_size=200)
        product = get(client, f"/api/products/{sku}", page_size=200)
        supplier = get(client, f"/api/suppliers/{their_po.supplier}", page_size=200)

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace(their_po.po_id, "X") == missing.json()["detail"].replace(
        "PO-NOBODY", "X"
    )
    assert shown.status_code == 200
    assert {o["warehouse"] for o in customer_body["orders"]["items"]} <= {mine}
    assert customer_body["exposure"]["open_orders"] == sum(
        o.customer == customer and o.warehouse == mine for o in orders
    )
    assert {p["warehouse"] for p in product["positions"]} <= {mine}
    assert {d["warehouse"] for d in product["demand"]["items"]} <= {mine}
    assert {po["warehouse"] for po in supplier["purchase_orders"]["items"]} <= {mine}
    assert all(c["warehouse"] == mine for c in customer_body["cases"]["items"])


@pytest.mark.parametrize(
    "path",
    [
        "/api/customers/NOBODY",
        "/api/suppliers/NOBODY",
        "/api/purchase-orders/NOBODY",
        "/api/products/NOBODY",
    ],
)
def test_a_code_the_picture_does_not_have_is_not_found_by_name(
    migrated_database_url: str, path: str
) -> None:
    load_scanned_demo(migrated_database_url)
    with api_client(migrated_database_url) as client:
        response = client.get(path)
    assert response.status_code == 404
    assert "'NOBODY'" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"orders_page": 0}, "orders_page"),
        ({"cases_page": "two"}, "cases_page"),
        ({"page_size": 201}, "page_size"),
        ({"invoices_page": -1}, "invoices_page"),
    ],
)
def test_bad_list_parameters_answer_422_naming_the_parameter(
    migrated_database_url: str, params: dict[str, Any], field: str
) -> None:
    load_scanned_demo(migrated_database_url)
    customer = demo_dataset().customers[0].code
    with api_client(migrated_database_url) as client:
        response = client.get(f"/api/customers/{customer}", params=params)
        show = client.get("/api/suppliers/SUP-0001", params={"show": "soon"})
    assert response.status_code == show.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["query", field]]
    assert [e["loc"] for e in show.json()["detail"]] == [["query", "show"]]


def test_entities_need_a_signed_in_person_and_a_scan(migrated_database_url: str) -> None:
    store_demo(migrated_database_url)
    customer = demo_dataset().customers[0].code
    with anonymous_client(migrated_database_url) as client:
        anonymous = client.get(f"/api/customers/{customer}")
    with api_client(migrated_database_url) as client:
        unscanned = client.get(f"/api/customers/{customer}")
    assert anonymous.status_code == 401
    assert unscanned.status_code == 404
    assert "no scan has been recorded" in unscanned.json()["detail"]


def test_codes_with_slashes_are_paths_plain_or_encoded(migrated_database_url: str) -> None:
    load_slash_business(migrated_database_url)
    with api_client(migrated_database_url) as client:
        po = get(client, f"/api/purchase-orders/{PURCHASE_ORDER}")
        encoded = get(client, "/api/purchase-orders/PO%2F2026%2F0001")
        supplier = get(client, f"/api/suppliers/{SUPPLIER}")
        customer = get(client, f"/api/customers/{CUSTOMER}")
        product = get(client, f"/api/products/{SKU}")
        order = get(client, "/api/orders/SO%2F2026%2F0001")

    assert po == encoded
    assert po["url"] == "/purchase-orders/PO%2F2026%2F0001"
    assert po["supplier_url"] == "/suppliers/S%2F01"
    [pegged] = po["pegged_orders"]["items"]
    assert (pegged["order_id"], pegged["url"]) == (ORDER, "/orders/SO%2F2026%2F0001")
    assert [(p["order_line"], p["po_line"], p["qty"]) for p in pegged["pegs"]] == [(1, 1, 3)]
    assert po["purchase_order"]["late"] is True
    assert {c["type"] for c in po["cases"]["items"]} == {
        "supplier_delay",
        "supplier_confirmation_overdue",
    }
    assert (supplier["late_purchase_orders"], supplier["unconfirmed_purchase_orders"]) == (1, 1)
    assert (supplier["waiting_orders"], supplier["waiting_value"]) == (1, 100)
    assert [i["invoice_id"] for i in customer["invoices"]["items"]] == [INVOICE]
    assert customer["exposure"]["exposure"] == 200
    [position] = product["positions"]
    assert (position["on_hand"], position["open_demand"], position["inbound"]) == (2, 5, 10)
    assert order["order_id"] == ORDER
