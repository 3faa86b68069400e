"""A governed action from request to record, in a real Chromium: a frontline worker asks
to ship the available part of an order at risk, reads the preview, requests it; a manager
approves it; the order shows the change and the audit trail records the execution.

The order is found in what the scan recorded: an order at risk with part of it in stock,
for a customer who does not accept partial shipments (so the default policy asks for a
manager's approval). With ``CT_SCREENSHOT_DIR`` set, the preview is saved there as
``action-preview-1280.png`` (``docs/screenshots`` holds the one the docs show).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from controltower.api.labels import ALLOCATION_LABELS, order_status_label
from controltower.domain.people import Role
from helpers.action_requests import audit_actions, split_candidate, stored_order
from helpers.live_server import sign_in
from helpers.people import add_test_person
from helpers.scanned_demo import load_scanned_demo

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from helpers.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.database]


def keep(page: Page, tmp_path: Path, name: str) -> None:
    """A picture of the page; also in $CT_SCREENSHOT_DIR when it is set."""
    page.screenshot(path=str(tmp_path / name), full_page=True)
    shots = os.environ.get("CT_SCREENSHOT_DIR")
    if shots:
        page.screenshot(path=str(Path(shots) / name), full_page=True)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_a_split_shipment_is_previewed_requested_approved_and_recorded(
    live_server: LiveServer, anonymous_page: Page, tmp_path: Path
) -> None:
    url = live_server.database_url
    load_scanned_demo(url)
    order = split_candidate(url)
    before = stored_order(url, order.order_id)
    assert before is not None
    fiona = add_test_person(url, "fiona", role=Role.FRONTLINE, name="Fiona Reid")
    max_ = add_test_person(url, "max", role=Role.MANAGER, name="Max Lund")
    audra = add_test_person(url, "audra", role=Role.AUDITOR, name="Audra Stone")
    page = anonymous_page

    # the frontline worker opens the order at risk and asks to ship what is in stock
    sign_in(page, live_server, fiona)
    page.goto(f"{live_server.url}/orders/{order.order_id}")
    page.get_by_role("link", name="Ship the available part now").click()
    page.wait_for_url(re.compile(r"/actions/new\?"))
    assert page.get_by_label("Order").input_value() == order.order_id
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state()
    summary = page.locator('[data-part="preview-summary"]').inner_text()
    assert order.order_id in summary, summary
    changed = page.locator(f'table.preview-orders tr[data-order="{order.order_id}"]')
    assert changed.count() == 1
    assert page.locator("#approval-need").inner_text() == "Needs 1 approval by a manager."
    page.get_by_label("Reason").select_option("customer_request")
    page.get_by_label("Note").fill("The customer takes what is ready today.")
    keep(page, tmp_path, "action-preview-1280.png")
    page.get_by_role("button", name="Request").click()
    page.wait_for_url(re.compile(r"/actions/\d+\?done=requested$"))
    assert page.locator("#action-done").inner_text() == "Requested: waiting for 1 approval."
    action_id = int(re.findall(r"/actions/(\d+)", page.url)[0])
    assert page.locator("#cancel-form").is_visible(), "the requester may withdraw it"
    assert page.locator("#approve-form").count() == 0, "nobody approves their own request"
    sign_out(page)

    # the manager sees it waiting in the header, opens it from the list and approves it
    sign_in(page, live_server, max_)
    nav = page.locator('[data-part="actions-nav"]')
    assert nav.locator(".nav-count").inner_text() == "1"
    nav.click()
    page.wait_for_url(re.compile(r"/actions$"))
    row = page.locator(f'table.actions-list tr[data-action-id="{action_id}"]')
    assert "Waiting for approval" in row.inner_text()
    row.get_by_role("link", name=str(action_id), exact=True).click()
    page.wait_for_url(re.compile(rf"/actions/{action_id}$"))
    page.locator("#approve-form").get_by_label("Note").fill("Agreed with the account owner.")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(rf"/actions/{action_id}\?done=approved$"))
    assert page.locator("#action-done").inner_text() == "Approved: the action is executed."
    assert re.fullmatch(
        r"Executed on .+ UTC by max; awaiting confirmation from the ERP\.",
        " ".join(page.locator("#executed-line").inner_text().split()),
    )
    decisions = page.locator('[data-part="decisions"]').inner_text()
    assert "max" in decisions
    assert "Approved" in decisions

    # the order shows its new standing at once
    after = stored_order(url, order.order_id)
    assert after is not None
    assert (after.status, after.allocation) != (before.status, before.allocation)
    page.goto(f"{live_server.url}/orders/{order.order_id}")
    facts = page.locator("dl.facts").inner_text()
    assert ALLOCATION_LABELS[after.allocation] in facts
    heading = page.locator("h1").inner_text()
    assert order_status_label(after.status, after.at_risk) in heading
    sign_out(page)

    # the auditor finds the execution in the audit trail
    sign_in(page, live_server, audra)
    page.goto(f"{live_server.url}/audit?subject_type=action&subject_id={action_id}")
    trail = page.locator("table").last.inner_text()
    assert "action.execute" in trail
    assert "action.approve" in trail
    assert "action.request" in trail
    assert audit_actions(url, action_id)[-1] == "action.execute"
