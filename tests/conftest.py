"""Shared fixtures.

The database under test is chosen by ``CT_TEST_DB``: ``sqlite`` (default) or
``postgresql``. Every test that needs a database gets its own, uniquely named, created
before and dropped after. In PostgreSQL mode an unreachable server is a failure, never
a skip, and the session fails if no test ran against PostgreSQL at all.

In PostgreSQL mode only the tests that use the test database (the ``database_url``
fixture, directly or through another fixture) run. The others never see ``CT_TEST_DB``:
the SQLite pass runs them exactly as this one would, and running them twice doubled
the time of continuous integration for nothing. ``CT_TEST_EVERY_TEST=1`` runs them all.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import psycopg
    from psycopg.rows import TupleRow

TEST_DB = os.environ.get("CT_TEST_DB", "sqlite").lower()
PG_ADMIN_URL = os.environ.get("CT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

_databases_used: list[str] = []


def _pg_admin_connect() -> psycopg.Connection[TupleRow]:
    import psycopg

    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)


@pytest.fixture
def database_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database of the configured kind, dropped after the test: empty, unless the
    test also asks for :func:`migrated_database_url`, which makes it migrated.

    On PostgreSQL such a database is made as the migrated template's copy at once,
    rather than made empty, dropped and made again (a tenth of a second or more per
    test of the PostgreSQL pass)."""
    if TEST_DB == "sqlite":
        _databases_used.append("sqlite")
        yield f"sqlite:///{tmp_path / 'controltower-test.db'}"
        return
    if TEST_DB != "postgresql":
        raise RuntimeError(f"CT_TEST_DB must be 'sqlite' or 'postgresql', not {TEST_DB!r}")
    name = f"ct_test_{uuid.uuid4().hex[:16]}"
    template = None
    if "migrated_database_url" in request.fixturenames:
        template = request.getfixturevalue("_migrated_template")
    with _pg_admin_connect() as conn:
        if template is None:
            conn.execute(f'CREATE DATABASE "{name}"')
        else:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            _copies_of_the_template.add(name)
        _without_waiting_for_the_disk(conn, name)
    _databases_used.append("postgresql")
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        _copies_of_the_template.discard(name)
        # the test disposes its engines; FORCE also ends any connection it left behind
        with _pg_admin_connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


#: the PostgreSQL test databases made as copies of the migrated template, by name
_copies_of_the_template: set[str] = set()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In PostgreSQL mode, leave out the tests that never touch the test database."""
    if TEST_DB != "postgresql" or os.environ.get("CT_TEST_EVERY_TEST"):
        return
    kept = [item for item in items if "database_url" in getattr(item, "fixturenames", ())]
    if len(kept) < len(items):
        chosen = {id(item) for item in kept}
        config.hook.pytest_deselected(items=[i for i in items if id(i) not in chosen])
        items[:] = kept


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In PostgreSQL mode, a run where no test touched PostgreSQL is a failure."""
    if TEST_DB == "postgresql" and "postgresql" not in _databases_used:
        selected = session.config.getoption("-k") or session.config.args
        if not os.environ.get("CT_ALLOW_NO_DB_TESTS"):
            session.exitstatus = 1
            print(
                f"\nFAILED: CT_TEST_DB=postgresql but no test ran against PostgreSQL ({selected})"
            )


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to the current schema once per session (through Alembic, as
    every database is), which :func:`migrated_database_url` copies: running every
    migration again for each of hundreds of tests took minutes of every pass. SQLite:
    the file's path (its write-ahead log folded in); PostgreSQL: the database's name."""
    from controltower.storage.database import migrate

    if TEST_DB == "sqlite":
        import sqlite3

        path = tmp_path_factory.mktemp("migrated") / "template.db"
        migrate(f"sqlite:///{path}")
        with closing(sqlite3.connect(path)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        yield str(path)
        return
    name = f"ct_template_{uuid.uuid4().hex[:16]}"
    with _pg_admin_connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        migrate(f"{base}/{name}")
        yield name
    finally:
        with _pg_admin_connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def migrated_database_url(database_url: str, _migrated_template: str) -> str:
    """A fresh database migrated to the current schema: a copy of the session's
    migrated template, under the name :func:`database_url` gave (which drops it)."""
    if TEST_DB == "sqlite":
        import sqlite3

        target = database_url.removeprefix("sqlite:///")
        with (
            closing(sqlite3.connect(_migrated_template)) as source,
            closing(sqlite3.connect(target)) as copy,
        ):
            source.backup(copy)
        return database_url
    name = database_url.rsplit("/", 1)[1]
    if name in _copies_of_the_template:  # made so by database_url, untouched since
        return database_url
    with _pg_admin_connect() as conn:
        conn.execute(f'DROP DATABASE "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_migrated_template}"')
        _without_waiting_for_the_disk(conn, name)
    return database_url


def _without_waiting_for_the_disk(conn: psycopg.Connection[TupleRow], name: str) -> None:
    """A test database's commits return before the server has flushed them to disk
    (``synchronous_commit = off``): what other sessions see and when is unchanged, only
    a crash of the server could lose the last commits of a database dropped anyway."""
    conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
