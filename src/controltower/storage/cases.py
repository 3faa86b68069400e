"""Exception cases in the database: save them with their timelines, load them back.

Cases are filed under a company rather than a picture. Every import replaces the
picture, and a case has to outlive it: the next scan, on the next picture, is what
updates, resolves or reopens it. A case is filed under its own company when the picture
covers it, else under the picture's first company (a recurring review, or a customer
buying from two companies, has no single company of its own). Loading for a picture
reads the cases of every company the picture covers, so cases follow their company
into whichever picture holds it next.

Timelines are append-only: :func:`save_cases` inserts the events a case gained since it
was stored, and never updates or deletes an event row. Like the rest of the storage
package these functions work inside the caller's unit of work and never commit; the
writing one runs in a savepoint.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any, Final

import orjson
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controltower.domain.cases import (
    Absence,
    CaseEvent,
    CaseOccurrence,
    CaseState,
    EventKind,
    ExceptionCase,
    ExceptionType,
    FieldChange,
    LiveCase,
    Severity,
)
from controltower.domain.incidents import Incident, group_incidents
from controltower.storage import tables
from controltower.storage.bulk import insert_columns
from controltower.storage.database import StorageError, refresh_statistics
from controltower.storage.load_keys import scan_keys_set_aside
from controltower.storage.picture_arrow import EntityWriteError
from controltower.storage.picture_columns import SCAN_PAGE_CACHE_KIB, page_cache_for_bulk
from controltower.storage.repository import resolve_picture_id

#: bound values per ``IN (...)`` list, well under every database's parameter limit
_IN_LIST_SIZE: Final = 500
_PG_IN_LIST_SIZE: Final = 10_000

#: rows per INSERT or UPDATE round trip
_CHUNK_SIZE: Final = 2_000

#: key of the PostgreSQL advisory lock held while a stored scan reconciles cases
_CASES_LOCK_KEY: Final = 0x43545F434153  # "CT_CAS"

#: timeline events that count as the case's condition arising (for recurrence)
_OCCURRENCE_KINDS: Final = (EventKind.OPENED, EventKind.REOPENED)


class CaseWriteError(StorageError):
    """Cases could not be stored as given; the message names the case and the reason."""


@dataclass(frozen=True, slots=True)
class SavedCases:
    """What one :func:`save_cases` call wrote."""

    inserted: int
    updated: int
    events_appended: int
    #: the company each saved case is stored under (its ``scope_company``), by case id
    scopes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _StoredHead:
    """What a save checks of a stored case: the fields that never change, the timeline size."""

    type: str
    subject: str
    opened_at: datetime
    events: int


# --- Companies and locking -------------------------------------------------------------


def picture_companies(session: Session, picture_id: int) -> list[str]:
    """The companies a stored picture covers, sorted: the case files it reads and writes."""
    resolved = resolve_picture_id(session, picture_id)
    query = sa.select(tables.companies.c.code).where(tables.companies.c.picture_id == resolved)
    return sorted(session.connection().execute(query).scalars())


def serialise_case_reconciliation(session: Session) -> None:
    """On PostgreSQL, make stored scans take turns from loading cases to saving them.

    Two scans reconciling at once would both see a condition as new and both open a case
    for it. A transaction-scoped advisory lock lets one scan at a time through; the lock
    goes with the transaction. SQLite admits one writing transaction at a time anyway.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CASES_LOCK_KEY})


def filing_company(case: ExceptionCase, companies: Sequence[str]) -> str:
    """The company a new case is filed under: its own if covered, else the first one."""
    if not companies:
        raise CaseWriteError(f"case {case.id} cannot be filed: the picture covers no company")
    if case.company is not None and case.company in companies:
        return case.company
    return min(companies)


# --- Writing ---------------------------------------------------------------------------


