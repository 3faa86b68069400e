"""What the entity reads share: a page of a plain query, exact sums, visible warehouses.

The entity pages (a customer, a supplier, a purchase order, a product) list what hangs
off one record: its orders, invoices, lines, receipts. Each list is one range of an
index, so a page is read with LIMIT and OFFSET and counted from the same index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from decimal import Decimal
from typing import Any, Final, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.people import Scope
from controltower.storage.queries.paging import Page, PageRequest
from controltower.storage.repository import picture_warehouses

_Item = TypeVar("_Item")

#: sums of money are shown to the cent
_CENT: Final = Decimal("0.01")

#: Control Tower keeps quantities to six decimals (``domain/columnar.py``)
_QUANTUM: Final = Decimal("0.000001")


def plain_page(
    connection: sa.Connection,
    query: sa.Select[Any],
    page: PageRequest,
    make: Callable[[Any], _Item],
) -> Page[_Item]:
    """The page ``page`` of ``query`` (already sorted) and how many rows it has in all."""
    count = sa.select(sa.func.count()).select_from(query.order_by(None).subquery("counted"))
    total = int(connection.execute(count).scalar_one())
    rows = connection.execute(query.limit(page.size).offset(page.offset))
    return Page([make(row) for row in rows], total, page.number, page.size, page.offset)


def record_of(cls: type[_Item], row: Any) -> _Item:
    """A row as the domain's dataclass of its entity (the columns carry the field names)."""
    mapping = row._mapping
    return cls(**{f.name: mapping[f.name] for f in fields(cls)})  # type: ignore[arg-type]


def as_money(value: Any) -> Decimal:
    """A database sum as money, to the cent (0 for no rows)."""
    return Decimal(str(value or 0)).quantize(_CENT)


def as_quantity(value: Any) -> Decimal:
    """A database sum as a quantity, to six decimals without trailing zeros (0 for none)."""
    exact = Decimal(str(value or 0)).quantize(_QUANTUM)
    text = format(exact, "f").rstrip("0").rstrip(".")
    return Decimal(text or "0")


def warehouse_companies(session: Session, picture_id: int) -> dict[str, str]:
    """The picture's warehouses: code -> company (a handful of rows)."""
    return {code: company for code, _, company in picture_warehouses(session, picture_id)}


def visible_warehouses(session: Session, picture_id: int, scope: Scope | None) -> list[str] | None:
    """The picture's warehouses ``scope`` covers, sorted; None when it covers them all
    (then a query needs no warehouse condition)."""
    every = warehouse_companies(session, picture_id)
    if scope is None or scope.unlimited:
        return None
    return sorted(code for code, company in every.items() if scope.covers(company, code))


def in_warehouses(
    column: sa.ColumnElement[str], warehouses: Sequence[str] | None
) -> list[sa.ColumnElement[bool]]:
    """The condition keeping rows at ``warehouses`` (none when None: every warehouse)."""
    if warehouses is None:
        return []
    if not warehouses:
        return [sa.false()]
    return [column.in_(list(warehouses))]
