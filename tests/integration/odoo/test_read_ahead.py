"""Reads asked ahead, while the mirror loads, are the reads a later run makes anyway.

The same later read of the fake Odoo, once asked plainly and once with
:func:`~controltower.connectors.odoo.reader.calls_ahead` sent ahead through
:class:`~controltower.connectors.odoo.read_ahead.ReadAhead`: the same mirror comes out,
the server receives the very same requests (nothing asked twice, nothing asked in
vain), and no more of them in flight at once than the settings allow.
"""

from __future__ import annotations

from collections import Counter
from contextlib import closing
from typing import Any

import pytest

from controltower.cli.odoo_sync import flavour_of
from controltower.connectors.odoo.client import OdooClient, OdooConnection
from controltower.connectors.odoo.errors import OdooUnavailable
from controltower.connectors.odoo.read_ahead import ReadAhead
from controltower.connectors.odoo.reader import (
    Call,
    MirrorState,
    ReadOutcome,
    calls_ahead,
    read_odoo,
)
from controltower.connectors.odoo.settings import OdooSettings
from fake_odoo import FakeOdoo
from fake_odoo.business import Business


def _client(odoo: FakeOdoo, business: Business) -> OdooClient:
    return OdooClient.connect(
        OdooConnection(url=odoo.url, db=odoo.db, login=business.login, api_key=business.api_key)
    )


def _a_working_day(odoo: FakeOdoo, business: Business) -> None:
    odoo.tick(seconds=60)
    acme = business.sale_orders["acme"]
    lines = sorted(
        row["id"]
        for row in odoo.records("sale.order.line")
        if row.get("order_id") == acme and not row.get("display_type")
    )
    qty = float(odoo.record("sale.order.line", lines[0])["product_uom_qty"])
    odoo.write("sale.order.line", lines[0], {"product_uom_qty": qty + 2})
    odoo.write("sale.order", acme, {"commitment_date": False})
    quant = min(row["id"] for row in odoo.records("stock.quant"))
    odoo.write("stock.quant", quant, {"quantity": 3.0})
    odoo.unlink("sale.order.line", lines[-1])


def _requests(odoo: FakeOdoo) -> Counter[str]:
    return Counter(
        repr((entry.model, entry.method, entry.args, entry.kw))
        for entry in odoo.requests
        if entry.service == "object"
    )


def _same_outcome(plain: ReadOutcome, ahead: ReadOutcome) -> None:
    assert ahead.state.records == plain.state.records
    assert ahead.state.watermarks == plain.state.watermarks
    assert ahead.state.seen_at_mark == plain.state.seen_at_mark
    assert ahead.changed_ids == plain.changed_ids
    assert ahead.warnings == plain.warnings


def _held(state: MirrorState) -> set[str]:
    return {model for model, records in state.records.items() if records}


def test_a_later_read_asked_ahead_reads_the_same_and_asks_nothing_twice_or_in_vain(
    odoo: FakeOdoo, business: Business
) -> None:
    settings = OdooSettings(dispute_activity_types=["Dispute"])
    with _client(odoo, business) as client:
        flavour = flavour_of(client)
        first = read_odoo(client, flavour, settings, None)
        _a_working_day(odoo, business)
        odoo.requests.clear()
        plain = read_odoo(client, flavour, settings, first.state)
        asked_plainly = _requests(odoo)
        odoo.requests.clear()
        calls = calls_ahead(flavour, settings, first.state.watermarks, _held(first.state))
        with closing(ReadAhead(client, settings.parallel_requests)) as reading:
            reading.ask_ahead(calls)
            ahead = read_odoo(reading, flavour, settings, first.state)
            assert reading.unused() == []
        asked_ahead = _requests(odoo)
    _same_outcome(plain, ahead)
    assert plain.changed_ids["sale.order.line"]  # the day's changes were read
    assert asked_ahead == asked_plainly
    assert len(calls) > 20  # the watermarked models, their ids at the mark, the ids alive


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_reads_asked_ahead_keep_to_the_requests_in_flight_allowed(
    odoo: FakeOdoo, business: Business, workers: int
) -> None:
    settings = OdooSettings(parallel_requests=workers)
    with _client(odoo, business) as client:
        flavour = flavour_of(client)
        first = read_odoo(client, flavour, settings, None)
        _a_working_day(odoo, business)
        odoo.latency = 0.02
        odoo.reset_in_flight()
        with closing(ReadAhead(client, workers)) as reading:
            reading.ask_ahead(
                calls_ahead(flavour, settings, first.state.watermarks, _held(first.state))
            )
            read_odoo(reading, flavour, settings, first.state)
    assert min(workers, 2) <= odoo.max_in_flight <= workers


class _Failing:
    """A reader's client whose every search of ``model`` fails as a dropped network does."""

    def __init__(self, client: OdooClient, model: str) -> None:
        self.client = client
        self.model = model
        self.asked: list[str] = []

    def search_ids(
        self, model: str, domain: list[Any], context: dict[str, Any] | None = None
    ) -> list[int]:
        self.asked.append(model)
        if model == self.model:
            raise OdooUnavailable(f"Odoo did not answer {model}.search")
        return self.client.search_ids(model, domain, context=context)

    def read(self, *args: Any, **kw: Any) -> Any:
        return self.client.read(*args, **kw)

    def pages(self, *args: Any, **kw: Any) -> Any:
        return self.client.pages(*args, **kw)


def test_an_error_asked_ahead_is_raised_where_it_is_asked_for_and_only_there(
    odoo: FakeOdoo, business: Business
) -> None:
    with _client(odoo, business) as client:
        failing = _Failing(client, "res.users")
        with closing(ReadAhead(failing, 2)) as reading:
            reading.ask_ahead(
                [
                    Call("search_ids", "res.users", []),
                    Call("search_ids", "res.company", []),
                    Call("search_ids", "uom.uom", [("id", "=", 0)]),
                ]
            )
            # an answer asked ahead and never asked for is dropped, error and all
            assert reading.search_ids("res.company", []) == client.search_ids("res.company", [])
            with pytest.raises(OdooUnavailable, match=r"res\.users\.search"):
                reading.search_ids("res.users", [])
            assert reading.unused() == [Call("search_ids", "uom.uom", [("id", "=", 0)]).key()]
        # asked once each, ahead: the reader's own calls were answered from them
        assert Counter(failing.asked) == Counter(["res.users", "res.company", "uom.uom"])
