"""Picture snapshots stored as they are on PostgreSQL, not compressed a second time.

Revision ID: 0022_snapshot_stored_as_is
Revises: 0021_scan_run_picture_digest
Create Date: 2026-12-07

``picture_snapshots.data`` holds Arrow streams already compressed with zstd.
PostgreSQL's default storage for a large value (``EXTENDED``) first tries to compress
it again with its own ``pglz``, which finds nothing to gain: writing the 28 MB of a
million order lines' snapshot took 0.77 s, and 0.12 to 0.16 s stored as it is
(``EXTERNAL``, out of line, uncompressed).
SQLite has no such setting, so nothing changes there.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0022_snapshot_stored_as_is"
down_revision: str | None = "0021_scan_run_picture_digest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE picture_snapshots ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE picture_snapshots ALTER COLUMN data SET STORAGE EXTENDED")
