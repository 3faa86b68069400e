"""Connecting to the database and bringing its schema up to date.

One code path serves SQLite (the demo, the tests) and PostgreSQL (production): the URL
is normalised by :func:`controltower.settings.normalise_database_url`, and SQLite
connections are set up to behave like a real transactional database (foreign keys
enforced, ``BEGIN`` issued by SQLAlchemy so savepoints and DDL are transactional) that
readers can use while somebody writes: the write-ahead log lets readers keep the last
committed picture during an import, and a busy timeout makes a second writer wait its
turn instead of failing at once (:func:`take_sqlite_write_turn`).

A URL is checked before any engine is made (:func:`check_database_url`): one that does
not parse, or names a kind of database other than SQLite and PostgreSQL, is a
:class:`DatabaseUrlError`. A database that cannot be used is found out on connecting;
:func:`unavailable_error` words why in one line (the folder of the file is missing, no
file can be created there, the server cannot be reached at host:port, the disk is
full), with the URL's password masked, for the command line to print.

The schema is owned by the Alembic migrations shipped inside this package; nothing
creates tables any other way. :func:`migrate` runs them programmatically, so neither
an ``alembic.ini`` nor a working directory is needed.
"""

from __future__ import annotations

import functools
import os
import re
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
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


class DatabaseUrlError(StorageError):
    """The database URL is malformed or names a kind of database Control Tower does not
    use: a mistake in what was typed, not in the environment."""


class DatabaseUnavailableError(StorageError):
    """The database named by a well-formed URL cannot be used: the server cannot be
    reached, the file cannot be opened or written, or the disk is full."""


#: the kinds of database Control Tower works with, as a URL names them
DATABASE_KINDS: Final = ("sqlite", "postgresql")

#: how long a PostgreSQL connection attempt may take before it is given up (seconds),
#: unless the URL says otherwise (``?connect_timeout=``)
PG_CONNECT_TIMEOUT_SECONDS: Final = 10

_URL_FORMS: Final = "sqlite:///path/to/file.db or postgresql://user@host:5432/name"


def check_database_url(url: str) -> URL:
    """``url`` parsed, or :class:`DatabaseUrlError` naming what is wrong with it.

    Refused: an empty URL, one that does not parse, a port that is not a number, a kind
    of database other than SQLite and PostgreSQL, and a driver that is not installed.
    Whether the database can be reached is only known on connecting (see
    :func:`unavailable_error`).
    """
    if not url.strip():
        raise DatabaseUrlError(f"the database URL is empty; write {_URL_FORMS}")
    shown = _masked(url)
    try:
        parsed = make_url(normalise_database_url(url.strip()))
        port = parsed.port
    except ArgumentError as exc:
        raise DatabaseUrlError(f"{shown!r} is not a database URL; write {_URL_FORMS}") from exc
    except ValueError as exc:
        raise DatabaseUrlError(
            f"the database URL {shown} has a port that is not a number; write {_URL_FORMS}"
        ) from exc
    kind = parsed.get_backend_name()
    if kind not in DATABASE_KINDS:
        raise DatabaseUrlError(
            f"the database URL {shown} names an unknown database kind {kind!r}: Control Tower "
            f"works with SQLite and PostgreSQL ({_URL_FORMS})"
        )
    if port is not None and not 0 < port < 65536:
        raise DatabaseUrlError(f"the database URL {shown} has port {port}, outside 1 to 65535")
    try:
        parsed.get_dialect().import_dbapi()
    except ImportError as exc:
        raise DatabaseUrlError(
            f"the database URL {shown} asks for the driver {parsed.drivername!r}, which is "
            f"not installed; write {_URL_FORMS}"
        ) from exc
    return parsed


