"""Many rows into one table at once: ``COPY`` on PostgreSQL, multi-row inserts on SQLite.

An ``INSERT`` per row through the ORM, or even SQLAlchemy's ``executemany`` with its
per-value type processing, costs tens of microseconds a row: seconds for the hundreds
of thousands of rows a large scan records. Here rows go to the driver as columns of
plain values: PostgreSQL reads them with ``COPY ... FROM STDIN`` in its CSV format,
rendered a batch at a time by Arrow, SQLite with ``executemany`` of a prepared
statement of a hundred rows (:func:`sqlite_insert_rows`), after each column is
converted once to exactly what SQLAlchemy's own types store (ISO dates, ``1``/``0``
booleans, the enum's value, UTC datetimes as naive text). Both run on the caller's
connection, inside its transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from enum import Enum
from itertools import chain
from typing import TYPE_CHECKING, Any, Final

import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa

from controltower.storage.tables import EnumText, ExactDecimal, LocalDateTime, UtcDateTime

if TYPE_CHECKING:
    import psycopg

#: rows handed to SQLite's ``executemany`` at a time (bounds the converted copies held)
_SQLITE_BATCH: Final = 20_000
#: rows rendered as COPY text at a time on PostgreSQL (a few megabytes of text)
_COPY_BATCH: Final = 20_000
#: keys named per ``IN`` list (well under every database's parameter limit)
_IN_LIST_SIZE: Final = 500

Column = Sequence[Any]


def insert_columns(
    connection: sa.Connection, table: sa.Table, columns: Mapping[str, Column]
) -> int:
    """Insert the rows given as equally long ``columns`` (by column name) into ``table``.

    Values are Python values of the column's kind (``str``, ``int``, ``bool``,
    ``date``, ``datetime``, an enum member or its value; a decimal as ``Decimal`` or
    plain decimal text); ``None`` is NULL. Returns the number of rows inserted.
    """
    names = list(columns)
    sizes = {len(values) for values in columns.values()}
    if len(sizes) > 1:
        raise ValueError(f"columns of {table.name} differ in length: {sorted(sizes)}")
    count = sizes.pop() if sizes else 0
    if count == 0:
        return 0
    driver_error = connection.dialect.loaded_dbapi.Error
    try:
        if connection.dialect.name == "postgresql":
            _copy_into(connection, table, names, [columns[n] for n in names])
        else:
            converted = [_sqlite_values(table.c[n].type, columns[n]) for n in names]
            _execute_many(connection, table, names, converted, count)
    except driver_error as error:
        # the driver's own error, as SQLAlchemy would have raised it (IntegrityError...)
        raise sa.exc.DBAPIError.instance(
            f"bulk insert into {table.name}", None, error, driver_error
        ) from error
    return count


def _copy_into(
    connection: sa.Connection, table: sa.Table, names: list[str], columns: list[Column]
) -> None:
    """``COPY ... FROM STDIN`` in PostgreSQL's CSV format, rendered by Arrow.

    Handing psycopg one row at a time costs microseconds a value in Python; Arrow writes
    the whole batch's text at once. In the CSV format a NULL is an unquoted empty field
    and every string is quoted (Arrow's default), so an empty string stays one.
    """
    driver = connection.connection.driver_connection
    quoted = ", ".join(f'"{name}"' for name in names)
    count = len(columns[0])
    statement = f'COPY "{table.name}" ({quoted}) FROM STDIN WITH (FORMAT csv)'
    # SQLAlchemy types the driver connection as any DBAPI one; on PostgreSQL it is psycopg's
    with driver.cursor() as cursor, copying(cursor, statement) as copy:  # type: ignore[union-attr]
        for start in range(0, count, _COPY_BATCH):
            stop = min(start + _COPY_BATCH, count)
            batch = pa.table(
                {
                    name: _arrow_values(table.c[name].type, column[start:stop])
                    for name, column in zip(names, columns, strict=True)
                }
            )
            sink = pa.BufferOutputStream()
            pacsv.write_csv(batch, sink, pacsv.WriteOptions(include_header=False))
            copy.write(sink.getvalue())


def copying(cursor: psycopg.Cursor[Any], statement: str) -> AbstractContextManager[psycopg.Copy]:
    """``cursor.copy(statement)`` sending what is written on a thread of psycopg's
    (``QueuedLibpqWriter``): the next batch is rendered while the server reads the
    last one, instead of after it."""
    from psycopg.copy import QueuedLibpqWriter  # PostgreSQL only: not loaded for SQLite

    return cursor.copy(statement, writer=QueuedLibpqWriter(cursor))


def _execute_many(
    connection: sa.Connection,
    table: sa.Table,
    names: list[str],
    columns: list[list[Any]],
    count: int,
) -> None:
    # SQLAlchemy types the driver connection as any DBAPI one; on SQLite it is sqlite3's
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for start in range(0, count, _SQLITE_BATCH):
            stop = min(start + _SQLITE_BATCH, count)
            sqlite_insert_rows(
                cursor,
                f'"{table.name}"',
                [f'"{name}"' for name in names],
                zip(*(c[start:stop] for c in columns), strict=True),
            )
    finally:
        cursor.close()


#: the most rows one SQLite ``INSERT`` statement carries (see :func:`sqlite_insert_rows`)
SQLITE_ROWS_PER_STATEMENT: Final = 100


def sqlite_insert_rows(
    cursor: sqlite3.Cursor, table: str, names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Insert ``rows`` (each a value per column of ``names``, in order) into ``table`` with
    ``executemany`` of a prepared statement of up to :data:`SQLITE_ROWS_PER_STATEMENT`
    rows, the last few one row a statement. ``table`` and ``names`` are SQL as written
    (quoted where they need to be).

    One step of SQLite's machine per row costs more than the row itself: 300,000 rows
    of ten columns went in in 0.59 s a hundred a statement against 1.1 to 1.4 s one a
    statement. Fewer rows a statement when the database takes fewer bound values
    (``SQLITE_LIMIT_VARIABLE_NUMBER``).
    """
    width = len(names)
    limit = cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per = max(1, min(SQLITE_ROWS_PER_STATEMENT, limit // max(width, 1)))
    marks = "(" + ", ".join("?" * width) + ")"
    head = f"INSERT INTO {table} ({', '.join(names)}) VALUES "
    values = list(chain.from_iterable(rows))
    step = per * width
    whole = len(values) // step * step
    if whole:
        cursor.executemany(
            head + ", ".join([marks] * per),
            (values[start : start + step] for start in range(0, whole, step)),
        )
    if whole < len(values):
        cursor.executemany(
            head + marks,
            (values[start : start + width] for start in range(whole, len(values), width)),
        )


# ------------------------------------------------------------------ value conversion


def _arrow_values(kind: sa.types.TypeEngine[Any], values: Column) -> pa.Array:
    """One column as an Arrow array of the type whose CSV text PostgreSQL reads back."""
    if isinstance(kind, EnumText):
        return pa.array(_memoised(_enum_value, values), pa.string())
    if isinstance(kind, ExactDecimal):
        return pa.array([_decimal_text(v) for v in values], pa.string())
    if isinstance(kind, UtcDateTime):
        return pa.array(_memoised(_utc, values), pa.timestamp("us", tz="UTC"))
    if isinstance(kind, LocalDateTime):
        return pa.array(list(values), pa.timestamp("us"))
    if isinstance(kind, sa.Boolean):
        return pa.array(list(values), pa.bool_())
    if isinstance(kind, sa.Date):
        return pa.array(list(values), pa.date32())
    if isinstance(kind, sa.Integer):
        return pa.array(list(values), pa.int64())
    return pa.array(list(values), pa.string())


def _memoised(convert: Callable[[Any], Any], values: Column) -> list[Any]:
    """``convert`` of each value, each distinct value converted once (they repeat: a
    scan's time on every row, a handful of enum members). Not for decimals: 84.5 and
    84.50 are equal keys, and each must keep its own text."""
    done: dict[Any, Any] = {}
    return [done[v] if v in done else done.setdefault(v, convert(v)) for v in values]


def _sqlite_values(kind: sa.types.TypeEngine[Any], values: Column) -> list[Any]:
    if isinstance(kind, ExactDecimal):
        return [_decimal_text(v) for v in values]
    convert = _sqlite_converter(kind)
    return list(values) if convert is None else _memoised(convert, values)


def _sqlite_converter(kind: sa.types.TypeEngine[Any]) -> Callable[[Any], Any] | None:
    if isinstance(kind, EnumText):
        return _enum_value
    if isinstance(kind, UtcDateTime):
        return _sqlite_utc
    if isinstance(kind, LocalDateTime):
        return _sqlite_naive
    if isinstance(kind, sa.Boolean):
        return _flag
    if isinstance(kind, sa.Date):
        return _iso_day
    return None


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _decimal_text(value: Any) -> Any:
    return value if value is None or isinstance(value, str) else format(value, "f")


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_utc(value: datetime | None) -> str | None:
    moment = _utc(value)
    return None if moment is None else _sqlite_naive(moment.replace(tzinfo=None))


def _sqlite_naive(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite ``DATETIME`` storage format."""
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(bool(value))


def _iso_day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def keys_by_company(
    company: sa.ColumnElement[str],
    key: sa.ColumnElement[str],
    pairs: Iterable[tuple[str, str]],
) -> Iterator[sa.ColumnElement[bool]]:
    """Conditions that together select the rows whose (``company``, ``key``) is one of
    ``pairs``: per company, its keys a bounded ``IN`` list at a time.

    Not one ``(company, key) IN (...)`` of pairs: SQLite reads the whole table for each
    such list instead of looking the pairs up by the index that starts with them.
    """
    by_company: dict[str, list[str]] = {}
    for owner, value in pairs:
        by_company.setdefault(owner, []).append(value)
    for owner, values in by_company.items():
        for start in range(0, len(values), _IN_LIST_SIZE):
            yield sa.and_(company == owner, key.in_(values[start : start + _IN_LIST_SIZE]))
