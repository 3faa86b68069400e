"""Any sort of a list read the other way round (a column header clicked twice).

A sort is a list of index-ordered segments (:class:`~.paging.Segment`); read backwards,
the segments come in the opposite order and every key of each is flipped, ids included,
so the order stays total and stable. An index serves a range read backwards as well as
forwards, so a reversed sort is exactly as fast as the sort itself.

A client asks for a direction (``asc``, ``desc``) rather than "reversed": each sort has
its own way (the queue reads the worst severity first, due dates the soonest first), and
:func:`reverse_for` says whether a direction asked for turns it round.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from controltower.storage.queries.paging import Segment, SortKey


def reversed_segments(segments: Sequence[Segment]) -> list[Segment]:
    """``segments`` in the opposite order, each with every sort key flipped."""
    return [
        Segment(segment.where, _flipped(segment.order), _flipped(segment.fixed))
        for segment in reversed(segments)
    ]


def _flipped(keys: tuple[SortKey, ...]) -> tuple[SortKey, ...]:
    return tuple(SortKey(key.expression, not key.descending) for key in keys)


class SortDirection(StrEnum):
    """Which way a sort reads its leading column: up (A to Z, oldest, least) or down."""

    ASC = "asc"
    DESC = "desc"


def reverse_for(naturally_descending: bool, direction: SortDirection | None) -> bool:
    """Whether a sort that reads down by nature (``naturally_descending``) must be read
    the other way round to go in ``direction`` (None: its own way)."""
    if direction is None:
        return False
    return (direction is SortDirection.DESC) != naturally_descending


def direction_of(naturally_descending: bool, reverse: bool) -> SortDirection:
    """The direction a sort reads in, reversed or not."""
    return SortDirection.DESC if naturally_descending != reverse else SortDirection.ASC
