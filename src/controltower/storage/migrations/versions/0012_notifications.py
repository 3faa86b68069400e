"""Notifications: the outbox people are told from, and how each person wants to be told.

Revision ID: 0012_notifications
Revises: 0011
Create Date: 2026-12-06

``notifications`` is an outbox: a stored scan writes a row per person and channel in the
transaction that opens the cases, and delivery (``controltower worker``) sends the
email and webhook rows afterwards; in-app rows are read on the pages. ``dedupe_key`` is
unique, so no scan or worker run can queue the same notification twice.
``notification_preferences`` holds a person's channels, quiet hours, digest severities
and webhook address (no row: the defaults).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_notifications"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("scope_company", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=True),
        sa.Column("cause", sa.Text(), nullable=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("dedupe_key", name="uq_notifications_dedupe_key"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_notifications_state_due", "notifications", ["state", "next_attempt_at"])
    op.create_index(
        "ix_notifications_user_channel",
        "notifications",
        ["user_id", "channel", "state", "created_at"],
    )
    op.create_table(
        "notification_preferences",
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True, autoincrement=False
        ),
        sa.Column("channels", sa.Text(), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.Column("timezone", sa.Text(), nullable=True),
        sa.Column("digest_severities", sa.Text(), nullable=False),
        sa.Column("webhook_url", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("notification_preferences")
    op.drop_index("ix_notifications_user_channel", table_name="notifications")
    op.drop_index("ix_notifications_state_due", table_name="notifications")
    op.drop_table("notifications")
