"""Governed actions in the browser: the list of requests, one request, deciding on it.

The form that asks for an action and previews it lives in ``web/action_form_pages.py``
and the words both share in ``web/action_display.py``. The request's page
(``/actions/{id}``) says where a request stands, what it changes (the preview as it
was when asked), who decided and with which files, and offers the signed-in person
what they may do: approve or reject, cancel their own request, attach a file.
``/actions`` lists the requests, by default those waiting for the visitor's decision.

Every form carries the session's CSRF token and runs the same service as the API
(``api/action_commands.py``), so a page never decides differently from an endpoint.
A decision refused (self-approval, a request decided already, evidence missing) comes
back as a notice on the request's page, never a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from controltower.api import action_commands
from controltower.api.action_commands import (
    ActionNotFoundError,
    ApprovalForbiddenError,
    StoredAction,
)
from controltower.api.auth import Authenticated, VisitorDep, request_now, require_on_page
from controltower.api.deps import SessionDep
from controltower.api.request_ids import request_id
from controltower.api.routes.evidence import bounded_body
from controltower.api.scope import PictureScope
from controltower.domain.actions import (
    ACTION_LABELS,
    ActionReason,
    ActionState,
    ActionType,
    EvidenceKind,
)
from controltower.domain.approvals import ActionConflictError, PendingRequest, check_decision
from controltower.domain.errors import DomainError
from controltower.domain.people import Permission, Principal
from controltower.storage.evidence import EvidenceError, EvidenceTooLargeError, EvidenceTypeError
from controltower.web import action_buttons
from controltower.web.action_display import (
    EVIDENCE_LABELS,
    REASON_LABELS,
    STATE_LABELS,
    action_link,
    preview_shown,
    read_done,
    refusal,
    sentence,
    state_notice,
)
from controltower.web.assets import TEMPLATES
from controltower.web.page_support import (
    QueryReading,
    blank_is_none,
    company_query,
    last_page,
    linker,
    list_status,
    not_found,
    pager_for,
    scope_or_notice,
    within_last,
)

router = APIRouter(include_in_schema=False)

#: requests per page of /actions
ACTIONS_PER_PAGE: Final = 25

Viewer = Annotated[Authenticated, Depends(require_on_page(Permission.VIEW))]
Requester = Annotated[Authenticated, Depends(require_on_page(Permission.REQUEST_ACTIONS))]


# --- The list ---------------------------------------------------------------------------


class Show(StrEnum):
    """Which requests the list shows."""

    WAITING = "waiting"
    MINE = "mine"
    ALL = "all"


SHOW_LABELS: Final[dict[Show, str]] = {
    Show.WAITING: "Waiting for me",
    Show.MINE: "Asked by me",
    Show.ALL: "All requests",
}


def default_show(principal: Principal) -> Show:
    """Approvers land on what waits for them, requesters on their own requests."""
    if principal.may(Permission.APPROVE_ACTIONS):
        return Show.WAITING
    if principal.may(Permission.REQUEST_ACTIONS):
        return Show.MINE
    return Show.ALL


@dataclass(frozen=True, slots=True)
class ListAsked:
    show: Show
    state: ActionState | None
    action_type: ActionType | None
    subject: str | None
    number: int

    def base(self, company: str | None, principal: Principal) -> dict[str, str]:
        """The query that keeps this list (defaults left out)."""
        query = dict(company_query(company))
        if self.show is not default_show(principal):
            query["show"] = self.show.value
        if self.state is not None:
            query["state"] = self.state.value
        if self.action_type is not None:
            query["type"] = self.action_type.value
        if self.subject:
            query["subject"] = self.subject
        return query


def read_list_query(
    reading: QueryReading, principal: Principal, query: Mapping[str, str]
) -> ListAsked:
    show = reading.choice(
        Show, query.get("show"), "list of requests", SHOW_LABELS, parameter="show"
    )
    state = reading.choice(
        ActionState, query.get("state"), "state of a request", STATE_LABELS, parameter="state"
    )
    action_type = reading.choice(
        ActionType, query.get("type"), "kind of action", ACTION_LABELS, parameter="type"
    )
    subject = reading.text(query.get("subject"), "subject", parameter="subject")
    return ListAsked(
        show=show or default_show(principal),
        state=state,
        action_type=action_type,
        subject=subject,
        number=reading.page_number(query.get("page")),
    )


@router.get("/actions", response_class=HTMLResponse)
def actions_page(
    request: Request,
    session: SessionDep,
    visitor: Viewer,
    company: str | None = None,
) -> HTMLResponse:
    """The requests, a page at a time, newest first: by default those waiting for the
    visitor's decision (an approver) or their own (a requester)."""
    company = blank_is_none(company)
    principal = visitor.principal
    scope = scope_or_notice(request, session, company, "actions", principal)
    if isinstance(scope, HTMLResponse):
        return scope
    reading = QueryReading()
    asked = read_list_query(reading, principal, request.query_params)

    def read(number: int) -> tuple[list[StoredAction], int]:
        return action_commands.list_actions(
            session,
            scope,
            principal,
            states=[asked.state.value] if asked.state else (),
            types=[asked.action_type.value] if asked.action_type else (),
            mine=asked.show is Show.MINE,
            awaiting_me=asked.show is Show.WAITING,
            subject=asked.subject,
            page=number,
            size=ACTIONS_PER_PAGE,
        )

    (rows, total), past = within_last(
        asked.number, read, lambda found: last_page(found[1], ACTIONS_PER_PAGE)
    )
    number = min(asked.number, last_page(total, ACTIONS_PER_PAGE))
    pager = pager_for(
        total=total,
        number=number,
        size=ACTIONS_PER_PAGE,
        offset=(number - 1) * ACTIONS_PER_PAGE,
        shown=len(rows),
        asked=past,
    )
    base = asked.base(company, principal)
    return TEMPLATES.TemplateResponse(
        request,
        "actions.html",
        {
            "nav": "actions",
            "rows": rows,
            "pager": pager,
            "asked": asked,
            "tabs": _tabs(asked, base, principal),
            "states": list(STATE_LABELS.items()),
            "types": list(ACTION_LABELS.items()),
            "link": linker("/actions", base),
            "problems": reading.problems,
            "query": urlencode(company_query(company)),
            "company": company,
            "may_request": principal.may(Permission.REQUEST_ACTIONS),
        },
        status_code=list_status(reading),
    )


