"""What the columnar order, pool, PO and credit detectors share: their words, in bulk.

The reference detectors word each finding from value objects (``OrderOutcome``,
``LineOutcome``, pegs, transfer alternatives). Here the same sentences are assembled
from the kernel's arrays for many candidates at once: codes become strings with one
gather, every distinct quantity or date is formatted once, each kind of sentence is
made by one comprehension over the candidates that need it, and the pieces are put in
the reference order by one sort of integer keys. Nothing here loops over the whole
picture in Python.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

import numpy as np
import numpy.typing as npt

from controltower.detectors.base import (
    customer_subject,
    order_subject,
    po_subject,
    pool_subject,
    product_entity,
    supplier_entity,
    warehouse_subject,
)
from controltower.detectors.columnar.context import (
    TIERS,
    ColumnarDetectionContext,
    spans,
    starts_of,
)
from controltower.domain.cases import SEVERITY_ORDER, Severity, severity_rank
from controltower.domain.columnar import NULL_DAY, QTY_SCALE, from_units
from controltower.domain.explain import _join, credit_sentences, format_money, format_qty, plural
from controltower.domain.kernel import (
    BLOCKER_CAPACITY,
    BLOCKER_CREDIT,
    BLOCKER_QUALITY,
    SOURCE_HELD,
    SOURCE_INBOUND,
)
from controltower.domain.model import Tier
from controltower.domain.tables import I64, Bools, Texts

Ints = npt.NDArray[np.integer]
#: amounts as the kernel holds them: int64, or Python ints where a sum could overflow
Amounts = npt.NDArray[np.int64] | npt.NDArray[np.object_]

#: the widest span of values a lookup table is built for (else each distinct value)
_TABLE_SPAN: Final = 1 << 16
_INT64_LIMIT: Final = 1 << 63

# --------------------------------------------------------------- formatting in bulk


def int_texts(values: Ints) -> list[str]:
    """``str`` of each whole number (through a table when the values are close)."""
    if not values.size:
        return []
    low, high = int(values.min()), int(values.max())
    if high - low < _TABLE_SPAN:
        table = np.array([str(v) for v in range(low, high + 1)], dtype=object)
        found: list[str] = table[values - low].tolist()
        return found
    return [str(v) for v in values.tolist()]


def day_texts(days: Ints) -> list[str]:
    """The ISO date of each day number (through a table of the days spanned)."""
    if not days.size:
        return []
    low, high = int(days.min()), int(days.max())
    if high - low < _TABLE_SPAN:
        table = np.array(
            [date.fromordinal(d).isoformat() for d in range(low, high + 1)], dtype=object
        )
        found: list[str] = table[days.astype(np.int64) - low].tolist()
        return found
    distinct, inverse = np.unique(days, return_inverse=True)
    words = [date.fromordinal(d).isoformat() for d in distinct.tolist()]
    return [words[k] for k in inverse.ravel().tolist()]


def day_text(day: int) -> str:
    """The ISO date of one day number."""
    return date.fromordinal(day).isoformat()


def qty_texts(units: Ints) -> list[str]:
    """``format_qty`` of each millionths value (each distinct value formatted once)."""
    if not units.size:
        return []
    distinct, inverse = np.unique(units, return_inverse=True)
    table = np.array([format_qty(from_units(u)) for u in distinct.tolist()], dtype=object)
    found: list[str] = table[inverse.ravel()].tolist()
    return found


def money_text(units: int, decimals: int) -> str:
    """``format_money`` of ``units`` counted in ``10**-decimals``, without a Decimal for
    the common case of whole cents."""
    if decimals <= 2:
        cents = units * 10 ** (2 - decimals)
    else:
        cents, rest = divmod(units, 10 ** (decimals - 2))
        if rest:
            return format_money(from_units(units, decimals))
    whole, fraction = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole:,}.{fraction:02d}"


def money_texts(amounts: Amounts, decimals: int) -> list[str]:
    """:func:`money_text` of each amount (in ``10**-decimals``)."""
    if amounts.dtype == object or decimals < 2:
        return [money_text(int(a), decimals) for a in amounts.tolist()]
    step = 10 ** (decimals - 2)
    cents = amounts // step
    exact = (cents * step == amounts).tolist()
    whole, fraction = np.divmod(np.abs(cents), 100)
    return [
        f"{'-' if a < 0 else ''}{w:,}.{f:02d}" if ok else money_text(a, decimals)
        for a, w, f, ok in zip(
            amounts.tolist(), whole.tolist(), fraction.tolist(), exact, strict=True
        )
    ]


def portions(qty: Ints, open_qty: Ints, skus: Sequence[str]) -> list[str]:
    """``explain.portion`` of each (qty, line open qty, sku): ``15 of 40 X``, ``all 40 X``."""
    part = (qty < open_qty).tolist()
    single = (open_qty <= QTY_SCALE).tolist()
    return [
        f"{q} of {o} {s}" if p else (f"{q} {s}" if one else f"all {q} {s}")
        for q, o, s, p, one in zip(
            qty_texts(qty), qty_texts(open_qty), skus, part, single, strict=True
        )
    ]


def sums_of_products(qty: Ints, price: Ints, start: I64) -> list[int]:
    """Exact ``sum(qty * price)`` (at 12 decimals) of each group ``[start[k], start[k+1])``."""
    products = [q * p for q, p in zip(qty.tolist(), price.tolist(), strict=True)]
    cumulative = [0, *itertools.accumulate(products)]
    bounds = start.tolist()
    return [cumulative[b] - cumulative[a] for a, b in itertools.pairwise(bounds)]


def sums_of(values: Amounts, start: I64) -> list[int]:
    """Exact sums of the groups ``[start[k], start[k+1])`` of ``values``."""
    cumulative = [0, *itertools.accumulate(int(v) for v in values.tolist())]
    bounds = start.tolist()
    return [cumulative[b] - cumulative[a] for a, b in itertools.pairwise(bounds)]


def first_in_runs(keys: Ints) -> Bools:
    """For ``keys`` sorted ascending, where each run of equal keys starts."""
    found: Bools = np.ones(keys.shape[0], dtype=np.bool_)
    found[1:] = keys[1:] != keys[:-1]
    return found


def last_in_runs(keys: Ints) -> Bools:
    """For ``keys`` sorted ascending, where each run of equal keys ends."""
    found: Bools = np.ones(keys.shape[0], dtype=np.bool_)
    found[:-1] = keys[1:] != keys[:-1]
    return found


def group_bounds(owner: Ints, n: int) -> list[int]:
    """For ``owner`` sorted ascending, where each of the ``n`` owners' run starts (and
    the end), as a list for slicing Python lists."""
    bounds: list[int] = np.searchsorted(owner, np.arange(n + 1)).tolist()
    return bounds


# ------------------------------------------------------------------------ severity


def _at_least(bound: Decimal, decimals: int) -> int:
    """The least amount in ``10**-decimals`` units that is ``>= bound``."""
    return math.ceil(bound.scaleb(decimals))


def ladder_ranks(context: ColumnarDetectionContext, amounts: Amounts, decimals: int) -> I64:
    """The rank of ``context.severity_for_value`` of each amount (in ``10**-decimals``),
    with the ladder's precedence (critical, then high, then medium)."""
    ladder = context.ladder

    def reaches(bound: Decimal) -> Bools:
        least = _at_least(bound, decimals)
        values = amounts if least < _INT64_LIMIT else amounts.astype(object)
        return np.asarray(values >= least).astype(np.bool_)

    ranks: I64 = np.select(
        [reaches(ladder.critical), reaches(ladder.high), reaches(ladder.medium)],
        [3, 2, 1],
        default=0,
    ).astype(np.int64)
    return ranks


