"""The notification outbox in the database: queue, claim, mark; and people's preferences.

A stored scan queues its notifications in its own transaction (:func:`queue_for_cases`),
so a scan that rolls back queues nothing; ``dedupe_key`` is unique and a row already
queued is skipped, so no scan queues one twice. Delivery claims due rows in batches
(:func:`claim_due`: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, SQLite's single writer
otherwise) with a lease, and marks each in its own short transaction. Like the rest of
the storage package these functions never commit: the caller's unit of work does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from controltower.domain.cases import ExceptionCase, Severity
from controltower.domain.escalation import (
    Colleague,
    Escalated,
    EscalationLadder,
    plan_escalation_notices,
)
from controltower.domain.notifications import (
    DEFAULT_CHANNELS,
    DEFAULT_DIGEST,
    Channel,
    DeliveryState,
    NotificationKind,
    Planned,
    Preferences,
    Recipient,
    first_attempt_at,
    plan_notifications,
    started_cases,
)
from controltower.domain.people import Role, Scope
from controltower.storage import tables
from controltower.storage.database import StorageError

#: the longest error text kept on a row
_ERROR_CHARS: Final = 500


class NotificationError(StorageError):
    """A notification or preference cannot be changed as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class StoredNotification:
    """One row of the outbox, as pages, the API and delivery read it."""

    id: int
    created_at: datetime
    user_id: int
    channel: Channel
    kind: NotificationKind
    scope_company: str
    case_id: str | None
    cause: str | None
    severity: Severity
    title: str
    body: str
    link: str
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    sent_at: datetime | None
    read_at: datetime | None
    #: the person's login, where the query read it (the dead-letter list)
    login: str | None = None


def _stored(row: Any) -> StoredNotification:
    return StoredNotification(
        id=row.id,
        created_at=row.created_at,
        user_id=row.user_id,
        channel=Channel(row.channel),
        kind=NotificationKind(row.kind),
        scope_company=row.scope_company,
        case_id=row.case_id,
        cause=row.cause,
        severity=Severity(row.severity),
        title=row.title,
        body=row.body,
        link=row.link,
        state=DeliveryState(row.state),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        sent_at=row.sent_at,
        read_at=row.read_at,
        login=getattr(row, "login", None),
    )


# --- Preferences and recipients --------------------------------------------------------


def preferences_of(session: Session, user_id: int) -> Preferences:
    """A person's preferences (the defaults when they never set any)."""
    prefs = tables.notification_preferences
    row = (
        session.connection()
        .execute(sa.select(prefs).where(prefs.c.user_id == user_id))
        .one_or_none()
    )
    return Preferences() if row is None else _preferences(row)


def _preferences(row: Any) -> Preferences:
    return Preferences(
        channels=tuple(Channel(name) for name in json.loads(row.channels)),
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        timezone=row.timezone,
        digest_severities=frozenset(Severity(name) for name in json.loads(row.digest_severities)),
        webhook_url=row.webhook_url,
    )


def save_preferences(session: Session, user_id: int, preferences: Preferences) -> None:
    """Store ``preferences`` as the person's, replacing what was stored."""
    prefs = tables.notification_preferences
    values: dict[str, Any] = {
        "channels": json.dumps([str(c) for c in preferences.channels]),
        "quiet_start": preferences.quiet_start,
        "quiet_end": preferences.quiet_end,
        "timezone": preferences.timezone,
        "digest_severities": json.dumps(sorted(str(s) for s in preferences.digest_severities)),
        "webhook_url": preferences.webhook_url,
    }
    connection = session.connection()
    done = connection.execute(sa.update(prefs).where(prefs.c.user_id == user_id).values(values))
    if done.rowcount == 0:
        connection.execute(sa.insert(prefs).values(user_id=user_id, **values))