def make_engine(
    url: str,
    *,
    pool_size: int | None = None,
    busy_timeout_seconds: float = DEFAULT_BUSY_TIMEOUT_SECONDS,
    interactive: bool = False,
    **engine_options: Any,
) -> Engine:
    """An engine for ``url`` (any form users write, e.g. ``postgres://``); a URL
    :func:`check_database_url` refuses raises :class:`DatabaseUrlError`.

    ``pool_size`` fixes how many connections the engine keeps (the server sizes it to
    the requests it works on at once, see :mod:`controltower.bootstrap`); a request
    streaming a download reads its chunks in a second session, so the pool may open as
    many again before anybody waits. ``busy_timeout_seconds`` is how long a SQLite
    writer waits for another.

    ``interactive`` (the web app's engine) turns PostgreSQL's JIT compilation off: a
    page's queries run for milliseconds, but one whose estimated cost passes
    ``jit_above_cost`` (estimates run high on tables not yet analysed) spent one to two
    seconds compiling before it ran.
    """
    parsed = check_database_url(url)
    in_memory = parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")
    if pool_size is not None and not in_memory:
        engine_options.setdefault("pool_size", pool_size)
        engine_options.setdefault("max_overflow", pool_size)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, **engine_options)
        _make_sqlite_transactional(engine, busy_timeout_seconds)
        return engine
    engine_options.setdefault("pool_pre_ping", True)
    if "connect_timeout" not in parsed.query and "connect_args" not in engine_options:
        engine_options["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_SECONDS}
    if interactive:
        connect_args = engine_options.setdefault("connect_args", {})
        connect_args["options"] = f"{connect_args.get('options', '')} -c jit=off".strip()
    return create_engine(parsed, **engine_options)


#: the page size of a SQLite database this package makes. SQLite's default (4,096 bytes)
#: holds three of the stored scan's order rows (about 1.3 kB with their lines) a page,
#: 16 kB a dozen; at a million order lines the import and the first stored scan took
#: about a tenth less time, a crisis day's first scan a sixth less (docs/storage.md)
SQLITE_PAGE_SIZE: Final = 16_384


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
            # before the journal mode, which writes a new file's header: a database
            # made here gets the larger page; an existing one keeps its own
            cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
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


#: rows a bulk write must have written before its tables' planner statistics are
#: brought up to date: below it, the statistics already there still describe them
STATISTICS_AFTER_ROWS: Final = 1_000


def refresh_statistics(connection: Connection, table_names: list[str], *, rows: int) -> None:
    """After a bulk write of ``rows`` rows into ``table_names``: on PostgreSQL, ``ANALYZE``
    them in the writer's transaction, so the pages' first queries after an import or a
    scan are planned from what the tables now hold.

    PostgreSQL plans from statistics that autovacuum gathers on its own schedule (and not
    at all where it is turned off); until then a freshly loaded table looks empty, and a
    page that reads one index at a million lines (30 ms) was planned as a scan of
    everything (500 ms). ``ANALYZE`` reads a fixed sample (30,000 rows a table at the
    default target), so it costs the same at any size, and inside the transaction it
    sees the rows just written. SQLite keeps no statistics unless asked and its planner
    is tuned without them, so nothing changes there.
    """
    if connection.dialect.name != "postgresql" or rows < STATISTICS_AFTER_ROWS:
        return
    quote = connection.dialect.identifier_preparer.quote
    connection.exec_driver_sql("ANALYZE " + ", ".join(quote(name) for name in table_names))


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine``; objects stay readable after the unit of work commits."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def displayable_url(url: str) -> str:
    """``url`` with any password masked, fit for messages and logs (even a URL that does
    not parse)."""
    try:
        return make_url(normalise_database_url(url)).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return _masked(url)


def _masked(url: str) -> str:
    """``url`` as written, with what stands between ``user:`` and ``@`` masked."""
    return re.sub(r"(://[^/@:]*:)[^/]*@", r"\1***@", url.strip())


# --- A database that cannot be used ----------------------------------------------------

#: what SQLite says when it cannot open or create the database file
_SQLITE_CANNOT_OPEN: Final = "unable to open database file"


def unavailable_error(url: str, error: DBAPIError) -> DatabaseUnavailableError | None:
    """The one-line reason ``error`` stops any use of the database at ``url``, or None
    when it is not about the database being unreachable, unopenable or full (a fault
    of the program, left to propagate).

    The message names the URL (without its password) and what is wrong: a folder that
    does not exist, a permission denied, a file that is not a database, a server that
    cannot be reached at host:port, a login refused, a full disk.
    """
    full = _full_disk_cause(error)
    if full is not None:
        return DatabaseUnavailableError(
            f"cannot use the database at {displayable_url(url)}: {_reason(url, full)}"
        )
    orig = error.orig
    if isinstance(error, OperationalError | InterfaceError):
        reason = _reason(url, orig)
    elif type(orig) is sqlite3.DatabaseError:  # the file is there, but is not SQLite's
        reason = _sqlite_reason(url, str(orig))
    else:
        return None
    return DatabaseUnavailableError(f"cannot use the database at {displayable_url(url)}: {reason}")


def _full_disk_cause(error: DBAPIError) -> BaseException | None:
    """The driver's full-disk error that started ``error``, if one did.

    SQLite may roll a transaction back itself when the disk fills up, so what surfaces
    is the failure to release a savepoint that no longer exists, raised while handling
    the full disk. That full disk reached the handler either through SQLAlchemy (a
    ``DBAPIError`` wrapping the driver's error) or straight from the driver's own cursor,
    which the bulk writes use (``storage/bulk.py``, ``storage/picture_columns.py``).
    """
    found: BaseException | None = error
    while found is not None:
        orig = found.orig if isinstance(found, DBAPIError) else found
        if _is_disk_full(orig):
            return orig
        found = found.__cause__ or found.__context__
    return None


def _is_disk_full(orig: BaseException | None) -> bool:
    return getattr(orig, "sqlstate", None) == "53100" or (
        isinstance(orig, sqlite3.Error) and "database or disk is full" in str(orig)
    )


def _reason(url: str, orig: BaseException | None) -> str:
    text = str(orig).strip() if orig is not None else ""
    if isinstance(orig, sqlite3.Error):
        return _sqlite_reason(url, text)
    if getattr(orig, "sqlstate", None) == "53100":  # PostgreSQL's disk_full
        return (
            "the database server's disk is full: the change was rolled back, none of it was stored"
        )
    return _server_reason(url, text)


def _sqlite_reason(url: str, text: str) -> str:
    path = _sqlite_path(url)
    if "database or disk is full" in text:
        return "the disk is full: the change was rolled back, none of it was stored"
    if "file is not a database" in text and path is not None:
        return f"{path} is not a SQLite database file"
    if "readonly database" in text and path is not None:
        return f"permission denied: {path} cannot be written"
    if _SQLITE_CANNOT_OPEN in text and path is not None:
        return _unopenable(path)
    return text.splitlines()[0] if text else "the database cannot be opened"


def _sqlite_path(url: str) -> Path | None:
    try:
        database = make_url(normalise_database_url(url)).database
    except (ArgumentError, ValueError):
        return None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).absolute()


