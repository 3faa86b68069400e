"""Alembic environment: runs the packaged migrations on the connection it is given.

:func:`controltower.storage.database.migrate` passes an open connection through
``config.attributes["connection"]``. Run from the ``alembic`` command line instead
(``alembic -c src/controltower/storage/alembic.ini ...``), the URL comes from
``DATABASE_URL`` or the default settings.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from controltower.storage.tables import metadata

config = context.config


def run_migrations(connection: Connection) -> None:
    """Run the migrations on ``connection`` (batch mode on SQLite, for ALTER TABLE)."""
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    from controltower.settings import Settings
    from controltower.storage.database import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or Settings().database_url)
    try:
        with engine.begin() as own_connection:
            run_migrations(own_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_online()
