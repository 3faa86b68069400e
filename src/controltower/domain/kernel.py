"""The allocation rules of ``allocation.md``, vectorised over a columnar picture.

This kernel is the product's engine. The reference engine of the test oracle (a
separate package the product never imports) applies the same rules line by line; the
kernel computes the very same result with whole-array numpy operations, so that a full
recompute of a million open lines takes a fraction of a second. Its equality with the
reference engine, on every line, order, pool and customer, is the correctness contract
(``tests/unit/domain/test_kernel.py``).

How each rule becomes array arithmetic (Python loops run over warehouses, never lines):

* **Priority.** The order-level keys (expedite, promised date, tier, order date) are
  packed into one integer per order and ordered by a stable LSD radix sort on 16-bit
  digits; ties keep ``order_id`` order because the picture stores orders in that
  order. Lines inherit their order's rank and keep line-number order within it (the
  picture stores them grouped so), which gives the global demand priority without
  sorting the lines themselves.
* **Only contended pools are ordered.** A pool whose open demand does not exceed its
  physical stock serves every line from stock whatever the priority, so its lines
  need no sort; the contended pools' lines are grouped by pool with one more stable
  radix pass.
* **Pegging.** "Each line in turn takes what is left" from one ordered source is the
  overlap of two tilings of the number line: line ``i`` occupies ``[W[i-1], W[i])`` of
  its pool's cumulative wants, the source ``[0, available)``; what the line takes is
  the length of the overlap. Reservations and then free stock are such overlaps with
  one source each. The future supply (held stock and inbound lines in availability
  order) is a tiling too, and the pools are laid end to end on one axis so that one
  ``searchsorted`` per boundary finds every peg of every pool at once.
* **Capacity.** Within a warehouse the ready lines are ordered by (supply day,
  priority); the pick queue is first come, first served, so the lines served by the
  end of day ``t`` are ``S(t) = min over s <= t+1 of (arrivals before s + C (t-s+1))``
  (a running minimum), and the line of rank ``r`` ships on the first day with
  ``S(t) > r``.
* **Orders and credit** are segment reductions over the order-grouped lines and exact
  sums per customer.

Quantities are fixed-point ``int64`` (see :mod:`controltower.domain.columnar`); money
products (quantity times price) are computed at the precision the data really uses and
fall back to Python integers when they could overflow, so every amount stays exact.
:func:`to_analysis` turns the arrays back into the domain :class:`Analysis` (with the
reference engine's explanations) and :func:`analysis_differences` compares two.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt

from controltower.domain.analysis import (
    STATUS_FOR_BLOCKER,
    Allocation,
    Analysis,
    Blocker,
    CreditAssessment,
    HeldPeg,
    InboundPeg,
    LineOutcome,
    OrderOutcome,
    OrderRiskStatus,
    OrderStanding,
    PoolOutcome,
    TransferAlternative,
)
from controltower.domain.columnar import (
    DECIMALS,
    NULL_DAY,
    ColumnarPicture,
    decimals_used,
    from_units,
)
from controltower.domain.explain import explain_order
from controltower.domain.model import Dataset, PurchaseOrder, PurchaseOrderLine, Supplier

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
I8 = npt.NDArray[np.int8]
U64 = npt.NDArray[np.uint64]
Bools = npt.NDArray[np.bool_]
#: int64 where it is safe, Python ints (dtype object) where a sum could overflow
Exact = npt.NDArray[np.int64] | npt.NDArray[np.object_]

#: the kinds of future supply a peg takes from (``peg_kind``)
SOURCE_HELD: Final = 1
SOURCE_INBOUND: Final = 2

#: bit ``i`` of an order's blocker mask is ``BLOCKER_ORDER[i]`` of ``domain.analysis``
BLOCKER_CREDIT: Final = 1
BLOCKER_NO_SUPPLY: Final = 2
BLOCKER_QUALITY: Final = 4
BLOCKER_INBOUND: Final = 8
BLOCKER_CAPACITY: Final = 16
#: status code ``i < 5`` is the status of blocker bit ``i``; 5 is ``fully_allocated``
STATUS_FULLY_ALLOCATED: Final = 5
ALLOCATION_FULL: Final = 0
ALLOCATION_PARTIAL: Final = 1
ALLOCATION_NONE: Final = 2

#: the status of every blocker mask: its lowest bit, or fully allocated when none
_STATUS_OF_BLOCKERS: Final = np.array(
    [STATUS_FULLY_ALLOCATED, *((m & -m).bit_length() - 1 for m in range(1, 32))], dtype=np.int8
)

_RADIX_BITS: Final = 16
_MAX_RADIX_PASSES: Final = 3
_SAFE: Final = 2**62


# --------------------------------------------------------------------------- sorting


def _bits(bound: int) -> int:
    """Bits needed for values in ``range(bound)``."""
    return max(1, (max(bound, 1) - 1).bit_length())


def stable_order(keys: list[tuple[npt.NDArray[np.integer], int]], size: int) -> I64:
    """The stable permutation sorting ``size`` rows by ``keys``, most significant first.

    Each key is ``(values, bound)`` with ``0 <= values < bound``. Keys are packed into
    one 64-bit word when they fit; a word of at most 48 bits is sorted by LSD radix on
    16-bit digits (numpy sorts 16-bit integers stably by radix, in linear time), a wider
    one by a stable comparison sort, and keys too wide to pack by ``np.lexsort``.
    """
    total_bits = sum(_bits(bound) for _, bound in keys)
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    if not keys:
        return np.arange(size, dtype=np.int64)
    if total_bits > 64:
        return np.lexsort([k for k, _ in reversed(keys)]).astype(np.int64)
    word = np.zeros(size, dtype=np.uint64)
    for values, bound in keys:
        word <<= np.uint64(_bits(bound))
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


def _exclusive_cumsum(values: I64) -> I64:
    out = np.zeros(values.shape[0] + 1, dtype=np.int64)
    np.cumsum(values, out=out[1:])
    return out


def _segment_sums(values: I64, starts: I64) -> I64:
    """Sums of ``values[starts[i]:starts[i+1]]`` for every i (empty segments sum to 0)."""
    cum = _exclusive_cumsum(values)
    return cum[starts[1:]] - cum[starts[:-1]]


# -------------------------------------------------------------------------- priority


@dataclass(frozen=True, slots=True)
class OrderPriority:
    """One packed integer per order (or per order of a subset); smaller is served first.

    Ties are left to the caller's stable sort, which keeps ``order_id`` order because
    the picture stores orders in that order.
    """

    key: U64
    bits: int


def order_priority(picture: ColumnarPicture, orders: I64 | None = None) -> OrderPriority:
    """Demand priority of ``orders`` (every order when None): expedite, promised date,
    tier, order date, packed into one integer each.

    The last criterion of ``allocation.md`` (``order_id``, then ``line``) is the storage
    order of the picture, which a stable sort keeps.
    """
    if orders is None:
        expedite, customer = picture.order_expedite, picture.order_customer
        promised = picture.order_promised.astype(np.int64)
        ordered = picture.order_date.astype(np.int64)
    else:
        expedite, customer = picture.order_expedite[orders], picture.order_customer[orders]
        promised = picture.order_promised[orders].astype(np.int64)
        ordered = picture.order_date[orders].astype(np.int64)
    if promised.shape[0] == 0:
        return OrderPriority(np.zeros(0, dtype=np.uint64), 1)
    p_min, p_span = int(promised.min()), int(promised.max() - promised.min()) + 1
    d_min, d_span = int(ordered.min()), int(ordered.max() - ordered.min()) + 1
    keys: list[tuple[npt.NDArray[np.integer], int]] = [
        ((~expedite).astype(np.int64), 2),
        (promised - p_min, p_span),
        (picture.customer_tier[customer].astype(np.int64), 3),
        (ordered - d_min, d_span),
    ]
    bits = sum(_bits(b) for _, b in keys)
    if bits > 64:  # pragma: no cover - would need dates ~10**8 days apart
        raise ValueError("order priority does not fit 64 bits")
    word = np.zeros(promised.shape[0], dtype=np.uint64)
    for values, bound in keys:
        word <<= np.uint64(_bits(bound))
        word |= values.astype(np.uint64)
    return OrderPriority(word, bits)


def lines_in_priority(picture: ColumnarPicture, priority: OrderPriority) -> I64:
    """Every open line, in global demand priority (across pools and warehouses).

    Sorts the orders, not the lines: an order's lines are stored together, in line
    order, so expanding the sorted orders gives the lines in priority order.
    """
    order_perm = radix_argsort(priority.key, priority.bits)
    return _expand_orders(picture, order_perm)


def _expand_orders(picture: ColumnarPicture, orders: I64) -> I64:
    """The lines of ``orders``, order after order, each order's lines in line order."""
    starts = picture.order_line_start[orders]
    lengths = picture.order_line_start[orders + 1] - starts
    total = int(lengths.sum())
    offsets = _exclusive_cumsum(lengths)[:-1]
    return np.repeat(starts - offsets, lengths) + np.arange(total, dtype=np.int64)


