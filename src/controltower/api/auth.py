"""Who is asking: bearer tokens for the API, session cookies for the browser, CSRF.

Every route but ``/api/health``, the login page and the static files needs a signed-in
person. The API reads ``Authorization: Bearer TOKEN`` (``controltower user token``) and
answers ``401`` without a valid one; the pages read the session cookie set at sign-in
and send an unknown visitor to the login page. A request authenticated by the cookie
that changes anything must carry the session's CSRF token (the ``csrf_token`` form
field, or the ``X-CSRF-Token`` header); a bearer token is never sent by a browser on its
own, so it needs none.

:func:`require` turns a permission into a dependency: a person without it gets ``403``
naming the permission and their role.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Final

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from controltower.api.deps import SessionDep
from controltower.domain.people import Permission, Principal
from controltower.storage.people import principal_for_token
from controltower.storage.web_sessions import SessionTimeouts, session_of

#: the cookie that carries a browser's session secret
SESSION_COOKIE: Final = "ct_session"

#: the form field and header that carry the CSRF token
CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "X-CSRF-Token"

_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


class NotSignedInError(Exception):
    """A page was asked for without a session; the pages answer with the login page."""


@dataclass(frozen=True, slots=True)
class Authenticated:
    """The person behind a request, and how they proved it."""

    principal: Principal
    #: the session's CSRF token when signed in by cookie; None for a bearer token
    csrf_token: str | None


def request_now() -> datetime:
    """The clock of authentication (timeouts, throttling): aware UTC."""
    return datetime.now(UTC)


def timeouts_of(request: Request) -> SessionTimeouts:
    settings = request.app.state.settings
    return SessionTimeouts(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )


def authenticate(request: Request, session: Session) -> Authenticated | None:
    """The person a request comes from, or None (remembered on the request)."""
    cached: Authenticated | None = getattr(request.state, "authenticated", None)
    if cached is not None:
        return cached
    found: Authenticated | None = None
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        principal = principal_for_token(session, token.strip())
        found = Authenticated(principal, None) if principal is not None else None
    else:
        # no bearer token (a proxy's own Authorization header is not ours): the cookie
        secret = request.cookies.get(SESSION_COOKIE)
        if secret:
            signed = session_of(session, secret, now=request_now(), timeouts=timeouts_of(request))
            if signed is not None:
                _record_last_use(session)
                found = Authenticated(signed.principal, signed.csrf_token)
    request.state.authenticated = found
    return found


def _record_last_use(session: Session) -> None:
    """Commit the session's last use; best effort, because it is bookkeeping only.

    While an import writes, SQLite refuses this write at once ("database is locked")
    instead of waiting: the request goes on (the idle clock is recorded a little late)
    rather than failing.
    """
    try:
        session.commit()
    except OperationalError:
        session.rollback()


async def check_csrf(request: Request, authenticated: Authenticated) -> None:
    """Refuse (403) a cookie-authenticated change that does not carry the CSRF token."""
    if request.method in _SAFE_METHODS or authenticated.csrf_token is None:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if sent is None or not hmac.compare_digest(sent, authenticated.csrf_token):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="the form is out of date or did not come from Control Tower "
            "(missing or wrong CSRF token); reload the page and try again",
        )


async def _authenticated(request: Request, session: Session) -> Authenticated | None:
    """:func:`authenticate` on a worker thread: it reads the database (the token or
    session, the person, their scope and teams), and on the event loop those reads
    would hold up every other request the server is working on."""
    return await run_in_threadpool(authenticate, request, session)


async def api_principal(request: Request, session: SessionDep) -> Principal:
    """The API's caller; 401 without a valid bearer token or session."""
    authenticated = await _authenticated(request, session)
    if authenticated is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="sign in first: send Authorization: Bearer TOKEN "
            "(a token comes from `controltower user token LOGIN`)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    await check_csrf(request, authenticated)
    return authenticated.principal


async def page_principal(request: Request, session: SessionDep) -> Authenticated:
    """The pages' visitor; a visitor who is not signed in is sent to the login page."""
    authenticated = await _authenticated(request, session)
    if authenticated is None:
        raise NotSignedInError()
    await check_csrf(request, authenticated)
    return authenticated


PrincipalDep = Annotated[Principal, Depends(api_principal)]
VisitorDep = Annotated[Authenticated, Depends(page_principal)]


def forbidden(principal: Principal, permission: Permission) -> HTTPException:
    return HTTPException(
        status.HTTP_403_FORBIDDEN,
        detail=f"{principal.login} ({principal.role}) may not {permission.value.replace('_', ' ')}",
    )


def require(permission: Permission) -> Callable[..., object]:
    """A dependency giving the API's caller when they hold ``permission`` (else 403)."""

    async def dependency(principal: PrincipalDep) -> Principal:
        if not principal.may(permission):
            raise forbidden(principal, permission)
        return principal

    return dependency


def require_on_page(permission: Permission) -> Callable[..., object]:
    """The pages' version of :func:`require`: the visitor when they hold ``permission``."""

    async def dependency(visitor: VisitorDep) -> Authenticated:
        if not visitor.principal.may(permission):
            raise forbidden(visitor.principal, permission)
        return visitor

    return dependency
