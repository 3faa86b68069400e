"""Changes to a picture stated as data: what a governed action does to the business.

A governed action (``docs/actions.md``) changes a handful of cells of the dataset (an
order's promised date, a stock level, a customer's credit hold) and sometimes adds rows
(the purchase order a stock transfer arrives on). Those changes are stated here as
values, named the way the dataset names things (table, business key, column, and the
values as the dataset's CSV text), because the same list of edits is

* applied to the columns for the what-if preview (:func:`apply_edits`),
* stored with the request and applied to the stored picture when it is executed,
* compared with the next import or sync to see whether the ERP agrees
  (:func:`edits_not_shown`),

and each of those must read the same thing from it. Text keeps the edits independent of
the ids of one :class:`~controltower.domain.tables.DatasetTables` (ids move when a code
is added) and makes them readable in the audit trail.

A :class:`SetField` states the value a cell had (``old``) as well as the one it gets:
applying it to a picture whose cell no longer holds ``old`` is refused
(:class:`~controltower.domain.errors.DatasetConflictError`), so an action approved on
yesterday's picture never silently overwrites what an import changed since.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from controltower.domain.columnar import NULL_DAY, ColumnarPrecisionError, from_units, to_units
from controltower.domain.errors import DatasetConflictError
from controltower.domain.model import DEFAULT_COMPANY, TIER_RANK
from controltower.domain.tables import (
    ORDER_STATUSES,
    PICK_STATUSES,
    RETURN_STATUSES,
    DatasetTables,
    Vocabularies,
    Vocabulary,
    datetime_of,
    seconds_since_epoch,
)

Array = npt.NDArray[Any]


@dataclass(frozen=True, slots=True)
class SetField:
    """One cell of one row changes from ``old`` to ``new`` (dataset CSV text; None is blank)."""

    table: str
    key: tuple[str, ...]
    column: str
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class AddRow:
    """A new row; columns left out take the dataset's default for a blank cell."""

    table: str
    values: tuple[tuple[str, str | None], ...]


Edit = SetField | AddRow


# ----------------------------------------------------------------- the dataset's columns


class _Work:
    """A copy of a picture being edited: tables are copied the first time one changes."""

    def __init__(self, tables: DatasetTables) -> None:
        self.source = tables
        self.codes: dict[str, tuple[str, ...]] = {
            item.name: getattr(tables.vocab, item.name).codes for item in fields(tables.vocab)
        }
        self._copied: dict[str, dict[str, Array]] = {}

    def column(self, table: str, attr: str) -> Array:
        copied = self._copied.get(table)
        if copied is not None:
            return copied[attr]
        result: Array = getattr(getattr(self.source, table), attr)
        return result

    def writable(self, table: str) -> dict[str, Array]:
        """The table's arrays, copied on first use so that the source stays untouched."""
        copied = self._copied.get(table)
        if copied is None:
            source = getattr(self.source, table)
            copied = {f.name: getattr(source, f.name).copy() for f in fields(source)}
            self._copied[table] = copied
        return copied

    def id_of(self, kind: str, code: str) -> int | None:
        """The id of ``code`` in its (sorted) vocabulary, by binary search."""
        codes = self.codes[kind]
        i = _insertion_point(codes, code)
        return i if i < len(codes) and codes[i] == code else None

    def set_codes(self, kind: str, codes: tuple[str, ...], mapping: npt.NDArray[np.int32]) -> None:
        """Replace a vocabulary; ``mapping[old id]`` is the new id of every old code."""
        self.codes[kind] = codes
        for table, attr in CODE_COLUMNS[kind]:
            arrays = self.writable(table)
            ids = arrays[attr]
            remapped = np.where(ids >= 0, mapping[np.maximum(ids, 0)], ids)
            arrays[attr] = remapped.astype(np.int32)

    def result(self) -> DatasetTables:
        vocab = Vocabularies(**{kind: Vocabulary(codes) for kind, codes in self.codes.items()})
        tables = {
            name: replace(getattr(self.source, name), **arrays)
            for name, arrays in self._copied.items()
        }
        return replace(self.source, vocab=vocab, **tables)


