"""What the exceptions page's query string says, and the controls that change it.

The page, its downloads and the saved views all read the query here: the view, the
filters (through ``api.queue_filters.read_queue_filters``, the API's own reading, so a
query means the same on the page and on the API), the sort and the page number. From
what was read, the same module writes the query back in one canonical order (for links,
chips, downloads and saved views) and lists the choices the filter controls offer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from fastapi import Request
from sqlalchemy.orm import Session

from controltower.api.labels import EXCEPTION_TYPE_LABELS, SEVERITY_LABELS, subject_label
from controltower.api.queue_filters import (
    QueueFilters,
    QueueView,
    SnoozedFilter,
    StateFilter,
    read_queue_filters,
)
from controltower.api.routes.exceptions import CaseOrder
from controltower.api.scope import PictureScope
from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.people import Principal
from controltower.storage.queries import (
    CaseFacets,
    CaseSort,
    SortDirection,
    reverse_for,
)
from controltower.web.formatting import money
from controltower.web.list_controls import Chosen, ListLink, Option, PageFilterReader
from controltower.web.page_support import QueryReading, company_query

#: severities worst first, as the filters and the overview list them
SEVERITIES_WORST_FIRST: Final = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)

#: the states offered in the "Show" menu, in the order a person thinks of them
STATE_LABELS: Final[dict[StateFilter, str]] = {
    StateFilter.ACTIVE: "Still to do",
    StateFilter.OPEN: "Open, not yet picked up",
    StateFilter.ACKNOWLEDGED: "Acknowledged",
    StateFilter.IN_PROGRESS: "In progress",
    StateFilter.WAITING_FOR_APPROVAL: "Waiting for approval",
    StateFilter.RESOLVED: "Resolved",
    StateFilter.CLOSED: "Closed",
    StateFilter.ALL: "Everything, resolved and closed too",
}

#: how each sort of the case list reads, in a menu and in a message
SORT_LABELS: Final[dict[CaseSort, str]] = {
    CaseSort.QUEUE: "Most severe, then soonest due",
    CaseSort.DUE: "Soonest due first",
    CaseSort.VALUE: "Most value at risk first",
    CaseSort.OPENED: "Newest first",
    CaseSort.OWNER: "By owner",
}

#: how the count line says the order of the cases: (its own way, turned round)
SORT_WORDS: Final[dict[CaseSort, tuple[str, str]]] = {
    CaseSort.QUEUE: (
        "most severe first, then the soonest due",
        "least severe first, then the latest due",
    ),
    CaseSort.DUE: ("soonest due first", "latest due first"),
    CaseSort.VALUE: ("most value at risk first", "least value at risk first"),
    CaseSort.OPENED: ("newest first", "oldest first"),
    CaseSort.OWNER: (
        "by owner, A to Z, then the soonest due",
        "by owner, Z to A, then the latest due",
    ),
}

#: the two views of the queue, as their tabs say
VIEW_LABELS: Final[dict[QueueView, str]] = {
    QueueView.INCIDENTS: "By root cause (incidents)",
    QueueView.CASES: "All cases (cases)",
}

#: the snooze menu's choices
SNOOZED_LABELS: Final[dict[SnoozedFilter, str]] = {
    SnoozedFilter.HIDE: "Hidden until they wake",
    SnoozedFilter.ONLY: "Only snoozed cases",
    SnoozedFilter.ANY: "Shown with the rest",
}

#: sort directions in words
DIRECTION_LABELS: Final[dict[SortDirection, str]] = {
    SortDirection.ASC: "Up",
    SortDirection.DESC: "Down",
}

#: the overdue filter's choices
OVERDUE_CHOICES: Final = {"yes": "Overdue only", "no": "Not overdue"}

#: ``assignee`` in the query for "nobody", and how the special values read
NOBODY_ASSIGNED: Final = "none"
ASSIGNEE_WORDS: Final = {"me": "me", NOBODY_ASSIGNED: "nobody"}

#: how the page words what it cannot read of an enumeration
PAGE_LABELS: Final[Mapping[type[Any], Mapping[Any, str]]] = {
    ExceptionType: EXCEPTION_TYPE_LABELS,
    Severity: SEVERITY_LABELS,
    StateFilter: STATE_LABELS,
    SnoozedFilter: SNOOZED_LABELS,
}


@dataclass(frozen=True, slots=True)
class QueuePageQuery:
    """The exceptions page's query, as read."""

    view: QueueView
    filters: QueueFilters
    order: CaseOrder
    number: int
    company: str | None


def read_queue_page(
    request: Request,
    session: Session,
    scope: PictureScope,
    principal: Principal,
    reading: QueryReading,
    company: str | None,
) -> QueuePageQuery:
    """The page's query; what cannot be read is a problem in ``reading`` and left out."""
    params = request.query_params
    filters = read_queue_filters(
        PageFilterReader(reading, PAGE_LABELS),
        params.getlist,
        session=session,
        scope=scope,
        principal=principal,
    )
    view = reading.choice(QueueView, params.get("view"), "view", VIEW_LABELS, parameter="view")
    sort = reading.choice(CaseSort, params.get("sort"), "sort order", SORT_LABELS, parameter="sort")
    sort = sort or CaseSort.QUEUE
    direction = reading.choice(
        SortDirection,
        params.get("direction"),
        "sort direction",
        DIRECTION_LABELS,
        parameter="direction",
    )
    return QueuePageQuery(
        view=view or QueueView.INCIDENTS,
        filters=filters,
        order=CaseOrder(sort, reverse_for(sort.descending, direction)),
        number=reading.page_number(params.get("page")),
        company=company,
    )


