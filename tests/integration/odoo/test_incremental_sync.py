"""A later sync patches the stored picture with the documents that changed, and what it
stores is what a full sync would store, after any sequence of changes in Odoo.

Hypothesis changes the seeded business in the fake Odoo the ways a working day does
(quantities, promises, cancellations, confirmations, stock counts, receipts' dates,
payments, deletions, deliveries, a line's product, a partner's reference, which no
document-wise patch can apply), runs an incremental sync after each few changes, and
holds the stored picture equal, table by table, to the whole mirror mapped again; and
the snapshot the stored scan reads equal to the stored rows. The reference is the whole
mirror mapped again (what the sync stored before it patched), not a fresh full read: by
``docs/odoo.md`` an order cancelled after a sync saw it stays, cancelled, while a first
sync never adds it; the round trip holds a later sync equal to a full one where the rules
agree (``test_round_trip.py``).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from controltower.cli.odoo_sync import KeptMirror, SyncSummary, flavour_of, source_of, sync_odoo
from controltower.connectors.odoo.client import OdooClient, OdooConnection
from controltower.connectors.odoo.flavour import OdooFlavour
from controltower.connectors.odoo.mapping import map_mirror
from controltower.connectors.odoo.reader import MirrorState
from controltower.connectors.odoo.settings import OdooSettings
from controltower.domain.model import Dataset
from controltower.storage import tables as schema
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.odoo_mirror import load_mirror
from controltower.storage.picture_columns import read_picture_tables
from controltower.storage.picture_snapshot import read_picture_snapshot
from controltower.storage.repository import load_picture
from fake_odoo import FakeOdoo
from fake_odoo.business import Business, seed_business
from helpers.tables import assert_tables_equal

SETTINGS = OdooSettings()

_change = st.tuples(
    st.sampled_from(
        [
            "line_qty",
            "promise",
            "cancel",
            "confirm",
            "quant",
            "po_line_date",
            "invoice_paid",
            "delete_line",
            "move_done",
            "picking_done",
            "partner_ref",
            "reassign",
            "reassign_po",
            "line_product",
        ]
    ),
    st.integers(0, 50),
)


def _nth(odoo: FakeOdoo, model: str, index: int, **where: Any) -> int | None:
    rows = [
        row
        for row in sorted(odoo.records(model), key=lambda row: row["id"])
        if all(
            row.get(k) == v if not isinstance(v, tuple) else row.get(k) in v
            for k, v in where.items()
        )
    ]
    return rows[index % len(rows)]["id"] if rows else None


def _apply(odoo: FakeOdoo, kind: str, index: int) -> None:
    """One change as Odoo (or a person in it) makes it, bumping ``write_date``."""
    if kind == "line_qty" and (rid := _nth(odoo, "sale.order.line", index, display_type=False)):
        qty = float(odoo.record("sale.order.line", rid)["product_uom_qty"] or 0)
        odoo.write("sale.order.line", rid, {"product_uom_qty": qty + 1 + index % 3})
    elif kind == "promise" and (rid := _nth(odoo, "sale.order", index, state="sale")):
        odoo.write("sale.order", rid, {"commitment_date": f"2026-12-{10 + index % 18} 10:00:00"})
    elif kind == "cancel" and (rid := _nth(odoo, "sale.order", index, state="sale")):
        odoo.write("sale.order", rid, {"state": "cancel"})
    elif kind == "confirm" and (rid := _nth(odoo, "sale.order", index, state="draft")):
        odoo.write("sale.order", rid, {"state": "sale"})
    else:
        _apply_elsewhere(odoo, kind, index)


def _apply_elsewhere(odoo: FakeOdoo, kind: str, index: int) -> None:
    """The changes of :func:`_apply` outside sales orders."""
    if kind == "quant" and (rid := _nth(odoo, "stock.quant", index)):
        odoo.write("stock.quant", rid, {"quantity": float(index % 7) * 3})
    elif kind == "po_line_date" and (rid := _nth(odoo, "purchase.order.line", index)):
        odoo.write(
            "purchase.order.line", rid, {"date_planned": f"2026-12-{10 + index % 18} 12:00:00"}
        )
    elif kind == "invoice_paid" and (rid := _nth(odoo, "account.move", index, state="posted")):
        odoo.write("account.move", rid, {"payment_state": "paid", "amount_residual_signed": 0.0})
    elif kind == "delete_line" and (
        rid := _nth(odoo, "sale.order.line", index, display_type=False)
    ):
        odoo.unlink("sale.order.line", rid)
    elif kind in ("move_done", "picking_done"):
        model = "stock.move" if kind == "move_done" else "stock.picking"
        if rid := _nth(odoo, model, index, state=("assigned", "confirmed", "waiting")):
            odoo.write(model, rid, {"state": "done"})
    elif kind == "partner_ref" and (rid := _nth(odoo, "res.partner", index, is_company=True)):
        odoo.write("res.partner", rid, {"ref": f"R-{index}"})
    elif kind in ("reassign", "reassign_po"):
        _reassign(odoo, "sale.order" if kind == "reassign" else "purchase.order", index)
    elif kind == "line_product" and (
        rid := _nth(odoo, "sale.order.line", index, display_type=False)
    ):
        # another product on a line: the patch maps the line as it was and as it is
        product = _nth(odoo, "product.product", index * 3 + 1)
        if product:
            odoo.write("sale.order.line", rid, {"product_id": product})


def _reassign(odoo: FakeOdoo, model: str, index: int) -> None:
    """Another company on an order: its customer (supplier) may leave, another come."""
    order = _nth(odoo, model, index)
    partner = _nth(odoo, "res.partner", index * 7 + 3, is_company=True)
    if order and partner:
        odoo.write(model, order, {"partner_id": partner})


def _stored(database_url: str, source: str) -> Dataset:
    """The stored picture of ``source`` (whose snapshot must equal its rows)."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            pictures = schema.pictures
            picture_id = session.execute(
                sa.select(pictures.c.id).where(pictures.c.source == source)
            ).scalar_one()
            dataset = load_picture(session, picture_id)
            connection = session.connection()
            snapshot = read_picture_snapshot(connection, picture_id)
            assert snapshot is not None
            assert_tables_equal(read_picture_tables(connection, picture_id), snapshot)
            return dataset
    finally:
        engine.dispose()


