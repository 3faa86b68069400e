"""The medium demo's biggest problems each name orders that are really late because of them.

A problem's "orders hit" are the orders whose lateness the engine puts down to it (their
own order-at-risk case names it as the cause), so the overview never claims orders that
ship on time, or that are late for another reason. Stored and ranked as the overview
ranks them, through the API people and pages read.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from controltower.demo import generate_business
from controltower.policy import load_policy
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.picture_store import SqlPictureStore
from controltower.storage.repository import replace_picture
from controltower.workflow.stored_scan import run_stored_scan
from helpers.scanned_demo import api_client

AS_OF = date(2026, 12, 6)
TOP = 5


def _store_and_scan_the_medium_demo(database_url: str) -> None:
    business = generate_business("medium", seed=7, as_of=AS_OF)
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            summary = replace_picture(
                session,
                business,
                source="demo:medium",
                imported_at=datetime(2026, 12, 6, 7, 0, tzinfo=UTC),
            )
        with make_session_factory(engine).begin() as session:
            run_stored_scan(
                SqlPictureStore(session, summary.picture_id),
                as_of=AS_OF,
                policy=load_policy(),
                now=datetime(2026, 12, 6, 8, 0, tzinfo=UTC),
            )
    finally:
        engine.dispose()


def test_the_top_five_problems_each_name_orders_really_late_because_of_them(
    migrated_database_url: str,
) -> None:
    _store_and_scan_the_medium_demo(migrated_database_url)
    with api_client(migrated_database_url) as client:
        top = client.get("/api/exceptions", params={"view": "incidents", "page_size": TOP})
        assert top.status_code == 200, top.text
        incidents = top.json()["items"]
        late = client.get(
            "/api/exceptions",
            params={"view": "cases", "type": "order_at_risk", "page_size": 200},
        ).json()
        assert late["total"] <= 200, "the medium demo has at most 200 orders at risk"
        cause_of = {case["subject"]: case["cause"] for case in late["items"]}
        orders = {
            o["order_id"]: o
            for page in (1, 2, 3, 4, 5)
            for o in client.get(
                "/api/orders", params={"at_risk": "true", "page": page, "page_size": 50}
            ).json()["items"]
        }

    assert len(incidents) == TOP
    for incident in incidents:
        cause = incident["cause"]
        hit = [s for s, c in cause_of.items() if c == cause]
        assert hit, f"{incident['title']} names no order late because of it"
        assert incident["order_count"] == len(hit), incident["title"]
        worth = Decimal(0)
        for subject in hit:
            order = orders[subject.removeprefix("sales_order:")]
            assert order["at_risk"], f"{subject} of {incident['title']} is not at risk"
            worth += Decimal(str(order["open_value"]))
        assert Decimal(str(incident["value_at_risk"])) == worth, incident["title"]
