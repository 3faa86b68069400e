"""One case, and what a person does to it from the browser; acting on a selection.

The case page shows the case, its timeline and the actions the visitor may take in its
state (``domain.case_actions.actions_allowed_in`` and the visitor's permissions). Each
action is a form posting to ``/exceptions/cases/{id}/{action}`` with the session's CSRF
token; it runs the same command as the API (``api/case_commands.py``). Done, the browser
is sent back to the case page (303) with a short confirmation; refused, the case page is
shown again with the problem named (403, 409 or 422).

``POST /exceptions/bulk`` acknowledges or assigns the cases ticked on the queue, each in
its own transaction, and shows how many were done and which were refused and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from controltower.api.auth import Authenticated, VisitorDep, request_now
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
    run_bulk,
    run_command,
)
from controltower.api.deps import SessionDep
from controltower.api.request_ids import request_id
from controltower.api.routes.exceptions import case_detail
from controltower.api.schemas import BULK_LIMIT, CaseDetailPublic
from controltower.api.scope import PictureScope
from controltower.domain.case_actions import (
    MAX_SNOOZE,
    RESOLUTION_LABELS,
    Action,
    ActionInputError,
    ResolutionCode,
    actions_allowed_in,
    snooze_until,
)
from controltower.domain.errors import IllegalTransitionError, PolicyError
from controltower.domain.people import Permission, Principal, normalise_login
from controltower.policy.in_force import policy_in_force
from controltower.storage.case_actions import (
    Assignable,
    assignable_people,
    people_who_work,
    worker_problem,
)
from controltower.storage.escalations import CaseEscalation, case_escalation
from controltower.storage.queries import PageRequest
from controltower.web import action_buttons
from controltower.web.assets import TEMPLATES
from controltower.web.page_support import (
    QueryReading,
    blank_is_none,
    company_query,
    last_page,
    list_status,
    not_found,
    pager_for,
    scope_or_notice,
    within_last,
)

router = APIRouter(include_in_schema=False)

#: timeline events per page of a case
EVENTS_PER_PAGE: Final = 100


class PageAction(StrEnum):
    """The forms of the case page; ``take`` is assigning the case to yourself."""

    ACKNOWLEDGE = "acknowledge"
    START = "start"
    TAKE = "take"
    ASSIGN = "assign"
    COMMENT = "comment"
    SNOOZE = "snooze"
    RESOLVE = "resolve"
    REOPEN = "reopen"


#: the confirmation shown on the case page after each action
DONE_MESSAGES: Final[dict[PageAction, str]] = {
    PageAction.ACKNOWLEDGE: "You acknowledged the case.",
    PageAction.START: "You started work on the case.",
    PageAction.TAKE: "The case is yours now.",
    PageAction.ASSIGN: "The case was assigned.",
    PageAction.COMMENT: "Your comment is on the timeline.",
    PageAction.SNOOZE: "The case is snoozed.",
    PageAction.RESOLVE: "The case is resolved.",
    PageAction.REOPEN: "The case is open again.",
}

#: the form label of each field an action may refuse, to name it the way the page does
FIELD_LABELS: Final[dict[str, str]] = {
    "note": "Note",
    "text": "Comment",
    "reason": "Reason",
    "until": "Snooze until",
    "to": "Assign to",
    "reason_code": "Reason",
}


@dataclass(frozen=True, slots=True)
class CaseActions:
    """Which forms the case page shows: what the visitor may do in the case's state."""

    acknowledge: bool
    start: bool
    take: bool
    hand_back: bool
    assign: bool
    comment: bool
    snooze: bool
    resolve: bool
    reopen: bool
    #: who the case may be given to (when ``assign``): its owning team first
    people: list[Assignable]

    @property
    def any(self) -> bool:
        flags = (self.acknowledge, self.start, self.take, self.hand_back, self.assign)
        return any(flags) or any((self.comment, self.snooze, self.resolve, self.reopen))


