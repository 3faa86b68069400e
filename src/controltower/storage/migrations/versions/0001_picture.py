"""Pictures: one table per dataset entity, each row belonging to one imported picture.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Column types are spelled out here rather than imported from ``tables.py`` so that this
migration keeps creating the same schema whatever later code does: decimals are an
unconstrained NUMERIC on PostgreSQL and plain decimal text on SQLite (exact on both).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTITY_TABLES: tuple[str, ...] = (
    "warehouses",
    "transfer_lanes",
    "products",
    "customers",
    "suppliers",
    "stock",
    "sales_orders",
    "sales_order_lines",
    "purchase_orders",
    "purchase_order_lines",
    "receipts",
    "invoices",
    "returns",
    "picks",
)


def exact_decimal() -> sa.types.TypeEngine[Any]:
    return sa.Numeric().with_variant(sa.Text(), "sqlite")


def choice() -> sa.String:
    return sa.String(32)


def create_entity_table(
    name: str, keys: list[sa.Column[Any]], values: list[sa.Column[Any]]
) -> None:
    """An entity table: picture_id + natural key as primary key, then the source position."""
    op.create_table(
        name,
        sa.Column("picture_id", sa.Integer(), nullable=False),
        *keys,
        sa.Column("position", sa.Integer(), nullable=False),
        *values,
        sa.PrimaryKeyConstraint("picture_id", *(key.name for key in keys), name=f"pk_{name}"),
        sa.ForeignKeyConstraint(
            ["picture_id"],
            ["pictures.id"],
            name=f"fk_{name}_picture_id_pictures",
            ondelete="CASCADE",
        ),
    )


def text(name: str, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def decimal(name: str, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, exact_decimal(), nullable=nullable)


def boolean(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Boolean(create_constraint=False), nullable=nullable)


def integer(name: str, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def day(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Date(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "pictures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("companies", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("row_counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pictures"),
        sqlite_autoincrement=True,  # never hand out a deleted picture's id again
    )
    op.create_table(
        "companies",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("picture_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_companies"),
        sa.ForeignKeyConstraint(
            ["picture_id"],
            ["pictures.id"],
            name="fk_companies_picture_id_pictures",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_companies_picture_id", "companies", ["picture_id"])

    create_entity_table(
        "warehouses",
        [text("code", nullable=False)],
        [text("name"), text("company", nullable=False), integer("pick_capacity_lines_per_day")],
    )
    create_entity_table(
        "transfer_lanes",
        [text("from_warehouse", nullable=False), text("to_warehouse", nullable=False)],
        [integer("transit_days", nullable=False)],
    )
    create_entity_table(
        "products",
        [text("sku", nullable=False)],
        [
            text("name"),
            decimal("unit_cost"),
            decimal("list_price"),
            text("uom", nullable=False),
            decimal("reorder_point"),
            decimal("reorder_qty"),
        ],
    )
    create_entity_table(
        "customers",
        [text("code", nullable=False)],
        [
            text("name"),
            sa.Column("tier", choice(), nullable=False),
            decimal("credit_limit"),
            boolean("credit_hold"),
            text("account_owner"),
            boolean("accepts_partial"),
        ],
    )
    create_entity_table(
        "suppliers",
        [text("code", nullable=False)],
        [text("name"), integer("lead_days")],
    )
    create_entity_table(
        "stock",
        [text("sku", nullable=False), text("warehouse", nullable=False)],
        [decimal("on_hand", nullable=False), decimal("quality_hold", nullable=False)],
    )
    create_entity_table(
        "sales_orders",
        [text("order_id", nullable=False)],
        [
            text("customer", nullable=False),
            text("warehouse", nullable=False),
            day("order_date"),
            day("promised_date"),
            boolean("expedite"),
            boolean("accepts_partial", nullable=True),
            sa.Column("status", choice(), nullable=False),
            text("salesperson"),
        ],
    )
    create_entity_table(
        "sales_order_lines",
        [text("order_id", nullable=False), integer("line", nullable=False)],
        [
            text("sku", nullable=False),
            decimal("qty", nullable=False),
            decimal("qty_shipped", nullable=False),
            decimal("qty_reserved", nullable=False),
            decimal("unit_price"),
            decimal("list_price"),
        ],
    )
    create_entity_table(
        "purchase_orders",
        [text("po_id", nullable=False)],
        [
            text("supplier", nullable=False),
            text("warehouse", nullable=False),
            day("order_date"),
            day("expected_date"),
            day("confirmed_date", nullable=True),
            sa.Column("status", choice(), nullable=False),
            text("buyer"),
        ],
    )
    create_entity_table(
        "purchase_order_lines",
        [text("po_id", nullable=False), integer("line", nullable=False)],
        [
            text("sku", nullable=False),
            decimal("qty", nullable=False),
            decimal("qty_received", nullable=False),
            day("expected_date", nullable=True),
            decimal("unit_cost"),
        ],
    )
    create_entity_table(
        "receipts",
        [text("receipt_id", nullable=False)],
        [
            text("po_id", nullable=False),
            integer("line", nullable=False),
            day("received_date"),
            decimal("qty", nullable=False),
            decimal("damaged_qty", nullable=False),
            boolean("put_away"),
        ],
    )
    create_entity_table(
        "invoices",
        [text("invoice_id", nullable=False)],
        [
            text("customer", nullable=False),
            day("due_date"),
            decimal("amount_residual", nullable=False),
            boolean("disputed"),
        ],
    )
    create_entity_table(
        "returns",
        [text("rma_id", nullable=False)],
        [
            text("customer", nullable=False),
            text("sku", nullable=False),
            decimal("qty", nullable=False),
            day("requested_date"),
            text("order_id"),
            sa.Column("status", choice(), nullable=False),
        ],
    )
    create_entity_table(
        "picks",
        [text("pick_id", nullable=False)],
        [
            text("order_id", nullable=False),
            text("warehouse", nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
            text("assigned_to"),
            sa.Column("status", choice(), nullable=False),
        ],
    )


def downgrade() -> None:
    for name in reversed(ENTITY_TABLES):
        op.drop_table(name)
    op.drop_index("ix_companies_picture_id", table_name="companies")
    op.drop_table("companies")
    op.drop_table("pictures")
