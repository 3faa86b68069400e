"""The schema comes from the Alembic migrations, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from controltower.domain.model import ENTITY_NAMES, Dataset
from controltower.storage import tables
from controltower.storage.database import (
    SQLITE_PAGE_SIZE,
    SchemaNotCurrentError,
    current_revision,
    downgrade,
    ensure_schema_current,
    head_revision,
    make_engine,
    migrate,
)
from controltower.storage.repository import replace_picture

pytestmark = pytest.mark.database

IMPORTED_AT = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)

EXPECTED_TABLES = {
    "pictures",
    "companies",
    *ENTITY_NAMES,
    "scan_runs",
    "order_risk",
    "order_status_history",
    "exception_cases",
    "case_events",
    "picture_snapshots",
    "users",
    "user_scopes",
    "team_members",
    "api_tokens",
    "web_sessions",
    "login_failures",
    "saved_views",
    "odoo_mirror",
    "odoo_followups",
    "odoo_writes",
    "notifications",
    "notification_preferences",
    "action_requests",
    "action_decisions",
    "evidence_blobs",
    "evidence_links",
    "erp_outbox",
    "audit_entries",
    "case_routing_facts",
    "order_pegs",
    "odoo_mirror_rows",
    "case_changes",
    "order_line_blocks",
}


def table_names(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_migrating_an_empty_database_creates_every_table_at_head(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        migrate(database_url)
        assert current_revision(engine) == head_revision() == "0026_picture_code_order"
        assert table_names(engine) == EXPECTED_TABLES
    finally:
        engine.dispose()


def test_a_sqlite_database_made_here_has_large_pages_and_an_older_one_keeps_its_own(
    database_url: str, tmp_path: Path
) -> None:
    """Large stored rows (an order's lines) fit more to a page; a file made before
    keeps its page size rather than failing or being rewritten."""
    if not database_url.startswith("sqlite"):
        pytest.skip("only SQLite has a page size to choose")
    migrate(database_url)
    older = tmp_path / "older.db"
    with closing(sqlite3.connect(older)) as connection:
        connection.execute("PRAGMA page_size=4096")
        connection.execute("CREATE TABLE kept (x INTEGER)")
        connection.commit()
    for url, expected in ((database_url, SQLITE_PAGE_SIZE), (f"sqlite:///{older}", 4096)):
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                size = connection.exec_driver_sql("PRAGMA page_size").scalar_one()
                mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar_one()
            assert (size, mode) == (expected, "wal")
        finally:
            engine.dispose()
    assert SQLITE_PAGE_SIZE > 4096


def test_migrations_go_down_to_an_empty_database_and_up_again(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        downgrade(engine, "0001")
        assert table_names(engine) == {"pictures", "companies", *ENTITY_NAMES}
        downgrade(engine, "base")
        assert current_revision(engine) is None
        assert table_names(engine) == set()
        migrate(engine)
        assert current_revision(engine) == head_revision()
        assert table_names(engine) == EXPECTED_TABLES
    finally:
        engine.dispose()


def test_migrating_a_database_already_at_head_changes_nothing(storage_engine: Engine) -> None:
    migrate(storage_engine)
    assert current_revision(storage_engine) == head_revision()
    assert table_names(storage_engine) == EXPECTED_TABLES


def test_the_migrated_schema_matches_the_table_definitions(storage_engine: Engine) -> None:
    with storage_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, tables.metadata)
    assert differences == []


def _collations(engine: Engine) -> dict[tuple[str, str], str | None]:
    """Every text column of the schema and its collation (None: the database's)."""
    query = sa.text(
        "SELECT table_name, column_name, collation_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND data_type = 'text'"
    )
    with engine.connect() as connection:
        return {
            (table, column): collation for table, column, collation in connection.execute(query)
        }


def test_ids_and_codes_compare_in_code_point_order_and_words_in_the_databases_collation(
    storage_engine: Engine,
) -> None:
    """Comparing the schema with the table definitions does not look at collations: the
    columns the definitions say compare in code-point order (``code_point_text``) are
    exactly those the migrations made so, and going down and up again keeps it."""
    if storage_engine.dialect.name != "postgresql":
        pytest.skip("SQLite compares all text byte by byte")
    declared = {
        (table.name, column.name)
        for table in tables.metadata.tables.values()
        for column in table.columns
        if getattr(column.type.dialect_impl(storage_engine.dialect), "collation", None) == "C"
    }
    assert ("sales_order_lines", "sku") in declared
    assert ("order_risk", "order_id") in declared
    assert ("customers", "name") not in declared
    found = _collations(storage_engine)
    assert {key for key, collation in found.items() if collation == "C"} == declared
    downgrade(storage_engine, "0024_order_lines_in_blocks")
    assert not any(collation == "C" for collation in _collations(storage_engine).values())
    migrate(storage_engine)
    assert _collations(storage_engine) == found


def test_a_database_without_the_schema_is_refused_with_a_clear_message(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        with pytest.raises(SchemaNotCurrentError, match="controltower db upgrade"):
            ensure_schema_current(engine)
        migrate(engine)
        ensure_schema_current(engine)
    finally:
        engine.dispose()


def test_deleting_a_picture_row_cascades_to_every_row_of_it(
    sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    with sessions.begin() as session:
        picture_id = replace_picture(
            session, make_business(), source="test", imported_at=IMPORTED_AT
        ).picture_id
    with sessions.begin() as session:
        session.execute(sa.delete(tables.pictures).where(tables.pictures.c.id == picture_id))
    with sessions() as session:
        for table in (tables.companies, *tables.ENTITY_TABLES.values()):
            count = session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            assert count == 0, table.name


def test_compressed_streams_are_stored_without_a_second_compression_on_postgresql(
    database_url: str,
) -> None:
    """The snapshot's parts and the blocks of order lines are compressed by Arrow
    already: PostgreSQL stores them as they are (``EXTERNAL``) rather than trying its
    own compression first."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no storage setting per column")
    engine = make_engine(database_url)
    try:
        migrate(engine)
        query = sa.text(
            "SELECT attstorage FROM pg_attribute "
            "WHERE attrelid = 'picture_snapshots'::regclass AND attname = 'data'"
        )
        lines = sa.text(
            "SELECT attstorage FROM pg_attribute "
            "WHERE attrelid = 'order_line_blocks'::regclass AND attname = 'data'"
        )
        with engine.connect() as connection:
            assert connection.execute(query).scalar_one() == "e"
            assert connection.execute(lines).scalar_one() == "e"
        downgrade(engine, "0021_scan_run_picture_digest")
        with engine.connect() as connection:
            assert connection.execute(query).scalar_one() == "x"
    finally:
        engine.dispose()
