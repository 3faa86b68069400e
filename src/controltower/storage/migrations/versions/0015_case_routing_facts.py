"""What routing read of each case's finding, so a policy can be replayed on history.

Revision ID: 0015_case_routing_facts
Revises: 0014_escalation
Create Date: 2026-12-06

A case row keeps its type, severity, value, warehouse and company, but routing also
reads the customer's tier, the ``[routing.teams]`` entry a finding names, and the type
whose team owns it (a recurring review). ``case_routing_facts`` keeps those per case,
written by the stored scan when it opens or reopens a case, so ``policy replay`` routes
the history as the scans would have.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_case_routing_facts"
down_revision: str | None = "0014_escalation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_routing_facts",
        sa.Column("scope_company", sa.Text(), primary_key=True),
        sa.Column("case_id", sa.Text(), primary_key=True),
        sa.Column("customer_tier", sa.String(16), nullable=True),
        sa.Column("routing", sa.Text(), nullable=True),
        sa.Column("routed_as", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["scope_company", "case_id"],
            ["exception_cases.scope_company", "exception_cases.id"],
        ),
    )


def downgrade() -> None:
    op.drop_table("case_routing_facts")
