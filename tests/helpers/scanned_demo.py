"""The small demo business, stored and scanned, for the API and browser tests.

Everything is fixed (seed, as-of date, scan time), so two runs build the same database;
the tests read what they expect straight from the repository rather than hard-coding it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache

from fastapi.testclient import TestClient

from controltower.bootstrap import create_app
from controltower.demo import generate_business
from controltower.domain.model import Dataset
from controltower.policy import load_policy
from controltower.settings import Settings
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.picture_store import SqlPictureStore
from controltower.storage.repository import replace_picture
from controltower.workflow.stored_scan import run_stored_scan
from helpers.people import add_test_person

AS_OF = date(2026, 11, 25)
SCANNED_AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
IMPORTED_AT = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
SEED = 3


@dataclass(frozen=True, slots=True)
class ScannedDemo:
    picture_id: int
    companies: tuple[str, ...]
    open_orders: int
    at_risk: int


@cache
def demo_dataset() -> Dataset:
    """Generated once per test session: the generator is deterministic for a seed."""
    return generate_business("small", seed=SEED, as_of=AS_OF)


def store_demo(database_url: str) -> int:
    """Store the demo as a picture, without scanning it; returns the picture id."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            summary = replace_picture(
                session, demo_dataset(), source="demo:small", imported_at=IMPORTED_AT
            )
    finally:
        engine.dispose()
    return summary.picture_id


def scan(database_url: str, picture_id: int, *, as_of: date, now: datetime) -> ScannedDemo:
    """One stored scan of the picture, committed."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            result = run_stored_scan(
                SqlPictureStore(session, picture_id), as_of=as_of, policy=load_policy(), now=now
            )
    finally:
        engine.dispose()
    return ScannedDemo(
        picture_id=picture_id,
        companies=tuple(demo_dataset().companies()),
        open_orders=result.orders,
        at_risk=result.at_risk,
    )


def load_scanned_demo(database_url: str) -> ScannedDemo:
    """The small demo stored and scanned as of 2026-11-25, at 10:00 UTC."""
    return scan(database_url, store_demo(database_url), as_of=AS_OF, now=SCANNED_AT)


@contextmanager
def api_client(database_url: str, token: str | None = None) -> Iterator[TestClient]:
    """A client of the real app on ``database_url``, signed in with ``token`` (by default
    an administrator's, added on first use); its engine is disposed afterwards."""
    if token is None:
        token = _administrator_token(database_url)
    app = create_app(Settings(DATABASE_URL=database_url))
    try:
        with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
            yield client
    finally:
        app.state.engine.dispose()


@contextmanager
def anonymous_client(database_url: str) -> Iterator[TestClient]:
    """A client that is not signed in (for the 401s and the login page)."""
    app = create_app(Settings(DATABASE_URL=database_url))
    try:
        with TestClient(app) as client:
            yield client
    finally:
        app.state.engine.dispose()


_ADMIN_TOKENS: dict[str, str] = {}


def _administrator_token(database_url: str) -> str:
    """The token of the database's test administrator, added the first time it is needed."""
    if database_url not in _ADMIN_TOKENS:
        _ADMIN_TOKENS[database_url] = add_test_person(database_url, "admin").token
    return _ADMIN_TOKENS[database_url]
