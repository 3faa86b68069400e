"""Governed action requests as stored: rows to :class:`StoredAction` and back.

A request is one ``action_requests`` row (its parameters, edits and preview as
canonical JSON text) and one ``action_decisions`` row per person who decided it. Every
read here takes the reader's scope in SQL (``storage/visibility.py``): a request filed
under a company or warehouse the person may not see is never read, so it answers
exactly as a missing one. Lists are filtered, counted and paged by the database.

Deciding a request reads it with :func:`lock_action`: ``SELECT ... FOR UPDATE`` on
PostgreSQL, so two people deciding at once take turns on the row and the second reads
what the first wrote. On SQLite the caller has taken the database's write lock before
reading (see ``api/action_commands.py``), which serialises the same way. Nothing here
commits.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.actions import ActionState, ActionType
from controltower.domain.approvals import ALWAYS_DECIDE, ApprovalRequirement, PendingRequest
from controltower.domain.people import Principal, Scope
from controltower.storage import tables
from controltower.storage.visibility import visible_to

#: the most requests one page lists
MAX_ACTION_PAGE: Final = 100


@dataclass(frozen=True, slots=True)
class Decision:
    """One person's decision on a request."""

    login: str
    role: str
    #: approve or reject
    decision: str
    note: str
    decided_at: datetime


@dataclass(frozen=True)
class StoredAction:
    """A governed action request as people see it (``docs/actions.md``)."""

    id: int
    company: str
    warehouse: str | None
    action_type: str
    params: dict[str, Any]
    subject: str
    subject_link: str
    reason_code: str
    note: str
    state: str
    approvals_needed: int
    approvals_given: int
    approver_roles: tuple[str, ...]
    approver_team: str | None
    rule: str | None
    evidence_required: tuple[str, ...]
    evidence_missing: tuple[str, ...]
    #: the preview as it was shown when the request was made
    preview: dict[str, Any]
    requested_by: str
    requested_at: datetime
    expires_at: datetime | None
    decided_at: datetime | None
    executed_at: datetime | None
    executed_by: str | None
    erp_state: str | None
    case_id: str | None
    decisions: tuple[Decision, ...]

    @property
    def approvals_remaining(self) -> int:
        return max(0, self.approvals_needed - self.approvals_given)

    def requirement(self) -> ApprovalRequirement:
        return ApprovalRequirement(
            approvals=self.approvals_needed,
            roles=self.approver_roles,
            team=self.approver_team,
            evidence=self.evidence_required,
            rule=self.rule,
        )

    def pending(self, requester_id: int, decided_by: Iterable[int]) -> PendingRequest:
        """The request as the decision rules read it."""
        return PendingRequest(
            action_id=self.id,
            state=ActionState(self.state),
            requested_by=requester_id,
            requirement=self.requirement(),
            decided_by=frozenset(decided_by),
            approvals=self.approvals_given,
        )


@dataclass(frozen=True, slots=True)
class NewAction:
    """What a new request row holds."""

    company: str
    warehouse: str | None
    action_type: str
    params: Mapping[str, Any]
    subject: str
    reason_code: str
    note: str
    state: ActionState
    requirement: ApprovalRequirement
    edits: Sequence[Mapping[str, Any]]
    preview: Mapping[str, Any]
    requested_by: int
    requested_at: datetime
    expires_at: datetime | None
    case_id: str | None


@dataclass(frozen=True, slots=True)
class LockedAction:
    """A request read under its lock, with what deciding and executing it need."""

    action: StoredAction
    requester_id: int
    #: users who decided it so far
    decided_by: frozenset[int]
    #: the picture edits, as stored JSON
    edits: list[dict[str, Any]]

    def pending(self) -> PendingRequest:
        return self.action.pending(self.requester_id, self.decided_by)


@dataclass(frozen=True, slots=True)
class ActionFilters:
    """What a list of requests is narrowed to (every one given must hold)."""

    states: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    #: only requests this user asked for
    requested_by: int | None = None
    #: only requests waiting for this person's decision
    awaiting: Principal | None = None
    #: text the subject contains (any case)
    subject: str | None = None


