"""Alert effectiveness counted in SQL: one pass over the cases opened in a period.

Each case is classified by two tests on its timeline (a person's entry; the scans'
automatic resolution) and its due time, as ``domain/effectiveness.py`` states;
the database groups and counts, so the answer is one row per rule whatever the size of
the business.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.cases import EventKind, ExceptionType
from controltower.domain.effectiveness import PERSON_EVENT_KINDS, SYSTEM_ACTOR, EffectivenessRow
from controltower.domain.people import Scope
from controltower.storage import tables
from controltower.storage.queries.memory import cases_version, remembered
from controltower.storage.visibility import visible_to

#: a case's outcome as the query names it (``domain/effectiveness.py`` says which)
_ACTED: Final = "acted"
_CLEARED: Final = "cleared"
_IGNORED: Final = "ignored"
_PENDING: Final = "pending"


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
    whether an untouched case's response target has passed.

    Every case of the period is looked at, so the answer is remembered until the cases
    can have changed (:mod:`.memory`).
    """
    if not companies:
        return []
    return remembered(
        cases_version(session, companies),
        ("alert effectiveness", opened_from, opened_before, now, visible, by_owner),
        lambda: _alert_effectiveness(
            session,
            companies,
            opened_from=opened_from,
            opened_before=opened_before,
            now=now,
            visible=visible,
            by_owner=by_owner,
        ),
    )


def _alert_effectiveness(
    session: Session,
    companies: Sequence[str],
    *,
    opened_from: datetime,
    opened_before: datetime,
    now: datetime,
    visible: Scope | None,
    by_owner: bool,
) -> list[EffectivenessRow]:
    c, e = tables.exception_cases, tables.case_events
    of_companies = e.c.scope_company.in_(list(companies))
    acted = _any_event(
        c, e, of_companies, e.c.kind.in_(sorted(PERSON_EVENT_KINDS)), e.c.by != SYSTEM_ACTOR
    )
    cleared = _any_event(c, e, of_companies, e.c.kind == EventKind.RESOLVED_AUTOMATICALLY)
    # one outcome per case, its timeline looked at once (the second test only when the
    # first fails), and the cases grouped by it: summing three flags instead had each
    # database test every case's timeline five times
    outcome = sa.case(
        (acted, _ACTED), (cleared, _CLEARED), (c.c.due_at < now, _IGNORED), else_=_PENDING
    ).label("outcome")
    keys: list[Any] = [c.c.type, c.c.owner] if by_owner else [c.c.type]
    query = (
        sa.select(*keys, outcome, sa.func.count().label("total"))
        .where(
            c.c.scope_company.in_(list(companies)),
            c.c.opened_at >= opened_from,
            c.c.opened_at < opened_before,
            *visible_to(visible, c.c.scope_company, c.c.warehouse),
        )
        .group_by(*keys, outcome)
    )
    counts: dict[tuple[str, str | None], dict[str, int]] = {}
    for row in session.connection().execute(query):
        key = (row.type, row.owner if by_owner else None)
        counts.setdefault(key, {})[row.outcome] = int(row.total)
    rows = [
        EffectivenessRow(
            type=ExceptionType(type_),
            owner=owner,
            total=sum(found.values()),
            acted_on=found.get(_ACTED, 0),
            cleared_by_itself=found.get(_CLEARED, 0),
            ignored=found.get(_IGNORED, 0),
        )
        for (type_, owner), found in counts.items()
    ]
    return sorted(rows, key=_noisiest_first)


def _any_event(
    c: sa.Table, e: sa.Table, *conditions: sa.ColumnElement[bool]
) -> sa.ColumnElement[bool]:
    """Whether the case has a timeline entry meeting ``conditions``: its key is among
    those of the entries that do, which both databases read once (a range of the
    timeline's kind index) and look every case up in, rather than searching each case's
    timeline in turn."""
    having = sa.select(e.c.scope_company, e.c.case_id).where(*conditions)
    return sa.tuple_(c.c.scope_company, c.c.id).in_(having)


def _noisiest_first(row: EffectivenessRow) -> tuple[Any, ...]:
    share = row.noise_share
    return (share is None, -(share or 0), -row.total, row.type.value, row.owner or "")
