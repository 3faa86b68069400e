"""Generated businesses seen both ways: by the reference engine and detectors, and in columns.

The columnar detectors and the columnar scan must find exactly what the reference code
finds. These businesses (several seeds, sizes and as-of dates, so that every detector
has something to find and something to pass over) are analysed once per test session
both ways, and tests compare the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from controltower.demo import generate_business
from controltower.demo.sizes import size_named
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.domain.analysis import Analysis
from controltower.domain.columnar import to_columns
from controltower.domain.kernel import ColumnarAnalysis, analyse_columns
from controltower.domain.model import Dataset
from controltower.domain.tables import DatasetTables, tables_from_dataset
from controltower.policy import Policy, load_policy
from controltower.workflow.scan_document import scan_detected_at
from controltower_oracle.detectors.context import DetectionContext
from controltower_oracle.engine import analyse

#: (name, size, seed, as-of date): small businesses with varied seeds and dates, one medium
BUSINESSES: tuple[tuple[str, str, int, date], ...] = (
    ("small-seed7", "small", 7, date(2026, 11, 25)),
    ("small-seed1-monday", "small", 1, date(2026, 11, 23)),
    ("small-seed2-saturday", "small", 2, date(2026, 11, 28)),
    ("medium-seed3", "medium", 3, date(2026, 11, 25)),
)
BUSINESS_NAMES = tuple(name for name, *_ in BUSINESSES)


@dataclass(frozen=True)
class SeenBothWays:
    """One business: its dataset, the reference analysis and the columnar one."""

    name: str
    as_of: date
    policy: Policy
    dataset: Dataset
    analysis: Analysis
    tables: DatasetTables
    result: ColumnarAnalysis

    def reference_context(self) -> DetectionContext:
        return DetectionContext(
            self.dataset,
            self.analysis,
            detected_at=scan_detected_at(self.as_of, self.policy),
            ladder=self.policy.detectors.severity_by_value,
            allocation=self.policy.allocation.to_domain(),
        )

    def columnar_context(self) -> ColumnarDetectionContext:
        return ColumnarDetectionContext(
            self.tables,
            self.result,
            detected_at=scan_detected_at(self.as_of, self.policy),
            ladder=self.policy.detectors.severity_by_value,
            allocation=self.policy.allocation.to_domain(),
        )


@cache
def seen_both_ways(name: str) -> SeenBothWays:
    """The business ``name`` of :data:`BUSINESSES`, analysed both ways (once per session)."""
    _, size, seed, as_of = next(b for b in BUSINESSES if b[0] == name)
    policy = load_policy(None)
    allocation = policy.allocation.to_domain()
    dataset = generate_business(size_named(size), seed=seed, as_of=as_of)
    return SeenBothWays(
        name=name,
        as_of=as_of,
        policy=policy,
        dataset=dataset,
        analysis=analyse(dataset, as_of, allocation),
        tables=tables_from_dataset(dataset),
        result=analyse_columns(to_columns(dataset, as_of, allocation)),
    )
