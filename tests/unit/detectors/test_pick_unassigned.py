"""pick_unassigned: open picks nobody took within the policy's hours."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.model import Pick, PickStatus

if TYPE_CHECKING:
    from helpers.detector_picture import Picture

T = ExceptionType.PICK_UNASSIGNED


def _pick(picture: Picture, pick_id: str, age: timedelta, **kwargs: Any) -> None:
    picture.add(Pick(pick_id, "SO1", "WH-EAST", picture.detected_at - age, **kwargs))


def test_a_pick_unassigned_just_over_the_limit_is_raised_exactly_at_it_is_not(
    picture: Picture,
) -> None:
    picture.order("SO1", picture.line(1, 10, price=30), promised=picture.day(3))
    _pick(picture, "P-AT", timedelta(hours=4))
    _pick(picture, "P-PAST", timedelta(hours=4, minutes=1))
    finding = picture.only(T)
    assert finding.subject == "pick:P-PAST"
    assert finding.cause == "warehouse:WH-EAST"
    assert finding.related == ("sales_order:SO1",)
    assert finding.value_at_risk == Decimal(300)
    assert finding.severity is Severity.LOW
    assert "no picker for 4.0 hours" in finding.explanation


def test_an_assigned_or_done_pick_is_not_raised(picture: Picture) -> None:
    picture.order("SO1", picture.line(1, 10))
    _pick(picture, "P1", timedelta(days=2), assigned_to="sam")
    _pick(picture, "P2", timedelta(days=2), status=PickStatus.DONE)
    assert picture.detect(T) == []


def test_a_pick_for_an_order_due_today_or_expedited_is_one_step_more_severe(
    picture: Picture,
) -> None:
    picture.order("SO1", picture.line(1, 10), promised=picture.day(0))
    _pick(picture, "P1", timedelta(hours=5))
    finding = picture.only(T)
    assert finding.severity is Severity.MEDIUM
    assert finding.entities == ("customer:C1",)


def test_disabled_or_below_minimum_value_raises_nothing(picture: Picture) -> None:
    picture.order("SO1", picture.line(1, 10, price=30))
    _pick(picture, "P1", timedelta(hours=5))
    section = "pick_unassigned"
    assert picture.detect(T, policy={"detectors": {section: {"enabled": False}}}) == []
    assert picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 300}}})
    assert not picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 301}}})
