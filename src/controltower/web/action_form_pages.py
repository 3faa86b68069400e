"""Asking for a governed action in the browser: the form, its preview, the request.

A person opens an action from the page of what it acts on (an order, a case, a
customer, a product: the buttons of ``templates/_action_buttons.html``), fills in its
form (``/actions/new``) and presses *Preview*: the page shows, before anything is
written, the orders whose status, allocation or projected date would change, the cases
that would open or clear and what approval the policy asks for. *Request* files it
(``POST /actions``) and goes to the request's page. A parameter the picture refuses is
shown next to its field (422, the form kept). The form carries the session's CSRF
token and runs the API's service (``api/action_commands.py``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from controltower.api import action_commands
from controltower.api.auth import Authenticated, request_now, require_on_page
from controltower.api.deps import SessionDep
from controltower.api.picture_codes import visible_warehouses
from controltower.api.request_ids import request_id
from controltower.api.scope import PictureScope
from controltower.domain.actions import (
    ACTION_LABELS,
    ActionParamError,
    ActionReason,
    ActionType,
)
from controltower.domain.errors import DomainError
from controltower.domain.people import Permission, Principal
from controltower.web import action_buttons
from controltower.web.action_display import (
    ACTION_FIELDS,
    ACTION_PURPOSES,
    OTHER_FIELD_LABELS,
    REASON_LABELS,
    ParamField,
    PreviewShown,
    action_link,
    preview_shown,
    refusal,
)
from controltower.web.assets import TEMPLATES
from controltower.web.page_support import (
    blank_is_none,
    company_query,
    scope_or_notice,
)

router = APIRouter(include_in_schema=False)


Requester = Annotated[Authenticated, Depends(require_on_page(Permission.REQUEST_ACTIONS))]


# --- Asking for an action ---------------------------------------------------------------


class ActionFormData(BaseModel):
    """What the action form posts: the action, why, and every parameter any action has
    (each action reads its own; the CSRF token is checked before)."""

    model_config = ConfigDict(extra="ignore")

    type: str = ""
    case_id: str = ""
    reason_code: str = ""
    note: str = ""
    #: the parameters the preview shown was made of (JSON), to tell a changed form
    previewed: str = ""
    order_id: str = ""
    promised_date: str = ""
    sku: str = ""
    from_warehouse: str = ""
    to_warehouse: str = ""
    qty: str = ""
    customer: str = ""
    until: str = ""
    line: str = ""
    price: str = ""
    rma_id: str = ""
    warehouse: str = ""
    on_hand: str = ""


@dataclass(frozen=True, slots=True)
class Asked:
    """An action as the form asks for it: its type, parameter values as typed, why."""

    action_type: ActionType
    values: dict[str, str]
    reason_code: str = ""
    note: str = ""
    case_id: str | None = None

    @property
    def fields(self) -> tuple[ParamField, ...]:
        return ACTION_FIELDS[self.action_type]

    def params(self) -> dict[str, str]:
        """The parameters for the service, as typed and trimmed; a blank one is left out,
        so the service names it as missing."""
        found = {f.name: self.values.get(f.name, "").strip() for f in self.fields}
        return {name: value for name, value in found.items() if value}

    def fingerprint(self) -> str:
        """The parameters as the preview was made of them (a hidden field of the form)."""
        return json.dumps({"type": self.action_type.value, "params": self.params()}, sort_keys=True)


def asked_from(action_type: ActionType, source: Mapping[str, str], **extra: Any) -> Asked:
    values = {f.name: str(source.get(f.name, "") or "") for f in ACTION_FIELDS[action_type]}
    return Asked(action_type, values, **extra)


@dataclass(frozen=True, slots=True)
class FormProblems:
    """What was refused on the form: per field (shown next to it) and for the whole form."""

    fields: dict[str, str]
    general: list[str]

    @property
    def any(self) -> bool:
        return bool(self.fields or self.general)


NO_PROBLEMS: Final = FormProblems({}, [])


def param_problem(asked: Asked, error: ActionParamError) -> FormProblems:
    """A refused parameter next to its field (or above the form when it names none)."""
    message = str(error).removeprefix(f"{error.field}: ")
    message = f"{message[:1].upper()}{message[1:]}"
    known = {f.name for f in asked.fields} | {"reason_code", "note"}
    if error.field in known:
        return FormProblems({error.field: message}, [])
    label = OTHER_FIELD_LABELS.get(error.field, error.field)
    return FormProblems({}, [f"{label}: {message}"])


def reason_problem(asked: Asked) -> FormProblems | None:
    """The reason is required and must be one of :class:`ActionReason` (checked here so
    the refusal sits next to the field before the service is asked)."""
    if asked.reason_code in {r.value for r in ActionReason}:
        return None
    if asked.reason_code:
        return FormProblems({"reason_code": "Choose one of the reasons listed."}, [])
    return FormProblems({"reason_code": "Choose why you ask for this action."}, [])


def _action_type(value: str | None) -> ActionType | None:
    try:
        return ActionType(value or "")
    except ValueError:
        return None


def type_problem(value: str | None) -> str:
    known = ", ".join(f"{label} ({t.value})" for t, label in ACTION_LABELS.items())
    if not value:
        return f"type: choose an action; the actions are {known}."
    return f"type: “{value[:40]}” is not an action; the actions are {known}."


@dataclass(frozen=True, slots=True)
class PreviewWithApproval:
    """A preview to show, with what approval its request would need."""

    shown: PreviewShown
    approvals: str


def render_new(
    request: Request,
    session: Session,
    scope: PictureScope,
    *,
    company: str | None,
    asked: Asked | None,
    problems: FormProblems = NO_PROBLEMS,
    preview: PreviewWithApproval | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The action form (with the preview below it when there is one)."""
    query = company_query(company)
    action_query = f"?{urlencode(query)}" if query else ""
    return TEMPLATES.TemplateResponse(
        request,
        "action_new.html",
        {
            "nav": "actions",
            "asked": asked,
            "types": list(ACTION_LABELS.items()),
            "purpose": ACTION_PURPOSES[asked.action_type] if asked else None,
            "reasons": list(REASON_LABELS.items()),
            "warehouses": [code for code, _ in visible_warehouses(session, scope)],
            "field_problems": problems.fields,
            "problems": problems.general,
            "preview": preview,
            "notice": notice,
            "company": company,
            "query": urlencode(query),
            "preview_action": f"/actions/preview{action_query}",
            "request_action": f"/actions{action_query}",
            "back": action_buttons.subject_link_of(asked, urlencode(query)) if asked else None,
        },
        status_code=status_code,
    )


