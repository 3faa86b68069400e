"""quality_hold: demand of a pool waiting on stock quality is holding."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.model import StockLevel

if TYPE_CHECKING:
    from helpers.detector_picture import Picture

T = ExceptionType.QUALITY_HOLD


def test_lines_taking_held_stock_make_one_finding_per_pool_valued_at_the_held_units(
    picture: Picture,
) -> None:
    picture.add(StockLevel("CBL-2X14", "WH-EAST", Decimal(30), quality_hold=Decimal(8)))
    picture.order("SO1", picture.line(1, 10, price=10, held=[(3, picture.day(2))]))
    picture.order("SO2", picture.line(1, 10, price=20, held=[(2, picture.day(2))]))
    finding = picture.only(T)
    assert finding.subject == "sku:CBL-2X14@WH-EAST"
    assert finding.cause == "sku:CBL-2X14@WH-EAST"
    assert finding.value_at_risk == Decimal(3 * 10 + 2 * 20)
    assert finding.related == ("sales_order:SO1", "sales_order:SO2")
    assert "5 of the 8 CBL-2X14 held by quality in WH-EAST" in finding.explanation
    assert "release is expected 2026-11-27" in finding.explanation


def test_no_line_on_held_stock_raises_nothing(picture: Picture) -> None:
    picture.add(StockLevel("CBL-2X14", "WH-EAST", Decimal(30), quality_hold=Decimal(8)))
    picture.order("SO1", picture.line(1, 10))
    assert picture.detect(T) == []


def test_a_release_after_a_promise_is_one_step_more_severe_a_release_on_it_is_not(
    picture: Picture,
) -> None:
    picture.order("SO1", picture.line(1, 1, held=[(1, picture.day(2))]), promised=picture.day(2))
    assert picture.only(T).severity is Severity.LOW
    picture.order("SO2", picture.line(1, 1, held=[(1, picture.day(2))]), promised=picture.day(1))
    finding = picture.only(T)
    assert finding.severity is Severity.MEDIUM
    assert "Waiting makes SO2 miss the promise" in finding.explanation


def test_disabled_or_below_minimum_value_raises_nothing(picture: Picture) -> None:
    picture.order("SO1", picture.line(1, 10, price=10, held=[(3, picture.day(2))]))
    section = "quality_hold"
    assert picture.detect(T, policy={"detectors": {section: {"enabled": False}}}) == []
    assert picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 30}}})
    assert not picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 31}}})
