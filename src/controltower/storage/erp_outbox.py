"""What executed actions must write to the ERP, queued until a connector sends it.

Executing an action changes the stored picture at once and queues one ``erp_outbox``
row in the same transaction: the operation (``write_promised_date``, ``ship_partial``...)
and a payload naming the records by business keys with their new values. A request
rolled back queues nothing; a request executed is never lost on the way to the ERP.
The Odoo write-back (``writeback odoo --apply``) drains the queue: it claims the pending
rows, sends each and marks it sent, or failed with the reason (a failed row stays to be
retried by the next run until it has failed :data:`MAX_ATTEMPTS` times).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.storage import tables

PENDING: Final = "pending"
SENT: Final = "sent"
FAILED: Final = "failed"

#: sends tried before a row is left failed for people to look at
MAX_ATTEMPTS: Final = 5


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One queued write to the ERP."""

    id: int
    action_id: int
    company: str
    operation: str
    payload: dict[str, Any]
    state: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


def queue_for_erp(
    session: Session,
    *,
    action_id: int,
    company: str,
    operation: str,
    payload: Mapping[str, Any],
    now: datetime,
) -> int:
    """Queue what an executed action writes to the ERP (in the caller's transaction)."""
    result = session.connection().execute(
        sa.insert(tables.erp_outbox).values(
            action_id=action_id,
            scope_company=company,
            operation=operation,
            payload=json.dumps(dict(payload), sort_keys=True, separators=(",", ":")),
            state=PENDING,
            attempts=0,
            created_at=now,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def entries_to_send(
    session: Session, *, companies: Sequence[str] | None = None, limit: int = 100
) -> list[OutboxEntry]:
    """The rows waiting to be sent (pending, or failed fewer than :data:`MAX_ATTEMPTS`
    times), oldest first, locked for this transaction on PostgreSQL so two runs never
    send one row twice (``SKIP LOCKED``: each takes what the other has not)."""
    outbox = tables.erp_outbox
    query = (
        sa.select(outbox)
        .where(
            sa.or_(
                outbox.c.state == PENDING,
                sa.and_(outbox.c.state == FAILED, outbox.c.attempts < MAX_ATTEMPTS),
            )
        )
        .order_by(outbox.c.id)
        .limit(limit)
    )
    if companies is not None:
        query = query.where(outbox.c.scope_company.in_(sorted(companies)))
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [_entry(row) for row in connection.execute(query)]


def entries_of_action(session: Session, action_id: int) -> list[OutboxEntry]:
    """The rows an action queued, in order."""
    outbox = tables.erp_outbox
    rows = session.connection().execute(
        sa.select(outbox).where(outbox.c.action_id == action_id).order_by(outbox.c.id)
    )
    return [_entry(row) for row in rows]


def mark_sent(session: Session, entry_id: int, *, now: datetime) -> None:
    outbox = tables.erp_outbox
    session.connection().execute(
        sa.update(outbox)
        .where(outbox.c.id == entry_id)
        .values(state=SENT, sent_at=now, attempts=outbox.c.attempts + 1, last_error=None)
    )


def mark_failed(session: Session, entry_id: int, *, error: str) -> None:
    outbox = tables.erp_outbox
    session.connection().execute(
        sa.update(outbox)
        .where(outbox.c.id == entry_id)
        .values(state=FAILED, attempts=outbox.c.attempts + 1, last_error=error[:2000])
    )


def _entry(row: sa.Row[Any]) -> OutboxEntry:
    return OutboxEntry(
        id=int(row.id),
        action_id=int(row.action_id),
        company=row.scope_company,
        operation=row.operation,
        payload=dict(json.loads(row.payload)),
        state=row.state,
        attempts=int(row.attempts),
        created_at=row.created_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
    )
