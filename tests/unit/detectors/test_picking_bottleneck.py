"""picking_bottleneck: a warehouse whose capacity delays lines or whose backlog is too big."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import TYPE_CHECKING

from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.model import Pick

if TYPE_CHECKING:
    from helpers.detector_picture import Picture

T = ExceptionType.PICKING_BOTTLENECK


def _capacity(picture: Picture, lines_per_day: int) -> None:
    picture.dataset.warehouses[0] = dataclasses.replace(
        picture.dataset.warehouses[0], pick_capacity_lines_per_day=lines_per_day
    )


def _picks(picture: Picture, count: int) -> None:
    for n in range(count):
        picture.add(Pick(f"P{n}", "SO1", "WH-EAST", picture.detected_at))


def test_capacity_delaying_a_line_raises_the_warehouse_with_the_orders_it_holds_up(
    picture: Picture,
) -> None:
    _capacity(picture, 2)
    picture.order(
        "SO1",
        picture.line(1, 10, price=20, supply_date=picture.day(0), projected=picture.day(2)),
        promised=picture.day(1),
    )
    picture.order("SO2", picture.line(1, 10))
    finding = picture.only(T)
    assert finding.subject == "warehouse:WH-EAST"
    assert finding.cause == "warehouse:WH-EAST"
    assert finding.related == ("sales_order:SO1",)
    assert finding.value_at_risk == Decimal(200)
    assert finding.severity is Severity.HIGH  # medium floor, one order pushed past its promise
    assert "by up to 2 days, 1 of them past their promise" in finding.explanation


def test_an_open_backlog_equal_to_capacity_is_fine_one_more_pick_is_a_bottleneck(
    picture: Picture,
) -> None:
    _capacity(picture, 3)
    picture.order("SO1", picture.line(1, 10))
    _picks(picture, 3)
    assert picture.detect(T) == []
    picture.add(Pick("P-EXTRA", "SO1", "WH-EAST", picture.detected_at))
    finding = picture.only(T)
    assert "4 picks are open, more than 3" in finding.explanation
    assert finding.severity is Severity.MEDIUM
    assert finding.value_at_risk == Decimal(100)


def test_backlog_days_come_from_the_policy(picture: Picture) -> None:
    _capacity(picture, 2)
    picture.order("SO1", picture.line(1, 10))
    _picks(picture, 3)
    policy = {"detectors": {"picking_bottleneck": {"backlog_days": "1.5"}}}
    assert picture.detect(T, policy=policy) == []


def test_a_warehouse_without_capacity_is_never_a_bottleneck(picture: Picture) -> None:
    picture.order("SO1", picture.line(1, 10))
    _picks(picture, 500)
    assert picture.detect(T) == []


def test_disabled_or_below_minimum_value_raises_nothing(picture: Picture) -> None:
    _capacity(picture, 1)
    picture.order("SO1", picture.line(1, 10))
    _picks(picture, 2)
    section = "picking_bottleneck"
    assert picture.detect(T, policy={"detectors": {section: {"enabled": False}}}) == []
    assert picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 100}}})
    assert not picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 101}}})
