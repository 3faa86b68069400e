"""The server under concurrent use, and imports and stored scans taking turns.

A live server (uvicorn on a free loopback port, in a thread) answers a burst of
concurrent requests without an error; the request gate queues what the pool cannot
serve at once. An import and a stored scan of one database wait for each other (or one
refuses with a message) instead of dying with a database error, and pages keep reading
the last scan while an import writes.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from controltower.api.request_gate import RequestGate
from controltower.bootstrap import create_app
from controltower.policy import load_policy
from controltower.settings import Settings
from controltower.storage.database import (
    DatabaseBusyError,
    make_engine,
    make_session_factory,
)
from controltower.storage.picture_store import SqlPictureStore
from controltower.storage.repository import PictureNotFoundError, replace_picture
from controltower.workflow.stored_scan import StoredScanResult, run_stored_scan
from helpers.people import add_test_person, bearer
from helpers.scanned_demo import (
    AS_OF,
    IMPORTED_AT,
    SCANNED_AT,
    demo_dataset,
    load_scanned_demo,
    store_demo,
)

#: what a burst asks for: lists and pages that read the last scan, and health
BURST_PATHS = (
    "/api/orders",
    "/api/orders?at_risk=true",
    "/api/exceptions",
    "/api/pictures",
    "/",
    "/orders",
    "/api/health",
)

T = TypeVar("T")


def run_in_own_loop(work: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on a thread of its own: the browser tests' driver keeps an event
    loop running on the main thread for the whole session."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live_server(database_url: str) -> Iterator[str]:
    """The real app served by uvicorn in a thread; yields its base URL."""
    port = _free_port()
    app = create_app(Settings(DATABASE_URL=database_url, host="127.0.0.1", port=port))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:  # pragma: no cover - diagnostic path
        raise RuntimeError("the live server did not start")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        app.state.engine.dispose()


async def _burst(base: str, headers: dict[str, str], count: int) -> list[int]:
    """``count`` requests sent all at once; each one's status (599: no answer)."""
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, timeout=300, limits=limits
    ) as client:

        async def one(n: int) -> int:
            try:
                response = await client.get(BURST_PATHS[n % len(BURST_PATHS)])
            except httpx.HTTPError:
                return 599
            return response.status_code

        return list(await asyncio.gather(*(one(n) for n in range(count))))


def test_a_hundred_concurrent_requests_all_succeed(migrated_database_url: str) -> None:
    load_scanned_demo(migrated_database_url)
    person = add_test_person(migrated_database_url)
    with live_server(migrated_database_url) as base:
        statuses = run_in_own_loop(_burst(base, bearer(person), 100))
    assert [s for s in statuses if s != 200] == []


def test_health_answers_without_a_database_connection(tmp_path: Any) -> None:
    unreachable = f"sqlite:///{tmp_path / 'no-such-folder' / 'controltower.db'}"
    app = create_app(Settings(DATABASE_URL=unreachable))
    with TestClient(app) as client:
        response = client.get("/api/health")
    app.state.engine.dispose()
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "sqlite"


def test_the_gate_lets_in_its_limit_at_once_and_health_past_a_full_gate() -> None:
    at_work = 0
    most = 0
    release = asyncio.Event()

    async def app(scope: Any, _receive: Any, send: Any) -> None:
        nonlocal at_work, most
        at_work += 1
        most = max(most, at_work)
        if scope["path"] != "/api/health":
            await release.wait()
        at_work -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def run() -> tuple[int, list[int]]:
        gate = RequestGate(app, limit=3, threads=5)
        transport = httpx.ASGITransport(app=gate)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            waiting = [asyncio.create_task(client.get(f"/orders?n={n}")) for n in range(20)]
            while most < 3:
                await asyncio.sleep(0.01)
            health = await client.get("/api/health")  # every place is taken
            release.set()
            answers = await asyncio.gather(*waiting)
        return health.status_code, [a.status_code for a in answers]

    health, statuses = run_in_own_loop(run())
    assert health == 200
    assert statuses == [200] * 20
    assert most <= 4  # three places, and health beside them


def test_the_gate_refuses_fewer_threads_than_places() -> None:
    with pytest.raises(ValueError, match="cannot serve"):
        RequestGate(lambda *_: None, limit=10, threads=4)  # type: ignore[arg-type]


# --- imports and stored scans take turns ------------------------------------------------


@contextmanager
def import_in_progress(database_url: str) -> Iterator[tuple[Session, int]]:
    """An import of the demo that has written its picture but not committed yet; it
    commits when the block ends. Yields the session and the new picture's id."""
    engine = make_engine(database_url)
    session = make_session_factory(engine)()
    try:
        if engine.dialect.name == "sqlite":
            # a small page cache makes the import spill to the file before committing,
            # as a large import does (in the rollback journal, that locked readers out)
            session.connection().exec_driver_sql("PRAGMA cache_size=20")
        summary = replace_picture(
            session, demo_dataset(), source="demo:again", imported_at=IMPORTED_AT
        )
        yield session, summary.picture_id
        session.commit()
    finally:
        session.close()
        engine.dispose()


