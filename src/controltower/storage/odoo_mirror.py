"""The Odoo mirror: what the last complete sync read, and where the next one starts.

Stored per Odoo database (``source``): one ``odoo_mirror_rows`` row per record (the
record as Odoo returned it, as JSON), and one ``odoo_mirror`` row per model with its
``write_date`` watermark, the ids seen at it and when it was synced. A sync changes a
few records of hundreds of thousands, so :func:`save_mirror` writes only the records
that differ from the mirror it loaded (deleted, then inserted in bulk), and the models'
rows. The caller writes the mirror in the transaction that stores the picture it maps
to, so an interrupted sync leaves both as they were.

A mirror written before migration 0017 keeps its records in ``odoo_mirror.records``
(one compressed document per model). It is still read (``legacy`` tells the sync to
read Odoo whole instead of trusting its watermarks), and the next save replaces it
with rows.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.storage.bulk import insert_columns
from controltower.storage.tables import odoo_mirror, odoo_mirror_rows

Records = dict[int, dict[str, Any]]

_PARSE_SLICE = 5000
"""Records parsed at once when a mirror is loaded."""

_DELETE_CHUNK = 500
"""Ids per ``DELETE ... IN``: well under every driver's limit on bound parameters."""


@dataclass
class StoredMirror:
    """The records by model and id, and each model's watermark."""

    records: dict[str, Records] = field(default_factory=dict)
    watermarks: dict[str, str] = field(default_factory=dict)
    #: per model, ids read at the watermark's second and left out of ``records``
    seen_at_mark: dict[str, set[int]] = field(default_factory=dict)
    synced_at: datetime | None = None
    #: written before the mirror was kept per record: its next sync reads Odoo whole
    legacy: bool = False


@dataclass(frozen=True)
class MirrorMarks:
    """Where the next read of a mirror starts, known before its records are loaded."""

    watermarks: dict[str, str]
    #: the models the mirror holds records of
    held: frozenset[str]


def mirror_marks(session: Session, source: str) -> MirrorMarks | None:
    """The watermarks of ``source``'s mirror and the models it holds records of, from its
    model rows alone; None when it was never synced completely or is of the old layout
    (its next sync reads Odoo whole)."""
    rows = session.execute(
        sa.select(
            odoo_mirror.c.model,
            odoo_mirror.c.watermark,
            odoo_mirror.c.record_count,
            sa.func.length(odoo_mirror.c.records),
        ).where(odoo_mirror.c.source == source)
    ).all()
    if not rows or any(legacy for *_, legacy in rows):
        return None
    return MirrorMarks(
        watermarks={model: mark for model, mark, _, _ in rows if mark is not None},
        held=frozenset(model for model, _, count, _ in rows if count),
    )


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
        mirror.records[model] = {}
        if payload:
            mirror.legacy = True
            document = json.loads(zlib.decompress(payload))
            mirror.records[model] = {int(key): value for key, value in document.items()}
        mirror.seen_at_mark[model] = {int(rid) for rid in json.loads(seen)}
        if watermark is not None:
            mirror.watermarks[model] = watermark
        mirror.synced_at = synced_at
    for model, records in _stored_records(session, source).items():
        mirror.records.setdefault(model, {}).update(records)
    return mirror


def _stored_records(session: Session, source: str) -> dict[str, Records]:
    """Every record row of ``source``, by model and id.

    The rows are fetched on the driver's own cursor (no row object per record), and the
    JSON texts of a model parsed as arrays of thousands (one parse per slice rather than
    one per record: a few times faster at hundreds of thousands) by orjson, which builds
    the Python objects about twice as fast as the standard library's parser (at 100,000
    order lines the mirror is 460,000 records, 146 MB of JSON).
    """
    connection = session.connection()
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    driver = connection.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        cursor.execute(
            "SELECT model, record_id, record FROM odoo_mirror_rows "
            f"WHERE source = {marker} ORDER BY model",
            (source,),
        )
        rows = cursor.fetchall()
    finally:
        cursor.close()
    ids: dict[str, list[int]] = {}
    texts: dict[str, list[str]] = {}
    for model, record_id, text in rows:
        ids.setdefault(model, []).append(int(record_id))
        texts.setdefault(model, []).append(text)
    del rows
    return {model: dict(zip(ids[model], _parsed(texts[model]), strict=True)) for model in ids}


def _parsed(texts: list[str]) -> list[Any]:
    """The JSON ``texts``, parsed a slice of :data:`_PARSE_SLICE` at a time: one parse
    holds the interpreter, and the sync's reads asked ahead need it now and then."""
    parsed: list[Any] = []
    for start in range(0, len(texts), _PARSE_SLICE):
        text = "[" + ",".join(texts[start : start + _PARSE_SLICE]) + "]"
        try:
            parsed.extend(orjson.loads(text))
        except orjson.JSONDecodeError:
            # an older release stored a float Odoo sent as NaN or Infinity as such, which
            # the standard library reads and orjson (strict JSON) does not
            parsed.extend(json.loads(text))
    return parsed


