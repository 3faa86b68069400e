"""``recurring_exception``: the same problem on the same product, supplier or customer,
again and again: time for a root-cause review rather than one more fix.

The trigger reads the case history (each opening or reopening of a case is one
occurrence) and this run's findings that open or reopen a case (``context.arising``,
each an occurrence opened now): ``occurrences`` or more occurrences of one exception type naming one
product, supplier or customer among their entities, opened within the last
``window_days`` days (the boundary day included). The review is owned by the team that
owns the recurring type.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from controltower.detectors.base import (
    DetectionContext,
    DetectorSettings,
    Finding,
    SeverityByValue,
)
from controltower.domain.cases import (
    CaseOccurrence,
    ExceptionType,
    Severity,
    highest_severity,
    raise_severity,
)
from controltower.domain.explain import format_money, plural

#: the kinds of entity a recurrence is counted on
RECURRING_ENTITY_KINDS: tuple[str, ...] = ("product", "supplier", "customer")


class RecurringExceptionSettings(DetectorSettings, Protocol):
    @property
    def occurrences(self) -> int: ...
    @property
    def window_days(self) -> int: ...


def recurring_subject(entity: str, type_: ExceptionType) -> str:
    """``supplier:SUP-ACME:supplier_delay``."""
    return f"{entity}:{type_}"


def _counted(entity: str) -> bool:
    return entity.split(":", 1)[0] in RECURRING_ENTITY_KINDS


def arising_occurrences(
    findings: Iterable[Finding], opened_at: datetime
) -> Iterator[CaseOccurrence]:
    """This run's arising findings as the occurrences they will be once filed."""
    for f in findings:
        if f.type is not ExceptionType.RECURRING_EXCEPTION:
            yield CaseOccurrence(
                type=f.type,
                subject=f.subject,
                cause=f.cause,
                entities=f.entities,
                opened_at=opened_at,
                value_at_risk=f.value_at_risk,
            )


def detect(context: DetectionContext, settings: RecurringExceptionSettings) -> list[Finding]:
    since = context.detected_at - timedelta(days=settings.window_days)
    groups: dict[tuple[str, ExceptionType], dict[tuple[str, object], CaseOccurrence]] = defaultdict(
        dict
    )
    counted = (
        *context.history,
        *arising_occurrences(context.arising, context.detected_at),
    )
    for occurrence in counted:
        if occurrence.type is ExceptionType.RECURRING_EXCEPTION:
            continue
        if not since <= occurrence.opened_at <= context.detected_at:
            continue
        for entity in occurrence.entities:
            if _counted(entity):
                key = (occurrence.subject, occurrence.opened_at)
                groups[(entity, occurrence.type)][key] = occurrence
    findings: list[Finding] = []
    for (entity, type_), found in sorted(groups.items()):
        count = len(found)
        if count < settings.occurrences:
            continue
        findings.append(review_finding(context, settings, entity, type_, list(found.values())))
    return findings


def review_finding(
    context: SeverityByValue,
    settings: RecurringExceptionSettings,
    entity: str,
    type_: ExceptionType,
    found: Sequence[CaseOccurrence],
) -> Finding:
    """The review of ``entity`` for the ``found`` occurrences of ``type_``."""
    return review(
        context,
        settings,
        entity,
        type_,
        count=len(found),
        value=sum((o.value_at_risk for o in found), Decimal(0)),
        subjects=sorted({o.subject for o in found}),
    )


def review(
    context: SeverityByValue,
    settings: RecurringExceptionSettings,
    entity: str,
    type_: ExceptionType,
    *,
    count: int,
    value: Decimal,
    subjects: Sequence[str],
) -> Finding:
    """The review of ``entity`` after ``count`` occurrences of ``type_`` on the sorted
    distinct ``subjects``, worth ``value`` in all.

    Shared by the columnar twin, which counts in bulk, so both word and grade a review
    the same way.
    """
    severity = highest_severity([Severity.MEDIUM, context.severity_for_value(value)])
    if count >= 2 * settings.occurrences:
        severity = raise_severity(severity)
    return Finding(
        type=ExceptionType.RECURRING_EXCEPTION,
        subject=recurring_subject(entity, type_),
        severity=severity,
        value_at_risk=value,
        value_basis="sum of the value at risk of the occurrences in the window",
        explanation=(
            f"{type_} has occurred {count} times in the last "
            f"{plural(settings.window_days, 'day')} on {entity} ({', '.join(subjects)}), "
            f"putting {format_money(value)} at risk in all (the policy calls for a review "
            f"at {settings.occurrences}). Next: open a root-cause review of {entity} "
            f"and agree corrective actions, rather than fixing each case again."
        ),
        cause=recurring_subject(entity, type_),
        related=tuple(subjects),
        entities=(entity,),
        owner_type=type_,
    )
