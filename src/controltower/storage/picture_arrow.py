"""A picture's stored values as Arrow arrays, built from columns or rows, and back.

The bulk writer (:mod:`controltower.storage.picture_columns`) sends each entity to the
database as one Arrow array per stored column, in :data:`~.picture_layout.LAYOUT`
order, holding exactly what the column stores:

* codes, free text, enumerations (their value, ``"open"``) and decimals (plain text in
  their one canonical form, ``"12.5"``, ``"100"``, ``"-0.25"``) as ``string``;
* whole numbers as ``int64``, booleans as ``bool``;
* dates as ``date32`` and the pick's ``created_at`` as ``timestamp[us]`` (naive);
* a blank value as null (blank stays blank: NULL in the database, never a default).

:func:`stored_arrays_from_tables` builds them from
:class:`~controltower.domain.tables.DatasetTables` with whole-array operations (a
million order lines in a fraction of a second); :func:`stored_arrays_from_dataset`
builds the same arrays from value objects, exactly, whatever a ``Dataset`` holds (any
number of decimals, fractions of a second), so every picture is written one way.

Reading goes the other way: :func:`tables_from_read_arrays` turns what the reader's
queries return (text for codes, text, decimals and enumerations; integers for the
rest, dates as day numbers and moments as seconds, computed by the query) into
``DatasetTables`` equal to ``tables_from_dataset(load_picture(...))``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from controltower.domain.columnar import (
    DECIMALS,
    MAX_UNITS,
    NULL_DAY,
    QTY_SCALE,
    ColumnarPrecisionError,
    to_units,
)
from controltower.domain.model import Dataset
from controltower.domain.tables import (
    I32,
    I64,
    Bools,
    DatasetTables,
    Texts,
    Vocabularies,
    Vocabulary,
)
from controltower.storage.database import StorageError
from controltower.storage.picture_layout import LAYOUT, TABLE_TYPES, ColumnLayout
from controltower.storage.tables import canonical_decimal

#: ``date.toordinal()`` of 1970-01-01, where Arrow's dates and timestamps count from
UNIX_DAY: Final = date(1970, 1, 1).toordinal()
#: seconds from 0001-01-01T00:00:00 (the tables' epoch) to 1970-01-01T00:00:00
UNIX_SECONDS: Final = (UNIX_DAY - 1) * 86_400
_MICROS: Final = 1_000_000
_NULL_TEXT: Final = pa.scalar(None, pa.string())

#: one array per stored column of an entity, in layout order
StoredArrays = list[pa.Array]


class EntityWriteError(StorageError):
    """An entity's rows could not be stored; ``entity`` and ``reason`` say which and why."""

    def __init__(self, entity: str, reason: str) -> None:
        super().__init__(f"could not store {entity}: {reason}")
        self.entity = entity
        self.reason = reason


# --------------------------------------------------------------------- from columns


def stored_arrays_from_tables(
    tables: DatasetTables, pick_microseconds: I32 | None = None
) -> Callable[[str], StoredArrays]:
    """A function giving each entity's stored arrays, built when asked for.

    ``pick_microseconds`` adds the fraction of a second of each pick's ``created_at``,
    which the tables (whole seconds) do not hold.
    """
    if pick_microseconds is not None:
        picks = len(tables.picks.created_at)
        if len(pick_microseconds) != picks:
            raise ValueError(f"{len(pick_microseconds)} pick microseconds for {picks} picks")
        if len(pick_microseconds) and not (
            int(pick_microseconds.min()) >= 0 and int(pick_microseconds.max()) < _MICROS
        ):
            raise ValueError("pick microseconds must be from 0 to 999999")
    vocabularies = {
        item.name: pa.array(getattr(tables.vocab, item.name).codes, pa.string())
        for item in fields(tables.vocab)
    }

    def arrays(entity: str) -> StoredArrays:
        table = getattr(tables, entity)
        micros = pick_microseconds if entity == "picks" else None
        return [_stored(table, column, vocabularies, micros) for column in LAYOUT[entity]]

    return arrays


