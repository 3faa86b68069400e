"""Text per distinct value, not per row.

A fragment that depends on a few small columns is formatted once for each distinct
combination of them and handed to every row by a numpy ``take``; these are the
numbering and joining helpers that make that possible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from controltower.domain.columnar import DECIMALS, NULL_DAY
from controltower.workflow.scan_writer.texts import (
    DENSE_KEYS,
    EXACT_FLOAT,
    I64,
    Bools,
    Ints,
    TextMemo,
    Texts,
    blank_texts,
    day_json,
    nullable_days,
    number_text,
    object_array,
)


def day_texts(days: Ints) -> Texts:
    """``day_json`` of every day, once per distinct day."""
    key, null = nullable_days(days)
    return rendered([key], lambda day: day_json(NULL_DAY if day == null else day))


# -------------------------------------------------------------------- distinct rows


def _compress(key: I64, span: int, limit: int) -> tuple[I64, int]:
    """Renumber ``key`` (values in ``range(span)``) as ``0..m-1``: ``(ids, m)``."""
    if span <= limit:
        present = np.zeros(span, dtype=np.bool_)
        present[key] = True
        distinct = np.flatnonzero(present)
        rank = np.empty(span, dtype=np.int64)
        rank[distinct] = np.arange(distinct.shape[0], dtype=np.int64)
        return rank[key], int(distinct.shape[0])
    distinct, inverse = np.unique(key, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64), int(distinct.shape[0])


def _numbered(columns: Sequence[Ints]) -> tuple[I64, int]:
    """An id per row, equal for equal rows of ``columns``: ``(ids, number of ids)``.

    The columns are packed into one integer, each first divided by its greatest common
    divisor when its range is wide (quantities in millionths), and renumbered whenever
    the packed range would outgrow a dense table; ``np.unique`` sorts only if it must.
    """
    n = int(columns[0].shape[0])
    limit = max(DENSE_KEYS, 4 * n)
    key, span = np.zeros(n, dtype=np.int64), 1
    for column in columns:
        low = int(column.min())
        values = column.astype(np.int64) - low
        width = int(values.max()) + 1
        if width > limit:
            step = int(np.gcd.reduce(values))
            if step > 1:
                values //= step
                width = (width - 1) // step + 1
        if span * width > limit:
            key, span = _compress(key, span, limit)
            if span * width > limit:
                values, width = _compress(values, width, limit)
        key = key * width + values
        span *= width
    return _compress(key, span, limit)


def rendered(columns: Sequence[Ints], make: Callable[..., str]) -> Texts:
    """``make(*row)`` for every row of ``columns``, called once per distinct row with
    Python values."""
    n = int(columns[0].shape[0])
    if n == 0:
        return blank_texts(0)
    ids, count = _numbered(columns)
    representative = np.empty(count, dtype=np.int64)
    representative[ids] = np.arange(n, dtype=np.int64)
    values = [column[representative].tolist() for column in columns]
    return object_array(list(map(make, *values)))[ids]


def number_texts(units: Ints, decimals: int = DECIMALS) -> Texts:
    """``number_text`` of every value, with numpy doing the arithmetic.

    Exact while values stay below ``2**53``: converting such an integer to a float is
    exact and so is ``10**decimals``, so the float division rounds the true quotient
    once, correctly, as ``int / int`` does.
    """
    values = units.astype(np.int64)
    if values.shape[0] and int(np.abs(values).max()) >= EXACT_FLOAT:
        return object_array([number_text(u, decimals) for u in values.tolist()])
    scale = 10**decimals
    whole = values % scale == 0
    texts = np.empty(values.shape[0], dtype=object)
    texts[whole] = object_array(list(map(str, (values[whole] // scale).tolist())))
    texts[~whole] = object_array(list(map(repr, (values[~whole] / scale).tolist())))
    return texts


def suffixed_numbers(
    units: Ints | npt.NDArray[np.object_], suffix: str, decimals: int = DECIMALS
) -> Texts:
    """``number_text(u, decimals) + suffix`` for every value, once per distinct value
    (Python ints when a money column had to leave ``int64``)."""
    if units.dtype == object:
        memo = TextMemo(lambda u: number_text(u, decimals) + suffix)
        return object_array([memo(u) for u in units.tolist()])
    if units.shape[0] == 0:
        return blank_texts(0)
    values = units.astype(np.int64)
    ids, count = _numbered([values])
    representative = np.empty(count, dtype=np.int64)
    representative[ids] = np.arange(values.shape[0], dtype=np.int64)
    texts = number_texts(values[representative], decimals).tolist()
    return object_array([text + suffix for text in texts])[ids]


def joined_by_group(texts: Texts, group: Ints, size: int) -> Texts:
    """For each group id in ``range(size)``, its texts concatenated in order ("" for a
    group without any); ``group`` must be sorted."""
    out = blank_texts(size)
    if texts.shape[0]:
        starts = np.flatnonzero(np.concatenate([[True], group[1:] != group[:-1]]))
        out[group[starts]] = np.add.reduceat(texts, starts)
    return out


def concatenated(*columns: Texts) -> Texts:
    """Row by row, the concatenation of ``columns`` (one string per row: cheaper than
    adding object arrays pairwise, which makes every intermediate string)."""
    return object_array(["".join(row) for row in zip(*(c.tolist() for c in columns), strict=True)])


def distinct_values(values: Ints) -> list[int]:
    """The distinct values, ascending (``np.unique`` without its optional outputs would
    import ``numpy.ma`` on first use)."""
    ordered = np.sort(values.astype(np.int64))
    return [int(v) for v in ordered[firsts_of(ordered)].tolist()]


def firsts_of(*keys: Ints) -> Bools:
    """True where a row starts a run of equal ``keys`` (rows sorted by them)."""
    n = int(keys[0].shape[0])
    first = np.ones(n, dtype=np.bool_)
    if n > 1:
        same = np.ones(n - 1, dtype=np.bool_)
        for key in keys:
            same &= key[1:] == key[:-1]
        first[1:] = ~same
    return first
