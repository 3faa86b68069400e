"""Cases as people work them: the queue with every filter, one case, and the actions.

``GET /api/cases`` lists the cases of the picture a page at a time. Each filter may be
given several times and then matches any of its values (``?type=a&type=b``); ``subject``,
``overdue``, ``snoozed``, ``q`` and ``sort`` take one value. ``owner`` is the person a
case is assigned to: a login, ``me`` for the caller or ``unassigned``; ``team`` is the
team owning it (``purchasing@WH-EAST``).

Snoozed cases are out of the queue until their snooze runs out: ``snoozed=false`` (the
default) hides them, ``snoozed=true`` lists only them and ``snoozed=any`` both. A snooze
runs out at its time, judged at the minute of the request (so the counts the database
remembers serve a whole minute of requests); the next scan records it on the timeline. "Overdue" is judged at the latest scan, as everywhere else.

The actions (``POST /api/cases/{id}/acknowledge`` and the others) each return the case
afterwards with the page of its timeline that holds the newest event; what each needs
and refuses is in :mod:`controltower.api.case_commands`. ``POST /api/cases/bulk`` applies
one action to up to 200 cases, each in its own transaction, and answers per case.
"""

from __future__ import annotations

from typing import Annotated, Final, NoReturn

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from sqlalchemy.orm import Session

from controltower.api.auth import PrincipalDep, request_now, require
from controltower.api.case_commands import (
    Acknowledge,
    ActionForbiddenError,
    Assign,
    CaseCommand,
    CaseNotFoundError,
    Comment,
    Reopen,
    Resolve,
    Snooze,
    Start,
    not_found_message,
    run_bulk,
    run_command,
)
from controltower.api.deps import SessionDep
from controltower.api.paging import PageParams, invalid_query, page_request
from controltower.api.queue_filters import SnoozedFilter
from controltower.api.request_ids import RequestIdDep
from controltower.api.routes.exceptions import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_TIMELINE_PAGE_SIZE,
    StateFilter,
    case_detail,
    case_public,
    queue_now,
)
from controltower.api.routes.orders import warehouse_codes
from controltower.api.schemas import (
    AssignIn,
    BulkCasePublic,
    BulkCasesIn,
    BulkCasesPublic,
    CaseDetailPublic,
    CaseNoteIn,
    CaseQueuePublic,
    CommentIn,
    ResolveIn,
    SnoozeIn,
)
from controltower.api.scope import PictureScope, ScannedScopeDep
from controltower.domain.case_actions import ActionInputError
from controltower.domain.cases import ACTIVE_STATES, CaseState, ExceptionType, Severity
from controltower.domain.errors import IllegalTransitionError
from controltower.domain.people import Permission, Principal, normalise_login
from controltower.storage.case_actions import worker_problem
from controltower.storage.queries import CaseFilters, CaseSort, PageRequest, list_cases

router = APIRouter(
    prefix="/api/cases", tags=["cases"], dependencies=[Depends(require(Permission.VIEW))]
)

#: ``owner`` values that are not logins
OWNER_ME: Final = "me"
OWNER_NOBODY: Final = "unassigned"

#: query parameters that take one value (the rest may be repeated)
_SINGLE_VALUED: Final = ("subject", "overdue", "snoozed", "q", "sort")


def chosen_states(chosen: list[StateFilter] | None) -> frozenset[CaseState] | None:
    """The states of every filter given (active when none is; None: every state)."""
    if not chosen:
        return ACTIVE_STATES
    states: set[CaseState] = set()
    for state_filter in chosen:
        if state_filter.states is None:
            return None
        states |= state_filter.states
    return frozenset(states)


def chosen_assignees(owners: list[str] | None, principal: Principal) -> frozenset[str] | None:
    """The logins asked for (``me``: the caller; ``unassigned``: ``""``, nobody)."""
    if not owners:
        return None
    named = {OWNER_ME: principal.login, OWNER_NOBODY: ""}
    return frozenset(named.get(owner, normalise_login(owner)) for owner in owners)


def _only_once(request: Request) -> None:
    """422 naming a single-valued parameter given more than once (rather than silently
    keeping one of the values)."""
    repeated = [
        (name, f"{name} takes one value; it was given {count} times")
        for name in _SINGLE_VALUED
        if (count := len(request.query_params.getlist(name))) > 1
    ]
    if repeated:
        raise invalid_query(repeated)


