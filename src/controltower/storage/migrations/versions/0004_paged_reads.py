"""Indexes for the paged lists: open orders and the exception queue read by page.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

The pages and the API filter, sort, count and page open orders and cases in SQL
(``controltower.storage.queries``). A business with a million order lines keeps about
300,000 open orders and 100,000 cases whose rows carry JSON and long explanations, so
every filter and sort they offer is served by an index that holds the columns it reads:
a count or the keys of a page come from the index alone, and only the rows of the page
are read from the table. Nothing else changes: no column, no data.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (name, table, columns), in the order they are created
INDEXES: tuple[tuple[str, str, list[str]], ...] = (
    # at risk first, then the latest (NULL: no date), then value: the urgency sort and
    # its segments; the other columns let every order filter count from the index
    (
        "ix_order_risk_urgency",
        "order_risk",
        [
            "company",
            "at_risk",
            "days_late",
            "open_value",
            "order_id",
            "status",
            "warehouse",
            "customer",
            "promised_date",
        ],
    ),
    # one customer's orders, in urgency order, and customer codes searched by their start
    (
        "ix_order_risk_customer",
        "order_risk",
        ["company", "customer", "at_risk", "days_late", "open_value", "order_id"],
    ),
    # the queue: one severity at a time, in due order, with the columns it filters on
    (
        "ix_exception_cases_queue",
        "exception_cases",
        [
            "scope_company",
            "severity",
            "due_at",
            "id",
            "state",
            "type",
            "owner",
            "warehouse",
            "opened_at",
        ],
    ),
    # incidents: the cases of one cause, subject by subject, with what ranks them
    (
        "ix_exception_cases_cause",
        "exception_cases",
        [
            "scope_company",
            "cause",
            "subject",
            "state",
            "severity",
            "value_at_risk",
            "type",
            "owner",
            "warehouse",
            "due_at",
        ],
    ),
    # the cases on one subject (an order page, a search, the latest of a subject)
    (
        "ix_exception_cases_subject",
        "exception_cases",
        ["scope_company", "subject", "type", "opened_at"],
    ),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
