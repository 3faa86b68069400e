"""The work pages: /my-work (where people land) and the printable /warehouse-work."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from controltower.bootstrap import create_app
from controltower.domain.people import Role
from controltower.settings import Settings
from helpers.people import add_test_person
from helpers.scanned_demo import AS_OF, api_client, load_scanned_demo
from helpers.work import (
    SHORT_CAPACITY,
    SHORT_WAREHOUSE,
    act,
    assigned_to,
    load_short_staffed_demo,
    stored_cases,
)

pytestmark = pytest.mark.database


def rows(page: str, attribute: str) -> list[str]:
    return re.findall(rf'<tr {attribute}="([^"]+)"', page)


def text_of(page: str) -> str:
    """The page's words, without tags, on one line."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def browser_client(migrated_database_url: str) -> Iterator[TestClient]:
    """A client with no session that does not follow redirects."""
    app = create_app(Settings(DATABASE_URL=migrated_database_url))
    try:
        with TestClient(app, follow_redirects=False) as client:
            yield client
    finally:
        app.state.engine.dispose()


def test_my_work_shows_counts_then_what_is_wrong_and_what_to_do(
    migrated_database_url: str,
) -> None:
    url = migrated_database_url
    demo = load_scanned_demo(url)
    wendy = add_test_person(url, "wendy", role=Role.MANAGER, teams=["warehouse@SHF"])
    with api_client(url, wendy.token) as client:
        page = client.get("/my-work")
        api = client.get("/api/my-work").json()

    assert page.status_code == 200
    assert api["items"], "Sheffield's warehouse team has work in the demo"
    assert rows(page.text, "data-case") == [item["id"] for item in api["items"]]
    words = text_of(page.text)
    assert f"{api['counts']['to_do']} to do" in words
    assert f"{api['counts']['overdue']} overdue" in words
    assert "your team: warehouse@SHF" in words
    first = api["items"][0]
    assert html.escape(first["next_steps"][0], quote=False) in page.text
    assert f'href="/exceptions/cases/{first["id"]}"' in page.text
    assert "warehouse@SHF, not taken" in words
    assert 'aria-current="page">My work' in page.text
    picture_cases = stored_cases(url, demo.picture_id)
    assert all(
        c.owner == "warehouse@SHF" for c in picture_cases if c.id in rows(page.text, "data-case")
    )


