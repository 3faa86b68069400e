"""How big a demo business is: the counts the generator aims for, and named presets.

A size is data, not code, so tests, the ``demo`` command and the benchmarks can ask for
exactly the business they need. ``small`` is for tests, ``medium`` is the demo and
``large`` (a million open order lines) is for benchmarks. :func:`size_for_open_lines`
interpolates between the presets, so a benchmark at 10k or 100k open lines gets a
business of consistent shape (SKUs, customers and suppliers growing slower than lines,
as in real distributors) rather than one with a thousand lines per SKU.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, fields, replace
from typing import Final

from controltower.demo.catalogue import WAREHOUSE_SITES

#: the smallest count of each kind that still makes a business with every situation in it
_MINIMUMS: Final[dict[str, int]] = {
    "skus": 20,
    "customers": 8,
    "suppliers": 4,
    "open_order_lines": 20,
    "open_po_lines": 10,
    "history_order_lines": 0,
    "history_po_lines": 0,
    "history_days": 14,
}


@dataclass(frozen=True, slots=True)
class BusinessSize:
    """The counts a generated business aims for.

    ``open_order_lines`` and ``open_po_lines`` are exact: that many lines with open
    quantity on open orders and open POs, the story's included. The history counts are
    the lines of done and cancelled orders and POs spread over ``history_days`` before
    the as-of date; they feed KPIs and vendor scorecards.
    """

    name: str
    warehouses: int
    skus: int
    customers: int
    suppliers: int
    open_order_lines: int
    open_po_lines: int
    history_order_lines: int
    history_po_lines: int
    history_days: int

    def __post_init__(self) -> None:
        if not 2 <= self.warehouses <= len(WAREHOUSE_SITES):
            raise ValueError(
                f"business size {self.name!r}: warehouses must be between 2 and "
                f"{len(WAREHOUSE_SITES)} (one per known site), not {self.warehouses}"
            )
        for field_name, minimum in _MINIMUMS.items():
            value = getattr(self, field_name)
            if value < minimum:
                raise ValueError(
                    f"business size {self.name!r}: {field_name} must be at least "
                    f"{minimum}, not {value}"
                )


SMALL: Final = BusinessSize(
    name="small",
    warehouses=3,
    skus=300,
    customers=60,
    suppliers=12,
    open_order_lines=800,
    open_po_lines=250,
    history_order_lines=3_000,
    history_po_lines=1_200,
    history_days=56,
)

MEDIUM: Final = BusinessSize(
    name="medium",
    warehouses=4,
    skus=2_400,
    customers=320,
    suppliers=45,
    open_order_lines=5_200,
    open_po_lines=1_600,
    history_order_lines=20_000,
    history_po_lines=8_000,
    history_days=91,
)

LARGE: Final = BusinessSize(
    name="large",
    warehouses=5,
    skus=50_000,
    customers=20_000,
    suppliers=600,
    open_order_lines=1_000_000,
    open_po_lines=200_000,
    history_order_lines=250_000,
    history_po_lines=60_000,
    history_days=91,
)

PRESETS: Final[dict[str, BusinessSize]] = {s.name: s for s in (SMALL, MEDIUM, LARGE)}

_COUNT_FIELDS: Final = tuple(
    f.name for f in fields(BusinessSize) if f.name not in ("name", "open_order_lines")
)


def size_named(name: str) -> BusinessSize:
    """The preset called ``name`` (``small``, ``medium`` or ``large``)."""
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join(PRESETS)
        raise ValueError(f"unknown business size {name!r}; choose one of {known}") from None


def size_for_open_lines(n: int) -> BusinessSize:
    """A business of consistent shape with exactly ``n`` open order lines.

    Every other count is interpolated between the two presets around ``n`` on a log-log
    scale (extrapolated past the ends), so ``size_for_open_lines(5_200)`` has the counts
    of ``medium`` and ``size_for_open_lines(1_000_000)`` those of ``large``; SKUs and
    customers grow slower than lines, as they do in real distributors.
    """
    if n < SMALL.open_order_lines // 8:
        raise ValueError(
            f"size_for_open_lines needs at least {SMALL.open_order_lines // 8} lines, not {n}"
        )
    anchors = sorted(PRESETS.values(), key=lambda s: s.open_order_lines)
    lower, upper = anchors[0], anchors[1]
    for left, right in itertools.pairwise(anchors):
        lower, upper = left, right
        if n <= right.open_order_lines:
            break
    position = math.log(n / lower.open_order_lines) / math.log(
        upper.open_order_lines / lower.open_order_lines
    )

    def scaled(field_name: str) -> int:
        low, high = int(getattr(lower, field_name)), int(getattr(upper, field_name))
        if low == high or min(low, high) <= 0:
            return round(low + (high - low) * position)
        return round(math.exp(math.log(low) + (math.log(high) - math.log(low)) * position))

    counts = {name: max(scaled(name), _MINIMUMS.get(name, 0)) for name in _COUNT_FIELDS}
    counts["warehouses"] = min(max(counts["warehouses"], 3), len(WAREHOUSE_SITES))
    counts["history_days"] = min(max(counts["history_days"], 28), 182)
    return replace(LARGE, name=f"open-lines-{n}", open_order_lines=n, **counts)
