"""Governed actions: the fixes people make to the business, as data.

A governed action (change a promised date, ship the available part, transfer stock,
release a credit hold, override a price, authorise a return, adjust inventory, bypass a
quality check) goes through the tower: it is previewed, requested with a reason code,
approved when the policy asks for it, executed (its :mod:`picture edits
<controltower.domain.picture_edits>` applied to the stored picture) and queued for the
ERP. This module names the vocabulary every layer shares: the action types, the states
a request moves through and the moves allowed between them, the reason codes and the
kinds of evidence. What an action changes is planned by
:func:`controltower.domain.action_plans.plan_action`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from controltower.domain.errors import DomainError


class ActionType(StrEnum):
    """A governed action; its parameters are listed in ``docs/actions.md``."""

    CHANGE_PROMISED_DATE = "change_promised_date"
    SPLIT_SHIPMENT = "split_shipment"
    TRANSFER_STOCK = "transfer_stock"
    RELEASE_CREDIT_HOLD = "release_credit_hold"
    OVERRIDE_PRICE = "override_price"
    AUTHORISE_RETURN = "authorise_return"
    ADJUST_INVENTORY = "adjust_inventory"
    BYPASS_QUALITY = "bypass_quality"


ACTION_LABELS: Final[dict[ActionType, str]] = {
    ActionType.CHANGE_PROMISED_DATE: "Change the promised date",
    ActionType.SPLIT_SHIPMENT: "Ship the available part now",
    ActionType.TRANSFER_STOCK: "Transfer stock from another warehouse",
    ActionType.RELEASE_CREDIT_HOLD: "Release the credit hold",
    ActionType.OVERRIDE_PRICE: "Override the price",
    ActionType.AUTHORISE_RETURN: "Authorise the return",
    ActionType.ADJUST_INVENTORY: "Adjust inventory",
    ActionType.BYPASS_QUALITY: "Bypass the quality check",
}


class ActionState(StrEnum):
    """Where a request stands."""

    #: waiting for the approvals the policy asks for
    AWAITING_APPROVAL = "awaiting_approval"
    #: applied to the stored picture and queued for the ERP
    EXECUTED = "executed"
    #: an approver said no
    REJECTED = "rejected"
    #: the requester withdrew it
    CANCELLED = "cancelled"
    #: nobody decided before it expired
    EXPIRED = "expired"
    #: approved, but the picture no longer allowed it when it was to be executed
    FAILED = "failed"


#: the states a request can leave
OPEN_STATES: Final = frozenset({ActionState.AWAITING_APPROVAL})

#: the moves a request may make; anything else is an illegal transition
ACTION_TRANSITIONS: Final[dict[ActionState, frozenset[ActionState]]] = {
    ActionState.AWAITING_APPROVAL: frozenset(
        {
            ActionState.EXECUTED,
            ActionState.REJECTED,
            ActionState.CANCELLED,
            ActionState.EXPIRED,
            ActionState.FAILED,
        }
    ),
    ActionState.EXECUTED: frozenset(),
    ActionState.REJECTED: frozenset(),
    ActionState.CANCELLED: frozenset(),
    ActionState.EXPIRED: frozenset(),
    ActionState.FAILED: frozenset(),
}


class ErpState(StrEnum):
    """Whether the ERP agrees with an executed action."""

    #: executed here, not yet seen in an import or sync
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    #: the next import or sync showed the same values
    CONFIRMED = "confirmed"
    #: the next import or sync showed other values: the ERP's stand
    DIVERGED = "diverged"


class ActionReason(StrEnum):
    """Why a person asks for an action (always required)."""

    CUSTOMER_REQUEST = "customer_request"
    SUPPLIER_DELAY = "supplier_delay"
    STOCK_SHORTAGE = "stock_shortage"
    SERVICE_RECOVERY = "service_recovery"
    PRICING_AGREEMENT = "pricing_agreement"
    PAYMENT_RECEIVED = "payment_received"
    CYCLE_COUNT = "cycle_count"
    DAMAGE = "damage"
    DATA_CORRECTION = "data_correction"
    QUALITY_CLEARED = "quality_cleared"
    OTHER = "other"


class EvidenceKind(StrEnum):
    """What a file attached to a request or case is."""

    CLAIM = "claim"
    PHOTO = "photo"
    CUSTOMER_CONFIRMATION = "customer_confirmation"
    COUNT_SHEET = "count_sheet"
    OTHER = "other"


class ActionParamError(DomainError):
    """A parameter of an action is wrong for the picture; ``field`` names it (422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
