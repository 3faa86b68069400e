"""Odoo search domains: parse the prefix notation and compile it to a row predicate.

A domain is a list of leaves ``(path, operator, value)`` and the prefix operators
``'&'``, ``'|'`` and ``'!'``, with an implicit ``'&'`` between top-level terms. The
semantics follow Odoo's SQL translation, including its NULL handling: ``!=``, ``not in``
and ``not like`` also match unset values, and comparisons never match them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, Protocol

from .schema import RELATIONAL, FieldSpec, ModelSpec

Row = dict[str, Any]
Predicate = Callable[[Row], bool]

OPERATORS = frozenset(
    {
        "=",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "=?",
        "in",
        "not in",
        "like",
        "not like",
        "ilike",
        "not ilike",
        "=like",
        "=ilike",
        "child_of",
        "parent_of",
        "any",
        "not any",
    }
)
NEGATIVE = {"!=": "=", "not in": "in", "not like": "like", "not ilike": "ilike"}
LIKE = frozenset({"like", "not like", "ilike", "not ilike", "=like", "=ilike"})
TRUE_LEAF = (1, "=", 1)
FALSE_LEAF = (0, "=", 1)


class Backend(Protocol):
    """What the compiler needs from the store."""

    def spec(self, model: str) -> ModelSpec:
        """The model's schema."""

    def value(self, model: str, row: Row, fname: str) -> Any:
        """The raw value of a field on a row: an id or False for many2one, ids for x2many."""

    def getter(self, model: str, fname: str) -> Callable[[Row], Any]:
        """``value(model, row, fname)`` as a function of the row, resolved once per search."""

    def search_ids(self, model: str, domain: list[Any]) -> set[int]:
        """Ids matching a domain on another model, archived rows included."""

    def hierarchy(self, model: str, ids: set[int], down: bool) -> set[int]:
        """The ids with all their descendants (down) or ancestors (up)."""

    def name_ids(self, model: str, operator: str, value: Any) -> set[int]:
        """Ids whose display name matches, as ``_name_search`` does."""

    def check_field_access(self, model: str, fname: str) -> None:
        """Raise AccessError when the field is denied to the user."""


def invalid_field(fname: str, model: str) -> ValueError:
    """Odoo's message for a field that does not exist on a model."""
    return ValueError(f"Invalid field {fname!r} on model {model!r}")


Node = tuple[Any, ...]


def parse(domain: Any) -> Node:
    """Parse a domain into a tree of ``('&', [...])``, ``('|', [...])``, ``('!', n)`` and leaves."""
    if domain is None or domain is False:
        return ("&", [])
    if not isinstance(domain, list | tuple):
        raise ValueError(f"Invalid domain {domain!r}")
    items = list(domain)
    nodes: list[Node] = []
    pos = 0
    while pos < len(items):
        node, pos = _parse_one(items, pos, domain)
        nodes.append(node)
    return ("&", nodes)


def _is_leaf(item: Any) -> bool:
    return isinstance(item, list | tuple) and len(item) == 3


def _parse_one(items: list[Any], pos: int, domain: Any) -> tuple[Node, int]:
    if pos >= len(items):
        raise ValueError(f"Domain {domain!r} is syntactically not correct.")
    item = items[pos]
    if item in ("&", "|"):
        left, pos = _parse_one(items, pos + 1, domain)
        right, pos = _parse_one(items, pos, domain)
        return (item, [left, right]), pos
    if item == "!":
        child, pos = _parse_one(items, pos + 1, domain)
        return ("!", child), pos
    if not _is_leaf(item):
        raise ValueError(f"Invalid leaf {item!r}")
    path, operator, value = item
    if tuple(item) == TRUE_LEAF:
        return ("&", []), pos + 1
    if tuple(item) == FALSE_LEAF:
        return ("|", []), pos + 1
    if not isinstance(path, str) or not isinstance(operator, str):
        raise ValueError(f"Invalid leaf {item!r}")
    operator = operator.lower()
    if operator == "<>":
        operator = "!="
    if operator not in OPERATORS:
        raise ValueError(f"Invalid operator {operator!r} in domain term {list(item)!r}")
    return ("leaf", path, operator, value), pos + 1


