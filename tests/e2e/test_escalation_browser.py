"""A breached case in a real Chromium: its page shows the escalation path with the step
it has reached, who is at each step and when it climbs next; the team lead's bell
counts the escalation, which leads to the case; acknowledging it stops the clock."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from controltower.domain.cases import CaseState
from controltower.domain.people import Role
from controltower.policy import load_policy
from controltower.storage import tables
from controltower.storage.cases import load_cases
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.escalations import run_escalations
from helpers.live_server import sign_in
from helpers.people import add_test_person
from helpers.scanned_demo import load_scanned_demo

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from helpers.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.database]

TEAM = "customer_service@MAN"


def _breach_first_case(url: str, picture_id: int) -> tuple[str, int]:
    """Escalate the team's case whose response target comes first, a minute after it
    passed; (its id, the lead's unread escalations)."""
    engine = make_engine(url)
    try:
        sessions = make_session_factory(engine)
        with sessions() as session:
            mine = [
                c
                for c in load_cases(session, picture_id)
                if c.owner == TEAM and c.state is CaseState.OPEN
            ]
        case = min(mine, key=lambda c: (c.due_at, c.id))
        report = run_escalations(sessions, load_policy(), now=case.due_at + timedelta(minutes=1))
        assert case.id in report.case_ids
        n, users = tables.notifications, tables.users
        with engine.connect() as connection:
            unread = connection.execute(
                sa.select(sa.func.count())
                .select_from(n.join(users, users.c.id == n.c.user_id))
                .where(users.c.login == "lee", n.c.channel == "in_app", n.c.state == "unread")
            ).scalar_one()
    finally:
        engine.dispose()
    return case.id, int(unread)


def test_a_breached_case_shows_its_step_and_the_bell_counts_it(
    live_server: LiveServer, anonymous_page: Page
) -> None:
    demo = load_scanned_demo(live_server.database_url)
    lead = add_test_person(
        live_server.database_url, "lee", role=Role.MANAGER, name="Lee Lead", teams=[TEAM]
    )
    add_test_person(live_server.database_url, "vic", role=Role.EXECUTIVE, name="Vic Chief")
    case_id, unread = _breach_first_case(live_server.database_url, demo.picture_id)
    assert unread >= 1

    page = anonymous_page
    sign_in(page, live_server, lead)
    page.goto(f"{live_server.url}/my-work")
    bell = page.locator("[data-part=bell] .bell-count")
    assert bell.inner_text() == str(unread)
    assert f"{unread} unread" in (
        page.locator("[data-part=bell]").get_attribute("aria-label") or ""
    )

    # the bell leads to the escalation, and the escalation to the case
    page.locator("[data-part=bell]").click()
    page.wait_for_load_state()
    notice = page.locator(f"a[href*='/exceptions/cases/{case_id}']").first
    assert "Escalated to team lead" in (notice.inner_text() + page.content())
    notice.click()
    page.wait_for_load_state()
    assert f"/exceptions/cases/{case_id}" in page.url

    block = page.locator("#escalation")
    assert block.get_by_role("heading", name="Escalation").is_visible()
    steps = block.locator("ol.ladder > li")
    assert [steps.nth(i).get_attribute("data-step") for i in range(steps.count())] == [
        "owner",
        "team_lead",
        "manager",
        "executive",
    ]
    current = block.locator("li[aria-current=step]")
    assert current.get_attribute("data-step") == "team_lead"
    assert "Lee Lead" in current.inner_text()
    assert "ladder-passed" in (block.locator("li[data-step=owner]").get_attribute("class") or "")
    assert "Vic Chief" in block.locator("li[data-step=executive]").inner_text()
    next_line = page.locator("#escalation-next").inner_text()
    assert re.search(r"Moves to manager at .+ unless someone acknowledges it", next_line)
    assert page.locator("#timeline tr[data-event=escalated]").count() == 1

    # acknowledging stops the clock where the case stands
    page.get_by_role("button", name="Acknowledge").click()
    page.wait_for_load_state()
    assert page.locator("#escalation li[aria-current=step]").get_attribute("data-step") == (
        "team_lead"
    )
    assert "The escalation clock is stopped" in page.locator("#escalation-next").inner_text()
