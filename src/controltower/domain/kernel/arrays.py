"""The array vocabulary every stage of the kernel shares.

The kernel's stages (priority, pegging, capacity, credit, orders) all work on the same
kinds of columns and need the same few primitives: stable radix sorting of packed
integer keys, exclusive cumulative sums, exact segment and group sums, scatter. They
live here, once, so that the full recompute and the incremental engine share them.
"""

from __future__ import annotations

from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
I8 = npt.NDArray[np.int8]
U64 = npt.NDArray[np.uint64]
Bools = npt.NDArray[np.bool_]
#: int64 where it is safe, Python ints (dtype object) where a sum could overflow
Exact = npt.NDArray[np.int64] | npt.NDArray[np.object_]


_RADIX_BITS: Final = 16
_MAX_RADIX_PASSES: Final = 3
INT64_SAFE: Final = 2**62


# --------------------------------------------------------------------------- sorting


def bits_for(bound: int) -> int:
    """Bits needed for values in ``range(bound)``."""
    return max(1, (max(bound, 1) - 1).bit_length())


def stable_order(keys: list[tuple[npt.NDArray[np.integer], int]], size: int) -> I64:
    """The stable permutation sorting ``size`` rows by ``keys``, most significant first.

    Each key is ``(values, bound)`` with ``0 <= values < bound``. Keys are packed into
    one 64-bit word when they fit; a word of at most 48 bits is sorted by LSD radix on
    16-bit digits (numpy sorts 16-bit integers stably by radix, in linear time), a wider
    one by a stable comparison sort, and keys too wide to pack by ``np.lexsort``.
    """
    total_bits = sum(bits_for(bound) for _, bound in keys)
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    if not keys:
        return np.arange(size, dtype=np.int64)
    if total_bits > 64:
        return np.lexsort([k for k, _ in reversed(keys)]).astype(np.int64)
    word = np.zeros(size, dtype=np.uint64)
    for values, bound in keys:
        word <<= np.uint64(bits_for(bound))
        word |= values.astype(np.uint64)
    return radix_argsort(word, total_bits)


def radix_argsort(word: U64, bits: int) -> I64:
    """Stable argsort of non-negative ``word`` values below ``2**bits``."""
    passes = -(-bits // _RADIX_BITS)
    if passes > _MAX_RADIX_PASSES:
        return np.argsort(word, kind="stable").astype(np.int64)
    width = -(-bits // passes)
    mask = np.uint64((1 << width) - 1)
    perm: I64 | None = None
    for shift in range(0, bits, width):
        digit = ((word >> np.uint64(shift)) & mask).astype(np.uint16)
        if perm is None:
            perm = np.argsort(digit, kind="stable").astype(np.int64)
        else:
            perm = perm[np.argsort(digit[perm], kind="stable")]
    assert perm is not None
    return perm


def exclusive_cumsum(values: I64) -> I64:
    out = np.zeros(values.shape[0] + 1, dtype=np.int64)
    np.cumsum(values, out=out[1:])
    return out


def segment_sums(values: I64, starts: I64) -> I64:
    """Sums of ``values[starts[i]:starts[i+1]]`` for every i (empty segments sum to 0)."""
    cum = exclusive_cumsum(values)
    return cum[starts[1:]] - cum[starts[:-1]]


def group_sums(groups: npt.NDArray[np.integer], values: I64, n_groups: int) -> I64:
    """Exact per-group sums of non-negative ``values``.

    ``bincount`` adds in float64, which is exact while every partial sum stays below
    2**53; when the values could exceed that, integer ``add.at`` is used instead.
    """
    if values.shape[0] == 0:
        return np.zeros(n_groups, dtype=np.int64)
    if int(np.abs(values).max()) * values.shape[0] < 2**53:
        sums = np.bincount(groups, weights=values, minlength=n_groups)
        return sums.astype(np.int64)
    exact = np.zeros(n_groups, dtype=np.int64)
    np.add.at(exact, groups, values)
    return exact


_A = TypeVar("_A", bound=np.generic)


def scatter(index: I64, values: npt.NDArray[_A], size: int) -> npt.NDArray[_A]:
    """``out[index] = values`` into a fresh array (``index`` is a permutation)."""
    out = np.empty(size, dtype=values.dtype)
    out[index] = values
    return out


def flags_at(index: I64, size: int) -> Bools:
    out = np.zeros(size, dtype=np.bool_)
    out[index] = True
    return out


def order_sums(values: Exact, starts: I64) -> Exact:
    """Per-order sums of a line array (orders own consecutive lines)."""
    if values.dtype == object:
        cum = np.concatenate([np.zeros(1, dtype=object), np.cumsum(values)])
        out: Exact = cum[starts[1:]] - cum[starts[:-1]]
        return out
    return segment_sums(values.astype(np.int64), starts)
