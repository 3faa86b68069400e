"""The exception queue: cases (one problem on one subject) and incidents (one cause).

Cases come first by severity (critical first), then by due time; incidents by the
money they put at risk. "Overdue" is judged against the latest scan's time rather than
the clock, so the same database always shows the same queue.

The builders (:func:`queue_cases`, :func:`case_queue`, :func:`incident_queue`,
:func:`case_detail`) are public so the web pages show exactly what the API returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi import status as http_status
from sqlalchemy.orm import Session

from controltower.api.deps import SessionDep
from controltower.api.labels import (
    CASE_STATE_LABELS,
    EVENT_KIND_LABELS,
    EXCEPTION_TYPE_LABELS,
    order_id_of,
    subject_label,
)
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
)
from controltower.api.scope import PictureScope, ScopeDep
from controltower.domain.cases import (
    ExceptionCase,
    ExceptionType,
    Severity,
    severity_rank,
)
from controltower.domain.incidents import Incident, group_incidents, incident_id
from controltower.storage.cases import load_cases

router = APIRouter(prefix="/api/exceptions", tags=["exceptions"])


class QueueView(StrEnum):
    CASES = "cases"
    INCIDENTS = "incidents"


class StateFilter(StrEnum):
    #: open, acknowledged, in progress or waiting for approval: someone's work
    ACTIVE = "active"
    #: every case, resolved and closed ones too
    ALL = "all"


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """What narrows the queue; None means "any"."""

    state: StateFilter = StateFilter.ACTIVE
    type: ExceptionType | None = None
    owner: str | None = None
    severity: Severity | None = None

    def admits(self, case: ExceptionCase) -> bool:
        """True when ``case`` matches the type, owner and severity asked for."""
        return (
            (self.type is None or case.type is self.type)
            and (self.owner is None or case.owner == self.owner)
            and (self.severity is None or case.severity is self.severity)
        )


def queue_now(scope: PictureScope) -> datetime | None:
    """The moment "overdue" is judged at: the latest scan's (None before any scan)."""
    return scope.scan.scanned_at if scope.scan is not None else None


def queue_cases(session: Session, scope: PictureScope, state: StateFilter) -> list[ExceptionCase]:
    """The cases of the picture's companies in ``state``, with their timelines."""
    cases = load_cases(session, scope.picture_id, include_closed=state is StateFilter.ALL)
    if state is StateFilter.ACTIVE:
        return [case for case in cases if case.is_active]
    return cases


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
        related=list(case.related),
        warehouse=case.warehouse,
        company=case.company,
    )


