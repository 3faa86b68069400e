"""Pages write money, quantities and dates in the server's locale and currency, and
the engine's ISO dates in sentences in the page's date style."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from controltower.settings import Settings
from controltower.web import formatting
from controltower.web.formatting import (
    day,
    money,
    presentation_for,
    quantity,
    sentences,
    split_next_steps,
    summary,
    use_presentation,
    words,
)


@pytest.fixture
def german() -> Iterator[None]:
    use_presentation(presentation_for("de_DE", "EUR"))
    yield
    use_presentation(presentation_for("en_GB", "GBP"))


def test_british_english_is_the_default() -> None:
    assert money(Decimal("25163.365")) == "25,163.37"  # half a penny rounds up, as sentences do
    assert money(Decimal("-0.001")) == "0.00"
    assert quantity(Decimal("1200.500")) == "1,200.5"
    assert day(date(2026, 12, 5)) == "5 Dec 2026"


@pytest.mark.usefixtures("german")
def test_another_locale_and_a_currency_without_decimals() -> None:
    assert money(Decimal("32333.18")) == "32.333,18"
    assert day(date(2026, 12, 5)) == "05.12.2026"
    use_presentation(presentation_for("ja_JP", "JPY"))
    assert money(Decimal("1234.5")) == "1,235"


def test_iso_dates_in_sentences_take_the_pages_style_and_nothing_else_changes() -> None:
    text = "PO7 expected 2026-11-27; due 2026-12-07T10:00:00; SKU-2026-11-27; 2026-13-45."
    assert words(text) == (
        "PO7 expected 27 Nov 2026; due 2026-12-07T10:00:00; SKU-2026-11-27; 2026-13-45."
    )
    what, steps = split_next_steps("Promised 2026-11-28 and not shipped. Next: ship it 2026-12-06.")
    assert (what, steps) == ("Promised 28 Nov 2026 and not shipped.", "ship it 6 Dec 2026.")
    assert sentences("Late since 2026-11-28. Ships 2026-12-06.") == [
        "Late since 28 Nov 2026.",
        "Ships 6 Dec 2026.",
    ]
    assert summary("Order SO1 promised 2026-11-28 is ready to ship and 8 days late.").startswith(
        "Order SO1 promised 28 Nov 2026"
    )


def test_an_unknown_locale_or_currency_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValidationError, match="not a locale"):
        Settings(locale="xx_QQ")
    with pytest.raises(ValidationError, match="ISO 4217"):
        Settings(currency="POUNDS")
    with pytest.raises(ValueError, match="CONTROLTOWER_LOCALE"):
        presentation_for("nowhere", "GBP")
    assert formatting.BLANK == money(None) == day(None)
