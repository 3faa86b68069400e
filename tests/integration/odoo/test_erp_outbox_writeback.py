"""Executed actions reach Odoo through the write-back, and the next sync confirms them.

The fake Odoo is seeded, synced and scanned through the real command line; actions are
executed through the service (under a policy that asks for no approval, so each is
executed as it is asked); ``writeback odoo`` lists (dry run) and sends (``--apply``)
the ERP outbox; the next ``sync odoo`` finds the values in Odoo and confirms the
actions that wrote them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from controltower.api import action_commands as actions
from controltower.api.action_commands import StoredAction
from controltower.api.scope import resolve_scope
from controltower.cli.main import app
from controltower.domain.model import Dataset, OrderStatus
from controltower.domain.people import Principal, Role
from controltower.policy import Policy
from controltower.policy.model import ApprovalsSection
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.erp_outbox import OutboxEntry, entries_of_action
from controltower.storage.people import find_person
from controltower.storage.repository import load_picture
from fake_odoo import FakeOdoo
from fake_odoo.business import Business, seed_business
from helpers.odoo_cli import connection_args
from helpers.people import WHOLE_BUSINESS, add_test_person

pytestmark = pytest.mark.database

#: every action executed as it is asked
NO_RULES = Policy(approvals=ApprovalsSection(rules=()))


@dataclass
class Setup:
    odoo: FakeOdoo
    business: Business
    url: str
    ann: Principal

    def run(self, *args: str) -> Result:
        return CliRunner().invoke(app, list(args), env={"ODOO_API_KEY": self.business.api_key})

    def odoo_command(self, command: str, *extra: str) -> Result:
        connection = connection_args(self.odoo.url, self.odoo.db, self.business.login, self.url)
        result = self.run(command, "odoo", *connection, *extra)
        assert result.exit_code == 0, result.output
        return result

    def sync_and_scan(self) -> None:
        self.odoo_command("sync", "--no-scan")
        as_of = self.business.as_of.date().isoformat()
        scanned = self.run("scan", "--db", "--as-of", as_of, "--database-url", self.url)
        assert scanned.exit_code == 0, scanned.output

    def picture(self) -> Dataset:
        engine = make_engine(self.url)
        try:
            with make_session_factory(engine)() as session:
                return load_picture(session)
        finally:
            engine.dispose()

    def execute(self, action_type: str, params: dict[str, Any]) -> StoredAction:
        engine = make_engine(self.url)
        try:
            with make_session_factory(engine)() as session:
                return actions.request_action(
                    session,
                    resolve_scope(session, None, self.ann),
                    self.ann,
                    action_type,
                    params,
                    reason_code="customer_request",
                    note="",
                    now=datetime.now(UTC),
                    request_id=None,
                    policy=NO_RULES,
                )
        finally:
            engine.dispose()

    def outbox(self, action: StoredAction) -> list[OutboxEntry]:
        engine = make_engine(self.url)
        try:
            with make_session_factory(engine)() as session:
                return entries_of_action(session, action.id)
        finally:
            engine.dispose()

    def action(self, action: StoredAction) -> StoredAction:
        engine = make_engine(self.url)
        try:
            with make_session_factory(engine)() as session:
                scope = resolve_scope(session, None, self.ann)
                return actions.get_action(session, scope, self.ann, action.id)
        finally:
            engine.dispose()


@contextmanager
def synced(database_url: str) -> Iterator[Setup]:
    with FakeOdoo(version="17.0") as odoo:
        business = seed_business(odoo)
        setup = Setup(odoo, business, database_url, ann=WHOLE_BUSINESS)  # until ann is added
        setup.sync_and_scan()
        add_test_person(database_url, "ann", role=Role.MANAGER)
        engine = make_engine(database_url)
        try:
            with make_session_factory(engine)() as session:
                person = find_person(session, "ann")
        finally:
            engine.dispose()
        assert person is not None
        setup.ann = person.principal()
        yield setup


def open_line(picture: Dataset) -> tuple[str, int, Decimal]:
    """An open order's line with something left to ship, and its current price."""
    open_orders = {o.order_id for o in picture.sales_orders if o.status is OrderStatus.OPEN}
    line = next(
        line
        for line in picture.sales_order_lines
        if line.order_id in open_orders and line.qty > line.qty_shipped and line.unit_price
    )
    assert line.unit_price is not None
    return line.order_id, line.line, line.unit_price


def test_executed_actions_are_written_to_odoo_and_confirmed_by_the_next_sync(
    database_url: str,
) -> None:
    with synced(database_url) as setup:
        picture = setup.picture()
        order_id, line, price = open_line(picture)
        order = next(o for o in picture.sales_orders if o.order_id == order_id)
        promise = (order.promised_date + timedelta(days=10)).isoformat()
        new_price = (price * Decimal("1.03")).quantize(Decimal("0.01"))
        promised = setup.execute(
            "change_promised_date", {"order_id": order_id, "promised_date": promise}
        )
        priced = setup.execute(
            "override_price", {"order_id": order_id, "line": line, "price": str(new_price)}
        )
        stock = next(s for s in picture.stock if s.on_hand > s.quality_hold)
        counted = setup.execute(
            "adjust_inventory",
            {"sku": stock.sku, "warehouse": stock.warehouse, "on_hand": str(stock.on_hand + 1)},
        )
        assert {promised.state, priced.state, counted.state} == {"executed"}

        dry = setup.odoo_command("writeback")
        assert (
            f"erp write_promised_date on sale.order {order_id}: write commitment_date" in dry.stdout
        )
        assert f"erp write_price on sale.order.line {order_id}/{line}" in dry.stdout
        assert [e.state for e in setup.outbox(promised)] == ["pending"]

        setup.odoo_command("writeback", "--apply")

        sale = setup.odoo.read("sale.order", [_sale_order_id(setup, order_id)], ["commitment_date"])
        assert str(sale[0]["commitment_date"]).startswith(f"{promise} 12:00")
        odoo_line = setup.odoo.read("sale.order.line", [line], ["price_unit"])
        assert Decimal(str(odoo_line[0]["price_unit"])) == new_price
        assert [e.state for e in setup.outbox(promised)] == ["sent"]
        assert [e.state for e in setup.outbox(priced)] == ["sent"]
        # a stock change is a note in the product's chatter (Odoo keeps stock in quants,
        # which people count there): sent, and never sent twice
        noted = setup.outbox(counted)[0]
        assert noted.state == "sent", noted.last_error

        again = setup.odoo_command("writeback", "--apply")
        assert "write_promised_date" not in again.stdout, "a row sent is not sent again"
        assert setup.outbox(counted)[0].attempts == 1, "a row sent is not tried again"

        setup.odoo_command("sync", "--no-scan")

        assert setup.action(promised).erp_state == "confirmed"
        assert setup.action(priced).erp_state == "confirmed"
        assert setup.action(counted).erp_state == "diverged"


def _sale_order_id(setup: Setup, name: str) -> int:
    return next(int(row["id"]) for row in setup.odoo.records("sale.order") if row["name"] == name)
