"""Keys and secondary indexes set aside while a large picture is loaded.

PostgreSQL checks a foreign key one row at a time (a query per row against
``pictures``), and both databases put every row into every index as it comes; for the
2.4 million rows of a million-line picture that was most of the database's work.
Building an index from the loaded table (one sort) and validating a foreign key with
one join cost a fraction of it. So a large load runs inside :func:`keys_set_aside`: in
the caller's transaction, the picture tables' secondary indexes (and on PostgreSQL
their keys) are dropped, the rows are written, and each index and key is created
again from the definition the catalog gave for it (``pg_get_indexdef``,
``pg_get_constraintdef``, SQLite's own ``CREATE INDEX`` text), so the transaction
commits the schema Alembic made. On PostgreSQL the primary keys are set aside too (an
index sorted once rather than kept row by row); a duplicate key is then refused when
its primary key is made again, naming its entity as the write itself would. A failure
rolls the drops back with everything else. SQLite keeps its primary keys (they are
how it finds a row) and its foreign keys (checked cheaply).

On PostgreSQL, dropping a key or an index locks its table for the rest of the
transaction (``ACCESS EXCLUSIVE``): readers of the picture tables wait for the import
to commit instead of reading the previous picture. The locks are taken without
waiting (``NOWAIT``), a few times over a short while; when a reader keeps one of the
tables busy the load goes on the ordinary way, keys kept row by row, rather than wait
holding some tables, which could deadlock with a reader holding another. On SQLite
the drops are part of the write transaction the import holds anyway, and readers keep
reading the last committed picture (write-ahead log).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Final

import sqlalchemy as sa

from controltower.storage.picture_arrow import EntityWriteError
from controltower.storage.picture_columns import sqlite_page_cache, sqlite_setting

#: the fewest rows worth setting keys aside for (below, the rebuild costs more)
MIN_ROWS: Final = 100_000
#: the fewest rows a scan writes to a table before its keys are set aside, when they
#: are at least as many as the table holds (a first scan's order risk and cases)
SCAN_MIN_ROWS: Final = 20_000
#: SQLite's page cache, in KiB, while indexes are built again (it bounds the sorter's memory)
_SORTER_CACHE_KIB: Final = 16_384
#: the most helper threads SQLite's sorter is given while indexes are built
_SORTER_THREADS: Final = 4
#: attempts at the tables' locks, and the pause between two
_LOCK_ATTEMPTS: Final = 20
_LOCK_PAUSE_SECONDS: Final = 0.05
#: PostgreSQL's "lock_not_available"
_LOCK_NOT_AVAILABLE: Final = "55P03"


@dataclass(frozen=True, slots=True)
class _SetAside:
    """What was dropped, with the statements that create it again."""

    drops: tuple[str, ...]
    #: (table, statement), in the order to run them
    creates: tuple[tuple[str, str], ...]


@contextmanager
def keys_set_aside(
    connection: sa.Connection,
    table_names: Sequence[str],
    *,
    rows: int,
    min_rows: int | None = None,
    outweighing: bool = False,
) -> Iterator[bool]:
    """Around a bulk load of ``rows`` rows into ``table_names``: with at least
    ``min_rows`` rows (default :data:`MIN_ROWS`), the tables' secondary indexes (and on
    PostgreSQL, when their locks are to be had, their primary and foreign keys) are
    dropped before and created again after. Yields whether they were; the rows stored are the same
    either way. On an exception nothing is created again: the caller's transaction,
    rolled back, restores them.

    ``outweighing``: only when ``rows`` are at least as many as the tables hold already
    (building an index again sorts every row of its table, so a few rows added to a
    large table are cheaper kept row by row). The tables are counted only when ``rows``
    reach ``min_rows``. No rows (a caller that does not ask) never sets keys aside.
    """
    dialect = connection.dialect.name
    least = MIN_ROWS if min_rows is None else min_rows
    if (
        dialect not in ("postgresql", "sqlite")
        or rows < max(least, 1)
        or not table_names
        or (outweighing and rows < held_rows(connection, table_names))
    ):
        yield False
        return
    if dialect == "sqlite":
        aside = _sqlite_definitions(connection, table_names)
    elif _lock_without_waiting(connection, table_names):
        aside = _postgresql_definitions(connection, table_names)
    else:
        yield False
        return
    for statement in aside.drops:
        connection.exec_driver_sql(statement)
    yield True
    with _index_sorter(connection):
        for table, statement in aside.creates:
            try:
                connection.exec_driver_sql(statement)
            except sa.exc.IntegrityError as error:
                # a primary key made again over a duplicate key: the entity's rows are refused
                raise EntityWriteError(table, _first_line(error.orig)) from error


@contextmanager
def _index_sorter(connection: sa.Connection) -> Iterator[None]:
    """On SQLite, the sorter that builds the indexes again: bounded and helped.

    Bounded: the page cache at most :data:`_SORTER_CACHE_KIB` while indexes are built.
    SQLite sorts an index's keys in memory up to the page cache's size, so under a bulk
    write's large cache (``picture_columns.page_cache_for_bulk``) the cases of a crisis
    day took some 60 MB more at the scan's peak. Beyond it the keys are sorted in runs
    merged from a temporary file.

    Helped: up to :data:`_SORTER_THREADS` worker threads (``PRAGMA threads``, one per
    core) sort and merge those runs beside the thread reading the table. Each holds at
    most one run, so the sorter's memory grows by a run a helper at most; at a million
    lines the indexes were built about a fifth faster with two. Both settings are
    restored afterwards.
    """
    helpers = min(os.cpu_count() or 1, _SORTER_THREADS)
    with (
        sqlite_page_cache(connection, _SORTER_CACHE_KIB, grow=False),
        sqlite_setting(connection, "threads", lambda _: helpers),
    ):
        yield


def scan_keys_set_aside(
    connection: sa.Connection, table_names: Sequence[str], *, rows: int, asked: bool
) -> AbstractContextManager[bool]:
    """:func:`keys_set_aside` around a stored scan's write of ``rows`` rows, when the
    scan was ``asked`` to (a command a person runs) and the rows are at least
    :data:`SCAN_MIN_ROWS` and at least as many as the tables hold (a first scan, a new
    day's picture)."""
    return keys_set_aside(
        connection,
        table_names,
        rows=rows if asked else 0,
        min_rows=SCAN_MIN_ROWS,
        outweighing=True,
    )


def held_rows(connection: sa.Connection, table_names: Sequence[str]) -> int:
    """How many rows the tables hold together (one count each)."""
    quote = connection.dialect.identifier_preparer.quote_identifier
    return sum(
        int(connection.exec_driver_sql(f"SELECT count(*) FROM {quote(name)}").scalar_one())
        for name in table_names
    )


def _first_line(error: BaseException | None) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else repr(error)


def _lock_without_waiting(connection: sa.Connection, table_names: Sequence[str]) -> bool:
    """Take ``ACCESS EXCLUSIVE`` locks on every table, never waiting while holding one.

    Each attempt runs in a savepoint, so a refused one holds nothing afterwards.
    """
    quote = connection.dialect.identifier_preparer.quote_identifier
    statement = (
        f"LOCK TABLE {', '.join(quote(name) for name in table_names)} "
        "IN ACCESS EXCLUSIVE MODE NOWAIT"
    )
    for attempt in range(_LOCK_ATTEMPTS):
        savepoint = connection.begin_nested()
        try:
            connection.exec_driver_sql(statement)
        except sa.exc.OperationalError as error:
            savepoint.rollback()
            if getattr(error.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
                raise
            if attempt + 1 < _LOCK_ATTEMPTS:
                time.sleep(_LOCK_PAUSE_SECONDS)
            continue
        savepoint.commit()
        return True
    return False


def _postgresql_definitions(connection: sa.Connection, table_names: Sequence[str]) -> _SetAside:
    """The tables' primary keys (but one a foreign key leans on), their foreign keys,
    and their indexes that back no constraint; created again keys first."""
    keys = connection.execute(
        sa.text(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
            "FROM pg_constraint c "
            "WHERE c.contype IN ('p', 'f') AND c.conrelid = ANY(CAST(:tables AS regclass[])) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint f "
            "WHERE f.contype = 'f' AND f.conindid = c.conindid AND c.contype = 'p') "
            "ORDER BY c.contype, 1, 2"
        ),
        {"tables": list(table_names)},
    ).all()
    indexes = connection.execute(
        sa.text(
            "SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, "
            "pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i "
            "WHERE i.indrelid = ANY(CAST(:tables AS regclass[])) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "ORDER BY 2"
        ),
        {"tables": list(table_names)},
    ).all()
    quote = connection.dialect.identifier_preparer.quote_identifier
    # primary keys ('p') sort after foreign keys ('f'): dropped last, created first
    drops = [f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}" for table, name, _ in keys]
    drops += [f"DROP INDEX {index}" for _, index, _ in indexes]
    creates = [
        (table, f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
        for table, name, definition in reversed(keys)
    ]
    creates += [(table, definition) for table, _, definition in indexes]
    return _SetAside(tuple(drops), tuple(creates))


def _sqlite_definitions(connection: sa.Connection, table_names: Sequence[str]) -> _SetAside:
    """The tables' indexes made by ``CREATE INDEX`` (a primary key's has no SQL), whose
    statements SQLite keeps as they were written."""
    quote = connection.dialect.identifier_preparer.quote_identifier
    indexes = connection.execute(
        sa.text(
            "SELECT name, tbl_name, sql FROM sqlite_master "
            "WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN :tables ORDER BY name"
        ).bindparams(sa.bindparam("tables", expanding=True)),
        {"tables": list(table_names)},
    ).all()
    return _SetAside(
        tuple(f"DROP INDEX {quote(name)}" for name, _, _ in indexes),
        tuple((str(table), str(definition)) for _, table, definition in indexes),
    )
