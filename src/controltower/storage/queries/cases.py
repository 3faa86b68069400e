"""Exception cases: the queue filtered, sorted and paged in SQL, and one case's timeline.

A large business keeps a hundred thousand active cases, each with a timeline that grows
with every scan that re-states it. A page of the queue reads the keys of its rows from
the indexes of migration 0004 and then only those rows, without timelines; a case page
reads one case and a page of its timeline.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from controltower.domain.cases import (
    ACTIVE_STATES,
    SEVERITY_ORDER,
    CaseEvent,
    CaseState,
    ExceptionCase,
    ExceptionType,
    Severity,
)
from controltower.domain.people import Scope
from controltower.storage import tables
from controltower.storage.cases import case_event, exception_case
from controltower.storage.queries.memory import cases_version, remembered
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
from controltower.storage.visibility import visible_to

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
    #: by owning team (A to Z), then the soonest due (migration 0009's index)
    OWNER = "owner"

    @property
    def descending(self) -> bool:
        """True when the sort reads its leading column from the top down (the worst
        severity, the most value, the newest first); reversing a sort flips this."""
        return self in {CaseSort.QUEUE, CaseSort.VALUE, CaseSort.OPENED}


@dataclass(frozen=True, slots=True)
class WorkOf:
    """A person's work: the cases assigned to them and their teams' unassigned ones."""

    login: str
    teams: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CaseFilters:
    """What narrows the queue; None means "any", a set means "any of these".

    ``states`` is the set of states listed (None: every state, closed ones too).
    ``overdue`` needs ``now``, the moment due times are judged against (the latest
    scan's, so the same database always shows the same queue): an overdue case is an
    active one due before it. ``snoozed`` is judged at ``clock`` (the time of the
    request): a snoozed case is one whose snooze has not run out by then.
    """

    states: frozenset[CaseState] | None = ACTIVE_STATES
    types: frozenset[ExceptionType] | None = None
    #: a subject exactly (``sales_order:SO1``)
    subject: str | None = None
    #: a root cause exactly (the cases of one incident)
    cause: str | None = None
    #: owning teams (``purchasing@WH-EAST``)
    owners: frozenset[str] | None = None
    severities: frozenset[Severity] | None = None
    warehouses: frozenset[str] | None = None
    #: logins of the people the cases are assigned to; ``""`` stands for unassigned
    assignees: frozenset[str] | None = None
    #: entities the cases concern (``customer:C1``, ``supplier:S1``, ``product:SKU``): a
    #: case concerns one of the chosen entities of each kind chosen (customer C1 or C2,
    #: and supplier S1)
    entities: frozenset[str] | None = None
    #: the cases of one person's work (:class:`WorkOf`)
    work_of: WorkOf | None = None
    overdue: bool | None = None
    snoozed: bool | None = None
    #: at least this much value at risk
    min_value: Decimal | None = None
    #: text a case id or a subject's code starts with (``SO1`` finds ``sales_order:SO1``)
    q: str | None = None
    now: datetime | None = None
    clock: datetime | None = None
    #: the scope of the person asking (None: no limit)
    visible: Scope | None = None

    @property
    def narrows(self) -> bool:
        """True when anything besides the states and the person's scope narrows the list."""
        return any(
            value is not None
            for value in (
                self.types,
                self.subject,
                self.cause,
                self.owners,
                self.severities,
                self.warehouses,
                self.assignees,
                self.entities,
                self.work_of,
                self.overdue,
                self.snoozed,
                self.min_value,
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
    where.extend(visible_to(filters.visible, c.scope_company, c.warehouse))
    if filters.states is not None:
        where.append(_in_states(c.state, filters.states))
    where.extend(_chosen(c, filters))
    where.extend(_judged(c, filters, dialect))
    return where


def _chosen(c: Any, filters: CaseFilters) -> list[sa.ColumnElement[bool]]:
    """The filters that pick values: any of the chosen values of each, all of them."""
    where: list[sa.ColumnElement[bool]] = []
    for column, chosen in (
        (c.type, filters.types),
        (c.owner, filters.owners),
        (c.severity, filters.severities),
        (c.warehouse, filters.warehouses),
        (c.subject, _one(filters.subject)),
        (c.cause, _one(filters.cause)),
    ):
        if chosen is not None:
            where.append(_one_of(column, chosen))
    if filters.assignees is not None:
        where.append(_assigned_to(c.assignee, filters.assignees))
    if filters.entities is not None:
        where.extend(_concerning(c.entities, filters.entities))
    if filters.work_of is not None:
        where.append(_work_of(c, filters.work_of))
    return where


def _judged(c: Any, filters: CaseFilters, dialect: str) -> list[sa.ColumnElement[bool]]:
    """The filters that judge a case: overdue, snoozed, value, search."""
    where: list[sa.ColumnElement[bool]] = []
    if filters.overdue is not None:
        where.append(_overdue(c, filters.now, wanted=filters.overdue))
    if filters.snoozed is not None:
        where.append(_snoozed(c, filters.clock, wanted=filters.snoozed))
    if filters.min_value is not None:
        where.append(numeric_key(c.value_at_risk, dialect) >= filters.min_value)
    if filters.q:
        where.append(_search(c, filters.q, dialect))
    return where


def _one(value: str | None) -> frozenset[str] | None:
    return frozenset({value}) if value is not None else None


def _concerning(
    column: sa.ColumnElement[Any], entities: frozenset[str]
) -> list[sa.ColumnElement[bool]]:
    """Cases concerning any of the chosen entities of each kind, for every kind chosen:
    customers C1 or C2, and supplier S1."""
    by_kind: dict[str, list[str]] = {}
    for entity in sorted(entities):
        by_kind.setdefault(entity.partition(":")[0], []).append(entity)
    return [
        sa.or_(*(_names_in_json(column, entity) for entity in chosen))
        for chosen in by_kind.values()
    ]


def _one_of(column: sa.ColumnElement[Any], chosen: Collection[Any]) -> sa.ColumnElement[bool]:
    values = sorted(chosen)
    if not values:
        return sa.false()
    return column == values[0] if len(values) == 1 else column.in_(values)


def _assigned_to(column: sa.ColumnElement[Any], logins: Collection[str]) -> sa.ColumnElement[bool]:
    named = sorted(login for login in logins if login)
    arms = [column.in_(named)] if named else []
    if "" in logins:
        arms.append(column.is_(None))
    return sa.or_(*arms) if arms else sa.false()


def _work_of(c: Any, work: WorkOf) -> sa.ColumnElement[bool]:
    mine: sa.ColumnElement[bool] = c.assignee == work.login
    if not work.teams:
        return mine
    return sa.or_(mine, sa.and_(c.assignee.is_(None), c.owner.in_(sorted(work.teams))))


def _names_in_json(column: sa.ColumnElement[Any], value: str) -> sa.ColumnElement[bool]:
    """``column`` (a JSON array of strings, as text) holds ``value``."""
    quoted = json.dumps(value, ensure_ascii=False)
    pattern = "%" + quoted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return _JsonArrayHolds(
        column,
        sa.bindparam(None, pattern, type_=sa.Text()),
        sa.bindparam(None, json.dumps([value], ensure_ascii=False), type_=sa.Text()),
    )


class _JsonArrayHolds(FunctionElement[bool]):
    """``column`` holds a value: ``LIKE`` its quoted text (what SQLite runs in the index of
    migration 0018), or on PostgreSQL ``@>`` on the column read as ``jsonb``, which the
    inverted index of migration 0019 answers without testing every case."""

    type = sa.Boolean()
    name = "json_array_holds"
    inherit_cache = True


@compiles(_JsonArrayHolds)
def _holds_as_like(element: _JsonArrayHolds, compiler: Any, **kw: Any) -> str:
    column, pattern, _array = element.clauses
    return f"{compiler.process(column, **kw)} LIKE {compiler.process(pattern, **kw)} ESCAPE '\\'"


@compiles(_JsonArrayHolds, "postgresql")
def _holds_as_containment(element: _JsonArrayHolds, compiler: Any, **kw: Any) -> str:
    column, _pattern, array = element.clauses
    return (
        f"CAST({compiler.process(column, **kw)} AS JSONB) "
        f"@> CAST({compiler.process(array, **kw)} AS JSONB)"
    )


#: a moment before every snooze's end: judged then, every snoozed case is still asleep
_BEFORE_ANY_SNOOZE_ENDS: Final = datetime(1970, 1, 1, tzinfo=UTC)


def at_last_snooze_end(session: Session, filters: CaseFilters) -> CaseFilters:
    """``filters`` with its snooze clock moved back to the last snooze end at or before it.

    The same cases are asleep at both moments (no snooze ran out in between), so the
    answer is the same; but requests made minutes apart now ask the same question, and
    share one remembered count until the next snooze runs out, instead of counting every
    case again each minute. One read of the snoozed cases' small index.
    """
    if filters.clock is None or filters.snoozed is None:
        return filters
    c = tables.exception_cases.c
    last = (
        session.connection()
        .execute(
            sa.select(sa.func.max(c.snoozed_until)).where(
                c.snoozed_until.is_not(None), c.snoozed_until <= filters.clock
            )
        )
        .scalar_one()
    )
    return replace(filters, clock=last or _BEFORE_ANY_SNOOZE_ENDS)


def _snoozed(c: Any, clock: datetime | None, *, wanted: bool) -> sa.ColumnElement[bool]:
    """Snoozed at ``clock`` (``wanted``), or not; with no clock, any snooze counts.

    The queue hides snoozed cases by default, so this is part of nearly every read of
    it. Written as "the key is (not) among the snoozed cases' keys", found through the
    small partial index of migration 0009, the rest of the query still reads only the
    indexes of 0004 rather than every case's row for its snooze.
    """
    snoozing = tables.exception_cases.alias("snoozing")
    asleep = sa.select(snoozing.c.scope_company, snoozing.c.id).where(
        snoozing.c.snoozed_until.is_not(None),
        *([snoozing.c.snoozed_until > clock] if clock is not None else []),
    )
    key = sa.tuple_(c.scope_company, c.id)
    return key.in_(asleep) if wanted else key.not_in(asleep)


def list_cases(
    session: Session,
    picture_id: int,
    filters: CaseFilters = CaseFilters(),
    *,
    sort: CaseSort = CaseSort.QUEUE,
    reverse: bool = False,
    page: PageRequest = PageRequest(),
) -> Page[ExceptionCase]:
    """One page of the cases of the picture's companies, without timelines, and the total;
    ``reverse`` reads the sort the other way round."""
    companies = picture_companies(session, picture_id)
    if not companies:
        return empty_page(page)
    table = tables.exception_cases
    dialect = dialect_name(session)
    connection = session.connection()
    filters = at_last_snooze_end(session, filters)
    where = case_conditions(table, companies, filters, dialect)
    segments = _segments(sort, filters, dialect, reverse=reverse)
    source = search_source(filters.q, companies)
    # Counting reads every matching case; the counts last as long as the cases do.
    counts = remembered(
        cases_version(session, companies),
        ("case counts", filters, sort, reverse),
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


def case_chunk(
    session: Session,
    picture_id: int,
    filters: CaseFilters,
    cursor: Cursor,
    *,
    sort: CaseSort = CaseSort.QUEUE,
    reverse: bool = False,
    size: int = CHUNK_ROWS,
) -> tuple[list[ExceptionCase], Cursor | None]:
    """The next ``size`` cases (no timelines) of the list :func:`list_cases` pages, from
    ``cursor`` on (``Cursor()``: the start), and where the chunk after starts (None: the
    list is done). For downloads: every chunk costs the same however deep it is
    (:mod:`.streaming`)."""
    companies = picture_companies(session, picture_id)
    if not companies:
        return [], None
    table = tables.exception_cases
    dialect = dialect_name(session)
    chunk = read_chunk(
        session.connection(),
        (table.c.scope_company, table.c.id),
        case_conditions(table, companies, filters, dialect),
        _segments(sort, filters, dialect, reverse=reverse, flat=False),
        cursor,
        size=size,
        source=search_source(filters.q, companies),
    )
    keys = [(company, case_id) for company, case_id in chunk.keys]
    found = cases_by_key(session, keys)
    return [found[key] for key in keys if key in found], chunk.next


def count_cases(session: Session, picture_id: int, filters: CaseFilters) -> int:
    """How many cases of the picture's companies pass ``filters``."""
    companies = picture_companies(session, picture_id)
    if not companies:
        return 0
    dialect = dialect_name(session)
    filters = at_last_snooze_end(session, filters)
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
    session: Session,
    picture_id: int,
    states: frozenset[CaseState] | None,
    *,
    visible: Scope | None = None,
) -> CaseFacets:
    """Cases per type and per owner among those in ``states`` (None: every state).

    Read from every case in those states, so remembered until the cases change
    (:mod:`.memory`).
    """
    companies = picture_companies(session, picture_id)
    if not companies:
        return CaseFacets()
    question = ("case facets", tuple(sorted(states)) if states is not None else None, visible)
    return remembered(
        cases_version(session, companies),
        question,
        lambda: _case_facets(session, companies, CaseFilters(states=states, visible=visible)),
    )


def _case_facets(session: Session, companies: Sequence[str], filters: CaseFilters) -> CaseFacets:
    table = tables.exception_cases
    where = case_conditions(table, companies, filters, dialect_name(session))
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
    visible: Scope | None = None,
) -> CaseWithTimeline | None:
    """One case of the picture's companies (closed ones too) with a page of its timeline;
    None when there is none, or none ``visible`` covers."""
    companies = picture_companies(session, picture_id)
    if not companies:
        return None
    cases, events = tables.exception_cases, tables.case_events
    connection = session.connection()
    row = connection.execute(
        sa.select(cases)
        .where(
            in_companies(cases.c.scope_company, companies),
            cases.c.id == case_id,
            *visible_to(visible, cases.c.scope_company, cases.c.warehouse),
        )
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
    visible: Scope | None = None,
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
    query = (
        sa.select(table)
        .select_from(
            found.join(
                table,
                sa.and_(table.c.scope_company == found.c.scope_company, table.c.id == found.c.id),
            )
        )
        .where(
            *case_conditions(
                table, companies, CaseFilters(states=states, visible=visible), dialect
            ),
            sa.or_(table.c.subject == subject, _names_in_json(table.c.related, subject)),
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


def _segments(
    sort: CaseSort,
    filters: CaseFilters,
    dialect: str,
    *,
    reverse: bool = False,
    flat: bool | None = None,
) -> list[Segment]:
    """The sort as index-ordered segments (see :class:`Segment`), read the other way
    round when ``reverse`` (:func:`reversed_segments`).

    The queue is read one severity at a time, worst first, each in due order. A subject,
    a cause or a search finds a handful of cases through its own index; those are simply
    sorted, in one segment, rather than looked for severity by severity (``flat``: None
    decides so, False keeps the segments, as reading in chunks needs).
    """
    if flat is None:
        flat = filters.subject is not None or filters.cause is not None or bool(filters.q)
    found = _forward_segments(sort, filters, dialect, flat=flat)
    return reversed_segments(found) if reverse else found


def _forward_segments(
    sort: CaseSort, filters: CaseFilters, dialect: str, *, flat: bool
) -> list[Segment]:
    table = tables.exception_cases
    ids = (
        SortKey(text_key(table.c.id, dialect)),
        SortKey(text_key(table.c.scope_company, dialect)),
    )
    due = SortKey(table.c.due_at)
    if sort is CaseSort.QUEUE and flat:
        worst = SortKey(severity_rank(table.c.severity), descending=True)
        return [Segment((), (worst, due, *ids))]
    if sort is CaseSort.QUEUE:
        chosen = filters.severities
        worst_first = [s for s in reversed(SEVERITY_ORDER) if chosen is None or s in chosen]
        return [Segment((table.c.severity == s,), (due, *ids)) for s in worst_first]
    if sort is CaseSort.DUE:
        return [Segment((), (due, *ids))]
    if sort is CaseSort.VALUE:
        return [
            Segment(
                (), (SortKey(numeric_key(table.c.value_at_risk, dialect), descending=True), *ids)
            )
        ]
    if sort is CaseSort.OWNER:
        return [Segment((), (SortKey(text_key(table.c.owner, dialect)), due, *ids))]
    return [Segment((), (SortKey(table.c.opened_at, descending=True), *ids))]
