"""What a write-back to Odoo reads and records: cases, people, follow-ups, the write log.

A write-back follows up in Odoo the active cases of the companies one Odoo database's
sync stored (the pictures whose ``source`` is that database). It keeps, per Odoo record
and user, the follow-up it wrote (``odoo_followups``: the activity, the cases it stands
for and a digest of what was written), per record the helpdesk ticket it wrote (a row
of the same table whose Odoo user id is ``connectors.odoo.writeback.TICKET_ROW``, 0,
which no Odoo user has: no column had to be added), and logs every write it made
(``odoo_writes``, append-only). The caller commits after each write to Odoo, so a
crash loses at most the local record of one write, which the next run finds again in
Odoo by the follow-up's marker. Like the rest of the storage package these functions
never commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.cases import ACTIVE_STATES, EventKind
from controltower.storage import tables

#: timeline events that open a case, and those that resolve it
_OPENINGS: Final = (EventKind.OPENED, EventKind.REOPENED)
_RESOLUTIONS: Final = (EventKind.RESOLVED, EventKind.RESOLVED_AUTOMATICALLY)

#: case keys per ``IN`` list
_CHUNK: Final = 400


@dataclass(frozen=True, slots=True)
class CaseForFollowUp:
    """A case as a write-back reads it; ``key`` is ``<company>/<case id>``.

    ``occurred_at`` is when it last opened (or reopened), ``resolved_at`` when it was
    last resolved (None if never).
    """

    key: str
    type: str
    subject: str
    state: str
    severity: str
    explanation: str
    owner: str
    assignee: str | None
    due_at: datetime
    occurred_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredFollowup:
    """One row of ``odoo_followups`` (see its comments in ``tables``): an activity's, or
    with ``odoo_user_id`` 0 a ticket's (``activity_id`` None)."""

    res_model: str
    res_id: int
    odoo_user_id: int
    marker: str
    activity_id: int | None
    ticket_id: int | None
    digest: str
    cases: tuple[str, ...]
    status: str


def source_companies(session: Session, source: str) -> list[str]:
    """The companies held by the pictures that ``source`` (an Odoo database) stored."""
    query = (
        sa.select(tables.companies.c.code)
        .join(tables.pictures, tables.pictures.c.id == tables.companies.c.picture_id)
        .where(tables.pictures.c.source == source)
    )
    return sorted(session.connection().execute(query).scalars())


def active_cases(session: Session, source: str, types: Iterable[str]) -> list[CaseForFollowUp]:
    """The active cases of ``types`` filed under the companies ``source`` stored."""
    cases = tables.exception_cases
    companies = source_companies(session, source)
    if not companies:
        return []
    return _read(
        session,
        [
            cases.c.scope_company.in_(companies),
            cases.c.state.in_(sorted(ACTIVE_STATES)),
            cases.c.type.in_(sorted(types)),
        ],
    )


def cases_by_key(session: Session, keys: Iterable[str]) -> dict[str, CaseForFollowUp]:
    """The cases named ``<company>/<case id>``, whatever their state (missing ones left out)."""
    cases = tables.exception_cases
    pairs = sorted({tuple(key.split("/", 1)) for key in keys if "/" in key})
    found: dict[str, CaseForFollowUp] = {}
    for start in range(0, len(pairs), _CHUNK):
        chunk = pairs[start : start + _CHUNK]
        condition = sa.or_(
            *(sa.and_(cases.c.scope_company == c, cases.c.id == i) for c, i in chunk)
        )
        found.update((case.key, case) for case in _read(session, [condition]))
    return found


