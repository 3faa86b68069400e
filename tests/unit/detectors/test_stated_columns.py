"""The detector tests' hand-built analyses, stated in the kernel's arrays, read as the
kernel's own: stating the oracle's analysis of a generated business over the kernel's
picture changes nothing any detector finds."""

from __future__ import annotations

import dataclasses

import pytest

from controltower.detectors.base import Finding
from controltower.detectors.columnar import ColumnarDetectionContext, run_columnar_detectors
from controltower.domain.analysis import Analysis
from controltower.domain.kernel import ColumnarAnalysis
from helpers.columnar_detection import BUSINESS_NAMES, SeenBothWays, seen_both_ways
from helpers.stated_columns import completed_dataset, stated_columns


def _findings(seen: SeenBothWays, result: ColumnarAnalysis) -> list[Finding]:
    """What the product's detectors find on ``seen``'s tables with ``result``."""
    context = ColumnarDetectionContext(
        seen.tables,
        result,
        detected_at=seen.columnar_context().detected_at,
        ladder=seen.policy.detectors.severity_by_value,
        allocation=seen.policy.allocation.to_domain(),
    )
    return run_columnar_detectors(context, seen.policy.detectors)


@pytest.mark.parametrize("business", BUSINESS_NAMES)
def test_the_reference_analysis_stated_over_the_kernels_picture_finds_what_the_kernel_finds(
    business: str,
) -> None:
    seen = seen_both_ways(business)
    assert completed_dataset(seen.dataset, seen.analysis) == seen.dataset  # nothing to add

    stated = stated_columns(seen.result, seen.analysis, seen.dataset)

    assert _findings(seen, stated) == _findings(seen, seen.result)


def test_a_fact_the_picture_cannot_hold_is_refused() -> None:
    seen = seen_both_ways("small-seed7")
    order = next(o for o in seen.analysis.orders if o.lines)
    line = dataclasses.replace(order.lines[0], open_qty=order.lines[0].open_qty + 1)
    changed = dataclasses.replace(order, lines=(line, *order.lines[1:]))
    analysis = Analysis(
        as_of=seen.analysis.as_of,
        orders=[changed if o is order else o for o in seen.analysis.orders],
        pools=seen.analysis.pools,
        credit=seen.analysis.credit,
    )
    with pytest.raises(AssertionError, match="do not hold the orders stated"):
        stated_columns(seen.result, analysis, seen.dataset)
