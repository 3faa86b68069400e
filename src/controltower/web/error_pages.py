"""What the app answers when no page can: the error pages, and the API's errors as before.

The composition root installs these handlers. Outside the API (``/api``) and its
documentation (``/docs``, ``/redoc``, ``/openapi.json``), every error is the error page
(``templates/error.html``, :func:`~controltower.web.page_support.error_page`) in the
site's layout, with its status kept: an address nobody serves (404), a method an address
does not take (405, with its ``Allow`` header), a refusal (403), a request whose values
cannot be read (422, naming each value and where it was) and a failure (500). The
API's answers stay FastAPI's JSON, word for word.

A failure is logged (the request and the exception, in one line; the server logs the
traceback after it) and the page says only that something went wrong: no traceback, no
exception text, nothing about the code or the data.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Final

from fastapi import Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from controltower.web.page_support import as_sentence, ended, error_page, status_phrase

log = logging.getLogger(__name__)

#: where answers are the API's JSON, whatever the error (and the docs' own files)
JSON_PREFIXES: Final = ("/api", "/docs", "/redoc", "/openapi.json", "/static-offline-docs")

#: where a value that could not be read came from, in words
_SOURCES: Final = {
    "query": "in the address",
    "path": "in the address",
    "body": "in the form",
    "header": "in a header",
    "cookie": "in a cookie",
}


def answers_json(request: Request) -> bool:
    """True for the API and its documentation: their errors stay JSON."""
    path: str = request.scope.get("path", "")
    return any(path == prefix or path.startswith(f"{prefix}/") for prefix in JSON_PREFIXES)


async def http_error(request: Request, error: StarletteHTTPException) -> Response:
    """An HTTP error: the error page, or the API's JSON as FastAPI writes it."""
    if answers_json(request) or error.status_code < 400:
        return await http_exception_handler(request, error)
    detail = error.detail if isinstance(error.detail, str) else ""
    said = detail and detail != status_phrase(error.status_code)
    # a detail may start with a login: its case is kept
    message = ended(detail) if said else None
    if error.status_code == 405:
        message = _method_words(request.method, (error.headers or {}).get("Allow", ""))
    return error_page(request, error.status_code, message=message, headers=error.headers)


def _method_words(method: str, allowed: str) -> str:
    """What a 405 says: a form's address opened as a page, or a method it does not take."""
    if method in {"GET", "HEAD"} and "POST" in allowed:
        return "This address is not a page to open: it takes a form sent from a page."
    return f"This address does not take {method} requests; it takes {allowed or 'none'}."


async def invalid_request(request: Request, error: RequestValidationError) -> Response:
    """Values FastAPI could not read: the error page naming each, or the API's 422."""
    if answers_json(request):
        return await request_validation_exception_handler(request, error)
    return error_page(request, 422, problems=[_problem(e) for e in error.errors()])


def _problem(error: Mapping[str, Any]) -> str:
    """``view_id (in the address): Input should be a valid integer.``"""
    loc: Sequence[Any] = error.get("loc", ())
    source = _SOURCES.get(str(loc[0]), "in the request") if loc else "in the request"
    names = [str(part) for part in loc[1:] if isinstance(part, str)]
    name = ".".join(names) or "the request"
    return f"{name} ({source}): {as_sentence(str(error.get('msg', 'not valid')))}"


def server_error_handler(
    headers: Mapping[str, str],
) -> Callable[[Request, Exception], Awaitable[Response]]:
    """The handler of a failure: logged, then the error page (the API's plain
    ``Internal Server Error`` as before), each with ``headers`` (the security headers:
    a failure is answered outside the middleware that adds them)."""

    async def server_error(request: Request, error: Exception) -> Response:
        log.error(
            "%s %s failed: %s: %s",
            request.method,
            request.scope.get("path", ""),
            type(error).__name__,
            error,
        )
        plain = PlainTextResponse("Internal Server Error", status_code=500, headers=headers)
        if answers_json(request):
            return plain
        # the page links its stylesheet through the router, which a failure before
        # routing never reached
        request.scope.setdefault("router", request.app.router)
        try:
            return error_page(request, 500, headers=headers)
        except Exception:  # the page itself failed: the plain answer, never a second failure
            log.exception("the error page could not be shown")
            return plain

    return server_error
