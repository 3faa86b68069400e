"""The fake Odoo answers ``id`` and ``write_date`` bounds through an index, as Odoo's
PostgreSQL does, with the same answers as testing every row.

The index only narrows which rows a search tests; the domain is still tested on each,
so for any sequence of creations, writes, deletions and clock moves, a search with
such a bound must find exactly what filtering every row finds.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fake_odoo import FakeOdoo

MODEL = "res.partner.category"

_step = st.one_of(
    st.tuples(st.just("create"), st.integers(1, 3)),
    st.tuples(st.just("write"), st.integers(0, 30)),
    st.tuples(st.just("unlink"), st.integers(0, 30)),
    st.tuples(st.just("tick"), st.integers(0, 3)),
)
_bound = st.one_of(
    st.tuples(st.just("write_date"), st.sampled_from([">", ">=", "="]), st.integers(0, 40)),
    st.tuples(st.just("id"), st.sampled_from([">", ">=", "="]), st.integers(0, 40)),
    st.tuples(st.just("id"), st.just("in"), st.lists(st.integers(0, 40), max_size=6)),
)


START = datetime(2026, 12, 1, 8, 0, 0)


def _stamp(seconds: int) -> str:
    return (START + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


def _matches(row: dict[str, Any], path: str, operator: str, value: Any) -> bool:
    have = row[path]
    if operator == "in":
        return bool(have in value)
    return bool({">": have > value, ">=": have >= value, "=": have == value}[operator])


@settings(max_examples=40, deadline=None)
@given(steps=st.lists(_step, max_size=25), bound=_bound, name_filter=st.booleans())
def test_a_bounded_search_finds_what_testing_every_row_finds(
    steps: list[tuple[str, int]], bound: tuple[str, str, Any], name_filter: bool
) -> None:
    odoo = FakeOdoo(now=START)
    for kind, number in steps:
        ids = sorted(row["id"] for row in odoo.records(MODEL))
        if kind == "create":
            odoo.create_many(MODEL, [{"name": f"tag {n}"} for n in range(number)])
        elif kind == "write" and ids:
            odoo.write(MODEL, ids[number % len(ids)], {"name": f"renamed {number}"})
        elif kind == "unlink" and ids:
            odoo.unlink(MODEL, ids[number % len(ids)])
        elif kind == "tick":
            odoo.tick(seconds=number)
    path, operator, value = bound
    if path == "write_date":
        value = _stamp(int(value))
    domain: list[Any] = [(path, operator, value)]
    if name_filter:
        domain = ["|", ("name", "ilike", "renamed"), ("name", "ilike", "tag 0"), *domain]
    expected = [
        row["id"]
        for row in sorted(odoo.records(MODEL), key=lambda row: row["id"])
        if _matches(row, path, operator, value)
        and (not name_filter or "renamed" in row["name"] or "tag 0" in row["name"])
    ]
    assert odoo.search(MODEL, domain, order="id asc") == expected
    # a page in id order stops at its limit and gives the first matches
    with odoo._store.as_user(2, su=True):
        page = odoo._store.search(MODEL, domain, 0, 2, "id asc")
    assert page == expected[:2]


def test_a_write_date_bound_tests_only_the_rows_written_since() -> None:
    odoo = FakeOdoo(now=START)
    ids = odoo.create_many(MODEL, [{"name": f"tag {n}"} for n in range(500)])
    odoo.tick(seconds=60)
    odoo.write(MODEL, ids[:3], {"name": "changed"})
    store = odoo._store
    node: tuple[Any, ...] = ("&", [("leaf", "write_date", ">=", store.now_string())])
    assert [row["id"] for row in store._candidates(MODEL, node)] == ids[:3]
    node = ("&", [("leaf", "id", "in", [ids[7], ids[9], 10**9])])
    assert [row["id"] for row in store._candidates(MODEL, node)] == [ids[7], ids[9]]
