"""recurring_exception: the same type on the same entity too often opens a review."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from controltower.domain.cases import CaseOccurrence, ExceptionType, Severity
from controltower.domain.model import PurchaseOrder, PurchaseOrderLine

if TYPE_CHECKING:
    from helpers.detector_picture import Picture

T = ExceptionType.RECURRING_EXCEPTION
DELAY = ExceptionType.SUPPLIER_DELAY


def _occurrence(
    picture: Picture, subject: str, days_ago: float, type_: ExceptionType = DELAY
) -> CaseOccurrence:
    return CaseOccurrence(
        type=type_,
        subject=subject,
        cause=subject,
        entities=("product:CBL-2X14", "supplier:SUP-ACME"),
        opened_at=picture.detected_at - timedelta(days=days_ago),
        value_at_risk=Decimal(1000),
    )


def test_three_delays_of_one_supplier_within_thirty_days_open_a_review(picture: Picture) -> None:
    history = [_occurrence(picture, f"purchase_order:PO{n}", n * 5) for n in (1, 2, 3)]
    found = {f.subject: f for f in picture.detect(T, history=history)}
    review = found["supplier:SUP-ACME:supplier_delay"]
    assert set(found) == {"supplier:SUP-ACME:supplier_delay", "product:CBL-2X14:supplier_delay"}
    assert review.owner_type is DELAY
    assert review.routed_as is DELAY
    assert review.value_at_risk == Decimal(3000)
    assert review.related == ("purchase_order:PO1", "purchase_order:PO2", "purchase_order:PO3")
    assert review.severity is Severity.LOW  # a review, not a fire: its cases carry the value
    assert review.company == "acme"  # the business has one company: no bare team
    assert review.explanation.startswith(
        "Supplier SUP-ACME (Acme Supplies) has had 3 supplier delay cases in the last 30 days "
        "(none still open): PO1, PO2, PO3. Together they put 3,000.00 at risk"
    )


def test_on_a_first_scan_a_review_says_the_cases_are_open_at_once_not_a_history(
    picture: Picture,
) -> None:
    """With no history, six late POs of one supplier found now are six cases open at
    once: saying "has occurred 6 times in the last 30 days" would not be true."""
    for n in (1, 2, 3, 4, 5, 6):
        picture.add(
            PurchaseOrder(f"PO{n}", "SUP-ACME", "WH-EAST", picture.day(-20), picture.day(-9)),
            PurchaseOrderLine(f"PO{n}", 1, "CBL-2X14", Decimal(50), unit_cost=Decimal(6)),
        )
    found = {f.subject: f for f in picture.detect(T)}
    review = found["supplier:SUP-ACME:supplier_delay"]
    assert review.explanation.startswith(
        "Supplier SUP-ACME (Acme Supplies) has 6 supplier delay cases open at once: "
        "PO1, PO2, PO3, PO4, PO5 and 1 more. Together they put 1,800.00 at risk"
    )
    assert review.severity is Severity.MEDIUM  # twice the policy's 3


def test_two_occurrences_are_not_yet_a_pattern(picture: Picture) -> None:
    history = [_occurrence(picture, f"purchase_order:PO{n}", n) for n in (1, 2)]
    assert picture.detect(T, history=history) == []


def test_an_occurrence_exactly_at_the_window_edge_counts_one_minute_older_does_not(
    picture: Picture,
) -> None:
    recent = [_occurrence(picture, f"purchase_order:PO{n}", n) for n in (1, 2)]
    edge = _occurrence(picture, "purchase_order:PO-EDGE", 30)
    older = _occurrence(picture, "purchase_order:PO-OLD", 30 + 1 / (24 * 60))
    assert len(picture.detect(T, history=[*recent, edge])) == 2
    assert picture.detect(T, history=[*recent, older]) == []


def test_different_types_on_one_entity_are_counted_apart(picture: Picture) -> None:
    history = [
        _occurrence(picture, "purchase_order:PO1", 1, DELAY),
        _occurrence(picture, "purchase_order:PO2", 2, DELAY),
        _occurrence(picture, "purchase_order:PO3", 3, ExceptionType.SUPPLIER_CONFIRMATION_OVERDUE),
    ]
    assert picture.detect(T, history=history) == []


def test_twice_the_count_raises_severity_and_the_count_comes_from_the_policy(
    picture: Picture,
) -> None:
    history = [_occurrence(picture, f"purchase_order:PO{n}", n) for n in range(1, 5)]
    policy = {"detectors": {"recurring_exception": {"occurrences": 2}}}
    found = picture.detect(T, history=history, policy=policy)
    assert {f.severity for f in found} == {Severity.MEDIUM}
    fewer = picture.detect(T, history=history[:3], policy=policy)
    assert {f.severity for f in fewer} == {Severity.LOW}


def test_disabled_or_below_minimum_value_raises_nothing(picture: Picture) -> None:
    history = [_occurrence(picture, f"purchase_order:PO{n}", n) for n in (1, 2, 3)]
    section = "recurring_exception"
    disabled = {"detectors": {section: {"enabled": False}}}
    assert picture.detect(T, history=history, policy=disabled) == []
    at_min = {"detectors": {section: {"min_value_at_risk": 3000}}}
    above_min = {"detectors": {section: {"min_value_at_risk": 3001}}}
    assert picture.detect(T, history=history, policy=at_min)
    assert not picture.detect(T, history=history, policy=above_min)


def test_a_review_tells_how_many_of_its_cases_are_still_open(
    picture: Picture,
) -> None:
    history = [_occurrence(picture, f"purchase_order:PO{n}", n) for n in (1, 2)]
    for n in (3, 4):
        picture.add(
            PurchaseOrder(f"PO{n}", "SUP-ACME", "WH-EAST", picture.day(-20), picture.day(-9)),
            PurchaseOrderLine(f"PO{n}", 1, "CBL-2X14", Decimal(50), unit_cost=Decimal(6)),
        )
    review = {f.subject: f for f in picture.detect(T, history=history)}[
        "supplier:SUP-ACME:supplier_delay"
    ]
    assert (
        "has had 4 supplier delay cases in the last 30 days (2 still open): "
        "PO1, PO2, PO3, PO4." in review.explanation
    )
