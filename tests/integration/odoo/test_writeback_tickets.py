"""``controltower writeback odoo`` keeps its helpdesk tickets current, against the fake Odoo.

The fake is seeded with the small business and OCA ``helpdesk_mgmt``, synced and scanned
through the real command line; the business has two customer-impacting records (the
sales order S00003 at risk, its customer on credit hold), so two tickets. A new
promised date on the order changes both cases' wording; cancelling the order resolves
both. The tests check what Odoo holds (the fake's rows, read over its own API), the
write log and the tickets' follow-up rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from controltower.connectors.odoo.writeback import (
    TICKET_ROW,
    CloseTicket,
    CreateTicket,
    UpdateTicket,
    Write,
)
from controltower.storage.tables import odoo_followups, odoo_writes
from helpers.odoo_writeback import WritebackSetup, seeded_odoo

pytestmark = pytest.mark.database

TICKET = "helpdesk.ticket"


@dataclass
class Setup(WritebackSetup):
    def writeback(self, *extra: str) -> Result:
        """The write-back, which must succeed."""
        result = super().writeback(*extra)
        assert result.exit_code == 0, result.output
        return result

    def actions(self) -> list[str]:
        return [str(w["action"]) for w in self.rows(odoo_writes)]

    def ticket_rows(self) -> dict[int, dict[str, Any]]:
        """The tickets' follow-up rows, by ticket id."""
        return {
            int(row["ticket_id"]): row
            for row in self.rows(odoo_followups)
            if row["odoo_user_id"] == TICKET_ROW
        }

    def tickets(self) -> dict[int, dict[str, Any]]:
        """Every ticket in Odoo (archived ones too), by id."""
        return {int(row["id"]): row for row in self.odoo.records(TICKET)}

    def ticket_notes(self) -> list[dict[str, Any]]:
        return [
            m
            for m in self.odoo.records("mail.message")
            if m.get("model") == TICKET and "[Control Tower]" in str(m.get("body") or "")
        ]

    def stage(self, name: str) -> int:
        (stage,) = self.odoo.search("helpdesk.ticket.stage", [("name", "=", name)])
        return stage

    def move_promised_date(self) -> None:
        """A new promised date for S00003: both cases say it, so both tickets change."""
        self.odoo.tick(minutes=5)
        order = self.business.sale_orders["east"]
        self.odoo.write("sale.order", order, {"commitment_date": "2026-11-19 12:00:00"})
        self.sync_and_scan()

    def cancel_order(self) -> None:
        """S00003 cancelled: its case and its customer's credit hold both resolve."""
        self.odoo.tick(minutes=5)
        self.odoo.write("sale.order", self.business.sale_orders["east"], {"state": "cancel"})
        self.sync_and_scan()

    def no_closed_stage(self) -> None:
        for stage in self.odoo.search("helpdesk.ticket.stage", [("closed", "=", True)]):
            self.odoo.write("helpdesk.ticket.stage", stage, {"closed": False})


@contextmanager
def ticketed(tmp_path: Path, database_url: str) -> Iterator[Setup]:
    """The seeded business, synced, scanned and written back once: two tickets open."""
    with seeded_odoo(tmp_path, database_url, Setup, helpdesk=True) as setup:
        setup.writeback("--apply")
        assert len(setup.tickets()) == 2
        yield setup


def test_a_changed_case_rewrites_its_ticket_and_a_dry_run_lists_it(
    tmp_path: Path, database_url: str
) -> None:
    with ticketed(tmp_path, database_url) as setup:
        before = setup.tickets()
        assert all("promised 2026-11-18" in t["description"] for t in before.values())
        setup.move_promised_date()

        dry = setup.writeback()

        updates = [line for line in dry.stdout.splitlines() if line.startswith("update ticket")]
        assert sorted(int(line.split()[2]) for line in updates) == sorted(before)
        assert setup.tickets() == before

        setup.writeback("--apply")

        after = setup.tickets()
        assert after.keys() == before.keys()
        for tid, ticket in after.items():
            assert "promised 2026-11-19" in ticket["description"]
            assert "promised 2026-11-18" not in ticket["description"]
            assert ticket["name"] == before[tid]["name"]
            assert ticket["stage_id"] == before[tid]["stage_id"]
            assert ticket["user_id"] == before[tid]["user_id"]
        assert setup.actions().count("update_ticket") == 2
        rows = setup.ticket_rows()
        assert rows.keys() == after.keys()
        assert all(row["status"] == "open" and json.loads(row["cases"]) for row in rows.values())

        writes = setup.rows(odoo_writes)
        again = setup.writeback("--apply")

        assert "Nothing to write" in again.stdout
        assert setup.tickets() == after
        assert setup.rows(odoo_writes) == writes


def test_resolved_cases_close_their_ticket_in_the_first_closed_stage(
    tmp_path: Path, database_url: str
) -> None:
    with ticketed(tmp_path, database_url) as setup:
        # a closed stage first by sequence but not by id: "Solved" (4) before "Done" (6)
        solved = setup.odoo.create(
            "helpdesk.ticket.stage", {"name": "Solved", "sequence": 4, "closed": True}
        )
        setup.odoo.write("helpdesk.ticket.stage", setup.stage("Done"), {"sequence": 6})
        before = setup.tickets()
        setup.cancel_order()

        dry = setup.writeback()

        closes = [line for line in dry.stdout.splitlines() if line.startswith("close ticket")]
        assert len(closes) == 2
        assert all(line.endswith(": stage Solved") for line in closes)
        assert {int(line.split()[2]) for line in closes} == before.keys()
        assert setup.tickets() == before

        setup.writeback("--apply")

        after = setup.tickets()
        assert after.keys() == before.keys()
        assert {t["stage_id"] for t in after.values()} == {solved}
        assert all(t["closed_date"] for t in after.values())
        assert all(t["description"] == before[tid]["description"] for tid, t in after.items())
        closed = [w for w in setup.rows(odoo_writes) if w["action"] == "close_ticket"]
        assert len(closed) == 2
        assert all(json.loads(w["detail"])["stage"] == "Solved" for w in closed)
        rows = setup.ticket_rows()
        assert all(
            row["status"] == "done" and json.loads(row["cases"]) == [] for row in rows.values()
        )
        assert setup.ticket_notes() == []

        again = setup.writeback("--apply")

        assert "Nothing to write" in again.stdout
        assert setup.tickets() == after


