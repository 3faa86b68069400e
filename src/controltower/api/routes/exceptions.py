"""The exception queue: cases (one problem on one subject) and incidents (one cause).

Cases come first by severity (critical first), then by due time; incidents by the
money they put at risk. "Overdue" is judged against the latest scan's time rather than
the clock, so the same database always shows the same queue.

The builders (:func:`case_queue`, :func:`incident_queue`, :func:`case_detail`,
:func:`cases_naming_order`) are public so the web pages show exactly what the API
returns. Filtering, sorting, grouping, counting and paging happen in the database
(:mod:`controltower.storage.queries`): a response holds one page, never the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Final

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi import status as http_status
from sqlalchemy.orm import Session

from controltower.api.deps import SessionDep
from controltower.api.labels import (
    CASE_STATE_LABELS,
    EVENT_KIND_LABELS,
    EXCEPTION_TYPE_LABELS,
    subject_label,
)
from controltower.api.paging import PageParams, page_request
from controltower.api.queue_filters import QueueFilters as QueueFilters
from controltower.api.queue_filters import QueueFiltersDep
from controltower.api.queue_filters import QueueView as QueueView
from controltower.api.queue_filters import StateFilter as StateFilter
from controltower.api.schemas import (
    CaseDetailPublic,
    CaseEventPublic,
    CasePublic,
    CaseQueuePublic,
    ExceptionQueuePublic,
    FieldChangePublic,
    IncidentMemberPublic,
    IncidentPublic,
    IncidentQueuePublic,
    OrderPublic,
)
from controltower.api.scope import PictureScope, ScannedScopeDep
from controltower.domain.cases import (
    CaseEvent,
    ExceptionCase,
    ExceptionType,
    severity_rank,
)
from controltower.domain.incidents import incident_id
from controltower.storage.queries import (
    CaseSort,
    IncidentGroup,
    PageRequest,
    SortDirection,
    cases_naming,
    direction_of,
    get_case,
    list_cases,
    list_incidents,
    reverse_for,
)

router = APIRouter(prefix="/api/exceptions", tags=["exceptions"])

#: cases or incidents per page when the client does not say
DEFAULT_PAGE_SIZE: Final = 50

#: timeline events per page of a case
DEFAULT_TIMELINE_PAGE_SIZE: Final = 100

#: impacts listed with an incident; ``impact_count`` says how many it has
IMPACTS_SHOWN: Final = 25

#: related subjects listed with a case; ``related_count`` says how many it has (a
#: picking bottleneck names every order it delays: tens of thousands)
RELATED_SHOWN: Final = 100


@dataclass(frozen=True, slots=True)
class CaseOrder:
    """How the case list is sorted: a sort, read the other way round when ``reverse``."""

    sort: CaseSort = CaseSort.QUEUE
    reverse: bool = False

    @property
    def direction(self) -> SortDirection:
        return direction_of(self.sort.descending, self.reverse)


def case_order(
    sort: Annotated[
        CaseSort,
        Query(
            description="Cases only. queue: most severe, then soonest due; due: soonest "
            "due; value: most value at risk; opened: newest; owner: by owning team."
        ),
    ] = CaseSort.QUEUE,
    direction: Annotated[
        SortDirection | None,
        Query(
            description="asc or desc: the sort's leading column up or down (left out: the "
            "sort's own way, as described for sort)."
        ),
    ] = None,
) -> CaseOrder:
    return CaseOrder(sort, reverse_for(sort.descending, direction))


CaseOrderDep = Annotated[CaseOrder, Depends(case_order)]


def queue_now(scope: PictureScope) -> datetime | None:
    """The moment "overdue" is judged at: the latest scan's (None before any scan)."""
    return scope.scan.scanned_at if scope.scan is not None else None


def is_overdue(case: ExceptionCase, now: datetime | None) -> bool:
    return now is not None and case.is_active and case.due_at < now


