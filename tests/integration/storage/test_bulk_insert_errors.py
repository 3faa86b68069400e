"""A bulk insert the database refuses fails as the database's own error, whole.

On PostgreSQL the rows go by ``COPY`` from a thread of psycopg's while the next batch
is rendered (``storage/bulk.copying``); a refusal that arrives while batches are still
being sent must surface all the same, as SQLAlchemy would raise it, and the transaction
then keeps none of the rows.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from controltower.storage.bulk import insert_columns

pytestmark = pytest.mark.database

ROWS = 50_000  # a few batches of rows


def scratch_table() -> sa.Table:
    return sa.Table(
        "bulk_refusal_check",
        sa.MetaData(),
        sa.Column("n", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("label", sa.Text(), nullable=False),
    )


@pytest.mark.parametrize("repeated_at", [1, ROWS - 1])
def test_a_repeated_key_is_refused_as_an_integrity_error_and_nothing_is_kept(
    sessions: sessionmaker[Session], repeated_at: int
) -> None:
    table = scratch_table()
    with sessions.begin() as session:
        table.create(session.connection())
    keys = list(range(ROWS))
    keys[repeated_at] = 0  # the first key again: early in the stream, or in its last batch

    with sessions() as session, pytest.raises(sa.exc.IntegrityError, match="bulk_refusal_check"):
        insert_columns(
            session.connection(), table, {"n": keys, "label": [f"row {k}" for k in keys]}
        )
    with sessions() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 0


def test_rows_sent_in_many_batches_all_arrive_in_order(sessions: sessionmaker[Session]) -> None:
    table = scratch_table()
    with sessions.begin() as session:
        table.create(session.connection())
        labels = [f'row {k} \t \\ " , \n end' for k in range(ROWS)]
        assert insert_columns(session.connection(), table, {"n": range(ROWS), "label": labels})
    with sessions() as session:
        stored = session.execute(sa.select(table.c.label).order_by(table.c.n)).scalars().all()
    assert stored == labels
