"""Executed governed actions carried out in Odoo: the ERP outbox, drained by the write-back.

An executed action queues one ``erp_outbox`` row (``storage/erp_outbox.py``). The Odoo
write-back (``writeback odoo``) lists the rows of the companies synced from that Odoo
database (a dry run) or, with ``--apply``, sends each:

* ``write_promised_date``: the sale order's ``commitment_date`` (noon UTC of the new
  day, which every time zone within twelve hours of UTC reads as that day);
* ``write_price``: the sale order line's ``price_unit``, with no ``discount`` (the
  approved price is the net price; the dataset's line number is the Odoo line's id).
  A line sold in another unit than the product's, or in another currency than the
  company's, reads back converted: the next sync then flags the action as diverged;
* any other operation: a note in the chatter of the record it concerns (the sale order
  for a partial shipment, the customer for a credit release, the return, the product
  for stock changes), saying what was executed, for a person to carry out in Odoo.

A row sent is marked sent and logged in the write log like any write-back; a row Odoo
refuses (no such record, no access) is marked failed with the reason and tried again by
the next run, up to ``erp_outbox.MAX_ATTEMPTS`` times. A note is looked for in the
chatter before it is posted, and a field write sets a value, so sending a row twice
(an interrupted run) changes nothing.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from controltower.connectors.odoo.errors import OdooError
from controltower.connectors.odoo.writeback import PARTNER, SALE_ORDER, OdooDirectory

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from controltower.connectors.odoo.client import OdooClient
    from controltower.storage.erp_outbox import OutboxEntry

SALE_ORDER_LINE: Final = "sale.order.line"
PRODUCT: Final = "product.product"
RMA: Final = "rma"

#: what a note about each operation says was done
_NOTES: Final[dict[str, str]] = {
    "ship_partial": "ship the part of the order in stock now",
    "transfer_stock": "transfer stock between warehouses",
    "release_credit_hold": "release the customer's credit hold",
    "approve_return": "approve the return",
    "set_stock_quantity": "set the stock quantity after a count",
    "release_quality_hold": "release stock from the quality hold",
}


class ErpRecordMissingError(OdooError):
    """The record an outbox row concerns is not in Odoo (or not in the synced mirror)."""


@dataclass(frozen=True, slots=True)
class ErpWrite:
    """What one outbox row becomes in Odoo: a field write or a chatter note."""

    model: str
    res_id: int
    label: str
    #: the values to write; None for a note
    values: dict[str, Any] | None = None
    body: str | None = None
    marker: str | None = None

    def describe(self, entry: OutboxEntry) -> str:
        what = (
            f"write {', '.join(f'{k} {v}' for k, v in self.values.items())}"
            if self.values is not None
            else "post a note"
        )
        return (
            f"erp {entry.operation} on {self.model} {self.label}: {what} (action {entry.action_id})"
        )


def erp_companies(session: Session, source: str) -> list[str]:
    """The companies of the pictures synced from ``source``: the outbox rows it sends."""
    from controltower.storage.repository import list_pictures

    return sorted({c for p in list_pictures(session) if p.source == source for c in p.companies})


class ErpSender:
    """Turns outbox rows into Odoo writes and makes them, one row at a time."""

    def __init__(
        self,
        client: OdooClient,
        sessions: sessionmaker[Session],
        source: str,
        by: str,
        directory: OdooDirectory,
    ) -> None:
        self.client = client
        self.sessions = sessions
        self.source = source
        self.by = by
        self.directory = directory

    def pending(self) -> list[OutboxEntry]:
        from controltower.storage.erp_outbox import entries_to_send

        with self.sessions() as session:
            companies = erp_companies(session, self.source)
            return entries_to_send(session, companies=companies) if companies else []

    def describe(self, entry: OutboxEntry) -> str:
        """The dry run's line for ``entry``."""
        try:
            return self.plan(entry).describe(entry)
        except OdooError as error:
            return f"erp {entry.operation} (action {entry.action_id}): cannot be sent: {error}"

    def send(self, entry: OutboxEntry, after_write: Callable[[], None] | None = None) -> str:
        """Make ``entry``'s write in Odoo, then mark it sent (or failed) and log it."""
        from controltower.storage.erp_outbox import mark_failed, mark_sent
        from controltower.storage.odoo_followups import record_write

        try:
            write = self.plan(entry)
            said = self._make(write)
        except OdooError as error:
            with self.sessions.begin() as session:
                mark_failed(session, entry.id, error=str(error))
            return f"erp {entry.operation} (action {entry.action_id}) failed: {error}"
        if after_write is not None:
            after_write()
        now = datetime.now(UTC)
        with self.sessions.begin() as session:
            mark_sent(session, entry.id, now=now)
            record_write(
                session,
                self.source,
                at=now,
                by=self.by,
                action=f"erp_{entry.operation}",
                res_model=write.model,
                res_id=write.res_id,
                detail={"action_id": entry.action_id, "payload": entry.payload},
            )
        return write.describe(entry) + said

    # --- planning -----------------------------------------------------------------------

    def plan(self, entry: OutboxEntry) -> ErpWrite:
        payload = entry.payload
        if entry.operation == "write_promised_date":
            order = self._record(SALE_ORDER, str(payload["order_id"]))
            day = date.fromisoformat(str(payload["promised_date"]))
            noon = datetime(day.year, day.month, day.day, 12, 0).strftime("%Y-%m-%d %H:%M:%S")
            return ErpWrite(SALE_ORDER, order[0], order[1], values={"commitment_date": noon})
        if entry.operation == "write_price":
            return self._price(payload)
        model, res_id, label = self._related(entry)
        marker = f"[Control Tower] action {entry.action_id}"
        body = (
            f"<p>{marker}: {_NOTES.get(entry.operation, entry.operation)} was approved and "
            f"executed in Control Tower: {_details(payload)}.</p>"
        )
        return ErpWrite(model, res_id, label, body=body, marker=marker)

    def _price(self, payload: dict[str, Any]) -> ErpWrite:
        order_id, _label = self._record(SALE_ORDER, str(payload["order_id"]))
        line = int(payload["line"])
        if not self.client.search_ids(
            SALE_ORDER_LINE, [("id", "=", line), ("order_id", "=", order_id)]
        ):
            raise ErpRecordMissingError(
                f"order {payload['order_id']} has no line {line} in Odoo any more"
            )
        price = float(Decimal(str(payload["unit_price"])))
        return ErpWrite(
            SALE_ORDER_LINE,
            line,
            f"{payload['order_id']}/{line}",
            values={"price_unit": price, "discount": 0},
        )

    def _related(self, entry: OutboxEntry) -> tuple[str, int, str]:
        payload = entry.payload
        if "order_id" in payload:
            order = self._record(SALE_ORDER, str(payload["order_id"]))
            return SALE_ORDER, order[0], order[1]
        if "customer" in payload:
            partner = self._record(PARTNER, str(payload["customer"]))
            return PARTNER, partner[0], partner[1]
        if "rma_id" in payload:
            return RMA, self._search(RMA, "name", str(payload["rma_id"])), str(payload["rma_id"])
        sku = str(payload.get("sku", ""))
        return PRODUCT, self._search(PRODUCT, "default_code", sku), sku

    def _record(self, model: str, name: str) -> tuple[int, str]:
        target = self.directory.records.get(model, {}).get(name)
        if target is None:
            raise ErpRecordMissingError(f"no {model} {name!r} in the synced Odoo records")
        return target.res_id, target.label

    def _search(self, model: str, field: str, value: str) -> int:
        found = self.client.search_ids(model, [(field, "=", value)])
        if not found:
            raise ErpRecordMissingError(f"no {model} with {field} {value!r} in Odoo")
        return found[0]

    # --- writing ------------------------------------------------------------------------

    def _make(self, write: ErpWrite) -> str:
        if write.values is not None:
            self.client.execute_kw(write.model, "write", [[write.res_id], write.values])
            return ""
        assert write.body is not None
        assert write.marker is not None
        found = self.client.search_ids(
            "mail.message",
            [
                ("model", "=", write.model),
                ("res_id", "=", write.res_id),
                ("body", "ilike", write.marker),
            ],
        )
        if found:
            return f" -> message {found[0]}, already in Odoo"
        message_id = self.client.execute_kw(
            write.model,
            "message_post",
            [[write.res_id]],
            {"body": write.body, "message_type": "comment", "subtype_xmlid": "mail.mt_note"},
        )
        return f" -> message {message_id}"


def _details(payload: dict[str, Any]) -> str:
    return html.escape(", ".join(f"{key} {value}" for key, value in sorted(payload.items())))
