"""Routed exceptions: a finding with the owner and deadline the policy gives it.

This is where detectors and the policy meet: the detectors find, the policy says who
owns each finding and by when. The result is a list of :class:`ExceptionRecord`,
what the stateless ``scan --json`` prints and what case reconciliation consumes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal

from controltower.detectors.base import Finding
from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.model import Tier
from controltower.policy.model import Policy
from controltower.policy.routing import Router


@dataclass(frozen=True, slots=True)
class ExceptionRecord:
    """One routed exception: a finding with its owner and response deadline."""

    type: ExceptionType
    subject: str
    severity: Severity
    owner: str
    due_at: datetime
    value_at_risk: Decimal
    value_basis: str
    explanation: str
    cause: str
    related: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    warehouse: str | None = None
    company: str | None = None
    customer_tier: Tier | None = None
    #: the ``[routing.teams]`` entry the finding named instead of its type's
    routing: str | None = None
    #: the type whose team owns it (its own, or a recurring review's)
    routed_as: ExceptionType | None = None


def routed_records(
    findings: Sequence[Finding],
    policy: Policy,
    *,
    detected_at: datetime,
    zone: tzinfo | None = None,
) -> list[ExceptionRecord]:
    """``findings`` routed (owner and deadline), sorted by type then subject.

    ``detected_at`` is a wall time, in ``zone`` when given (the deadlines are then
    moments in it); without ``zone`` it is read as the policy's ``clock.timezone`` reads
    it (see :func:`~controltower.policy.routing.add_business_hours`).
    """
    start = detected_at if zone is None else detected_at.replace(tzinfo=zone)
    router = Router(policy, detected_at=start)
    records = [exception_record(f, router, zone=zone) for f in findings]
    return sorted(records, key=lambda r: (r.type, r.subject))


def exception_record(
    finding: Finding, router: Router, *, zone: tzinfo | None = None
) -> ExceptionRecord:
    """``finding`` with the owner and deadline ``router`` gives it (in ``zone``, if any)."""
    owner, due_at = router.route(finding)
    if zone is not None:
        due_at = due_at.replace(tzinfo=zone)
    return ExceptionRecord(
        type=finding.type,
        subject=finding.subject,
        severity=finding.severity,
        owner=owner,
        due_at=due_at,
        value_at_risk=finding.value_at_risk,
        value_basis=finding.value_basis,
        explanation=finding.explanation,
        cause=finding.cause,
        related=finding.related,
        entities=finding.entities,
        warehouse=finding.warehouse,
        company=finding.company,
        customer_tier=finding.customer_tier,
        routing=finding.routing,
        routed_as=finding.routed_as,
    )
