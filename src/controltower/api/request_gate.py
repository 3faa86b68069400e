"""How many requests the server works on at once; the others wait their turn.

Each request that may touch the database takes one of ``limit`` places before anything
of it runs and gives it back once its response is sent. The engine's pool holds that
many connections (and as many again for downloads, which read in a session of their
own), and the worker threads are at least as many, so a request that has its place
never waits for a connection or a thread. Without the gate every request was let in at
once: at about 55 concurrent requests the handlers on anyio's 40 threads waited for the
15 pooled connections while the requests holding them waited for a thread to finish,
and everything timed out with HTTP 500. Now a burst queues here, on the event loop,
where waiting costs nothing, and is served in arrival order.

``/api/health`` and the static files pass without a place: they use no database, so
liveness answers even when every place is taken.
"""

from __future__ import annotations

import asyncio
from typing import Final

from anyio import to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

#: paths that never touch the database, served without waiting for a place
UNGATED_PREFIXES: Final = ("/api/health", "/static/")

#: worker threads beyond one per place, for the static files read outside the gate
SPARE_THREADS: Final = 8


class RequestGate:
    """ASGI middleware admitting at most ``limit`` requests at once (see the module).

    It also sets the size of anyio's thread pool, which the synchronous handlers and
    dependencies run on, to ``threads``: the pool and the limiter belong to the event
    loop, so both are made on the first request each loop serves.
    """

    def __init__(self, app: ASGIApp, *, limit: int, threads: int) -> None:
        if threads < limit:
            raise ValueError(f"{threads} worker threads cannot serve {limit} requests at once")
        self.app = app
        self.limit = limit
        self.threads = threads
        self._loop: asyncio.AbstractEventLoop | None = None
        self._places = asyncio.Semaphore(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNGATED_PREFIXES):
            await self.app(scope, receive, send)
            return
        self._bind_to_running_loop()
        async with self._places:
            await self.app(scope, receive, send)

    def _bind_to_running_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if loop is self._loop:
            return
        self._loop = loop
        self._places = asyncio.Semaphore(self.limit)
        to_thread.current_default_thread_limiter().total_tokens = self.threads
