"""What picture a scan run recorded, so a rescan of the same picture need not record again.

Revision ID: 0021_scan_run_picture_digest
Revises: 0020_case_changes
Create Date: 2026-12-06

``scan_runs.picture_digest`` is a digest of the scanned picture's snapshot and of the
release that wrote its orders' rows (``storage/order_risk.py``,
``picture_fingerprint``). When the latest scan of a picture's companies recorded the
same picture as of the same day under the same policy, a rescan's orders would be
written exactly as they are, so it records its run and leaves them: the orders' texts
are not made again. Runs stored before this revision have none, so the first scan
after it records the orders in full.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_scan_run_picture_digest"
down_revision: str | None = "0020_case_changes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scan_runs") as batch:
        batch.add_column(sa.Column("picture_digest", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scan_runs") as batch:
        batch.drop_column("picture_digest")
