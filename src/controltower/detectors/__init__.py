"""The exception catalogue: one detector per type, a registry, and one way to run them.

``REGISTRY`` declares, as data, which detector serves which exception type and which
table of the policy it reads. :func:`run_detectors` runs every enabled detector and
drops findings below the type's ``min_value_at_risk`` (noise control), so no detector
has to repeat that rule. ``docs/exceptions.md`` is the catalogue in words.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from controltower.detectors import (
    credit_hold,
    damaged_receipt,
    expedite_request,
    inbound_not_put_away,
    invoice_blocked,
    order_at_risk,
    pick_unassigned,
    picking_bottleneck,
    pricing_variance,
    quality_hold,
    recurring_exception,
    replenishment_overdue,
    return_pending_approval,
    stock_shortage,
    supplier_confirmation_overdue,
    supplier_delay,
)
from controltower.detectors.base import (
    DetectionContext,
    Detector,
    DetectorSettings,
    Finding,
    SeverityLadder,
)
from controltower.domain.analysis import AllocationPolicy, Analysis
from controltower.domain.cases import CaseOccurrence, ExceptionType
from controltower.domain.model import Dataset


class DetectorsPolicy(Protocol):
    """The ``[detectors]`` section of the policy, as the detectors read it."""

    @property
    def severity_by_value(self) -> SeverityLadder: ...
    @property
    def order_at_risk(self) -> order_at_risk.OrderAtRiskSettings: ...
    @property
    def stock_shortage(self) -> DetectorSettings: ...
    @property
    def supplier_confirmation_overdue(
        self,
    ) -> supplier_confirmation_overdue.SupplierConfirmationOverdueSettings: ...
    @property
    def supplier_delay(self) -> supplier_delay.SupplierDelaySettings: ...
    @property
    def inbound_not_put_away(self) -> inbound_not_put_away.InboundNotPutAwaySettings: ...
    @property
    def damaged_receipt(self) -> damaged_receipt.DamagedReceiptSettings: ...
    @property
    def pick_unassigned(self) -> pick_unassigned.PickUnassignedSettings: ...
    @property
    def picking_bottleneck(self) -> picking_bottleneck.PickingBottleneckSettings: ...
    @property
    def pricing_variance(self) -> pricing_variance.PricingVarianceSettings: ...
    @property
    def return_pending_approval(
        self,
    ) -> return_pending_approval.ReturnPendingApprovalSettings: ...
    @property
    def credit_hold(self) -> DetectorSettings: ...
    @property
    def quality_hold(self) -> DetectorSettings: ...
    @property
    def expedite_request(self) -> DetectorSettings: ...
    @property
    def replenishment_overdue(self) -> DetectorSettings: ...
    @property
    def invoice_blocked(self) -> DetectorSettings: ...
    @property
    def recurring_exception(self) -> recurring_exception.RecurringExceptionSettings: ...


S = TypeVar("S", bound=DetectorSettings)


@dataclass(frozen=True, slots=True)
class RegisteredDetector(Generic[S]):
    """One line of the registry: the type, its detector and its table of the policy."""

    type: ExceptionType
    detect: Detector[S]
    settings_of: Callable[[DetectorsPolicy], S]


REGISTRY: tuple[RegisteredDetector[Any], ...] = (
    RegisteredDetector(
        ExceptionType.ORDER_AT_RISK, order_at_risk.detect, lambda p: p.order_at_risk
    ),
    RegisteredDetector(
        ExceptionType.STOCK_SHORTAGE, stock_shortage.detect, lambda p: p.stock_shortage
    ),
    RegisteredDetector(
        ExceptionType.SUPPLIER_CONFIRMATION_OVERDUE,
        supplier_confirmation_overdue.detect,
        lambda p: p.supplier_confirmation_overdue,
    ),
    RegisteredDetector(
        ExceptionType.SUPPLIER_DELAY, supplier_delay.detect, lambda p: p.supplier_delay
    ),
    RegisteredDetector(
        ExceptionType.INBOUND_NOT_PUT_AWAY,
        inbound_not_put_away.detect,
        lambda p: p.inbound_not_put_away,
    ),
    RegisteredDetector(
        ExceptionType.DAMAGED_RECEIPT, damaged_receipt.detect, lambda p: p.damaged_receipt
    ),
    RegisteredDetector(
        ExceptionType.PICK_UNASSIGNED, pick_unassigned.detect, lambda p: p.pick_unassigned
    ),
    RegisteredDetector(
        ExceptionType.PICKING_BOTTLENECK,
        picking_bottleneck.detect,
        lambda p: p.picking_bottleneck,
    ),
    RegisteredDetector(
        ExceptionType.PRICING_VARIANCE, pricing_variance.detect, lambda p: p.pricing_variance
    ),
    RegisteredDetector(
        ExceptionType.RETURN_PENDING_APPROVAL,
        return_pending_approval.detect,
        lambda p: p.return_pending_approval,
    ),
    RegisteredDetector(ExceptionType.CREDIT_HOLD, credit_hold.detect, lambda p: p.credit_hold),
    RegisteredDetector(ExceptionType.QUALITY_HOLD, quality_hold.detect, lambda p: p.quality_hold),
    RegisteredDetector(
        ExceptionType.EXPEDITE_REQUEST, expedite_request.detect, lambda p: p.expedite_request
    ),
    RegisteredDetector(
        ExceptionType.REPLENISHMENT_OVERDUE,
        replenishment_overdue.detect,
        lambda p: p.replenishment_overdue,
    ),
    RegisteredDetector(
        ExceptionType.INVOICE_BLOCKED, invoice_blocked.detect, lambda p: p.invoice_blocked
    ),
    RegisteredDetector(
        ExceptionType.RECURRING_EXCEPTION,
        recurring_exception.detect,
        lambda p: p.recurring_exception,
    ),
)


def run_detectors(
    dataset: Dataset,
    analysis: Analysis,
    policy: DetectorsPolicy,
    *,
    detected_at: datetime,
    history: Sequence[CaseOccurrence] = (),
    live: Collection[tuple[ExceptionType, str]] = (),
    allocation: AllocationPolicy = AllocationPolicy(),
) -> list[Finding]:
    """Every finding of every enabled detector worth its type's minimum, by type, subject.

    ``allocation`` is the policy the analysis was made with (explanations cite it);
    ``history`` the past case occurrences recurring-exception detection counts, and
    ``live`` the (type, subject) of the cases active now. The recurring detector runs
    last and also counts every finding of this run that is not a live case: it is an
    occurrence arising now, so a first scan and the same scan repeated agree.
    """
    context = DetectionContext(
        dataset,
        analysis,
        detected_at=detected_at,
        ladder=policy.severity_by_value,
        history=history,
        allocation=allocation,
    )
    return run_catalogue(REGISTRY, context, policy, live=live)


class _Detecting(Protocol):
    """What :func:`run_catalogue` needs of a context: where it tells the recurring
    detector which of this run's findings arise now."""

    arising: tuple[Finding, ...]


