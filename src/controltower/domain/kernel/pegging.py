"""Pegging: which supply each line takes, in priority order, pool by pool.

"Each line in turn takes what is left" is computed as the overlap of two tilings of the
number line (the lines' cumulative wants and the ordered sources), with every pool laid
end to end so that one ``searchsorted`` per boundary finds every peg at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from controltower.domain.columnar import (
    NULL_DAY,
    ColumnarPicture,
)
from controltower.domain.kernel.arrays import (
    I8,
    I32,
    I64,
    exclusive_cumsum,
    segment_sums,
    stable_order,
)
from controltower.domain.kernel.codes import SOURCE_HELD, SOURCE_INBOUND
from controltower.domain.kernel.priority import by_pool, subset_in_priority

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
    line_start = exclusive_cumsum(np.bincount(line_pool, minlength=n_pools).astype(np.int64))

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
        peg_first=exclusive_cumsum(count)[:-1],
        peg_count=count,
        peg_kind=future.kind[pegs.source],
        peg_inbound=peg_inbound,
        peg_qty=pegs.qty,
        peg_day=future.day[pegs.source],
        pool_physical=physical,
        pool_free_stock=stock_left - pool_from_free,
        pool_demand=segment_sums(open_qty, line_start),
        pool_short=segment_sums(short, line_start),
        inbound_unpegged=inbound_unpegged,
    )


def _take_in_turn(wanted: I64, line_pool: I64, line_start: I64, available: I64) -> tuple[I64, I64]:
    """Each line, in turn within its pool, takes ``min(wanted, what is left)`` of one
    source of ``available[pool]``: per line, and per pool in total.

    Line ``i`` wants the interval ``[W[i-1], W[i])`` of its pool's cumulative wants
    ``W``; it gets the part of that interval below ``available``.
    """
    cumulative = exclusive_cumsum(wanted)
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
    line_start = exclusive_cumsum(np.bincount(line_pool, minlength=n_pools).astype(np.int64))
    src_start = exclusive_cumsum(np.bincount(sources.pool, minlength=n_pools).astype(np.int64))
    cum_need = exclusive_cumsum(rest)
    cum_src = exclusive_cumsum(sources.qty)
    pool_need = cum_need[line_start[1:]] - cum_need[line_start[:-1]]
    pool_supply = cum_src[src_start[1:]] - cum_src[src_start[:-1]]
    base = exclusive_cumsum(np.maximum(pool_need, pool_supply))[:-1]
    dem_end = cum_need[1:] + (base - cum_need[line_start[:-1]])[line_pool]
    dem_start = dem_end - rest
    src_end = cum_src[1:] + (base - cum_src[src_start[:-1]])[sources.pool]
    src_begin = src_end - sources.qty

    # Line i takes from the sources ending after its start and beginning before its end.
    first = np.searchsorted(src_end, dem_start, side="right")
    count = np.maximum(np.searchsorted(src_begin, dem_end, side="left") - first, 0)
    peg_start = exclusive_cumsum(count.astype(np.int64))
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
        short=rest - segment_sums(qty, peg_start),
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
