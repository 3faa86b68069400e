"""The kernel's arrays back as the domain's value objects.

The oracle, the tests and the credit wording need the result as :class:`Analysis`,
:class:`CreditAssessment` and friends, with the reference engine's explanations. Only
these conversions build Python objects per row; the product's hot paths never call
the full conversion.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Final

import numpy as np
import numpy.typing as npt

from controltower.domain.analysis import (
    STATUS_FOR_BLOCKER,
    Allocation,
    Analysis,
    Blocker,
    CreditAssessment,
    HeldPeg,
    InboundPeg,
    LineOutcome,
    OrderOutcome,
    OrderRiskStatus,
    OrderStanding,
    PoolOutcome,
    TransferAlternative,
)
from controltower.domain.columnar import (
    NULL_DAY,
    from_units,
)
from controltower.domain.explain import explain_order
from controltower.domain.kernel.arrays import I32
from controltower.domain.kernel.codes import SOURCE_HELD
from controltower.domain.kernel.result import ColumnarAnalysis
from controltower.domain.model import (
    Dataset,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
)

# ------------------------------------------------------------- back to value objects


class _Directory:
    """The look-ups an explanation needs (``explain.SupplyDirectory``), over a dataset."""

    def __init__(self, dataset: Dataset) -> None:
        self._orders = {p.po_id: p for p in dataset.purchase_orders}
        self._lines = {(ln.po_id, ln.line): ln for ln in dataset.purchase_order_lines}
        self._suppliers = {s.code: s for s in dataset.suppliers}

    def purchase_order(self, po_id: str) -> PurchaseOrder | None:
        return self._orders.get(po_id)

    def purchase_order_line(self, po_id: str, line: int) -> PurchaseOrderLine | None:
        return self._lines.get((po_id, line))

    def supplier(self, code: str) -> Supplier | None:
        return self._suppliers.get(code)


def _decimals(units: npt.NDArray[np.integer]) -> list[Decimal]:
    """A units column as Decimals, converting each distinct value once."""
    distinct, inverse = np.unique(units, return_inverse=True)
    table = [from_units(u) for u in distinct.tolist()]
    return [table[k] for k in inverse.tolist()]


def _dates(days: I32) -> list[date | None]:
    """A day column as dates (None for ``NULL_DAY``), converting each distinct day once."""
    distinct, inverse = np.unique(days, return_inverse=True)
    table = [None if d == NULL_DAY else date.fromordinal(d) for d in distinct.tolist()]
    return [table[k] for k in inverse.tolist()]


_BLOCKERS: Final = tuple(Blocker)
_STATUSES: Final = (
    *(STATUS_FOR_BLOCKER[b] for b in _BLOCKERS),
    OrderRiskStatus.FULLY_ALLOCATED,
)
_ALLOCATIONS: Final = (Allocation.FULL, Allocation.PARTIAL, Allocation.NONE)


def to_analysis(result: ColumnarAnalysis, dataset: Dataset) -> Analysis:
    """The kernel's result as the domain :class:`Analysis`, explanations included.

    ``dataset`` must be the one the picture was built from: explanations name
    purchase orders, suppliers and warehouses that the columns only hold as ids.
    The result equals ``engine.analyse(dataset, as_of, policy)``.
    """
    picture = result.picture
    credit = _credit_assessments(result)
    orders_by_id = {o.order_id: o for o in dataset.sales_orders}
    warehouses = {w.code: w for w in dataset.warehouses}
    directory = _Directory(dataset)
    lines = _line_outcomes(result)
    ship_dates = _dates(result.order_projected_ship_day)
    open_values = result.order_open_value.tolist()
    blockers = result.order_blockers.tolist()
    statuses = result.order_status.tolist()
    allocations = result.order_allocation.tolist()
    at_risk = result.order_at_risk.tolist()
    late = result.order_days_late.tolist()
    start = picture.order_line_start.tolist()
    outcomes: list[OrderOutcome] = []
    for o, order_id in enumerate(picture.order_ids):
        order = orders_by_id[order_id]
        order_lines = tuple(lines[start[o] : start[o + 1]])
        standing = OrderStanding(
            allocation=_ALLOCATIONS[allocations[o]],
            blockers=tuple(b for bit, b in enumerate(_BLOCKERS) if blockers[o] >> bit & 1),
            status=_STATUSES[statuses[o]],
            projected_ship_date=ship_dates[o],
            days_late=None if late[o] < 0 else late[o],
            at_risk=at_risk[o],
        )
        outcomes.append(
            OrderOutcome(
                order_id=order_id,
                customer=order.customer,
                warehouse=order.warehouse,
                promised_date=order.promised_date,
                status=standing.status,
                allocation=standing.allocation,
                blockers=standing.blockers,
                projected_ship_date=standing.projected_ship_date,
                at_risk=standing.at_risk,
                days_late=standing.days_late,
                lines=order_lines,
                explanation=explain_order(
                    order,
                    order_lines,
                    standing,
                    credit.get(order.customer),
                    warehouse=warehouses.get(order.warehouse),
                    supply=directory,
                    as_of=picture.as_of,
                    overdue_days_block=picture.policy.overdue_days_block,
                ),
                open_value=from_units(int(open_values[o]), result.value_decimals),
            )
        )
    customers = sorted({o.customer for o in outcomes})
    return Analysis(
        as_of=picture.as_of,
        orders=outcomes,
        pools=_pool_outcomes(result),
        credit={code: credit[code] for code in customers},
    )


def _line_outcomes(result: ColumnarAnalysis) -> list[LineOutcome]:
    """Every line's :class:`LineOutcome`, in line-id order."""
    picture = result.picture
    held, inbound = _pegs_by_line(result)
    alternatives = _alternatives_by_line(result)
    order_of = picture.line_order.tolist()
    wh_of = picture.line_warehouse.tolist()
    sku_of = picture.line_sku.tolist()
    return [
        LineOutcome(
            order_id=picture.order_ids[order_of[i]],
            line=number,
            sku=picture.sku_codes[sku_of[i]],
            warehouse=picture.warehouse_codes[wh_of[i]],
            open_qty=open_qty,
            from_stock=from_stock,
            from_quality_hold=held.get(i, ()),
            from_inbound=inbound.get(i, ()),
            short_qty=short,
            projected_date=projected,
            supply_date=supply,
            unit_price=price,
            alternatives=alternatives.get(i, ()),
        )
        for i, (
            number,
            open_qty,
            from_stock,
            short,
            projected,
            supply,
            price,
        ) in enumerate(
            zip(
                picture.line_number.tolist(),
                _decimals(picture.line_open_qty),
                _decimals(result.line_from_stock),
                _decimals(result.line_short),
                _dates(result.line_projected_day),
                _dates(result.line_supply_day),
                _decimals(picture.line_unit_price),
                strict=True,
            )
        )
    ]


