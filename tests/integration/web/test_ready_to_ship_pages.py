"""An order past its promise with every line in stock reads as ready to ship, on its page
and in its case, and the case goes to the warehouse that must ship it.

Its status in the data stays ``fully_allocated`` (the ``scan --json`` contract); what
people read says what is true: nothing but shipping holds it. Dates in its sentences
read as the page's other dates do.
"""

from __future__ import annotations

import re

import pytest

from helpers.scanned_demo import api_client, load_scanned_demo

pytestmark = pytest.mark.database


def test_a_late_order_with_everything_in_stock_is_ready_to_ship_and_the_warehouses(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    with api_client(migrated_database_url) as client:
        listed = client.get(
            "/api/orders",
            params={"at_risk": "true", "status": "fully_allocated", "page_size": 5},
        )
        assert listed.status_code == 200, listed.text
        orders = listed.json()["items"]
        assert orders, "the small demo has an order past its promise with all lines in stock"
        order = orders[0]
        assert order["status"] == "fully_allocated"
        assert order["status_label"] == "Ready to ship, past its promise"
        assert order["blockers"] == []

        # the overview's "why orders are at risk" names them so too
        assert "Ready to ship, past its promise" in client.get("/").text
        page = client.get(f"/orders/{order['order_id']}").text
        assert "Ready to ship, past its promise" in page
        assert f"Nothing but shipping: every line is in stock in {order['warehouse']}" in page
        sentence = re.search(
            r"Promised (.+?) and not shipped: (all \d+ lines are|line \d+ is) "
            r"in stock in ",
            page,
        )
        assert sentence is not None, "the order page says it is ready to ship"
        assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", sentence[1]), (
            f"the date reads as the page's other dates, not {sentence[1]!r}"
        )

        cases = client.get(
            "/api/cases",
            params={"type": "order_at_risk", "q": order["order_id"], "page_size": 5},
        ).json()["items"]
        (case,) = [c for c in cases if c["subject"] == f"sales_order:{order['order_id']}"]
        assert case["owner"] == f"warehouse@{order['warehouse']}"
        assert f"ship it from {order['warehouse']} today" in case["explanation"]
        assert "agree a revised date" not in case["explanation"]