def save_cases(
    session: Session,
    picture_id: int,
    cases: Sequence[ExceptionCase],
    *,
    left_out: Mapping[str, int] | None = None,
    stored_ids: Collection[str] | None = None,
    set_keys_aside: bool = False,
) -> SavedCases:
    """Store ``cases`` for the companies of a picture: upsert each, append new events.

    A case not stored yet is inserted with its whole timeline. A stored case (found by
    id among the picture's companies) has its row brought up to date and only the events
    beyond those already stored appended; its type, subject and opening time must be
    the stored ones and its timeline at least as long, else :class:`CaseWriteError`
    names the case and nothing is written. Updates run before inserts, so a case closed
    and its successor opened in the same reconciliation never collide on the
    one-live-case-per-subject rule. ``left_out`` gives, per case id, how many of its
    first stored events its timeline was loaded without (see
    :func:`load_cases_to_reconcile`): its events are numbered from there.
    ``stored_ids``, when given, are the only ids that may be stored already (the cases
    the caller loaded): the others are new and inserted without being looked up, which
    spares a first scan's hundred thousand lookups. A new case that is stored after all
    fails on its key, and nothing is written. ``set_keys_aside``: inserting at least as
    many cases as are stored may build the tables' indexes after them
    (:func:`~controltower.storage.load_keys.keys_set_aside`).
    """
    skipped = left_out or {}
    companies = picture_companies(session, picture_id)
    if not cases:
        return SavedCases(inserted=0, updated=0, events_appended=0)
    _refuse_repeated_ids(cases)
    try:
        with (
            session.begin_nested(),
            page_cache_for_bulk(session.connection(), SCAN_PAGE_CACHE_KIB),
        ):
            connection = session.connection()
            looked_up = [case.id for case in cases if stored_ids is None or case.id in stored_ids]
            stored = _stored_heads(connection, companies, looked_up) if looked_up else {}
            updates: list[tuple[str, ExceptionCase, int]] = []
            inserts: list[tuple[str, ExceptionCase, int]] = []
            for case in cases:
                filed = stored.get(case.id, {})
                scope = _stored_scope(case, companies, filed)
                head = filed.get(scope)
                if head is None:
                    inserts.append((scope, case, 0))
                else:
                    _check_unchanged_identity(case, head, skipped.get(case.id, 0))
                    updates.append((scope, case, head.events))
            appended = 0
            # a chunk at a time: a crisis day's rows are never all built at once
            for chunk in _chunks(updates, _CHUNK_SIZE):
                _update_cases(connection, [(scope, case) for scope, case, _ in chunk])
                appended += _append_new_events(connection, chunk, skipped)
            # in id order (the key's, within a company): new ids are hashes, and rows in
            # key order extend the primary-key index at its end instead of splitting
            # pages all over it
            inserts.sort(key=lambda insert: insert[1].id)
            # a first scan's hundred thousand new cases: their indexes built once after
            with scan_keys_set_aside(
                connection,
                [tables.exception_cases.name, tables.case_events.name],
                rows=len(inserts),
                asked=set_keys_aside,
            ):
                for chunk in _chunks(inserts, _CHUNK_SIZE):
                    _insert_cases(connection, [(scope, case) for scope, case, _ in chunk])
                    appended += _append_new_events(connection, chunk, skipped)
            refresh_statistics(
                connection,
                [tables.exception_cases.name, tables.case_events.name],
                rows=len(inserts) + len(updates),
            )
    except (IntegrityError, EntityWriteError) as error:
        # a key made again after a bulk insert (keys_set_aside) refuses it as the insert
        # itself would
        reason = error.reason if isinstance(error, EntityWriteError) else _first_line(error.orig)
        raise CaseWriteError(
            f"could not store the cases: {reason}. A subject has at most "
            "one case that is not closed and a timeline only grows; if another scan ran at "
            "the same time, run this one again. Nothing was stored"
        ) from error
    return SavedCases(
        inserted=len(inserts),
        updated=len(updates),
        events_appended=appended,
        scopes={case.id: scope for scope, case, _ in (*updates, *inserts)},
    )