def case_public(case: ExceptionCase, now: datetime | None) -> CasePublic:
    return CasePublic(
        id=case.id,
        type=case.type,
        type_label=EXCEPTION_TYPE_LABELS[case.type],
        subject=case.subject,
        subject_label=subject_label(case.subject),
        state=case.state,
        state_label=CASE_STATE_LABELS[case.state],
        severity=case.severity,
        owner=case.owner,
        due_at=case.due_at,
        overdue=is_overdue(case, now),
        opened_at=case.opened_at,
        value_at_risk=case.value_at_risk,
        value_basis=case.value_basis,
        explanation=case.explanation,
        cause=case.cause,
        incident_id=incident_id(case.cause),
        related=list(case.related[:RELATED_SHOWN]),
        related_count=len(case.related),
        warehouse=case.warehouse,
        company=case.company,
        assignee=case.assignee,
        snoozed_until=case.snoozed_until,
        snooze_reason=case.snooze_reason,
        resolution_code=case.resolution_code,
    )


def event_public(event: CaseEvent) -> CaseEventPublic:
    return CaseEventPublic(
        kind=event.kind,
        kind_label=EVENT_KIND_LABELS[event.kind],
        at=event.at,
        by=event.by,
        note=event.note,
        from_state=event.from_state,
        to_state=event.to_state,
        changes=[
            FieldChangePublic(field=change.field, old=change.old, new=change.new)
            for change in event.changes
        ],
    )


def case_queue(
    session: Session,
    scope: PictureScope,
    filters: QueueFilters,
    *,
    order: CaseOrder = CaseOrder(),
    page: PageRequest = PageRequest(size=DEFAULT_PAGE_SIZE),
) -> CaseQueuePublic:
    """A page of the cases passing ``filters``, sorted as asked."""
    now = queue_now(scope)
    found = list_cases(
        session,
        scope.picture_id,
        filters.cases(now, scope.visible),
        sort=order.sort,
        reverse=order.reverse,
        page=page,
    )
    return CaseQueuePublic(
        picture_id=scope.picture_id,
        companies=list(scope.companies),
        scan=scope.scan_public,
        sort=order.sort,
        items=[case_public(case, now) for case in found.items],
        total=found.total,
        page=found.number,
        page_size=found.size,
        last_page=found.last_number,
    )


def incident_queue(
    session: Session,
    scope: PictureScope,
    filters: QueueFilters,
    *,
    page: PageRequest = PageRequest(size=DEFAULT_PAGE_SIZE),
) -> IncidentQueuePublic:
    """A page of the cases grouped by root cause, most value at risk first.

    Grouping uses every case in the chosen states, so an incident's value and impacts
    are always whole; the other filters keep the incidents that have at least one case
    matching them.
    """
    found = list_incidents(
        session, scope.picture_id, filters.incidents(queue_now(scope), scope.visible), page=page
    )
    return IncidentQueuePublic(
        picture_id=scope.picture_id,
        companies=list(scope.companies),
        scan=scope.scan_public,
        items=[incident_public(group) for group in found.items],
        total=found.total,
        page=found.number,
        page_size=found.size,
        last_page=found.last_number,
    )


def incident_public(group: IncidentGroup) -> IncidentPublic:
    incident = group.incident
    root_label = EXCEPTION_TYPE_LABELS[incident.root_type]
    cause_label = subject_label(incident.cause)
    title = (
        f"{root_label}: {cause_label}"
        if incident.has_root_case
        else f"{cause_label}: {root_label.lower()} and related problems"
    )
    return IncidentPublic(
        id=incident.id,
        title=title,
        cause=incident.cause,
        cause_label=cause_label,
        root_type=incident.root_type,
        root_type_label=root_label,
        root_case_id=group.root_case_id,
        severity=incident.severity,
        value_at_risk=incident.value_at_risk,
        impact_count=len(incident.impacts),
        order_count=group.order_count,
        impacts=list(incident.impacts[:IMPACTS_SHOWN]),
        member_count=group.member_count,
        members=[
            IncidentMemberPublic(
                type=member.type,
                type_label=EXCEPTION_TYPE_LABELS[member.type],
                subject=member.subject,
                subject_label=subject_label(member.subject),
                case_id=member.case_id,
                severity=member.severity,
                value_at_risk=member.value_at_risk,
            )
            for member in group.members
        ],
    )


