"""Warehouse pick capacity scheduling (``allocation.md``, "Warehouse capacity")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from controltower.domain.capacity import ReadyLine, schedule_picking
from controltower.domain.priority import PriorityKey

D = date(2026, 11, 25)


def day(n: int) -> date:
    return D + timedelta(days=n)


def priority(rank: int, *, expedite: bool = False) -> PriorityKey:
    return (0 if expedite else 1, D, 2, D, f"SO{rank:03d}", 1)


def ready(name: str, ready_on: int, rank: int, *, expedite: bool = False) -> ReadyLine[str]:
    return ReadyLine(
        key=name, supply_date=day(ready_on), priority=priority(rank, expedite=expedite)
    )


def test_warehouse_without_capacity_picks_every_line_the_day_it_is_ready() -> None:
    lines = [ready(f"L{n}", n % 2, n) for n in range(50)]
    assert schedule_picking(lines, None) == {line.key: line.supply_date for line in lines}


def test_lines_beyond_capacity_spill_over_several_days() -> None:
    lines = [ready(f"L{n}", 0, n) for n in range(5)]
    assert schedule_picking(lines, 2) == {
        "L0": day(0),
        "L1": day(0),
        "L2": day(1),
        "L3": day(1),
        "L4": day(2),
    }


def test_on_the_same_ready_day_demand_priority_decides_who_is_picked_first() -> None:
    lines = [ready("late-rank", 0, 1), ready("expedited", 0, 9, expedite=True)]
    assert schedule_picking(lines, 1) == {"expedited": day(0), "late-rank": day(1)}


def test_earlier_ready_lines_go_first_whatever_their_priority() -> None:
    lines = [ready("expedited-later", 1, 1, expedite=True), ready("standard-early", 0, 9)]
    assert schedule_picking(lines, 1) == {"standard-early": day(0), "expedited-later": day(1)}


def test_spill_over_fills_a_later_day_before_lines_ready_that_day() -> None:
    lines = [ready("a", 0, 1), ready("b", 0, 2), ready("c", 1, 0, expedite=True)]
    assert schedule_picking(lines, 1) == {"a": day(0), "b": day(1), "c": day(2)}


def test_a_line_is_never_picked_before_it_is_ready_even_when_earlier_days_are_free() -> None:
    lines = [ready("a", 0, 1), ready("b", 5, 2), ready("c", 5, 3)]
    assert schedule_picking(lines, 1) == {"a": day(0), "b": day(5), "c": day(6)}


def test_capacity_left_on_a_day_is_used_by_lines_ready_that_day() -> None:
    lines = [ready("a", 0, 1), ready("b", 0, 2), ready("c", 0, 3), ready("d", 1, 4)]
    assert schedule_picking(lines, 2) == {"a": day(0), "b": day(0), "c": day(1), "d": day(1)}


def test_input_order_does_not_change_the_schedule() -> None:
    lines = [ready(f"L{n}", n % 3, (n * 7) % 11) for n in range(11)]
    assert schedule_picking(lines, 2) == schedule_picking(list(reversed(lines)), 2)


def test_zero_capacity_is_refused_with_a_message() -> None:
    with pytest.raises(ValueError, match="positive number of lines"):
        schedule_picking([ready("a", 0, 1)], 0)
