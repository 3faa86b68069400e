"""Each order's explanation, word for word as :mod:`controltower.domain.explain` says it.

Most orders need one short sentence (a simple tail rendered per distinct value); only
orders with short, pegged, late or transferable lines get the detailed sentences,
built from per-column texts computed in bulk.
"""

from __future__ import annotations

import numpy as np

from controltower.domain.columnar import NULL_DAY
from controltower.domain.explain import credit_sentences, plural, ready_to_ship_sentence
from controltower.domain.kernel import (
    credit_assessment,
    overdue_invoices_by_customer,
)
from controltower.workflow.scan_writer.distinct_rows import concatenated, joined_by_group, rendered
from controltower.workflow.scan_writer.frame import Frame, Layout
from controltower.workflow.scan_writer.pegs import Pegs
from controltower.workflow.scan_writer.texts import (
    ENCODER,
    I64,
    ONE_UNIT,
    Bools,
    Texts,
    blank_texts,
    iso_day,
    nullable_days,
    object_array,
)

# --------------------------------------------------------------------- explanations


def credit_texts(frame: Frame, customers: list[int]) -> dict[int, str]:
    """The credit sentences of each blocked customer, as JSON strings each followed by
    a comma; worded by ``explain.credit_sentences`` from the customer's assessment."""
    result = frame.result
    overdue = overdue_invoices_by_customer(result)
    block_days = result.picture.policy.overdue_days_block
    texts: dict[int, str] = {}
    for c in customers:
        assessment = credit_assessment(result, c, overdue.get(c, ()))
        sentences = credit_sentences(assessment, block_days)
        texts[c] = "".join(ENCODER.encode(sentence) + "," for sentence in sentences)
    return texts


def _opening(payer: int, credit: dict[int, str]) -> str:
    return '],"explanation":[' + (credit[payer] if payer >= 0 else "")


def _ship_clause(day: int, late: int, promised: int, credit_blocked: bool, brief: bool) -> str:
    """``explain._ship_clause``: ``2026-11-28, 1 day after the promised 2026-11-27``."""
    when = iso_day(day) + (" once credit is released" if credit_blocked else "")
    if late > 0:
        return f"{when}, {plural(late, 'day')} after the promised {iso_day(promised)}"
    if brief:
        return f"{when}, on time"
    return f"{when}, on time for the promise of {iso_day(promised)}"


def simple_order_tails(frame: Frame, orders: I64, payer: I64, credit: dict[int, str]) -> Texts:
    """The tails of orders whose every line is simply served from stock: credit, then
    ``"All 3 lines are covered from stock in WH; ships D, on time."``, or, past the
    promise and not held by credit, ``explain.ready_to_ship_sentence``."""
    result = frame.result
    picture = result.picture
    start = picture.order_line_start
    count = (start[orders + 1] - start[orders]).astype(np.int64)
    subject = np.where(count == 1, picture.line_number[start[orders]], -count)
    late = np.maximum(result.order_days_late[orders], 0).astype(np.int64)
    ship = result.order_projected_ship_day[orders]
    ship = np.where(ship == NULL_DAY, picture.as_of_day, ship)
    promised = np.where(late > 0, picture.order_promised[orders], 0)
    warehouse = frame.warehouse

    def tail(who: int, c: int, wh: int, day: int, days_late: int, due: int) -> str:
        if days_late > 0 and c < 0:
            ready = ready_to_ship_sentence(
                count=1 if who >= 0 else -who,
                first_line=who,
                warehouse=warehouse[wh],
                promised=iso_day(due),
                days_late=days_late,
            )
            return f'{_opening(c, credit)}"{ready}"]}}'
        lines = f"Line {who} is" if who >= 0 else f"All {-who} lines are"
        clause = _ship_clause(day, days_late, due, c >= 0, brief=True)
        return (
            f'{_opening(c, credit)}"{lines} covered from stock in {warehouse[wh]}; '
            f'ships {clause}."]}}'
        )

    return rendered([subject, payer, picture.order_warehouse[orders], ship, late, promised], tail)


