"""Credit assessment (``allocation.md``, the ``credit`` blocker), one rule at a time."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from controltower.domain.analysis import CreditAssessment
from controltower.domain.model import Customer, Invoice
from controltower_oracle.credit import assess_credit

D = date(2026, 11, 25)


def invoice(
    invoice_id: str,
    residual: str,
    *,
    days_past_due: int = 0,
    disputed: bool = False,
    customer: str = "C1",
) -> Invoice:
    return Invoice(
        invoice_id, customer, D - timedelta(days=days_past_due), Decimal(residual), disputed
    )


def assess(
    customer: Customer | None,
    *invoices: Invoice,
    order_value: str = "0",
    overdue_days_block: int = 30,
) -> CreditAssessment:
    return assess_credit(
        "C1",
        customer,
        invoices,
        Decimal(order_value),
        as_of=D,
        overdue_days_block=overdue_days_block,
    )


def limited(limit: str | None, *, hold: bool = False) -> Customer:
    return Customer("C1", credit_limit=None if limit is None else Decimal(limit), credit_hold=hold)


def test_customer_on_credit_hold_is_blocked_whatever_its_amounts() -> None:
    credit = assess(limited(None, hold=True))
    assert credit.on_hold
    assert credit.blocked
    assert not credit.over_limit


def test_exposure_equal_to_the_limit_does_not_block() -> None:
    credit = assess(limited("10000"), invoice("I1", "4000"), order_value="6000")
    assert credit.exposure == Decimal("10000")
    assert not credit.blocked


def test_exposure_strictly_greater_than_the_limit_blocks_even_by_a_cent() -> None:
    credit = assess(limited("10000"), invoice("I1", "4000"), order_value="6000.01")
    assert credit.over_limit
    assert credit.blocked


def test_amounts_are_compared_exactly_not_rounded() -> None:
    credit = assess(limited("100.00"), order_value="100.001")
    assert credit.blocked


def test_zero_limit_is_a_limit_that_any_positive_exposure_exceeds() -> None:
    assert assess(limited("0"), order_value="0.5").blocked
    assert not assess(limited("0"), order_value="0").blocked


def test_blank_limit_means_no_limit() -> None:
    credit = assess(limited(None), invoice("I1", "1000000"), order_value="5000000")
    assert credit.credit_limit is None
    assert not credit.blocked


def test_credit_note_reduces_open_receivables() -> None:
    credit = assess(
        limited("1000"), invoice("I1", "800"), invoice("CN1", "-300"), order_value="450"
    )
    assert credit.open_receivables == Decimal("500")
    assert not credit.blocked


def test_disputed_and_not_yet_due_invoices_count_in_receivables() -> None:
    credit = assess(
        limited("1000"),
        invoice("I1", "600", disputed=True),
        invoice("I2", "500", days_past_due=-20),
    )
    assert credit.open_receivables == Decimal("1100")
    assert credit.over_limit


def test_invoice_exactly_the_allowed_days_overdue_does_not_block() -> None:
    assert not assess(limited(None), invoice("I1", "10", days_past_due=30)).blocked


def test_invoice_more_than_the_allowed_days_overdue_blocks_and_is_named() -> None:
    credit = assess(limited(None), invoice("INV9", "1200", days_past_due=45))
    assert credit.blocked
    assert credit.overdue_invoices == (("INV9", Decimal("1200"), 45),)


def test_overdue_threshold_comes_from_the_policy() -> None:
    overdue = invoice("I1", "10", days_past_due=8)
    assert assess(limited(None), overdue, overdue_days_block=7).blocked
    assert not assess(limited(None), overdue, overdue_days_block=8).blocked


def test_overdue_invoice_without_a_positive_residual_does_not_block() -> None:
    credit = assess(
        limited(None), invoice("I1", "0", days_past_due=90), invoice("CN", "-5", days_past_due=90)
    )
    assert not credit.blocked


def test_overdue_invoices_are_listed_most_overdue_first_then_by_id() -> None:
    credit = assess(
        limited(None),
        invoice("B", "1", days_past_due=40),
        invoice("A", "1", days_past_due=40),
        invoice("C", "1", days_past_due=90),
    )
    assert [item[0] for item in credit.overdue_invoices] == ["C", "A", "B"]


def test_unknown_customer_has_no_hold_and_no_limit() -> None:
    credit = assess(None, invoice("I1", "5"), order_value="10")
    assert (credit.on_hold, credit.credit_limit, credit.exposure) == (False, None, Decimal(15))
    assert not credit.blocked