class _Kind:
    """How one kind of dataset column is held in the tables and written as text.

    A cell's *value* is what the text means, independent of ids: the code, the
    millionths, the day number, the flag; None for a blank cell.
    """

    def attrs(self, attr: str) -> tuple[str, ...]:
        return (attr,)

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def format(self, value: Any) -> str:
        return str(value)

    def load(self, work: _Work, table: str, attr: str, row: int) -> Any:
        return work.column(table, attr)[row]

    def store(self, arrays: dict[str, Array], attr: str, row: int, value: Any) -> None:
        arrays[attr][row] = value


class _Code(_Kind):
    """An id into a vocabulary; -1 when an optional code is blank."""

    def __init__(self, vocab: str) -> None:
        self.vocab = vocab

    def parse(self, text: str) -> Any:
        return text

    def load(self, work: _Work, table: str, attr: str, row: int) -> Any:
        code_id = int(work.column(table, attr)[row])
        return None if code_id < 0 else work.codes[self.vocab][code_id]

    def store_code(
        self, work: _Work, arrays: dict[str, Array], attr: str, row: int, code: Any
    ) -> None:
        code_id = -1 if code is None else work.id_of(self.vocab, code)
        assert code_id is not None, "the vocabulary is extended before a code is stored"
        arrays[attr][row] = code_id


class _Text(_Kind):
    def parse(self, text: str) -> Any:
        return text


class _Units(_Kind):
    """Millionths; an optional one has a ``<attr>_given`` flag."""

    def __init__(self, *, optional: bool = False, signed: bool = False) -> None:
        self.optional = optional
        self.signed = signed

    def attrs(self, attr: str) -> tuple[str, ...]:
        return (attr, f"{attr}_given") if self.optional else (attr,)

    def parse(self, text: str) -> Any:
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError("not a decimal number") from None
        if not number.is_finite() or (number < 0 and not self.signed):
            raise ValueError("not a decimal number of the dataset")
        try:
            return to_units(number, text)
        except ColumnarPrecisionError:
            raise ValueError("beyond six decimals or too large for the columns") from None

    def format(self, value: Any) -> str:
        return format(from_units(int(value)), "f")

    def load(self, work: _Work, table: str, attr: str, row: int) -> Any:
        if self.optional and not bool(work.column(table, f"{attr}_given")[row]):
            return None
        return int(work.column(table, attr)[row])

    def store(self, arrays: dict[str, Array], attr: str, row: int, value: Any) -> None:
        arrays[attr][row] = 0 if value is None else value
        if self.optional:
            arrays[f"{attr}_given"][row] = value is not None


class _Day(_Kind):
    """A day number; ``NULL_DAY`` when an optional date is blank."""

    def parse(self, text: str) -> Any:
        if len(text) != 10:
            raise ValueError("not a date written YYYY-MM-DD")
        return date.fromisoformat(text).toordinal()

    def format(self, value: Any) -> str:
        return date.fromordinal(int(value)).isoformat()

    def load(self, work: _Work, table: str, attr: str, row: int) -> Any:
        day = int(work.column(table, attr)[row])
        return None if day == NULL_DAY else day

    def store(self, arrays: dict[str, Array], attr: str, row: int, value: Any) -> None:
        arrays[attr][row] = NULL_DAY if value is None else value


class _Whole(_Kind):
    """A whole number; -1 when an optional one is blank."""

    def parse(self, text: str) -> Any:
        if not text.isascii() or not text.isdigit():
            raise ValueError("not a whole number")
        return int(text)

    def load(self, work: _Work, table: str, attr: str, row: int) -> Any:
        number = int(work.column(table, attr)[row])
        return None if number < 0 else number

    def store(self, arrays: dict[str, Array], attr: str, row: int, value: Any) -> None:
        arrays[attr][row] = -1 if value is None else value


_TRUE: Final = frozenset({"true", "1", "yes"})
_FALSE: Final = frozenset({"false", "0", "no"})


