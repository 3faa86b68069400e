"""``recurring_exception``: the same problem on the same product, supplier or customer,
again and again: time for a root-cause review rather than one more fix.

The trigger reads the case history (each opening or reopening of a case is one
occurrence) and this run's findings that open or reopen a case (``context.arising``,
each an occurrence opened now): ``occurrences`` or more occurrences of one exception type naming one
product, supplier or customer among their entities, opened within the last
``window_days`` days (the boundary day included). The review is owned by the team that
owns the recurring type, placed at the business's company when it has only one. It
says how many of its occurrences are still open: on a first scan all are, cases open
at once rather than a history, and it reads so.

This detector reads the case history, this run's arising findings, the detection time
and the value ladder. A large scan raises tens of thousands of findings naming a
hundred thousand entities and ends with thousands of reviews, so instead of one nested
dictionary entry per (entity, type, occurrence) the entities, subjects and occurrence
keys are numbered once, the counting, the value sums and the sorting of each review's
subjects are done on arrays, and only the reviews themselves are worded one by one
(by :func:`review`, which the oracle's reference detector uses too).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from controltower.detectors.base import DetectorSettings, Finding
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.detectors.columnar.groups import distinct_sorted, first_in_runs
from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.explain import format_money, plural
from controltower.domain.tables import I64

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


#: the occurrences named in a review before "and N more"
SUBJECTS_NAMED: Final = 5
#: how the value at risk of a review is worked out
VALUE_BASIS: Final = "sum of the value at risk of the occurrences in the window"


def _named(subjects: Sequence[str]) -> str:
    """``PO7, PO9 and 3 more``: the first occurrences by their codes, then how many more."""
    codes = [subject.split(":", 1)[-1] for subject in subjects[:SUBJECTS_NAMED]]
    shown = ", ".join(codes)
    rest = len(subjects) - SUBJECTS_NAMED
    return f"{shown} and {rest} more" if rest > 0 else shown


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def review(
    settings: RecurringExceptionSettings,
    entity: str,
    type_: ExceptionType,
    *,
    count: int,
    still_open: int,
    value: Decimal,
    subjects: Sequence[str],
    entity_phrase: str,
    company: str | None,
) -> Finding:
    """The review of ``entity`` (``entity_phrase`` in words) after ``count`` occurrences
    of ``type_`` on the sorted distinct ``subjects``, worth ``value`` in all, of which
    ``still_open`` are cases open now. When all are (always so on a first scan) they are
    cases open at once rather than a history, and the words say so; a repeated scan
    words it the same.

    A review is a process problem for the team that owns the type, not a fire: it
    delays no order itself (its occurrences do, and keep their own severities), so it
    is low, or medium from twice the threshold, whatever its occurrences are worth; and
    an incident led by a review counts none of that value as its own
    (:mod:`controltower.domain.incidents`). Used by :func:`detect`, which counts in bulk, and by the oracle's
    reference detector, so both word and grade a review the same way.
    """
    severity = Severity.MEDIUM if count >= 2 * settings.occurrences else Severity.LOW
    noun = f"{type_.replace('_', ' ')} case"
    cases = plural(count, noun)
    window = plural(settings.window_days, "day")
    if still_open == count:
        told = (
            f"{_capitalised(entity_phrase)} has {cases} open at once: {_named(subjects)}. "
            f"Together they put {format_money(value)} at risk; the policy calls for a "
            f"review at {settings.occurrences} in {window}."
        )
    else:
        told = (
            f"{_capitalised(entity_phrase)} has had {cases} in the last {window} "
            f"({still_open or 'none'} still open): {_named(subjects)}. "
            f"Together they put {format_money(value)} at risk; the policy calls for a "
            f"review at {settings.occurrences}."
        )
    subject = recurring_subject(entity, type_)  # also its cause: one text for both
    return Finding(
        type=ExceptionType.RECURRING_EXCEPTION,
        subject=subject,
        severity=severity,
        value_at_risk=value,
        value_basis=VALUE_BASIS,
        explanation=(
            f"{told} Next: open a root-cause review of {entity.split(':', 1)[-1]} and agree "
            f"corrective actions, rather than fixing each case again."
        ),
        cause=subject,
        related=tuple(subjects),
        entities=(entity,),
        company=company,
        owner_type=type_,
    )


_TYPES: Final = tuple(ExceptionType)
K = TypeVar("K", bound=Hashable)
_TYPE_INDEX: Final = {t: i for i, t in enumerate(_TYPES)}
_RECURRING: Final = ExceptionType.RECURRING_EXCEPTION


@dataclass(frozen=True, slots=True)
class _Occurrences:
    """The occurrences counted, one per position: the window's past occurrences, then
    this run's arising findings (opened at the detection time)."""

    types: list[ExceptionType]
    subjects: list[str]
    opened_at: list[datetime]
    entities: list[tuple[str, ...]]
    values: list[Decimal]
    #: how many of the positions (the first ones) are past occurrences
    n_past: int

    @classmethod
    def of(cls, context: ColumnarDetectionContext, window_days: int) -> _Occurrences:
        until = context.detected_at
        since = until - timedelta(days=window_days)
        past = [
            o for o in context.history if o.type is not _RECURRING and since <= o.opened_at <= until
        ]
        # arising now, so in the window unless it is empty (a negative length)
        new = [f for f in context.arising if f.type is not _RECURRING] if since <= until else []
        return cls(
            types=[o.type for o in past] + [f.type for f in new],
            subjects=[o.subject for o in past] + [f.subject for f in new],
            opened_at=[o.opened_at for o in past] + [until] * len(new),
            entities=[o.entities for o in past] + [f.entities for f in new],
            values=[o.value_at_risk for o in past] + [f.value_at_risk for f in new],
            n_past=len(past),
        )


