"""How the governed-action pages word a request: its parameters as form fields, its
state as a notice, and its preview (the orders and cases it changes) as table rows.

Shared by the form (``web/action_form_pages.py``) and the request's page
(``web/action_pages.py``), so both show a preview the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final
from urllib.parse import urlencode

from controltower.api.action_commands import (
    ActionNotFoundError,
    ApprovalForbiddenError,
    StoredAction,
)
from controltower.api.case_commands import ActionForbiddenError
from controltower.api.labels import EXCEPTION_TYPE_LABELS, order_status_label
from controltower.domain.actions import (
    ACTION_LABELS,
    ActionParamError,
    ActionReason,
    ActionState,
    ActionType,
    ErpState,
    EvidenceKind,
)
from controltower.domain.analysis import OrderRiskStatus
from controltower.domain.cases import ExceptionType
from controltower.domain.errors import DomainError
from controltower.web.assets import TEMPLATES
from controltower.web.page_support import (
    QueryReading,
    company_query,
)

# --- Words ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParamField:
    """One parameter of an action as its form shows it."""

    #: the parameter's name, as the service and its refusals name it
    name: str
    label: str
    #: ``text``, ``date``, ``decimal``, ``whole`` or ``warehouse`` (a choice of them)
    kind: str
    hint: str = ""


_ORDER = ParamField("order_id", "Order", "text")
_SKU = ParamField("sku", "Product (SKU)", "text")
_WAREHOUSE = ParamField("warehouse", "Warehouse", "warehouse")

#: each action's parameters, in the order its form asks for them
ACTION_FIELDS: Final[dict[ActionType, tuple[ParamField, ...]]] = {
    ActionType.CHANGE_PROMISED_DATE: (
        _ORDER,
        ParamField(
            "promised_date", "New promised date", "date", "Not before the day it was ordered."
        ),
    ),
    ActionType.SPLIT_SHIPMENT: (_ORDER,),
    ActionType.TRANSFER_STOCK: (
        _SKU,
        ParamField("from_warehouse", "From warehouse", "warehouse"),
        ParamField(
            "to_warehouse", "To warehouse", "warehouse", "Along a transfer lane between them."
        ),
        ParamField("qty", "Quantity", "decimal", "At most the usable stock where it comes from."),
    ),
    ActionType.RELEASE_CREDIT_HOLD: (
        ParamField("customer", "Customer", "text"),
        ParamField("until", "Released until", "date", "The hold comes back after this day."),
    ),
    ActionType.OVERRIDE_PRICE: (
        _ORDER,
        ParamField("line", "Line", "whole"),
        ParamField("price", "New unit price", "decimal"),
    ),
    ActionType.AUTHORISE_RETURN: (ParamField("rma_id", "Return (RMA)", "text"),),
    ActionType.ADJUST_INVENTORY: (
        _SKU,
        _WAREHOUSE,
        ParamField(
            "on_hand", "Counted on hand", "decimal", "At least what is held by quality there."
        ),
    ),
    ActionType.BYPASS_QUALITY: (
        _SKU,
        _WAREHOUSE,
        ParamField("qty", "Quantity to release", "decimal", "At most what quality holds there."),
    ),
}

#: what each action does, in one sentence, under the form's heading
ACTION_PURPOSES: Final[dict[ActionType, str]] = {
    ActionType.CHANGE_PROMISED_DATE: "Agree a new promised date for an order with its customer.",
    ActionType.SPLIT_SHIPMENT: "Ship what is in stock now and the rest when it comes in.",
    ActionType.TRANSFER_STOCK: "Move stock between warehouses along a transfer lane; it "
    "arrives after the lane's transit time.",
    ActionType.RELEASE_CREDIT_HOLD: "Let a customer's orders be allocated although the "
    "customer is on credit hold.",
    ActionType.OVERRIDE_PRICE: "Charge another unit price on one order line.",
    ActionType.AUTHORISE_RETURN: "Approve a requested return.",
    ActionType.ADJUST_INVENTORY: "Correct the stock on hand to what was counted.",
    ActionType.BYPASS_QUALITY: "Release stock held by quality so that it can be allocated.",
}

#: why a person asks, in words (every reason has a label)
REASON_LABELS: Final[dict[ActionReason, str]] = {
    ActionReason.CUSTOMER_REQUEST: "The customer asked",
    ActionReason.SUPPLIER_DELAY: "Supplier delay",
    ActionReason.STOCK_SHORTAGE: "Stock shortage",
    ActionReason.SERVICE_RECOVERY: "Service recovery",
    ActionReason.PRICING_AGREEMENT: "Pricing agreement",
    ActionReason.PAYMENT_RECEIVED: "Payment received",
    ActionReason.CYCLE_COUNT: "Cycle count",
    ActionReason.DAMAGE: "Damage",
    ActionReason.DATA_CORRECTION: "Data correction",
    ActionReason.QUALITY_CLEARED: "Quality cleared",
    ActionReason.OTHER: "Other (say why in the note)",
}

STATE_LABELS: Final[dict[ActionState, str]] = {
    ActionState.AWAITING_APPROVAL: "Waiting for approval",
    ActionState.EXECUTED: "Executed",
    ActionState.REJECTED: "Rejected",
    ActionState.CANCELLED: "Cancelled",
    ActionState.EXPIRED: "Expired",
    ActionState.FAILED: "Failed",
}

ERP_LABELS: Final[dict[ErpState, str]] = {
    ErpState.AWAITING_CONFIRMATION: "Awaiting the ERP",
    ErpState.CONFIRMED: "Confirmed by the ERP",
    ErpState.DIVERGED: "The ERP shows otherwise",
}

EVIDENCE_LABELS: Final[dict[EvidenceKind, str]] = {
    EvidenceKind.CLAIM: "Claim",
    EvidenceKind.PHOTO: "Photo",
    EvidenceKind.CUSTOMER_CONFIRMATION: "Customer confirmation",
    EvidenceKind.COUNT_SHEET: "Count sheet",
    EvidenceKind.OTHER: "Other",
}

#: what a change does to an order, in one word (the preview's ``effect``)
EFFECT_LABELS: Final[dict[str, str]] = {
    "fixed": "Fixed",
    "starved": "Starved",
    "better": "Better",
    "worse": "Worse",
    "changed": "Changed",
}

#: the form labels of the fields a refusal may name besides an action's parameters
OTHER_FIELD_LABELS: Final = {"reason_code": "Reason", "note": "Note", "type": "Action"}

TEMPLATES.env.globals.update(
    action_labels={t.value: label for t, label in ACTION_LABELS.items()},
    action_state_labels={s.value: label for s, label in STATE_LABELS.items()},
    erp_labels={s.value: label for s, label in ERP_LABELS.items()},
    evidence_labels={k.value: label for k, label in EVIDENCE_LABELS.items()},
)


#: what a request's page was sent back after (``?done=``), as the forms name it
DONE: Final = ("requested", "approved", "rejected", "cancelled", "attached")


def state_notice(action: StoredAction, done: str) -> str:
    """What the request's page confirms after ``done`` (one of :data:`DONE`)."""
    remaining = max(0, action.approvals_needed - action.approvals_given)
    waiting = f"waiting for {remaining} approval{'' if remaining == 1 else 's'}"
    if action.state == ActionState.EXECUTED and done in {"requested", "approved"}:
        return "Done: executed." if done == "requested" else "Approved: the action is executed."
    if action.state == ActionState.FAILED and done in {"requested", "approved"}:
        return "The action could not be executed: the picture no longer allows it."
    notices = {
        "requested": f"Requested: {waiting}.",
        "approved": f"Approved: {waiting} more.",
        "rejected": "Rejected: nothing is changed.",
        "cancelled": "Cancelled: nothing is changed.",
        "attached": "The file is attached.",
    }
    return notices[done]


