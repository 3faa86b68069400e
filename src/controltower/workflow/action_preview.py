"""The what-if preview of a governed action: the picture re-pegged with the change applied.

Before anyone requests or approves an action, :func:`preview_action` shows what it would
do to the business: it applies the plan's edits to a copy of the picture, runs the full
analysis (the kernel, then every detector, exactly as the stateless scan does) on the
picture as it is and as it would be, and compares the two. Every open order whose
status, allocation, projected ship date or risk changes is listed with both sides, and
every case that would open or clear. Nothing is written anywhere.

A full recompute rather than an incremental patch is deliberate: a transfer that fixes
one order may starve another in the pool it leaves, a released credit hold may let
orders through that then take a pick slot from others, and only the rules applied to
the whole changed picture see all of it. The same recompute is what the stored scan
runs after the action is executed, so the preview and what follows agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from controltower.detectors.base import Finding
from controltower.domain.action_plans import ActionPlan, plain
from controltower.domain.actions import ActionType
from controltower.domain.analysis import Allocation
from controltower.domain.cases import ExceptionType
from controltower.domain.columnar import from_units
from controltower.domain.kernel import ColumnarAnalysis
from controltower.domain.picture_edits import apply_edits
from controltower.domain.tables import DatasetTables
from controltower.policy import Policy
from controltower.workflow.columnar_scan import analyse_tables, detect_exceptions
from controltower.workflow.order_risk import OrderStandings, order_standings

#: an order that is no longer open after the change: every open line shipped
SHIPPED: Final = "shipped"
#: an order that was not open before the change
NOT_OPEN: Final = "not_open"

#: how effects are listed: what matters most first
_EFFECT_ORDER: Final = ("fixed", "starved", "worse", "better", "changed")
_ALLOCATION_RANK: Final = {Allocation.NONE: 0, Allocation.PARTIAL: 1, Allocation.FULL: 2}
#: at most this many sentences per kind of change; the rest are counted
_SENTENCES: Final = 12
_FIRST_SENTENCE: Final = re.compile(r"^(.*?[.!?])(?:\s|$)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class OrderChange:
    """One open order whose standing the action changes, before and after.

    Statuses are the scan's (``fully_allocated``, ``short`` ...), or :data:`SHIPPED`
    after / :data:`NOT_OPEN` before for an order that leaves / joins the open orders.
    ``effect`` is ``fixed`` (at risk, then not), ``starved`` (not at risk, then at
    risk), ``better`` or ``worse`` (an earlier or later projected date, else more or
    less allocated, at the same risk) or ``changed``.
    """

    order_id: str
    customer: str
    warehouse: str
    before_status: str
    after_status: str
    before_allocation: str
    after_allocation: str
    before_projected: date | None
    after_projected: date | None
    before_at_risk: bool
    after_at_risk: bool
    effect: str

    def to_json(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "customer": self.customer,
            "warehouse": self.warehouse,
            "before_status": self.before_status,
            "after_status": self.after_status,
            "before_allocation": self.before_allocation,
            "after_allocation": self.after_allocation,
            "before_projected": _iso(self.before_projected),
            "after_projected": _iso(self.after_projected),
            "before_at_risk": self.before_at_risk,
            "after_at_risk": self.after_at_risk,
            "effect": self.effect,
        }


@dataclass(frozen=True, slots=True)
class CaseChange:
    """A finding the action makes appear (``opens``) or go away (``clears``)."""

    type: str
    subject: str
    change: str
    severity: str
    #: the first sentence of the finding's explanation
    title: str

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "subject": self.subject,
            "change": self.change,
            "severity": self.severity,
            "title": self.title,
        }


@dataclass(frozen=True, slots=True)
class Preview:
    """What an action would do: the plan, the orders and cases it changes, in words."""

    plan: ActionPlan
    orders: tuple[OrderChange, ...]
    cases: tuple[CaseChange, ...]
    summary: tuple[str, ...]
    #: the changed picture (not serialised)
    after: DatasetTables

    def to_json(self) -> dict[str, Any]:
        """Everything but :attr:`after`, JSON-able (dates ISO, decimals as text)."""
        return {
            "plan": self.plan.to_json(),
            "orders": [change.to_json() for change in self.orders],
            "cases": [change.to_json() for change in self.cases],
            "summary": list(self.summary),
        }


@dataclass(frozen=True, slots=True)
class _Outcome:
    """One picture analysed: the kernel's arrays, the orders' standings, the findings."""

    result: ColumnarAnalysis
    standings: OrderStandings
    findings: list[Finding]

    @classmethod
    def of(cls, tables: DatasetTables, as_of: date, policy: Policy) -> _Outcome:
        result = analyse_tables(tables, as_of, policy)
        findings, _ = detect_exceptions(tables, result, policy)
        return cls(result, order_standings(result), findings)

    def shortages(self, order_id: str) -> list[str]:
        """``3 CBL-1 in WH-B`` for each line of the order the engine leaves short."""
        picture = self.result.picture
        o = self.standings.order_id.index(order_id)
        start, end = int(picture.order_line_start[o]), int(picture.order_line_start[o + 1])
        return [
            f"{plain(from_units(int(self.result.line_short[i])))} "
            f"{picture.sku_codes[int(picture.line_sku[i])]} in "
            f"{picture.warehouse_codes[int(picture.line_warehouse[i])]}"
            for i in range(start, end)
            if int(self.result.line_short[i]) > 0
        ]


def preview_action(
    tables: DatasetTables, plan: ActionPlan, *, as_of: date, policy: Policy
) -> Preview:
    """Recompute the picture with ``plan``'s edits applied and say what changes.

    Raises :class:`~controltower.domain.errors.DatasetConflictError` when the edits no
    longer fit ``tables`` (the plan was made on another picture).
    """
    after_tables = apply_edits(tables, plan.edits)
    before = _Outcome.of(tables, as_of, policy)
    after = _Outcome.of(after_tables, as_of, policy)
    shipping = (
        str(plan.params["order_id"]) if plan.action_type is ActionType.SPLIT_SHIPMENT else None
    )
    orders = _order_changes(before.standings, after.standings, shipping)
    cases = _case_changes(before.findings, after.findings)
    return Preview(
        plan=plan,
        orders=orders,
        cases=cases,
        summary=_summary(orders, cases, after, shipping),
        after=after_tables,
    )


# ------------------------------------------------------------------------------ orders


@dataclass(frozen=True, slots=True)
class _Standing:
    status: str
    allocation: str
    projected: date | None
    at_risk: bool


def _standings(table: OrderStandings) -> dict[str, tuple[str, str, _Standing]]:
    return {
        order_id: (
            table.customer[o],
            table.warehouse[o],
            _Standing(
                table.status[o].value,
                table.allocation[o].value,
                table.projected_ship_date[o],
                table.at_risk[o],
            ),
        )
        for o, order_id in enumerate(table.order_id)
    }


def _order_changes(
    before: OrderStandings, after: OrderStandings, shipping: str | None
) -> tuple[OrderChange, ...]:
    """Every order whose status, allocation, projected date or risk differs.

    ``shipping`` is the order a split shipment ships part of: what is left of it has less
    from stock because the stock left with the goods, which is not a setback.
    """
    was, now = _standings(before), _standings(after)
    gone = _Standing(SHIPPED, SHIPPED, None, False)
    new = _Standing(NOT_OPEN, NOT_OPEN, None, False)
    changes = []
    for order_id in sorted(was.keys() | now.keys()):
        customer, warehouse, old = was.get(order_id) or (*now[order_id][:2], new)
        standing = now[order_id][2] if order_id in now else gone
        if old == standing:
            continue
        if standing is gone or old is new:
            effect = "changed"
        else:
            effect = _effect(old, standing, allocation=order_id != shipping)
        changes.append(
            OrderChange(
                order_id=order_id,
                customer=customer,
                warehouse=warehouse,
                before_status=old.status,
                after_status=standing.status,
                before_allocation=old.allocation,
                after_allocation=standing.allocation,
                before_projected=old.projected,
                after_projected=standing.projected,
                before_at_risk=old.at_risk,
                after_at_risk=standing.at_risk,
                effect=effect,
            )
        )
    changes.sort(key=lambda c: _EFFECT_ORDER.index(c.effect))
    return tuple(changes)


def _effect(old: _Standing, new: _Standing, *, allocation: bool) -> str:
    """How an order fares: its risk first, then its projected date, then (when
    ``allocation``) how much of it the stock covers."""
    if old.at_risk != new.at_risk:
        return "starved" if new.at_risk else "fixed"
    if old.projected != new.projected:
        if old.projected is None:
            return "better"
        if new.projected is None:
            return "worse"
        return "better" if new.projected < old.projected else "worse"
    was = _ALLOCATION_RANK[Allocation(old.allocation)]
    now = _ALLOCATION_RANK[Allocation(new.allocation)]
    if allocation and was != now:
        return "better" if now > was else "worse"
    return "changed"


# ------------------------------------------------------------------------------- cases


def _case_changes(before: Sequence[Finding], after: Sequence[Finding]) -> tuple[CaseChange, ...]:
    """The findings only one side has: opened by the action, or cleared by it."""
    was = {(f.type.value, f.subject): f for f in before}
    now = {(f.type.value, f.subject): f for f in after}
    opened = [_case(now[key], "opens") for key in sorted(now.keys() - was.keys())]
    cleared = [_case(was[key], "clears") for key in sorted(was.keys() - now.keys())]
    return (*opened, *cleared)


def _case(finding: Finding, change: str) -> CaseChange:
    return CaseChange(
        type=finding.type.value,
        subject=finding.subject,
        change=change,
        severity=finding.severity.value,
        title=first_sentence(finding.explanation),
    )


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (all of it when it has one sentence)."""
    match = _FIRST_SENTENCE.match(text.strip())
    return match.group(1) if match else text.strip()


