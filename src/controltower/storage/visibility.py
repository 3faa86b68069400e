"""A person's scope as SQL: the same rule as ``domain.people.Scope.covers``, in a WHERE.

Every query of the pages and the API that reads records of a company or a warehouse adds
:func:`visible_to`, so what a person cannot see is never read, counted or summed.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from controltower.domain.people import Scope


def visible_to(
    scope: Scope | None,
    company: sa.ColumnElement[Any],
    warehouse: sa.ColumnElement[Any] | None,
) -> list[sa.ColumnElement[bool]]:
    """Conditions keeping the rows ``scope`` covers (none for an unlimited scope).

    ``warehouse`` is the row's warehouse column; a row of a table with no warehouse (or a
    NULL one: a record filed at company level) is outside any warehouse limit.
    """
    if scope is None or scope.unlimited:
        return []
    where: list[sa.ColumnElement[bool]] = []
    if scope.companies is not None:
        where.append(company.in_(sorted(scope.companies)))
    if scope.warehouses is not None:
        if warehouse is None:
            where.append(sa.false())
        else:
            where.append(warehouse.in_(sorted(scope.warehouses)))
    return where