def canonical(value: Any) -> str:
    """JSON text with sorted keys, as every JSON column of these tables holds it."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def insert_action(session: Session, new: NewAction) -> int:
    """Store a new request; its id."""
    requirement = new.requirement
    result = session.connection().execute(
        sa.insert(tables.action_requests).values(
            scope_company=new.company,
            warehouse=new.warehouse,
            action_type=new.action_type,
            params=canonical(dict(new.params)),
            subject=new.subject,
            reason_code=new.reason_code,
            note=new.note,
            state=new.state.value,
            approvals_needed=requirement.approvals,
            approver_roles=canonical(list(requirement.roles)),
            approver_team=requirement.team,
            rule=requirement.rule,
            evidence_required=canonical(list(requirement.evidence)),
            edits=canonical(list(new.edits)),
            preview=canonical(dict(new.preview)),
            requested_by=new.requested_by,
            requested_at=new.requested_at,
            expires_at=new.expires_at,
            case_id=new.case_id,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def update_action(session: Session, action_id: int, **values: Any) -> None:
    """Set columns of one request (``state``, ``executed_at``, ``erp_state``...)."""
    if "edits" in values:
        values["edits"] = canonical(values["edits"])
    table = tables.action_requests
    session.connection().execute(sa.update(table).where(table.c.id == action_id).values(**values))


def record_decision(
    session: Session,
    action_id: int,
    principal: Principal,
    *,
    decision: str,
    note: str,
    at: datetime,
) -> None:
    """Store one person's decision (the primary key refuses a second one)."""
    session.connection().execute(
        sa.insert(tables.action_decisions).values(
            action_id=action_id,
            user_id=principal.user_id,
            decision=decision,
            role=principal.role.value,
            note=note,
            decided_at=at,
        )
    )


def _scoped(companies: Sequence[str] | None, visible: Scope | None) -> list[sa.ColumnElement[bool]]:
    table = tables.action_requests
    where = visible_to(visible, table.c.scope_company, table.c.warehouse)
    if companies is not None:
        where.append(table.c.scope_company.in_(sorted(companies)))
    return where


def find_action(
    session: Session,
    action_id: int,
    *,
    companies: Sequence[str] | None = None,
    visible: Scope | None = None,
) -> StoredAction | None:
    """The request among ``companies`` that ``visible`` covers; None when missing or out
    of scope alike (no limit given: any)."""
    table = tables.action_requests
    row = (
        session.connection()
        .execute(sa.select(table).where(table.c.id == action_id, *_scoped(companies, visible)))
        .first()
    )
    return None if row is None else _stored(session, [row])[0]


def lock_action(
    session: Session,
    action_id: int,
    *,
    companies: Sequence[str] | None = None,
    visible: Scope | None = None,
) -> LockedAction | None:
    """The request read under its row lock (see the module's note), with its decisions."""
    table = tables.action_requests
    row = (
        session.connection()
        .execute(
            sa.select(table)
            .where(table.c.id == action_id, *_scoped(companies, visible))
            .with_for_update()
        )
        .first()
    )
    if row is None:
        return None
    decisions = tables.action_decisions
    decided_by = session.connection().execute(
        sa.select(decisions.c.user_id).where(decisions.c.action_id == action_id)
    )
    return LockedAction(
        action=_stored(session, [row])[0],
        requester_id=int(row.requested_by),
        decided_by=frozenset(int(user) for user in decided_by.scalars()),
        edits=list(json.loads(row.edits)),
    )


