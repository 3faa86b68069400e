"""Headers that tell the browser to refuse whatever the pages never need.

Every response carries them:

- ``Content-Security-Policy``: scripts, styles, fonts and requests come from this
  server only (the pages use the packaged JS and CSS, plotly.js included, and draw
  charts from a JSON data block, never an inline script); no plugin, no ``<base>``, no
  form sent elsewhere, no framing. So text an attacker slipped into the data cannot run
  even if it ever escaped the templates' escaping. The one inline event handler the
  pages use (the pick list's "Print" button) is allowed by its hash alone, and so are
  the ``<style>`` texts plotly.js writes as it loads (given by the composition root,
  which knows the web layer's charts).
- ``X-Frame-Options: DENY`` (framing, for browsers older than ``frame-ancestors``),
  ``X-Content-Type-Options: nosniff`` (a download is never run as a script) and
  ``Referrer-Policy: same-origin`` (order ids in addresses never reach another site).

The interactive API documentation (``/docs``, ``/redoc``) is the exception: the
packaged Swagger UI and ReDoc start from an inline script. Those pages' scripts are
allowed by their hashes, worked out from the page itself as it is sent, so nothing else
inline runs there either; their styles may be inline, as both libraries write them.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: the inline handlers the templates use, each allowed by its hash (``'unsafe-hashes'``)
INLINE_HANDLERS: Final = ("window.print()",)

#: the pages whose inline scripts are allowed by hash (the packaged API documentation)
DOCS_PATHS: Final = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})

_INLINE_SCRIPT: Final = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)


def source_hash(text: str | bytes) -> str:
    """The CSP source expression allowing exactly ``text``: ``'sha256-...'``."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return f"'sha256-{base64.b64encode(hashlib.sha256(data).digest()).decode('ascii')}'"


def content_security_policy(
    *,
    scripts: Iterable[str | bytes] = (),
    handlers: Iterable[str] = INLINE_HANDLERS,
    styles: Iterable[str] = (),
    any_inline_style: bool = False,
) -> str:
    """The policy: this origin only, plus the inline ``scripts``, event ``handlers`` and
    ``styles`` given (each by its hash), or any inline style when ``any_inline_style``."""
    script_src = ["'self'", *(source_hash(s) for s in scripts)]
    handler_hashes = [source_hash(h) for h in handlers]
    if handler_hashes:
        script_src += ["'unsafe-hashes'", *handler_hashes]
    if any_inline_style:
        style_src = ["'self'", "'unsafe-inline'"]
    else:
        style_src = ["'self'", *dict.fromkeys(source_hash(s) for s in styles)]
    directives = (
        "default-src 'self'",
        f"script-src {' '.join(script_src)}",
        f"style-src {' '.join(style_src)}",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
    return "; ".join(directives)


#: the headers every response gets, besides its policy
FIXED_HEADERS: Final = (
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
)


def _add_headers(message: Message, policy: str) -> None:
    """Add the security headers to a response's start message (a header the response
    set itself is kept)."""
    headers = MutableHeaders(scope=message)
    for name, value in (("Content-Security-Policy", policy), *FIXED_HEADERS):
        if name not in headers:
            headers[name] = value


class SecurityHeadersMiddleware:
    """Adds the headers of the module's docstring to every HTTP response; ``styles``
    are the inline ``<style>`` texts the pages' scripts may write."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        styles: Iterable[str] = (),
        docs_paths: frozenset[str] = DOCS_PATHS,
    ) -> None:
        self.app = app
        self.docs_paths = docs_paths
        self.page_policy = content_security_policy(styles=styles)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in self.docs_paths:
            await self._docs_page(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                _add_headers(message, self.page_policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _docs_page(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold the (small) documentation page until it is whole, then send it with a
        policy allowing exactly its inline scripts."""
        start: Message | None = None
        body: list[bytes] = []

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            whole = b"".join(body)
            scripts = _INLINE_SCRIPT.findall(whole)
            policy = content_security_policy(scripts=scripts, any_inline_style=True)
            _add_headers(start, policy)
            await send(start)
            await send({"type": "http.response.body", "body": whole, "more_body": False})

        await self.app(scope, receive, hold)
