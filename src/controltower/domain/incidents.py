"""Root-cause grouping: exceptions that share one cause are one incident.

One late purchase order hurting twenty orders is one problem with twenty impacts, not
twenty-one alerts. Every exception names its root cause as a key (``cause``); the
exception whose subject *is* that key is the incident's root (the supplier delay on
``purchase_order:PO7``), the others are its impacts (the orders it makes late).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from controltower.domain.cases import (
    ExceptionType,
    Severity,
    highest_severity,
    severity_rank,
)


class Groupable(Protocol):
    """What grouping reads of an exception (a detection record or a case)."""

    @property
    def type(self) -> ExceptionType: ...
    @property
    def subject(self) -> str: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def value_at_risk(self) -> Decimal: ...
    @property
    def cause(self) -> str: ...
    @property
    def related(self) -> tuple[str, ...]: ...


#: when several exceptions have the cause itself as subject, the first listed type leads
ROOT_PRECEDENCE: tuple[ExceptionType, ...] = (
    ExceptionType.SUPPLIER_DELAY,
    ExceptionType.SUPPLIER_CONFIRMATION_OVERDUE,
    ExceptionType.CREDIT_HOLD,
    ExceptionType.STOCK_SHORTAGE,
    ExceptionType.QUALITY_HOLD,
    ExceptionType.REPLENISHMENT_OVERDUE,
    ExceptionType.PICKING_BOTTLENECK,
    *ExceptionType,
)


@dataclass(frozen=True, slots=True)
class Incident:
    """The exceptions sharing one root cause."""

    #: derived from the cause only, so the same cause keeps the same id across runs
    id: str
    cause: str
    title: str
    #: the root case's type; when the cause has no case of its own, the leading member's
    root_type: ExceptionType
    #: False when no exception has the cause itself as subject
    has_root_case: bool
    #: (type, subject) of every exception in the incident
    members: tuple[tuple[ExceptionType, str], ...]
    #: the subjects the cause hurts: the other members' subjects and the lead root's related
    impacts: tuple[str, ...]
    value_at_risk: Decimal
    severity: Severity


def incident_id(cause: str) -> str:
    digest = hashlib.sha256(cause.encode()).hexdigest()
    return f"INC-{digest[:12].upper()}"


def _lead(records: Sequence[Groupable]) -> Groupable:
    """The exception an incident is named after: the root by precedence, else the worst."""
    return min(
        records,
        key=lambda r: (
            ROOT_PRECEDENCE.index(r.type),
            -severity_rank(r.severity),
            -r.value_at_risk,
            r.subject,
        ),
    )


def _impact_value(impacts: Iterable[Groupable]) -> Decimal:
    """Sum over impacted subjects, each counted once at its highest value."""
    best: dict[str, Decimal] = {}
    for record in impacts:
        best[record.subject] = max(best.get(record.subject, Decimal(0)), record.value_at_risk)
    return sum(best.values(), Decimal(0))


def _title(lead: Groupable, cause: str, impacts: Sequence[str], has_root: bool) -> str:
    label = lead.type.replace("_", " ").capitalize()
    hurt = f", {len(impacts)} impact{'s' if len(impacts) != 1 else ''}" if impacts else ""
    if has_root:
        return f"{label} on {cause}{hurt}"
    return f"{cause}: {label.lower()} and related exceptions{hurt}"


def _incident(cause: str, records: Sequence[Groupable]) -> Incident:
    roots = [r for r in records if r.subject == cause]
    others = [r for r in records if r.subject != cause]
    lead = _lead(roots or records)
    named = lead.related if roots else ()
    impacts = sorted({r.subject for r in others} | {s for s in named if s != cause})
    root_value = max((r.value_at_risk for r in roots), default=Decimal(0))
    return Incident(
        id=incident_id(cause),
        cause=cause,
        title=_title(lead, cause, impacts, bool(roots)),
        root_type=lead.type,
        has_root_case=bool(roots),
        members=tuple(sorted((r.type, r.subject) for r in records)),
        impacts=tuple(impacts),
        value_at_risk=max(root_value, _impact_value(others)),
        severity=highest_severity(r.severity for r in records),
    )


def group_incidents(records: Iterable[Groupable]) -> list[Incident]:
    """One incident per cause, the most severe and valuable first.

    The value at risk is the larger of the root's own value and the sum of its impacts'
    values (each impacted subject counted once): impacts are never counted twice, and
    a root whose impacts were filtered out as noise still shows what it puts at stake.
    """
    by_cause: dict[str, list[Groupable]] = {}
    for record in records:
        by_cause.setdefault(record.cause, []).append(record)
    incidents = [_incident(cause, group) for cause, group in by_cause.items()]
    return sorted(incidents, key=lambda i: (-severity_rank(i.severity), -i.value_at_risk, i.cause))
