"""The work lists' API: a person's cases (/api/my-work), a warehouse's picks (/api/warehouse-work)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from controltower.domain.cases import CaseState
from controltower.domain.explanation_parts import next_step, what_is_wrong
from controltower.domain.people import Role
from controltower.storage import tables
from controltower.storage.database import make_engine, make_session_factory
from helpers.people import add_test_person
from helpers.scanned_demo import (
    AS_OF,
    SCANNED_AT,
    anonymous_client,
    api_client,
    load_scanned_demo,
    scan,
    store_demo,
)
from helpers.work import (
    SHORT_CAPACITY,
    SHORT_WAREHOUSE,
    acknowledged,
    act,
    assigned_to,
    load_short_staffed_demo,
    snoozed,
    stored_cases,
    work_of,
)

pytestmark = pytest.mark.database


def every(client: TestClient, path: str, **params: Any) -> tuple[dict[str, Any], list[Any]]:
    """The first page's body and every item, read page by page."""
    first: dict[str, Any] | None = None
    items: list[Any] = []
    page = 1
    while True:
        response = client.get(path, params={**params, "page": page})
        assert response.status_code == 200, response.text
        body = response.json()
        first = first or body
        items.extend(body["items"])
        if page >= body["last_page"]:
            return first, items
        page += 1


def test_my_work_is_my_cases_and_my_teams_unassigned_ones_most_urgent_first(
    migrated_database_url: str,
) -> None:
    url = migrated_database_url
    demo = load_scanned_demo(url)
    teams = {"warehouse@SHF", "customer_service@SHF"}
    wendy = add_test_person(url, "wendy", role=Role.MANAGER, teams=sorted(teams))
    cases = [c for c in stored_cases(url, demo.picture_id) if c.is_active]
    ours = [c for c in cases if c.owner in teams]
    elsewhere = next(c for c in cases if c.owner not in teams)
    assert len(ours) >= 4, "the demo gives Sheffield's teams work"
    # someone else takes one of ours; wendy takes one from another team, acknowledges
    # one and snoozes one
    act(url, demo, ours[0].id, assigned_to("bob"))
    act(url, demo, elsewhere.id, assigned_to("wendy"))
    act(url, demo, ours[1].id, acknowledged("wendy"))
    act(url, demo, ours[2].id, snoozed("wendy"))
    # a second scan of the same picture, three days later: what was due is overdue now
    later = SCANNED_AT + timedelta(days=3)
    scan(url, demo.picture_id, as_of=AS_OF, now=later)

    with api_client(url, wendy.token) as client:
        body, items = every(client, "/api/my-work", page_size=4)

    after = stored_cases(url, demo.picture_id)
    expected = work_of(after, "wendy", teams, clock=datetime.now(UTC))
    assert [item["id"] for item in items] == [c.id for c in expected]
    ids = {item["id"] for item in items}
    assert elsewhere.id in ids
    assert ours[1].id in ids
    assert ours[0].id not in ids, "taken by someone else"
    assert ours[2].id not in ids, "snoozed"
    assert body["total"] == len(expected)
    assert body["login"] == "wendy"
    assert body["teams"] == sorted(teams)
    counts = body["counts"]
    assert counts["to_do"] == len(expected)
    for state in (CaseState.OPEN, CaseState.ACKNOWLEDGED):
        assert counts[state.value] == sum(1 for c in expected if c.state is state)
    assert counts["acknowledged"] == 1
    assert counts["snoozed"] == 1
    assert counts["overdue"] == sum(1 for c in expected if c.due_at < later)
    assert counts["overdue"] > 0
    by_id = {c.id: c for c in expected}
    for item in items:
        case = by_id[item["id"]]
        assert item["what_is_wrong"] == what_is_wrong(case.explanation)
        assert item["next_step"] == next_step(case.explanation) is not None
        assert item["next_steps"]
        assert item["next_step"].startswith(item["next_steps"][0])
        assert item["assigned_to_me"] == (case.assignee == "wendy")
        assert item["overdue"] == (case.due_at < later)


