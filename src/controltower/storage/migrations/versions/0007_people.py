"""People and their work: users, scopes, teams, tokens, sessions, saved views; cases
gain an assignee, a snooze and a resolution code.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

Passwords and tokens are stored hashed (argon2 for passwords, SHA-256 of a random
token for API tokens and web sessions: a token has enough entropy that a slow hash
adds nothing). Failed logins are kept to throttle guessing. A case's new columns are
written by people's actions and carried through every scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def moment(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def text(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def user_fk() -> sa.Column[Any]:
    return sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        text("login"),
        text("name"),
        text("email", nullable=True),
        sa.Column("role", sa.String(32), nullable=False),
        text("password_hash", nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        moment("created_at"),
        moment("updated_at"),
        sa.UniqueConstraint("login", name="uq_users_login"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "user_scopes",
        user_fk(),
        sa.Column("kind", sa.String(16), nullable=False),
        text("code"),
        sa.PrimaryKeyConstraint("user_id", "kind", "code"),
    )
    op.create_table(
        "team_members",
        text("team"),
        user_fk(),
        sa.PrimaryKeyConstraint("team", "user_id"),
    )
    op.create_index("ix_team_members_user", "team_members", ["user_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        user_fk(),
        text("token_hash"),
        moment("created_at"),
        moment("last_used_at", nullable=True),
        moment("revoked_at", nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_hash"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "web_sessions",
        text("id_hash"),
        user_fk(),
        text("csrf_token"),
        moment("created_at"),
        moment("last_seen_at"),
        moment("ended_at", nullable=True),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_web_sessions_user", "web_sessions", ["user_id"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        text("login"),
        text("remote"),
        moment("at"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_login_failures_login_at", "login_failures", ["login", "at"])
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        user_fk(),
        sa.Column("page", sa.String(32), nullable=False),
        text("name"),
        text("query"),
        moment("created_at"),
        sa.UniqueConstraint("user_id", "page", "name", name="uq_saved_views_name"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("exception_cases") as batch:
        batch.add_column(text("assignee", nullable=True))
        batch.add_column(moment("snoozed_until", nullable=True))
        batch.add_column(text("snooze_reason", nullable=True))
        batch.add_column(sa.Column("resolution_code", sa.String(32), nullable=True))
    op.create_index(
        "ix_exception_cases_assignee",
        "exception_cases",
        ["scope_company", "assignee", "state", "severity", "due_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_exception_cases_assignee", table_name="exception_cases")
    with op.batch_alter_table("exception_cases") as batch:
        batch.drop_column("resolution_code")
        batch.drop_column("snooze_reason")
        batch.drop_column("snoozed_until")
        batch.drop_column("assignee")
    for name in ("saved_views", "login_failures", "web_sessions", "api_tokens"):
        op.drop_table(name)
    op.drop_index("ix_team_members_user", table_name="team_members")
    op.drop_table("team_members")
    op.drop_table("user_scopes")
    op.drop_table("users")
