"""Order stories: the explanation, next steps, causes and entities of many orders.

The order, pool, PO and credit detectors all describe the orders they flag the way the
reference ``order_at_risk`` detector does. :class:`OrderStoryBook` gathers each order's
lines and pegs once and tells every story a detection needs in one pass, so orders
shared by several findings are worded once.
"""

from __future__ import annotations

import itertools
import weakref
from dataclasses import dataclass

import numpy as np

from controltower.detectors.base import (
    customer_subject,
    product_entity,
    supplier_entity,
)
from controltower.detectors.columnar.bulk_text import Ints
from controltower.detectors.columnar.context import (
    ColumnarDetectionContext,
)
from controltower.detectors.columnar.groups import distinct_sorted, group_bounds
from controltower.detectors.columnar.order_explanations import explanations_of
from controltower.detectors.columnar.order_facts import (
    OrderLines,
    OrderPegs,
    order_lines_of,
    order_pegs_of,
)
from controltower.detectors.columnar.order_next_steps import causes_of, next_steps_of
from controltower.domain.kernel import (
    SOURCE_INBOUND,
)
from controltower.domain.tables import I64

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
        # a weak reference: the context keeps the book (a cached property), and a cycle
        # between them would outlive both, stories and all, while a large scan pauses
        # the cyclic collector
        self._context: ColumnarDetectionContext = weakref.proxy(context)
        self._position: I64 = np.full(context.picture.n_orders, -1, dtype=np.int64)
        self._told = OrderStories([], [], [], [])

    def of(self, orders: Ints) -> OrderStories:
        """The stories of the picture orders ``orders``, in that order."""
        told = self._told
        missing = distinct_sorted(orders[self._position[orders] < 0])
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


def _tell(context: ColumnarDetectionContext, orders: I64) -> OrderStories:
    """The stories of ``orders`` (ascending picture order ids)."""
    lines = order_lines_of(context, orders)
    pegs = order_pegs_of(context, lines.line)
    return OrderStories(
        explanations_of(context, lines, pegs),
        next_steps_of(context, lines, pegs),
        causes_of(context, lines, pegs),
        _entities(context, lines, pegs),
    )


def _entities(
    context: ColumnarDetectionContext, lines: OrderLines, pegs: OrderPegs
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
    keys = distinct_sorted(
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
