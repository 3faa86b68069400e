"""The reference scan: one picture, one date, one policy in; the scan document out.

The reference engine, the reference detectors and a dict per order and line: the
readable specification of the ``scan --json`` document
(:mod:`controltower.workflow.scan_document`), which the product writes from the
kernel's arrays (:mod:`controltower.workflow.columnar_scan`). Tests hold the two
documents equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import Enum
from typing import Any

from controltower.domain.analysis import (
    Analysis,
    HeldPeg,
    InboundPeg,
    LineOutcome,
    OrderOutcome,
    TransferAlternative,
)
from controltower.domain.model import Dataset
from controltower.policy import Policy
from controltower.workflow.exceptions import ExceptionRecord
from controltower.workflow.scan_document import json_number, scan_detected_at
from controltower_oracle.engine import analyse
from controltower_oracle.exceptions import evaluate_exceptions


def build_scan_document(dataset: Dataset, as_of: date, policy: Policy) -> dict[str, Any]:
    """Analyse ``dataset`` as of ``as_of`` and return the scan document, ready for JSON."""
    analysis = analyse(dataset, as_of, policy.allocation.to_domain())
    exceptions = evaluate_exceptions(
        dataset, analysis, policy, detected_at=scan_detected_at(as_of, policy)
    )
    return render_scan_document(analysis, exceptions)


def render_scan_document(
    analysis: Analysis, exceptions: Sequence[ExceptionRecord] = ()
) -> dict[str, Any]:
    """The scan document of an analysis and the exceptions detected on it."""
    return {
        "as_of": analysis.as_of.isoformat(),
        "orders": [order_document(order) for order in analysis.orders],
        "exceptions": [exception_document(item) for item in exceptions],
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _text(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    return value


def held_document(peg: HeldPeg) -> dict[str, Any]:
    return {"qty": json_number(peg.qty), "available_date": peg.available_date.isoformat()}


def inbound_document(peg: InboundPeg) -> dict[str, Any]:
    return {
        "po_id": peg.po_id,
        "line": peg.line,
        "qty": json_number(peg.qty),
        "available_date": peg.available_date.isoformat(),
    }


def alternative_document(alternative: TransferAlternative) -> dict[str, Any]:
    return {
        "warehouse": alternative.from_warehouse,
        "free_qty": json_number(alternative.free_qty),
        "transit_days": alternative.transit_days,
        "arrival_date": alternative.arrival_date.isoformat(),
        "makes_promise": alternative.makes_promise,
    }


def line_document(line: LineOutcome) -> dict[str, Any]:
    return {
        "line": line.line,
        "sku": line.sku,
        "open_qty": json_number(line.open_qty),
        "from_stock": json_number(line.from_stock),
        "from_quality_hold": [held_document(peg) for peg in line.from_quality_hold],
        "from_inbound": [inbound_document(peg) for peg in line.from_inbound],
        "short_qty": json_number(line.short_qty),
        "projected_date": _iso(line.projected_date),
        "supply_date": _iso(line.supply_date),
        "unit_price": json_number(line.unit_price),
        "alternatives": [alternative_document(alt) for alt in line.alternatives],
    }


def order_document(order: OrderOutcome) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "customer": order.customer,
        "warehouse": order.warehouse,
        "promised_date": order.promised_date.isoformat(),
        "status": order.status.value,
        "allocation": order.allocation.value,
        "blockers": [blocker.value for blocker in order.blockers],
        "projected_ship_date": _iso(order.projected_ship_date),
        "at_risk": order.at_risk,
        "days_late": order.days_late,
        "open_value": json_number(order.open_value),
        "lines": [line_document(line) for line in order.lines],
        "explanation": list(order.explanation),
    }


def exception_document(item: ExceptionRecord) -> dict[str, Any]:
    return {
        "type": _text(item.type),
        "subject": item.subject,
        "severity": _text(item.severity),
        "owner": item.owner,
        "due_at": item.due_at.isoformat(),
        "value_at_risk": json_number(item.value_at_risk),
        "explanation": item.explanation,
    }
