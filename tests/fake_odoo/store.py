"""The records of the fake Odoo and the ORM methods the external API exposes.

Rows hold stored values in Odoo's cache format (an id or False for a many2one, a list of
ids for a many2many, ``'YYYY-MM-DD HH:MM:SS'`` strings for datetimes). One2many fields,
related fields and computed fields are worked out when read or searched, so they are
always consistent with the rows they derive from.

Every public method runs under ``lock``: one external call is one transaction, as in Odoo.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from operator import itemgetter
from typing import Any

from . import computes
from .domain import compile_domain, invalid_field, is_null, leaves, parse
from .errors import AccessError, MissingError, ValidationError
from .exact import ValueIndexes
from .schema import ADDONS, RELATIONAL, FieldSpec, ModelSpec, addon_models, build_models

Row = dict[str, Any]
SUPERUSER_ID = 1
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
LOG_FIELDS = frozenset(
    {"id", "create_date", "write_date", "create_uid", "write_uid", "display_name"}
)
# _inherits: these models keep some fields on a parent record, created with them.
INHERITS = {"product.product": "product_tmpl_id", "res.users": "partner_id"}
OPERATION_VERBS = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}
FIELD_ATTRIBUTES = (
    "name",
    "type",
    "string",
    "help",
    "store",
    "required",
    "readonly",
    "searchable",
    "sortable",
    "selection",
    "relation",
    "relation_field",
)


@dataclass
class Env:
    """Who is calling and with which context (``active_test``, ``default_*`` ...)."""

    uid: int = SUPERUSER_ID
    context: dict[str, Any] = field(default_factory=dict)
    su: bool = True


def to_datetime_string(value: Any) -> str:
    """Odoo's ``Datetime.to_string`` of what a client may send (text or datetime)."""
    if isinstance(value, datetime):
        return value.replace(microsecond=0).strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.isoformat() + " 00:00:00"
    text = str(value)
    fmt = DATETIME_FORMAT[: len(text) - 2] if len(text) in (10, 19) else DATETIME_FORMAT
    parsed = datetime.strptime(text, fmt)
    return parsed.strftime(DATETIME_FORMAT)