def case_actions(
    session: Session, scope: PictureScope, principal: Principal, case: CaseDetailPublic
) -> CaseActions:
    allowed = actions_allowed_in(case.state)
    works = principal.may(Permission.WORK_CASES)
    assigns = principal.may(Permission.ASSIGN_CASES) and Action.ASSIGN in allowed
    mine = case.assignee == principal.login
    return CaseActions(
        acknowledge=works and Action.ACKNOWLEDGE in allowed,
        start=works and Action.START in allowed,
        take=works and Action.ASSIGN in allowed and not mine,
        hand_back=works and Action.ASSIGN in allowed and mine and not assigns,
        assign=assigns,
        comment=principal.may(Permission.COMMENT),
        snooze=works and Action.SNOOZE in allowed,
        resolve=works and Action.RESOLVE in allowed,
        reopen=works and Action.REOPEN in allowed,
        people=(
            assignable_people(
                session, companies=scope.companies, case_id=case.id, first_teams={case.owner}
            )
            if assigns
            else []
        ),
    )


def case_link(case_id: str, company: str | None, **extra: str) -> str:
    query = {**company_query(company), **extra}
    return f"/exceptions/cases/{case_id}" + (f"?{urlencode(query)}" if query else "")


def render_case(
    request: Request,
    session: Session,
    scope: PictureScope,
    visitor: Authenticated,
    case_id: str,
    *,
    company: str | None,
    events: str | None = None,
    done: str | None = None,
    problem: str | None = None,
    problem_field: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The case page; ``problem`` (an action refused) is shown above the actions, and
    the form field it names (``problem_field``, as the form posts it) is marked invalid
    and described by it."""
    reading = QueryReading()
    case, asked = within_last(
        reading.page_number(events, "events"),
        lambda number: case_detail(
            session, scope, case_id, timeline=PageRequest(number=number, size=EVENTS_PER_PAGE)
        ),
        lambda found: 1 if found is None else last_page(found.timeline_total, EVENTS_PER_PAGE),
    )
    if case is None:
        return case_not_found(request, scope, case_id)
    timeline = pager_for(
        total=case.timeline_total,
        number=case.timeline_page,
        size=case.timeline_page_size,
        offset=(case.timeline_page - 1) * case.timeline_page_size,
        shown=len(case.timeline),
        asked=asked,
    )
    query = company_query(company)
    today = request_now().date()
    confirmed = _confirmation(reading, done)
    return TEMPLATES.TemplateResponse(
        request,
        "case.html",
        {
            "nav": "exceptions",
            "case": case,
            "scan": scope.scan,
            "timeline": timeline,
            "problems": reading.problems,
            "events_link": lambda n: case_link(
                case_id, company, **({"events": n} if n > 1 else {})
            ),
            "query": urlencode(query),
            "actions": case_actions(session, scope, visitor.principal, case),
            "action_link": lambda action: (
                f"/exceptions/cases/{case_id}/{action}" + (f"?{urlencode(query)}" if query else "")
            ),
            "resolution_labels": RESOLUTION_LABELS,
            "snooze_first_day": (today + timedelta(days=1)).isoformat(),
            "snooze_last_day": _last_snooze_day(today).isoformat(),
            "confirmed": confirmed,
            "action_problem": problem,
            "problem_field": problem_field,
            "escalation": escalation_block(session, scope, case_id),
            "governed_actions": action_buttons.for_case(
                request, session, scope, case, urlencode(query)
            ),
        },
        status_code=status_code if problem else list_status(reading),
    )


@dataclass(frozen=True, slots=True)
class EscalationBlock:
    """The case page's "Escalation" block: the case's path, or why it cannot be shown."""

    path: CaseEscalation | None
    problem: str | None = None
    #: people named at a step before "and N more"
    named: int = 4


def escalation_block(session: Session, scope: PictureScope, case_id: str) -> EscalationBlock:
    """Where the case stands on the ladder of the policy in force, who is at each step."""
    try:
        ladder = policy_in_force().escalation.to_domain()
    except PolicyError as error:
        return EscalationBlock(None, f"The escalation path cannot be shown: {error}.")
    return EscalationBlock(case_escalation(session, scope.companies, case_id, ladder))


def _confirmation(reading: QueryReading, done: str | None) -> str | None:
    """What the page confirms after an action (``done``: the action, as the form sent
    the browser back here); a value no action has is named in the notice."""
    if not done:
        return None
    if done in set(PageAction):
        return DONE_MESSAGES[PageAction(done)]
    known = ", ".join(action.value for action in PageAction)
    reading.problem("done", f"“{done[:40]}” is not an action of a case; the actions are {known}.")
    return None


def case_not_found(request: Request, scope: PictureScope, case_id: str) -> HTMLResponse:
    """What a missing case and a case out of the visitor's scope both show."""
    return not_found(
        request,
        "exceptions",
        title="Case not found",
        message=f"No case {case_id} is filed under {', '.join(scope.companies)}.",
    )


def _last_snooze_day(today: date) -> date:
    return today + MAX_SNOOZE - timedelta(days=1)


@router.get("/exceptions/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    session: SessionDep,
    visitor: VisitorDep,
    case_id: str,
    company: str | None = None,
    events: str | None = None,
    done: str | None = None,
) -> HTMLResponse:
    """One case: its facts, what to do, who works it, its timeline (when, what, by whom,
    note) a hundred events at a time, and the actions the visitor may take."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "exceptions", visitor.principal)
    if isinstance(scope, HTMLResponse):
        return scope
    return render_case(
        request, session, scope, visitor, case_id, company=company, events=events, done=done
    )


@dataclass(frozen=True, slots=True)
class ActionForm:
    """What a case page form posts (every field optional; each action reads its own)."""

    note: str = ""
    to: str = ""
    text: str = ""
    until: str = ""
    reason: str = ""
    reason_code: str = ""


def command_from_form(action: PageAction, form: ActionForm, principal: Principal) -> CaseCommand:
    """The command a form asks for; :class:`ActionInputError` names a field it cannot read."""
    match action:
        case PageAction.ACKNOWLEDGE:
            return Acknowledge(note=form.note)
        case PageAction.START:
            return Start(note=form.note)
        case PageAction.TAKE:
            return Assign(to=principal.login, note=form.note)
        case PageAction.ASSIGN:
            return Assign(to=normalise_login(form.to) or None, note=form.note)
        case PageAction.COMMENT:
            return Comment(text=form.text)
        case PageAction.SNOOZE:
            return Snooze(until=snooze_until(form.until), reason=form.reason)
        case PageAction.RESOLVE:
            return Resolve(code=_resolution_code(form.reason_code), note=form.note)
        case PageAction.REOPEN:
            return Reopen(note=form.note)


def _resolution_code(value: str) -> ResolutionCode:
    try:
        return ResolutionCode(value)
    except ValueError:
        choices = "; ".join(RESOLUTION_LABELS.values())
        raise ActionInputError("reason_code", f"choose a reason: {choices}") from None


def field_problem(error: ActionInputError) -> str:
    """The refusal worded for the page: the field's label, then what is wrong with it."""
    message = str(error).removeprefix(f"{error.field}: ")
    return f"{FIELD_LABELS.get(error.field, error.field)}: {message}"


@router.post("/exceptions/cases/{case_id}/{action}", response_class=HTMLResponse)
def act_on_case_page(
    request: Request,
    session: SessionDep,
    visitor: VisitorDep,
    case_id: str,
    action: str,
    company: str | None = None,
    note: Annotated[str, Form()] = "",
    to: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    reason_code: Annotated[str, Form()] = "",
) -> Response:
    """Carry out one form of the case page (CSRF checked by ``VisitorDep``)."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "exceptions", visitor.principal)
    if isinstance(scope, HTMLResponse):
        return scope
    if action not in set(PageAction):
        known = ", ".join(a.value for a in PageAction)
        return not_found(
            request,
            "exceptions",
            title="No such action",
            message=f"“{action}” is not something a case page does; it does {known}.",
        )
    chosen = PageAction(action)
    form = ActionForm(note, to, text, until, reason, reason_code)

    def refused(problem: str, status_code: int, field: str | None = None) -> HTMLResponse:
        return render_case(
            request,
            session,
            scope,
            visitor,
            case_id,
            company=company,
            problem=problem,
            problem_field=field,
            status_code=status_code,
        )

    try:
        command = command_from_form(chosen, form, visitor.principal)
        run_command(
            session,
            scope,
            visitor.principal,
            case_id,
            command,
            at=request_now(),
            request_id=request_id(request),
        )
    except CaseNotFoundError:
        return case_not_found(request, scope, case_id)
    except ActionForbiddenError as error:
        return refused(f"You may not do that: {error}.", 403)
    except IllegalTransitionError as error:
        return refused(f"{error}.", 409)
    except ActionInputError as error:
        return refused(field_problem(error), 422, error.field)
    return RedirectResponse(case_link(case_id, company, done=chosen.value), status_code=303)


# --- A selection of cases on the queue ------------------------------------------------


@dataclass(frozen=True, slots=True)
class BulkBar:
    """What the queue's bulk bar offers: the people a selection may be given to."""

    people: list[Assignable]
    limit: int = BULK_LIMIT


def bulk_bar(session: Session, scope: PictureScope, principal: Principal) -> BulkBar | None:
    """The queue's bulk bar, for a visitor who may act on a selection (else None)."""
    if not principal.may(Permission.ASSIGN_CASES):
        return None
    people = people_who_work(session, companies=scope.companies, first_teams=principal.teams)
    return BulkBar(people=people)


@dataclass(frozen=True, slots=True)
class BulkRow:
    case_id: str
    outcome: str
    reason: str | None


def _back_to_queue(back: str) -> str:
    """Where "back to the queue" goes: the queue page the form came from, never elsewhere."""
    if back.startswith("/exceptions") and not back.startswith("//") and "\\" not in back:
        return back
    return "/exceptions?view=cases"


def _bulk_command(action: str, to: str) -> Acknowledge | Assign:
    if action == "acknowledge":
        return Acknowledge()
    if action == "assign":
        return Assign(to=normalise_login(to) or None)
    raise ActionInputError("action", "choose Acknowledge selected or Assign selected")


def _bulk_problem(
    session: Session, principal: Principal, ids: list[str], command: Acknowledge | Assign
) -> tuple[str, int] | None:
    """Why the selection cannot be acted on at all, with the status to answer."""
    if not principal.may(Permission.ASSIGN_CASES):
        return (
            f"You may not act on a selection of cases ({principal.role}s may not assign cases).",
            403,
        )
    if not ids:
        return "Tick at least one case first.", 422
    if len(ids) > BULK_LIMIT:
        return f"Select at most {BULK_LIMIT} cases at a time ({len(ids)} were ticked).", 422
    if isinstance(command, Assign) and command.to is not None:
        problem = worker_problem(session, command.to)
        if problem is not None:
            return f"Assign selected to: {problem}.", 422
    return None


@router.post("/exceptions/bulk", response_class=HTMLResponse)
def bulk_page(
    request: Request,
    session: SessionDep,
    visitor: VisitorDep,
    company: str | None = None,
    ids: Annotated[list[str] | None, Form()] = None,
    action: Annotated[str, Form()] = "",
    to: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Acknowledge or assign the ticked cases (CSRF checked by ``VisitorDep``)."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "exceptions", visitor.principal)
    if isinstance(scope, HTMLResponse):
        return scope
    chosen = list(dict.fromkeys(ids or []))
    back_link = _back_to_queue(back)
    try:
        command = _bulk_command(action, to)
    except ActionInputError as error:
        return _bulk_notice(request, f"{error}.", 422, back_link)
    problem = _bulk_problem(session, visitor.principal, chosen, command)
    if problem is not None:
        return _bulk_notice(request, *problem, back_link)
    outcomes = run_bulk(
        session,
        scope,
        visitor.principal,
        chosen,
        command,
        at=request_now(),
        request_id=request_id(request),
    )
    rows = [BulkRow(o.case_id, o.outcome, o.reason) for o in outcomes]
    return TEMPLATES.TemplateResponse(
        request,
        "bulk_result.html",
        {
            "nav": "exceptions",
            "action": action,
            "to": command.to if isinstance(command, Assign) else None,
            "done": [r for r in rows if r.outcome == "done"],
            "refused": [r for r in rows if r.outcome != "done"],
            "total": len(rows),
            "back": back_link,
            "case_link": lambda case_id: case_link(case_id, company),
        },
    )


def _bulk_notice(request: Request, message: str, status_code: int, back: str) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request,
        "bulk_result.html",
        {"nav": "exceptions", "problem": message, "back": back},
        status_code=status_code,
    )
