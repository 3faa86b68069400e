"""Picture snapshots: a picture's columns kept whole for the stored scan.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

A picture never changes once imported, so the columns the stored scan analyses are
written once at import, as compressed Arrow IPC streams (one row per table and per code
vocabulary), and read back in one query instead of being rebuilt row by row
(``controltower.storage.picture_snapshot``). Pictures stored before this revision have
no snapshot and are read from their rows, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "picture_snapshots",
        sa.Column("picture_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.Text(), nullable=False),
        sa.Column("format", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["picture_id"],
            ["pictures.id"],
            name="fk_picture_snapshots_picture_id_pictures",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("picture_id", "part", name="pk_picture_snapshots"),
    )


def downgrade() -> None:
    op.drop_table("picture_snapshots")
