"""invoice_blocked: disputed invoices with money still owed."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.model import Invoice

if TYPE_CHECKING:
    from helpers.detector_picture import Picture

T = ExceptionType.INVOICE_BLOCKED


def test_a_disputed_invoice_with_a_residual_is_blocked_and_grouped_under_its_customer(
    picture: Picture,
) -> None:
    picture.add(Invoice("INV1", "C1", picture.day(-4), Decimal("1250.50"), disputed=True))
    finding = picture.only(T)
    assert finding.subject == "invoice:INV1"
    assert finding.cause == "customer:C1"
    assert finding.value_at_risk == Decimal("1250.50")
    assert finding.severity is Severity.MEDIUM
    assert finding.company == "acme"
    assert "4 days past its due date 2026-11-21, is disputed" in finding.explanation


def test_an_undisputed_or_settled_invoice_is_not_blocked(picture: Picture) -> None:
    picture.add(
        Invoice("INV1", "C1", picture.day(-40), Decimal(500)),
        Invoice("INV2", "C1", picture.day(-4), Decimal(0), disputed=True),
        Invoice("CN3", "C1", picture.day(-4), Decimal(-20), disputed=True),
    )
    assert picture.detect(T) == []


def test_a_dispute_behind_credit_blocked_orders_is_one_step_more_severe(picture: Picture) -> None:
    picture.add(Invoice("INV1", "C1", picture.day(3), Decimal(10), disputed=True))
    assert picture.only(T).severity is Severity.LOW
    picture.block_credit("C1", on_hold=False, credit_limit=Decimal(5), open_receivables=Decimal(10))
    picture.order("SO1", picture.line(1, 1))
    finding = picture.only(T)
    assert finding.severity is Severity.MEDIUM
    assert finding.related == ("sales_order:SO1",)
    assert "C1's 1 order (SO1) is blocked by credit" in finding.explanation


def test_disabled_or_below_minimum_value_raises_nothing(picture: Picture) -> None:
    picture.add(Invoice("INV1", "C1", picture.day(-4), Decimal(100), disputed=True))
    section = "invoice_blocked"
    assert picture.detect(T, policy={"detectors": {section: {"enabled": False}}}) == []
    assert picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 100}}})
    assert not picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 101}}})