def severities(ranks: I64, floor: Severity, raises: I64 | int = 0) -> list[Severity]:
    """``raise_severity(highest_severity([floor, ladder]), raises)`` from ladder ranks."""
    top = len(SEVERITY_ORDER) - 1
    final = np.minimum(np.maximum(ranks, severity_rank(floor)) + raises, top)
    return [SEVERITY_ORDER[r] for r in final.tolist()]


# ----------------------------------------------------------------- order stories


@dataclass(frozen=True, slots=True)
class OrderStories:
    """What the reference order findings derive from the ``OrderOutcome`` of each of
    some orders, as lists aligned with those orders."""

    #: ``" ".join(outcome.explanation)``
    explanation: list[str]
    #: ``"; ".join(order_at_risk.next_steps(...))``
    next_steps: list[str]
    #: ``base.order_cause``
    cause: list[str]
    #: ``base.order_entities``
    entities: list[tuple[str, ...]]


class OrderStoryBook:
    """Order stories, built in bulk on first request and kept for every picture order
    asked about (the order detectors share them)."""

    def __init__(self, context: ColumnarDetectionContext) -> None:
        self._context = context
        self._position: I64 = np.full(context.picture.n_orders, -1, dtype=np.int64)
        self._told = OrderStories([], [], [], [])

    def of(self, orders: Ints) -> OrderStories:
        """The stories of the picture orders ``orders``, in that order."""
        told = self._told
        missing = np.unique(orders[self._position[orders] < 0])
        if missing.size:
            count = len(told.explanation)
            self._position[missing] = np.arange(count, count + missing.shape[0])
            new = _tell(self._context, missing.astype(np.int64))
            told.explanation.extend(new.explanation)
            told.next_steps.extend(new.next_steps)
            told.cause.extend(new.cause)
            told.entities.extend(new.entities)
        at = self._position[orders].tolist()
        return OrderStories(
            [told.explanation[i] for i in at],
            [told.next_steps[i] for i in at],
            [told.cause[i] for i in at],
            [told.entities[i] for i in at],
        )


@dataclass(frozen=True, slots=True)
class _Lines:
    """The open lines of some orders, grouped by order and in line order."""

    orders: I64
    #: lines of ``orders[k]`` are positions ``start[k]:start[k + 1]`` of the arrays below
    start: I64
    line: I64
    owner: I64
    #: position of the line within its order
    pos: I64
    number: Texts
    sku: Texts
    warehouse: Texts
    open_qty: I64
    from_stock: I64
    short: I64
    supply: I64
    projected: I64
    delay: I64
    simple: Bools


