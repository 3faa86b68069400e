"""``left_as_is``: the cases a run may set aside are exactly ones reconciling leaves alone.

A stored scan reconciles only the cases :func:`left_as_is` does not vouch for; if it
ever vouched for a case that reconciling would change, that change would be lost. So:
for any case (in any state, absent or not, snoozed or not) and any finding (or none),
``left_as_is`` implies ``reconcile`` returns the case unchanged with no event.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from controltower.domain.cases import (
    Absence,
    CaseState,
    ExceptionCase,
    ExceptionType,
    LiveCase,
    Severity,
    left_as_is,
    reconcile,
)
from controltower.policy.model import Policy

T0 = datetime(2026, 11, 25, 8, 0)
POLICY = Policy.model_validate(
    {"lifecycle": {"clear_after_scans": 2, "clear_after_minutes": 30, "reopen_window_days": 7}}
)


@dataclass(frozen=True)
class Found:
    """A routed finding, as reconciling reads it."""

    severity: Severity
    value_at_risk: Decimal
    explanation: str
    related: tuple[str, ...]
    warehouse: str | None
    type: ExceptionType = ExceptionType.SUPPLIER_DELAY
    subject: str = "purchase_order:PO7"
    value_basis: str = "open value"
    cause: str = "purchase_order:PO7"
    entities: tuple[str, ...] = ("supplier:SUP-ACME",)
    owner: str = "purchasing@WH-EAST"
    due_at: datetime = T0 + timedelta(hours=8)
    company: str | None = "acme"


findings = st.builds(
    Found,
    severity=st.sampled_from(list(Severity)),
    value_at_risk=st.sampled_from([Decimal(500), Decimal("500.0"), Decimal(600)]),
    explanation=st.sampled_from(["PO7 is 2 days late.", "PO7 is 3 days late."]),
    related=st.sampled_from([(), ("sales_order:SO1",), ("sales_order:SO1", "sales_order:SO2")]),
    warehouse=st.sampled_from([None, "WH-EAST"]),
)


@st.composite
def cases_and_findings(draw: st.DrawFn) -> tuple[ExceptionCase, Found | None]:
    """A case in any live state and a finding: often the very one it was opened for."""
    base = draw(findings)
    (opened,) = reconcile((), [base], now=T0, policy=POLICY).cases
    absence = draw(st.sampled_from([None, Absence(first_missed_at=T0, last_missed_at=T0, scans=1)]))
    snoozed = draw(st.sampled_from([None, T0 + timedelta(hours=1), T0 + timedelta(days=9)]))
    case = replace(
        opened,
        state=draw(st.sampled_from([s for s in CaseState if s is not CaseState.CLOSED])),
        absence=absence,
        snoozed_until=snoozed,
        resolution_code=draw(st.sampled_from([None, "accepted_risk", "fixed"])),
    )
    return case, draw(st.one_of(st.none(), findings, st.just(base)))


@given(
    drawn=cases_and_findings(),
    later=st.sampled_from([timedelta(minutes=5), timedelta(hours=2), timedelta(days=10)]),
)
def test_a_case_left_as_is_comes_out_of_reconciling_unchanged(
    drawn: tuple[ExceptionCase, Found | None], later: timedelta
) -> None:
    case, finding = drawn
    now = T0 + later
    if left_as_is(LiveCase.of(case), finding, now=now):
        result = reconcile([case], [] if finding is None else [finding], now=now, policy=POLICY)
        assert result.changed == ()
        assert result.events == ()
        assert result.cases == (case,)


def test_a_case_re_detected_as_it_stands_is_left_as_is_and_any_new_fact_is_not() -> None:
    finding = Found(Severity.HIGH, Decimal(500), "PO7 is 2 days late.", (), "WH-EAST")
    (case,) = reconcile((), [finding], now=T0, policy=POLICY).cases
    now = T0 + timedelta(hours=1)

    assert left_as_is(LiveCase.of(case), finding, now=now)
    assert not left_as_is(LiveCase.of(case), None, now=now)
    assert not left_as_is(LiveCase.of(case), replace(finding, explanation="3 days."), now=now)
    assert not left_as_is(LiveCase.of(case), replace(finding, severity=Severity.LOW), now=now)
    resolved = replace(case, state=CaseState.RESOLVED)
    assert not left_as_is(LiveCase.of(resolved), finding, now=now)