def _flag(text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("not true or false")


class _Flag(_Kind):
    def parse(self, text: str) -> Any:
        return _flag(text)

    def format(self, value: Any) -> str:
        return "true" if value else "false"

    def load(self, work: _Work, table: str, attr: str, row: int) -> Any:
        return bool(work.column(table, attr)[row])


class _OptionalFlag(_Flag):
    """``int8``: -1 blank, 0 false, 1 true."""

    def load(self, work: _Work, table: str, attr: str, row: int) -> Any:
        held = int(work.column(table, attr)[row])
        return None if held < 0 else bool(held)

    def store(self, arrays: dict[str, Array], attr: str, row: int, value: Any) -> None:
        arrays[attr][row] = -1 if value is None else int(value)


class _Choice(_Kind):
    """A position in a fixed list of values."""

    def __init__(self, values: Sequence[str]) -> None:
        self.values = tuple(values)

    def parse(self, text: str) -> Any:
        if text not in self.values:
            raise ValueError(f"not one of {', '.join(self.values)}")
        return text

    def load(self, work: _Work, table: str, attr: str, row: int) -> Any:
        return self.values[int(work.column(table, attr)[row])]

    def store(self, arrays: dict[str, Array], attr: str, row: int, value: Any) -> None:
        arrays[attr][row] = self.values.index(value)


class _Moment(_Kind):
    """Seconds since the tables' epoch; a moment with a zone is kept in UTC."""

    def parse(self, text: str) -> Any:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return seconds_since_epoch(moment)

    def format(self, value: Any) -> str:
        return datetime_of(int(value)).isoformat()

    def load(self, work: _Work, table: str, attr: str, row: int) -> Any:
        return int(work.column(table, attr)[row])


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    attr: str
    kind: _Kind
    required: bool = False
    #: what a blank cell means, as text (None: it stays blank)
    default: str | None = None


@dataclass(frozen=True, slots=True)
class _Table:
    name: str
    columns: tuple[_Column, ...]
    key: tuple[str, ...]

    def column(self, name: str) -> _Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise DatasetConflictError(f"{self.name} has no column {name!r}")


_TEXT: Final = _Text()
_QTY: Final = _Units()
_OPTIONAL_QTY: Final = _Units(optional=True)
_DAY: Final = _Day()
_WHOLE: Final = _Whole()
_FLAG: Final = _Flag()
_TIERS: Final = tuple(sorted(TIER_RANK, key=TIER_RANK.__getitem__))


def _code(name: str, vocab: str, attr: str | None = None, *, required: bool = True) -> _Column:
    return _Column(name, attr or name, _Code(vocab), required=required)


def _required(name: str, kind: _Kind, attr: str | None = None) -> _Column:
    return _Column(name, attr or name, kind, required=True)


def _defaulted(name: str, kind: _Kind, default: str) -> _Column:
    return _Column(name, name, kind, default=default)


def _optional(name: str, kind: _Kind, attr: str | None = None) -> _Column:
    return _Column(name, attr or name, kind)


_TABLES: Final[dict[str, _Table]] = {
    table.name: table
    for table in (
        _Table(
            "warehouses",
            (
                _code("code", "warehouses"),
                _optional("name", _TEXT),
                _Column("company", "company", _Code("companies"), default=DEFAULT_COMPANY),
                _optional("pick_capacity_lines_per_day", _WHOLE, "capacity"),
            ),
            ("code",),
        ),
        _Table(
            "transfer_lanes",
            (
                _code("from_warehouse", "warehouses"),
                _code("to_warehouse", "warehouses"),
                _required("transit_days", _WHOLE),
            ),
            ("from_warehouse", "to_warehouse"),
        ),
        _Table(
            "products",
            (
                _code("sku", "skus"),
                _optional("name", _TEXT),
                _optional("unit_cost", _OPTIONAL_QTY),
                _optional("list_price", _OPTIONAL_QTY),
                _defaulted("uom", _TEXT, "unit"),
                _optional("reorder_point", _OPTIONAL_QTY),
                _optional("reorder_qty", _OPTIONAL_QTY),
            ),
            ("sku",),
        ),
        _Table(
            "customers",
            (
                _code("code", "customers"),
                _optional("name", _TEXT),
                _defaulted("tier", _Choice(_TIERS), "standard"),
                _optional("credit_limit", _OPTIONAL_QTY),
                _defaulted("credit_hold", _FLAG, "false"),
                _optional("account_owner", _TEXT),
                _defaulted("accepts_partial", _FLAG, "false"),
            ),
            ("code",),
        ),
        _Table(
            "suppliers",
            (
                _code("code", "suppliers"),
                _optional("name", _TEXT),
                _optional("lead_days", _WHOLE),
            ),
            ("code",),
        ),
        _Table(
            "stock",
            (
                _code("sku", "skus"),
                _code("warehouse", "warehouses"),
                _required("on_hand", _QTY),
                _defaulted("quality_hold", _QTY, "0"),
            ),
            ("sku", "warehouse"),
        ),
        _Table(
            "sales_orders",
            (
                _code("order_id", "orders", "order"),
                _code("customer", "customers"),
                _code("warehouse", "warehouses"),
                _required("order_date", _DAY),
                _required("promised_date", _DAY),
                _defaulted("expedite", _FLAG, "false"),
                _optional("accepts_partial", _OptionalFlag()),
                _defaulted("status", _Choice(ORDER_STATUSES), "open"),
                _optional("salesperson", _TEXT),
            ),
            ("order_id",),
        ),
        _Table(
            "sales_order_lines",
            (
                _code("order_id", "orders", "order"),
                _required("line", _WHOLE),
                _code("sku", "skus"),
                _required("qty", _QTY),
                _defaulted("qty_shipped", _QTY, "0"),
                _defaulted("qty_reserved", _QTY, "0"),
                _optional("unit_price", _OPTIONAL_QTY),
                _optional("list_price", _OPTIONAL_QTY),
            ),
            ("order_id", "line"),
        ),
        _Table(
            "purchase_orders",
            (
                _code("po_id", "pos", "po"),
                _code("supplier", "suppliers"),
                _code("warehouse", "warehouses"),
                _required("order_date", _DAY),
                _required("expected_date", _DAY),
                _optional("confirmed_date", _DAY),
                _defaulted("status", _Choice(ORDER_STATUSES), "open"),
                _optional("buyer", _TEXT),
            ),
            ("po_id",),
        ),
        _Table(
            "purchase_order_lines",
            (
                _code("po_id", "pos", "po"),
                _required("line", _WHOLE),
                _code("sku", "skus"),
                _required("qty", _QTY),
                _defaulted("qty_received", _QTY, "0"),
                _optional("expected_date", _DAY),
                _optional("unit_cost", _OPTIONAL_QTY),
            ),
            ("po_id", "line"),
        ),
        _Table(
            "receipts",
            (
                _required("receipt_id", _TEXT),
                _code("po_id", "pos", "po"),
                _required("line", _WHOLE),
                _required("received_date", _DAY),
                _required("qty", _QTY),
                _defaulted("damaged_qty", _QTY, "0"),
                _defaulted("put_away", _FLAG, "true"),
            ),
            ("receipt_id",),
        ),
        _Table(
            "invoices",
            (
                _required("invoice_id", _TEXT),
                _code("customer", "customers"),
                _required("due_date", _DAY),
                _required("amount_residual", _Units(signed=True)),
                _defaulted("disputed", _FLAG, "false"),
            ),
            ("invoice_id",),
        ),
        _Table(
            "returns",
            (
                _required("rma_id", _TEXT),
                _code("customer", "customers"),
                _code("order_id", "orders", "order", required=False),
                _code("sku", "skus"),
                _required("qty", _QTY),
                _required("requested_date", _DAY),
                _defaulted("status", _Choice(RETURN_STATUSES), "requested"),
            ),
            ("rma_id",),
        ),
        _Table(
            "picks",
            (
                _required("pick_id", _TEXT),
                _code("order_id", "orders", "order"),
                _code("warehouse", "warehouses"),
                _required("created_at", _Moment()),
                _optional("assigned_to", _TEXT),
                _defaulted("status", _Choice(PICK_STATUSES), "open"),
            ),
            ("pick_id",),
        ),
    )
}

#: per vocabulary, every (table, array) holding its ids
CODE_COLUMNS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    kind: tuple(
        (table.name, column.attr)
        for table in _TABLES.values()
        for column in table.columns
        if isinstance(column.kind, _Code) and column.kind.vocab == kind
    )
    for kind in ("warehouses", "companies", "skus", "customers", "suppliers", "orders", "pos")
}