def case_detail_public(case: ExceptionCase, now: datetime | None) -> CaseDetailPublic:
    return CaseDetailPublic(
        **case_public(case, now).model_dump(),
        entities=list(case.entities),
        timeline=[
            CaseEventPublic(
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
            for event in case.timeline
        ],
    )


def queue_order(case: ExceptionCase) -> tuple[int, datetime, str]:
    """Sort key: critical first, then the earliest due, then the id (stable)."""
    return (-severity_rank(case.severity), case.due_at, case.id)


def case_queue(
    scope: PictureScope, cases: Iterable[ExceptionCase], filters: QueueFilters
) -> CaseQueuePublic:
    """The cases passing ``filters``, most severe first, then earliest due."""
    now = queue_now(scope)
    chosen = sorted((case for case in cases if filters.admits(case)), key=queue_order)
    return CaseQueuePublic(
        picture_id=scope.picture_id,
        companies=list(scope.companies),
        scan=scope.scan_public,
        total=len(chosen),
        cases=[case_public(case, now) for case in chosen],
    )


def incident_queue(
    scope: PictureScope, cases: Sequence[ExceptionCase], filters: QueueFilters
) -> IncidentQueuePublic:
    """The cases grouped by root cause, most value at risk first.

    Grouping uses every case in the chosen state, so an incident's value and impacts
    are always whole; the type, owner and severity filters then keep the incidents that
    have at least one member matching them.
    """
    latest = _latest_case_per_key(cases)
    incidents = [
        incident_public(incident, latest)
        for incident in group_incidents(latest.values())
        if any(filters.admits(latest[member]) for member in incident.members)
    ]
    incidents.sort(
        key=lambda i: (-i.value_at_risk, -severity_rank(i.severity), i.cause),
    )
    return IncidentQueuePublic(
        picture_id=scope.picture_id,
        companies=list(scope.companies),
        scan=scope.scan_public,
        total=len(incidents),
        incidents=incidents,
    )


def incident_public(
    incident: Incident, cases: dict[tuple[ExceptionType, str], ExceptionCase]
) -> IncidentPublic:
    root = cases.get((incident.root_type, incident.cause)) if incident.has_root_case else None
    root_label = EXCEPTION_TYPE_LABELS[incident.root_type]
    cause_label = subject_label(incident.cause)
    title = (
        f"{root_label}: {cause_label}"
        if incident.has_root_case
        else f"{cause_label}: {root_label.lower()} and related problems"
    )
    orders = {order_id_of(s) for s in (incident.cause, *incident.impacts)} - {None}
    members = [cases[key] for key in incident.members]
    return IncidentPublic(
        id=incident.id,
        title=title,
        cause=incident.cause,
        cause_label=cause_label,
        root_type=incident.root_type,
        root_type_label=root_label,
        root_case_id=root.id if root is not None else None,
        severity=incident.severity,
        value_at_risk=incident.value_at_risk,
        impact_count=len(incident.impacts),
        order_count=len(orders),
        impacts=list(incident.impacts),
        members=[
            IncidentMemberPublic(
                type=case.type,
                type_label=EXCEPTION_TYPE_LABELS[case.type],
                subject=case.subject,
                subject_label=subject_label(case.subject),
                case_id=case.id,
                severity=case.severity,
                value_at_risk=case.value_at_risk,
            )
            for case in sorted(members, key=queue_order)
        ],
    )


def _latest_case_per_key(
    cases: Iterable[ExceptionCase],
) -> dict[tuple[ExceptionType, str], ExceptionCase]:
    """One case per (type, subject): the latest opened (older ones are closed history)."""
    latest: dict[tuple[ExceptionType, str], ExceptionCase] = {}
    for case in cases:
        known = latest.get(case.key)
        if known is None or case.opened_at > known.opened_at:
            latest[case.key] = case
    return latest


def case_detail(session: Session, scope: PictureScope, case_id: str) -> CaseDetailPublic | None:
    """One case of the picture's companies with its full timeline (closed ones too)."""
    for case in load_cases(session, scope.picture_id, include_closed=True):
        if case.id == case_id:
            return case_detail_public(case, queue_now(scope))
    return None


@router.get(
    "",
    response_model=ExceptionQueuePublic,
    summary="The exception queue, as cases or as incidents",
)
def list_exceptions(
    session: SessionDep,
    scope: ScopeDep,
    view: Annotated[
        QueueView,
        Query(description="cases: one row per case; incidents: cases grouped by root cause."),
    ] = QueueView.CASES,
    state: Annotated[
        StateFilter,
        Query(description="active: cases someone still has to work on; all: every case."),
    ] = StateFilter.ACTIVE,
    exception_type: Annotated[
        ExceptionType | None, Query(alias="type", description="Only this exception type.")
    ] = None,
    owner: Annotated[
        str | None, Query(min_length=1, description="Only cases owned by this team.")
    ] = None,
    severity: Annotated[Severity | None, Query(description="Only this severity.")] = None,
) -> CaseQueuePublic | IncidentQueuePublic:
    """Cases sorted by severity (critical first) then due time; incidents by value at
    risk, largest first. An incident is listed when any of its cases matches the
    filters."""
    filters = QueueFilters(state=state, type=exception_type, owner=owner, severity=severity)
    cases = queue_cases(session, scope, state)
    if view is QueueView.INCIDENTS:
        return incident_queue(scope, cases, filters)
    return case_queue(scope, cases, filters)


@router.get(
    "/cases/{case_id}",
    response_model=CaseDetailPublic,
    summary="One case with its full timeline",
)
def get_case(
    session: SessionDep,
    scope: ScopeDep,
    case_id: Annotated[str, Path(description="The case id, e.g. CASE-A9066DFC1D76E78D.")],
) -> CaseDetailPublic:
    """The case's facts and every event on its timeline: when, what, by whom, and why."""
    found = case_detail(session, scope, case_id)
    if found is None:
        raise HTTPException(
            http_status.HTTP_404_NOT_FOUND,
            detail=f"no case {case_id!r} is filed under {', '.join(scope.companies)}",
        )
    return found
