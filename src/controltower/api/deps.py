"""Typed FastAPI dependencies, so handlers read like prose."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, from the factory the app was built with.

    It takes a pooled connection on first use and gives it back when the request ends
    (closing it runs on a worker thread, as opening did). The request gate
    (:mod:`controltower.api.request_gate`) lets in no more requests than the pool has
    connections and the thread pool has threads, so neither step ever waits on the
    other: without it, finished requests could not get a thread to return their
    connections to the requests waiting for one.
    """
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        # the page's own reads (the bell's count in the layout) use it too: one
        # connection per request, as the gate counts them
        request.state.session = session
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