def list_actions(
    session: Session,
    *,
    companies: Sequence[str],
    visible: Scope | None,
    filters: ActionFilters,
    page: int = 1,
    size: int = 25,
) -> tuple[list[StoredAction], int]:
    """A page of the requests (newest first) and how many match in all."""
    if page < 1 or not 1 <= size <= MAX_ACTION_PAGE:
        raise ValueError(f"page must be 1 or more and size 1 to {MAX_ACTION_PAGE}")
    table = tables.action_requests
    where = [*_scoped(companies, visible), *_filtered(filters)]
    connection = session.connection()
    total = connection.execute(sa.select(sa.func.count()).select_from(table).where(*where))
    rows = connection.execute(
        sa.select(table)
        .where(*where)
        .order_by(table.c.id.desc())
        .limit(size)
        .offset((page - 1) * size)
    ).all()
    return _stored(session, rows), int(total.scalar_one())


def _filtered(filters: ActionFilters) -> list[sa.ColumnElement[bool]]:
    table = tables.action_requests
    where: list[sa.ColumnElement[bool]] = []
    if filters.states:
        where.append(table.c.state.in_(sorted(filters.states)))
    if filters.types:
        where.append(table.c.action_type.in_(sorted(filters.types)))
    if filters.requested_by is not None:
        where.append(table.c.requested_by == filters.requested_by)
    if filters.subject:
        needle = filters.subject.strip().lower()
        where.append(sa.func.lower(table.c.subject).contains(needle, autoescape=True))
    if filters.awaiting is not None:
        where.extend(awaiting_decision_of(filters.awaiting))
    return where


def awaiting_decision_of(principal: Principal) -> list[sa.ColumnElement[bool]]:
    """Requests waiting for ``principal``'s decision: awaiting approval, asked by someone
    else, not decided by them yet, naming their role (and a team of theirs, if any)."""
    table, decisions = tables.action_requests, tables.action_decisions
    where: list[sa.ColumnElement[bool]] = [
        table.c.state == ActionState.AWAITING_APPROVAL.value,
        table.c.requested_by != principal.user_id,
        ~sa.exists().where(
            decisions.c.action_id == table.c.id, decisions.c.user_id == principal.user_id
        ),
    ]
    if principal.role in ALWAYS_DECIDE:
        return where
    where.append(table.c.approver_roles.contains(f'"{principal.role.value}"', autoescape=True))
    where.append(
        sa.or_(table.c.approver_team.is_(None), table.c.approver_team.in_(sorted(principal.teams)))
    )
    return where


def awaiting_decision_count(session: Session, principal: Principal) -> int:
    """How many requests within the person's scope wait for their decision: the count
    every page's header shows an approver, so one count query (the state is indexed)."""
    table = tables.action_requests
    where = [
        *visible_to(principal.scope, table.c.scope_company, table.c.warehouse),
        *awaiting_decision_of(principal),
    ]
    query = sa.select(sa.func.count()).select_from(table).where(*where)
    return int(session.connection().execute(query).scalar_one())


def due_for_expiry(session: Session, *, now: datetime) -> list[int]:
    """The requests still awaiting approval whose time ran out, oldest first."""
    table = tables.action_requests
    query = (
        sa.select(table.c.id)
        .where(
            table.c.state == ActionState.AWAITING_APPROVAL.value,
            table.c.expires_at.is_not(None),
            table.c.expires_at <= now,
        )
        .order_by(table.c.id)
    )
    return [int(i) for i in session.connection().execute(query).scalars()]


def approved_prices(
    session: Session, companies: Sequence[str]
) -> dict[tuple[str, int], frozenset[Decimal]]:
    """Per (order id, line), the prices executed ``override_price`` actions of
    ``companies`` set: overrides people approved, which ``pricing_variance`` leaves be."""
    table = tables.action_requests
    query = sa.select(table.c.params).where(
        table.c.scope_company.in_(sorted(companies)),
        table.c.action_type == ActionType.OVERRIDE_PRICE.value,
        table.c.state == ActionState.EXECUTED.value,
    )
    found: dict[tuple[str, int], set[Decimal]] = defaultdict(set)
    for text in session.connection().execute(query).scalars():
        params = json.loads(text)
        try:
            key = (str(params["order_id"]), int(params["line"]))
            found[key].add(Decimal(str(params["price"])))
        except (KeyError, TypeError, ValueError, ArithmeticError):
            continue  # a request stored by hand without them approves nothing
    return {key: frozenset(prices) for key, prices in found.items()}


