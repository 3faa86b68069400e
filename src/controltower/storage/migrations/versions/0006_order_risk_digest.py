"""A digest of each stored order's risk, so a scan rewrites only the orders that changed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

Every scan used to delete and rewrite every open order's row (its standing, lines and
explanation): hundreds of megabytes at a million order lines, though a daily rescan
changes few of them. The digest of what a row says lets the scan compare without
reading the texts back: unchanged rows only get the new scan's id and time. Rows
written before this revision have none and are rewritten by their next scan.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("order_risk") as batch:
        batch.add_column(sa.Column("content_digest", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_risk") as batch:
        batch.drop_column("content_digest")
