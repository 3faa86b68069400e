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
from controltower.policy.routing import route


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


def _record(finding: Finding, policy: Policy, detected_at: datetime) -> ExceptionRecord:
    owner, due_at = route(finding, policy, detected_at=detected_at)
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
    records = [_record(f, policy, detected_at) for f in findings]
    return sorted(records, key=lambda r: (r.type, r.subject))
