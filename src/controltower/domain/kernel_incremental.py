"""The kernel's analysis kept current under single changes, without a full recompute.

:func:`~controltower.domain.kernel.analyse_columns` recomputes a million-line business
in a fraction of a second; a typical change (one line's quantity, one order's promised
date, one PO line's date, a receipt, a stock count, a paid invoice) touches a few
pools, one warehouse's pick queue and one customer. :class:`ColumnarIncrementalEngine`
keeps every array of the :class:`~controltower.domain.kernel.ColumnarAnalysis` and
patches, in place, only what the change can reach:

* **Pegging.** Only the touched pools are re-pegged, with the kernel's own
  :func:`~controltower.domain.kernel.peg` on those pools (pegging never looks across
  pools). A pool whose demand does not exceed its physical stock serves every line from
  stock, as in the full recompute, and needs no pegging at all. The future-supply pegs
  of all pools live in one set of arrays laid out as the full recompute lays them out
  (contended pools in pool order, lines in priority order within a pool), so a pool's
  pegs are one block that is overwritten, or moved in place when its length changes.
  Each line keeps its first peg relative to its pool's block; ``line_peg_first`` of the
  lines of later pools is brought up to date when :meth:`ColumnarIncrementalEngine.result`
  is next called (one pass over the contended lines), not at every change.
* **Pick capacity.** Each capacity-limited warehouse keeps its pick queue as one sorted
  array of packed ``(ready day, order priority, line id)`` keys, and its arrivals per
  day. The line at rank ``r`` ships on the first day ``t`` with ``S(t) > r``, where
  ``S`` is the cumulative served count (:func:`~controltower.domain.kernel.served_by_day`).
  When ``k`` queue entries leave or join, every other line's rank moves by at most
  ``k`` and every ``S(t)`` by at most ``k``, so a line can change day only if its new
  rank is within ``2k`` of some ``S(t)``: those few ranks are all that is re-read.
  A key that moves is moved in place, shifting only the keys between its old and new
  rank.
* **Money and credit.** Line values, order values and per-customer open-order value and
  receivables are running sums updated by the change's difference; a customer's block
  is re-assessed only when one of its sums or invoices moved, and only then are its
  orders' credit bits rebuilt. The fixed-point scale and integer width the kernel picks
  for money depend on the whole picture; they are tracked (decimals used per column,
  largest magnitudes) and, on the rare change that moves them, money is recomputed in
  full with the kernel's functions.
* **Orders and transfer alternatives** are rebuilt only for the lines and orders whose
  inputs moved, with the kernel's order reduction on just those orders, and the
  alternatives of the lines that could see a pool whose free stock changed. Listings
  live in buffers with room to grow, so one that grows or shrinks moves the rows after
  it in place (a fresh array of a million rows would cost page faults as well).

:meth:`ColumnarIncrementalEngine.result` always equals ``analyse_columns`` of the
changed picture, array for array (``tests/unit/domain/test_kernel_incremental.py``
holds it to that after random sequences of changes). Every change arrives as one event
of :mod:`controltower.domain.events` through :meth:`ColumnarIncrementalEngine.apply`,
named by business keys (order and line, PO and line, SKU and warehouse, invoice), the
vocabulary an ERP feed or a live event API speaks; the engine translates it to its own
ids and fixed-point units and patches the arrays. A change that
would add or remove an order line, an order, a pool or a code (anything but a PO line
leaving the picture when it is fully received) raises :class:`StructuralChangeError`:
the picture must then be rebuilt with :func:`~controltower.domain.columnar.to_columns`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, assert_never

import numpy as np
import numpy.typing as npt

from controltower.domain.analysis import AllocationPolicy
from controltower.domain.columnar import (
    DECIMALS,
    MAX_UNITS,
    NULL_DAY,
    ColumnarPicture,
    ColumnarPrecisionError,
    to_columns,
    to_units,
)
from controltower.domain.errors import DomainError
from controltower.domain.events import (
    Event,
    InvoiceChanged,
    OrderChanged,
    OrderLineChanged,
    PoLineChanged,
    PoLineSlipped,
    PromiseChanged,
    ReceiptPosted,
    StockCounted,
)
from controltower.domain.kernel.alternatives import AlternativeColumns
from controltower.domain.kernel.arrays import (
    I8,
    I32,
    I64,
    INT64_SAFE,
    U64,
    Bools,
    Exact,
    bits_for,
    exclusive_cumsum,
    order_sums,
    segment_sums,
)
from controltower.domain.kernel.capacity import schedule_capacity
from controltower.domain.kernel.codes import SOURCE_HELD, SOURCE_INBOUND
from controltower.domain.kernel.credit import CreditColumns, assess_credit, exact_product, rescale
from controltower.domain.kernel.orders import reduce_orders
from controltower.domain.kernel.pegging import PegResult, peg
from controltower.domain.kernel.priority import by_pool, subset_in_priority
from controltower.domain.kernel.result import ColumnarAnalysis, analyse_columns
from controltower.domain.model import (
    Dataset,
    OrderStatus,
    Product,
    PurchaseOrder,
    effective_unit_price,
    po_line_expected_date,
)

__all__ = [
    "ColumnarIncrementalEngine",
    "StructuralChangeError",
    "analysis_array_differences",
    "picture_array_differences",
]

NDArray = npt.NDArray[Any]

_EMPTY: Final = np.zeros(0, dtype=np.int64)
#: the per-row arrays of a listing of transfer alternatives
_LISTING_ROWS: Final = (
    "from_warehouse",
    "free_qty",
    "transit_days",
    "arrival_day",
    "makes_promise",
)
#: up to this many queue edits are made one by one, more are merged in one pass
_FEW_EDITS: Final = 48
#: up to this many blocks are spliced piece by piece, more with one gather
_FEW_BLOCKS: Final = 64


class StructuralChangeError(DomainError):
    """The change adds or removes an order line, an order, a pool or a code.

    The engine patches values in place; such a change reshapes the picture, which must
    then be rebuilt (``to_columns``) and a new engine built from it.
    """


# ------------------------------------------------------------------------- helpers


def _ranges(starts: I64, lengths: I64) -> I64:
    """The concatenation of ``arange(s, s + n)`` for every ``(s, n)``."""
    total = int(lengths.sum())
    if total == 0:
        return _EMPTY
    offsets = np.cumsum(lengths) - lengths
    out: I64 = np.repeat(starts - offsets, lengths) + np.arange(total, dtype=np.int64)
    return out


def _decimals_of(units: int) -> int:
    """Decimals one fixed-point value really uses (``decimals_used`` of one value)."""
    if units == 0:
        return 0
    used = DECIMALS
    while used > 0 and units % 10 == 0:
        units //= 10
        used -= 1
    return used


def _decimals_histogram(units: I64) -> I64:
    """How many values of a column use 0..6 decimals (0 for zeros).

    The column's :func:`~controltower.domain.columnar.decimals_used` is the highest
    non-empty bucket, so a change keeps it current by moving one value between buckets.
    """
    used = np.zeros(units.shape[0], dtype=np.int64)
    for k in range(1, DECIMALS + 1):
        used[units % 10 ** (DECIMALS + 1 - k) != 0] = k
    hist: I64 = np.bincount(used, minlength=DECIMALS + 1).astype(np.int64)
    return hist


def _highest(hist: I64) -> int:
    nonzero = np.flatnonzero(hist)
    return int(nonzero[-1]) if nonzero.size else 0


def _check_units(value: int, what: str) -> int:
    """Refuse a fixed-point value outside the range the picture holds."""
    if not -MAX_UNITS < value < MAX_UNITS:
        raise ColumnarPrecisionError(f"{what}: {value} units is too large for the engine")
    return int(value)


def _spliced(old: NDArray, new: NDArray, first: I64, old_count: I64, new_count: I64) -> NDArray:
    """``old`` with its blocks ``[first[k], first[k] + old_count[k])`` (in order, disjoint)
    replaced by consecutive blocks of ``new`` of ``new_count[k]`` rows, in one gather."""
    kept_start = np.concatenate([[0], first + old_count])
    kept_length = np.concatenate([first, [old.shape[0]]]) - kept_start
    starts = np.empty(2 * first.shape[0] + 1, dtype=np.int64)
    lengths = np.empty_like(starts)
    starts[0::2], lengths[0::2] = kept_start, kept_length
    starts[1::2], lengths[1::2] = old.shape[0] + exclusive_cumsum(new_count)[:-1], new_count
    spliced: NDArray = np.concatenate([old, new])[_ranges(starts, lengths)]
    return spliced


class _Rows:
    """Equal-length columns of rows, kept at the front of buffers with room to grow.

    Rows come in blocks (a line's transfer alternatives, a pool's pegs). A block that
    grows or shrinks moves the rows after it within the buffers: a change copies the
    rows after its first block, and allocates nothing (fresh arrays of a million rows
    cost page faults as well as copies).
    """

    def __init__(self, **columns: NDArray) -> None:
        self.size = int(next(iter(columns.values())).shape[0])
        self._buffers = {name: self._with_room(values) for name, values in columns.items()}

    def _with_room(self, values: NDArray, size: int | None = None) -> NDArray:
        size = self.size if size is None else size
        buffer: NDArray = np.empty(size + size // 4 + 64, dtype=values.dtype)
        buffer[: values.shape[0]] = values
        return buffer

    def __getitem__(self, name: str) -> NDArray:
        return self._buffers[name][: self.size]

    def replace(self, first: I64, old_count: I64, new_count: I64, rows: dict[str, NDArray]) -> None:
        """Replace blocks ``[first[k], first[k] + old_count[k])`` (ascending, disjoint) by
        consecutive blocks of ``rows`` of ``new_count[k]`` rows each."""
        change = new_count - old_count
        if not change.any():
            where = _ranges(first, old_count)
            for name, buffer in self._buffers.items():
                buffer[where] = rows[name]
            return
        size = self.size + int(change.sum())
        if first.shape[0] > _FEW_BLOCKS:
            self._buffers = {
                name: self._with_room(
                    _spliced(self[name], rows[name], first, old_count, new_count), size
                )
                for name in self._buffers
            }
            self.size = size
            return
        if size > next(iter(self._buffers.values())).shape[0]:
            self._buffers = {name: self._with_room(self[name], size) for name in self._buffers}
        shift = np.cumsum(change).tolist()
        starts = (first + old_count).tolist()
        ends = [*first[1:].tolist(), self.size]
        # rows moving down go first to last, rows moving up last to first: no stretch is
        # overwritten before it has moved
        order = [k for k in range(len(shift)) if shift[k] < 0]
        order += [k for k in reversed(range(len(shift))) if shift[k] > 0]
        for buffer in self._buffers.values():
            for k in order:
                buffer[starts[k] + shift[k] : ends[k] + shift[k]] = buffer[starts[k] : ends[k]]
        new_first = first + np.concatenate([[0], shift[:-1]]).astype(np.int64)
        where = _ranges(new_first, new_count)
        for name, buffer in self._buffers.items():
            buffer[where] = rows[name]
        self.size = size


def _shift_after(starts: I64, at: I64, by: I64) -> None:
    """Add to ``starts[at[k] + 1 : at[k + 1] + 1]`` the sum of ``by[:k + 1]`` (``at``
    ascending): starts after a block that grew or shrank move by the change so far."""
    cumulated = np.cumsum(by)
    ends = [*(at[1:] + 1).tolist(), starts.shape[0]]
    for k, (position, shift) in enumerate(zip(at.tolist(), cumulated.tolist(), strict=True)):
        if shift:
            starts[position + 1 : ends[k]] += shift


# --------------------------------------------------------------- the pick queues


@dataclass(frozen=True, slots=True)
class _Packing:
    """How ``(ready offset, expedite, promised, tier, order date, line id)`` pack into
    one ``uint64`` whose order is the pick-queue order of ``allocation.md``.

    The windows for days are chosen from the data with room to spare; a change that
    falls outside them re-packs every queue (rare), and a picture whose days cannot be
    packed at all is scheduled warehouse by warehouse with the kernel instead.
    """

    line_bits: int
    offset_bits: int
    promised_bits: int
    promised_base: int
    date_bits: int
    date_base: int

    @property
    def word_bits(self) -> int:
        return 1 + self.promised_bits + 2 + self.date_bits

    @staticmethod
    def choose(picture: ColumnarPicture, supply_day: I32) -> _Packing | None:
        """A packing with every current value inside its window, or None."""
        day0 = picture.as_of_day
        ready = supply_day[supply_day != NULL_DAY]
        max_offset = int(ready.max()) - day0 if ready.size else 0
        promised, dates = picture.order_promised, picture.order_date
        p_lo = int(promised.min()) if promised.size else day0
        p_span = int(promised.max()) - p_lo + 1 if promised.size else 1
        d_lo = int(dates.min()) if dates.size else day0
        d_span = int(dates.max()) - d_lo + 1 if dates.size else 1
        line_bits = bits_for(max(picture.n_lines, 1))
        need = [bits_for(max_offset + 1), bits_for(p_span), bits_for(d_span)]
        spare = 64 - line_bits - 3 - sum(need)
        if spare < 0 or max_offset < 0:
            return None
        extra = spare // 3
        offset_bits = need[0] + extra + (spare - 3 * extra)
        promised_bits, date_bits = need[1] + extra, need[2] + extra
        return _Packing(
            line_bits=line_bits,
            offset_bits=offset_bits,
            promised_bits=promised_bits,
            promised_base=p_lo - ((1 << promised_bits) - p_span) // 2,
            date_bits=date_bits,
            date_base=d_lo - ((1 << date_bits) - d_span) // 2,
        )

    def orders_fit(self, promised: I32, dates: I32) -> bool:
        p = promised.astype(np.int64) - self.promised_base
        d = dates.astype(np.int64) - self.date_base
        return bool(
            ((p >= 0) & (p < 1 << self.promised_bits) & (d >= 0) & (d < 1 << self.date_bits)).all()
        )

    def offsets_fit(self, offsets: I64) -> bool:
        return bool(((offsets >= 0) & (offsets < 1 << self.offset_bits)).all())

    def words(self, picture: ColumnarPicture, orders: I64) -> U64:
        """The priority word of ``orders``: smaller is served first."""
        word: U64 = (~picture.order_expedite[orders]).astype(np.uint64)
        parts = [
            (
                picture.order_promised[orders].astype(np.int64) - self.promised_base,
                self.promised_bits,
            ),
            (picture.customer_tier[picture.order_customer[orders]].astype(np.int64), 2),
            (picture.order_date[orders].astype(np.int64) - self.date_base, self.date_bits),
        ]
        for values, bits in parts:
            word <<= np.uint64(bits)
            word |= values.astype(np.uint64)
        return word

    def keys(self, offsets: I64, words: U64, lines: I64) -> U64:
        keys: U64 = offsets.astype(np.uint64)
        keys <<= np.uint64(self.word_bits + self.line_bits)
        keys |= words << np.uint64(self.line_bits)
        keys |= lines.astype(np.uint64)
        return keys

    def line_of(self, keys: U64) -> I64:
        mask = np.uint64((1 << self.line_bits) - 1)
        lines: I64 = (keys & mask).astype(np.int64)
        return lines

    def offset_of(self, keys: U64) -> I64:
        offsets: I64 = (keys >> np.uint64(self.word_bits + self.line_bits)).astype(np.int64)
        return offsets


def _served(arrivals: I64, per_day: int, queued: int) -> I64:
    """``served_by_day`` from the count of lines arriving on each day offset."""
    nonzero = np.flatnonzero(arrivals)
    if nonzero.size == 0:
        return _EMPTY
    last = int(nonzero[-1])
    horizon = last + 1 + -(-queued // per_day)
    arrived = np.empty(horizon, dtype=np.int64)
    arrived[: last + 1] = np.cumsum(arrivals[: last + 1])
    arrived[last + 1 :] = arrived[last]
    s = np.arange(horizon + 1, dtype=np.int64)
    candidate = np.concatenate([[0], arrived]) - per_day * s
    best = np.minimum.accumulate(candidate)
    served: I64 = per_day * (s[:-1] + 1) + best[1:]
    return served


class _PickQueue:
    """One warehouse's ready lines as a sorted array of packed keys, edited in place."""

    def __init__(self, per_day: int, keys: U64, packing: _Packing) -> None:
        self.per_day = per_day
        self.size = int(keys.shape[0])
        self._keys = np.empty(self.size + self.size // 8 + 64, dtype=np.uint64)
        self._keys[: self.size] = keys
        offsets = packing.offset_of(keys)
        self.arrivals: I64 = np.bincount(offsets, minlength=int(offsets.max(initial=0)) + 2).astype(
            np.int64
        )
        self.served = _served(self.arrivals, per_day, self.size)

    @property
    def keys(self) -> U64:
        return self._keys[: self.size]

    def edit(self, old: U64, new: U64, removed: U64, inserted: U64, packing: _Packing) -> I64:
        """Move each key ``old[i]`` to ``new[i]``, take ``removed`` out and put
        ``inserted`` in; returns the new ranks of ``new`` and ``inserted``.

        A few edits are made one by one, each moving only the keys between its old and
        new rank (a line whose priority or date moved a little moves a short way); many
        are merged in one pass over the span they cover.
        """
        if old.shape[0] + removed.shape[0] + inserted.shape[0] <= _FEW_EDITS:
            for before, after in zip(old.tolist(), new.tolist(), strict=True):
                self._move_one(before, after)
            for key in removed.tolist():
                self._move_one(key, None)
            for key in inserted.tolist():
                self._move_one(None, key)
        else:
            self._merge(
                np.sort(np.concatenate([old, removed])), np.sort(np.concatenate([new, inserted]))
            )
        self._count(packing.offset_of(np.concatenate([old, removed])), -1)
        self._count(packing.offset_of(np.concatenate([new, inserted])), +1)
        self.served = _served(self.arrivals, self.per_day, self.size)
        placed = np.concatenate([new, inserted])
        ranks: I64 = np.searchsorted(self._keys[: self.size], placed).astype(np.int64)
        return ranks

    def _move_one(self, before: int | None, after: int | None) -> None:
        """Replace key ``before`` by ``after`` (None: only remove, or only insert)."""
        n = self.size
        if after is not None and before is None and n == self._keys.shape[0]:
            grown = np.empty(2 * n + 64, dtype=np.uint64)
            grown[:n] = self._keys[:n]
            self._keys = grown
        q = self._keys
        r = int(np.searchsorted(q[:n], np.uint64(before))) if before is not None else n
        i = int(np.searchsorted(q[:n], np.uint64(after))) if after is not None else n
        if before is None:
            n += 1
            self.size = n
        elif after is None:
            self.size = n - 1
        if i > r:  # the keys between move one place down
            q[r : i - 1] = q[r + 1 : i]
            if after is not None:
                q[i - 1] = after
        else:  # the keys between move one place up
            assert after is not None
            q[i + 1 : r + 1] = q[i:r]
            q[i] = after

    def _merge(self, removed: U64, inserted: U64) -> None:
        """Take ``removed`` out and put ``inserted`` in (both sorted) in one pass over
        the span between the first and last edited rank, plus the tail on a resize."""
        n = self.size
        q = self._keys[:n]
        rpos = np.searchsorted(q, removed)
        ipos = np.searchsorted(q, inserted)
        lo = int(min(rpos.min(initial=n), ipos.min(initial=n)))
        hi = int(max(rpos.max(initial=-1) + 1, ipos.max(initial=0), lo))
        segment = q[lo:hi]
        if rpos.size:
            keep = np.ones(hi - lo, dtype=np.bool_)
            keep[rpos - lo] = False
            segment = segment[keep]
        new_segment = np.insert(segment, np.searchsorted(segment, inserted), inserted)
        delta = int(inserted.shape[0] - removed.shape[0])
        if n + delta > self._keys.shape[0]:
            grown = np.empty(2 * (n + delta) + 64, dtype=np.uint64)
            grown[:n] = q
            self._keys = grown
        if delta:
            self._keys[hi + delta : n + delta] = self._keys[hi:n]
        self._keys[lo : lo + new_segment.shape[0]] = new_segment
        self.size = n + delta

    def _count(self, offsets: I64, step: int) -> None:
        if offsets.size == 0:
            return
        top = int(offsets.max())
        if top >= self.arrivals.shape[0]:
            self.arrivals = np.concatenate(
                [self.arrivals, np.zeros(top + 1 - self.arrivals.shape[0] + 16, dtype=np.int64)]
            )
        np.add.at(self.arrivals, offsets, step)

    def days_of(self, ranks: I64, day0: int) -> I32:
        days: I32 = (day0 + np.searchsorted(self.served, ranks, side="right")).astype(np.int32)
        return days

    def ranks_near_boundaries(self, width: int) -> I64:
        """Every rank within ``width`` of some ``S(t)`` (all ranks when that is most)."""
        n = self.size
        hi = np.clip(self.served + width, 0, n)
        # ``served`` is non-decreasing: each window starts where the previous ones end
        covered = np.concatenate([[0], np.maximum.accumulate(hi)[:-1]])
        lo = np.maximum(np.clip(self.served - width, 0, n), covered)
        lengths = np.maximum(hi - lo, 0)
        if int(lengths.sum()) >= n // 2:
            return np.arange(n, dtype=np.int64)
        return _ranges(lo, lengths)


# ------------------------------------------------------------------- the pegs


class _PegStore:
    """Every future-supply peg, laid out as the full recompute lays them out.

    Pool ``p`` owns rows ``[start[p], start[p + 1])``: contended pools in pool order,
    each pool's pegs line after line in priority order. Uncontended pools own nothing.
    """

    def __init__(self, kind: I8, inbound: I64, qty: I64, day: I32, start: I64) -> None:
        self.rows = _Rows(kind=kind, inbound=inbound, qty=qty, day=day)
        self.start = start

    def replace(self, pools: I64, counts: I64, kind: I8, inbound: I64, qty: I64, day: I32) -> bool:
        """Give ``pools`` (ascending) new blocks of ``counts`` pegs, concatenated in the
        arrays given; returns whether any block changed length."""
        first = self.start[pools]
        old = self.start[pools + 1] - first
        self.rows.replace(
            first, old, counts, {"kind": kind, "inbound": inbound, "qty": qty, "day": day}
        )
        if np.array_equal(old, counts):
            return False
        _shift_after(self.start, pools, counts - old)
        return True


# ------------------------------------------------------------------- the engine


@dataclass(frozen=True, slots=True)
class _Repegged:
    """What re-pegging some pools moved: lines whose pegging changed (any field), lines
    whose supply day changed, and pools whose free stock changed."""

    changed: I64
    supply_moved: I64
    freed: I64


@dataclass(frozen=True, slots=True)
class _MoneyFormat:
    """What the kernel decides about money from the whole picture: the decimals each
    column uses and whether products must be Python integers."""

    qty_decimals: int
    price_decimals: int
    wide: bool

    @property
    def value_decimals(self) -> int:
        return self.qty_decimals + self.price_decimals

    @property
    def credit_decimals(self) -> int:
        return max(DECIMALS, self.value_decimals)


class _DatasetKeys:
    """Codes to ids, and what the domain rows need that the picture does not hold."""

    def __init__(self, picture: ColumnarPicture, dataset: Dataset | None) -> None:
        self.orders = {code: i for i, code in enumerate(picture.order_ids)}
        self.pos = {code: i for i, code in enumerate(picture.po_ids)}
        self.invoices = {code: i for i, code in enumerate(picture.invoice_ids)}
        self.customers = {code: i for i, code in enumerate(picture.customer_codes)}
        self.warehouses = {code: i for i, code in enumerate(picture.warehouse_codes)}
        self.skus = {code: i for i, code in enumerate(picture.sku_codes)}
        rows = dataset if dataset is not None else Dataset()
        self.products: dict[str, Product] = {p.sku: p for p in rows.products}
        self.po_headers: dict[str, PurchaseOrder] = {p.po_id: p for p in rows.purchase_orders}


class ColumnarIncrementalEngine:
    """The kernel's analysis of one picture, kept current as the picture changes.

    Built from a :class:`ColumnarPicture` (copied: the engine owns and edits its arrays)
    and, optionally, its ``analyse_columns`` result (else computed). ``dataset`` is the
    dataset the picture was built from; the events need it (list prices,
    PO headers) and so does knowing which pools have a stock row (a pool that loses its
    last inbound line leaves the picture unless it has one). Without it every pool is
    taken to have a stock row.

    Changes are made in place on the engine's arrays: :meth:`result` returns a view
    of them, which later changes edit, so copy what must outlive the next change.
    """

    _qty_max: int
    _price_max: int
    _words: U64

    def __init__(
        self,
        picture: ColumnarPicture,
        analysis: ColumnarAnalysis | None = None,
        *,
        dataset: Dataset | None = None,
    ) -> None:
        self._picture = _own_picture(picture)
        if analysis is None:
            analysis = analyse_columns(self._picture)
        self._day0 = self._picture.as_of_day
        self._keys = _DatasetKeys(self._picture, dataset)
        self._adopt(analysis)
        self._index_pools()
        self._stock_rows = self._pools_with_stock(dataset)
        self._index_lanes()
        self._start_money()
        self._start_queues()

    @classmethod
    def from_dataset(
        cls, dataset: Dataset, as_of: date, policy: AllocationPolicy = AllocationPolicy()
    ) -> ColumnarIncrementalEngine:
        """Build the picture of ``dataset`` as of ``as_of``, analyse it, keep it current."""
        return cls(to_columns(dataset, as_of, policy), dataset=dataset)

    # --- state --------------------------------------------------------------------

    def _pools_with_stock(self, dataset: Dataset | None) -> Bools:
        """Which pools have a stock row (all of them when the dataset is not known)."""
        picture = self._picture
        if dataset is None:
            return np.ones(picture.n_pools, dtype=np.bool_)
        skus, warehouses = self._keys.skus, self._keys.warehouses
        keys = np.array(
            [warehouses[s.warehouse] * self._n_skus + skus[s.sku] for s in dataset.stock],
            dtype=np.int64,
        )
        position = np.searchsorted(self._pool_key, keys)
        rows = np.zeros(picture.n_pools + 1, dtype=np.bool_)
        rows[position] = True  # every stock row has a pool
        return rows[:-1]

    def _adopt(self, analysis: ColumnarAnalysis) -> None:
        """Take copies of the full analysis' arrays as the engine's working state."""
        a = analysis
        self._from_stock = a.line_from_stock.copy()
        self._short = a.line_short.copy()
        self._supply = a.line_supply_day.copy()
        self._projected = a.line_projected_day.copy()
        self._peg_first = a.line_peg_first.copy()
        self._peg_count = a.line_peg_count.copy()
        self._line_value: Exact = a.line_value.copy()
        self._value_decimals = a.value_decimals
        alt = a.alternatives
        self._alt_first = alt.first.copy()
        self._alt_count = alt.count.copy()
        self._alt_rows = _Rows(**{name: getattr(alt, name) for name in _LISTING_ROWS})
        self._order_blockers = a.order_blockers.copy()
        self._order_status = a.order_status.copy()
        self._order_allocation = a.order_allocation.copy()
        self._order_ship_day = a.order_projected_ship_day.copy()
        self._order_at_risk = a.order_at_risk.copy()
        self._order_days_late = a.order_days_late.copy()
        self._order_value: Exact = a.order_open_value.copy()
        self._pool_physical = a.pool_physical.copy()
        self._pool_free = a.pool_free_stock.copy()
        self._pool_demand = a.pool_demand.copy()
        self._pool_short = a.pool_short.copy()
        self._unpegged = a.inbound_unpegged.copy()
        c = a.credit
        self._credit_decimals = c.decimals
        self._receivables: Exact = c.open_receivables.copy()
        self._customer_value: Exact = c.open_order_value.copy()
        self._over_limit = c.over_limit.copy()
        self._invoice_overdue = c.invoice_overdue.copy()
        self._blocked = c.blocked.copy()
        self._has_held, self._has_inbound = self._peg_flags(a)
        self._pool_contended = self._pool_demand > self._pool_physical
        self._contended_pools = np.flatnonzero(self._pool_contended)
        counts = np.zeros(self._picture.n_pools + 1, dtype=np.int64)
        np.add.at(counts, self._picture.line_pool.astype(np.int64) + 1, self._peg_count)
        self._pegs = _PegStore(a.peg_kind, a.peg_inbound, a.peg_qty, a.peg_day, np.cumsum(counts))
        contended_line = self._pool_contended[self._picture.line_pool]
        self._peg_local = np.where(
            contended_line, self._peg_first - self._pegs.start[self._picture.line_pool], 0
        ).astype(np.int64)
        self._peg_first_stale = False

    def _peg_flags(self, a: ColumnarAnalysis) -> tuple[Bools, Bools]:
        """Which lines took held stock and which took inbound, from their pegs."""
        owners = np.flatnonzero(a.line_peg_count)
        counts = a.line_peg_count[owners]
        kinds = a.peg_kind[_ranges(a.line_peg_first[owners], counts)]
        owner = np.repeat(owners, counts)
        held = np.zeros(self._picture.n_lines, dtype=np.bool_)
        inbound = np.zeros(self._picture.n_lines, dtype=np.bool_)
        held[owner[kinds == SOURCE_HELD]] = True
        inbound[owner[kinds == SOURCE_INBOUND]] = True
        return held, inbound

    def _index_pools(self) -> None:
        """Lines and inbound lines grouped by pool, and pools by (warehouse, sku) key."""
        p = self._picture
        self._lines_by_pool = np.argsort(p.line_pool, kind="stable").astype(np.int64)
        self._pool_line_start = exclusive_cumsum(
            np.bincount(p.line_pool, minlength=p.n_pools).astype(np.int64)
        )
        self._inbound_by_pool = np.argsort(p.inbound_pool, kind="stable").astype(np.int64)
        self._pool_inbound_start = exclusive_cumsum(
            np.bincount(p.inbound_pool, minlength=p.n_pools).astype(np.int64)
        )
        self._n_skus = max(len(p.sku_codes), 1)
        self._pool_key = p.pool_warehouse.astype(np.int64) * self._n_skus + p.pool_sku

    def _index_lanes(self) -> None:
        """The lanes transfer alternatives may use, by target (as the kernel orders
        them), and the targets each source warehouse can send to."""
        p = self._picture
        source, target = p.lane_from, p.lane_to
        known, company = p.warehouse_known, p.warehouse_company
        self._usable = np.flatnonzero(
            known[source]
            & known[target]
            & (source != target)
            & (company[source] == company[target])
        )
        n_warehouses = len(p.warehouse_codes)
        self._lane_start = exclusive_cumsum(
            np.bincount(target[self._usable], minlength=n_warehouses).astype(np.int64)
        )
        self._targets_of: list[I64] = [
            np.unique(target[self._usable][source[self._usable] == w]).astype(np.int64)
            for w in range(n_warehouses)
        ]

    # --- results --------------------------------------------------------------------

    @property
    def picture(self) -> ColumnarPicture:
        """The picture as changed so far (the engine's own arrays)."""
        return self._picture

    def result(self) -> ColumnarAnalysis:
        """The current analysis: equal to ``analyse_columns(self.picture)``.

        A view of the engine's arrays, which the next change edits in place.
        """
        return ColumnarAnalysis(
            picture=self._picture,
            line_from_stock=self._from_stock,
            line_short=self._short,
            line_supply_day=self._supply,
            line_projected_day=self._projected,
            line_peg_first=self._line_peg_first(),
            line_peg_count=self._peg_count,
            peg_kind=self._pegs.rows["kind"],
            peg_inbound=self._pegs.rows["inbound"],
            peg_qty=self._pegs.rows["qty"],
            peg_day=self._pegs.rows["day"],
            line_value=self._line_value,
            value_decimals=self._value_decimals,
            alternatives=AlternativeColumns(
                first=self._alt_first,
                count=self._alt_count,
                from_warehouse=self._alt_rows["from_warehouse"],
                free_qty=self._alt_rows["free_qty"],
                transit_days=self._alt_rows["transit_days"],
                arrival_day=self._alt_rows["arrival_day"],
                makes_promise=self._alt_rows["makes_promise"],
            ),
            order_blockers=self._order_blockers,
            order_status=self._order_status,
            order_allocation=self._order_allocation,
            order_projected_ship_day=self._order_ship_day,
            order_at_risk=self._order_at_risk,
            order_days_late=self._order_days_late,
            order_open_value=self._order_value,
            pool_physical=self._pool_physical,
            pool_free_stock=self._pool_free,
            pool_demand=self._pool_demand,
            pool_short=self._pool_short,
            inbound_unpegged=self._unpegged,
            credit=CreditColumns(
                decimals=self._credit_decimals,
                open_receivables=self._receivables,
                open_order_value=self._customer_value,
                over_limit=self._over_limit,
                invoice_overdue=self._invoice_overdue,
                blocked=self._blocked,
            ),
        )

    # --- changes on the columnar picture ------------------------------------------------

    def _set_line(
        self,
        line: int,
        *,
        open_qty: int | None = None,
        reserved: int | None = None,
        unit_price: int | None = None,
    ) -> None:
        """Set an open order line's open quantity, reservation or unit price (units).

        An open quantity of zero or less would take the line out of the picture, which
        is a :class:`StructuralChangeError`.
        """
        p = self._picture
        if open_qty is not None and open_qty <= 0:
            raise StructuralChangeError(
                f"order line {line} would have nothing open and leave the picture"
            )
        for value, what in ((open_qty, "open qty"), (reserved, "reserved"), (unit_price, "price")):
            if value is not None:
                _check_units(value, what)
        repeg = False
        revalue = False
        if open_qty is not None and open_qty != int(p.line_open_qty[line]):
            old = int(p.line_open_qty[line])
            self._add_to_total(open_qty - old)
            p.line_open_qty[line] = open_qty
            self._qty_max = self._money_column_edit(
                self._qty_hist, self._qty_max, old, open_qty, p.line_open_qty
            )
            repeg = revalue = True
        if reserved is not None and reserved != int(p.line_reserved[line]):
            p.line_reserved[line] = reserved
            repeg = True
        if unit_price is not None and unit_price != int(p.line_unit_price[line]):
            old = int(p.line_unit_price[line])
            p.line_unit_price[line] = unit_price
            self._price_max = self._money_column_edit(
                self._price_hist, self._price_max, old, unit_price, p.line_unit_price
            )
            revalue = True
        if not (repeg or revalue):
            return
        self._refresh(
            pools=np.array([p.line_pool[line]], dtype=np.int64) if repeg else _EMPTY,
            value_lines=np.array([line], dtype=np.int64) if revalue else _EMPTY,
            orders=np.array([p.line_order[line]], dtype=np.int64),
        )

    def _set_order(
        self,
        order: int,
        *,
        promised_day: int | None = None,
        expedite: bool | None = None,
        order_day: int | None = None,
        customer: int | None = None,
    ) -> None:
        """Move an order's promised date or order date, set its expedite flag, or give
        it to another (known) customer: its priority, lateness and credit follow."""
        p = self._picture
        before = (
            int(p.order_promised[order]),
            bool(p.order_expedite[order]),
            int(p.order_date[order]),
            int(p.order_customer[order]),
        )
        after = (
            before[0] if promised_day is None else int(promised_day),
            before[1] if expedite is None else bool(expedite),
            before[2] if order_day is None else int(order_day),
            before[3] if customer is None else int(customer),
        )
        if after == before:
            return
        if not 0 <= after[3] < len(p.customer_codes):
            raise StructuralChangeError(f"customer id {after[3]} is not in the picture")
        o = np.array([order], dtype=np.int64)
        customers: set[int] = set()
        if after[3] != before[3]:
            customers = {before[3], after[3]}
            self._move_order_value(order, before[3], after[3])
        p.order_promised[order], p.order_expedite[order] = after[0], after[1]
        p.order_date[order], p.order_customer[order] = after[2], after[3]
        if self._packing is not None:
            if self._packing.orders_fit(p.order_promised[o], p.order_date[o]):
                self._words[order] = self._packing.words(p, o)[0]
            else:
                self._repack = True
        priority = after[:3] != before[:3] or (
            p.customer_tier[after[3]] != p.customer_tier[before[3]]
        )
        self._refresh(
            priority_orders=o if priority else _EMPTY,
            promised_orders=o if after[0] != before[0] else _EMPTY,
            orders=o,
            customers=customers,
        )

    def _set_inbound(
        self, inbound: int, *, expected_day: int | None = None, open_qty: int | None = None
    ) -> None:
        """Move an open PO line's expected date or set its open quantity (units).

        An open quantity of zero or less takes the line out of the picture (and its PO
        and pool when nothing else keeps them there).
        """
        p = self._picture
        pool = int(p.inbound_pool[inbound])
        old_qty = int(p.inbound_open_qty[inbound])
        new_qty = old_qty if open_qty is None else _check_units(open_qty, "open qty")
        old_day = int(p.inbound_expected[inbound])
        new_day = old_day if expected_day is None else int(expected_day)
        if new_day == old_day and new_qty == old_qty:
            return
        self._add_to_total(max(new_qty, 0) - old_qty)
        p.inbound_expected[inbound] = new_day
        if new_qty <= 0:
            pool = self._close_inbound(inbound)
            if pool < 0:
                return
        else:
            p.inbound_open_qty[inbound] = new_qty
        self._refresh(pools=np.array([pool], dtype=np.int64))

    def _receive(self, inbound: int, qty: int, *, into_stock: bool = True) -> None:
        """Goods received on an open PO line: its open quantity goes down by ``qty``
        and, when ``into_stock``, the pool's on-hand goes up by as much."""
        p = self._picture
        pool = int(p.inbound_pool[inbound])
        open_qty = int(p.inbound_open_qty[inbound])
        on_hand = int(p.pool_on_hand[pool]) + qty if into_stock else int(p.pool_on_hand[pool])
        _check_units(on_hand, "on hand")
        self._add_to_total((qty if into_stock else 0) - min(qty, open_qty))
        if into_stock:
            p.pool_on_hand[pool] = on_hand
            self._stock_rows[pool] = True
        if qty < open_qty:
            p.inbound_open_qty[inbound] = open_qty - qty
        else:
            pool = self._close_inbound(inbound)
            if pool < 0:
                return
        self._refresh(pools=np.array([pool], dtype=np.int64))

    def _set_pool_stock(
        self, pool: int, *, on_hand: int | None = None, quality_hold: int | None = None
    ) -> None:
        """Set a pool's on-hand and quality-held quantity (units)."""
        p = self._picture
        if quality_hold is not None:
            _check_units(quality_hold, "quality hold")
        if on_hand is not None:
            self._add_to_total(_check_units(on_hand, "on hand") - int(p.pool_on_hand[pool]))
            p.pool_on_hand[pool] = on_hand
        if quality_hold is not None:
            p.pool_quality_hold[pool] = quality_hold
        self._stock_rows[pool] = True
        self._refresh(pools=np.array([pool], dtype=np.int64))

    def _set_invoice(
        self,
        invoice: int,
        *,
        residual: int | None = None,
        due_day: int | None = None,
        customer: int | None = None,
    ) -> None:
        """Set an invoice's residual (units), due date or (known) customer."""
        p = self._picture
        old_customer = int(p.invoice_customer[invoice])
        old_residual = int(p.invoice_residual[invoice])
        new_customer = old_customer if customer is None else int(customer)
        if not 0 <= new_customer < len(p.customer_codes):
            raise StructuralChangeError(f"customer id {new_customer} is not in the picture")
        new_residual = old_residual if residual is None else _check_units(residual, "residual")
        if due_day is not None:
            p.invoice_due[invoice] = due_day
        p.invoice_customer[invoice] = new_customer
        p.invoice_residual[invoice] = new_residual
        overdue = new_residual > 0 and (
            self._day0 - int(p.invoice_due[invoice]) > p.policy.overdue_days_block
        )
        if self._invoice_overdue[invoice]:
            self._overdue_count[old_customer] -= 1
        if overdue:
            self._overdue_count[new_customer] += 1
        self._invoice_overdue[invoice] = overdue
        factor = 10 ** (self._credit_decimals - DECIMALS)
        self._add_money(self._receivables, old_customer, -old_residual * factor)
        self._add_money(self._receivables, new_customer, new_residual * factor)
        self._refresh(customers={old_customer, new_customer})

    # --- changes as events ------------------------------------------------------------

    def apply(self, event: Event) -> None:
        """Apply one change (see :mod:`controltower.domain.events`) to the picture and
        bring the analysis up to date with it.

        One entry point for every kind of change, so that a feed of events (from an ERP
        or a live API) is replayed with one call per event and a new kind of change is
        one new event class and one handler. A change that would reshape the picture
        (add or remove an order line, an order, a pool or a code) raises
        :class:`StructuralChangeError`: the caller rebuilds the engine from the changed
        dataset.
        """
        match event:
            case OrderLineChanged():
                self._order_line_changed(event)
            case OrderChanged():
                self._order_changed(event)
            case PromiseChanged():
                self._promise_changed(event)
            case PoLineChanged():
                self._po_line_changed(event)
            case PoLineSlipped():
                self._po_line_slipped(event)
            case ReceiptPosted():
                self._receipt_posted(event)
            case StockCounted():
                self._stock_counted(event)
            case InvoiceChanged():
                self._invoice_changed(event)
            case _:
                assert_never(event)

    def _order_line_changed(self, event: OrderLineChanged) -> None:
        """An open order line's quantity, shipped, reserved quantity or price moved."""
        line = event.row()
        order = self._keys.orders.get(line.order_id)
        index = self.line_id(line.order_id, line.line)
        if index is None:
            if line.open_qty > 0:
                raise StructuralChangeError(
                    f"sales order {line.order_id} line {line.line} would join the picture"
                    if order is not None
                    else f"sales order {line.order_id} is not an open order with open lines"
                )
            return
        p = self._picture
        if p.sku_codes[int(p.line_sku[index])] != line.sku:
            raise StructuralChangeError(
                f"sales order {line.order_id} line {line.line} would move to another pool"
            )
        where = f"sales order {line.order_id} line {line.line}"
        self._set_line(
            index,
            open_qty=to_units(line.open_qty, f"{where}: open qty"),
            reserved=to_units(line.qty_reserved, f"{where}: qty_reserved"),
            unit_price=to_units(
                effective_unit_price(line, self._keys.products.get(line.sku)),
                f"{where}: unit_price",
            ),
        )

    def _order_changed(self, order: OrderChanged) -> None:
        """An open order's header moved (dates, expedite, customer)."""
        index = self._keys.orders.get(order.order_id)
        if index is None:
            if order.status is OrderStatus.OPEN:
                raise StructuralChangeError(
                    f"sales order {order.order_id} is not in the picture and would open"
                )
            return
        p = self._picture
        if order.status is not OrderStatus.OPEN:
            raise StructuralChangeError(f"sales order {order.order_id} would leave the picture")
        if p.warehouse_codes[int(p.order_warehouse[index])] != order.warehouse:
            raise StructuralChangeError(
                f"sales order {order.order_id} would move its lines to other pools"
            )
        customer = self._keys.customers.get(order.customer)
        if customer is None:
            raise StructuralChangeError(f"customer {order.customer} is not in the picture")
        self._set_order(
            index,
            promised_day=order.promised_date.toordinal(),
            expedite=order.expedite,
            order_day=order.order_date.toordinal(),
            customer=customer,
        )

    def _promise_changed(self, event: PromiseChanged) -> None:
        """An order's promised date moved; an order outside the picture (closed, or
        with nothing open) has no standing for it to change."""
        index = self._keys.orders.get(event.order_id)
        if index is not None:
            self._set_order(index, promised_day=event.promised_date.toordinal())

    def _po_line_changed(self, event: PoLineChanged) -> None:
        """An open PO line's quantity, received quantity or expected date moved."""
        line = event.row()
        index = self.inbound_id(line.po_id, line.line)
        if index is None:
            header = self._keys.po_headers.get(line.po_id)
            if line.open_qty > 0 and (header is None or header.status is OrderStatus.OPEN):
                raise StructuralChangeError(
                    f"purchase order {line.po_id} line {line.line} would join the picture"
                )
            return
        p = self._picture
        if p.sku_codes[int(p.pool_sku[int(p.inbound_pool[index])])] != line.sku:
            raise StructuralChangeError(
                f"purchase order {line.po_id} line {line.line} would move to another pool"
            )
        header = self._keys.po_headers.get(line.po_id)
        if line.expected_date is None and header is None:
            raise StructuralChangeError(
                f"purchase order {line.po_id}: its header is needed for the line's date"
            )
        expected = po_line_expected_date(line, header) if header is not None else line.expected_date
        assert expected is not None
        where = f"purchase order {line.po_id} line {line.line}"
        self._set_inbound(
            index,
            expected_day=expected.toordinal(),
            open_qty=to_units(line.open_qty, f"{where}: open qty"),
        )

    def _po_line_slipped(self, event: PoLineSlipped) -> None:
        """An open PO line's expected date moved; a line that is not open supplies no
        one, so moving it changes nothing."""
        index = self.inbound_id(event.po_id, event.line)
        if index is not None:
            self._set_inbound(index, expected_day=event.expected_date.toordinal())

    def _stock_counted(self, level: StockCounted) -> None:
        """The on-hand and quality-held quantity of one (sku, warehouse)."""
        pool = self._pool_id(level.sku, level.warehouse)
        if pool is None:
            raise StructuralChangeError(
                f"stock of {level.sku} in {level.warehouse} would add a pool to the picture"
            )
        where = f"stock of {level.sku} in {level.warehouse}"
        self._set_pool_stock(
            pool,
            on_hand=to_units(level.on_hand, f"{where}: on_hand"),
            quality_hold=to_units(level.quality_hold, f"{where}: quality_hold"),
        )

    def _receipt_posted(self, receipt: ReceiptPosted) -> None:
        """A receipt on an open PO line: its open quantity goes down.

        As in the reference engine, stock levels are not touched unless the event says
        the goods went into stock (the ERP reports stock separately); a receipt on a
        line that is not open changes nothing.
        """
        index = self.inbound_id(receipt.po_id, receipt.line)
        if index is None:
            return
        where = f"receipt {receipt.receipt_id}: qty"
        self._receive(index, to_units(receipt.qty, where), into_stock=receipt.into_stock)

    def _invoice_changed(self, invoice: InvoiceChanged) -> None:
        """An invoice's residual, due date or customer moved."""
        index = self._keys.invoices.get(invoice.invoice_id)
        customer = self._keys.customers.get(invoice.customer)
        if index is None or customer is None:
            raise StructuralChangeError(
                f"invoice {invoice.invoice_id} of {invoice.customer} would add a row or a code"
            )
        self._set_invoice(
            index,
            residual=to_units(invoice.amount_residual, f"invoice {invoice.invoice_id}: residual"),
            due_day=invoice.due_date.toordinal(),
            customer=customer,
        )

    # --- look-ups -------------------------------------------------------------------------

    def line_id(self, order_id: str, number: int) -> int | None:
        """The id of open order line ``(order_id, number)``, or None."""
        order = self._keys.orders.get(order_id)
        if order is None:
            return None
        p = self._picture
        lo, hi = int(p.order_line_start[order]), int(p.order_line_start[order + 1])
        k = lo + int(np.searchsorted(p.line_number[lo:hi], number))
        return k if k < hi and int(p.line_number[k]) == number else None

    def inbound_id(self, po_id: str, number: int) -> int | None:
        """The id of open PO line ``(po_id, number)``, or None."""
        po = self._keys.pos.get(po_id)
        if po is None:
            return None
        p = self._picture
        lo = int(np.searchsorted(p.inbound_po, po))
        hi = int(np.searchsorted(p.inbound_po, po, side="right"))
        k = lo + int(np.searchsorted(p.inbound_line[lo:hi], number))
        return k if k < hi and int(p.inbound_line[k]) == number else None

    def _pool_id(self, sku: str, warehouse: str) -> int | None:
        s, w = self._keys.skus.get(sku), self._keys.warehouses.get(warehouse)
        if s is None or w is None:
            return None
        key = w * self._n_skus + s
        k = int(np.searchsorted(self._pool_key, key))
        return k if k < self._pool_key.shape[0] and int(self._pool_key[k]) == key else None

    # --- the refresh ------------------------------------------------------------------------

    def _refresh(
        self,
        *,
        pools: I64 = _EMPTY,
        priority_orders: I64 = _EMPTY,
        promised_orders: I64 = _EMPTY,
        value_lines: I64 = _EMPTY,
        orders: I64 = _EMPTY,
        customers: Iterable[int] = (),
    ) -> None:
        """Recompute what depends on the changed pools, orders, lines and customers.

        Order: money (values, credit sums), then pegging of the touched pools (and of
        the contended pools of orders whose priority moved), then the pick queues of
        the lines whose supply day or priority moved, then credit blocks, transfer
        alternatives, and last the orders whose lines or credit moved.
        """
        p = self._picture
        touched_customers = set(customers)
        dirty: list[I64] = [orders]
        if value_lines.size:
            touched_customers |= self._revalue(value_lines)
        if touched_customers and not self._money_widths_hold(touched_customers):
            touched_customers = self._recompute_money()
        moved_priority = self._lines_of_orders(priority_orders)
        if moved_priority.size:
            line_pools = p.line_pool[moved_priority].astype(np.int64)
            pools = np.concatenate([pools, line_pools[self._pool_contended[line_pools]]])
        repegged = self._repeg(np.unique(pools)) if pools.size else None
        queued = moved_priority
        if repegged is not None:
            queued = np.union1d(queued, repegged.supply_moved)
            dirty.append(p.line_order[repegged.changed].astype(np.int64))
        projected = self._requeue(queued)
        dirty.append(p.line_order[projected].astype(np.int64))
        for c in self._reassess(touched_customers):
            dirty.append(np.flatnonzero(p.order_customer == c).astype(np.int64))
        recheck = [projected, self._lines_of_orders(promised_orders)]
        if repegged is not None:
            recheck += [repegged.changed, self._lines_seeing(repegged.freed)]
        self._recheck_alternatives(np.unique(np.concatenate(recheck)))
        self._reduce(np.unique(np.concatenate(dirty)))

    def _lines_of_orders(self, orders: I64) -> I64:
        starts = self._picture.order_line_start[orders]
        return _ranges(starts, self._picture.order_line_start[orders + 1] - starts)

    def _lines_of_pools(self, pools: I64) -> I64:
        starts = self._pool_line_start[pools]
        return self._lines_by_pool[_ranges(starts, self._pool_line_start[pools + 1] - starts)]

    # --- pegging ------------------------------------------------------------------------------

    def _repeg(self, pools: I64) -> _Repegged:
        """Re-peg ``pools`` (ascending) and write what moved into the engine's arrays."""
        p = self._picture
        day0 = self._day0
        counts = self._pool_line_start[pools + 1] - self._pool_line_start[pools]
        lines = self._lines_of_pools(pools)
        open_qty = p.line_open_qty[lines]
        demand = segment_sums(open_qty, exclusive_cumsum(counts))
        physical = np.maximum(p.pool_on_hand[pools] - p.pool_quality_hold[pools], 0)
        contended = demand > physical
        free = physical - demand
        pool_short = np.zeros(pools.shape[0], dtype=np.int64)

        in_contended = np.repeat(contended, counts)
        easy = lines[~in_contended]
        changed = [
            easy[
                (self._peg_count[easy] > 0)
                | (self._from_stock[easy] != p.line_open_qty[easy])
                | (self._short[easy] != 0)
                | (self._supply[easy] != day0)
            ]
        ]
        supply_moved = [easy[self._supply[easy] != day0]]
        peg_counts = np.zeros(pools.shape[0], dtype=np.int64)
        hard_pools = pools[contended]
        result = None
        if hard_pools.size:
            ordered = subset_in_priority(p, np.sort(lines[in_contended]))
            if hard_pools.size > 1:
                ordered = by_pool(p, ordered)
            inbound_starts = self._pool_inbound_start[hard_pools]
            inbound = self._inbound_by_pool[
                _ranges(inbound_starts, self._pool_inbound_start[hard_pools + 1] - inbound_starts)
            ]
            result = peg(p, ordered, hard_pools, inbound)
            hard = result.lines
            moved = self._pegs_moved(result)
            changed.append(
                hard[
                    moved
                    | (self._from_stock[hard] != result.from_stock)
                    | (self._short[hard] != result.short)
                    | (self._supply[hard] != result.supply_day)
                ]
            )
            supply_moved.append(hard[self._supply[hard] != result.supply_day])
            line_start = exclusive_cumsum(counts[contended])
            peg_counts[contended] = segment_sums(result.peg_count, line_start)
            free[contended] = result.pool_free_stock
            pool_short[contended] = result.pool_short

        # Pegs: splice the pools' blocks, then every line's first peg.
        resized = self._pegs.replace(
            pools,
            peg_counts,
            *(
                (result.peg_kind, result.peg_inbound, result.peg_qty, result.peg_day)
                if result is not None
                else (np.zeros(0, np.int8), _EMPTY, _EMPTY, np.zeros(0, np.int32))
            ),
        )
        if resized:
            self._peg_first_stale = True
        self._from_stock[easy] = p.line_open_qty[easy]
        self._short[easy] = 0
        self._supply[easy] = day0
        self._peg_first[easy] = 0
        self._peg_local[easy] = 0
        self._peg_count[easy] = 0
        self._has_held[easy] = False
        self._has_inbound[easy] = False
        if result is not None:
            self._write_pegged(result, hard_pools, peg_counts[contended])

        freed = pools[self._pool_free[pools] != free]
        self._pool_physical[pools] = physical
        self._pool_demand[pools] = demand
        self._pool_free[pools] = free
        self._pool_short[pools] = pool_short
        inbound_starts = self._pool_inbound_start[pools]
        all_inbound = self._inbound_by_pool[
            _ranges(inbound_starts, self._pool_inbound_start[pools + 1] - inbound_starts)
        ]
        self._unpegged[all_inbound] = p.inbound_open_qty[all_inbound]
        if result is not None:
            self._unpegged[result.inbound] = result.inbound_unpegged
        if not np.array_equal(self._pool_contended[pools], contended):
            self._pool_contended[pools] = contended
            self._contended_pools = np.flatnonzero(self._pool_contended)
        return _Repegged(
            changed=np.concatenate(changed), supply_moved=np.concatenate(supply_moved), freed=freed
        )

    def _pegs_moved(self, result: PegResult) -> Bools:
        """Per line of a peg result: do its pegs differ from the ones it has now?"""
        lines = result.lines
        old_count = self._peg_count[lines]
        moved = old_count != result.peg_count
        same = np.flatnonzero(~moved & (old_count > 0))
        n = old_count[same]
        owners = lines[same]
        first = self._pegs.start[self._picture.line_pool[owners]] + self._peg_local[owners]
        mine = _ranges(first, n)
        theirs = _ranges(result.peg_first[same], n)
        rows = self._pegs.rows
        differs = (
            (rows["kind"][mine] != result.peg_kind[theirs])
            | (rows["inbound"][mine] != result.peg_inbound[theirs])
            | (rows["qty"][mine] != result.peg_qty[theirs])
            | (rows["day"][mine] != result.peg_day[theirs])
        )
        moved[np.repeat(same, n)[differs]] = True
        moved_lines: Bools = moved
        return moved_lines

    def _write_pegged(self, result: PegResult, pools: I64, peg_counts: I64) -> None:
        """Write a peg result's per-line values, first pegs at their global position."""
        lines = result.lines
        self._from_stock[lines] = result.from_stock
        self._short[lines] = result.short
        self._supply[lines] = result.supply_day
        self._peg_count[lines] = result.peg_count
        compact = np.searchsorted(pools, self._picture.line_pool[lines])
        local = result.peg_first - exclusive_cumsum(peg_counts)[:-1][compact]
        self._peg_local[lines] = local
        if not self._peg_first_stale:
            self._peg_first[lines] = self._pegs.start[pools][compact] + local
        owner = np.repeat(np.arange(lines.shape[0]), result.peg_count)
        held = np.zeros(lines.shape[0], dtype=np.bool_)
        held[owner[result.peg_kind == SOURCE_HELD]] = True
        inbound = np.zeros(lines.shape[0], dtype=np.bool_)
        inbound[owner[result.peg_kind == SOURCE_INBOUND]] = True
        self._has_held[lines] = held
        self._has_inbound[lines] = inbound

    def _line_peg_first(self) -> I64:
        """Every line's first peg (``line_peg_first``), brought up to date if pools
        before some contended pool changed their number of pegs since last asked."""
        if self._peg_first_stale:
            lines = self._lines_of_pools(self._contended_pools)
            pools = self._picture.line_pool[lines]
            self._peg_first[lines] = self._pegs.start[pools] + self._peg_local[lines]
            self._peg_first_stale = False
        return self._peg_first

    # --- pick capacity ---------------------------------------------------------------------

    def _start_queues(self) -> None:
        n = self._picture.n_lines
        self._line_key = np.zeros(n, dtype=np.uint64)
        self._queued = np.zeros(n, dtype=np.bool_)
        self._build_queues()

    def _build_queues(self) -> I64:
        """(Re)build every pick queue, with a packing chosen for the current days;
        returns the lines whose projected day this changes (none, unless stale)."""
        p = self._picture
        self._packing = _Packing.choose(p, self._supply)
        self._repack = False
        if self._packing is not None:
            self._words = self._packing.words(p, np.arange(p.n_orders, dtype=np.int64))
        self._queues: dict[int, _PickQueue] = {}
        self._queued[:] = False
        changed: list[I64] = [_EMPTY]
        for w in np.flatnonzero(p.warehouse_capacity > 0).tolist():
            lines = np.flatnonzero(p.line_warehouse == w).astype(np.int64)
            waiting = lines[self._supply[lines] == NULL_DAY]
            changed.append(self._set_projected(waiting, self._supply[waiting]))
            if self._packing is None:
                changed.append(self._schedule_fully(lines))
                continue
            ready = lines[self._supply[lines] != NULL_DAY]
            keys = self._keys_of(ready)
            self._line_key[ready] = keys
            self._queued[ready] = True
            order = np.argsort(keys)
            queue = _PickQueue(int(p.warehouse_capacity[w]), keys[order], self._packing)
            self._queues[w] = queue
            days = queue.days_of(np.arange(queue.size, dtype=np.int64), self._day0)
            changed.append(self._set_projected(ready[order], days))
        return np.concatenate(changed)

    def _keys_of(self, lines: I64) -> U64:
        assert self._packing is not None
        offsets = self._supply[lines].astype(np.int64) - self._day0
        words = self._words[self._picture.line_order[lines]]
        return self._packing.keys(offsets, words, lines)

    def _set_projected(self, lines: I64, days: I32) -> I64:
        """Set the projected day of ``lines``; returns those whose day changed."""
        moved: I64 = lines[self._projected[lines] != days]
        self._projected[lines] = days
        return moved

    def _schedule_fully(self, lines: I64) -> I64:
        """Schedule one warehouse's ``lines`` with the kernel (when its keys cannot be packed)."""
        ordered = subset_in_priority(self._picture, lines)
        days = schedule_capacity(self._picture, ordered, self._supply)
        return self._set_projected(ordered, days)

    def _requeue(self, lines: I64) -> I64:
        """Bring the pick queues up to date for ``lines`` (whose supply day or priority
        may have moved); returns the lines whose projected day changed."""
        if lines.size == 0:
            return _EMPTY
        p = self._picture
        limited = p.warehouse_capacity[p.line_warehouse[lines]] > 0
        free_flow = lines[~limited]
        changed = [self._set_projected(free_flow, self._supply[free_flow])]
        lines = lines[limited]
        if lines.size == 0:
            return changed[0]
        if self._repack or not self._offsets_fit(lines):
            return np.unique(np.concatenate([*changed, self._build_queues()]))
        warehouses = p.line_warehouse[lines]
        for w in np.unique(warehouses).tolist():
            if self._packing is None:
                changed.append(self._schedule_fully(np.flatnonzero(p.line_warehouse == w)))
            else:
                changed.append(self._requeue_warehouse(w, lines[warehouses == w]))
        return np.unique(np.concatenate(changed))

    def _offsets_fit(self, lines: I64) -> bool:
        if self._packing is None:
            return True
        supply = self._supply[lines]
        offsets = supply[supply != NULL_DAY].astype(np.int64) - self._day0
        return self._packing.offsets_fit(offsets)

    def _requeue_warehouse(self, w: int, lines: I64) -> I64:
        """Edit warehouse ``w``'s queue for ``lines`` and re-read the ranks that can
        have changed day (see the module docstring)."""
        assert self._packing is not None
        queue = self._queues[w]
        ready = self._supply[lines] != NULL_DAY
        new_keys = np.zeros(lines.shape[0], dtype=np.uint64)
        new_keys[ready] = self._keys_of(lines[ready])
        was = self._queued[lines]
        old_keys = self._line_key[lines]
        moved = (was != ready) | (ready & (old_keys != new_keys))
        leaving = lines[was & ~ready]
        both = moved & was & ready
        self._queued[lines] = ready
        self._line_key[lines] = new_keys
        changed = [self._set_projected(leaving, self._supply[leaving])]
        if not moved.any():
            return changed[0]
        ranks = queue.edit(
            old_keys[both],
            new_keys[both],
            old_keys[moved & was & ~ready],
            new_keys[moved & ready & ~was],
            self._packing,
        )
        if queue.size == 0:
            return changed[0]
        width = 2 * int(2 * both.sum() + (moved & ~both).sum())
        near = np.concatenate([queue.ranks_near_boundaries(width), ranks])
        near_lines = self._packing.line_of(queue.keys[near])
        changed.append(self._set_projected(near_lines, queue.days_of(near, self._day0)))
        return np.concatenate(changed)

    # --- money and credit ----------------------------------------------------------------

    def _start_money(self) -> None:
        p = self._picture
        self._qty_hist = _decimals_histogram(p.line_open_qty)
        self._price_hist = _decimals_histogram(p.line_unit_price)
        self._qty_max = int(np.abs(p.line_open_qty).max(initial=0))
        self._price_max = int(np.abs(p.line_unit_price).max(initial=0))
        self._format = self._money_format()
        self._limits = rescale(p.customer_credit_limit, DECIMALS, self._format.credit_decimals)
        overdue = p.invoice_customer[self._invoice_overdue]
        self._overdue_count = np.bincount(overdue, minlength=len(p.customer_codes)).astype(np.int64)
        self._total = (
            int(p.line_open_qty.sum()) + int(p.inbound_open_qty.sum()) + int(p.pool_on_hand.sum())
        )

    def _add_to_total(self, delta: int) -> None:
        """Refuse a change after which the kernel's running sums could overflow."""
        if self._total + delta >= MAX_UNITS:
            raise ColumnarPrecisionError(
                "the open demand, stock and inbound quantities would add up to more than "
                "the engine can sum exactly"
            )
        self._total += delta

    def _money_format(self) -> _MoneyFormat:
        """The kernel's choice of decimals and integer width for line values now."""
        da, db = _highest(self._qty_hist), _highest(self._price_hist)
        bound = (
            (self._qty_max // 10 ** (DECIMALS - da))
            * (self._price_max // 10 ** (DECIMALS - db))
            * max(self._picture.n_lines, 1)
        )
        return _MoneyFormat(da, db, bound >= INT64_SAFE)

    @staticmethod
    def _money_column_edit(hist: I64, largest: int, old: int, new: int, values: I64) -> int:
        """Move one value of a money column (already written to ``values``) between
        decimals buckets; returns the column's new largest magnitude."""
        hist[_decimals_of(old)] -= 1
        hist[_decimals_of(new)] += 1
        if abs(new) >= largest:
            return abs(new)
        if abs(old) == largest:
            return int(np.abs(values).max(initial=0))
        return largest

    @staticmethod
    def _add_money(values: Exact, index: int, delta: int) -> None:
        if delta:
            values[index] = int(values[index]) + delta

    def _revalue(self, lines: I64) -> set[int]:
        """Update line, order and customer values of ``lines``; returns the customers
        whose open-order value moved (all of them when money is recomputed in full)."""
        p = self._picture
        fmt = self._money_format()
        if fmt != self._format:
            return self._recompute_money()
        qty_scale = 10 ** (DECIMALS - fmt.qty_decimals)
        price_scale = 10 ** (DECIMALS - fmt.price_decimals)
        factor = 10 ** (fmt.credit_decimals - fmt.value_decimals)
        touched: set[int] = set()
        for line in lines.tolist():
            new = (int(p.line_open_qty[line]) // qty_scale) * (
                int(p.line_unit_price[line]) // price_scale
            )
            delta = new - int(self._line_value[line])
            if delta == 0:
                continue
            self._line_value[line] = new
            order = int(p.line_order[line])
            customer = int(p.order_customer[order])
            self._add_money(self._order_value, order, delta)
            self._add_money(self._customer_value, customer, delta * factor)
            touched.add(customer)
        return touched

    def _move_order_value(self, order: int, old: int, new: int) -> None:
        factor = 10 ** (self._format.credit_decimals - self._format.value_decimals)
        value = int(self._order_value[order]) * factor
        self._add_money(self._customer_value, old, -value)
        self._add_money(self._customer_value, new, value)

    def _money_widths_hold(self, customers: Iterable[int]) -> bool:
        """Whether the kernel would still hold the per-customer sums in the same integer
        width (``rescale`` switches to Python integers past ``2**62``)."""
        fmt = self._format
        checks = [
            (self._customer_value, fmt.value_decimals != fmt.credit_decimals and not fmt.wide)
        ]
        checks.append((self._receivables, fmt.credit_decimals != DECIMALS))
        for values, scaled in checks:
            if not scaled:
                continue
            if values.dtype == object:
                if int(np.abs(values.astype(object)).max(initial=0)) < INT64_SAFE:
                    return False
            elif any(abs(int(values[c])) >= INT64_SAFE for c in customers):
                return False
        return True

    def _recompute_money(self) -> set[int]:
        """Values and credit in full, with the kernel (the picture's money format moved)."""
        p = self._picture
        self._line_value, self._value_decimals = exact_product(p.line_open_qty, p.line_unit_price)
        self._order_value = order_sums(self._line_value, p.order_line_start)
        credit = assess_credit(p, self._order_value, self._value_decimals)
        self._format = self._money_format()
        self._credit_decimals = credit.decimals
        self._receivables = credit.open_receivables
        self._customer_value = credit.open_order_value
        self._limits = rescale(p.customer_credit_limit, DECIMALS, credit.decimals)
        return set(range(len(p.customer_codes)))

    def _reassess(self, customers: Iterable[int]) -> list[int]:
        """Re-assess the credit of ``customers``; returns those whose block changed."""
        p = self._picture
        flipped = []
        for c in sorted(customers):
            over = bool(p.customer_has_limit[c]) and (
                int(self._receivables[c]) + int(self._customer_value[c]) > int(self._limits[c])
            )
            self._over_limit[c] = over
            blocked = bool(p.customer_credit_hold[c]) or over or self._overdue_count[c] > 0
            if blocked != bool(self._blocked[c]):
                self._blocked[c] = blocked
                flipped.append(c)
        return flipped

    # --- transfer alternatives ---------------------------------------------------------------

    def _free_at(self, warehouse: I32, sku: I32) -> I64:
        """Free stock of (warehouse, sku), 0 for a pool the picture lacks."""
        wanted = warehouse.astype(np.int64) * self._n_skus + sku
        n = self._pool_key.shape[0]
        position = np.minimum(np.searchsorted(self._pool_key, wanted), max(n - 1, 0))
        free = np.zeros(wanted.shape[0], dtype=np.int64)
        if n:
            found = self._pool_key[position] == wanted
            free[found] = self._pool_free[position[found]]
        return free

    def _lines_seeing(self, pools: I64) -> I64:
        """Lines that could list a transfer from ``pools``: same SKU, in a warehouse a
        usable lane from the pool's warehouse reaches."""
        if pools.size == 0:
            return _EMPTY
        p = self._picture
        found = []
        for pool in pools.tolist():
            targets = self._targets_of[int(p.pool_warehouse[pool])]
            if targets.size == 0:
                continue
            keys = targets * self._n_skus + int(p.pool_sku[pool])
            position = np.searchsorted(self._pool_key, keys)
            inside = position < self._pool_key.shape[0]
            position, keys = position[inside], keys[inside]
            hits = position[self._pool_key[position] == keys].astype(np.int64)
            found.append(self._lines_of_pools(hits))
        return np.concatenate(found) if found else _EMPTY

    def _alternatives_for(self, lines: I64) -> AlternativeColumns:
        """``transfer_alternatives`` of ``lines`` alone, indexed by position in ``lines``."""
        p = self._picture
        orders = p.line_order[lines]
        promised = p.order_promised[orders]
        projected = self._projected[lines]
        attention = np.flatnonzero(
            (self._short[lines] > 0) | ((projected != NULL_DAY) & (projected > promised))
        )
        warehouse = p.order_warehouse[orders[attention]]
        fan_out = self._lane_start[warehouse + 1] - self._lane_start[warehouse]
        row = np.repeat(attention, fan_out)
        lane = self._usable[_ranges(self._lane_start[warehouse], fan_out)]
        free = self._free_at(p.lane_from[lane], p.line_sku[lines[row]])
        keep = free > 0
        row, lane, free = row[keep], lane[keep], free[keep]
        transit = p.lane_transit_days[lane]
        arrival = (p.as_of_day + transit).astype(np.int32)
        count = np.bincount(row, minlength=lines.shape[0]).astype(np.int64)
        return AlternativeColumns(
            first=exclusive_cumsum(count)[:-1],
            count=count,
            from_warehouse=p.lane_from[lane],
            free_qty=free,
            transit_days=transit,
            arrival_day=arrival,
            makes_promise=arrival <= promised[row],
        )

    def _recheck_alternatives(self, lines: I64) -> None:
        """Recompute the alternatives of ``lines`` and write in those that changed."""
        if lines.size == 0:
            return
        new = self._alternatives_for(lines)
        rows = self._alt_rows
        same_count = self._alt_count[lines] == new.count
        n = np.where(same_count, new.count, 0)
        where_old = _ranges(self._alt_first[lines], n)
        where_new = _ranges(new.first, n)
        differs = np.zeros(where_old.shape[0], dtype=np.bool_)
        for name in _LISTING_ROWS:
            differs |= rows[name][where_old] != getattr(new, name)[where_new]
        moved = ~same_count
        moved[np.repeat(np.arange(lines.shape[0]), n)[differs]] = True
        if not moved.any():
            return
        lines, count = lines[moved], new.count[moved]
        taken = _ranges(new.first[moved], count)
        old_count = self._alt_count[lines]
        rows.replace(
            self._alt_first[lines],
            old_count,
            count,
            {name: getattr(new, name)[taken] for name in _LISTING_ROWS},
        )
        self._alt_count[lines] = count
        _shift_after(self._alt_first, lines, count - old_count)

    # --- orders --------------------------------------------------------------------------

    def _reduce(self, orders: I64) -> None:
        """Rebuild ``orders`` (ascending) from their lines with the kernel's reduction."""
        if orders.size == 0:
            return
        p = self._picture
        starts = p.order_line_start[orders]
        counts = p.order_line_start[orders + 1] - starts
        lines = _ranges(starts, counts)
        ids = p.order_ids
        sub = dataclasses.replace(
            p,
            order_ids=tuple(ids[o] for o in orders.tolist()),
            order_line_start=exclusive_cumsum(counts),
            order_customer=p.order_customer[orders],
            order_promised=p.order_promised[orders],
            line_open_qty=p.line_open_qty[lines],
        )
        columns = reduce_orders(
            sub,
            short=self._short[lines],
            from_stock=self._from_stock[lines],
            supply_day=self._supply[lines],
            projected_day=self._projected[lines],
            has_held=self._has_held[lines],
            has_inbound=self._has_inbound[lines],
            credit_blocked=self._blocked,
        )
        self._order_blockers[orders] = columns.blockers
        self._order_status[orders] = columns.status
        self._order_allocation[orders] = columns.allocation
        self._order_ship_day[orders] = columns.projected_ship_day
        self._order_at_risk[orders] = columns.at_risk
        self._order_days_late[orders] = columns.days_late

    # --- PO lines leaving the picture ---------------------------------------------------

    def _pool_alive(self, pool: int) -> bool:
        return bool(
            self._stock_rows[pool]
            or self._pool_line_start[pool + 1] > self._pool_line_start[pool]
            or self._pool_inbound_start[pool + 1] > self._pool_inbound_start[pool]
        )

    def _close_inbound(self, j: int) -> int:
        """Take inbound line ``j`` out of the picture (fully received or cancelled), and
        its PO and pool when nothing else keeps them; returns the pool's id after, or
        -1 when the pool left too."""
        p = self._picture
        pool, po = int(p.inbound_pool[j]), int(p.inbound_po[j])
        inbound_po = np.delete(p.inbound_po, j)
        po_ids = p.po_ids
        if not (inbound_po == po).any():
            po_ids = po_ids[:po] + po_ids[po + 1 :]
            inbound_po[inbound_po > po] -= 1
            self._keys.pos = {code: i for i, code in enumerate(po_ids)}
        self._picture = dataclasses.replace(
            p,
            po_ids=po_ids,
            inbound_po=inbound_po,
            inbound_line=np.delete(p.inbound_line, j),
            inbound_pool=np.delete(p.inbound_pool, j),
            inbound_open_qty=np.delete(p.inbound_open_qty, j),
            inbound_expected=np.delete(p.inbound_expected, j),
        )
        self._unpegged = np.delete(self._unpegged, j)
        pegged = self._pegs.rows["inbound"]
        pegged[pegged > j] -= 1
        k = int(np.flatnonzero(self._inbound_by_pool == j)[0])
        self._inbound_by_pool = np.delete(self._inbound_by_pool, k)
        self._inbound_by_pool[self._inbound_by_pool > j] -= 1
        self._pool_inbound_start[pool + 1 :] -= 1
        if self._pool_alive(pool):
            return pool
        self._remove_pool(pool)
        return -1

    def _remove_pool(self, pool: int) -> None:
        """Take a pool with no lines, no inbound and no stock row out of the picture."""
        p = self._picture
        line_pool = p.line_pool
        line_pool[line_pool > pool] -= 1
        inbound_pool = p.inbound_pool
        inbound_pool[inbound_pool > pool] -= 1
        self._picture = dataclasses.replace(
            p,
            pool_warehouse=np.delete(p.pool_warehouse, pool),
            pool_sku=np.delete(p.pool_sku, pool),
            pool_on_hand=np.delete(p.pool_on_hand, pool),
            pool_quality_hold=np.delete(p.pool_quality_hold, pool),
        )
        for name in (
            "_pool_physical",
            "_pool_free",
            "_pool_demand",
            "_pool_short",
            "_pool_contended",
            "_stock_rows",
            "_pool_key",
        ):
            setattr(self, name, np.delete(getattr(self, name), pool))
        self._pool_line_start = np.delete(self._pool_line_start, pool)
        self._pool_inbound_start = np.delete(self._pool_inbound_start, pool)
        self._pegs.start = np.delete(self._pegs.start, pool)
        self._contended_pools = np.flatnonzero(self._pool_contended)


def _own_picture(picture: ColumnarPicture) -> ColumnarPicture:
    """A copy of ``picture`` whose arrays the engine may edit in place."""
    copies: dict[str, Any] = {
        f.name: field.copy()
        for f in dataclasses.fields(picture)
        if isinstance(field := getattr(picture, f.name), np.ndarray)
    }
    return dataclasses.replace(picture, **copies)


# --------------------------------------------------------------------- comparison


def _array_differences(where: str, expected: object, actual: object, found: list[str]) -> None:
    if isinstance(expected, np.ndarray) and isinstance(actual, np.ndarray):
        if expected.dtype != actual.dtype:
            found.append(f"{where}: dtype {expected.dtype} expected, got {actual.dtype}")
        elif expected.shape != actual.shape:
            found.append(f"{where}: shape {expected.shape} expected, got {actual.shape}")
        elif not np.array_equal(expected, actual):
            at = np.flatnonzero(expected != actual)[:5].tolist()
            found.append(
                f"{where}: differs at {at}: expected {expected[at].tolist()}, "
                f"got {actual[at].tolist()}"
            )
    elif dataclasses.is_dataclass(expected) and dataclasses.is_dataclass(actual):
        for f in dataclasses.fields(expected):
            if f.name != "picture":
                _array_differences(
                    f"{where}.{f.name}", getattr(expected, f.name), getattr(actual, f.name), found
                )
    elif expected != actual:
        found.append(f"{where}: {expected!r} expected, got {actual!r}")


def analysis_array_differences(expected: ColumnarAnalysis, actual: ColumnarAnalysis) -> list[str]:
    """Every array (and value) of two columnar analyses that differs, with its dtype;
    empty exactly when they are equal. Pictures are compared separately."""
    found: list[str] = []
    _array_differences("analysis", expected, actual, found)
    return found


def picture_array_differences(expected: ColumnarPicture, actual: ColumnarPicture) -> list[str]:
    """Every field of two columnar pictures that differs; empty exactly when equal."""
    found: list[str] = []
    for f in dataclasses.fields(expected):
        _array_differences(
            f"picture.{f.name}", getattr(expected, f.name), getattr(actual, f.name), found
        )
    return found