def subset_in_priority(picture: ColumnarPicture, lines: I64) -> I64:
    """``lines`` (ascending line ids) reordered into demand priority."""
    priority = order_priority(picture, picture.line_order[lines].astype(np.int64))
    return lines[radix_argsort(priority.key, priority.bits)]


def by_pool(picture: ColumnarPicture, lines_by_priority: I64) -> I64:
    """The lines grouped by pool (ascending pool id), priority order kept within a pool."""
    pools = picture.line_pool[lines_by_priority]
    perm = radix_argsort(pools.astype(np.uint64), _bits(picture.n_pools))
    return lines_by_priority[perm]


# --------------------------------------------------------------------------- pegging


@dataclass(frozen=True, slots=True)
class PegResult:
    """Pegging of a set of pools.

    Line arrays are aligned with ``lines`` (grouped by pool, priority order within);
    pool arrays with ``pools``; ``inbound_unpegged`` with ``inbound``. ``peg_*`` are
    the takings from future supply (quality-held stock and inbound lines), line after
    line in ``lines`` order, each line's in the order it took them: line ``lines[i]``
    owns ``peg_*[peg_first[i]:peg_first[i] + peg_count[i]]``.
    """

    lines: I64
    pools: I64
    inbound: I64
    from_stock: I64
    short: I64
    supply_day: I32
    peg_first: I64
    peg_count: I64
    peg_kind: I8
    peg_inbound: I64
    peg_qty: I64
    peg_day: I32
    pool_physical: I64
    pool_free_stock: I64
    pool_demand: I64
    pool_short: I64
    inbound_unpegged: I64


def peg(picture: ColumnarPicture, lines: I64, pools: I64, inbound: I64) -> PegResult:
    """Peg the demand ``lines`` of ``pools`` to their stock and future supply.

    ``lines`` must hold every open line of ``pools``, grouped by ascending pool id and
    in demand priority within a pool; ``pools`` is ascending; ``inbound`` holds every
    open inbound line of ``pools`` in (po_id, line) order.
    """
    day0 = picture.as_of_day
    n_lines, n_pools = lines.shape[0], pools.shape[0]
    compact = np.full(picture.n_pools, -1, dtype=np.int64)
    compact[pools] = np.arange(n_pools, dtype=np.int64)
    line_pool = compact[picture.line_pool[lines]]
    open_qty = picture.line_open_qty[lines]
    held = picture.pool_quality_hold[pools]
    physical = np.maximum(picture.pool_on_hand[pools] - held, 0)
    line_start = _exclusive_cumsum(np.bincount(line_pool, minlength=n_pools).astype(np.int64))

    # Rule 1, reservations: each line's reservable quantity, in priority order, overlaps
    # the pool's physical stock [0, physical).
    reservable = np.minimum(picture.line_reserved[lines], open_qty)
    reserved, pool_reserved = _take_in_turn(reservable, line_pool, line_start, physical)
    stock_left = physical - pool_reserved
    need = open_qty - reserved

    # Rule 2, first the physical stock left: the same overlap with [0, stock_left).
    from_free, pool_from_free = _take_in_turn(need, line_pool, line_start, stock_left)
    rest = need - from_free

    # Then the future supply, for the lines that still need some.
    needy = np.flatnonzero(rest > 0)
    future = _future_supply(picture, pools, inbound, compact, held)
    pegs = _overlap(rest[needy], line_pool[needy], future, n_pools)

    count = np.zeros(n_lines, dtype=np.int64)
    count[needy] = pegs.count
    short = np.zeros(n_lines, dtype=np.int64)
    short[needy] = pegs.short
    supply_day = np.full(n_lines, day0, dtype=np.int32)
    # Sources are in date order, so a line's last peg is its latest.
    took = needy[pegs.count > 0]
    supply_day[took] = pegs.last_day[pegs.count > 0]
    supply_day[short > 0] = NULL_DAY
    inbound_unpegged = np.zeros(inbound.shape[0], dtype=np.int64)
    is_inbound = future.slot >= 0
    inbound_unpegged[future.slot[is_inbound]] = (future.qty - pegs.source_taken)[is_inbound]
    peg_slot = future.slot[pegs.source]
    peg_inbound = np.full(peg_slot.shape[0], -1, dtype=np.int64)
    peg_inbound[peg_slot >= 0] = inbound[peg_slot[peg_slot >= 0]]

    return PegResult(
        lines=lines,
        pools=pools,
        inbound=inbound,
        from_stock=reserved + from_free,
        short=short,
        supply_day=supply_day,
        peg_first=_exclusive_cumsum(count)[:-1],
        peg_count=count,
        peg_kind=future.kind[pegs.source],
        peg_inbound=peg_inbound,
        peg_qty=pegs.qty,
        peg_day=future.day[pegs.source],
        pool_physical=physical,
        pool_free_stock=stock_left - pool_from_free,
        pool_demand=_segment_sums(open_qty, line_start),
        pool_short=_segment_sums(short, line_start),
        inbound_unpegged=inbound_unpegged,
    )


