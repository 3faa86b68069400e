"""Governed actions end to end through the service: request, four-eyes, dual approval,
required evidence, teams, expiry, failure, scope, and what execution leaves behind (the
stored picture changed and rescanned, the ERP outbox, the audit trail)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from controltower.api import action_commands as actions
from controltower.api.action_commands import (
    ActionConflictError,
    ActionNotFoundError,
    ApprovalForbiddenError,
    EvidenceMissingError,
    StoredAction,
)
from controltower.api.case_commands import ActionForbiddenError
from controltower.api.scope import PictureScope, resolve_scope
from controltower.domain.action_plans import plan_action
from controltower.domain.actions import ActionParamError
from controltower.domain.model import Dataset, OrderStatus, Tier
from controltower.domain.people import Principal, Role
from controltower.domain.picture_edits import cell_text, edits_from_json, edits_not_shown
from controltower.policy import Policy
from controltower.policy.model import ApprovalsSection
from controltower.storage import tables
from controltower.storage.audit import entries_of, verify_chain
from controltower.storage.cases import load_cases
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.erp_outbox import entries_of_action
from controltower.storage.people import find_person
from controltower.storage.picture_columns import load_picture_tables, read_picture_tables
from controltower.storage.picture_snapshot import read_picture_snapshot
from controltower.storage.repository import replace_picture
from helpers.people import add_test_person
from helpers.scanned_demo import AS_OF, demo_dataset, load_scanned_demo
from helpers.tables import assert_tables_equal

pytestmark = pytest.mark.database

#: an hour after the demo's scan (10:00 UTC on its as-of day)
NOW = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)

PEOPLE: dict[str, dict[str, Any]] = {
    "ann": {"role": Role.FRONTLINE},
    "mia": {"role": Role.MANAGER},
    "max": {"role": Role.MANAGER},
    "eve": {"role": Role.EXECUTIVE},
    "fay": {"role": Role.MANAGER, "teams": ["finance"]},
    "aud": {"role": Role.AUDITOR},
}


@dataclass
class World:
    """The scanned demo in a database, its people, and sessions on it."""

    url: str
    picture_id: int
    sessions: sessionmaker[Session]
    people: dict[str, Principal]

    def scope(self, session: Session, who: str) -> PictureScope:
        return resolve_scope(session, None, self.people[who])

    def add(self, login: str, role: Role, **kwargs: Any) -> Principal:
        add_test_person(self.url, login, role=role, **kwargs)
        with self.sessions() as session:
            person = find_person(session, login)
        assert person is not None
        self.people[login] = person.principal()
        return self.people[login]

    def request(
        self, who: str, action_type: str, params: dict[str, Any], **kw: Any
    ) -> StoredAction:
        with self.sessions() as session:
            return actions.request_action(
                session,
                self.scope(session, who),
                self.people[who],
                action_type,
                params,
                reason_code=kw.pop("reason_code", "customer_request"),
                note=kw.pop("note", "asked by phone"),
                now=kw.pop("now", NOW),
                request_id=kw.pop("request_id", "req-1"),
                **kw,
            )

    def approve(self, who: str, action_id: int, *, now: datetime = NOW) -> StoredAction:
        with self.sessions() as session:
            return actions.approve(
                session,
                self.scope(session, who),
                self.people[who],
                action_id,
                note="fine by me",
                now=now,
                request_id=None,
            )

    def reject(self, who: str, action_id: int) -> StoredAction:
        with self.sessions() as session:
            return actions.reject(
                session,
                self.scope(session, who),
                self.people[who],
                action_id,
                note="not this week",
                now=NOW,
                request_id=None,
            )

    def cancel(self, who: str, action_id: int) -> StoredAction:
        with self.sessions() as session:
            return actions.cancel(
                session,
                self.scope(session, who),
                self.people[who],
                action_id,
                now=NOW,
                request_id=None,
            )

    def get(self, who: str, action_id: int) -> StoredAction:
        with self.sessions() as session:
            return actions.get_action(
                session, self.scope(session, who), self.people[who], action_id
            )

    def cell(self, table: str, key: tuple[str, ...], column: str) -> str | None:
        with self.sessions() as session:
            return cell_text(load_picture_tables(session, self.picture_id), table, key, column)

    def row_value(self, table: sa.Table, column: str, **key: Any) -> Any:
        with self.sessions() as session:
            where = [table.c.picture_id == self.picture_id]
            where += [table.c[name] == value for name, value in key.items()]
            return session.execute(sa.select(table.c[column]).where(*where)).scalar_one()

    def verbs(self, action_id: int) -> list[str]:
        with self.sessions() as session:
            return [e.record.action for e in entries_of(session, "action", str(action_id))]


@pytest.fixture
def world(migrated_database_url: str) -> Iterator[World]:
    url = migrated_database_url
    demo = load_scanned_demo(url)
    engine = make_engine(url)
    try:
        built = World(url, demo.picture_id, make_session_factory(engine), {})
        for login, settings in PEOPLE.items():
            built.add(login, **settings)
        yield built
    finally:
        engine.dispose()


# --- finding subjects in the demo --------------------------------------------------------


def open_orders(dataset: Dataset, tier: Tier) -> list[str]:
    """Open orders of customers of ``tier`` that still have something to ship."""
    tiers = {c.code: c.tier for c in dataset.customers}
    to_ship = {line.order_id for line in dataset.sales_order_lines if line.qty > line.qty_shipped}
    return [
        o.order_id
        for o in dataset.sales_orders
        if o.status is OrderStatus.OPEN and tiers[o.customer] is tier and o.order_id in to_ship
    ]


def new_promise(order_id: str) -> str:
    order = next(o for o in demo_dataset().sales_orders if o.order_id == order_id)
    return (max(order.promised_date, AS_OF) + timedelta(days=9)).isoformat()


def promise_change(tier: Tier, index: int = 0) -> dict[str, Any]:
    order_id = open_orders(demo_dataset(), tier)[index]
    return {"order_id": order_id, "promised_date": new_promise(order_id)}


# --- a request no rule covers ----------------------------------------------------------------


def test_a_request_no_rule_covers_is_executed_at_once_and_changes_the_stored_picture(
    world: World,
) -> None:
    params = promise_change(Tier.STANDARD)
    order_id = params["order_id"]

    done = world.request("ann", "change_promised_date", params, request_id="req-42")

    assert done.state == "executed"
    assert (done.approvals_needed, done.approvals_given, done.rule) == (0, 0, None)
    assert (done.requested_by, done.executed_by) == ("ann", "ann")
    assert done.executed_at == NOW
    assert done.erp_state == "awaiting_confirmation"
    assert done.expires_at is None
    assert done.subject_link.endswith(order_id)
    assert done.preview["subject_link"] == done.subject_link
    # the stored rows, the snapshot the scans read and the order's stored risk all moved
    promised = date.fromisoformat(params["promised_date"])
    assert world.row_value(tables.sales_orders, "promised_date", order_id=order_id) == promised
    assert world.cell("sales_orders", (order_id,), "promised_date") == params["promised_date"]
    with world.sessions() as session:
        risk = session.execute(
            sa.select(tables.order_risk.c.promised_date).where(
                tables.order_risk.c.order_id == order_id
            )
        ).scalar_one()
        outbox = entries_of_action(session, done.id)
        trail = entries_of(session, "action", str(done.id))
        assert verify_chain(session).intact
    assert risk == promised
    assert [(e.operation, e.state) for e in outbox] == [("write_promised_date", "pending")]
    assert [e.record.action for e in trail] == ["action.request", "action.execute"]
    request_entry, execute_entry = (e.record for e in trail)
    assert request_entry.actor_login == "ann"
    assert request_entry.actor_role == "frontline"
    assert request_entry.request_id == "req-42"
    assert request_entry.reason == "customer_request: asked by phone"
    assert execute_entry.old == {f"sales_orders {order_id} promised_date": _old_promise(order_id)}
    assert execute_entry.new == {f"sales_orders {order_id} promised_date": params["promised_date"]}


def _old_promise(order_id: str) -> str:
    return next(
        o.promised_date.isoformat() for o in demo_dataset().sales_orders if o.order_id == order_id
    )


# --- four eyes ---------------------------------------------------------------------------------


def test_four_eyes_the_requester_never_approves_and_the_rule_names_who_does(world: World) -> None:
    params = promise_change(Tier.STRATEGIC)
    asked = world.request("mia", "change_promised_date", params)
    assert asked.state == "awaiting_approval"
    assert (asked.approvals_needed, asked.approver_roles) == (1, ("manager",))
    assert asked.expires_at == NOW + timedelta(hours=72)
    before = world.cell("sales_orders", (params["order_id"],), "promised_date")

    with pytest.raises(ApprovalForbiddenError, match="another person must approve it"):
        world.approve("mia", asked.id)
    with pytest.raises(ActionForbiddenError, match="may not approve actions"):
        world.approve("ann", asked.id)
    with pytest.raises(ApprovalForbiddenError, match="needs 1 approval by a manager"):
        world.approve("eve", asked.id)
    assert world.get("mia", asked.id).state == "awaiting_approval"
    assert world.cell("sales_orders", (params["order_id"],), "promised_date") == before

    done = world.approve("max", asked.id)

    assert done.state == "executed"
    assert done.executed_by == "max"
    assert [(d.login, d.role, d.decision) for d in done.decisions] == [
        ("max", "manager", "approve")
    ]
    assert (
        world.cell("sales_orders", (params["order_id"],), "promised_date")
        == params["promised_date"]
    )
    with pytest.raises(ActionConflictError, match="is executed"):
        world.reject("mia", asked.id)
    assert world.verbs(asked.id) == ["action.request", "action.approve", "action.execute"]


def test_one_rejection_decides_and_nothing_changes(world: World) -> None:
    params = promise_change(Tier.KEY)
    before = world.cell("sales_orders", (params["order_id"],), "promised_date")
    asked = world.request("ann", "change_promised_date", params)

    rejected = world.reject("mia", asked.id)

    assert rejected.state == "rejected"
    assert rejected.decided_at == NOW
    with pytest.raises(ActionConflictError, match=r"request \d+ is rejected"):
        world.approve("max", asked.id)
    assert world.cell("sales_orders", (params["order_id"],), "promised_date") == before
    with world.sessions() as session:
        assert entries_of_action(session, asked.id) == []
    assert world.verbs(asked.id) == ["action.request", "action.reject"]


def test_only_the_requester_cancels_and_only_while_it_waits(world: World) -> None:
    asked = world.request("ann", "change_promised_date", promise_change(Tier.STRATEGIC))
    with pytest.raises(ApprovalForbiddenError, match="only ann"):
        world.cancel("mia", asked.id)

    assert world.cancel("ann", asked.id).state == "cancelled"
    with pytest.raises(ActionConflictError, match="is cancelled"):
        world.cancel("ann", asked.id)
    with pytest.raises(ActionConflictError, match="is cancelled"):
        world.approve("mia", asked.id)


# --- dual approval, evidence and teams ----------------------------------------------------------


def adjustment_worth_over(value: Decimal) -> dict[str, Any]:
    """An inventory adjustment at a stock row whose product has a cost, moving more than
    ``value`` of it."""
    dataset = demo_dataset()
    costs = {p.sku: p.unit_cost for p in dataset.products if p.unit_cost}
    row = next(s for s in dataset.stock if costs.get(s.sku))
    more = (value / costs[row.sku]).to_integral_value() + 5
    return {"sku": row.sku, "warehouse": row.warehouse, "on_hand": str(row.on_hand + more)}


def test_dual_approval_needs_two_distinct_people_and_the_evidence_first(world: World) -> None:
    params = adjustment_worth_over(Decimal(1000))
    asked = world.request("ann", "adjust_inventory", params, reason_code="cycle_count")
    assert (asked.approvals_needed, asked.evidence_required) == (2, ("count_sheet",))
    assert asked.evidence_missing == ("count_sheet",)

    with pytest.raises(EvidenceMissingError, match="count sheet"):
        world.approve("mia", asked.id)
    with world.sessions() as session:
        actions.attach_file(
            session,
            world.scope(session, "ann"),
            world.people["ann"],
            asked.id,
            kind="count_sheet",
            filename="count.csv",
            content=b"sku,counted\nX,12\n",
            now=NOW,
            request_id=None,
            max_bytes=1_000_000,
        )
    assert world.get("ann", asked.id).evidence_missing == ()

    first = world.approve("mia", asked.id)
    assert (first.state, first.approvals_given, first.approvals_remaining) == (
        "awaiting_approval",
        1,
        1,
    )
    with pytest.raises(ActionConflictError, match="already decided"):
        world.approve("mia", asked.id)
    key = (params["sku"], params["warehouse"])
    assert world.cell("stock", key, "on_hand") != params["on_hand"]

    done = world.approve("eve", asked.id, now=NOW + timedelta(minutes=5))

    assert done.state == "executed"
    assert done.approvals_given == 2
    assert [d.login for d in done.decisions] == ["mia", "eve"]
    assert Decimal(world.cell("stock", key, "on_hand") or "0") == Decimal(params["on_hand"])
    assert world.verbs(asked.id) == [
        "action.request",
        "evidence.attach",
        "action.approve",
        "action.approve",
        "action.execute",
    ]


def test_a_team_rule_takes_a_member_of_the_team(world: World) -> None:
    customer = next(c.code for c in demo_dataset().customers if c.credit_hold)
    asked = world.request(
        "ann",
        "release_credit_hold",
        {"customer": customer, "until": "2026-12-31"},
        reason_code="payment_received",
    )
    assert asked.approver_team == "finance"

    with pytest.raises(ApprovalForbiddenError, match="team finance"):
        world.approve("mia", asked.id)
    done = world.approve("fay", asked.id)

    assert done.state == "executed"
    assert world.cell("customers", (customer,), "credit_hold") == "false"


def test_the_policy_limits_who_may_ask_for_a_quality_bypass(world: World) -> None:
    held = next(s for s in demo_dataset().stock if s.quality_hold > 0)
    params = {"sku": held.sku, "warehouse": held.warehouse, "qty": str(held.quality_hold)}
    with pytest.raises(ApprovalForbiddenError, match="only manager ask for it"):
        world.request("ann", "bypass_quality", params)
    asked = world.request("mia", "bypass_quality", params, reason_code="quality_cleared")
    assert (asked.approver_roles, asked.approver_team) == (("manager",), "quality")
    with pytest.raises(ActionForbiddenError, match="may not request actions"):
        world.request("aud", "bypass_quality", params)


# --- expiry and failure ----------------------------------------------------------------------------


def test_a_request_nobody_decides_expires_when_touched_or_by_the_worker(world: World) -> None:
    late = NOW + timedelta(hours=72, minutes=1)
    touched = world.request("ann", "change_promised_date", promise_change(Tier.STRATEGIC, 0))
    left = world.request("ann", "change_promised_date", promise_change(Tier.STRATEGIC, 1))

    with pytest.raises(ActionConflictError, match="expired"):
        world.approve("mia", touched.id, now=late)

    assert world.get("ann", touched.id).state == "expired"
    assert world.verbs(touched.id) == ["action.request", "action.expire"]
    with world.sessions() as session:
        assert actions.expire_due(session, now=NOW + timedelta(hours=71)) == 0
        assert actions.expire_due(session, now=late) == 1
        assert actions.expire_due(session, now=late) == 0
    expired = world.get("ann", left.id)
    assert expired.state == "expired"
    assert expired.decided_at == late
    with world.sessions() as session:
        entry = entries_of(session, "action", str(left.id))[-1].record
    assert (entry.action, entry.actor_login, entry.actor_role) == (
        "action.expire",
        "system",
        "system",
    )


def test_an_approval_the_picture_no_longer_allows_ends_failed_with_the_reason(
    world: World,
) -> None:
    params = promise_change(Tier.STRATEGIC)
    asked = world.request("ann", "change_promised_date", params)
    # the ERP closed the order meanwhile: the next import stores it done
    dataset = demo_dataset()
    closed = replace(
        dataset,
        sales_orders=[
            replace(o, status=OrderStatus.DONE) if o.order_id == params["order_id"] else o
            for o in dataset.sales_orders
        ],
    )
    with world.sessions.begin() as session:
        world.picture_id = replace_picture(
            session, closed, source="test", imported_at=NOW
        ).picture_id

    failed = world.approve("mia", asked.id)

    assert failed.state == "failed"
    assert failed.executed_at is None
    assert world.verbs(asked.id) == ["action.request", "action.approve", "action.fail"]
    with world.sessions() as session:
        reason = entries_of(session, "action", str(asked.id))[-1].record.reason
        assert entries_of_action(session, asked.id) == []
    assert reason is not None
    assert f"no open order {params['order_id']!r}" in reason


# --- scope and lists -------------------------------------------------------------------------------


def test_a_person_acts_only_within_their_scope(world: World) -> None:
    params = promise_change(Tier.STRATEGIC)
    order = next(o for o in demo_dataset().sales_orders if o.order_id == params["order_id"])
    elsewhere = next(w.code for w in demo_dataset().warehouses if w.code != order.warehouse)
    world.add("wes", Role.MANAGER, warehouses=[elsewhere])
    asked = world.request("ann", "change_promised_date", params)

    with pytest.raises(ActionNotFoundError, match=f"no action request {asked.id}"):
        world.get("wes", asked.id)
    with pytest.raises(ActionNotFoundError):
        world.approve("wes", asked.id)
    with pytest.raises(ActionParamError) as refused:
        world.request("wes", "change_promised_date", params)
    assert refused.value.field == "order_id"
    with world.sessions() as session:
        rows, total = actions.list_actions(
            session, world.scope(session, "wes"), world.people["wes"]
        )
    assert (rows, total) == ([], 0)


def test_lists_are_filtered_paged_and_waiting_for_the_right_people(world: World) -> None:
    strategic = world.request("ann", "change_promised_date", promise_change(Tier.STRATEGIC, 0))
    mine = world.request("mia", "change_promised_date", promise_change(Tier.STRATEGIC, 1))
    done = world.request("ann", "change_promised_date", promise_change(Tier.STANDARD))

    def listed(who: str, **filters: Any) -> tuple[list[int], int]:
        with world.sessions() as session:
            rows, total = actions.list_actions(
                session, world.scope(session, who), world.people[who], **filters
            )
        return [row.id for row in rows], total

    assert listed("ann") == ([done.id, mine.id, strategic.id], 3)
    assert listed("ann", mine=True) == ([done.id, strategic.id], 2)
    assert listed("ann", states=["executed"]) == ([done.id], 1)
    assert listed("ann", page=2, size=2) == ([strategic.id], 3)
    assert listed("mia", awaiting_me=True) == ([strategic.id], 1)
    assert listed("max", awaiting_me=True) == ([mine.id, strategic.id], 2)
    assert listed("eve", awaiting_me=True) == ([], 0)
    assert listed("ann", awaiting_me=True) == ([], 0)
    order_id = promise_change(Tier.STANDARD)["order_id"]
    assert listed("ann", subject=order_id.lower()) == ([done.id], 1)
    world.approve("max", strategic.id)
    assert listed("mia", awaiting_me=True) == ([], 0)


# --- price overrides and the pricing_variance detector -------------------------------------------


def test_an_executed_price_override_is_not_flagged_by_pricing_variance(world: World) -> None:
    dataset = demo_dataset()
    prices = {p.sku: p.list_price for p in dataset.products}
    standard = set(open_orders(dataset, Tier.STANDARD))

    def list_price(line: Any) -> Decimal | None:
        given: Decimal | None = line.list_price or prices.get(line.sku)
        return given

    line = next(
        line
        for line in dataset.sales_order_lines
        if line.order_id in standard
        and line.qty > line.qty_shipped
        and list_price(line)
        and (line.unit_price or list_price(line)) == list_price(line)
    )
    price = (Decimal(list_price(line) or 0) * Decimal("1.08")).quantize(Decimal("0.01"))
    params = {"order_id": line.order_id, "line": line.line, "price": str(price)}

    done = world.request("ann", "override_price", params, reason_code="pricing_agreement")

    assert done.state == "executed"
    assert done.approvals_needed == 0
    subject = f"sales_order_line:{line.order_id}/{line.line}"
    opened = [c for c in done.preview["cases"] if c["type"] == "pricing_variance"]
    assert [c["subject"] for c in opened] == [subject], "the preview (no approval yet) flags it"
    with world.sessions() as session:
        cases = load_cases(session, world.picture_id)
    assert not [c for c in cases if c.type == "pricing_variance" and c.subject == subject]


# --- every action type, executed: rows and snapshot agree ------------------------------------

NO_RULES = Policy(approvals=ApprovalsSection(rules=()))


def params_for(world: World, action_type: str) -> dict[str, Any]:
    """Parameters the demo picture allows for ``action_type``."""
    dataset = demo_dataset()
    if action_type == "split_shipment":
        with world.sessions() as session:
            picture = load_picture_tables(session, world.picture_id)
        for order_id in open_orders(dataset, Tier.STANDARD) + open_orders(dataset, Tier.KEY):
            try:
                plan_action(
                    picture,
                    action_type,
                    {"order_id": order_id},
                    as_of=AS_OF,
                    allocation=NO_RULES.allocation.to_domain(),
                )
            except ActionParamError:
                continue
            return {"order_id": order_id}
        raise AssertionError("no order of the demo has part of it in stock")
    physical = [s for s in dataset.stock if s.on_hand - s.quality_hold >= 1]
    lanes = {(lane.from_warehouse, lane.to_warehouse) for lane in dataset.transfer_lanes}
    source = next(s for s in physical if any(a == s.warehouse for a, _ in lanes))
    held = next(s for s in dataset.stock if s.quality_hold > 0)
    chosen: dict[str, dict[str, Any]] = {
        "change_promised_date": promise_change(Tier.STANDARD),
        "transfer_stock": {
            "sku": source.sku,
            "from_warehouse": source.warehouse,
            "to_warehouse": next(b for a, b in sorted(lanes) if a == source.warehouse),
            "qty": "1",
        },
        "release_credit_hold": {
            "customer": next(c.code for c in dataset.customers if c.credit_hold),
            "until": "2026-12-31",
        },
        "authorise_return": {
            "rma_id": next(r.rma_id for r in dataset.returns if r.status == "requested")
        },
        "adjust_inventory": {
            "sku": held.sku,
            "warehouse": held.warehouse,
            "on_hand": str(held.on_hand + 3),
        },
        "bypass_quality": {"sku": held.sku, "warehouse": held.warehouse, "qty": "1"},
    }
    return chosen[action_type]


@pytest.mark.parametrize(
    "action_type",
    [
        "change_promised_date",
        "split_shipment",
        "transfer_stock",
        "release_credit_hold",
        "authorise_return",
        "adjust_inventory",
        "bypass_quality",
    ],
)
def test_each_action_executed_leaves_rows_and_snapshot_saying_the_same(
    world: World, action_type: str
) -> None:
    done = world.request("mia", action_type, params_for(world, action_type), policy=NO_RULES)

    assert done.state == "executed", done
    with world.sessions() as session:
        connection = session.connection()
        from_rows = read_picture_tables(connection, world.picture_id)
        snapshot = read_picture_snapshot(connection, world.picture_id)
        outbox = entries_of_action(session, done.id)
        stored_edits = session.execute(
            sa.select(tables.action_requests.c.edits).where(tables.action_requests.c.id == done.id)
        ).scalar_one()
    assert snapshot is not None
    assert_tables_equal(from_rows, snapshot)
    assert [e.operation for e in outbox] == [done.preview["plan"]["erp_operation"]]
    assert edits_not_shown(snapshot, edits_from_json(json.loads(stored_edits))) == []


def test_an_action_asked_from_a_case_notes_its_execution_on_the_case(world: World) -> None:
    standard = set(open_orders(demo_dataset(), Tier.STANDARD))
    with world.sessions() as session:
        cases = load_cases(session, world.picture_id)
    case = next(
        c
        for c in cases
        if c.is_active
        and c.type == "order_at_risk"
        and c.subject.removeprefix("sales_order:") in standard
    )
    order_id = case.subject.removeprefix("sales_order:")
    params = {"order_id": order_id, "promised_date": new_promise(order_id)}
    with pytest.raises(ActionParamError) as refused:
        world.request("ann", "change_promised_date", params, case_id="CASE-NOPE")
    assert refused.value.field == "case_id"

    done = world.request("ann", "change_promised_date", params, case_id=case.id)

    assert done.state == "executed"
    assert done.case_id == case.id
    with world.sessions() as session:
        after = next(c for c in load_cases(session, world.picture_id) if c.id == case.id)
    note = after.timeline[-1]
    assert note.kind == "commented"
    assert note.by == "ann"
    assert note.note == f"Action {done.id} executed: Change the promised date (order {order_id})."
