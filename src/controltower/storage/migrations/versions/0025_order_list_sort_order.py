"""The open orders' list reads its sort straight from an index on PostgreSQL.

Revision ID: 0025_order_list_sort_order
Revises: 0024_order_lines_in_blocks
Create Date: 2026-12-07

The orders list sorts by urgency: at risk first, then the latest (``days_late`` from
the top down), then the most valuable (``open_value`` from the top down), then the
order id in code-point order. The urgency index of 0004 kept ``days_late`` and
``open_value`` ascending and the ids in the database's collation, so PostgreSQL could
read neither the sort nor its id tie-break from it: every page sorted its whole
segment (11,000 orders at risk at a million lines, about 20 ms a page) rather than
read the page's stretch of the index (under 1 ms).

So the urgency index is made again with both columns descending, and on PostgreSQL
the list's text keys (``company``, ``order_id``, ``customer``, ``warehouse``) are
compared in code-point order (``COLLATE "C"``), the order the lists page in on both
databases (SQLite compares text byte by byte already). The columns keep their values
and type; their indexes are built again. Downgrading puts both back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import sqlalchemy as sa
from alembic import op

revision: str = "0025_order_list_sort_order"
down_revision: str | None = "0024_order_lines_in_blocks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX: Final = "ix_order_risk_urgency"
#: the urgency index's columns after the first three, as both revisions keep them
_TAIL: Final = ("order_id", "status", "warehouse", "customer", "promised_date")
#: the order list's text keys, compared in code-point order on PostgreSQL
_CODE_COLUMNS: Final = ("company", "order_id", "customer", "warehouse")


def upgrade() -> None:
    op.drop_index(_INDEX, table_name="order_risk")
    _collate("C")
    op.create_index(
        _INDEX,
        "order_risk",
        ["company", "at_risk", sa.text("days_late DESC"), sa.text("open_value DESC"), *_TAIL],
    )


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="order_risk")
    _collate("default")
    op.create_index(_INDEX, "order_risk", ["company", "at_risk", "days_late", "open_value", *_TAIL])


def _collate(collation: str) -> None:
    """The list's text keys compared in ``collation`` (PostgreSQL; SQLite compares text
    byte by byte whatever is asked)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE order_risk "
        + ", ".join(
            f'ALTER COLUMN {column} TYPE text COLLATE "{collation}"' for column in _CODE_COLUMNS
        )
    )
