"""The Odoo connector: the synced mirror, the follow-ups written back, the write log.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05

``odoo_mirror`` holds, per Odoo database and model, the records the last complete sync
read and the ``write_date`` watermark the next one starts from; ``odoo_followups`` the
activity written for each Odoo record and assignee; ``odoo_writes`` every write made.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "odoo_mirror",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("watermark", sa.Text(), nullable=True),
        sa.Column("seen_at_mark", sa.Text(), nullable=False),
        sa.Column("record_count", sa.Integer, nullable=False),
        sa.Column("records", sa.LargeBinary(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "model", name="pk_odoo_mirror"),
    )
    op.create_table(
        "odoo_followups",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("res_model", sa.Text(), nullable=False),
        sa.Column("res_id", sa.Integer, nullable=False),
        sa.Column("odoo_user_id", sa.Integer, nullable=False),
        sa.Column("marker", sa.Text(), nullable=False),
        sa.Column("activity_id", sa.Integer, nullable=True),
        sa.Column("ticket_id", sa.Integer, nullable=True),
        sa.Column("digest", sa.Text(), nullable=False),
        sa.Column("cases", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "source", "res_model", "res_id", "odoo_user_id", name="uq_odoo_followups_record_user"
        ),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "odoo_writes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("res_model", sa.Text(), nullable=False),
        sa.Column("res_id", sa.Integer, nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("odoo_writes")
    op.drop_table("odoo_followups")
    op.drop_table("odoo_mirror")