@dataclass(frozen=True, slots=True)
class _Pegs:
    """The future-supply pegs of some lines, line after line in the order taken."""

    peg: I64
    #: position in the ``_Lines`` arrays of the line that took it
    holder: I64
    #: position among the pegs of its line
    rank: I64
    kind: npt.NDArray[np.int8]
    day: I64
    #: picture inbound line (-1 for held stock)
    inbound: I64


def _lines_of(context: ColumnarDetectionContext, orders: I64) -> _Lines:
    """The lines of ``orders`` with what every sentence about them reads, gathered once."""
    p, r = context.picture, context.result
    first = p.order_line_start[orders]
    count = p.order_line_start[orders + 1] - first
    start = starts_of(count)
    line = spans(first, count)
    owner = np.repeat(np.arange(orders.shape[0], dtype=np.int64), count)
    supply = r.line_supply_day[line].astype(np.int64)
    projected = r.line_projected_day[line].astype(np.int64)
    dated = (supply != NULL_DAY) & (projected != NULL_DAY)
    delay = np.where(dated, projected - supply, 0)
    open_qty = p.line_open_qty[line]
    from_stock = r.line_from_stock[line]
    numbers = np.empty(line.shape[0], dtype=object)
    numbers[:] = int_texts(p.line_number[line])
    return _Lines(
        orders=orders,
        start=start,
        line=line,
        owner=owner,
        pos=np.arange(line.shape[0], dtype=np.int64) - start[owner],
        number=numbers,
        sku=context.code_array(p.sku_codes)[p.line_sku[line]],
        warehouse=context.code_array(p.warehouse_codes)[p.line_warehouse[line]],
        open_qty=open_qty,
        from_stock=from_stock,
        short=r.line_short[line],
        supply=supply,
        projected=projected,
        delay=delay,
        simple=(from_stock >= open_qty) & (delay == 0),
    )


def _pegs_of(context: ColumnarDetectionContext, lines: I64) -> _Pegs:
    """The pegs of ``lines`` (picture line ids), in the order each line took them."""
    r = context.result
    count = r.line_peg_count[lines]
    peg = spans(r.line_peg_first[lines], count)
    holder = np.repeat(np.arange(lines.shape[0], dtype=np.int64), count)
    rank = np.arange(peg.shape[0], dtype=np.int64) - starts_of(count)[holder]
    return _Pegs(
        peg=peg,
        holder=holder,
        rank=rank,
        kind=r.peg_kind[peg],
        day=r.peg_day[peg].astype(np.int64),
        inbound=r.peg_inbound[peg],
    )


def _tell(context: ColumnarDetectionContext, orders: I64) -> OrderStories:
    """The stories of ``orders`` (ascending picture order ids)."""
    lines = _lines_of(context, orders)
    pegs = _pegs_of(context, lines.line)
    return OrderStories(
        _explanations(context, lines, pegs),
        _next_steps(context, lines, pegs),
        _causes(context, lines, pegs),
        _entities(context, lines, pegs),
    )


class _Pieces:
    """Text pieces of many orders, each with a key that places it; joined per order.

    A key packs (order, section, line position, rank): sorting the keys puts every
    order's pieces in the order the reference writes them.
    """

    def __init__(self, n_orders: int) -> None:
        self._n = n_orders
        self._keys: list[I64] = []
        self._texts: list[str] = []

    def add(
        self, owner: Ints, section: int, pos: Ints | int, rank: Ints | int, texts: list[str]
    ) -> None:
        key = (owner.astype(np.int64) << 40) | (section << 36)
        key = key | (np.asarray(pos, dtype=np.int64) << 18) | np.asarray(rank, dtype=np.int64)
        self._keys.append(np.broadcast_to(key, (len(texts),)).astype(np.int64))
        self._texts.extend(texts)

    def joined(self, separator: str) -> list[str]:
        if not self._texts:
            return [""] * self._n
        keys = np.concatenate(self._keys)
        order = np.argsort(keys, kind="stable")
        pieces = np.empty(len(self._texts), dtype=object)
        pieces[:] = self._texts
        texts = pieces[order].tolist()
        bounds = group_bounds(keys[order] >> 40, self._n)
        return [separator.join(texts[a:b]) for a, b in itertools.pairwise(bounds)]


_HELD_RANK: Final = 1
_INBOUND_RANK: Final = 1 << 16
_SHORT_RANK: Final = (1 << 18) - 2
_CAPACITY_RANK: Final = (1 << 18) - 1


def _ship_clauses(
    ship: list[str], blocked: list[bool], late: list[int], promised: list[str], *, brief: bool
) -> list[str]:
    """``explain._ship_clause`` for many orders."""
    clauses: list[str] = []
    for day, credit, days, promise in zip(ship, blocked, late, promised, strict=True):
        when = day + (" once credit is released" if credit else "")
        if days > 0:
            clauses.append(f"{when}, {plural(days, 'day')} after the promised {promise}")
        elif brief:
            clauses.append(f"{when}, on time")
        else:
            clauses.append(f"{when}, on time for the promise of {promise}")
    return clauses


