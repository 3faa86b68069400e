"""The governed action pages: the form of each action, its preview, the request, the
decisions, evidence, the list, the buttons other pages offer; CSRF, permissions and
refusals shown where they belong (next to the field, or as a notice), never a traceback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from html import unescape
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from httpx import Response

from controltower.domain.actions import ACTION_LABELS, ActionState, ActionType
from controltower.domain.cases import ACTIVE_STATES, ExceptionType
from controltower.domain.people import Role
from controltower.storage import tables
from controltower.web.action_display import ACTION_FIELDS
from helpers.action_requests import (
    ask_for,
    audit_actions,
    session_on,
    split_candidate,
    stored_order,
)
from helpers.people import TestPerson, add_test_person
from helpers.scanned_demo import anonymous_client, load_scanned_demo

pytestmark = pytest.mark.database


@contextmanager
def signed_in(url: str, person: TestPerson) -> Iterator[TestClient]:
    """A browser-like client signed in through the login form (a session cookie)."""
    with anonymous_client(url) as client:
        answer = client.post(
            "/login",
            data={"login": person.login, "password": person.password, "next": "/"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        yield client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "the page carries the CSRF token"
    return found.group(1)


def words(html: str) -> str:
    """The text of a page, markup out, spaces squeezed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def previewed_of(html: str) -> str:
    found = re.search(r'name="previewed" value="([^"]+)"', html)
    assert found is not None, "a preview carries what it was made of"
    return unescape(found.group(1))


def notice_of(html: str, part: str = "action-problem") -> str:
    found = re.search(rf'id="{part}"[^>]*>([^<]*)<', html)
    assert found is not None, f"the page shows #{part}"
    return unescape(found.group(1))


def field_problem(html: str, field: str) -> str | None:
    """The refusal shown under ``field``, when the field is marked invalid."""
    marked = re.search(rf'id="field-{field}"[^>]*aria-invalid="true"', html)
    found = re.search(rf'id="problem-{field}"[^>]*>([^<]*)<', html)
    return unescape(found.group(1)) if marked and found else None


def request_count(url: str) -> int:
    with session_on(url) as session:
        return int(
            session.execute(
                sa.select(sa.func.count()).select_from(tables.action_requests)
            ).scalar_one()
        )


def state_of(url: str, action_id: int) -> str:
    requests = tables.action_requests
    with session_on(url) as session:
        return str(
            session.execute(
                sa.select(requests.c.state).where(requests.c.id == action_id)
            ).scalar_one()
        )


@pytest.fixture
def demo(migrated_database_url: str) -> str:
    load_scanned_demo(migrated_database_url)
    return migrated_database_url


def request_split(client: TestClient, order_id: str, **extra: str) -> tuple[str, str]:
    """Preview a split of ``order_id`` on the form, then request it; the answer to the
    request (its status and where it sends the browser, or its page)."""
    form = client.get(f"/actions/new?type=split_shipment&order_id={order_id}")
    token = csrf_of(form.text)
    fields = {"csrf_token": token, "type": "split_shipment", "order_id": order_id}
    shown = client.post("/actions/preview", data=fields)
    assert shown.status_code == 200, words(shown.text)[:500]
    answer = client.post(
        "/actions",
        data={
            **fields,
            "previewed": previewed_of(shown.text),
            "reason_code": "customer_request",
            "note": "Customer takes what is ready",
            **extra,
        },
        follow_redirects=False,
    )
    return str(answer.status_code), answer.headers.get("location", answer.text)


# --- the form and its preview ------------------------------------------------------------