def dataset_columns(table: str) -> tuple[str, ...]:
    """The dataset's columns of ``table``, in the dataset's order."""
    return tuple(column.name for column in _spec(table).columns)


def _spec(table: str) -> _Table:
    spec = _TABLES.get(table)
    if spec is None:
        raise DatasetConflictError(f"the dataset has no table {table!r}")
    return spec


# ------------------------------------------------------------------------------ values


def _value(table: _Table, column: _Column, text: str | None) -> Any:
    """What ``text`` means in ``column`` (blank: the column's default, else None)."""
    if text is None or text == "":
        if column.default is not None:
            return column.kind.parse(column.default)
        if column.required:
            raise DatasetConflictError(f"{table.name}.{column.name} cannot be blank")
        return None
    try:
        return column.kind.parse(text)
    except ValueError as exc:
        raise DatasetConflictError(
            f"{table.name}.{column.name}: {text!r} is not a value of the column ({exc})"
        ) from None


def _text(column: _Column, value: Any) -> str | None:
    return None if value is None else column.kind.format(value)


def _load(work: _Work, table: _Table, column: _Column, row: int) -> Any:
    return column.kind.load(work, table.name, column.attr, row)


def _describe(table: _Table, key: Sequence[str]) -> str:
    named = ", ".join(f"{name} {value}" for name, value in zip(table.key, key, strict=False))
    return f"the {table.name} row with {named}"