def _explanations(context: ColumnarDetectionContext, lines: _Lines, pegs: _Pegs) -> list[str]:
    """``" ".join(explain_order(...))`` of every order of ``lines``."""
    p, r = context.picture, context.result
    orders = lines.orders
    k = orders.shape[0]
    pieces = _Pieces(k)
    every = np.arange(k, dtype=np.int64)
    customer = p.order_customer[orders]
    blocked = r.credit.blocked[customer]
    _credit_pieces(context, pieces, every[blocked], customer[blocked])

    order_wh = context.code_array(p.warehouse_codes)[p.order_warehouse[orders]]
    promised = day_texts(p.order_promised[orders])
    late = np.maximum(r.order_days_late[orders], 0)
    n_lines = np.diff(lines.start)
    n_simple = np.add.reduceat(lines.simple.astype(np.int64), lines.start[:-1]) if k else n_lines
    all_simple = n_simple == n_lines
    ship_day = r.order_projected_ship_day[orders].astype(np.int64)

    chosen = every[all_simple]
    if chosen.size:
        ship = day_texts(np.where(ship_day[chosen] == NULL_DAY, p.as_of_day, ship_day[chosen]))
        clauses = _ship_clauses(
            ship,
            blocked[chosen].tolist(),
            late[chosen].tolist(),
            [promised[o] for o in chosen.tolist()],
            brief=True,
        )
        pieces.add(
            chosen,
            2,
            0,
            0,
            [
                f"{f'Line {number} is' if count == 1 else f'All {count} lines are'} covered "
                f"from stock in {wh}; ships {clause}."
                for number, count, wh, clause in zip(
                    lines.number[lines.start[chosen]].tolist(),
                    n_lines[chosen].tolist(),
                    order_wh[chosen].tolist(),
                    clauses,
                    strict=True,
                )
            ],
        )

    _line_pieces(context, pieces, lines, pegs)

    mixed = every[~all_simple & (n_simple > 0)]
    if mixed.size:
        simple_at = np.flatnonzero(lines.simple & ~all_simple[lines.owner])
        bounds = group_bounds(lines.owner[simple_at], k)
        numbers = lines.number[simple_at].tolist()
        texts = []
        for o, wh in zip(mixed.tolist(), order_wh[mixed].tolist(), strict=True):
            which = numbers[bounds[o] : bounds[o + 1]]
            subject = f"Line {which[0]} is" if len(which) == 1 else f"Lines {_join(which)} are"
            texts.append(f"{subject} covered from stock in {wh}.")
        pieces.add(mixed, 2, 0, 0, texts)

    told = every[~all_simple]
    if told.size:
        dated = told[ship_day[told] != NULL_DAY]
        undated = told[ship_day[told] == NULL_DAY]
        pieces.add(
            undated,
            3,
            0,
            0,
            [
                f"No ship date until the shortage is covered; promised {promised[o]}."
                for o in undated.tolist()
            ],
        )
        clauses = _ship_clauses(
            day_texts(ship_day[dated]),
            blocked[dated].tolist(),
            late[dated].tolist(),
            [promised[o] for o in dated.tolist()],
            brief=False,
        )
        pieces.add(dated, 3, 0, 0, [f"Projected to ship {c}." for c in clauses])
    _alternative_pieces(context, pieces, lines, promised)
    return pieces.joined(" ")


def _credit_pieces(
    context: ColumnarDetectionContext, pieces: _Pieces, owners: I64, customers: Ints
) -> None:
    """The credit sentences of each blocked order's customer (worded once per customer)."""
    if not owners.size:
        return
    block_days = context.picture.policy.overdue_days_block
    words = {
        c: " ".join(credit_sentences(context.credit_assessment(c), block_days))
        for c in np.unique(customers).tolist()
    }
    texts = [words[c] for c in customers.tolist()]
    keep = np.array([bool(t) for t in texts], dtype=np.bool_)
    pieces.add(owners[keep], 0, 0, 0, [t for t in texts if t])


