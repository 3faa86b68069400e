"""``controltower writeback odoo`` against the fake Odoo: follow-ups written once, kept current.

Each test seeds the fake with the small business, syncs it and scans it through the
real command line, so the cases written back are the ones the product opens, then
runs the write-back and checks what Odoo holds (the fake's stored rows) and what was
recorded locally.
"""

from __future__ import annotations

import json
import re
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from controltower.connectors.odoo.writeback import (
    MOVED_FEEDBACK,
    CaseForOdoo,
    CreateActivity,
    KnownFollowup,
    MarkDone,
    OdooDirectory,
    UpdateActivity,
    UserRules,
    plan_writeback,
)
from controltower.storage.tables import exception_cases, odoo_followups, odoo_writes
from fake_odoo import FakeOdoo
from fake_odoo.business import seed_business
from helpers.odoo_cli import connection_args, run_odoo_command
from helpers.odoo_writeback import SETTINGS, WritebackSetup, seeded_odoo

FOLLOWED = ("order_at_risk", "supplier_delay", "supplier_confirmation_overdue", "credit_hold")
MODEL_OF = {
    "order_at_risk": "sale.order",
    "supplier_delay": "purchase.order",
    "supplier_confirmation_overdue": "purchase.order",
    "credit_hold": "res.partner",
}
#: the chatter note the write-back posts on a record when one of its cases resolves
RESOLVED_NOTE = re.compile(r"\[Control Tower\] case (.+/CASE-\w+) resolved ")


@dataclass
class Setup(WritebackSetup):
    def active_followed_cases(self) -> list[dict[str, Any]]:
        return [
            row
            for row in self.rows(exception_cases)
            if str(row["type"]) in FOLLOWED
            and str(row["state"]) in ("open", "acknowledged", "in_progress", "waiting_for_approval")
        ]

    def activities(self) -> list[dict[str, Any]]:
        """The activities as Odoo reads them, many2ones reduced to their ids."""
        ids = [row["id"] for row in self.odoo.records("mail.activity")]
        fields = ["res_model", "res_id", "user_id", "activity_type_id", "summary", "note"]
        rows = self.odoo.read("mail.activity", ids, [*fields, "date_deadline"]) if ids else []
        return [
            {k: v[0] if isinstance(v, list) and v else v for k, v in row.items()} for row in rows
        ]

    def ours(self, model: str) -> list[dict[str, Any]]:
        """The rows of ``model`` that Control Tower wrote (activities, messages, tickets)."""
        field = {"mail.activity": "summary", "mail.message": "body", "helpdesk.ticket": "name"}
        return [
            row
            for row in self.odoo.records(model)
            if "[Control Tower]" in str(row.get(field[model]) or "")
        ]


def seeded(
    tmp_path: Path, database_url: str, *, helpdesk: bool = False
) -> AbstractContextManager[Setup]:
    return seeded_odoo(tmp_path, database_url, Setup, helpdesk=helpdesk)


def _expected_user(setup: Setup, case: dict[str, Any]) -> int:
    users = setup.business.users
    team = str(case["owner"]).partition("@")[0]
    login = {"customer_service": "sales.sara", "purchasing": "buyer.bruno"}.get(team, "ct")
    return users[login]


def _record_of(setup: Setup, case: dict[str, Any]) -> tuple[str, int]:
    business = setup.business
    kind, _, name = str(case["subject"]).partition(":")
    if kind == "sales_order":
        ids = {v: business.sale_orders[k] for k, v in business.sale_order_names.items()}
        return "sale.order", ids[name]
    if kind == "purchase_order":
        ids = {v: business.purchase_orders[k] for k, v in business.purchase_order_names.items()}
        return "purchase.order", ids[name]
    partners = {row.get("ref"): row["id"] for row in setup.odoo.records("res.partner")}
    return "res.partner", partners[name]


