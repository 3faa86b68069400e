"""Connecting to the database and bringing its schema up to date.

One code path serves SQLite (the demo, the tests) and PostgreSQL (production): the URL
is normalised by :func:`controltower.settings.normalise_database_url`, and SQLite
connections are set up to behave like a real transactional database (foreign keys
enforced, ``BEGIN`` issued by SQLAlchemy so savepoints and DDL are transactional) that
readers can use while somebody writes: the write-ahead log lets readers keep the last
committed picture during an import, and a busy timeout makes a second writer wait its
turn instead of failing at once (:func:`take_sqlite_write_turn`).

The schema is owned by the Alembic migrations shipped inside this package; nothing
creates tables any other way. :func:`migrate` runs them programmatically, so neither
an ``alembic.ini`` nor a working directory is needed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from controltower.domain.errors import DomainError
from controltower.settings import DEFAULT_BUSY_TIMEOUT_SECONDS, normalise_database_url

MIGRATIONS_DIR: Final = Path(__file__).resolve().parent / "migrations"

#: key of the PostgreSQL advisory lock that serialises concurrent migrations
_MIGRATION_LOCK_KEY: Final = 0x43545F4D4947  # "CT_MIG"


class StorageError(DomainError):
    """Something about the stored data stops the request; the message says what."""


class SchemaNotCurrentError(StorageError):
    """The database has not been migrated to the schema this version of the code needs."""


class DatabaseBusyError(StorageError):
    """Another writer kept the database longer than this one would wait."""


def make_engine(
    url: str,
    *,
    pool_size: int | None = None,
    busy_timeout_seconds: float = DEFAULT_BUSY_TIMEOUT_SECONDS,
    **engine_options: Any,
) -> Engine:
    """An engine for ``url`` (any form users write, e.g. ``postgres://``).

    ``pool_size`` fixes how many connections the engine keeps (the server sizes it to
    the requests it works on at once, see :mod:`controltower.bootstrap`); a request
    streaming a download reads its chunks in a second session, so the pool may open as
    many again before anybody waits. ``busy_timeout_seconds`` is how long a SQLite
    writer waits for another.
    """
    normalised = normalise_database_url(url)
    parsed = make_url(normalised)
    in_memory = parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")
    if pool_size is not None and not in_memory:
        engine_options.setdefault("pool_size", pool_size)
        engine_options.setdefault("max_overflow", pool_size)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(normalised, **engine_options)
        _make_sqlite_transactional(engine, busy_timeout_seconds)
        return engine
    engine_options.setdefault("pool_pre_ping", True)
    return create_engine(normalised, **engine_options)


def _make_sqlite_transactional(engine: Engine, busy_timeout_seconds: float) -> None:
    """Enforce foreign keys, let SQLAlchemy open transactions, and let readers read
    while one connection writes.

    The ``sqlite3`` driver opens transactions lazily and only before data changes, which
    breaks savepoints and makes DDL non-transactional; the recipe from the SQLAlchemy
    SQLite dialect documentation hands that job back to SQLAlchemy. In the default
    rollback journal a long write (an import) locks readers out, so pages failed with
    "database is locked"; the write-ahead log (a property of the file, kept once set)
    lets them read the last committed state meanwhile. The busy timeout is set first,
    so switching the journal waits for a writer already at work.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_seconds * 1000)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


def take_sqlite_write_turn(connection: Connection, *, work: str) -> None:
    """On SQLite, hold the database's one write lock from now to the end of the transaction.

    SQLite admits one writer at a time. A transaction that has only read so far and then
    writes while another holds the lock fails at once (waiting could not help: its
    reads would be stale), so a writer that must take turns (an import, a stored scan)
    takes the lock with this no-op write as its first statement, waiting up to the busy
    timeout for the current writer. If that writer keeps the lock longer,
    :class:`DatabaseBusyError` says so in one line, naming ``work`` (``"the scan"``).
    Nothing happens on other databases.
    """
    if connection.dialect.name != "sqlite":
        return
    started = time.monotonic()
    try:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = version_num WHERE 0")
    except OperationalError as exc:
        if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
            raise
        waited = time.monotonic() - started
        raise DatabaseBusyError(
            f"another import or scan is writing to the database at "
            f"{connection.engine.url.render_as_string(hide_password=True)}; {work} waited "
            f"{waited:.0f} s for its turn and did nothing: run it again once that one has "
            "finished"
        ) from exc


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine``; objects stay readable after the unit of work commits."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def displayable_url(url: str) -> str:
    """``url`` with any password masked, fit for messages and logs."""
    return make_url(normalise_database_url(url)).render_as_string(hide_password=True)


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at the packaged migrations.

    When ``connection`` is given, the migrations run on it (inside its transaction)
    instead of opening their own.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest schema revision this version of the code ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise SchemaNotCurrentError("no migrations are shipped with this installation")
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (``None`` for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(target: str | Engine, revision: str = "head") -> None:
    """Upgrade the database at ``target`` (a URL or an engine) to ``revision``.

    Runs in one transaction (on PostgreSQL under an advisory lock, so several processes
    starting at once migrate one after the other instead of colliding).
    """
    _run_migration(target, lambda config: command.upgrade(config, revision))


def downgrade(target: str | Engine, revision: str = "base") -> None:
    """Downgrade the database at ``target`` to ``revision`` (``base``: no tables at all)."""
    _run_migration(target, lambda config: command.downgrade(config, revision))


def _run_migration(target: str | Engine, run: Any) -> None:
    engine = make_engine(target) if isinstance(target, str) else target
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                )
            run(alembic_config(connection))
    finally:
        if isinstance(target, str):
            engine.dispose()


def ensure_schema_current(engine: Engine) -> None:
    """Refuse to work on a database whose schema is missing or out of date."""
    found = current_revision(engine)
    wanted = head_revision()
    if found == wanted:
        return
    where = engine.url.render_as_string(hide_password=True)
    if found is None:
        raise SchemaNotCurrentError(
            f"the database at {where} has no Control Tower schema; "
            "run `controltower db upgrade` (or import a dataset) first"
        )
    raise SchemaNotCurrentError(
        f"the database at {where} is at schema revision {found}, this version needs "
        f"{wanted}; run `controltower db upgrade`"
    )