def _stored(
    table: Any, column: ColumnLayout, vocabularies: Mapping[str, pa.Array], micros: I32 | None
) -> pa.Array:
    values = getattr(table, column.field)
    kind = column.kind
    if kind == "code":
        assert column.vocabulary is not None
        ids = pa.array(values, mask=values < 0) if column.optional else pa.array(values)
        return vocabularies[column.vocabulary].take(ids)
    if kind == "text":
        return pa.array(values, type=pa.string())
    if kind == "units":
        return decimal_text(values, getattr(table, column.given) if column.optional else None)
    if kind == "whole":
        return pa.array(values, type=pa.int64(), mask=(values == -1) if column.optional else None)
    if kind == "flag":
        return pa.array(values, type=pa.bool_())
    if kind == "maybe_flag":
        return pa.array(values == 1, type=pa.bool_(), mask=values < 0)
    if kind == "day":
        blank = values == NULL_DAY
        days = np.where(blank, 0, values.astype(np.int64) - UNIX_DAY).astype(np.int32)
        return pa.array(days, type=pa.date32(), mask=blank)
    if kind == "choice":
        return pa.array(column.members, pa.string()).take(pa.array(values))
    assert kind == "moment"
    stamps = (values - UNIX_SECONDS) * _MICROS
    if micros is not None:
        stamps = stamps + micros
    return pa.array(stamps, type=pa.timestamp("us"))


def decimal_text(units: I64, given: Bools | None = None) -> pa.Array:
    """Millionths as plain decimal text without needless zeros (``12500000`` -> ``"12.5"``).

    Whole-array work: the integer and fraction parts are printed by Arrow, the fraction
    padded to six digits and stripped of trailing zeros. Quantities and prices repeat a
    lot, so when they do only the distinct values are printed. Rows not ``given`` are
    null.
    """
    values = pa.array(units, type=pa.int64())
    distinct = pc.unique(values)
    if len(distinct) <= len(values) // 2:
        text = _plain_text(distinct.to_numpy()).take(pc.index_in(values, value_set=distinct))
    else:
        text = _plain_text(units)
    if given is not None and not given.all():
        text = pc.if_else(pa.array(given), text, _NULL_TEXT)
    return text


def _plain_text(units: I64) -> pa.Array:
    whole, fraction = np.divmod(np.abs(units), QTY_SCALE)
    text = pa.array(whole).cast(pa.string())
    has_fraction = fraction != 0
    if has_fraction.any():
        digits = pc.utf8_lpad(pa.array(fraction).cast(pa.string()), width=DECIMALS, padding="0")
        joined = pc.binary_join_element_wise(text, pc.utf8_rtrim(digits, characters="0"), ".")
        text = pc.if_else(pa.array(has_fraction), joined, text)
    negative = units < 0
    if negative.any():
        text = pc.if_else(pa.array(negative), pc.binary_join_element_wise("-", text, ""), text)
    return text


# ------------------------------------------------------------------------ from rows


def stored_arrays_from_dataset(dataset: Dataset) -> Callable[[str], StoredArrays]:
    """A function giving each entity's stored arrays, built value by value from ``dataset``.

    Refuses, with :class:`EntityWriteError`, what the database columns would refuse
    (a decimal that is not finite, an aware ``created_at``, an unknown enumeration value).
    """

    def arrays(entity: str) -> StoredArrays:
        rows = getattr(dataset, entity)
        try:
            return [_stored_values(rows, column) for column in LAYOUT[entity]]
        except (ValueError, TypeError, OverflowError, pa.ArrowException) as error:
            raise EntityWriteError(entity, str(error)) from error

    return arrays


