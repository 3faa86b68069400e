"""Alert effectiveness counted in SQL: one pass over the cases opened in a period.

Each case is classified by two existence tests on its timeline (a person's entry; the
scans' automatic resolution) and its due time, as ``domain/effectiveness.py`` states;
the database groups and counts, so the answer is one row per rule whatever the size of
the business.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.cases import EventKind, ExceptionType
from controltower.domain.effectiveness import PERSON_EVENT_KINDS, SYSTEM_ACTOR, EffectivenessRow
from controltower.domain.people import Scope
from controltower.storage import tables
from controltower.storage.visibility import visible_to


def alert_effectiveness(
    session: Session,
    companies: Sequence[str],
    *,
    opened_from: datetime,
    opened_before: datetime,
    now: datetime,
    visible: Scope | None = None,
    by_owner: bool = False,
) -> list[EffectivenessRow]:
    """The outcomes of the cases opened in ``[opened_from, opened_before)``, per type (or
    per type and owning team with ``by_owner``), the noisiest first; ``now`` judges
    whether an untouched case's response target has passed."""
    if not companies:
        return []
    c, e = tables.exception_cases, tables.case_events
    acted = _any_event(c, e, e.c.kind.in_(sorted(PERSON_EVENT_KINDS)), e.c.by != SYSTEM_ACTOR)
    cleared = _any_event(c, e, e.c.kind == EventKind.RESOLVED_AUTOMATICALLY)
    outcome_acted = sa.case((acted, 1), else_=0)
    outcome_cleared = sa.case((sa.and_(~acted, cleared), 1), else_=0)
    outcome_ignored = sa.case((sa.and_(~acted, ~cleared, c.c.due_at < now), 1), else_=0)
    keys: list[Any] = [c.c.type, c.c.owner] if by_owner else [c.c.type]
    query = (
        sa.select(
            *keys,
            sa.func.count().label("total"),
            sa.func.sum(outcome_acted).label("acted"),
            sa.func.sum(outcome_cleared).label("cleared"),
            sa.func.sum(outcome_ignored).label("ignored"),
        )
        .where(
            c.c.scope_company.in_(list(companies)),
            c.c.opened_at >= opened_from,
            c.c.opened_at < opened_before,
            *visible_to(visible, c.c.scope_company, c.c.warehouse),
        )
        .group_by(*keys)
    )
    rows = [
        EffectivenessRow(
            type=ExceptionType(row.type),
            owner=row.owner if by_owner else None,
            total=int(row.total),
            acted_on=int(row.acted or 0),
            cleared_by_itself=int(row.cleared or 0),
            ignored=int(row.ignored or 0),
        )
        for row in session.connection().execute(query)
    ]
    return sorted(rows, key=_noisiest_first)


def _any_event(
    c: sa.Table, e: sa.Table, *conditions: sa.ColumnElement[bool]
) -> sa.ColumnElement[bool]:
    """Whether the case has a timeline entry meeting ``conditions``."""
    return sa.exists().where(
        e.c.scope_company == c.c.scope_company, e.c.case_id == c.c.id, *conditions
    )


def _noisiest_first(row: EffectivenessRow) -> tuple[Any, ...]:
    share = row.noise_share
    return (share is None, -(share or 0), -row.total, row.type.value, row.owner or "")
