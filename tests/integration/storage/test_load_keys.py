"""Keys and indexes set aside while a large picture is loaded (``storage/load_keys.py``).

The import drops the picture tables' secondary indexes (and on PostgreSQL their foreign
keys) around a large load and builds them again from the catalog's own definitions.
These tests lower the threshold so a small picture takes that path, and hold that the
schema committed is the one Alembic made, the picture stored is the same, a failure
leaves the previous picture and the schema as they were, and a reader holding one of
the tables makes the load go the ordinary way instead of waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from controltower.domain.model import Dataset
from controltower.domain.tables import tables_from_dataset
from controltower.storage import load_keys
from controltower.storage import tables as schema
from controltower.storage.picture_columns import load_picture_tables, read_picture_tables
from controltower.storage.repository import (
    PictureWriteError,
    list_pictures,
    load_picture,
    replace_picture,
)
from helpers.tables import assert_tables_equal

pytestmark = pytest.mark.database

IMPORTED_AT = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)
ENTITY_TABLES = [table.name for table in schema.ENTITY_TABLES.values()]


@pytest.fixture
def every_load_sets_keys_aside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_keys, "MIN_ROWS", 0)


def catalog(engine: Engine) -> list[tuple[str, ...]]:
    """Every index and constraint of the database, as its definition."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            query = "SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master"
            rows = connection.exec_driver_sql(query).all()
            keys = connection.exec_driver_sql(
                "SELECT m.name, f.* FROM sqlite_master m, pragma_foreign_key_list(m.name) f "
                "WHERE m.type = 'table'"
            ).all()
            return sorted(tuple(map(str, row)) for row in [*rows, *keys])
        indexes = connection.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        ).all()
        constraints = connection.exec_driver_sql(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
        ).all()
        return sorted(tuple(map(str, row)) for row in [*indexes, *constraints])


def store(sessions: sessionmaker[Session], dataset: Dataset) -> int:
    with sessions.begin() as session:
        summary = replace_picture(
            session,
            tables_from_dataset(dataset),
            pick_microseconds=np.array(
                [pick.created_at.microsecond for pick in dataset.picks], dtype=np.int32
            ),
            source="test",
            imported_at=IMPORTED_AT,
            set_keys_aside=True,
        )
    return summary.picture_id


@pytest.mark.usefixtures("every_load_sets_keys_aside")
def test_a_load_with_keys_set_aside_commits_the_same_schema_and_the_same_picture(
    storage_engine: Engine, sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    before = catalog(storage_engine)
    first = make_business("north", "south")
    store(sessions, first)
    second = make_business("north", "south", prefix="NEW-")
    picture_id = store(sessions, second)  # replacing: the old rows go in the same transaction
    assert catalog(storage_engine) == before
    with sessions() as session:
        assert load_picture(session) == second
        assert_tables_equal(tables_from_dataset(second), load_picture_tables(session))
        rows = read_picture_tables(session.connection(), picture_id)
        assert_tables_equal(tables_from_dataset(second), rows)


@pytest.mark.usefixtures("every_load_sets_keys_aside")
def test_a_failed_load_with_keys_set_aside_leaves_the_schema_and_the_previous_picture(
    storage_engine: Engine, sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    previous = make_business("north")
    store(sessions, previous)
    before = catalog(storage_engine)
    broken = make_business("north", prefix="NEW-")
    broken.sales_order_lines.append(replace(broken.sales_order_lines[0]))
    with sessions() as session, pytest.raises(PictureWriteError, match="sales_order_lines"):
        replace_picture(
            session,
            tables_from_dataset(broken),
            source="test",
            imported_at=IMPORTED_AT,
            set_keys_aside=True,
        )
    assert catalog(storage_engine) == before
    with sessions() as session:
        assert [p.companies for p in list_pictures(session)] == [("north",)]
        assert load_picture(session) == previous


def test_keys_stay_below_the_threshold_and_come_back_after_a_load_above_it(
    storage_engine: Engine,
) -> None:
    before = catalog(storage_engine)
    with storage_engine.begin() as connection:
        rows = load_keys.MIN_ROWS - 1
        with load_keys.keys_set_aside(connection, ENTITY_TABLES, rows=rows) as set_aside:
            assert set_aside is False
            assert "ix_sales_order_lines_sku" in index_names(connection)
        with load_keys.keys_set_aside(connection, ENTITY_TABLES, rows=0, min_rows=0) as set_aside:
            assert set_aside is True
            assert "ix_sales_order_lines_sku" not in index_names(connection)
        assert "ix_sales_order_lines_sku" in index_names(connection)
    assert catalog(storage_engine) == before


def index_names(connection: sa.Connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index'"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
    return {str(name) for (name,) in connection.exec_driver_sql(query)}


@pytest.mark.usefixtures("every_load_sets_keys_aside")
def test_a_reader_holding_a_table_makes_the_load_check_keys_row_by_row_instead_of_waiting(
    storage_engine: Engine,
    sessions: sessionmaker[Session],
    make_business: Callable[..., Dataset],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if storage_engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL locks the tables to set keys aside")
    monkeypatch.setattr(load_keys, "_LOCK_ATTEMPTS", 2)
    before = catalog(storage_engine)
    dataset = make_business("north")
    with storage_engine.connect() as reader:
        reader.execute(sa.select(sa.func.count()).select_from(schema.customers)).scalar_one()
        # the reader's transaction is still open, holding its lock on customers
        with sessions.begin() as session:
            connection = session.connection()
            with load_keys.keys_set_aside(connection, ENTITY_TABLES, rows=1) as set_aside:
                assert set_aside is False
        picture_id = store(sessions, dataset)  # not kept waiting for the reader
        reader.rollback()
    assert catalog(storage_engine) == before
    with sessions() as session:
        assert load_picture(session, picture_id) == dataset


@pytest.mark.usefixtures("every_load_sets_keys_aside")
def test_a_load_that_does_not_ask_keeps_its_keys_so_readers_never_wait(
    sessions: sessionmaker[Session],
    make_business: Callable[..., Dataset],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The scheduled sync stores pictures while people read them: it never sets keys
    aside (on PostgreSQL that would make every reader wait for its commit)."""
    asked: list[int] = []
    real = load_keys.keys_set_aside

    def spy(connection: Any, names: Any, *, rows: int, min_rows: int | None = None) -> Any:
        asked.append(rows)
        return real(connection, names, rows=rows, min_rows=min_rows)

    monkeypatch.setattr("controltower.storage.repository.keys_set_aside", spy)
    with sessions.begin() as session:
        replace_picture(
            session,
            tables_from_dataset(make_business("north")),
            source="sync",
            imported_at=IMPORTED_AT,
        )
    assert asked == [0]
