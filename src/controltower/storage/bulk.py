"""Many rows into one table at once: ``COPY`` on PostgreSQL, one prepared insert on SQLite.

An ``INSERT`` per row through the ORM, or even SQLAlchemy's ``executemany`` with its
per-value type processing, costs tens of microseconds a row: seconds for the hundreds
of thousands of rows a large scan records. Here rows go to the driver as columns of
plain values: PostgreSQL reads them with ``COPY ... FROM STDIN`` (psycopg adapts each
value as the server's text format expects), SQLite with one ``executemany`` of a
prepared statement, after each column is converted once to exactly what SQLAlchemy's
own types store (ISO dates, ``1``/``0`` booleans, the enum's value, UTC datetimes as
naive text). Both run on the caller's connection, inside its transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Final

import sqlalchemy as sa

from controltower.storage.tables import EnumText, ExactDecimal, LocalDateTime, UtcDateTime

#: rows handed to SQLite's ``executemany`` at a time (bounds the converted copies held)
_SQLITE_BATCH: Final = 20_000

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


def insert_rows(
    connection: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]
) -> int:
    """:func:`insert_columns` for rows given as mappings with the same keys."""
    if not rows:
        return 0
    names = list(rows[0])
    return insert_columns(connection, table, {n: [row[n] for row in rows] for n in names})


def _copy_into(
    connection: sa.Connection, table: sa.Table, names: list[str], columns: list[Column]
) -> None:
    driver = connection.connection.driver_connection
    quoted = ", ".join(f'"{name}"' for name in names)
    converted = [_postgres_values(table.c[n].type, c) for n, c in zip(names, columns, strict=True)]
    statement = f'COPY "{table.name}" ({quoted}) FROM STDIN'
    with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in zip(*converted, strict=True):
            copy.write_row(row)


def _execute_many(
    connection: sa.Connection,
    table: sa.Table,
    names: list[str],
    columns: list[list[Any]],
    count: int,
) -> None:
    quoted = ", ".join(f'"{name}"' for name in names)
    marks = ", ".join("?" for _ in names)
    statement = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})'
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for start in range(0, count, _SQLITE_BATCH):
            stop = min(start + _SQLITE_BATCH, count)
            cursor.executemany(statement, zip(*(c[start:stop] for c in columns), strict=True))
    finally:
        cursor.close()


# ------------------------------------------------------------------ value conversion


def _postgres_values(kind: sa.types.TypeEngine[Any], values: Column) -> Iterator[Any]:
    convert = _postgres_converter(kind)
    return iter(values) if convert is None else map(convert, values)


def _postgres_converter(kind: sa.types.TypeEngine[Any]) -> Callable[[Any], Any] | None:
    if isinstance(kind, EnumText):
        return _enum_value
    if isinstance(kind, ExactDecimal):
        return _decimal_text
    if isinstance(kind, UtcDateTime):
        return _utc
    return None


def _sqlite_values(kind: sa.types.TypeEngine[Any], values: Column) -> list[Any]:
    convert = _sqlite_converter(kind)
    if convert is None:
        return list(values)
    # Dates, moments and enum members repeat (a scan's time on every row): each
    # distinct value is converted once.
    done: dict[Any, Any] = {}
    return [done[v] if v in done else done.setdefault(v, convert(v)) for v in values]


def _sqlite_converter(kind: sa.types.TypeEngine[Any]) -> Callable[[Any], Any] | None:
    if isinstance(kind, EnumText):
        return _enum_value
    if isinstance(kind, ExactDecimal):
        return _decimal_text
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
