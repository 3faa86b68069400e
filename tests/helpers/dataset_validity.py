"""Check a :class:`Dataset` against every rule of ``docs/dataset-format.md``.

A dataset built in memory (by the demo generator, a fixture, a connector) never goes
through the CSV reader's checks, so tests hold it to the same rules here: keys unique,
references resolving, quantities, prices and days never negative (an invoice's
residual may be), ``quality_hold`` within ``on_hand``, positive integer capacities and
line numbers, enumerations from their lists. :func:`dataset_problems` lists every
broken rule in words that name the entity, the row and the field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from controltower.domain.model import (
    Dataset,
    OrderStatus,
    PickStatus,
    ReturnStatus,
    Tier,
)

_KEYS: dict[str, tuple[str, ...]] = {
    "warehouses": ("code",),
    "transfer_lanes": ("from_warehouse", "to_warehouse"),
    "products": ("sku",),
    "customers": ("code",),
    "suppliers": ("code",),
    "stock": ("sku", "warehouse"),
    "sales_orders": ("order_id",),
    "sales_order_lines": ("order_id", "line"),
    "purchase_orders": ("po_id",),
    "purchase_order_lines": ("po_id", "line"),
    "receipts": ("receipt_id",),
    "invoices": ("invoice_id",),
    "returns": ("rma_id",),
    "picks": ("pick_id",),
}

#: (entity, fields) -> (target entity, target key fields); a None value is no reference
_REFERENCES: list[tuple[str, tuple[str, ...], str]] = [
    ("transfer_lanes", ("from_warehouse",), "warehouses"),
    ("transfer_lanes", ("to_warehouse",), "warehouses"),
    ("stock", ("sku",), "products"),
    ("stock", ("warehouse",), "warehouses"),
    ("sales_orders", ("customer",), "customers"),
    ("sales_orders", ("warehouse",), "warehouses"),
    ("sales_order_lines", ("order_id",), "sales_orders"),
    ("sales_order_lines", ("sku",), "products"),
    ("purchase_orders", ("supplier",), "suppliers"),
    ("purchase_orders", ("warehouse",), "warehouses"),
    ("purchase_order_lines", ("po_id",), "purchase_orders"),
    ("purchase_order_lines", ("sku",), "products"),
    ("receipts", ("po_id", "line"), "purchase_order_lines"),
    ("invoices", ("customer",), "customers"),
    ("returns", ("customer",), "customers"),
    ("returns", ("order_id",), "sales_orders"),
    ("returns", ("sku",), "products"),
    ("picks", ("order_id",), "sales_orders"),
    ("picks", ("warehouse",), "warehouses"),
]

#: fields that must be a Decimal >= 0 (None allowed where the format lets it be blank)
_NON_NEGATIVE: dict[str, tuple[str, ...]] = {
    "products": ("unit_cost", "list_price", "reorder_point", "reorder_qty"),
    "customers": ("credit_limit",),
    "stock": ("on_hand", "quality_hold"),
    "sales_order_lines": ("qty", "qty_shipped", "qty_reserved", "unit_price", "list_price"),
    "purchase_order_lines": ("qty", "qty_received", "unit_cost"),
    "receipts": ("qty", "damaged_qty"),
    "returns": ("qty",),
}

_REQUIRED_TEXT: dict[str, tuple[str, ...]] = {
    name: fields for name, fields in _KEYS.items() if name not in ("transfer_lanes", "stock")
}

_DATES: dict[str, tuple[tuple[str, bool], ...]] = {
    "sales_orders": (("order_date", True), ("promised_date", True)),
    "purchase_orders": (("order_date", True), ("expected_date", True), ("confirmed_date", False)),
    "purchase_order_lines": (("expected_date", False),),
    "receipts": (("received_date", True),),
    "invoices": (("due_date", True),),
    "returns": (("requested_date", True),),
}

#: boolean fields: (name, may be None)
_BOOLEANS: dict[str, tuple[tuple[str, bool], ...]] = {
    "customers": (("credit_hold", False), ("accepts_partial", False)),
    "sales_orders": (("expedite", False), ("accepts_partial", True)),
    "receipts": (("put_away", False),),
    "invoices": (("disputed", False),),
}

_ENUMS: dict[str, tuple[tuple[str, type[Enum]], ...]] = {
    "customers": (("tier", Tier),),
    "sales_orders": (("status", OrderStatus),),
    "purchase_orders": (("status", OrderStatus),),
    "returns": (("status", ReturnStatus),),
    "picks": (("status", PickStatus),),
}


def _key(row: Any, fields: Iterable[str]) -> tuple[Any, ...]:
    return tuple(getattr(row, f) for f in fields)


def _describe(entity: str, fields: tuple[str, ...], row: Any) -> str:
    shown = ", ".join(f"{f}={getattr(row, f)!r}" for f in fields)
    return f"{entity}[{shown}]"


def dataset_problems(dataset: Dataset) -> list[str]:
    """Every broken rule of the canonical format, one sentence each (empty: valid)."""
    problems: list[str] = []
    keys: dict[str, set[tuple[Any, ...]]] = {}
    problems.extend(_key_problems(dataset, keys))
    problems.extend(_reference_problems(dataset, keys))
    problems.extend(_quantity_problems(dataset))
    problems.extend(_code_problems(dataset))
    problems.extend(_line_number_problems(dataset))
    problems.extend(_date_problems(dataset))
    problems.extend(_enum_problems(dataset))
    problems.extend(_boolean_problems(dataset))
    problems.extend(_row_rule_problems(dataset))
    return problems


def _key_problems(dataset: Dataset, keys: dict[str, set[tuple[Any, ...]]]) -> Iterator[str]:
    """Repeated keys; fills ``keys`` with each entity's keys for the reference checks."""
    for entity, fields in _KEYS.items():
        rows = getattr(dataset, entity)
        counted = Counter(_key(row, fields) for row in rows)
        for key, count in sorted(counted.items(), key=repr):
            if count > 1:
                yield f"{entity}: key {dict(zip(fields, key, strict=True))} appears {count} times"
        keys[entity] = set(counted)