def _append_new_events(
    connection: sa.Connection,
    cases: Sequence[tuple[str, ExceptionCase, int]],
    skipped: Mapping[str, int],
) -> int:
    """Insert the events each (scope, case, events stored) gained; how many."""
    placed: list[_PlacedEvent] = []
    for scope, case, already in cases:
        offset = skipped.get(case.id, 0)
        placed.extend(
            (scope, case.id, offset + index, event)
            for index, event in enumerate(case.timeline)
            if offset + index >= already
        )
    return insert_columns(connection, tables.case_events, _event_columns(placed))


def _refuse_repeated_ids(cases: Sequence[ExceptionCase]) -> None:
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise CaseWriteError(f"case {case.id} was given twice in one save")
        seen.add(case.id)


def _stored_heads(
    connection: sa.Connection, companies: Sequence[str], case_ids: Sequence[str]
) -> dict[str, dict[str, _StoredHead]]:
    """case id -> {company it is filed under: its stored head}, for the given ids."""
    cases, events = tables.exception_cases, tables.case_events
    counts: dict[tuple[str, str], int] = {}
    heads: dict[str, dict[str, _StoredHead]] = defaultdict(dict)
    # PostgreSQL takes up to 65,535 bound values a statement: fewer, larger lists there
    size = _PG_IN_LIST_SIZE if connection.dialect.name == "postgresql" else _IN_LIST_SIZE
    for chunk in _chunks(case_ids, size):
        count_query = (
            sa.select(events.c.scope_company, events.c.case_id, sa.func.count())
            .where(events.c.scope_company.in_(companies), events.c.case_id.in_(chunk))
            .group_by(events.c.scope_company, events.c.case_id)
        )
        for scope, case_id, count in connection.execute(count_query):
            counts[(scope, case_id)] = int(count)
        head_query = sa.select(
            cases.c.scope_company, cases.c.id, cases.c.type, cases.c.subject, cases.c.opened_at
        ).where(cases.c.scope_company.in_(companies), cases.c.id.in_(chunk))
        for scope, case_id, type_, subject, opened_at in connection.execute(head_query):
            heads[case_id][scope] = _StoredHead(
                type=type_,
                subject=subject,
                opened_at=opened_at,
                events=counts.get((scope, case_id), 0),
            )
    return heads


def _stored_scope(
    case: ExceptionCase, companies: Sequence[str], filed: Mapping[str, _StoredHead]
) -> str:
    """Where ``case`` is (or goes): its stored company, else the one it is filed under."""
    wanted = filing_company(case, companies)
    if not filed or wanted in filed:
        return wanted
    # Filed elsewhere earlier (the picture then covered other companies): keep it there.
    return min(filed)


def _check_unchanged_identity(case: ExceptionCase, head: _StoredHead, left_out: int) -> None:
    given = (case.type, case.subject, _as_utc(case.opened_at))
    if given != (head.type, head.subject, _as_utc(head.opened_at)):
        raise CaseWriteError(
            f"case {case.id} is stored as {head.type} on {head.subject} opened "
            f"{head.opened_at.isoformat()}, but was given as {case.type} on {case.subject} "
            f"opened {case.opened_at.isoformat()}: a case's type, subject and opening "
            "never change; nothing was stored"
        )
    if left_out + len(case.timeline) < head.events:
        raise CaseWriteError(
            f"case {case.id} has {head.events} timeline events stored but was given "
            f"{left_out + len(case.timeline)}: a timeline only grows (load the case again before "
            "changing it); nothing was stored"
        )


def _absence_field(name: str) -> Callable[[ExceptionCase], Any]:
    def read(case: ExceptionCase) -> Any:
        return None if case.absence is None else getattr(case.absence, name)

    return read


def _json_field(name: str) -> Callable[[ExceptionCase], str]:
    def read(case: ExceptionCase) -> str:
        return _json_list(getattr(case, name))

    return read


