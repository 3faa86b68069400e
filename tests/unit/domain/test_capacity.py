"""Warehouse pick capacity scheduling (``allocation.md``, "Warehouse capacity")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controltower_oracle.capacity import PickSchedule, ReadyLine, schedule_picking
from controltower_oracle.priority import PriorityKey

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


# --- the incremental schedule (PickSchedule) -------------------------------------------


def test_a_schedule_built_from_lines_gives_the_days_of_schedule_picking() -> None:
    lines = [ready(f"L{n}", n % 3, (n * 7) % 11) for n in range(11)]
    assert PickSchedule(2, lines).days() == schedule_picking(lines, 2)


def test_removing_a_line_pulls_the_lines_spilled_behind_it_forward() -> None:
    schedule = PickSchedule(1, [ready("a", 0, 1), ready("b", 0, 2), ready("c", 0, 3)])
    changed = schedule.update(removed=["a"], upserted=[])
    assert schedule.days() == {"b": day(0), "c": day(1)}
    assert changed == {"a", "b", "c"}


def test_a_change_reports_only_the_lines_whose_day_it_moved() -> None:
    far = [ready(f"far{n}", 10 + n, n) for n in range(5)]
    schedule = PickSchedule(1, [ready("a", 0, 1), ready("b", 1, 2), *far], rebuild_share=1.0)
    changed = schedule.update(removed=[], upserted=[ready("a", 1, 1)])
    assert changed == {"a", "b"}
    assert schedule.day_of("a") == day(1)
    assert schedule.day_of("b") == day(2)
    assert schedule.day_of("far0") == day(10)


def test_removing_a_line_moves_only_the_lines_that_cross_a_day_boundary() -> None:
    lines = [ready(f"L{n:02d}", 0, n) for n in range(12)]
    schedule = PickSchedule(4, lines, rebuild_share=1.0)
    changed = schedule.update(removed=["L01"], upserted=[])
    # days were 0: L00-L03, 1: L04-L07, 2: L08-L11; each later line moves up one slot
    assert changed == {"L01", "L04", "L08"}
    assert schedule.days() == schedule_picking([ln for ln in lines if ln.key != "L01"], 4)


def test_upserting_a_line_unchanged_reports_nothing() -> None:
    schedule = PickSchedule(1, [ready("a", 0, 1), ready("b", 0, 2)])
    assert schedule.update(removed=["missing"], upserted=[ready("a", 0, 1)]) == set()
    assert schedule.days() == {"a": day(0), "b": day(1)}


def test_a_schedule_refuses_zero_capacity_with_a_message() -> None:
    with pytest.raises(ValueError, match="positive number of lines"):
        PickSchedule(0)


KEYS = [f"L{n}" for n in range(12)]
#: few ready days and tied priorities, so that spills and key tie-breaks are common
upserts = st.builds(
    lambda key, ready_on, rank, expedite: ready(key, ready_on, rank, expedite=expedite),
    st.sampled_from(KEYS),
    st.integers(0, 6),
    st.integers(0, 3),
    st.booleans(),
)
batches = st.lists(
    st.tuples(st.lists(st.sampled_from(KEYS), max_size=3), st.lists(upserts, max_size=3)),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 3),
    st.lists(upserts, max_size=12),
    batches,
    st.sampled_from([0.25, 2.0]),
)
def test_any_sequence_of_changes_gives_the_days_of_schedule_picking_on_the_final_lines(
    capacity: int,
    initial: list[ReadyLine[str]],
    changes: list[tuple[list[str], list[ReadyLine[str]]]],
    rebuild_share: float,
) -> None:
    current = {line.key: line for line in initial}
    schedule = PickSchedule(capacity, current.values(), rebuild_share=rebuild_share)
    for removed, upserted in changes:
        before = schedule.days()
        changed = schedule.update(removed, upserted)
        upserted_keys = {line.key for line in upserted}
        for key in removed:
            if key not in upserted_keys:
                current.pop(key, None)
        current.update((line.key, line) for line in upserted)
        # ties on (date, priority) fall to the key, as the schedule breaks them
        expected = schedule_picking(sorted(current.values(), key=lambda ln: ln.key), capacity)
        assert schedule.days() == expected
        assert len(schedule) == len(expected)
        moved = {k for k in before.keys() | expected.keys() if before.get(k) != expected.get(k)}
        assert moved <= changed <= moved | set(removed) | upserted_keys
