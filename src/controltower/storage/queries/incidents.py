"""Incidents (cases sharing one root cause) grouped, ranked and paged in SQL.

An incident is every case with the same ``cause`` (``domain/incidents.py``): when it
makes orders late (it has ``order_at_risk`` cases) its value at risk is what those
orders are worth, else the larger of its root's own value (the cases whose subject *is*
the cause; a recurring review's counts 0) and the sum of its impacts' values, each
impacted subject counted once at its highest value; its severity is its worst case's.
Those are plain aggregates, so the database groups the cases (``GROUP BY cause,
subject``, then ``GROUP BY cause``) and ranks the incidents: those that make orders late
first, then by value at risk, then the most severe, then the cause. Only the
cases of the incidents on the page are then read, and
:func:`controltower.domain.incidents.group_incidents` builds each incident from them
exactly as before: the page shows the same incidents, values and members as grouping
every case in Python did.

Ranking is the one read that has to look at every grouped case, and at a hundred
thousand active cases it costs a few hundred milliseconds. The ranking and the
incidents built from it are therefore remembered until the cases can have changed
(:mod:`controltower.storage.queries.memory`), so the overview and the queue pay for it
once per change, not once per request.

On SQLite the ranking sums the values as REALs (the exact decimals are stored as text
there); the values shown are exact. Two incidents within about 1e-15 of each other
could swap places; nothing else differs.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.cases import (
    ACTIVE_STATES,
    CaseState,
    ExceptionType,
    Severity,
    severity_rank,
)
from controltower.domain.incidents import Incident, group_incidents
from controltower.domain.people import Scope
from controltower.storage import tables
from controltower.storage.queries.cases import (
    CaseFilters,
    at_last_snooze_end,
    case_conditions,
    search_source,
)
from controltower.storage.queries.cases import severity_rank as sql_severity_rank
from controltower.storage.queries.memory import cases_version, keep, recall, remembered
from controltower.storage.queries.paging import (
    Page,
    PageRequest,
    dialect_name,
    empty_page,
    numeric_key,
    picture_companies,
    text_key,
)

#: members listed with an incident; ``member_count`` says how many it has in all
MEMBERS_SHOWN: Final = 25


@dataclass(frozen=True, slots=True)
class IncidentMember:
    """What an incident shows of one of its cases."""

    case_id: str
    type: ExceptionType
    subject: str
    severity: Severity
    value_at_risk: Decimal
    due_at: datetime


@dataclass(frozen=True, slots=True)
class IncidentGroup:
    """One incident of a page: the domain's incident and its first members."""

    incident: Incident
    #: the first :data:`MEMBERS_SHOWN` cases, most severe then soonest due
    members: tuple[IncidentMember, ...]
    member_count: int
    #: the case whose subject is the cause itself and whose type leads the incident
    root_case_id: str | None
    #: the orders the incident makes late (:attr:`Incident.orders`)
    order_count: int


@dataclass(frozen=True, slots=True)
class IncidentFilters:
    """Which cases are grouped (``states``; None: every state) and which incidents are
    listed: those with at least one case passing ``members`` (case filters; their own
    ``states`` narrow the members further). An incident listed is always whole."""

    states: frozenset[CaseState] | None = ACTIVE_STATES
    members: CaseFilters = CaseFilters(states=None)  # noqa: RUF009 - frozen value
    #: the scope of the person asking: incidents are made of the cases they may see
    visible: Scope | None = None


def list_incidents(
    session: Session,
    picture_id: int,
    filters: IncidentFilters = IncidentFilters(),
    *,
    page: PageRequest = PageRequest(),
) -> Page[IncidentGroup]:
    """One page of incidents, the biggest problems first
    (:func:`controltower.domain.incidents.ranking_key`), and how many are listed."""
    companies = picture_companies(session, picture_id)
    if not companies:
        return empty_page(page)
    version = cases_version(session, companies)
    ranking = _ranking(session, companies, filters.states, filters.visible, version)
    if _members_narrow(filters.members):
        ranking = _narrowed_ranking(session, companies, filters, ranking, version)
    shown = ranking[page.offset : page.offset + page.size]
    groups = _incident_groups(session, companies, (filters.states, filters.visible), shown, version)
    return Page([groups[c] for c in shown], len(ranking), page.number, page.size, page.offset)


def count_incidents(
    session: Session, picture_id: int, filters: IncidentFilters = IncidentFilters()
) -> int:
    """How many incidents :func:`list_incidents` lists in all."""
    companies = picture_companies(session, picture_id)
    if not companies:
        return 0
    version = cases_version(session, companies)
    if _members_narrow(filters.members):
        moved = _at_last_snooze_end(session, filters)
        return len(_matching_causes(session, companies, moved, version))
    return len(_ranking(session, companies, filters.states, filters.visible, version))


# --- Ranking ---------------------------------------------------------------------------


