"""Escalation: each case's impact score, where it stands on the ladder, its next deadline.

Revision ID: 0014_escalation
Revises: 0013_actions_audit
Create Date: 2026-12-06

``impact_score`` (0 to 100) sets how fast a case climbs; ``escalation_step`` is its
place on the policy's ladder (0: its owner); ``next_escalation_at`` is when it climbs
the next step unless someone acknowledges it first (NULL: never), stored so that every
deadline fires once whichever worker is running; ``escalated_at`` is when it last
climbed. The index serves the worker's question, "which deadlines are due?".

Cases already open are given their response target as their first deadline, as a case
opened from now on is: the ones whose target has passed climb at the next worker run.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_escalation"
down_revision: str | None = "0013_actions_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("exception_cases") as batch:
        batch.add_column(sa.Column("impact_score", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("escalation_step", sa.Integer, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("next_escalation_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_exception_cases_next_escalation_at", "exception_cases", ["next_escalation_at"]
    )
    op.execute(
        "UPDATE exception_cases SET next_escalation_at = due_at "
        "WHERE state = 'open' AND next_escalation_at IS NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_exception_cases_next_escalation_at", table_name="exception_cases")
    with op.batch_alter_table("exception_cases") as batch:
        batch.drop_column("escalated_at")
        batch.drop_column("next_escalation_at")
        batch.drop_column("escalation_step")
        batch.drop_column("impact_score")
