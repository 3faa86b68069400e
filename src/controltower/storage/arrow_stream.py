"""Columns kept as one compressed Arrow IPC stream: how large derived data is stored.

A picture's snapshot (:mod:`~controltower.storage.picture_snapshot`) and the stored
orders' line outcomes (:mod:`~controltower.storage.order_lines`) are written as one
record batch in an Arrow IPC stream whose buffers are compressed with zstd, and read
back whole. Arrow compresses and decompresses without the interpreter's lock, and the
stream says its own schema, so a reader needs nothing but the bytes.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

_OPTIONS: Final = pa.ipc.IpcWriteOptions(compression="zstd")


def compressed_stream(columns: dict[str, pa.Array]) -> bytes:
    """``columns`` (of equal length) as the bytes of a zstd-compressed Arrow IPC stream."""
    batch = pa.record_batch(list(columns.values()), names=list(columns))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema, options=_OPTIONS) as writer:
        writer.write_batch(batch)
    return bytes(sink.getvalue())


def read_stream(data: bytes) -> pa.Table:
    """The columns a :func:`compressed_stream` holds."""
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()