def _whole_mapping(database_url: str, source: str, flavour: OdooFlavour) -> Dataset:
    """The whole stored mirror mapped again: what the sync stored before it patched."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            stored = load_mirror(session, source)
    finally:
        engine.dispose()
    assert stored is not None
    state = MirrorState(stored.records, stored.watermarks, stored.seen_at_mark)
    return map_mirror(state, flavour, SETTINGS).dataset


def _tables(dataset: Dataset) -> dict[str, Counter[Any]]:
    return {name: Counter(rows) for name, rows in dataset.collections()}


def _connection(odoo: FakeOdoo, business: Business) -> OdooConnection:
    return OdooConnection(url=odoo.url, db=odoo.db, login=business.login, api_key=business.api_key)


@settings(
    max_examples=15,
    deadline=None,
    # each example syncs a whole business several times: report the failing sequence
    # as found rather than spend minutes shrinking it
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rounds=st.lists(
        st.tuples(st.lists(_change, min_size=1, max_size=3), st.booleans()),
        min_size=1,
        max_size=4,
    ),
    version=st.sampled_from(["17.0", "18.0"]),
)
def test_an_incremental_sync_stores_what_a_full_sync_would(
    database_url: str, rounds: list[tuple[list[tuple[str, int]], bool]], version: str
) -> None:
    """Each round's sync keeps its mirror in memory (as the worker does) or not: a sync
    given a kept mirror that another sync made stale loads the stored one instead."""
    with FakeOdoo(version=version, now=datetime(2026, 12, 1, 8, 0, 0)) as odoo:
        business = seed_business(odoo)
        connection = _connection(odoo, business)
        kept = KeptMirror()
        sync_odoo(connection, SETTINGS, database_url, full=True, kept=kept)
        with OdooClient.connect(connection) as client:
            flavour = flavour_of(client)
        source = source_of(connection)
        for changes, keeping in rounds:
            odoo.tick(seconds=30)
            for kind, index in changes:
                _apply(odoo, kind, index)
            summary = sync_odoo(connection, SETTINGS, database_url, kept=kept if keeping else None)
            assert not summary.full
            expected = _whole_mapping(database_url, source, flavour)
            assert _tables(_stored(database_url, source)) == _tables(expected), (changes, summary)


def test_a_changed_order_is_patched_and_a_changed_reference_maps_everything(
    database_url: str,
) -> None:
    with FakeOdoo(now=datetime(2026, 12, 1, 8, 0, 0)) as odoo:
        business = seed_business(odoo)
        connection = _connection(odoo, business)
        sync_odoo(connection, SETTINGS, database_url)
        odoo.tick(seconds=60)
        odoo.write(
            "sale.order", business.sale_orders["acme"], {"commitment_date": "2026-12-20 10:00:00"}
        )
        patched: SyncSummary = sync_odoo(connection, SETTINGS, database_url)
        assert patched.patched is not None
        assert patched.patched["sales orders"] == 1
        assert patched.remapped_because is None
        odoo.tick(seconds=60)
        odoo.write("res.partner", business.customers["strategic"], {"ref": "ACME-2"})
        remapped = sync_odoo(connection, SETTINGS, database_url)
        assert remapped.patched is None
        assert remapped.remapped_because == "res.partner changed"
        stored = _stored(database_url, source_of(connection))
        assert "ACME-2" in {customer.code for customer in stored.customers}

        # new settings change rows no record change names
        promo = OdooSettings(expedite_tags=["Promo"])
        resettled = sync_odoo(connection, promo, database_url)
        assert resettled.remapped_because == "the connector settings changed"
        assert sync_odoo(connection, promo, database_url).remapped_because is None


def test_a_customer_who_comes_or_goes_with_an_order_is_patched_not_remapped(
    database_url: str,
) -> None:
    """A partner first named by an order comes into the mirror, and leaves it when no
    document names it any more: both follow the touched order, so the sync patches."""
    with FakeOdoo(now=datetime(2026, 12, 1, 8, 0, 0)) as odoo:
        business = seed_business(odoo)
        connection = _connection(odoo, business)
        sync_odoo(connection, SETTINGS, database_url)
        with OdooClient.connect(connection) as client:
            flavour = flavour_of(client)
        source = source_of(connection)
        echo = odoo.create(
            "res.partner",
            {"name": "Echo Wholesale", "ref": "C-ECHO", "is_company": True, "customer_rank": 1},
        )
        order = business.sale_orders["acme"]
        before = odoo.record("sale.order", order)["partner_id"]
        for partner, present in ((echo, True), (before, False)):
            odoo.tick(seconds=60)
            odoo.write("sale.order", order, {"partner_id": partner})
            summary = sync_odoo(connection, SETTINGS, database_url)
            assert summary.changed.get("res.partner") == 1, summary
            assert summary.remapped_because is None, summary
            assert summary.patched is not None
            stored = _stored(database_url, source)
            assert ("C-ECHO" in {customer.code for customer in stored.customers}) is present
            assert _tables(stored) == _tables(_whole_mapping(database_url, source, flavour))


def test_a_kept_mirror_spares_the_load_until_another_sync_stores_one(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker's syncs start from the mirror its last sync stored, held in memory; a
    sync by another process makes it stale, and the next one loads the stored mirror."""
    from controltower.storage import odoo_mirror

    loads: list[str] = []
    real_load = odoo_mirror.load_mirror

    def counted(session: Any, source: str) -> Any:
        loads.append(source)
        return real_load(session, source)

    monkeypatch.setattr(odoo_mirror, "load_mirror", counted)
    with FakeOdoo(now=datetime(2026, 12, 1, 8, 0, 0)) as odoo:
        business = seed_business(odoo)
        connection = _connection(odoo, business)
        with OdooClient.connect(connection) as client:
            flavour = flavour_of(client)
        source = source_of(connection)
        kept = KeptMirror()
        sync_odoo(connection, SETTINGS, database_url, kept=kept)
        assert kept.mirror is not None
        for promise, keeping, loaded in (
            ("2026-12-20 10:00:00", kept, []),  # the worker's next cycle: nothing loaded
            ("2026-12-21 10:00:00", None, [source]),  # a sync by hand loads the mirror
            ("2026-12-22 10:00:00", kept, [source]),  # the kept one is stale now: loaded
            ("2026-12-23 10:00:00", kept, []),
        ):
            loads.clear()
            odoo.tick(seconds=60)
            odoo.write("sale.order", business.sale_orders["acme"], {"commitment_date": promise})
            summary = sync_odoo(connection, SETTINGS, database_url, kept=keeping)
            assert loads == loaded
            assert summary.patched is not None
            assert summary.patched["sales orders"] == 1
            stored = _stored(database_url, source)
            assert _tables(stored) == _tables(_whole_mapping(database_url, source, flavour))
            if keeping is not None:  # what it keeps is what it stored
                mapped = map_mirror(_state(kept), flavour, SETTINGS).dataset
                assert _tables(stored) == _tables(mapped)


