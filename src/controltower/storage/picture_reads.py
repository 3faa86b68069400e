"""The queries that read a stored picture back, one entity at a time, into Arrow arrays.

Each entity is read with one query (:func:`read_entity`) returning its ``position``
and its columns as :mod:`.picture_arrow` wants them (text, or integers: dates as day
numbers, moments as whole seconds, booleans as 0 and 1, all computed by the query):

* on PostgreSQL inside ``COPY (...) TO STDOUT (FORMAT csv)``, parsed by Arrow's CSV
  reader, so no Python object is made per row;
* on SQLite on the driver's cursor, a batch of rows at a time handed to Arrow whole.

The query is not ordered: sorting a million rows is left to numpy, on ``position``,
and usually not needed at all, since a picture is written in its source order.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa

from controltower.storage.picture_arrow import UNIX_SECONDS, StoredArrays, read_array_type
from controltower.storage.picture_layout import ColumnLayout

#: rows fetched at a time when reading from SQLite
_FETCH_SIZE: Final = 50_000


def read_entity(
    connection: sa.Connection, entity: str, layout: Sequence[ColumnLayout], picture_id: int
) -> StoredArrays:
    """The stored columns of one entity of a picture, in ``layout`` order, rows in
    source (``position``) order."""
    read = _copy_out if connection.dialect.name == "postgresql" else _fetch
    types = [pa.int64(), *(read_array_type(column) for column in layout)]
    positions, *columns = read(connection, _select(connection, entity, layout, picture_id), types)
    return _in_source_order(positions, columns)


def _select(
    connection: sa.Connection, entity: str, layout: Sequence[ColumnLayout], picture_id: int
) -> str:
    """The query reading one entity's rows of a picture: ``position``, then its columns.

    Not ordered: the rows come in whatever order the table holds them (usually already
    the source order) and are put in order afterwards, which spares the database a sort
    of a million rows.
    """
    postgresql = connection.dialect.name == "postgresql"
    expressions = [_quoted(connection, "position")]
    expressions += [_read_expression(_quoted(connection, c.column), c, postgresql) for c in layout]
    return (
        f"SELECT {', '.join(expressions)} FROM {_quoted(connection, entity)} "
        f"WHERE picture_id = {int(picture_id)}"
    )


def _read_expression(name: str, column: ColumnLayout, postgresql: bool) -> str:
    """A column as the reader wants it: text, or an integer for the tables' arrays."""
    kind = column.kind
    if kind == "units":
        return f"{name}::text" if postgresql else name
    if kind in ("flag", "maybe_flag"):
        return f"{name}::integer" if postgresql else name
    if kind == "day":
        # day number as date.toordinal(): 0001-01-01 is day 1
        if postgresql:
            return f"({name} - DATE '0001-01-01') + 1"
        return f"CAST(julianday({name}) - 1721424.5 AS INTEGER)"
    if kind == "moment":
        # whole seconds since 0001-01-01T00:00:00; the fraction is dropped (as the tables
        # drop it) before SQLite reads the time, which it would round to milliseconds
        if postgresql:
            return f"extract(epoch FROM date_trunc('second', {name}))::bigint + {UNIX_SECONDS}"
        return f"CAST(strftime('%s', substr({name}, 1, 19)) AS INTEGER) + {UNIX_SECONDS}"
    return name


def _in_source_order(positions: pa.Array, columns: StoredArrays) -> StoredArrays:
    """``columns`` with their rows in ``position`` order."""
    values = np.asarray(positions.to_numpy(zero_copy_only=False))
    if len(values) < 2 or bool((values[1:] > values[:-1]).all()):
        return columns
    order = pa.array(np.argsort(values, kind="stable"))
    return [column.take(order) for column in columns]


def _copy_out(connection: sa.Connection, query: str, types: Sequence[pa.DataType]) -> StoredArrays:
    """Run ``query`` inside ``COPY (...) TO STDOUT`` as CSV and parse it with Arrow.

    In PostgreSQL's CSV a NULL is an empty unquoted field and an empty string is
    ``""``, which Arrow's reader tells apart when told that only unquoted empty fields
    are null (and that no other text, such as ``NA``, is).
    """
    driver = connection.connection.driver_connection
    assert driver is not None
    buffer = io.BytesIO()
    with driver.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
        for data in copy:
            buffer.write(data)
    if not buffer.tell():
        return [pa.array([], kind) for kind in types]
    buffer.seek(0)
    names = [f"c{i}" for i in range(len(types))]
    table = pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(column_names=names),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=dict(zip(names, types, strict=True)),
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    return [table.column(name).combine_chunks() for name in names]


def _fetch(connection: sa.Connection, query: str, types: Sequence[pa.DataType]) -> StoredArrays:
    """Run ``query`` on the driver's cursor and gather its rows into arrays.

    A batch of rows at a time is handed to Arrow as a whole (as one array of structs,
    which Arrow builds from the row tuples without a Python loop) and split into its
    columns.
    """
    driver = connection.connection.driver_connection
    assert driver is not None
    rows_type = pa.struct([(f"c{i}", kind) for i, kind in enumerate(types)])
    parts: list[pa.StructArray] = []
    cursor = driver.cursor()
    try:
        cursor.execute(query)
        while rows := cursor.fetchmany(_FETCH_SIZE):
            parts.append(pa.array(rows, type=rows_type))
    finally:
        cursor.close()
    if not parts:
        return [pa.array([], kind) for kind in types]
    return list(pa.concat_arrays(parts).flatten())


def _quoted(connection: sa.Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)