def test_my_work_of_a_person_limited_to_one_warehouse_shows_none_of_another(
    migrated_database_url: str,
) -> None:
    url = migrated_database_url
    demo = load_scanned_demo(url)
    teams = ["warehouse@SHF", "warehouse@MAN", "customer_service@SHF", "customer_service@MAN"]
    mia = add_test_person(url, "mia", role=Role.FRONTLINE, teams=teams, warehouses=["MAN"])
    sheffield = next(
        c for c in stored_cases(url, demo.picture_id) if c.is_active and c.warehouse == "SHF"
    )
    act(url, demo, sheffield.id, assigned_to("mia"))

    with api_client(url, mia.token) as client:
        body, items = every(client, "/api/my-work")

    assert items, "Manchester's teams have work"
    assert {item["warehouse"] for item in items} == {"MAN"}
    assert sheffield.id not in {item["id"] for item in items}
    assert body["counts"]["to_do"] == body["total"] == len(items)


def test_a_person_with_no_teams_and_nothing_assigned_has_an_empty_list(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    nobody = add_test_person(migrated_database_url, "nobody", role=Role.AUDITOR)
    with api_client(migrated_database_url, nobody.token) as client:
        response = client.get("/api/my-work")
    assert response.status_code == 200
    body = response.json()
    assert body["items"] == []
    assert body["total"] == 0
    assert body["teams"] == []
    assert body["counts"] == {
        "open": 0,
        "acknowledged": 0,
        "in_progress": 0,
        "waiting_for_approval": 0,
        "to_do": 0,
        "overdue": 0,
        "snoozed": 0,
    }


def test_the_work_lists_need_a_signed_in_person(migrated_database_url: str) -> None:
    load_scanned_demo(migrated_database_url)
    with anonymous_client(migrated_database_url) as client:
        for path in ("/api/my-work", "/api/warehouse-work"):
            response = client.get(path)
            assert response.status_code == 401, path
            assert "sign in" in response.json()["detail"]


def test_warehouse_work_lists_the_open_picks_against_the_days_capacity(
    migrated_database_url: str,
) -> None:
    url = migrated_database_url
    demo = load_short_staffed_demo(url)
    with api_client(url) as client:
        body, items = every(client, "/api/warehouse-work", warehouse=SHORT_WAREHOUSE, page_size=3)

    assert body["warehouse"]["code"] == SHORT_WAREHOUSE
    assert body["warehouse"]["capacity_lines_per_day"] == SHORT_CAPACITY
    assert body["day"] == AS_OF.isoformat(), "by default the latest scan's day"
    assert body["scan"]["scan_run_id"] > 0
    assert body["picture_id"] == demo.picture_id
    assert [item["position"] for item in items] == list(range(1, body["total"] + 1))
    assert len({item["pick_id"] for item in items}) == len(items)
    promises = [date.fromisoformat(item["promised_date"]) for item in items]
    assert promises == sorted(promises), "the earliest promise first"
    through = 0
    for item in items:
        through += item["lines"]
        assert item["lines_through"] == through
        offset = (through - 1) // SHORT_CAPACITY
        pick_day = AS_OF + timedelta(days=offset)
        assert item["pick_day"] == pick_day.isoformat()
        assert item["beyond_capacity"] == (offset > 0)
        assert item["misses_promise"] == (pick_day > date.fromisoformat(item["promised_date"]))
        assert item["already_late"] == (date.fromisoformat(item["promised_date"]) < AS_OF)
        assert item["unassigned"] == (item["assigned_to"] is None)
    assert body["lines"] == through > SHORT_CAPACITY
    runs_out = next(item["position"] for item in items if item["beyond_capacity"])
    assert body["capacity_runs_out_at"] == runs_out
    assert next(i["position"] for i in items if i["starts_new_day"]) == runs_out
    assert body["unassigned"] == sum(1 for item in items if item["unassigned"])
    assert body["picks_missing_promise"] == sum(1 for item in items if item["misses_promise"])
    assert body["orders_missing_promise"] == len(
        {item["order_id"] for item in items if item["misses_promise"]}
    )
    assert body["last_pick_day"] == items[-1]["pick_day"]


def test_warehouse_work_on_another_day_moves_every_pick_day(migrated_database_url: str) -> None:
    load_short_staffed_demo(migrated_database_url)
    later = AS_OF + timedelta(days=2)
    with api_client(migrated_database_url) as client:
        _, on_the_day = every(client, "/api/warehouse-work", warehouse=SHORT_WAREHOUSE)
        body, two_days_on = every(
            client, "/api/warehouse-work", warehouse=SHORT_WAREHOUSE, day=later.isoformat()
        )
    assert body["day"] == later.isoformat()
    assert [i["pick_id"] for i in two_days_on] == [i["pick_id"] for i in on_the_day]
    for before, after in zip(on_the_day, two_days_on, strict=True):
        moved = date.fromisoformat(before["pick_day"]) + timedelta(days=2)
        assert after["pick_day"] == moved.isoformat()
    assert sum(i["misses_promise"] for i in two_days_on) >= sum(
        i["misses_promise"] for i in on_the_day
    )


def test_warehouse_work_defaults_to_the_first_warehouse_the_person_may_see(
    migrated_database_url: str,
) -> None:
    url = migrated_database_url
    demo = load_short_staffed_demo(url)
    mia = add_test_person(url, "mia", role=Role.FRONTLINE, warehouses=["MAN"])
    with api_client(url) as client:
        everyone = client.get("/api/warehouse-work").json()
    with api_client(url, mia.token) as client:
        body, items = every(client, "/api/warehouse-work")
        outside = client.get("/api/warehouse-work", params={"warehouse": SHORT_WAREHOUSE})
        unknown = client.get("/api/warehouse-work", params={"warehouse": "NOWHERE"})

    assert everyone["warehouse"]["code"] == "LDS", "the first in the picture"
    assert body["warehouse"]["code"] == "MAN"
    orders_here = manchester_orders(url, demo.picture_id)
    assert items
    assert {item["order_id"] for item in items} <= orders_here
    assert outside.status_code == unknown.status_code == 404
    assert outside.json()["detail"].replace(SHORT_WAREHOUSE, "X") == unknown.json()[
        "detail"
    ].replace("NOWHERE", "X"), "a warehouse out of scope reads exactly like an unknown one"


def manchester_orders(database_url: str, picture_id: int) -> set[str]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            orders = tables.sales_orders
            return set(
                session.execute(
                    sa.select(orders.c.order_id).where(
                        orders.c.picture_id == picture_id, orders.c.warehouse == "MAN"
                    )
                ).scalars()
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"day": "25/11/2026"}, "day"),
        ({"page_size": "201"}, "page_size"),
        ({"page": "0"}, "page"),
        ({"warehouse": ""}, "warehouse"),
    ],
)
def test_bad_parameters_are_named(
    migrated_database_url: str, params: dict[str, str], field: str
) -> None:
    load_scanned_demo(migrated_database_url)
    with api_client(migrated_database_url) as client:
        response = client.get("/api/warehouse-work", params=params)
        mine = client.get("/api/my-work", params=params) if field.startswith("page") else None
    assert response.status_code == 422
    assert [problem["loc"] for problem in response.json()["detail"]] == [["query", field]]
    if mine is not None:
        assert mine.status_code == 422


def test_warehouse_work_before_any_scan_says_how_to_run_one(migrated_database_url: str) -> None:
    store_demo(migrated_database_url)
    with api_client(migrated_database_url) as client:
        response = client.get("/api/warehouse-work")
    assert response.status_code == 404
    assert "controltower scan" in response.json()["detail"]