def _line_pieces(
    context: ColumnarDetectionContext, pieces: _Pieces, lines: _Lines, pegs: _Pegs
) -> None:
    """``explain.line_sentences`` of every line (simple lines have none)."""
    part = np.flatnonzero((lines.from_stock > 0) & (lines.from_stock < lines.open_qty))
    if part.size:
        texts = portions(lines.from_stock[part], lines.open_qty[part], lines.sku[part].tolist())
        pieces.add(
            lines.owner[part],
            1,
            lines.pos[part],
            0,
            [
                f"Line {n}: {t} come from stock in {wh}."
                for n, t, wh in zip(
                    lines.number[part].tolist(), texts, lines.warehouse[part].tolist(), strict=True
                )
            ],
        )

    qty = context.result.peg_qty[pegs.peg]
    held = np.flatnonzero(pegs.kind == SOURCE_HELD)
    if held.size:
        at = pegs.holder[held]
        texts = portions(qty[held], lines.open_qty[at], lines.sku[at].tolist())
        pieces.add(
            lines.owner[at],
            1,
            lines.pos[at],
            _HELD_RANK + pegs.rank[held],
            [
                f"Line {n}: {t} are held by quality in {wh}, expected to be released {d}."
                for n, t, wh, d in zip(
                    lines.number[at].tolist(),
                    texts,
                    lines.warehouse[at].tolist(),
                    day_texts(pegs.day[held]),
                    strict=True,
                )
            ],
        )

    inbound = np.flatnonzero(pegs.kind == SOURCE_INBOUND)
    if inbound.size:
        at = pegs.holder[inbound]
        texts = portions(qty[inbound], lines.open_qty[at], lines.sku[at].tolist())
        pieces.add(
            lines.owner[at],
            1,
            lines.pos[at],
            _INBOUND_RANK + pegs.rank[inbound],
            [
                f"Line {n}: {t} wait on {s}; available to pick {d}."
                for n, t, s, d in zip(
                    lines.number[at].tolist(),
                    texts,
                    _inbound_phrases(context, pegs.inbound[inbound]),
                    day_texts(pegs.day[inbound]),
                    strict=True,
                )
            ],
        )

    short = np.flatnonzero(lines.short > 0)
    if short.size:
        texts = portions(lines.short[short], lines.open_qty[short], lines.sku[short].tolist())
        pieces.add(
            lines.owner[short],
            1,
            lines.pos[short],
            _SHORT_RANK,
            [
                f"Line {n}: {t} have no supply: no stock, quality-held stock or open "
                f"purchase order in {wh} is left for them."
                for n, t, wh in zip(
                    lines.number[short].tolist(),
                    texts,
                    lines.warehouse[short].tolist(),
                    strict=True,
                )
            ],
        )

    slow = np.flatnonzero(lines.delay > 0)
    if slow.size:
        _capacity_pieces(context, pieces, lines, slow)


def _capacity_pieces(
    context: ColumnarDetectionContext, pieces: _Pieces, lines: _Lines, slow: I64
) -> None:
    """The sentence of each line that warehouse capacity made later."""
    p = context.picture
    vocab = context.vocab_warehouse_of_picture_warehouse[p.line_warehouse[lines.line[slow]]]
    row = context.warehouse_row[vocab]
    capacity = np.where(row >= 0, context.tables.warehouses.capacity[np.maximum(row, 0)], -1)
    in_stock = (lines.from_stock[slow] >= lines.open_qty[slow]).tolist()
    stocked = portions(lines.open_qty[slow], lines.open_qty[slow], lines.sku[slow].tolist())
    texts = []
    for n, wh, cap, full, stock, ready, picked, delay in zip(
        lines.number[slow].tolist(),
        lines.warehouse[slow].tolist(),
        capacity.tolist(),
        in_stock,
        stocked,
        day_texts(lines.supply[slow]),
        day_texts(lines.projected[slow]),
        lines.delay[slow].tolist(),
        strict=True,
    ):
        limit = f"picks at most {plural(cap, 'line')} a day" if cap > 0 else "is full"
        where = f"{stock} are in stock in {wh}" if full else f"ready {ready}"
        texts.append(
            f"Line {n}: {where}, but {wh} {limit}, so the line is picked "
            f"{picked} ({plural(delay, 'day')} later)."
        )
    pieces.add(lines.owner[slow], 1, lines.pos[slow], _CAPACITY_RANK, texts)


def _inbound_phrases(context: ColumnarDetectionContext, inbound: I64) -> list[str]:
    """``PO77 from SUP-ACME (Acme), expected ... , not confirmed by the supplier`` for
    each picture inbound line (each distinct line worded once)."""
    distinct, inverse = np.unique(inbound, return_inverse=True)
    table = np.array([_inbound_phrase(context, j) for j in distinct.tolist()], dtype=object)
    found: list[str] = table[inverse.ravel()].tolist()
    return found


def _inbound_phrase(context: ColumnarDetectionContext, j: int) -> str:
    """What ``explain.inbound_sentence`` says of the PO line between ``wait on`` and the
    pick date."""
    p = context.picture
    po = int(p.inbound_po[j])
    row = int(context.purchase_order_row[context.vocab_po_of_picture_po[po]])
    if row < 0:
        return f"{p.po_ids[po]} from an unknown supplier"
    orders = context.tables.purchase_orders
    supplier = context.supplier_phrase(int(orders.supplier[row]))
    expected = int(p.inbound_expected[j])
    overdue = p.as_of_day - expected
    lateness = f" ({plural(overdue, 'day')} overdue)" if overdue > 0 else ""
    confirmed_day = int(orders.confirmed_date[row])
    confirmed = (
        f", confirmed by the supplier on {day_text(confirmed_day)}"
        if confirmed_day != NULL_DAY
        else ", not confirmed by the supplier"
    )
    return f"{p.po_ids[po]} from {supplier}, expected {day_text(expected)}{lateness}{confirmed}"


