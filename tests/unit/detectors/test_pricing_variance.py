"""pricing_variance: open lines priced off list by more than the tolerance."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.model import Product

if TYPE_CHECKING:
    from helpers.detector_picture import Picture

T = ExceptionType.PRICING_VARIANCE  # CBL-2X14 lists at 10.00


def test_a_price_exactly_at_the_tolerance_passes_a_cent_beyond_is_raised(
    picture: Picture,
) -> None:
    picture.order("AT", picture.line(1, 10, price="9.50"))
    picture.order("BEYOND", picture.line(1, 10, price="9.49"))
    finding = picture.only(T)
    assert finding.subject == "sales_order_line:BEYOND/1"
    assert finding.value_at_risk == Decimal("5.10")  # 0.51 below list x 10 open
    assert finding.entities == ("customer:C1", "product:CBL-2X14")
    assert "5.1% below the list price 10.00" in finding.explanation
    assert "margin given away" in finding.explanation


def test_a_price_above_list_is_raised_too(picture: Picture) -> None:
    picture.order("SO1", picture.line(1, 10, price=11))
    assert "charged over list" in picture.only(T).explanation


def test_a_line_at_list_or_without_a_list_price_is_not_judged(picture: Picture) -> None:
    picture.add(Product("NOLIST", "Unpriced"))
    picture.order("SO1", picture.line(1, 10, price=10), picture.line(2, 10, sku="NOLIST", price=3))
    assert picture.detect(T) == []


def test_more_than_twice_the_tolerance_is_one_step_more_severe(picture: Picture) -> None:
    picture.order("NEAR", picture.line(1, 10, price=9))
    picture.order("FAR", picture.line(1, 10, price="8.90"))
    severities = {f.subject: f.severity for f in picture.detect(T)}
    assert severities == {
        "sales_order_line:NEAR/1": Severity.LOW,
        "sales_order_line:FAR/1": Severity.MEDIUM,
    }


def test_the_tolerance_comes_from_the_policy(picture: Picture) -> None:
    picture.order("SO1", picture.line(1, 10, price=9))
    policy = {"detectors": {"pricing_variance": {"tolerance_pct": 10}}}
    assert picture.detect(T, policy=policy) == []


def test_disabled_or_below_minimum_value_raises_nothing(picture: Picture) -> None:
    picture.order("SO1", picture.line(1, 10, price=9))
    section = "pricing_variance"
    assert picture.detect(T, policy={"detectors": {section: {"enabled": False}}}) == []
    assert picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 10}}})
    assert not picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 11}}})