# --- rows to requests ------------------------------------------------------------------


def _stored(session: Session, rows: Sequence[sa.Row[Any]]) -> list[StoredAction]:
    """The requests of ``rows``, with their decisions, people and missing evidence read in
    one query each for the whole list."""
    ids = [int(row.id) for row in rows]
    decisions = _decisions(session, ids)
    attached = _attached_kinds(session, ids)
    logins = _logins(
        session,
        {int(row.requested_by) for row in rows}
        | {int(row.executed_by) for row in rows if row.executed_by is not None},
    )
    return [_action(row, decisions[int(row.id)], attached[int(row.id)], logins) for row in rows]


def _action(
    row: sa.Row[Any],
    decisions: list[Decision],
    attached: set[str],
    logins: Mapping[int, str],
) -> StoredAction:
    preview = dict(json.loads(row.preview))
    required = tuple(json.loads(row.evidence_required))
    return StoredAction(
        id=int(row.id),
        company=row.scope_company,
        warehouse=row.warehouse,
        action_type=row.action_type,
        params=dict(json.loads(row.params)),
        subject=row.subject,
        subject_link=subject_link_of(preview),
        reason_code=row.reason_code,
        note=row.note,
        state=row.state,
        approvals_needed=int(row.approvals_needed),
        approvals_given=sum(1 for d in decisions if d.decision == "approve"),
        approver_roles=tuple(json.loads(row.approver_roles)),
        approver_team=row.approver_team,
        rule=row.rule,
        evidence_required=required,
        evidence_missing=tuple(kind for kind in required if kind not in attached),
        preview=preview,
        requested_by=logins.get(int(row.requested_by), str(row.requested_by)),
        requested_at=row.requested_at,
        expires_at=row.expires_at,
        decided_at=row.decided_at,
        executed_at=row.executed_at,
        executed_by=None if row.executed_by is None else logins.get(int(row.executed_by)),
        erp_state=row.erp_state,
        case_id=row.case_id,
        decisions=tuple(decisions),
    )


def subject_link_of(preview: Mapping[str, Any]) -> str:
    """The page of the action's subject, as the stored preview records it."""
    link = preview.get("subject_link")
    if isinstance(link, str):
        return link
    plan = preview.get("plan")
    if isinstance(plan, Mapping) and isinstance(plan.get("subject_link"), str):
        return str(plan["subject_link"])
    return ""


def _decisions(session: Session, ids: Sequence[int]) -> dict[int, list[Decision]]:
    found: dict[int, list[Decision]] = defaultdict(list)
    if not ids:
        return found
    decisions, users = tables.action_decisions, tables.users
    query = (
        sa.select(decisions, users.c.login)
        .join(users, users.c.id == decisions.c.user_id)
        .where(decisions.c.action_id.in_(ids))
        .order_by(decisions.c.decided_at, users.c.login)
    )
    for row in session.connection().execute(query):
        found[int(row.action_id)].append(
            Decision(
                login=row.login,
                role=row.role,
                decision=row.decision,
                note=row.note,
                decided_at=row.decided_at,
            )
        )
    return found


def _attached_kinds(session: Session, ids: Sequence[int]) -> dict[int, set[str]]:
    """The evidence kinds linked to each request."""
    found: dict[int, set[str]] = defaultdict(set)
    if not ids:
        return found
    links = tables.evidence_links
    query = sa.select(links.c.action_id, links.c.kind).where(links.c.action_id.in_(ids)).distinct()
    for action_id, kind in session.connection().execute(query):
        found[int(action_id)].add(kind)
    return found


def _logins(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    users = tables.users
    query = sa.select(users.c.id, users.c.login).where(users.c.id.in_(wanted))
    return {int(i): login for i, login in session.connection().execute(query)}
