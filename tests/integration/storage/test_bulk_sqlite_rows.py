"""Rows into SQLite a hundred a statement (``storage/bulk.sqlite_insert_rows``).

The rows are grouped into statements of many rows, the last few one row a statement,
and fewer a statement when the database takes fewer bound values: whatever the number
of rows, the width and the limit, the table ends up holding exactly the rows given, in
their order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controltower.storage.bulk import SQLITE_ROWS_PER_STATEMENT, sqlite_insert_rows


def _stored(
    rows: Sequence[tuple[object, ...]], width: int, limit: int | None
) -> list[tuple[object, ...]]:
    names = [f'"c{k}"' for k in range(width)]
    with closing(sqlite3.connect(":memory:")) as connection:
        if limit is not None:
            connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
        connection.execute(f'CREATE TABLE "t" ("n" INTEGER PRIMARY KEY, {", ".join(names)})')
        cursor = connection.cursor()
        sqlite_insert_rows(cursor, '"t"', names, iter(rows))
        stored = connection.execute(f'SELECT {", ".join(names)} FROM "t" ORDER BY "n"').fetchall()
    return stored


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(min_value=1, max_value=7),
    count=st.integers(min_value=0, max_value=3 * SQLITE_ROWS_PER_STATEMENT + 7),
    limit=st.none() | st.integers(min_value=7, max_value=400),
)
def test_every_row_is_stored_once_in_its_order(width: int, count: int, limit: int | None) -> None:
    rows = [
        tuple(f"r{r}c{c}" if (r + c) % 3 else (None if c % 2 else r * 10 + c) for c in range(width))
        for r in range(count)
    ]
    assert _stored(rows, width, limit) == rows


def test_a_refused_row_refuses_its_statement_as_one_row_a_statement_would() -> None:
    """A key met twice is the driver's own error, as with one row a statement."""
    with closing(sqlite3.connect(":memory:")) as connection:
        connection.execute('CREATE TABLE "t" ("k" TEXT PRIMARY KEY, "v" INTEGER)')
        rows = [(f"k{n}", n) for n in range(150)] + [("k3", 0)]
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            sqlite_insert_rows(connection.cursor(), '"t"', ['"k"', '"v"'], rows)
