"""A person's action on a stored case: read it under a lock, apply it, append the event.

Two people acting on one case at the same moment, or a person acting while a stored
scan reconciles, take turns: on PostgreSQL both hold the advisory lock the stored scan
holds from loading cases to saving them; on SQLite the action takes the database's
write lock before it reads. The second action therefore reads the case as the first
left it, and no timeline entry is lost (the timeline's primary key would refuse a
second event at the same position anyway). The caller commits.

On SQLite a transaction that has already read cannot always become a writer while
another connection writes (SQLite answers "database is locked" rather than risk a
deadlock), so a caller acting on a case starts a fresh transaction first: then the lock
is the first thing the transaction asks for, and it waits its turn.

It also answers who may be given a case (:func:`assignee_problem`,
:func:`assignable_people`): an active person whose role works cases and whose scope
covers the case, by the same SQL rule the queue reads with.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.audit import CASE_EVENT_VERBS, Actor, AuditRecord
from controltower.domain.cases import ExceptionCase
from controltower.domain.people import ROLE_PERMISSIONS, Permission, Principal, Scope
from controltower.storage import tables
from controltower.storage.audit import append_audit
from controltower.storage.cases import exception_case, save_cases, serialise_case_reconciliation
from controltower.storage.people import Person, find_person
from controltower.storage.visibility import visible_to

#: the roles whose people work cases, and so may be given one
WORKING_ROLES: Final = tuple(
    sorted(role for role, allowed in ROLE_PERMISSIONS.items() if Permission.WORK_CASES in allowed)
)

#: the most people a choice of assignees lists
ASSIGNABLE_LIMIT: Final = 100

#: an action: the case as stored (without its timeline) -> the case after it
CaseAction = Callable[[ExceptionCase], ExceptionCase]


@dataclass(frozen=True, slots=True)
class ActedCase:
    """The case after an action, and how many events the action appended."""

    case: ExceptionCase
    appended: int
    #: the events on the case's whole timeline after the action
    events: int


def lock_cases(session: Session) -> None:
    """Take the turn to change cases (see the module's note)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # a write that changes nothing, so SQLite's write lock is held before the read
        table = tables.exception_cases
        connection.execute(sa.update(table).where(sa.false()).values(state=table.c.state))
    else:
        serialise_case_reconciliation(session)


class FoundCase(NamedTuple):
    """A stored case (no timeline), how many events its timeline holds, and the company
    it is filed under."""

    case: ExceptionCase
    events: int
    company: str


def find_visible_case(
    session: Session, companies: tuple[str, ...], case_id: str, visible: Scope
) -> FoundCase | None:
    """The case (no timeline) among ``companies`` that ``visible`` covers, and how many
    events its timeline holds; None when it is missing or out of scope alike."""
    cases, events = tables.exception_cases, tables.case_events
    connection = session.connection()
    row = connection.execute(
        sa.select(cases)
        .where(
            cases.c.scope_company.in_(companies),
            cases.c.id == case_id,
            *visible_to(visible, cases.c.scope_company, cases.c.warehouse),
        )
        .order_by(cases.c.scope_company)
        .limit(1)
    ).first()
    if row is None:
        return None
    count = connection.execute(
        sa.select(sa.func.count()).where(
            events.c.scope_company == row.scope_company, events.c.case_id == row.id
        )
    ).scalar_one()
    return FoundCase(exception_case(row._mapping, ()), int(count), row.scope_company)


def act_on_case(
    session: Session,
    *,
    picture_id: int,
    companies: tuple[str, ...],
    case_id: str,
    visible: Scope,
    action: CaseAction,
    actor: Principal | None = None,
    request_id: str | None = None,
) -> ActedCase | None:
    """Apply ``action`` to the case and store what it appended; None when not found.

    The action's own errors (an illegal move, a bad value) propagate before anything is
    written. Each event appended is also an audit entry, in the same transaction, naming
    ``actor`` (without one, the person whose login the event names) and ``request_id``.
    """
    lock_cases(session)
    found = find_visible_case(session, companies, case_id, visible)
    if found is None:
        return None
    case, stored_events, company = found
    after = action(case)
    appended = len(after.timeline)
    if after != case:
        save_cases(session, picture_id, [after], left_out={case.id: stored_events})
        _audit_case_action(session, case, after, company, actor, request_id)
    return ActedCase(case=after, appended=appended, events=stored_events + appended)


def _case_facts(case: ExceptionCase) -> dict[str, str | None]:
    """What people change on a case, as the audit trail records it."""
    return {
        "state": str(case.state),
        "assignee": case.assignee,
        "snoozed_until": case.snoozed_until.isoformat() if case.snoozed_until else None,
        "resolution_code": case.resolution_code,
    }


def _audit_case_action(
    session: Session,
    before: ExceptionCase,
    after: ExceptionCase,
    company: str,
    actor: Principal | None,
    request_id: str | None,
) -> None:
    """One audit entry per event the action appended: the verb of its kind, the facts
    it changed (before and after) and its note as the reason."""
    old_facts, new_facts = _case_facts(before), _case_facts(after)
    changed = [name for name in old_facts if old_facts[name] != new_facts[name]]
    for event in after.timeline:
        who = Actor.of(actor) if actor is not None else _actor_named(session, event.by)
        record = AuditRecord.by(
            who,
            at=event.at,
            action=CASE_EVENT_VERBS.get(event.kind, f"case.{event.kind}"),
            subject_type="case",
            subject_id=after.id,
            scope_company=company,
            old={name: old_facts[name] for name in changed} or None,
            new={name: new_facts[name] for name in changed} or None,
            reason=event.note or None,
            request_id=request_id,
        )
        append_audit(session, record)


def _actor_named(session: Session, login: str) -> Actor:
    """The person ``login`` as an actor (their role now), or the login alone."""
    person = find_person(session, login)
    if person is None:
        return Actor(None, login, "unknown")
    return Actor(person.user_id, person.login, str(person.role))


# --- Who may be given a case -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assignable:
    """A person a case may be given to, as a choice lists them."""

    login: str
    name: str
    #: a member of one of the teams listed first (the case's owning team)
    in_team: bool


def worker_problem(session: Session, login: str) -> str | None:
    """Why the person ``login`` cannot be given cases at all (None: they can)."""
    return _worker_problem(find_person(session, login), login)


def assignee_problem(
    session: Session, *, companies: tuple[str, ...], case_id: str, login: str
) -> str | None:
    """Why the case cannot be given to ``login`` (None: it can): they must be an active
    person who works cases and whose scope covers it."""
    person = find_person(session, login)
    problem = _worker_problem(person, login)
    if problem is not None or person is None:
        return problem
    if find_visible_case(session, companies, case_id, person.scope) is None:
        return f"{person.login} cannot see case {case_id}: they see {person.scope.describe()}"
    return None


def _worker_problem(person: Person | None, login: str) -> str | None:
    if person is None or not person.active:
        return f"no active person has the login {login!r}"
    if person.role not in WORKING_ROLES:
        return f"{person.login} is {_with_article(person.role)} and does not work cases"
    return None


def assignable_people(
    session: Session,
    *,
    companies: tuple[str, ...],
    case_id: str,
    first_teams: Collection[str] = (),
    limit: int = ASSIGNABLE_LIMIT,
) -> list[Assignable]:
    """The people a case may be given to: members of ``first_teams`` first, then the
    others, each group by login; at most ``limit`` (empty when the case is missing)."""
    cases = tables.exception_cases
    row = (
        session.connection()
        .execute(
            sa.select(cases.c.scope_company, cases.c.warehouse)
            .where(cases.c.scope_company.in_(companies), cases.c.id == case_id)
            .order_by(cases.c.scope_company)
            .limit(1)
        )
        .first()
    )
    if row is None:
        return []
    company_ok = sa.or_(~_limited("company"), _named("company", [row.scope_company]))
    warehouse_ok = (
        ~_limited("warehouse")
        if row.warehouse is None
        else sa.or_(~_limited("warehouse"), _named("warehouse", [row.warehouse]))
    )
    return _workers(session, [company_ok, warehouse_ok], first_teams, limit)


def people_who_work(
    session: Session,
    *,
    companies: Sequence[str],
    first_teams: Collection[str] = (),
    limit: int = ASSIGNABLE_LIMIT,
) -> list[Assignable]:
    """The people who work cases of any of ``companies`` (whatever their warehouses):
    the choice for a selection of cases, each of which checks its own assignee."""
    company_ok = sa.or_(~_limited("company"), _named("company", companies))
    return _workers(session, [company_ok], first_teams, limit)


def _limited(kind: str) -> sa.Exists:
    """The person (``users`` row) has a limit of ``kind`` (company or warehouse)."""
    scopes = tables.user_scopes
    return sa.exists().where(scopes.c.user_id == tables.users.c.id, scopes.c.kind == kind)


def _named(kind: str, codes: Sequence[str]) -> sa.Exists:
    """The person's limit of ``kind`` names one of ``codes``."""
    scopes = tables.user_scopes
    return sa.exists().where(
        scopes.c.user_id == tables.users.c.id,
        scopes.c.kind == kind,
        scopes.c.code.in_(sorted(codes)),
    )


def _workers(
    session: Session,
    covering: list[sa.ColumnElement[bool]],
    first_teams: Collection[str],
    limit: int,
) -> list[Assignable]:
    users, members = tables.users, tables.team_members
    in_team: sa.ColumnElement[Any] = (
        sa.exists().where(members.c.user_id == users.c.id, members.c.team.in_(sorted(first_teams)))
        if first_teams
        else sa.false()
    )
    team_first = sa.case((in_team, 0), else_=1)
    query = (
        sa.select(users.c.login, users.c.name, team_first.label("team_first"))
        .where(users.c.active.is_(True), users.c.role.in_(WORKING_ROLES), *covering)
        .order_by(team_first, users.c.login)
        .limit(limit)
    )
    return [
        Assignable(login=row.login, name=row.name, in_team=row.team_first == 0)
        for row in session.connection().execute(query)
    ]


def _with_article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"