def test_a_case_back_after_its_ticket_closed_opens_a_new_ticket(
    tmp_path: Path, database_url: str
) -> None:
    with ticketed(tmp_path, database_url) as setup:
        first = setup.tickets()
        setup.cancel_order()
        setup.writeback("--apply")
        closed = setup.tickets()
        setup.odoo.tick(minutes=5)
        setup.odoo.write("sale.order", setup.business.sale_orders["east"], {"state": "sale"})
        setup.sync_and_scan()

        setup.writeback("--apply")

        tickets = setup.tickets()
        new = {tid: t for tid, t in tickets.items() if tid not in first}
        assert len(new) == 2
        assert {tid: tickets[tid] for tid in first} == closed
        assert {t["name"] for t in new.values()} == {t["name"] for t in first.values()}
        assert all(t["stage_id"] == setup.stage("New") for t in new.values())
        rows = setup.ticket_rows()
        assert {tid for tid, row in rows.items() if row["status"] == "open"} == new.keys()


def test_without_a_closed_stage_the_ticket_gets_a_note_and_keeps_its_stage(
    tmp_path: Path, database_url: str
) -> None:
    with ticketed(tmp_path, database_url) as setup:
        setup.no_closed_stage()
        before = setup.tickets()
        setup.cancel_order()

        dry = setup.writeback()

        lines = [line for line in dry.stdout.splitlines() if "(no closed stage)" in line]
        assert len(lines) == 2
        assert all(line.startswith("post message on ticket ") for line in lines)
        assert setup.ticket_notes() == []

        setup.writeback("--apply")

        assert setup.tickets() == before
        notes = setup.ticket_notes()
        assert sorted(int(n["res_id"]) for n in notes) == sorted(before)
        assert all("every case of this ticket resolved" in str(n["body"]) for n in notes)
        assert all(row["status"] == "done" for row in setup.ticket_rows().values())

        again = setup.writeback("--apply")

        assert "Nothing to write" in again.stdout
        assert setup.ticket_notes() == notes


@pytest.mark.parametrize("step", ["create", "update", "close", "note"])
def test_a_crash_before_the_local_record_of_a_ticket_write_is_not_repeated(
    tmp_path: Path, database_url: str, step: str
) -> None:
    with ticketed(tmp_path, database_url) as setup:
        kind: type[Write]
        if step == "create":
            setup.cancel_order()
            setup.writeback("--apply")
            setup.odoo.tick(minutes=5)
            setup.odoo.write("sale.order", setup.business.sale_orders["east"], {"state": "sale"})
            setup.sync_and_scan()
            kind = CreateTicket
        elif step == "update":
            setup.move_promised_date()
            kind = UpdateTicket
        else:
            if step == "note":
                setup.no_closed_stage()
            setup.cancel_order()
            kind = CloseTicket
        rows, earlier = setup.ticket_rows(), setup.tickets()
        crashed = setup.writeback_crashing_after(kind)
        assert setup.ticket_rows() == rows  # Odoo was written, the local record was lost
        setup.odoo.tick(minutes=5)  # a write now would change the ticket's write_date
        tickets, notes = setup.tickets(), setup.ticket_notes()

        result = setup.writeback("--apply")

        assert "already" in result.stdout
        after = setup.tickets()
        noted = setup.ticket_notes()
        assert noted[: len(notes)] == notes
        assert len({n["res_id"] for n in noted}) == len(noted)  # one note per ticket
        if step == "create":
            (orphan,) = tickets.keys() - earlier.keys()
            assert len(after) == len(earlier) + 2  # the orphan adopted, the other made
            assert orphan in setup.ticket_rows()
            assert after[orphan] == tickets[orphan]
            assert "adopt_ticket" in setup.actions()
        else:
            assert isinstance(crashed, UpdateTicket | CloseTicket)
            assert after[crashed.ticket_id] == tickets[crashed.ticket_id]
            adopted = {"update": "adopt_ticket_update", "close": "adopt_ticket_close"}
            assert adopted.get(step, "adopt_message") in setup.actions()
        assert "Nothing to write" in setup.writeback("--apply").stdout
        assert len(setup.ticket_rows()) == 2  # one per record
        assert set(setup.ticket_rows()) <= after.keys()


def test_a_ticket_removed_in_odoo_is_replaced_when_its_cases_change(
    tmp_path: Path, database_url: str
) -> None:
    with ticketed(tmp_path, database_url) as setup:
        before = setup.tickets()
        removed = min(before)
        setup.odoo.unlink(TICKET, removed)
        setup.move_promised_date()

        result = setup.writeback("--apply")

        assert f"(ticket {removed} was gone)" in result.stdout
        after = setup.tickets()
        assert len(after) == 2
        assert removed not in after
        assert set(setup.ticket_rows()) == set(after)