def _unopenable(path: Path) -> str:
    """Why SQLite could not open or create the file at ``path``."""
    folder = path.parent
    if path.is_dir():
        return f"{path} is a folder, not a database file"
    if not folder.exists():
        missing = folder
        while not missing.parent.exists():
            missing = missing.parent
        return f"the folder {missing} does not exist"
    if not folder.is_dir():
        return f"{folder} is not a folder"
    if path.exists():
        return (
            f"permission denied: {path} cannot be opened for reading and writing"
            if not os.access(path, os.R_OK | os.W_OK)
            else f"{path} cannot be opened"
        )
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except PermissionError:
        return f"permission denied: no file can be created in {folder}"
    except OSError as exc:
        return f"no file can be created in {folder}: {(exc.strerror or str(exc)).lower()}"
    return f"{path} cannot be created"


def _server_reason(url: str, text: str) -> str:
    """A PostgreSQL connection failure in one line: where, and why."""
    try:
        parsed = make_url(normalise_database_url(url))
        where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    except (ArgumentError, ValueError):
        where = "the server"
    lowered = text.lower()
    if "failed to resolve host" in lowered or "could not translate host name" in lowered:
        return f"cannot connect to {where}: the host name does not resolve"
    if "connection refused" in lowered:
        return f"cannot connect to {where}: connection refused (is PostgreSQL running there?)"
    if "timeout" in lowered or "timed out" in lowered:
        return f"cannot connect to {where}: no answer in time"
    fatal = re.search(r"FATAL:\s*(.+)", text)
    if fatal is not None:
        return f"{where} refused the connection: {fatal.group(1).strip()}"
    first = text.splitlines()[0] if text else "the database cannot be reached"
    return first


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


@functools.cache
def head_revision() -> str:
    """The newest schema revision this version of the code ships (read from the shipped
    migrations once per process: they do not change under it)."""
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
    starting at once migrate one after the other instead of colliding). A database
    already at the head is left as it is after one look at its revision: every sync of
    the worker and every command starts here, and Alembic's own upgrade, which has
    nothing to do then, reads every shipped migration first.
    """
    engine = make_engine(target) if isinstance(target, str) else target
    try:
        if revision == "head" and current_revision(engine) == head_revision():
            return
        _run_migration(engine, lambda config: command.upgrade(config, revision))
    finally:
        if isinstance(target, str):
            engine.dispose()


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
