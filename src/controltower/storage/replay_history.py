"""The case history a policy is replayed on: every opening in a period, with its facts.

One query reads each opening and reopening event in the period with its case row, the
routing facts the scan kept (``storage/case_facts.py``), when a person first acted on
the case after it and when it next resolved (correlated subqueries on the timeline's
primary key). The people who may be told come from ``storage/notifications.recipients``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.cases import SYSTEM_ACTOR, CaseState, EventKind, ExceptionType, Severity
from controltower.domain.effectiveness import PERSON_EVENT_KINDS
from controltower.domain.model import Tier
from controltower.storage import tables
from controltower.storage.notifications import recipients
from controltower.workflow.policy_replay import Occurrence, Person

_STARTS = (EventKind.OPENED, EventKind.REOPENED)


def replay_history(
    session: Session, companies: Sequence[str], *, start: datetime, end: datetime
) -> list[Occurrence]:
    """Every case opening or reopening at or after ``start`` and before ``end`` among
    ``companies``, oldest first."""
    c, e, f = tables.exception_cases, tables.case_events, tables.case_routing_facts
    later = e.alias("later")

    def first(*conditions: sa.ColumnElement[bool]) -> sa.ScalarSelect[Any]:
        return (
            sa.select(sa.func.min(later.c.at))
            .where(
                later.c.scope_company == e.c.scope_company,
                later.c.case_id == e.c.case_id,
                later.c.position > e.c.position,
                *conditions,
            )
            .scalar_subquery()
        )

    acted = first(later.c.kind.in_(sorted(PERSON_EVENT_KINDS)), later.c.by != SYSTEM_ACTOR)
    cleared = first(later.c.to_state == CaseState.RESOLVED)
    query = (
        sa.select(
            c.c.id,
            c.c.type,
            c.c.subject,
            c.c.severity,
            c.c.value_at_risk,
            c.c.cause,
            c.c.warehouse,
            c.c.company,
            c.c.impact_score,
            f.c.customer_tier,
            f.c.routing,
            f.c.routed_as,
            e.c.at,
            acted.label("first_action_at"),
            cleared.label("cleared_at"),
        )
        .select_from(
            e.join(
                c, sa.and_(c.c.scope_company == e.c.scope_company, c.c.id == e.c.case_id)
            ).outerjoin(f, sa.and_(f.c.scope_company == c.c.scope_company, f.c.case_id == c.c.id))
        )
        .where(
            e.c.scope_company.in_(list(companies)),
            e.c.kind.in_(_STARTS),
            e.c.at >= start,
            e.c.at < end,
        )
        .order_by(e.c.at, c.c.type, c.c.subject)
    )
    return [_occurrence(row) for row in session.connection().execute(query)]


def _occurrence(row: Any) -> Occurrence:
    type_ = ExceptionType(row.type)
    return Occurrence(
        case_id=row.id,
        type=type_,
        subject=row.subject,
        severity=Severity(row.severity),
        value_at_risk=row.value_at_risk,
        cause=row.cause,
        warehouse=row.warehouse,
        company=row.company,
        customer_tier=Tier(row.customer_tier) if row.customer_tier else None,
        routing=row.routing,
        routed_as=ExceptionType(row.routed_as) if row.routed_as else type_,
        opened_at=row.at,
        first_action_at=row.first_action_at,
        cleared_at=row.cleared_at,
        impact_score=int(row.impact_score or 0),
    )


def people_to_tell(session: Session) -> list[Person]:
    """The active people, their teams, scope and the channels that reach them."""
    return [
        Person(r.login, r.teams, len(r.channels()), r.scope)
        for r in recipients(session)
        if r.active
    ]
