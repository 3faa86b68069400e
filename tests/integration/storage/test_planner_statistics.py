"""Planner statistics after a bulk write (``storage.database.refresh_statistics``).

A page's query at a million lines reads one index in milliseconds when PostgreSQL knows
what its tables hold, and scans everything when it does not: an import and a scan leave
their tables analysed, so the first page after them is planned from the rows they wrote.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from controltower.demo.generator import generate_business
from controltower.demo.sizes import size_for_open_lines
from controltower.storage.database import STATISTICS_AFTER_ROWS, refresh_statistics
from controltower.storage.repository import replace_picture

AS_OF = date(2026, 11, 25)


def _estimated_rows(engine: Engine, table: str) -> float:
    with engine.connect() as connection:
        return float(
            connection.execute(
                sa.text("SELECT reltuples FROM pg_class WHERE relname = :name"), {"name": table}
            ).scalar_one()
        )


def test_an_import_leaves_its_tables_analysed_on_postgresql_and_sqlite_untouched(
    storage_engine: Engine, sessions: sessionmaker[Session]
) -> None:
    dataset = generate_business(size_for_open_lines(2_000), seed=3, as_of=AS_OF)
    with sessions.begin() as session:
        replace_picture(session, dataset, source="test", imported_at=datetime.now(UTC))
    lines = len(dataset.sales_order_lines)
    assert lines >= STATISTICS_AFTER_ROWS
    if storage_engine.dialect.name == "postgresql":
        # -1: never analysed; after the import the estimate is the rows it wrote
        assert _estimated_rows(storage_engine, "sales_order_lines") == pytest.approx(
            lines, rel=0.05
        )
    else:
        with storage_engine.connect() as connection:
            stat_tables = connection.execute(
                sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            ).scalar_one()
        assert stat_tables == 0


def test_a_small_write_leaves_the_statistics_as_they_were(storage_engine: Engine) -> None:
    if storage_engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL keeps statistics of its own")
    with storage_engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE scratch_rows (n integer)")
        connection.exec_driver_sql(
            f"INSERT INTO scratch_rows SELECT generate_series(1, {STATISTICS_AFTER_ROWS})"
        )
        refresh_statistics(connection, ["scratch_rows"], rows=STATISTICS_AFTER_ROWS - 1)
    assert _estimated_rows(storage_engine, "scratch_rows") == -1
    with storage_engine.begin() as connection:
        refresh_statistics(connection, ["scratch_rows"], rows=STATISTICS_AFTER_ROWS)
    assert _estimated_rows(storage_engine, "scratch_rows") == STATISTICS_AFTER_ROWS