def _stored_values(rows: Sequence[Any], column: ColumnLayout) -> pa.Array:
    values = [getattr(row, column.column) for row in rows]
    kind = column.kind
    if kind in ("code", "text"):
        return pa.array(values, type=pa.string())
    if kind == "units":
        return pa.array(_decimal_texts(values), pa.string())
    if kind == "whole":
        return pa.array(values, type=pa.int64())
    if kind in ("flag", "maybe_flag"):
        return pa.array(values, type=pa.bool_())
    if kind == "day":
        return pa.array(values, type=pa.date32())
    if kind == "choice":
        return pa.array([_member(v, column.members) for v in values], pa.string())
    assert kind == "moment"
    for value in values:
        if isinstance(value, datetime) and value.tzinfo is not None:
            raise ValueError(f"a dataset timestamp has no time zone, got {value}")
    return pa.array(values, type=pa.timestamp("us"))


def _decimal_texts(values: Sequence[Decimal | None]) -> list[str | None]:
    """:func:`stored_decimal` of every value; quantities repeat, so each is worked out once."""
    memo: dict[Decimal, str] = {}
    texts: list[str | None] = []
    for value in values:
        if value is None:
            texts.append(None)
            continue
        try:
            text = memo.get(value) if value.__class__ is Decimal else None
        except TypeError:  # a signalling NaN cannot be hashed
            text = None
        if text is None:
            text = stored_decimal(value)
            memo[value] = text
        texts.append(text)
    return texts


def stored_decimal(value: Decimal) -> str:
    """The text a decimal is stored as: plain and canonical (``12.500`` -> ``12.5``, ``-0``
    -> ``0``), the text :func:`decimal_text` gives for the same value."""
    if not isinstance(value, Decimal):
        raise TypeError(f"expected a Decimal, got {value!r}")
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    if value.is_zero():
        return "0"
    return format(canonical_decimal(value), "f")


