"""order_at_risk: the engine's at-risk orders, with value, severity, cause and next steps."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from controltower.domain.analysis import TransferAlternative
from controltower.domain.cases import ExceptionType, Severity

if TYPE_CHECKING:
    from helpers.detector_picture import Picture

T = ExceptionType.ORDER_AT_RISK


def test_an_order_projected_after_its_promise_is_at_risk_caused_by_its_late_po(
    picture: Picture,
) -> None:
    picture.order(
        "SO1",
        picture.line(1, 40, price=10, inbound=[("PO7", 1, 15, picture.day(3))]),
        promised=picture.day(2),
    )
    finding = picture.only(T)
    assert finding.subject == "sales_order:SO1"
    assert finding.value_at_risk == Decimal(400)
    assert finding.cause == "purchase_order:PO7"
    assert finding.warehouse == "WH-EAST"
    assert finding.company == "acme"
    assert "promised 2026-11-27" in finding.explanation
    assert "1 day late" in finding.explanation
    assert "chase PO7" in finding.explanation


def test_an_order_on_time_from_stock_is_not_at_risk(picture: Picture) -> None:
    picture.order("SO1", picture.line(1, 40), promised=picture.day(2))
    assert picture.detect(T) == []


def test_an_order_shipping_exactly_on_its_promise_is_not_at_risk_one_day_later_is(
    picture: Picture,
) -> None:
    picture.order(
        "ON", picture.line(1, 5, inbound=[("PO7", 1, 5, picture.day(2))]), promised=picture.day(2)
    )
    picture.order(
        "LATE", picture.line(1, 5, inbound=[("PO7", 1, 5, picture.day(3))]), promised=picture.day(2)
    )
    assert [f.subject for f in picture.detect(T)] == ["sales_order:LATE"]


def test_a_credit_blocked_order_is_caused_by_its_customer_and_says_to_review_credit(
    picture: Picture,
) -> None:
    picture.block_credit("C1")
    picture.order("SO1", picture.line(1, 10))
    finding = picture.only(T)
    assert finding.cause == "customer:C1"
    assert "review the credit block on C1" in finding.explanation


def test_a_short_order_is_caused_by_its_pool_and_names_a_transfer_that_keeps_the_promise(
    picture: Picture,
) -> None:
    rescue = TransferAlternative("WH-WEST", Decimal(40), 1, picture.day(1), makes_promise=True)
    picture.order("SO1", picture.line(1, 10, short=10, alternatives=[rescue]))
    finding = picture.only(T)
    assert finding.cause == "sku:CBL-2X14@WH-EAST"
    assert "transfer CBL-2X14 from WH-WEST (arrives 2026-11-26, in time)" in finding.explanation


def test_capacity_alone_making_an_order_late_makes_the_warehouse_the_cause(
    picture: Picture,
) -> None:
    picture.order("SO1", picture.line(1, 10, supply_date=picture.day(0), projected=picture.day(3)))
    assert picture.only(T).cause == "warehouse:WH-EAST"


def test_severity_follows_the_value_ladder_with_medium_as_the_floor(picture: Picture) -> None:
    picture.order("SMALL", picture.line(1, 1, price=999, inbound=[("PO7", 1, 1, picture.day(3))]))
    picture.order("BIG", picture.line(1, 1, price=10000, inbound=[("PO7", 1, 1, picture.day(3))]))
    severities = {f.subject: f.severity for f in picture.detect(T)}
    assert severities == {"sales_order:BIG": Severity.HIGH, "sales_order:SMALL": Severity.MEDIUM}


def test_a_strategic_customer_raises_severity_one_step(picture: Picture) -> None:
    picture.order("SO1", picture.line(1, 1, inbound=[("PO7", 1, 1, picture.day(3))]), customer="C2")
    finding = picture.only(T)
    assert finding.severity is Severity.HIGH
    assert "strategic customer" in finding.explanation


def test_days_late_at_the_escalation_threshold_raise_severity_one_below_does_not(
    picture: Picture,
) -> None:
    late_2 = picture.line(1, 1, inbound=[("PO7", 1, 1, picture.day(4))])
    late_3 = picture.line(1, 1, inbound=[("PO7", 1, 1, picture.day(5))])
    picture.order("TWO", late_2, promised=picture.day(2))
    picture.order("THREE", late_3, promised=picture.day(2))
    severities = {f.subject: f.severity for f in picture.detect(T)}
    assert severities["sales_order:TWO"] is Severity.MEDIUM
    assert severities["sales_order:THREE"] is Severity.HIGH


def test_an_order_accepting_partial_shipment_is_offered_a_split(picture: Picture) -> None:
    picture.order(
        "SO1",
        picture.line(1, 10, inbound=[("PO7", 1, 5, picture.day(3))]),
        accepts_partial=True,
    )
    assert "ship the available part now" in picture.only(T).explanation


def test_no_split_is_offered_when_nothing_or_everything_is_in_stock(picture: Picture) -> None:
    """An offer to "ship the available part now" fits only an order with a part in stock and a part
    not: with all of it waiting on a PO there is no part to ship."""
    picture.order(
        "SO1",
        picture.line(1, 10, inbound=[("PO7", 1, 10, picture.day(3))]),
        accepts_partial=True,
    )
    assert "ship the available part now" not in picture.only(T).explanation


def test_an_order_in_stock_past_its_promise_is_ready_to_ship_and_goes_to_its_warehouse(
    picture: Picture,
) -> None:
    picture.order(
        "SO1",
        picture.line(1, 6),
        picture.line(2, 7),
        promised=picture.day(-8),
        accepts_partial=True,
    )
    finding = picture.only(T)
    assert finding.routing == "order_ready_to_ship"
    assert "is ready to ship and 8 days late (blockers: none)" in finding.explanation
    assert (
        "Next: ship it from WH-EAST today: every line is in stock; then tell C1 it is on "
        "its way." in finding.explanation
    )
    assert "revised date" not in finding.explanation
    assert "ship the available part now" not in finding.explanation


def test_an_order_late_for_a_reason_stays_with_customer_service(picture: Picture) -> None:
    picture.order(
        "SO1",
        picture.line(1, 40, inbound=[("PO7", 1, 15, picture.day(3))]),
        promised=picture.day(2),
    )
    assert picture.only(T).routing is None


def test_disabled_or_below_minimum_value_raises_nothing(picture: Picture) -> None:
    picture.order("SO1", picture.line(1, 10, price=10, inbound=[("PO7", 1, 10, picture.day(3))]))
    assert picture.detect(T, policy={"detectors": {"order_at_risk": {"enabled": False}}}) == []
    at_minimum = {"detectors": {"order_at_risk": {"min_value_at_risk": 100}}}
    above_minimum = {"detectors": {"order_at_risk": {"min_value_at_risk": "100.01"}}}
    assert len(picture.detect(T, policy=at_minimum)) == 1
    assert picture.detect(T, policy=above_minimum) == []
