"""The orders of the scan document, written as JSON text straight from the kernel's arrays.

The test oracle's reference scan (``render_scan_document``) turns every order of a
domain :class:`~controltower.domain.analysis.Analysis` into a dict, which means a
:class:`~decimal.Decimal`, a date and a dataclass per line, and then ``json.dumps``
walks it all again: minutes at a million lines. This module writes the same JSON (equal
after ``json.loads`` to ``[order_document(o) for o in analysis.orders]``, explanations
word for word) from a :class:`~controltower.domain.kernel.ColumnarAnalysis` and the
:class:`~controltower.domain.tables.DatasetTables` it was built from.

How it stays fast:

* **Text is made per distinct value, not per row.** A fragment that depends on a few
  small columns (a quantity and two dates, an order's standing, a price) is formatted
  once for each distinct combination of them (:func:`_rendered`) and handed to every
  row by a numpy ``take``: a million lines have a few tens of thousands of distinct
  fragments.
* **The document is a flat array of fragments** (:class:`_Layout`): each order owns
  four slots for its head, three per line and one or a few for its explanation; they
  are filled column by column with array assignments, and the text is one
  ``"".join`` per chunk of orders, which copies every character once. Adding string
  arrays would copy them again for every addition, so it is kept for the rare parts
  (``np.add.reduceat`` joins the pegs of a line, the transfers of an order).
* Only what is rare (pegs, transfers, lines short of supply, partly served) is
  formatted row by row, from per-column texts computed in bulk.

A JSON object's keys are unordered: a line's ``sku`` comes last here, which lets the
text before it depend on small columns only. Sentences follow
:mod:`controltower.domain.explain` word for word; the credit sentences are built by it
(there are only as many as blocked customers).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import IO, Final, TextIO

import numpy as np
import numpy.typing as npt

from controltower.domain.analysis import STATUS_FOR_BLOCKER, Blocker
from controltower.domain.columnar import DECIMALS, NULL_DAY, from_units
from controltower.domain.columnar_tables import last_rows
from controltower.domain.explain import credit_sentences, format_qty, plural
from controltower.domain.kernel import (
    SOURCE_HELD,
    ColumnarAnalysis,
    credit_assessment,
    overdue_invoices_by_customer,
)
from controltower.domain.tables import DatasetTables

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Texts = npt.NDArray[np.object_]
Ints = npt.NDArray[np.integer] | npt.NDArray[np.bool_]

_BLOCKERS: Final = tuple(Blocker)
_STATUS_TEXTS: Final = (*(STATUS_FOR_BLOCKER[b].value for b in _BLOCKERS), "fully_allocated")
_ALLOCATION_TEXTS: Final = ("full", "partial", "none")
_ENCODER: Final = json.JSONEncoder(ensure_ascii=False)
#: a key range of at most this many values (or four per row) is numbered with a table
_DENSE_KEYS: Final = 1 << 16
#: 1 in millionths: a line of at most one unit reads "1 SKU", not "all 1 SKU"
_ONE: Final = 10**DECIMALS
#: ``Decimal`` keeps 28 significant digits: ``from_units`` rounds larger unit counts
_DECIMAL_LIMIT: Final = 10**28
#: integers below this convert to float64 exactly
_EXACT_FLOAT: Final = 2**53
#: orders per chunk of text handed to the writer: a couple of megabytes, which the
#: allocator reuses chunk after chunk (fresh memory costs a page fault per page)
CHUNK_ORDERS: Final = 2_000


# --------------------------------------------------------------------------- public


def write_orders_json(result: ColumnarAnalysis, tables: DatasetTables, out: TextIO) -> None:
    """Write the ``orders`` array of the scan document, one order per line.

    ``json.loads`` of what is written equals ``[order_document(o) for o in
    analysis.orders]`` for ``analysis = to_analysis(result, dataset)``, where ``tables``
    are the columns of ``dataset`` (they name the suppliers and confirmations of
    purchase orders, which the kernel's picture does not hold).
    """
    for chunk in orders_json_chunks(result, tables):
        out.write(chunk)


def write_orders_bytes(result: ColumnarAnalysis, tables: DatasetTables, out: IO[bytes]) -> None:
    """:func:`write_orders_json` as UTF-8 bytes on a binary stream.

    Hundreds of megabytes go through a text stream noticeably slower than encoded in
    pieces and written to the file directly.
    """
    for chunk in orders_json_chunks(result, tables):
        out.write(chunk.encode())


def orders_json_chunks(
    result: ColumnarAnalysis, tables: DatasetTables, orders_per_chunk: int = CHUNK_ORDERS
) -> Iterator[str]:
    """The text :func:`write_orders_json` writes, ``orders_per_chunk`` orders at a time,
    so that a writer never holds the whole array as one string."""
    picture = result.picture
    if picture.n_orders == 0:
        yield "[]"
        return
    pieces, layout = _fragments(_Frame.of(result, tables))
    yield "[\n"
    for first in range(0, picture.n_orders, orders_per_chunk):
        last = min(first + orders_per_chunk, picture.n_orders)
        begin, end = int(layout.order_base[first]), int(layout.order_base[last])
        yield "".join(pieces[begin:end].tolist())
    yield "\n]"


# ---------------------------------------------------------------------- small texts


def number_text(units: int, decimals: int = DECIMALS) -> str:
    """``json_number`` of the value ``units * 10**-decimals``, as JSON text.

    An integer when the value is whole, else the nearest float: Python's ``int / int``
    is correctly rounded, as ``float(Decimal)`` is. Beyond 28 digits the reference's
    Decimal arithmetic rounds, so such a value is converted its way.
    """
    if not -_DECIMAL_LIMIT < units < _DECIMAL_LIMIT:
        value = from_units(units, decimals)  # then as ``scan.json_number`` reads it
        return str(int(value)) if value == value.to_integral_value() else repr(float(value))
    scale = 10**decimals
    if units % scale == 0:
        return str(units // scale)
    return repr(units / scale)


def _escaped(texts: Sequence[str]) -> list[str]:
    """Each text as it reads inside a JSON string (``ensure_ascii=False``), without the
    quotes. Codes rarely need escaping, so one look at all of them usually decides."""
    if not _may_need_escaping("".join(texts)):
        return list(texts)
    return [_ENCODER.encode(text)[1:-1] for text in texts]


def _may_need_escaping(text: str) -> bool:
    """False when ``text`` has no quote, backslash or control character, the only
    characters JSON escapes when it may write any other as it is."""
    if '"' in text or "\\" in text:
        return True
    if text.isascii():
        codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        return bool(codes.shape[0]) and int(codes.min()) < 0x20
    return not text.isprintable()


def _object_array(values: Sequence[str]) -> Texts:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _texts(size: int, text: str = "") -> Texts:
    return np.full(size, text, dtype=object)


class _Memo:
    """``function(key)`` computed once per key, for as long as one document is written."""

    def __init__(self, function: Callable[[int], str]) -> None:
        self._function = function
        self._known: dict[int, str] = {}

    def __call__(self, key: int) -> str:
        text = self._known.get(key)
        if text is None:
            text = self._known[key] = self._function(key)
        return text


@cache
def _iso(day: int) -> str:
    return date.fromordinal(day).isoformat()


def _day_json(day: int) -> str:
    return "null" if day == NULL_DAY else f'"{_iso(day)}"'


def _nullable_days(days: Ints) -> tuple[I64, int]:
    """Days as a compact key: ``NULL_DAY`` becomes the day before the earliest real day,
    which is returned so that a ``make`` function can tell it apart."""
    key = days.astype(np.int64)
    null = key == NULL_DAY
    if not bool(null.any()):
        return key, NULL_DAY
    real = key[~null]
    marker = (int(real.min()) if real.shape[0] else 1) - 1
    key[null] = marker
    return key, marker


def _day_texts(days: Ints) -> Texts:
    """``_day_json`` of every day, once per distinct day."""
    key, null = _nullable_days(days)
    return _rendered([key], lambda day: _day_json(NULL_DAY if day == null else day))


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
    limit = max(_DENSE_KEYS, 4 * n)
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


def _rendered(columns: Sequence[Ints], make: Callable[..., str]) -> Texts:
    """``make(*row)`` for every row of ``columns``, called once per distinct row with
    Python values."""
    n = int(columns[0].shape[0])
    if n == 0:
        return _texts(0)
    ids, count = _numbered(columns)
    representative = np.empty(count, dtype=np.int64)
    representative[ids] = np.arange(n, dtype=np.int64)
    values = [column[representative].tolist() for column in columns]
    return _object_array(list(map(make, *values)))[ids]


def _number_texts(units: Ints, decimals: int = DECIMALS) -> Texts:
    """``number_text`` of every value, with numpy doing the arithmetic.

    Exact while values stay below ``2**53``: converting such an integer to a float is
    exact and so is ``10**decimals``, so the float division rounds the true quotient
    once, correctly, as ``int / int`` does.
    """
    values = units.astype(np.int64)
    if values.shape[0] and int(np.abs(values).max()) >= _EXACT_FLOAT:
        return _object_array([number_text(u, decimals) for u in values.tolist()])
    scale = 10**decimals
    whole = values % scale == 0
    texts = np.empty(values.shape[0], dtype=object)
    texts[whole] = _object_array(list(map(str, (values[whole] // scale).tolist())))
    texts[~whole] = _object_array(list(map(repr, (values[~whole] / scale).tolist())))
    return texts


def _numbers(units: Ints | npt.NDArray[np.object_], suffix: str, decimals: int = DECIMALS) -> Texts:
    """``number_text(u, decimals) + suffix`` for every value, once per distinct value
    (Python ints when a money column had to leave ``int64``)."""
    if units.dtype == object:
        memo = _Memo(lambda u: number_text(u, decimals) + suffix)
        return _object_array([memo(u) for u in units.tolist()])
    if units.shape[0] == 0:
        return _texts(0)
    values = units.astype(np.int64)
    ids, count = _numbered([values])
    representative = np.empty(count, dtype=np.int64)
    representative[ids] = np.arange(values.shape[0], dtype=np.int64)
    texts = _number_texts(values[representative], decimals).tolist()
    return _object_array([text + suffix for text in texts])[ids]


def _joined(texts: Texts, group: Ints, size: int) -> Texts:
    """For each group id in ``range(size)``, its texts concatenated in order ("" for a
    group without any); ``group`` must be sorted."""
    out = _texts(size)
    if texts.shape[0]:
        starts = np.flatnonzero(np.concatenate([[True], group[1:] != group[:-1]]))
        out[group[starts]] = np.add.reduceat(texts, starts)
    return out


def _concatenated(*columns: Texts) -> Texts:
    """Row by row, the concatenation of ``columns`` (one string per row: cheaper than
    adding object arrays pairwise, which makes every intermediate string)."""
    return _object_array(["".join(row) for row in zip(*(c.tolist() for c in columns), strict=True)])


def _distinct(values: Ints) -> list[int]:
    """The distinct values, ascending (``np.unique`` without its optional outputs would
    import ``numpy.ma`` on first use)."""
    ordered = np.sort(values.astype(np.int64))
    return [int(v) for v in ordered[_firsts(ordered)].tolist()]


def _firsts(*keys: Ints) -> Bools:
    """True where a row starts a run of equal ``keys`` (rows sorted by them)."""
    n = int(keys[0].shape[0])
    first = np.ones(n, dtype=np.bool_)
    if n > 1:
        same = np.ones(n - 1, dtype=np.bool_)
        for key in keys:
            same &= key[1:] == key[:-1]
        first[1:] = ~same
    return first


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where each fragment goes in the flat array of fragments.

    Order ``o`` with ``k`` lines owns the slots from ``order_base[o]``: four for its
    head (up to ``"lines":[``), three per line (the line's JSON object), then its
    explanation: one slot when every line is simply served from stock, else ``5 + 2k``
    (the opening with the credit sentences, one per line for that line's sentences,
    three naming the lines served from stock and the ship date, one per line for its
    transfers, and the close).
    """

    order_base: I64
    line_slot: I64
    tail_slot: I64

    @classmethod
    def of(cls, order_line_start: I64, line_order: Ints, detailed: Bools) -> _Layout:
        lines_of = np.diff(order_line_start)
        slots = 4 + 3 * lines_of + np.where(detailed, 5 + 2 * lines_of, 1)
        base = np.zeros(lines_of.shape[0] + 1, dtype=np.int64)
        np.cumsum(slots, out=base[1:])
        position = (
            np.arange(int(order_line_start[-1]), dtype=np.int64) - (order_line_start[line_order])
        )
        return cls(
            order_base=base,
            line_slot=base[line_order] + 4 + 3 * position,
            tail_slot=base[:-1] + 4 + 3 * lines_of,
        )

    @property
    def total(self) -> int:
        return int(self.order_base[-1])


# ---------------------------------------------------------------------------- frame


@dataclass(frozen=True)
class _Frame:
    """What every part of the document reads: the result, and texts shared by parts."""

    result: ColumnarAnalysis
    tables: DatasetTables
    #: escaped SKU and warehouse codes, by picture id
    sku: Texts
    warehouse: list[str]
    #: per line: served from stock in full and picked the day it is ready
    simple: Bools
    #: per line: days warehouse capacity adds
    delay: I64
    #: per order: the customer's credit blocks it
    credit_blocked: Bools
    qty: _Memo

    @classmethod
    def of(cls, result: ColumnarAnalysis, tables: DatasetTables) -> _Frame:
        picture = result.picture
        projected, supply = result.line_projected_day, result.line_supply_day
        dated = (projected != NULL_DAY) & (supply != NULL_DAY)
        delay = np.where(dated, projected.astype(np.int64) - supply, 0)
        return cls(
            result=result,
            tables=tables,
            sku=_object_array(_escaped(picture.sku_codes)),
            warehouse=_escaped(picture.warehouse_codes),
            simple=(result.line_from_stock >= picture.line_open_qty) & (delay == 0),
            delay=delay,
            credit_blocked=result.credit.blocked[picture.order_customer],
            qty=_Memo(lambda units: format_qty(from_units(units))),
        )

    def portion(self, units: int, open_units: int, sku: str) -> str:
        """``explain.portion``: ``15 of 40 SKU``, ``all 40 SKU`` or ``1 SKU``."""
        if units < open_units:
            return f"{self.qty(units)} of {self.qty(open_units)} {sku}"
        if open_units <= _ONE:
            return f"{self.qty(units)} {sku}"
        return f"all {self.qty(units)} {sku}"


def _fragments(frame: _Frame) -> tuple[Texts, _Layout]:
    """Every fragment of the orders array, in document order, and where orders start."""
    result = frame.result
    picture = result.picture
    start = picture.order_line_start
    simple_lines = np.add.reduceat(frame.simple.astype(np.int64), start[:-1])
    detailed = simple_lines < np.diff(start)
    layout = _Layout.of(start, picture.line_order, detailed)
    pieces = np.empty(layout.total, dtype=object)
    for offset, texts in enumerate(_order_heads(frame)):
        pieces[layout.order_base[:-1] + offset] = texts
    pegs = _Pegs.of(frame)
    for offset, texts in enumerate(_line_fragments(frame, pegs)):
        pieces[layout.line_slot + offset] = texts
    payer = np.where(frame.credit_blocked, picture.order_customer, -1).astype(np.int64)
    credit = _credit_texts(frame, _distinct(payer[payer >= 0]))
    easy = np.flatnonzero(~detailed)
    pieces[layout.tail_slot[easy]] = _simple_order_tails(frame, easy, payer[easy], credit)
    hard = np.flatnonzero(detailed)
    if hard.shape[0]:
        _fill_detailed_tails(frame, pegs, layout, pieces, hard, payer[hard], credit)
    return pieces, layout


# ---------------------------------------------------------------------- order heads


def _order_heads(frame: _Frame) -> tuple[Texts, Texts, Texts, Texts]:
    """``{"order_id":...,"open_value":V,"lines":[`` of every order in four fragments
    (a comma and a new line before every order but the first)."""
    result = frame.result
    picture = result.picture
    ship, null = _nullable_days(result.order_projected_ship_day)
    warehouse = frame.warehouse

    def standing(
        wh: int,
        promised: int,
        status: int,
        allocation: int,
        blockers: int,
        day: int,
        at_risk: bool,
        late: int,
    ) -> str:
        names = ",".join(f'"{b.value}"' for bit, b in enumerate(_BLOCKERS) if blockers >> bit & 1)
        return (
            f'{warehouse[wh]}","promised_date":"{_iso(promised)}",'
            f'"status":"{_STATUS_TEXTS[status]}",'
            f'"allocation":"{_ALLOCATION_TEXTS[allocation]}","blockers":[{names}],'
            f'"projected_ship_date":{_day_json(NULL_DAY if day == null else day)},'
            f'"at_risk":{"true" if at_risk else "false"},'
            f'"days_late":{"null" if late < 0 else late},"open_value":'
        )

    ids = [f',\n{{"order_id":"{code}","customer":"' for code in _escaped(picture.order_ids)]
    ids[0] = ids[0][2:]
    customers = _object_array([f'{c}","warehouse":"' for c in _escaped(picture.customer_codes)])
    return (
        _object_array(ids),
        customers[picture.order_customer],
        _rendered(
            [
                picture.order_warehouse,
                picture.order_promised,
                result.order_status,
                result.order_allocation,
                result.order_blockers,
                ship,
                result.order_at_risk,
                result.order_days_late,
            ],
            standing,
        ),
        _numbers(result.order_open_value, ',"lines":[', result.value_decimals),
    )


# ----------------------------------------------------------------------------- pegs


@dataclass(frozen=True, slots=True)
class _Purchase:
    """What an inbound sentence says of one purchase order."""

    #: ``PO77 from SUP-ACME (Acme Corp)``, escaped
    source: str
    known: bool
    confirmed_day: int


def _purchases(frame: _Frame, po_ids: list[int], po_codes: list[str]) -> dict[int, _Purchase]:
    """The purchase orders ``po_ids`` (picture ids; ``po_codes`` their escaped codes by
    picture id) as explanations name them: from the last row of the PO and of its
    supplier, as ``explain``'s directory finds them."""
    tables, picture = frame.tables, frame.result.picture
    orders, suppliers, vocab = tables.purchase_orders, tables.suppliers, tables.vocab
    order_row = last_rows(orders.po, np.arange(orders.po.shape[0], dtype=np.int64), len(vocab.pos))
    supplier_row = last_rows(
        suppliers.code, np.arange(suppliers.code.shape[0], dtype=np.int64), len(vocab.suppliers)
    )
    vocab_ids = [vocab.pos.id_of(picture.po_ids[p]) for p in po_ids]
    rows = [-1 if v is None else int(order_row[v]) for v in vocab_ids]
    supplier = [int(orders.supplier[row]) if row >= 0 else -1 for row in rows]
    named = [int(supplier_row[s]) if s >= 0 else -1 for s in supplier]
    codes = _escaped([vocab.suppliers.codes[s] if s >= 0 else "" for s in supplier])
    names = _escaped([(suppliers.name[r] or "") if r >= 0 else "" for r in named])
    found: dict[int, _Purchase] = {}
    for p, row, code, name in zip(po_ids, rows, codes, names, strict=True):
        if row < 0:
            found[p] = _Purchase(f"{po_codes[p]} from an unknown supplier", False, NULL_DAY)
            continue
        source = f"{po_codes[p]} from {code} ({name})" if name else f"{po_codes[p]} from {code}"
        found[p] = _Purchase(source, True, int(orders.confirmed_date[row]))
    return found


def _inbound_clause(purchase: _Purchase, expected_day: int, as_of_day: int) -> str:
    """``PO77 from SUP-ACME, expected 2026-11-26, not confirmed by the supplier``."""
    if not purchase.known:
        return purchase.source
    overdue = as_of_day - expected_day
    lateness = f" ({plural(overdue, 'day')} overdue)" if overdue > 0 else ""
    confirmed = (
        f", confirmed by the supplier on {_iso(purchase.confirmed_day)}"
        if purchase.confirmed_day != NULL_DAY
        else ", not confirmed by the supplier"
    )
    return f"{purchase.source}, expected {_iso(expected_day)}{lateness}{confirmed}"


@dataclass(frozen=True, slots=True)
class _Pegs:
    """The lines that take from future supply (ascending ids) and, aligned with them,
    the JSON lists of their held and inbound pegs and their sentences about them (held
    stock first, then purchase orders, each in the order taken, as
    ``explain.line_sentences`` lists them)."""

    lines: I64
    held_json: Texts
    inbound_json: Texts
    sentences: Texts

    @classmethod
    def of(cls, frame: _Frame) -> _Pegs:
        result = frame.result
        count = result.line_peg_count
        lines = np.flatnonzero(count)
        # Peg ranges follow the pegging order of the lines, not their ids.
        by_first = lines[np.argsort(result.line_peg_first[lines], kind="stable")]
        owner = np.repeat(by_first, count[by_first])
        order = np.lexsort((np.arange(owner.shape[0]), result.peg_kind, owner))
        owner, kind = owner[order], result.peg_kind[order]
        group = np.searchsorted(lines, owner)
        held = kind == SOURCE_HELD
        separator = np.where(_firsts(owner, kind), "", ",").astype(object)
        json_texts, sentences = _peg_texts(frame, owner, order)
        json_texts = separator + json_texts
        return cls(
            lines=lines,
            held_json="[" + _joined(json_texts[held], group[held], lines.shape[0]) + "]",
            inbound_json="[" + _joined(json_texts[~held], group[~held], lines.shape[0]) + "]",
            sentences=_joined(sentences, group, lines.shape[0]),
        )


def _peg_texts(frame: _Frame, owner: I64, pegs: I64) -> tuple[Texts, Texts]:
    """The JSON object and the sentence of each peg (``pegs`` are peg ids, ``owner``
    their lines), row by row: pegs are few."""
    result = frame.result
    picture = result.picture
    inbound = result.peg_inbound[pegs]
    is_inbound = inbound >= 0
    inbound_po = np.full(inbound.shape[0], -1, dtype=np.int64)
    inbound_po[is_inbound] = picture.inbound_po[inbound[is_inbound]]
    po_lines = np.zeros(inbound.shape[0], dtype=np.int64)
    po_lines[is_inbound] = picture.inbound_line[inbound[is_inbound]]
    expected_days = np.zeros(inbound.shape[0], dtype=np.int64)
    expected_days[is_inbound] = picture.inbound_expected[inbound[is_inbound]]
    po_codes = _escaped(picture.po_ids)
    purchases = _purchases(frame, _distinct(inbound_po[inbound_po >= 0]), po_codes)
    as_of_day = picture.as_of_day
    rows = zip(
        result.peg_kind[pegs].tolist(),
        result.peg_qty[pegs].tolist(),
        _number_texts(result.peg_qty[pegs]).tolist(),
        result.peg_day[pegs].tolist(),
        inbound_po.tolist(),
        po_lines.tolist(),
        expected_days.tolist(),
        picture.line_number[owner].tolist(),
        picture.line_open_qty[owner].tolist(),
        frame.sku[picture.line_sku[owner]].tolist(),
        picture.line_warehouse[owner].tolist(),
        strict=True,
    )
    json_texts: list[str] = []
    sentences: list[str] = []
    for kind, qty, amount, day, p, po_line, expected, number, open_qty, sku, wh in rows:
        available = _iso(day)
        head = f'"Line {number}: {frame.portion(qty, open_qty, sku)}'
        if kind == SOURCE_HELD:
            json_texts.append(f'{{"qty":{amount},"available_date":"{available}"}}')
            sentences.append(
                f"{head} are held by quality in {frame.warehouse[wh]}, "
                f'expected to be released {available}.",'
            )
            continue
        json_texts.append(
            f'{{"po_id":"{po_codes[p]}","line":{po_line},'
            f'"qty":{amount},"available_date":"{available}"}}'
        )
        clause = _inbound_clause(purchases[p], expected, as_of_day)
        sentences.append(f'{head} wait on {clause}; available to pick {available}.",')
    return _object_array(json_texts), _object_array(sentences)


# ---------------------------------------------------------------------------- lines


def _line_fragments(frame: _Frame, pegs: _Pegs) -> tuple[Texts, Texts, Texts]:
    """Every line's JSON object in three fragments: up to ``"unit_price":``, then the
    price and the transfers up to ``"sku":"``, then the SKU (a comma before every line
    but the first of its order)."""
    result = frame.result
    picture = result.picture
    n = picture.n_lines
    first = np.zeros(n, dtype=np.bool_)
    first[picture.order_line_start[:-1]] = True
    open_qty, from_stock, short = picture.line_open_qty, result.line_from_stock, result.line_short
    projected, projected_null = _nullable_days(result.line_projected_day)
    supply, supply_null = _nullable_days(result.line_supply_day)

    def quantities(
        is_first: bool, number: int, units: int, stock: int, missing: int, day: int, ready: int
    ) -> str:
        return (
            f'{"" if is_first else ","}{{"line":{number},"open_qty":{number_text(units)},'
            f'"from_stock":{number_text(stock)},"from_quality_hold":[],"from_inbound":[],'
            f'"short_qty":{number_text(missing)},'
            f'"projected_date":{_day_json(NULL_DAY if day == projected_null else day)},'
            f'"supply_date":{_day_json(NULL_DAY if ready == supply_null else ready)},'
            '"unit_price":'
        )

    head = np.empty(n, dtype=object)
    # Most lines come from stock in full: the text hangs on the open quantity alone.
    pegless = result.line_peg_count == 0
    plain = (from_stock == open_qty) & (short == 0) & pegless
    rows = np.flatnonzero(plain)
    head[rows] = _rendered(
        [first[rows], picture.line_number[rows], open_qty[rows], projected[rows], supply[rows]],
        lambda is_first, number, units, day, ready: quantities(
            is_first, number, units, units, 0, day, ready
        ),
    )
    rows = np.flatnonzero(~plain & pegless)
    head[rows] = _rendered(
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


def _pegged_heads(frame: _Frame, pegs: _Pegs, first: Bools) -> Texts:
    """The first fragment of the lines with pegs, row by row from per-column texts."""
    result = frame.result
    picture = result.picture
    lines = pegs.lines
    rows = zip(
        first[lines].tolist(),
        picture.line_number[lines].tolist(),
        _number_texts(picture.line_open_qty[lines]).tolist(),
        _number_texts(result.line_from_stock[lines]).tolist(),
        pegs.held_json.tolist(),
        pegs.inbound_json.tolist(),
        _number_texts(result.line_short[lines]).tolist(),
        _day_texts(result.line_projected_day[lines]).tolist(),
        _day_texts(result.line_supply_day[lines]).tolist(),
        strict=True,
    )
    return _object_array(
        [
            f'{"" if is_first else ","}{{"line":{number},"open_qty":{units},'
            f'"from_stock":{stock},"from_quality_hold":{held},'
            f'"from_inbound":{inbound},"short_qty":{missing},'
            f'"projected_date":{day},"supply_date":{ready},"unit_price":'
            for is_first, number, units, stock, held, inbound, missing, day, ready in rows
        ]
    )


def _prices_and_transfers(frame: _Frame) -> tuple[Texts, Texts]:
    """``P,"alternatives":[...],"sku":"`` and ``SKU"}`` of every line."""
    result = frame.result
    picture = result.picture
    alt = result.alternatives
    price = picture.line_unit_price
    texts = np.empty(picture.n_lines, dtype=object)
    alone = alt.count == 0
    texts[alone] = _numbers(price[alone], ',"alternatives":[],"sku":"')
    closing = _object_array([f'{sku}"}}' for sku in frame.sku.tolist()])[picture.line_sku]
    helped = np.flatnonzero(~alone)
    if helped.shape[0] == 0:
        return texts, closing
    owner = np.repeat(np.arange(helped.shape[0]), alt.count[helped])
    arrival, _ = _nullable_days(alt.arrival_day)
    warehouse = frame.warehouse
    each = _rendered(
        [
            _firsts(owner),
            alt.from_warehouse,
            alt.free_qty,
            alt.transit_days,
            arrival,
            alt.makes_promise,
        ],
        lambda first, wh, free, days, day, makes: (
            f'{"" if first else ","}{{"warehouse":"{warehouse[wh]}",'
            f'"free_qty":{number_text(free)},"transit_days":{days},'
            f'"arrival_date":"{_iso(day)}","makes_promise":{"true" if makes else "false"}}}'
        ),
    )
    texts[helped] = _numbers(price[helped], ',"alternatives":[') + _joined(
        each, owner, helped.shape[0]
    )
    closing[helped] = '],"sku":"' + closing[helped]
    return texts, closing


# --------------------------------------------------------------------- explanations


def _credit_texts(frame: _Frame, customers: list[int]) -> dict[int, str]:
    """The credit sentences of each blocked customer, as JSON strings each followed by
    a comma; worded by ``explain.credit_sentences`` from the customer's assessment."""
    result = frame.result
    overdue = overdue_invoices_by_customer(result)
    block_days = result.picture.policy.overdue_days_block
    texts: dict[int, str] = {}
    for c in customers:
        assessment = credit_assessment(result, c, overdue.get(c, ()))
        sentences = credit_sentences(assessment, block_days)
        texts[c] = "".join(_ENCODER.encode(sentence) + "," for sentence in sentences)
    return texts


def _opening(payer: int, credit: dict[int, str]) -> str:
    return '],"explanation":[' + (credit[payer] if payer >= 0 else "")


def _ship_clause(day: int, late: int, promised: int, credit_blocked: bool, brief: bool) -> str:
    """``explain._ship_clause``: ``2026-11-28, 1 day after the promised 2026-11-27``."""
    when = _iso(day) + (" once credit is released" if credit_blocked else "")
    if late > 0:
        return f"{when}, {plural(late, 'day')} after the promised {_iso(promised)}"
    if brief:
        return f"{when}, on time"
    return f"{when}, on time for the promise of {_iso(promised)}"


def _simple_order_tails(frame: _Frame, orders: I64, payer: I64, credit: dict[int, str]) -> Texts:
    """The tails of orders whose every line is simply served from stock: credit, then
    ``"All 3 lines are covered from stock in WH; ships D, on time."``."""
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
        lines = f"Line {who} is" if who >= 0 else f"All {-who} lines are"
        clause = _ship_clause(day, days_late, due, c >= 0, brief=True)
        return (
            f'{_opening(c, credit)}"{lines} covered from stock in {warehouse[wh]}; '
            f'ships {clause}."]}}'
        )

    return _rendered([subject, payer, picture.order_warehouse[orders], ship, late, promised], tail)


def _fill_detailed_tails(
    frame: _Frame,
    pegs: _Pegs,
    layout: _Layout,
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
    pieces[tail] = _rendered([payer], lambda c: _opening(c, credit))
    position = np.full(picture.n_orders, -1, dtype=np.int64)
    position[orders] = np.arange(orders.shape[0])
    lines = np.flatnonzero(position[picture.line_order] >= 0)
    owner = picture.line_order[lines]
    line_tail = layout.tail_slot[owner] + (lines - start[owner])
    needy = ~frame.simple[lines]
    told = _texts(lines.shape[0])
    told[needy] = _line_sentences(frame, pegs, lines[needy])
    pieces[line_tail + 1] = told
    for offset, texts in enumerate(_named_lines_and_ship(frame, orders, position, payer >= 0)):
        pieces[tail + lines_of + 1 + offset] = texts
    count = result.alternatives.count
    helped = np.flatnonzero(needy & (count[lines] > 0))
    transfers = _texts(lines.shape[0])
    transfers[helped] = _joined(
        _transfer_sentences(frame, lines[helped]),
        np.repeat(np.arange(helped.shape[0]), count[lines[helped]]),
        helped.shape[0],
    )
    pieces[line_tail + (start[owner + 1] - start[owner]) + 4] = transfers
    pieces[tail + 2 * lines_of + 4] = "]}"


def _named_lines_and_ship(
    frame: _Frame, orders: I64, position: I64, blocked: Bools
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
    words = _rendered(
        [picture.line_number[lines], np.minimum(after, 2)],
        lambda number, rest: f"{number}{('', ' and ', ', ')[rest]}",
    )
    subject = _object_array(["", '"Line ', '"Lines '])[np.minimum(count, 2)]
    ship, null = _nullable_days(result.order_projected_ship_day[orders])
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
            return (
                f'{named}"No ship date until the shortage is covered; promised {_iso(promised)}."'
            )
        clause = _ship_clause(day, late, promised, credit_blocked, brief=False)
        return f'{named}"Projected to ship {clause}."'

    return (
        subject,
        _joined(words, group, orders.shape[0]),
        _rendered(
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


def _line_sentences(frame: _Frame, pegs: _Pegs, lines: I64) -> Texts:
    """``explain.line_sentences`` of ``lines`` (those not simply served from stock, in
    ascending order), as JSON strings each followed by a comma."""
    result = frame.result
    picture = result.picture
    open_qty, from_stock = picture.line_open_qty[lines], result.line_from_stock[lines]
    short, delay = result.line_short[lines], frame.delay[lines]
    number, wh = picture.line_number[lines], picture.line_warehouse[lines]
    sku = frame.sku[picture.line_sku[lines]]
    texts = _texts(lines.shape[0])

    partly = np.flatnonzero((from_stock > 0) & (from_stock < open_qty))
    texts[partly] = _object_array(
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
    texts[missing] = texts[missing] + _object_array(
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


def _capacity_sentences(frame: _Frame, lines: I64) -> Texts:
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
            f", but {warehouse[wh]} {limit}, so the line is picked {_iso(day)} "
            f'({plural(delay, "day")} later).",'
        )

    in_stock = result.line_from_stock[lines] >= picture.line_open_qty[lines]
    number, wh = picture.line_number[lines], picture.line_warehouse[lines]
    ready = np.where(in_stock, 0, result.line_supply_day[lines])
    # "all 40 SKU are in stock in WH" (the SKU in the middle) or "ready 2026-11-26".
    subject = _rendered(
        [number, np.where(in_stock, picture.line_open_qty[lines], 0), ready],
        lambda n, units, day: (
            f'"Line {n}: {"all " if units > _ONE else ""}{frame.qty(units)} '
            if units
            else f'"Line {n}: ready {_iso(day)}'
        ),
    )
    where = _rendered(
        [in_stock, wh], lambda stocked, w: f" are in stock in {warehouse[w]}" if stocked else ""
    )
    return _concatenated(
        subject,
        np.where(in_stock, frame.sku[picture.line_sku[lines]], "").astype(object),
        where,
        _rendered([wh, result.line_projected_day[lines], frame.delay[lines]], but),
    )


def _transfer_sentences(frame: _Frame, lines: I64) -> Texts:
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
    return _object_array(
        [
            f',"Line {number}: {frame.warehouse[wh]} has {frame.qty(free)} {sku} free; '
            f"a transfer takes {plural(days, 'day')}, arriving {_iso(arrival)}, "
            + ("in time for the promise" if makes else f"too late for the promise of {_iso(due)}")
            + '."'
            for number, wh, free, sku, days, arrival, makes, due in rows
        ]
    )


def order_texts(result: ColumnarAnalysis, tables: DatasetTables) -> tuple[list[str], list[str]]:
    """Each order's ``lines`` and ``explanation`` arrays as JSON text, in picture order.

    The same text as the order's object in the scan document (``json.loads`` of the
    pair equals ``order_document(o)["lines"]`` and ``["explanation"]``), cut out of
    the fragments the document is written from, so a stored scan keeps exactly what
    the stateless scan prints without wording anything a second time.
    """
    picture = result.picture
    if picture.n_orders == 0:
        return [], []
    pieces, layout = _fragments(_Frame.of(result, tables))
    base = layout.order_base.tolist()
    tail = layout.tail_slot.tolist()
    lines: list[str] = []
    explanations: list[str] = []
    opening = len('],"explanation":')
    for o in range(picture.n_orders):
        lines.append("[" + "".join(pieces[base[o] + 3 + 1 : tail[o]].tolist()) + "]")
        closing = "".join(pieces[tail[o] : base[o + 1]].tolist())
        explanations.append(closing[opening:-1])
    return lines, explanations
