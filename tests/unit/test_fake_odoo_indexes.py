"""The fake Odoo answers through indexes, as Odoo's PostgreSQL does, with the same
answers as testing every row.

- ``id`` and ``write_date`` bounds: a page in id order (keyset paging) tests only the
  rows the bound leaves, and a whole search takes them from the index; for any sequence
  of creations, writes, deletions and clock moves, a search with such a bound finds
  exactly what filtering every row finds.
- Value indexes (``fake_odoo/exact.py``): a search of every match answers the parts of
  its domain they cover from them; for random rows and random domains (``&``, ``|``,
  ``!``, dotted paths, NULLs, archived rows) it finds what a page tested row by row
  finds.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import example, given, settings
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
# a row written a few seconds later moves in the write_date index built before
@example([("create", 2), ("tick", 3), ("write", 0)], ("write_date", ">", 1), False)
@example([("create", 2), ("tick", 3), ("write", 0)], ("write_date", "=", 0), False)
def test_a_bounded_search_finds_what_testing_every_row_finds(
    steps: list[tuple[str, int]], bound: tuple[str, str, Any], name_filter: bool
) -> None:
    odoo = FakeOdoo(now=START)
    for kind, number in steps:
        # the indexes are built, then kept current by every write that follows
        odoo.search(MODEL, [("write_date", ">=", _stamp(0)), ("name", "=", "tag 0")])
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


# ----------------------------------------------------------------- value indexes

PARTNER = "res.partner"

_partner = st.fixed_dictionaries(
    {
        "is_company": st.booleans(),
        "type": st.sampled_from(["contact", "invoice", "delivery"]),
        "ref": st.sampled_from(["a", "b", "", False]),
        "active": st.booleans(),
        "parent": st.integers(-1, 8),
    }
)
_leaf = st.one_of(
    st.tuples(st.just("is_company"), st.just("="), st.sampled_from([True, False, None])),
    st.tuples(st.just("active"), st.just("="), st.booleans()),
    st.tuples(st.just("type"), st.just("="), st.sampled_from(["contact", "invoice", False])),
    st.tuples(
        st.just("type"),
        st.just("in"),
        st.lists(st.sampled_from(["contact", "invoice", "delivery", False]), max_size=3),
    ),
    st.tuples(st.just("ref"), st.sampled_from(["=", "!="]), st.sampled_from(["a", "", False])),
    st.tuples(st.just("ref"), st.just("in"), st.lists(st.sampled_from(["a", "", False]))),
    st.tuples(st.just("parent_id"), st.just("="), st.sampled_from([1, 2, 5, False])),
    st.tuples(st.just("parent_id"), st.just("!="), st.sampled_from([False, 1, 3])),
    st.tuples(
        st.just("type"),
        st.just("not in"),
        st.lists(st.sampled_from(["contact", "invoice", False]), max_size=2),
    ),
    st.tuples(st.just("ref"), st.just("not in"), st.lists(st.sampled_from(["a", "", False]))),
    st.tuples(st.just("parent_id"), st.just("in"), st.lists(st.sampled_from([1, 3, 4, False]))),
    st.tuples(st.just("parent_id.is_company"), st.just("="), st.booleans()),
    st.tuples(st.just("parent_id.type"), st.just("in"), st.just(["contact", "delivery"])),
    st.tuples(st.just("parent_id"), st.just("ilike"), st.just("partner 1")),
    st.tuples(st.just("id"), st.sampled_from([">", ">=", "="]), st.integers(0, 12)),
    # few enough ids that a conjunction tests its other parts on their rows alone
    st.tuples(st.just("id"), st.just("in"), st.lists(st.integers(0, 12), max_size=2)),
    st.tuples(st.just("name"), st.just("ilike"), st.just("1")),
)


def _domain(draw: st.DrawFn, depth: int = 0) -> list[Any]:
    """A domain in Odoo's prefix notation: leaves joined by ``&``, ``|`` and ``!``."""
    kind = draw(st.sampled_from(["leaf", "leaf", "&", "|", "!"] if depth < 3 else ["leaf"]))
    if kind == "leaf":
        return [draw(_leaf)]
    if kind == "!":
        return ["!", *_domain(draw, depth + 1)]
    return [kind, *_domain(draw, depth + 1), *_domain(draw, depth + 1)]


@st.composite
def _domains(draw: st.DrawFn) -> list[Any]:
    return _domain(draw) + (_domain(draw) if draw(st.booleans()) else [])


