"""Reads asked of Odoo ahead of time, while the sync does its own work.

A later sync must load its mirror from the database before it can compare anything
with Odoo: a second or two of decoding at a hundred thousand order lines, in this
process, while Odoo sits idle. Yet most of what the reader will ask depends on the
watermarks alone, not on the records: the records written since, the ids at the
watermark, the ids still alive. :class:`ReadAhead` sends those requests (the reader
names them: :func:`~controltower.connectors.odoo.reader.calls_ahead`) in the
background as soon as the server's flavour is known, and answers the reader's
identical calls from what came back, so the mirror loads while Odoo answers.

Still at most ``workers`` requests are in flight at once: every request, asked ahead or
not, passes one gate. An answer asked ahead is used once; one the reader never asks
for (a model no longer installed) is dropped with any error it raised. An error the
reader does ask for is raised where it asks, as if it had asked just then.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from controltower.connectors.odoo.reader import Call, OdooReading


class ReadAhead:
    """An :class:`~controltower.connectors.odoo.reader.OdooReading` client that can send
    calls early and answer them later (see the module docstring)."""

    def __init__(self, client: OdooReading, workers: int) -> None:
        self._client = client
        self._gate = threading.BoundedSemaphore(max(1, workers))
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, workers), thread_name_prefix="odoo-ahead"
        )
        self._early: dict[str, Future[Any]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Stop what was asked ahead and not sent yet; wait for what is in flight (used
        as ``contextlib.closing(ReadAhead(...))``)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            self._early.clear()

    def unused(self) -> list[str]:
        """The keys of the calls asked ahead that the reader has not asked for (yet)."""
        with self._lock:
            return sorted(self._early)

    def ask_ahead(self, calls: Iterable[Call]) -> None:
        """Send ``calls`` in the background (each once, in the order given)."""
        with self._lock:
            for call in calls:
                key = call.key()
                if key not in self._early:
                    self._early[key] = self._pool.submit(self._answer, call)

    # ------------------------------------------------------------ the reader's calls

    def search_ids(
        self, model: str, domain: list[Any], context: dict[str, Any] | None = None
    ) -> list[int]:
        early = self._take(Call("search_ids", model, domain, context=context))
        if early is not None:
            return list(early.result())
        with self._gate:
            return self._client.search_ids(model, domain, context=context)

    def read(
        self,
        model: str,
        ids: list[int],
        fields: list[str],
        context: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        with self._gate:
            return self._client.read(model, ids, fields, context=context)

    def pages(
        self,
        model: str,
        domain: list[Any],
        fields: list[str],
        *,
        page_size: int = 2000,
        context: dict[str, Any] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        call = Call("pages", model, domain, list(fields), context, page_size)
        early = self._take(call)
        if early is not None:
            return iter(early.result())
        return self._streamed(call)

    # ------------------------------------------------------------------------ inside

    def _take(self, call: Call) -> Future[Any] | None:
        with self._lock:
            return self._early.pop(call.key(), None)

    def _answer(self, call: Call) -> Any:
        if call.method == "search_ids":
            with self._gate:
                return self._client.search_ids(call.model, call.domain, context=call.context)
        return list(self._streamed(call))

    def _streamed(self, call: Call) -> Iterator[list[dict[str, Any]]]:
        """The pages of ``call`` as they arrive, each request through the gate."""
        pages = self._client.pages(
            call.model, call.domain, call.fields, page_size=call.page_size, context=call.context
        )
        while True:
            with self._gate:
                page = next(pages, None)
            if page is None:
                return
            yield page
