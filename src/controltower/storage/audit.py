"""The audit trail in the database: append an entry, read pages of it, verify the chain.

:func:`append_audit` writes in the caller's transaction and never commits, so an entry
exists exactly when the change it records does. Appends take turns: the next entry's
number and previous hash are read after taking a lock (PostgreSQL's transaction-scoped
advisory lock :data:`AUDIT_LOCK_KEY`; on SQLite the database's one write lock, taken by a
no-op write before the read), so two transactions can never both chain onto the same
entry and fork the trail. The number is given by the append itself, not by a database
sequence, because PostgreSQL does not return the numbers of rolled-back inserts and a
gap must mean an entry was removed.

The lock is held to the end of the transaction, so a writer appends its entries *last*,
after every other lock it needs (the cases' turn, the scans' turn): a transaction that
held this lock and then waited for another could deadlock with one holding that other
lock and waiting for this.

On PostgreSQL a trigger of migration 0013 refuses any UPDATE, DELETE or TRUNCATE of
``audit_entries`` whoever asks; :func:`verify_chain` finds what was changed anyway (by
someone who turned the trigger off, or on SQLite). Reads are paged by ``seq`` (keyset),
never the whole table at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.audit import (
    GENESIS_HASH,
    AuditRecord,
    ChainCheck,
    ChainedEntry,
    entry_hash,
    stored_json,
    utc_text,
)
from controltower.domain.people import Scope
from controltower.storage import tables
from controltower.storage.queries.paging import Page, PageRequest, starts_with
from controltower.storage.visibility import visible_to

#: key of the PostgreSQL advisory lock that makes appends to the audit trail take turns
AUDIT_LOCK_KEY: Final = 0x43545F415544  # "CT_AUD"

#: entries read per query when the whole trail is walked (verify, export)
WALK_PAGE: Final = 1_000

#: the longest filter value taken (anything longer names nothing stored)
MAX_FILTER_CHARS: Final = 200


def append_audit(session: Session, record: AuditRecord) -> int:
    """Write ``record`` as the next entry of the chain, in the caller's transaction; its
    number (``seq``). See the module's note on taking turns and on appending last."""
    utc_text(record.at)  # refuses a moment without a time zone before anything is written
    connection = session.connection()
    _take_audit_turn(connection)
    entries = tables.audit_entries
    last = connection.execute(
        sa.select(entries.c.seq, entries.c.entry_hash).order_by(entries.c.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (1, GENESIS_HASH) if last is None else (last.seq + 1, last.entry_hash)
    connection.execute(
        sa.insert(entries).values(
            seq=seq,
            at=record.at,
            actor_id=record.actor_id,
            actor_login=record.actor_login,
            actor_role=record.actor_role,
            action=record.action,
            subject_type=record.subject_type,
            subject_id=record.subject_id,
            scope_company=record.scope_company,
            old_value=stored_json(record.old),
            new_value=stored_json(record.new),
            reason=record.reason,
            request_id=record.request_id,
            prev_hash=prev_hash,
            entry_hash=entry_hash(prev_hash, record),
        )
    )
    return seq


def _take_audit_turn(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    else:
        # a write that changes nothing: SQLite's write lock is held before the last entry
        # is read (a transaction that has written already holds it)
        table = tables.audit_entries
        connection.execute(sa.update(table).where(sa.false()).values(seq=table.c.seq))


# --- Reading entries ---------------------------------------------------------------------


def _loaded(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def chained_entry(row: sa.Row[Any]) -> ChainedEntry:
    """A stored row as the chain sees it (``old`` and ``new`` parsed back)."""
    return ChainedEntry(
        seq=row.seq,
        record=AuditRecord(
            at=row.at,
            actor_id=row.actor_id,
            actor_login=row.actor_login,
            actor_role=row.actor_role,
            action=row.action,
            subject_type=row.subject_type,
            subject_id=row.subject_id,
            scope_company=row.scope_company,
            old=_loaded(row.old_value),
            new=_loaded(row.new_value),
            reason=row.reason,
            request_id=row.request_id,
        ),
        prev_hash=row.prev_hash,
        entry_hash=row.entry_hash,
    )


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """What a list of entries keeps (None: no filter on that)."""

    #: the actor's login (``command line`` and ``system`` too), exactly
    actor: str | None = None
    #: a verb (``case.acknowledge``), or a family of verbs: ``case`` or ``case.``
    action: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    #: the first and last day, inclusive, in UTC
    from_day: date | None = None
    to_day: date | None = None
    #: whose scope it is read for: a company limit keeps that company's entries only,
    #: entries of no company need an unlimited scope, and a warehouse limit keeps none
    #: (an entry is filed under a company, never a warehouse)
    visible: Scope | None = None


def day_start(day: date) -> datetime:
    """The first moment of ``day`` in UTC."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def _conditions(filters: AuditFilters, dialect: str) -> list[sa.ColumnElement[bool]]:
    entries = tables.audit_entries
    where = visible_to(filters.visible, entries.c.scope_company, None)
    if filters.actor is not None:
        where.append(entries.c.actor_login == filters.actor.strip().lower())
    if filters.action is not None:
        where.append(_action_matches(filters.action.strip(), dialect))
    if filters.subject_type is not None:
        where.append(entries.c.subject_type == filters.subject_type.strip())
    if filters.subject_id is not None:
        where.append(entries.c.subject_id == filters.subject_id.strip())
    if filters.from_day is not None:
        where.append(entries.c.at >= day_start(filters.from_day))
    if filters.to_day is not None:
        where.append(entries.c.at < day_start(filters.to_day + timedelta(days=1)))
    return where


def _action_matches(action: str, dialect: str) -> sa.ColumnElement[bool]:
    """``case.acknowledge`` matches itself; ``case`` and ``case.`` match every ``case.*``
    verb (a range, so ``%`` or ``_`` in the filter are only characters)."""
    column = tables.audit_entries.c.action
    family = action.rstrip(".")
    if action.endswith("."):
        return starts_with(column, family + ".", dialect)
    return sa.or_(column == action, starts_with(column, family + ".", dialect))


def list_audit(session: Session, filters: AuditFilters, page: PageRequest) -> Page[ChainedEntry]:
    """A page of the entries ``filters`` keep, newest first, and how many there are."""
    entries = tables.audit_entries
    connection = session.connection()
    where = _conditions(filters, connection.dialect.name)
    counted = sa.select(sa.func.count()).select_from(entries).where(*where)
    total = connection.execute(counted).scalar_one()
    rows = connection.execute(
        sa.select(entries)
        .where(*where)
        .order_by(entries.c.seq.desc())
        .offset(page.offset)
        .limit(page.size)
    ).all()
    return Page(
        items=[chained_entry(row) for row in rows],
        total=int(total),
        number=page.number,
        size=page.size,
        offset=page.offset,
    )


def walk_entries(
    session: Session, filters: AuditFilters | None = None, *, page_size: int = WALK_PAGE
) -> Iterator[ChainedEntry]:
    """Every entry ``filters`` keep, oldest first, read ``page_size`` at a time (each page
    its own query, from the last number read), so memory does not grow with the trail."""
    entries = tables.audit_entries
    connection = session.connection()
    where = _conditions(filters or AuditFilters(), connection.dialect.name)
    after = 0
    while True:
        rows: Sequence[sa.Row[Any]] = connection.execute(
            sa.select(entries)
            .where(entries.c.seq > after, *where)
            .order_by(entries.c.seq)
            .limit(page_size)
        ).all()
        for row in rows:
            yield chained_entry(row)
        if len(rows) < page_size:
            return
        after = rows[-1].seq


def verify_chain(session: Session, *, page_size: int = WALK_PAGE) -> ChainCheck:
    """Walk the whole trail in order and check every link (:class:`ChainCheck`): the
    verdict, the entries found intact and the last one's hash."""
    check = ChainCheck()
    for entry in walk_entries(session, page_size=page_size):
        if not check.add(entry):
            break
    return check


def entries_of(
    session: Session, subject_type: str, subject_id: str, *, limit: int = 200
) -> list[ChainedEntry]:
    """The newest ``limit`` entries about one subject, oldest first (a page's history)."""
    entries = tables.audit_entries
    rows = (
        session.connection()
        .execute(
            sa.select(entries)
            .where(entries.c.subject_type == subject_type, entries.c.subject_id == subject_id)
            .order_by(entries.c.seq.desc())
            .limit(limit)
        )
        .all()
    )
    return [chained_entry(row) for row in reversed(rows)]