def test_a_dry_run_lists_the_writes_and_makes_none(tmp_path: Path, database_url: str) -> None:
    with seeded(tmp_path, database_url) as setup:
        cases = setup.active_followed_cases()
        assert {str(c["type"]) for c in cases} >= {"order_at_risk", "credit_hold"}

        result = setup.writeback()

        assert result.exit_code == 0, result.stderr
        lines = result.stdout.splitlines()
        creates = [line for line in lines if line.startswith("create activity on ")]
        records = {(_record_of(setup, c), _expected_user(setup, c)) for c in cases}
        assert len(creates) == len(records)
        assert any(line.startswith("create activity on sale.order ") for line in creates)
        assert any("for login sales.sara due " in line for line in creates)
        assert sum(line.startswith("post message on ") for line in lines) == len(cases)
        assert "none made; add --apply" in lines[-1]
        assert setup.activities() == []
        assert setup.ours("mail.message") == []
        assert setup.rows(odoo_writes) == []
        assert setup.rows(odoo_followups) == []


def test_apply_writes_one_activity_per_record_and_user(tmp_path: Path, database_url: str) -> None:
    with seeded(tmp_path, database_url) as setup:
        cases = setup.active_followed_cases()

        result = setup.writeback("--apply", "--by", "anna")

        assert result.exit_code == 0, result.stderr
        expected: dict[tuple[str, int, int], list[dict[str, Any]]] = {}
        for case in cases:
            key = (*_record_of(setup, case), _expected_user(setup, case))
            expected.setdefault(key, []).append(case)
        activities = setup.activities()
        assert len(activities) == len(expected)
        todo = setup.odoo.ref("mail.mail_activity_data_todo")
        for activity in activities:
            key = (activity["res_model"], activity["res_id"], activity["user_id"])
            assert key in expected, key
            members = expected[key]
            assert activity["activity_type_id"] == todo
            assert activity["summary"].startswith("[Control Tower] ")
            deadline = min(c["due_at"] for c in members).date()
            assert str(activity["date_deadline"])[:10] == deadline.isoformat()
            note = activity["note"]
            assert note.count("<p>") == len(members)
            for case in members:
                assert f"{case['scope_company']}/{case['id']}" in note
        messages = setup.ours("mail.message")
        assert len(messages) == len(cases)
        assert all(m["message_type"] == "comment" for m in messages)
        writes = setup.rows(odoo_writes)
        assert {w["by"] for w in writes} == {"anna"}
        assert sum(w["action"] == "create_activity" for w in writes) == len(expected)
        assert len(setup.rows(odoo_followups)) == len(expected)
        assert f"{len(writes)} writes made to " in result.stdout


def test_a_second_apply_writes_nothing_new(tmp_path: Path, database_url: str) -> None:
    with seeded(tmp_path, database_url) as setup:
        assert setup.writeback("--apply").exit_code == 0
        activities = setup.activities()
        messages = setup.ours("mail.message")
        writes = setup.rows(odoo_writes)

        again = setup.writeback("--apply")

        assert again.exit_code == 0, again.stderr
        assert "Nothing to write" in again.stdout
        assert setup.activities() == activities
        assert setup.ours("mail.message") == messages
        assert setup.rows(odoo_writes) == writes


def test_a_crash_before_the_local_commit_is_recovered_without_a_duplicate(
    tmp_path: Path, database_url: str
) -> None:
    with seeded(tmp_path, database_url) as setup:
        lost = setup.writeback_crashing_after(CreateActivity)
        (orphan,) = setup.activities()
        assert orphan["summary"] == lost.marker
        assert setup.rows(odoo_followups) == []

        result = setup.writeback("--apply")

        assert result.exit_code == 0, result.stderr
        activities = setup.activities()
        keys = [(a["res_model"], a["res_id"], a["user_id"]) for a in activities]
        assert len(keys) == len(set(keys))
        assert orphan["id"] in {a["id"] for a in activities}
        messages = setup.ours("mail.message")
        assert len(messages) == len({m["body"] for m in messages})
        actions = [w["action"] for w in setup.rows(odoo_writes)]
        assert "adopt_activity" in actions
        adopted = [f for f in setup.rows(odoo_followups) if f["activity_id"] == orphan["id"]]
        assert len(adopted) == 1
        assert ", already in Odoo" in result.stdout


