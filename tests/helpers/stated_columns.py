"""A hand-built analysis stated in the kernel's arrays, for detector tests.

Detector tests state the engine's conclusions by hand (an order's pegs, its shortage,
its dates, a customer's credit position) so that a detector is tested on exactly the
facts it reads, independently of pegging. The oracle's reference detectors read those
facts as an :class:`~controltower.domain.analysis.Analysis`; the product's detectors
read the kernel's :class:`~controltower.domain.kernel.ColumnarAnalysis`.
:func:`stated_columns` writes the same facts into the kernel's arrays, over the picture
the kernel builds from the same dataset, and checks that reading them back
(:func:`~controltower.domain.kernel.to_analysis`) gives the facts stated, so both kinds
of detector are handed exactly the same conclusions.

What the reference detectors read of an analysis is all that is stated: the orders and
their lines, each pool's shortage, and the credit of the customers given one (any other
customer is not blocked). The rest (a pool's physical and free stock, line values) is
the kernel's, from the dataset, as the reference detectors read it from the dataset.

Arrays can only point at what the picture holds, so a hand-built analysis may need a
few rows the test did not write: :func:`completed_dataset` adds them (an open purchase
order line for each peg on one the dataset lacks, a stock row with nothing on hand for
a pool that has no other row, an invoice for each overdue invoice a credit position
names), and both kinds of detector read the completed dataset.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from controltower.domain.analysis import (
    STATUS_FOR_BLOCKER,
    Allocation,
    Analysis,
    Blocker,
    CreditAssessment,
    OrderRiskStatus,
)
from controltower.domain.columnar import DECIMALS, NULL_DAY, ColumnarPicture, to_units
from controltower.domain.kernel import (
    SOURCE_HELD,
    SOURCE_INBOUND,
    AlternativeColumns,
    ColumnarAnalysis,
    CreditColumns,
    credit_assessment,
    overdue_invoices_by_customer,
    to_analysis,
)
from controltower.domain.model import (
    Dataset,
    Invoice,
    PurchaseOrder,
    PurchaseOrderLine,
    StockLevel,
)

_BLOCKERS = tuple(Blocker)
_STATUSES: tuple[OrderRiskStatus, ...] = (
    *(STATUS_FOR_BLOCKER[b] for b in _BLOCKERS),
    OrderRiskStatus.FULLY_ALLOCATED,
)
_ALLOCATIONS = (Allocation.FULL, Allocation.PARTIAL, Allocation.NONE)
#: the supplier of a purchase order added for a peg (the pictures' usual supplier)
SUPPLIER = "SUP-ACME"


def completed_dataset(dataset: Dataset, analysis: Analysis) -> Dataset:
    """``dataset`` with the rows ``analysis`` names but ``dataset`` lacks (see the module
    docstring); ``dataset`` itself is left as it is."""
    purchase_orders = list(dataset.purchase_orders)
    po_lines = list(dataset.purchase_order_lines)
    known_pos = {p.po_id for p in purchase_orders}
    known_lines = {(ln.po_id, ln.line) for ln in po_lines}
    pegged: dict[tuple[str, int], list[tuple[str, str, Decimal, date]]] = defaultdict(list)
    for order in analysis.orders:
        for line in order.lines:
            for peg in line.from_inbound:
                pegged[(peg.po_id, peg.line)].append(
                    (line.sku, order.warehouse, peg.qty, peg.available_date)
                )
    for (po_id, number), pegs in sorted(pegged.items()):
        if (po_id, number) in known_lines:
            continue
        sku, warehouse, _, _ = pegs[0]
        expected = min(day for *_, day in pegs) - timedelta(days=1)
        if po_id not in known_pos:
            purchase_orders.append(
                PurchaseOrder(
                    po_id, SUPPLIER, warehouse, analysis.as_of - timedelta(days=10), expected
                )
            )
            known_pos.add(po_id)
        po_lines.append(
            PurchaseOrderLine(po_id, number, sku, sum((qty for *_, qty, _ in pegs), Decimal(0)))
        )
    stock = list(dataset.stock)
    held = {(s.sku, s.warehouse) for s in stock}
    held |= {(ln.sku, o.warehouse) for o in analysis.orders for ln in o.lines}
    po_warehouse = {p.po_id: p.warehouse for p in purchase_orders}
    held |= {(ln.sku, po_warehouse.get(ln.po_id, "")) for ln in po_lines}
    for sku, warehouse in sorted(analysis.pools):
        if (sku, warehouse) not in held:
            stock.append(StockLevel(sku, warehouse, Decimal(0)))
    invoices = list(dataset.invoices)
    named = {i.invoice_id for i in invoices}
    for code, credit in sorted(analysis.credit.items()):
        for invoice_id, residual, days_overdue in credit.overdue_invoices:
            if invoice_id not in named:
                due = analysis.as_of - timedelta(days=days_overdue)
                invoices.append(Invoice(invoice_id, code, due, residual))
                named.add(invoice_id)
    return dataclasses.replace(
        dataset,
        purchase_orders=purchase_orders,
        purchase_order_lines=po_lines,
        stock=stock,
        invoices=invoices,
    )


def _day(value: date | None) -> int:
    return NULL_DAY if value is None else value.toordinal()


def stated_columns(
    kernel: ColumnarAnalysis, analysis: Analysis, dataset: Dataset
) -> ColumnarAnalysis:
    """``kernel`` (the kernel's analysis of ``dataset``) with the facts of ``analysis``
    written over its own; fails when the picture cannot hold them."""
    picture = kernel.picture
    n_lines, n_orders = picture.n_lines, picture.n_orders
    order_of = {code: o for o, code in enumerate(picture.order_ids)}
    assert sorted(order_of) == sorted(o.order_id for o in analysis.orders), (
        "the dataset's open orders are not the analysis's orders"
    )
    starts = picture.order_line_start.tolist()
    numbers = picture.line_number.tolist()
    line_of = {
        (picture.order_ids[o], numbers[i]): i
        for o in range(n_orders)
        for i in range(starts[o], starts[o + 1])
    }
    inbound_of = {
        (picture.po_ids[po], number): j
        for j, (po, number) in enumerate(
            zip(picture.inbound_po.tolist(), picture.inbound_line.tolist(), strict=True)
        )
    }
    warehouse_of = {code: w for w, code in enumerate(picture.warehouse_codes)}

    from_stock = np.zeros(n_lines, dtype=np.int64)
    short = np.zeros(n_lines, dtype=np.int64)
    supply_day = np.full(n_lines, NULL_DAY, dtype=np.int32)
    projected_day = np.full(n_lines, NULL_DAY, dtype=np.int32)
    peg_count = np.zeros(n_lines, dtype=np.int64)
    alt_count = np.zeros(n_lines, dtype=np.int64)
    pegs: list[tuple[int, int, int, int, int]] = []  # (line, kind, inbound, qty, day)
    alternatives: list[tuple[int, int, int, int, int, bool]] = []
    blockers = np.zeros(n_orders, dtype=np.int8)
    status = np.zeros(n_orders, dtype=np.int8)
    allocation = np.zeros(n_orders, dtype=np.int8)
    ship_day = np.full(n_orders, NULL_DAY, dtype=np.int32)
    at_risk = np.zeros(n_orders, dtype=np.bool_)
    days_late = np.full(n_orders, -1, dtype=np.int32)
    for order in analysis.orders:
        o = order_of[order.order_id]
        blockers[o] = sum(1 << _BLOCKERS.index(b) for b in order.blockers)
        status[o] = _STATUSES.index(order.status)
        allocation[o] = _ALLOCATIONS.index(order.allocation)
        ship_day[o] = _day(order.projected_ship_date)
        at_risk[o] = order.at_risk
        days_late[o] = -1 if order.days_late is None else order.days_late
        for line in order.lines:
            i = line_of[(order.order_id, line.line)]
            from_stock[i] = to_units(line.from_stock, "from_stock")
            short[i] = to_units(line.short_qty, "short_qty")
            supply_day[i] = _day(line.supply_date)
            projected_day[i] = _day(line.projected_date)
            taken = [(SOURCE_HELD, -1, h.qty, h.available_date) for h in line.from_quality_hold]
            for peg in line.from_inbound:
                assert (peg.po_id, peg.line) in inbound_of, (
                    f"{peg.po_id} line {peg.line} is not an open purchase order line"
                )
                taken.append(
                    (SOURCE_INBOUND, inbound_of[(peg.po_id, peg.line)], peg.qty, peg.available_date)
                )
            taken.sort(key=lambda peg: (peg[3], peg[0]))  # by availability, held first
            peg_count[i] = len(taken)
            pegs.extend(
                (i, kind, j, to_units(qty, "peg"), day.toordinal()) for kind, j, qty, day in taken
            )
            alt_count[i] = len(line.alternatives)
            for alt in line.alternatives:
                alternatives.append(
                    (
                        i,
                        warehouse_of[alt.from_warehouse],
                        to_units(alt.free_qty, "free_qty"),
                        alt.transit_days,
                        alt.arrival_date.toordinal(),
                        alt.makes_promise,
                    )
                )
    pegs.sort(key=lambda peg: peg[0])  # line by line, each line's in the order stated
    alternatives.sort(key=lambda alt: alt[0])

    pool_short = np.zeros(picture.n_pools, dtype=np.int64)
    for (sku, warehouse), pool in analysis.pools.items():
        p = picture.pool_of(sku, warehouse)
        assert p is not None, f"the picture has no pool {sku}@{warehouse}"
        pool_short[p] = to_units(pool.short, "short")

    picture, credit = _stated_credit(picture, analysis.credit)
    stated = dataclasses.replace(
        kernel,
        picture=picture,
        line_from_stock=from_stock,
        line_short=short,
        line_supply_day=supply_day,
        line_projected_day=projected_day,
        line_peg_first=_starts(peg_count),
        line_peg_count=peg_count,
        peg_kind=np.array([k for _, k, *_ in pegs], dtype=np.int8),
        peg_inbound=np.array([j for _, _, j, *_ in pegs], dtype=np.int64),
        peg_qty=np.array([q for *_, q, _ in pegs], dtype=np.int64),
        peg_day=np.array([d for *_, d in pegs], dtype=np.int32),
        alternatives=AlternativeColumns(
            first=_starts(alt_count),
            count=alt_count,
            from_warehouse=np.array([a[1] for a in alternatives], dtype=np.int32),
            free_qty=np.array([a[2] for a in alternatives], dtype=np.int64),
            transit_days=np.array([a[3] for a in alternatives], dtype=np.int32),
            arrival_day=np.array([a[4] for a in alternatives], dtype=np.int32),
            makes_promise=np.array([a[5] for a in alternatives], dtype=np.bool_),
        ),
        order_blockers=blockers,
        order_status=status,
        order_allocation=allocation,
        order_projected_ship_day=ship_day,
        order_at_risk=at_risk,
        order_days_late=days_late,
        pool_short=pool_short,
        credit=credit,
    )
    _check(stated, analysis, dataset)
    return stated


def _starts(counts: np.ndarray) -> np.ndarray:
    starts = np.zeros(counts.shape[0], dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    return starts


def _stated_credit(
    picture: ColumnarPicture, credit: dict[str, CreditAssessment]
) -> tuple[ColumnarPicture, CreditColumns]:
    """The picture's credit rules and the credit columns as ``credit`` states them (a
    customer it does not name is not blocked)."""
    n = len(picture.customer_codes)
    on_hold = np.zeros(n, dtype=np.bool_)
    has_limit = np.zeros(n, dtype=np.bool_)
    limit = np.zeros(n, dtype=np.int64)
    receivables = np.zeros(n, dtype=np.int64)
    order_value = np.zeros(n, dtype=np.int64)
    over_limit = np.zeros(n, dtype=np.bool_)
    blocked = np.zeros(n, dtype=np.bool_)
    overdue = np.zeros(len(picture.invoice_ids), dtype=np.bool_)
    invoice_of = {code: j for j, code in enumerate(picture.invoice_ids)}
    for c, code in enumerate(picture.customer_codes):
        assessment = credit.get(code)
        if assessment is None:
            continue
        on_hold[c] = assessment.on_hold
        has_limit[c] = assessment.credit_limit is not None
        if assessment.credit_limit is not None:
            limit[c] = to_units(assessment.credit_limit, "credit_limit")
        receivables[c] = to_units(assessment.open_receivables, "open_receivables")
        order_value[c] = to_units(assessment.open_order_value, "open_order_value")
        over_limit[c] = assessment.over_limit
        blocked[c] = assessment.blocked
        for invoice_id, *_ in assessment.overdue_invoices:
            overdue[invoice_of[invoice_id]] = True
    missing = sorted(set(credit) - set(picture.customer_codes))
    assert not missing, f"the picture has no customer {missing}"
    stated = dataclasses.replace(
        picture,
        customer_credit_hold=on_hold,
        customer_has_limit=has_limit,
        customer_credit_limit=limit,
    )
    return stated, CreditColumns(
        decimals=DECIMALS,
        open_receivables=receivables,
        open_order_value=order_value,
        over_limit=over_limit,
        invoice_overdue=overdue,
        blocked=blocked,
    )


def _check(stated: ColumnarAnalysis, analysis: Analysis, dataset: Dataset) -> None:
    """Read the arrays back and compare with what was stated (explanations aside: the
    kernel words its own from the arrays)."""
    read = to_analysis(stated, dataset)
    want = [dataclasses.replace(o, explanation=()) for o in analysis.orders]
    got = [dataclasses.replace(o, explanation=()) for o in read.orders]
    assert got == want, "the kernel's arrays do not hold the orders stated"
    for key, pool in analysis.pools.items():
        assert read.pools[key].short == pool.short, f"pool {key} short"
    overdue = overdue_invoices_by_customer(stated)
    for c, code in enumerate(stated.picture.customer_codes):
        if code in analysis.credit:
            assessment = credit_assessment(stated, c, overdue.get(c, ()))
            assert assessment == analysis.credit[code], f"credit of {code}"