def _reference_problems(dataset: Dataset, keys: dict[str, set[tuple[Any, ...]]]) -> Iterator[str]:
    for entity, fields, target in _REFERENCES:
        for row in getattr(dataset, entity):
            value = _key(row, fields)
            if value == (None,):
                continue
            if value not in keys[target]:
                yield f"{_describe(entity, _KEYS[entity], row)}: {fields} {value} is not in {target}"


def _quantity_problems(dataset: Dataset) -> Iterator[str]:
    for entity, fields in _NON_NEGATIVE.items():
        for row in getattr(dataset, entity):
            for name in fields:
                value = getattr(row, name)
                if value is None and name in ("on_hand", "qty"):
                    yield f"{_describe(entity, _KEYS[entity], row)}: {name} is required"
                elif value is not None and (not isinstance(value, Decimal) or value < 0):
                    yield (
                        f"{_describe(entity, _KEYS[entity], row)}: {name}={value!r} must be a decimal >= 0"
                    )


def _code_problems(dataset: Dataset) -> Iterator[str]:
    for entity, fields in _REQUIRED_TEXT.items():
        for row in getattr(dataset, entity):
            for name in fields:
                value = getattr(row, name)
                if name == "line":
                    continue
                if not isinstance(value, str) or not value.strip() or value != value.strip():
                    yield f"{entity}: {name}={value!r} must be a non-blank, trimmed code"


def _line_number_problems(dataset: Dataset) -> Iterator[str]:
    for entity in ("sales_order_lines", "purchase_order_lines", "receipts"):
        for row in getattr(dataset, entity):
            if type(row.line) is not int or row.line < 1:
                yield f"{_describe(entity, _KEYS[entity], row)}: line must be a positive integer"


def _date_problems(dataset: Dataset) -> Iterator[str]:
    for entity, specs in _DATES.items():
        for row in getattr(dataset, entity):
            for name, required in specs:
                value = getattr(row, name)
                if value is None and not required:
                    continue
                if type(value) is not date:
                    yield f"{_describe(entity, _KEYS[entity], row)}: {name}={value!r} must be a date"
    for pick in dataset.picks:
        if not isinstance(pick.created_at, datetime):
            yield f"{_describe('picks', _KEYS['picks'], pick)}: created_at must be a date or time"


def _enum_problems(dataset: Dataset) -> Iterator[str]:
    for entity, enum_fields in _ENUMS.items():
        for row in getattr(dataset, entity):
            for name, kind in enum_fields:
                if not isinstance(getattr(row, name), kind):
                    yield f"{_describe(entity, _KEYS[entity], row)}: {name} is not a {kind.__name__}"


def _boolean_problems(dataset: Dataset) -> Iterator[str]:
    for entity, boolean_fields in _BOOLEANS.items():
        for row in getattr(dataset, entity):
            for name, optional in boolean_fields:
                value = getattr(row, name)
                if not (type(value) is bool or (optional and value is None)):
                    yield (
                        f"{_describe(entity, _KEYS[entity], row)}: {name}={value!r} must be a boolean"
                    )


_ROW_RULES: list[tuple[str, Callable[[Any], bool], str]] = [
    ("stock", lambda s: s.quality_hold <= s.on_hand, "quality_hold exceeds on_hand"),
    (
        "warehouses",
        lambda w: (
            w.pick_capacity_lines_per_day is None
            or (type(w.pick_capacity_lines_per_day) is int and w.pick_capacity_lines_per_day > 0)
        ),
        "pick_capacity_lines_per_day must be a positive integer",
    ),
    (
        "transfer_lanes",
        lambda lane: type(lane.transit_days) is int and lane.transit_days >= 0,
        "transit_days must be a whole number >= 0",
    ),
    (
        "suppliers",
        lambda s: s.lead_days is None or (type(s.lead_days) is int and s.lead_days >= 0),
        "lead_days must be a whole number >= 0",
    ),
    (
        "invoices",
        lambda i: isinstance(i.amount_residual, Decimal),
        "amount_residual must be a decimal",
    ),
]


def _row_rule_problems(dataset: Dataset) -> Iterator[str]:
    for entity, holds, message in _ROW_RULES:
        for row in getattr(dataset, entity):
            try:
                ok = holds(row)
            except TypeError:
                ok = False
            if not ok:
                yield f"{_describe(entity, _KEYS[entity], row)}: {message}"
