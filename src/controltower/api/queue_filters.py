"""What narrows the exception queue, and how a request says it.

Each filter may be given several times and then matches any of its values; different
filters all apply. ``type``, ``state``, ``severity``, ``owner`` (the owning team),
``assignee`` (a login, ``me`` for the person asking, ``none`` for nobody), ``warehouse``,
``customer`` and ``supplier`` (the case concerns them), ``overdue``; ``min_value`` is a
least value at risk. ``subject``, ``cause`` and ``q`` take one value.

Snoozed cases are out of the queue until their snooze runs out (``snoozed=false``, the
default); ``snoozed=true`` lists only them and ``snoozed=any`` both, as ``/api/cases``
reads it. A snooze is judged at the request's clock rounded down to the minute, so the
counts the queue remembers last a minute rather than one request. "Overdue" is judged
at the latest scan, as everywhere else.

:func:`read_queue_filters` reads the filters for the API and the pages alike (through a
:class:`~controltower.api.list_params.FilterReader`), so the two always agree on what a
query string means; :data:`QueueFiltersDep` is the API's dependency.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Final

from fastapi import Depends, Query
from sqlalchemy.orm import Session

from controltower.api.auth import PrincipalDep, request_now
from controltower.api.deps import SessionDep
from controltower.api.list_params import ApiFilterReader, FilterReader
from controltower.api.picture_codes import warehouse_codes
from controltower.api.scope import PictureScope, ScopeDep
from controltower.domain.cases import ACTIVE_STATES, CaseState, ExceptionType, Severity
from controltower.domain.people import Principal, Scope
from controltower.storage.people import find_person
from controltower.storage.queries import (
    CaseFilters,
    IncidentFilters,
    known_customers,
    known_suppliers,
)

#: ``assignee`` values that are not logins: the person asking, and nobody
ASSIGNEE_ME: Final = "me"
ASSIGNEE_NOBODY: Final = frozenset({"none", "unassigned"})

#: the longest subject or cause a filter takes (a pool names a SKU and a warehouse)
LONGEST_SUBJECT: Final = 300


class QueueView(StrEnum):
    CASES = "cases"
    INCIDENTS = "incidents"


class StateFilter(StrEnum):
    """Which cases the queue holds: a group of states, or one state."""

    #: open, acknowledged, in progress or waiting for approval: someone's work
    ACTIVE = "active"
    #: every case, resolved and closed ones too
    ALL = "all"
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    WAITING_FOR_APPROVAL = "waiting_for_approval"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def states(self) -> frozenset[CaseState] | None:
        """The case states this filter lists (None: every state)."""
        if self is StateFilter.ACTIVE:
            return ACTIVE_STATES
        if self is StateFilter.ALL:
            return None
        return frozenset({CaseState(self.value)})

    @property
    def grouped_states(self) -> frozenset[CaseState] | None:
        """The states incidents group: the active cases, unless the filter reaches past
        them (then every case, so an incident shows its whole history)."""
        return grouped(self.states)


class SnoozedFilter(StrEnum):
    """Whether the queue holds snoozed cases (those whose snooze has not run out)."""

    #: hide them (the default): a snoozed case is out of the queue until its time
    HIDE = "false"
    #: only them
    ONLY = "true"
    #: both
    ANY = "any"

    @property
    def wanted(self) -> bool | None:
        """The case filter's ``snoozed``: False hides, True keeps only them, None both."""
        return {SnoozedFilter.HIDE: False, SnoozedFilter.ONLY: True}.get(self)


def grouped(states: frozenset[CaseState] | None) -> frozenset[CaseState] | None:
    """The states incidents group for a queue of ``states``: the active cases, unless
    ``states`` reach past them (then every case, so an incident shows its whole history)."""
    return ACTIVE_STATES if states is not None and states <= ACTIVE_STATES else None