def save_mirror(
    session: Session,
    source: str,
    records: dict[str, Records],
    watermarks: dict[str, str],
    *,
    seen_at_mark: dict[str, set[int]] | None = None,
    synced_at: datetime,
    previous: StoredMirror | None = None,
    changed: dict[str, set[int]] | None = None,
) -> dict[str, int]:
    """Store ``records`` as the mirror of ``source`` (in the caller's transaction).

    With ``previous``, the mirror as loaded at the start of this sync (the caller holds
    it unchanged), only the records that differ from it are written; without it (a full
    sync, a mirror of the old layout), or when another sync saved since it was loaded,
    every record is. ``changed`` may name the ids that differ from ``previous``, per
    model, when the caller knows them (else they are found by comparing). Returns the
    records written or deleted, per model.
    """
    connection = session.connection()
    base = _still_stored(connection, source, previous)
    connection.execute(sa.delete(odoo_mirror).where(odoo_mirror.c.source == source))
    if base is None:
        connection.execute(sa.delete(odoo_mirror_rows).where(odoo_mirror_rows.c.source == source))
    written = _write_records(
        connection, source, records, base or {}, changed if base is not None else None
    )
    seen = seen_at_mark or {}
    models = [
        {
            "source": source,
            "model": model,
            "watermark": watermarks.get(model),
            "seen_at_mark": json.dumps(sorted(seen.get(model, ()))),
            "record_count": len(by_id),
            "records": b"",
            "synced_at": synced_at,
        }
        for model, by_id in sorted(records.items())
    ]
    if models:
        connection.execute(sa.insert(odoo_mirror), models)
    return written


def stored_synced_at(connection: sa.Connection, source: str) -> datetime | None:
    """When the mirror of ``source`` was last saved, as storage gives it back (the mark
    by which a mirror held in memory is known to still be the stored one)."""
    return connection.execute(
        sa.select(sa.func.max(odoo_mirror.c.synced_at)).where(odoo_mirror.c.source == source)
    ).scalar_one_or_none()


def saved_mirror(
    records: dict[str, Records],
    watermarks: dict[str, str],
    seen_at_mark: dict[str, set[int]],
    synced_at: datetime | None,
) -> StoredMirror:
    """The mirror :func:`load_mirror` would give back after :func:`save_mirror` stored
    these (a model's watermark and ids at it are kept with its records), without reading
    it back: what a long-running process keeps between syncs."""
    return StoredMirror(
        records=records,
        watermarks={model: mark for model, mark in watermarks.items() if model in records},
        seen_at_mark={model: set(seen_at_mark.get(model, ())) for model in records},
        synced_at=synced_at,
    )


def _still_stored(
    connection: sa.Connection, source: str, previous: StoredMirror | None
) -> dict[str, Records] | None:
    """The records of ``previous`` while it is what is stored (no other sync saved since
    it was loaded, and it is of this layout); None otherwise."""
    if previous is None or previous.legacy or previous.synced_at is None:
        return None
    stored = stored_synced_at(connection, source)
    return previous.records if stored == previous.synced_at else None


def _write_records(
    connection: sa.Connection,
    source: str,
    records: dict[str, Records],
    before: dict[str, Records],
    changed: dict[str, set[int]] | None,
) -> dict[str, int]:
    """Delete the records gone or changed since ``before``, insert the new and changed."""
    written: dict[str, int] = {}
    columns: dict[str, list[Any]] = {"source": [], "model": [], "record_id": [], "record": []}
    for model in sorted(set(records) | set(before)):
        after = records.get(model, {})
        held = before.get(model, {})
        ids = (
            changed.get(model, set())
            if changed is not None
            else {rid for rid, row in after.items() if held.get(rid) != row}
            | {rid for rid in held if rid not in after}
        )
        _delete(connection, source, model, [rid for rid in ids if rid in held])
        fresh = sorted(rid for rid in ids if rid in after)
        for rid in fresh:
            columns["source"].append(source)
            columns["model"].append(model)
            columns["record_id"].append(int(rid))
            columns["record"].append(_record_text(after[rid]))
        if ids:
            written[model] = len(ids)
    if columns["record_id"]:
        insert_columns(connection, odoo_mirror_rows, columns)
    return written


def _record_text(record: dict[str, Any]) -> str:
    """A record as the compact JSON text stored for it (a value JSON lacks, such as a
    datetime, as its ``str``)."""
    return orjson.dumps(record, default=str, option=orjson.OPT_PASSTHROUGH_DATETIME).decode()


def _delete(connection: sa.Connection, source: str, model: str, ids: Iterable[int]) -> None:
    wanted = sorted(ids)
    table = odoo_mirror_rows
    for start in range(0, len(wanted), _DELETE_CHUNK):
        connection.execute(
            sa.delete(table).where(
                table.c.source == source,
                table.c.model == model,
                table.c.record_id.in_(wanted[start : start + _DELETE_CHUNK]),
            )
        )


def mirror_sources(session: Session) -> list[tuple[str, datetime]]:
    """Every synced Odoo database and when it was last synced completely."""
    rows = session.execute(
        sa.select(odoo_mirror.c.source, sa.func.max(odoo_mirror.c.synced_at)).group_by(
            odoo_mirror.c.source
        )
    ).all()
    return [(source, synced_at) for source, synced_at in rows]
