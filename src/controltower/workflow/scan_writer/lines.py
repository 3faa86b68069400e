"""Each line's JSON object: quantities, dates, pegs, price and transfers.

The text before a line's ``sku`` depends on small columns only and is rendered per
distinct value; pegs and transfers, which are rare, are joined in row by row.
"""

from __future__ import annotations

import numpy as np

from controltower.domain.columnar import NULL_DAY
from controltower.workflow.scan_writer.distinct_rows import (
    day_texts,
    firsts_of,
    joined_by_group,
    number_texts,
    rendered,
    suffixed_numbers,
)
from controltower.workflow.scan_writer.frame import Frame
from controltower.workflow.scan_writer.pegs import Pegs
from controltower.workflow.scan_writer.texts import (
    Bools,
    Texts,
    day_json,
    iso_day,
    nullable_days,
    number_text,
    object_array,
)

# ---------------------------------------------------------------------------- lines


def line_fragments(frame: Frame, pegs: Pegs) -> tuple[Texts, Texts, Texts]:
    """Every line's JSON object in three fragments: up to ``"unit_price":``, then the
    price and the transfers up to ``"sku":"``, then the SKU (a comma before every line
    but the first of its order)."""
    result = frame.result
    picture = result.picture
    n = picture.n_lines
    first = np.zeros(n, dtype=np.bool_)
    first[picture.order_line_start[:-1]] = True
    open_qty, from_stock, short = picture.line_open_qty, result.line_from_stock, result.line_short
    projected, projected_null = nullable_days(result.line_projected_day)
    supply, supply_null = nullable_days(result.line_supply_day)

    def quantities(
        is_first: bool, number: int, units: int, stock: int, missing: int, day: int, ready: int
    ) -> str:
        return (
            f'{"" if is_first else ","}{{"line":{number},"open_qty":{number_text(units)},'
            f'"from_stock":{number_text(stock)},"from_quality_hold":[],"from_inbound":[],'
            f'"short_qty":{number_text(missing)},'
            f'"projected_date":{day_json(NULL_DAY if day == projected_null else day)},'
            f'"supply_date":{day_json(NULL_DAY if ready == supply_null else ready)},'
            '"unit_price":'
        )

    head = np.empty(n, dtype=object)
    # Most lines come from stock in full: the text hangs on the open quantity alone.
    pegless = result.line_peg_count == 0
    plain = (from_stock == open_qty) & (short == 0) & pegless
    rows = np.flatnonzero(plain)
    head[rows] = rendered(
        [first[rows], picture.line_number[rows], open_qty[rows], projected[rows], supply[rows]],
        lambda is_first, number, units, day, ready: quantities(
            is_first, number, units, units, 0, day, ready
        ),
    )
    rows = np.flatnonzero(~plain & pegless)
    head[rows] = rendered(
        [
            first[rows],
            picture.line_number[rows],
            open_qty[rows],
            from_stock[rows],
            short[rows],
            projected[rows],
            supply[rows],
        ],
        quantities,
    )
    if pegs.lines.shape[0]:
        head[pegs.lines] = _pegged_heads(frame, pegs, first)
    price, closing = _prices_and_transfers(frame)
    return head, price, closing


def _pegged_heads(frame: Frame, pegs: Pegs, first: Bools) -> Texts:
    """The first fragment of the lines with pegs, row by row from per-column texts."""
    result = frame.result
    picture = result.picture
    lines = pegs.lines
    rows = zip(
        first[lines].tolist(),
        picture.line_number[lines].tolist(),
        number_texts(picture.line_open_qty[lines]).tolist(),
        number_texts(result.line_from_stock[lines]).tolist(),
        pegs.held_json.tolist(),
        pegs.inbound_json.tolist(),
        number_texts(result.line_short[lines]).tolist(),
        day_texts(result.line_projected_day[lines]).tolist(),
        day_texts(result.line_supply_day[lines]).tolist(),
        strict=True,
    )
    return object_array(
        [
            f'{"" if is_first else ","}{{"line":{number},"open_qty":{units},'
            f'"from_stock":{stock},"from_quality_hold":{held},'
            f'"from_inbound":{inbound},"short_qty":{missing},'
            f'"projected_date":{day},"supply_date":{ready},"unit_price":'
            for is_first, number, units, stock, held, inbound, missing, day, ready in rows
        ]
    )


def _prices_and_transfers(frame: Frame) -> tuple[Texts, Texts]:
    """``P,"alternatives":[...],"sku":"`` and ``SKU"}`` of every line."""
    result = frame.result
    picture = result.picture
    alt = result.alternatives
    price = picture.line_unit_price
    texts = np.empty(picture.n_lines, dtype=object)
    alone = alt.count == 0
    texts[alone] = suffixed_numbers(price[alone], ',"alternatives":[],"sku":"')
    closing = object_array([f'{sku}"}}' for sku in frame.sku.tolist()])[picture.line_sku]
    helped = np.flatnonzero(~alone)
    if helped.shape[0] == 0:
        return texts, closing
    owner = np.repeat(np.arange(helped.shape[0]), alt.count[helped])
    arrival, _ = nullable_days(alt.arrival_day)
    warehouse = frame.warehouse
    each = rendered(
        [
            firsts_of(owner),
            alt.from_warehouse,
            alt.free_qty,
            alt.transit_days,
            arrival,
            alt.makes_promise,
        ],
        lambda first, wh, free, days, day, makes: (
            f'{"" if first else ","}{{"warehouse":"{warehouse[wh]}",'
            f'"free_qty":{number_text(free)},"transit_days":{days},'
            f'"arrival_date":"{iso_day(day)}","makes_promise":{"true" if makes else "false"}}}'
        ),
    )
    texts[helped] = suffixed_numbers(price[helped], ',"alternatives":[') + joined_by_group(
        each, owner, helped.shape[0]
    )
    closing[helped] = '],"sku":"' + closing[helped]
    return texts, closing
