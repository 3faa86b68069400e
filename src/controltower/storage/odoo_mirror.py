"""The Odoo mirror: what the last complete sync read, and where the next one starts.

Stored per Odoo database (``source``) and model as one zlib-compressed JSON document of
``{id: record}`` with the model's ``write_date`` watermark. A model is rewritten whole
(one row), which is the bulk path for a document the sync always needs whole: it reads
every record to map the picture. The caller writes the mirror in the transaction that
stores the picture it maps to, so an interrupted sync leaves both as they were.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.storage.tables import odoo_mirror

Records = dict[int, dict[str, Any]]


@dataclass
class StoredMirror:
    """The records by model and id, and each model's watermark."""

    records: dict[str, Records] = field(default_factory=dict)
    watermarks: dict[str, str] = field(default_factory=dict)
    #: per model, ids read at the watermark's second and left out of ``records``
    seen_at_mark: dict[str, set[int]] = field(default_factory=dict)
    synced_at: datetime | None = None


def load_mirror(session: Session, source: str) -> StoredMirror | None:
    """The mirror of ``source``, or None when it was never synced completely."""
    rows = session.execute(
        sa.select(
            odoo_mirror.c.model,
            odoo_mirror.c.watermark,
            odoo_mirror.c.seen_at_mark,
            odoo_mirror.c.records,
            odoo_mirror.c.synced_at,
        ).where(odoo_mirror.c.source == source)
    ).all()
    if not rows:
        return None
    mirror = StoredMirror()
    for model, watermark, seen, payload, synced_at in rows:
        document = json.loads(zlib.decompress(payload))
        mirror.records[model] = {int(key): value for key, value in document.items()}
        mirror.seen_at_mark[model] = {int(rid) for rid in json.loads(seen)}
        if watermark is not None:
            mirror.watermarks[model] = watermark
        mirror.synced_at = synced_at
    return mirror


def save_mirror(
    session: Session,
    source: str,
    records: dict[str, Records],
    watermarks: dict[str, str],
    *,
    seen_at_mark: dict[str, set[int]] | None = None,
    synced_at: datetime,
) -> None:
    """Replace the stored mirror of ``source`` (in the caller's transaction)."""
    connection = session.connection()
    connection.execute(sa.delete(odoo_mirror).where(odoo_mirror.c.source == source))
    rows = [
        {
            "source": source,
            "model": model,
            "watermark": watermarks.get(model),
            "seen_at_mark": json.dumps(sorted((seen_at_mark or {}).get(model, ()))),
            "record_count": len(by_id),
            "records": zlib.compress(
                json.dumps(by_id, separators=(",", ":"), default=str).encode("utf-8"), 3
            ),
            "synced_at": synced_at,
        }
        for model, by_id in sorted(records.items())
    ]
    if rows:
        connection.execute(sa.insert(odoo_mirror), rows)


def mirror_sources(session: Session) -> list[tuple[str, datetime]]:
    """Every synced Odoo database and when it was last synced completely."""
    rows = session.execute(
        sa.select(odoo_mirror.c.source, sa.func.max(odoo_mirror.c.synced_at)).group_by(
            odoo_mirror.c.source
        )
    ).all()
    return [(source, synced_at) for source, synced_at in rows]