def _pegs_by_line(
    result: ColumnarAnalysis,
) -> tuple[dict[int, tuple[HeldPeg, ...]], dict[int, tuple[InboundPeg, ...]]]:
    """The held and inbound pegs of the lines that have any, in the order taken."""
    picture = result.picture
    held: dict[int, list[HeldPeg]] = {}
    inbound: dict[int, list[InboundPeg]] = {}
    owners = np.flatnonzero(result.line_peg_count)
    first = result.line_peg_first[owners].tolist()
    count = result.line_peg_count[owners].tolist()
    kind = result.peg_kind.tolist()
    source = result.peg_inbound.tolist()
    qty = _decimals(result.peg_qty)
    day = _dates(result.peg_day)
    for line, start, n in zip(owners.tolist(), first, count, strict=True):
        for k in range(start, start + n):
            available = day[k]
            assert available is not None
            if kind[k] == SOURCE_HELD:
                held.setdefault(line, []).append(HeldPeg(qty=qty[k], available_date=available))
            else:
                j = source[k]
                inbound.setdefault(line, []).append(
                    InboundPeg(
                        po_id=picture.po_ids[int(picture.inbound_po[j])],
                        line=int(picture.inbound_line[j]),
                        qty=qty[k],
                        available_date=available,
                    )
                )
    return (
        {line: tuple(pegs) for line, pegs in held.items()},
        {line: tuple(pegs) for line, pegs in inbound.items()},
    )


