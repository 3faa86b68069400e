"""The pegs of open orders on purchase orders, one row each, for the purchasing pages.

Revision ID: 0016_order_pegs
Revises: 0015_case_routing_facts
Create Date: 2026-12-06

A purchase order's page lists the orders waiting on it, and a supplier's page counts
them. Both used to search the JSON of every stored order's line outcomes (``LIKE`` on
``order_risk.lines``), which reads every order that waits on inbound: hundreds of
milliseconds at a million lines. ``order_pegs`` holds each inbound peg of a stored order
as a row (written by the stored scan with the order's risk row, replaced with it and
deleted with it), indexed by purchase order, so both answer from an index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_order_pegs"
down_revision: str | None = "0015_case_routing_facts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "order_pegs",
        sa.Column("company", sa.Text(), primary_key=True),
        sa.Column("order_id", sa.Text(), primary_key=True),
        sa.Column("order_line", sa.Integer, primary_key=True),
        sa.Column("po_id", sa.Text(), primary_key=True),
        sa.Column("po_line", sa.Integer, primary_key=True),
        sa.Column("warehouse", sa.Text(), nullable=False),
        #: exact decimal text on SQLite, NUMERIC on PostgreSQL (as ``ExactDecimal``)
        sa.Column("qty", sa.Numeric().with_variant(sa.Text(), "sqlite"), nullable=False),
        sa.Column("available_date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company", "order_id"], ["order_risk.company", "order_risk.order_id"]
        ),
    )
    op.create_index("ix_order_pegs_po", "order_pegs", ["company", "po_id", "warehouse", "order_id"])


def downgrade() -> None:
    op.drop_index("ix_order_pegs_po", table_name="order_pegs")
    op.drop_table("order_pegs")
