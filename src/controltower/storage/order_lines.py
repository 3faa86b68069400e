"""The stored orders' line outcomes, kept in compressed blocks beside their risk rows.

An order's lines are the largest part of what a scan stores: a JSON array per order,
as the scan document states them, about 235 MB of text at a million order lines. Kept
in the order's ``order_risk`` row, that text was most of what a first stored scan sent
to the database (on PostgreSQL a fifth of its time and more). Yet only an order's page, the
API's order, and the purchasing page's orders waiting on a PO read it, a page at a time.

So the scan that writes a batch of rows writes their lines as blocks: the lines of up
to :data:`ORDERS_PER_BLOCK` orders, in the order the rows are written, compressed
together with zstd (:func:`line_blocks`), one ``order_line_blocks`` row per block,
keyed by the scan run and the block's number. A row says where its lines are: its
``scan_run_id`` (the run that last wrote it, which wrote its lines), ``lines_block``
and ``lines_slot``. At a million lines that is about 26 MB; one order's lines are read
by fetching its block with its row and decompressing it (about 0.1 ms).

A block is written once and never changed. A scan that deletes or rewrites rows
deletes the blocks no row names any more (:func:`forget_unnamed_blocks`); a block
stays while any of its orders' rows does, so at most one block per live row is kept
beyond what the rows need.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

import numpy as np
import pyarrow as pa
import sqlalchemy as sa

from controltower.storage import tables

#: orders per block: few enough that reading one order decompresses little (about 60 kB
#: of text, some 0.1 ms), enough that zstd finds the lines' repeated keys (a tenth)
ORDERS_PER_BLOCK: Final = 64

#: the label of a row's block in a :func:`with_lines_block` query
_BLOCK: Final = "lines_block_data"

#: zstd through Arrow's codec, which compresses without the interpreter's lock
_CODEC: Final = pa.Codec("zstd")
_OFFSET: Final = np.dtype("<i4")


def line_blocks(lines: Sequence[str]) -> list[bytes]:
    """The blocks ``lines`` (one JSON text per order, in the order the rows are written)
    are stored as, without touching the database.

    A block is the number of its orders ``n``, the ``n + 1`` offsets of their texts in
    the UTF-8 of all of them (little-endian 32-bit integers), then that UTF-8
    compressed with zstd. Most of the work is the compression, which lets go of the
    interpreter: a scan makes the blocks on a second thread while its connection writes
    the rows.
    """
    blocks: list[bytes] = []
    for start in range(0, len(lines), ORDERS_PER_BLOCK):
        texts = [text.encode() for text in lines[start : start + ORDERS_PER_BLOCK]]
        offsets = np.zeros(len(texts) + 2, dtype=_OFFSET)
        offsets[0] = len(texts)
        offsets[2:] = np.cumsum([len(text) for text in texts])
        blocks.append(offsets.tobytes() + _CODEC.compress(b"".join(texts), asbytes=True))
    return blocks


def _opened(data: bytes) -> tuple[bytes, Any]:
    """A block's texts, all in one, and their offsets (:func:`line_blocks`)."""
    count = int(np.frombuffer(data, dtype=_OFFSET, count=1)[0])
    offsets = np.frombuffer(data, dtype=_OFFSET, count=count + 1, offset=_OFFSET.itemsize)
    start = _OFFSET.itemsize * (count + 2)
    size = int(offsets[-1])
    return _CODEC.decompress(data[start:], decompressed_size=size, asbytes=True), offsets


def line_places(count: int) -> tuple[list[int], list[int]]:
    """Each of ``count`` orders' ``lines_block`` and ``lines_slot`` in :func:`line_blocks`."""
    return (
        [o // ORDERS_PER_BLOCK for o in range(count)],
        [o % ORDERS_PER_BLOCK for o in range(count)],
    )


def store_line_blocks(connection: sa.Connection, scan_run_id: int, blocks: Sequence[bytes]) -> None:
    """Store ``blocks`` (:func:`line_blocks`) as run ``scan_run_id``'s, numbered from 0: a
    run stores the lines of the rows it writes once."""
    if blocks:
        connection.execute(
            sa.insert(tables.order_line_blocks),
            [
                {"scan_run_id": scan_run_id, "block": number, "data": data}
                for number, data in enumerate(blocks)
            ],
        )


def with_lines_block(query: sa.Select[Any]) -> sa.Select[Any]:
    """``query`` of ``order_risk`` rows also selecting the block of each row's lines.

    The row and its block are read by one statement, so they belong together on
    PostgreSQL too, where each statement of a transaction sees the latest commit: read
    apart, a scan committing in between could rewrite the row and delete its block.
    """
    risk, blocks = tables.order_risk, tables.order_line_blocks
    return query.add_columns(blocks.c.data.label(_BLOCK)).outerjoin(
        blocks,
        sa.and_(blocks.c.scan_run_id == risk.c.scan_run_id, blocks.c.block == risk.c.lines_block),
    )


def with_stored_lines(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Rows of a :func:`with_lines_block` query as mappings holding each order's
    ``lines`` text instead of its block; each distinct block is opened once.

    A row whose block is missing means a broken store (a block goes only once no row
    names it): :class:`LookupError` says which, rather than showing the order without
    lines.
    """
    opened: dict[tuple[int, int], tuple[bytes, Any]] = {}
    mappings: list[dict[str, Any]] = []
    for row in rows:
        values = dict(row._mapping)
        data = values.pop(_BLOCK)
        where = (int(values["scan_run_id"]), int(values["lines_block"]))
        if data is None:
            raise LookupError(
                f"the stored lines of order {values['order_id']} (scan run {where[0]}, "
                f"block {where[1]}) are missing"
            )
        if where not in opened:
            opened[where] = _opened(bytes(data))
        texts, offsets = opened[where]
        slot = int(values["lines_slot"])
        values["lines"] = texts[offsets[slot] : offsets[slot + 1]].decode()
        mappings.append(values)
    return mappings


def forget_unnamed_blocks(connection: sa.Connection) -> int:
    """Delete the blocks no ``order_risk`` row names any more; how many.

    One probe of ``ix_order_risk_lines`` per block: a few thousand at a million lines.
    """
    blocks, risk = tables.order_line_blocks, tables.order_risk
    named = (
        sa.select(risk.c.scan_run_id)
        .where(risk.c.scan_run_id == blocks.c.scan_run_id, risk.c.lines_block == blocks.c.block)
        .exists()
    )
    return int(connection.execute(sa.delete(blocks).where(~named)).rowcount or 0)
