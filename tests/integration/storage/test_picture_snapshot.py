"""A picture's snapshot (``storage/picture_snapshot.py``): its columns kept whole.

What the stored scan reads must be what the picture's rows say: the snapshot written at
import reads back equal, array for array, to the tables rebuilt from the rows, and a
picture without one (value objects the columns cannot hold) is read from its rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from sqlalchemy.orm import Session, sessionmaker

from controltower.demo import generate_business
from controltower.domain.columnar import ColumnarPrecisionError
from controltower.domain.model import Dataset
from controltower.domain.tables import DatasetTables, tables_from_dataset
from controltower.storage import tables as schema
from controltower.storage.picture_columns import load_picture_tables, read_picture_tables
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