@dataclass(frozen=True, slots=True)
class _Recurrences:
    """The (entity, type) pairs of the window, each with its distinct occurrences.

    Pair ``g`` is entity ``entities[pair_entity[g]]`` and type ``_TYPES[pair_type[g]]``;
    its occurrences (one per subject and opening time, the last one listed winning)
    are the positions ``members[start[g]:start[g + 1]]``.
    """

    entities: list[str]
    pair_entity: I64
    pair_type: I64
    members: I64
    start: I64


def detect(
    context: ColumnarDetectionContext, settings: RecurringExceptionSettings
) -> list[Finding]:
    """A review per (entity, type) that occurred ``occurrences`` times in the window."""
    occurrences = _Occurrences.of(context, settings.window_days)
    subject, numbering = _numbered(occurrences.subjects)
    found = _recurrences(occurrences, subject)
    counts = np.diff(found.start)
    chosen = np.flatnonzero(counts >= settings.occurrences)
    if not chosen.size:
        return []
    # the chosen pairs' occurrences, pair after pair
    lengths = counts[chosen]
    starts = found.start[chosen]
    rows = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    members = found.members[rows]
    group = np.repeat(np.arange(chosen.shape[0]), lengths)
    bounds = np.append(0, np.cumsum(lengths))
    values = np.add.reduceat(np.array(occurrences.values, dtype=object)[members], bounds[:-1])
    # the window's past occurrences come first, this run's arising findings after them
    current = context.current
    is_open = np.array(
        [
            i >= occurrences.n_past or (t, subj) in current
            for i, (t, subj) in enumerate(zip(occurrences.types, occurrences.subjects, strict=True))
        ],
        dtype=np.int64,
    )
    still_open = np.add.reduceat(is_open[members], bounds[:-1])
    subjects, subject_bounds = _distinct_sorted_subjects(list(numbering), subject, members, group)
    findings: list[Finding] = []
    company = context.sole_company
    for g, (entity, type_index, count, opened, value) in enumerate(
        zip(
            found.pair_entity[chosen].tolist(),
            found.pair_type[chosen].tolist(),
            lengths.tolist(),
            still_open.tolist(),
            values.tolist(),
            strict=True,
        )
    ):
        findings.append(
            review(
                settings,
                found.entities[entity],
                _TYPES[type_index],
                count=count,
                still_open=opened,
                value=value,
                subjects=subjects[subject_bounds[g] : subject_bounds[g + 1]],
                entity_phrase=context.entity_phrase(found.entities[entity]),
                company=company,
            )
        )
    return findings