# ----------------------------------------------------------------------------- summary


def _summary(
    orders: Sequence[OrderChange],
    cases: Sequence[CaseChange],
    after: _Outcome,
    shipping: str | None,
) -> tuple[str, ...]:
    """The changes in plain sentences, the most important first."""
    sentences = [_order_sentence(change, after, shipping) for change in orders[:_SENTENCES]]
    if len(orders) > _SENTENCES:
        sentences.append(f"And {len(orders) - _SENTENCES} more orders change.")
    if not orders:
        sentences.append("No order changes.")
    sentences.extend(_case_sentence(change) for change in cases[:_SENTENCES])
    if len(cases) > _SENTENCES:
        sentences.append(f"And {len(cases) - _SENTENCES} more cases open or clear.")
    if not cases:
        sentences.append("No case opens or clears.")
    return tuple(sentences)


def _words(status: str) -> str:
    return status.replace("_", " ")


_FROM_STOCK: Final = {
    Allocation.FULL.value: "all from stock",
    Allocation.PARTIAL.value: "part from stock",
    Allocation.NONE.value: "nothing from stock",
}


def _states(change: OrderChange) -> tuple[str, str]:
    """Before and after in words; how much stock covers is said only when it changed."""
    said = []
    for status, allocation, projected in (
        (change.before_status, change.before_allocation, change.before_projected),
        (change.after_status, change.after_allocation, change.after_projected),
    ):
        parts = [_words(status)]
        if change.before_allocation != change.after_allocation:
            parts.append(_FROM_STOCK.get(allocation, _words(allocation)))
        parts.append(f"projected {projected.isoformat()}" if projected else "no projected date")
        said.append(", ".join(parts))
    return said[0], said[1]