def _known_warehouses(session: Session, scope: PictureScope, chosen: list[str] | None) -> None:
    if not chosen:
        return
    known = warehouse_codes(session, scope)
    unknown = [w for w in chosen if w not in known]
    if unknown:
        raise invalid_query(
            [
                (
                    "warehouse",
                    f"no warehouse {', '.join(map(repr, unknown))} in "
                    f"{', '.join(scope.companies)}; the warehouses are {', '.join(known) or 'none'}",
                )
            ]
        )


def _some(values: list[str] | None) -> frozenset[str] | None:
    return frozenset(values) if values else None


@router.get("", response_model=CaseQueuePublic, summary="The cases, filtered, a page at a time")
def list_case_queue(
    request: Request,
    session: SessionDep,
    scope: ScannedScopeDep,
    principal: PrincipalDep,
    paging: PageParams,
    exception_type: Annotated[
        list[ExceptionType] | None, Query(alias="type", description="Exception types.")
    ] = None,
    subject: Annotated[
        str | None,
        Query(min_length=1, max_length=300, description="One subject, e.g. sales_order:SO1."),
    ] = None,
    owner: Annotated[
        list[str] | None,
        Query(description="Assigned to: a login, `me` (you) or `unassigned`."),
    ] = None,
    team: Annotated[
        list[str] | None, Query(description="Owning teams, e.g. purchasing@WH-EAST.")
    ] = None,
    state: Annotated[
        list[StateFilter] | None,
        Query(
            description="active (default), all, or states: open, acknowledged, in_progress, "
            "waiting_for_approval, resolved, closed."
        ),
    ] = None,
    severity: Annotated[list[Severity] | None, Query(description="Severities.")] = None,
    warehouse: Annotated[list[str] | None, Query(description="Warehouse codes.")] = None,
    overdue: Annotated[
        bool | None, Query(description="Only active cases due before the latest scan, or the rest.")
    ] = None,
    snoozed: Annotated[
        SnoozedFilter,
        Query(description="false (default): hide snoozed cases; true: only them; any: both."),
    ] = SnoozedFilter.HIDE,
    q: Annotated[
        str | None,
        Query(
            min_length=1, max_length=100, description="A case id or subject code starts with it."
        ),
    ] = None,
    sort: Annotated[
        CaseSort,
        Query(description="queue: most severe, then soonest due; due; value; opened: newest."),
    ] = CaseSort.QUEUE,
) -> CaseQueuePublic:
    """A page of the cases matching every filter; ``total`` counts them all."""
    _only_once(request)
    _known_warehouses(session, scope, warehouse)
    now = queue_now(scope)
    filters = CaseFilters(
        states=chosen_states(state),
        types=frozenset(exception_type) if exception_type else None,
        subject=subject,
        owners=_some(team),
        severities=frozenset(severity) if severity else None,
        warehouses=_some(warehouse),
        assignees=chosen_assignees(owner, principal),
        overdue=overdue,
        snoozed=snoozed.wanted,
        q=q,
        now=now,
        clock=request_now().replace(second=0, microsecond=0),
        visible=scope.visible,
    )
    page = page_request(paging, default_size=DEFAULT_PAGE_SIZE)
    found = list_cases(session, scope.picture_id, filters, sort=sort, page=page)
    return CaseQueuePublic(
        picture_id=scope.picture_id,
        companies=list(scope.companies),
        scan=scope.scan_public,
        sort=sort,
        items=[case_public(case, now) for case in found.items],
        total=found.total,
        page=found.number,
        page_size=found.size,
        last_page=found.last_number,
    )


CaseIdPath = Annotated[
    str, Path(max_length=64, description="The case id, e.g. CASE-A9066DFC1D76E78D.")
]


