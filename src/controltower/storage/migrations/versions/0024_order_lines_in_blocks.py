"""The stored orders' line outcomes move out of their rows into compressed blocks.

Revision ID: 0024_order_lines_in_blocks
Revises: 0023_picture_next_positions
Create Date: 2026-12-07

An order's ``order_risk`` row kept its line outcomes as JSON text (``lines``): about
235 MB at a million order lines, most of what a first stored scan sends to the
database. ``order_line_blocks`` keeps them instead, the lines of up to 64 orders a
scan run wrote per row, compressed together with zstd (``storage/order_lines.py``:
the number of texts, their offsets in their UTF-8, then that UTF-8 compressed); a row names its block (``lines_block``, under its
``scan_run_id``) and its place in it (``lines_slot``). The index of ``scan_run_id``
becomes one of ``scan_run_id`` and ``lines_block``, which also tells which blocks no
row names.

Upgrading moves every stored row's lines into blocks, a run's rows in order of company
and order id. Rows stored before ``order_pegs`` existed (0016) got their pegs at the
next scan, which read the lines' text; that text is read here instead: a company with
no peg row gets the pegs its rows' lines name. Downgrading puts the text back.

Both columns are added ``NOT NULL`` with a default of 0 so that SQLite can add them to
a table that has rows without copying it; PostgreSQL then drops the default, SQLite
keeps it (the product always writes both).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any, Final

import numpy as np
import pyarrow as pa
import sqlalchemy as sa
from alembic import op

revision: str = "0024_order_lines_in_blocks"
down_revision: str | None = "0023_picture_next_positions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ORDERS_PER_BLOCK: Final = 64
_ROWS_PER_WRITE: Final = 10_000
_BLOCKS_PER_WRITE: Final = 100
_CODEC: Final = pa.Codec("zstd")
_OFFSET: Final = np.dtype("<i4")

_risk = sa.table(
    "order_risk",
    sa.column("company", sa.Text()),
    sa.column("order_id", sa.Text()),
    sa.column("scan_run_id", sa.Integer()),
    sa.column("warehouse", sa.Text()),
    sa.column("lines", sa.Text()),
    sa.column("lines_block", sa.Integer()),
    sa.column("lines_slot", sa.Integer()),
)
_blocks = sa.table(
    "order_line_blocks",
    sa.column("scan_run_id", sa.Integer()),
    sa.column("block", sa.Integer()),
    sa.column("data", sa.LargeBinary()),
)
_pegs = sa.table(
    "order_pegs",
    sa.column("company", sa.Text()),
    sa.column("order_id", sa.Text()),
    sa.column("order_line", sa.Integer()),
    sa.column("po_id", sa.Text()),
    sa.column("po_line", sa.Integer()),
    sa.column("warehouse", sa.Text()),
    sa.column("qty", sa.Numeric().with_variant(sa.Text(), "sqlite")),
    sa.column("available_date", sa.Date()),
)


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "order_line_blocks",
        sa.Column("scan_run_id", sa.Integer, sa.ForeignKey("scan_runs.id"), primary_key=True),
        sa.Column("block", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE order_line_blocks ALTER COLUMN data SET STORAGE EXTERNAL")
    for name in ("lines_block", "lines_slot"):
        op.add_column("order_risk", sa.Column(name, sa.Integer, nullable=False, server_default="0"))
    op.drop_index("ix_order_risk_scan_run_id", table_name="order_risk")
    with _secondary_indexes_set_aside():
        _move_lines_into_blocks(bind)
    op.create_index("ix_order_risk_lines", "order_risk", ["scan_run_id", "lines_block"])
    if bind.dialect.name == "postgresql":
        for name in ("lines_block", "lines_slot"):
            op.execute(f"ALTER TABLE order_risk ALTER COLUMN {name} DROP DEFAULT")


def downgrade() -> None:
    bind = op.get_bind()
    op.add_column("order_risk", sa.Column("lines", sa.Text(), nullable=False, server_default="[]"))
    with _secondary_indexes_set_aside():
        _move_lines_back(bind)
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE order_risk ALTER COLUMN lines DROP DEFAULT")
    op.drop_index("ix_order_risk_lines", table_name="order_risk")
    op.create_index("ix_order_risk_scan_run_id", "order_risk", ["scan_run_id"])
    op.execute("ALTER TABLE order_risk DROP COLUMN lines_slot")
    op.execute("ALTER TABLE order_risk DROP COLUMN lines_block")
    op.drop_table("order_line_blocks")


#: the secondary indexes of ``order_risk`` the move leaves in place (0004, 0009), as made
_SECONDARY_INDEXES: Final = {
    "ix_order_risk_urgency": [
        "company",
        "at_risk",
        "days_late",
        "open_value",
        "order_id",
        "status",
        "warehouse",
        "customer",
        "promised_date",
    ],
    "ix_order_risk_customer": [
        "company",
        "customer",
        "at_risk",
        "days_late",
        "open_value",
        "order_id",
    ],
    "ix_order_risk_warehouse": ["company", "warehouse", "order_id"],
}


@contextmanager
def _secondary_indexes_set_aside() -> Iterator[None]:
    """Drop the indexes the move does not need and build them again after it: updating
    every row keeps no index entry (PostgreSQL writes a new version of each row, and of
    each of its index entries)."""
    for name in _SECONDARY_INDEXES:
        op.drop_index(name, table_name="order_risk")
    yield
    for name, columns in _SECONDARY_INDEXES.items():
        op.create_index(name, "order_risk", columns)


# --- upgrading ---------------------------------------------------------------------------


def _move_lines_into_blocks(bind: sa.Connection) -> None:
    """Every row's lines into its run's blocks, and the ``lines`` column dropped; pegs
    for the companies that have none.

    The rows are read ten thousand at a time and their blocks written a hundred at a time
    as they come; the rows' places are set once the read is done (not under its open
    cursor), ten thousand at a time.
    """
    pegged = set(bind.execute(sa.select(_pegs.c.company).distinct()).scalars())
    query = sa.select(
        _risk.c.scan_run_id, _risk.c.company, _risk.c.order_id, _risk.c.warehouse, _risk.c.lines
    ).order_by(_risk.c.scan_run_id, _risk.c.company, _risk.c.order_id)
    rows = bind.execute(query.execution_options(yield_per=_ROWS_PER_WRITE))
    places: list[dict[str, Any]] = []
    pegs: list[dict[str, Any]] = []
    blocks: list[dict[str, Any]] = []
    for run, block, chunk in _blocks_of_runs(rows):
        texts = [lines for _, _, _, _, lines in chunk]
        blocks.append({"scan_run_id": run, "block": block, "data": _block(texts)})
        if len(blocks) == _BLOCKS_PER_WRITE:
            bind.execute(sa.insert(_blocks), blocks)
            blocks = []
        for slot, (_, company, order_id, warehouse, lines) in enumerate(chunk):
            places.append({"c": company, "o": order_id, "b": block, "s": slot})
            if company not in pegged:
                pegs.extend(_pegs_named(bind, company, order_id, warehouse, lines))
    if blocks:
        bind.execute(sa.insert(_blocks), blocks)
    # dropped first, the text is not copied into the rows' new versions on PostgreSQL
    op.execute("ALTER TABLE order_risk DROP COLUMN lines")
    for start in range(0, len(places), _ROWS_PER_WRITE):
        _place(bind, places[start : start + _ROWS_PER_WRITE])
    for start in range(0, len(pegs), _ROWS_PER_WRITE):
        bind.execute(sa.insert(_pegs), pegs[start : start + _ROWS_PER_WRITE])


def _place(bind: sa.Connection, places: list[dict[str, Any]]) -> None:
    """Set the rows' ``lines_block`` and ``lines_slot``: on PostgreSQL one ``UPDATE``
    joined to the places sent as arrays, on SQLite (in-process) one statement executed
    for each place."""
    update = sa.update(_risk).where(
        _risk.c.company == sa.bindparam("c"), _risk.c.order_id == sa.bindparam("o")
    )
    if bind.dialect.name != "postgresql":
        bind.execute(
            update.values(lines_block=sa.bindparam("b"), lines_slot=sa.bindparam("s")), places
        )
        return
    bind.execute(
        sa.text(
            "UPDATE order_risk SET lines_block = p.b, lines_slot = p.s "
            "FROM unnest(CAST(:c AS text[]), CAST(:o AS text[]), CAST(:b AS integer[]), "
            "CAST(:s AS integer[])) AS p(c, o, b, s) "
            "WHERE order_risk.company = p.c AND order_risk.order_id = p.o"
        ),
        {key: [place[key] for place in places] for key in ("c", "o", "b", "s")},
    )


def _blocks_of_runs(rows: Any) -> Iterator[tuple[int, int, list[Any]]]:
    """(run, block number, rows) for each block of up to 64 rows of one run, in order."""
    run: int | None = None
    block = 0
    chunk: list[Any] = []
    for row in rows:
        if row[0] != run or len(chunk) == _ORDERS_PER_BLOCK:
            if chunk:
                assert run is not None
                yield run, block, chunk
            block = 0 if row[0] != run else block + 1
            run, chunk = row[0], []
        chunk.append(tuple(row))
    if chunk:
        assert run is not None
        yield run, block, chunk


def _block(texts: list[str]) -> bytes:
    """The lines texts as the product stores a block: their number, the offsets of each
    in their UTF-8 (little-endian 32-bit integers), then that UTF-8 compressed with zstd."""
    encoded = [text.encode() for text in texts]
    offsets = np.zeros(len(encoded) + 2, dtype=_OFFSET)
    offsets[0] = len(encoded)
    offsets[2:] = np.cumsum([len(text) for text in encoded])
    compressed: bytes = _CODEC.compress(b"".join(encoded), asbytes=True)
    return offsets.tobytes() + compressed


def _texts(data: bytes) -> list[str]:
    """The lines texts a :func:`_block` holds."""
    count = int(np.frombuffer(data, dtype=_OFFSET, count=1)[0])
    offsets = np.frombuffer(data, dtype=_OFFSET, count=count + 1, offset=_OFFSET.itemsize)
    start = _OFFSET.itemsize * (count + 2)
    raw = _CODEC.decompress(data[start:], decompressed_size=int(offsets[-1]), asbytes=True)
    return [raw[offsets[n] : offsets[n + 1]].decode() for n in range(count)]


def _pegs_named(
    bind: sa.Connection, company: str, order_id: str, warehouse: str, lines: str
) -> list[dict[str, Any]]:
    """The ``order_pegs`` rows an order's lines text names, as the scan writes them (two
    pegs of one line on one PO line are one row; quantities as decimal text on SQLite)."""
    if '"po_id"' not in lines:
        return []
    pegs: dict[tuple[int, str, int], tuple[Decimal, date, str]] = {}
    for line in json.loads(lines, parse_float=Decimal, parse_int=Decimal):
        at = str(line.get("warehouse", warehouse))
        for peg in line["from_inbound"]:
            key = (int(line["line"]), str(peg["po_id"]), int(peg["line"]))
            qty = Decimal(peg["qty"]) + (pegs[key][0] if key in pegs else 0)
            pegs[key] = (qty, date.fromisoformat(peg["available_date"]), at)
    exact = bind.dialect.name == "postgresql"
    return [
        {
            "company": company,
            "order_id": order_id,
            "order_line": order_line,
            "po_id": po_id,
            "po_line": po_line,
            "warehouse": at,
            "qty": qty if exact else _decimal_text(qty),
            "available_date": available,
        }
        for (order_line, po_id, po_line), (qty, available, at) in pegs.items()
    ]


def _decimal_text(value: Decimal) -> str:
    """``value`` as SQLite keeps a decimal: plain, without trailing zeros."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- downgrading -------------------------------------------------------------------------


def _move_lines_back(bind: sa.Connection) -> None:
    """Every row's lines text back from its block."""
    places = bind.execute(
        sa.select(
            _risk.c.company,
            _risk.c.order_id,
            _risk.c.scan_run_id,
            _risk.c.lines_block,
            _risk.c.lines_slot,
        )
    ).all()
    texts: dict[tuple[int, int], list[str]] = {}
    for run, block, data in bind.execute(
        sa.select(_blocks.c.scan_run_id, _blocks.c.block, _blocks.c.data)
    ):
        texts[(run, block)] = _texts(bytes(data))
    values = [
        {"c": company, "o": order_id, "t": texts[(run, block)][slot]}
        for company, order_id, run, block, slot in places
    ]
    for start in range(0, len(values), _ROWS_PER_WRITE):
        bind.execute(
            sa.update(_risk)
            .where(_risk.c.company == sa.bindparam("c"), _risk.c.order_id == sa.bindparam("o"))
            .values(lines=sa.bindparam("t")),
            values[start : start + _ROWS_PER_WRITE],
        )