_rewrite = st.tuples(
    st.integers(0, 11),
    st.one_of(
        st.fixed_dictionaries({"is_company": st.booleans()}),
        st.fixed_dictionaries({"type": st.sampled_from(["contact", "invoice", "delivery"])}),
        st.fixed_dictionaries({"ref": st.sampled_from(["a", "b", "", False])}),
        st.fixed_dictionaries({"active": st.booleans()}),
        st.fixed_dictionaries({"parent_id": st.integers(0, 11)}),
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    partners=st.lists(_partner, min_size=1, max_size=12),
    domain=_domains(),
    active_test=st.booleans(),
    rewrites=st.lists(_rewrite, max_size=4),
)
def test_a_search_answered_from_value_indexes_finds_what_testing_every_row_finds(
    partners: list[dict[str, Any]],
    domain: list[Any],
    active_test: bool,
    rewrites: list[tuple[int, dict[str, Any]]],
) -> None:
    """Also after writes made once the indexes were built: each write moves the rows it
    changed between their buckets."""
    odoo = FakeOdoo(now=START)
    ids = odoo.create_many(
        PARTNER,
        [
            {"name": f"partner {n}", **{k: v for k, v in p.items() if k != "parent"}}
            for n, p in enumerate(partners)
        ],
    )
    for rid, partner in zip(ids, partners, strict=True):
        if 0 <= partner["parent"] < len(ids) and ids[partner["parent"]] != rid:
            odoo.write(PARTNER, rid, {"parent_id": ids[partner["parent"]]})
    store = odoo._store
    if rewrites:
        with store.as_user(2, {"active_test": active_test}, su=True):
            store.search(PARTNER, domain, 0, None, "id asc")
        _children_of(odoo, ids)  # the one2many's index built too
        for index, vals in rewrites:
            if "parent_id" in vals:
                parent = ids[vals["parent_id"] % len(ids)]
                vals = {"parent_id": parent if parent != ids[index % len(ids)] else False}
            odoo.write(PARTNER, ids[index % len(ids)], vals)
        rows = {row["id"]: row for row in odoo.records(PARTNER)}
        assert _children_of(odoo, ids) == {
            rid: sorted(c for c in ids if rows[c].get("parent_id") == rid) for rid in ids
        }
    with store.as_user(2, {"active_test": active_test}, su=True):
        whole = store.search(PARTNER, domain, 0, None, "id asc")
        # a page in id order tests each row in turn (never the value indexes): the reference
        row_by_row = store.search(PARTNER, domain, 0, 10**9, "id asc")
    assert whole == row_by_row


@settings(max_examples=60, deadline=None)
@given(
    partners=st.lists(_partner, min_size=16, max_size=30),
    chosen=st.lists(st.integers(0, 29), min_size=1, max_size=3),
    domain=_domains(),
    written=st.lists(st.integers(0, 29), max_size=3),
)
def test_a_conjunction_a_few_ids_narrow_tests_every_part_on_their_rows(
    partners: list[dict[str, Any]], chosen: list[int], domain: list[Any], written: list[int]
) -> None:
    """Records by id, or the few written since a watermark, and anything else: every
    part tested on those rows alone finds what testing every row finds."""
    odoo = FakeOdoo(now=START)
    ids = odoo.create_many(
        PARTNER,
        [
            {"name": f"partner {n}", **{k: v for k, v in p.items() if k != "parent"}}
            for n, p in enumerate(partners)
        ],
    )
    odoo.tick(seconds=5)
    for index in written:
        odoo.write(PARTNER, ids[index % len(ids)], {"ref": "b"})
    store = odoo._store
    for bound in (
        ("id", "in", [ids[index % len(ids)] for index in chosen]),
        ("write_date", "=", _stamp(5)),
    ):
        narrowed = ["&", bound, *domain]
        with store.as_user(2, {"active_test": False}, su=True):
            whole = store.search(PARTNER, narrowed, 0, None, "id asc")
            row_by_row = store.search(PARTNER, narrowed, 0, 10**9, "id asc")
        assert whole == row_by_row


@settings(max_examples=40, deadline=None)
@given(
    types=st.lists(st.sampled_from(["product", "consu", "service"]), min_size=1, max_size=8),
    leaf=st.one_of(
        st.tuples(st.just("type"), st.just("="), st.sampled_from(["product", "consu", False])),
        st.tuples(
            st.just("type"),
            st.just("in"),
            st.lists(st.sampled_from(["product", "service", False]), max_size=2),
        ),
        st.tuples(st.just("type"), st.just("!="), st.just("product")),
        st.tuples(st.just("product_tmpl_id.type"), st.just("="), st.just("consu")),
    ),
    write=st.booleans(),
)
def test_a_related_field_searched_through_its_path_finds_what_testing_every_row_finds(
    types: list[str], leaf: tuple[str, str, Any], write: bool
) -> None:
    """A product's ``type`` is its template's: searched as ``product_tmpl_id.type``
    where no NULL is asked for, by the row test otherwise; the same answers."""
    odoo = FakeOdoo(version="17.0", now=START)
    store = odoo._store
    ids = [
        odoo.create("product.product", {"name": f"p{n}", "type": t}) for n, t in enumerate(types)
    ]
    with store.as_user(2, {"active_test": False}, su=True):
        store.search("product.product", [leaf], 0, None, "id asc")  # indexes built
    if write:  # a template changed since: the answer follows it
        template = odoo.record("product.product", ids[0])["product_tmpl_id"]
        odoo.write("product.template", template, {"type": "service"})
    with store.as_user(2, {"active_test": False}, su=True):
        whole = store.search("product.product", [leaf], 0, None, "id asc")
        row_by_row = store.search("product.product", [leaf], 0, 10**9, "id asc")
    assert whole == row_by_row


def _children_of(odoo: FakeOdoo, ids: list[int]) -> dict[int, list[int]]:
    """Each partner's ``child_ids`` as the fake reads them (its one2many index)."""
    with odoo._store.as_user(2, {"active_test": False}, su=True):
        rows = odoo._store.read(PARTNER, ids, ["child_ids"])
    return {row["id"]: sorted(row["child_ids"]) for row in rows}


def test_a_write_naming_a_row_twice_moves_it_once_in_the_indexes() -> None:
    odoo = FakeOdoo(now=START)
    ids = odoo.create_many(MODEL, [{"name": f"tag {n}"} for n in range(3)])
    odoo.search(MODEL, [("write_date", ">=", _stamp(0)), ("name", "=", "tag 0")])  # built
    odoo.tick(seconds=5)
    odoo.write(MODEL, [ids[1], ids[1]], {"name": "renamed"})
    assert odoo.search(MODEL, [("write_date", ">", _stamp(1))], order="id asc") == [ids[1]]
    assert odoo.search(MODEL, [("write_date", "=", _stamp(0))], order="id asc") == [
        ids[0],
        ids[2],
    ]
    assert odoo.search(MODEL, [("name", "=", "renamed")], order="id asc") == [ids[1]]
