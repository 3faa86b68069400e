"""inbound_not_put_away: receipts left on the dock longer than the policy allows."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.model import PurchaseOrder, PurchaseOrderLine, Receipt

if TYPE_CHECKING:
    from helpers.detector_picture import Picture

T = ExceptionType.INBOUND_NOT_PUT_AWAY


def _receipt(picture: Picture, receipt_id: str, days_ago: int, *, put_away: bool = False) -> None:
    picture.add(
        Receipt(
            receipt_id,
            "PO7",
            1,
            picture.day(-days_ago),
            Decimal(30),
            damaged_qty=Decimal(5),
            put_away=put_away,
        )
    )


def _po(picture: Picture) -> None:
    picture.add(
        PurchaseOrder("PO7", "SUP-ACME", "WH-EAST", picture.day(-10), picture.day(-2)),
        PurchaseOrderLine("PO7", 1, "CBL-2X14", Decimal(60), Decimal(30), unit_cost=Decimal(8)),
    )


def test_a_receipt_not_put_away_one_day_past_the_limit_is_raised_at_the_limit_it_is_not(
    picture: Picture,
) -> None:
    _po(picture)
    _receipt(picture, "R-AT", 1)
    _receipt(picture, "R-PAST", 2)
    finding = picture.only(T)
    assert finding.subject == "receipt:R-PAST"
    assert finding.value_at_risk == Decimal(25 * 8)  # usable units at the PO line's cost
    assert finding.warehouse == "WH-EAST"
    assert finding.related == ("purchase_order:PO7", "sku:CBL-2X14@WH-EAST")
    assert "still not put away after 2 days" in finding.explanation


def test_a_receipt_put_away_is_never_raised(picture: Picture) -> None:
    _po(picture)
    _receipt(picture, "R1", 9, put_away=True)
    assert picture.detect(T) == []


def test_short_demand_in_the_pool_raises_severity(picture: Picture) -> None:
    _po(picture)
    _receipt(picture, "R1", 5)
    assert picture.only(T).severity is Severity.LOW
    picture.pool("CBL-2X14", "WH-EAST", short=3)
    finding = picture.only(T)
    assert finding.severity is Severity.MEDIUM
    assert "short meanwhile" in finding.explanation


def test_disabled_or_below_minimum_value_raises_nothing(picture: Picture) -> None:
    _po(picture)
    _receipt(picture, "R1", 5)
    section = "inbound_not_put_away"
    assert picture.detect(T, policy={"detectors": {section: {"enabled": False}}}) == []
    assert picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 200}}})
    assert not picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 201}}})
