"""Notifications: ``GET /api/notifications`` (yours, in the app, newest first, paged),
``POST /api/notifications/{id}/read`` and ``GET /api/notifications/dead`` (the dead
letters, administrators only).

Everyone sees and marks only their own notifications: another person's answers exactly
like a missing one (404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import BaseModel

from controltower.api.auth import PrincipalDep, request_now, require
from controltower.api.deps import SessionDep
from controltower.domain.people import Permission, Principal
from controltower.storage.notifications import (
    StoredNotification,
    dead_letters,
    in_app_notification,
    in_app_page,
    mark_read,
    unread_count,
)

#: notifications per page, at most
MAX_PER_PAGE: Final = 200

router = APIRouter(
    prefix="/api/notifications",
    tags=["notifications"],
    dependencies=[Depends(require(Permission.VIEW))],
)


class NotificationPublic(BaseModel):
    id: int
    created_at: datetime
    channel: str
    kind: str
    scope_company: str
    case_id: str | None
    cause: str | None
    severity: str
    title: str
    body: str
    link: str
    state: str
    read_at: datetime | None


class NotificationsPublic(BaseModel):
    items: list[NotificationPublic]
    total: int
    page: int
    per_page: int
    unread: int


class DeadLetterPublic(NotificationPublic):
    user_id: int
    #: the person's login
    login: str | None
    attempts: int
    last_error: str | None


class DeadLettersPublic(BaseModel):
    items: list[DeadLetterPublic]
    total: int
    page: int
    per_page: int


def notification_public(row: StoredNotification) -> NotificationPublic:
    return NotificationPublic(
        id=row.id,
        created_at=row.created_at,
        channel=str(row.channel),
        kind=str(row.kind),
        scope_company=row.scope_company,
        case_id=row.case_id,
        cause=row.cause,
        severity=str(row.severity),
        title=row.title,
        body=row.body,
        link=row.link,
        state=str(row.state),
        read_at=row.read_at,
    )


PageQuery = Annotated[int, Query(ge=1, le=1_000_000, description="The page, from 1.")]
PerPageQuery = Annotated[
    int, Query(ge=1, le=MAX_PER_PAGE, description=f"Rows per page, at most {MAX_PER_PAGE}.")
]


@router.get("", response_model=NotificationsPublic, summary="Your notifications")
def get_notifications(
    session: SessionDep, principal: PrincipalDep, page: PageQuery = 1, per_page: PerPageQuery = 50
) -> NotificationsPublic:
    """Your in-app notifications, newest first, and how many are unread."""
    rows, total = in_app_page(
        session, principal.user_id, offset=(page - 1) * per_page, limit=per_page
    )
    return NotificationsPublic(
        items=[notification_public(row) for row in rows],
        total=total,
        page=page,
        per_page=per_page,
        unread=unread_count(session, principal.user_id),
    )


def _administrator(principal: PrincipalDep) -> Principal:
    if not principal.may(Permission.MANAGE_PEOPLE):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"{principal.login} ({principal.role}) may not see the dead letters "
            "(administrators only)",
        )
    return principal


@router.get("/dead", response_model=DeadLettersPublic, summary="Notifications given up")
def get_dead_letters(
    session: SessionDep,
    _principal: Annotated[Principal, Depends(_administrator)],
    page: PageQuery = 1,
    per_page: PerPageQuery = 50,
) -> DeadLettersPublic:
    """Email and webhook notifications given up after every retry, newest first, with
    the last error (administrators only)."""
    rows, total = dead_letters(session, offset=(page - 1) * per_page, limit=per_page)
    return DeadLettersPublic(
        items=[
            DeadLetterPublic(
                **notification_public(row).model_dump(),
                user_id=row.user_id,
                login=row.login,
                attempts=row.attempts,
                last_error=row.last_error,
            )
            for row in rows
        ],
        total=total,
        page=page,
        per_page=per_page,
    )


@router.post("/{notification_id}/read", response_model=NotificationPublic, summary="Mark one read")
def post_read(
    session: SessionDep,
    principal: PrincipalDep,
    notification_id: Annotated[int, Path(ge=1, description="The notification's id.")],
) -> NotificationPublic:
    """Mark one of your notifications read; 404 when you have no notification with that id."""
    if not mark_read(session, principal.user_id, notification_id, now=request_now()):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"you have no notification {notification_id}"
        )
    session.commit()
    row = in_app_notification(session, principal.user_id, notification_id)
    assert row is not None  # just marked
    return notification_public(row)
