"""Keys and indexes set aside while a large picture is loaded (``storage/load_keys.py``).

The import drops the picture tables' secondary indexes (and on PostgreSQL their foreign
keys) around a large load and builds them again from the catalog's own definitions.
These tests lower the threshold so a small picture takes that path, and hold that the
schema committed is the one Alembic made, the picture stored is the same, a failure
leaves the previous picture and the schema as they were, and a reader holding one of
the tables makes the load go the ordinary way instead of waiting.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from controltower.connectors.dataset import read_dataset
from controltower.domain.model import Dataset
from controltower.domain.tables import tables_from_dataset
from controltower.policy import load_policy
from controltower.storage import load_keys
from controltower.storage import tables as schema
from controltower.storage.picture_columns import load_picture_tables, read_picture_tables
from controltower.storage.picture_store import SqlPictureStore
from controltower.storage.repository import (
    PictureWriteError,
    list_pictures,
    load_picture,
    replace_picture,
)
from controltower.workflow.stored_scan import run_stored_scan
from helpers.tables import assert_tables_equal

pytestmark = pytest.mark.database

IMPORTED_AT = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)
MINIMAL = Path(__file__).resolve().parents[2] / "fixtures" / "datasets" / "minimal"
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
        with load_keys.keys_set_aside(connection, ENTITY_TABLES, rows=1, min_rows=1) as set_aside:
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


#: what a stored scan writes, each table's rows in a stable order (the run's id and a
#: history row's id are left out: a PostgreSQL sequence does not roll back)
SCAN_TABLES = {
    schema.order_risk: ("company", "order_id"),
    schema.order_pegs: ("company", "order_id", "order_line", "po_id", "po_line"),
    schema.order_status_history: ("company", "order_id"),
    schema.exception_cases: ("scope_company", "id"),
    schema.case_events: ("scope_company", "case_id", "position"),
    schema.case_routing_facts: ("scope_company", "case_id"),
}


def scan_rows(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for table, order in SCAN_TABLES.items():
        columns = [
            c
            for c in table.c
            if c.name != "scan_run_id"
            and (c.name != "id" or table is not schema.order_status_history)
        ]
        query = sa.select(*columns).order_by(*(table.c[name] for name in order))
        rows[table.name] = [tuple(row) for row in session.execute(query)]
    return rows


def test_a_first_stored_scan_setting_keys_aside_records_what_it_would_otherwise(
    storage_engine: Engine, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``scan --db`` typed by a person builds the order risk's, the history's and the
    cases' indexes after a write of most of their rows: the same rows, the same schema."""
    dataset = read_dataset(MINIMAL).dataset
    picture_id = store(sessions, dataset)
    before = catalog(storage_engine)
    set_aside: list[tuple[tuple[str, ...], bool]] = []
    real = load_keys.keys_set_aside

    @contextmanager
    def spy(connection: sa.Connection, names: Any, **options: Any) -> Iterator[bool]:
        with real(connection, names, **options) as done:
            set_aside.append((tuple(names), done))
            yield done

    monkeypatch.setattr(load_keys, "SCAN_MIN_ROWS", 0)
    monkeypatch.setattr(load_keys, "keys_set_aside", spy)
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    policy = load_policy(None)

    def scanned(*, keys_aside: bool) -> dict[str, list[tuple[Any, ...]]]:
        with sessions() as session:
            store_ = SqlPictureStore(session, picture_id, set_keys_aside=keys_aside)
            result = run_stored_scan(store_, as_of=date(2026, 11, 25), policy=policy, now=now)
            assert result.opened > 0
            rows = scan_rows(session)
            session.rollback()
        return rows

    aside = scanned(keys_aside=True)
    assert set_aside == [
        (("order_risk",), True),
        (("order_status_history",), True),
        (("exception_cases", "case_events"), True),
    ]
    assert catalog(storage_engine) == before
    set_aside.clear()
    assert scanned(keys_aside=False) == aside
    assert [done for _, done in set_aside] == [False, False, False]


def test_a_write_of_fewer_rows_than_a_table_holds_keeps_its_keys(
    storage_engine: Engine, sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    """``outweighing``: a few rows added to a table holding more keep its keys."""
    store(sessions, make_business("north", "south"))
    with storage_engine.begin() as connection:
        held = load_keys.held_rows(connection, ["sales_orders"])
        assert held > 1
        for rows, expected in ((held - 1, False), (held, True)):
            with load_keys.keys_set_aside(
                connection, ["sales_orders"], rows=rows, min_rows=1, outweighing=True
            ) as done:
                assert done is expected


def test_building_indexes_again_bounds_and_helps_sqlites_sorter_then_restores_both(
    storage_engine: Engine,
) -> None:
    """SQLite sorts an index's keys in memory up to its page cache: under a bulk write's
    large cache the indexes are built with a smaller one, by the sorter with a helper
    thread a core (at most four), and the writer's settings are restored."""
    if storage_engine.dialect.name != "sqlite":
        pytest.skip("only SQLite sizes its sorter by the page cache")
    seen: list[tuple[int, int]] = []
    with storage_engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA cache_size = -131072")
        connection.exec_driver_sql("PRAGMA threads = 0")

        @sa.event.listens_for(connection, "before_cursor_execute")
        def sorter_at_create(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
            if statement.startswith("CREATE INDEX"):
                settings = cursor.connection.execute("PRAGMA cache_size").fetchone()[0]
                threads = cursor.connection.execute("PRAGMA threads").fetchone()[0]
                seen.append((settings, threads))

        with load_keys.keys_set_aside(connection, ENTITY_TABLES, rows=1, min_rows=1):
            pass
        restored = (
            connection.exec_driver_sql("PRAGMA cache_size").scalar_one(),
            connection.exec_driver_sql("PRAGMA threads").scalar_one(),
        )
    helpers = min(os.cpu_count() or 1, load_keys._SORTER_THREADS)
    assert seen
    assert set(seen) == {(-load_keys._SORTER_CACHE_KIB, helpers)}
    assert restored == (-131072, 0)
