"""Indexes for finding things: search by name, and the pages of customers, suppliers,
purchase orders and products.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

The search box finds customers, suppliers and products by the start of their name as
well as their code, whatever the case typed: an index on ``lower(name)`` per picture
serves that range on both databases (SQLite and PostgreSQL both index expressions).
Codes are found through the primary keys already there.

The entity pages read one customer's invoices, one supplier's purchase orders, one
purchase order's receipts and one product's order and purchase lines. Each of those is
a range of an index here, so a page reads the rows it shows and its counts come from
the index, however large the business. Nothing else changes: no column, no data.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (name, table, columns), in the order they are created; text is an expression
INDEXES: tuple[tuple[str, str, list[str | sa.TextClause]], ...] = (
    # names searched by their start, in lower case
    ("ix_customers_name_search", "customers", ["picture_id", sa.text("lower(name)")]),
    ("ix_suppliers_name_search", "suppliers", ["picture_id", sa.text("lower(name)")]),
    ("ix_products_name_search", "products", ["picture_id", sa.text("lower(name)")]),
    # one customer's invoices, soonest due first
    ("ix_invoices_customer", "invoices", ["picture_id", "customer", "due_date", "invoice_id"]),
    # one supplier's purchase orders of a status, soonest expected first, with what the
    # supplier page filters and counts them by
    (
        "ix_purchase_orders_supplier",
        "purchase_orders",
        [
            "picture_id",
            "supplier",
            "status",
            "expected_date",
            "po_id",
            "warehouse",
            "confirmed_date",
        ],
    ),
    # one purchase order's receipts, line by line
    ("ix_receipts_po", "receipts", ["picture_id", "po_id", "line"]),
    # one product's demand and inbound
    ("ix_sales_order_lines_sku", "sales_order_lines", ["picture_id", "sku", "order_id", "line"]),
    ("ix_purchase_order_lines_sku", "purchase_order_lines", ["picture_id", "sku", "po_id", "line"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