def test_every_action_has_a_form_with_its_fields_filled_from_the_query(demo: str) -> None:
    manager = add_test_person(demo, "mia", role=Role.MANAGER)
    with signed_in(demo, manager) as browser:
        pages = {
            kind: browser.get(
                "/actions/new",
                params={"type": kind.value, **{f.name: f"v-{f.name}" for f in fields}},
            )
            for kind, fields in ACTION_FIELDS.items()
        }
        chooser = browser.get("/actions/new")
        unknown = browser.get("/actions/new?type=teleport")

    assert set(ACTION_FIELDS) == set(ActionType), "every action has its form"
    for kind, page in pages.items():
        assert page.status_code == 200, kind
        assert f"<h1>{ACTION_LABELS[kind]}</h1>" in page.text
        for f in ACTION_FIELDS[kind]:
            control = re.search(rf'<(input|select)[^>]*id="field-{f.name}"[^>]*>', page.text)
            assert control is not None, (kind, f.name)
            value = f"v-{f.name}"
            assert f'value="{value}"' in page.text, (kind, f.name)
        assert 'name="reason_code"' in page.text
        assert 'name="note"' in page.text
        assert 'name="previewed"' not in page.text, "nothing is previewed yet"
    assert chooser.status_code == 200
    assert re.findall(r'<option value="([a-z_]+)">', chooser.text) == [t.value for t in ActionType]
    assert unknown.status_code == 400
    assert "type: “teleport” is not an action; the actions are" in words(unknown.text)


def test_the_preview_shows_what_changes_and_the_approval_it_needs_and_writes_nothing(
    demo: str,
) -> None:
    order = split_candidate(demo)
    fiona = add_test_person(demo, "fiona", role=Role.FRONTLINE)
    with signed_in(demo, fiona) as browser:
        form = browser.get(f"/actions/new?type=split_shipment&order_id={order.order_id}")
        shown = browser.post(
            "/actions/preview",
            data={
                "csrf_token": csrf_of(form.text),
                "type": "split_shipment",
                "order_id": order.order_id,
            },
        )

    assert form.status_code == 200
    assert f'href="/orders/{order.order_id}"' in form.text, "the form leads back to the order"
    assert shown.status_code == 200
    summary = re.search(r'data-part="preview-summary">(.*?)</div>', shown.text, re.S)
    assert summary is not None
    assert order.order_id in words(summary.group(1))
    assert f'<tr data-order="{order.order_id}"' in shown.text
    assert notice_of(shown.text, "approval-need") == "Needs 1 approval by a manager."
    assert 'id="request-button"' in shown.text
    assert previewed_of(shown.text) == (
        '{"params": {"order_id": "' + order.order_id + '"}, "type": "split_shipment"}'
    )
    assert request_count(demo) == 0


def test_a_refused_value_is_shown_next_to_its_field_with_the_form_kept(demo: str) -> None:
    order = split_candidate(demo)
    fiona = add_test_person(demo, "fiona", role=Role.FRONTLINE)
    with signed_in(demo, fiona) as browser:
        token = csrf_of(browser.get("/actions/new?type=split_shipment").text)
        no_order = browser.post(
            "/actions/preview",
            data={"csrf_token": token, "type": "split_shipment", "order_id": "SO-NOPE"},
        )
        blank = browser.post(
            "/actions/preview", data={"csrf_token": token, "type": "split_shipment"}
        )
        bad_qty = browser.post(
            "/actions/preview",
            data={
                "csrf_token": token,
                "type": "transfer_stock",
                "sku": "X",
                "from_warehouse": "LDS",
                "to_warehouse": "MAN",
                "qty": "lots",
            },
        )
        shown = browser.post(
            "/actions/preview",
            data={"csrf_token": token, "type": "split_shipment", "order_id": order.order_id},
        )
        no_reason = browser.post(
            "/actions",
            data={
                "csrf_token": token,
                "type": "split_shipment",
                "order_id": order.order_id,
                "previewed": previewed_of(shown.text),
            },
        )
        changed = browser.post(
            "/actions",
            data={
                "csrf_token": token,
                "type": "split_shipment",
                "order_id": "SO-OTHER",
                "previewed": previewed_of(shown.text),
                "reason_code": "customer_request",
            },
        )

    assert no_order.status_code == 422
    assert field_problem(no_order.text, "order_id") == "No open order 'SO-NOPE'"
    assert 'value="SO-NOPE"' in no_order.text, "the form keeps what was typed"
    assert blank.status_code == 422
    assert field_problem(blank.text, "order_id") == "Is required"
    assert bad_qty.status_code == 422
    problems = {f: field_problem(bad_qty.text, f) for f in ("sku", "qty")}
    assert any(problems.values()), problems
    assert no_reason.status_code == 422
    assert field_problem(no_reason.text, "reason_code") == "Choose why you ask for this action."
    assert 'data-part="preview"' in no_reason.text, "the preview read stays on the page"
    assert changed.status_code == 422, "a form changed since its preview is not requested"
    assert "The values changed since the preview" in words(changed.text)
    assert field_problem(changed.text, "order_id") == "No open order 'SO-OTHER'"
    assert request_count(demo) == 0


