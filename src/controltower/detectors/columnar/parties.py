"""Customers and suppliers as the findings name and rank them.

Phrases are made per vocabulary id, once; a group's most important customer tier is
a ranked reduction, so several detectors can order their findings by it.
"""

from __future__ import annotations

import numpy as np

from controltower.detectors.columnar.bulk_text import Ints
from controltower.detectors.columnar.context import (
    TIERS,
    ColumnarDetectionContext,
)
from controltower.domain.model import Tier
from controltower.domain.tables import I64


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