def _tabs(
    asked: ListAsked, base: Mapping[str, str], principal: Principal
) -> list[tuple[str, str, bool]]:
    """(label, link, current) of each list the visitor may choose."""
    link = linker("/actions", base)
    shown = [Show.WAITING] if principal.may(Permission.APPROVE_ACTIONS) else []
    shown += [Show.MINE] if principal.may(Permission.REQUEST_ACTIONS) else []
    shown.append(Show.ALL)
    default = default_show(principal)
    return [
        (SHOW_LABELS[s], link(show=None if s is default else s.value), s is asked.show)
        for s in shown
    ]


# --- One request ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decisions:
    """What the visitor may do on a request's page."""

    decide: bool
    cancel: bool
    attach: bool
    #: why an approver may not decide it (None: they may, or it is not theirs to say)
    why_not: str | None


def why_not_decide(action: StoredAction, principal: Principal) -> str | None:
    """None when ``principal`` may approve or reject the request now, else why not, in
    the words of the rules the service applies (``domain/approvals.check_decision``)."""
    me = principal.user_id
    pending = PendingRequest(
        action_id=action.id,
        state=ActionState(action.state),
        requested_by=me if action.requested_by == principal.login else -1,
        requirement=action.requirement(),
        decided_by=frozenset(
            {me} if any(d.login == principal.login for d in action.decisions) else ()
        ),
        approvals=action.approvals_given,
    )
    try:
        check_decision(pending, principal, "reject")
    except (ApprovalForbiddenError, ActionConflictError) as error:
        return sentence(str(error))
    return None


def decisions_for(action: StoredAction, principal: Principal) -> Decisions:
    """The forms the request's page shows the visitor, by the service's own rules."""
    awaiting = action.state == ActionState.AWAITING_APPROVAL
    approver = principal.may(Permission.APPROVE_ACTIONS)
    decide = awaiting and action_commands.can_decide(action, principal)
    return Decisions(
        decide=decide,
        cancel=action_commands.can_cancel(action, principal),
        attach=awaiting and principal.may(Permission.REQUEST_ACTIONS),
        why_not=why_not_decide(action, principal) if approver and awaiting and not decide else None,
    )


