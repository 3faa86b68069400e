"""Rows added to a stored picture go after every row it holds, without reading a table.

An import records, per table, the position after its last row
(``pictures.next_positions``); a patch (a sync's) takes its rows' places from there and
moves it on, so no place is given twice. A picture stored before that record existed
finds the place once with ``max(position)``, after the rows the patch took out (a place
they freed may be given again, as before). Either way, after any patches, no two rows
of a table share a place and the rows added last come after all others.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from controltower.domain.model import Dataset
from controltower.domain.tables import tables_from_dataset
from controltower.storage import tables as schema
from controltower.storage.picture_edits import key_columns
from controltower.storage.picture_patch import patch_picture
from controltower.storage.repository import replace_picture
from helpers.random_business import businesses

IMPORTED_AT = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)


def _key(entity: str, row: object) -> tuple[object, ...]:
    return tuple(getattr(row, c.name) for c in key_columns(schema.ENTITY_TABLES[entity]))


def _positions(session: Session, picture_id: int) -> dict[str, dict[tuple[object, ...], int]]:
    """Per table, each row's position by its business key."""
    found: dict[str, dict[tuple[object, ...], int]] = {}
    for entity, table in schema.ENTITY_TABLES.items():
        keys = key_columns(table)
        rows = session.execute(
            sa.select(table.c.position, *keys).where(table.c.picture_id == picture_id)
        ).all()
        found[entity] = {tuple(row[1:]): int(row[0]) for row in rows}
    return found


def _next_positions(session: Session, picture_id: int) -> dict[str, int] | None:
    stored = session.execute(
        sa.select(schema.pictures.c.next_positions).where(schema.pictures.c.id == picture_id)
    ).scalar_one()
    return None if stored is None else {str(k): int(v) for k, v in stored.items()}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    businesses(),
    businesses(),
    st.randoms(use_true_random=False),
    st.booleans(),
)
def test_rows_added_by_patches_come_after_every_row_and_share_no_place(
    sessions: sessionmaker[Session],
    before: Dataset,
    after: Dataset,
    rng: random.Random,
    stored_before_the_record: bool,
) -> None:
    with sessions.begin() as session:
        picture_id = replace_picture(
            session,
            tables_from_dataset(before),
            source="test",
            imported_at=IMPORTED_AT,
            replace_all=True,
        ).picture_id
        assert _next_positions(session, picture_id) == {
            entity: len(rows) for entity, rows in before.collections()
        }
        if stored_before_the_record:
            session.execute(
                sa.update(schema.pictures)
                .where(schema.pictures.c.id == picture_id)
                .values(next_positions=None)
            )
    held = {entity: list(rows) for entity, rows in before.collections()}
    # the tables whose next place is on record: all of them after an import; before the
    # record existed, a table's first added rows find their place after the rows still
    # held (the old way), and record it
    recorded = set() if stored_before_the_record else set(held)
    for _round in range(2):
        removed, added = Dataset(), Dataset()
        for entity, rows in held.items():
            taken = [row for row in rows if rng.random() < 0.5]
            kept = {_key(entity, row) for row in rows} - {_key(entity, row) for row in taken}
            fresh = [
                row
                for row in getattr(after, entity)
                if _key(entity, row) not in kept and rng.random() < 0.5
            ]
            setattr(removed, entity, taken)
            setattr(added, entity, fresh)
            held[entity] = [row for row in rows if _key(entity, row) in kept] + fresh
        with sessions.begin() as session:
            earlier = _positions(session, picture_id)
            patch_picture(session, picture_id, removed, added, imported_at=IMPORTED_AT)
            now = _positions(session, picture_id)
            record = _next_positions(session, picture_id)
        for entity, places in now.items():
            assert len(set(places.values())) == len(places), entity
            new = {_key(entity, row) for row in getattr(added, entity)}
            assert set(places) == {_key(entity, row) for row in held[entity]}
            old_places = [place for key, place in places.items() if key not in new]
            if new:
                first_new = min(places[key] for key in new)
                assert all(place < first_new for place in old_places), entity
                if entity in recorded:  # never a place given out before, even if freed
                    assert first_new >= max(earlier[entity].values(), default=-1) + 1, entity
                assert record is not None
                assert record[entity] == max(places[key] for key in new) + 1, entity
                recorded.add(entity)
