"""The exception catalogue: what a registry of detectors is, and one way to run one.

The detectors are :mod:`controltower.detectors.columnar`: one module per exception
type, holding the type's settings (its table of the policy), its value basis, its
wording and its detection over the kernel's arrays, and a registry (``REGISTRY``) that
declares, as data, which detector serves which exception type and which table of the
policy it reads. :func:`run_catalogue` runs a registry's enabled detectors and drops
findings below the type's ``min_value_at_risk`` (noise control), so no detector has to
repeat that rule. ``docs/exceptions.md`` is the catalogue in words.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from controltower.detectors.base import Detector, DetectorSettings, Finding, SeverityLadder
from controltower.domain.cases import ExceptionType

if TYPE_CHECKING:
    from controltower.detectors.columnar.damaged_receipt import DamagedReceiptSettings
    from controltower.detectors.columnar.inbound_not_put_away import InboundNotPutAwaySettings
    from controltower.detectors.columnar.order_at_risk import OrderAtRiskSettings
    from controltower.detectors.columnar.pick_unassigned import PickUnassignedSettings
    from controltower.detectors.columnar.picking_bottleneck import PickingBottleneckSettings
    from controltower.detectors.columnar.pricing_variance import PricingVarianceSettings
    from controltower.detectors.columnar.recurring_exception import RecurringExceptionSettings
    from controltower.detectors.columnar.return_pending_approval import (
        ReturnPendingApprovalSettings,
    )
    from controltower.detectors.columnar.supplier_confirmation_overdue import (
        SupplierConfirmationOverdueSettings,
    )
    from controltower.detectors.columnar.supplier_delay import SupplierDelaySettings


class DetectorsPolicy(Protocol):
    """The ``[detectors]`` section of the policy, as the detectors read it."""

    @property
    def severity_by_value(self) -> SeverityLadder: ...
    @property
    def order_at_risk(self) -> OrderAtRiskSettings: ...
    @property
    def stock_shortage(self) -> DetectorSettings: ...
    @property
    def supplier_confirmation_overdue(self) -> SupplierConfirmationOverdueSettings: ...
    @property
    def supplier_delay(self) -> SupplierDelaySettings: ...
    @property
    def inbound_not_put_away(self) -> InboundNotPutAwaySettings: ...
    @property
    def damaged_receipt(self) -> DamagedReceiptSettings: ...
    @property
    def pick_unassigned(self) -> PickUnassignedSettings: ...
    @property
    def picking_bottleneck(self) -> PickingBottleneckSettings: ...
    @property
    def pricing_variance(self) -> PricingVarianceSettings: ...
    @property
    def return_pending_approval(self) -> ReturnPendingApprovalSettings: ...
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
    def recurring_exception(self) -> RecurringExceptionSettings: ...


C = TypeVar("C")
S = TypeVar("S", bound=DetectorSettings)


@dataclass(frozen=True, slots=True)
class RegisteredDetector(Generic[C, S]):
    """One line of a registry: the type, its detector and its table of the policy.

    ``C`` is the context the detector reads, ``S`` its settings.
    """

    type: ExceptionType
    detect: Detector[C, S]
    settings_of: Callable[[DetectorsPolicy], S]


class _Detecting(Protocol):
    """What :func:`run_catalogue` needs of a context: where it tells the recurring
    detector which of this run's findings arise now."""

    arising: tuple[Finding, ...]
    current: frozenset[tuple[ExceptionType, str]]


D = TypeVar("D", bound=_Detecting)


def run_catalogue(
    registry: Sequence[RegisteredDetector[D, Any]],
    context: D,
    policy: DetectorsPolicy,
    *,
    live: Collection[tuple[ExceptionType, str]] = (),
    before_recurring: Callable[[], None] | None = None,
) -> list[Finding]:
    """Every finding of ``registry``'s enabled detectors on ``context`` worth its type's
    minimum, sorted by type then subject.

    ``live`` is the (type, subject) of the cases active now. The recurring detector runs
    last and also counts every finding of this run that is not a live case: it is an
    occurrence arising now, so a first scan and the same scan repeated agree.
    ``before_recurring`` is called just before it, when the other detectors are done (the
    columnar context drops what they cached for one another there).
    """
    findings: list[Finding] = []
    recurring: list[RegisteredDetector[D, Any]] = []
    for entry in registry:
        if entry.type is ExceptionType.RECURRING_EXCEPTION:
            recurring.append(entry)
            continue
        findings.extend(_detect(entry, context, policy))
    active = set(live)
    context.arising = tuple(f for f in findings if (f.type, f.subject) not in active)
    context.current = frozenset((f.type, f.subject) for f in findings)
    if before_recurring is not None:
        before_recurring()
    for entry in recurring:
        findings.extend(_detect(entry, context, policy))
    return sorted(findings, key=lambda f: (f.type, f.subject))


def _detect(
    entry: RegisteredDetector[D, Any], context: D, policy: DetectorsPolicy
) -> list[Finding]:
    """One detector's findings worth its type's minimum (none when it is disabled)."""
    settings = entry.settings_of(policy)
    if not settings.enabled:
        return []
    return [
        f for f in entry.detect(context, settings) if f.value_at_risk >= settings.min_value_at_risk
    ]


__all__ = ["DetectorsPolicy", "Finding", "RegisteredDetector", "run_catalogue"]