#: the columns of a case row that a save may change (all but the key), each with how it
#: is read off the case: the one list both an update's rows and an insert's columns
#: are made from
_CASE_COLUMNS: Final[tuple[tuple[str, Callable[[ExceptionCase], Any]], ...]] = (
    *(
        (name, attrgetter(name))
        for name in (
            "type",
            "subject",
            "state",
            "severity",
            "value_at_risk",
            "value_basis",
            "explanation",
            "cause",
            "owner",
            "due_at",
            "opened_at",
        )
    ),
    ("related", _json_field("related")),
    ("entities", _json_field("entities")),
    ("warehouse", attrgetter("warehouse")),
    ("company", attrgetter("company")),
    ("absence_first_missed_at", _absence_field("first_missed_at")),
    ("absence_last_missed_at", _absence_field("last_missed_at")),
    ("absence_scans", _absence_field("scans")),
    *(
        (name, attrgetter(name))
        for name in (
            "assignee",
            "snoozed_until",
            "snooze_reason",
            "resolution_code",
            "impact_score",
            "escalation_step",
            "next_escalation_at",
            "escalated_at",
        )
    ),
)


def _case_values(case: ExceptionCase) -> dict[str, Any]:
    """The columns of a case row that a save may change (all but the key)."""
    return {name: read(case) for name, read in _CASE_COLUMNS}


def _update_cases(connection: sa.Connection, updates: Sequence[tuple[str, ExceptionCase]]) -> None:
    table = tables.exception_cases
    statement = sa.update(table).where(
        table.c.scope_company == sa.bindparam("key_scope_company"),
        table.c.id == sa.bindparam("key_id"),
    )
    if not updates:
        return
    connection.execute(
        statement,
        [
            {"key_scope_company": scope, "key_id": case.id, **_case_values(case)}
            for scope, case in updates
        ],
    )


def _insert_cases(connection: sa.Connection, inserts: Sequence[tuple[str, ExceptionCase]]) -> None:
    """Insert new cases, their rows made column by column (a crisis day's half a million
    cases: a mapping per row cost seconds)."""
    cases = [case for _, case in inserts]
    columns: dict[str, list[Any]] = {
        "scope_company": [scope for scope, _ in inserts],
        "id": [case.id for case in cases],
    }
    for name, read in _CASE_COLUMNS:
        columns[name] = list(map(read, cases))
    insert_columns(connection, tables.exception_cases, columns)


def append_case_events(
    connection: sa.Connection,
    scope: str,
    case_id: str,
    first_position: int,
    new_events: Sequence[CaseEvent],
) -> None:
    """Append ``new_events`` to a stored case's timeline from ``first_position`` on (the
    number of events it holds): for a writer that changes one case's row itself, under
    the turn :func:`serialise_case_reconciliation` gives, as escalation does."""
    insert_columns(
        connection,
        tables.case_events,
        _event_columns(
            [
                (scope, case_id, first_position + index, event)
                for index, event in enumerate(new_events)
            ]
        ),
    )


#: an event to store: its case's scope and id, its position in the timeline, itself
_PlacedEvent = tuple[str, str, int, CaseEvent]


def _event_columns(placed: Sequence[_PlacedEvent]) -> dict[str, list[Any]]:
    """The ``case_events`` rows of ``placed``, column by column."""
    events = [event for _, _, _, event in placed]
    return {
        "scope_company": [scope for scope, _, _, _ in placed],
        "case_id": [case_id for _, case_id, _, _ in placed],
        "position": [position for _, _, position, _ in placed],
        "kind": [event.kind for event in events],
        "at": [event.at for event in events],
        "by": [event.by for event in events],
        "note": [event.note for event in events],
        "from_state": [event.from_state for event in events],
        "to_state": [event.to_state for event in events],
        "changes": [_changes_json(event.changes) for event in events],
    }


def _changes_json(changes: Sequence[FieldChange]) -> str:
    """An event's field changes as stored: a JSON array of ``field``, ``old``, ``new``."""
    if not changes:
        return "[]"
    return json.dumps(
        [{"field": c.field, "old": c.old, "new": c.new} for c in changes], ensure_ascii=False
    )