def _state(kept: KeptMirror) -> MirrorState:
    assert kept.mirror is not None
    mirror = kept.mirror
    return MirrorState(mirror.records, mirror.watermarks, mirror.seen_at_mark)


def test_a_patch_that_fails_midway_leaves_the_last_picture_and_the_next_sync_applies_it(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows, the snapshot and the mirror are written in one transaction."""
    from controltower.storage import picture_patch

    with FakeOdoo(now=datetime(2026, 12, 1, 8, 0, 0)) as odoo:
        business = seed_business(odoo)
        connection = _connection(odoo, business)
        sync_odoo(connection, SETTINGS, database_url)
        source = source_of(connection)
        before = _stored(database_url, source)
        odoo.tick(seconds=60)
        order = business.sale_orders["acme"]
        odoo.write("sale.order", order, {"commitment_date": "2026-12-20 10:00:00"})

        def crash(*_: object) -> None:
            raise RuntimeError("killed while rewriting the snapshot")

        monkeypatch.setattr(picture_patch, "_rewrite_snapshot", crash)
        with pytest.raises(RuntimeError, match="killed"):
            sync_odoo(connection, SETTINGS, database_url)
        assert _tables(_stored(database_url, source)) == _tables(before)

        monkeypatch.undo()
        summary = sync_odoo(connection, SETTINGS, database_url)
        assert summary.patched is not None
        name = odoo.record("sale.order", order)["name"]
        after = {o.order_id: o for o in _stored(database_url, source).sales_orders}
        assert after[name].promised_date.isoformat() == "2026-12-20"
