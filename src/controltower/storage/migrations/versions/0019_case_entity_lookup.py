"""On PostgreSQL, the cases naming an entity found through an inverted index.

Revision ID: 0019_case_entity_lookup
Revises: 0018_list_indexes
Create Date: 2026-12-06

A customer's, product's or supplier's page lists the active cases naming it in their
``entities`` (a JSON array, as text). Migration 0018 lets that ``LIKE '%"customer:C1"%'``
test run in an index, but it still tests every active case's entry: at a million order
lines about 90,000 entries, some 30 ms a severity on PostgreSQL, four severities a page.
A GIN index over the column read as ``jsonb`` answers "which cases hold this entity" by
looking the entity up, and the query asks it with ``@>`` (containment) on PostgreSQL
(``storage/queries/cases.py``). SQLite has no such index; it keeps the ``LIKE`` of 0018,
which it runs fast enough in the index alone. Nothing else changes: no column, no data.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0019_case_entity_lookup"
down_revision: str | None = "0018_list_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_exception_cases_entities_lookup"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE INDEX {INDEX} ON exception_cases USING gin ((entities::jsonb) jsonb_path_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