def leaves(node: Node) -> Iterable[tuple[str, str, Any]]:
    """Every leaf of a parsed domain."""
    if node[0] == "leaf":
        yield node[1], node[2], node[3]
    elif node[0] == "!":
        yield from leaves(node[1])
    else:
        for child in node[1]:
            yield from leaves(child)


def compile_domain(backend: Backend, model: str, node: Node) -> Predicate:
    """Turn a parsed domain into a predicate; related sub-searches run once, here."""
    kind = node[0]
    if kind == "leaf":
        return _compile_leaf(backend, model, node[1], node[2], node[3])
    if kind == "!":
        inner = compile_domain(backend, model, node[1])
        return lambda row: not inner(row)
    children = [compile_domain(backend, model, child) for child in node[1]]
    # plain loops: a generator for ``all``/``any`` per row costs more than the tests
    if kind == "&":

        def every(row: Row) -> bool:
            for child in children:  # noqa: SIM110 (a loop: cheaper per row than all())
                if not child(row):
                    return False
            return True

        return every

    def some(row: Row) -> bool:
        for child in children:  # noqa: SIM110 (a loop: cheaper per row than any())
            if child(row):
                return True
        return False

    return some


def _compile_leaf(backend: Backend, model: str, path: str, operator: str, right: Any) -> Predicate:
    spec = backend.spec(model)
    head, _, rest = path.partition(".")
    field = spec.fields.get(head)
    if field is None:
        raise invalid_field(head, model)
    backend.check_field_access(model, head)
    if rest:
        if field.type not in RELATIONAL or field.relation is None:
            raise invalid_field(path, model)
        ids = backend.search_ids(field.relation, [(rest, operator, right)])
        return _in_ids(backend, model, field, ids, negate=False)
    if not field.is_searchable:
        raise ValueError(f"Non-stored field {model}.{head} cannot be searched.")
    if operator == "=?":
        if right is False or right is None:
            return lambda _row: True
        operator = "="
    if operator in ("any", "not any"):
        if field.relation is None:
            raise ValueError(f"Operator {operator!r} needs a relational field, not {model}.{head}")
        ids = backend.search_ids(field.relation, list(right))
        return _in_ids(backend, model, field, ids, negate=operator == "not any")
    if operator in ("child_of", "parent_of"):
        return _hierarchy_leaf(backend, model, field, operator, right)
    if field.relation and names_a_record(operator, right):
        positive = NEGATIVE.get(operator, operator)
        ids = backend.name_ids(field.relation, positive, right)
        return _in_ids(backend, model, field, ids, negate=positive != operator)
    test = value_test(field, operator, normalize_right(field, operator, right))
    get = backend.getter(model, head)
    return lambda row: test(get(row))


def names_a_record(operator: str, right: Any) -> bool:
    """A relational field compared with text is matched on the related display names."""
    if isinstance(right, str):
        return operator not in ("<", "<=", ">", ">=")
    if operator in ("in", "not in") and isinstance(right, list | tuple):
        return any(isinstance(r, str) for r in right)
    return False


def _in_ids(
    backend: Backend, model: str, field: FieldSpec, ids: set[int], negate: bool
) -> Predicate:
    get = backend.getter(model, field.name)
    if field.type == "many2one":

        def one(row: Row) -> bool:
            value = get(row)
            return (bool(value) and value in ids) != negate

        return one

    def many(row: Row) -> bool:
        value = get(row)
        return any(v in ids for v in value or []) != negate

    return many


