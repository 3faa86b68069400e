"""Governed actions as commands: preview, request, approve, reject, cancel, expire.

The API and the pages both carry out governed actions through these functions, so a
page never decides differently from an endpoint. Each state-changing function checks
who may do it, works in one transaction and commits; its audit entries are written in
that transaction (``storage/audit.py``), so a change is never without its entry and an
entry never without its change. Nothing is written when it raises, with one exception:
a request found past its expiry when somebody acts on it is expired (and audited)
before the refusal is raised, as the worker would have done.

Errors, for the caller to word as it likes:

- :class:`ActionNotFoundError` (404): a request that is missing or outside the person's
  scope (the same message either way, so scope cannot be probed);
- ``api.case_commands.ActionForbiddenError`` (403) naming the permission the person's
  role lacks; :class:`ApprovalForbiddenError` (403): their own request, a role or team
  the rule does not name, a type the policy does not let their role ask for;
- :class:`ActionConflictError` (409): a decided (or expired) request, a second decision
  by the same person, a request that cannot be cancelled;
  :class:`EvidenceMissingError` (409) naming the evidence the rule still needs;
- ``domain.actions.ActionParamError`` (422) naming the parameter that is wrong.

Taking turns: approving may execute, and executing changes the stored picture and
rescans it, so a decision takes the turns a stored scan takes, in the same order (the
picture's turn, then the cases'), before it reads the request under its row lock
(``storage/actions.lock_action``). Two people deciding at the same moment therefore
decide one after the other, the second reading what the first wrote: exactly one
outcome. Audit entries are appended last, after every other lock is held.

Execution re-plans the action against the picture as it is now (it may have changed
since the request); when the picture no longer allows it the request ends ``failed``
with the reason. Otherwise the edits are written into the stored picture
(``storage/picture_edits.py``), the picture is rescanned as of its latest scan so
pages show the change at once, the request is marked awaiting confirmation from the
ERP and one row is queued in the ERP outbox (``storage/erp_outbox.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session

from controltower.api.case_commands import ActionForbiddenError
from controltower.api.scope import PictureScope
from controltower.domain import case_actions
from controltower.domain.action_plans import ActionPlan, plan_action
from controltower.domain.actions import (
    ACTION_LABELS,
    ActionParamError,
    ActionReason,
    ActionState,
    ActionType,
    ErpState,
)
from controltower.domain.approvals import (
    ActionConflictError,
    ActionNotFoundError,
    ApprovalForbiddenError,
    ApprovalRequirement,
    EvidenceMissingError,
    Verdict,
    check_decision,
    check_open,
    check_requester,
    may_decide,
    requirement,
    state_after,
)
from controltower.domain.audit import SYSTEM, Actor, AuditRecord
from controltower.domain.errors import DatasetConflictError
from controltower.domain.people import Permission, Principal, Role
from controltower.domain.picture_edits import edits_to_json
from controltower.domain.tables import DatasetTables
from controltower.policy import Policy
from controltower.policy.in_force import policy_in_force
from controltower.storage.actions import (
    ActionFilters,
    Decision,
    LockedAction,
    NewAction,
    StoredAction,
    find_action,
    insert_action,
    lock_action,
    record_decision,
    update_action,
)
from controltower.storage.actions import list_actions as list_stored_actions
from controltower.storage.audit import append_audit
from controltower.storage.case_actions import act_on_case, find_visible_case
from controltower.storage.cases import serialise_case_reconciliation
from controltower.storage.database import take_sqlite_write_turn
from controltower.storage.erp_outbox import queue_for_erp
from controltower.storage.evidence import (
    EvidenceLink,
    action_evidence,
    attach_to_action,
    kinds_attached,
    store_blob,
)
from controltower.storage.picture_columns import load_picture_tables
from controltower.storage.picture_edits import apply_to_stored_picture, edit_values
from controltower.storage.picture_store import SqlPictureStore
from controltower.storage.repository import (
    PictureNotFoundError,
    latest_scan_run,
    picture_id_for_company,
    take_picture_turn,
)
from controltower.workflow.action_preview import Preview, preview_action
from controltower.workflow.stored_scan import run_stored_scan

__all__ = [
    "ActionConflictError",
    "ActionForbiddenError",
    "ActionNotFoundError",
    "ActionParamError",
    "ApprovalForbiddenError",
    "ApprovalRequirement",
    "Decision",
    "EvidenceMissingError",
    "StoredAction",
    "action_files",
    "approval_needed",
    "approval_requirement",
    "approve",
    "attach_file",
    "can_cancel",
    "can_decide",
    "cancel",
    "expire_due",
    "get_action",
    "list_actions",
    "preview",
    "reject",
    "request_action",
]

#: the field that names what each action type acts on (an answer about scope names it)
_SUBJECT_FIELDS: Final[dict[ActionType, str]] = {
    ActionType.CHANGE_PROMISED_DATE: "order_id",
    ActionType.SPLIT_SHIPMENT: "order_id",
    ActionType.TRANSFER_STOCK: "to_warehouse",
    ActionType.RELEASE_CREDIT_HOLD: "customer",
    ActionType.OVERRIDE_PRICE: "order_id",
    ActionType.AUTHORISE_RETURN: "rma_id",
    ActionType.ADJUST_INVENTORY: "warehouse",
    ActionType.BYPASS_QUALITY: "warehouse",
}


# --- preview ---------------------------------------------------------------------------------


def preview(
    session: Session,
    scope: PictureScope,
    principal: Principal,
    action_type: str,
    params: Mapping[str, Any],
    *,
    now: datetime,
    policy: Policy | None = None,
) -> Preview:
    """What the action would change, recomputed in full on the picture; writes nothing.

    Needs ``request_actions`` (and a role the policy lets ask for the type).
    """
    policy = policy or policy_in_force()
    kind = _may_request(policy, principal, action_type)
    tables = load_picture_tables(session, scope.picture_id)
    as_of = _as_of(scope, now)
    plan = _plan(tables, kind, params, as_of=as_of, policy=policy)
    _within_scope(plan, kind, scope, principal)
    return preview_action(tables, plan, as_of=as_of, policy=policy)


def approval_requirement(
    _session: Session, plan: ActionPlan, *, policy: Policy | None = None
) -> ApprovalRequirement:
    """What a request of ``plan`` would need under the policy in force."""
    rules = (policy or policy_in_force()).approvals.to_domain()
    return requirement(rules, plan.action_type, plan.facts)


def approval_needed(
    session: Session,
    _scope: PictureScope,
    _principal: Principal,
    plan: ActionPlan,
    *,
    policy: Policy | None = None,
) -> ApprovalRequirement:
    """:func:`approval_requirement`, as the pages ask for it."""
    return approval_requirement(session, plan, policy=policy)


# --- request ---------------------------------------------------------------------------------


def request_action(
    session: Session,
    scope: PictureScope,
    principal: Principal,
    action_type: str,
    params: Mapping[str, Any],
    *,
    reason_code: str,
    note: str,
    now: datetime,
    request_id: str | None,
    case_id: str | None = None,
    policy: Policy | None = None,
) -> StoredAction:
    """Ask for the action and commit: stored awaiting the approvals the policy names, or
    executed at once when it names none. The preview shown is stored with it."""
    policy = policy or policy_in_force()
    kind = _may_request(policy, principal, action_type)
    reason = _reason(reason_code)
    if (
        case_id is not None
        and find_visible_case(session, scope.companies, case_id, scope.visible) is None
    ):
        raise ActionParamError("case_id", f"no case {case_id!r} is filed under {_list(scope)}")
    shown = preview(session, scope, principal, kind.value, params, now=now, policy=policy)
    plan = shown.plan
    needs = requirement(policy.approvals.to_domain(), kind, plan.facts)
    document = {
        **shown.to_json(),
        "subject_link": plan.subject_link,
        "approvals": needs.to_json(),
    }
    new = NewAction(
        company=plan.company,
        warehouse=plan.warehouse,
        action_type=kind.value,
        params=plan.params,
        subject=plan.subject,
        reason_code=reason.value,
        note=note.strip(),
        state=ActionState.AWAITING_APPROVAL,
        requirement=needs,
        edits=edits_to_json(plan.edits),
        preview=document,
        requested_by=principal.user_id,
        requested_at=now,
        expires_at=now + timedelta(hours=policy.approvals.expiry_hours) if needs.needed else None,
        case_id=case_id,
    )
    # A fresh transaction: the writes below wait for their turn as its first statements.
    session.commit()
    try:
        if not needs.needed:
            _take_turns(session)
        action_id = insert_action(session, new)
        trail = _Trail(
            [
                _record(
                    Actor.of(principal),
                    "action.request",
                    action_id,
                    new.company,
                    now=now,
                    request_id=request_id,
                    new={"type": kind.value, "params": plan.params, "subject": plan.subject},
                    reason=_reason_text(reason.value, new.note),
                )
            ]
        )
        if not needs.needed:
            locked = _locked(session, action_id)
            _execute(
                session, locked, principal, trail, now=now, request_id=request_id, policy=policy
            )
        _append(session, trail)
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return _read(session, action_id)


# --- decisions -------------------------------------------------------------------------------


def approve(
    session: Session,
    scope: PictureScope,
    principal: Principal,
    action_id: int,
    *,
    note: str,
    now: datetime,
    request_id: str | None,
    policy: Policy | None = None,
) -> StoredAction:
    """Approve the request and commit; the approval that completes the count executes it
    in the same transaction (see the module's note)."""
    return _decide(
        session,
        scope,
        principal,
        action_id,
        "approve",
        note=note,
        now=now,
        request_id=request_id,
        policy=policy,
    )


def reject(
    session: Session,
    scope: PictureScope,
    principal: Principal,
    action_id: int,
    *,
    note: str,
    now: datetime,
    request_id: str | None,
    policy: Policy | None = None,
) -> StoredAction:
    """Reject the request and commit: one rejection decides it."""
    return _decide(
        session,
        scope,
        principal,
        action_id,
        "reject",
        note=note,
        now=now,
        request_id=request_id,
        policy=policy,
    )


def _decide(
    session: Session,
    scope: PictureScope,
    principal: Principal,
    action_id: int,
    verdict: Verdict,
    *,
    note: str,
    now: datetime,
    request_id: str | None,
    policy: Policy | None,
) -> StoredAction:
    if not principal.may(Permission.APPROVE_ACTIONS):
        raise ActionForbiddenError(principal, Permission.APPROVE_ACTIONS)
    policy = policy or policy_in_force()
    session.commit()
    try:
        _take_turns(session)
        locked = _locked_in_scope(session, scope, action_id)
        _expire_if_due(session, locked, now=now)
        pending = locked.pending()
        attached = kinds_attached(session, action_id) if verdict == "approve" else set()
        check_decision(pending, principal, verdict, attached=attached)
        record_decision(session, action_id, principal, decision=verdict, note=note.strip(), at=now)
        after = state_after(pending, verdict)
        trail = _Trail([_decision_record(locked, principal, verdict, after, note, now, request_id)])
        if after is ActionState.REJECTED:
            update_action(session, action_id, state=after.value, decided_at=now)
        elif after is ActionState.EXECUTED:
            _execute(
                session, locked, principal, trail, now=now, request_id=request_id, policy=policy
            )
        _append(session, trail)
    except _Expired as expired:
        session.commit()
        raise expired.refusal from None
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return _read(session, action_id)


def cancel(
    session: Session,
    scope: PictureScope,
    principal: Principal,
    action_id: int,
    *,
    now: datetime,
    request_id: str | None,
) -> StoredAction:
    """Withdraw a request still awaiting approval and commit: only the person who asked
    for it (or an administrator) may."""
    if not principal.may(Permission.REQUEST_ACTIONS):
        raise ActionForbiddenError(principal, Permission.REQUEST_ACTIONS)
    session.commit()
    try:
        take_sqlite_write_turn(session.connection(), work="cancelling the request")
        locked = _locked_in_scope(session, scope, action_id)
        _expire_if_due(session, locked, now=now)
        check_open(locked.pending(), "cancel it")
        if locked.requester_id != principal.user_id and principal.role is not Role.ADMINISTRATOR:
            raise ApprovalForbiddenError(
                f"only {locked.action.requested_by}, who asked for request {action_id}, "
                "may cancel it"
            )
        update_action(session, action_id, state=ActionState.CANCELLED.value, decided_at=now)
        cancelled = _state_record(
            Actor.of(principal),
            "action.cancel",
            locked.action,
            ActionState.CANCELLED,
            now=now,
            request_id=request_id,
        )
        _append(session, _Trail([cancelled]))
    except _Expired as expired:
        session.commit()
        raise expired.refusal from None
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return _read(session, action_id)


# --- reading ---------------------------------------------------------------------------------


def get_action(
    session: Session, scope: PictureScope, principal: Principal, action_id: int
) -> StoredAction:
    """One request the person may see; :class:`ActionNotFoundError` otherwise."""
    if not principal.may(Permission.VIEW):
        raise ActionForbiddenError(principal, Permission.VIEW)
    found = find_action(session, action_id, companies=scope.companies, visible=scope.visible)
    if found is None:
        raise ActionNotFoundError(_not_found(scope, action_id))
    return found


def list_actions(
    session: Session,
    scope: PictureScope,
    principal: Principal,
    *,
    states: Sequence[str] = (),
    types: Sequence[str] = (),
    mine: bool = False,
    awaiting_me: bool = False,
    subject: str | None = None,
    page: int = 1,
    size: int = 25,
) -> tuple[list[StoredAction], int]:
    """A page of the requests the person may see, newest first, and how many match."""
    if not principal.may(Permission.VIEW):
        raise ActionForbiddenError(principal, Permission.VIEW)
    filters = ActionFilters(
        states=tuple(states),
        types=tuple(types),
        requested_by=principal.user_id if mine else None,
        awaiting=principal if awaiting_me else None,
        subject=subject or None,
    )
    return list_stored_actions(
        session,
        companies=scope.companies,
        visible=scope.visible,
        filters=filters,
        page=page,
        size=size,
    )


def can_decide(action: StoredAction, principal: Principal) -> bool:
    """Whether ``principal`` may approve or reject ``action`` now (evidence aside): what
    a page asks before it shows the buttons."""
    if not principal.may(Permission.APPROVE_ACTIONS) or action.requested_by == principal.login:
        return False
    decided = {decision.login for decision in action.decisions}
    # the requester's id is not on the action: -1 never matches a person, the login did
    pending = action.pending(-1, [principal.user_id] if principal.login in decided else [])
    return may_decide(pending, principal)


def can_cancel(action: StoredAction, principal: Principal) -> bool:
    """Whether ``principal`` may cancel ``action`` now."""
    if action.state != ActionState.AWAITING_APPROVAL.value:
        return False
    return principal.may(Permission.REQUEST_ACTIONS) and (
        action.requested_by == principal.login or principal.role is Role.ADMINISTRATOR
    )


# --- evidence ---------------------------------------------------------------------------------


def attach_file(
    session: Session,
    scope: PictureScope,
    principal: Principal,
    action_id: int,
    *,
    kind: str,
    filename: str,
    content: bytes,
    now: datetime,
    request_id: str | None,
    max_bytes: int,
) -> EvidenceLink:
    """Attach a file to a request the person may see and commit, with its audit entry
    (``evidence.attach``). Needs ``request_actions``; the storage's evidence errors
    (type, size, empty file) and :class:`ActionParamError` for a kind that is not one
    propagate with nothing written."""
    from controltower.domain.actions import EvidenceKind

    if not principal.may(Permission.REQUEST_ACTIONS):
        raise ActionForbiddenError(principal, Permission.REQUEST_ACTIONS)
    if kind not in {k.value for k in EvidenceKind}:
        kinds = ", ".join(k.value for k in EvidenceKind)
        raise ActionParamError("kind", f"{kind!r} is not a kind of evidence; one of {kinds}")
    found = get_action(session, scope, principal, action_id)
    session.commit()
    try:
        blob = store_blob(session, content, now=now, max_bytes=max_bytes)
        link = attach_to_action(
            session,
            blob,
            action_id=action_id,
            kind=kind,
            filename=filename,
            uploaded_by=principal.user_id,
            now=now,
        )
        append_audit(
            session,
            AuditRecord.by(
                Actor.of(principal),
                at=now,
                action="evidence.attach",
                subject_type="action",
                subject_id=str(action_id),
                scope_company=found.company,
                new={
                    "evidence_id": link.id,
                    "sha256": link.sha256,
                    "size": link.size,
                    "content_type": link.content_type,
                    "kind": link.kind,
                    "filename": link.filename,
                },
                request_id=request_id,
            ),
        )
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return link


def action_files(session: Session, action_id: int) -> list[EvidenceLink]:
    """The files attached to a request (the caller read the request in scope first)."""
    return action_evidence(session, action_id)


# --- expiry ---------------------------------------------------------------------------------


def expire_due(session: Session, *, now: datetime) -> int:
    """Expire every request still awaiting approval past its time, each with its audit
    entry (``action.expire``, by the system), and commit; how many expired."""
    from controltower.storage.actions import due_for_expiry

    session.commit()
    expired = 0
    try:
        take_sqlite_write_turn(session.connection(), work="expiring requests")
        for action_id in due_for_expiry(session, now=now):
            locked = lock_action(session, action_id)
            if locked is not None and _expire(session, locked, now=now):
                expired += 1
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return expired


class _Expired(Exception):
    """The request acted on had expired; carries the refusal to raise once committed."""

    def __init__(self, refusal: ActionConflictError) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal


def _expire_if_due(session: Session, locked: LockedAction, *, now: datetime) -> None:
    if _expire(session, locked, now=now):
        raise _Expired(
            ActionConflictError(
                f"request {locked.action.id} expired at {_moment(locked.action.expires_at)} "
                "before anybody decided it: nobody can act on it any more; ask again"
            )
        )


def _expire(session: Session, locked: LockedAction, *, now: datetime) -> bool:
    action = locked.action
    due = action.expires_at is not None and action.expires_at <= now
    if action.state != ActionState.AWAITING_APPROVAL.value or not due:
        return False
    update_action(session, action.id, state=ActionState.EXPIRED.value, decided_at=now)
    expired = _state_record(
        SYSTEM,
        "action.expire",
        action,
        ActionState.EXPIRED,
        now=now,
        request_id=None,
        reason=f"nobody decided it by {_moment(action.expires_at)}",
    )
    _append(session, _Trail([expired]))
    return True


# --- execution --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Picture:
    """The stored picture an action is executed on."""

    picture_id: int
    tables: DatasetTables
    as_of: date
    scanned: bool


def _execute(
    session: Session,
    locked: LockedAction,
    actor: Principal,
    trail: _Trail,
    *,
    now: datetime,
    request_id: str | None,
    policy: Policy,
) -> None:
    """Execute the approved request (see the module's note); the caller holds the turns
    and appends ``trail`` (to which the execution's entries are added) last."""
    action = locked.action
    try:
        picture = _picture_of(session, action.company, now)
        plan = _plan(
            picture.tables,
            ActionType(action.action_type),
            action.params,
            as_of=picture.as_of,
            policy=policy,
        )
        with session.begin_nested():
            apply_to_stored_picture(session, picture.picture_id, picture.tables, plan.edits)
    except (ActionParamError, DatasetConflictError, PictureNotFoundError) as refused:
        update_action(session, action.id, state=ActionState.FAILED.value, decided_at=now)
        trail.records.append(
            _state_record(
                Actor.of(actor),
                "action.fail",
                action,
                ActionState.FAILED,
                now=now,
                request_id=request_id,
                reason=f"the picture no longer allows it: {refused}",
            )
        )
        return
    update_action(
        session,
        action.id,
        state=ActionState.EXECUTED.value,
        decided_at=now,
        executed_at=now,
        executed_by=actor.user_id,
        erp_state=ErpState.AWAITING_CONFIRMATION.value,
        edits=edits_to_json(plan.edits),
    )
    if picture.scanned:
        # after the state: an executed price override is one the scan leaves be
        store = SqlPictureStore(session, picture.picture_id)
        run_stored_scan(store, as_of=picture.as_of, policy=policy, now=now)
    queue_for_erp(
        session,
        action_id=action.id,
        company=action.company,
        operation=plan.erp_operation,
        payload=plan.erp_payload,
        now=now,
    )
    old, new = edit_values(plan.edits)
    trail.records.append(
        _record(
            Actor.of(actor),
            "action.execute",
            action.id,
            action.company,
            now=now,
            request_id=request_id,
            old=old,
            new=new,
            reason=action.rule,
        )
    )
    trail.after.append(
        lambda: _note_on_case(
            session, picture.picture_id, action, actor, now=now, request_id=request_id
        )
    )


def _picture_of(session: Session, company: str, now: datetime) -> _Picture:
    picture_id = picture_id_for_company(session, company)
    scan = latest_scan_run(session, picture_id)
    return _Picture(
        picture_id=picture_id,
        tables=load_picture_tables(session, picture_id),
        as_of=scan.as_of if scan is not None else now.date(),
        scanned=scan is not None,
    )


def _note_on_case(
    session: Session,
    picture_id: int,
    action: StoredAction,
    actor: Principal,
    *,
    now: datetime,
    request_id: str | None,
) -> None:
    """A comment on the case the action was asked from, saying it was executed."""
    if action.case_id is None:
        return
    label = ACTION_LABELS.get(ActionType(action.action_type), action.action_type)
    text = f"Action {action.id} executed: {label} ({action.subject})."
    companies = (action.company,)
    act_on_case(
        session,
        picture_id=picture_id,
        companies=companies,
        case_id=action.case_id,
        visible=actor.scope,
        action=lambda case: case_actions.comment(case, text=text, by=actor.login, at=now),
        actor=actor,
        request_id=request_id,
    )


# --- helpers ------------------------------------------------------------------------------------


def _take_turns(session: Session) -> None:
    """The turns a stored scan takes, in its order: the picture's, then the cases'."""
    take_picture_turn(session, work="the action")
    serialise_case_reconciliation(session)


def _may_request(policy: Policy, principal: Principal, action_type: str) -> ActionType:
    if not principal.may(Permission.REQUEST_ACTIONS):
        raise ActionForbiddenError(principal, Permission.REQUEST_ACTIONS)
    try:
        kind = ActionType(action_type)
    except ValueError:
        known = ", ".join(t.value for t in ActionType)
        raise ActionParamError(
            "type", f"{action_type!r} is not an action; one of {known}"
        ) from None
    check_requester(policy.approvals.to_domain(), kind, principal)
    return kind


def _reason(reason_code: str) -> ActionReason:
    try:
        return ActionReason(reason_code)
    except ValueError:
        known = ", ".join(r.value for r in ActionReason)
        raise ActionParamError(
            "reason_code", f"{reason_code!r} is not a reason code; one of {known}"
        ) from None


def _plan(
    tables: DatasetTables,
    kind: ActionType,
    params: Mapping[str, Any],
    *,
    as_of: date,
    policy: Policy,
) -> ActionPlan:
    return plan_action(tables, kind, params, as_of=as_of, allocation=policy.allocation.to_domain())


def _within_scope(
    plan: ActionPlan, kind: ActionType, scope: PictureScope, principal: Principal
) -> None:
    """Refuse a plan about a company or warehouse the person may not see, on the field
    naming what it acts on."""
    if plan.company in scope.companies and principal.sees(plan.company, plan.warehouse):
        return
    raise ActionParamError(
        _SUBJECT_FIELDS[kind],
        f"{plan.subject} is outside what you may act on ({principal.scope.describe()})",
    )


def _as_of(scope: PictureScope, now: datetime) -> date:
    """The day actions are planned for: the latest scan's, else today."""
    return scope.scan.as_of if scope.scan is not None else now.date()


def _locked(session: Session, action_id: int) -> LockedAction:
    locked = lock_action(session, action_id)
    assert locked is not None, "the request was written in this transaction"
    return locked


def _locked_in_scope(session: Session, scope: PictureScope, action_id: int) -> LockedAction:
    locked = lock_action(session, action_id, companies=scope.companies, visible=scope.visible)
    if locked is None:
        raise ActionNotFoundError(_not_found(scope, action_id))
    return locked


def _read(session: Session, action_id: int) -> StoredAction:
    found = find_action(session, action_id)
    assert found is not None, "the request was just written"
    return found


def _not_found(scope: PictureScope, action_id: int) -> str:
    return f"no action request {action_id} is filed under {_list(scope)}"


def _list(scope: PictureScope) -> str:
    return ", ".join(scope.companies)


def _reason_text(code: str, note: str) -> str:
    return f"{code}: {note}" if note else code


def _moment(moment: datetime | None) -> str:
    return moment.isoformat(timespec="minutes") if moment is not None else "its expiry"


def _record(
    actor: Actor,
    verb: str,
    action_id: int,
    company: str,
    *,
    now: datetime,
    request_id: str | None,
    old: Any = None,
    new: Any = None,
    reason: str | None = None,
) -> AuditRecord:
    return AuditRecord.by(
        actor,
        at=now,
        action=verb,
        subject_type="action",
        subject_id=str(action_id),
        scope_company=company,
        old=old,
        new=new,
        reason=reason,
        request_id=request_id,
    )


@dataclass
class _Trail:
    """The audit entries of one command, appended last of all its writes (see the module's
    note), and what is done after them (a note on a case, which writes its own entry)."""

    records: list[AuditRecord]
    after: list[Callable[[], None]] = field(default_factory=list)


def _append(session: Session, trail: _Trail) -> None:
    for record in trail.records:
        append_audit(session, record)
    for then in trail.after:
        then()


def _decision_record(
    locked: LockedAction,
    principal: Principal,
    verdict: Verdict,
    after: ActionState,
    note: str,
    now: datetime,
    request_id: str | None,
) -> AuditRecord:
    action = locked.action
    given = action.approvals_given + (1 if verdict == "approve" else 0)
    return _record(
        Actor.of(principal),
        f"action.{verdict}",
        action.id,
        action.company,
        now=now,
        request_id=request_id,
        old={"state": action.state, "approvals_given": action.approvals_given},
        new={"state": after.value, "approvals_given": given},
        reason=note.strip() or None,
    )


def _state_record(
    actor: Actor,
    verb: str,
    action: StoredAction,
    state: ActionState,
    *,
    now: datetime,
    request_id: str | None,
    reason: str | None = None,
) -> AuditRecord:
    return _record(
        actor,
        verb,
        action.id,
        action.company,
        now=now,
        request_id=request_id,
        old={"state": action.state},
        new={"state": state.value},
        reason=reason,
    )
