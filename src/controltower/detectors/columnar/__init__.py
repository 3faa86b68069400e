"""The detectors: the sixteen exception types, found over the kernel's arrays.

Each module here is one exception type's detector: its settings (its table of the
policy, read through a Protocol), its value basis, its wording (``explanation(...)``)
and ``detect(context, settings)``, which selects candidates with whole-array operations
over the tables and the kernel's analysis (:class:`ColumnarDetectionContext`) and
builds Python objects only for what it reports. :data:`REGISTRY` pairs each exception
type with its detector and its table of the policy; :func:`run_columnar_detectors` runs
it with the catalogue's noise control and recurring-review counting
(:func:`controltower.detectors.run_catalogue`).

The test oracle (a separate package of the distribution, which the product never
imports) holds a reference detector per type over value objects; tests hold these
detectors' findings, explanations included, equal to the reference's.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from controltower.detectors import DetectorsPolicy, RegisteredDetector, run_catalogue
from controltower.detectors.base import Finding
from controltower.detectors.columnar import (
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
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.domain.cases import ExceptionType

REGISTRY: tuple[RegisteredDetector[ColumnarDetectionContext, Any], ...] = (
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


def run_columnar_detectors(
    context: ColumnarDetectionContext,
    policy: DetectorsPolicy,
    *,
    live: Collection[tuple[ExceptionType, str]] = (),
    before_recurring: Callable[[], None] | None = None,
) -> list[Finding]:
    """Every finding of every enabled detector worth its type's minimum, by type, subject.

    ``live`` is the (type, subject) of the cases active now (see
    :func:`~controltower.detectors.run_catalogue`). Before the recurring detector, which
    reads only the findings, the context lets go of what the others cached
    (:meth:`ColumnarDetectionContext.let_go`), then ``before_recurring`` is called (the
    stored scan gives the memory freed back to the system there).
    """

    def others_done() -> None:
        context.let_go()
        if before_recurring is not None:
            before_recurring()

    return run_catalogue(REGISTRY, context, policy, live=live, before_recurring=others_done)


__all__ = ["REGISTRY", "ColumnarDetectionContext", "run_columnar_detectors"]