def _find(work: _Work, table: _Table, key: Sequence[str]) -> int | None:
    """The row of ``table`` with business ``key`` (dataset text), None when there is none."""
    if len(key) != len(table.key):
        raise DatasetConflictError(
            f"a key of {table.name} has {len(table.key)} parts ({', '.join(table.key)}), "
            f"not {len(key)}"
        )
    mask: npt.NDArray[np.bool_] | None = None
    for name, text in zip(table.key, key, strict=True):
        column = table.column(name)
        value = _value(table, column, text)
        if isinstance(column.kind, _Code):
            value = work.id_of(column.kind.vocab, value)
            if value is None:
                return None
        matches = np.asarray(work.column(table.name, column.attr) == value, dtype=np.bool_)
        mask = matches if mask is None else mask & matches
    assert mask is not None
    rows = np.flatnonzero(mask)
    if rows.shape[0] > 1:
        raise DatasetConflictError(f"{_describe(table, key)} appears more than once")
    return int(rows[0]) if rows.shape[0] else None


def _extend(work: _Work, kind: str, codes: Iterable[str]) -> None:
    """Add ``codes`` to a vocabulary (kept sorted), renumbering every id that moves."""
    old = work.codes[kind]
    new = sorted({code for code in codes if work.id_of(kind, code) is None})
    if not new:
        return
    insert_at = np.array([_insertion_point(old, code) for code in new], dtype=np.int64)
    ids = np.arange(len(old), dtype=np.int64)
    mapping = ids + np.searchsorted(insert_at, ids, side="right")
    work.set_codes(kind, tuple(sorted((*old, *new))), mapping.astype(np.int32))


def _insertion_point(codes: tuple[str, ...], code: str) -> int:
    low, high = 0, len(codes)
    while low < high:
        middle = (low + high) // 2
        if codes[middle] < code:
            low = middle + 1
        else:
            high = middle
    return low


