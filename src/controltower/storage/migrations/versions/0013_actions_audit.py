"""Governed actions, their approvals, evidence, the ERP outbox and the audit trail.

Revision ID: 0013_actions_audit
Revises: 0012_notifications
Create Date: 2026-12-06

``action_requests`` holds each governed action from request to execution: its
parameters, the picture edits it makes, the preview shown when it was asked for, the
approvals it still needs and whether the ERP has confirmed it. ``action_decisions``
holds one decision per approver (the primary key makes a second decision by the same
person impossible). ``evidence_blobs`` stores each file once, by the SHA-256 of its
content; ``evidence_links`` attaches a blob to a request or a case. ``erp_outbox``
queues what an executed action must write to the ERP. ``audit_entries`` is the
append-only, hash-chained trail; on PostgreSQL a trigger refuses any UPDATE, DELETE or
TRUNCATE of it, whoever asks.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_actions_audit"
down_revision: str | None = "0012_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APPEND_ONLY = """
CREATE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "action_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("scope_company", sa.Text(), nullable=False),
        sa.Column("warehouse", sa.Text(), nullable=True),
        sa.Column("action_type", sa.String(32), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("reason_code", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("approvals_needed", sa.Integer, nullable=False),
        sa.Column("approver_roles", sa.Text(), nullable=False),
        sa.Column("approver_team", sa.Text(), nullable=True),
        sa.Column("rule", sa.Text(), nullable=True),
        sa.Column("evidence_required", sa.Text(), nullable=False),
        sa.Column("edits", sa.Text(), nullable=False),
        sa.Column("preview", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("executed_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("erp_state", sa.String(24), nullable=True),
        sa.Column("erp_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("case_id", sa.Text(), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_action_requests_company_state", "action_requests", ["scope_company", "state", "id"]
    )
    op.create_index("ix_action_requests_erp_state", "action_requests", ["erp_state"])
    op.create_table(
        "action_decisions",
        sa.Column("action_id", sa.Integer, sa.ForeignKey("action_requests.id"), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "evidence_blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "evidence_links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("evidence_blobs.sha256"), nullable=False),
        sa.Column("action_id", sa.Integer, sa.ForeignKey("action_requests.id"), nullable=True),
        sa.Column("scope_company", sa.Text(), nullable=True),
        sa.Column("case_id", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("uploaded_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_evidence_links_action", "evidence_links", ["action_id"])
    op.create_index("ix_evidence_links_case", "evidence_links", ["scope_company", "case_id"])
    op.create_table(
        "erp_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("action_id", sa.Integer, sa.ForeignKey("action_requests.id"), nullable=False),
        sa.Column("scope_company", sa.Text(), nullable=False),
        sa.Column("operation", sa.String(40), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_erp_outbox_state", "erp_outbox", ["state", "id"])
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer, nullable=True),
        sa.Column("actor_login", sa.Text(), nullable=False),
        sa.Column("actor_role", sa.Text(), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject_type", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.Text(), nullable=False),
        sa.Column("scope_company", sa.Text(), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("entry_hash", name="uq_audit_entries_hash"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_entries_subject", "audit_entries", ["subject_type", "subject_id"])
    op.create_index("ix_audit_entries_actor", "audit_entries", ["actor_login", "seq"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_APPEND_ONLY)
        op.execute(
            "CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries "
            "FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()"
        )
        op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_change ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS audit_entries_append_only()")
    op.drop_index("ix_audit_entries_actor", table_name="audit_entries")
    op.drop_index("ix_audit_entries_subject", table_name="audit_entries")
    op.drop_table("audit_entries")
    op.drop_index("ix_erp_outbox_state", table_name="erp_outbox")
    op.drop_table("erp_outbox")
    op.drop_index("ix_evidence_links_case", table_name="evidence_links")
    op.drop_index("ix_evidence_links_action", table_name="evidence_links")
    op.drop_table("evidence_links")
    op.drop_table("evidence_blobs")
    op.drop_table("action_decisions")
    op.drop_index("ix_action_requests_erp_state", table_name="action_requests")
    op.drop_index("ix_action_requests_company_state", table_name="action_requests")
    op.drop_table("action_requests")