def to_date_string(value: Any) -> str:
    """Odoo's ``Date.to_string``: a datetime or longer text keeps its date part."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return datetime.strptime(str(value)[:10], "%Y-%m-%d").date().isoformat()


class Store:
    """All tables of one fake database, with Odoo's ORM semantics on top."""

    def __init__(self, version: str, now: datetime) -> None:
        self.version = version
        self.lock = threading.RLock()
        self.models: dict[str, ModelSpec] = build_models(version)
        self.tables: dict[str, dict[int, Row]] = {name: {} for name in self.models}
        self.now = now
        self.env = Env()
        self.denied_fields: set[tuple[str, str]] = set()
        self.denied_models: set[tuple[str, str]] = set()
        self.credentials: dict[int, tuple[str | None, set[str]]] = {}
        self.installed: set[str] = set()
        self._last_id: Counter[str] = Counter()
        self._sequences: Counter[str] = Counter()
        self._generation: Counter[str] = Counter()
        self._inverse_cache: dict[tuple[str, str], tuple[int, dict[int, list[int]]]] = {}
        self._indexes: dict[tuple[str, str], tuple[int, list[tuple[Any, ...]]]] = {}
        self._xmlids: dict[str, tuple[str, int]] = {}
        self._values = ValueIndexes(self, _type_default)
        #: the answers of :meth:`search_ids` while no table changed and the clock stood
        self._searched: dict[tuple[str, str], frozenset[int]] = {}
        self._searched_at: tuple[int, Any] = (-1, None)
        computes.bootstrap(self)

    # ------------------------------------------------------------------ environment

    @contextmanager
    def as_user(
        self, uid: int, context: dict[str, Any] | None = None, su: bool = False
    ) -> Iterator[None]:
        """Run under ``lock`` as ``uid``; ``su`` bypasses the denied models and fields."""
        with self.lock:
            saved = self.env
            self.env = Env(uid=uid, context=dict(context or {}), su=su)
            try:
                yield
            finally:
                self.env = saved

    @contextmanager
    def sudo(self) -> Iterator[None]:
        """Run as the superuser within a call, as Odoo's ``sudo()`` does for internal writes."""
        with self.lock:
            saved = self.env
            self.env = Env(uid=saved.uid, context=saved.context, su=True)
            try:
                yield
            finally:
                self.env = saved

    def now_string(self) -> str:
        """The clock as Odoo writes it in ``write_date``."""
        return self.now.replace(microsecond=0).strftime(DATETIME_FORMAT)

    def today_string(self) -> str:
        """Today's date (UTC) as Odoo writes a Date."""
        return self.now.date().isoformat()

    def spec(self, model: str) -> ModelSpec:
        """The schema of a model present in this database."""
        return self.models[model]

    def has_model(self, model: str) -> bool:
        """Whether the model exists (optional modules only once installed)."""
        return model in self.models

    def ref(self, xmlid: str) -> int:
        """The id behind an external identifier such as ``mail.mail_activity_data_todo``."""
        return self._xmlids[xmlid][1]

    def add_xmlid(self, xmlid: str, model: str, res_id: int) -> None:
        """Register an external identifier (an ``ir.model.data`` row)."""
        module, _, name = xmlid.partition(".")
        self._xmlids[xmlid] = (model, res_id)
        self.create(
            "ir.model.data", [{"module": module, "name": name, "model": model, "res_id": res_id}]
        )

    def install(self, module: str) -> None:
        """Add an optional module's models, with their ``ir.model`` rows and data."""
        if module not in ADDONS:
            raise ValueError(
                f"The fake Odoo knows no module {module!r} (known: {', '.join(ADDONS)})"
            )
        if module in self.installed:
            return
        new = addon_models(module, self.version)
        self.models.update(new)
        for name in new:
            self.tables[name] = {}
            self.register_model(name)
        self.installed.add(module)
        computes.install_data(self, module)

    def register_model(self, name: str) -> None:
        """Create the ``ir.model`` row of a model."""
        spec = self.models[name]
        self.create(
            "ir.model",
            [
                {
                    "model": name,
                    "name": spec.description,
                    "is_mail_thread": spec.mail_thread,
                    "is_mail_activity": spec.mail_thread,
                }
            ],
        )

    # ------------------------------------------------------------------ access

    def check_model_access(self, model: str, operation: str) -> None:
        """Raise AccessError as ``ir.model.access`` does when the operation is denied."""
        if self.env.su:
            return
        if (model, operation) in self.denied_models or (model, "*") in self.denied_models:
            verb = OPERATION_VERBS[operation]
            desc = self.models[model].description
            raise AccessError(
                f"You are not allowed to {verb} '{desc}' ({model}) records.\n\n"
                "No group currently allows this operation.\n\n"
                "Contact your administrator to request access if necessary."
            )

    def check_field_access(self, model: str, fname: str) -> None:
        """Raise AccessError as a field with ``groups=`` does for a user outside them."""
        if not self.env.su and (model, fname) in self.denied_fields:
            self._field_access_error(model, [fname], "read")

    def _field_access_error(self, model: str, fnames: list[str], operation: str) -> None:
        desc = self.models[model].description
        raise AccessError(
            f'You do not have enough rights to access the fields "{",".join(fnames)}" on '
            f"{desc} ({model}). Please contact your system administrator.\n\n"
            f"(Operation: {operation})"
        )

    def readable_fields(self, model: str) -> list[str]:
        """The fields the caller may read, as ``read`` without ``fields`` returns."""
        spec = self.models[model]
        return [f for f in spec.fields if self.env.su or (model, f) not in self.denied_fields]

    # ------------------------------------------------------------------ values

    def row(self, model: str, rid: int) -> Row:
        """The stored row, or MissingError as Odoo raises for a deleted record."""
        found = self.tables[model].get(rid)
        if found is None:
            raise self.missing(model, [rid])
        return found

    def missing(self, model: str, ids: Iterable[int]) -> MissingError:
        """Odoo's MissingError for records that do not exist."""
        shown = ", ".join(str(i) for i in ids)
        return MissingError(
            "Record does not exist or has been deleted.\n"
            f"(Record: {model}({shown},), User: {self.env.uid})"
        )

    def value(self, model: str, row: Row, fname: str) -> Any:
        """The raw value of a field on a row (an id, a list of ids, text, a number ...)."""
        spec = self.models[model].fields[fname]
        if not spec.virtual:
            return row[fname] if fname in row else _type_default(spec)
        if spec.type == "one2many":
            return self._inverse_ids(spec.relation or "", spec.inverse or "", row["id"])
        if spec.mirror:
            return self._mirror_ids(spec.relation or "", spec.mirror, row["id"])
        if spec.related:
            return self._related_value(model, row, spec.related)
        return computes.compute(self, spec.compute or "", model, row, fname)

    def getter(self, model: str, fname: str) -> Callable[[Row], Any]:
        """:meth:`value` of ``fname`` as a function of the row: a stored scalar is read
        straight from the row (a search tests it on every row); a computed, related or
        x2many field goes through :meth:`value` (which a subclass may compute otherwise)."""
        spec = self.models[model].fields[fname]
        if spec.virtual or spec.type in ("one2many", "many2many"):
            return lambda row: self.value(model, row, fname)
        default = _type_default(spec)
        return lambda row: row.get(fname, default)

    def _related_value(self, model: str, row: Row, path: str) -> Any:
        head, _, rest = path.partition(".")
        target = self.models[model].fields[head]
        rid = self.value(model, row, head)
        if not rid or target.relation is None:
            return False
        sub = self.tables[target.relation].get(rid)
        if sub is None:
            return False
        if "." in rest:
            return self._related_value(target.relation, sub, rest)
        return self.value(target.relation, sub, rest)

    def _inverse_ids(self, comodel: str, inverse: str, rid: int) -> list[int]:
        key = (comodel, inverse)
        gen = self._generation[comodel]
        cached = self._inverse_cache.get(key)
        if cached is None or cached[0] != gen:
            index: dict[int, list[int]] = {}
            for other in self.tables[comodel].values():
                parent = other.get(inverse)
                if parent:
                    index.setdefault(parent, []).append(other["id"])
            cached = (gen, index)
            self._inverse_cache[key] = cached
        return sorted(cached[1].get(rid, []))

    def _mirror_ids(self, comodel: str, mirror: str, rid: int) -> list[int]:
        return sorted(
            r["id"] for r in self.tables[comodel].values() if rid in (r.get(mirror) or [])
        )

    def display_name(self, model: str, rid: int) -> str:
        """The ``display_name`` of a record."""
        return str(computes.display_name(self, model, self.row(model, rid)))

    # ------------------------------------------------------------------ Backend for domains

    def search_ids(self, model: str, domain: list[Any]) -> set[int]:
        """Ids matching a domain, archived rows included (used for dotted paths).

        Kept until any table changes or the clock moves (a computed field may read
        either): a dotted path (``product_id.type``) is searched on every request that
        names it, and testing every product each time would time the fake, where
        PostgreSQL answers it with a join."""
        stamp = (sum(self._generation.values()), self.now)
        if stamp != self._searched_at:
            self._searched, self._searched_at = {}, stamp
        key = (model, repr(domain))
        found = self._searched.get(key)
        if found is None:
            found = self._searched[key] = frozenset(self._search_ids(model, domain))
        return set(found)

    def _search_ids(self, model: str, domain: list[Any]) -> set[int]:
        node = parse(domain)
        predicate = compile_domain(self, model, node)
        exact = self._values.exact_ids(model, node)
        if exact is not None:
            return exact
        return {rid for rid, row in self.tables[model].items() if predicate(row)}

    def hierarchy(self, model: str, ids: set[int], down: bool) -> set[int]:
        """``child_of`` / ``parent_of``: the ids with their descendants or ancestors."""
        parent = self.models[model].parent_name or "parent_id"
        result = set(ids)
        if down:
            frontier = set(ids)
            while frontier:
                frontier = {
                    r["id"] for r in self.tables[model].values() if r.get(parent) in frontier
                } - result
                result |= frontier
            return result
        for rid in ids:
            current = self.tables[model].get(rid)
            while current is not None and current.get(parent) and current[parent] not in result:
                result.add(current[parent])
                current = self.tables[model].get(current[parent])
        return result

    def name_ids(self, model: str, operator: str, value: Any) -> set[int]:
        """Ids whose display name matches (``_name_search``)."""
        values = value if isinstance(value, list | tuple) else [value]
        result = set()
        for rid, row in self.tables[model].items():
            name = str(computes.display_name(self, model, row))
            if any(_text_match(operator, name, str(v)) for v in values):
                result.add(rid)
        return result

    # ------------------------------------------------------------------ search

    def search(
        self,
        model: str,
        domain: Any,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> list[int]:
        """``search``: ids matching the domain, sorted by ``order``, sliced."""
        self.check_model_access(model, "read")
        spec = self.models[model]
        node = parse(domain)
        if (
            spec.has_active
            and self.env.context.get("active_test", True)
            and not any(p == "active" for p, _, _ in leaves(node))
        ):
            node = ("&", [("leaf", "active", "=", True), node])
        predicate = compile_domain(self, model, node)
        terms = self._parse_order(model, order or spec.order)
        end = None if not limit else int(offset or 0) + int(limit)
        if end is None and terms == [("id", False, False)]:
            # every match in id order: from the value indexes when they answer the domain
            # (a page stops at its limit below instead: keyset paging reads a page's worth)
            exact = self._values.exact_ids(model, node)
            if exact is not None:
                return sorted(exact)[int(offset or 0) :]
        if end is not None and terms == [("id", False, False)]:
            # a page in id order stops at its limit, as an index scan on the primary key
            found = islice(
                (row["id"] for row in self._candidates(model, node) if predicate(row)), end
            )
            return list(found)[int(offset or 0) :]
        rows = [row for row in self._candidates(model, node) if predicate(row)]
        rows = self._sort(model, rows, terms)
        ids = [r["id"] for r in rows]
        return ids[int(offset or 0) : end]

    def _candidates(self, model: str, node: Any) -> Iterable[Row]:
        """The rows a search must test, in id order: narrowed through an index when the domain's
        top-level conjunction bounds ``id`` or ``write_date``, as PostgreSQL's primary key
        and Odoo's ``write_date`` index narrow it; every row otherwise. The domain is
        still tested on each candidate, so the index only spares rows that cannot match.
        """
        best: list[int] | None = None
        for _path, operator, value in _conjuncts(node):
            found = self.indexed_ids(model, _path, operator, value)
            if found is not None and (best is None or len(found) < len(best)):
                best = found
        table = self.tables[model]
        if best is None:
            return [table[key[0]] for key in self._index(model, "id")]
        return [table[rid] for rid in sorted(set(best)) if rid in table]

    def generation(self, model: str) -> int:
        """How many times ``model``'s table changed: an index built at another is stale."""
        return self._generation[model]

    def indexed_ids(self, model: str, path: str, operator: str, value: Any) -> list[int] | None:
        """Ids that may satisfy one leaf, from an index; None when no index serves it."""
        if path == "id":
            if operator == "=" and _is_id(value):
                return [value]
            if operator == "in" and isinstance(value, list | tuple) and all(map(_is_id, value)):
                return list(value)
            if operator in (">", ">=") and _is_id(value):
                keys = self._index(model, "id")
                start = (bisect_right if operator == ">" else bisect_left)(keys, (value,))
                return [key[-1] for key in keys[start:]]
            return None
        if path == "write_date" and operator in (">", ">=", "=") and _is_stamp(value):
            keys = self._index(model, "write_date")
            if operator == ">":
                start, end = bisect_right(keys, (value, _MAX_ID)), len(keys)
            else:
                start = bisect_left(keys, (value,))
                end = bisect_right(keys, (value, _MAX_ID)) if operator == "=" else len(keys)
            return [key[-1] for key in keys[start:end]]
        return None

    def _index(self, model: str, fname: str) -> list[tuple[Any, ...]]:
        """A sorted index of ``(value, id)`` (``(id,)`` for ``id``), rebuilt after a change
        to the model (its generation), as a B-tree would be kept."""
        generation = self._generation[model]
        cached = self._indexes.get((model, fname))
        if cached is not None and cached[0] == generation:
            return cached[1]
        rows = self.tables[model].values()
        keys: list[tuple[Any, ...]]
        if fname == "id":
            keys = sorted((row["id"],) for row in rows)
        else:
            keys = sorted((row[fname], row["id"]) for row in rows if _is_stamp(row.get(fname)))
        self._indexes[(model, fname)] = (generation, keys)
        return keys

    def _parse_order(self, model: str, order: str) -> list[tuple[str, bool, bool]]:
        spec = self.models[model]
        terms: list[tuple[str, bool, bool]] = []
        for part in order.split(","):
            words = part.strip().split()
            if not words:
                continue
            fname = words[0]
            rest = [w.lower() for w in words[1:]]
            if fname not in spec.fields:
                raise invalid_field(fname, model)
            if not spec.fields[fname].store or spec.fields[fname].type in ("one2many", "many2many"):
                raise ValueError(f"Cannot order by non-stored field {model}.{fname}")
            if rest and rest[0] not in ("asc", "desc"):
                raise ValueError(f'Invalid "order" specified ({order}).')
            self.check_field_access(model, fname)
            desc = bool(rest) and rest[0] == "desc"
            nulls_first = desc
            if "nulls" in rest:
                nulls_first = rest[-1] == "first"
            terms.append((fname, desc, nulls_first))
        if not any(t[0] == "id" for t in terms):
            terms.append(("id", False, False))
        return terms

    def _sort(self, model: str, rows: list[Row], terms: list[tuple[str, bool, bool]]) -> list[Row]:
        spec = self.models[model]
        for fname, desc, nulls_first in reversed(terms):
            if fname == "id":  # never null, kept in every row: sorted on the row itself
                rows.sort(key=itemgetter("id"), reverse=desc)
                continue
            fspec = spec.fields[fname]
            null_flag = (1 if nulls_first else 0) if desc else (0 if nulls_first else 1)

            def key(
                row: Row, fname: str = fname, fspec: FieldSpec = fspec, null_flag: int = null_flag
            ) -> tuple[int, Any]:
                value = self.value(model, row, fname)
                if fspec.type != "boolean" and is_null(value, fspec):
                    return (null_flag, 0)
                if fspec.type == "boolean":
                    return (1 - null_flag, int(bool(value)))
                return (1 - null_flag, value)

            rows.sort(key=key, reverse=desc)
        return rows

    # ------------------------------------------------------------------ read

    def read(self, model: str, ids: list[int], fields: list[str] | None) -> list[Row]:
        """``read``: Odoo's read format (``[id, name]``, False for empty, lists of ids)."""
        self.check_model_access(model, "read")
        spec = self.models[model]
        names = list(fields) if fields else self.readable_fields(model)
        for fname in names:
            if fname not in spec.fields:
                raise invalid_field(fname, model)
        denied = [f for f in names if not self.env.su and (model, f) in self.denied_fields]
        if denied:
            self._field_access_error(model, denied, "read")
        missing = [rid for rid in ids if rid not in self.tables[model]]
        if missing:
            raise self.missing(model, missing)
        result = []
        for rid in ids:
            row = self.tables[model][rid]
            out: Row = {"id": rid}
            for fname in names:
                out[fname] = self._read_value(model, row, spec.fields[fname])
            result.append(out)
        return result

    def _read_value(self, model: str, row: Row, fspec: FieldSpec) -> Any:
        value = self.value(model, row, fspec.name)
        kind = fspec.type
        if kind == "many2one":
            if not value:
                return False
            target = self.tables[fspec.relation or ""].get(value)
            if target is None:
                raise self.missing(fspec.relation or "", [value])
            return [value, str(computes.display_name(self, fspec.relation or "", target))]
        if kind in ("one2many", "many2many"):
            return list(value or [])
        if kind in ("integer", "many2one_reference"):
            return int(value or 0)
        if kind in ("float", "monetary"):
            return float(value or 0.0)
        if kind == "boolean":
            return bool(value)
        return value if value not in (None, "") else False

    def fields_get(
        self, model: str, allfields: list[str] | None, attributes: list[str] | None
    ) -> dict[str, dict[str, Any]]:
        """``fields_get``: field descriptions, without the fields the caller may not read."""
        result: dict[str, dict[str, Any]] = {}
        for fname in self.readable_fields(model):
            if allfields and fname not in allfields:
                continue
            desc = _describe(self.models[model].fields[fname])
            if attributes:
                desc = {k: v for k, v in desc.items() if k in attributes}
            result[fname] = desc
        return result

    # ------------------------------------------------------------------ create / write / unlink

    def create(self, model: str, vals_list: list[Row]) -> list[int]:
        """``create``: defaults, model rules, required fields, then x2many commands."""
        self.check_model_access(model, "create")
        return [self._create_one(model, dict(vals)) for vals in vals_list]

    def _create_one(self, model: str, vals: Row) -> int:
        spec = self.models[model]
        explicit_log = {k: vals.pop(k) for k in ("create_date", "write_date") if k in vals}
        for key in vals:
            if key not in spec.fields:
                raise invalid_field(key, model)
        self._check_write_access(model, vals)
        for key, value in self.env.context.items():
            if key.startswith("default_") and key[8:] in spec.fields and key[8:] not in vals:
                vals[key[8:]] = value
        computes.before_create(self, model, vals)
        self._route_inherited(model, vals)
        deferred = {
            k: vals.pop(k)
            for k in list(vals)
            if spec.fields[k].virtual or spec.fields[k].type == "many2many"
        }
        self._apply_defaults(model, vals)
        self._last_id[model] += 1
        rid = self._last_id[model]
        stamp = self.now_string()
        row: Row = {
            "id": rid,
            "create_date": stamp,
            "write_date": stamp,
            "create_uid": self.env.uid,
            "write_uid": self.env.uid,
        }
        for key, value in vals.items():
            row[key] = self._convert(model, spec.fields[key], value)
        row.update({k: to_datetime_string(v) for k, v in explicit_log.items() if self.env.su})
        self._check_required(model, row, deferred)
        self.tables[model][rid] = row
        self._generation[model] += 1
        try:
            self._write_virtual(model, rid, deferred)
        except Exception:
            del self.tables[model][rid]
            raise
        computes.after_create(self, model, rid)
        return rid

    def _route_inherited(self, model: str, vals: Row) -> None:
        link = INHERITS.get(model)
        if link is None:
            return
        spec = self.models[model]
        parent_model = spec.fields[link].relation or ""
        parent_vals: Row = {}
        for key in list(vals):
            related = spec.fields[key].related or ""
            if related.startswith(link + "."):
                parent_vals[related.split(".", 1)[1]] = vals.pop(key)
        if vals.get(link):
            if parent_vals:
                self.write(parent_model, [vals[link]], parent_vals)
        else:
            computes.inherited_parent_defaults(self, model, parent_vals)
            vals[link] = self._create_one(parent_model, parent_vals)

    def _apply_defaults(self, model: str, vals: Row) -> None:
        spec = self.models[model]
        for fname, fspec in spec.fields.items():
            if fname in vals or fname in LOG_FIELDS or fspec.virtual or fspec.type == "many2many":
                continue
            if fspec.default_fn:
                vals[fname] = computes.default(self, fspec.default_fn, model)
            elif fspec.default is not None:
                vals[fname] = fspec.default

    def _check_required(self, model: str, row: Row, deferred: Row) -> None:
        spec = self.models[model]
        for fname, fspec in spec.fields.items():
            if not fspec.required or fspec.virtual or fname in deferred:
                continue
            if is_null(row.get(fname), fspec):
                raise self.not_null(model, fname)

    def not_null(self, model: str, fname: str) -> ValidationError:
        """The ValidationError Odoo makes of a NOT NULL violation."""
        spec = self.models[model]
        fspec = spec.fields[fname]
        return ValidationError(
            "The operation cannot be completed:\n"
            "- Create/update: a mandatory field is not set.\n"
            "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
            f"Model: {spec.description} ({model})\n"
            f"Field: {fspec.string} ({fname})"
        )

    def _convert(self, model: str, fspec: FieldSpec, value: Any) -> Any:
        kind = fspec.type
        if value is None or value is False:
            return (
                _type_default(fspec)
                if kind in ("integer", "float", "monetary", "boolean")
                else False
            )
        if kind == "many2one":
            return self._convert_many2one(model, fspec, value)
        if kind == "selection":
            keys = [k for k, _ in fspec.selection or ()]
            if value not in keys:
                raise ValueError(f"Wrong value for {model}.{fspec.name}: {value!r}")
            return value
        return _convert_scalar(kind, value)

    def _convert_many2one(self, model: str, fspec: FieldSpec, value: Any) -> Any:
        if isinstance(value, list | tuple):
            value = value[0]
        rid = int(value)
        if rid not in self.tables[fspec.relation or ""]:
            raise ValidationError(
                "The operation cannot be completed: another model requires the record being deleted. "
                "If possible, archive it instead.\n\n"
                f"Model: {self.models[model].description} ({model})\n"
                f"Constraint: {model.replace('.', '_')}_{fspec.name}_fkey"
            )
        return rid

    def _check_write_access(self, model: str, vals: Row) -> None:
        if self.env.su:
            return
        denied = [k for k in vals if (model, k) in self.denied_fields]
        if denied:
            self._field_access_error(model, denied, "write")

    def write(self, model: str, ids: list[int], vals: Row) -> None:
        """``write``: same value to every record; bumps ``write_date``."""
        self.check_model_access(model, "write")
        spec = self.models[model]
        vals = dict(vals)
        explicit_log = {k: vals.pop(k) for k in ("create_date", "write_date") if k in vals}
        for key in vals:
            if key not in spec.fields:
                raise invalid_field(key, model)
        self._check_write_access(model, vals)
        rows = [self.row(model, rid) for rid in ids]
        generation = self._generation[model]
        before = [dict(row) for row in rows] if self._indexed_at(model, generation) else None
        virtual = {
            k: v
            for k, v in vals.items()
            if spec.fields[k].virtual or spec.fields[k].type == "many2many"
        }
        plain = {
            k: self._convert(model, spec.fields[k], v)
            for k, v in vals.items()
            if k not in virtual and k not in LOG_FIELDS
        }
        for row in rows:
            for key, value in plain.items():
                if spec.fields[key].required and is_null(value, spec.fields[key]):
                    raise self.not_null(model, key)
                row[key] = value
            row["write_date"] = self.now_string()
            row["write_uid"] = self.env.uid
            if self.env.su:
                row.update({k: to_datetime_string(v) for k, v in explicit_log.items()})
            self._write_virtual(model, row["id"], virtual)
            computes.after_write(self, model, row["id"], vals)
        self._generation[model] += 1
        if before is not None:
            self._carry_indexes(model, generation, before, rows)

    # ------------------------------------------------------------------ indexes kept on write

    def _indexed_at(self, model: str, generation: int) -> bool:
        """Whether an index of ``model`` is current at ``generation`` (worth carrying)."""
        caches: list[Iterable[tuple[tuple[str, str], tuple[int, Any]]]] = [
            self._indexes.items(),
            self._inverse_cache.items(),
        ]
        return self._values.indexed_at(model, generation) or any(
            key[0] == model and cached[0] == generation for items in caches for key, cached in items
        )

    def _carry_indexes(
        self, model: str, generation: int, before: list[Row], after: list[Row]
    ) -> None:
        """Bring the indexes of ``model`` current at ``generation`` up to date with a write
        (``before`` and ``after``: the rows written, as they were and as they are), as
        PostgreSQL updates a B-tree, instead of rebuilding them on the next search."""
        now = self._generation[model]
        # once per row, should ``write`` have been given an id twice
        changes = list(
            {old["id"]: (old, new) for old, new in zip(before, after, strict=True)}.values()
        )
        for (name, fname), (gen, keys) in list(self._indexes.items()):
            if name == model and gen == generation:
                if fname != "id":
                    _move_keys(keys, fname, changes)
                self._indexes[(name, fname)] = (now, keys)
        for (name, inverse), (gen, parents) in list(self._inverse_cache.items()):
            if name == model and gen == generation:
                for old, new in changes:
                    if old.get(inverse) == new.get(inverse):
                        continue
                    if old.get(inverse):
                        parents[old[inverse]].remove(old["id"])
                    if new.get(inverse):
                        parents.setdefault(new[inverse], []).append(new["id"])
                self._inverse_cache[(name, inverse)] = (now, parents)
        self._values.carry(model, generation, now, changes)

    def _write_virtual(self, model: str, rid: int, vals: Row) -> None:
        spec = self.models[model]
        row = self.tables[model][rid]
        for key, value in vals.items():
            fspec = spec.fields[key]
            if fspec.type == "one2many":
                self._write_one2many(rid, fspec, value)
            elif fspec.mirror:
                self._write_mirror(rid, fspec, value)
            elif fspec.type == "many2many":
                row[key] = self._many2many_ids(fspec, list(row.get(key) or []), value)
            elif fspec.related and not fspec.readonly:
                self._write_related(model, row, fspec.related, value)
            elif fspec.compute and not fspec.readonly:
                row[key] = self._convert(model, fspec, value)
                computes.inverse(self, model, rid, key, value)

    def _write_related(self, model: str, row: Row, path: str, value: Any) -> None:
        head, _, rest = path.partition(".")
        target = row.get(head)
        relation = self.models[model].fields[head].relation
        if target and relation and "." not in rest:
            self.write(relation, [target], {rest: value})

    def _many2many_ids(self, fspec: FieldSpec, current: list[int], commands: Any) -> list[int]:
        ids = list(current)
        relation = fspec.relation or ""
        for command in _commands(commands):
            op = command[0]
            if op == 6:
                ids = [int(i) for i in command[2]]
            elif op == 5:
                ids = []
            elif op == 4 and command[1] not in ids:
                ids.append(int(command[1]))
            elif op in (3, 2):
                ids = [i for i in ids if i != command[1]]
                if op == 2:
                    self.unlink(relation, [command[1]])
            elif op == 0:
                ids.append(self._create_one(relation, dict(command[2])))
            elif op == 1:
                self.write(relation, [command[1]], command[2])
        for rid in ids:
            if rid not in self.tables[relation]:
                raise self.missing(relation, [rid])
        return ids

    def _write_one2many(self, rid: int, fspec: FieldSpec, commands: Any) -> None:
        comodel = fspec.relation or ""
        inverse = fspec.inverse or ""
        for command in _commands(commands):
            op = command[0]
            if op == 0:
                child = dict(command[2])
                child[inverse] = rid
                self._create_one(comodel, child)
            elif op == 1:
                self.write(comodel, [command[1]], command[2])
            elif op == 2:
                self.unlink(comodel, [command[1]])
            elif op == 3:
                self.write(comodel, [command[1]], {inverse: False})
            elif op == 4:
                self.write(comodel, [command[1]], {inverse: rid})
            elif op in (5, 6):
                keep = [int(i) for i in command[2]] if op == 6 else []
                current = self._inverse_ids(comodel, inverse, rid)
                for other in current:
                    if other not in keep:
                        self.write(comodel, [other], {inverse: False})
                for other in keep:
                    self.write(comodel, [other], {inverse: rid})

    def _write_mirror(self, rid: int, fspec: FieldSpec, commands: Any) -> None:
        comodel = fspec.relation or ""
        mirror = fspec.mirror or ""
        wanted = set(self._many2many_ids(fspec, self._mirror_ids(comodel, mirror, rid), commands))
        for other in self.tables[comodel].values():
            linked = list(other.get(mirror) or [])
            if other["id"] in wanted and rid not in linked:
                other[mirror] = [*linked, rid]
            elif other["id"] not in wanted and rid in linked:
                other[mirror] = [i for i in linked if i != rid]
        self._generation[comodel] += 1

    def unlink(self, model: str, ids: list[int], clean: bool = True) -> None:
        """``unlink``: set references to NULL, or cascade where the reference is required.

        With ``clean=False`` the references are left dangling, which is how a test makes
        a record vanish under another one (reading it then raises MissingError).
        """
        self.check_model_access(model, "unlink")
        for rid in ids:
            self.row(model, rid)
        for rid in ids:
            self.tables[model].pop(rid, None)
        self._generation[model] += 1
        if clean:
            self._clean_references(model, set(ids))

    def _clean_references(self, model: str, ids: set[int]) -> None:
        for other_model, spec in list(self.models.items()):
            for fspec in spec.fields.values():
                if fspec.relation != model or fspec.virtual:
                    continue
                if fspec.type == "many2one":
                    self._clean_many2one(other_model, fspec, ids)
                elif fspec.type == "many2many":
                    for row in self.tables[other_model].values():
                        if set(row.get(fspec.name) or []) & ids:
                            row[fspec.name] = [i for i in row[fspec.name] if i not in ids]

    def _clean_many2one(self, model: str, fspec: FieldSpec, ids: set[int]) -> None:
        doomed = [r["id"] for r in self.tables[model].values() if r.get(fspec.name) in ids]
        if not doomed:
            return
        if fspec.required:
            self.unlink(model, [d for d in doomed if d in self.tables[model]])
            return
        for rid in doomed:
            self.tables[model][rid][fspec.name] = False
        self._generation[model] += 1

    # ------------------------------------------------------------------ helpers for computes

    def rows(self, model: str) -> list[Row]:
        """Every row of a model, archived ones included."""
        return list(self.tables[model].values())

    def next_sequence(self, key: str) -> int:
        """The next number of a named sequence."""
        self._sequences[key] += 1
        return self._sequences[key]

    def first(self, model: str, predicate: Callable[[Row], bool]) -> Row | None:
        """The lowest-id row matching a predicate."""
        for rid in sorted(self.tables[model]):
            if predicate(self.tables[model][rid]):
                return self.tables[model][rid]
        return None


_MAX_ID = 2**63
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _move_keys(keys: list[tuple[Any, ...]], fname: str, changes: list[tuple[Row, Row]]) -> None:
    """Move the ``(value, id)`` keys of the rows whose ``fname`` changed in a sorted index."""
    for old, new in changes:
        if old.get(fname) == new.get(fname):
            continue
        if _is_stamp(old.get(fname)):
            del keys[bisect_left(keys, (old[fname], old["id"]))]
        if _is_stamp(new.get(fname)):
            insort(keys, (new[fname], new["id"]))


def _is_stamp(value: Any) -> bool:
    """A datetime as Odoo stores it, which sorts as text in time order."""
    return isinstance(value, str) and _STAMP.fullmatch(value) is not None


def _conjuncts(node: Any) -> Iterator[tuple[str, str, Any]]:
    """The leaves every match must satisfy: those joined by the top-level ``&``."""
    if node[0] == "leaf":
        yield node[1], node[2], node[3]
    elif node[0] == "&":
        for child in node[1]:
            yield from _conjuncts(child)


def _commands(value: Any) -> list[Any]:
    """x2many values: Odoo's command triples, or a plain list of ids meaning "set"."""
    if not value:
        return [(6, 0, [])] if value is not None else []
    items = list(value)
    if all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        return [(6, 0, items)]
    padded = []
    for command in items:
        parts = list(command)
        while len(parts) < 3:
            parts.append(0 if len(parts) == 1 else {})
        padded.append(tuple(parts))
    return padded


def _convert_scalar(kind: str, value: Any) -> Any:
    if kind in ("integer", "many2one_reference"):
        return int(value)
    if kind in ("float", "monetary"):
        return float(value)
    if kind == "boolean":
        return bool(value)
    if kind == "datetime":
        return to_datetime_string(value)
    if kind == "date":
        return to_date_string(value)
    text = value if isinstance(value, str) else str(value)
    return text if text != "" else False


def _type_default(fspec: FieldSpec) -> Any:
    if fspec.type in ("integer", "many2one_reference"):
        return 0
    if fspec.type in ("float", "monetary"):
        return 0.0
    if fspec.type in ("one2many", "many2many"):
        return []
    return False


def _text_match(operator: str, name: str, value: str) -> bool:
    if operator in ("=", "in"):
        return name == value
    if operator == "ilike":
        return value.casefold() in name.casefold()
    if operator == "like":
        return value in name
    if operator == "=ilike":
        return name.casefold() == value.casefold()
    return name == value


def _describe(fspec: FieldSpec) -> dict[str, Any]:
    desc: dict[str, Any] = {
        "name": fspec.name,
        "type": fspec.type,
        "string": fspec.string,
        "store": fspec.store,
        "required": fspec.required,
        "readonly": fspec.readonly
        or fspec.name in LOG_FIELDS
        or bool(fspec.compute and not fspec.store),
        "searchable": fspec.is_searchable,
        "sortable": fspec.store and fspec.type not in ("one2many", "many2many"),
    }
    if fspec.help:
        desc["help"] = fspec.help
    if fspec.type == "selection":
        desc["selection"] = [[k, v] for k, v in fspec.selection or ()]
    if fspec.type in RELATIONAL:
        desc["relation"] = fspec.relation
    if fspec.type == "one2many":
        desc["relation_field"] = fspec.inverse
    return desc
