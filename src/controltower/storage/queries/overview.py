"""The overview's numbers as aggregate SQL: counts and sums, never the rows themselves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.analysis import OrderRiskStatus
from controltower.domain.cases import ACTIVE_STATES, ExceptionType, Severity
from controltower.domain.people import Scope
from controltower.storage import tables
from controltower.storage.queries.cases import CaseFilters, case_conditions
from controltower.storage.queries.memory import cases_version, orders_version, remembered
from controltower.storage.queries.paging import (
    dialect_name,
    in_companies,
    numeric_key,
    picture_companies,
)
from controltower.storage.visibility import visible_to

#: cents: sums are shown to the cent, so they are rounded there
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class CaseCounts:
    """Active cases per (type, severity), and how many are overdue."""

    by_type_and_severity: Mapping[tuple[ExceptionType, Severity], int] = field(default_factory=dict)
    overdue: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_type_and_severity.values())

    def by_severity(self, severity: Severity) -> int:
        return sum(n for (_, s), n in self.by_type_and_severity.items() if s is severity)


@dataclass(frozen=True, slots=True)
class StatusCount:
    """How many open orders have one risk status, and their open value."""

    status: OrderRiskStatus
    orders: int
    #: to the cent (summed by the database; see ``numeric_key`` for SQLite)
    open_value: Decimal


def active_case_counts(
    session: Session, picture_id: int, *, now: datetime | None, visible: Scope | None = None
) -> CaseCounts:
    """Active cases per type and severity, and how many are due before ``now`` (overdue).

    ``now`` is the latest scan's time (None before any scan: nothing is overdue). Read
    from every active case, so remembered until the cases change (:mod:`.memory`).
    """
    companies = picture_companies(session, picture_id)
    if not companies:
        return CaseCounts()
    return remembered(
        cases_version(session, companies),
        ("active case counts", now, visible),
        lambda: _active_case_counts(session, companies, now, visible),
    )


def _active_case_counts(
    session: Session, companies: Sequence[str], now: datetime | None, visible: Scope | None
) -> CaseCounts:
    table = tables.exception_cases
    where = case_conditions(
        table,
        companies,
        CaseFilters(states=ACTIVE_STATES, visible=visible),
        dialect_name(session),
    )
    overdue = (
        sa.func.sum(sa.case((table.c.due_at < now, 1), else_=0))
        if now is not None
        else sa.literal(0)
    )
    query = (
        sa.select(table.c.type, table.c.severity, sa.func.count(), overdue)
        .where(*where)
        .group_by(table.c.type, table.c.severity)
    )
    counts: dict[tuple[ExceptionType, Severity], int] = {}
    late = 0
    for type_, severity, count, overdue_count in session.connection().execute(query):
        counts[(ExceptionType(type_), Severity(severity))] = int(count)
        late += int(overdue_count or 0)
    return CaseCounts(by_type_and_severity=counts, overdue=late)


def order_status_counts(
    session: Session,
    picture_id: int,
    *,
    at_risk: bool | None = True,
    visible: Scope | None = None,
) -> list[StatusCount]:
    """Open orders per risk status with their open value, the most orders first.

    ``at_risk`` True (the default) counts the orders at risk only, False those on track,
    None every open order. Read from every such order (tens of thousands at a million
    lines), so remembered until the next recorded scan, the only writer of the order
    risk (:func:`.memory.orders_version`).
    """
    companies = picture_companies(session, picture_id)
    if not companies:
        return []
    return remembered(
        orders_version(session, companies),
        ("order status counts", at_risk, visible),
        lambda: _order_status_counts(session, companies, at_risk, visible),
    )


def _order_status_counts(
    session: Session, companies: Sequence[str], at_risk: bool | None, visible: Scope | None
) -> list[StatusCount]:
    table = tables.order_risk
    where: list[sa.ColumnElement[bool]] = [
        in_companies(table.c.company, companies),
        *visible_to(visible, table.c.company, table.c.warehouse),
    ]
    if at_risk is not None:
        where.append(table.c.at_risk == at_risk)
    value = sa.func.sum(numeric_key(table.c.open_value, dialect_name(session)))
    query = sa.select(table.c.status, sa.func.count(), value).where(*where).group_by(table.c.status)
    found = [
        StatusCount(
            status=OrderRiskStatus(status),
            orders=int(count),
            open_value=Decimal(str(total or 0)).quantize(_CENT),
        )
        for status, count, total in session.connection().execute(query)
    ]
    return sorted(found, key=lambda s: (-s.orders, s.status.value))
