"""Open orders as the latest scan left them: filtered, sorted and paged in SQL.

The stored risk of a large business is hundreds of thousands of orders whose rows carry
their explanation as JSON and name their lines' block (``storage/order_lines.py``), so
a page never reads more rows than it shows: the
keys of the page are chosen first, from the narrow covering indexes of migration 0004
(filters, sort and count read only the index), and only those rows are then read in
full and parsed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.analysis import OrderRiskStatus
from controltower.domain.people import Scope
from controltower.storage import tables
from controltower.storage.order_lines import with_lines_block, with_stored_lines
from controltower.storage.queries.memory import orders_version, remembered
from controltower.storage.queries.ordering import reversed_segments
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
from controltower.storage.queries.streaming import CHUNK_ROWS, Cursor, read_chunk
from controltower.storage.repository import NO_LINES_TEXT, OrderRiskRow, order_outcome
from controltower.storage.visibility import visible_to


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
    #: by customer code, then order id
    CUSTOMER = "customer"
    #: by warehouse code, then order id (migration 0009's index)
    WAREHOUSE = "warehouse"

    @property
    def descending(self) -> bool:
        """True when the sort reads its leading column from the top down (the most urgent,
        the latest, the most valuable first); reversing a sort flips this."""
        return self in {OrderSort.URGENCY, OrderSort.DAYS_LATE, OrderSort.VALUE}


@dataclass(frozen=True, slots=True)
class OrderFilters:
    """What narrows the list of open orders; None means "any", a set means "any of these"."""

    at_risk: bool | None = None
    statuses: frozenset[OrderRiskStatus] | None = None
    warehouses: frozenset[str] | None = None
    #: customer codes, exactly
    customers: frozenset[str] | None = None
    #: at least this much open value
    min_value: Decimal | None = None
    #: text an order id or a customer code starts with (case as typed, or upper case)
    q: str | None = None
    #: the scope of the person asking (None: no limit)
    visible: Scope | None = None


def open_orders(
    session: Session,
    picture_id: int,
    filters: OrderFilters = OrderFilters(),
    *,
    sort: OrderSort = OrderSort.URGENCY,
    reverse: bool = False,
    page: PageRequest = PageRequest(),
    with_lines: bool = True,
) -> Page[OrderRiskRow]:
    """One page of the open orders of the picture's companies, and how many match.

    ``reverse`` reads the sort the other way round. ``with_lines=False`` leaves each
    order's lines out (its ``lines`` are empty): a list that shows no lines need not read
    and parse them.

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
    segments = _segments(sort, filters, dialect, reverse=reverse)
    source = _search_source(filters.q, companies)
    # Counting reads every matching order's index entry; the counts last until the next
    # recorded scan, the only writer of the stored order risk.
    counts = remembered(
        orders_version(session, companies),
        ("order counts", filters, sort, reverse),
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


def order_chunk(
    session: Session,
    picture_id: int,
    filters: OrderFilters,
    cursor: Cursor,
    *,
    sort: OrderSort = OrderSort.URGENCY,
    reverse: bool = False,
    size: int = CHUNK_ROWS,
) -> tuple[list[OrderRiskRow], Cursor | None]:
    """The next ``size`` orders (without lines) of the list :func:`open_orders` pages,
    from ``cursor`` on (``Cursor()``: the start), and where the chunk after starts (None:
    the list is done). For downloads: every chunk costs the same however deep it is
    (:mod:`.streaming`)."""
    companies = picture_companies(session, picture_id)
    if not companies:
        return [], None
    table = tables.order_risk
    dialect = dialect_name(session)
    chunk = read_chunk(
        session.connection(),
        (table.c.company, table.c.order_id),
        _conditions(companies, filters, dialect),
        _segments(sort, filters, dialect, reverse=reverse, flat=False),
        cursor,
        size=size,
        source=_search_source(filters.q, companies),
    )
    keys = [(company, order_id) for company, order_id in chunk.keys]
    rows = _rows_by_key(session, picture_id, keys, with_lines=False)
    return [rows[key] for key in keys if key in rows], chunk.next


def open_order(
    session: Session, picture_id: int, order_id: str, *, visible: Scope | None = None
) -> OrderRiskRow | None:
    """One open order of the picture's companies (None when the latest scan did not see it,
    or ``visible`` does not cover it).

    An id is unique within a company; should two of the picture's companies both have
    the order open, the first company in sorted order is the one shown.
    """
    companies = picture_companies(session, picture_id)
    if not companies:
        return None
    table = tables.order_risk
    query = (
        sa.select(table)
        .where(
            in_companies(table.c.company, companies),
            table.c.order_id == order_id,
            *visible_to(visible, table.c.company, table.c.warehouse),
        )
        .order_by(text_key(table.c.company, dialect_name(session)))
        .limit(1)
    )
    rows = with_stored_lines(session.connection().execute(with_lines_block(query)))
    return _risk_row(picture_id, rows[0]) if rows else None


def customer_known(session: Session, picture_id: int, code: str) -> bool:
    """True when the picture has a customer ``code`` (one primary-key lookup)."""
    table = tables.customers
    query = sa.select(table.c.code).where(table.c.picture_id == picture_id, table.c.code == code)
    return session.connection().execute(query).first() is not None


def _conditions(
    companies: Sequence[str], filters: OrderFilters, dialect: str
) -> list[sa.ColumnElement[bool]]:
    table = tables.order_risk
    where: list[sa.ColumnElement[bool]] = [
        in_companies(table.c.company, companies),
        *visible_to(filters.visible, table.c.company, table.c.warehouse),
    ]
    if filters.at_risk is not None:
        where.append(table.c.at_risk == filters.at_risk)
    for column, chosen in (
        (table.c.status, filters.statuses),
        (table.c.warehouse, filters.warehouses),
        (table.c.customer, filters.customers),
    ):
        if chosen is not None:
            where.append(_one_of(column, chosen))
    if filters.min_value is not None:
        where.append(numeric_key(table.c.open_value, dialect) >= filters.min_value)
    if filters.q:
        where.append(_search(filters.q, dialect))
    return where


def _one_of(column: sa.ColumnElement[Any], chosen: frozenset[Any]) -> sa.ColumnElement[bool]:
    """``column`` is one of ``chosen`` (``=`` for one value, which an index serves best)."""
    values = sorted(chosen)
    if not values:
        return sa.false()
    return column == values[0] if len(values) == 1 else column.in_(values)


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


def _segments(
    sort: OrderSort,
    filters: OrderFilters,
    dialect: str,
    *,
    reverse: bool = False,
    flat: bool | None = None,
) -> list[Segment]:
    """The sort as index-ordered segments (see :class:`Segment`), read the other way
    round when ``reverse`` (:func:`reversed_segments`).

    "No ship date at all is latest" puts the orders whose ``days_late`` is NULL first, an
    order no index keeps (SQLite puts NULL last when reading backwards), so those are a
    segment of their own; "at risk first" splits the urgency sort the same way. Some
    customers' orders, or a search, are a handful found through their own index, and are
    simply sorted in one segment (``flat``: None decides so; False keeps the segments,
    whose keys are never NULL, as reading in chunks needs).
    """
    if flat is None:
        flat = filters.customers is not None or bool(filters.q)
    found = _forward_segments(sort, filters, dialect, flat=flat)
    return reversed_segments(found) if reverse else found


def _forward_segments(
    sort: OrderSort, filters: OrderFilters, dialect: str, *, flat: bool
) -> list[Segment]:
    table = tables.order_risk
    at_risk = filters.at_risk
    value = SortKey(numeric_key(table.c.open_value, dialect), descending=True)
    ids = (
        SortKey(text_key(table.c.order_id, dialect)),
        SortKey(text_key(table.c.company, dialect)),
    )
    no_date = (table.c.days_late.is_(None),)
    dated = (table.c.days_late.is_not(None),)
    latest_first = SortKey(table.c.days_late, descending=True)
    latest = (latest_first, value, *ids)
    if flat:
        no_date_first = SortKey(table.c.days_late.is_(None), descending=True)
        undated_first = (no_date_first, *latest)
        if sort is OrderSort.URGENCY:
            return [Segment((), (SortKey(table.c.at_risk, descending=True), *undated_first))]
        if sort is OrderSort.DAYS_LATE:
            return [Segment((), undated_first)]
    if sort is OrderSort.URGENCY:
        risk = [True, False] if at_risk is None else [at_risk]
        return [
            segment
            for flag in risk
            for segment in (
                Segment((table.c.at_risk == flag, *no_date), (value, *ids), (latest_first,)),
                Segment((table.c.at_risk == flag, *dated), latest),
            )
        ]
    if sort is OrderSort.DAYS_LATE:
        return [Segment(no_date, (value, *ids), (latest_first,)), Segment(dated, latest)]
    if sort is OrderSort.VALUE:
        return [Segment((), (value, *ids))]
    if sort is OrderSort.PROMISED_DATE:
        return [Segment((), (SortKey(table.c.promised_date), *ids))]
    if sort is OrderSort.CUSTOMER:
        return [Segment((), (SortKey(text_key(table.c.customer, dialect)), *ids))]
    if sort is OrderSort.WAREHOUSE:
        return [Segment((), (SortKey(text_key(table.c.warehouse, dialect)), *ids))]
    return [Segment((), ids)]


def _rows_by_key(
    session: Session, picture_id: int, keys: Sequence[tuple[str, str]], *, with_lines: bool
) -> dict[tuple[str, str], OrderRiskRow]:
    """The rows of ``keys``, looked up by primary key (``company = ? AND order_id IN``:
    SQLite searches an index for that, not for a list of (company, id) pairs)."""
    table = tables.order_risk
    connection = session.connection()
    by_company: dict[str, list[str]] = {}
    for company, order_id in keys:
        by_company.setdefault(company, []).append(order_id)
    rows: list[Any] = []
    for company, order_ids in by_company.items():
        query = sa.select(table).where(table.c.company == company, table.c.order_id.in_(order_ids))
        rows.extend(connection.execute(with_lines_block(query) if with_lines else query))
    if with_lines:
        values = with_stored_lines(rows)
    else:
        values = [{**row._mapping, "lines": NO_LINES_TEXT} for row in rows]
    return {(row["company"], row["order_id"]): _risk_row(picture_id, row) for row in values}


def _risk_row(picture_id: int, row: Any) -> OrderRiskRow:
    return OrderRiskRow(
        picture_id=picture_id,
        scan_run_id=row["scan_run_id"],
        updated_at=row["updated_at"],
        outcome=order_outcome(row),
        company=row["company"],
    )
