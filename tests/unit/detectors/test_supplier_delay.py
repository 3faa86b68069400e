"""supplier_delay: open POs past their expected date or slipping past a promise."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.model import OrderStatus, PurchaseOrder, PurchaseOrderLine

if TYPE_CHECKING:
    from helpers.detector_picture import Picture

T = ExceptionType.SUPPLIER_DELAY


def _po(
    picture: Picture,
    po_id: str,
    expected: date,
    *,
    qty: int = 50,
    status: OrderStatus = OrderStatus.OPEN,
) -> None:
    picture.add(
        PurchaseOrder(po_id, "SUP-ACME", "WH-EAST", picture.day(-10), expected, status=status),
        PurchaseOrderLine(po_id, 1, "CBL-2X14", Decimal(qty), unit_cost=Decimal(6)),
    )


def test_a_po_expected_yesterday_is_late_one_expected_today_is_not(picture: Picture) -> None:
    _po(picture, "PO-TODAY", picture.day(0))
    _po(picture, "PO-YESTERDAY", picture.day(-1))
    finding = picture.only(T)
    assert finding.subject == "purchase_order:PO-YESTERDAY"
    assert "1 day past its expected date 2026-11-24" in finding.explanation
    assert "never confirmed by the supplier" in finding.explanation
    assert finding.value_at_risk == Decimal(300)  # no order hurt: the late lines at cost
    assert finding.severity is Severity.LOW


def test_grace_days_from_the_policy_move_the_boundary(picture: Picture) -> None:
    _po(picture, "PO1", picture.day(-2))
    grace = {"detectors": {"supplier_delay": {"grace_days": 2}}}
    assert picture.detect(T, policy=grace) == []
    _po(picture, "PO2", picture.day(-3))
    assert [f.subject for f in picture.detect(T, policy=grace)] == ["purchase_order:PO2"]


def test_a_po_expected_after_a_pegged_promise_is_slipping_and_lists_the_order_it_hurts(
    picture: Picture,
) -> None:
    _po(picture, "PO7", picture.day(3))
    picture.order(
        "SO1",
        picture.line(1, 10, price=50, inbound=[("PO7", 1, 10, picture.day(4))]),
        promised=picture.day(2),
        customer="C2",
    )
    finding = picture.only(T)
    assert finding.related == ("sales_order:SO1",)
    assert finding.value_at_risk == Decimal(500)
    assert finding.cause == "purchase_order:PO7"
    assert finding.entities == ("product:CBL-2X14", "supplier:SUP-ACME")
    assert finding.severity is Severity.HIGH  # medium floor, strategic customer
    assert "SO1 for C2 (Harbor Contracting, strategic customer), promised 2026-11-27" in (
        finding.explanation
    )


def test_a_po_expected_on_the_promised_date_is_not_slipping(picture: Picture) -> None:
    _po(picture, "PO7", picture.day(2))
    picture.order(
        "SO1",
        picture.line(1, 10, inbound=[("PO7", 1, 10, picture.day(2))]),
        promised=picture.day(2),
    )
    assert picture.detect(T) == []


def test_a_closed_or_fully_received_po_is_never_late(picture: Picture) -> None:
    _po(picture, "PO-DONE", picture.day(-5), status=OrderStatus.DONE)
    picture.add(
        PurchaseOrder("PO-RECEIVED", "SUP-ACME", "WH-EAST", picture.day(-10), picture.day(-5)),
        PurchaseOrderLine("PO-RECEIVED", 1, "CBL-2X14", Decimal(5), qty_received=Decimal(5)),
    )
    assert picture.detect(T) == []


def test_days_late_at_the_escalation_threshold_raise_severity(picture: Picture) -> None:
    _po(picture, "PO6", picture.day(-6))
    _po(picture, "PO7", picture.day(-7))
    severities = {f.subject: f.severity for f in picture.detect(T)}
    assert severities == {
        "purchase_order:PO6": Severity.LOW,
        "purchase_order:PO7": Severity.MEDIUM,
    }


def test_disabled_or_below_minimum_value_raises_nothing(picture: Picture) -> None:
    _po(picture, "PO7", picture.day(-1))
    assert picture.detect(T, policy={"detectors": {"supplier_delay": {"enabled": False}}}) == []
    assert picture.detect(T, policy={"detectors": {"supplier_delay": {"min_value_at_risk": 300}}})
    assert not picture.detect(
        T, policy={"detectors": {"supplier_delay": {"min_value_at_risk": 301}}}
    )


def test_a_costly_long_overdue_po_that_makes_no_order_late_is_at_most_medium(
    picture: Picture,
) -> None:
    """20,000 at cost and 30 days late would be critical (high, raised once), but no order
    is late because of it: worth watching, not a fire."""
    _po(picture, "PO-BIG", picture.day(-30), qty=20_000)
    finding = picture.only(T)
    assert finding.value_at_risk == Decimal(120_000)
    assert finding.severity is Severity.MEDIUM
    assert "No order is late because of it yet" in finding.explanation