def _hierarchy_leaf(
    backend: Backend, model: str, field: FieldSpec, operator: str, right: Any
) -> Predicate:
    target = field.relation if field.relation else model
    if isinstance(right, str) or (
        isinstance(right, list | tuple) and any(isinstance(r, str) for r in right)
    ):
        start = backend.name_ids(target, "ilike", right)
    elif isinstance(right, list | tuple):
        start = {int(r) for r in right if r}
    else:
        start = {int(right)} if right else set()
    if backend.spec(target).parent_name is None:
        ids = start
    else:
        ids = backend.hierarchy(target, start, down=operator == "child_of")
    if field.relation:
        return _in_ids(backend, model, field, ids, negate=False)
    get = backend.getter(model, field.name)
    return lambda row: get(row) in ids


def normalize_right(field: FieldSpec, operator: str, right: Any) -> Any:
    if isinstance(right, list | tuple):
        return [_scalar(field, operator, r) for r in right]
    return _scalar(field, operator, right)


def _scalar(field: FieldSpec, operator: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        value = value.isoformat()
    if field.type == "datetime" and isinstance(value, str) and len(value) == 10:
        return value + (" 23:59:59" if operator in (">", "<=") else " 00:00:00")
    return value


def is_null(value: Any, field: FieldSpec) -> bool:
    """Whether a raw value stands for SQL NULL (or an empty relation)."""
    if value is None or value is False:
        return True
    if field.type in ("one2many", "many2many"):
        return not value
    return field.type in ("char", "text", "html", "selection") and value == ""


def value_test(field: FieldSpec, operator: str, right: Any) -> Callable[[Any], bool]:
    if field.type in ("one2many", "many2many"):
        return _x2many_test(operator, right)
    if operator in NEGATIVE:
        positive = value_test(field, NEGATIVE[operator], right)
        if operator == "!=" and (right is False or right is None):
            return lambda v: not is_null(v, field) and not (field.type == "boolean" and v is False)
        return lambda v: is_null(v, field) or not positive(v)
    if operator == "=":
        return _equals_test(field, right)
    if operator == "in":
        values = right if isinstance(right, list) else [right]
        wants_null = any(r is False or r is None for r in values)
        real = [r for r in values if r is not False and r is not None]
        return lambda v: (is_null(v, field) and wants_null) or (not is_null(v, field) and v in real)
    if operator in LIKE:
        return _like_test(operator, right)
    return _compare_test(field, operator, right)


def _equals_test(field: FieldSpec, right: Any) -> Callable[[Any], bool]:
    if right is False or right is None:
        if field.type == "boolean":
            return lambda v: v is not True
        return lambda v: is_null(v, field)
    if field.type == "boolean":
        return lambda v: bool(v) == bool(right)
    return lambda v: not is_null(v, field) and v == right


def _x2many_test(operator: str, right: Any) -> Callable[[Any], bool]:
    if operator in ("=", "!=") and (right is False or right is None):
        return (lambda v: not v) if operator == "=" else (lambda v: bool(v))
    wanted = set(right) if isinstance(right, list) else {right}
    if operator in ("=", "in"):
        return lambda v: bool(wanted & set(v or []))
    if operator in ("!=", "not in"):
        return lambda v: not wanted & set(v or [])
    raise ValueError(f"Operator {operator!r} is not supported on x2many fields")


def _like_test(operator: str, right: Any) -> Callable[[Any], bool]:
    pattern = str(right)
    if operator in ("like", "ilike"):
        pattern = f"%{pattern}%"
    flags = re.IGNORECASE if "ilike" in operator else 0
    regex = re.compile(_like_to_regex(pattern), flags | re.DOTALL)

    def test(v: Any) -> bool:
        if v is None or v is False:
            return False
        return regex.fullmatch(str(v)) is not None

    return test


def _like_to_regex(pattern: str) -> str:
    out = []
    for ch in pattern:
        if ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _compare_test(field: FieldSpec, operator: str, right: Any) -> Callable[[Any], bool]:
    def test(v: Any) -> bool:
        if is_null(v, field) and field.type != "boolean":
            return False
        if right is False or right is None:
            return False
        try:
            if operator == "<":
                return bool(v < right)
            if operator == "<=":
                return bool(v <= right)
            if operator == ">":
                return bool(v > right)
            return bool(v >= right)
        except TypeError:
            return False

    return test