def _member(value: Any, members: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    text = value.value if isinstance(value, Enum) else value
    if text not in members:
        raise ValueError(f"{value!r} is not one of {', '.join(members)}")
    return str(text)


# --------------------------------------------------------------------------- reading


def read_array_type(column: ColumnLayout) -> pa.DataType:
    """The type the reader's query gives a column: text, else a 64-bit integer."""
    return pa.string() if column.kind in ("code", "text", "units", "choice") else pa.int64()


def tables_from_read_arrays(arrays: Mapping[str, Sequence[pa.Array]]) -> DatasetTables:
    """``DatasetTables`` from each entity's arrays as the reader's queries return them.

    Codes become ids into vocabularies sorted by code point (Arrow compares strings by
    their UTF-8 bytes, which orders them as Python does). Raises
    :class:`~controltower.domain.columnar.ColumnarPrecisionError` for a stored decimal
    the columns cannot hold (more than six decimals, or too large).
    """
    codes: dict[str, list[pa.Array]] = {item.name: [] for item in fields(Vocabularies)}
    for entity, layout in LAYOUT.items():
        for column, array in zip(layout, arrays[entity], strict=True):
            if column.vocabulary is not None:
                codes[column.vocabulary].append(array)
    vocab_arrays = {kind: _sorted_distinct(parts) for kind, parts in codes.items()}
    vocab = Vocabularies(
        **{kind: Vocabulary(tuple(array.to_pylist())) for kind, array in vocab_arrays.items()}
    )
    built: dict[str, Any] = {}
    for entity, layout in LAYOUT.items():
        columns: dict[str, Any] = {}
        for column, array in zip(layout, arrays[entity], strict=True):
            columns.update(_array_fields(entity, column, array, vocab_arrays))
        built[entity] = TABLE_TYPES[entity](**columns)
    return DatasetTables(vocab=vocab, **built)


def _sorted_distinct(parts: list[pa.Array]) -> pa.Array:
    if not parts:
        return pa.array([], pa.string())
    distinct = pc.unique(pa.concat_arrays(parts).drop_null())
    return distinct.take(pc.array_sort_indices(distinct))


def _array_fields(
    entity: str, column: ColumnLayout, array: pa.Array, vocab_arrays: Mapping[str, pa.Array]
) -> dict[str, Any]:
    kind = column.kind
    if kind == "code":
        assert column.vocabulary is not None
        ids = pc.index_in(array, value_set=vocab_arrays[column.vocabulary])
        return {column.field: _numbers(ids.fill_null(-1), np.int32)}
    if kind == "text":
        texts: Texts = array.to_numpy(zero_copy_only=False)
        return {column.field: texts}
    if kind == "units":
        units, given = units_of_text(array, f"{entity} {column.column}")
        if column.optional:
            return {column.field: units, column.given: given}
        return {column.field: units}
    if kind == "whole":
        return {column.field: _numbers(array.fill_null(-1), np.int64)}
    if kind == "flag":
        flags: Bools = _numbers(array, np.int64) != 0
        return {column.field: flags}
    if kind == "maybe_flag":
        return {column.field: _numbers(array.fill_null(-1), np.int8)}
    if kind == "day":
        return {column.field: _numbers(array.fill_null(NULL_DAY), np.int32)}
    if kind == "choice":
        positions = pc.index_in(array, value_set=pa.array(column.members, pa.string()))
        if positions.null_count:
            unknown = array.filter(positions.is_null())[0].as_py()
            raise StorageError(f"{entity} {column.column}: {unknown!r} is not a stored value")
        return {column.field: _numbers(positions, np.int8)}
    assert kind == "moment"
    return {column.field: _numbers(array, np.int64)}


def _numbers(array: pa.Array, dtype: type[np.generic]) -> Any:
    return np.asarray(array.to_numpy(zero_copy_only=False)).astype(dtype, copy=False)


def units_of_text(texts: pa.Array, where: str) -> tuple[I64, Bools]:
    """Millionths of each decimal text (0 where null), and which were given.

    Arrow parses the text into 128-bit fixed-point numbers with six decimals, refusing
    a value it would have to round; the unscaled value is read from its low 64 bits
    once the high ones are seen to be only its sign. Anything refused is looked at
    again one value at a time, so the error names the value.
    """
    given: Bools = np.asarray(texts.is_valid().to_numpy(zero_copy_only=False), dtype=np.bool_)
    encoded = pc.dictionary_encode(texts)  # quantities repeat: parse each text once
    distinct = _fixed_point(encoded.dictionary)
    if distinct is None:
        for text in texts.drop_null().to_pylist():
            to_units(Decimal(text), where)  # raises, naming the value
        raise ColumnarPrecisionError(f"{where}: a stored value is not a plain decimal number")
    if not len(distinct):
        return np.zeros(len(texts), dtype=np.int64), given
    indices = np.asarray(encoded.indices.fill_null(0).to_numpy(zero_copy_only=False))
    result: I64 = np.where(given, distinct[indices], 0)
    return result, given


def _fixed_point(texts: pa.Array) -> I64 | None:
    """The millionths of every text, or None when one is not exactly representable."""
    if not len(texts):
        return np.zeros(0, dtype=np.int64)
    try:
        fixed = pc.cast(texts, pa.decimal128(38, DECIMALS))
    except pa.ArrowInvalid:
        return None
    words = np.frombuffer(fixed.buffers()[1], dtype=np.int64)
    words = words[2 * fixed.offset : 2 * (fixed.offset + len(fixed))]
    low, high = words[0::2], words[1::2]
    if len(fixed) and fixed.null_count:
        valid = np.asarray(fixed.is_valid().to_numpy(zero_copy_only=False), dtype=np.bool_)
        low, high = np.where(valid, low, 0), np.where(valid, high, 0)
    if not (
        np.array_equal(high, low >> 63) and bool(((low > -MAX_UNITS) & (low < MAX_UNITS)).all())
    ):
        return None
    return low.astype(np.int64)
