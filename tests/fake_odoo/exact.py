"""Searches answered from value indexes, as Odoo's PostgreSQL answers them from its own.

A search of the fake otherwise tests its compiled domain on every row of the table:
right, but at a hundred thousand rows it is the fake's time, not the client's, that a
benchmark of the sync measures (PostgreSQL answers ``order_id.state in (...)`` with a
join and ``display_type IS NULL`` with a scan, both in C). Here the parts of a domain
whose answer a value index gives exactly are answered as sets of ids:

- a stored many2one, selection, char or boolean field compared with ``=``, ``in`` or
  ``!= False`` (``False`` and, for text, ``''`` being SQL's NULL, as the row test
  reads them); one that is not boolean compared with ``!=`` or ``not in`` values, the
  test made once per value the rows hold;
- a dotted path through a many2one (``order_id.state``): the related model is searched
  as the row test does, then the rows pointing at what it found are taken; a related
  field compared with ``=`` or ``in`` values (no NULL) as its path;
- ``id`` and ``write_date`` bounds, through the store's sorted indexes;
- ``&`` and ``|`` of such parts; in a conjunction, parts without an index are tested
  on the rows the indexed parts leave, and every part on the rows an ``id`` or
  ``write_date`` bound leaves when that is a few of the table (the changes since a
  watermark, records by id).

Anything else (``!``, ``like``, comparisons, computed fields, x2many) gives None and the
search tests every row as before. The indexes are rebuilt after any change to their
model (its generation), as a B-tree is kept; ``tests/unit/test_fake_odoo_indexes.py``
holds the answers equal to testing every row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, Final

from .domain import compile_domain, is_null, names_a_record, normalize_right, value_test

if TYPE_CHECKING:
    from .schema import FieldSpec
    from .store import Store

#: the key of the rows whose value is SQL's NULL (``False``, ``None``, ``''`` for text)
_NULL: Final = object()

#: the key of a boolean field's rows holding anything but ``True`` or NULL (which the
#: row test reads in ways no bucket follows: such a field is left to it)
_OTHER: Final = object()

#: the field types a value index answers exactly (hashable values, compared with ``==``)
_INDEXED_TYPES: Final = frozenset({"many2one", "selection", "char", "boolean"})

#: a bound leaving at most one row in this many is tested row by row (``_conjunction``)
_NARROW: Final = 8

Buckets = dict[Any, set[int]]


class ValueIndexes:
    """Per model and field, the ids of the rows holding each value."""

    def __init__(self, store: Store, default_of: Callable[[FieldSpec], Any]) -> None:
        self._store = store
        self._default_of = default_of
        self._cache: dict[tuple[str, str], tuple[int, Buckets]] = {}

    def exact_ids(self, model: str, node: Any) -> set[int] | None:
        """The ids of ``model`` matching the parsed domain ``node``, or None when a part
        of it has no index that answers it exactly (the caller then tests every row)."""
        kind = node[0]
        if kind == "leaf":
            return self._leaf(model, node[1], node[2], node[3])
        if kind == "|":
            parts = [self.exact_ids(model, child) for child in node[1]]
            if any(part is None for part in parts):
                return None
            return set().union(*(part for part in parts if part is not None))
        if kind == "&":
            return self._conjunction(model, node[1])
        return None

    def _conjunction(self, model: str, children: list[Any]) -> set[int] | None:
        table = self._store.tables[model]
        if not children:
            return set(table)
        # the ``id`` and ``write_date`` bounds first, from the sorted indexes: when one
        # leaves a few of the table, every part is tested on those rows alone, as a
        # planner filters an index scan, rather than each part's rows gathered
        bounds = {
            index: self._leaf(model, child[1], child[2], child[3])
            for index, child in enumerate(children)
            if child[0] == "leaf" and child[1] in ("id", "write_date")
        }
        narrow = min((part for part in bounds.values() if part is not None), key=len, default=None)
        if narrow is not None and len(narrow) * _NARROW <= len(table):
            tests = [compile_domain(self._store, model, child) for child in children]
            return {rid for rid in narrow if all(test(table[rid]) for test in tests)}
        found: list[set[int]] = []
        rest: list[Any] = []
        for index, child in enumerate(children):
            part = bounds[index] if index in bounds else self.exact_ids(model, child)
            if part is None:
                rest.append(child)
            else:
                found.append(part)
        if not found:
            return None
        found.sort(key=len)
        ids = found[0].intersection(*found[1:])
        if rest:
            tests = [compile_domain(self._store, model, child) for child in rest]
            ids = {rid for rid in ids if all(test(table[rid]) for test in tests)}
        return ids

    def _leaf(self, model: str, path: Any, operator: str, right: Any) -> set[int] | None:
        store = self._store
        if not isinstance(path, str):
            return None
        if path in ("id", "write_date"):
            bounded = store.indexed_ids(model, path, operator, right)
            return None if bounded is None else set(bounded) & store.tables[model].keys()
        spec = store.models[model]
        head, _, rest = path.partition(".")
        field = spec.fields.get(head)
        if field is not None and field.related and _names_values(operator, right):
            # a related field is its path (``type`` of a product is ``product_tmpl_id.type``)
            # where no NULL is asked for: a row without the link matches neither way
            return self._leaf(model, f"{field.related}.{rest}".rstrip("."), operator, right)
        if field is None or field.virtual or field.type not in _INDEXED_TYPES:
            return None
        if rest:
            if field.type != "many2one" or field.relation is None:
                return None
            targets = store.search_ids(field.relation, [(rest, operator, right)])
            buckets = self.buckets(model, head)
            return set().union(*(buckets[t] for t in targets if t in buckets))
        if field.type == "many2one" and names_a_record(operator, right):
            return None
        found = _compare(self.buckets(model, head), field, operator, right, store, model)
        if found is None and operator in ("!=", "not in") and field.type != "boolean":
            found = self._bucket_by_bucket(model, head, field, operator, right)
        return found

    def _bucket_by_bucket(
        self, model: str, fname: str, field: FieldSpec, operator: str, right: Any
    ) -> set[int]:
        """``fname <operator> right`` tested once per value rather than once per row (every
        row of a bucket holds that value); the NULL bucket's rows one by one, since
        ``False``, ``None`` and ``''`` share it."""
        store = self._store
        test = value_test(field, operator, normalize_right(field, operator, right))
        get = store.getter(model, fname)
        table = store.tables[model]
        found: set[int] = set()
        for key, ids in self.buckets(model, fname).items():
            if key is _NULL:
                found |= {rid for rid in ids if test(get(table[rid]))}
            elif test(key):
                found |= ids
        return found

    def indexed_at(self, model: str, generation: int) -> bool:
        """Whether a value index of ``model`` is current at ``generation``."""
        return any(
            name == model and gen == generation for (name, _), (gen, _) in self._cache.items()
        )

    def carry(self, model: str, generation: int, now: int, changes: list[tuple[Any, Any]]) -> None:
        """Move the rows a write changed (``changes``: each row as it was and as it is)
        between the buckets of each index of ``model`` current at ``generation``; the
        index is current at ``now`` then."""
        for (name, fname), (gen, buckets) in list(self._cache.items()):
            if name != model or gen != generation:
                continue
            field = self._store.models[model].fields[fname]
            default = self._default_of(field)
            for old, new in changes:
                was, key = (
                    self._key(old, fname, field, default),
                    self._key(new, fname, field, default),
                )
                if was == key:
                    continue
                bucket = buckets[was]
                bucket.discard(old["id"])
                if not bucket:
                    del buckets[was]
                buckets.setdefault(key, set()).add(new["id"])
            self._cache[(name, fname)] = (now, buckets)

    @staticmethod
    def _key(row: Any, fname: str, field: FieldSpec, default: Any) -> Any:
        """The bucket a row's value of ``fname`` belongs in (as :meth:`buckets` sorts)."""
        value = row.get(fname, default)
        if is_null(value, field):
            return _NULL
        if field.type == "boolean" and value is not True:
            return _OTHER
        return value

    def buckets(self, model: str, fname: str) -> Buckets:
        """The rows of ``model`` by their value of ``fname`` (NULL under one key)."""
        generation = self._store.generation(model)
        cached = self._cache.get((model, fname))
        if cached is not None and cached[0] == generation:
            return cached[1]
        field = self._store.models[model].fields[fname]
        default = self._default_of(field)
        buckets: defaultdict[Any, set[int]] = defaultdict(set)
        for rid, row in self._store.tables[model].items():
            buckets[self._key(row, fname, field, default)].add(rid)
        self._cache[(model, fname)] = (generation, dict(buckets))
        return self._cache[(model, fname)][1]