@router.get("/actions/new", response_class=HTMLResponse)
def new_action_page(
    request: Request,
    session: SessionDep,
    visitor: Requester,
    type: str | None = None,
    case_id: str | None = None,
    company: str | None = None,
) -> HTMLResponse:
    """The form of one action, its parameters filled from the query (as the buttons of
    an order, case, customer or product page link to it)."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "actions", visitor.principal)
    if isinstance(scope, HTMLResponse):
        return scope
    chosen = _action_type(type)
    if chosen is None:
        general = [type_problem(type)] if type else []
        return render_new(
            request,
            session,
            scope,
            company=company,
            asked=None,
            problems=FormProblems({}, general),
            status_code=400 if type else 200,
        )
    asked = asked_from(chosen, request.query_params, case_id=blank_is_none(case_id))
    return render_new(request, session, scope, company=company, asked=asked)


def _asked_of(form: ActionFormData) -> Asked | None:
    chosen = _action_type(form.type)
    if chosen is None:
        return None
    return asked_from(
        chosen,
        form.model_dump(),
        reason_code=form.reason_code.strip(),
        note=form.note.strip(),
        case_id=blank_is_none(form.case_id.strip()),
    )


def _previewed(
    session: Session, scope: PictureScope, principal: Principal, asked: Asked
) -> PreviewWithApproval:
    """The service's preview of ``asked`` and the approval its request would need."""
    found = action_commands.preview(
        session, scope, principal, asked.action_type.value, asked.params(), now=request_now()
    )
    needs = action_commands.approval_requirement(session, found.plan)
    return PreviewWithApproval(
        preview_shown(found.to_json()) or PreviewShown([], [], []), f"{needs.describe()}."
    )


