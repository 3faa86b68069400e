"""One Odoo sync, start to finish: connect, read what changed, map, store both at once.

The connector (``controltower.connectors.odoo``) reads and maps; storage keeps the
mirror and the picture; this module is where the two meet, which is why it sits with
the commands (the only layer that may use both). The background worker runs the same
function.

A sync stores nothing unless it completes: the new picture and the new mirror (records
and watermarks) are written in one transaction after every read has succeeded, so an
interrupted sync (a dropped connection, a kill) leaves the last good picture, and the
next run starts again from the last stored watermark, without loss or duplicates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from controltower.connectors.odoo.client import OdooClient, OdooConnection
from controltower.connectors.odoo.errors import OdooError, OdooUserError
from controltower.connectors.odoo.flavour import OdooFlavour, detect_flavour
from controltower.connectors.odoo.mapping import map_mirror
from controltower.connectors.odoo.reader import MirrorState, Progress, read_odoo
from controltower.connectors.odoo.settings import OdooSettings

if TYPE_CHECKING:
    from controltower.storage.repository import PictureSummary


@dataclass
class SyncSummary:
    """What a finished sync did, for the command's summary and the worker's log."""

    source: str
    full: bool
    picture: PictureSummary
    records_read: dict[str, int]
    changed: dict[str, int]
    unmapped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def source_of(connection: OdooConnection) -> str:
    """The name a synced Odoo database goes by in storage: ``odoo:<url>/<db>``."""
    return f"odoo:{connection.url.rstrip('/')}/{connection.db}"


def flavour_of(client: OdooClient) -> OdooFlavour:
    """The field names of this server (``fields_get`` of the models the mapping reads)."""

    def fields_of(model: str) -> dict[str, Any]:
        try:
            return dict(client.fields_get(model))
        except OdooUserError:  # the model is not installed: its names do not matter
            return {}

    return detect_flavour(client.version.major, fields_of)


def sync_odoo(
    connection: OdooConnection,
    settings: OdooSettings,
    database_url: str,
    *,
    full: bool = False,
    replace_all: bool = False,
    progress: Progress | None = None,
    storing: Callable[[str, int, int], None] | None = None,
) -> SyncSummary:
    """Sync one Odoo database into the stored picture (see the module docstring).

    Raises :class:`OdooError` (connection, credentials, access) before anything is
    stored, and the storage errors of ``import`` (a picture conflict) likewise.
    """
    from controltower.storage.action_confirmation import confirm_executed_actions
    from controltower.storage.database import make_engine, make_session_factory, migrate
    from controltower.storage.odoo_mirror import load_mirror, save_mirror
    from controltower.storage.repository import replace_picture

    source = source_of(connection)
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        sessions = make_session_factory(engine)
        previous = None
        if not full:
            with sessions() as session:
                stored = load_mirror(session, source)
            if stored is not None:
                previous = MirrorState(
                    records=stored.records,
                    watermarks=stored.watermarks,
                    seen_at_mark=stored.seen_at_mark,
                )
        with OdooClient.connect(connection) as client:
            flavour = flavour_of(client)
            outcome = read_odoo(client, flavour, settings, previous, progress=progress)
        mapped = map_mirror(outcome.state, flavour, settings)
        now = datetime.now(UTC)
        with sessions.begin() as session:
            picture = replace_picture(
                session,
                mapped.dataset,
                source=source,
                imported_at=now,
                replace_all=replace_all,
                progress=storing,
            )
            confirm_executed_actions(session, picture.picture_id, now=now)
            save_mirror(
                session,
                source,
                outcome.state.records,
                outcome.state.watermarks,
                seen_at_mark=outcome.state.seen_at_mark,
                synced_at=now,
            )
    finally:
        engine.dispose()
    return SyncSummary(
        source=source,
        full=outcome.full,
        picture=picture,
        records_read=outcome.records_read,
        changed=outcome.changed,
        unmapped=mapped.unmapped,
        warnings=[*outcome.warnings, *mapped.warnings],
    )


__all__ = ["OdooError", "SyncSummary", "source_of", "sync_odoo"]
