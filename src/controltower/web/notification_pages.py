"""The notification pages: ``/notifications`` (the person's, with "mark read"), the bell
in every page's header (its unread count), and ``/admin/notifications/dead-letters``
(administrators only).

"Mark read" is a form posting with the session's CSRF token, answered by going back to
the list (303) so a reload does not post again; another person's notification answers
like a missing one (404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from controltower.api.auth import Authenticated, forbidden, request_now, require_on_page
from controltower.api.deps import SessionDep
from controltower.domain.people import Permission
from controltower.storage.notifications import (
    dead_letters,
    in_app_page,
    mark_read,
    unread_count,
)
from controltower.web.assets import TEMPLATES
from controltower.web.page_support import (
    Pager,
    QueryReading,
    last_page,
    linker,
    list_status,
    not_found,
    pager_for,
    within_last,
)

router = APIRouter(include_in_schema=False)

#: notifications per page
PER_PAGE: Final = 50

Viewer = Annotated[Authenticated, Depends(require_on_page(Permission.VIEW))]


def unread_notifications(request: Request) -> int | None:
    """The bell's count for the signed-in visitor (None: nobody signed in, or the count
    could not be read, and the page shows the bell without it)."""
    me: Authenticated | None = getattr(request.state, "authenticated", None)
    if me is None:
        return None
    own: Session | None = getattr(request.state, "session", None)
    try:
        if own is not None:
            return unread_count(own, me.principal.user_id)
        factory: sessionmaker[Session] | None = getattr(request.app.state, "session_factory", None)
        if factory is None:
            return None
        with factory() as session:
            return unread_count(session, me.principal.user_id)
    except SQLAlchemyError:
        return None


TEMPLATES.env.globals["unread_notifications"] = unread_notifications


def _paged(
    reading: QueryReading, page: str | None, read: Callable[[int], tuple[list[Any], int]]
) -> tuple[list[Any], Pager]:
    """The rows of the page asked for (its last page when past the end, a note saying
    so; page 1 when ``page`` is not a page number, ``reading`` naming it)."""
    wanted = reading.page_number(page)
    (rows, total), asked = within_last(
        wanted,
        lambda number: read((number - 1) * PER_PAGE),
        lambda found: last_page(found[1], PER_PAGE),
    )
    number = last_page(total, PER_PAGE) if asked is not None else wanted
    pager = pager_for(
        total=total,
        number=number,
        size=PER_PAGE,
        offset=(number - 1) * PER_PAGE,
        shown=len(rows),
        asked=asked,
    )
    return rows, pager


@router.get("/notifications", response_class=HTMLResponse)
def notifications_page(
    request: Request, session: SessionDep, visitor: Viewer, page: str | None = None
) -> HTMLResponse:
    """The person's notifications, newest first, unread ones marked."""
    user_id = visitor.principal.user_id
    reading = QueryReading()
    rows, pager = _paged(
        reading,
        page,
        lambda offset: in_app_page(session, user_id, offset=offset, limit=PER_PAGE),
    )
    context: dict[str, Any] = {
        "nav": "notifications",
        "items": rows,
        "total": pager.total,
        "unread": unread_count(session, user_id),
        "pager": pager,
        "problems": reading.problems,
        "link": linker("/notifications", {}),
        "csrf_token": visitor.csrf_token,
    }
    return TEMPLATES.TemplateResponse(
        request, "notifications.html", context, status_code=list_status(reading)
    )


@router.post("/notifications/{notification_id}/read")
def mark_read_form(
    request: Request, session: SessionDep, visitor: Viewer, notification_id: int
) -> Response:
    """Mark one of the person's notifications read, and go back to the list."""
    if not mark_read(session, visitor.principal.user_id, notification_id, now=request_now()):
        return not_found(
            request,
            "notifications",
            title="No such notification",
            message=f"You have no notification {notification_id}.",
            back=("/notifications", "Your notifications"),
        )
    session.commit()
    return RedirectResponse("/notifications", status_code=303)


@router.get("/admin/notifications/dead-letters", response_class=HTMLResponse)
def dead_letters_page(
    request: Request, session: SessionDep, visitor: Viewer, page: str | None = None
) -> HTMLResponse:
    """The email and webhook notifications given up after every retry (administrators)."""
    if not visitor.principal.may(Permission.MANAGE_PEOPLE):
        raise forbidden(visitor.principal, Permission.MANAGE_PEOPLE)
    reading = QueryReading()
    rows, pager = _paged(
        reading, page, lambda offset: dead_letters(session, offset=offset, limit=PER_PAGE)
    )
    context: dict[str, Any] = {
        "nav": "dead-letters",
        "items": rows,
        "total": pager.total,
        "pager": pager,
        "problems": reading.problems,
        "link": linker("/admin/notifications/dead-letters", {}),
    }
    return TEMPLATES.TemplateResponse(
        request, "dead_letters.html", context, status_code=list_status(reading)
    )