def test_my_work_of_someone_with_no_team_explains_itself_and_leads_to_the_queue(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    nobody = add_test_person(migrated_database_url, "nobody", role=Role.AUDITOR)
    with api_client(migrated_database_url, nobody.token) as client:
        page = client.get("/my-work")
    assert page.status_code == 200
    assert 'data-part="my-work-empty"' in page.text
    words = text_of(page.text)
    assert "My work is your to-do list" in words
    assert "You are not in a team and no exception is assigned to you" in words
    assert 'href="/exceptions"' in page.text
    assert rows(page.text, "data-case") == []


def test_a_case_assigned_to_someone_with_no_team_is_on_their_list(
    migrated_database_url: str,
) -> None:
    url = migrated_database_url
    demo = load_scanned_demo(url)
    solo = add_test_person(url, "solo", role=Role.FRONTLINE)
    case = next(c for c in stored_cases(url, demo.picture_id) if c.is_active)
    act(url, demo, case.id, assigned_to("solo"))
    with api_client(url, solo.token) as client:
        page = client.get("/my-work")
    assert rows(page.text, "data-case") == [case.id]
    assert 'data-part="my-work-empty"' not in page.text
    assert "Yours" in page.text


def test_my_work_of_a_person_limited_to_one_warehouse_shows_no_other(
    migrated_database_url: str,
) -> None:
    url = migrated_database_url
    demo = load_scanned_demo(url)
    mia = add_test_person(
        url,
        "mia",
        role=Role.FRONTLINE,
        teams=["warehouse@SHF", "warehouse@MAN"],
        warehouses=["MAN"],
    )
    with api_client(url, mia.token) as client:
        page = client.get("/my-work")
    shown = set(rows(page.text, "data-case"))
    cases = {c.id: c for c in stored_cases(url, demo.picture_id)}
    assert shown, "Manchester's warehouse team has work in the demo"
    assert {cases[case_id].warehouse for case_id in shown} == {"MAN"}


def test_the_work_pages_send_a_visitor_to_sign_in_first(
    migrated_database_url: str, browser_client: TestClient
) -> None:
    load_scanned_demo(migrated_database_url)
    for path, wanted in (
        ("/my-work", "%2Fmy-work"),
        ("/warehouse-work?warehouse=SHF", "%2Fwarehouse-work%3Fwarehouse%3DSHF"),
    ):
        response = browser_client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={wanted}"


def test_signing_in_lands_on_my_work(
    migrated_database_url: str, browser_client: TestClient
) -> None:
    load_scanned_demo(migrated_database_url)
    ann = add_test_person(migrated_database_url, "ann", role=Role.MANAGER)
    signed = browser_client.post("/login", data={"login": "ann", "password": ann.password})
    assert signed.status_code == 303
    assert signed.headers["location"] == "/my-work"
    assert browser_client.get("/my-work").status_code == 200


def test_warehouse_work_marks_where_capacity_runs_out_and_who_misses_the_promise(
    migrated_database_url: str,
) -> None:
    url = migrated_database_url
    load_short_staffed_demo(url)
    with api_client(url) as client:
        page = client.get("/warehouse-work", params={"warehouse": SHORT_WAREHOUSE})
        api = client.get(
            "/api/warehouse-work", params={"warehouse": SHORT_WAREHOUSE, "page_size": 100}
        ).json()

    assert page.status_code == 200
    items = api["items"]
    assert rows(page.text, "data-pick") == [item["pick_id"] for item in items]
    words = text_of(page.text)
    assert f"picks at most {SHORT_CAPACITY} order lines a day" in words
    runs_out = api["capacity_runs_out_at"]
    assert runs_out is not None
    first_later = items[runs_out - 1]
    breaks = re.findall(r'<tr class="day-break" data-day-break="([^"]+)">', page.text)
    assert breaks[0] == first_later["pick_day"]
    assert breaks == [item["pick_day"] for item in items if item["starts_new_day"]]
    assert f"#{runs_out} capacity runs out at this pick" in words
    assert f"Capacity for {AS_OF.day} Nov {AS_OF.year} runs out here" in words
    for item in items:
        assert f'href="/orders/{item["order_id"]}"' in page.text
    assert words.count("Unassigned") == api["unassigned"] > 0
    assert (
        words.count("Misses promise") + words.count("Already late") == api["picks_missing_promise"]
    )
    assert f"{api['orders_missing_promise']} orders miss the promise" in words
    assert 'onclick="window.print()"' in page.text


def test_the_pick_list_prints_without_the_navigation(migrated_database_url: str) -> None:
    load_short_staffed_demo(migrated_database_url)
    with api_client(migrated_database_url) as client:
        page = client.get("/warehouse-work")
        stylesheet = client.get("/static/app.css").text
    assert 'class="warehouse-work"' in page.text
    print_rules = stylesheet[stylesheet.index("@media print") :]
    assert "body:has(.warehouse-work) .topbar" in print_rules
    assert ".warehouse-work .no-print" in print_rules
    assert 'class="filters no-print"' in page.text


def test_warehouse_work_on_a_day_the_person_chose_and_a_day_nobody_can_read(
    migrated_database_url: str,
) -> None:
    load_short_staffed_demo(migrated_database_url)
    later = AS_OF + timedelta(days=1)
    with api_client(migrated_database_url) as client:
        chosen = client.get(
            "/warehouse-work", params={"warehouse": "MAN", "day": later.isoformat()}
        )
        unreadable = client.get("/warehouse-work", params={"warehouse": "MAN", "day": "tomorrow"})
    assert chosen.status_code == 200
    assert f'value="{later.isoformat()}"' in chosen.text
    assert "Back to the scan" in chosen.text
    assert unreadable.status_code == 400
    words = text_of(unreadable.text)
    assert "“tomorrow” is not a day; write it as YYYY-MM-DD" in words
    assert f'value="{AS_OF.isoformat()}"' in unreadable.text
    assert rows(unreadable.text, "data-pick"), "the list of the scan's day is shown"


def test_warehouse_work_of_a_person_limited_to_one_warehouse(migrated_database_url: str) -> None:
    url = migrated_database_url
    load_short_staffed_demo(url)
    mia = add_test_person(url, "mia", role=Role.FRONTLINE, warehouses=["MAN"])
    with api_client(url, mia.token) as client:
        own = client.get("/warehouse-work")
        other = client.get("/warehouse-work", params={"warehouse": SHORT_WAREHOUSE})
        unknown = client.get("/warehouse-work", params={"warehouse": "NOWHERE"})
    with api_client(url) as client:
        everyone = client.get("/api/warehouse-work", params={"warehouse": "MAN"}).json()
    assert own.status_code == 200
    assert "Warehouse work: MAN" in own.text
    assert rows(own.text, "data-pick") == [item["pick_id"] for item in everyone["items"]]
    assert f'<option value="{SHORT_WAREHOUSE}"' not in own.text
    assert other.status_code == unknown.status_code == 404
    assert text_of(other.text).replace(SHORT_WAREHOUSE, "X") == text_of(unknown.text).replace(
        "NOWHERE", "X"
    ), "a warehouse out of scope reads exactly like an unknown one"
    assert "No such warehouse" in other.text


def test_a_person_whose_scope_holds_no_warehouse_of_the_business_is_told_so(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    lost = add_test_person(migrated_database_url, "lost", role=Role.FRONTLINE, warehouses=["ZZZ"])
    with api_client(migrated_database_url, lost.token) as client:
        page = client.get("/warehouse-work")
        api = client.get("/api/warehouse-work")
    assert page.status_code == api.status_code == 404
    assert "No warehouse to show" in page.text
    assert "No warehouse of NORDEL is within what you may see (warehouses ZZZ)." in text_of(
        page.text
    )
    assert api.json()["detail"] == (
        "no warehouse of NORDEL is within what you may see (warehouses ZZZ)"
    )


def test_a_page_number_nobody_can_read_is_named_and_the_first_page_shown(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    wendy = add_test_person(
        migrated_database_url, "wendy", role=Role.MANAGER, teams=["warehouse@SHF"]
    )
    with api_client(migrated_database_url, wendy.token) as client:
        mine = client.get("/my-work", params={"page": "two"})
        picks = client.get("/warehouse-work", params={"page": "-1"})
        first = client.get("/my-work")
    assert mine.status_code == picks.status_code == 400
    assert "“two” is not a page number; showing the first page." in text_of(mine.text)
    assert "“-1” is not a page number; showing the first page." in text_of(picks.text)
    assert rows(mine.text, "data-case") == rows(first.text, "data-case")