# --- Reading ---------------------------------------------------------------------------


def load_cases(
    session: Session, picture_id: int, *, include_closed: bool = True
) -> list[ExceptionCase]:
    """The cases of a picture's companies with their full timelines, oldest event first.

    Sorted by (type, subject, opened_at), the order reconciliation returns them in.
    ``include_closed=False`` leaves out closed cases, which are history: a scan never
    changes them, so it need not read them.
    """
    cases = tables.exception_cases
    case_filter: list[sa.ColumnElement[bool]] = [
        cases.c.scope_company.in_(picture_companies(session, picture_id))
    ]
    if not include_closed:
        case_filter.append(cases.c.state != CaseState.CLOSED)
    return _read_cases(session.connection(), case_filter, with_timeline=sa.true())


def live_cases(session: Session, picture_id: int) -> list[LiveCase]:
    """Every case of the picture's companies that is not closed, as a scan first reads it
    (:class:`~controltower.domain.cases.LiveCase`): one query of plain columns, no
    timeline, so a rescan that finds every case as it left it builds no case at all."""
    cases = tables.exception_cases
    # enumerations as their text, looked up below (an enum call per value is slow)
    query = sa.select(
        cases.c.id,
        sa.type_coerce(cases.c.type, sa.Text),
        cases.c.subject,
        sa.type_coerce(cases.c.state, sa.Text),
        sa.type_coerce(cases.c.severity, sa.Text),
        cases.c.value_at_risk,
        cases.c.value_basis,
        cases.c.cause,
        cases.c.related,
        cases.c.entities,
        cases.c.warehouse,
        cases.c.company,
        cases.c.explanation,
        cases.c.absence_scans,
        cases.c.snoozed_until,
        cases.c.impact_score,
    ).where(
        cases.c.scope_company.in_(picture_companies(session, picture_id)),
        cases.c.state != CaseState.CLOSED,
    )
    types = {member.value: member for member in ExceptionType}
    states = {member.value: member for member in CaseState}
    severities = {member.value: member for member in Severity}
    lists: dict[str, tuple[str, ...]] = {}

    def as_tuple(text: str) -> tuple[str, ...]:
        # the same few lists recur (a PO's orders, a SKU's entities): parse each once
        found = lists.get(text)
        if found is None:
            found = lists[text] = tuple(json.loads(text))
        return found

    return [
        LiveCase(
            id=id_,
            type=types[type_],
            subject=subject,
            state=states[state],
            facts=(
                severities[severity],
                value,
                basis,
                cause,
                as_tuple(related),
                as_tuple(entities),
                warehouse,
                company,
                explanation,
            ),
            absent=scans is not None,
            snoozed_until=snoozed_until,
            impact_score=int(score),
        )
        for (
            id_,
            type_,
            subject,
            state,
            severity,
            value,
            basis,
            cause,
            related,
            entities,
            warehouse,
            company,
            explanation,
            scans,
            snoozed_until,
            score,
        ) in session.connection().execute(query)
    ]


def load_cases_to_reconcile(
    session: Session, picture_id: int, ids: Collection[str] | None = None
) -> tuple[list[ExceptionCase], dict[str, int]]:
    """The cases that are not closed (of them, those whose id is in ``ids`` when given),
    each with the part of its timeline a scan reads.

    Reconciling reads a timeline only to find when a resolved case was resolved; every
    other change appends to it. So only resolved cases come with their timelines, and
    the others with none: on a crisis day that spares reading and building hundreds of
    thousands of events. Returns the cases (in :func:`load_cases` order) and, per case
    id, how many stored events its timeline was loaded without, which
    :func:`save_cases` numbers new events from.

    Ids are looked up by key while they are few, or a small share of the live cases
    (a rescan re-states the few thousand cases whose facts follow the clock); many are
    read with every live case and picked out before any case is built.
    """
    cases = tables.exception_cases
    live = [
        cases.c.scope_company.in_(picture_companies(session, picture_id)),
        cases.c.state != CaseState.CLOSED,
    ]
    connection = session.connection()
    if ids is not None and (
        len(ids) <= _LOOKED_UP_IDS
        or len(ids) * _LOOKED_UP_SHARE
        <= connection.execute(
            sa.select(sa.func.count()).select_from(cases).where(*live)
        ).scalar_one()
    ):
        loaded: list[ExceptionCase] = []
        left_out: dict[str, int] = {}
        for chunk in _chunks(sorted(ids), _IN_LIST_SIZE):
            some, skipped = _cases_to_reconcile(connection, [*live, cases.c.id.in_(chunk)], None)
            loaded.extend(some)
            left_out.update(skipped)
        return sorted(loaded, key=_case_order), left_out
    return _cases_to_reconcile(connection, live, None if ids is None else set(ids))


