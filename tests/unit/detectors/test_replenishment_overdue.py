"""replenishment_overdue: pools below their reorder point with no supply to lift them."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.model import (
    OrderStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    StockLevel,
)

if TYPE_CHECKING:
    from helpers.detector_picture import Picture

T = ExceptionType.REPLENISHMENT_OVERDUE


def _product(picture: Picture, reorder_point: int | None = 20) -> None:
    rp = Decimal(reorder_point) if reorder_point is not None else None
    picture.dataset.products = [
        Product("FUSE", "Fuse", Decimal(2), Decimal(5), reorder_point=rp, reorder_qty=Decimal(100))
    ]


def _stock(picture: Picture, on_hand: int, held: int = 0) -> None:
    picture.add(StockLevel("FUSE", "WH-EAST", Decimal(on_hand), quality_hold=Decimal(held)))


def _po(picture: Picture, qty: int, status: OrderStatus = OrderStatus.OPEN) -> None:
    picture.add(
        PurchaseOrder("PO1", "SUP-ACME", "WH-EAST", picture.day(-1), picture.day(5), status=status),
        PurchaseOrderLine("PO1", 1, "FUSE", Decimal(qty)),
    )


def test_stock_at_the_reorder_point_is_fine_one_unit_below_is_overdue(picture: Picture) -> None:
    _product(picture)
    _stock(picture, 22, held=2)
    assert picture.detect(T) == []
    picture.dataset.stock = []
    _stock(picture, 22, held=3)
    finding = picture.only(T)
    assert finding.subject == "sku:FUSE@WH-EAST"
    assert finding.value_at_risk == Decimal(5)  # 1 below x list price 5
    assert finding.severity is Severity.LOW
    assert "19 available (3 more held by quality) and nothing on order" in finding.explanation
    assert "raise a purchase order for 100" in finding.explanation


def test_open_supply_counts_toward_the_position_closed_supply_does_not(picture: Picture) -> None:
    _product(picture)
    _stock(picture, 5)
    _po(picture, 15)
    assert picture.detect(T) == []
    picture.dataset.purchase_orders.clear()
    picture.dataset.purchase_order_lines.clear()
    _po(picture, 15, status=OrderStatus.CANCELLED)
    assert len(picture.detect(T)) == 1


def test_a_product_without_a_reorder_point_is_never_overdue(picture: Picture) -> None:
    _product(picture, None)
    _stock(picture, 0)
    assert picture.detect(T) == []


def test_a_stock_out_is_medium_and_short_demand_makes_it_high(picture: Picture) -> None:
    _product(picture)
    _stock(picture, 0)
    assert picture.only(T).severity is Severity.MEDIUM
    picture.pool("FUSE", "WH-EAST", short=4)
    assert picture.only(T).severity is Severity.HIGH


def test_disabled_or_below_minimum_value_raises_nothing(picture: Picture) -> None:
    _product(picture)
    _stock(picture, 10)
    section = "replenishment_overdue"
    assert picture.detect(T, policy={"detectors": {section: {"enabled": False}}}) == []
    assert picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 50}}})
    assert not picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 51}}})