def _take_in_turn(wanted: I64, line_pool: I64, line_start: I64, available: I64) -> tuple[I64, I64]:
    """Each line, in turn within its pool, takes ``min(wanted, what is left)`` of one
    source of ``available[pool]``: per line, and per pool in total.

    Line ``i`` wants the interval ``[W[i-1], W[i])`` of its pool's cumulative wants
    ``W``; it gets the part of that interval below ``available``.
    """
    cumulative = _exclusive_cumsum(wanted)
    before_pool = cumulative[line_start[:-1]]
    upto = cumulative[1:] - before_pool[line_pool]
    cap = available[line_pool]
    taken = np.minimum(upto, cap) - np.minimum(upto - wanted, cap)
    pool_taken = np.minimum(cumulative[line_start[1:]] - before_pool, available)
    return taken, pool_taken


@dataclass(frozen=True, slots=True)
class _Sources:
    """The future-supply list of a set of pools: held stock and inbound lines, grouped
    by pool and in the order lines take them (date; held before inbound; po_id, line)."""

    pool: I64
    qty: I64
    day: I32
    kind: I8
    #: position in the pegged ``inbound`` array; -1 for held stock
    slot: I64


def _future_supply(
    picture: ColumnarPicture, pools: I64, inbound: I64, compact: I64, held: I64
) -> _Sources:
    day0 = picture.as_of_day
    policy = picture.policy
    held_pools = np.flatnonzero(held > 0)
    inbound_pool = compact[picture.inbound_pool[inbound]]
    inbound_day = np.maximum(picture.inbound_expected[inbound], day0) + policy.receipt_handling_days
    pool = np.concatenate([held_pools, inbound_pool])
    day = np.concatenate(
        [np.full(held_pools.shape[0], day0 + policy.quality_release_days), inbound_day]
    ).astype(np.int32)
    kind = np.concatenate(
        [
            np.full(held_pools.shape[0], SOURCE_HELD, dtype=np.int8),
            np.full(inbound.shape[0], SOURCE_INBOUND, dtype=np.int8),
        ]
    )
    # On equal dates held stock comes first; inbound lines keep (po_id, line) order,
    # their order in ``inbound``, which the stable sort preserves.
    rank = 2 * (day.astype(np.int64) - day0) + (kind == SOURCE_INBOUND)
    order = stable_order(
        [(pool, pools.shape[0]), (rank, int(rank.max(initial=0)) + 1)], pool.shape[0]
    )
    slot = np.concatenate(
        [np.full(held_pools.shape[0], -1, dtype=np.int64), np.arange(inbound.shape[0])]
    )
    qty = np.concatenate([held[held_pools], picture.inbound_open_qty[inbound]])
    return _Sources(pool[order], qty[order], day[order], kind[order], slot[order])


@dataclass(frozen=True, slots=True)
class _Overlap:
    """What lines took from future supply: ``count``/``short``/``last_day`` per line,
    ``source``/``qty`` per peg (line after line), ``source_taken`` per source."""

    count: I64
    short: I64
    last_day: I32
    source: I64
    qty: I64
    source_taken: I64


def _overlap(rest: I64, line_pool: I64, sources: _Sources, n_pools: int) -> _Overlap:
    """Greedy pegging of ``rest`` (lines grouped by pool, in priority order) to the
    ordered ``sources``, as the overlap of the two cumulative tilings of each pool.

    The pools are laid end to end on one axis, pool ``p`` owning
    ``[base[p], base[p] + max(need, supply))``, so one ``searchsorted`` per boundary
    finds every overlap of every pool at once.
    """
    line_start = _exclusive_cumsum(np.bincount(line_pool, minlength=n_pools).astype(np.int64))
    src_start = _exclusive_cumsum(np.bincount(sources.pool, minlength=n_pools).astype(np.int64))
    cum_need = _exclusive_cumsum(rest)
    cum_src = _exclusive_cumsum(sources.qty)
    pool_need = cum_need[line_start[1:]] - cum_need[line_start[:-1]]
    pool_supply = cum_src[src_start[1:]] - cum_src[src_start[:-1]]
    base = _exclusive_cumsum(np.maximum(pool_need, pool_supply))[:-1]
    dem_end = cum_need[1:] + (base - cum_need[line_start[:-1]])[line_pool]
    dem_start = dem_end - rest
    src_end = cum_src[1:] + (base - cum_src[src_start[:-1]])[sources.pool]
    src_begin = src_end - sources.qty

    # Line i takes from the sources ending after its start and beginning before its end.
    first = np.searchsorted(src_end, dem_start, side="right")
    count = np.maximum(np.searchsorted(src_begin, dem_end, side="left") - first, 0)
    peg_start = _exclusive_cumsum(count.astype(np.int64))
    total = int(peg_start[-1])
    row = np.repeat(np.arange(rest.shape[0], dtype=np.int64), count)
    source = np.repeat(first - peg_start[:-1], count) + np.arange(total, dtype=np.int64)
    qty = np.minimum(dem_end[row], src_end[source]) - np.maximum(dem_start[row], src_begin[source])
    last = np.maximum(peg_start[1:] - 1, 0)
    last_day = sources.day[source[last]] if total else np.zeros(rest.shape[0], dtype=np.int32)
    taken = np.clip(
        np.minimum(src_end, (base + pool_need)[sources.pool])
        - np.maximum(src_begin, base[sources.pool]),
        0,
        sources.qty,
    )
    return _Overlap(
        count=count.astype(np.int64),
        short=rest - _segment_sums(qty, peg_start),
        last_day=last_day.astype(np.int32),
        source=source,
        qty=qty,
        source_taken=taken,
    )


def peg_pools(picture: ColumnarPicture, pools: I64) -> PegResult:
    """Peg only ``pools``: what a change to one pool needs, without the other pools.

    Equal, for those pools, to what the full recompute gives them: pegging never
    looks across pools.
    """
    pools = np.unique(pools.astype(np.int64))
    if pools.shape[0] == 1:
        lines = np.flatnonzero(picture.line_pool == pools[0])
        inbound = np.flatnonzero(picture.inbound_pool == pools[0])
    else:
        lines = np.flatnonzero(np.isin(picture.line_pool, pools))
        inbound = np.flatnonzero(np.isin(picture.inbound_pool, pools))
    ordered = subset_in_priority(picture, lines)
    if pools.shape[0] > 1:
        ordered = by_pool(picture, ordered)
    return peg(picture, ordered, pools, inbound)