#: this many ids are always looked up by key
_LOOKED_UP_IDS: Final = 5_000

#: more ids are looked up by key while they are at most this part of the live cases
#: (measured at a million order lines: reading every live case costs about as much as
#: looking up half of them by key, and 6,000 of 93,000 by key take an eighth of it)
_LOOKED_UP_SHARE: Final = 3


def _cases_to_reconcile(
    connection: sa.Connection,
    case_filter: Sequence[sa.ColumnElement[bool]],
    wanted: set[str] | None,
) -> tuple[list[ExceptionCase], dict[str, int]]:
    cases, events = tables.exception_cases, tables.case_events
    counts = connection.execute(
        sa.select(events.c.case_id, sa.func.count())
        .join(cases, _EVENT_OF_CASE)
        .where(*case_filter, cases.c.state != CaseState.RESOLVED)
        .group_by(events.c.scope_company, events.c.case_id)
    )
    left_out = {
        case_id: int(count) for case_id, count in counts if wanted is None or case_id in wanted
    }
    loaded = _read_cases(
        connection, case_filter, with_timeline=cases.c.state == CaseState.RESOLVED, wanted=wanted
    )
    return loaded, left_out


#: a case event joined to its case
_EVENT_OF_CASE: Final = sa.and_(
    tables.exception_cases.c.scope_company == tables.case_events.c.scope_company,
    tables.exception_cases.c.id == tables.case_events.c.case_id,
)


def _read_cases(
    connection: sa.Connection,
    case_filter: Sequence[sa.ColumnElement[bool]],
    *,
    with_timeline: sa.ColumnElement[bool],
    wanted: set[str] | None = None,
) -> list[ExceptionCase]:
    """The cases ``case_filter`` selects (of them, those whose id is ``wanted`` when
    given), those ``with_timeline`` also selects with their timelines (the others with
    none), in :func:`load_cases` order."""
    cases, events = tables.exception_cases, tables.case_events
    timelines: dict[tuple[str, str], list[CaseEvent]] = defaultdict(list)
    event_query = (
        sa.select(events)
        .join(cases, _EVENT_OF_CASE)
        .where(*case_filter, with_timeline)
        .order_by(events.c.scope_company, events.c.case_id, events.c.position)
    )
    for row in connection.execute(event_query):
        if wanted is None or row.case_id in wanted:
            timelines[(row.scope_company, row.case_id)].append(case_event(row._mapping))
    loaded = [
        exception_case(row._mapping, timelines.get((row.scope_company, row.id), []))
        for row in connection.execute(sa.select(cases).where(*case_filter))
        if wanted is None or row.id in wanted
    ]
    # Sorted here rather than in SQL: PostgreSQL collations would order subjects differently.
    return sorted(loaded, key=_case_order)


def _case_order(case: ExceptionCase) -> tuple[str, str, datetime, str]:
    return (case.type, case.subject, case.opened_at, case.id)


