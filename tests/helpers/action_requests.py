"""Governed actions for the page and browser tests: finding an order to act on in the
stored, scanned demo, and asking for an action through the service.

The orders are found in what the scan recorded (never hard-coded), so the tests follow
the demo when its generator changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.api import action_commands
from controltower.api.action_commands import StoredAction
from controltower.api.routes.orders import order_detail
from controltower.api.schemas import OrderDetailPublic
from controltower.api.scope import PictureScope, resolve_scope
from controltower.domain.model import effective_accepts_partial
from controltower.domain.people import Principal, Role, Scope
from controltower.storage import tables
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.people import principal_for_token
from controltower.web.action_buttons import ships_in_part
from helpers.people import TestPerson
from helpers.scanned_demo import demo_dataset

#: a principal who sees the whole business (for reading only)
READER = Principal(user_id=0, login="reader", name="Reader", role=Role.ADMINISTRATOR, scope=Scope())


@contextmanager
def session_on(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


@dataclass(frozen=True)
class SplitCandidate:
    """An order at risk, part of it in stock, whose customer takes no partial shipment:
    shipping the available part needs a manager's approval under the default policy."""

    order_id: str
    customer: str
    warehouse: str
    status: str
    allocation: str


def _refuses_partial() -> dict[str, bool]:
    """Order id -> True when the order (or its customer) does not accept partial shipments."""
    dataset = demo_dataset()
    customers = {c.code: c for c in dataset.customers}
    return {
        o.order_id: not effective_accepts_partial(o, customers.get(o.customer))
        for o in dataset.sales_orders
    }


def split_candidate(database_url: str, *, refuses_partial: bool = True) -> SplitCandidate:
    """The first order at risk (by id) that ships in part and whose customer does (or, with
    ``refuses_partial=False``, does not) refuse partial shipments."""
    refuses = _refuses_partial()
    with session_on(database_url) as session:
        scope = resolve_scope(session, None, READER)
        for order in _at_risk(session, scope):
            if refuses.get(order.order_id) is not refuses_partial or not ships_in_part(order):
                continue
            return SplitCandidate(
                order_id=order.order_id,
                customer=order.customer,
                warehouse=order.warehouse,
                status=order.status.value,
                allocation=order.allocation.value,
            )
    raise AssertionError("the demo has no order at risk that ships in part")


def _at_risk(session: Session, scope: PictureScope) -> Iterator[OrderDetailPublic]:
    risk = tables.order_risk
    assert scope.scan is not None
    ids = session.execute(
        sa.select(risk.c.order_id)
        .where(risk.c.scan_run_id == scope.scan.scan_run_id, risk.c.at_risk.is_(True))
        .order_by(risk.c.order_id)
    ).scalars()
    for order_id in list(ids):
        found = order_detail(session, scope, order_id)
        if found is not None:
            yield found


def stored_order(database_url: str, order_id: str) -> OrderDetailPublic | None:
    """The order as the latest scan recorded it (None: no longer open)."""
    with session_on(database_url) as session:
        return order_detail(session, resolve_scope(session, None, READER), order_id)


def ask_for(
    database_url: str,
    person: TestPerson,
    action_type: str,
    params: dict[str, str],
    *,
    reason_code: str = "customer_request",
    note: str = "",
) -> StoredAction:
    """Ask for an action as ``person`` through the service the pages and the API use."""
    with session_on(database_url) as session:
        principal = principal_for_token(session, person.token)
        assert principal is not None
        scope = resolve_scope(session, None, principal)
        return action_commands.request_action(
            session,
            scope,
            principal,
            action_type,
            params,
            reason_code=reason_code,
            note=note,
            now=datetime.now(UTC),
            request_id=None,
        )


def audit_actions(database_url: str, action_id: int) -> list[str]:
    """The audit trail's verbs about request ``action_id``, oldest first."""
    entries = tables.audit_entries
    with session_on(database_url) as session:
        return list(
            session.execute(
                sa.select(entries.c.action)
                .where(entries.c.subject_type == "action", entries.c.subject_id == str(action_id))
                .order_by(entries.c.seq)
            ).scalars()
        )