@router.post("/actions/preview", response_class=HTMLResponse)
def preview_page(
    request: Request,
    session: SessionDep,
    visitor: Requester,
    form: Annotated[ActionFormData, Form()],
    company: str | None = None,
) -> HTMLResponse:
    """The form again, with what the action would change below it (nothing is written)."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "actions", visitor.principal)
    if isinstance(scope, HTMLResponse):
        return scope
    asked = _asked_of(form)
    return _preview_or_problem(request, session, scope, visitor.principal, company, asked)


def _preview_or_problem(
    request: Request,
    session: Session,
    scope: PictureScope,
    principal: Principal,
    company: str | None,
    asked: Asked | None,
    notice: str | None = None,
) -> HTMLResponse:
    def again(problems: FormProblems, status_code: int) -> HTMLResponse:
        return render_new(
            request,
            session,
            scope,
            company=company,
            asked=asked,
            problems=problems,
            notice=notice,
            status_code=status_code,
        )

    if asked is None:
        return again(FormProblems({}, [type_problem(None)]), 422)
    try:
        shown = _previewed(session, scope, principal, asked)
    except ActionParamError as error:
        return again(param_problem(asked, error), 422)
    except DomainError as error:
        status_code, words = refusal(error)
        return again(FormProblems({}, [words]), status_code)
    return render_new(
        request, session, scope, company=company, asked=asked, preview=shown, notice=notice
    )


@router.post("/actions", response_class=HTMLResponse)
def request_page(
    request: Request,
    session: SessionDep,
    visitor: Requester,
    form: Annotated[ActionFormData, Form()],
    company: str | None = None,
) -> Response:
    """File the request (previewed as it is) and go to its page (303); a form changed
    since its preview is previewed again instead, and a refusal is shown on the form."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "actions", visitor.principal)
    if isinstance(scope, HTMLResponse):
        return scope
    principal = visitor.principal
    asked = _asked_of(form)
    if asked is None or form.previewed != asked.fingerprint():
        notice = (
            "The values changed since the preview, or it was not shown: here is what they "
            "would change. Check it and request again."
        )
        return _preview_or_problem(request, session, scope, principal, company, asked, notice)
    problem = reason_problem(asked)
    if problem is None:
        try:
            stored = action_commands.request_action(
                session,
                scope,
                principal,
                asked.action_type.value,
                asked.params(),
                reason_code=asked.reason_code,
                note=asked.note,
                now=request_now(),
                request_id=request_id(request),
                case_id=asked.case_id,
            )
        except ActionParamError as error:
            problem = param_problem(asked, error)
        except DomainError as error:
            status_code, words = refusal(error)
            return render_new(
                request,
                session,
                scope,
                company=company,
                asked=asked,
                problems=FormProblems({}, [words]),
                status_code=status_code,
            )
        else:
            return RedirectResponse(action_link(stored.id, company, done="requested"), 303)
    session.rollback()
    return _preview_again(request, session, scope, principal, company, asked, problem)


def _preview_again(
    request: Request,
    session: Session,
    scope: PictureScope,
    principal: Principal,
    company: str | None,
    asked: Asked,
    problem: FormProblems,
) -> HTMLResponse:
    """The form with ``problem`` next to its field and, when it can still be made, the
    preview it had (so nothing the person read disappears), answered 422."""
    try:
        shown: PreviewWithApproval | None = _previewed(session, scope, principal, asked)
    except DomainError:
        shown = None
    return render_new(
        request,
        session,
        scope,
        company=company,
        asked=asked,
        problems=problem,
        preview=shown,
        status_code=422,
    )