def _alternative_pieces(
    context: ColumnarDetectionContext, pieces: _Pieces, lines: _Lines, promised: list[str]
) -> None:
    """``explain.alternative_sentences`` of every line not simply served from stock."""
    p, alt = context.picture, context.result.alternatives
    told = np.flatnonzero(~lines.simple)
    count = alt.count[lines.line[told]]
    found = spans(alt.first[lines.line[told]], count)
    if not found.size:
        return
    at = np.repeat(told, count)
    rank = np.arange(found.shape[0], dtype=np.int64) - np.repeat(starts_of(count)[:-1], count)
    texts = []
    for n, sku, owner, source, free, transit, arrival, makes in zip(
        lines.number[at].tolist(),
        lines.sku[at].tolist(),
        lines.owner[at].tolist(),
        context.code_array(p.warehouse_codes)[alt.from_warehouse[found]].tolist(),
        qty_texts(alt.free_qty[found]),
        alt.transit_days[found].tolist(),
        day_texts(alt.arrival_day[found]),
        alt.makes_promise[found].tolist(),
        strict=True,
    ):
        verdict = (
            "in time for the promise" if makes else f"too late for the promise of {promised[owner]}"
        )
        texts.append(
            f"Line {n}: {source} has {free} {sku} free; a transfer takes "
            f"{plural(transit, 'day')}, arriving {arrival}, {verdict}."
        )
    pieces.add(lines.owner[at], 4, lines.pos[at], rank, texts)


def _next_steps(context: ColumnarDetectionContext, lines: _Lines, pegs: _Pegs) -> list[str]:
    """``"; ".join(order_at_risk.next_steps(...))`` of every order of ``lines``."""
    p, r, tables = context.picture, context.result, context.tables
    orders = lines.orders
    k = orders.shape[0]
    pieces = _Pieces(k)
    every = np.arange(k, dtype=np.int64)
    blockers = r.order_blockers[orders].astype(np.int64)
    customers = context.code_array(p.customer_codes)[p.order_customer[orders]]
    order_wh = context.code_array(p.warehouse_codes)[p.order_warehouse[orders]]

    credit = every[(blockers & BLOCKER_CREDIT) != 0]
    pieces.add(
        credit,
        0,
        0,
        0,
        [f"ask finance to review the credit block on {c}" for c in customers[credit].tolist()],
    )

    alt = r.alternatives
    count = alt.count[lines.line]
    found = spans(alt.first[lines.line], count)
    holder = np.repeat(np.arange(lines.line.shape[0], dtype=np.int64), count)
    makes = np.flatnonzero(alt.makes_promise[found])
    makes = makes[first_in_runs(holder[makes])]
    rescued, rescue = holder[makes], found[makes]
    pieces.add(
        lines.owner[rescued],
        1,
        lines.pos[rescued],
        0,
        [
            f"transfer {sku} from {source} (arrives {arrival}, in time)"
            for sku, source, arrival in zip(
                lines.sku[rescued].tolist(),
                context.code_array(p.warehouse_codes)[alt.from_warehouse[rescue]].tolist(),
                day_texts(alt.arrival_day[rescue]),
                strict=True,
            )
        ],
    )

    owner = lines.owner[pegs.holder]
    late = (pegs.kind == SOURCE_INBOUND) & (pegs.day > p.order_promised[orders][owner])
    n_pos = max(len(p.po_ids), 1)
    pairs = np.unique(owner[late] * n_pos + p.inbound_po[pegs.inbound[late]])
    chased = pairs // n_pos
    bounds = group_bounds(chased, k)
    po_ids = context.code_array(p.po_ids)[pairs % n_pos].tolist()
    with_late = chased[first_in_runs(chased)]
    pieces.add(
        with_late,
        2,
        0,
        0,
        [
            f"chase {', '.join(po_ids[bounds[o] : bounds[o + 1]])} with the supplier for an "
            f"earlier date"
            for o in with_late.tolist()
        ],
    )

    quality = every[(blockers & BLOCKER_QUALITY) != 0]
    pieces.add(quality, 3, 0, 0, ["ask quality to release the held stock"] * quality.shape[0])
    capacity = every[(blockers & BLOCKER_CAPACITY) != 0]
    pieces.add(
        capacity,
        4,
        0,
        0,
        [f"add picking capacity in {wh} or re-sequence picks" for wh in order_wh[capacity]],
    )

    row = context.sales_order_row[context.vocab_order_of_picture_order[orders]]
    safe = np.maximum(row, 0)
    own = tables.sales_orders.accepts_partial[safe].astype(np.int64)
    customer_row = context.customer_row[tables.sales_orders.customer[safe]]
    of_customer = (customer_row >= 0) & tables.customers.accepts_partial[
        np.maximum(customer_row, 0)
    ]
    partial = every[(row >= 0) & np.where(own >= 0, own == 1, of_customer)]
    pieces.add(
        partial,
        5,
        0,
        0,
        ["ship the available part now (the order accepts partial shipment)"] * partial.shape[0],
    )
    pieces.add(
        every,
        6,
        0,
        0,
        [f"agree a revised date with {c} if none of this holds" for c in customers.tolist()],
    )
    return pieces.joined("; ")


# The kinds of cause ``base.order_cause`` names, by precedence of the rule that decides.
_CUSTOMER, _SHORT_POOL, _WAREHOUSE, _PO, _HELD_POOL, _ORDER = range(6)