def recipients(session: Session) -> list[Recipient]:
    """Every person with what deciding who is told needs: scope, teams, preferences."""
    connection = session.connection()
    users, scopes, members = tables.users, tables.user_scopes, tables.team_members
    limits: dict[int, dict[str, set[str]]] = {}
    for row in connection.execute(sa.select(scopes)):
        limits.setdefault(row.user_id, {}).setdefault(row.kind, set()).add(row.code)
    teams: dict[int, set[str]] = {}
    for row in connection.execute(sa.select(members)):
        teams.setdefault(row.user_id, set()).add(row.team)
    chosen = {
        row.user_id: _preferences(row)
        for row in connection.execute(sa.select(tables.notification_preferences))
    }
    found = []
    for row in connection.execute(sa.select(users).order_by(users.c.id)):
        limit = limits.get(row.id, {})
        found.append(
            Recipient(
                user_id=row.id,
                login=row.login,
                email=row.email,
                active=bool(row.active),
                scope=Scope.of(limit.get("company", ()), limit.get("warehouse", ())),
                teams=frozenset(teams.get(row.id, ())),
                preferences=chosen.get(row.id, Preferences()),
            )
        )
    return found


def colleagues(
    session: Session, *, team: str | None = None, assignee: str | None = None
) -> list[Colleague]:
    """People with their role, teams and scope: who an escalation step names.

    Given ``team``, only those a case of that team can name: its members, the person
    it is assigned to, and managers and executives (a case page reads no one else).
    """
    connection = session.connection()
    users, scopes, members = tables.users, tables.user_scopes, tables.team_members
    query = sa.select(users.c.id, users.c.login, users.c.name, users.c.role, users.c.active)
    if team is not None:
        in_team = sa.select(members.c.user_id).where(members.c.team == team)
        query = query.where(
            sa.or_(
                users.c.id.in_(in_team),
                users.c.login == (assignee or ""),
                users.c.role.in_([Role.MANAGER, Role.EXECUTIVE]),
            )
        )
    people = list(connection.execute(query.order_by(users.c.id)))
    ids = [row.id for row in people]
    limits: dict[int, dict[str, set[str]]] = {}
    teams: dict[int, set[str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for row in connection.execute(sa.select(scopes).where(scopes.c.user_id.in_(chunk))):
            limits.setdefault(row.user_id, {}).setdefault(row.kind, set()).add(row.code)
        for row in connection.execute(sa.select(members).where(members.c.user_id.in_(chunk))):
            teams.setdefault(row.user_id, set()).add(row.team)
    return [
        Colleague(
            user_id=row.id,
            login=row.login,
            name=row.name,
            role=row.role,
            teams=frozenset(teams.get(row.id, ())),
            scope=Scope.of(
                limits.get(row.id, {}).get("company", ()),
                limits.get(row.id, {}).get("warehouse", ()),
            ),
            active=bool(row.active),
        )
        for row in people
    ]


# --- Queueing --------------------------------------------------------------------------


def queue_escalation_notices(
    session: Session, escalated: Sequence[Escalated], ladder: EscalationLadder
) -> int:
    """Queue, in the caller's transaction, the notifications of cases that just climbed a
    step, to the people that step names; how many rows were added (one already queued,
    by its dedupe key, is not queued again)."""
    if not escalated:
        return 0
    people = recipients(session)
    planned = plan_escalation_notices(
        escalated,
        ladder=ladder,
        people=colleagues(session),
        recipients={person.user_id: person for person in people},
    )
    return queue(session, planned, {person.user_id: person.preferences for person in people})


def queue_for_cases(
    session: Session, cases: Sequence[ExceptionCase], scopes: Mapping[str, str]
) -> int:
    """Queue what the cases a scan just saved call for (those opened or reopened by it);
    how many rows were added. Call it after the cases are saved, in the same transaction.

    ``scopes``: the company each case is filed under, as the save reported it
    (``storage.cases.SavedCases.scopes``), so nothing is read back. With nobody to tell,
    the cases are never gone through (half a million on a crisis day)."""
    if not cases:
        return 0  # a rescan that changed nothing: nobody is looked up either
    people = recipients(session)
    if not people:
        return 0
    started = started_cases(cases, scopes)
    if not started:
        return 0
    by_id = {person.user_id: person for person in people}
    planned = plan_notifications(started, people)
    return queue(session, planned, {user_id: by_id[user_id].preferences for user_id in by_id})


def queue(session: Session, planned: Sequence[Planned], preferences: dict[int, Preferences]) -> int:
    """Insert ``planned`` rows, skipping any whose ``dedupe_key`` is queued already."""
    rows = [_row(item, preferences.get(item.user_id, Preferences())) for item in planned]
    if not rows:
        return 0
    connection = session.connection()
    dialect = connection.dialect.name
    statement: Any
    if dialect == "postgresql":
        statement = postgresql.insert(tables.notifications).on_conflict_do_nothing(
            index_elements=["dedupe_key"]
        )
    elif dialect == "sqlite":
        statement = sqlite.insert(tables.notifications).on_conflict_do_nothing(
            index_elements=["dedupe_key"]
        )
    else:  # pragma: no cover - Control Tower runs on these two
        raise NotificationError(f"notifications are not supported on {dialect}")
    # counted from RETURNING: PostgreSQL's driver gives no row count for an insert that
    # returns the new key, and a row skipped by its dedupe key returns nothing
    statement = statement.returning(tables.notifications.c.id)
    added = 0
    for row in rows:
        added += len(connection.execute(statement, row).all())
    return added


def _row(item: Planned, preferences: Preferences) -> dict[str, Any]:
    in_app = item.channel is Channel.IN_APP
    return {
        "created_at": item.created_at,
        "user_id": item.user_id,
        "channel": str(item.channel),
        "kind": str(item.kind),
        "scope_company": item.scope_company,
        "case_id": item.case_id,
        "cause": item.cause,
        "severity": str(item.severity),
        "title": item.title,
        "body": item.body,
        "link": item.link,
        "dedupe_key": item.dedupe_key,
        "state": str(DeliveryState.UNREAD if in_app else DeliveryState.PENDING),
        "attempts": 0,
        "next_attempt_at": None if in_app else first_attempt_at(preferences, item),
        "last_error": None,
        "sent_at": None,
        "read_at": None,
        "claimed_until": None,
    }


# --- Delivery --------------------------------------------------------------------------


def claim_due(
    session: Session,
    *,
    now: datetime,
    lease: timedelta,
    channels: Sequence[Channel],
    limit: int = 50,
) -> list[StoredNotification]:
    """Take up to ``limit`` pending rows of ``channels`` that are due and unclaimed, and
    lease them until ``now + lease`` (the caller commits at once)."""
    table = tables.notifications
    if not channels:
        return []
    query = (
        sa.select(table)
        .where(
            table.c.state == str(DeliveryState.PENDING),
            table.c.next_attempt_at <= now,
            table.c.channel.in_([str(c) for c in channels]),
            sa.or_(table.c.claimed_until.is_(None), table.c.claimed_until < now),
        )
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(limit)
    )
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = [_stored(row) for row in connection.execute(query)]
    if rows:
        connection.execute(
            sa.update(table)
            .where(table.c.id.in_([row.id for row in rows]))
            .values(claimed_until=now + lease)
        )
    return rows


def mark_sent(session: Session, notification_id: int, *, now: datetime) -> None:
    _update(
        session,
        notification_id,
        state=str(DeliveryState.SENT),
        sent_at=now,
        claimed_until=None,
        last_error=None,
    )


def mark_failed(
    session: Session,
    notification_id: int,
    *,
    attempts: int,
    next_attempt_at: datetime | None,
    error: str,
) -> None:
    """Record a failed send: tried again at ``next_attempt_at``, or dead when None."""
    _update(
        session,
        notification_id,
        attempts=attempts,
        state=str(DeliveryState.PENDING if next_attempt_at else DeliveryState.DEAD),
        next_attempt_at=next_attempt_at,
        last_error=error[:_ERROR_CHARS],
        claimed_until=None,
    )


def postpone(session: Session, notification_id: int, *, until: datetime) -> None:
    _update(session, notification_id, next_attempt_at=until, claimed_until=None)


def gather_digest(
    session: Session,
    items: Sequence[StoredNotification],
    *,
    title: str,
    body: str,
    dedupe_key: str,
    now: datetime,
) -> None:
    """Queue one digest for the items (one person, one channel), due now, and mark the
    items sent: from now on the digest carries them."""
    first = items[0]
    queue_row = {
        "created_at": now,
        "user_id": first.user_id,
        "channel": str(first.channel),
        "kind": str(NotificationKind.DIGEST),
        "scope_company": first.scope_company,
        "case_id": None,
        "cause": None,
        "severity": str(min((i.severity for i in items), key=list(Severity).index)),
        "title": title,
        "body": body,
        "link": "/notifications",
        "dedupe_key": dedupe_key,
        "state": str(DeliveryState.PENDING),
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
        "sent_at": None,
        "read_at": None,
        "claimed_until": None,
    }
    connection = session.connection()
    connection.execute(sa.insert(tables.notifications).values(queue_row))
    table = tables.notifications
    connection.execute(
        sa.update(table)
        .where(table.c.id.in_([item.id for item in items]))
        .values(state=str(DeliveryState.SENT), sent_at=now, claimed_until=None)
    )


def _update(session: Session, notification_id: int, **values: Any) -> None:
    table = tables.notifications
    session.connection().execute(
        sa.update(table).where(table.c.id == notification_id).values(**values)
    )


# --- Reading ---------------------------------------------------------------------------


def in_app_page(
    session: Session, user_id: int, *, offset: int, limit: int
) -> tuple[list[StoredNotification], int]:
    """A page of the person's in-app notifications, newest first, and how many in all."""
    table = tables.notifications
    where = (table.c.user_id == user_id, table.c.channel == str(Channel.IN_APP))
    connection = session.connection()
    total = connection.execute(sa.select(sa.func.count()).where(*where)).scalar_one()
    rows = connection.execute(
        sa.select(table)
        .where(*where)
        .order_by(table.c.created_at.desc(), table.c.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [_stored(row) for row in rows], int(total)


def in_app_notification(
    session: Session, user_id: int, notification_id: int
) -> StoredNotification | None:
    """One of the person's in-app notifications (None: they have no such one)."""
    table = tables.notifications
    row = (
        session.connection()
        .execute(
            sa.select(table).where(
                table.c.id == notification_id,
                table.c.user_id == user_id,
                table.c.channel == str(Channel.IN_APP),
            )
        )
        .one_or_none()
    )
    return None if row is None else _stored(row)


def unread_count(session: Session, user_id: int) -> int:
    table = tables.notifications
    query = sa.select(sa.func.count()).where(
        table.c.user_id == user_id,
        table.c.channel == str(Channel.IN_APP),
        table.c.state == str(DeliveryState.UNREAD),
    )
    return int(session.connection().execute(query).scalar_one())


def mark_read(session: Session, user_id: int, notification_id: int, *, now: datetime) -> bool:
    """Mark one of the person's in-app notifications read; False when they have no such
    notification (someone else's answers as a missing one)."""
    table = tables.notifications
    connection = session.connection()
    found = connection.execute(
        sa.select(table.c.state).where(
            table.c.id == notification_id,
            table.c.user_id == user_id,
            table.c.channel == str(Channel.IN_APP),
        )
    ).one_or_none()
    if found is None:
        return False
    if found.state == str(DeliveryState.UNREAD):
        _update(session, notification_id, state=str(DeliveryState.READ), read_at=now)
    return True


def dead_letters(
    session: Session, *, offset: int, limit: int
) -> tuple[list[StoredNotification], int]:
    """The notifications given up, newest first, and how many in all."""
    table = tables.notifications
    where = table.c.state == str(DeliveryState.DEAD)
    connection = session.connection()
    total = connection.execute(sa.select(sa.func.count()).where(where)).scalar_one()
    users = tables.users
    rows = connection.execute(
        sa.select(table, users.c.login)
        .join(users, users.c.id == table.c.user_id)
        .where(where)
        .order_by(table.c.created_at.desc(), table.c.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [_stored(row) for row in rows], int(total)


def default_preferences_text() -> dict[str, str]:
    """The defaults in words, for messages and the docs."""
    return {
        "channels": ",".join(DEFAULT_CHANNELS),
        "digest": ",".join(sorted(DEFAULT_DIGEST)),
    }


def quiet_text(start: time | None, end: time | None) -> str:
    if start is None or end is None:
        return "none"
    return f"{start.strftime('%H:%M')}-{end.strftime('%H:%M')}"
