"""Plain words for the codes the engine and the cases speak in.

The API sends each code with its label and the web pages show only the label, so a
warehouse manager reads "Blocked by credit", not ``blocked_by_credit``. One table per
enumeration; every member has a label (a test checks it), so a new member cannot slip
through as a raw code.
"""

from __future__ import annotations

from typing import Final

from controltower.domain.analysis import Allocation, Blocker, OrderRiskStatus
from controltower.domain.cases import CaseState, EventKind, ExceptionType, Severity

ORDER_STATUS_LABELS: Final[dict[OrderRiskStatus, str]] = {
    OrderRiskStatus.BLOCKED_BY_CREDIT: "Blocked by credit",
    OrderRiskStatus.SHORT: "Short of stock",
    OrderRiskStatus.WAITING_ON_QUALITY: "Waiting on quality release",
    OrderRiskStatus.DEPENDENT_ON_INBOUND: "Waiting on a purchase order",
    OrderRiskStatus.DELAYED_BY_WAREHOUSE_CAPACITY: "Delayed by picking capacity",
    OrderRiskStatus.FULLY_ALLOCATED: "Fully allocated",
}

#: an order at risk with no blocker: all in stock, its promise passed, not shipped
READY_LATE_LABEL: Final = "Ready to ship, past its promise"


def order_status_label(status: OrderRiskStatus, at_risk: bool) -> str:
    """How an order's status reads to people: "Fully allocated" would hide that an
    order at risk with no blocker is simply not shipped (its status in the data, and
    in ``scan --json``, stays ``fully_allocated``)."""
    if at_risk and status is OrderRiskStatus.FULLY_ALLOCATED:
        return READY_LATE_LABEL
    return ORDER_STATUS_LABELS[status]


ALLOCATION_LABELS: Final[dict[Allocation, str]] = {
    Allocation.FULL: "Fully allocated",
    Allocation.PARTIAL: "Partly allocated",
    Allocation.NONE: "Not allocated",
}

BLOCKER_LABELS: Final[dict[Blocker, str]] = {
    Blocker.CREDIT: "Credit",
    Blocker.NO_SUPPLY: "No supply",
    Blocker.QUALITY: "Quality hold",
    Blocker.INBOUND: "Inbound delivery",
    Blocker.WAREHOUSE_CAPACITY: "Picking capacity",
}

EXCEPTION_TYPE_LABELS: Final[dict[ExceptionType, str]] = {
    ExceptionType.ORDER_AT_RISK: "Order at risk",
    ExceptionType.STOCK_SHORTAGE: "Stock shortage",
    ExceptionType.SUPPLIER_CONFIRMATION_OVERDUE: "Supplier has not confirmed",
    ExceptionType.SUPPLIER_DELAY: "Supplier delay",
    ExceptionType.INBOUND_NOT_PUT_AWAY: "Received, not put away",
    ExceptionType.DAMAGED_RECEIPT: "Damaged delivery",
    ExceptionType.PICK_UNASSIGNED: "Pick not assigned",
    ExceptionType.PICKING_BOTTLENECK: "Picking bottleneck",
    ExceptionType.PRICING_VARIANCE: "Price off list",
    ExceptionType.RETURN_PENDING_APPROVAL: "Return awaiting approval",
    ExceptionType.CREDIT_HOLD: "Credit hold",
    ExceptionType.QUALITY_HOLD: "Quality hold",
    ExceptionType.EXPEDITE_REQUEST: "Expedite request",
    ExceptionType.REPLENISHMENT_OVERDUE: "Replenishment overdue",
    ExceptionType.INVOICE_BLOCKED: "Invoice disputed",
    ExceptionType.RECURRING_EXCEPTION: "Recurring problem",
}

CASE_STATE_LABELS: Final[dict[CaseState, str]] = {
    CaseState.OPEN: "Open",
    CaseState.ACKNOWLEDGED: "Acknowledged",
    CaseState.IN_PROGRESS: "In progress",
    CaseState.WAITING_FOR_APPROVAL: "Waiting for approval",
    CaseState.RESOLVED: "Resolved",
    CaseState.CLOSED: "Closed",
}

EVENT_KIND_LABELS: Final[dict[EventKind, str]] = {
    EventKind.OPENED: "Opened",
    EventKind.UPDATED: "Updated with new facts",
    EventKind.SEVERITY_CHANGED: "Severity changed",
    EventKind.ACKNOWLEDGED: "Acknowledged",
    EventKind.WORK_STARTED: "Work started",
    EventKind.APPROVAL_REQUESTED: "Approval requested",
    EventKind.APPROVAL_DECIDED: "Approval decided",
    EventKind.RESOLVED: "Resolved",
    EventKind.RESOLVED_AUTOMATICALLY: "Resolved by itself (condition cleared)",
    EventKind.REOPENED: "Reopened",
    EventKind.CLOSED: "Closed",
    EventKind.ASSIGNED: "Assigned",
    EventKind.COMMENTED: "Comment",
    EventKind.SNOOZED: "Snoozed",
    EventKind.SNOOZE_ENDED: "Back from snooze",
    EventKind.ESCALATED: "Escalated",
}

SEVERITY_LABELS: Final[dict[Severity, str]] = {
    Severity.CRITICAL: "Critical",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Medium",
    Severity.LOW: "Low",
}

#: subject prefix (``sales_order`` of ``sales_order:SO1``) -> the words a person uses
SUBJECT_KIND_LABELS: Final[dict[str, str]] = {
    "sales_order": "Order",
    "sales_order_line": "Order line",
    "purchase_order": "Purchase order",
    "sku": "Stock of",  # a pool reads as "CBL-2X14 at WH-EAST", without the words
    "customer": "Customer",
    "supplier": "Supplier",
    "product": "Product",
    "warehouse": "Warehouse",
    "receipt": "Receipt",
    "pick": "Pick",
    "return": "Return",
    "invoice": "Invoice",
}


def subject_label(subject: str) -> str:
    """``sales_order:SO1`` -> ``Order SO1``; ``sku:CBL@WH-EAST`` -> ``CBL at WH-EAST``.

    A recurring review (``supplier:SUP-1:supplier_delay``) reads as ``Supplier SUP-1:
    repeated supplier delay``. An unknown prefix is kept as it is.
    """
    kind, separator, rest = subject.partition(":")
    if not separator or kind not in SUBJECT_KIND_LABELS:
        return subject
    words = SUBJECT_KIND_LABELS[kind]
    if kind == "sku" and "@" in rest:
        sku, _, warehouse = rest.rpartition("@")
        return f"{sku} at {warehouse}"
    code, _, review = rest.partition(":")
    if review:
        known = {str(type_): label for type_, label in EXCEPTION_TYPE_LABELS.items()}
        repeated = known.get(review, review.replace("_", " ")).lower()
        return f"{words} {code}: repeated {repeated}"
    return f"{words} {rest}"


def order_id_of(subject: str) -> str | None:
    """The sales order a subject names (``sales_order:SO1``, ``sales_order_line:SO1/2``)."""
    kind, separator, rest = subject.partition(":")
    if not separator:
        return None
    if kind == "sales_order":
        return rest
    if kind == "sales_order_line":
        return rest.rpartition("/")[0] or None
    return None
