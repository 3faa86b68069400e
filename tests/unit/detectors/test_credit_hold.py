"""credit_hold: a customer whose open orders the credit rules block."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.model import Invoice

if TYPE_CHECKING:
    from helpers.detector_picture import Picture

T = ExceptionType.CREDIT_HOLD


def test_a_customer_over_its_limit_with_blocked_orders_is_one_credit_hold(
    picture: Picture,
) -> None:
    picture.block_credit(
        "C1",
        on_hold=False,
        credit_limit=Decimal(1000),
        open_receivables=Decimal(800),
        open_order_value=Decimal(300),
    )
    picture.order("SO1", picture.line(1, 10, price=10))
    picture.order("SO2", picture.line(1, 20, price=10))
    picture.add(Invoice("INV9", "C1", picture.day(-5), Decimal(800), disputed=True))
    finding = picture.only(T)
    assert finding.subject == "customer:C1"
    assert finding.cause == "customer:C1"
    assert finding.value_at_risk == Decimal(300)
    assert finding.related == ("invoice:INV9", "sales_order:SO1", "sales_order:SO2")
    assert finding.warehouse is None
    assert finding.company == "acme"
    assert "exposure 1,100.00 (open invoices 800.00 + open orders 300.00)" in finding.explanation
    assert "exceeds its limit 1,000.00" in finding.explanation
    assert "Disputed invoices: INV9" in finding.explanation


def test_a_customer_whose_credit_is_fine_raises_nothing(picture: Picture) -> None:
    picture.block_credit("C1", on_hold=False, credit_limit=Decimal(10**6))
    picture.order("SO1", picture.line(1, 10))
    assert picture.detect(T) == []


def test_a_blocked_customer_with_no_open_order_raises_nothing(picture: Picture) -> None:
    picture.block_credit("C1")
    assert picture.detect(T) == []


def test_an_overdue_invoice_is_named_with_its_days(picture: Picture) -> None:
    picture.block_credit("C1", on_hold=False, overdue_invoices=(("INV3", Decimal(50), 31),))
    picture.order("SO1", picture.line(1, 10))
    assert "invoice INV3 of 50.00 is 31 days overdue (limit 30)" in picture.only(T).explanation


def test_severity_is_at_least_medium_and_one_step_higher_for_a_strategic_account(
    picture: Picture,
) -> None:
    picture.block_credit("C1")
    picture.block_credit("C2")
    picture.order("SO1", picture.line(1, 1), customer="C1")
    picture.order("SO2", picture.line(1, 1), customer="C2")
    severities = {f.subject: f.severity for f in picture.detect(T)}
    assert severities == {"customer:C1": Severity.MEDIUM, "customer:C2": Severity.HIGH}


def test_disabled_or_below_minimum_value_raises_nothing(picture: Picture) -> None:
    picture.block_credit("C1")
    picture.order("SO1", picture.line(1, 10, price=10))
    section = "credit_hold"
    assert picture.detect(T, policy={"detectors": {section: {"enabled": False}}}) == []
    assert picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 100}}})
    assert not picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 101}}})
