"""expedite_request: expedited orders not fully served from stock, or at risk."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from controltower.domain.cases import ExceptionType, Severity

if TYPE_CHECKING:
    from helpers.detector_picture import Picture

T = ExceptionType.EXPEDITE_REQUEST


def test_an_expedited_order_waiting_on_inbound_is_raised_and_caused_by_that_po(
    picture: Picture,
) -> None:
    picture.order(
        "SO1",
        picture.line(1, 10, price=10, inbound=[("PO7", 1, 4, picture.day(1))]),
        expedite=True,
        promised=picture.day(2),
    )
    finding = picture.only(T)
    assert finding.subject == "sales_order:SO1"
    assert finding.cause == "purchase_order:PO7"
    assert finding.value_at_risk == Decimal(100)
    assert finding.severity is Severity.MEDIUM
    assert "only partly allocated from stock and ships 2026-11-26, on time" in (finding.explanation)


def test_an_expedited_order_fully_from_stock_on_time_is_fine(picture: Picture) -> None:
    picture.order("SO1", picture.line(1, 10), expedite=True)
    assert picture.detect(T) == []


def test_an_order_not_expedited_is_never_an_expedite_request(picture: Picture) -> None:
    picture.order("SO1", picture.line(1, 10, short=10))
    assert picture.detect(T) == []


def test_an_expedited_order_at_risk_for_a_strategic_customer_is_two_steps_up(
    picture: Picture,
) -> None:
    picture.order("SO1", picture.line(1, 1, short=1), expedite=True, customer="C2")
    finding = picture.only(T)
    assert finding.severity is Severity.CRITICAL
    assert "has no ship date yet" in finding.explanation


def test_disabled_or_below_minimum_value_raises_nothing(picture: Picture) -> None:
    picture.order("SO1", picture.line(1, 10, price=10, short=10), expedite=True)
    section = "expedite_request"
    assert picture.detect(T, policy={"detectors": {section: {"enabled": False}}}) == []
    assert picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 100}}})
    assert not picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 101}}})
