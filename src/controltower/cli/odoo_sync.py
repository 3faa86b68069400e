"""One Odoo sync, start to finish: connect, read what changed, map, store both at once.

The connector (``controltower.connectors.odoo``) reads and maps; storage keeps the
mirror and the picture; this module is where the two meet, which is why it sits with
the commands (the only layer that may use both). The background worker runs the same
function.

A later sync maps only the documents the changed records belong to
(``connectors/odoo/incremental.py``) and patches the stored picture with them
(``storage/picture_patch.py``) when that picture is the one the last sync stored; a
first sync, or a change that is not document-wise, maps the whole mirror and replaces
the picture, as ``import`` does, and the summary says why.

A long-running process (the background worker) keeps the mirror its last sync stored in
memory (:class:`KeptMirror`) and starts its next sync from it, while storage says no
other sync saved one since, instead of loading hundreds of thousands of records again.

A sync stores nothing unless it completes: the new (or patched) picture and the changed
mirror records and watermarks are written in one transaction after every read has
succeeded, so an interrupted sync (a dropped connection, a kill) leaves the last good
picture, and the next run starts again from the last stored watermark, without loss or
duplicates.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from controltower.connectors.odoo.client import OdooClient, OdooConnection
from controltower.connectors.odoo.errors import OdooError, OdooUserError
from controltower.connectors.odoo.flavour import FLAVOUR_MODELS, OdooFlavour, detect_flavour
from controltower.connectors.odoo.incremental import PicturePatch, plan_patch
from controltower.connectors.odoo.links import Links
from controltower.connectors.odoo.mapping import map_mirror
from controltower.connectors.odoo.read_ahead import ReadAhead
from controltower.connectors.odoo.reader import (
    MirrorState,
    Progress,
    ReadOutcome,
    calls_ahead,
    read_odoo,
)
from controltower.connectors.odoo.settings import OdooSettings
from controltower.workflow.memory import cycle_collection_paused

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from controltower.storage.odoo_mirror import MirrorMarks, StoredMirror
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
    #: per kind, the documents mapped again and patched into the stored picture (a later
    #: sync); None when the whole mirror was mapped and the picture replaced
    patched: dict[str, int] | None = None
    #: why a later sync mapped the whole mirror instead of patching (a reference changed)
    remapped_because: str | None = None


@dataclass
class KeptMirror:
    """The mirror the last sync of this process stored, kept for its next sync.

    At 100,000 open order lines the mirror is some 460,000 records: loading and parsing
    them again takes seconds of a sync that reads a hundred changes. A process that syncs
    again and again (the worker) passes one of these to every :func:`sync_odoo`; it is
    used only while storage still holds the very mirror it kept (the same save time), so
    a sync by another process (a ``controltower sync odoo`` run by hand) is never
    missed: the next sync then loads the mirror from storage as usual.
    """

    source: str | None = None
    mirror: StoredMirror | None = None
    #: the mirror's links, as the last patch moved them on (``connectors/odoo/links.py``)
    links: Links | None = None

    def for_source(self, session: Session, source: str) -> StoredMirror | None:
        """The kept mirror of ``source`` while it is the stored one; else None."""
        from controltower.storage.odoo_mirror import stored_synced_at

        mirror = self.mirror
        if self.source != source or mirror is None or mirror.synced_at is None:
            return None
        return (
            mirror if stored_synced_at(session.connection(), source) == mirror.synced_at else None
        )

    def keep(self, source: str, mirror: StoredMirror, links: Links | None) -> None:
        self.source, self.mirror, self.links = source, mirror, links

    def forget(self) -> None:
        self.source, self.mirror, self.links = None, None, None


def source_of(connection: OdooConnection) -> str:
    """The name a synced Odoo database goes by in storage: ``odoo:<url>/<db>``."""
    return f"odoo:{connection.url.rstrip('/')}/{connection.db}"


def flavour_of(client: OdooClient, workers: int = 1) -> OdooFlavour:
    """The field names of this server (``fields_get`` of the models the mapping reads,
    ``workers`` of them asked at once)."""

    def fields_of(model: str) -> dict[str, Any]:
        try:
            return dict(client.fields_get(model))
        except OdooUserError:  # the model is not installed: its names do not matter
            return {}

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="odoo-fields") as pool:
        answers = dict(zip(FLAVOUR_MODELS, pool.map(fields_of, FLAVOUR_MODELS), strict=True))
    return detect_flavour(client.version.major, answers.__getitem__)


def sync_odoo(
    connection: OdooConnection,
    settings: OdooSettings,
    database_url: str,
    *,
    full: bool = False,
    replace_all: bool = False,
    progress: Progress | None = None,
    storing: Callable[[str, int, int], None] | None = None,
    kept: KeptMirror | None = None,
) -> SyncSummary:
    """Sync one Odoo database into the stored picture (see the module docstring).

    ``kept``, from a process that syncs again and again, holds the mirror this sync
    stores, for the next one (see :class:`KeptMirror`).

    Raises :class:`OdooError` (connection, credentials, access) before anything is
    stored, and the storage errors of ``import`` (a picture conflict) likewise.
    """
    # the mirror is hundreds of thousands of small dicts, none in a reference cycle: the
    # cyclic collector walking them each time a generation fills cost more than parsing
    with cycle_collection_paused():
        return _sync(
            connection,
            settings,
            database_url,
            full=full,
            replace_all=replace_all,
            progress=progress,
            storing=storing,
            kept=kept,
        )


def _sync(
    connection: OdooConnection,
    settings: OdooSettings,
    database_url: str,
    *,
    full: bool,
    replace_all: bool,
    progress: Progress | None,
    storing: Callable[[str, int, int], None] | None,
    kept: KeptMirror | None,
) -> SyncSummary:
    from controltower.storage.action_confirmation import confirm_executed_actions
    from controltower.storage.database import make_engine, make_session_factory, migrate
    from controltower.storage.odoo_mirror import (
        load_mirror,
        mirror_marks,
        save_mirror,
        saved_mirror,
        stored_synced_at,
    )

    source = source_of(connection)
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        sessions = make_session_factory(engine)
        marks = None
        if not full:
            with sessions() as session:
                marks = mirror_marks(session, source)
        with (
            OdooClient.connect(connection) as client,
            closing(ReadAhead(client, settings.parallel_requests)) as reading,
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="odoo-start") as start,
        ):
            # the server's names, then what depends on the watermarks alone, are asked of
            # Odoo while the mirror loads
            flavoured = start.submit(_flavour_and_ask_ahead, client, reading, settings, marks)
            stored = None
            if marks is not None:
                with sessions() as session:
                    stored = kept.for_source(session, source) if kept is not None else None
                    if stored is None:
                        stored = load_mirror(session, source)
            flavour = flavoured.result()
            previous = _previous_state(stored)
            outcome = read_odoo(reading, flavour, settings, previous, progress=progress)
        mapping = _Mapping(
            outcome,
            flavour,
            settings,
            stored if not replace_all else None,
            kept.links if kept is not None else None,
        )
        now = datetime.now(UTC)
        saved_at: datetime | None = None
        with sessions.begin() as session:
            picture = mapping.store(session, source, now, replace_all, storing)
            confirm_executed_actions(session, picture.picture_id, now=now)
            save_mirror(
                session,
                source,
                outcome.state.records,
                outcome.state.watermarks,
                seen_at_mark=outcome.state.seen_at_mark,
                synced_at=now,
                previous=stored,
                changed=outcome.changed_ids,
            )
            if kept is not None:
                # forgotten first: should the commit fail, no stale mirror is kept
                kept.forget()
                saved_at = stored_synced_at(session.connection(), source)
        if kept is not None:
            state = outcome.state
            links = mapping.patch.links if mapping.patch is not None else None
            kept.keep(
                source,
                saved_mirror(state.records, state.watermarks, state.seen_at_mark, saved_at),
                links,
            )
    finally:
        engine.dispose()
    return SyncSummary(
        source=source,
        full=outcome.full,
        picture=picture,
        records_read=outcome.records_read,
        changed=outcome.changed,
        unmapped=mapping.unmapped,
        warnings=[*outcome.warnings, *mapping.warnings],
        patched=mapping.patched,
        remapped_because=mapping.remapped_because,
    )


def _flavour_and_ask_ahead(
    client: OdooClient, reading: ReadAhead, settings: OdooSettings, marks: MirrorMarks | None
) -> OdooFlavour:
    """The server's flavour; then, for a later sync, the calls its read will make
    whatever the mirror holds, sent ahead (``connectors/odoo/read_ahead.py``)."""
    flavour = flavour_of(client, settings.parallel_requests)
    if marks is not None:
        reading.ask_ahead(calls_ahead(flavour, settings, marks.watermarks, marks.held))
    return flavour


def _previous_state(stored: StoredMirror | None) -> MirrorState | None:
    """The mirror to read changes against; None (read Odoo whole) for an old layout."""
    if stored is None or stored.legacy:
        return None
    return MirrorState(
        records=stored.records, watermarks=stored.watermarks, seen_at_mark=stored.seen_at_mark
    )


class _Mapping:
    """The new picture: a patch of the documents that changed when the stored picture is
    the last sync's, untouched since; else the whole mirror mapped and stored anew."""

    def __init__(
        self,
        outcome: ReadOutcome,
        flavour: OdooFlavour,
        settings: OdooSettings,
        stored: StoredMirror | None,
        links: Links | None,
    ) -> None:
        self.outcome = outcome
        self.flavour = flavour
        self.settings = settings
        self.stored = stored
        self.unmapped: list[str] = []
        self.warnings: list[str] = []
        self.patched: dict[str, int] | None = None
        self.remapped_because: str | None = None
        self.patch: PicturePatch | None = None
        previous = _previous_state(stored)
        if previous is not None:
            planned = plan_patch(
                previous, outcome.state, outcome.changed_ids, flavour, settings, links
            )
            if isinstance(planned, str):
                self.remapped_because = planned
            else:
                self.patch = planned
        # mapped before the write transaction, which holds the database's write turn
        self.mapped = None if self.patch else map_mirror(outcome.state, flavour, settings)

    def store(
        self,
        session: Session,
        source: str,
        now: datetime,
        replace_all: bool,
        storing: Callable[[str, int, int], None] | None,
    ) -> PictureSummary:
        from controltower.storage.picture_patch import patch_picture, patchable_picture
        from controltower.storage.repository import replace_picture

        patch, stored = self.patch, self.stored
        if patch is not None and stored is not None:
            picture_id = patchable_picture(session, source, stored.synced_at)
            if picture_id is not None:
                if storing is not None:
                    rows = sum(
                        len(r) for d in (patch.removed, patch.added) for _, r in d.collections()
                    )
                    storing("picture patch", 0, rows)
                self.patched = patch.documents
                self.unmapped, self.warnings = patch.unmapped, patch.warnings
                return patch_picture(
                    session, picture_id, patch.removed, patch.added, imported_at=now
                )
            self.remapped_because = "the stored picture changed since the last sync"
        mapped = self.mapped or map_mirror(self.outcome.state, self.flavour, self.settings)
        self.unmapped, self.warnings = mapped.unmapped, mapped.warnings
        return replace_picture(
            session,
            mapped.dataset,
            source=source,
            imported_at=now,
            replace_all=replace_all,
            progress=storing,
        )


__all__ = ["KeptMirror", "OdooError", "SyncSummary", "source_of", "sync_odoo"]
