"""Indexes for the lists: cases by owning team, open orders by warehouse, snoozed cases.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

A column header of the exception queue and of the orders list sorts by that column,
either way round. Most of those sorts read an index of migration 0004 (severity and
due, value, days late); sorting orders by customer reads the customer index of 0004.
Two had none: cases by owner (then soonest due) and open orders by warehouse (then
order id). Each gets one here, so the first page of either sort reads one stretch of an
index rather than sorting every case or order. Read backwards, the same index serves
the reversed sort.

The queue hides snoozed cases by default, so nearly every read of it asks which cases
are snoozed. A partial index holds only the cases with a snooze (a handful), so that
question is answered from it and the rest of the read stays on the indexes of 0004.
Nothing else changes: no column, no data.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (name, table, columns), in the order they are created
INDEXES: tuple[tuple[str, str, list[str]], ...] = (
    ("ix_exception_cases_owner", "exception_cases", ["scope_company", "owner", "due_at", "id"]),
    ("ix_order_risk_warehouse", "order_risk", ["company", "warehouse", "order_id"]),
)


#: the cases that carry a snooze (run out or not): the only rows the snoozed index holds
SNOOZED_CONDITION = "snoozed_until IS NOT NULL"


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    op.create_index(
        "ix_exception_cases_snoozed",
        "exception_cases",
        ["snoozed_until", "scope_company", "id"],
        sqlite_where=sa.text(SNOOZED_CONDITION),
        postgresql_where=sa.text(SNOOZED_CONDITION),
    )


def downgrade() -> None:
    op.drop_index("ix_exception_cases_snoozed", table_name="exception_cases")
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