@router.get("/{case_id}", response_model=CaseDetailPublic, summary="One case and its timeline")
def get_case(
    session: SessionDep,
    scope: ScannedScopeDep,
    case_id: CaseIdPath,
    timeline_page: Annotated[
        int, Query(ge=1, description="Which page of the timeline, oldest events first.")
    ] = 1,
    timeline_page_size: Annotated[
        int, Query(ge=1, le=200, description="Timeline events per page.")
    ] = DEFAULT_TIMELINE_PAGE_SIZE,
) -> CaseDetailPublic:
    """The case's facts, assignee, snooze and resolution, and a page of its timeline."""
    found = case_detail(
        session, scope, case_id, timeline=PageRequest(number=timeline_page, size=timeline_page_size)
    )
    if found is None:
        raise HTTPException(404, detail=not_found_message(scope, case_id))
    return found


def invalid_body(field: str, message: str) -> HTTPException:
    """A 422 shaped like FastAPI's own validation errors, naming the body's field."""
    return HTTPException(
        422, detail=[{"loc": ["body", field], "msg": message, "type": "value_error"}]
    )


#: what a command may be refused with (see ``api/case_commands.py``)
REFUSALS: Final = (
    CaseNotFoundError,
    ActionForbiddenError,
    IllegalTransitionError,
    ActionInputError,
)


def refusal(
    error: CaseNotFoundError | ActionForbiddenError | IllegalTransitionError | ActionInputError,
) -> HTTPException:
    """The HTTP answer to a refused command: 404, 403, 409, or 422 naming the field."""
    if isinstance(error, ActionInputError):
        return invalid_body(error.field, str(error))
    if isinstance(error, CaseNotFoundError):
        return HTTPException(404, detail=str(error))
    if isinstance(error, ActionForbiddenError):
        return HTTPException(403, detail=str(error))
    return HTTPException(409, detail=str(error))


