"""A picture's snapshot patched in memory, as its rows are: rows out by key, rows in.

A patched picture (``storage/picture_patch.py``) changes a few hundred rows of hundreds
of thousands. Reading every row back to rebuild the snapshot the stored scan reads
costs seconds; here the old snapshot's arrays are kept instead: each changed table
drops the rows whose business key the patch takes out and appends the rows it puts in,
in the order the rows are stored (kept rows in place, new rows after the last). Codes
are ids into vocabularies sorted by code point and holding exactly the codes some row
names, so the vocabularies are merged, codes no row names any more are dropped, and
ids are renumbered where that moved them; tables whose codes did not move are shared
as they are.

The result equals the tables read back from the patched rows
(:func:`~controltower.storage.picture_columns.read_picture_tables`), array for array:
the new rows go through the reader's own conversion
(:func:`~controltower.storage.picture_arrow.tables_from_read_arrays`), and tests hold
the two equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields, replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from controltower.domain.model import Dataset
from controltower.domain.tables import DatasetTables, Vocabularies, Vocabulary
from controltower.storage import tables as schema
from controltower.storage.picture_arrow import (
    UNIX_DAY,
    UNIX_SECONDS,
    StoredArrays,
    read_array_type,
    stored_arrays_from_dataset,
    tables_from_read_arrays,
)
from controltower.storage.picture_edits import key_columns
from controltower.storage.picture_layout import LAYOUT, ColumnLayout

_MICROS = 1_000_000

#: per vocabulary, old id -> new id (-1 for a code no row names any more); None: unmoved
Renumbering = dict[str, np.ndarray[Any, np.dtype[np.int32]] | None]


def patched_tables(old: DatasetTables, removed: Dataset, added: Dataset) -> DatasetTables:
    """``old`` with ``removed``'s rows (matched by business key) taken out and ``added``'s
    appended, table by table, as the stored rows are patched."""
    changed = {
        entity for dataset in (removed, added) for entity, rows in dataset.collections() if rows
    }
    if not changed:
        return old
    fresh = _tables_of_rows(added, changed)
    kept = {entity: _kept(old, entity, getattr(removed, entity)) for entity in changed}
    vocab, from_old, from_fresh = _merged_vocabularies(old, fresh, kept)
    built: dict[str, Any] = {}
    for entity, layout in LAYOUT.items():
        table = getattr(old, entity)
        if entity in changed:
            built[entity] = _joined(
                table, getattr(fresh, entity), layout, kept[entity], from_old, from_fresh
            )
        else:
            built[entity] = _renumbered(table, layout, from_old)
    return DatasetTables(vocab=vocab, **built)


# ---------------------------------------------------------------------- new rows


def _tables_of_rows(added: Dataset, changed: set[str]) -> DatasetTables:
    """The rows ``added`` puts in, as tables of their own (with their own vocabularies),
    built by the reader's conversion from what the reader's query would return."""
    stored = stored_arrays_from_dataset(added)
    arrays: dict[str, StoredArrays] = {}
    for entity, layout in LAYOUT.items():
        if entity in changed:
            arrays[entity] = [
                _as_read(array, column)
                for array, column in zip(stored(entity), layout, strict=True)
            ]
        else:
            arrays[entity] = [pa.array([], read_array_type(column)) for column in layout]
    return tables_from_read_arrays(arrays)


def _as_read(array: pa.Array, column: ColumnLayout) -> pa.Array:
    """A stored array as the reader's query returns the column (``picture_reads``)."""
    kind = column.kind
    if kind in ("flag", "maybe_flag"):
        return array.cast(pa.int64())
    if kind == "day":  # day numbers as date.toordinal()
        return pc.add(array.cast(pa.int32()).cast(pa.int64()), UNIX_DAY)
    if kind == "moment":  # whole seconds since 0001-01-01, the fraction dropped
        micros = array.cast(pa.int64())
        seconds = np.floor_divide(micros.fill_null(0).to_numpy(), _MICROS)
        blank = micros.is_null().to_numpy(zero_copy_only=False)
        return pa.array(seconds + UNIX_SECONDS, pa.int64(), mask=blank)
    return array


# ------------------------------------------------------------------- rows taken out


def _kept(old: DatasetTables, entity: str, removed: Sequence[Any]) -> np.ndarray[Any, Any]:
    """Which rows of ``old``'s ``entity`` no row of ``removed`` names by business key."""
    table = getattr(old, entity)
    size = len(getattr(table, fields(table)[0].name))
    keep = np.ones(size, dtype=bool)
    if not removed or size == 0:
        return keep
    by_column = {column.column: column for column in LAYOUT[entity]}
    keys = [by_column[column.name] for column in key_columns(schema.ENTITY_TABLES[entity])]
    wanted = {tuple(getattr(row, column.column) for column in keys) for row in removed}
    first = keys[0]
    candidates = np.flatnonzero(
        _is_in(old, table, first, {key[0] for key in wanted if key[0] is not None})
    )
    values = [_python_values(old, table, column, candidates) for column in keys]
    for position, key in zip(candidates, zip(*values, strict=True), strict=True):
        if key in wanted:
            keep[position] = False
    return keep