# --- CSRF and permissions ----------------------------------------------------------------


def test_forms_without_the_csrf_token_are_refused_and_write_nothing(demo: str) -> None:
    order = split_candidate(demo)
    fiona = add_test_person(demo, "fiona", role=Role.FRONTLINE)
    mia = add_test_person(demo, "mia", role=Role.MANAGER)
    asked = ask_for(demo, fiona, "split_shipment", {"order_id": order.order_id})
    fields = {"type": "split_shipment", "order_id": order.order_id}
    with signed_in(demo, mia) as browser:
        answers = [
            browser.post("/actions/preview", data=fields),
            browser.post("/actions", data={**fields, "reason_code": "customer_request"}),
            browser.post(f"/actions/{asked.id}/approve", data={"csrf_token": "forged"}),
            browser.post(f"/actions/{asked.id}/reject", data={"note": "no"}),
            browser.post(
                f"/actions/{asked.id}/evidence",
                data={"kind": "claim"},
                files={"file": ("claim.txt", b"a claim", "text/plain")},
            ),
        ]

    assert [a.status_code for a in answers] == [403] * 5
    assert all("CSRF" in a.text for a in answers)
    assert request_count(demo) == 1
    assert state_of(demo, asked.id) == ActionState.AWAITING_APPROVAL
    assert audit_actions(demo, asked.id) == ["action.request"]


def test_who_may_ask_decide_or_only_look(demo: str) -> None:
    order = split_candidate(demo)
    fiona = add_test_person(demo, "fiona", role=Role.FRONTLINE)
    audra = add_test_person(demo, "audra", role=Role.AUDITOR)
    eve = add_test_person(demo, "eve", role=Role.EXECUTIVE)
    asked = ask_for(demo, fiona, "split_shipment", {"order_id": order.order_id})
    with signed_in(demo, audra) as browser:
        auditor = {
            "form": browser.get("/actions/new?type=split_shipment"),
            "list": browser.get("/actions"),
            "request": browser.get(f"/actions/{asked.id}"),
            "order": browser.get(f"/orders/{order.order_id}"),
        }
        token = csrf_of(auditor["list"].text)
        auditor["approve"] = browser.post(
            f"/actions/{asked.id}/approve", data={"csrf_token": token}
        )
    with signed_in(demo, eve) as browser:
        executive = {
            "form": browser.get("/actions/new?type=split_shipment"),
            "request": browser.get(f"/actions/{asked.id}"),
        }
        token = csrf_of(executive["request"].text)
        executive["ask"] = browser.post(
            "/actions/preview",
            data={"csrf_token": token, "type": "split_shipment", "order_id": order.order_id},
        )

    assert auditor["form"].status_code == 403
    assert auditor["list"].status_code == 200
    assert 'data-part="actions-nav"' not in auditor["list"].text, "no Actions link for them"
    assert auditor["request"].status_code == 200
    assert 'id="approve-form"' not in auditor["request"].text
    assert 'data-part="action-buttons"' not in auditor["order"].text, "no buttons for them"
    assert auditor["approve"].status_code == 403
    assert "may not approve actions" in notice_of(auditor["approve"].text)
    assert executive["form"].status_code == 403
    assert executive["ask"].status_code == 403
    page = executive["request"].text
    assert 'id="approve-form"' not in page, "the split needs a manager's approval"
    assert 'id="why-not"' in page, "an executive is told why they cannot decide it"
    assert "needs 1 approval by a manager" in notice_of(page, "why-not")
    assert state_of(demo, asked.id) == ActionState.AWAITING_APPROVAL


# --- requesting and deciding --------------------------------------------------------------


