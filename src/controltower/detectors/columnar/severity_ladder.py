"""Severity by value: the policy's ladder applied to many amounts at once.

Every value-based detector ranks its findings on the same ladder (critical, high,
medium) and may raise them by a level; computing the ranks as arrays keeps that one
comparison per rung rather than one per finding.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

from controltower.detectors.columnar.bulk_text import INT64_LIMIT, Amounts
from controltower.detectors.columnar.context import (
    ColumnarDetectionContext,
)
from controltower.domain.cases import SEVERITY_ORDER, Severity, severity_rank
from controltower.domain.tables import I64, Bools

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
        values = amounts if least < INT64_LIMIT else amounts.astype(object)
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