def read_done(reading: QueryReading, done: str | None) -> str | None:
    """``done`` when it is one of :data:`DONE` (blank: None); else a problem named."""
    if not done:
        return None
    if done in DONE:
        return done
    known = ", ".join(DONE)
    reading.problem(
        "done", f"“{done[:40]}” is not something a request's page confirms; it confirms {known}."
    )
    return None


# --- The preview, as the pages show it --------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One order the action changes, before and after."""

    order_id: str
    customer: str
    warehouse: str
    before_status: str
    after_status: str
    before_projected: date | None
    after_projected: date | None
    before_at_risk: bool
    after_at_risk: bool
    effect: str
    effect_label: str


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A case the action would open or clear."""

    type_label: str
    subject: str
    change: str
    severity: str
    title: str


@dataclass(frozen=True, slots=True)
class PreviewShown:
    """A preview (the service's ``Preview.to_json()``, or as stored with a request)."""

    summary: list[str]
    orders: list[OrderRow]
    cases: list[CaseRow]


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _status_words(status: Any, at_risk: bool) -> str:
    """A scan status in words; a status the engine does not have (``shipped``) as is."""
    text = str(status or "")
    try:
        return order_status_label(OrderRiskStatus(text), at_risk)
    except ValueError:
        return text.replace("_", " ").capitalize() or "—"


def _order_row(data: Mapping[str, Any]) -> OrderRow:
    effect = str(data.get("effect", "changed"))
    before_risk, after_risk = bool(data.get("before_at_risk")), bool(data.get("after_at_risk"))
    return OrderRow(
        order_id=str(data.get("order_id", "")),
        customer=str(data.get("customer", "")),
        warehouse=str(data.get("warehouse", "")),
        before_status=_status_words(data.get("before_status"), before_risk),
        after_status=_status_words(data.get("after_status"), after_risk),
        before_projected=_day(data.get("before_projected")),
        after_projected=_day(data.get("after_projected")),
        before_at_risk=before_risk,
        after_at_risk=after_risk,
        effect=effect,
        effect_label=EFFECT_LABELS.get(effect, effect.capitalize()),
    )


def _case_row(data: Mapping[str, Any]) -> CaseRow:
    type_ = str(data.get("type", ""))
    try:
        label = EXCEPTION_TYPE_LABELS[ExceptionType(type_)]
    except ValueError:
        label = type_.replace("_", " ").capitalize()
    return CaseRow(
        type_label=label,
        subject=str(data.get("subject", "")),
        change=str(data.get("change", "")),
        severity=str(data.get("severity", "")),
        title=str(data.get("title", "")),
    )


def preview_shown(data: Mapping[str, Any] | None) -> PreviewShown | None:
    """The preview's parts for the template; None when there is none (an old request)."""
    if not data:
        return None
    return PreviewShown(
        summary=[str(s) for s in data.get("summary", ())],
        orders=[_order_row(o) for o in data.get("orders", ())],
        cases=[_case_row(c) for c in data.get("cases", ())],
    )


# --- Refusals and links --------------------------------------------------------------


def refusal(error: DomainError) -> tuple[int, str]:
    """The status and words of a refusal by the service."""
    if isinstance(error, ActionForbiddenError | ApprovalForbiddenError):
        return 403, sentence(str(error))
    if isinstance(error, ActionNotFoundError):
        return 404, sentence(str(error))
    if isinstance(error, ActionParamError):
        return 422, sentence(str(error))
    return 409, sentence(str(error))


def sentence(text: str) -> str:
    """``text`` as a sentence: a capital first, a full stop last."""
    text = text.strip()
    text = f"{text[:1].upper()}{text[1:]}"
    return text if text.endswith((".", "!", "?")) else f"{text}."


def action_link(action_id: int, company: str | None, **extra: str) -> str:
    query = {**company_query(company), **extra}
    return f"/actions/{action_id}" + (f"?{urlencode(query)}" if query else "")