def test_a_request_is_approved_by_a_second_person_and_executed(demo: str) -> None:
    order = split_candidate(demo)
    before = stored_order(demo, order.order_id)
    fiona = add_test_person(demo, "fiona", role=Role.FRONTLINE)
    mia = add_test_person(demo, "mia", role=Role.MANAGER)
    with signed_in(demo, fiona) as browser:
        status, location = request_split(browser, order.order_id)
        action_id = int(re.findall(r"^/actions/(\d+)\?done=requested$", location)[0])
        asked = browser.get(location)
        mine = browser.get("/actions")
    with signed_in(demo, mia) as browser:
        waiting = browser.get("/actions")
        page = browser.get(f"/actions/{action_id}")
        approved = browser.post(
            f"/actions/{action_id}/approve",
            data={"csrf_token": csrf_of(page.text), "note": "Agreed"},
            follow_redirects=False,
        )
        done = browser.get(approved.headers["location"])
        again = browser.post(
            f"/actions/{action_id}/reject", data={"csrf_token": csrf_of(page.text), "note": "x"}
        )
        after_list = browser.get("/actions")
        odd = browser.get(f"/actions/{action_id}?done=everything")

    assert status == "303"
    assert notice_of(asked.text, "action-done") == "Requested: waiting for 1 approval."
    assert 'id="cancel-form"' in asked.text
    assert 'id="approve-form"' not in asked.text
    assert f'data-action-id="{action_id}"' in mine.text, "a requester lands on their requests"
    assert f'data-action-id="{action_id}"' in waiting.text, "an approver on what waits for them"
    assert re.search(r'class="nav-count"[^>]*>1<', waiting.text), "the header counts it"
    assert 'id="approve-form"' in page.text
    assert 'id="reject-form"' in page.text
    assert approved.status_code == 303
    assert approved.headers["location"] == f"/actions/{action_id}?done=approved"
    assert notice_of(done.text, "action-done") == "Approved: the action is executed."
    assert re.search(
        r"Executed on .+ UTC by mia;\s+awaiting confirmation from the ERP\.", words(done.text)
    )
    assert again.status_code == 409
    assert "nobody can reject it any more" in notice_of(again.text)
    assert f'data-action-id="{action_id}"' not in after_list.text
    assert "Nothing waits for your decision." in words(after_list.text)
    assert odd.status_code == 400
    assert "done: “everything” is not something a request's page confirms" in words(odd.text)
    after = stored_order(demo, order.order_id)
    assert before is not None
    assert after is not None
    assert (after.status, after.allocation, after.lines) != (
        before.status,
        before.allocation,
        before.lines,
    )
    assert audit_actions(demo, action_id) == ["action.request", "action.approve", "action.execute"]


def test_self_approval_is_refused_as_a_notice_and_a_reject_or_cancel_ends_it(demo: str) -> None:
    order = split_candidate(demo)
    mia = add_test_person(demo, "mia", role=Role.MANAGER)
    max_ = add_test_person(demo, "max", role=Role.MANAGER)
    first = ask_for(demo, mia, "split_shipment", {"order_id": order.order_id})
    second = ask_for(demo, mia, "split_shipment", {"order_id": order.order_id})
    with signed_in(demo, mia) as browser:
        own = browser.get(f"/actions/{first.id}")
        token = csrf_of(own.text)
        self_approved = browser.post(f"/actions/{first.id}/approve", data={"csrf_token": token})
        cancelled = browser.post(
            f"/actions/{second.id}/cancel", data={"csrf_token": token}, follow_redirects=False
        )
        cancelled_page = browser.get(cancelled.headers["location"])
        cancel_again = browser.post(f"/actions/{second.id}/cancel", data={"csrf_token": token})
    with signed_in(demo, max_) as browser:
        token = csrf_of(browser.get(f"/actions/{first.id}").text)
        rejected = browser.post(
            f"/actions/{first.id}/reject",
            data={"csrf_token": token, "note": "Customer wants it whole"},
            follow_redirects=False,
        )
        rejected_page = browser.get(rejected.headers["location"])
        unknown = browser.post(f"/actions/{first.id}/explode", data={"csrf_token": token})
        missing = browser.post("/actions/999999/approve", data={"csrf_token": token})

    assert 'id="approve-form"' not in own.text
    assert notice_of(own.text, "why-not") == (
        "You asked for this action: another person must approve it."
    )
    assert self_approved.status_code == 403
    assert notice_of(self_approved.text) == (
        "You asked for this action: another person must approve it."
    )
    assert cancelled.status_code == 303
    assert notice_of(cancelled_page.text, "action-done") == "Cancelled: nothing is changed."
    assert cancel_again.status_code == 409
    assert rejected.status_code == 303
    assert notice_of(rejected_page.text, "action-done") == "Rejected: nothing is changed."
    assert "Customer wants it whole" in rejected_page.text
    assert unknown.status_code == 404
    assert "No such decision" in unknown.text
    assert missing.status_code == 404
    assert "Request not found" in missing.text
    assert state_of(demo, first.id) == ActionState.REJECTED
    assert state_of(demo, second.id) == ActionState.CANCELLED
    assert audit_actions(demo, second.id) == ["action.request", "action.cancel"]


