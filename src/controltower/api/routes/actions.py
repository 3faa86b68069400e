"""Governed actions over HTTP: preview, request, list, read, approve, reject, cancel.

``POST /api/actions/preview`` answers what an action would change (the orders whose
standing moves, the cases that would open or clear, in sentences) and what a request
would need under the policy, writing nothing. ``POST /api/actions`` asks for it: the
answer (``201``) is the stored request, ``executed`` at once when the policy asks for no
approval, else ``awaiting_approval`` with the approvals still needed. The decisions and
the cancellation answer with the request afterwards.

What each needs and refuses is in :mod:`controltower.api.action_commands`; here every
refusal becomes its status: 403 for a permission the role lacks, a person's own request
or a role or team the rule does not name; 404 for a request that is missing or out of
scope (the same answer); 409 for a request already decided, a second decision by the
same person or evidence still missing; 422 naming the field (``loc``) for a bad value.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request, Response
from sqlalchemy.orm import Session

from controltower.api import action_commands
from controltower.api.action_commands import (
    ActionNotFoundError,
    ApprovalForbiddenError,
    EvidenceMissingError,
    StoredAction,
)
from controltower.api.action_schemas import (
    ActionLinksPublic,
    ActionListPublic,
    ActionPreviewIn,
    ActionPreviewPublic,
    ActionPublic,
    ActionRequestIn,
    ActionSummaryPublic,
    ApprovalsPublic,
    ApproveIn,
    CaseChangePublic,
    DecisionPublic,
    OrderChangePublic,
    RejectIn,
)
from controltower.api.auth import PrincipalDep, request_now, require
from controltower.api.case_commands import ActionForbiddenError
from controltower.api.deps import SessionDep
from controltower.api.request_ids import request_id
from controltower.api.scope import PictureScope, ScannedScopeDep, ScopeDep
from controltower.domain.actions import (
    ACTION_LABELS,
    ActionParamError,
    ActionState,
    ActionType,
)
from controltower.domain.errors import IllegalTransitionError
from controltower.domain.people import Permission, Principal
from controltower.storage.actions import MAX_ACTION_PAGE
from controltower.workflow.action_preview import Preview

router = APIRouter(
    prefix="/api/actions", tags=["actions"], dependencies=[Depends(require(Permission.VIEW))]
)

#: requests per page unless the client asks for another size
DEFAULT_PAGE_SIZE: Final = 25

#: the body's own fields; any other field a planner names is one of ``params``
_BODY_FIELDS: Final = frozenset({"type", "params", "reason_code", "note", "case_id"})

#: what the service may refuse with (see ``api/action_commands.py``)
REFUSALS: Final = (
    ActionNotFoundError,
    ActionForbiddenError,
    ApprovalForbiddenError,
    EvidenceMissingError,
    IllegalTransitionError,
    ActionParamError,
)

Refusal = (
    ActionNotFoundError
    | ActionForbiddenError
    | ApprovalForbiddenError
    | EvidenceMissingError
    | IllegalTransitionError
    | ActionParamError
)


def refusal(error: Refusal) -> HTTPException:
    """The HTTP answer to a refused request: 404, 403, 409, or 422 naming the field."""
    if isinstance(error, ActionParamError):
        where = ["body", error.field] if error.field in _BODY_FIELDS else ["body", "params"]
        if error.field not in _BODY_FIELDS:
            where.append(error.field)
        return HTTPException(422, detail=[{"loc": where, "msg": str(error), "type": "value_error"}])
    if isinstance(error, ActionNotFoundError):
        return HTTPException(404, detail=str(error))
    if isinstance(error, ActionForbiddenError | ApprovalForbiddenError):
        return HTTPException(403, detail=str(error))
    # ActionConflictError, EvidenceMissingError and any other illegal move
    return HTTPException(409, detail=str(error))


# --- Answers ---------------------------------------------------------------------------


def preview_public(preview: Preview, approvals: ApprovalsPublic) -> ActionPreviewPublic:
    plan = preview.plan
    document = preview.to_json()
    return ActionPreviewPublic(
        type=plan.action_type,
        type_label=ACTION_LABELS[plan.action_type],
        params=plan.params,
        company=plan.company,
        warehouse=plan.warehouse,
        subject=plan.subject,
        subject_link=plan.subject_link,
        orders=[OrderChangePublic.model_validate(o, from_attributes=True) for o in preview.orders],
        cases=[CaseChangePublic.model_validate(c, from_attributes=True) for c in preview.cases],
        summary=list(preview.summary),
        approvals=approvals,
        plan=document.get("plan", {}),
    )


def _summary_fields(action: StoredAction) -> dict[str, object]:
    action_type = ActionType(action.action_type)
    state = ActionState(action.state)
    remaining = action.approvals_needed - action.approvals_given
    return {
        "id": action.id,
        "company": action.company,
        "warehouse": action.warehouse,
        "action_type": action_type,
        "action_type_label": ACTION_LABELS[action_type],
        "params": action.params,
        "subject": action.subject,
        "subject_link": action.subject_link,
        "reason_code": action.reason_code,
        "note": action.note,
        "state": state,
        "state_label": state.value.replace("_", " ").capitalize(),
        "approvals_needed": action.approvals_needed,
        "approvals_given": action.approvals_given,
        "approvals_remaining": max(0, remaining) if state is ActionState.AWAITING_APPROVAL else 0,
        "approver_roles": list(action.approver_roles),
        "approver_team": action.approver_team,
        "rule": action.rule,
        "evidence_required": list(action.evidence_required),
        "evidence_missing": list(action.evidence_missing),
        "requested_by": action.requested_by,
        "requested_at": action.requested_at,
        "expires_at": action.expires_at,
        "decided_at": action.decided_at,
        "executed_at": action.executed_at,
        "executed_by": action.executed_by,
        "erp_state": action.erp_state,
        "case_id": action.case_id,
        "decisions": [
            DecisionPublic(
                login=d.login,
                role=d.role,
                decision=d.decision,
                note=d.note,
                decided_at=d.decided_at,
            )
            for d in action.decisions
        ],
        "links": ActionLinksPublic.model_validate(
            {
                "self": f"/api/actions/{action.id}",
                "subject": action.subject_link,
                "evidence": f"/api/actions/{action.id}/evidence",
            }
        ),
    }


def action_public(action: StoredAction) -> ActionPublic:
    """A stored request as the API answers it."""
    return ActionPublic.model_validate({**_summary_fields(action), "preview": action.preview})


def action_summary(action: StoredAction) -> ActionSummaryPublic:
    """A stored request as a list shows it (without its stored preview)."""
    return ActionSummaryPublic.model_validate(_summary_fields(action))


# --- Routes ----------------------------------------------------------------------------


@router.post(
    "/preview",
    response_model=ActionPreviewPublic,
    summary="What an action would change",
    dependencies=[Depends(require(Permission.REQUEST_ACTIONS))],
)
def preview_action(
    session: SessionDep, scope: ScannedScopeDep, principal: PrincipalDep, body: ActionPreviewIn
) -> ActionPreviewPublic:
    """The orders whose allocation, status or projected date would change, the cases
    that would open or clear, a summary in sentences and the approvals a request would
    need; nothing is written (``request_actions``)."""
    try:
        found = action_commands.preview(
            session, scope, principal, body.type.value, body.params, now=request_now()
        )
        needs = action_commands.approval_requirement(session, found.plan)
    except REFUSALS as error:
        raise refusal(error) from error
    approvals = ApprovalsPublic.model_validate(needs.to_json())
    return preview_public(found, approvals)


@router.post(
    "",
    status_code=201,
    response_model=ActionPublic,
    summary="Ask for an action",
    dependencies=[Depends(require(Permission.REQUEST_ACTIONS))],
)
def request_action(
    request: Request,
    response: Response,
    session: SessionDep,
    scope: ScannedScopeDep,
    principal: PrincipalDep,
    body: ActionRequestIn,
) -> ActionPublic:
    """Ask for the action with a reason code and a note (``request_actions``): executed
    at once when the policy asks for no approval, else awaiting the approvals it names."""
    try:
        stored = action_commands.request_action(
            session,
            scope,
            principal,
            body.type.value,
            body.params,
            reason_code=body.reason_code.value,
            note=body.note,
            now=request_now(),
            request_id=request_id(request),
            case_id=body.case_id,
        )
    except REFUSALS as error:
        raise refusal(error) from error
    response.headers["Location"] = f"/api/actions/{stored.id}"
    return action_public(stored)


@router.get("", response_model=ActionListPublic, summary="Requests, filtered, a page at a time")
def list_actions(
    session: SessionDep,
    scope: ScopeDep,
    principal: PrincipalDep,
    page: Annotated[int, Query(ge=1, description="Which page, from 1.")] = 1,
    page_size: Annotated[
        int,
        Query(ge=1, le=MAX_ACTION_PAGE, description=f"Requests per page (1 to {MAX_ACTION_PAGE})."),
    ] = DEFAULT_PAGE_SIZE,
    state: Annotated[list[ActionState] | None, Query(description="States.")] = None,
    action_type: Annotated[
        list[ActionType] | None, Query(alias="type", description="Action types.")
    ] = None,
    mine: Annotated[bool, Query(description="Only the requests you asked for.")] = False,
    awaiting_me: Annotated[
        bool, Query(description="Only the open requests you may decide.")
    ] = False,
    subject: Annotated[
        str | None,
        Query(min_length=1, max_length=300, description="What it acts on, e.g. order SO1001."),
    ] = None,
) -> ActionListPublic:
    """A page of the requests you can see, newest first; ``total`` counts them all."""
    rows, total = action_commands.list_actions(
        session,
        scope,
        principal,
        states=[s.value for s in state or ()],
        types=[t.value for t in action_type or ()],
        mine=mine,
        awaiting_me=awaiting_me,
        subject=subject,
        page=page,
        size=page_size,
    )
    return ActionListPublic(
        items=[action_summary(row) for row in rows],
        total=total,
        page=page,
        page_size=page_size,
        last_page=max(1, -(-total // page_size)),
    )


ActionIdPath = Annotated[int, Path(ge=1, description="The request's id.")]


@router.get("/{action_id}", response_model=ActionPublic, summary="One request")
def get_action(
    session: SessionDep, scope: ScopeDep, principal: PrincipalDep, action_id: ActionIdPath
) -> ActionPublic:
    """The request with its decisions and the preview shown when it was asked for."""
    try:
        found = action_commands.get_action(session, scope, principal, action_id)
    except REFUSALS as error:
        raise refusal(error) from error
    return action_public(found)


def _decided(
    session: Session,
    scope: PictureScope,
    principal: Principal,
    action_id: int,
    request: Request,
    *,
    approve: bool,
    note: str,
) -> ActionPublic:
    decide = action_commands.approve if approve else action_commands.reject
    try:
        stored = decide(
            session,
            scope,
            principal,
            action_id,
            note=note,
            now=request_now(),
            request_id=request_id(request),
        )
    except REFUSALS as error:
        raise refusal(error) from error
    return action_public(stored)


@router.post(
    "/{action_id}/approve",
    response_model=ActionPublic,
    summary="Approve a request",
    dependencies=[Depends(require(Permission.APPROVE_ACTIONS))],
)
def approve_action(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    principal: PrincipalDep,
    action_id: ActionIdPath,
    body: Annotated[ApproveIn | None, Body()] = None,
) -> ActionPublic:
    """Approve another person's request (``approve_actions``, in a role and team its rule
    names): the last approval it needs executes it."""
    note = body.note if body is not None else ""
    return _decided(session, scope, principal, action_id, request, approve=True, note=note)


@router.post(
    "/{action_id}/reject",
    response_model=ActionPublic,
    summary="Reject a request",
    dependencies=[Depends(require(Permission.APPROVE_ACTIONS))],
)
def reject_action(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    principal: PrincipalDep,
    action_id: ActionIdPath,
    body: RejectIn,
) -> ActionPublic:
    """Reject another person's request, saying why (``approve_actions``)."""
    return _decided(session, scope, principal, action_id, request, approve=False, note=body.note)


@router.post("/{action_id}/cancel", response_model=ActionPublic, summary="Withdraw a request")
def cancel_action(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    principal: PrincipalDep,
    action_id: ActionIdPath,
) -> ActionPublic:
    """Withdraw a request still awaiting approval."""
    try:
        stored = action_commands.cancel(
            session, scope, principal, action_id, now=request_now(), request_id=request_id(request)
        )
    except REFUSALS as error:
        raise refusal(error) from error
    return action_public(stored)
