"""return_pending_approval: return requests left undecided too long."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.model import Return, ReturnStatus

if TYPE_CHECKING:
    from helpers.detector_picture import Picture

T = ExceptionType.RETURN_PENDING_APPROVAL


def _rma(
    picture: Picture,
    rma_id: str,
    days_ago: int,
    *,
    customer: str = "C1",
    order_id: str | None = None,
    status: ReturnStatus = ReturnStatus.REQUESTED,
) -> None:
    picture.add(
        Return(
            rma_id,
            customer,
            "CBL-2X14",
            Decimal(4),
            picture.day(-days_ago),
            order_id=order_id,
            status=status,
        )
    )


def test_a_return_waiting_one_day_past_the_limit_is_raised_at_the_limit_it_is_not(
    picture: Picture,
) -> None:
    _rma(picture, "RMA-AT", 3)
    _rma(picture, "RMA-PAST", 4)
    finding = picture.only(T)
    assert finding.subject == "return:RMA-PAST"
    assert finding.value_at_risk == Decimal(40)  # 4 at the list price: no order named
    assert finding.value_basis == "qty x the product's list price"
    assert finding.company == "acme"
    assert "waited 4 days for a decision" in finding.explanation


def test_a_decided_return_is_not_raised(picture: Picture) -> None:
    for n, status in enumerate([ReturnStatus.APPROVED, ReturnStatus.REJECTED]):
        _rma(picture, f"RMA{n}", 10, status=status)
    assert picture.detect(T) == []


def test_a_return_of_an_order_is_valued_at_the_price_paid_and_placed_in_its_warehouse(
    picture: Picture,
) -> None:
    picture.order("SO1", picture.line(1, 10, price=7), warehouse="WH-WEST")
    _rma(picture, "RMA1", 5, order_id="SO1")
    finding = picture.only(T)
    assert finding.value_at_risk == Decimal(28)
    assert finding.warehouse == "WH-WEST"
    assert finding.related == ("sales_order:SO1",)


def test_a_strategic_customer_and_a_long_wait_each_raise_severity(picture: Picture) -> None:
    _rma(picture, "RMA1", 4, customer="C2")
    _rma(picture, "RMA2", 7, customer="C2")
    severities = {f.subject: f.severity for f in picture.detect(T)}
    assert severities == {"return:RMA1": Severity.MEDIUM, "return:RMA2": Severity.HIGH}


def test_disabled_or_below_minimum_value_raises_nothing(picture: Picture) -> None:
    _rma(picture, "RMA1", 5)
    section = "return_pending_approval"
    assert picture.detect(T, policy={"detectors": {section: {"enabled": False}}}) == []
    assert picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 40}}})
    assert not picture.detect(T, policy={"detectors": {section: {"min_value_at_risk": 41}}})