def test_an_action_the_policy_does_not_hold_is_done_at_once(demo: str) -> None:
    order = split_candidate(demo, refuses_partial=False)
    fiona = add_test_person(demo, "fiona", role=Role.FRONTLINE)
    with signed_in(demo, fiona) as browser:
        shown = browser.post(
            "/actions/preview",
            data={
                "csrf_token": csrf_of(browser.get("/actions").text),
                "type": "split_shipment",
                "order_id": order.order_id,
            },
        )
        status, location = request_split(browser, order.order_id)
        page = browser.get(location)

    assert notice_of(shown.text, "approval-need") == "No approval needed: executed at once."
    assert status == "303"
    assert notice_of(page.text, "action-done") == "Done: executed."
    assert 'data-state="executed"' in page.text


# --- evidence ----------------------------------------------------------------------------


def test_a_file_is_attached_and_a_refused_one_is_named(demo: str) -> None:
    order = split_candidate(demo)
    fiona = add_test_person(demo, "fiona", role=Role.FRONTLINE)
    asked = ask_for(demo, fiona, "split_shipment", {"order_id": order.order_id})
    path = f"/actions/{asked.id}"
    with signed_in(demo, fiona) as browser:
        token = csrf_of(browser.get(path).text)

        def attach(name: str, content: bytes, kind: str = "customer_confirmation") -> Response:
            answer: Response = browser.post(
                f"{path}/evidence",
                data={"csrf_token": token, "kind": kind},
                files={"file": (name, content, "application/octet-stream")},
                follow_redirects=False,
            )
            return answer

        attached = attach("confirmation.txt", b"The customer agrees to a part shipment.")
        page = browser.get(path + "?done=attached")
        executable = attach("run.exe", b"MZ\x90\x00" + bytes(64))
        wrong_kind = attach("note.txt", b"text", kind="selfie")

    assert attached.status_code == 303
    assert notice_of(page.text, "action-done") == "The file is attached."
    assert re.search(r'<a href="/api/evidence/\d+">confirmation.txt</a>', page.text)
    assert executable.status_code == 415
    assert notice_of(executable.text).startswith(
        "A Windows executable is not accepted as evidence; attach PDF"
    )
    assert wrong_kind.status_code == 422
    assert notice_of(wrong_kind.text).startswith("Kind: choose what the file is")
    assert audit_actions(demo, asked.id) == ["action.request", "evidence.attach"]


# --- the list ----------------------------------------------------------------------------


def test_the_list_filters_pages_and_names_what_it_does_not_understand(demo: str) -> None:
    order = split_candidate(demo)
    fiona = add_test_person(demo, "fiona", role=Role.FRONTLINE)
    mia = add_test_person(demo, "mia", role=Role.MANAGER)
    asked = [ask_for(demo, fiona, "split_shipment", {"order_id": order.order_id}) for _ in range(3)]
    with signed_in(demo, mia) as browser:
        token = csrf_of(browser.get("/actions").text)
        browser.post(f"/actions/{asked[0].id}/reject", data={"csrf_token": token, "note": "no"})
        waiting = browser.get("/actions")
        rejected = browser.get("/actions?show=all&state=rejected")
        about = browser.get(f"/actions?show=all&subject={order.order_id}")
        nothing = browser.get("/actions?show=all&subject=NO-SUCH-THING")
        mine = browser.get("/actions?show=mine")
        bad = browser.get("/actions?show=everything&state=done&type=teleport&page=x")

    def listed(page: str) -> list[int]:
        return [int(i) for i in re.findall(r'data-action-id="(\d+)"', page)]

    assert listed(waiting.text) == [asked[2].id, asked[1].id], "newest first, decided ones gone"
    assert listed(rejected.text) == [asked[0].id]
    assert listed(about.text) == [a.id for a in reversed(asked)]
    assert listed(nothing.text) == []
    assert "No request matches." in words(nothing.text)
    assert listed(mine.text) == []
    assert "You have not asked for anything." in words(mine.text)
    assert bad.status_code == 400
    said = words(bad.text)
    for parameter in ("show: “everything”", "state: “done”", "type: “teleport”", "page: “x”"):
        assert parameter in said, parameter


