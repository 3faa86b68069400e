"""Exception cases and their append-only timelines, filed under a company.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

Cases outlive pictures (every import replaces the picture), so neither table references
``pictures`` or ``scan_runs``. A partial unique index keeps at most one case that is not
closed per (company, type, subject); SQLite and PostgreSQL both support it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_CASE_CONDITION = "state <> 'closed'"


def exact_decimal() -> sa.types.TypeEngine[Any]:
    return sa.Numeric().with_variant(sa.Text(), "sqlite")


def moment(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def text(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def choice(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.String(32), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "exception_cases",
        text("scope_company"),
        text("id"),
        choice("type"),
        text("subject"),
        choice("state"),
        choice("severity"),
        sa.Column("value_at_risk", exact_decimal(), nullable=False),
        text("value_basis"),
        text("explanation"),
        text("cause"),
        text("owner"),
        moment("due_at"),
        moment("opened_at"),
        text("related"),
        text("entities"),
        text("warehouse", nullable=True),
        text("company", nullable=True),
        moment("absence_first_missed_at", nullable=True),
        moment("absence_last_missed_at", nullable=True),
        sa.Column("absence_scans", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("scope_company", "id", name="pk_exception_cases"),
    )
    op.create_index("ix_exception_cases_scope_state", "exception_cases", ["scope_company", "state"])
    op.create_index(
        "uq_exception_cases_live_subject",
        "exception_cases",
        ["scope_company", "type", "subject"],
        unique=True,
        sqlite_where=sa.text(LIVE_CASE_CONDITION),
        postgresql_where=sa.text(LIVE_CASE_CONDITION),
    )

    op.create_table(
        "case_events",
        text("scope_company"),
        text("case_id"),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        choice("kind"),
        moment("at"),
        text("by"),
        text("note"),
        choice("from_state", nullable=True),
        choice("to_state", nullable=True),
        text("changes"),
        sa.PrimaryKeyConstraint("scope_company", "case_id", "position", name="pk_case_events"),
        sa.ForeignKeyConstraint(
            ["scope_company", "case_id"],
            ["exception_cases.scope_company", "exception_cases.id"],
            name="fk_case_events_scope_company_exception_cases",
        ),
    )
    op.create_index("ix_case_events_scope_kind_at", "case_events", ["scope_company", "kind", "at"])


def downgrade() -> None:
    op.drop_index("ix_case_events_scope_kind_at", table_name="case_events")
    op.drop_table("case_events")
    op.drop_index("uq_exception_cases_live_subject", table_name="exception_cases")
    op.drop_index("ix_exception_cases_scope_state", table_name="exception_cases")
    op.drop_table("exception_cases")
