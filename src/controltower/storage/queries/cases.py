"""Exception cases: the queue filtered, sorted and paged in SQL, and one case's timeline.

A large business keeps a hundred thousand active cases, each with a timeline that grows
with every scan that re-states it. A page of the queue reads the keys of its rows from
the indexes of migration 0004 and then only those rows, without timelines; a case page
reads one case and a page of its timeline.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.cases import (
    ACTIVE_STATES,
    SEVERITY_ORDER,
    CaseEvent,
    CaseState,
    ExceptionCase,
    ExceptionType,
    Severity,
)
from controltower.storage import tables
from controltower.storage.cases import case_event, exception_case
from controltower.storage.queries.memory import cases_version, remembered
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

#: subject kinds a search looks under (``sales_order:SO1`` is found by typing ``SO1``)
SUBJECT_KINDS: Final = (
    "sales_order",
    "sales_order_line",
    "purchase_order",
    "sku",
    "customer",
    "supplier",
    "product",
    "warehouse",
    "receipt",
    "pick",
    "return",
    "invoice",
)


class CaseSort(StrEnum):
    """How the case queue is sorted; each ends with the case id, so pages are stable."""

    #: the most severe first, then the soonest due
    QUEUE = "queue"
    #: the soonest due first
    DUE = "due"
    #: the most value at risk first
    VALUE = "value"
    #: the most recently opened first
    OPENED = "opened"


@dataclass(frozen=True, slots=True)
class CaseFilters:
    """What narrows the queue; None means "any".

    ``states`` is the set of states listed (None: every state, closed ones too).
    ``overdue`` needs ``now``, the moment due times are judged against (the latest
    scan's, so the same database always shows the same queue): an overdue case is an
    active one due before it.
    """

    states: frozenset[CaseState] | None = ACTIVE_STATES
    type: ExceptionType | None = None
    #: a subject exactly (``sales_order:SO1``)
    subject: str | None = None
    #: a root cause exactly (the cases of one incident)
    cause: str | None = None
    owner: str | None = None
    severity: Severity | None = None
    warehouse: str | None = None
    overdue: bool | None = None
    #: text a case id or a subject's code starts with (``SO1`` finds ``sales_order:SO1``)
    q: str | None = None
    now: datetime | None = None

    @property
    def narrows(self) -> bool:
        """True when anything besides the states narrows the list."""
        return any(
            value is not None
            for value in (
                self.type,
                self.subject,
                self.cause,
                self.owner,
                self.severity,
                self.warehouse,
                self.overdue,
                self.q or None,
            )
        )


@dataclass(frozen=True, slots=True)
class CaseWithTimeline:
    """One case and a page of its timeline (oldest event first)."""

    case: ExceptionCase
    timeline: Page[CaseEvent]


@dataclass(frozen=True, slots=True)
class CaseFacets:
    """How many cases of each type and owner a state filter holds (for filter choices)."""

    by_type: dict[ExceptionType, int] = field(default_factory=dict)
    by_owner: dict[str, int] = field(default_factory=dict)


def severity_rank(column: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    """0 for low up to 3 for critical, in SQL, so severities sort and compare as numbers."""
    return sa.case(
        {severity: rank for rank, severity in enumerate(SEVERITY_ORDER)},
        value=column,
        else_=0,
    )


def case_conditions(
    table: sa.FromClause,
    companies: Sequence[str],
    filters: CaseFilters,
    dialect: str,
) -> list[sa.ColumnElement[bool]]:
    """The WHERE clause of ``filters`` on the picture's companies (``table``'s columns)."""
    c = table.c
    where: list[sa.ColumnElement[bool]] = [in_companies(c.scope_company, companies)]
    if filters.states is not None:
        where.append(_in_states(c.state, filters.states))
    if filters.type is not None:
        where.append(c.type == filters.type)
    if filters.subject is not None:
        where.append(c.subject == filters.subject)
    if filters.cause is not None:
        where.append(c.cause == filters.cause)
    if filters.owner is not None:
        where.append(c.owner == filters.owner)
    if filters.severity is not None:
        where.append(c.severity == filters.severity)
    if filters.warehouse is not None:
        where.append(c.warehouse == filters.warehouse)
    if filters.overdue is not None:
        where.append(_overdue(c, filters.now, wanted=filters.overdue))
    if filters.q:
        where.append(_search(c, filters.q, dialect))
    return where


def list_cases(
    session: Session,
    picture_id: int,
    filters: CaseFilters = CaseFilters(),
    *,
    sort: CaseSort = CaseSort.QUEUE,
    page: PageRequest = PageRequest(),
) -> Page[ExceptionCase]:
    """One page of the cases of the picture's companies, without timelines, and the total."""
    companies = picture_companies(session, picture_id)
    if not companies:
        return empty_page(page)
    table = tables.exception_cases
    dialect = dialect_name(session)
    connection = session.connection()
    where = case_conditions(table, companies, filters, dialect)
    segments = _segments(sort, filters, dialect)
    source = search_source(filters.q, companies)
    # Counting reads every matching case; the counts last as long as the cases do.
    counts = remembered(
        cases_version(session, companies),
        ("case counts", filters, sort),
        lambda: segment_counts(connection, where, segments, source=source),
    )
    total, keys = segmented_keys(
        connection,
        (table.c.scope_company, table.c.id),
        where,
        segments,
        page,
        source=source,
        counts=counts,
    )
    found = cases_by_key(session, [(company, case_id) for company, case_id in keys])
    return Page(
        [found[(company, case_id)] for company, case_id in keys if (company, case_id) in found],
        total,
        page.number,
        page.size,
        page.offset,
    )