# -------------------------------------------------------------------------- capacity


def schedule_capacity(picture: ColumnarPicture, lines_by_priority: I64, supply_day: I32) -> I32:
    """Projected days of ``lines_by_priority`` after the warehouses' pick capacity.

    ``supply_day`` is indexed by line id (the whole picture). Returns the projected day
    aligned with ``lines_by_priority``: the supply day, moved later where a warehouse
    with a capacity is full. The loop runs over warehouses, never over lines.
    """
    day0 = picture.as_of_day
    supply = supply_day[lines_by_priority]
    projected = supply.copy()
    limited = np.flatnonzero(picture.warehouse_capacity > 0)
    if limited.size == 0:
        return projected
    compact = np.full(len(picture.warehouse_codes), -1, dtype=np.int64)
    compact[limited] = np.arange(limited.shape[0])
    queue_wh = compact[picture.line_warehouse[lines_by_priority]]
    queued = np.flatnonzero((queue_wh >= 0) & (supply != NULL_DAY))
    if queued.size == 0:
        return projected
    queue_wh = queue_wh[queued]
    offset = supply[queued].astype(np.int64) - day0
    span = int(offset.max()) + 1
    order = stable_order([(queue_wh, limited.shape[0]), (offset, span)], queued.shape[0])
    queued, queue_wh, offset = queued[order], queue_wh[order], offset[order]
    bounds = _exclusive_cumsum(np.bincount(queue_wh, minlength=limited.shape[0]).astype(np.int64))
    for w in range(limited.shape[0]):
        lo, hi = int(bounds[w]), int(bounds[w + 1])
        if lo == hi:
            continue
        per_day = int(picture.warehouse_capacity[limited[w]])
        served = served_by_day(offset[lo:hi], per_day)
        day = np.searchsorted(served, np.arange(hi - lo, dtype=np.int64), side="right")
        projected[queued[lo:hi]] = (day0 + day).astype(np.int32)
    return projected


