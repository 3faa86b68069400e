"""Evaluate exceptions: run the catalogue over a picture and route what it finds.

This is where detectors and the policy meet: the detectors find, the policy says who
owns each finding and by when. The result is a list of :class:`ExceptionRecord`,
what the stateless ``scan --json`` prints and what case reconciliation consumes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from controltower.detectors import run_detectors
from controltower.detectors.base import Finding
from controltower.domain.analysis import Analysis
from controltower.domain.cases import CaseOccurrence, ExceptionType, Severity
from controltower.domain.model import Dataset, Tier
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


def routed_records(
    findings: Sequence[Finding], policy: Policy, *, detected_at: datetime
) -> list[ExceptionRecord]:
    """``findings`` routed (owner and deadline), sorted by type then subject."""
    router = Router(policy, detected_at=detected_at)
    records = [exception_record(f, router) for f in findings]
    return sorted(records, key=lambda r: (r.type, r.subject))


def exception_record(finding: Finding, router: Router) -> ExceptionRecord:
    """``finding`` with the owner and deadline ``router`` gives it."""
    owner, due_at = router.route(finding)
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
    )


def evaluate_exceptions(
    dataset: Dataset,
    analysis: Analysis,
    policy: Policy,
    *,
    detected_at: datetime,
    history: Sequence[CaseOccurrence] = (),
    live: Collection[tuple[ExceptionType, str]] = (),
) -> list[ExceptionRecord]:
    """Every exception of ``dataset`` as analysed, routed, sorted by type then subject.

    ``detected_at`` starts each response clock (a date-only scan passes the start of
    the business day, see ``policy.routing.start_of_business_day``); ``history`` is the
    past case occurrences that recurring-exception detection counts and ``live`` the
    (type, subject) of the cases active now (both empty for a stateless scan, where
    every finding is an occurrence arising now).
    """
    findings = run_detectors(
        dataset,
        analysis,
        policy.detectors,
        detected_at=detected_at,
        history=history,
        live=live,
        allocation=policy.allocation.to_domain(),
    )
    return routed_records(findings, policy, detected_at=detected_at)
