"""A request id on every HTTP request, so an audit entry can be matched to the request
that made the change (and to a proxy's or a client's own logs).

The id is the request's ``X-Request-ID`` header when it is a sane token (1 to 64 of
``A-Z a-z 0-9 . _ -``): a proxy or a client that names its requests keeps its name.
Anything else (no header, too long, other characters that could forge a log line) is
replaced by a new random id (uuid4, hex). :class:`RequestIdMiddleware` settles it before
anything else runs, keeps it on ``request.state.request_id`` and echoes it on the
response as ``X-Request-ID``; :func:`request_id` reads it.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Final

from fastapi import Depends, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER: Final = "X-Request-ID"

_SANE: Final = re.compile(r"[A-Za-z0-9._-]{1,64}")


def chosen_request_id(sent: str | None) -> str:
    """``sent`` when it is a sane token, else a new random id."""
    if sent is not None and _SANE.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Gives every HTTP request its id (see the module's note) and echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chosen = chosen_request_id(Headers(scope=scope).get(HEADER))
        scope.setdefault("state", {})["request_id"] = chosen

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = chosen
            await send(message)

        await self.app(scope, receive, send_with_id)


def request_id(request: Request) -> str:
    """The id of ``request`` (settled here when the middleware is not installed, as in
    an app built bare for a test)."""
    found = getattr(request.state, "request_id", None)
    if isinstance(found, str):
        return found
    chosen = chosen_request_id(request.headers.get(HEADER))
    request.state.request_id = chosen
    return chosen


#: the request's id, as a route's parameter
RequestIdDep = Annotated[str, Depends(request_id)]
