"""A counter of case changes, so PostgreSQL's remembered answers last until cases change.

Revision ID: 0020_case_changes
Revises: 0019_case_entity_lookup
Create Date: 2026-12-06

The web process remembers the answers that read every active case (the incident
ranking, the queue's counts) under a *cases version* (``storage/queries/memory.py``).
On PostgreSQL that version was the snapshot's next transaction id, which moves with any
write to any database of the server: a signed-in person's session is touched once a
minute, so with twenty people the answers were worked out again every few seconds.

``case_changes`` holds one row, whose ``version`` a statement-level trigger on
``case_events`` adds one to in the transaction that appends events, as every change of
a case does (a scan records a scan run as well). Readers read it in their own
transaction: they see the new version exactly when they see the new events. Writers
of cases already take turns (``serialise_case_reconciliation``), so the row's lock
adds no waiting. SQLite has one writer at a time and reads the newest event's rowid
instead; the table is there too, at 0, so both databases have one schema.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_case_changes"
down_revision: str | None = "0019_case_entity_lookup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = "controltower_count_case_change"
TRIGGER = "case_events_count_change"


def upgrade() -> None:
    op.create_table(
        "case_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.execute("INSERT INTO case_changes (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN UPDATE case_changes SET version = version + 1 WHERE id = 1; "
            "RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON case_events "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON case_events")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    op.drop_table("case_changes")