def render_action(
    request: Request,
    session: Session,
    scope: PictureScope,
    visitor: Authenticated,
    action_id: int,
    *,
    company: str | None,
    done: str | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The request's page; ``problem`` (a decision refused) shown as a notice, ``done``
    (the form the browser comes back from) as a confirmation."""
    try:
        action = action_commands.get_action(session, scope, visitor.principal, action_id)
    except ActionNotFoundError:
        return action_not_found(request, scope, action_id)
    reading = QueryReading()
    confirmed = read_done(reading, done)
    query = company_query(company)
    suffix = f"?{urlencode(query)}" if query else ""
    return TEMPLATES.TemplateResponse(
        request,
        "action.html",
        {
            "nav": "actions",
            "action": action,
            "preview": preview_shown(action.preview),
            "approvals": f"{action.requirement().describe()}.",
            "reason_label": _reason_label(action.reason_code),
            "evidence": action_commands.action_files(session, action.id),
            "evidence_kinds": list(EVIDENCE_LABELS.items()),
            "can": decisions_for(action, visitor.principal),
            "confirmed": state_notice(action, confirmed) if confirmed else None,
            "action_problem": problem,
            "problems": reading.problems,
            "query": urlencode(query),
            "form_link": lambda verb: f"/actions/{action_id}/{verb}{suffix}",
        },
        status_code=status_code if problem else list_status(reading),
    )


def _reason_label(code: str) -> str:
    try:
        return REASON_LABELS[ActionReason(code)]
    except ValueError:
        return code


def action_not_found(request: Request, scope: PictureScope, action_id: int | str) -> HTMLResponse:
    """What a missing request and one out of the visitor's scope both show."""
    return not_found(
        request,
        "actions",
        title="Request not found",
        message=f"No request {action_id} is filed under {', '.join(scope.companies)}.",
        back=("/actions", "Back to the requests"),
    )


def _action_id(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


@router.get("/actions/{action_id}", response_class=HTMLResponse)
def action_page(
    request: Request,
    session: SessionDep,
    visitor: Viewer,
    action_id: str,
    company: str | None = None,
    done: str | None = None,
) -> HTMLResponse:
    """One request: what, why, who asked, where it stands, what it changes, who decided,
    its files, and what the visitor may do."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "actions", visitor.principal)
    if isinstance(scope, HTMLResponse):
        return scope
    number = _action_id(action_id)
    if number is None:
        return action_not_found(request, scope, action_id[:40])
    return render_action(request, session, scope, visitor, number, company=company, done=done)


def _refused_on_page(
    request: Request,
    session: Session,
    scope: PictureScope,
    visitor: Authenticated,
    action_id: int,
    company: str | None,
    error: DomainError,
) -> HTMLResponse:
    """The request's page naming why what was asked was refused (nothing was written)."""
    session.rollback()
    if isinstance(error, ActionNotFoundError):
        return action_not_found(request, scope, action_id)
    status_code, words = refusal(error)
    return render_action(
        request,
        session,
        scope,
        visitor,
        action_id,
        company=company,
        problem=words,
        status_code=status_code,
    )


# --- Evidence ---------------------------------------------------------------------------


def _filerefusal(error: EvidenceError) -> tuple[int, str]:
    """413 for a file too large, 415 for a type not accepted, 422 for an empty one."""
    status_code = 422
    if isinstance(error, EvidenceTooLargeError):
        status_code = 413
    elif isinstance(error, EvidenceTypeError):
        status_code = 415
    return status_code, sentence(str(error).removeprefix("file: "))


@router.post(
    "/actions/{action_id}/evidence",
    response_class=HTMLResponse,
    # a body larger than a file may be is refused by its length before it is read (413)
    dependencies=[Depends(bounded_body)],
)
def evidence_page(
    request: Request,
    session: SessionDep,
    visitor: Requester,
    action_id: str,
    file: Annotated[UploadFile | None, File()] = None,
    company: str | None = None,
    kind: Annotated[str, Form()] = "",
) -> Response:
    """Attach a file to the request (CSRF checked by the visitor's dependency); back to
    its page (303), or that page naming why the file was refused."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "actions", visitor.principal)
    if isinstance(scope, HTMLResponse):
        return scope
    number = _action_id(action_id)
    if number is None:
        return action_not_found(request, scope, action_id[:40])

    def refused(status_code: int, words: str) -> HTMLResponse:
        session.rollback()
        return render_action(
            request,
            session,
            scope,
            visitor,
            number,
            company=company,
            problem=words,
            status_code=status_code,
        )

    if kind not in {k.value for k in EvidenceKind}:
        known = ", ".join(EVIDENCE_LABELS.values())
        return refused(422, f"Kind: choose what the file is ({known}).")
    if file is None or not file.filename:
        return refused(422, "File: choose a file to attach.")
    limit: int = request.app.state.settings.evidence_max_bytes
    try:
        action_commands.attach_file(
            session,
            scope,
            visitor.principal,
            number,
            kind=kind,
            filename=file.filename,
            content=file.file.read(limit + 1),
            now=request_now(),
            request_id=request_id(request),
            max_bytes=limit,
        )
    except EvidenceError as error:
        return refused(*_filerefusal(error))
    except DomainError as error:
        return _refused_on_page(request, session, scope, visitor, number, company, error)
    return RedirectResponse(action_link(number, company, done="attached"), 303)


# --- Decisions --------------------------------------------------------------------------


class Decision(StrEnum):
    """The forms of a request's page that change its state."""

    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"


#: where each decision sends the browser back (the page's ``done``)
DECISION_DONE: Final[dict[Decision, str]] = {
    Decision.APPROVE: "approved",
    Decision.REJECT: "rejected",
    Decision.CANCEL: "cancelled",
}


def _decide(
    decision: Decision,
    session: Session,
    scope: PictureScope,
    principal: Principal,
    action_id: int,
    *,
    note: str,
    rid: str,
) -> StoredAction:
    now = request_now()
    if decision is Decision.APPROVE:
        return action_commands.approve(
            session, scope, principal, action_id, note=note, now=now, request_id=rid
        )
    if decision is Decision.REJECT:
        return action_commands.reject(
            session, scope, principal, action_id, note=note, now=now, request_id=rid
        )
    return action_commands.cancel(session, scope, principal, action_id, now=now, request_id=rid)


@router.post("/actions/{action_id}/{decision}", response_class=HTMLResponse)
def decide_page(
    request: Request,
    session: SessionDep,
    visitor: VisitorDep,
    action_id: str,
    decision: str,
    company: str | None = None,
    note: Annotated[str, Form()] = "",
) -> Response:
    """Approve, reject or cancel (CSRF checked by ``VisitorDep``); back to the request's
    page (303), or that page with the refusal named."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "actions", visitor.principal)
    if isinstance(scope, HTMLResponse):
        return scope
    number = _action_id(action_id)
    if number is None:
        return action_not_found(request, scope, action_id[:40])
    if decision not in set(Decision):
        known = ", ".join(d.value for d in Decision)
        return not_found(
            request,
            "actions",
            title="No such decision",
            message=f"“{decision[:40]}” is not something a request's page does; it does {known}.",
            back=("/actions", "Back to the requests"),
        )
    chosen = Decision(decision)
    try:
        _decide(
            chosen, session, scope, visitor.principal, number, note=note, rid=request_id(request)
        )
    except DomainError as error:
        return _refused_on_page(request, session, scope, visitor, number, company, error)
    return RedirectResponse(action_link(number, company, done=DECISION_DONE[chosen]), 303)


# --- The header's count -----------------------------------------------------------------


def actions_nav(request: Request) -> tuple[bool, int | None]:
    """Whether the header shows "Actions" to the visitor, and how many requests wait for
    their decision (None: not an approver, or the count could not be read)."""
    me: Authenticated | None = getattr(request.state, "authenticated", None)
    if me is None:
        return False, None
    principal = me.principal
    shown = principal.may(Permission.REQUEST_ACTIONS) or principal.may(Permission.APPROVE_ACTIONS)
    if not principal.may(Permission.APPROVE_ACTIONS):
        return shown, None
    return shown, action_buttons.awaiting_count(request, principal)


TEMPLATES.env.globals["actions_nav"] = actions_nav