def fill_detailed_tails(
    frame: Frame,
    pegs: Pegs,
    layout: Layout,
    pieces: Texts,
    orders: I64,
    payer: I64,
    credit: dict[int, str],
) -> None:
    """The explanations of the orders with a line that needs words, in their ``5 + 2k``
    slots: credit, each line's sentences, the lines simply served from stock, the ship
    date, then each line's transfers."""
    result = frame.result
    picture = result.picture
    start = picture.order_line_start
    tail = layout.tail_slot[orders]
    lines_of = start[orders + 1] - start[orders]
    pieces[tail] = rendered([payer], lambda c: _opening(c, credit))
    position = np.full(picture.n_orders, -1, dtype=np.int64)
    position[orders] = np.arange(orders.shape[0])
    lines = np.flatnonzero(position[picture.line_order] >= 0)
    owner = picture.line_order[lines]
    line_tail = layout.tail_slot[owner] + (lines - start[owner])
    needy = ~frame.simple[lines]
    told = blank_texts(lines.shape[0])
    told[needy] = _line_sentences(frame, pegs, lines[needy])
    pieces[line_tail + 1] = told
    for offset, texts in enumerate(_named_lines_and_ship(frame, orders, position, payer >= 0)):
        pieces[tail + lines_of + 1 + offset] = texts
    count = result.alternatives.count
    helped = np.flatnonzero(needy & (count[lines] > 0))
    transfers = blank_texts(lines.shape[0])
    transfers[helped] = joined_by_group(
        _transfer_sentences(frame, lines[helped]),
        np.repeat(np.arange(helped.shape[0]), count[lines[helped]]),
        helped.shape[0],
    )
    pieces[line_tail + (start[owner + 1] - start[owner]) + 4] = transfers
    pieces[tail + 2 * lines_of + 4] = "]}"


def _named_lines_and_ship(
    frame: Frame, orders: I64, position: I64, blocked: Bools
) -> tuple[Texts, Texts, Texts]:
    """``"Lines 1, 2 and 4 are covered from stock in WH.",`` (nothing when no line of
    the order is) and the ship-date sentence, in three fragments: ``"Lines ``, the
    numbers, and the rest."""
    result = frame.result
    picture = result.picture
    lines = np.flatnonzero(frame.simple & (position[picture.line_order] >= 0))
    group = position[picture.line_order[lines]]
    count = np.bincount(group, minlength=orders.shape[0]).astype(np.int64)
    ends = np.cumsum(count)
    # How many of its order's simple lines follow each line: ", ", " and " or "".
    after = ends[group] - 1 - np.arange(lines.shape[0])
    words = rendered(
        [picture.line_number[lines], np.minimum(after, 2)],
        lambda number, rest: f"{number}{('', ' and ', ', ')[rest]}",
    )
    subject = object_array(["", '"Line ', '"Lines '])[np.minimum(count, 2)]
    ship, null = nullable_days(result.order_projected_ship_day[orders])
    warehouse = frame.warehouse

    def rest(
        how_many: int, wh: int, day: int, late: int, promised: int, credit_blocked: bool
    ) -> str:
        named = (
            f'{("", " is", " are")[how_many]} covered from stock in {warehouse[wh]}.",'
            if how_many
            else ""
        )
        if day == null:
            return f'{named}"No ship date until the shortage is covered; promised {iso_day(promised)}."'
        clause = _ship_clause(day, late, promised, credit_blocked, brief=False)
        return f'{named}"Projected to ship {clause}."'

    return (
        subject,
        joined_by_group(words, group, orders.shape[0]),
        rendered(
            [
                np.minimum(count, 2),
                picture.order_warehouse[orders],
                ship,
                np.maximum(result.order_days_late[orders], 0),
                picture.order_promised[orders],
                blocked,
            ],
            rest,
        ),
    )


