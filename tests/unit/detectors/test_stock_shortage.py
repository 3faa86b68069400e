"""stock_shortage: one finding per pool with demand no supply covers."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from controltower.domain.analysis import TransferAlternative
from controltower.domain.cases import ExceptionType, Severity

if TYPE_CHECKING:
    from helpers.detector_picture import Picture

T = ExceptionType.STOCK_SHORTAGE


def test_short_lines_of_one_pool_make_one_shortage_valued_at_their_short_qty(
    picture: Picture,
) -> None:
    picture.order("SO1", picture.line(1, 10, price=10, short=4))
    picture.order("SO2", picture.line(1, 5, price=12, short=5))
    finding = picture.only(T)
    assert finding.subject == "sku:CBL-2X14@WH-EAST"
    assert finding.cause == finding.subject
    assert finding.value_at_risk == Decimal(4 * 10 + 5 * 12)
    assert finding.related == ("sales_order:SO1", "sales_order:SO2")
    assert finding.entities == ("product:CBL-2X14",)
    assert "short 9 units" in finding.explanation
    assert "raise a purchase order" in finding.explanation


def test_a_pool_whose_demand_is_covered_has_no_shortage(picture: Picture) -> None:
    picture.order("SO1", picture.line(1, 10, inbound=[("PO7", 1, 10, picture.day(1))]))
    assert picture.detect(T) == []


def test_one_unit_short_is_enough_to_raise_it(picture: Picture) -> None:
    picture.order("SO1", picture.line(1, 10, short="0.5"))
    assert picture.only(T).value_at_risk == Decimal(5)


def test_free_stock_elsewhere_is_named_as_the_next_step(picture: Picture) -> None:
    alt = TransferAlternative("WH-WEST", Decimal(40), 2, picture.day(2), makes_promise=True)
    picture.order("SO1", picture.line(1, 10, short=10, alternatives=[alt]))
    assert "transfer from WH-WEST (40 free, arrives 2026-11-27)" in picture.only(T).explanation


def test_severity_is_at_least_medium_and_one_step_higher_for_a_strategic_customer(
    picture: Picture,
) -> None:
    picture.order("SO1", picture.line(1, 1, short=1))
    assert picture.only(T).severity is Severity.MEDIUM
    picture.order("SO2", picture.line(1, 1, short=1), customer="C2")
    finding = picture.only(T)
    assert finding.severity is Severity.HIGH
    assert finding.customer_tier == "strategic"


def test_disabled_or_below_minimum_value_raises_nothing(picture: Picture) -> None:
    picture.order("SO1", picture.line(1, 10, price=10, short=10))
    assert picture.detect(T, policy={"detectors": {"stock_shortage": {"enabled": False}}}) == []
    assert picture.detect(T, policy={"detectors": {"stock_shortage": {"min_value_at_risk": 100}}})
    assert not picture.detect(
        T, policy={"detectors": {"stock_shortage": {"min_value_at_risk": 101}}}
    )
