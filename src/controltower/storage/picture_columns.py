"""Pictures written and read in bulk, as columns.

Writing a million order lines through SQLAlchemy, one parameter dictionary per row,
takes minutes; the database can take the same rows in seconds when they arrive in
bulk. Every entity of a picture is therefore written from Arrow arrays of its stored
values (:mod:`.picture_arrow`):

* on PostgreSQL with ``COPY ... FROM STDIN`` (text format), the rows rendered by Arrow
  with whole-array operations and streamed through psycopg's copy API;
* on SQLite, which has no COPY, with ``executemany`` of one prepared ``INSERT`` on the
  driver's cursor.

Both run on the caller's connection, inside its transaction: nothing is committed
here, and a failure leaves the transaction to be rolled back by the caller.

Reading is set-wise too: one query per entity (:mod:`.picture_reads`), whose values
come back as text or integers (dates as day numbers and moments as seconds, computed
by the query) and are turned into :class:`~controltower.domain.tables.DatasetTables`
with whole-array operations. On PostgreSQL the query runs inside
``COPY (...) TO STDOUT`` and Arrow's CSV reader parses the result, so no Python object
is made per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.model import Dataset
from controltower.domain.tables import I32, DatasetTables
from controltower.storage.bulk import copying, sqlite_insert_rows
from controltower.storage.picture_arrow import (
    EntityWriteError,
    StoredArrays,
    stored_arrays_from_dataset,
    stored_arrays_from_tables,
    tables_from_read_arrays,
)
from controltower.storage.picture_layout import LAYOUT, ColumnLayout
from controltower.storage.picture_reads import read_entity
from controltower.storage.picture_snapshot import (
    read_picture_snapshot,
    read_picture_snapshot_and_digest,
)

#: rows per round trip (per ``executemany`` on SQLite, per write into COPY on
#: PostgreSQL): large enough to be fast, small enough to keep memory flat
CHUNK_SIZE: Final = 50_000

Progress = Callable[[str, int, int], None]
"""``progress(entity_name, rows_done, rows_total)``, called as rows are written."""

#: SQLite's page cache while a picture is written, in KiB (its default is 2 MB)
_BULK_PAGE_CACHE_KIB: Final = 131_072
#: SQLite's page cache while a stored scan writes its rows (order risk, cases, routing
#: facts), in KiB. They go in key order or with their indexes set aside, so a smaller
#: cache writes them as fast; and the pages a transaction changed stay in the cache
#: until they are written, so its size is part of the scan's peak memory. Measured at a
#: million lines: the first scan as fast at 16 MB as at 128 MB, 85 MB less at its peak
#: (about 100 MB less on a crisis day).
SCAN_PAGE_CACHE_KIB: Final = 16_384
#: COPY text format: what a backslash sequence stands for
_COPY_ESCAPES: Final = (("\\", "\\\\"), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
#: their bytes (ASCII: none of them occurs inside another character's UTF-8 bytes)
_SPECIAL_BYTES: Final = np.zeros(256, dtype=np.bool_)
_SPECIAL_BYTES[[ord(plain) for plain, _ in _COPY_ESCAPES]] = True


# --------------------------------------------------------------------------- writing


def write_picture_tables(
    connection: sa.Connection,
    picture_id: int,
    tables: DatasetTables,
    *,
    pick_microseconds: I32 | None = None,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> dict[str, int]:
    """Write every entity of ``tables`` as rows of picture ``picture_id``; rows per entity.

    The ``pictures`` row must exist already. ``pick_microseconds`` gives the fraction of
    a second of each pick's ``created_at`` (the tables hold whole seconds); without it
    the picks are stored at whole seconds. A row the database refuses (a duplicate key)
    raises :class:`~.picture_arrow.EntityWriteError` naming the entity.
    """
    arrays = stored_arrays_from_tables(tables, pick_microseconds)
    return _write(connection, picture_id, arrays, progress, chunk_size)


def write_picture_dataset(
    connection: sa.Connection,
    picture_id: int,
    dataset: Dataset,
    *,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> dict[str, int]:
    """Write every entity of ``dataset`` as rows of picture ``picture_id``, exactly.

    The same bulk writer as :func:`write_picture_tables`, for callers holding value
    objects: the stored values are built from them one by one, so anything a dataset
    may hold (any number of decimals, fractions of a second) is stored as it is.
    """
    arrays = stored_arrays_from_dataset(dataset)
    return _write(connection, picture_id, arrays, progress, chunk_size)


def _write(
    connection: sa.Connection,
    picture_id: int,
    arrays_of: Callable[[str], StoredArrays],
    progress: Progress | None,
    chunk_size: int,
) -> dict[str, int]:
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be 1 or more, not {chunk_size}")
    counts: dict[str, int] = {}
    with page_cache_for_bulk(connection):
        for entity, layout in LAYOUT.items():
            counts[entity] = _write_entity(
                connection, picture_id, entity, layout, arrays_of(entity), progress, chunk_size
            )
    return counts


def _write_entity(
    connection: sa.Connection,
    picture_id: int,
    entity: str,
    layout: Sequence[ColumnLayout],
    arrays: StoredArrays,
    progress: Progress | None,
    chunk_size: int,
) -> int:
    total = len(arrays[0])
    if progress is not None:
        progress(entity, 0, total)
    if not total:
        return 0

    def report(done: int) -> None:
        if progress is not None:
            progress(entity, done, total)

    names = [_quoted(connection, name) for name in ("picture_id", "position")]
    names += [_quoted(connection, column.column) for column in layout]
    table = _quoted(connection, entity)
    dbapi = connection.dialect.loaded_dbapi
    try:
        if connection.dialect.name == "postgresql":
            _copy_in(connection, table, names, picture_id, arrays, chunk_size, report)
        else:
            _insert_many(connection, table, names, picture_id, arrays, chunk_size, report)
    except (dbapi.IntegrityError, dbapi.DataError) as error:
        raise EntityWriteError(entity, _first_line(error)) from error
    except dbapi.Error as error:
        # any other refusal of the driver (a full disk...) as SQLAlchemy raises it for a
        # statement of its own, so callers meet one kind of error whichever wrote the rows
        raise sa.exc.DBAPIError.instance(
            f"bulk write of {entity}", None, error, dbapi.Error
        ) from error
    return total


@contextmanager
def page_cache_for_bulk(
    connection: sa.Connection, kib: int = _BULK_PAGE_CACHE_KIB
) -> Iterator[None]:
    """On SQLite, a page cache of ``kib`` KiB at least, which holds a large picture's
    indexes while it is written (a stored scan's rows take :data:`SCAN_PAGE_CACHE_KIB`:
    ``storage.order_risk``, ``storage.cases``, ``storage.case_facts``).

    Every row also goes into its table's primary-key index, in key order rather than
    row order; with SQLite's default cache of 2 MB those index pages are read and
    evicted over and over (about a quarter of the time on a million order lines). The
    connection's own setting is restored afterwards. PostgreSQL sizes its buffers
    itself.
    """
    with sqlite_page_cache(connection, kib, grow=True):
        yield


@contextmanager
def sqlite_page_cache(connection: sa.Connection, kib: int, *, grow: bool) -> Iterator[None]:
    """On SQLite, the connection's page cache at least (``grow``) or at most ``kib``
    KiB for the block, then its own setting again; nothing elsewhere, nor when the cache
    is already so."""

    def wanted(previous: int) -> int | None:
        # a negative setting is a size in KiB; a positive one, a number of pages, is
        # only ever grown
        change = (-previous < kib if grow else -previous > kib) if previous < 0 else grow
        return -kib if change else None

    with sqlite_setting(connection, "cache_size", wanted):
        yield


@contextmanager
def sqlite_setting(
    connection: sa.Connection, pragma: str, wanted: Callable[[int], int | None]
) -> Iterator[None]:
    """On SQLite, the connection's integer ``PRAGMA pragma`` set to ``wanted(its value)``
    for the block (None: left as it is), then its own value again; nothing elsewhere."""
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    (previous,) = driver.execute(f"PRAGMA {pragma}").fetchone()
    value = wanted(int(previous))
    if value is None:
        yield
        return
    driver.execute(f"PRAGMA {pragma} = {int(value)}")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA {pragma} = {int(previous)}")


def _copy_in(
    connection: sa.Connection,
    table: str,
    names: Sequence[str],
    picture_id: int,
    arrays: StoredArrays,
    chunk_size: int,
    report: Callable[[int], None],
) -> None:
    """``COPY table FROM STDIN``, chunk by chunk, rendered by Arrow in the text format."""
    driver = connection.connection.driver_connection
    assert driver is not None
    statement = f"COPY {table} ({', '.join(names)}) FROM STDIN"
    total = len(arrays[0])
    with driver.cursor() as cursor, copying(cursor, statement) as copy:
        for start in range(0, total, chunk_size):
            end = min(total, start + chunk_size)
            copy.write(_copy_text(picture_id, start, [a.slice(start, end - start) for a in arrays]))
            report(end)


def _copy_text(picture_id: int, start: int, arrays: StoredArrays) -> memoryview:
    """The rows as COPY text: values tab-separated, ``\\N`` for NULL, one line per row.

    Backslashes, tabs and line breaks inside text are escaped; dates, timestamps and
    booleans are printed by Arrow in forms PostgreSQL reads (``2026-11-25``,
    ``2026-11-24 08:30:15.250000``, ``true``).
    """
    rows = len(arrays[0])
    positions = pa.array(np.arange(start, start + rows, dtype=np.int64)).cast(pa.string())
    texts = [_copy_value(array) for array in arrays]
    lines = pc.binary_join_element_wise(
        pa.scalar(str(picture_id)),
        positions,
        *texts,
        "\t",
        null_handling="replace",
        null_replacement="\\N",
    )
    lines = pc.binary_join_element_wise(lines, "\n", "")
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    begin, end = int(offsets[lines.offset]), int(offsets[lines.offset + rows])
    return memoryview(lines.buffers()[2])[begin:end]


def _copy_value(array: pa.Array) -> pa.Array:
    if not pa.types.is_string(array.type):
        return array.cast(pa.string())
    if not _holds_special_bytes(array):
        return array
    for plain, escaped in _COPY_ESCAPES:
        array = pc.replace_substring(array, plain, escaped)
    return array


def _holds_special_bytes(array: pa.Array) -> bool:
    """Whether any text of ``array`` holds a character COPY's text format escapes.

    Looked for in the array's UTF-8 bytes at once (such characters are rare), so the
    four replacements run only when there is something to replace.
    """
    _, offsets, data = array.buffers()
    if data is None or not len(array):
        return False
    bounds = np.frombuffer(offsets, dtype=np.int32)
    start, end = int(bounds[array.offset]), int(bounds[array.offset + len(array)])
    return bool(_SPECIAL_BYTES[np.frombuffer(data, dtype=np.uint8)[start:end]].any())


def _insert_many(
    connection: sa.Connection,
    table: str,
    names: Sequence[str],
    picture_id: int,
    arrays: StoredArrays,
    chunk_size: int,
    report: Callable[[int], None],
) -> None:
    """``executemany`` of one prepared INSERT on the driver's cursor, chunk by chunk.

    Values are what SQLAlchemy's SQLite types store: dates as ``YYYY-MM-DD`` and
    timestamps as ``YYYY-MM-DD HH:MM:SS.ffffff`` text, booleans as 1 and 0.
    """
    driver = connection.connection.driver_connection
    assert driver is not None
    texts = [
        array.cast(pa.string()) if pa.types.is_temporal(array.type) else array for array in arrays
    ]
    total = len(arrays[0])
    cursor = driver.cursor()
    try:
        for start in range(0, total, chunk_size):
            end = min(total, start + chunk_size)
            columns = [array.slice(start, end - start).to_pylist() for array in texts]
            sqlite_insert_rows(
                cursor, table, names, zip(repeat(picture_id), range(start, end), *columns)
            )
            report(end)
    finally:
        cursor.close()


def _quoted(connection: sa.Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else repr(error)


# --------------------------------------------------------------------------- reading


def read_picture_tables(connection: sa.Connection, picture_id: int) -> DatasetTables:
    """The stored picture ``picture_id`` as columns, rows in their source order.

    Equal, array for array, to ``tables_from_dataset(load_picture(session, picture_id))``
    (pick times are whole seconds in the tables). A picture that is not stored reads as
    empty tables: callers resolve the id first (:func:`load_picture_tables` does). Raises
    :class:`~controltower.domain.columnar.ColumnarPrecisionError` for a stored decimal
    the columns cannot hold (more than six decimals), which only a picture stored from
    value objects may have.
    """
    arrays = {
        entity: read_entity(connection, entity, layout, picture_id)
        for entity, layout in LAYOUT.items()
    }
    return tables_from_read_arrays(arrays)


def load_picture_tables(session: Session, picture_id: int | None = None) -> DatasetTables:
    """The stored picture as columns; with ``picture_id`` None, the only stored one.

    The columnar counterpart of :func:`~.repository.load_picture`, with the same
    errors for a picture that is not stored or a request that is ambiguous. The
    picture's snapshot (:mod:`.picture_snapshot`, written at import) is read when it
    has one, else its rows.
    """
    from controltower.storage.repository import resolve_picture_id  # repository imports us

    resolved = resolve_picture_id(session, picture_id)
    connection = session.connection()
    snapshot = read_picture_snapshot(connection, resolved)
    return snapshot if snapshot is not None else read_picture_tables(connection, resolved)


def load_picture_tables_and_digest(
    session: Session, picture_id: int
) -> tuple[DatasetTables, str | None]:
    """:func:`load_picture_tables`, and the digest of the snapshot they were read from
    (:func:`~.picture_snapshot.read_picture_snapshot_and_digest`; None when the picture
    has no snapshot and was read from its rows)."""
    from controltower.storage.repository import resolve_picture_id  # repository imports us

    resolved = resolve_picture_id(session, picture_id)
    connection = session.connection()
    found = read_picture_snapshot_and_digest(connection, resolved)
    if found is not None:
        return found
    return read_picture_tables(connection, resolved), None
