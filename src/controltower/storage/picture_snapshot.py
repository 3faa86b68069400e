"""A stored picture's columns kept whole, so a stored scan reads them in one go.

A picture changes after its import only when a governed action is executed, which
rewrites the snapshot with its rows (``storage/picture_edits.py``), or when an
incremental Odoo sync patches it, which patches the snapshot the same way
(``storage/picture_snapshot_patch.py``), so the
:class:`~controltower.domain.tables.DatasetTables` the scan needs can be written beside
the picture's rows at import (and again by whatever changes them): every array of
every table as a compressed Arrow IPC stream, one ``picture_snapshots`` row per table
and per code vocabulary. Reading them back is a few megabytes of ``SELECT`` and
zero-copy Arrow buffers, where rebuilding the columns from the rows costs a fetch and a
conversion per row (seconds at a million order lines, about as long as the whole
stateless scan).

The rows stay the picture's record (pages, queries, ``export`` read them); the snapshot
is derived from the same tables in the same transaction and is deleted with its
picture. A picture stored without one (by a release before snapshots, or given as value
objects the columns cannot hold exactly) is read from its rows instead
(:func:`~controltower.storage.picture_columns.read_picture_tables`), which gives equal
tables: tests hold the two equal.
"""

from __future__ import annotations

import hashlib
from dataclasses import fields
from typing import Any, Final, cast

import numpy as np
import pyarrow as pa
import sqlalchemy as sa

from controltower.domain.tables import DatasetTables, Vocabularies, Vocabulary
from controltower.storage import tables as schema

#: the layout of the parts; a snapshot of another version is ignored (read from rows)
SNAPSHOT_FORMAT: Final = 1
_VOCABULARY: Final = "vocab."
_OPTIONS: Final = pa.ipc.IpcWriteOptions(compression="zstd")


SnapshotParts = list[tuple[str, bytes]]
"""A snapshot made ready to store: (part, compressed Arrow stream) for each part."""


def write_picture_snapshot(
    connection: sa.Connection, picture_id: int, tables: DatasetTables
) -> None:
    """Store ``tables`` as the snapshot of picture ``picture_id`` (in the caller's transaction)."""
    write_snapshot_parts(connection, picture_id, snapshot_parts(tables))


def write_snapshot_parts(connection: sa.Connection, picture_id: int, parts: SnapshotParts) -> None:
    """Store ``parts`` (:func:`snapshot_parts`) as the snapshot of picture ``picture_id``."""
    rows = [
        {"picture_id": picture_id, "part": part, "format": SNAPSHOT_FORMAT, "data": data}
        for part, data in parts
    ]
    connection.execute(sa.insert(schema.picture_snapshots), rows)


def read_picture_snapshot(connection: sa.Connection, picture_id: int) -> DatasetTables | None:
    """The snapshot of picture ``picture_id`` as tables, or None when it has none."""
    parts = _stored_parts(connection, picture_id)
    return _tables(parts) if parts else None


def read_picture_snapshot_and_digest(
    connection: sa.Connection, picture_id: int
) -> tuple[DatasetTables, str] | None:
    """:func:`read_picture_snapshot`, and a digest of the snapshot's parts read for it.

    Every part's name and bytes go into the digest: two snapshots with the same digest
    hold the same tables, so a scan of either analyses the same picture.
    """
    parts = _stored_parts(connection, picture_id)
    if not parts:
        return None
    digest = hashlib.blake2b(f"snapshot {SNAPSHOT_FORMAT}".encode(), digest_size=16)
    for part in sorted(parts):
        for piece in (part.encode(), parts[part]):
            digest.update(len(piece).to_bytes(8, "big"))
            digest.update(piece)
    return _tables(parts), digest.hexdigest()


def _stored_parts(connection: sa.Connection, picture_id: int) -> dict[str, bytes]:
    """The stored parts of picture ``picture_id``'s snapshot, by name (none: empty)."""
    table = schema.picture_snapshots
    query = sa.select(table.c.part, table.c.data).where(
        table.c.picture_id == picture_id, table.c.format == SNAPSHOT_FORMAT
    )
    return {part: bytes(data) for part, data in connection.execute(query)}


def snapshot_parts(tables: DatasetTables) -> SnapshotParts:
    """``tables`` compressed into the parts of a snapshot, without touching the database.

    Most of the work is Arrow's compression, which lets go of the interpreter: an import
    makes the parts on a second thread while its connection copies the rows in.
    """
    parts = [
        (_VOCABULARY + item.name, _stream({"code": pa.array(vocabulary.codes, pa.string())}))
        for item in fields(Vocabularies)
        for vocabulary in [getattr(tables.vocab, item.name)]
    ]
    for item in fields(DatasetTables):
        if item.name == "vocab":
            continue
        table = getattr(tables, item.name)
        columns = {column.name: _arrow(getattr(table, column.name)) for column in fields(table)}
        parts.append((item.name, _stream(columns)))
    return parts


def _arrow(values: np.ndarray[Any, Any]) -> pa.Array:
    if values.dtype == np.object_:
        return pa.array(values, type=pa.string())
    return pa.array(values)


def _stream(columns: dict[str, pa.Array]) -> bytes:
    batch = pa.record_batch(list(columns.values()), names=list(columns))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema, options=_OPTIONS) as writer:
        writer.write_batch(batch)
    return bytes(sink.getvalue())


def _columns(data: bytes) -> dict[str, np.ndarray[Any, Any]]:
    table = pa.ipc.open_stream(pa.py_buffer(data)).read_all()
    columns: dict[str, np.ndarray[Any, Any]] = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        array = column.combine_chunks()
        if pa.types.is_string(array.type):
            columns[name] = np.array(array.to_pylist(), dtype=object)
        else:
            columns[name] = array.to_numpy(zero_copy_only=False).copy()
    return columns


def _tables(parts: dict[str, bytes]) -> DatasetTables:
    vocab = Vocabularies(
        **{
            item.name: Vocabulary(tuple(_columns(parts[_VOCABULARY + item.name])["code"]))
            for item in fields(Vocabularies)
        }
    )
    built: dict[str, Any] = {"vocab": vocab}
    for item in fields(DatasetTables):
        if item.name == "vocab":
            continue
        kind = _table_class(item.name)
        built[item.name] = kind(**_columns(parts[item.name]))
    return DatasetTables(**built)


def _table_class(name: str) -> type:
    """The table dataclass of ``DatasetTables.<name>`` (annotations are strings here)."""
    from controltower.domain import tables as domain_tables

    annotation = DatasetTables.__annotations__[name]
    return cast(type, getattr(domain_tables, str(annotation)))
