"""The pages speak plain words and write numbers one way."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum

import pytest

from controltower.api import labels
from controltower.domain.analysis import Allocation, Blocker, OrderRiskStatus
from controltower.domain.cases import CaseState, EventKind, ExceptionType, Severity
from controltower.web.formatting import (
    day,
    moment,
    money,
    percent,
    quantity,
    reason,
    sentences,
    split_next_steps,
    summary,
)


@pytest.mark.parametrize(
    ("enum", "table"),
    [
        (OrderRiskStatus, labels.ORDER_STATUS_LABELS),
        (Allocation, labels.ALLOCATION_LABELS),
        (Blocker, labels.BLOCKER_LABELS),
        (ExceptionType, labels.EXCEPTION_TYPE_LABELS),
        (CaseState, labels.CASE_STATE_LABELS),
        (EventKind, labels.EVENT_KIND_LABELS),
        (Severity, labels.SEVERITY_LABELS),
    ],
)
def test_every_code_has_a_plain_label(enum: type[Enum], table: Mapping[Enum, str]) -> None:
    assert set(table) == set(enum)
    assert all(label and "_" not in label for label in table.values())


def test_subjects_read_as_words() -> None:
    assert labels.subject_label("sales_order:SO1") == "Order SO1"
    assert labels.subject_label("sales_order_line:SO1/2") == "Order line SO1/2"
    assert labels.subject_label("sku:CBL-2X14@WH-EAST") == "CBL-2X14 at WH-EAST"
    assert labels.subject_label("purchase_order:PO7") == "Purchase order PO7"
    assert (
        labels.subject_label("supplier:SUP-1:supplier_delay")
        == "Supplier SUP-1: repeated supplier delay"
    )
    assert labels.subject_label("mystery:X") == "mystery:X"


def test_the_order_of_a_subject_is_found_for_orders_and_their_lines_only() -> None:
    assert labels.order_id_of("sales_order:SO1") == "SO1"
    assert labels.order_id_of("sales_order_line:SO1/2") == "SO1"
    assert labels.order_id_of("purchase_order:PO7") is None
    assert labels.order_id_of("SO1") is None


def test_money_has_two_decimals_and_separated_thousands() -> None:
    assert money(Decimal("32333.18")) == "32,333.18"
    assert money(Decimal("5")) == "5.00"
    assert money(0.1) == "0.10"
    assert money(None) == "—"


def test_quantities_drop_trailing_zeros_and_never_use_an_exponent() -> None:
    assert quantity(Decimal("12.500")) == "12.5"
    assert quantity(Decimal("1E+3")) == "1,000"
    assert quantity(Decimal("1234.25")) == "1,234.25"
    assert quantity(None) == "—"


def test_dates_and_moments_are_unambiguous() -> None:
    assert day(date(2026, 11, 5)) == "5 Nov 2026"
    assert day(None) == "—"
    cet = timezone(timedelta(hours=1))
    assert moment(datetime(2026, 11, 25, 11, 0, tzinfo=cet)) == "25 Nov 2026 10:00 UTC"
    assert moment(datetime(2026, 11, 25, 10, 0, tzinfo=UTC)) == "25 Nov 2026 10:00 UTC"


def test_percent_of_nothing_is_zero() -> None:
    assert percent(8, 235) == "3.4%"
    assert percent(0, 0) == "0%"


def test_a_summary_is_the_opening_clause_never_cut_inside_parentheses() -> None:
    text = (
        "Order SO1 for C1 (Acme, strategic customer), worth 5.00, has no ship date yet "
        "(blockers: no_supply, quality). Line 2: all 4 have no supply."
    )
    assert summary(text) == (
        "Order SO1 for C1 (Acme, strategic customer), worth 5.00, has no ship date yet "
        "(blockers: no_supply, quality)"
    )
    assert summary("Short one: then the details") == "Short one: then the details"
    assert summary("x" * 300).endswith("…")
    assert len(summary("x" * 300)) == 180


def test_the_reason_passes_over_what_stock_covers() -> None:
    explanation = (
        "Line 2: 3 of 5 LPN-600 come from stock in MAN.",
        "Line 2: 2 of 5 LPN-600 wait on PO7 from SUP-1; available to pick 2026-12-06.",
        "Projected to ship 2026-12-06, 9 days after the promised 2026-11-27.",
    )
    assert reason(explanation) == (
        "Line 2: 2 of 5 LPN-600 wait on PO7 from SUP-1; available to pick 6 Dec 2026."
    )
    only = ("All 2 lines are covered from stock in MAN; ships 2026-11-25, 2 days late.",)
    assert (
        reason(only) == "All 2 lines are covered from stock in MAN; ships 25 Nov 2026, 2 days late."
    )
    assert reason(()) == ""


def test_explanations_split_into_sentences_and_next_steps() -> None:
    text = "Invoice INV1 is 5.5% off. Line 2: all 4 wait. Next: chase SUP-1 today."
    what, steps = split_next_steps(text)
    assert steps == "chase SUP-1 today."
    assert sentences(what) == ["Invoice INV1 is 5.5% off.", "Line 2: all 4 wait."]
    assert split_next_steps("Nothing to do here.") == ("Nothing to do here.", "")
