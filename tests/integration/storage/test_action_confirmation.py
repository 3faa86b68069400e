"""Executed actions confirmed or contradicted by the next import.

An executed action waits for the ERP; the next ``import`` (or ``sync odoo``) stores the
ERP's picture, and in that transaction each waiting action of its companies is checked
against it: the values it wrote are there (confirmed) or they are not (diverged, with
the values the ERP shows in the audit entry). An action is checked once.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from controltower.api import action_commands as actions
from controltower.api.action_commands import StoredAction
from controltower.api.scope import resolve_scope
from controltower.domain.audit import ChainedEntry
from controltower.domain.people import Principal, Role
from controltower.storage.action_confirmation import confirm_executed_actions
from controltower.storage.audit import entries_of, verify_chain
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.people import find_person
from controltower.storage.repository import resolve_picture_id
from helpers.cli_runs import MINIMAL, MINIMAL_AS_OF, run_cli
from helpers.people import add_test_person

pytestmark = pytest.mark.database

#: orders of the minimal dataset: a standard customer's (no approval needed) and a
#: strategic customer's (a manager approves)
STANDARD_ORDER = "SO1003"
STRATEGIC_ORDER = "SO1001"
NEW_PROMISE = "2026-12-09"


@dataclass
class Business:
    url: str
    sessions: sessionmaker[Session]
    people: dict[str, Principal]

    def promise(self, order_id: str) -> StoredAction:
        ann = self.people["ann"]
        with self.sessions() as session:
            asked = actions.request_action(
                session,
                resolve_scope(session, None, ann),
                ann,
                "change_promised_date",
                {"order_id": order_id, "promised_date": NEW_PROMISE},
                reason_code="customer_request",
                note="",
                now=datetime.now(UTC),
                request_id=None,
            )
        if asked.state == "executed":
            return asked
        mia = self.people["mia"]
        with self.sessions() as session:
            return actions.approve(
                session,
                resolve_scope(session, None, mia),
                mia,
                asked.id,
                note="",
                now=datetime.now(UTC),
                request_id=None,
            )

    def action(self, action_id: int) -> StoredAction:
        admin = self.people["admin"]
        with self.sessions() as session:
            return actions.get_action(
                session, resolve_scope(session, None, admin), admin, action_id
            )

    def trail(self, action_id: int) -> list[ChainedEntry]:
        with self.sessions() as session:
            return entries_of(session, "action", str(action_id))


@pytest.fixture
def business(migrated_database_url: str) -> Iterator[Business]:
    url = migrated_database_url
    imported = run_cli("import", MINIMAL, "--database-url", url, "--as-of", MINIMAL_AS_OF)
    assert imported.exit_code == 0, imported.output
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    people: dict[str, Principal] = {}
    for login, role in (
        ("ann", Role.FRONTLINE),
        ("mia", Role.MANAGER),
        ("admin", Role.ADMINISTRATOR),
    ):
        add_test_person(url, login, role=role)
        with sessions() as session:
            person = find_person(session, login)
        assert person is not None
        people[login] = person.principal()
    try:
        yield Business(url, sessions, people)
    finally:
        engine.dispose()


def erp_extract(tmp_path: Path, promises: dict[str, str]) -> Path:
    """The minimal dataset as the ERP would export it next, with ``promises`` changed."""
    folder = tmp_path / "erp-extract"
    shutil.copytree(MINIMAL, folder)
    path = folder / "sales_orders.csv"
    with path.open(newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    for row in rows:
        row["promised_date"] = promises.get(row["order_id"], row["promised_date"])
    with path.open("w", newline="", encoding="utf-8") as target:
        writer = csv.DictWriter(target, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


def import_extract(business: Business, folder: Path) -> Any:
    result = run_cli("import", folder, "--database-url", business.url, "--as-of", MINIMAL_AS_OF)
    assert result.exit_code == 0, result.output
    return result


def test_the_next_import_confirms_what_it_shows_and_flags_what_it_does_not(
    business: Business, tmp_path: Path
) -> None:
    agreed = business.promise(STANDARD_ORDER)
    contradicted = business.promise(STRATEGIC_ORDER)
    assert (agreed.state, agreed.approvals_needed) == ("executed", 0)
    assert (contradicted.state, contradicted.approvals_needed) == ("executed", 1)
    assert agreed.erp_state == contradicted.erp_state == "awaiting_confirmation"

    # the ERP took the standard order's new promise, not the strategic one's
    imported = import_extract(business, erp_extract(tmp_path, {STANDARD_ORDER: NEW_PROMISE}))

    assert "ERP confirmation: 1 action(s) confirmed, 1 diverged" in imported.stdout
    assert business.action(agreed.id).erp_state == "confirmed"
    assert business.action(contradicted.id).erp_state == "diverged"
    confirmed = business.trail(agreed.id)[-1].record
    diverged = business.trail(contradicted.id)[-1].record
    assert (confirmed.action, confirmed.actor_login) == ("action.erp_confirmed", "system")
    assert confirmed.new["erp_shows"] == {
        f"sales_orders {STANDARD_ORDER} promised_date": NEW_PROMISE
    }
    assert diverged.action == "action.erp_diverged"
    assert diverged.old["wrote"] == {f"sales_orders {STRATEGIC_ORDER} promised_date": NEW_PROMISE}
    assert diverged.new == {
        "erp_state": "diverged",
        "erp_shows": {f"sales_orders {STRATEGIC_ORDER} promised_date": "2026-11-27"},
    }
    assert diverged.reason is not None
    assert "other values for 1 of the 1 changes" in diverged.reason


def test_an_action_is_checked_once_and_only_an_executed_one(
    business: Business, tmp_path: Path
) -> None:
    executed = business.promise(STANDARD_ORDER)
    ann = business.people["ann"]
    with business.sessions() as session:
        waiting = actions.request_action(
            session,
            resolve_scope(session, None, ann),
            ann,
            "change_promised_date",
            {"order_id": STRATEGIC_ORDER, "promised_date": NEW_PROMISE},
            reason_code="customer_request",
            note="",
            now=datetime.now(UTC),
            request_id=None,
        )
    folder = erp_extract(tmp_path, {STANDARD_ORDER: NEW_PROMISE})

    import_extract(business, folder)
    again = import_extract(business, folder)

    assert "ERP confirmation" not in again.stdout
    assert [e.record.action for e in business.trail(executed.id)] == [
        "action.request",
        "action.execute",
        "action.erp_confirmed",
    ]
    assert business.action(waiting.id).erp_state is None
    assert [e.record.action for e in business.trail(waiting.id)] == ["action.request"]
    with business.sessions() as session:
        assert verify_chain(session).intact


def test_with_nothing_waiting_nothing_is_written(business: Business) -> None:
    with business.sessions() as session:
        picture_id = resolve_picture_id(session)
        before = verify_chain(session).count
        found = confirm_executed_actions(session, picture_id, now=datetime.now(UTC))
        assert verify_chain(session).count == before
    assert (found.confirmed, found.diverged) == ((), ())
