"""Where each table of a picture places its next row, so adding rows reads no table.

Revision ID: 0023_picture_next_positions
Revises: 0022_snapshot_stored_as_is
Create Date: 2026-12-07

A row of a picture keeps its place in the source (``position``). A sync's patch and an
executed action append rows after the last one, which was found with ``max(position)``
over the picture's rows of that table: no index serves it, so every patch of a large
picture read its order lines whole (about 70 ms a table on SQLite at 100,000 lines).
``pictures.next_positions`` holds, per table, the position after the last one given
out; an import sets it, adding rows advances it. Pictures stored before this revision
have none, and the first rows added to one find their place the old way once.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_picture_next_positions"
down_revision: str | None = "0022_snapshot_stored_as_is"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pictures") as batch:
        batch.add_column(sa.Column("next_positions", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pictures") as batch:
        batch.drop_column("next_positions")