def _causes(context: ColumnarDetectionContext, lines: _Lines, pegs: _Pegs) -> list[str]:
    """``base.order_cause`` of every order of ``lines``."""
    p, r = context.picture, context.result
    orders = lines.orders
    k = orders.shape[0]
    if not k:
        return []
    credit = (r.order_blockers[orders].astype(np.int64) & BLOCKER_CREDIT) != 0

    short_at = np.flatnonzero(lines.short > 0)
    short_at = short_at[first_in_runs(lines.owner[short_at])]
    first_short = np.full(k, -1, dtype=np.int64)
    first_short[lines.owner[short_at]] = short_at

    # The line that ships last: the latest projected day, the lowest line number on a tie.
    latest = np.maximum.reduceat(lines.projected, lines.start[:-1])
    last_at = np.flatnonzero(lines.projected == latest[lines.owner])
    last_at = last_at[first_in_runs(lines.owner[last_at])]
    last = np.full(k, -1, dtype=np.int64)
    last[lines.owner[last_at]] = last_at
    n = lines.line.shape[0]
    is_last = np.zeros(n, dtype=np.bool_)
    is_last[last_at] = True

    # Its latest held day and latest inbound peg (the first taken of the latest day):
    # a line takes its pegs in date order, so the latest day is that of its last peg.
    mine = is_last[pegs.holder]
    held = np.flatnonzero(mine & (pegs.kind == SOURCE_HELD))
    held = held[last_in_runs(pegs.holder[held])]
    held_day = np.full(n, NULL_DAY, dtype=np.int64)
    held_day[pegs.holder[held]] = pegs.day[held]
    inbound = np.flatnonzero(mine & (pegs.kind == SOURCE_INBOUND))
    ends = inbound[last_in_runs(pegs.holder[inbound])]
    inbound_day = np.full(n, NULL_DAY, dtype=np.int64)
    inbound_day[pegs.holder[ends]] = pegs.day[ends]
    latest_peg = inbound[pegs.day[inbound] == inbound_day[pegs.holder[inbound]]]
    latest_peg = latest_peg[first_in_runs(pegs.holder[latest_peg])]
    latest_po = np.full(n, -1, dtype=np.int64)
    latest_po[pegs.holder[latest_peg]] = p.inbound_po[pegs.inbound[latest_peg]]

    at = np.maximum(last, 0)
    supply = lines.supply[at]
    delay = lines.delay[at]
    supply_late = (supply != NULL_DAY) & (supply > p.order_promised[orders])
    po, inbound_at, held_at = latest_po[at], inbound_day[at], held_day[at]
    has_held = held_at != NULL_DAY
    kind = np.select(
        [
            credit,
            first_short >= 0,
            (last < 0) | (lines.projected[at] == NULL_DAY),
            (delay > 0) & ~supply_late,
            (po >= 0) & (~has_held | (inbound_at >= held_at)),
            has_held,
            delay > 0,
        ],
        [_CUSTOMER, _SHORT_POOL, _ORDER, _WAREHOUSE, _PO, _HELD_POOL, _WAREHOUSE],
        default=_ORDER,
    )
    short = np.maximum(first_short, 0)
    causes: Texts = np.empty(k, dtype=object)

    def name(which: int, subject: Callable[..., str], *codes: Texts) -> None:
        chosen = kind == which
        if chosen.any():
            causes[chosen] = [
                subject(*c) for c in zip(*(x[chosen].tolist() for x in codes), strict=True)
            ]

    name(
        _CUSTOMER, customer_subject, context.code_array(p.customer_codes)[p.order_customer[orders]]
    )
    name(_SHORT_POOL, pool_subject, lines.sku[short], lines.warehouse[short])
    name(_WAREHOUSE, warehouse_subject, lines.warehouse[at])
    if p.po_ids:  # without an open purchase order, no order's cause is one
        name(_PO, po_subject, context.code_array(p.po_ids)[np.maximum(po, 0)])
    name(_HELD_POOL, pool_subject, lines.sku[at], lines.warehouse[at])
    name(_ORDER, order_subject, context.code_array(p.order_ids)[orders])
    found: list[str] = causes.tolist()
    return found


def _entities(
    context: ColumnarDetectionContext, lines: _Lines, pegs: _Pegs
) -> list[tuple[str, ...]]:
    """``base.order_entities`` of every order of ``lines``: the customer, then the
    products and suppliers of the lines not simply from stock ("customer:" sorts before
    "product:", before "supplier:", and ids sort as their codes)."""
    p, tables = context.picture, context.tables
    orders = lines.orders
    k = orders.shape[0]
    waiting = lines.from_stock < lines.open_qty
    inbound = np.flatnonzero((pegs.kind == SOURCE_INBOUND) & waiting[pegs.holder])
    row = context.purchase_order_row[
        context.vocab_po_of_picture_po[p.inbound_po[pegs.inbound[inbound]]]
    ]
    known = row >= 0
    keys = np.unique(
        np.concatenate(
            [
                np.arange(k, dtype=np.int64) << 34,
                (lines.owner[waiting] << 34) | (1 << 32) | p.line_sku[lines.line[waiting]],
                (lines.owner[pegs.holder[inbound[known]]] << 34)
                | (2 << 32)
                | tables.purchase_orders.supplier[row[known]],
            ]
        )
    )
    kind, code = (keys >> 32) & 3, keys & ((1 << 32) - 1)
    names = np.empty(keys.shape[0], dtype=object)
    names[kind == 0] = [
        customer_subject(c)
        for c in context.code_array(p.customer_codes)[p.order_customer[orders]].tolist()
    ]
    for which, codes, entity in (
        (1, p.sku_codes, product_entity),
        (2, tables.vocab.suppliers.codes, supplier_entity),
    ):
        chosen = kind == which
        distinct, inverse = np.unique(code[chosen], return_inverse=True)
        table = np.array([entity(codes[c]) for c in distinct.tolist()] or [""], dtype=object)
        names[chosen] = table[inverse.ravel()]
    flat = names.tolist()
    bounds = group_bounds(keys >> 34, k)
    return [tuple(flat[a:b]) for a, b in itertools.pairwise(bounds)]


