"""Liveness and readiness: the app answers and its database is reachable."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from controltower import __version__
from controltower.api.deps import SessionDep
from controltower.api.schemas import HealthPublic

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health", response_model=HealthPublic, summary="Is the service up?")
def health(session: SessionDep) -> HealthPublic:
    session.execute(text("SELECT 1"))
    dialect = session.get_bind().dialect.name
    return HealthPublic(status="ok", version=__version__, database=dialect)