def served_by_day(arrival_offsets: I64, per_day: int) -> I64:
    """Cumulative lines picked by the end of each day, first come first served.

    ``arrival_offsets`` are the days (from 0) the lines become pickable, sorted. With
    ``A(t)`` the lines arrived by day ``t``, the queue has served
    ``S(t) = min over 0 <= s <= t+1 of A(s-1) + C * (t - s + 1)`` by the end of day
    ``t``: either it was never idle since day ``s`` or it caught up with arrivals.
    """
    n = arrival_offsets.shape[0]
    horizon = int(arrival_offsets[-1]) + 1 + -(-n // per_day)
    arrived = np.cumsum(np.bincount(arrival_offsets, minlength=horizon)).astype(np.int64)
    s = np.arange(horizon + 1, dtype=np.int64)
    candidate = np.concatenate([[0], arrived]) - per_day * s
    best = np.minimum.accumulate(candidate)
    return per_day * (s[:-1] + 1) + best[1:]


# -------------------------------------------------------------------- money and credit


def _exact_product(a: I64, b: I64) -> tuple[Exact, int]:
    """``a * b`` (both at six decimals) exactly, and the decimals of the result.

    Each factor is first reduced to the decimals it really uses; the product stays
    ``int64`` when no sum of all of them can overflow, else becomes Python integers.
    """
    da, db = decimals_used(a), decimals_used(b)
    ra = a // 10 ** (DECIMALS - da)
    rb = b // 10 ** (DECIMALS - db)
    bound = int(np.abs(ra).max(initial=0)) * int(np.abs(rb).max(initial=0)) * max(a.shape[0], 1)
    if bound < _SAFE:
        return ra * rb, da + db
    return ra.astype(object) * rb.astype(object), da + db


def _rescale(values: Exact, decimals: int, to: int) -> Exact:
    """``values`` counted in ``10**-to`` instead of ``10**-decimals`` (``to >= decimals``)."""
    factor = 10 ** (to - decimals)
    if factor == 1:
        return values
    scaled: Exact
    if values.dtype != object and int(np.abs(values).max(initial=0)) * factor < _SAFE:
        scaled = values * factor
    else:
        scaled = values.astype(object) * factor
    return scaled


def _sum_by(groups: I64, values: Exact, n_groups: int) -> Exact:
    """Exact per-group sums."""
    out: Exact
    if values.dtype == object:
        out = np.zeros(n_groups, dtype=object)
        np.add.at(out, groups, values)
        return out
    out = np.zeros(n_groups, dtype=np.int64)
    np.add.at(out, groups, values)
    return out


@dataclass(frozen=True, slots=True)
class CreditColumns:
    """Every customer's credit position (amounts at ``decimals``)."""

    decimals: int
    open_receivables: Exact
    open_order_value: Exact
    over_limit: Bools
    #: invoices with a positive residual more than ``overdue_days_block`` days past due
    invoice_overdue: Bools
    blocked: Bools


def assess_credit(
    picture: ColumnarPicture, order_value: Exact, value_decimals: int
) -> CreditColumns:
    """Credit hold, limit and overdue invoices of every customer, exactly."""
    n = len(picture.customer_codes)
    decimals = max(DECIMALS, value_decimals)
    receivables = _rescale(
        _sum_by(picture.invoice_customer.astype(np.int64), picture.invoice_residual, n),
        DECIMALS,
        decimals,
    )
    value = _rescale(
        _sum_by(picture.order_customer.astype(np.int64), order_value, n), value_decimals, decimals
    )
    limit = _rescale(picture.customer_credit_limit, DECIMALS, decimals)
    over_limit = picture.customer_has_limit & np.asarray(receivables + value > limit, dtype=bool)
    overdue = (picture.invoice_residual > 0) & (
        picture.as_of_day - picture.invoice_due.astype(np.int64) > picture.policy.overdue_days_block
    )
    any_overdue = np.bincount(picture.invoice_customer[overdue], minlength=n) > 0
    return CreditColumns(
        decimals=decimals,
        open_receivables=receivables,
        open_order_value=value,
        over_limit=over_limit,
        invoice_overdue=overdue,
        blocked=picture.customer_credit_hold | over_limit | any_overdue,
    )


# ---------------------------------------------------------------- transfer alternatives


@dataclass(frozen=True, slots=True)
class AlternativeColumns:
    """Free stock elsewhere for the lines that are short or late (``allocation.md``).

    Line ``i`` owns ``from_warehouse[first[i]:first[i] + count[i]]`` (and the same slice
    of the other arrays), listed by arrival date then source warehouse code.
    """

    first: I64
    count: I64
    from_warehouse: I32
    free_qty: I64
    transit_days: I32
    arrival_day: I32
    makes_promise: Bools


def transfer_alternatives(
    picture: ColumnarPicture, short: I64, projected_day: I32, pool_free_stock: I64
) -> AlternativeColumns:
    """For each short or late line, the same-company warehouses whose lane reaches the
    line's warehouse and whose pool of the same SKU has free stock."""
    n = picture.n_lines
    promised = picture.order_promised[picture.line_order]
    attention = np.flatnonzero(
        (short > 0) | ((projected_day != NULL_DAY) & (projected_day > promised))
    )
    source, target = picture.lane_from, picture.lane_to
    known, company = picture.warehouse_known, picture.warehouse_company
    usable = np.flatnonzero(
        known[source] & known[target] & (source != target) & (company[source] == company[target])
    )
    n_warehouses = len(picture.warehouse_codes)
    lane_start = _exclusive_cumsum(
        np.bincount(target[usable], minlength=n_warehouses).astype(np.int64)
    )
    warehouse = picture.order_warehouse[picture.line_order[attention]]
    fan_out = lane_start[warehouse + 1] - lane_start[warehouse]
    offsets = _exclusive_cumsum(fan_out)
    row = np.repeat(attention, fan_out)
    lane = usable[
        np.repeat(lane_start[warehouse] - offsets[:-1], fan_out)
        + np.arange(int(offsets[-1]), dtype=np.int64)
    ]
    free = _free_stock_lookup(picture, pool_free_stock)(source[lane], picture.line_sku[row])
    keep = free > 0
    row, lane, free = row[keep], lane[keep], free[keep]
    transit = picture.lane_transit_days[lane]
    arrival = (picture.as_of_day + transit).astype(np.int32)
    count = np.bincount(row, minlength=n).astype(np.int64)
    return AlternativeColumns(
        first=_exclusive_cumsum(count)[:-1],
        count=count,
        from_warehouse=source[lane],
        free_qty=free,
        transit_days=transit,
        arrival_day=arrival,
        makes_promise=arrival <= promised[row],
    )


def _free_stock_lookup(picture: ColumnarPicture, pool_free_stock: I64) -> Callable[[I32, I32], I64]:
    """A vectorised ``free_stock(warehouse, sku)`` (0 for a pool the picture lacks).

    A dense (warehouse x sku) table when it is small, else a binary search over the
    pools, which are sorted by (warehouse, sku).
    """
    n_skus = max(len(picture.sku_codes), 1)
    pool_key = picture.pool_warehouse.astype(np.int64) * n_skus + picture.pool_sku
    cells = len(picture.warehouse_codes) * n_skus
    if cells <= 4 * picture.n_pools + 1_000_000:
        table = np.zeros(cells, dtype=np.int64)
        table[pool_key] = pool_free_stock

        def dense(warehouse: I32, sku: I32) -> I64:
            found: I64 = table[warehouse.astype(np.int64) * n_skus + sku]
            return found

        return dense

    def sparse(warehouse: I32, sku: I32) -> I64:
        wanted = warehouse.astype(np.int64) * n_skus + sku
        position = np.minimum(np.searchsorted(pool_key, wanted), max(picture.n_pools - 1, 0))
        free = np.zeros(wanted.shape[0], dtype=np.int64)
        if picture.n_pools:
            found = pool_key[position] == wanted
            free[found] = pool_free_stock[position[found]]
        return free

    return sparse


# ------------------------------------------------------------------------ the result


@dataclass(frozen=True, slots=True)
class ColumnarAnalysis:
    """The kernel's whole conclusion, as arrays.

    Line arrays are indexed by line id, order arrays by order id, pool arrays by pool
    id, ``inbound_unpegged`` by inbound id (all as in the picture). Days are day
    numbers with ``NULL_DAY`` for a null date; ``order_days_late`` is -1 when null.
    Order codes are the ``BLOCKER_*`` bits, ``STATUS_*`` and ``ALLOCATION_*`` values.
    """

    picture: ColumnarPicture
    line_from_stock: I64
    line_short: I64
    line_supply_day: I32
    line_projected_day: I32
    #: line ``i``'s future-supply pegs are ``peg_*[peg_first[i]:peg_first[i] + count[i]]``
    line_peg_first: I64
    line_peg_count: I64
    peg_kind: I8
    peg_inbound: I64
    peg_qty: I64
    peg_day: I32
    #: ``open_qty * unit_price`` per line, at ``value_decimals``
    line_value: Exact
    value_decimals: int
    alternatives: AlternativeColumns
    order_blockers: I8
    order_status: I8
    order_allocation: I8
    order_projected_ship_day: I32
    order_at_risk: Bools
    order_days_late: I32
    order_open_value: Exact
    pool_physical: I64
    pool_free_stock: I64
    pool_demand: I64
    pool_short: I64
    inbound_unpegged: I64
    credit: CreditColumns


def analyse_columns(picture: ColumnarPicture) -> ColumnarAnalysis:
    """The full recompute: pegging, capacity, orders, credit, for every pool."""
    in_priority = lines_in_priority(picture, order_priority(picture))
    pegging = _peg_every_pool(picture, in_priority)
    n = picture.n_lines
    projected_day = _scatter(
        in_priority, schedule_capacity(picture, in_priority, pegging.supply_day), n
    )
    line_value, value_decimals = _exact_product(picture.line_open_qty, picture.line_unit_price)
    order_value = _order_sums(line_value, picture.order_line_start)
    credit = assess_credit(picture, order_value, value_decimals)
    orders = _reduce_orders(
        picture,
        short=pegging.short,
        from_stock=pegging.from_stock,
        supply_day=pegging.supply_day,
        projected_day=projected_day,
        has_held=pegging.has_held,
        has_inbound=pegging.has_inbound,
        credit_blocked=credit.blocked,
    )
    pegs = pegging.pegs
    return ColumnarAnalysis(
        picture=picture,
        line_from_stock=pegging.from_stock,
        line_short=pegging.short,
        line_supply_day=pegging.supply_day,
        line_projected_day=projected_day,
        line_peg_first=pegging.peg_first,
        line_peg_count=pegging.peg_count,
        peg_kind=pegs.peg_kind,
        peg_inbound=pegs.peg_inbound,
        peg_qty=pegs.peg_qty,
        peg_day=pegs.peg_day,
        line_value=line_value,
        value_decimals=value_decimals,
        alternatives=transfer_alternatives(
            picture, pegging.short, projected_day, pegging.pool_free_stock
        ),
        order_blockers=orders.blockers,
        order_status=orders.status,
        order_allocation=orders.allocation,
        order_projected_ship_day=orders.projected_ship_day,
        order_at_risk=orders.at_risk,
        order_days_late=orders.days_late,
        order_open_value=order_value,
        pool_physical=pegging.pool_physical,
        pool_free_stock=pegging.pool_free_stock,
        pool_demand=pegging.pool_demand,
        pool_short=pegging.pool_short,
        inbound_unpegged=pegging.inbound_unpegged,
        credit=credit,
    )


@dataclass(frozen=True, slots=True)
class _Pegging:
    """Pegging of every pool, as arrays over all lines, pools and inbound lines."""

    pegs: PegResult
    from_stock: I64
    short: I64
    supply_day: I32
    peg_first: I64
    peg_count: I64
    has_held: Bools
    has_inbound: Bools
    pool_physical: I64
    pool_free_stock: I64
    pool_demand: I64
    pool_short: I64
    inbound_unpegged: I64


def _peg_every_pool(picture: ColumnarPicture, in_priority: I64) -> _Pegging:
    """Peg all pools, ordering demand only where the order can matter.

    In a pool whose open demand does not exceed its physical stock, every line is
    served from stock in full whatever its priority (reservations included) and no
    future supply is touched: no sort is needed. Only the contended pools, where
    demand exceeds physical stock, are grouped and pegged by :func:`peg`.
    """
    n = picture.n_lines
    held = picture.pool_quality_hold
    physical = np.maximum(picture.pool_on_hand - held, 0)
    demand = _group_sums(picture.line_pool, picture.line_open_qty, picture.n_pools)
    contended = demand > physical
    pools = np.flatnonzero(contended)
    lines = by_pool(picture, in_priority[contended[picture.line_pool[in_priority]]])
    inbound = np.flatnonzero(contended[picture.inbound_pool])
    pegs = peg(picture, lines, pools, inbound)

    from_stock = picture.line_open_qty.copy()
    from_stock[lines] = pegs.from_stock
    short = np.zeros(n, dtype=np.int64)
    short[lines] = pegs.short
    supply_day = np.full(n, picture.as_of_day, dtype=np.int32)
    supply_day[lines] = pegs.supply_day
    peg_first = np.zeros(n, dtype=np.int64)
    peg_first[lines] = pegs.peg_first
    peg_count = np.zeros(n, dtype=np.int64)
    peg_count[lines] = pegs.peg_count
    owner = np.repeat(lines, pegs.peg_count)
    free = physical - demand
    free[pools] = pegs.pool_free_stock
    pool_short = np.zeros(picture.n_pools, dtype=np.int64)
    pool_short[pools] = pegs.pool_short
    unpegged = picture.inbound_open_qty.copy()
    unpegged[inbound] = pegs.inbound_unpegged
    return _Pegging(
        pegs=pegs,
        from_stock=from_stock,
        short=short,
        supply_day=supply_day,
        peg_first=peg_first,
        peg_count=peg_count,
        has_held=_flag(owner[pegs.peg_kind == SOURCE_HELD], n),
        has_inbound=_flag(owner[pegs.peg_kind == SOURCE_INBOUND], n),
        pool_physical=physical,
        pool_free_stock=free,
        pool_demand=demand,
        pool_short=pool_short,
        inbound_unpegged=unpegged,
    )


def _group_sums(groups: npt.NDArray[np.integer], values: I64, n_groups: int) -> I64:
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


def _scatter(index: I64, values: npt.NDArray[_A], size: int) -> npt.NDArray[_A]:
    """``out[index] = values`` into a fresh array (``index`` is a permutation)."""
    out = np.empty(size, dtype=values.dtype)
    out[index] = values
    return out


def _flag(index: I64, size: int) -> Bools:
    out = np.zeros(size, dtype=np.bool_)
    out[index] = True
    return out


def _order_sums(values: Exact, starts: I64) -> Exact:
    """Per-order sums of a line array (orders own consecutive lines)."""
    if values.dtype == object:
        cum = np.concatenate([np.zeros(1, dtype=object), np.cumsum(values)])
        out: Exact = cum[starts[1:]] - cum[starts[:-1]]
        return out
    return _segment_sums(values.astype(np.int64), starts)


@dataclass(frozen=True, slots=True)
class _OrderColumns:
    blockers: I8
    status: I8
    allocation: I8
    projected_ship_day: I32
    at_risk: Bools
    days_late: I32


def _reduce_orders(
    picture: ColumnarPicture,
    *,
    short: I64,
    from_stock: I64,
    supply_day: I32,
    projected_day: I32,
    has_held: Bools,
    has_inbound: Bools,
    credit_blocked: Bools,
) -> _OrderColumns:
    """Allocation, blockers, status, dates and risk of every order from its lines."""
    if picture.n_orders == 0:
        none8, none32 = np.zeros(0, dtype=np.int8), np.zeros(0, dtype=np.int32)
        return _OrderColumns(none8, none8, none8, none32, np.zeros(0, np.bool_), none32)
    starts = picture.order_line_start[:-1]
    # Each line's own blockers as bits, or-ed over the order's lines in one pass.
    line_bits = (short > 0).view(np.uint8) * np.uint8(BLOCKER_NO_SUPPLY)
    line_bits |= has_held.view(np.uint8) * np.uint8(BLOCKER_QUALITY)
    line_bits |= has_inbound.view(np.uint8) * np.uint8(BLOCKER_INBOUND)
    line_bits |= (projected_day > supply_day).view(np.uint8) * np.uint8(BLOCKER_CAPACITY)
    credit = credit_blocked[picture.order_customer]
    blockers = (
        np.bitwise_or.reduceat(line_bits, starts) | credit.view(np.uint8) * np.uint8(BLOCKER_CREDIT)
    ).astype(np.int8)
    any_short = (blockers & BLOCKER_NO_SUPPLY) != 0
    latest = np.maximum.reduceat(projected_day, starts)
    covered = _segment_sums(from_stock, picture.order_line_start)
    open_qty = _segment_sums(picture.line_open_qty, picture.order_line_start)
    allocation = np.where(
        covered <= 0,
        ALLOCATION_NONE,
        np.where(covered >= open_qty, ALLOCATION_FULL, ALLOCATION_PARTIAL),
    ).astype(np.int8)
    ship_day = np.where(any_short, NULL_DAY, latest).astype(np.int32)
    late = ship_day.astype(np.int64) - picture.order_promised
    return _OrderColumns(
        blockers=blockers,
        status=_STATUS_OF_BLOCKERS[blockers],
        allocation=allocation,
        projected_ship_day=ship_day,
        at_risk=credit | any_short | (~any_short & (late > 0)),
        days_late=np.where(any_short, -1, np.maximum(late, 0)).astype(np.int32),
    )


# ------------------------------------------------------------- back to value objects


class _Directory:
    """The look-ups an explanation needs (``explain.SupplyDirectory``), over a dataset."""

    def __init__(self, dataset: Dataset) -> None:
        self._orders = {p.po_id: p for p in dataset.purchase_orders}
        self._lines = {(ln.po_id, ln.line): ln for ln in dataset.purchase_order_lines}
        self._suppliers = {s.code: s for s in dataset.suppliers}

    def purchase_order(self, po_id: str) -> PurchaseOrder | None:
        return self._orders.get(po_id)

    def purchase_order_line(self, po_id: str, line: int) -> PurchaseOrderLine | None:
        return self._lines.get((po_id, line))

    def supplier(self, code: str) -> Supplier | None:
        return self._suppliers.get(code)


def _decimals(units: npt.NDArray[np.integer]) -> list[Decimal]:
    """A units column as Decimals, converting each distinct value once."""
    distinct, inverse = np.unique(units, return_inverse=True)
    table = [from_units(u) for u in distinct.tolist()]
    return [table[k] for k in inverse.tolist()]


def _dates(days: I32) -> list[date | None]:
    """A day column as dates (None for ``NULL_DAY``), converting each distinct day once."""
    distinct, inverse = np.unique(days, return_inverse=True)
    table = [None if d == NULL_DAY else date.fromordinal(d) for d in distinct.tolist()]
    return [table[k] for k in inverse.tolist()]


_BLOCKERS: Final = tuple(Blocker)
_STATUSES: Final = (*(STATUS_FOR_BLOCKER[b] for b in _BLOCKERS), OrderRiskStatus.FULLY_ALLOCATED)
_ALLOCATIONS: Final = (Allocation.FULL, Allocation.PARTIAL, Allocation.NONE)


def to_analysis(result: ColumnarAnalysis, dataset: Dataset) -> Analysis:
    """The kernel's result as the domain :class:`Analysis`, explanations included.

    ``dataset`` must be the one the picture was built from: explanations name
    purchase orders, suppliers and warehouses that the columns only hold as ids.
    The result equals ``engine.analyse(dataset, as_of, policy)``.
    """
    picture = result.picture
    credit = _credit_assessments(result)
    orders_by_id = {o.order_id: o for o in dataset.sales_orders}
    warehouses = {w.code: w for w in dataset.warehouses}
    directory = _Directory(dataset)
    lines = _line_outcomes(result)
    ship_dates = _dates(result.order_projected_ship_day)
    open_values = result.order_open_value.tolist()
    blockers = result.order_blockers.tolist()
    statuses = result.order_status.tolist()
    allocations = result.order_allocation.tolist()
    at_risk = result.order_at_risk.tolist()
    late = result.order_days_late.tolist()
    start = picture.order_line_start.tolist()
    outcomes: list[OrderOutcome] = []
    for o, order_id in enumerate(picture.order_ids):
        order = orders_by_id[order_id]
        order_lines = tuple(lines[start[o] : start[o + 1]])
        standing = OrderStanding(
            allocation=_ALLOCATIONS[allocations[o]],
            blockers=tuple(b for bit, b in enumerate(_BLOCKERS) if blockers[o] >> bit & 1),
            status=_STATUSES[statuses[o]],
            projected_ship_date=ship_dates[o],
            days_late=None if late[o] < 0 else late[o],
            at_risk=at_risk[o],
        )
        outcomes.append(
            OrderOutcome(
                order_id=order_id,
                customer=order.customer,
                warehouse=order.warehouse,
                promised_date=order.promised_date,
                status=standing.status,
                allocation=standing.allocation,
                blockers=standing.blockers,
                projected_ship_date=standing.projected_ship_date,
                at_risk=standing.at_risk,
                days_late=standing.days_late,
                lines=order_lines,
                explanation=explain_order(
                    order,
                    order_lines,
                    standing,
                    credit.get(order.customer),
                    warehouse=warehouses.get(order.warehouse),
                    supply=directory,
                    as_of=picture.as_of,
                    overdue_days_block=picture.policy.overdue_days_block,
                ),
                open_value=from_units(int(open_values[o]), result.value_decimals),
            )
        )
    customers = sorted({o.customer for o in outcomes})
    return Analysis(
        as_of=picture.as_of,
        orders=outcomes,
        pools=_pool_outcomes(result),
        credit={code: credit[code] for code in customers},
    )


def _line_outcomes(result: ColumnarAnalysis) -> list[LineOutcome]:
    """Every line's :class:`LineOutcome`, in line-id order."""
    picture = result.picture
    held, inbound = _pegs_by_line(result)
    alternatives = _alternatives_by_line(result)
    order_of = picture.line_order.tolist()
    wh_of = picture.line_warehouse.tolist()
    sku_of = picture.line_sku.tolist()
    return [
        LineOutcome(
            order_id=picture.order_ids[order_of[i]],
            line=number,
            sku=picture.sku_codes[sku_of[i]],
            warehouse=picture.warehouse_codes[wh_of[i]],
            open_qty=open_qty,
            from_stock=from_stock,
            from_quality_hold=held.get(i, ()),
            from_inbound=inbound.get(i, ()),
            short_qty=short,
            projected_date=projected,
            supply_date=supply,
            unit_price=price,
            alternatives=alternatives.get(i, ()),
        )
        for i, (number, open_qty, from_stock, short, projected, supply, price) in enumerate(
            zip(
                picture.line_number.tolist(),
                _decimals(picture.line_open_qty),
                _decimals(result.line_from_stock),
                _decimals(result.line_short),
                _dates(result.line_projected_day),
                _dates(result.line_supply_day),
                _decimals(picture.line_unit_price),
                strict=True,
            )
        )
    ]


def _pegs_by_line(
    result: ColumnarAnalysis,
) -> tuple[dict[int, tuple[HeldPeg, ...]], dict[int, tuple[InboundPeg, ...]]]:
    """The held and inbound pegs of the lines that have any, in the order taken."""
    picture = result.picture
    held: dict[int, list[HeldPeg]] = {}
    inbound: dict[int, list[InboundPeg]] = {}
    owners = np.flatnonzero(result.line_peg_count)
    first = result.line_peg_first[owners].tolist()
    count = result.line_peg_count[owners].tolist()
    kind = result.peg_kind.tolist()
    source = result.peg_inbound.tolist()
    qty = _decimals(result.peg_qty)
    day = _dates(result.peg_day)
    for line, start, n in zip(owners.tolist(), first, count, strict=True):
        for k in range(start, start + n):
            available = day[k]
            assert available is not None
            if kind[k] == SOURCE_HELD:
                held.setdefault(line, []).append(HeldPeg(qty=qty[k], available_date=available))
            else:
                j = source[k]
                inbound.setdefault(line, []).append(
                    InboundPeg(
                        po_id=picture.po_ids[int(picture.inbound_po[j])],
                        line=int(picture.inbound_line[j]),
                        qty=qty[k],
                        available_date=available,
                    )
                )
    return (
        {line: tuple(pegs) for line, pegs in held.items()},
        {line: tuple(pegs) for line, pegs in inbound.items()},
    )


def _alternatives_by_line(result: ColumnarAnalysis) -> dict[int, tuple[TransferAlternative, ...]]:
    """The transfer alternatives of the lines that have any, in listing order."""
    picture, alt = result.picture, result.alternatives
    owners = np.flatnonzero(alt.count)
    source = alt.from_warehouse.tolist()
    free = _decimals(alt.free_qty)
    transit = alt.transit_days.tolist()
    arrival = _dates(alt.arrival_day)
    makes = alt.makes_promise.tolist()
    found: dict[int, tuple[TransferAlternative, ...]] = {}
    for line, start, n in zip(
        owners.tolist(), alt.first[owners].tolist(), alt.count[owners].tolist(), strict=True
    ):
        found[line] = tuple(
            TransferAlternative(
                from_warehouse=picture.warehouse_codes[source[k]],
                free_qty=free[k],
                transit_days=transit[k],
                arrival_date=_known(arrival[k]),
                makes_promise=makes[k],
            )
            for k in range(start, start + n)
        )
    return found


def _known(day: date | None) -> date:
    assert day is not None
    return day


def _pool_outcomes(result: ColumnarAnalysis) -> dict[tuple[str, str], PoolOutcome]:
    """Every pool's :class:`PoolOutcome`, by (sku, warehouse)."""
    picture = result.picture
    unpegged: dict[int, dict[tuple[str, int], Decimal]] = {}
    for pool, po, line, left in zip(
        picture.inbound_pool.tolist(),
        picture.inbound_po.tolist(),
        picture.inbound_line.tolist(),
        _decimals(result.inbound_unpegged),
        strict=True,
    ):
        unpegged.setdefault(pool, {})[(picture.po_ids[po], line)] = left
    pools: dict[tuple[str, str], PoolOutcome] = {}
    wh_codes, sku_codes = picture.warehouse_codes, picture.sku_codes
    rows = zip(
        picture.pool_sku.tolist(),
        picture.pool_warehouse.tolist(),
        _decimals(result.pool_physical),
        _decimals(picture.pool_quality_hold),
        _decimals(result.pool_free_stock),
        _decimals(result.pool_demand),
        _decimals(result.pool_short),
        strict=True,
    )
    for p, (sku, wh, physical, held, free, demand, short) in enumerate(rows):
        pools[(sku_codes[sku], wh_codes[wh])] = PoolOutcome(
            sku=sku_codes[sku],
            warehouse=wh_codes[wh],
            physical=physical,
            quality_held=held,
            free_stock=free,
            demand=demand,
            short=short,
            unpegged_inbound=unpegged.get(p, {}),
        )
    return dict(sorted(pools.items()))


#: (days late, invoice id, residual in millionths) of one overdue invoice
OverdueInvoice = tuple[int, str, int]


def overdue_invoices_by_customer(result: ColumnarAnalysis) -> dict[int, list[OverdueInvoice]]:
    """The overdue invoices of each picture customer that has any, in picture order."""
    picture = result.picture
    overdue = np.flatnonzero(result.credit.invoice_overdue)
    found: dict[int, list[OverdueInvoice]] = {}
    for j, customer, due, residual in zip(
        overdue.tolist(),
        picture.invoice_customer[overdue].tolist(),
        picture.invoice_due[overdue].tolist(),
        picture.invoice_residual[overdue].tolist(),
        strict=True,
    ):
        found.setdefault(customer, []).append(
            (picture.as_of_day - due, picture.invoice_ids[j], residual)
        )
    return found


def credit_assessment(
    result: ColumnarAnalysis, customer: int, overdue: Sequence[OverdueInvoice]
) -> CreditAssessment:
    """The :class:`CreditAssessment` of picture customer ``customer``, given its overdue
    invoices (see :func:`overdue_invoices_by_customer`), listed most overdue first."""
    picture, credit = result.picture, result.credit
    invoices = sorted(overdue, key=lambda item: (-item[0], item[1]))
    return CreditAssessment(
        customer=picture.customer_codes[customer],
        on_hold=bool(picture.customer_credit_hold[customer]),
        credit_limit=from_units(int(picture.customer_credit_limit[customer]))
        if picture.customer_has_limit[customer]
        else None,
        open_receivables=from_units(int(credit.open_receivables[customer]), credit.decimals),
        open_order_value=from_units(int(credit.open_order_value[customer]), credit.decimals),
        overdue_invoices=tuple(
            (invoice, from_units(residual), late) for late, invoice, residual in invoices
        ),
    )


def _credit_assessments(result: ColumnarAnalysis) -> dict[str, CreditAssessment]:
    """Every customer's :class:`CreditAssessment`, by customer code."""
    overdue = overdue_invoices_by_customer(result)
    return {
        code: credit_assessment(result, c, overdue.get(c, ()))
        for c, code in enumerate(result.picture.customer_codes)
    }


# ------------------------------------------------------------------------ comparison


def analysis_differences(expected: Analysis, actual: Analysis, limit: int = 20) -> list[str]:
    """Where two analyses disagree, field by field, at most ``limit`` findings.

    Empty exactly when the analyses are equal. Used to check the kernel against the
    reference engine with messages that name the order, line, pool or customer.
    """
    found: list[str] = []

    def note(where: str, field_name: str, want: object, got: object) -> None:
        if want != got and len(found) < limit:
            found.append(f"{where}: {field_name} expected {want!r}, got {got!r}")

    note("analysis", "as_of", expected.as_of, actual.as_of)
    mine = {o.order_id: o for o in actual.orders}
    theirs = {o.order_id: o for o in expected.orders}
    note("analysis", "order ids", sorted(theirs), sorted(mine))
    note(
        "analysis",
        "order sequence",
        [o.order_id for o in expected.orders],
        [o.order_id for o in actual.orders],
    )
    for order_id in sorted(theirs.keys() & mine.keys()):
        want, got = theirs[order_id], mine[order_id]
        for name in (f.name for f in dataclasses.fields(OrderOutcome)):
            if name == "lines":
                continue
            note(f"order {order_id}", name, getattr(want, name), getattr(got, name))
        note(
            f"order {order_id}",
            "line numbers",
            [ln.line for ln in want.lines],
            [ln.line for ln in got.lines],
        )
        for want_line, got_line in zip(want.lines, got.lines, strict=False):
            for name in (f.name for f in dataclasses.fields(LineOutcome)):
                note(
                    f"order {order_id} line {want_line.line}",
                    name,
                    getattr(want_line, name),
                    getattr(got_line, name),
                )
    note("analysis", "pool keys", sorted(expected.pools), sorted(actual.pools))
    for key in sorted(expected.pools.keys() & actual.pools.keys()):
        note(f"pool {key[0]}@{key[1]}", "outcome", expected.pools[key], actual.pools[key])
    note("analysis", "credit customers", sorted(expected.credit), sorted(actual.credit))
    for code in sorted(expected.credit.keys() & actual.credit.keys()):
        note(f"customer {code}", "credit", expected.credit[code], actual.credit[code])
    if not found and expected != actual:  # pragma: no cover - a field the walk above missed
        found.append("the analyses differ in a way the field-by-field comparison does not name")
    return found