def count_cases(session: Session, picture_id: int, filters: CaseFilters) -> int:
    """How many cases of the picture's companies pass ``filters``."""
    companies = picture_companies(session, picture_id)
    if not companies:
        return 0
    dialect = dialect_name(session)
    where = case_conditions(tables.exception_cases, companies, filters, dialect)
    query = sa.select(sa.func.count()).where(*where)
    source = search_source(filters.q, companies)
    if source is not None:
        query = query.select_from(source)
    return remembered(
        cases_version(session, companies),
        ("case count", filters),
        lambda: int(session.connection().execute(query).scalar_one()),
    )


def case_facets(
    session: Session, picture_id: int, states: frozenset[CaseState] | None
) -> CaseFacets:
    """Cases per type and per owner among those in ``states`` (None: every state).

    Read from every case in those states, so remembered until the cases change
    (:mod:`.memory`).
    """
    companies = picture_companies(session, picture_id)
    if not companies:
        return CaseFacets()
    question = ("case facets", tuple(sorted(states)) if states is not None else None)
    return remembered(
        cases_version(session, companies),
        question,
        lambda: _case_facets(session, companies, states),
    )


def _case_facets(
    session: Session, companies: Sequence[str], states: frozenset[CaseState] | None
) -> CaseFacets:
    table = tables.exception_cases
    where = case_conditions(table, companies, CaseFilters(states=states), dialect_name(session))
    connection = session.connection()
    by_type = {
        ExceptionType(type_): int(count)
        for type_, count in connection.execute(
            sa.select(table.c.type, sa.func.count()).where(*where).group_by(table.c.type)
        )
    }
    by_owner = {
        owner: int(count)
        for owner, count in connection.execute(
            sa.select(table.c.owner, sa.func.count()).where(*where).group_by(table.c.owner)
        )
    }
    return CaseFacets(by_type=by_type, by_owner=by_owner)


def get_case(
    session: Session,
    picture_id: int,
    case_id: str,
    *,
    timeline: PageRequest = PageRequest(),
) -> CaseWithTimeline | None:
    """One case of the picture's companies (closed ones too) with a page of its timeline."""
    companies = picture_companies(session, picture_id)
    if not companies:
        return None
    cases, events = tables.exception_cases, tables.case_events
    connection = session.connection()
    row = connection.execute(
        sa.select(cases)
        .where(in_companies(cases.c.scope_company, companies), cases.c.id == case_id)
        .order_by(text_key(cases.c.scope_company, dialect_name(session)))
        .limit(1)
    ).first()
    if row is None:
        return None
    of_case = (events.c.scope_company == row.scope_company, events.c.case_id == row.id)
    total = connection.execute(sa.select(sa.func.count()).where(*of_case)).scalar_one()
    shown = [
        case_event(event._mapping)
        for event in connection.execute(
            sa.select(events)
            .where(*of_case)
            .order_by(events.c.position)
            .limit(timeline.size)
            .offset(timeline.offset)
        )
    ]
    return CaseWithTimeline(
        case=exception_case(row._mapping, ()),
        timeline=Page(shown, total, timeline.number, timeline.size, timeline.offset),
    )


def cases_naming(
    session: Session,
    picture_id: int,
    subject: str,
    *,
    subjects: Collection[str] = (),
    causes: Collection[str] = (),
    states: frozenset[CaseState] | None = ACTIVE_STATES,
) -> list[ExceptionCase]:
    """The cases (no timelines) on ``subject`` or naming it among their related subjects.

    Only the candidates are read: the cases whose subject is one of ``subjects`` (or
    ``subject`` itself) or whose cause is one of ``causes``, looked up through their
    indexes; of those, the database keeps the ones whose related subjects (JSON text)
    contain ``subject``, so a warehouse with thousands of cases is not read to find the
    two that name one order. The containment is checked again exactly here.
    """
    companies = picture_companies(session, picture_id)
    if not companies:
        return []
    table = tables.exception_cases
    dialect = dialect_name(session)
    arms = [
        sa.select(table.c.scope_company, table.c.id).where(
            in_companies(table.c.scope_company, companies),
            table.c.subject.in_(sorted({subject, *subjects})),
        )
    ]
    if causes:
        arms.append(
            sa.select(table.c.scope_company, table.c.id).where(
                in_companies(table.c.scope_company, companies), table.c.cause.in_(sorted(causes))
            )
        )
    found = sa.union(*arms).subquery("candidates")
    quoted = json.dumps(subject, ensure_ascii=False)
    pattern = "%" + quoted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = (
        sa.select(table)
        .select_from(
            found.join(
                table,
                sa.and_(table.c.scope_company == found.c.scope_company, table.c.id == found.c.id),
            )
        )
        .where(
            *case_conditions(table, companies, CaseFilters(states=states), dialect),
            sa.or_(table.c.subject == subject, table.c.related.like(pattern, escape="\\")),
        )
    )
    return [
        case
        for case in (
            exception_case(row._mapping, ()) for row in session.connection().execute(query)
        )
        if case.subject == subject or subject in case.related
    ]