def _carry_out(
    session: Session,
    scope: PictureScope,
    principal: Principal,
    case_id: str,
    command: CaseCommand,
    request_id: str,
) -> CaseDetailPublic:
    try:
        acted = run_command(
            session, scope, principal, case_id, command, at=request_now(), request_id=request_id
        )
    except REFUSALS as error:
        raise refusal(error) from error
    size = DEFAULT_TIMELINE_PAGE_SIZE
    newest = PageRequest(number=max(1, -(-acted.events // size)), size=size)
    detail = case_detail(session, scope, case_id, timeline=newest)
    if detail is None:  # pragma: no cover - the case was just changed within scope
        raise HTTPException(404, detail=not_found_message(scope, case_id))
    return detail


NoteBody = Annotated[CaseNoteIn | None, Body()]


@router.post("/{case_id}/acknowledge", response_model=CaseDetailPublic, summary="Acknowledge")
def acknowledge_case(
    session: SessionDep,
    scope: ScannedScopeDep,
    principal: PrincipalDep,
    case_id: CaseIdPath,
    rid: RequestIdDep,
    body: NoteBody = None,
) -> CaseDetailPublic:
    """Open -> acknowledged: you have seen it and own the next step (``work_cases``)."""
    note = body.note if body is not None else ""
    return _carry_out(session, scope, principal, case_id, Acknowledge(note=note), rid)


@router.post("/{case_id}/start", response_model=CaseDetailPublic, summary="Start work")
def start_case(
    session: SessionDep,
    scope: ScannedScopeDep,
    principal: PrincipalDep,
    case_id: CaseIdPath,
    rid: RequestIdDep,
    body: NoteBody = None,
) -> CaseDetailPublic:
    """Open or acknowledged -> in progress (``work_cases``)."""
    note = body.note if body is not None else ""
    return _carry_out(session, scope, principal, case_id, Start(note=note), rid)


@router.post("/{case_id}/assign", response_model=CaseDetailPublic, summary="Assign")
def assign_case(
    session: SessionDep,
    scope: ScannedScopeDep,
    principal: PrincipalDep,
    case_id: CaseIdPath,
    rid: RequestIdDep,
    body: AssignIn,
) -> CaseDetailPublic:
    """Give the case to ``to`` (``null``: back to its team). Taking it yourself needs
    ``work_cases``; giving it to somebody else ``assign_cases``. The person must be active,
    work cases and see the case, else 422 naming ``to``."""
    return _carry_out(session, scope, principal, case_id, Assign(to=body.to, note=body.note), rid)


@router.post("/{case_id}/comment", response_model=CaseDetailPublic, summary="Comment")
def comment_case(
    session: SessionDep,
    scope: ScannedScopeDep,
    principal: PrincipalDep,
    case_id: CaseIdPath,
    rid: RequestIdDep,
    body: CommentIn,
) -> CaseDetailPublic:
    """A comment on the timeline, in any state (``comment``)."""
    return _carry_out(session, scope, principal, case_id, Comment(text=body.text), rid)


@router.post("/{case_id}/snooze", response_model=CaseDetailPublic, summary="Snooze")
def snooze_case(
    session: SessionDep,
    scope: ScannedScopeDep,
    principal: PrincipalDep,
    case_id: CaseIdPath,
    rid: RequestIdDep,
    body: SnoozeIn,
) -> CaseDetailPublic:
    """Out of the queue until ``until`` (at most 90 days), for ``reason`` (``work_cases``)."""
    command = Snooze(until=body.until, reason=body.reason)
    return _carry_out(session, scope, principal, case_id, command, rid)


@router.post("/{case_id}/resolve", response_model=CaseDetailPublic, summary="Resolve")
def resolve_case(
    session: SessionDep,
    scope: ScannedScopeDep,
    principal: PrincipalDep,
    case_id: CaseIdPath,
    rid: RequestIdDep,
    body: ResolveIn,
) -> CaseDetailPublic:
    """Resolve with a reason code (``work_cases``). ``fixed`` is refused (409) while the
    latest scan still finds the condition; the other codes need a ``note``."""
    command = Resolve(code=body.reason_code, note=body.note)
    return _carry_out(session, scope, principal, case_id, command, rid)


@router.post("/{case_id}/reopen", response_model=CaseDetailPublic, summary="Reopen")
def reopen_case(
    session: SessionDep,
    scope: ScannedScopeDep,
    principal: PrincipalDep,
    case_id: CaseIdPath,
    rid: RequestIdDep,
    body: NoteBody = None,
) -> CaseDetailPublic:
    """Resolved -> open (``work_cases``); a closed case stays closed."""
    note = body.note if body is not None else ""
    return _carry_out(session, scope, principal, case_id, Reopen(note=note), rid)


def bulk_command(session: Session, body: BulkCasesIn) -> Acknowledge | Assign:
    """The command a bulk request asks for, or a 422 naming ``to``."""
    given_to = "to" in body.model_fields_set
    if body.action == "acknowledge":
        if given_to:
            _refuse_body("to", "to goes only with the action assign")
        return Acknowledge(note=body.note)
    if not given_to:
        _refuse_body("to", "to is required with the action assign: a login, or null for the team")
    if body.to is not None:
        problem = worker_problem(session, normalise_login(body.to))
        if problem is not None:
            _refuse_body("to", f"to: {problem}")
    return Assign(to=body.to, note=body.note)


def _refuse_body(field: str, message: str) -> NoReturn:
    raise invalid_body(field, message)


@router.post(
    "/bulk",
    response_model=BulkCasesPublic,
    summary="Acknowledge or assign several cases",
    dependencies=[Depends(require(Permission.ASSIGN_CASES))],
)
def bulk_cases(
    session: SessionDep,
    scope: ScannedScopeDep,
    principal: PrincipalDep,
    body: BulkCasesIn,
    rid: RequestIdDep,
) -> BulkCasesPublic:
    """Each id in turn, each in its own transaction: a case done stays done whatever
    happens to the others, a refused one is left as it was (``assign_cases``)."""
    command = bulk_command(session, body)
    try:
        outcomes = run_bulk(
            session, scope, principal, body.ids, command, at=request_now(), request_id=rid
        )
    except ActionForbiddenError as error:
        raise refusal(error) from error
    results = [
        BulkCasePublic(
            id=outcome.case_id,
            outcome=outcome.outcome,
            reason=outcome.reason,
            state=outcome.case.state if outcome.case is not None else None,
            assignee=outcome.case.assignee if outcome.case is not None else None,
        )
        for outcome in outcomes
    ]
    return BulkCasesPublic(
        action=body.action,
        done=sum(r.outcome == "done" for r in results),
        refused=sum(r.outcome == "refused" for r in results),
        not_found=sum(r.outcome == "not_found" for r in results),
        results=results,
    )