def _prune(work: _Work, kind: str) -> None:
    """Drop the codes of a vocabulary no row names any more (after a code was changed)."""
    named = [work.column(table, attr) for table, attr in CODE_COLUMNS[kind]]
    every = np.concatenate([ids.astype(np.int64) for ids in named]) if named else np.zeros(0)
    used = np.unique(every[every >= 0]).astype(np.int64)
    codes = work.codes[kind]
    if used.shape[0] == len(codes):
        return
    mapping = np.full(len(codes), -1, dtype=np.int32)
    mapping[used] = np.arange(used.shape[0], dtype=np.int32)
    work.set_codes(kind, tuple(codes[i] for i in used.tolist()), mapping)


# ------------------------------------------------------------------------------ editing


def apply_edits(tables: DatasetTables, edits: Sequence[Edit]) -> DatasetTables:
    """A new picture with ``edits`` applied in turn (``tables`` is left untouched).

    An added row may name codes the picture does not hold yet: the vocabularies are
    extended and every id renumbered, so the result equals the tables built from the
    edited dataset. Raises :class:`DatasetConflictError` naming the row when a key names
    no row (or an added row's key is taken), when a cell no longer holds a
    :class:`SetField`'s ``old`` value, or when a value is not one the column holds.
    """
    work = _Work(tables)
    recoded: set[str] = set()
    for edit in edits:
        if isinstance(edit, SetField):
            recoded |= _set_field(work, edit)
        else:
            _add_row(work, edit)
    for kind in sorted(recoded):
        _prune(work, kind)
    return work.result()


def _set_field(work: _Work, edit: SetField) -> set[str]:
    """Apply one :class:`SetField`; returns the vocabulary whose codes it changed, if any."""
    table = _spec(edit.table)
    column = table.column(edit.column)
    row = _find(work, table, edit.key)
    if row is None:
        raise DatasetConflictError(f"there is no longer {_describe(table, edit.key)}")
    held = _load(work, table, column, row)
    if held != _value(table, column, edit.old):
        raise DatasetConflictError(
            f"{_describe(table, edit.key)}: {column.name} is now {_text(column, held)}, "
            f"not {edit.old}"
        )
    value = _value(table, column, edit.new)
    if isinstance(column.kind, _Code):
        if value is not None:
            _extend(work, column.kind.vocab, [value])
        column.kind.store_code(work, work.writable(table.name), column.attr, row, value)
        return {column.kind.vocab}
    column.kind.store(work.writable(table.name), column.attr, row, value)
    return set()


def _add_row(work: _Work, edit: AddRow) -> None:
    table = _spec(edit.table)
    given = dict(edit.values)
    for name in given:
        table.column(name)
    values = {
        column.name: _value(table, column, given.get(column.name)) for column in table.columns
    }
    for column in table.columns:
        if isinstance(column.kind, _Code) and values[column.name] is not None:
            _extend(work, column.kind.vocab, [values[column.name]])
    key = [_text(table.column(name), values[name]) or "" for name in table.key]
    if _find(work, table, key) is not None:
        raise DatasetConflictError(f"{_describe(table, key)} exists already")
    arrays = work.writable(table.name)
    for attr, array in list(arrays.items()):
        arrays[attr] = np.concatenate([array, np.zeros(1, dtype=array.dtype)])
        if array.dtype == object:
            arrays[attr][-1] = None
    row = int(next(iter(arrays.values())).shape[0]) - 1
    for column in table.columns:
        value = values[column.name]
        if isinstance(column.kind, _Code):
            column.kind.store_code(work, arrays, column.attr, row, value)
        else:
            column.kind.store(arrays, column.attr, row, value)


