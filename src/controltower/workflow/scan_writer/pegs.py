"""The future-supply pegs of the lines, as text.

Pegs are rare (only lines waiting for held stock or inbound supply have them), so they
are worded row by row from purchase-order facts looked up once per purchase order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from controltower.domain.columnar import NULL_DAY
from controltower.domain.columnar_tables import last_rows
from controltower.domain.explain import plural
from controltower.domain.kernel import (
    SOURCE_HELD,
)
from controltower.workflow.scan_writer.distinct_rows import (
    distinct_values,
    firsts_of,
    joined_by_group,
    number_texts,
)
from controltower.workflow.scan_writer.frame import Frame
from controltower.workflow.scan_writer.texts import I64, Texts, escaped, iso_day, object_array

# ----------------------------------------------------------------------------- pegs


@dataclass(frozen=True, slots=True)
class _Purchase:
    """What an inbound sentence says of one purchase order."""

    #: ``PO77 from SUP-ACME (Acme Corp)``, escaped
    source: str
    known: bool
    confirmed_day: int


def _purchases(frame: Frame, po_ids: list[int], po_codes: list[str]) -> dict[int, _Purchase]:
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
    codes = escaped([vocab.suppliers.codes[s] if s >= 0 else "" for s in supplier])
    names = escaped([(suppliers.name[r] or "") if r >= 0 else "" for r in named])
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
        f", confirmed by the supplier on {iso_day(purchase.confirmed_day)}"
        if purchase.confirmed_day != NULL_DAY
        else ", not confirmed by the supplier"
    )
    return f"{purchase.source}, expected {iso_day(expected_day)}{lateness}{confirmed}"


@dataclass(frozen=True, slots=True)
class Pegs:
    """The lines that take from future supply (ascending ids) and, aligned with them,
    the JSON lists of their held and inbound pegs and their sentences about them (held
    stock first, then purchase orders, each in the order taken, as
    ``explain.line_sentences`` lists them)."""

    lines: I64
    held_json: Texts
    inbound_json: Texts
    sentences: Texts

    @classmethod
    def of(cls, frame: Frame) -> Pegs:
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
        separator = np.where(firsts_of(owner, kind), "", ",").astype(object)
        json_texts, sentences = _peg_texts(frame, owner, order)
        json_texts = separator + json_texts
        return cls(
            lines=lines,
            held_json="[" + joined_by_group(json_texts[held], group[held], lines.shape[0]) + "]",
            inbound_json="["
            + joined_by_group(json_texts[~held], group[~held], lines.shape[0])
            + "]",
            sentences=joined_by_group(sentences, group, lines.shape[0]),
        )


def _peg_texts(frame: Frame, owner: I64, pegs: I64) -> tuple[Texts, Texts]:
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
    po_codes = escaped(picture.po_ids)
    purchases = _purchases(frame, distinct_values(inbound_po[inbound_po >= 0]), po_codes)
    as_of_day = picture.as_of_day
    rows = zip(
        result.peg_kind[pegs].tolist(),
        result.peg_qty[pegs].tolist(),
        number_texts(result.peg_qty[pegs]).tolist(),
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
        available = iso_day(day)
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
    return object_array(json_texts), object_array(sentences)
