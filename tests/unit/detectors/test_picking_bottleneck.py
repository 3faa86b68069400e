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
    assert finding.severity is Severity.MEDIUM  # medium floor, one order pushed past its promise
    assert "by up to 2 days" in finding.explanation
    assert "1 order worth 200.00 misses its promise because of it: SO1." in finding.explanation


def test_orders_late_for_another_reason_are_not_its_impact_and_leave_it_low(
    picture: Picture,
) -> None:
    """Capacity pushes SO1's line a day, but its supply already comes after the promise:
    the supplier makes it late, not the warehouse, so the bottleneck hits no order."""
    _capacity(picture, 2)
    picture.order(
        "SO1",
        picture.line(
            1,
            10,
            price=20,
            inbound=[("PO7", 1, 10, picture.day(2))],
            supply_date=picture.day(2),
            projected=picture.day(3),
        ),
        promised=picture.day(1),
    )
    finding = picture.only(T)
    assert finding.related == ()
    assert finding.value_at_risk == Decimal(0)
    assert finding.severity is Severity.LOW
    assert "No order misses its promise because of it yet" in finding.explanation


def test_lines_pushed_later_but_still_on_time_hit_no_order(picture: Picture) -> None:
    _capacity(picture, 2)
    picture.order(
        "SO1",
        picture.line(1, 10, price=20, supply_date=picture.day(0), projected=picture.day(1)),
        promised=picture.day(3),
    )
    finding = picture.only(T)
    assert "capacity pushes 1 ready line(s) of 1 order(s) later" in finding.explanation
    assert (finding.related, finding.value_at_risk, finding.severity) == (
        (),
        Decimal(0),
        Severity.LOW,
    )


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
    assert finding.severity is Severity.LOW  # a pile of picks, but no order late yet
    assert finding.value_at_risk == Decimal(0)


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
    picture.order(
        "SO1",
        picture.line(1, 10, price=20, supply_date=picture.day(0), projected=picture.day(2)),
        promised=picture.day(1),
    )
    section = "picking_bottleneck"
    assert picture.detect(T, policy={"detectors": {section: {"enabled": False}}}) == []
    assert picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 200}}})
    assert not picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 201}}})


def test_the_late_orders_value_sets_the_severity_on_the_policy_ladder(picture: Picture) -> None:
    _capacity(picture, 2)
    picture.order(
        "SO1",
        picture.line(1, 10, price=2000, supply_date=picture.day(0), projected=picture.day(2)),
        promised=picture.day(1),
    )
    lower = {"detectors": {"severity_by_value": {"high": 5000, "critical": 15000}}}
    assert picture.only(T).severity is Severity.HIGH  # 20,000 of late orders
    assert picture.only(T, policy=lower).severity is Severity.CRITICAL
