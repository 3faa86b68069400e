"""Browser sign-ins: sessions with idle and absolute timeouts, and login throttling.

The cookie holds a random secret; the database holds its SHA-256, the person, a CSRF
token for the session's forms, and when it started and was last used. A session ends
after ``idle`` without use or ``absolute`` after it started, whichever comes first, and
when the person signs out, changes password or is deactivated. Failed sign-ins are
recorded per login: after ``MAX_FAILURES`` within ``FAILURE_WINDOW`` the login is
refused until the window has passed, whatever the password.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.people import Principal, normalise_login
from controltower.storage import tables
from controltower.storage.people import person_by_id, secret_digest

#: failed sign-ins of one login tolerated within ``FAILURE_WINDOW``
MAX_FAILURES: Final = 5
FAILURE_WINDOW: Final = timedelta(minutes=15)

#: last-use times are written at most this often, so reading pages stays read-only
_TOUCH_EVERY: Final = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class SessionTimeouts:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A live browser session: who, and the token its forms must carry."""

    principal: Principal
    csrf_token: str


def start_session(session: Session, user_id: int, *, now: datetime) -> str:
    """A new session for the person; returns the secret for the cookie."""
    secret = secrets.token_urlsafe(32)
    session.connection().execute(
        sa.insert(tables.web_sessions).values(
            id_hash=secret_digest(secret),
            user_id=user_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
        )
    )
    return secret


def session_of(
    session: Session, secret: str, *, now: datetime, timeouts: SessionTimeouts
) -> SignedIn | None:
    """The live session with this secret (its last use recorded), or None."""
    web = tables.web_sessions
    row = (
        session.connection()
        .execute(sa.select(web).where(web.c.id_hash == secret_digest(secret)))
        .one_or_none()
    )
    if row is None or row.ended_at is not None:
        return None
    if now - row.last_seen_at > timeouts.idle or now - row.created_at > timeouts.absolute:
        return None
    person = person_by_id(session, row.user_id)
    if person is None or not person.active:
        return None
    if now - row.last_seen_at >= _TOUCH_EVERY:
        session.connection().execute(
            sa.update(web).where(web.c.id_hash == row.id_hash).values(last_seen_at=now)
        )
    return SignedIn(principal=person.principal(), csrf_token=row.csrf_token)


def end_session(session: Session, secret: str, *, now: datetime) -> None:
    web = tables.web_sessions
    session.connection().execute(
        sa.update(web)
        .where(web.c.id_hash == secret_digest(secret), web.c.ended_at.is_(None))
        .values(ended_at=now)
    )


def record_failure(session: Session, login: str, *, remote: str, now: datetime) -> None:
    session.connection().execute(
        sa.insert(tables.login_failures).values(
            login=normalise_login(login)[:200], remote=remote[:200], at=now
        )
    )


def locked_until(session: Session, login: str, *, now: datetime) -> datetime | None:
    """When sign-ins of ``login`` are accepted again, while too many recent ones failed."""
    failures = tables.login_failures
    recent: list[datetime] = list(
        session.connection()
        .execute(
            sa.select(failures.c.at)
            .where(
                failures.c.login == normalise_login(login)[:200],
                failures.c.at > now - FAILURE_WINDOW,
            )
            .order_by(failures.c.at.desc())
            .limit(MAX_FAILURES)
        )
        .scalars()
        .all()
    )
    if len(recent) < MAX_FAILURES:
        return None
    first: datetime = min(recent)
    return first + FAILURE_WINDOW
