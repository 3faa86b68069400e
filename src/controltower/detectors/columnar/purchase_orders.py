"""Purchase-order facts the supplier detectors share: open lines, entities, pegs.

The supplier delay and confirmation detectors both look at a set of POs, their open
lines and the order lines pegged to them; each look-up is one mask or gather.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from controltower.detectors.base import (
    product_entity,
    supplier_entity,
)
from controltower.detectors.columnar.bulk_text import Ints
from controltower.detectors.columnar.context import (
    ColumnarDetectionContext,
    spans,
    starts_of,
)
from controltower.detectors.columnar.groups import distinct_sorted, group_bounds
from controltower.domain.tables import I64

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
    pairs = distinct_sorted(groups.astype(np.int64) * n_skus + skus)
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