def _order_sentence(change: OrderChange, after: _Outcome, shipping: str | None) -> str:
    who = f"order {change.order_id} ({change.customer})"
    before, now = _states(change)
    if change.after_status == SHIPPED:
        return f"Ships {who}: every open line leaves now."
    if change.order_id == shipping and change.effect == "changed":
        return f"Ships the part of {who} in stock now; the rest: {now}."
    if change.effect == "fixed":
        return f"Fixes {who}: at risk -> {now}."
    if change.effect == "starved":
        short = after.shortages(change.order_id)
        reason = f"short {' and '.join(short)}" if short else now
        return f"Starves {who}: {before} -> at risk, {reason}."
    verb = {"better": "Helps", "worse": "Sets back"}.get(change.effect, "Changes")
    return f"{verb} {who}: {before} -> {now}."


_REVIEWED: Final = frozenset(t.value for t in ExceptionType)
_SUBJECT_WORDS: Final = {
    "sales_order": "order",
    "purchase_order": "purchase order",
}


def subject_words(subject: str) -> str:
    """A case subject in words: ``sku:CBL-1@WH-A`` -> ``CBL-1 at WH-A``."""
    kind, _, rest = subject.partition(":")
    if kind == "sku":
        sku, _, warehouse = rest.rpartition("@")
        return f"{sku} at {warehouse}"
    if kind == "sales_order_line":
        order_id, _, line = rest.rpartition("/")
        return f"line {line} of order {order_id}"
    code, _, reviewed = rest.rpartition(":")
    if code and reviewed in _REVIEWED:  # a recurring review: customer:C1:order_at_risk
        return f"{_SUBJECT_WORDS.get(kind, _words(kind))} {code} ({_words(reviewed)})"
    return f"{_SUBJECT_WORDS.get(kind, _words(kind))} {rest}"


def _case_sentence(change: CaseChange) -> str:
    what = _words(change.type)
    where = subject_words(change.subject)
    if change.change == "opens":
        article = "an" if what[:1] in "aeiou" else "a"
        return f"Opens {article} {what} case on {where} ({change.severity})."
    return f"Clears the {what} case on {where}."


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