def _ranking(
    session: Session,
    companies: Sequence[str],
    states: frozenset[CaseState] | None,
    visible: Scope | None,
    version: Hashable | None,
) -> list[str]:
    """Every cause of the grouped cases, the incident with the most value at risk first
    (remembered until the cases change: see :mod:`.memory`)."""
    question = ("incident ranking", _states_key(states), visible)
    return remembered(version, question, lambda: _rank(session, companies, states, visible))


def _rank(
    session: Session,
    companies: Sequence[str],
    states: frozenset[CaseState] | None,
    visible: Scope | None,
) -> list[str]:
    dialect = dialect_name(session)
    cases = tables.exception_cases
    value = numeric_key(cases.c.value_at_risk, dialect)
    per_subject = (
        sa.select(
            cases.c.cause,
            cases.c.subject,
            sa.func.max(
                sa.case(
                    (cases.c.type == ExceptionType.RECURRING_EXCEPTION.value, sa.literal(0)),
                    else_=value,
                )
            ).label("value"),
            sa.func.max(sa.case((cases.c.type == ExceptionType.ORDER_AT_RISK.value, value))).label(
                "late_value"
            ),
            sa.func.max(sql_severity_rank(cases.c.severity)).label("rank"),
        )
        .where(*_grouped(companies, states, dialect, visible))
        .group_by(cases.c.cause, cases.c.subject)
        .subquery("per_subject")
    )
    is_root = per_subject.c.subject == per_subject.c.cause
    root_value = sa.func.coalesce(
        sa.func.max(sa.case((is_root, per_subject.c.value))), sa.literal(0)
    )
    impact_value = sa.func.coalesce(
        sa.func.sum(sa.case((is_root, sa.literal(0)), else_=per_subject.c.value)), sa.literal(0)
    )
    per_cause = (
        sa.select(
            per_subject.c.cause,
            root_value.label("root_value"),
            impact_value.label("impact_value"),
            sa.func.sum(per_subject.c.late_value).label("late_value"),
            sa.func.count(per_subject.c.late_value).label("late_orders"),
            sa.func.max(per_subject.c.rank).label("rank"),
        )
        .group_by(per_subject.c.cause)
        .subquery("per_cause")
    )
    makes_late = per_cause.c.late_orders > 0
    incident_value = sa.case(
        (makes_late, per_cause.c.late_value),
        (per_cause.c.root_value >= per_cause.c.impact_value, per_cause.c.root_value),
        else_=per_cause.c.impact_value,
    )
    # domain.incidents.ranking_key: orders made late first, by their value
    query = sa.select(per_cause.c.cause).order_by(
        sa.case((makes_late, 0), else_=1),
        incident_value.desc(),
        per_cause.c.rank.desc(),
        text_key(per_cause.c.cause, dialect),
    )
    return list(session.connection().execute(query).scalars())


def _members_narrow(members: CaseFilters) -> bool:
    """True when the member filters can leave incidents out."""
    return members.narrows or members.states is not None


def _narrowed_ranking(
    session: Session,
    companies: Sequence[str],
    filters: IncidentFilters,
    ranking: list[str],
    version: Hashable | None,
) -> list[str]:
    """``ranking`` (that of ``filters``' states and scope at ``version``) kept to the
    causes with a member passing the member filters, in its order: remembered beside
    both, since picking tens of thousands of causes out of the ranking took a sixth of
    the case queue's answer when done for every request."""
    filters = _at_last_snooze_end(session, filters)
    return remembered(
        version,
        ("narrowed incident ranking", filters),
        lambda: _narrowed(ranking, _matching_causes(session, companies, filters, version)),
    )


def _narrowed(ranking: list[str], wanted: set[str]) -> list[str]:
    """The causes of ``ranking`` that are ``wanted``, in the ranking's order."""
    return [cause for cause in ranking if cause in wanted]


def _at_last_snooze_end(session: Session, filters: IncidentFilters) -> IncidentFilters:
    """``filters`` with the member filters' snooze clock at the last snooze end
    (:func:`~.cases.at_last_snooze_end`): the same answer, asked alike until a snooze runs
    out."""
    return replace(filters, members=at_last_snooze_end(session, filters.members))


def _matching_causes(
    session: Session,
    companies: Sequence[str],
    filters: IncidentFilters,
    version: Hashable | None,
) -> set[str]:
    """The causes with at least one grouped case passing the member filters, their clock
    at the last snooze end (:func:`_at_last_snooze_end`): read from every matching case,
    so remembered at the cases' ``version`` until the cases change, or a snooze runs
    out."""
    return remembered(
        version,
        ("matching causes", filters),
        lambda: _read_matching_causes(session, companies, filters),
    )


