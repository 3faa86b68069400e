"""The reference detectors: the exception catalogue over value objects.

One module per exception type with the reference ``detect(context, settings)``, which
reads the picture (a :class:`~controltower.domain.model.Dataset`) and the reference
engine's :class:`~controltower.domain.analysis.Analysis` one object at a time through
:class:`~controltower_oracle.detectors.context.DetectionContext`. Each words its
findings with the product detector's own settings, value basis and ``explanation(...)``
(:mod:`controltower.detectors.columnar`); tests hold the product's findings equal to
these. :data:`REGISTRY` is the product's registry with each type's reference detector,
and :func:`run_detectors` runs it with the product's noise control and recurring-review
counting (:func:`controltower.detectors.run_catalogue`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from controltower.detectors import DetectorsPolicy, RegisteredDetector, run_catalogue
from controltower.detectors.base import Detector, Finding
from controltower.detectors.columnar import REGISTRY as PRODUCT_REGISTRY
from controltower.domain.analysis import AllocationPolicy, Analysis
from controltower.domain.cases import CaseOccurrence, ExceptionType
from controltower.domain.model import Dataset
from controltower_oracle.detectors import (
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
from controltower_oracle.detectors.context import DetectionContext

#: the reference detector of every exception type
REFERENCE: dict[ExceptionType, Detector[DetectionContext, Any]] = {
    ExceptionType.ORDER_AT_RISK: order_at_risk.detect,
    ExceptionType.STOCK_SHORTAGE: stock_shortage.detect,
    ExceptionType.SUPPLIER_CONFIRMATION_OVERDUE: supplier_confirmation_overdue.detect,
    ExceptionType.SUPPLIER_DELAY: supplier_delay.detect,
    ExceptionType.INBOUND_NOT_PUT_AWAY: inbound_not_put_away.detect,
    ExceptionType.DAMAGED_RECEIPT: damaged_receipt.detect,
    ExceptionType.PICK_UNASSIGNED: pick_unassigned.detect,
    ExceptionType.PICKING_BOTTLENECK: picking_bottleneck.detect,
    ExceptionType.PRICING_VARIANCE: pricing_variance.detect,
    ExceptionType.RETURN_PENDING_APPROVAL: return_pending_approval.detect,
    ExceptionType.CREDIT_HOLD: credit_hold.detect,
    ExceptionType.QUALITY_HOLD: quality_hold.detect,
    ExceptionType.EXPEDITE_REQUEST: expedite_request.detect,
    ExceptionType.REPLENISHMENT_OVERDUE: replenishment_overdue.detect,
    ExceptionType.INVOICE_BLOCKED: invoice_blocked.detect,
    ExceptionType.RECURRING_EXCEPTION: recurring_exception.detect,
}

#: the product's registry (its types, order and policy tables), with reference detectors
REGISTRY: tuple[RegisteredDetector[DetectionContext, Any], ...] = tuple(
    RegisteredDetector(entry.type, REFERENCE[entry.type], entry.settings_of)
    for entry in PRODUCT_REGISTRY
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
    """Every finding of every enabled reference detector worth its type's minimum, by
    type, subject.

    ``allocation`` is the policy the analysis was made with (explanations cite it);
    ``history`` the past case occurrences recurring-exception detection counts, and
    ``live`` the (type, subject) of the cases active now (see
    :func:`~controltower.detectors.run_catalogue`).
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


__all__ = ["REFERENCE", "REGISTRY", "DetectionContext", "run_detectors"]
