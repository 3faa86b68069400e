"""The records a run copies from the last mirror name what it changed (``tracked.py``)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from controltower.connectors.odoo.tracked import TrackedRecords, differing_ids, replaced_items

_IDS = st.integers(min_value=1, max_value=12)
_ROWS = st.dictionaries(_IDS, st.integers(0, 3).map(lambda v: {"v": v}), max_size=10)
_OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            ["set", "set same", "set equal", "del", "pop", "popitem", "setdefault", "update", "ior"]
        ),
        _IDS,
        st.integers(0, 3),
    ),
    max_size=15,
)


def _apply(records: dict[int, Any], operation: str, rid: int, value: int) -> None:
    row = {"v": value}
    if operation == "set":
        records[rid] = row
    elif operation == "set same" and rid in records:
        records[rid] = records[rid]
    elif operation == "set equal" and rid in records:
        records[rid] = dict(records[rid])
    elif operation == "del" and rid in records:
        del records[rid]
    elif operation == "pop":
        records.pop(rid, None)
    elif operation == "popitem" and records:
        records.popitem()
    elif operation == "setdefault":
        records.setdefault(rid, row)
    elif operation == "update":
        records.update({rid: row})
    elif operation == "ior":
        records |= {rid: row}


def _compared_whole(before: dict[int, Any], after: dict[int, Any]) -> set[int]:
    """Every record of both sides compared: the answer tracking must give."""
    return {rid for rid in before.keys() | after.keys() if before.get(rid) != after.get(rid)}


@given(_ROWS, _OPERATIONS)
def test_the_tracked_ids_give_what_comparing_every_record_gives(
    before: dict[int, Any], operations: list[tuple[str, int, int]]
) -> None:
    after = TrackedRecords(before)
    for operation, rid, value in operations:
        _apply(after, operation, rid, value)
    assert differing_ids(before, after) == _compared_whole(before, after)
    replaced = dict(replaced_items(before, after))
    assert replaced == {rid: row for rid, row in after.items() if before.get(rid) is not row}


@given(_ROWS, _OPERATIONS)
def test_records_copied_from_elsewhere_are_compared_whole(
    before: dict[int, Any], operations: list[tuple[str, int, int]]
) -> None:
    """Tracking counts only against the mapping copied: against another one (or a plain
    dict) every record is compared."""
    after = TrackedRecords(dict(before))
    other = dict(before)
    for operation, rid, value in operations:
        _apply(after, operation, rid, value)
        _apply(other, operation, rid, value)
    assert differing_ids(other, after) == _compared_whole(other, after)
    assert differing_ids(before, other) == _compared_whole(before, other)


def test_a_record_set_back_to_what_it_was_is_not_a_change() -> None:
    before = {1: {"v": 1}, 2: {"v": 2}}
    after = TrackedRecords(before)
    after[1] = {"v": 1}
    del after[2]
    after[2] = before[2]
    after[3] = {"v": 3}
    del after[3]
    assert after.touched == {1, 2, 3}
    assert differing_ids(before, after) == set()
    assert replaced_items(before, after) == [(1, {"v": 1})]