def _alternatives_by_line(
    result: ColumnarAnalysis,
) -> dict[int, tuple[TransferAlternative, ...]]:
    """The transfer alternatives of the lines that have any, in listing order."""
    picture, alt = result.picture, result.alternatives
    owners = np.flatnonzero(alt.count)
    source = alt.from_warehouse.tolist()
    free = _decimals(alt.free_qty)
    transit = alt.transit_days.tolist()
    arrival = _dates(alt.arrival_day)
    makes = alt.makes_promise.tolist()
    found: dict[int, tuple[TransferAlternative, ...]] = {}
    for line, start, n in zip(
        owners.tolist(),
        alt.first[owners].tolist(),
        alt.count[owners].tolist(),
        strict=True,
    ):
        found[line] = tuple(
            TransferAlternative(
                from_warehouse=picture.warehouse_codes[source[k]],
                free_qty=free[k],
                transit_days=transit[k],
                arrival_date=_known(arrival[k]),
                makes_promise=makes[k],
            )
            for k in range(start, start + n)
        )
    return found


def _known(day: date | None) -> date:
    assert day is not None
    return day


def _pool_outcomes(result: ColumnarAnalysis) -> dict[tuple[str, str], PoolOutcome]:
    """Every pool's :class:`PoolOutcome`, by (sku, warehouse)."""
    picture = result.picture
    unpegged: dict[int, dict[tuple[str, int], Decimal]] = {}
    for pool, po, line, left in zip(
        picture.inbound_pool.tolist(),
        picture.inbound_po.tolist(),
        picture.inbound_line.tolist(),
        _decimals(result.inbound_unpegged),
        strict=True,
    ):
        unpegged.setdefault(pool, {})[(picture.po_ids[po], line)] = left
    pools: dict[tuple[str, str], PoolOutcome] = {}
    wh_codes, sku_codes = picture.warehouse_codes, picture.sku_codes
    rows = zip(
        picture.pool_sku.tolist(),
        picture.pool_warehouse.tolist(),
        _decimals(result.pool_physical),
        _decimals(picture.pool_quality_hold),
        _decimals(result.pool_free_stock),
        _decimals(result.pool_demand),
        _decimals(result.pool_short),
        strict=True,
    )
    for p, (sku, wh, physical, held, free, demand, short) in enumerate(rows):
        pools[(sku_codes[sku], wh_codes[wh])] = PoolOutcome(
            sku=sku_codes[sku],
            warehouse=wh_codes[wh],
            physical=physical,
            quality_held=held,
            free_stock=free,
            demand=demand,
            short=short,
            unpegged_inbound=unpegged.get(p, {}),
        )
    return dict(sorted(pools.items()))


#: (days late, invoice id, residual in millionths) of one overdue invoice
OverdueInvoice = tuple[int, str, int]


def overdue_invoices_by_customer(
    result: ColumnarAnalysis,
) -> dict[int, list[OverdueInvoice]]:
    """The overdue invoices of each picture customer that has any, in picture order."""
    picture = result.picture
    overdue = np.flatnonzero(result.credit.invoice_overdue)
    found: dict[int, list[OverdueInvoice]] = {}
    for j, customer, due, residual in zip(
        overdue.tolist(),
        picture.invoice_customer[overdue].tolist(),
        picture.invoice_due[overdue].tolist(),
        picture.invoice_residual[overdue].tolist(),
        strict=True,
    ):
        found.setdefault(customer, []).append(
            (picture.as_of_day - due, picture.invoice_ids[j], residual)
        )
    return found


def credit_assessment(
    result: ColumnarAnalysis, customer: int, overdue: Sequence[OverdueInvoice]
) -> CreditAssessment:
    """The :class:`CreditAssessment` of picture customer ``customer``, given its overdue
    invoices (see :func:`overdue_invoices_by_customer`), listed most overdue first."""
    picture, credit = result.picture, result.credit
    invoices = sorted(overdue, key=lambda item: (-item[0], item[1]))
    return CreditAssessment(
        customer=picture.customer_codes[customer],
        on_hold=bool(picture.customer_credit_hold[customer]),
        credit_limit=from_units(int(picture.customer_credit_limit[customer]))
        if picture.customer_has_limit[customer]
        else None,
        open_receivables=from_units(int(credit.open_receivables[customer]), credit.decimals),
        open_order_value=from_units(int(credit.open_order_value[customer]), credit.decimals),
        overdue_invoices=tuple(
            (invoice, from_units(residual), late) for late, invoice, residual in invoices
        ),
    )


def _credit_assessments(result: ColumnarAnalysis) -> dict[str, CreditAssessment]:
    """Every customer's :class:`CreditAssessment`, by customer code."""
    overdue = overdue_invoices_by_customer(result)
    return {
        code: credit_assessment(result, c, overdue.get(c, ()))
        for c, code in enumerate(result.picture.customer_codes)
    }
