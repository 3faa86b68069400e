"""A warehouse's open picks found through an index, for Warehouse work.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05

The Warehouse work list reads one warehouse's open picks of a picture; without this
index every request read every pick of the picture.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_picks_warehouse_status", "picks", ["picture_id", "warehouse", "status", "order_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_picks_warehouse_status", table_name="picks")
