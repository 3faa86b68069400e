"""A stored picture patched in place: rows taken out by business key, rows put in.

An incremental Odoo sync maps only the documents that changed
(``connectors/odoo/incremental.py``): the rows those documents gave before, and the rows
they give now. Replacing the whole picture for that (``repository.replace_picture``)
rewrites hundreds of thousands of rows to change a few hundred; here the old rows are
deleted by their business key (the table's primary key without ``picture_id``), the new
ones inserted after the last ``position`` through the one bulk helper, the row counts
adjusted, and the snapshot the stored scan reads patched the same way
(``storage/picture_snapshot_patch.py``), in the caller's transaction, after taking the
pictures' turn as an import does.

:func:`patchable_picture` says whether the stored picture is the one the last sync of
that source stored, untouched since (no import replaced it, no executed action edited
it): only then is a patch the same as a new whole picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.model import Dataset
from controltower.storage import tables as schema
from controltower.storage.bulk import insert_columns
from controltower.storage.picture_columns import read_picture_tables
from controltower.storage.picture_edits import key_columns
from controltower.storage.picture_layout import LAYOUT
from controltower.storage.picture_positions import claim_positions
from controltower.storage.picture_snapshot import read_picture_snapshot, write_picture_snapshot
from controltower.storage.picture_snapshot_patch import patched_tables
from controltower.storage.repository import PictureSummary, picture_summary, take_picture_turn


def patchable_picture(session: Session, source: str, synced_at: datetime | None) -> int | None:
    """The id of the picture the last sync of ``source`` stored at ``synced_at``, when it
    is the only picture of that source and no action was executed on it since; else None."""
    if synced_at is None:
        return None
    pictures = schema.pictures
    rows = session.execute(
        sa.select(pictures.c.id, pictures.c.imported_at).where(pictures.c.source == source)
    ).all()
    if len(rows) != 1 or rows[0].imported_at != synced_at:
        return None
    requests = schema.action_requests
    edited = session.execute(
        sa.select(sa.func.count())
        .select_from(requests)
        .where(requests.c.executed_at >= rows[0].imported_at)
    ).scalar_one()
    return None if edited else int(rows[0].id)


def patch_picture(
    session: Session,
    picture_id: int,
    removed: Dataset,
    added: Dataset,
    *,
    imported_at: datetime,
) -> PictureSummary:
    """Take ``removed``'s rows (by business key) out of picture ``picture_id`` and put
    ``added``'s in; the picture's summary afterwards. Nothing is committed."""
    take_picture_turn(session, work="the sync")
    connection = session.connection()
    pictures = schema.pictures
    stored = connection.execute(
        sa.select(pictures.c.row_counts).where(pictures.c.id == picture_id)
    ).scalar_one()
    counts = {str(name): int(count) for name, count in dict(stored or {}).items()}
    changed = False
    for entity, rows in removed.collections():
        if rows:
            counts[entity] = counts.get(entity, 0) - _delete(connection, picture_id, entity, rows)
            changed = True
    for entity, rows in added.collections():
        if rows:
            counts[entity] = counts.get(entity, 0) + _insert(connection, picture_id, entity, rows)
            changed = True
    connection.execute(
        sa.update(pictures)
        .where(pictures.c.id == picture_id)
        .values(row_counts=counts, imported_at=imported_at)
    )
    if changed:
        _rewrite_snapshot(connection, picture_id, removed, added)
    # read back as every stored picture's summary is (companies from their own table: a
    # code may hold the comma of the joined column)
    return next(summary for summary in picture_summary(session) if summary.picture_id == picture_id)


def _delete(connection: sa.Connection, picture_id: int, entity: str, rows: Sequence[Any]) -> int:
    table = schema.ENTITY_TABLES[entity]
    keys = key_columns(table)
    statement = sa.delete(table).where(
        table.c.picture_id == picture_id,
        *(column == sa.bindparam(f"k_{column.name}") for column in keys),
    )
    params = [{f"k_{column.name}": getattr(row, column.name) for column in keys} for row in rows]
    result = connection.execute(statement, params)
    return int(result.rowcount)


def _insert(connection: sa.Connection, picture_id: int, entity: str, rows: Sequence[Any]) -> int:
    table = schema.ENTITY_TABLES[entity]
    first = claim_positions(connection, picture_id, entity, len(rows))
    columns: dict[str, list[Any]] = {
        "picture_id": [picture_id] * len(rows),
        "position": list(range(int(first), int(first) + len(rows))),
    }
    for layout in LAYOUT[entity]:
        columns[layout.column] = [getattr(row, layout.column) for row in rows]
    return insert_columns(connection, table, columns)


def _rewrite_snapshot(
    connection: sa.Connection, picture_id: int, removed: Dataset, added: Dataset
) -> None:
    """The snapshot patched as the rows were; a picture without one stays without, and
    one of another format is rebuilt from the patched rows."""
    old = read_picture_snapshot(connection, picture_id)
    snapshots = schema.picture_snapshots
    dropped = connection.execute(
        sa.delete(snapshots).where(snapshots.c.picture_id == picture_id)
    ).rowcount
    if old is not None:
        write_picture_snapshot(connection, picture_id, patched_tables(old, removed, added))
    elif dropped:
        write_picture_snapshot(connection, picture_id, read_picture_tables(connection, picture_id))