C = TypeVar("C", bound=_Detecting)


def run_catalogue(
    registry: Sequence[RegisteredDetector[Any]],
    context: C,
    policy: DetectorsPolicy,
    *,
    live: Collection[tuple[ExceptionType, str]] = (),
) -> list[Finding]:
    """Run ``registry``'s detectors on ``context`` the way :func:`run_detectors` does.

    Shared by the reference detectors and the columnar ones, so both apply the same
    noise control and count the same occurrences for recurring reviews.
    """
    findings: list[Finding] = []
    recurring: list[RegisteredDetector[Any]] = []
    for entry in registry:
        if entry.type is ExceptionType.RECURRING_EXCEPTION:
            recurring.append(entry)
            continue
        findings.extend(_detect(entry, context, policy))
    active = set(live)
    context.arising = tuple(f for f in findings if (f.type, f.subject) not in active)
    for entry in recurring:
        findings.extend(_detect(entry, context, policy))
    return sorted(findings, key=lambda f: (f.type, f.subject))


def _detect(entry: RegisteredDetector[Any], context: Any, policy: DetectorsPolicy) -> list[Finding]:
    """One detector's findings worth its type's minimum (none when it is disabled)."""
    settings = entry.settings_of(policy)
    if not settings.enabled:
        return []
    return [
        f for f in entry.detect(context, settings) if f.value_at_risk >= settings.min_value_at_risk
    ]


__all__ = [
    "REGISTRY",
    "DetectionContext",
    "DetectorsPolicy",
    "Finding",
    "RegisteredDetector",
    "run_catalogue",
    "run_detectors",
]