def _names_values(operator: str, right: Any) -> bool:
    """``= value`` or ``in [values]`` with no NULL (``False``, ``None``) among them."""
    if operator == "=":
        return right is not False and right is not None and isinstance(right, Hashable)
    if operator == "in" and isinstance(right, list | tuple):
        return all(value is not False and value is not None for value in right)
    return False


def _compare(
    buckets: Buckets, field: FieldSpec, operator: str, right: Any, store: Store, model: str
) -> set[int] | None:
    """``field <operator> right`` as the row test reads it (``domain._value_test``)."""
    right = normalize_right(field, operator, right)
    null = right is False or right is None
    if field.type == "boolean" and _OTHER in buckets:
        return None
    if operator == "=":
        if field.type == "boolean":
            true = buckets.get(True, set())
            return set(true) if (not null and bool(right)) else set(store.tables[model]) - true
        if null:
            return set(buckets.get(_NULL, ()))
        if not isinstance(right, Hashable):
            return None
        return set(buckets.get(right, ()))
    if operator == "in" and field.type != "boolean":
        values = right if isinstance(right, list | tuple) else [right]
        if not all(isinstance(value, Hashable) for value in values):
            return None
        found: set[int] = set()
        for value in values:
            key = _NULL if value is False or value is None else value
            found |= buckets.get(key, set())
        return found
    if operator == "!=" and null and field.type != "boolean":
        return set(store.tables[model]) - buckets.get(_NULL, set())
    return None
