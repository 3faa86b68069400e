"""What every columnar detector reads: the tables, the kernel's analysis, the moment.

The columnar detectors find exactly what the reference detectors of
:mod:`controltower.detectors` find (the same :class:`~controltower.detectors.base.Finding`
values, explanations included), but they select candidates with whole-array operations
over :class:`~controltower.domain.tables.DatasetTables` and the kernel's
:class:`~controltower.domain.kernel.ColumnarAnalysis`, and build Python objects only for
what they report. That is what keeps a scan of a million order lines in seconds.

Look-ups several detectors share are computed once, on first use, and kept here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

import numpy as np

from controltower.detectors.base import SeverityLadder
from controltower.domain.analysis import AllocationPolicy
from controltower.domain.cases import CaseOccurrence, Severity
from controltower.domain.columnar import ColumnarPicture
from controltower.domain.kernel import ColumnarAnalysis
from controltower.domain.tables import DatasetTables


class ColumnarDetectionContext:
    """The picture as columns, its analysis and the detection time and history."""

    def __init__(
        self,
        tables: DatasetTables,
        result: ColumnarAnalysis,
        *,
        detected_at: datetime,
        ladder: SeverityLadder,
        history: Sequence[CaseOccurrence] = (),
        allocation: AllocationPolicy = AllocationPolicy(),
    ) -> None:
        self.tables = tables
        self.result = result
        self.detected_at = detected_at
        self.ladder = ladder
        self.history = tuple(history)
        self.allocation = allocation

    @property
    def picture(self) -> ColumnarPicture:
        return self.result.picture

    @property
    def as_of(self) -> date:
        """The analysis date D: day-counting thresholds count from it."""
        return self.result.picture.as_of

    @property
    def as_of_day(self) -> int:
        return self.result.picture.as_of_day

    def severity_for_value(self, value: Decimal) -> Severity:
        """The severity the value ladder gives ``value`` (each bound is inclusive)."""
        if value >= self.ladder.critical:
            return Severity.CRITICAL
        if value >= self.ladder.high:
            return Severity.HIGH
        if value >= self.ladder.medium:
            return Severity.MEDIUM
        return Severity.LOW

    @cached_property
    def picture_order_of_vocab_order(self) -> np.ndarray:
        """For each id of ``tables.vocab.orders``, its order id in the picture, else -1.

        Picture orders are the open orders with an open line, a subset of the vocabulary
        in the same (sorted) order.
        """
        vocab = self.tables.vocab.orders.codes
        mapping = np.full(len(vocab), -1, dtype=np.int64)
        if self.picture.order_ids:
            ids = self.tables.vocab.orders.ids()
            positions = np.fromiter((ids[o] for o in self.picture.order_ids), dtype=np.int64)
            mapping[positions] = np.arange(len(positions), dtype=np.int64)
        return mapping
