"""Each open order's risk as the stored scan records it, made from the kernel's arrays.

The stored scan keeps one row per open order (``order_risk``): its standing, its open
value, and its lines and explanation exactly as the scan document states them. This
module turns a :class:`~controltower.domain.kernel.ColumnarAnalysis` into those rows
as columns (plain lists, one entry per order in picture order) without making an
object per order or per line: the texts come from the document writer
(:func:`~controltower.workflow.scan_writer.order_texts`), the rest from whole-array
operations.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt

from controltower.domain.analysis import STATUS_FOR_BLOCKER, Allocation, Blocker, OrderRiskStatus
from controltower.domain.columnar import NULL_DAY, from_units
from controltower.domain.kernel import ColumnarAnalysis
from controltower.domain.tables import DatasetTables
from controltower.workflow.scan_writer import order_texts

_BLOCKERS: Final = tuple(Blocker)
#: the kernel's status codes, in its order: one per blocker, then fully allocated
STATUSES: Final = (
    *(STATUS_FOR_BLOCKER[b] for b in _BLOCKERS),
    OrderRiskStatus.FULLY_ALLOCATED,
)
#: the kernel's allocation codes, in its order
ALLOCATIONS: Final = (Allocation.FULL, Allocation.PARTIAL, Allocation.NONE)


@dataclass(frozen=True, slots=True)
class OrderStandings:
    """Where each open order stands, column by column (entry ``o`` is order ``o``).

    ``open_value`` is plain decimal text.
    """

    as_of: date
    order_id: list[str]
    customer: list[str]
    warehouse: list[str]
    promised_date: list[date]
    status: list[OrderRiskStatus]
    allocation: list[Allocation]
    blockers: list[str]
    projected_ship_date: list[date | None]
    at_risk: list[bool]
    days_late: list[int | None]
    open_value: list[str]

    def __len__(self) -> int:
        return len(self.order_id)

    @property
    def at_risk_count(self) -> int:
        return sum(self.at_risk)


@dataclass(frozen=True, slots=True)
class OrderRiskColumns(OrderStandings):
    """The open orders of one scan as recorded: their standings, and for each its
    ``company`` (that of the warehouse it ships from, the key its risk and history are
    kept under) and its ``lines`` and ``explanation`` as JSON text, as in the scan
    document."""

    company: list[str]
    lines: list[str]
    explanation: list[str]


def order_standings(result: ColumnarAnalysis) -> OrderStandings:
    """Every open order's standing, from the kernel's result."""
    picture = result.picture
    warehouse_codes = list(picture.warehouse_codes)
    blocker_texts = [
        ",".join(b.value for bit, b in enumerate(_BLOCKERS) if code >> bit & 1)
        for code in range(1 << len(_BLOCKERS))
    ]
    late = result.order_days_late.tolist()
    return OrderStandings(
        as_of=picture.as_of,
        order_id=list(picture.order_ids),
        customer=[picture.customer_codes[c] for c in picture.order_customer.tolist()],
        warehouse=[warehouse_codes[w] for w in picture.order_warehouse.tolist()],
        promised_date=[d for d in _dates(picture.order_promised) if d is not None],
        status=[STATUSES[s] for s in result.order_status.tolist()],
        allocation=[ALLOCATIONS[a] for a in result.order_allocation.tolist()],
        blockers=[blocker_texts[b] for b in result.order_blockers.astype(np.int64).tolist()],
        projected_ship_date=_dates(result.order_projected_ship_day),
        at_risk=result.order_at_risk.tolist(),
        days_late=[None if d < 0 else d for d in late],
        open_value=[
            format(from_units(units, result.value_decimals), "f")
            for units in result.order_open_value.tolist()
        ],
    )


def order_promises(result: ColumnarAnalysis) -> dict[str, date]:
    """Each open order's promised date, by order id."""
    picture = result.picture
    promised = [d for d in _dates(picture.order_promised) if d is not None]
    return dict(zip(picture.order_ids, promised, strict=True))


def order_risk_columns(result: ColumnarAnalysis, tables: DatasetTables) -> OrderRiskColumns:
    """Every open order's recorded risk, from the kernel's result and its tables."""
    picture = result.picture
    standings = order_standings(result)
    lines, explanation = order_texts(result, tables)
    companies = _warehouse_companies(tables, picture.warehouse_codes)
    return OrderRiskColumns(
        **{f.name: getattr(standings, f.name) for f in fields(OrderStandings)},
        company=[companies[w] for w in picture.order_warehouse.tolist()],
        lines=lines,
        explanation=explanation,
    )


def _warehouse_companies(tables: DatasetTables, codes: tuple[str, ...] | list[str]) -> list[str]:
    """The company of each of the picture's warehouses, by the picture's warehouse id."""
    table = tables.warehouses
    vocabulary = tables.vocab
    by_code = {
        vocabulary.warehouses.codes[w]: vocabulary.companies.codes[c]
        for w, c in zip(table.code.tolist(), table.company.tolist(), strict=True)
    }
    return [by_code[code] for code in codes]


def _dates(days: npt.NDArray[np.int32]) -> list[date | None]:
    """Day numbers as dates, each distinct day converted once; ``NULL_DAY`` is None."""
    distinct, inverse = np.unique(days, return_inverse=True)
    converted = [None if d == NULL_DAY else date.fromordinal(int(d)) for d in distinct.tolist()]
    return [converted[i] for i in inverse.tolist()]
