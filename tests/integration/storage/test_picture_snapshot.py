"""A picture's snapshot (``storage/picture_snapshot.py``): its columns kept whole.

What the stored scan reads must be what the picture's rows say: the snapshot written at
import reads back equal, array for array, to the tables rebuilt from the rows, and a
picture without one (value objects the columns cannot hold) is read from its rows.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from controltower.demo import generate_business
from controltower.domain.columnar import ColumnarPrecisionError
from controltower.domain.model import Dataset
from controltower.domain.tables import DatasetTables, tables_from_dataset
from controltower.storage import tables as schema
from controltower.storage.picture_columns import load_picture_tables, read_picture_tables
from controltower.storage.picture_edits import key_columns
from controltower.storage.picture_patch import patch_picture
from controltower.storage.picture_snapshot import read_picture_snapshot
from controltower.storage.repository import replace_picture
from helpers.random_business import businesses
from helpers.tables import assert_tables_equal

pytestmark = pytest.mark.database

IMPORTED_AT = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)
AS_OF = date(2026, 11, 25)


def store(sessions: sessionmaker[Session], picture: Dataset | DatasetTables) -> int:
    with sessions.begin() as session:
        return replace_picture(
            session, picture, source="test", imported_at=IMPORTED_AT, replace_all=True
        ).picture_id


def snapshot_parts(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        count = session.execute(sa.select(sa.func.count()).select_from(schema.picture_snapshots))
        return int(count.scalar_one())


@pytest.mark.parametrize("as_columns", [True, False], ids=["from columns", "from objects"])
def test_the_snapshot_of_an_imported_picture_equals_the_columns_of_its_rows(
    sessions: sessionmaker[Session], as_columns: bool
) -> None:
    dataset = generate_business("small", seed=11, as_of=AS_OF)
    picture_id = store(sessions, tables_from_dataset(dataset) if as_columns else dataset)
    with sessions() as session:
        connection = session.connection()
        snapshot = read_picture_snapshot(connection, picture_id)
        assert snapshot is not None
        assert_tables_equal(read_picture_tables(connection, picture_id), snapshot)
        assert_tables_equal(tables_from_dataset(dataset), load_picture_tables(session))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(businesses())
def test_any_small_business_reads_back_from_its_snapshot_as_its_columns(
    sessions: sessionmaker[Session], dataset: Dataset
) -> None:
    picture_id = store(sessions, tables_from_dataset(dataset))
    with sessions() as session:
        snapshot = read_picture_snapshot(session.connection(), picture_id)
    assert snapshot is not None
    assert_tables_equal(tables_from_dataset(dataset), snapshot)


def test_a_replaced_picture_takes_its_snapshot_with_it(
    sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    store(sessions, make_business("north"))
    parts = snapshot_parts(sessions)
    assert parts > 0
    store(sessions, make_business("north"))
    assert snapshot_parts(sessions) == parts


def test_a_picture_the_columns_cannot_hold_has_no_snapshot_and_is_read_from_its_rows(
    sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    dataset = make_business("north")
    dataset.products[0] = replace(dataset.products[0], list_price=Decimal("9.1234567"))
    picture_id = store(sessions, dataset)
    with sessions() as session:
        assert read_picture_snapshot(session.connection(), picture_id) is None
        with pytest.raises(ColumnarPrecisionError, match=r"9\.1234567"):
            load_picture_tables(session)


def _key(entity: str, row: object) -> tuple[object, ...]:
    return tuple(getattr(row, c.name) for c in key_columns(schema.ENTITY_TABLES[entity]))


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(businesses(), businesses(), st.randoms(use_true_random=False))
def test_a_patched_picture_s_snapshot_equals_the_columns_of_its_patched_rows(
    sessions: sessionmaker[Session], before: Dataset, after: Dataset, rng: random.Random
) -> None:
    """Any rows out by key and in: codes named for the first time, codes no row names any
    more, tables the patch leaves alone (their ids renumbered when a vocabulary moves)."""
    picture_id = store(sessions, tables_from_dataset(before))
    removed, added = Dataset(), Dataset()
    for entity, rows in before.collections():
        taken = [row for row in rows if rng.random() < 0.5]
        kept = {_key(entity, row) for row in rows} - {_key(entity, row) for row in taken}
        setattr(removed, entity, taken)
        setattr(
            added,
            entity,
            [
                row
                for row in getattr(after, entity)
                if _key(entity, row) not in kept and rng.random() < 0.5
            ],
        )
    with sessions.begin() as session:
        patch_picture(session, picture_id, removed, added, imported_at=IMPORTED_AT)
    with sessions() as session:
        connection = session.connection()
        snapshot = read_picture_snapshot(connection, picture_id)
        assert snapshot is not None
        assert_tables_equal(read_picture_tables(connection, picture_id), snapshot)
