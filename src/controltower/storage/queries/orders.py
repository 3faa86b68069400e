"""Open orders as the latest scan left them: filtered, sorted and paged in SQL.

The stored risk of a large business is hundreds of thousands of orders whose rows carry
their lines and explanation as JSON, so a page never reads more rows than it shows: the
keys of the page are chosen first, from the narrow covering indexes of migration 0004
(filters, sort and count read only the index), and only those rows are then read in
full and parsed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.analysis import OrderRiskStatus
from controltower.storage import tables
from controltower.storage.queries.memory import orders_version, remembered
from controltower.storage.queries.paging import (
    Page,
    PageRequest,
    Segment,
    SortKey,
    dialect_name,
    empty_page,
    in_companies,
    numeric_key,
    picture_companies,
    prefix_search_source,
    search_prefixes,
    segment_counts,
    segmented_keys,
    starts_with,
    text_key,
)
from controltower.storage.repository import OrderRiskRow, order_outcome


class OrderSort(StrEnum):
    """How a list of orders is sorted; each ends with the order id, so pages are stable."""

    #: at risk first, then the latest (no ship date at all is latest), then most valuable
    URGENCY = "urgency"
    #: the latest first (no ship date at all first), then the most valuable
    DAYS_LATE = "days_late"
    #: the most open value first
    VALUE = "value"
    #: the earliest promised date first
    PROMISED_DATE = "promised_date"
    #: by order id
    ORDER_ID = "order_id"


@dataclass(frozen=True, slots=True)
class OrderFilters:
    """What narrows the list of open orders; None means "any"."""

    at_risk: bool | None = None
    status: OrderRiskStatus | None = None
    warehouse: str | None = None
    #: a customer code, exactly
    customer: str | None = None
    #: text an order id or a customer code starts with (case as typed, or upper case)
    q: str | None = None


def open_orders(
    session: Session,
    picture_id: int,
    filters: OrderFilters = OrderFilters(),
    *,
    sort: OrderSort = OrderSort.URGENCY,
    page: PageRequest = PageRequest(),
    with_lines: bool = True,
) -> Page[OrderRiskRow]:
    """One page of the open orders of the picture's companies, and how many match.

    ``with_lines=False`` leaves each order's lines out (its ``lines`` are empty): a list
    that shows no lines need not read and parse them.

    ``total`` counts every order passing ``filters``; a page beyond the last is empty
    (with the total, so the caller can point to the last page).
    """
    companies = picture_companies(session, picture_id)
    if not companies:
        return empty_page(page)
    table = tables.order_risk
    dialect = dialect_name(session)
    connection = session.connection()
    where = _conditions(companies, filters, dialect)
    segments = _segments(sort, filters, dialect)
    source = _search_source(filters.q, companies)
    # Counting reads every matching order's index entry; the counts last until the next
    # recorded scan, the only writer of the stored order risk.
    counts = remembered(
        orders_version(session, companies),
        ("order counts", filters, sort),
        lambda: segment_counts(connection, where, segments, source=source),
    )
    total, keys = segmented_keys(
        connection,
        (table.c.company, table.c.order_id),
        where,
        segments,
        page,
        source=source,
        counts=counts,
    )
    rows = _rows_by_key(
        session,
        picture_id,
        [(company, order_id) for company, order_id in keys],
        with_lines=with_lines,
    )
    return Page(
        [rows[(company, order_id)] for company, order_id in keys if (company, order_id) in rows],
        total,
        page.number,
        page.size,
        page.offset,
    )


def open_order(session: Session, picture_id: int, order_id: str) -> OrderRiskRow | None:
    """One open order of the picture's companies (None when the latest scan did not see it).

    An id is unique within a company; should two of the picture's companies both have
    the order open, the first company in sorted order is the one shown.
    """
    companies = picture_companies(session, picture_id)
    if not companies:
        return None
    table = tables.order_risk
    query = (
        sa.select(table)
        .where(in_companies(table.c.company, companies), table.c.order_id == order_id)
        .order_by(text_key(table.c.company, dialect_name(session)))
        .limit(1)
    )
    row = session.connection().execute(query).first()
    return _risk_row(picture_id, row._mapping) if row is not None else None


def customer_known(session: Session, picture_id: int, code: str) -> bool:
    """True when the picture has a customer ``code`` (one primary-key lookup)."""
    table = tables.customers
    query = sa.select(table.c.code).where(table.c.picture_id == picture_id, table.c.code == code)
    return session.connection().execute(query).first() is not None


def _conditions(
    companies: Sequence[str], filters: OrderFilters, dialect: str
) -> list[sa.ColumnElement[bool]]:
    table = tables.order_risk
    where: list[sa.ColumnElement[bool]] = [in_companies(table.c.company, companies)]
    if filters.at_risk is not None:
        where.append(table.c.at_risk == filters.at_risk)
    if filters.status is not None:
        where.append(table.c.status == filters.status)
    if filters.warehouse is not None:
        where.append(table.c.warehouse == filters.warehouse)
    if filters.customer is not None:
        where.append(table.c.customer == filters.customer)
    if filters.q:
        where.append(_search(filters.q, dialect))
    return where


def _search(text: str, dialect: str) -> sa.ColumnElement[bool]:
    """Orders whose id or customer code starts with ``text`` as typed or in upper case.

    A prefix is a range (``text <= id < text + U+10FFFF``) taken in code-point order
    (:func:`text_key`), which is what "starts with" means whatever the database's
    collation.
    """
    return sa.or_(
        *(starts_with(column, prefix, dialect) for column, prefix in _search_ranges(text))
    )


def _search_ranges(text: str) -> list[tuple[sa.Column[str], str]]:
    table = tables.order_risk
    return [
        (column, prefix)
        for prefix in search_prefixes(text)
        for column in (table.c.order_id, table.c.customer)
    ]


def _search_source(text: str | None, companies: Sequence[str]) -> sa.FromClause | None:
    """The orders a search for ``text`` may find (:func:`prefix_search_source`), or None
    when there is no search."""
    if not text:
        return None
    table = tables.order_risk
    keys = (table.c.company, table.c.order_id)
    return prefix_search_source(table, keys, _search_ranges(text), companies)


def _segments(sort: OrderSort, filters: OrderFilters, dialect: str) -> list[Segment]:
    """The sort as index-ordered segments (see :class:`Segment`).

    "No ship date at all is latest" puts the orders whose ``days_late`` is NULL first, an
    order no index keeps (SQLite puts NULL last when reading backwards), so those are a
    segment of their own; "at risk first" splits the urgency sort the same way. One
    customer's orders, or a search, are a handful found through their own index, and are
    simply sorted in one segment.
    """
    table = tables.order_risk
    at_risk = filters.at_risk
    value = SortKey(numeric_key(table.c.open_value, dialect), descending=True)
    ids = (
        SortKey(text_key(table.c.order_id, dialect)),
        SortKey(text_key(table.c.company, dialect)),
    )
    no_date = (table.c.days_late.is_(None),)
    dated = (table.c.days_late.is_not(None),)
    latest = (SortKey(table.c.days_late, descending=True), value, *ids)
    if filters.customer is not None or filters.q:
        no_date_first = SortKey(table.c.days_late.is_(None), descending=True)
        flat = (no_date_first, *latest)
        if sort is OrderSort.URGENCY:
            return [Segment((), (SortKey(table.c.at_risk, descending=True), *flat))]
        if sort is OrderSort.DAYS_LATE:
            return [Segment((), flat)]
    if sort is OrderSort.URGENCY:
        risk = [True, False] if at_risk is None else [at_risk]
        return [
            segment
            for flag in risk
            for segment in (
                Segment((table.c.at_risk == flag, *no_date), (value, *ids)),
                Segment((table.c.at_risk == flag, *dated), latest),
            )
        ]
    if sort is OrderSort.DAYS_LATE:
        return [Segment(no_date, (value, *ids)), Segment(dated, latest)]
    if sort is OrderSort.VALUE:
        return [Segment((), (value, *ids))]
    if sort is OrderSort.PROMISED_DATE:
        return [Segment((), (SortKey(table.c.promised_date), *ids))]
    return [Segment((), ids)]


def _rows_by_key(
    session: Session, picture_id: int, keys: Sequence[tuple[str, str]], *, with_lines: bool
) -> dict[tuple[str, str], OrderRiskRow]:
    """The rows of ``keys``, looked up by primary key (``company = ? AND order_id IN``:
    SQLite searches an index for that, not for a list of (company, id) pairs)."""
    table = tables.order_risk
    columns = [c for c in table.c if with_lines or c.name != "lines"]
    by_company: dict[str, list[str]] = {}
    for company, order_id in keys:
        by_company.setdefault(company, []).append(order_id)
    found: dict[tuple[str, str], OrderRiskRow] = {}
    for company, order_ids in by_company.items():
        query = sa.select(*columns).where(
            table.c.company == company, table.c.order_id.in_(order_ids)
        )
        for row in session.connection().execute(query):
            values = dict(row._mapping)
            values.setdefault("lines", "[]")
            found[(row.company, row.order_id)] = _risk_row(picture_id, values)
    return found


def _risk_row(picture_id: int, row: Any) -> OrderRiskRow:
    return OrderRiskRow(
        picture_id=picture_id,
        scan_run_id=row["scan_run_id"],
        updated_at=row["updated_at"],
        outcome=order_outcome(row),
        company=row["company"],
    )