def _read_matching_causes(
    session: Session, companies: Sequence[str], filters: IncidentFilters
) -> set[str]:
    dialect = dialect_name(session)
    cases = tables.exception_cases
    query = (
        sa.select(cases.c.cause)
        .where(
            *_grouped(companies, filters.states, dialect, filters.visible),
            *case_conditions(cases, companies, filters.members, dialect),
        )
        .distinct()
    )
    source = search_source(filters.members.q, companies)
    if source is not None:
        query = query.select_from(source)
    return set(session.connection().execute(query).scalars())


def _grouped(
    companies: Sequence[str],
    states: frozenset[CaseState] | None,
    dialect: str,
    visible: Scope | None,
) -> list[sa.ColumnElement[bool]]:
    """Which cases incidents are made of: those in ``states``, one per (type, subject).

    A subject has at most one case that is not closed per company (a unique index says
    so), so with one company and no closed case grouped, the cases are taken as they
    are. Otherwise a case is left out when a later-opened one of the same type and
    subject is grouped too: closed history is not counted twice.
    """
    table = tables.exception_cases
    where = case_conditions(table, companies, CaseFilters(states=states, visible=visible), dialect)
    closed_grouped = states is None or CaseState.CLOSED in states
    if len(companies) == 1 and not closed_grouped:
        return where
    newer = table.alias("newer")
    superseded = sa.exists(
        sa.select(sa.literal(1)).where(
            *case_conditions(
                newer, companies, CaseFilters(states=states, visible=visible), dialect
            ),
            newer.c.type == table.c.type,
            newer.c.subject == table.c.subject,
            sa.or_(
                newer.c.opened_at > table.c.opened_at,
                sa.and_(
                    newer.c.opened_at == table.c.opened_at,
                    text_key(newer.c.id, dialect) < text_key(table.c.id, dialect),
                ),
            ),
        )
    )
    return [*where, sa.not_(superseded)]


# --- The incidents of a page -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Member:
    """A grouped case as grouping reads it (``related`` only matters for roots)."""

    id: str
    type: ExceptionType
    subject: str
    severity: Severity
    value_at_risk: Decimal
    cause: str
    related: tuple[str, ...]
    due_at: datetime


def _incident_groups(
    session: Session,
    companies: Sequence[str],
    grouping: tuple[frozenset[CaseState] | None, Scope | None],
    causes: Sequence[str],
    version: Hashable | None,
) -> dict[str, IncidentGroup]:
    """The incidents of ``causes``, each built by the domain from all its cases.

    Only a root's ``related`` subjects become impacts, so only the roots' are read: an
    incident of a thousand impacted orders is read as a thousand short rows.
    """
    states, visible = grouping
    found: dict[str, IncidentGroup] = {}
    for cause in causes:
        known = recall(version, ("incident", _states_key(states), visible, cause))
        if known is not None:
            found[cause] = known
    missing = [cause for cause in causes if cause not in found]
    if not missing:
        return found
    cases = tables.exception_cases
    is_root = cases.c.subject == cases.c.cause
    query = sa.select(
        cases.c.id,
        cases.c.type,
        cases.c.subject,
        cases.c.severity,
        cases.c.value_at_risk,
        cases.c.cause,
        sa.case((is_root, cases.c.related), else_=sa.null()).label("related"),
        cases.c.due_at,
    ).where(
        *_grouped(companies, states, dialect_name(session), visible), cases.c.cause.in_(missing)
    )
    by_cause: dict[str, list[_Member]] = {}
    for row in session.connection().execute(query):
        member = _Member(
            id=row.id,
            type=ExceptionType(row.type),
            subject=row.subject,
            severity=Severity(row.severity),
            value_at_risk=row.value_at_risk,
            cause=row.cause,
            related=tuple(json.loads(row.related)) if row.related is not None else (),
            due_at=row.due_at,
        )
        by_cause.setdefault(member.cause, []).append(member)
    for cause, members in by_cause.items():
        (incident,) = group_incidents(members)
        ordered = sorted(members, key=lambda m: (-severity_rank(m.severity), m.due_at, m.id))
        root = next(
            (
                m.id
                for m in ordered
                if incident.has_root_case and (m.type, m.subject) == (incident.root_type, cause)
            ),
            None,
        )
        group = IncidentGroup(
            incident=incident,
            members=tuple(
                IncidentMember(
                    case_id=m.id,
                    type=m.type,
                    subject=m.subject,
                    severity=m.severity,
                    value_at_risk=m.value_at_risk,
                    due_at=m.due_at,
                )
                for m in ordered[:MEMBERS_SHOWN]
            ),
            member_count=len(members),
            root_case_id=root,
            order_count=len(incident.orders),
        )
        found[cause] = group
        keep(version, ("incident", _states_key(states), visible, cause), group)
    return found


def _states_key(states: frozenset[CaseState] | None) -> tuple[str, ...] | None:
    return tuple(sorted(states)) if states is not None else None