def case_detail(
    session: Session,
    scope: PictureScope,
    case_id: str,
    *,
    timeline: PageRequest = PageRequest(size=DEFAULT_TIMELINE_PAGE_SIZE),
) -> CaseDetailPublic | None:
    """One case of the picture's companies (closed ones too) with a page of its timeline."""
    found = get_case(session, scope.picture_id, case_id, timeline=timeline, visible=scope.visible)
    if found is None:
        return None
    case = found.case
    return CaseDetailPublic(
        **case_public(case, queue_now(scope)).model_dump(),
        entities=list(case.entities),
        timeline=[event_public(event) for event in found.timeline.items],
        timeline_total=found.timeline.total,
        timeline_page=found.timeline.number,
        timeline_page_size=found.timeline.size,
    )


def cases_naming_order(
    session: Session, scope: PictureScope, order: OrderPublic
) -> list[CasePublic]:
    """The active cases on an order or naming it among their related subjects.

    Looked up by the subjects and causes the order itself leads to (its lines, its
    customer, its warehouse, the purchase orders and stock it is pegged to, the reviews
    of those), never by reading every case: every detector that names an order does so
    from one of those (docs/exceptions.md).
    """
    subject = f"sales_order:{order.order_id}"
    lines = {f"sales_order_line:{order.order_id}/{line.line}" for line in order.lines}
    pools = {f"sku:{line.sku}@{line.warehouse}" for line in order.lines}
    purchase_orders = {
        f"purchase_order:{peg.po_id}" for line in order.lines for peg in line.from_inbound
    }
    warehouses = {
        f"warehouse:{w}" for w in {order.warehouse, *(line.warehouse for line in order.lines)}
    }
    customer = f"customer:{order.customer}"
    entities = {customer, *(f"product:{line.sku}" for line in order.lines)}
    reviews = {f"{entity}:{type_.value}" for entity in entities for type_ in ExceptionType}
    now = queue_now(scope)
    naming = cases_naming(
        session,
        scope.picture_id,
        subject,
        subjects={*lines, *pools, *purchase_orders, *warehouses, customer, *reviews},
        causes={customer, *warehouses, *pools, *purchase_orders},
        visible=scope.visible,
    )
    naming.sort(key=lambda c: (-severity_rank(c.severity), c.due_at, c.id))
    return [case_public(case, now) for case in naming]


@router.get(
    "",
    response_model=ExceptionQueuePublic,
    summary="The exception queue, as cases or as incidents, one page at a time",
)
def list_exceptions(
    session: SessionDep,
    scope: ScannedScopeDep,
    paging: PageParams,
    filters: QueueFiltersDep,
    order: CaseOrderDep,
    view: Annotated[
        QueueView,
        Query(description="cases: one row per case; incidents: cases grouped by root cause."),
    ] = QueueView.CASES,
) -> CaseQueuePublic | IncidentQueuePublic:
    """Cases sorted by severity (critical first) then due time, or as asked; incidents
    by value at risk, largest first. Every filter may be repeated to mean any of its
    values (``?type=a&type=b``). An incident is listed when any of its cases matches the
    filters. ``total`` counts every case (or incident) the filters match."""
    page = page_request(paging, default_size=DEFAULT_PAGE_SIZE)
    if view is QueueView.INCIDENTS:
        return incident_queue(session, scope, filters, page=page)
    return case_queue(session, scope, filters, order=order, page=page)


@router.get(
    "/cases/{case_id}",
    response_model=CaseDetailPublic,
    summary="One case with a page of its timeline",
)
def get_case_detail(
    session: SessionDep,
    scope: ScannedScopeDep,
    case_id: Annotated[str, Path(description="The case id, e.g. CASE-A9066DFC1D76E78D.")],
    timeline_page: Annotated[
        int, Query(ge=1, description="Which page of the timeline, oldest events first.")
    ] = 1,
    timeline_page_size: Annotated[
        int, Query(ge=1, le=200, description="Timeline events per page.")
    ] = DEFAULT_TIMELINE_PAGE_SIZE,
) -> CaseDetailPublic:
    """The case's facts and its timeline (when, what, by whom, and why), a page at a time:
    ``timeline_total`` says how many events there are."""
    found = case_detail(
        session,
        scope,
        case_id,
        timeline=PageRequest(number=timeline_page, size=timeline_page_size),
    )
    if found is None:
        raise HTTPException(
            http_status.HTTP_404_NOT_FOUND,
            detail=f"no case {case_id!r} is filed under {', '.join(scope.companies)}",
        )
    return found
