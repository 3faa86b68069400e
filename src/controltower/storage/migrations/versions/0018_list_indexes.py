"""An index for the cases naming an entity (a customer's, a product's, a supplier's page).

Revision ID: 0018_list_indexes
Revises: 0017_odoo_mirror_rows
Create Date: 2026-12-06

A customer, product or supplier page lists the active cases that name it: their
``entities`` (a JSON array, as text) hold it, which only a ``LIKE`` on that text tells.
Read severity by severity in due order (the queue's order), that test ran on every
active case's row: at a million order lines, about 90,000 rows of a hundred megabytes,
four times a page. This index holds, beside the queue's order (company, severity, due
time, id), the state, the warehouse and the entities, so the same reads test them in
the index alone (a tenth of the rows' size) and never touch a row. Nothing else
changes: no column, no data.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0018_list_indexes"
down_revision: str | None = "0017_odoo_mirror_rows"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (name, table, columns), in the order they are created
INDEXES: tuple[tuple[str, str, list[str]], ...] = (
    (
        "ix_exception_cases_entities",
        "exception_cases",
        ["scope_company", "severity", "due_at", "id", "state", "warehouse", "entities"],
    ),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
