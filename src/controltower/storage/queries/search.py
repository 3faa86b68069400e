"""Finding things by the start of their code or name, for the search box.

A search looks for open orders, customers, products, suppliers, purchase orders,
invoices and cases whose code starts with the text (customers, suppliers and products
also by the start of their name). Every kind is a handful of index ranges read with a
LIMIT, so a search costs the same in a business of any size:

- a code is looked for as typed, in upper and in lower case, each a range of the
  table's primary key (``prefix <= code < prefix + U+10FFFF``, see ``paging``);
- a name is looked for in lower case, a range of the ``lower(name)`` index of
  migration 0008. SQLite lowers ASCII letters only, so the name is also looked for with
  only those lowered: "Ørsted" is found by typing "Ørs" on either database.

What a person may not see is never read: orders and cases by their scope, purchase
orders by their warehouse; customers, products, suppliers and invoices (filed by
customer) are the picture's master data, seen by whoever sees the picture.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.people import Scope
from controltower.storage import tables
from controltower.storage.queries.entity_support import in_warehouses, visible_warehouses
from controltower.storage.queries.paging import (
    MAX_SEARCH_CHARS,
    dialect_name,
    picture_companies,
    search_prefixes,
    starts_with,
)
from controltower.storage.visibility import visible_to


class MatchKind(StrEnum):
    """What a match is; the order here is the order results are grouped in."""

    ORDER = "order"
    CUSTOMER = "customer"
    PRODUCT = "product"
    SUPPLIER = "supplier"
    PURCHASE_ORDER = "purchase_order"
    INVOICE = "invoice"
    CASE = "case"


_KIND_RANK: Final = {kind: rank for rank, kind in enumerate(MatchKind)}

_Found = TypeVar("_Found")


@dataclass(frozen=True, slots=True)
class Match:
    """One thing found, with the few facts a suggestion shows beside its code."""

    kind: MatchKind
    code: str
    #: the code is the text searched for, whatever the case
    exact: bool
    #: a customer's, supplier's or product's name; a case's exception type
    name: str | None = None
    #: an order's or invoice's customer, a purchase order's supplier, a case's subject
    party: str | None = None
    warehouse: str | None = None
    #: an order's risk status, a purchase order's status, a case's state
    status: str | None = None
    #: an order's promised date, a purchase order's expected date, an invoice's due date
    day: date | None = None
    #: an invoice is disputed; an order is at risk
    flagged: bool = False


def find_matches(
    session: Session, picture_id: int, text: str, *, limit: int, visible: Scope | None
) -> list[Match]:
    """At most ``limit`` things of the picture whose code (or name) starts with ``text``.

    Exact matches come first, then each kind in turn, so one kind with many matches
    does not crowd the others out; the result is grouped by kind (:class:`MatchKind`
    order), each group exact match first, then by code.
    """
    typed = text.strip()[:MAX_SEARCH_CHARS]
    if not typed or limit < 1:
        return []
    companies = picture_companies(session, picture_id)
    if not companies:
        return []
    search = _Search(session, picture_id, companies, typed, limit, visible)
    found = [match for finder in _FINDERS for match in finder(search)]
    return choose_matches(found, limit)


def _itself(item: Any) -> Match:
    found: Match = item
    return found


def _display_key(match: Match) -> tuple[int, bool, str]:
    return (_KIND_RANK[match.kind], not match.exact, match.code)


def choose_matches(
    found: Sequence[_Found], limit: int, match: Callable[[_Found], Match] = _itself
) -> list[_Found]:
    """``limit`` of ``found`` (each ``match(item)`` a :class:`Match`): exact matches first,
    then one of each kind in turn; grouped by kind, exact first, then by code (in
    code-point order)."""
    ordered = sorted(found, key=lambda item: _display_key(match(item)))
    chosen = [item for item in ordered if match(item).exact][:limit]
    queues = {kind: deque[_Found]() for kind in MatchKind}
    for item in ordered:
        if not match(item).exact:
            queues[match(item).kind].append(item)
    while len(chosen) < limit and any(queues.values()):
        for queue in queues.values():
            if queue and len(chosen) < limit:
                chosen.append(queue.popleft())
    return sorted(chosen, key=lambda item: _display_key(match(item)))


@dataclass(frozen=True, slots=True)
class _Search:
    """One search of one picture: what every finder needs."""

    session: Session
    picture_id: int
    companies: list[str]
    text: str
    limit: int
    visible: Scope | None

    @property
    def connection(self) -> sa.Connection:
        return self.session.connection()

    @property
    def dialect(self) -> str:
        return dialect_name(self.session)

    def exact(self, code: str) -> bool:
        return code.casefold() == self.text.casefold()

    def code_prefixes(self) -> list[str]:
        return sorted({*search_prefixes(self.text), self.text.lower()})

    def name_prefixes(self) -> list[str]:
        ascii_lowered = "".join(c.lower() if c.isascii() else c for c in self.text)
        return sorted({self.text.lower(), ascii_lowered})

    def starting(self, column: sa.ColumnElement[str], prefix: str) -> list[sa.ColumnElement[bool]]:
        """``column`` starts with ``prefix``: a range in the column's collation (what its
        index is sorted by) and, on PostgreSQL, the exact test in code-point order."""
        ranges = [starts_with(column, prefix, None)]
        if self.dialect == "postgresql":
            ranges.append(starts_with(column, prefix, self.dialect))
        return ranges

    def ranges(
        self,
        columns: Sequence[sa.ColumnElement[Any]],
        where: Sequence[sa.ColumnElement[bool]],
        keyed: Sequence[tuple[sa.ColumnElement[str], list[str]]],
        key: Callable[[Any], Any],
    ) -> list[Any]:
        """The rows of ``columns`` matching ``where`` whose keyed column starts with one
        of its prefixes: each prefix one index range read in index order with a LIMIT,
        the rows found by more than one kept once (by ``key``)."""
        found: dict[Any, Any] = {}
        for column, prefixes in keyed:
            for prefix in prefixes:
                query = (
                    sa.select(*columns)
                    .where(*where, *self.starting(column, prefix))
                    .order_by(column)
                    .limit(self.limit)
                )
                for row in self.connection.execute(query):
                    found.setdefault(key(row), row)
        return list(found.values())


def _customers(search: _Search) -> list[Match]:
    table = tables.customers
    rows = _master_rows(search, table, table.c.code)
    return [
        Match(MatchKind.CUSTOMER, row.code, search.exact(row.code), name=row.name) for row in rows
    ]


def _products(search: _Search) -> list[Match]:
    table = tables.products
    rows = _master_rows(search, table, table.c.sku)
    return [Match(MatchKind.PRODUCT, row.sku, search.exact(row.sku), name=row.name) for row in rows]


def _suppliers(search: _Search) -> list[Match]:
    table = tables.suppliers
    rows = _master_rows(search, table, table.c.code)
    return [
        Match(MatchKind.SUPPLIER, row.code, search.exact(row.code), name=row.name) for row in rows
    ]


def _master_rows(search: _Search, table: sa.Table, key: sa.Column[str]) -> list[Any]:
    """Master data by the start of its code or its name."""
    return search.ranges(
        (key, table.c.name),
        (table.c.picture_id == search.picture_id,),
        (
            (key, search.code_prefixes()),
            (sa.func.lower(table.c.name), search.name_prefixes()),
        ),
        key=lambda row: row[0],
    )


def _purchase_orders(search: _Search) -> list[Match]:
    table = tables.purchase_orders
    warehouses = visible_warehouses(search.session, search.picture_id, search.visible)
    rows = search.ranges(
        (table.c.po_id, table.c.supplier, table.c.warehouse, table.c.status, table.c.expected_date),
        (table.c.picture_id == search.picture_id, *in_warehouses(table.c.warehouse, warehouses)),
        ((table.c.po_id, search.code_prefixes()),),
        key=lambda row: row.po_id,
    )
    return [
        Match(
            MatchKind.PURCHASE_ORDER,
            row.po_id,
            search.exact(row.po_id),
            party=row.supplier,
            warehouse=row.warehouse,
            status=str(row.status),
            day=row.expected_date,
        )
        for row in rows
    ]


def _invoices(search: _Search) -> list[Match]:
    table = tables.invoices
    rows = search.ranges(
        (table.c.invoice_id, table.c.customer, table.c.due_date, table.c.disputed),
        (table.c.picture_id == search.picture_id,),
        ((table.c.invoice_id, search.code_prefixes()),),
        key=lambda row: row.invoice_id,
    )
    return [
        Match(
            MatchKind.INVOICE,
            row.invoice_id,
            search.exact(row.invoice_id),
            party=row.customer,
            day=row.due_date,
            flagged=bool(row.disputed),
        )
        for row in rows
    ]


def _orders(search: _Search) -> list[Match]:
    """Open orders of the latest scan, company by company (each a range of its key)."""
    table = tables.order_risk
    rows: list[Any] = []
    for company in search.companies:
        rows += search.ranges(
            (
                table.c.order_id,
                table.c.customer,
                table.c.warehouse,
                table.c.status,
                table.c.promised_date,
                table.c.at_risk,
            ),
            (
                table.c.company == company,
                *visible_to(search.visible, table.c.company, table.c.warehouse),
            ),
            ((table.c.order_id, search.code_prefixes()),),
            key=lambda row: row.order_id,
        )
    return [
        Match(
            MatchKind.ORDER,
            row.order_id,
            search.exact(row.order_id),
            party=row.customer,
            warehouse=row.warehouse,
            status=str(row.status),
            day=row.promised_date,
            flagged=bool(row.at_risk),
        )
        for row in _first_per_code(rows, lambda row: row.order_id)
    ]


def _cases(search: _Search) -> list[Match]:
    """Cases by their id, company by company, closed ones too (a case page shows them)."""
    table = tables.exception_cases
    rows: list[Any] = []
    for company in search.companies:
        rows += search.ranges(
            (table.c.id, table.c.type, table.c.subject, table.c.state, table.c.warehouse),
            (
                table.c.scope_company == company,
                *visible_to(search.visible, table.c.scope_company, table.c.warehouse),
            ),
            ((table.c.id, search.code_prefixes()),),
            key=lambda row: row.id,
        )
    return [
        Match(
            MatchKind.CASE,
            row.id,
            search.exact(row.id),
            name=str(row.type),
            party=row.subject,
            warehouse=row.warehouse,
            status=str(row.state),
        )
        for row in _first_per_code(rows, lambda row: row.id)
    ]


def _first_per_code(rows: Sequence[Any], code: Callable[[Any], str]) -> list[Any]:
    """One row per code: an id two companies share links to the first company's (the
    one the order and case pages show)."""
    seen: dict[str, Any] = {}
    for row in rows:
        seen.setdefault(code(row), row)
    return list(seen.values())


#: every kind's finder, in :class:`MatchKind` order
_FINDERS: Final[tuple[Callable[[_Search], list[Match]], ...]] = (
    _orders,
    _customers,
    _products,
    _suppliers,
    _purchase_orders,
    _invoices,
    _cases,
)