def _line_sentences(frame: Frame, pegs: Pegs, lines: I64) -> Texts:
    """``explain.line_sentences`` of ``lines`` (those not simply served from stock, in
    ascending order), as JSON strings each followed by a comma."""
    result = frame.result
    picture = result.picture
    open_qty, from_stock = picture.line_open_qty[lines], result.line_from_stock[lines]
    short, delay = result.line_short[lines], frame.delay[lines]
    number, wh = picture.line_number[lines], picture.line_warehouse[lines]
    sku = frame.sku[picture.line_sku[lines]]
    texts = blank_texts(lines.shape[0])

    partly = np.flatnonzero((from_stock > 0) & (from_stock < open_qty))
    texts[partly] = object_array(
        [
            f'"Line {n}: {frame.portion(f, q, s)} come from stock in {frame.warehouse[w]}.",'
            for n, f, q, s, w in zip(
                number[partly].tolist(),
                from_stock[partly].tolist(),
                open_qty[partly].tolist(),
                sku[partly].tolist(),
                wh[partly].tolist(),
                strict=True,
            )
        ]
    )
    pegged = np.searchsorted(lines, pegs.lines)
    texts[pegged] = texts[pegged] + pegs.sentences
    missing = np.flatnonzero(short > 0)
    texts[missing] = texts[missing] + object_array(
        [
            f'"Line {n}: {frame.portion(m, q, s)} have no supply: no stock, quality-held '
            f'stock or open purchase order in {frame.warehouse[w]} is left for them.",'
            for n, m, q, s, w in zip(
                number[missing].tolist(),
                short[missing].tolist(),
                open_qty[missing].tolist(),
                sku[missing].tolist(),
                wh[missing].tolist(),
                strict=True,
            )
        ]
    )
    delayed = np.flatnonzero(delay > 0)
    texts[delayed] = texts[delayed] + _capacity_sentences(frame, lines[delayed])
    return texts


def _capacity_sentences(frame: Frame, lines: I64) -> Texts:
    """``"Line 2: all 40 SKU are in stock in WH, but WH picks at most 50 lines a day,
    so the line is picked D (1 day later).",`` for ``lines``, which capacity delays."""
    result = frame.result
    picture = result.picture
    capacity = picture.warehouse_capacity
    warehouse = frame.warehouse

    def but(wh: int, day: int, delay: int) -> str:
        limit = (
            f"picks at most {plural(int(capacity[wh]), 'line')} a day"
            if capacity[wh]
            else "is full"
        )
        return (
            f", but {warehouse[wh]} {limit}, so the line is picked {iso_day(day)} "
            f'({plural(delay, "day")} later).",'
        )

    in_stock = result.line_from_stock[lines] >= picture.line_open_qty[lines]
    number, wh = picture.line_number[lines], picture.line_warehouse[lines]
    ready = np.where(in_stock, 0, result.line_supply_day[lines])
    # "all 40 SKU are in stock in WH" (the SKU in the middle) or "ready 2026-11-26".
    subject = rendered(
        [number, np.where(in_stock, picture.line_open_qty[lines], 0), ready],
        lambda n, units, day: (
            f'"Line {n}: {"all " if units > ONE_UNIT else ""}{frame.qty(units)} '
            if units
            else f'"Line {n}: ready {iso_day(day)}'
        ),
    )
    where = rendered(
        [in_stock, wh], lambda stocked, w: f" are in stock in {warehouse[w]}" if stocked else ""
    )
    return concatenated(
        subject,
        np.where(in_stock, frame.sku[picture.line_sku[lines]], "").astype(object),
        where,
        rendered([wh, result.line_projected_day[lines], frame.delay[lines]], but),
    )


def _transfer_sentences(frame: Frame, lines: I64) -> Texts:
    """``explain.alternative_sentences`` of ``lines``, one per alternative in order, as
    JSON strings each preceded by a comma (they follow the ship-date sentence)."""
    result = frame.result
    picture, alt = result.picture, result.alternatives
    count = alt.count[lines]
    owner = np.repeat(lines, count)
    first = alt.first[lines]
    k = (
        np.repeat(first, count)
        + np.arange(int(count.sum()))
        - np.repeat(np.cumsum(count) - count, count)
    )
    promised = picture.order_promised[picture.line_order[owner]]
    rows = zip(
        picture.line_number[owner].tolist(),
        alt.from_warehouse[k].tolist(),
        alt.free_qty[k].tolist(),
        frame.sku[picture.line_sku[owner]].tolist(),
        alt.transit_days[k].tolist(),
        alt.arrival_day[k].tolist(),
        alt.makes_promise[k].tolist(),
        promised.tolist(),
        strict=True,
    )
    return object_array(
        [
            f',"Line {number}: {frame.warehouse[wh]} has {frame.qty(free)} {sku} free; '
            f"a transfer takes {plural(days, 'day')}, arriving {iso_day(arrival)}, "
            + (
                "in time for the promise"
                if makes
                else f"too late for the promise of {iso_day(due)}"
            )
            + '."'
            for number, wh, free, sku, days, arrival, makes, due in rows
        ]
    )
