"""Signing in and out of the web app.

The login page is the only page a visitor sees without a session. A failed sign-in
says only that the login or password is wrong (never which), and is recorded; after
too many within a quarter of an hour the login is refused until the window passes
(``storage/web_sessions.py``). The session cookie is ``HttpOnly`` and ``SameSite=Lax``,
and ``Secure`` whenever the request came over HTTPS (directly or, with
``--proxy-headers``, through a proxy that says so).
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from controltower.api.auth import (
    SESSION_COOKIE,
    VisitorDep,
    authenticate,
    request_now,
    timeouts_of,
)
from controltower.api.deps import SessionDep
from controltower.storage.people import find_person, password_hash_of, password_matches
from controltower.storage.web_sessions import (
    end_session,
    locked_until,
    record_failure,
    start_session,
)
from controltower.web.assets import TEMPLATES

router = APIRouter(include_in_schema=False)

#: where a visitor goes after signing in when the login page was not given a page
HOME: Final = "/my-work"


def safe_next(target: str | None) -> str:
    """``target`` when it is a path of this site, else the home page (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return HOME


def _login_page(
    request: Request, *, next_page: str, login: str = "", problem: str | None, status_code: int
) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request,
        "login.html",
        {"next": next_page, "login": login, "problem": problem, "nav": "login"},
        status_code=status_code,
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: SessionDep, next: str | None = None) -> Response:
    """The sign-in form (a visitor already signed in goes straight on)."""
    if authenticate(request, session) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_page=safe_next(next), problem=None, status_code=200)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    login: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = HOME,
) -> Response:
    """Check the password, start a session and go on to the page asked for."""
    now = request_now()
    target = safe_next(next)
    locked = locked_until(session, login, now=now)
    if locked is not None:
        minutes = max(1, int((locked - now).total_seconds() // 60) + 1)
        return _login_page(
            request,
            next_page=target,
            login=login,
            problem=f"Too many failed sign-ins for this login. Try again in {minutes} minute(s).",
            status_code=429,
        )
    person = find_person(session, login) if login.strip() else None
    stored = password_hash_of(session, person.user_id) if person is not None else None
    if person is None or not person.active or not password_matches(stored, password):
        client = request.client.host if request.client else "unknown"
        record_failure(session, login, remote=client, now=now)
        session.commit()
        return _login_page(
            request,
            next_page=target,
            login=login,
            problem="The login or the password is wrong.",
            status_code=401,
        )
    secret = start_session(session, person.user_id, now=now)
    session.commit()
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=int(timeouts_of(request).absolute.total_seconds()),
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, visitor: VisitorDep) -> Response:
    """End the session (the form carries the CSRF token) and show the login page."""
    del visitor  # signed in and CSRF checked by the dependency
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        end_session(session, secret, now=request_now())
        session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