def cases_by_key(
    session: Session, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], ExceptionCase]:
    """The cases (no timelines) with these (scope company, id) keys, by primary key."""
    table = tables.exception_cases
    by_company: dict[str, list[str]] = {}
    for company, case_id in keys:
        by_company.setdefault(company, []).append(case_id)
    found: dict[tuple[str, str], ExceptionCase] = {}
    for company, case_ids in by_company.items():
        query = sa.select(table).where(table.c.scope_company == company, table.c.id.in_(case_ids))
        for row in session.connection().execute(query):
            found[(row.scope_company, row.id)] = exception_case(row._mapping, ())
    return found


def _in_states(
    column: sa.ColumnElement[Any], states: Collection[CaseState]
) -> sa.ColumnElement[bool]:
    chosen = sorted(states)
    if len(chosen) == 1:
        return column == chosen[0]
    return column.in_(chosen)


def _overdue(c: Any, now: datetime | None, *, wanted: bool) -> sa.ColumnElement[bool]:
    """Active and due before ``now`` (or, ``wanted`` False, not that); before any scan
    nothing is overdue."""
    if now is None:
        return sa.false() if wanted else sa.true()
    overdue = sa.and_(_in_states(c.state, ACTIVE_STATES), c.due_at < now)
    return overdue if wanted else sa.not_(overdue)


def _search(c: Any, text: str, dialect: str) -> sa.ColumnElement[bool]:
    """Cases whose id, or the code of whose subject, starts with ``text`` (as typed or in
    upper case); ``sales_order:SO1`` itself is found too. Each is a range in code-point
    order (:func:`text_key`), whatever the database's collation."""
    return sa.or_(
        *(starts_with(c[column], start, dialect) for column, start in _search_ranges(text))
    )


def _search_ranges(text: str) -> list[tuple[str, str]]:
    ranges: list[tuple[str, str]] = []
    for prefix in search_prefixes(text):
        ranges.append(("id", prefix))
        starts = (prefix, *(f"{kind}:{prefix}" for kind in SUBJECT_KINDS))
        ranges.extend(("subject", start) for start in starts)
    return ranges


def search_source(text: str | None, companies: Sequence[str]) -> sa.FromClause | None:
    """The cases a search for ``text`` may find (:func:`prefix_search_source`), or None
    when there is no search."""
    if not text:
        return None
    table = tables.exception_cases
    ranges = [(table.c[column], start) for column, start in _search_ranges(text)]
    return prefix_search_source(table, (table.c.scope_company, table.c.id), ranges, companies)


def _segments(sort: CaseSort, filters: CaseFilters, dialect: str) -> list[Segment]:
    """The sort as index-ordered segments: the queue is read one severity at a time,
    worst first, each in due order (see :class:`Segment`).

    A subject, a cause or a search finds a handful of cases through its own index; those
    are simply sorted, in one segment, rather than looked for severity by severity.
    """
    table = tables.exception_cases
    ids = (
        SortKey(text_key(table.c.id, dialect)),
        SortKey(text_key(table.c.scope_company, dialect)),
    )
    due = SortKey(table.c.due_at)
    if sort is CaseSort.QUEUE and (
        filters.subject is not None or filters.cause is not None or filters.q
    ):
        worst = SortKey(severity_rank(table.c.severity), descending=True)
        return [Segment((), (worst, due, *ids))]
    if sort is CaseSort.QUEUE:
        chosen = filters.severity
        worst_first = [chosen] if chosen is not None else list(reversed(SEVERITY_ORDER))
        return [Segment((table.c.severity == s,), (due, *ids)) for s in worst_first]
    if sort is CaseSort.DUE:
        return [Segment((), (due, *ids))]
    if sort is CaseSort.VALUE:
        return [
            Segment(
                (), (SortKey(numeric_key(table.c.value_at_risk, dialect), descending=True), *ids)
            )
        ]
    return [Segment((), (SortKey(table.c.opened_at, descending=True), *ids))]
