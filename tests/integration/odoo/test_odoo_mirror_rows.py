"""The Odoo mirror is stored per record: a later sync writes only what changed, and a
mirror of the old layout (one document per model) still syncs, by reading Odoo whole."""

from __future__ import annotations

import json
import math
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from controltower.cli.odoo_sync import source_of, sync_odoo
from controltower.connectors.odoo.client import OdooConnection
from controltower.connectors.odoo.settings import OdooSettings
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.odoo_mirror import load_mirror, save_mirror
from controltower.storage.tables import odoo_mirror, odoo_mirror_rows
from fake_odoo import FakeOdoo
from fake_odoo.business import seed_business

SOURCE = "odoo:http://erp.example.com/prod"
AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _records() -> dict[str, dict[int, dict[str, Any]]]:
    return {
        "sale.order": {
            n: {"id": n, "name": f"S{n:05d}", "partner_id": [7, "Acme"], "amount": 1.5 * n}
            for n in range(1, 301)
        },
        "res.partner": {7: {"id": 7, "name": "Acme", "ref": False}},
    }


def test_a_saved_mirror_loads_back_and_a_later_save_writes_only_the_changes(
    migrated_database_url: str,
) -> None:
    engine = make_engine(migrated_database_url)
    sessions = make_session_factory(engine)
    try:
        with sessions.begin() as session:
            written = save_mirror(
                session, SOURCE, _records(), {"sale.order": "2026-12-01 07:00:00"}, synced_at=AT
            )
        assert written == {"sale.order": 300, "res.partner": 1}
        with sessions() as session:
            loaded = load_mirror(session, SOURCE)
        assert loaded is not None
        assert loaded.records == _records()
        assert loaded.watermarks == {"sale.order": "2026-12-01 07:00:00"}
        assert not loaded.legacy

        changed = _records()
        changed["sale.order"][5] = {**changed["sale.order"][5], "name": "S-RENAMED"}
        del changed["sale.order"][6]
        changed["sale.order"][301] = {"id": 301, "name": "S00301", "partner_id": False}
        later = AT + timedelta(minutes=5)
        with sessions.begin() as session:
            written = save_mirror(session, SOURCE, changed, {}, synced_at=later, previous=loaded)
        assert written == {"sale.order": 3}
        with sessions() as session:
            again = load_mirror(session, SOURCE)
        assert again is not None
        assert again.records == changed
        assert again.synced_at == later

        # a mirror saved by another sync meanwhile: this one's changes cannot be trusted
        with sessions.begin() as session:
            written = save_mirror(session, SOURCE, _records(), {}, synced_at=later, previous=loaded)
        assert written == {"sale.order": 300, "res.partner": 1}
        with sessions() as session:
            third = load_mirror(session, SOURCE)
        assert third is not None
        assert third.records == _records()
    finally:
        engine.dispose()


def test_a_mirror_of_the_old_layout_is_read_and_its_next_sync_reads_odoo_whole(
    database_url: str,
) -> None:
    with FakeOdoo() as odoo:
        business = seed_business(odoo)
        connection = OdooConnection(
            url=odoo.url, db=odoo.db, login=business.login, api_key=business.api_key
        )
        sync_odoo(connection, OdooSettings(), database_url)
        source = source_of(connection)
        engine = make_engine(database_url)
        sessions = make_session_factory(engine)
        try:
            with sessions.begin() as session:
                current = load_mirror(session, source)
                assert current is not None
                session.execute(sa.delete(odoo_mirror_rows))
                session.execute(sa.delete(odoo_mirror))
                session.execute(
                    sa.insert(odoo_mirror),
                    [
                        {
                            "source": source,
                            "model": model,
                            "watermark": current.watermarks.get(model),
                            "seen_at_mark": "[]",
                            "record_count": len(rows),
                            "records": zlib.compress(json.dumps(rows).encode()),
                            "synced_at": current.synced_at,
                        }
                        for model, rows in current.records.items()
                    ],
                )
            with sessions() as session:
                legacy = load_mirror(session, source)
            assert legacy is not None
            assert legacy.legacy
            assert legacy.records == current.records  # the write-back's directory still reads

            summary = sync_odoo(connection, OdooSettings(), database_url)
            assert summary.full
            with sessions() as session:
                upgraded = load_mirror(session, source)
                documents = session.execute(
                    sa.select(sa.func.count())
                    .select_from(odoo_mirror)
                    .where(sa.func.length(odoo_mirror.c.records) > 0)
                ).scalar_one()
            assert upgraded is not None
            assert not upgraded.legacy
            assert upgraded.records == current.records
            assert documents == 0
        finally:
            engine.dispose()


def test_records_keep_their_values_through_the_stored_text(migrated_database_url: str) -> None:
    """Text, floats and non-ASCII names come back equal; a value JSON lacks (a datetime)
    is stored as its ``str``; and a record an older release stored with ``NaN`` (which
    the standard library wrote for a float Odoo sent as such) still loads."""
    engine = make_engine(migrated_database_url)
    sessions = make_session_factory(engine)
    record = {"id": 1, "name": "Müller & Søn «Nord»", "price": 0.1 + 0.2, "tag_ids": [3, 4]}
    try:
        with sessions.begin() as session:
            save_mirror(
                session,
                SOURCE,
                {"res.partner": {1: record, 2: {"id": 2, "seen": AT}}},
                {},
                synced_at=AT,
            )
            session.execute(
                sa.insert(odoo_mirror_rows),
                {
                    "source": SOURCE,
                    "model": "res.partner",
                    "record_id": 3,
                    "record": json.dumps({"id": 3, "credit": float("nan")}),
                },
            )
        with sessions() as session:
            loaded = load_mirror(session, SOURCE)
    finally:
        engine.dispose()
    assert loaded is not None
    partners = loaded.records["res.partner"]
    assert partners[1] == record
    assert partners[2] == {"id": 2, "seen": str(AT)}
    assert partners[3]["id"] == 3
    assert math.isnan(partners[3]["credit"])