def edits_not_shown(tables: DatasetTables, edits: Sequence[Edit]) -> list[Edit]:
    """The edits whose new values ``tables`` does not show ([] when it shows them all).

    This is how an executed action is confirmed by the ERP: the next import or sync
    either holds the values the action wrote or it does not. When several edits set the
    same cell, the last is the one that must show. An added row must exist with every
    value it gave.
    """
    work = _Work(tables)
    last: dict[tuple[str, tuple[str, ...], str], int] = {}
    for i, edit in enumerate(edits):
        if isinstance(edit, SetField):
            last[(edit.table, edit.key, edit.column)] = i
    missing: list[Edit] = []
    for i, edit in enumerate(edits):
        if isinstance(edit, SetField):
            if last[(edit.table, edit.key, edit.column)] == i and not _shows_set(work, edit):
                missing.append(edit)
        elif not _shows_row(work, edit):
            missing.append(edit)
    return missing


def _shows_set(work: _Work, edit: SetField) -> bool:
    table = _spec(edit.table)
    column = table.column(edit.column)
    row = _find(work, table, edit.key)
    return row is not None and _load(work, table, column, row) == _value(table, column, edit.new)


def _shows_row(work: _Work, edit: AddRow) -> bool:
    table = _spec(edit.table)
    given = dict(edit.values)
    key = [given.get(name) or "" for name in table.key]
    row = _find(work, table, key)
    if row is None:
        return False
    return all(
        _load(work, table, table.column(name), row) == _value(table, table.column(name), text)
        for name, text in given.items()
    )


def cell_text(tables: DatasetTables, table: str, key: Sequence[str], column: str) -> str | None:
    """The value of one cell as dataset text (None when blank).

    Raises :class:`DatasetConflictError` when no row has ``key``.
    """
    spec = _spec(table)
    work = _Work(tables)
    row = _find(work, spec, key)
    if row is None:
        raise DatasetConflictError(f"there is no {_describe(spec, key)}")
    held = spec.column(column)
    return _text(held, _load(work, spec, held, row))


# --------------------------------------------------------------------------------- JSON


def edits_to_json(edits: Sequence[Edit]) -> list[dict[str, Any]]:
    """The edits as JSON-able objects (``op`` ``set`` or ``add``), for storing a request."""
    return [_edit_to_json(edit) for edit in edits]


def _edit_to_json(edit: Edit) -> dict[str, Any]:
    if isinstance(edit, SetField):
        return {
            "op": "set",
            "table": edit.table,
            "key": list(edit.key),
            "column": edit.column,
            "old": edit.old,
            "new": edit.new,
        }
    # pairs, not an object: canonical JSON sorts keys and the order is the dataset's
    return {"op": "add", "table": edit.table, "values": [[c, v] for c, v in edit.values]}


def edits_from_json(data: Sequence[Mapping[str, Any]]) -> list[Edit]:
    """The edits :func:`edits_to_json` wrote; ValueError naming what is malformed."""
    return [_edit_from_json(item, i) for i, item in enumerate(data)]


def _edit_from_json(item: Mapping[str, Any], position: int) -> Edit:
    op = item.get("op")
    where = f"edit {position + 1}"
    table = _json_text(item.get("table"), f"{where}: table")
    if op == "set":
        key = item.get("key")
        if not isinstance(key, list) or not key:
            raise ValueError(f"{where}: key must be a list of texts")
        return SetField(
            table=table,
            key=tuple(_json_text(part, f"{where}: key") for part in key),
            column=_json_text(item.get("column"), f"{where}: column"),
            old=_json_optional(item.get("old"), f"{where}: old"),
            new=_json_optional(item.get("new"), f"{where}: new"),
        )
    if op == "add":
        values = item.get("values")
        if not isinstance(values, list):
            raise ValueError(f"{where}: values must be a list of [column, value] pairs")
        return AddRow(table=table, values=tuple(_json_pair(pair, where) for pair in values))
    raise ValueError(f"{where}: op must be 'set' or 'add', not {op!r}")


def _json_pair(pair: Any, where: str) -> tuple[str, str | None]:
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        raise ValueError(f"{where}: values must be [column, value] pairs")
    return _json_text(pair[0], f"{where}: column"), _json_optional(pair[1], f"{where}: value")


def _json_text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where} must be a text")
    return value


def _json_optional(value: Any, where: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{where} must be a text or null")
    return value