def _distinct_sorted_subjects(
    distinct: list[str], subject: I64, members: I64, group: I64
) -> tuple[list[str], list[int]]:
    """Each group's distinct subjects in sorted order, as one list and group bounds.

    ``distinct`` are the subjects numbered, ``subject`` each occurrence's number,
    ``members`` the occurrences of the groups one after another and ``group`` theirs.
    """
    order = sorted(range(len(distinct)), key=distinct.__getitem__)
    ranks = np.empty(len(distinct), dtype=np.int64)
    ranks[order] = np.arange(len(distinct))
    span = max(len(distinct), 1)
    key = distinct_sorted(group * span + ranks[subject[members]])
    kept_group = key // span
    by_rank: npt.NDArray[np.object_] = np.array([distinct[i] for i in order], dtype=object)
    texts: list[str] = by_rank[key % span].tolist()
    n_groups = int(group[-1]) + 1 if group.size else 0
    bounds = np.searchsorted(kept_group, np.arange(n_groups + 1)).tolist()
    return texts, bounds


def _recurrences(occurrences: _Occurrences, subject: I64) -> _Recurrences:
    """Count the window's occurrences per (counted entity, type) on arrays; ``subject``
    numbers each occurrence's subject.

    An array of a row per (occurrence, entity) is two million rows on a crisis day, at
    its peak memory: each goes as soon as it is used (no ``_`` keeps one alive).
    """
    n = len(occurrences.types)
    moment, moments = _numbered(occurrences.opened_at)
    key = np.unique(subject * max(len(moments), 1) + moment, return_inverse=True)[1]
    del moment, moments
    n_keys = int(key.max()) + 1 if key.size else 1
    type_ = np.fromiter(map(_TYPE_INDEX.__getitem__, occurrences.types), dtype=np.int64, count=n)
    entity, entity_numbers = _numbered(list(itertools.chain.from_iterable(occurrences.entities)))
    entities = list(entity_numbers)
    counted = np.array(
        [e.split(":", 1)[0] in RECURRING_ENTITY_KINDS for e in entities], dtype=np.bool_
    )
    owner = np.repeat(np.arange(n, dtype=np.int64), list(map(len, occurrences.entities)))
    keep = counted[entity] if entity.size else np.zeros(0, dtype=np.bool_)
    owner, entity = owner[keep], entity[keep]
    # One row per (pair, occurrence key); the last occurrence listed with a key wins.
    pair = entity * len(_TYPES) + type_[owner]
    del entity, type_
    row = pair * n_keys + key[owner]
    del key
    last = np.unique(row[::-1], return_index=True)[1]
    del row
    chosen = owner.shape[0] - 1 - last
    del last
    chosen = chosen[np.lexsort((owner[chosen], pair[chosen]))]
    pairs = pair[chosen]
    del pair
    firsts = np.flatnonzero(first_in_runs(pairs))
    distinct = pairs[firsts]
    return _Recurrences(
        entities=entities,
        pair_entity=distinct // len(_TYPES),
        pair_type=distinct % len(_TYPES),
        members=owner[chosen],
        start=np.append(firsts, chosen.shape[0]).astype(np.int64),
    )


def _numbered(values: Sequence[K]) -> tuple[I64, dict[K, int]]:
    """Each value's number (distinct values numbered in order of first appearance),
    and the numbering."""
    numbers = {v: i for i, v in enumerate(dict.fromkeys(values))}
    found = np.fromiter(map(numbers.__getitem__, values), dtype=np.int64, count=len(values))
    return found, numbers
