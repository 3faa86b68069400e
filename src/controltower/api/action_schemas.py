"""What a client sends to ask for, decide and document a governed action, and the answers.

Every payload refuses fields it does not know, so a misspelt field is named in a 422
instead of being ignored. An action's ``params`` are checked by the planner
(``domain/action_plans.py``), which names the parameter at fault; the answer's ``loc``
is then ``["body", "params", NAME]``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from controltower.api.schemas import PagedPublic
from controltower.domain.actions import ActionReason, ActionState, ActionType, ErpState
from controltower.domain.case_actions import MAX_TEXT

#: a note or reason: the service trims it and says when a required one is blank
ActionText = Annotated[str, Field(max_length=MAX_TEXT)]


class _ActionPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ActionPreviewIn(_ActionPayload):
    """An action to preview: its type and its parameters (see ``docs/actions.md``)."""

    type: ActionType
    params: dict[str, Any] = Field(default_factory=dict)


class ActionRequestIn(ActionPreviewIn):
    """An action to ask for: what to do, why (a reason code and a note) and, when it is
    asked from a case, the case's id."""

    reason_code: ActionReason
    #: why, in words (required: the audit trail keeps it with the reason code)
    note: ActionText
    case_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None

    @field_validator("note")
    @classmethod
    def _said_why(cls, note: str) -> str:
        if not note.strip():
            raise ValueError("note is required: say in a few words why the action is needed")
        return note.strip()


class ApproveIn(_ActionPayload):
    """An approval, with an optional note."""

    note: ActionText = ""


class RejectIn(_ActionPayload):
    """A rejection says why: ``note`` is required."""

    note: ActionText

    @field_validator("note")
    @classmethod
    def _said_why(cls, note: str) -> str:
        if not note.strip():
            raise ValueError("note is required: say why the request is rejected")
        return note.strip()


# --- The preview -----------------------------------------------------------------------


class OrderChangePublic(BaseModel):
    """One order whose allocation, status or projected date the action changes."""

    order_id: str
    customer: str
    warehouse: str
    before_status: str
    after_status: str
    before_allocation: str
    after_allocation: str
    before_projected: date | None
    after_projected: date | None
    before_at_risk: bool
    after_at_risk: bool
    #: fixed (at risk -> not), starved (not -> at risk), better, worse or changed
    effect: str


class CaseChangePublic(BaseModel):
    """A case the action would open or clear (as the next scan would see it)."""

    type: str
    subject: str
    #: opens or clears
    change: str
    severity: str
    title: str


class ApprovalsPublic(BaseModel):
    """What a request would need under the policy in force (the same shape as the
    ``approvals`` of a request's stored ``preview``)."""

    #: distinct approvals (0: it is executed as soon as it is asked for)
    approvals: int
    #: the roles that may approve
    roles: list[str]
    #: a team an approver must belong to (None: any)
    team: str | None
    #: the kinds of evidence that must be attached before it can be approved
    evidence: list[str]
    #: the policy rule that set them, in words
    rule: str | None
    #: the whole requirement in a sentence (``Needs 1 approval by a manager``)
    description: str


class ActionPreviewPublic(BaseModel):
    """What an action would change, before anything is written: the orders whose
    standing moves, the cases that would open or clear, in sentences, and the approvals
    the request would need."""

    type: ActionType
    type_label: str
    params: dict[str, Any]
    company: str
    warehouse: str | None
    subject: str
    subject_link: str
    orders: list[OrderChangePublic]
    cases: list[CaseChangePublic]
    summary: list[str]
    approvals: ApprovalsPublic
    #: the rest of the preview as the planner wrote it (the picture edits, the facts the
    #: policy weighs, what the ERP will be asked to do)
    plan: dict[str, Any]


# --- A request -------------------------------------------------------------------------


class DecisionPublic(BaseModel):
    """One approver's decision."""

    login: str
    role: str
    #: approve or reject
    decision: str
    note: str
    decided_at: datetime


class ActionLinksPublic(BaseModel):
    """Where the request, what it acts on and its evidence are."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    self_: str = Field(alias="self")
    #: the page of what it acts on (``/orders/SO1001``)
    subject: str
    evidence: str


class ActionSummaryPublic(BaseModel):
    """A governed action as a list shows it: everything but the stored preview."""

    id: int
    company: str
    warehouse: str | None
    action_type: ActionType
    action_type_label: str
    params: dict[str, Any]
    subject: str
    subject_link: str
    reason_code: str
    note: str
    state: ActionState
    state_label: str
    approvals_needed: int
    approvals_given: int
    #: approvals still to come (0 once decided)
    approvals_remaining: int
    approver_roles: list[str]
    approver_team: str | None
    rule: str | None
    evidence_required: list[str]
    evidence_missing: list[str]
    requested_by: str
    requested_at: datetime
    expires_at: datetime | None
    decided_at: datetime | None
    executed_at: datetime | None
    executed_by: str | None
    erp_state: ErpState | None
    case_id: str | None
    decisions: list[DecisionPublic]
    links: ActionLinksPublic


class ActionPublic(ActionSummaryPublic):
    """A governed action from request to execution and ERP confirmation."""

    #: the preview as it was shown when the action was asked for
    preview: dict[str, Any]


class ActionListPublic(PagedPublic):
    """A page of requests, newest first (each without its stored preview: one request
    shows it)."""

    items: list[ActionSummaryPublic]


# --- Evidence --------------------------------------------------------------------------


class EvidencePublic(BaseModel):
    """A file attached to a request or a case (its content at ``url``)."""

    id: int
    sha256: str
    size: int
    content_type: str
    kind: str
    filename: str
    uploaded_by: str
    uploaded_at: datetime
    action_id: int | None
    case_id: str | None
    #: where to download it
    url: str


class EvidenceListPublic(BaseModel):
    """The files attached to a request or a case, oldest first."""

    items: list[EvidencePublic]