def _is_in(
    old: DatasetTables, table: Any, column: ColumnLayout, values: set[Any]
) -> np.ndarray[Any, Any]:
    array = getattr(table, column.field)
    if column.kind == "code":
        assert column.vocabulary is not None
        vocabulary: Vocabulary = getattr(old.vocab, column.vocabulary)
        ids = [i for code in values if (i := vocabulary.id_of(code)) is not None]
        return np.isin(array, np.array(ids, dtype=array.dtype))
    if column.kind == "whole":
        return np.isin(array, np.array(sorted(values), dtype=array.dtype))
    assert column.kind == "text", f"{column.column}: a {column.kind} key"
    texts = pa.array(array, pa.string())
    found = pc.is_in(texts, value_set=pa.array(sorted(values), pa.string()))
    return np.asarray(found.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _python_values(
    old: DatasetTables, table: Any, column: ColumnLayout, rows: np.ndarray[Any, Any]
) -> list[Any]:
    """The key column's values at ``rows``, as the dataset's rows hold them."""
    array = getattr(table, column.field)[rows]
    if column.kind == "code":
        assert column.vocabulary is not None
        codes = getattr(old.vocab, column.vocabulary).codes
        return [codes[i] if i >= 0 else None for i in array.tolist()]
    return list(array.tolist())


# -------------------------------------------------------------------- vocabularies


def _code_columns(layout: Iterable[ColumnLayout]) -> list[ColumnLayout]:
    return [column for column in layout if column.kind == "code"]


def _merged_vocabularies(
    old: DatasetTables, fresh: DatasetTables, kept: dict[str, np.ndarray[Any, Any]]
) -> tuple[Vocabularies, Renumbering, Renumbering]:
    """The vocabularies of the patched tables: the codes some kept old row or some new
    row names, sorted; and how old and new ids move into them."""
    used = {
        item.name: np.zeros(len(getattr(old.vocab, item.name)), dtype=bool)
        for item in fields(Vocabularies)
    }
    for entity, layout in LAYOUT.items():
        table = getattr(old, entity)
        for column in _code_columns(layout):
            assert column.vocabulary is not None
            ids = getattr(table, column.field)
            if entity in kept:
                ids = ids[kept[entity]]
            used[column.vocabulary][ids[ids >= 0]] = True
    merged: dict[str, Vocabulary] = {}
    from_old: Renumbering = {}
    from_fresh: Renumbering = {}
    for item in fields(Vocabularies):
        before: tuple[str, ...] = getattr(old.vocab, item.name).codes
        extra: tuple[str, ...] = getattr(fresh.vocab, item.name).codes
        named = used[item.name]
        if bool(named.all()) and set(extra).issubset(before):
            merged[item.name] = getattr(old.vocab, item.name)
            from_old[item.name] = None
            position = {code: i for i, code in enumerate(before)}
        else:
            codes = sorted({before[i] for i in np.flatnonzero(named)} | set(extra))
            merged[item.name] = Vocabulary(tuple(codes))
            position = {code: i for i, code in enumerate(codes)}
            from_old[item.name] = np.array([position.get(c, -1) for c in before], np.int32)
        from_fresh[item.name] = np.array([position[c] for c in extra], np.int32)
    return Vocabularies(**merged), from_old, from_fresh


def _moved(ids: np.ndarray[Any, Any], renumbering: np.ndarray[Any, Any] | None) -> Any:
    if renumbering is None:
        return ids
    if len(renumbering) == 0:
        return ids.copy()  # every id is -1 (blank): there is no code to name
    return np.where(ids >= 0, renumbering[np.maximum(ids, 0)], -1).astype(ids.dtype)


def _renumbered(table: Any, layout: Sequence[ColumnLayout], from_old: Renumbering) -> Any:
    """An unchanged table, its code ids moved where its vocabularies moved."""
    moved = {
        column.field: _moved(getattr(table, column.field), from_old[column.vocabulary])
        for column in _code_columns(layout)
        if column.vocabulary is not None and from_old[column.vocabulary] is not None
    }
    return replace(table, **moved) if moved else table


def _joined(
    table: Any,
    new: Any,
    layout: Sequence[ColumnLayout],
    keep: np.ndarray[Any, Any],
    from_old: Renumbering,
    from_fresh: Renumbering,
) -> Any:
    """The kept rows of ``table`` then the rows of ``new``, ids in the merged vocabularies."""
    vocabulary_of = {c.field: c.vocabulary for c in _code_columns(layout)}
    columns: dict[str, Any] = {}
    for item in fields(table):
        before = getattr(table, item.name)[keep]
        after = getattr(new, item.name)
        kind = vocabulary_of.get(item.name)
        if kind is not None:
            before = _moved(before, from_old[kind])
            after = _moved(after, from_fresh[kind])
        columns[item.name] = np.concatenate([before, after.astype(before.dtype, copy=False)])
    return type(table)(**columns)
