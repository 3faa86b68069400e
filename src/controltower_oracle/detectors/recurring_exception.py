"""The reference ``recurring_exception`` detector, over value objects.

It counts the case history and this run's arising findings one occurrence at a time
and finds the same problem on the same product, supplier or customer, again and again.
Its settings, value basis and wording are the product detector's
(:mod:`controltower.detectors.columnar.recurring_exception`), whose findings tests hold
equal to these.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from controltower.detectors.base import Finding
from controltower.detectors.columnar.recurring_exception import (
    RECURRING_ENTITY_KINDS,
    RecurringExceptionSettings,
    review,
)
from controltower.domain.cases import CaseOccurrence, ExceptionType
from controltower_oracle.detectors.context import DetectionContext


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
    arising = list(arising_occurrences(context.arising, context.detected_at))
    # which occurrences this run found: they are open whatever the history says
    fresh = {id(o) for o in arising}
    counted = (*context.history, *arising)
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
        findings.append(
            review_finding(context, settings, entity, type_, list(found.values()), fresh)
        )
    return findings


def review_finding(
    context: DetectionContext,
    settings: RecurringExceptionSettings,
    entity: str,
    type_: ExceptionType,
    found: Sequence[CaseOccurrence],
    fresh: set[int],
) -> Finding:
    """The review of ``entity`` for the ``found`` occurrences of ``type_``, those whose
    ``id`` is in ``fresh`` found by this run (and so open)."""
    return review(
        settings,
        entity,
        type_,
        count=len(found),
        still_open=sum(
            1 for o in found if id(o) in fresh or (o.type, o.subject) in context.current
        ),
        value=sum((o.value_at_risk for o in found), Decimal(0)),
        subjects=sorted({o.subject for o in found}),
        entity_phrase=context.entity_phrase(entity),
        company=context.sole_company,
    )
