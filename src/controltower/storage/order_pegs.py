"""The inbound pegs of stored open orders, one ``order_pegs`` row each.

A stored order's line outcomes are JSON (``storage/order_lines.py``); each line's
``from_inbound`` lists the purchase-order lines it takes units from. The purchasing
pages look the other way, from a purchase order to the orders waiting on it, which the
JSON cannot answer from an index. So :func:`~controltower.storage.order_risk.record_order_risk`
keeps each of those pegs as a row too, written, replaced and deleted in the same
statements' turn as the order's risk row: the rows of an order are always the pegs its
stored ``lines`` name, and only orders whose risk row is written are touched.

The rows are read out of the same JSON text the scan stores as the order's lines
(:mod:`~controltower.storage.order_lines`), so the two can never say different things.
Risk rows stored before this table existed got their pegs when their lines moved into
blocks (migration 0024).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Final

import sqlalchemy as sa

from controltower.storage import tables
from controltower.storage.bulk import insert_columns, keys_by_company

#: what the JSON of a line naming a purchase-order peg always holds
_INBOUND_MARK: Final = '"po_id"'

OrderKey = tuple[str, str]


class PegColumns:
    """``order_pegs`` rows being gathered, as the columns :func:`insert_columns` takes."""

    def __init__(self) -> None:
        self.company: list[str] = []
        self.order_id: list[str] = []
        self.order_line: list[int] = []
        self.po_id: list[str] = []
        self.po_line: list[int] = []
        self.warehouse: list[str] = []
        self.qty: list[Decimal] = []
        self.available_date: list[date] = []

    def add_order(self, company: str, order_id: str, warehouse: str, lines: str) -> None:
        """The pegs named by one order's ``lines`` JSON (nothing when it names none),
        each under its line's warehouse (the order's, for text that names none).

        Two pegs of one line on the same purchase-order line (which pegging does not
        make) would be one row: their quantities are added.
        """
        if _INBOUND_MARK not in lines:
            return
        pegs: dict[tuple[int, str, int], tuple[Decimal, date, str]] = {}
        for line in json.loads(lines, parse_float=Decimal, parse_int=Decimal):
            at = str(line.get("warehouse", warehouse))
            for peg in line["from_inbound"]:
                key = (int(line["line"]), str(peg["po_id"]), int(peg["line"]))
                qty = Decimal(peg["qty"])
                held = pegs.get(key)
                if held is not None:
                    qty += held[0]
                pegs[key] = (qty, date.fromisoformat(peg["available_date"]), at)
        for (order_line, po_id, po_line), (qty, available, at) in pegs.items():
            self.company.append(company)
            self.order_id.append(order_id)
            self.order_line.append(order_line)
            self.po_id.append(po_id)
            self.po_line.append(po_line)
            self.warehouse.append(at)
            self.qty.append(qty)
            self.available_date.append(available)

    def insert(self, connection: sa.Connection) -> int:
        """Insert the gathered rows in one bulk insert; how many."""
        return insert_columns(
            connection,
            tables.order_pegs,
            {
                "company": self.company,
                "order_id": self.order_id,
                "order_line": self.order_line,
                "po_id": self.po_id,
                "po_line": self.po_line,
                "warehouse": self.warehouse,
                "qty": self.qty,
                "available_date": self.available_date,
            },
        )


def delete_company_pegs(connection: sa.Connection, companies: Sequence[str]) -> None:
    """Delete every peg of ``companies`` (before their risk rows go)."""
    table = tables.order_pegs
    connection.execute(sa.delete(table).where(table.c.company.in_(list(companies))))


def delete_order_pegs(connection: sa.Connection, keys: Iterable[OrderKey]) -> None:
    """Delete the pegs of the orders ``keys`` (before their risk rows go)."""
    delete_order_rows(connection, tables.order_pegs, keys)


def delete_order_rows(connection: sa.Connection, table: sa.Table, keys: Iterable[OrderKey]) -> None:
    """Delete the rows of ``table`` (keyed by ``company`` and ``order_id``) of the orders
    ``keys``, a bounded ``IN`` list at a time."""
    for condition in keys_by_company(table.c.company, table.c.order_id, keys):
        connection.execute(sa.delete(table).where(condition))