def test_a_resolved_case_marks_its_activity_done(tmp_path: Path, database_url: str) -> None:
    with seeded(tmp_path, database_url) as setup:
        assert setup.writeback("--apply").exit_code == 0
        before = {_key(c): _record_of(setup, c) for c in setup.active_followed_cases()}
        order_id = setup.business.sale_orders["east"]
        assert ("sale.order", order_id) in before.values()
        (activity,) = [
            a
            for a in setup.activities()
            if (a["res_model"], a["res_id"]) == ("sale.order", order_id)
        ]
        setup.odoo.tick(minutes=5)
        setup.odoo.write("sale.order", order_id, {"state": "cancel"})
        setup.sync_and_scan()
        after = {_key(c): _record_of(setup, c) for c in setup.active_followed_cases()}
        gone = {key: record for key, record in before.items() if key not in after}
        assert ("sale.order", order_id) in gone.values()

        result = setup.writeback("--apply")

        assert result.exit_code == 0, result.stderr
        assert f"mark done activity {activity['id']} on sale.order" in result.stdout
        assert activity["id"] not in {a["id"] for a in setup.activities()}
        done = [
            m
            for m in setup.odoo.records("mail.message")
            if (m["model"], m["res_id"]) == ("sale.order", order_id)
            and "o_mail_activity_done" in str(m["body"])
        ]
        assert len(done) == 1
        resolved = {
            found.group(1): (m["model"], m["res_id"])
            for m in setup.ours("mail.message")
            if (found := RESOLVED_NOTE.match(str(m["body"])))
        }
        assert resolved == gone
        (followup,) = [f for f in setup.rows(odoo_followups) if f["res_id"] == order_id]
        assert followup["status"] == "done"
        assert json.loads(followup["cases"]) == []
        assert "Nothing to write" in setup.writeback("--apply").stdout


def _key(case: dict[str, Any]) -> str:
    return f"{case['scope_company']}/{case['id']}"


def test_no_ticket_without_helpdesk(tmp_path: Path, database_url: str) -> None:
    with seeded(tmp_path, database_url) as setup:
        result = setup.writeback("--apply")

        assert result.exit_code == 0, result.stderr
        assert not setup.odoo.has_model("helpdesk.ticket")
        assert "ticket" not in result.stdout
        assert "create_ticket" not in {w["action"] for w in setup.rows(odoo_writes)}


def test_one_ticket_per_customer_impacting_record_with_helpdesk(
    tmp_path: Path, database_url: str
) -> None:
    with seeded(tmp_path, database_url, helpdesk=True) as setup:
        impacting = [
            c
            for c in setup.active_followed_cases()
            if str(c["type"]) in ("order_at_risk", "credit_hold")
        ]
        records = {_record_of(setup, c) for c in impacting}

        assert setup.writeback("--apply").exit_code == 0
        assert setup.writeback("--apply").exit_code == 0

        tickets = setup.odoo.records("helpdesk.ticket")
        assert len(tickets) == len(records) >= 2
        users = setup.business.users
        for ticket in tickets:
            assert ticket["name"].startswith("[Control Tower] ")
            assert ticket["priority"] in ("0", "1", "2", "3")
            assert ticket["user_id"] in (users["sales.sara"], users["ct"])
            assert ticket["partner_id"]
            assert "<p>Case " in ticket["description"]
        followups = setup.rows(odoo_followups)
        assert {f["ticket_id"] for f in followups} - {None} == {t["id"] for t in tickets}


