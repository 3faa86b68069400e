"""``recurring_exception`` for the columnar scan: the reference detector's findings.

This detector reads only the case history (the caller adds this run's arising
occurrences), the detection time and the value ladder. A large scan adds tens of
thousands of occurrences naming a hundred thousand entities, so instead of one nested
dictionary entry per (entity, type, occurrence) the entities and occurrence keys are
numbered once and the counting is done on arrays; Decimals and words are made only
for the (entity, type) pairs that recur often enough.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final, TypeVar

import numpy as np

from controltower.detectors.base import Finding
from controltower.detectors.columnar.common import first_in_runs
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.detectors.recurring_exception import (
    RECURRING_ENTITY_KINDS,
    RecurringExceptionSettings,
    review_finding,
)
from controltower.domain.cases import (
    CaseOccurrence,
    ExceptionType,
)
from controltower.domain.tables import I64

_TYPES: Final = tuple(ExceptionType)
K = TypeVar("K", bound=Hashable)
_TYPE_INDEX: Final = {t: i for i, t in enumerate(_TYPES)}


@dataclass(frozen=True, slots=True)
class _Recurrences:
    """The (entity, type) pairs of the window, each with its distinct occurrences.

    Pair ``g`` is entity ``entities[pair_entity[g]]`` and type ``_TYPES[pair_type[g]]``;
    its occurrences (one per subject and opening time, the last one listed winning)
    are ``occurrences[members[start[g]:start[g + 1]]]``.
    """

    occurrences: list[CaseOccurrence]
    entities: list[str]
    pair_entity: I64
    pair_type: I64
    members: I64
    start: I64


def detect(
    context: ColumnarDetectionContext, settings: RecurringExceptionSettings
) -> list[Finding]:
    """A review per (entity, type) that occurred ``occurrences`` times in the window."""
    found = _recurrences(context, settings.window_days)
    counts = np.diff(found.start)
    findings: list[Finding] = []
    for g in np.flatnonzero(counts >= settings.occurrences).tolist():
        members = found.members[found.start[g] : found.start[g + 1]].tolist()
        occurrences = [found.occurrences[i] for i in members]
        findings.append(
            review_finding(
                context,
                settings,
                found.entities[int(found.pair_entity[g])],
                _TYPES[int(found.pair_type[g])],
                occurrences,
            )
        )
    return findings


def _recurrences(context: ColumnarDetectionContext, window_days: int) -> _Recurrences:
    """Count the window's occurrences per (counted entity, type) on arrays."""
    until = context.detected_at
    since = until - timedelta(days=window_days)
    occurrences = [
        o
        for o in context.history
        if o.type is not ExceptionType.RECURRING_EXCEPTION and since <= o.opened_at <= until
    ]
    keys = [(o.subject, o.opened_at) for o in occurrences]
    key, key_numbers = _numbered(keys)
    type_ = np.fromiter(
        map(_TYPE_INDEX.__getitem__, (o.type for o in occurrences)),
        dtype=np.int64,
        count=len(occurrences),
    )
    entity, entity_numbers = _numbered(
        list(itertools.chain.from_iterable(o.entities for o in occurrences))
    )
    entities = list(entity_numbers)
    counted = np.array(
        [e.split(":", 1)[0] in RECURRING_ENTITY_KINDS for e in entities], dtype=np.bool_
    )
    owner = np.repeat(
        np.arange(len(occurrences), dtype=np.int64),
        [len(o.entities) for o in occurrences],
    )
    keep = counted[entity] if entity.size else np.zeros(0, dtype=np.bool_)
    owner, entity = owner[keep], entity[keep]
    # One row per (pair, occurrence key); the last occurrence listed with a key wins.
    pair = entity * len(_TYPES) + type_[owner]
    row = pair * max(len(key_numbers), 1) + key[owner]
    _, last = np.unique(row[::-1], return_index=True)
    chosen = owner.shape[0] - 1 - last
    order = np.lexsort((owner[chosen], pair[chosen]))
    chosen = chosen[order]
    pairs = pair[chosen]
    firsts = np.flatnonzero(first_in_runs(pairs))
    distinct = pairs[firsts]
    return _Recurrences(
        occurrences=occurrences,
        entities=entities,
        pair_entity=distinct // len(_TYPES),
        pair_type=distinct % len(_TYPES),
        members=owner[chosen],
        start=np.append(firsts, chosen.shape[0]).astype(np.int64),
    )


def _numbered(values: list[K]) -> tuple[I64, dict[K, int]]:
    """Each value's number (distinct values numbered in order of first appearance),
    and the numbering."""
    numbers = {v: i for i, v in enumerate(dict.fromkeys(values))}
    found = np.fromiter(map(numbers.__getitem__, values), dtype=np.int64, count=len(values))
    return found, numbers
