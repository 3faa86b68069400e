"""Recording a hand-made :class:`Analysis` the way a stored scan records the kernel's.

The storage tests state orders as domain outcomes (one line, a status); the stored scan
records :class:`~controltower.workflow.order_risk.OrderRiskColumns`. This turns the
first into the second (each order's company from the stored picture's warehouses, its
lines and explanation as the scan document states them) and records it.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.analysis import (
    Allocation,
    Analysis,
    Blocker,
    InboundPeg,
    LineOutcome,
    OrderOutcome,
    OrderRiskStatus,
)
from controltower.storage import tables
from controltower.storage.order_risk import record_order_risk
from controltower.storage.repository import ScanRunSummary
from controltower.workflow.order_risk import (
    OrderRiskColumns,
    OrderStandings,
    OrderTexts,
    content_digests,
)

#: the company given to an order whose warehouse the picture does not hold
UNKNOWN_COMPANY = ""

#: the day :func:`pegged_order` dates its order from, unless told otherwise
AS_OF = date(2026, 11, 25)


def order_risk_of(analysis: Analysis, company_of: dict[str, str]) -> OrderRiskColumns:
    """``analysis``'s orders as the columns a stored scan records."""
    orders = analysis.orders
    standings = OrderStandings(
        as_of=analysis.as_of,
        order_id=[o.order_id for o in orders],
        customer=[o.customer for o in orders],
        warehouse=[o.warehouse for o in orders],
        promised_date=[o.promised_date for o in orders],
        status=[o.status for o in orders],
        allocation=[o.allocation for o in orders],
        blockers=[",".join(b.value for b in o.blockers) for o in orders],
        projected_ship_date=[o.projected_ship_date for o in orders],
        at_risk=[o.at_risk for o in orders],
        days_late=[o.days_late for o in orders],
        open_value=[format(o.open_value, "f") for o in orders],
    )
    lines = [json.dumps([_exact(asdict(ln)) for ln in o.lines]) for o in orders]
    explanation = [json.dumps(list(o.explanation)) for o in orders]
    return OrderRiskColumns.of(
        standings,
        [company_of.get(o.warehouse, UNKNOWN_COMPANY) for o in orders],
        OrderTexts(lines, explanation, content_digests(standings, lines, explanation)),
    )


def record_analysis(
    session: Session,
    picture_id: int,
    analysis: Analysis,
    *,
    scanned_at: datetime,
    policy_digest: str,
) -> ScanRunSummary:
    """Record ``analysis`` as a scan of the stored picture ``picture_id``."""
    query = sa.select(tables.warehouses.c.code, tables.warehouses.c.company).where(
        tables.warehouses.c.picture_id == picture_id
    )
    company_of = {code: company for code, company in session.execute(query)}
    return record_order_risk(
        session,
        picture_id,
        order_risk_of(analysis, company_of),
        scanned_at=scanned_at,
        policy_digest=policy_digest,
    )


def _exact(value: Any) -> Any:
    """A line as stored JSON with every decimal as exact text (the reader takes both
    the document's JSON numbers and decimal strings)."""
    if isinstance(value, dict):
        return {key: _exact(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_exact(item) for item in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def pegged_order(
    order_id: str, *pegs: tuple[int, str, int, str], as_of: date = AS_OF
) -> OrderOutcome:
    """An order waiting on inbound: each peg is (order line, po id, po line, qty)."""
    numbers = sorted({line for line, *_ in pegs}) or [1]
    lines = tuple(
        LineOutcome(
            order_id=order_id,
            line=number,
            sku="BRK-10A",
            warehouse="WH-MAIN",
            open_qty=Decimal(100),
            from_stock=Decimal(0),
            from_quality_hold=(),
            from_inbound=tuple(
                InboundPeg(
                    po_id=po_id,
                    line=po_line,
                    qty=Decimal(qty),
                    available_date=as_of + timedelta(days=po_line),
                )
                for line, po_id, po_line, qty in pegs
                if line == number
            ),
            short_qty=Decimal(0),
            projected_date=as_of + timedelta(days=3),
        )
        for number in numbers
    )
    return OrderOutcome(
        order_id=order_id,
        customer="C001",
        warehouse="WH-MAIN",
        promised_date=as_of + timedelta(days=5),
        status=OrderRiskStatus.DEPENDENT_ON_INBOUND if pegs else OrderRiskStatus.FULLY_ALLOCATED,
        allocation=Allocation.NONE if pegs else Allocation.FULL,
        blockers=(Blocker.INBOUND,) if pegs else (),
        projected_ship_date=as_of + timedelta(days=3),
        at_risk=False,
        days_late=0,
        lines=lines,
        open_value=Decimal("10.5"),
    )
