"""Places for rows added to a stored picture, after every row it holds.

Each row of a picture keeps its place in the source (``position``), so a picture loads
back in the order it was given. Rows added later (a sync's patch, an executed action's
new row) go after the last one. ``pictures.next_positions`` keeps, per table, the
position after the last one given out, so finding it reads one row instead of the
picture's whole table (no index serves ``max(position)``); a picture stored before that
column existed finds it with ``max(position)`` once.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from controltower.storage import tables as schema


def claim_positions(connection: sa.Connection, picture_id: int, entity: str, rows: int) -> int:
    """The first of ``rows`` consecutive positions after every row of ``entity`` in the
    picture, now given out (in the caller's transaction)."""
    pictures = schema.pictures
    stored = connection.execute(
        sa.select(pictures.c.next_positions).where(pictures.c.id == picture_id)
    ).scalar_one()
    places = {str(name): int(place) for name, place in dict(stored or {}).items()}
    first = places.get(entity)
    if first is None:
        table = schema.ENTITY_TABLES[entity]
        first = connection.execute(
            sa.select(sa.func.coalesce(sa.func.max(table.c.position) + 1, 0)).where(
                table.c.picture_id == picture_id
            )
        ).scalar_one()
    places[entity] = int(first) + rows
    connection.execute(
        sa.update(pictures).where(pictures.c.id == picture_id).values(next_positions=places)
    )
    return int(first)


def positions_after_import(counts: Mapping[str, int]) -> dict[str, int]:
    """The next positions of a picture just written: its rows hold ``0 .. count - 1``."""
    return {str(entity): int(count) for entity, count in counts.items()}