def case_history(
    session: Session, picture_id: int, *, since: datetime | None = None
) -> list[CaseOccurrence]:
    """Every opening and reopening of the picture's companies' cases, oldest first.

    What recurring-exception detection counts: the same list
    :func:`controltower.domain.cases.occurrences` makes of the loaded cases, read
    straight from the timelines, limited to events at or after ``since`` when given.
    """
    companies = picture_companies(session, picture_id)
    cases, events = tables.exception_cases, tables.case_events
    query = (
        sa.select(
            # the type as its text, looked up below: an enum call per row costs seconds
            # on a crisis day's half a million openings
            sa.type_coerce(cases.c.type, sa.Text),
            cases.c.subject,
            cases.c.cause,
            cases.c.entities,
            cases.c.value_at_risk,
            events.c.at,
        )
        .join(
            cases,
            sa.and_(
                cases.c.scope_company == events.c.scope_company,
                cases.c.id == events.c.case_id,
            ),
        )
        .where(events.c.scope_company.in_(companies), events.c.kind.in_(_OCCURRENCE_KINDS))
    )
    if since is not None:
        query = query.where(events.c.at >= since)
    types = {member.value: member for member in ExceptionType}
    lists: dict[str, tuple[str, ...]] = {}
    found: list[CaseOccurrence] = []
    for type_, subject, cause, entities, value, at in session.connection().execute(query):
        parsed = lists.get(entities)
        if parsed is None:
            parsed = lists[entities] = tuple(json.loads(entities))
        found.append(
            CaseOccurrence(
                type=types[type_],
                subject=subject,
                cause=cause,
                entities=parsed,
                opened_at=at,
                value_at_risk=value,
            )
        )
    return sorted(found, key=lambda o: (o.opened_at, o.type, o.subject))


def list_incidents(session: Session, picture_id: int) -> list[Incident]:
    """The active cases of a picture's companies grouped by root cause, worst first."""
    active = [c for c in load_cases(session, picture_id, include_closed=False) if c.is_active]
    return group_incidents(active)


def exception_case(row: Mapping[Any, Any], timeline: Sequence[CaseEvent]) -> ExceptionCase:
    """An ``exception_cases`` row as the domain's case, with ``timeline`` (read apart)."""
    scans = row["absence_scans"]
    absence = (
        Absence(
            first_missed_at=row["absence_first_missed_at"],
            last_missed_at=row["absence_last_missed_at"],
            scans=int(scans),
        )
        if scans is not None
        else None
    )
    return ExceptionCase(
        id=row["id"],
        type=row["type"],
        subject=row["subject"],
        state=row["state"],
        severity=row["severity"],
        value_at_risk=row["value_at_risk"],
        value_basis=row["value_basis"],
        explanation=row["explanation"],
        cause=row["cause"],
        owner=row["owner"],
        due_at=row["due_at"],
        opened_at=row["opened_at"],
        related=tuple(json.loads(row["related"])),
        entities=tuple(json.loads(row["entities"])),
        warehouse=row["warehouse"],
        company=row["company"],
        absence=absence,
        timeline=tuple(timeline),
        assignee=row["assignee"],
        snoozed_until=row["snoozed_until"],
        snooze_reason=row["snooze_reason"],
        resolution_code=row["resolution_code"],
        impact_score=int(row["impact_score"]),
        escalation_step=int(row["escalation_step"]),
        next_escalation_at=row["next_escalation_at"],
        escalated_at=row["escalated_at"],
    )


def case_event(row: Mapping[Any, Any]) -> CaseEvent:
    """A ``case_events`` row as the domain's event."""
    return CaseEvent(
        kind=row["kind"],
        at=row["at"],
        by=row["by"],
        note=row["note"],
        from_state=row["from_state"],
        to_state=row["to_state"],
        changes=tuple(
            FieldChange(field=change["field"], old=change["old"], new=change["new"])
            for change in json.loads(row["changes"])
        ),
    )


# --- Helpers ---------------------------------------------------------------------------


def _as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC time (a naive one is taken to be UTC, as stored)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _json_list(values: Sequence[str]) -> str:
    """Texts as a JSON array (orjson: twenty times ``json.dumps`` per call, and a crisis
    day writes a million of them)."""
    return orjson.dumps(list(values)).decode()


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _first_line(error: object) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
