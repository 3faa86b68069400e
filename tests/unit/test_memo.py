"""The bounded memory shared by requests (``storage/memo.py``), the stored orders' lines
it keeps parsed (``repository.line_outcomes``) and their public models
(``api/routes/orders.lines_public``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from controltower.api.routes.orders import forget_public_lines, line_public, lines_public
from controltower.storage import repository
from controltower.storage.memo import Memo

#: a sequence of operations: ("put", key, weight) or ("get", key)
_operations = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.integers(0, 9), st.integers(1, 6)),
        st.tuples(st.just("get"), st.integers(0, 9)),
    ),
    max_size=60,
)


@given(_operations, st.integers(1, 12))
def test_the_memory_keeps_the_most_recently_used_answers_within_its_limit(
    operations: list[tuple[object, ...]], limit: int
) -> None:
    """Checked against a plain list of (key, weight), most recently used last."""
    memo = Memo(limit)
    model: list[tuple[int, int]] = []
    for operation in operations:
        if operation[0] == "put":
            _, key, weight = operation
            assert isinstance(key, int)
            assert isinstance(weight, int)
            memo.put(key, f"answer {key} {weight}", weight)
            model = [entry for entry in model if entry[0] != key] + [(key, weight)]
            while sum(w for _, w in model) > limit and len(model) > 1:
                model.pop(0)
        else:
            _, key = operation
            found = memo.get(key)
            entry = next((e for e in model if e[0] == key), None)
            if entry is None:
                assert found is None
            else:
                assert found == f"answer {key} {entry[1]}"
                model = [e for e in model if e[0] != key] + [entry]
    for key, weight in model:
        assert memo.get(key) == f"answer {key} {weight}"


@pytest.fixture
def _no_parsed_lines() -> Iterator[None]:
    repository.forget_parsed_lines()
    yield
    repository.forget_parsed_lines()


_LINE = {
    "line": 1,
    "sku": "BRK-10A",
    "open_qty": 3,
    "from_stock": 1.5,
    "from_quality_hold": [],
    "from_inbound": [{"po_id": "PO1", "line": 2, "qty": 1.5, "available_date": "2026-12-01"}],
    "short_qty": 0,
    "projected_date": "2026-12-01",
    "supply_date": None,
    "unit_price": 24.75,
    "alternatives": [],
}


@pytest.mark.usefixtures("_no_parsed_lines")
def test_a_stored_text_is_parsed_once_and_exactly() -> None:
    text = json.dumps([_LINE])
    first = repository.line_outcomes("SO1", "WH-MAIN", text)
    assert str(first[0].from_stock) == "1.5"
    assert first[0].warehouse == "WH-MAIN"
    # the same text read again, from another string object, is the same outcome
    copy = text.encode().decode()
    assert copy is not text
    assert repository.line_outcomes("SO1", "WH-MAIN", copy) is first
    # the order and warehouse it is read for are part of what it means
    other = repository.line_outcomes("SO2", "WH-NORTH", text)
    assert other is not first
    assert (other[0].order_id, other[0].warehouse) == ("SO2", "WH-NORTH")
    # a row read without its lines has none
    assert repository.line_outcomes("SO3", "WH-MAIN", repository.NO_LINES_TEXT) == ()
    # another text is another outcome
    changed = repository.line_outcomes("SO1", "WH-MAIN", json.dumps([{**_LINE, "open_qty": 4}]))
    assert changed[0].open_qty == 4


@pytest.mark.usefixtures("_no_parsed_lines")
def test_the_parsed_lines_kept_are_bounded_by_their_count() -> None:
    many = json.dumps([{**_LINE, "line": n} for n in range(1, 101)])
    orders = repository.LINES_REMEMBERED // 100 + 5
    first = repository.line_outcomes("SO0", "WH-MAIN", many)
    for number in range(1, orders):
        repository.line_outcomes(f"SO{number}", "WH-MAIN", many)
    # the oldest went to make room: read again, it is parsed again (equal, not the same)
    again = repository.line_outcomes("SO0", "WH-MAIN", many)
    assert again == first
    assert again is not first


@pytest.fixture
def _no_public_lines() -> Iterator[None]:
    forget_public_lines()
    yield
    forget_public_lines()


@pytest.mark.usefixtures("_no_parsed_lines", "_no_public_lines")
def test_the_public_models_of_shared_lines_are_built_once_and_say_what_the_lines_say() -> None:
    text = json.dumps([_LINE, {**_LINE, "line": 2, "open_qty": 7}])
    lines = repository.line_outcomes("SO1", "WH-MAIN", text)
    public = lines_public(lines)
    assert public == [line_public(line) for line in lines]
    assert [p.open_qty for p in public] == [3, 7]
    # the same shared lines again: the same models
    assert lines_public(repository.line_outcomes("SO1", "WH-MAIN", text)) is public
    # equal lines in another tuple (read afresh, not shared) are converted, never
    # taken for another tuple's, and give equal models
    fresh = tuple(list(lines))
    assert fresh is not lines
    converted = lines_public(fresh)
    assert converted == public
    assert converted is not public
    assert [p.line for p in lines_public(tuple(reversed(lines)))] == [2, 1]
    # shared by requests, so nobody may change one
    with pytest.raises(ValidationError):
        public[0].open_qty = Decimal(4)  # type: ignore[misc]
    assert lines_public(()) == []
