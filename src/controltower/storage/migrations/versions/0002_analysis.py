"""Persisted scan results: scan runs, each open order's risk, and its status history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Scan results belong to companies, not pictures, so that they survive the import that
replaces a picture: a scan run keeps the picture it scanned as a reference that becomes
NULL when the picture is deleted, plus the companies it covered; order risk and status
history are keyed by the order's company. Neither cascades from a scan run.
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


def scan_run_fk(table: str) -> sa.ForeignKeyConstraint:
    """A reference to the scan run that wrote the row; it keeps that run from being deleted."""
    return sa.ForeignKeyConstraint(
        ["scan_run_id"], ["scan_runs.id"], name=f"fk_{table}_scan_run_id_scan_runs"
    )


def upgrade() -> None:
    op.create_table(
        "scan_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("picture_id", sa.Integer(), nullable=True),
        sa.Column("companies", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("policy_digest", sa.Text(), nullable=False),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("at_risk_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scan_runs"),
        sa.ForeignKeyConstraint(
            ["picture_id"],
            ["pictures.id"],
            name="fk_scan_runs_picture_id_pictures",
            ondelete="SET NULL",
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_scan_runs_picture_id", "scan_runs", ["picture_id"])

    op.create_table(
        "order_risk",
        sa.Column("company", sa.Text(), nullable=False),
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
        sa.PrimaryKeyConstraint("company", "order_id", name="pk_order_risk"),
        scan_run_fk("order_risk"),
    )
    op.create_index("ix_order_risk_scan_run_id", "order_risk", ["scan_run_id"])

    op.create_table(
        "order_status_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("company", sa.Text(), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("scan_run_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("from_status", sa.String(32), nullable=True),
        sa.Column("to_status", sa.String(32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_order_status_history"),
        scan_run_fk("order_status_history"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_order_status_history_company_order",
        "order_status_history",
        ["company", "order_id"],
    )
    op.create_index("ix_order_status_history_scan_run_id", "order_status_history", ["scan_run_id"])


def downgrade() -> None:
    op.drop_index("ix_order_status_history_scan_run_id", table_name="order_status_history")
    op.drop_index("ix_order_status_history_company_order", table_name="order_status_history")
    op.drop_table("order_status_history")
    op.drop_index("ix_order_risk_scan_run_id", table_name="order_risk")
    op.drop_table("order_risk")
    op.drop_index("ix_scan_runs_picture_id", table_name="scan_runs")
    op.drop_table("scan_runs")
