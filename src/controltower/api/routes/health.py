"""Liveness: the app answers, without touching the database.

A health check that queried the database waited for a pooled connection like every
other request, so under load it timed out with the rest and a supervisor would restart
a server that was merely busy. It now answers from the event loop with what the app
was configured with (the kind of database is the engine's dialect, known without
connecting), and it passes the request gate (:mod:`controltower.api.request_gate`)
without waiting. Whether the database is reachable shows on any other request.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import Engine

from controltower import __version__
from controltower.api.schemas import HealthPublic

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health", response_model=HealthPublic, summary="Is the service up?")
async def health(request: Request) -> HealthPublic:
    engine: Engine = request.app.state.engine
    return HealthPublic(status="ok", version=__version__, database=engine.dialect.name)