def queue_clock() -> datetime:
    """The moment snoozes are judged at: now, rounded down to the minute."""
    return request_now().replace(second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """What narrows the queue; None means "any", a set means "any of these"."""

    states: frozenset[StateFilter] = frozenset({StateFilter.ACTIVE})
    types: frozenset[ExceptionType] | None = None
    subject: str | None = None
    cause: str | None = None
    #: owning teams (``purchasing@WH-EAST``)
    owners: frozenset[str] | None = None
    #: logins of the people the cases are assigned to; ``""`` stands for nobody
    assignees: frozenset[str] | None = None
    severities: frozenset[Severity] | None = None
    warehouses: frozenset[str] | None = None
    #: customer and supplier codes the cases concern
    customers: frozenset[str] | None = None
    suppliers: frozenset[str] | None = None
    overdue: bool | None = None
    min_value: Decimal | None = None
    snoozed: SnoozedFilter = SnoozedFilter.HIDE
    q: str | None = None
    #: the moment snoozes are judged at (None: :func:`queue_clock` when asked)
    clock: datetime | None = None

    @property
    def case_states(self) -> frozenset[CaseState] | None:
        """The case states the state filters list together (None: every state)."""
        found: set[CaseState] = set()
        for state_filter in self.states or {StateFilter.ACTIVE}:
            if state_filter.states is None:
                return None
            found |= state_filter.states
        return frozenset(found)

    @property
    def entities(self) -> frozenset[str] | None:
        """The customers and suppliers as the entities cases name (``customer:C1``)."""
        named = {f"customer:{code}" for code in self.customers or ()}
        named |= {f"supplier:{code}" for code in self.suppliers or ()}
        return frozenset(named) or None

    def cases(self, now: datetime | None, visible: Scope | None) -> CaseFilters:
        """The case filters, ``overdue`` judged at ``now`` (the latest scan's time), within
        the scope ``visible``."""
        wanted = self.snoozed.wanted
        return CaseFilters(
            states=self.case_states,
            types=self.types,
            subject=self.subject,
            cause=self.cause,
            owners=self.owners,
            severities=self.severities,
            warehouses=self.warehouses,
            assignees=self.assignees,
            entities=self.entities,
            overdue=self.overdue,
            snoozed=wanted,
            min_value=self.min_value,
            q=self.q,
            now=now,
            clock=(self.clock or queue_clock()) if wanted is not None else None,
            visible=visible,
        )

    def incidents(self, now: datetime | None, visible: Scope | None) -> IncidentFilters:
        """Incidents group :func:`grouped` states; chosen states narrow their members."""
        members = self.cases(now, visible)
        grouping = grouped(members.states)
        member_states = members.states if members.states != grouping else None
        return IncidentFilters(
            states=grouping, members=replace(members, states=member_states), visible=visible
        )


def read_queue_filters(
    reader: FilterReader,
    values: Callable[[str], Sequence[str]],
    *,
    session: Session,
    scope: PictureScope,
    principal: Principal,
) -> QueueFilters:
    """The queue filters a query string says (``values(name)``: every value given for
    ``name``); what cannot be read is told to ``reader`` and left out. Warehouses,
    customers, suppliers and people nobody has are told too: they would match nothing
    and are most likely typos. Owning teams are free text: nobody owning a case is an
    answer, not a mistake."""
    warehouses = reader.known(
        reader.texts(values("warehouse"), "warehouse", "warehouse"),
        warehouse_codes(session, scope),
        "warehouse",
        "warehouse",
    )
    customers = reader.texts(values("customer"), "customer", "customer")
    suppliers = reader.texts(values("supplier"), "supplier", "supplier")
    snoozed = reader.choices(SnoozedFilter, values("snoozed"), "snoozed", "choice for snoozed")
    return QueueFilters(
        states=reader.choices(StateFilter, values("state"), "state", "state")
        or frozenset({StateFilter.ACTIVE}),
        types=reader.choices(ExceptionType, values("type"), "type", "type of exception"),
        subject=reader.text(values("subject"), "subject", "subject", limit=LONGEST_SUBJECT),
        cause=reader.text(values("cause"), "cause", "cause", limit=LONGEST_SUBJECT),
        owners=reader.texts(values("owner"), "owner", "owner"),
        assignees=_assignees(reader, values("assignee"), session, principal),
        severities=reader.choices(Severity, values("severity"), "severity", "severity"),
        warehouses=warehouses,
        customers=reader.known(
            customers,
            known_customers(session, scope.picture_id, customers or ()),
            "customer",
            "customer",
            listed=False,
        ),
        suppliers=reader.known(
            suppliers,
            known_suppliers(session, scope.picture_id, suppliers or ()),
            "supplier",
            "supplier",
            listed=False,
        ),
        overdue=reader.flag(values("overdue"), "overdue", "overdue"),
        min_value=reader.amount(values("min_value"), "min_value", "least value at risk"),
        snoozed=next(iter(snoozed)) if snoozed and len(snoozed) == 1 else SnoozedFilter.HIDE,
        q=reader.text(values("q"), "q", "search"),
        clock=queue_clock(),
    )


def _assignees(
    reader: FilterReader, given: Sequence[str], session: Session, principal: Principal
) -> frozenset[str] | None:
    """Logins (``me``: the person asking; ``none``: nobody, as ``""``); a login nobody
    has is told to ``reader``."""
    chosen = reader.texts(given, "assignee", "person")
    if chosen is None:
        return None
    special = {ASSIGNEE_ME: principal.login, **dict.fromkeys(ASSIGNEE_NOBODY, "")}
    logins = frozenset(special.get(value.lower(), value.lower()) for value in chosen)
    named = {login for login in logins if login}
    known = {login for login in named if find_person(session, login) is not None}
    kept = reader.known(frozenset(named), known, "assignee", "person", listed=False)
    return (kept or frozenset()) | (logins - named) or None


def queue_filters(
    session: SessionDep,
    scope: ScopeDep,
    principal: PrincipalDep,
    state: Annotated[
        list[str] | None,
        Query(
            description="active (default): cases someone still has to work on; all: every "
            "case; or states: open, acknowledged, in_progress, waiting_for_approval, "
            "resolved, closed. Repeat for several."
        ),
    ] = None,
    exception_type: Annotated[
        list[str] | None, Query(alias="type", description="Exception types (repeatable).")
    ] = None,
    subject: Annotated[
        str | None,
        Query(min_length=1, description="Only cases on this subject, e.g. sales_order:SO1."),
    ] = None,
    cause: Annotated[
        str | None,
        Query(
            min_length=1,
            description="Only cases with this root cause (one incident), e.g. purchase_order:PO77.",
        ),
    ] = None,
    owner: Annotated[
        list[str] | None, Query(description="Owning teams, e.g. purchasing@WH-EAST (repeatable).")
    ] = None,
    assignee: Annotated[
        list[str] | None,
        Query(description="Assigned to: a login, `me` (you) or `none` (nobody); repeatable."),
    ] = None,
    severity: Annotated[list[str] | None, Query(description="Severities (repeatable).")] = None,
    warehouse: Annotated[
        list[str] | None, Query(description="Warehouse codes (repeatable).")
    ] = None,
    customer: Annotated[
        list[str] | None,
        Query(description="Cases concerning these customers, by code (repeatable)."),
    ] = None,
    supplier: Annotated[
        list[str] | None,
        Query(description="Cases concerning these suppliers, by code (repeatable)."),
    ] = None,
    overdue: Annotated[
        list[str] | None,
        Query(description="Only active cases due before the latest scan (true), or the rest."),
    ] = None,
    min_value: Annotated[
        str | None, Query(description="Only cases with at least this much value at risk.")
    ] = None,
    snoozed: Annotated[
        SnoozedFilter,
        Query(description="false (default): hide snoozed cases; true: only them; any: both."),
    ] = SnoozedFilter.HIDE,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description="Only cases whose id, or the code of whose subject, starts with this "
            "text (SO1 finds sales_order:SO1).",
        ),
    ] = None,
) -> QueueFilters:
    """The queue filters of an API request; 422 naming each parameter that cannot be read."""
    given: dict[str, list[str]] = {
        "state": state or [],
        "type": exception_type or [],
        "subject": [subject] if subject else [],
        "cause": [cause] if cause else [],
        "owner": owner or [],
        "assignee": assignee or [],
        "severity": severity or [],
        "warehouse": warehouse or [],
        "customer": customer or [],
        "supplier": supplier or [],
        "overdue": overdue or [],
        "min_value": [min_value] if min_value else [],
        "snoozed": [snoozed.value],
        "q": [q] if q else [],
    }
    reader = ApiFilterReader()
    filters = read_queue_filters(
        reader, lambda name: given.get(name, []), session=session, scope=scope, principal=principal
    )
    reader.check()
    return filters


QueueFiltersDep = Annotated[QueueFilters, Depends(queue_filters)]