def _scan_in_thread(
    engine: Engine, outcome: dict[str, Any], picture_id: int | None = None
) -> threading.Thread:
    """A stored scan (of the only picture, or of ``picture_id``) on its own thread;
    ``outcome`` gets its result or the exception it raised."""

    def scan() -> None:
        try:
            with make_session_factory(engine).begin() as session:
                store = (
                    SqlPictureStore.for_company(session)
                    if picture_id is None
                    else SqlPictureStore(session, picture_id)
                )
                outcome["picture_id"] = store.picture_id
                outcome["result"] = run_stored_scan(
                    store,
                    as_of=AS_OF,
                    policy=load_policy(),
                    now=SCANNED_AT + timedelta(hours=1),
                )
        except Exception as exc:  # reported by the test
            outcome["error"] = exc

    thread = threading.Thread(target=scan, daemon=True)
    thread.start()
    return thread


def _waits_for_its_turn(database_url: str, thread: threading.Thread) -> bool:
    """Whether ``thread`` is (still) waiting for the turn the import holds.

    On PostgreSQL, once its wait for the advisory lock shows in ``pg_locks``; on SQLite
    (which shows no waiters) after it has had half a second to get there.
    """
    engine = make_engine(database_url)
    try:
        if engine.dialect.name != "postgresql":
            thread.join(0.5)
            return thread.is_alive()
        waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        with engine.connect() as connection:
            for _ in range(600):
                if not thread.is_alive():
                    return False
                if connection.execute(waiting).scalar_one() > 0:
                    return True
                connection.rollback()
                time.sleep(0.05)
        return False
    finally:
        engine.dispose()


def _joined(thread: threading.Thread) -> None:
    thread.join(timeout=120)
    assert not thread.is_alive(), "the scan never finished"


def test_a_scan_during_an_import_waits_and_scans_the_new_picture(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    scanner = make_engine(migrated_database_url)
    outcome: dict[str, Any] = {}
    try:
        with import_in_progress(migrated_database_url) as (_, new_picture):
            thread = _scan_in_thread(scanner, outcome)
            waited = _waits_for_its_turn(migrated_database_url, thread)
        _joined(thread)
    finally:
        scanner.dispose()
    assert "error" not in outcome, outcome.get("error")
    assert waited
    assert outcome["picture_id"] == new_picture
    assert isinstance(outcome["result"], StoredScanResult)


def test_an_import_during_a_scan_waits_for_it(migrated_database_url: str) -> None:
    picture = load_scanned_demo(migrated_database_url).picture_id
    engine = make_engine(migrated_database_url)
    imported: dict[str, Any] = {}

    def import_now() -> None:
        try:
            with make_session_factory(engine).begin() as session:
                imported["summary"] = replace_picture(
                    session, demo_dataset(), source="demo:again", imported_at=IMPORTED_AT
                )
        except Exception as exc:  # reported by the test
            imported["error"] = exc

    try:
        with make_session_factory(engine).begin() as session:
            store = SqlPictureStore(session, picture)
            run_stored_scan(store, as_of=AS_OF, policy=load_policy(), now=SCANNED_AT)
            thread = threading.Thread(target=import_now, daemon=True)
            thread.start()
            waited = _waits_for_its_turn(migrated_database_url, thread)
        _joined(thread)
    finally:
        engine.dispose()
    assert "error" not in imported, imported.get("error")
    assert waited
    assert imported["summary"].picture_id != picture


def test_a_scan_that_waits_too_long_on_sqlite_says_so(migrated_database_url: str) -> None:
    if not migrated_database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL scans wait for the import: only SQLite gives up")
    load_scanned_demo(migrated_database_url)
    impatient = make_engine(migrated_database_url, busy_timeout_seconds=0.2)
    outcome: dict[str, Any] = {}
    try:
        with import_in_progress(migrated_database_url):
            thread = _scan_in_thread(impatient, outcome)
            _joined(thread)
    finally:
        impatient.dispose()
    error = outcome.get("error")
    assert isinstance(error, DatabaseBusyError)
    assert "another import or scan is writing to the database" in str(error)
    assert "run it again once that one has finished" in str(error)


def test_a_scan_of_a_picture_an_import_replaced_says_to_run_it_again(
    migrated_database_url: str,
) -> None:
    old = store_demo(migrated_database_url)
    store_demo(migrated_database_url)  # the demo again: replaces the first picture
    engine = make_engine(migrated_database_url)
    outcome: dict[str, Any] = {}
    try:
        _joined(_scan_in_thread(engine, outcome, picture_id=old))
    finally:
        engine.dispose()
    error = outcome.get("error")
    assert isinstance(error, PictureNotFoundError)
    assert f"picture {old} is no longer stored: an import replaced it" in str(error)
    assert "run the scan again" in str(error)


def test_pages_keep_the_last_scan_while_an_import_writes(migrated_database_url: str) -> None:
    load_scanned_demo(migrated_database_url)
    person = add_test_person(migrated_database_url)
    with (
        live_server(migrated_database_url) as base,
        httpx.Client(base_url=base, headers=bearer(person), timeout=120) as client,
    ):
        before = client.get("/api/orders").json()["total"]
        with import_in_progress(migrated_database_url):
            answers = [client.get(path) for path in ("/", "/orders", "/api/exceptions")]
            during = client.get("/api/orders")
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert during.status_code == 200
    assert during.json()["total"] == before
