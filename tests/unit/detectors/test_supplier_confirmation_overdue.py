"""supplier_confirmation_overdue: open POs not confirmed within the policy's days."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.model import OrderStatus, PurchaseOrder, PurchaseOrderLine

if TYPE_CHECKING:
    from helpers.detector_picture import Picture

T = ExceptionType.SUPPLIER_CONFIRMATION_OVERDUE


def _po(picture: Picture, po_id: str, *, ordered_days_ago: int, **kwargs: Any) -> None:
    picture.add(
        PurchaseOrder(
            po_id,
            "SUP-ACME",
            "WH-EAST",
            order_date=picture.day(-ordered_days_ago),
            expected_date=picture.day(5),
            buyer="dana",
            **kwargs,
        ),
        PurchaseOrderLine(po_id, 1, "CBL-2X14", Decimal(50), unit_cost=Decimal(6)),
    )


def test_an_unconfirmed_po_one_day_past_the_window_is_overdue_at_the_window_it_is_not(
    picture: Picture,
) -> None:
    _po(picture, "PO-AT", ordered_days_ago=2)
    _po(picture, "PO-PAST", ordered_days_ago=3)
    finding = picture.only(T)
    assert finding.subject == "purchase_order:PO-PAST"
    assert finding.cause == "purchase_order:PO-PAST"
    assert finding.owner_type is None
    assert "not confirmed 3 days after ordering" in finding.explanation
    assert "buyer: dana" in finding.explanation


def test_a_confirmed_or_closed_po_is_never_overdue(picture: Picture) -> None:
    _po(picture, "PO-CONF", ordered_days_ago=9, confirmed_date=picture.day(-8))
    _po(picture, "PO-DONE", ordered_days_ago=9, status=OrderStatus.DONE)
    assert picture.detect(T) == []


def test_a_po_nobody_waits_on_is_valued_at_cost_and_low(picture: Picture) -> None:
    _po(picture, "PO7", ordered_days_ago=5)
    finding = picture.only(T)
    assert finding.value_at_risk == Decimal(300)
    assert "unit cost" in finding.value_basis
    assert finding.severity is Severity.LOW
    assert "no order is pegged to it yet" in finding.explanation


def test_a_po_orders_wait_on_is_valued_at_their_price_and_raised_when_one_is_late(
    picture: Picture,
) -> None:
    _po(picture, "PO7", ordered_days_ago=5)
    picture.order(
        "SO1",
        picture.line(1, 20, price=100, inbound=[("PO7", 1, 20, picture.day(6))]),
        promised=picture.day(3),
    )
    finding = picture.only(T)
    assert finding.value_at_risk == Decimal(2000)
    assert finding.related == ("sales_order:SO1",)
    assert finding.severity is Severity.HIGH  # medium by value, one step for the late order
    assert "SO1 for C1 (promised 2026-11-28)" in finding.explanation


def test_the_window_comes_from_the_policy(picture: Picture) -> None:
    _po(picture, "PO7", ordered_days_ago=3)
    policy = {"detectors": {"supplier_confirmation_overdue": {"confirm_within_days": 3}}}
    assert picture.detect(T, policy=policy) == []


def test_disabled_or_below_minimum_value_raises_nothing(picture: Picture) -> None:
    _po(picture, "PO7", ordered_days_ago=5)
    section = "supplier_confirmation_overdue"
    assert picture.detect(T, policy={"detectors": {section: {"enabled": False}}}) == []
    assert picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 300}}})
    assert not picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 301}}})


def test_a_costly_po_nobody_is_late_for_is_at_most_medium(picture: Picture) -> None:
    picture.add(
        PurchaseOrder(
            "PO-BIG",
            "SUP-ACME",
            "WH-EAST",
            order_date=picture.day(-9),
            expected_date=picture.day(5),
        ),
        PurchaseOrderLine("PO-BIG", 1, "CBL-2X14", Decimal(20_000), unit_cost=Decimal(6)),
    )
    finding = picture.only(T)
    assert finding.value_at_risk == Decimal(120_000)  # critical on the ladder alone
    assert finding.severity is Severity.MEDIUM
