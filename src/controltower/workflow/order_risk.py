"""Each open order's risk as the stored scan records it, made from the kernel's arrays.

The stored scan keeps one row per open order (``order_risk``): its standing, its open
value, and its lines and explanation exactly as the scan document states them. This
module turns a :class:`~controltower.domain.kernel.ColumnarAnalysis` into those rows
as columns (plain lists, one entry per order in picture order) without making an
object per order or per line: the texts come from the document writer
(:func:`~controltower.workflow.scan_writer.order_text_chunks`), the rest from whole-array
operations.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date
from hashlib import blake2b
from typing import Final

import numpy as np
import numpy.typing as npt

from controltower.domain.analysis import STATUS_FOR_BLOCKER, Allocation, Blocker, OrderRiskStatus
from controltower.domain.columnar import NULL_DAY, from_units
from controltower.domain.kernel import ColumnarAnalysis
from controltower.domain.tables import DatasetTables
from controltower.workflow.scan_writer import order_text_chunks

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
class OrderTexts:
    """What wording the open orders makes, column by column: each order's ``lines`` and
    ``explanation`` as JSON text, as in the scan document, and the ``content_digest``
    of its whole row (:func:`content_digests`). The costly part of an order's row: a
    scan may have it made by another process (``workflow/order_texts_aside.py``)."""

    lines: list[str]
    explanation: list[str]
    content_digest: list[str]

    def __len__(self) -> int:
        return len(self.lines)

    def extend(self, more: OrderTexts) -> None:
        """Append the texts of the orders that follow (``more``, a later chunk)."""
        self.lines.extend(more.lines)
        self.explanation.extend(more.explanation)
        self.content_digest.extend(more.content_digest)


@dataclass(frozen=True, slots=True)
class OrderRiskColumns(OrderStandings):
    """The open orders of one scan as recorded: their standings, and for each its
    ``company`` (that of the warehouse it ships from, the key its risk and history are
    kept under), its ``lines`` and ``explanation`` as JSON text, as in the scan
    document, and the digest of all that (:func:`content_digests`), by which a later
    scan tells whether the row changed."""

    company: list[str]
    lines: list[str]
    explanation: list[str]
    content_digest: list[str]

    @classmethod
    def of(
        cls, standings: OrderStandings, company: list[str], texts: OrderTexts
    ) -> OrderRiskColumns:
        """The columns made of their three parts."""
        return cls(
            **{f.name: getattr(standings, f.name) for f in fields(OrderStandings)},
            company=company,
            lines=texts.lines,
            explanation=texts.explanation,
            content_digest=texts.content_digest,
        )


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
    standings = order_standings(result)
    return OrderRiskColumns.of(
        standings, order_companies(result, tables), worded_orders(standings, result, tables)
    )


def worded_orders(
    standings: OrderStandings, result: ColumnarAnalysis, tables: DatasetTables
) -> OrderTexts:
    """The orders' texts (``standings``: :func:`order_standings` of ``result``) and the
    digest of each order's row."""
    worded = OrderTexts(lines=[], explanation=[], content_digest=[])
    for chunk in worded_order_chunks(standings, result, tables):
        worded.extend(chunk)
    return worded


def worded_order_chunks(
    standings: OrderStandings, result: ColumnarAnalysis, tables: DatasetTables
) -> Iterator[OrderTexts]:
    """:func:`worded_orders` a chunk of orders at a time, in picture order, so a writer
    passing each chunk on never holds every order's texts at once."""
    first = 0
    for lines, explanation in order_text_chunks(result, tables):
        digests = content_digests(standings, lines, explanation, first=first)
        yield OrderTexts(lines=lines, explanation=explanation, content_digest=digests)
        first += len(lines)


def order_companies(result: ColumnarAnalysis, tables: DatasetTables) -> list[str]:
    """Each open order's company: that of the warehouse it ships from."""
    picture = result.picture
    companies = _warehouse_companies(tables, picture.warehouse_codes)
    return [companies[w] for w in picture.order_warehouse.tolist()]


def content_digests(
    standings: OrderStandings,
    lines: Sequence[str],
    explanation: Sequence[str],
    *,
    first: int = 0,
) -> list[str]:
    """Per order, a digest of everything its row says but its company and id (its key)
    and the scan's id and time: of orders ``first`` onwards, as many as ``lines`` holds.

    BLAKE2b over the fields joined with a separator no field holds unescaped (the
    texts are JSON, whose strings escape control characters): equal digests mean the
    row would be written the same.
    """
    separator = "\x1f"
    part = slice(first, first + len(lines))
    texts = zip(
        standings.customer[part],
        standings.warehouse[part],
        _as_texts(standings.promised_date[part]),
        _as_texts(standings.status[part]),
        _as_texts(standings.allocation[part]),
        standings.blockers[part],
        _as_texts(standings.projected_ship_date[part]),
        _as_texts(standings.at_risk[part]),
        _as_texts(standings.days_late[part]),
        standings.open_value[part],
        explanation,
        lines,
        strict=True,
    )
    return [
        blake2b(separator.join(fields_).encode(), digest_size=16).hexdigest() for fields_ in texts
    ]


def _as_texts(values: Sequence[object]) -> list[str]:
    """``str`` of each of ``values``, a column of few distinct values of one type (dates,
    statuses, flags, day counts), converting each distinct value once."""
    text = {value: str(value) for value in set(values)}
    return [text[value] for value in values]


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
