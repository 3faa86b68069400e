"""Warehouse pick capacity: at most C lines a day, across all SKUs of a warehouse.

``allocation.md``: take every open line of the warehouse whose projected date is known
(whatever its order's other lines or credit), sort by that date then by demand
priority, and give each the earliest day on or after its date that still has capacity.

Because lines come in date order, every day before the current "cursor" day that a
later line could use is already full; one cursor walk schedules the lot after the sort.
:func:`schedule_picking` is that definition; :class:`PickSchedule` keeps the same days
current under single changes without re-sorting or re-walking the whole warehouse.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Generic, TypeVar

from controltower_oracle.priority import PriorityKey

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


#: A line's place in the queue of its ready date: priority first, then its key.
_Place = tuple[PriorityKey, K]


class PickSchedule(Generic[K]):
    """The pick days of one capacity-limited warehouse, kept current as ready lines change.

    Re-running :func:`schedule_picking` over a warehouse's every ready line for each
    change costs a sort and a walk of all of them. Number the warehouse's pick slots
    ``day * capacity + n``: the lines ready on one date are picked in priority order
    into consecutive slots, starting at the first free slot that is not before the
    date. So the queue is kept as one sorted list per ready date plus the slot its
    first line takes, and the line at index ``i`` of date ``d`` is picked on day
    ``(start[d] + i) // capacity``. A change patches the lists of the dates it touches
    and recomputes the start slots from the first of them, stopping once past the last
    at a date whose start did not move: from there on nothing does. Only lines that
    cross a day boundary change day, so those are found from the boundaries, not by
    walking every line. :func:`schedule_picking` stays the definition; this must give
    exactly its days.

    Ties on (ready date, priority) are broken by the line key, so keys must be ordered.
    """

    def __init__(
        self, capacity: int, lines: Iterable[ReadyLine[K]] = (), *, rebuild_share: float = 0.25
    ) -> None:
        """``rebuild_share``: above this share of the queue touched by one update, a full
        rebuild is cheaper than patching line by line."""
        if capacity <= 0:
            raise ValueError(f"pick capacity must be a positive number of lines, not {capacity}")
        self._capacity = capacity
        self._rebuild_share = rebuild_share
        self._dates: list[date] = []
        self._groups: dict[date, list[_Place[K]]] = {}
        self._start: dict[date, int] = {}
        self._ready: dict[K, tuple[date, PriorityKey]] = {}
        self.update(removed=(), upserted=lines)

    @property
    def capacity(self) -> int:
        return self._capacity

    def day_of(self, key: K) -> date:
        """The pick day of a scheduled line; KeyError for a line not in the queue."""
        ready_on, priority = self._ready[key]
        index = bisect_left(self._groups[ready_on], (priority, key))
        return self._day(self._start[ready_on] + index)

    def days(self) -> dict[K, date]:
        """Every scheduled line's pick day."""
        days: dict[K, date] = {}
        for ready_on in self._dates:
            start = self._start[ready_on]
            for index, (_, key) in enumerate(self._groups[ready_on]):
                days[key] = self._day(start + index)
        return days

    def __len__(self) -> int:
        return len(self._ready)

    def update(self, removed: Iterable[K], upserted: Iterable[ReadyLine[K]]) -> set[K]:
        """Drop ``removed`` lines, add or move ``upserted`` ones, and re-schedule.

        Returns the keys whose pick day changed, appeared or disappeared. A key both
        removed and upserted is upserted; removing a key that is not queued is a no-op.
        """
        upserts = {line.key: line for line in upserted}
        gone = {key for key in removed if key in self._ready and key not in upserts}
        moves = {
            key: line
            for key, line in upserts.items()
            if self._ready.get(key) != (line.supply_date, line.priority)
        }
        if not gone and not moves:
            return set()
        if len(gone) + len(moves) > self._rebuild_share * len(self._ready):
            return self._rebuild(gone, moves)
        return self._patch(gone, moves)

    # --- internals -------------------------------------------------------------------

    def _day(self, slot: int) -> date:
        return date.fromordinal(slot // self._capacity)

    def _first_slot(self, ready_on: date) -> int:
        return ready_on.toordinal() * self._capacity

    def _rebuild(self, gone: set[K], moves: dict[K, ReadyLine[K]]) -> set[K]:
        old_days = self.days()
        for key in gone:
            del self._ready[key]
        for key, line in moves.items():
            self._ready[key] = (line.supply_date, line.priority)
        groups: dict[date, list[_Place[K]]] = {}
        for key, (ready_on, priority) in self._ready.items():
            groups.setdefault(ready_on, []).append((priority, key))
        self._dates = sorted(groups)
        self._groups = {}
        self._start = {}
        free = 0
        for ready_on in self._dates:
            group = sorted(groups[ready_on])
            self._groups[ready_on] = group
            self._start[ready_on] = start = max(free, self._first_slot(ready_on))
            free = start + len(group)
        new_days = self.days()
        return {k for k in old_days.keys() | new_days.keys() if old_days.get(k) != new_days.get(k)}

    def _patch(self, gone: set[K], moves: dict[K, ReadyLine[K]]) -> set[K]:
        changed = set(gone) | moves.keys()
        #: per touched date, the places removed from and added to its list
        touched: dict[date, list[tuple[_Place[K], int]]] = {}
        for key in changed:
            place = self._ready.pop(key, None)
            if place is not None:
                ready_on, priority = place
                group = self._groups[ready_on]
                del group[bisect_left(group, (priority, key))]
                touched.setdefault(ready_on, []).append(((priority, key), -1))
        for key, line in moves.items():
            if line.supply_date not in self._groups:
                self._groups[line.supply_date] = []
                insort(self._dates, line.supply_date)
            insort(self._groups[line.supply_date], (line.priority, key))
            self._ready[key] = (line.supply_date, line.priority)
            touched.setdefault(line.supply_date, []).append(((line.priority, key), +1))
        last = max(touched)
        index = bisect_left(self._dates, min(touched))
        free = self._end(self._dates[index - 1]) if index > 0 else 0
        while index < len(self._dates):
            ready_on = self._dates[index]
            group = self._groups[ready_on]
            old_start = self._start.get(ready_on)
            start = max(free, self._first_slot(ready_on))
            if ready_on > last and start == old_start:
                return changed
            if not group:
                del self._dates[index], self._groups[ready_on], self._start[ready_on]
                continue
            self._start[ready_on] = start
            edits = sorted(touched.get(ready_on, ()))
            if old_start is not None:
                self._report_shifts(group, start, old_start, edits, changed)
            free = start + len(group)
            index += 1
        return changed

    def _end(self, ready_on: date) -> int:
        """The first slot after the lines ready on ``ready_on``."""
        return self._start[ready_on] + len(self._groups[ready_on])

    def _report_shifts(
        self,
        group: list[_Place[K]],
        start: int,
        old_start: int,
        edits: list[tuple[_Place[K], int]],
        changed: set[K],
    ) -> None:
        """Add to ``changed`` the lines of ``group`` kept from before whose day moved.

        Between two edited places the kept lines moved by the same number of slots
        (the start's move plus lines added minus lines removed before them), so only
        those within that many slots of a day boundary changed day.
        """
        offset = 0
        low = 0
        for place, step in [*edits, (None, 0)]:
            high = len(group) if place is None else bisect_left(group, place)
            self._report_segment(group, low, high, start, start - old_start + offset, changed)
            if place is not None:
                offset += step
                low = bisect_right(group, place)

    def _report_segment(
        self, group: list[_Place[K]], low: int, high: int, start: int, shift: int, changed: set[K]
    ) -> None:
        """Lines ``low:high`` now in slots ``start + i``, before in ``start + i - shift``."""
        if shift == 0 or low >= high:
            return
        capacity = self._capacity
        if abs(shift) >= capacity:
            changed.update(key for _, key in group[low:high])
            return
        first_day = (start + low) // capacity
        last_day = (start + high - 1) // capacity
        for day in range(first_day, last_day + 1):
            boundary = day * capacity
            # slots whose day differs from that of the slot ``shift`` earlier
            if shift > 0:
                lo, hi = boundary, boundary + shift
            else:
                lo, hi = boundary + capacity + shift, boundary + capacity
            for index in range(max(lo - start, low), min(hi - start, high)):
                changed.add(group[index][1])
