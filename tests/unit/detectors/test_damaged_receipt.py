"""damaged_receipt: receipts with damaged units inside the lookback window."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.model import PurchaseOrder, PurchaseOrderLine, Receipt

if TYPE_CHECKING:
    from helpers.detector_picture import Picture

T = ExceptionType.DAMAGED_RECEIPT


def _setup(picture: Picture, *receipts: tuple[str, int, int]) -> None:
    picture.add(
        PurchaseOrder("PO7", "SUP-ACME", "WH-EAST", picture.day(-20), picture.day(-2)),
        PurchaseOrderLine("PO7", 1, "CBL-2X14", Decimal(60)),
    )
    for receipt_id, days_ago, damaged in receipts:
        picture.add(
            Receipt(receipt_id, "PO7", 1, picture.day(-days_ago), Decimal(20), Decimal(damaged))
        )


def test_damage_received_exactly_lookback_days_ago_is_raised_one_day_older_is_not(
    picture: Picture,
) -> None:
    _setup(picture, ("R-EDGE", 7, 4), ("R-OLD", 8, 4))
    finding = picture.only(T)
    assert finding.subject == "receipt:R-EDGE"
    assert finding.value_at_risk == Decimal(4 * 6)  # the product's unit cost: no PO cost given
    assert finding.entities == ("product:CBL-2X14", "supplier:SUP-ACME")
    assert "4 of 20 CBL-2X14 damaged" in finding.explanation
    assert "file a claim with SUP-ACME" in finding.explanation


def test_a_receipt_without_damage_is_not_raised(picture: Picture) -> None:
    _setup(picture, ("R1", 1, 0))
    assert picture.detect(T) == []


def test_damage_that_leaves_the_pool_short_is_one_step_more_severe(picture: Picture) -> None:
    _setup(picture, ("R1", 1, 2))
    assert picture.only(T).severity is Severity.LOW
    picture.pool("CBL-2X14", "WH-EAST", short=1)
    assert picture.only(T).severity is Severity.MEDIUM


def test_the_lookback_comes_from_the_policy(picture: Picture) -> None:
    _setup(picture, ("R1", 3, 2))
    policy = {"detectors": {"damaged_receipt": {"lookback_days": 2}}}
    assert picture.detect(T, policy=policy) == []


def test_disabled_or_below_minimum_value_raises_nothing(picture: Picture) -> None:
    _setup(picture, ("R1", 1, 2))
    section = "damaged_receipt"
    assert picture.detect(T, policy={"detectors": {section: {"enabled": False}}}) == []
    assert picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 12}}})
    assert not picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 13}}})
