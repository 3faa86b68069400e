"""The stored orders' line outcomes, kept in compressed blocks beside their risk rows.

An order's lines are the largest part of what a scan stores: a JSON array per order,
as the scan document states them, about 235 MB of text at a million order lines. Kept
in the order's ``order_risk`` row, that text was most of what a first stored scan sent
to the database, and on PostgreSQL most of its time. Yet only an order's page, the
API's order, and the purchasing page's orders waiting on a PO read it, a page at a time.

So the scan that writes a batch of rows writes their lines as blocks: the lines of up
to :data:`ORDERS_PER_BLOCK` orders, in the order the rows are written, as one
zstd-compressed Arrow stream (:mod:`~controltower.storage.arrow_stream`), one
``order_line_blocks`` row per block, keyed by the scan run and the block's number. A
row says where its lines are: its ``scan_run_id`` (the run that last wrote it, which
wrote its lines), ``lines_block`` and ``lines_slot``. At a million lines that is about
26 MB; one order's lines are read by fetching and opening its block (a fraction of a
millisecond).

A block is written once and never changed. A scan that deletes or rewrites rows
deletes the blocks no row names any more (:func:`forget_unnamed_blocks`); a block
stays while any of its orders' rows does, so at most one block per live row is kept
beyond what the rows need.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import pyarrow as pa
import sqlalchemy as sa

from controltower.storage import tables
from controltower.storage.arrow_stream import compressed_stream, read_stream

#: orders per block: small enough that opening one block for one order costs little
#: (about 200 kB of text), large enough that zstd finds the lines' repeated keys
ORDERS_PER_BLOCK: Final = 256

#: blocks looked up per query (each is two bound parameters)
_BLOCKS_PER_QUERY: Final = 400

#: where an order's lines are: (scan run, block, slot)
LinesPlace = tuple[int, int, int]


def line_blocks(lines: Sequence[str]) -> list[bytes]:
    """The blocks ``lines`` (one JSON text per order, in the order the rows are written)
    are stored as, without touching the database.

    Most of the work is Arrow's compression, which lets go of the interpreter: a scan
    makes the blocks on a second thread while its connection writes the rows.
    """
    return [
        compressed_stream({"lines": pa.array(lines[start : start + ORDERS_PER_BLOCK], pa.string())})
        for start in range(0, len(lines), ORDERS_PER_BLOCK)
    ]


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


def place_of(row: Mapping[str, Any]) -> LinesPlace:
    """Where the lines of an ``order_risk`` row are."""
    return (int(row["scan_run_id"]), int(row["lines_block"]), int(row["lines_slot"]))


def read_order_lines(
    connection: sa.Connection, places: Iterable[LinesPlace]
) -> dict[LinesPlace, str]:
    """The lines text at each of ``places``; each block they name is read and opened once.

    A place whose block is missing is a broken store (a block goes only when no row
    names it): :class:`LookupError` says which.
    """
    wanted: dict[tuple[int, int], list[int]] = {}
    for run, block, slot in places:
        wanted.setdefault((run, block), []).append(slot)
    table = tables.order_line_blocks
    key = sa.tuple_(table.c.scan_run_id, table.c.block)
    blocks = sorted(wanted)
    found: dict[LinesPlace, str] = {}
    for start in range(0, len(blocks), _BLOCKS_PER_QUERY):
        chunk = blocks[start : start + _BLOCKS_PER_QUERY]
        query = sa.select(table.c.scan_run_id, table.c.block, table.c.data).where(key.in_(chunk))
        for run, block, data in connection.execute(query):
            texts = read_stream(bytes(data)).column("lines")
            for slot in wanted.pop((run, block)):
                found[(run, block, slot)] = str(texts[slot].as_py())
    if wanted:
        run, block = min(wanted)
        raise LookupError(f"the stored lines of scan run {run} (block {block}) are missing")
    return found


def with_stored_lines(connection: sa.Connection, rows: Iterable[Any]) -> list[dict[str, Any]]:
    """``order_risk`` rows (selected with their place columns) as mappings that also hold
    their ``lines`` text."""
    mappings = [dict(row._mapping) for row in rows]
    texts = read_order_lines(connection, (place_of(row) for row in mappings))
    for row in mappings:
        row["lines"] = texts[place_of(row)]
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