def test_access_denied_is_one_clear_line_and_keeps_what_was_written(
    tmp_path: Path, database_url: str
) -> None:
    with seeded(tmp_path, database_url) as setup:
        setup.odoo.deny_model("mail.activity", "create")

        result = setup.writeback("--apply")

        assert result.exit_code == 1
        errors = result.stderr.strip().splitlines()
        assert len(errors) == 1
        assert errors[0].startswith("Error: ")
        assert "mail.activity" in errors[0]
        assert "Traceback" not in result.output
        assert setup.activities() == []
        posted = setup.ours("mail.message")
        recorded = [w for w in setup.rows(odoo_writes) if w["action"] == "post_message"]
        assert len(posted) == len(recorded) >= 1

        setup.odoo.allow_all()
        again = setup.writeback("--apply")

        assert again.exit_code == 0, again.stderr
        messages = setup.ours("mail.message")
        assert messages[: len(posted)] == posted
        assert len({m["body"] for m in messages}) == len(messages)
        assert len(setup.activities()) >= 1


def test_a_write_back_before_any_sync_says_so(tmp_path: Path, database_url: str) -> None:
    settings = tmp_path / "odoo.toml"
    settings.write_text(SETTINGS, encoding="utf-8")
    with FakeOdoo(version="17.0") as odoo:
        business = seed_business(odoo)
        connection = connection_args(odoo.url, odoo.db, business.login, database_url)
        result = run_odoo_command("writeback", connection, business.api_key)
        assert result.exit_code == 1
        assert "run controltower sync odoo first" in result.stderr
        assert business.api_key not in result.output
        assert odoo.records("mail.activity") == []


def test_the_plan_updates_changed_follow_ups_and_moves_reassigned_cases() -> None:
    """The planning alone (no Odoo): a changed note is an update, a case handed to
    another user moves to a new activity and the old one is done, not resolved."""
    mirror: dict[str, dict[int, dict[str, Any]]] = {
        "sale.order": {12: {"name": "S00042", "partner_id": [7, "Acme, Bob"]}},
        "res.partner": {
            5: {"name": "Acme", "ref": "C1", "commercial_partner_id": [5, "Acme"]},
            7: {"name": "Acme, Bob", "ref": False, "commercial_partner_id": [5, "Acme"]},
        },
        "res.users": {2: {"login": "sara"}, 3: {"login": "Bruno@Example.com"}},
    }
    directory = OdooDirectory.from_mirror(mirror)
    due = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    first = CaseForOdoo(
        "CO/CASE-1",
        "order_at_risk",
        "sales_order:S00042",
        "open",
        "high",
        "Late <b>",
        "cs@WH",
        None,
        due,
        due,
    )
    second = replace(first, key="CO/CASE-2", type="credit_hold", subject="customer:C1")
    rules = UserRules({"cs": "sara"}, None, {"bruno": "bruno@example.com"})

    plan = plan_writeback([first], {}, directory, rules, [], helpdesk=False)
    (_message, create) = plan.writes
    assert isinstance(create, CreateActivity)
    assert (create.target.res_id, create.user.login, create.deadline) == (12, "sara", due.date())
    assert "Late &lt;b&gt;" in create.note
    assert directory.target(second) is not None
    assert directory.target(second).partner_id == 5  # type: ignore[union-attr]

    written = KnownFollowup(
        "sale.order", 12, 2, create.marker, 40, None, create.digest, create.cases, "open"
    )
    assert plan_writeback([first], {}, directory, rules, [written], helpdesk=False).writes == []

    changed = replace(first, explanation="Later still")
    (update,) = plan_writeback([changed], {}, directory, rules, [written], helpdesk=False).writes
    assert isinstance(update, UpdateActivity)
    assert update.activity_id == 40

    handed = replace(first, assignee="bruno")
    writes = plan_writeback([handed], {}, directory, rules, [written], helpdesk=False).writes
    assert [type(w) for w in writes] == [CreateActivity, MarkDone]
    new, done = writes
    assert isinstance(new, CreateActivity)
    assert isinstance(done, MarkDone)
    assert new.user.id == 3
    assert done.activity_id == 40
    assert done.feedback == MOVED_FEEDBACK
