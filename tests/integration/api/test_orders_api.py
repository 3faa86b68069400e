"""The orders API returns the stored order risk of the latest scan, filtered and paged."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from controltower.domain.analysis import OrderOutcome
from controltower.domain.model import Dataset, Warehouse
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.repository import order_risk_rows, replace_picture
from helpers.scanned_demo import api_client, load_scanned_demo, store_demo


def stored_orders(database_url: str, picture_id: int) -> list[OrderOutcome]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return [row.outcome for row in order_risk_rows(session, picture_id)]
    finally:
        engine.dispose()


def every(client: TestClient, **params: str) -> list[dict[str, Any]]:
    """Every order of a list, read page by page (200 a page, the most the API serves)."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        body = client.get("/api/orders", params={**params, "page_size": 200, "page": page})
        assert body.status_code == 200, body.text
        items.extend(body.json()["items"])
        if page >= body.json()["last_page"]:
            return items
        page += 1


def urgency(order: dict[str, Any]) -> tuple[bool, int, Decimal, str]:
    lateness = order["days_late"] if order["days_late"] is not None else 10**9
    return (not order["at_risk"], -lateness, -Decimal(str(order["open_value"])), order["order_id"])


def test_orders_list_every_open_order_of_the_latest_scan_most_urgent_first(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    stored = {o.order_id: o for o in stored_orders(migrated_database_url, demo.picture_id)}

    with api_client(migrated_database_url) as client:
        body = client.get("/api/orders").json()
        orders = every(client)

    assert body["total"] == len(stored) == demo.open_orders
    assert (body["page"], body["page_size"], len(body["items"])) == (1, 50, 50)
    assert body["scan"]["order_count"] == demo.open_orders
    assert body["scan"]["as_of"] == "2026-11-25"
    assert body["companies"] == list(demo.companies)
    assert {o["order_id"] for o in orders} == set(stored)
    assert orders == sorted(orders, key=urgency)
    first = orders[0]
    outcome = stored[first["order_id"]]
    assert first["status"] == outcome.status.value
    assert first["status_label"]
    assert first["blockers"] == [b.value for b in outcome.blockers]
    assert Decimal(str(first["open_value"])) == outcome.open_value
    assert first["explanation"] == list(outcome.explanation)
    assert [line["line"] for line in first["lines"]] == [line.line for line in outcome.lines]
    assert all(o["customer_name"] for o in orders), "the demo names every customer"


def test_orders_filter_by_risk_status_and_warehouse_and_page_through_the_result(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    stored = stored_orders(migrated_database_url, demo.picture_id)
    at_risk_blocked = [o for o in stored if o.at_risk and o.blockers]
    status = at_risk_blocked[0].status
    warehouse = at_risk_blocked[0].warehouse

    with api_client(migrated_database_url) as client:
        at_risk = client.get("/api/orders", params={"at_risk": "true"}).json()
        at_risk_orders = every(client, at_risk="true")
        on_track = client.get("/api/orders", params={"at_risk": "false"}).json()
        on_track_orders = every(client, at_risk="false")
        by_status = client.get("/api/orders", params={"status": status.value}).json()
        in_warehouse = client.get(
            "/api/orders", params={"warehouse": warehouse, "at_risk": "true"}
        ).json()
        pages = [
            client.get("/api/orders", params={"limit": 7, "offset": offset}).json()
            for offset in (0, 7)
        ]
        everything = client.get("/api/orders", params={"limit": 14}).json()

    assert at_risk["total"] == demo.at_risk == sum(1 for o in stored if o.at_risk)
    assert all(o["at_risk"] for o in at_risk_orders)
    assert on_track["total"] == len(stored) - demo.at_risk == len(on_track_orders)
    assert not any(o["at_risk"] for o in on_track_orders)
    assert by_status["total"] == sum(1 for o in stored if o.status is status)
    assert {o["status"] for o in by_status["items"]} == {status.value}
    assert in_warehouse["total"] == sum(1 for o in stored if o.at_risk and o.warehouse == warehouse)
    assert {o["warehouse"] for o in in_warehouse["items"]} == {warehouse}
    assert [len(page["items"]) for page in pages] == [7, 7]
    assert [(page["offset"], page["limit"]) for page in pages] == [(0, 7), (7, 7)]
    assert [o["order_id"] for page in pages for o in page["items"]] == [
        o["order_id"] for o in everything["items"]
    ]


def test_an_order_comes_with_its_lines_explanation_and_status_history(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    stored = stored_orders(migrated_database_url, demo.picture_id)
    waiting = next(o for o in stored if any(line.from_inbound for line in o.lines))

    with api_client(migrated_database_url) as client:
        body = client.get(f"/api/orders/{waiting.order_id}").json()

    assert body["order_id"] == waiting.order_id
    assert body["explanation"] == list(waiting.explanation)
    pegged = next(line for line in waiting.lines if line.from_inbound)
    line = next(item for item in body["lines"] if item["line"] == pegged.line)
    peg = pegged.from_inbound[0]
    assert line["from_inbound"][0] == {
        "po_id": peg.po_id,
        "line": peg.line,
        "qty": int(peg.qty) if peg.qty == peg.qty.to_integral_value() else float(peg.qty),
        "available_date": peg.available_date.isoformat(),
    }
    assert Decimal(str(line["open_qty"])) == pegged.open_qty
    assert line["projected_date"] == (
        pegged.projected_date.isoformat() if pegged.projected_date else None
    )
    assert len(line["alternatives"]) == len(pegged.alternatives)
    assert body["status_history"] == [
        {
            "scan_run_id": body["scan"]["scan_run_id"],
            "as_of": "2026-11-25",
            "from_status": None,
            "to_status": waiting.status.value,
            "to_status_label": body["status_label"],
            "changed_at": "2026-11-25T10:00:00Z",
        }
    ]


def test_orders_say_what_is_missing_when_nothing_is_loaded_scanned_or_known(
    migrated_database_url: str,
) -> None:
    with api_client(migrated_database_url) as client:
        nothing = client.get("/api/orders")
        store_demo(migrated_database_url)
        unscanned = client.get("/api/orders")
        unknown_company = client.get("/api/orders", params={"company": "NOSUCH"})
        unknown_order = client.get("/api/orders/SO-NOSUCH")

    assert nothing.status_code == 404
    assert "nothing is loaded" in nothing.json()["detail"]
    assert unscanned.status_code == 404
    assert "controltower scan --db" in unscanned.json()["detail"]
    assert unknown_company.status_code == 404
    assert "NOSUCH" in unknown_company.json()["detail"]
    assert unknown_order.status_code == 404


def test_an_order_the_scan_did_not_see_is_not_found_with_its_id_in_the_message(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    with api_client(migrated_database_url) as client:
        response = client.get("/api/orders/SO-NOSUCH")
    assert response.status_code == 404
    assert "SO-NOSUCH" in response.json()["detail"]


def test_bad_order_query_parameters_are_refused_naming_the_parameter(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    bad: list[dict[str, str | int]] = [
        {"status": "late"},
        {"at_risk": "perhaps"},
        {"limit": 0},
        {"limit": 100_000},
        {"offset": -1},
    ]
    with api_client(migrated_database_url) as client:
        responses = [client.get("/api/orders", params=params) for params in bad]
    for params, response in zip(bad, responses, strict=True):
        assert response.status_code == 422, params
        assert response.json()["detail"][0]["loc"] == ["query", next(iter(params))]


def test_with_several_pictures_loaded_the_company_chooses_one(migrated_database_url: str) -> None:
    demo = load_scanned_demo(migrated_database_url)
    engine = make_engine(migrated_database_url)
    try:
        with make_session_factory(engine).begin() as session:
            replace_picture(
                session,
                Dataset(warehouses=[Warehouse(code="OTH-1", company="OTHERCO")]),
                source="test",
                imported_at=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
            )
    finally:
        engine.dispose()

    with api_client(migrated_database_url) as client:
        ambiguous = client.get("/api/orders")
        chosen = client.get("/api/orders", params={"company": demo.companies[0]})
        other = client.get("/api/orders", params={"company": "OTHERCO"})

    assert ambiguous.status_code == 422
    assert "?company=" in ambiguous.json()["detail"]
    assert "OTHERCO" in ambiguous.json()["detail"]
    assert chosen.status_code == 200
    assert chosen.json()["total"] == demo.open_orders
    assert other.status_code == 404, "OTHERCO is loaded but was never scanned"
