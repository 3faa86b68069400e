"""The explanation sentences of many orders, in the reference order.

Each kind of sentence (credit, a line's supply, capacity, an inbound peg, a transfer)
is made by one comprehension over the orders that need it, keyed by (order, section,
line, rank), and the pieces are put in the reference order by one sort of the keys.
"""

from __future__ import annotations

import itertools
from typing import Final

import numpy as np

from controltower.detectors.columnar.bulk_text import Ints, day_text, day_texts, portions, qty_texts
from controltower.detectors.columnar.context import (
    ColumnarDetectionContext,
    spans,
    starts_of,
)
from controltower.detectors.columnar.groups import group_bounds
from controltower.detectors.columnar.order_facts import OrderLines, OrderPegs
from controltower.domain.columnar import NULL_DAY
from controltower.domain.explain import _join, credit_sentences, plural, ready_to_ship_sentence
from controltower.domain.kernel import (
    SOURCE_HELD,
    SOURCE_INBOUND,
)
from controltower.domain.tables import I64


class TextPieces:
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


def explanations_of(
    context: ColumnarDetectionContext, lines: OrderLines, pegs: OrderPegs
) -> list[str]:
    """``" ".join(explain_order(...))`` of every order of ``lines``."""
    p, r = context.picture, context.result
    orders = lines.orders
    k = orders.shape[0]
    pieces = TextPieces(k)
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
                ready_to_ship_sentence(
                    count=count, first_line=number, warehouse=wh, promised=due, days_late=days
                )
                if days > 0 and not held
                else f"{f'Line {number} is' if count == 1 else f'All {count} lines are'} "
                f"covered from stock in {wh}; ships {clause}."
                for number, count, wh, clause, days, held, due in zip(
                    lines.number[lines.start[chosen]].tolist(),
                    n_lines[chosen].tolist(),
                    order_wh[chosen].tolist(),
                    clauses,
                    late[chosen].tolist(),
                    blocked[chosen].tolist(),
                    [promised[o] for o in chosen.tolist()],
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
    context: ColumnarDetectionContext, pieces: TextPieces, owners: I64, customers: Ints
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
    context: ColumnarDetectionContext, pieces: TextPieces, lines: OrderLines, pegs: OrderPegs
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
    context: ColumnarDetectionContext, pieces: TextPieces, lines: OrderLines, slow: I64
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
    context: ColumnarDetectionContext, pieces: TextPieces, lines: OrderLines, promised: list[str]
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