# ------------------------------------------------------------------ purchase orders


@dataclass(frozen=True, slots=True)
class PoLines:
    """The open lines (quantity still to receive) of some POs, grouped by PO.

    PO ``pos[k]`` owns rows ``rows[start[k]:start[k + 1]]`` of
    ``tables.purchase_order_lines``, in table order.
    """

    pos: I64
    rows: I64
    start: I64


def open_po_lines(context: ColumnarDetectionContext, pos: I64) -> PoLines:
    """The open lines of the POs ``pos`` (vocabulary ids, ascending and distinct)."""
    lines = context.tables.purchase_order_lines
    wanted = np.full(len(context.tables.vocab.pos), -1, dtype=np.int64)
    wanted[pos] = np.arange(pos.shape[0], dtype=np.int64)
    rows = np.flatnonzero((wanted[lines.po] >= 0) & (lines.qty > lines.qty_received))
    group = wanted[lines.po[rows]]
    order = np.argsort(group, kind="stable")
    counts = np.bincount(group, minlength=pos.shape[0]).astype(np.int64)
    return PoLines(pos, rows[order], starts_of(counts))


def po_entities(
    context: ColumnarDetectionContext, suppliers: Ints, groups: Ints, skus: Ints
) -> list[tuple[str, ...]]:
    """Per PO ``k``: its products (the distinct ``skus`` of its lines, whose group is
    ``groups``, sorted) and then its supplier — "product:" sorts before "supplier:"."""
    vocab = context.tables.vocab
    n_skus = max(len(vocab.skus), 1)
    pairs = np.unique(groups.astype(np.int64) * n_skus + skus)
    bounds = group_bounds(pairs // n_skus, suppliers.shape[0])
    products = [product_entity(s) for s in context.code_array(vocab.skus.codes)[pairs % n_skus]]
    return [
        (*products[a:b], supplier_entity(vocab.suppliers.codes[s]))
        for (a, b), s in zip(itertools.pairwise(bounds), suppliers.tolist(), strict=True)
    ]


def pegs_of_pos(context: ColumnarDetectionContext, pos: I64) -> tuple[I64, I64]:
    """The pegs on each picture PO of ``pos`` (-1: none), in analysis order, and the
    group starts: PO ``k``'s pegs are ``pegs[start[k]:start[k + 1]]``."""
    groups = context.inbound_pegs_by_po
    known = pos >= 0
    safe = np.maximum(pos, 0)
    count = np.where(known, groups.start[safe + 1] - groups.start[safe], 0)
    return groups.members[spans(groups.start[safe], count)], starts_of(count)


def pairs_by_group(groups: Ints, values: Ints, n_groups: int) -> tuple[I64, I64, list[int]]:
    """The distinct (group, value) pairs, sorted: their groups, their values, and the
    bounds of each group's run."""
    width = int(values.max(initial=0)) + 1
    pairs = np.unique(groups.astype(np.int64) * width + values)
    owner = pairs // width
    return owner, pairs % width, group_bounds(owner, n_groups)


def customer_phrases(context: ColumnarDetectionContext, customers: Ints) -> list[str]:
    """``context.customer_phrase`` of each vocabulary customer id (each worded once)."""
    words: dict[int, str] = {}
    found = []
    for c in customers.tolist():
        phrase = words.get(c)
        if phrase is None:
            phrase = words[c] = context.customer_phrase(c)
        found.append(phrase)
    return found


def supplier_phrases(context: ColumnarDetectionContext, suppliers: Ints) -> list[str]:
    """``context.supplier_phrase`` of each vocabulary supplier id (each worded once)."""
    words = {s: context.supplier_phrase(s) for s in np.unique(suppliers).tolist()}
    return [words[s] for s in suppliers.tolist()]


def top_tier_ranks(context: ColumnarDetectionContext, groups: Ints, customers: Ints, n: int) -> I64:
    """Per group, the best tier rank among its ``customers`` (vocabulary ids), or
    ``len(TIERS)`` for a group with no known customer."""
    best: I64 = np.full(n, len(TIERS), dtype=np.int64)
    np.minimum.at(best, groups.astype(np.int64), context.customer_tier_rank[customers])
    return best


def tier_of_rank(rank: int) -> Tier | None:
    """The tier of a rank from :func:`top_tier_ranks` (None for ``len(TIERS)``)."""
    return TIERS[rank] if rank < len(TIERS) else None