def _read(session: Session, conditions: Sequence[sa.ColumnElement[bool]]) -> list[CaseForFollowUp]:
    cases, events = tables.exception_cases, tables.case_events
    connection = session.connection()
    rows = connection.execute(sa.select(cases).where(*conditions)).all()
    if not rows:
        return []
    joined = sa.and_(
        events.c.scope_company == cases.c.scope_company, events.c.case_id == cases.c.id
    )
    moments: dict[tuple[str, str, str], datetime] = {}
    for kinds, label in ((_OPENINGS, "opened"), (_RESOLUTIONS, "resolved")):
        query = (
            sa.select(events.c.scope_company, events.c.case_id, sa.func.max(events.c.at))
            .join(cases, joined)
            .where(*conditions, events.c.kind.in_(kinds))
            .group_by(events.c.scope_company, events.c.case_id)
        )
        for company, case_id, at in connection.execute(query):
            moments[(company, case_id, label)] = at
    return sorted(
        (
            CaseForFollowUp(
                key=f"{row.scope_company}/{row.id}",
                type=str(row.type),
                subject=row.subject,
                state=str(row.state),
                severity=str(row.severity),
                explanation=row.explanation,
                owner=row.owner,
                assignee=row.assignee,
                due_at=row.due_at,
                occurred_at=moments.get((row.scope_company, row.id, "opened"), row.opened_at),
                resolved_at=moments.get((row.scope_company, row.id, "resolved")),
            )
            for row in rows
        ),
        key=lambda case: case.key,
    )


def people_emails(session: Session) -> dict[str, str]:
    """The e-mail address of each Control Tower person who has one, by login."""
    users = tables.users
    query = sa.select(users.c.login, users.c.email).where(users.c.email.is_not(None))
    return {login: email for login, email in session.connection().execute(query)}


def load_followups(session: Session, source: str) -> list[StoredFollowup]:
    """Every follow-up written to ``source``, in a stable order."""
    table = tables.odoo_followups
    rows = session.connection().execute(
        sa.select(table)
        .where(table.c.source == source)
        .order_by(table.c.res_model, table.c.res_id, table.c.odoo_user_id)
    )
    return [
        StoredFollowup(
            res_model=row.res_model,
            res_id=row.res_id,
            odoo_user_id=row.odoo_user_id,
            marker=row.marker,
            activity_id=row.activity_id,
            ticket_id=row.ticket_id,
            digest=row.digest,
            cases=tuple(json.loads(row.cases)),
            status=row.status,
        )
        for row in rows
    ]


def save_followup(
    session: Session, source: str, followup: StoredFollowup, *, now: datetime
) -> None:
    """Insert or replace the follow-up of its (record, user)."""
    table = tables.odoo_followups
    key = (
        (table.c.source == source)
        & (table.c.res_model == followup.res_model)
        & (table.c.res_id == followup.res_id)
        & (table.c.odoo_user_id == followup.odoo_user_id)
    )
    values: dict[str, Any] = {
        "marker": followup.marker,
        "activity_id": followup.activity_id,
        "ticket_id": followup.ticket_id,
        "digest": followup.digest,
        "cases": json.dumps(list(followup.cases), ensure_ascii=False),
        "status": followup.status,
        "updated_at": now,
    }
    connection = session.connection()
    if connection.execute(sa.update(table).where(key).values(**values)).rowcount:
        return
    connection.execute(
        sa.insert(table).values(
            source=source,
            res_model=followup.res_model,
            res_id=followup.res_id,
            odoo_user_id=followup.odoo_user_id,
            created_at=now,
            **values,
        )
    )


def record_write(
    session: Session,
    source: str,
    *,
    at: datetime,
    by: str,
    action: str,
    res_model: str,
    res_id: int | None,
    detail: Mapping[str, Any],
) -> None:
    """Append one write made to Odoo to the write log."""
    session.connection().execute(
        sa.insert(tables.odoo_writes).values(
            source=source,
            at=at,
            by=by,
            action=action,
            res_model=res_model,
            res_id=res_id,
            detail=json.dumps(dict(detail), ensure_ascii=False, sort_keys=True, default=str),
        )
    )


def list_writes(session: Session, source: str) -> list[dict[str, Any]]:
    """The write log of ``source``, oldest first (``detail`` decoded)."""
    table = tables.odoo_writes
    rows = session.connection().execute(
        sa.select(table).where(table.c.source == source).order_by(table.c.id)
    )
    return [{**row._asdict(), "detail": json.loads(row.detail)} for row in rows]
