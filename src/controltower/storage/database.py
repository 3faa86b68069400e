"""Connecting to the database and bringing its schema up to date.

One code path serves SQLite (the demo, the tests) and PostgreSQL (production): the URL
is normalised by :func:`controltower.settings.normalise_database_url`, and SQLite
connections are set up to behave like a real transactional database (foreign keys
enforced, ``BEGIN`` issued by SQLAlchemy so savepoints and DDL are transactional).

The schema is owned by the Alembic migrations shipped inside this package; nothing
creates tables any other way. :func:`migrate` runs them programmatically, so neither
an ``alembic.ini`` nor a working directory is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from controltower.domain.errors import DomainError
from controltower.settings import normalise_database_url

MIGRATIONS_DIR: Final = Path(__file__).resolve().parent / "migrations"

#: key of the PostgreSQL advisory lock that serialises concurrent migrations
_MIGRATION_LOCK_KEY: Final = 0x43545F4D4947  # "CT_MIG"


class StorageError(DomainError):
    """Something about the stored data stops the request; the message says what."""


class SchemaNotCurrentError(StorageError):
    """The database has not been migrated to the schema this version of the code needs."""


def make_engine(url: str, **engine_options: Any) -> Engine:
    """An engine for ``url`` (any form users write, e.g. ``postgres://``)."""
    normalised = normalise_database_url(url)
    if make_url(normalised).get_backend_name() == "sqlite":
        engine = create_engine(normalised, **engine_options)
        _make_sqlite_transactional(engine)
        return engine
    engine_options.setdefault("pool_pre_ping", True)
    return create_engine(normalised, **engine_options)


def _make_sqlite_transactional(engine: Engine) -> None:
    """Enforce foreign keys and let SQLAlchemy, not the driver, open transactions.

    The ``sqlite3`` driver opens transactions lazily and only before data changes, which
    breaks savepoints and makes DDL non-transactional; the recipe from the SQLAlchemy
    SQLite dialect documentation hands that job back to SQLAlchemy.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


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
