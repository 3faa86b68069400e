"""Root-cause grouping: exceptions that share one cause are one incident.

One late purchase order hurting twenty orders is one problem with twenty impacts, not
twenty-one alerts. The orders an incident "hits" are those it makes late: the orders
whose ``order_at_risk`` case names it as their cause. Every exception names its root cause as a key (``cause``); the
exception whose subject *is* that key is the incident's root (the supplier delay on
``purchase_order:PO7``), the others are its impacts (the orders it makes late).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Protocol

from controltower.domain.cases import (
    ExceptionType,
    Severity,
    highest_severity,
    severity_rank,
)


class Groupable(Protocol):
    """What grouping reads of an exception (a detection record or a case)."""

    @property
    def type(self) -> ExceptionType: ...
    @property
    def subject(self) -> str: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def value_at_risk(self) -> Decimal: ...
    @property
    def cause(self) -> str: ...
    @property
    def related(self) -> tuple[str, ...]: ...


#: when several exceptions have the cause itself as subject, the first listed type leads
ROOT_PRECEDENCE: tuple[ExceptionType, ...] = (
    ExceptionType.SUPPLIER_DELAY,
    ExceptionType.SUPPLIER_CONFIRMATION_OVERDUE,
    ExceptionType.CREDIT_HOLD,
    ExceptionType.STOCK_SHORTAGE,
    ExceptionType.QUALITY_HOLD,
    ExceptionType.REPLENISHMENT_OVERDUE,
    ExceptionType.PICKING_BOTTLENECK,
    *ExceptionType,
)


@dataclass(frozen=True, slots=True)
class Incident:
    """The exceptions sharing one root cause."""

    #: derived from the cause only, so the same cause keeps the same id across runs
    id: str
    cause: str
    title: str
    #: the root case's type; when the cause has no case of its own, the leading member's
    root_type: ExceptionType
    #: False when no exception has the cause itself as subject
    has_root_case: bool
    #: (type, subject) of every exception in the incident
    members: tuple[tuple[ExceptionType, str], ...]
    #: the subjects the cause hurts: the other members' subjects and the lead root's related
    impacts: tuple[str, ...]
    value_at_risk: Decimal
    severity: Severity
    #: the orders it makes late: those whose ``order_at_risk`` case names this cause
    #: (the engine's judgement of why each order is late, so no order counts twice)
    orders: tuple[str, ...] = ()


def incident_id(cause: str) -> str:
    digest = hashlib.sha256(cause.encode()).hexdigest()
    return f"INC-{digest[:12].upper()}"


_LATE_ORDER = ExceptionType.ORDER_AT_RISK
_REVIEW = ExceptionType.RECURRING_EXCEPTION


def _lead(records: Sequence[Groupable]) -> Groupable:
    """The exception an incident is named after: the root by precedence, else the worst."""
    return min(
        records,
        key=lambda r: (
            ROOT_PRECEDENCE.index(r.type),
            -severity_rank(r.severity),
            -r.value_at_risk,
            r.subject,
        ),
    )


def _impact_value(impacts: Iterable[Groupable]) -> Decimal:
    """Sum over impacted subjects, each counted once at its highest value."""
    best: dict[str, Decimal] = {}
    for record in impacts:
        best[record.subject] = max(best.get(record.subject, Decimal(0)), record.value_at_risk)
    return sum(best.values(), Decimal(0))


#: how each kind of subject key reads in a title
_KIND_WORDS: Final = {
    "sales_order": "order",
    "sales_order_line": "order line",
    "purchase_order": "purchase order",
    "receipt": "receipt",
    "pick": "pick",
    "return": "return",
    "invoice": "invoice",
    "customer": "customer",
    "warehouse": "warehouse",
    "supplier": "supplier",
    "product": "product",
}


def cause_words(cause: str) -> str:
    """A cause key in words: ``purchase_order:PO7`` -> ``purchase order PO7``,
    ``sku:CBL@WH`` -> ``CBL in WH``, ``supplier:SUP-1:supplier_delay`` -> ``supplier
    SUP-1 (supplier delay)``; a key of another shape is kept as it is."""
    kind, _, rest = cause.partition(":")
    if kind == "sku" and "@" in rest:
        sku, _, warehouse = rest.rpartition("@")
        return f"{sku} in {warehouse}"
    words = _KIND_WORDS.get(kind)
    if words is None or not rest:
        return cause
    code, _, recurring = rest.rpartition(":") if kind in _REVIEWED else ("", "", "")
    if code and recurring in _TYPE_NAMES:
        return f"{words} {code} ({recurring.replace('_', ' ')})"
    return f"{words} {rest}"


_REVIEWED: Final = {"customer", "supplier", "product"}
_TYPE_NAMES: Final = {str(t) for t in ExceptionType}


def _title(lead: Groupable, cause: str, impacts: Sequence[str], has_root: bool) -> str:
    label = lead.type.replace("_", " ").capitalize()
    hurt = f", {len(impacts)} impact{'s' if len(impacts) != 1 else ''}" if impacts else ""
    if has_root:
        return f"{label} on {cause_words(cause)}{hurt}"
    return f"{cause_words(cause)}: {label.lower()} and related exceptions{hurt}"


def _incident(cause: str, records: Sequence[Groupable]) -> Incident:
    roots = [r for r in records if r.subject == cause]
    others = [r for r in records if r.subject != cause]
    lead = _lead(roots or records)
    # a review's related are its occurrences, which other causes make late, not its own
    named = lead.related if roots and lead.type is not _REVIEW else ()
    impacts = sorted({r.subject for r in others} | {s for s in named if s != cause})
    late = [r for r in records if r.type is _LATE_ORDER]
    root_value = max((r.value_at_risk for r in roots if r.type is not _REVIEW), default=Decimal(0))
    value = _impact_value(late) if late else max(root_value, _impact_value(others))
    return Incident(
        id=incident_id(cause),
        cause=cause,
        title=_title(lead, cause, impacts, bool(roots)),
        root_type=lead.type,
        has_root_case=bool(roots),
        members=tuple(sorted((r.type, r.subject) for r in records)),
        impacts=tuple(impacts),
        value_at_risk=value,
        severity=highest_severity(r.severity for r in records),
        orders=tuple(sorted({r.subject for r in late})),
    )


def group_incidents(records: Iterable[Groupable]) -> list[Incident]:
    """One incident per cause, in the order :func:`ranking_key` gives.

    An incident that makes orders late (it has ``order_at_risk`` members: orders whose
    lateness the engine puts down to this cause) is worth what those orders are worth,
    each counted once: a bottleneck that picks a hundred lines a day later but makes two
    orders late is worth those two. An incident that makes no order late is worth its
    own money at stake: the larger of its root's value (a price, a receipt, a PO no order
    waits on yet) and the sum of its impacts' values, each impacted subject counted
    once, so a root whose impacts were filtered out as noise still shows what it puts at
    stake. A recurring review has no value or impacts of its own here: its occurrences
    carry them, under their own causes.
    """
    by_cause: dict[str, list[Groupable]] = {}
    for record in records:
        by_cause.setdefault(record.cause, []).append(record)
    incidents = [_incident(cause, group) for cause, group in by_cause.items()]
    return sorted(incidents, key=ranking_key)


def ranking_key(incident: Incident) -> tuple[bool, Decimal, int, str]:
    """The biggest problems first: those that make orders late, by what those orders are
    worth, then the others by their money at stake; the more severe first on a tie."""
    return (
        not incident.orders,
        -incident.value_at_risk,
        -severity_rank(incident.severity),
        incident.cause,
    )
