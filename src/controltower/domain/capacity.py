"""Warehouse pick capacity: at most C lines a day, across all SKUs of a warehouse.

``allocation.md``: take every open line of the warehouse whose projected date is known
(whatever its order's other lines or credit), sort by that date then by demand
priority, and give each the earliest day on or after its date that still has capacity.

Because lines come in date order, every day before the current "cursor" day that a
later line could use is already full; one cursor walk schedules the lot after the sort.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Generic, TypeVar

from controltower.domain.priority import PriorityKey

K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class ReadyLine(Generic[K]):
    """A line whose supply is known: ready on ``supply_date``, served by ``priority``."""

    key: K
    supply_date: date
    priority: PriorityKey


def schedule_picking(lines: Iterable[ReadyLine[K]], capacity: int | None) -> dict[K, date]:
    """The day each line is picked, given ``capacity`` lines a day (None: unlimited).

    Without a capacity a line is picked on the day it is ready. With one, lines are
    taken by (ready date, priority) and each gets the earliest day on or after its
    ready date with a slot left.
    """
    if capacity is None:
        return {line.key: line.supply_date for line in lines}
    if capacity <= 0:
        raise ValueError(f"pick capacity must be a positive number of lines, not {capacity}")
    ordered = sorted(lines, key=lambda line: (line.supply_date, line.priority))
    picked: dict[K, date] = {}
    day: date | None = None
    used = 0
    for line in ordered:
        if day is None or line.supply_date > day:
            day, used = line.supply_date, 0
        if used >= capacity:
            day, used = day + timedelta(days=1), 0
        picked[line.key] = day
        used += 1
    return picked
