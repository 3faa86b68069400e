"""What every detector shares: the finding it returns, its settings, its shape, its keys.

A detector is a pure function ``(context, settings) -> findings``. The context bundles
the picture, the engine's analysis, the detection time and the case history with the
look-ups detectors need (the product's is
:class:`~controltower.detectors.columnar.context.ColumnarDetectionContext`); the
settings are the detector's own table of the policy (``[detectors.<type>]``), read
through a Protocol because detectors and the policy are independent layers that only
the workflow brings together.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, TypeVar

from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.model import Tier


@dataclass(frozen=True, slots=True)
class Finding:
    """One exception a detector found: what, on what, how bad, why, caused by what."""

    type: ExceptionType
    #: what the exception is about, e.g. ``sales_order:SO1`` (one case per type + subject)
    subject: str
    severity: Severity
    value_at_risk: Decimal
    #: how the value was computed, in a few words
    value_basis: str
    #: what is wrong, why it matters and what to do next
    explanation: str
    #: the root-cause key exceptions are grouped by (a late PO, a customer, a pool...)
    cause: str
    #: other subjects this exception touches (the orders a late PO hurts)
    related: tuple[str, ...] = ()
    #: the product, supplier and customer it concerns, for recurrence counting
    entities: tuple[str, ...] = ()
    warehouse: str | None = None
    company: str | None = None
    customer_tier: Tier | None = None
    #: the type whose team owns this finding, when not its own (a recurring review)
    owner_type: ExceptionType | None = None
    #: the ``[routing.teams]`` entry whose team owns this finding instead of its type's
    #: (``order_ready_to_ship``: an order late only because nobody shipped it)
    routing: str | None = None

    @property
    def routed_as(self) -> ExceptionType:
        return self.owner_type or self.type


class DetectorSettings(Protocol):
    """Noise control every detector honours (``enabled``, ``min_value_at_risk``)."""

    @property
    def enabled(self) -> bool: ...
    @property
    def min_value_at_risk(self) -> Decimal: ...


class SeverityLadder(Protocol):
    """Value at risk from which a finding is at least medium, high, critical."""

    @property
    def medium(self) -> Decimal: ...
    @property
    def high(self) -> Decimal: ...
    @property
    def critical(self) -> Decimal: ...


def severity_on_ladder(ladder: SeverityLadder, value: Decimal) -> Severity:
    """The severity ``ladder`` gives ``value`` (each bound is inclusive)."""
    if value >= ladder.critical:
        return Severity.CRITICAL
    if value >= ladder.high:
        return Severity.HIGH
    if value >= ladder.medium:
        return Severity.MEDIUM
    return Severity.LOW


class SeverityByValue(Protocol):
    """A detection context as far as grading a value goes (reference or columnar)."""

    def severity_for_value(self, value: Decimal) -> Severity: ...


C_contra = TypeVar("C_contra", contravariant=True)
S_contra = TypeVar("S_contra", bound=DetectorSettings, contravariant=True)


class Detector(Protocol[C_contra, S_contra]):
    """A detector: the picture in context plus its policy table in, findings out."""

    def __call__(self, context: C_contra, settings: S_contra, /) -> list[Finding]: ...


# --- subjects and entities: the keys cases and incidents are built on ---------------


def order_subject(order_id: str) -> str:
    return f"sales_order:{order_id}"


def line_subject(order_id: str, line: int) -> str:
    return f"sales_order_line:{order_id}/{line}"


def po_subject(po_id: str) -> str:
    return f"purchase_order:{po_id}"


def pool_subject(sku: str, warehouse: str) -> str:
    return f"sku:{sku}@{warehouse}"


def receipt_subject(receipt_id: str) -> str:
    return f"receipt:{receipt_id}"


def pick_subject(pick_id: str) -> str:
    return f"pick:{pick_id}"


def return_subject(rma_id: str) -> str:
    return f"return:{rma_id}"


def invoice_subject(invoice_id: str) -> str:
    return f"invoice:{invoice_id}"


def customer_subject(code: str) -> str:
    return f"customer:{code}"


def warehouse_subject(code: str) -> str:
    return f"warehouse:{code}"


def supplier_entity(code: str) -> str:
    return f"supplier:{code}"


def product_entity(sku: str) -> str:
    return f"product:{sku}"