def chosen_filters(filters: QueueFilters, principal: Principal) -> list[Chosen]:
    """Every chosen value but the cause, in the order of the filter controls."""
    chosen: list[Chosen] = []
    if filters.states != frozenset({StateFilter.ACTIVE}):
        chosen.extend(
            Chosen("state", state.value, f"Show: {label}")
            for state, label in STATE_LABELS.items()
            if state in filters.states
        )
    chosen.extend(
        Chosen("type", t.value, f"Type: {label}")
        for t, label in EXCEPTION_TYPE_LABELS.items()
        if t in (filters.types or ())
    )
    chosen.extend(Chosen("owner", o, f"Owner: {o}") for o in sorted(filters.owners or ()))
    chosen.extend(_assignees(filters, principal))
    chosen.extend(
        Chosen("severity", s.value, f"Severity: {SEVERITY_LABELS[s]}")
        for s in SEVERITIES_WORST_FIRST
        if s in (filters.severities or ())
    )
    chosen.extend(_codes("warehouse", "Warehouse", filters.warehouses))
    chosen.extend(_codes("customer", "Customer", filters.customers))
    chosen.extend(_codes("supplier", "Supplier", filters.suppliers))
    chosen.extend(_judged(filters))
    return chosen


def _assignees(filters: QueueFilters, principal: Principal) -> list[Chosen]:
    found = []
    for login in sorted(filters.assignees or ()):
        value = NOBODY_ASSIGNED if not login else ("me" if login == principal.login else login)
        found.append(Chosen("assignee", value, f"Assigned to: {ASSIGNEE_WORDS.get(value, value)}"))
    return found


def _codes(parameter: str, title: str, codes: frozenset[str] | None) -> list[Chosen]:
    return [Chosen(parameter, code, f"{title}: {code}") for code in sorted(codes or ())]


def _judged(filters: QueueFilters) -> list[Chosen]:
    """The filters that judge a case rather than pick values: due, value, snooze, search."""
    chosen = []
    if filters.overdue is not None:
        flag = "yes" if filters.overdue else "no"
        chosen.append(Chosen("overdue", flag, OVERDUE_CHOICES[flag]))
    if filters.min_value is not None:
        chosen.append(
            Chosen(
                "min_value", str(filters.min_value), f"Value at risk ≥ {money(filters.min_value)}"
            )
        )
    if filters.snoozed is not SnoozedFilter.HIDE:
        chosen.append(
            Chosen("snoozed", filters.snoozed.value, f"Snoozed: {SNOOZED_LABELS[filters.snoozed]}")
        )
    if filters.q:
        chosen.append(Chosen("q", filters.q, f"Search: {filters.q}"))
    return chosen


def queue_link(query: QueuePageQuery, chosen: list[Chosen]) -> ListLink:
    """The page's query written back in one order: what links, chips, downloads and
    saved views start from."""
    pairs: list[tuple[str, str]] = list(company_query(query.company).items())
    pairs.append(("view", query.view.value))
    pairs.extend((c.parameter, c.value) for c in chosen)
    if query.filters.cause:
        pairs.append(("cause", query.filters.cause))
    if query.order.sort is not CaseSort.QUEUE or query.order.reverse:
        pairs.append(("sort", query.order.sort.value))
    if query.order.reverse:
        pairs.append(("direction", query.order.direction.value))
    if query.number > 1:
        pairs.append(("page", str(query.number)))
    return ListLink("/exceptions", tuple(pairs))


def sort_words(order: CaseOrder) -> str:
    """How the count line says the order of the cases."""
    own, turned = SORT_WORDS[order.sort]
    return turned if order.reverse else own


def cause_words(filters: QueueFilters) -> str | None:
    """The cause the list is narrowed to, in words (None: every cause)."""
    return subject_label(filters.cause) if filters.cause else None


@dataclass(frozen=True, slots=True)
class QueueChoices:
    """What the filter controls offer, each choice ticked when chosen."""

    states: list[Option]
    types: list[Option]
    owners: list[Option]
    assignees: list[Option]
    severities: list[Option]
    warehouses: list[Option]


def queue_choices(
    filters: QueueFilters, facets: CaseFacets, warehouses: list[str], principal: Principal
) -> QueueChoices:
    """The choices of each multi-select: types and owners with how many cases each has
    in the states shown, the chosen ones always among them."""
    types = sorted(
        set(facets.by_type) | set(filters.types or ()), key=lambda t: EXCEPTION_TYPE_LABELS[t]
    )
    owners = sorted(set(facets.by_owner) | set(filters.owners or ()))
    assigned = {c.value for c in _assignees(filters, principal)}
    others = sorted(assigned - set(ASSIGNEE_WORDS))
    return QueueChoices(
        states=[
            Option(s.value, label, None, s in filters.states) for s, label in STATE_LABELS.items()
        ],
        types=[
            Option(
                t.value,
                EXCEPTION_TYPE_LABELS[t],
                facets.by_type.get(t, 0),
                t in (filters.types or ()),
            )
            for t in types
        ],
        owners=[
            Option(o, o, facets.by_owner.get(o, 0), o in (filters.owners or ())) for o in owners
        ],
        assignees=[
            Option("me", "Me", None, "me" in assigned),
            Option(NOBODY_ASSIGNED, "Nobody yet", None, NOBODY_ASSIGNED in assigned),
            *(Option(login, login, None, True) for login in others),
        ],
        severities=[
            Option(s.value, SEVERITY_LABELS[s], None, s in (filters.severities or ()))
            for s in SEVERITIES_WORST_FIRST
        ],
        warehouses=[Option(w, w, None, w in (filters.warehouses or ())) for w in warehouses],
    )
