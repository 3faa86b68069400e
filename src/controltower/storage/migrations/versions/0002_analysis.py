"""Persisted scan results: scan runs, each open order's risk, and its status history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def exact_decimal() -> sa.types.TypeEngine[Any]:
    return sa.Numeric().with_variant(sa.Text(), "sqlite")


def picture_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["picture_id"], ["pictures.id"], name=f"fk_{table}_picture_id_pictures", ondelete="CASCADE"
    )


def scan_run_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["scan_run_id"],
        ["scan_runs.id"],
        name=f"fk_{table}_scan_run_id_scan_runs",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "scan_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("picture_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("policy_digest", sa.Text(), nullable=False),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("at_risk_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scan_runs"),
        picture_fk("scan_runs"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_scan_runs_picture_id", "scan_runs", ["picture_id"])

    op.create_table(
        "order_risk",
        sa.Column("picture_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("scan_run_id", sa.Integer(), nullable=False),
        sa.Column("customer", sa.Text(), nullable=False),
        sa.Column("warehouse", sa.Text(), nullable=False),
        sa.Column("promised_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("allocation", sa.String(32), nullable=False),
        sa.Column("blockers", sa.Text(), nullable=False),
        sa.Column("projected_ship_date", sa.Date(), nullable=True),
        sa.Column("at_risk", sa.Boolean(create_constraint=False), nullable=False),
        sa.Column("days_late", sa.Integer(), nullable=True),
        sa.Column("open_value", exact_decimal(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("picture_id", "order_id", name="pk_order_risk"),
        picture_fk("order_risk"),
        scan_run_fk("order_risk"),
    )
    op.create_index("ix_order_risk_scan_run_id", "order_risk", ["scan_run_id"])

    op.create_table(
        "order_status_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("picture_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("scan_run_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("from_status", sa.String(32), nullable=True),
        sa.Column("to_status", sa.String(32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_order_status_history"),
        picture_fk("order_status_history"),
        scan_run_fk("order_status_history"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_order_status_history_picture_order",
        "order_status_history",
        ["picture_id", "order_id"],
    )
    op.create_index("ix_order_status_history_scan_run_id", "order_status_history", ["scan_run_id"])


def downgrade() -> None:
    op.drop_index("ix_order_status_history_scan_run_id", table_name="order_status_history")
    op.drop_index("ix_order_status_history_picture_order", table_name="order_status_history")
    op.drop_table("order_status_history")
    op.drop_index("ix_order_risk_scan_run_id", table_name="order_risk")
    op.drop_table("order_risk")
    op.drop_index("ix_scan_runs_picture_id", table_name="scan_runs")
    op.drop_table("scan_runs")