# --- what other pages offer --------------------------------------------------------------


def _case_of(url: str, kind: ExceptionType) -> tuple[str, str]:
    cases = tables.exception_cases
    with session_on(url) as session:
        row = session.execute(
            sa.select(cases.c.id, cases.c.subject)
            .where(cases.c.type == kind.value, cases.c.state.in_(sorted(ACTIVE_STATES)))
            .order_by(cases.c.id)
            .limit(1)
        ).one()
    return str(row.id), str(row.subject)


def _customer_on_hold(url: str) -> str:
    customers = tables.customers
    with session_on(url) as session:
        return str(
            session.execute(
                sa.select(customers.c.code)
                .where(customers.c.credit_hold.is_(True))
                .order_by(customers.c.code)
                .limit(1)
            ).scalar_one()
        )


def _held_stock(url: str) -> tuple[str, str]:
    stock = tables.stock
    with session_on(url) as session:
        row = session.execute(
            sa.select(stock.c.sku, stock.c.warehouse)
            .where(stock.c.quality_hold > Decimal(0))
            .order_by(stock.c.sku, stock.c.warehouse)
            .limit(1)
        ).one()
    return str(row.sku), str(row.warehouse)


def offered(html: str) -> dict[str, str]:
    """The actions a page offers: type -> the form's address."""
    return {
        kind: unescape(href)
        for href, kind in re.findall(
            r'<a class="[^"]*" href="([^"]+)" data-action="([a-z_]+)"', html
        )
    }


def test_order_case_customer_and_product_pages_offer_the_actions_that_fit(demo: str) -> None:
    order = split_candidate(demo)
    at_risk_case, _ = _case_of(demo, ExceptionType.ORDER_AT_RISK)
    held_case, held_subject = _case_of(demo, ExceptionType.CREDIT_HOLD)
    customer = _customer_on_hold(demo)
    sku, warehouse = _held_stock(demo)
    fiona = add_test_person(demo, "fiona", role=Role.FRONTLINE)
    with signed_in(demo, fiona) as browser:
        pages = {
            "order": browser.get(f"/orders/{order.order_id}"),
            "at risk case": browser.get(f"/exceptions/cases/{at_risk_case}"),
            "credit case": browser.get(f"/exceptions/cases/{held_case}"),
            "customer": browser.get(f"/customers/{quote(customer, safe='')}"),
            "product": browser.get(f"/products/{quote(sku, safe='')}"),
        }
        opened = browser.get(offered(pages["order"].text)["split_shipment"])

    assert all(p.status_code == 200 for p in pages.values())
    on_order = offered(pages["order"].text)
    assert {"change_promised_date", "split_shipment", "transfer_stock"} <= set(on_order)
    assert f"order_id={order.order_id}" in on_order["split_shipment"]
    assert f"to_warehouse={order.warehouse}" in on_order["transfer_stock"]
    assert opened.status_code == 200
    assert f'value="{order.order_id}"' in opened.text
    on_case = offered(pages["at risk case"].text)
    assert "change_promised_date" in on_case
    assert all(f"case_id={at_risk_case}" in href for href in on_case.values())
    credit = offered(pages["credit case"].text)
    assert list(credit) == ["release_credit_hold"]
    assert (
        f"customer={quote(held_subject.partition(':')[2], safe='')}"
        in credit["release_credit_hold"]
    )
    assert list(offered(pages["customer"].text)) == ["release_credit_hold"]
    on_product = offered(pages["product"].text)
    assert "adjust_inventory" in on_product
    assert "bypass_quality" in on_product
    assert f"warehouse={warehouse}" in on_product["bypass_quality"]
