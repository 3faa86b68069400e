"""The Odoo mirror stored per record, so a sync writes only the records that changed.

Revision ID: 0017_odoo_mirror_rows
Revises: 0016_order_pegs
Create Date: 2026-12-06

``odoo_mirror`` kept each model's records as one compressed JSON document, rewritten
whole on every sync: seconds of compression and writing at 100,000 order lines for a
sync that changed a hundred records. ``odoo_mirror_rows`` holds one row per record (the
record as Odoo returned it, as JSON); ``odoo_mirror`` keeps each model's watermark, the
ids seen at it and when it was synced, with an empty ``records`` document. A mirror
written before this revision still has its documents there: it is read as it is (the
write-back's directory of users and partners), and the next sync reads Odoo whole and
stores the mirror per record.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_odoo_mirror_rows"
down_revision: str | None = "0016_order_pegs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "odoo_mirror_rows",
        sa.Column("source", sa.Text(), primary_key=True),
        sa.Column("model", sa.Text(), primary_key=True),
        sa.Column("record_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("record", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("odoo_mirror_rows")
