"""How numbers, money, dates and times read on the pages (Jinja filters).

One place decides the formats, in the server's locale (``CONTROLTOWER_LOCALE``, British
English by default) through Babel: money in the currency's decimals
(``CONTROLTOWER_CURRENCY``, pounds by default: ``32,333.18``), a date as the locale's
medium date (``25 Nov 2026``) and a moment as ``25 Nov 2026 10:00 UTC``. The sentences
the engine writes (explanations, next steps) carry ISO dates, as the JSON does; on a
page they are rewritten in the page's date style (:func:`words`), so a page has one
date style, in its columns and its sentences alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.numbers import format_decimal, get_currency_precision, list_currencies
from jinja2 import Environment

from controltower.api.schemas import public_source


@dataclass(frozen=True, slots=True)
class Presentation:
    """The locale pages are written in and how many decimals money has."""

    locale: Locale
    money_decimals: int


def presentation_for(locale: str, currency: str) -> Presentation:
    """The presentation of ``locale`` (``en_GB``, ``de_DE``...) and ``currency`` (an ISO
    4217 code); ValueError naming the setting when either is unknown."""
    try:
        parsed = Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError) as error:
        raise ValueError(f"CONTROLTOWER_LOCALE: {locale!r} is not a locale Babel knows") from error
    if currency.upper() not in list_currencies():
        raise ValueError(f"CONTROLTOWER_CURRENCY: {currency!r} is not an ISO 4217 currency code")
    return Presentation(parsed, get_currency_precision(currency.upper()))


_presentation = presentation_for("en_GB", "GBP")


def use_presentation(presentation: Presentation) -> None:
    """Write every page from now on in ``presentation`` (one per server process)."""
    global _presentation  # one process serves one locale
    _presentation = presentation


#: what a missing date or number shows as
BLANK: Final = "—"

#: the longest summary sentence shown in a table cell before it is cut
SUMMARY_CHARS: Final = 180

#: a full stop, then the space before the next sentence's capital letter or digit
_SENTENCE_END: Final = re.compile(r"(?<=\.)\s+(?=[A-Z0-9])")

#: the shortest opening a summary is cut after (so "Line 1: ..." is not cut at "Line 1")
SUMMARY_MIN_CHARS: Final = 40


def money(value: Decimal | float | int | None) -> str:
    """``32333.185`` -> ``32,333.19``: the currency's decimals (half rounded away from
    zero, as the sentences round), the locale's separators."""
    if value is None:
        return BLANK
    digits = _presentation.money_decimals
    exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    if exact.is_zero():
        exact = exact.copy_abs()
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(exact, format=pattern, locale=_presentation.locale)


def quantity(value: Decimal | float | int | None) -> str:
    """``12.500`` -> ``12.5``; ``1200`` -> ``1,200``: no trailing zeros, no exponent."""
    if value is None:
        return BLANK
    exact = Decimal(str(value))
    return format_decimal(
        exact, format="#,##0.############", locale=_presentation.locale, decimal_quantization=False
    )


def day(value: date | None) -> str:
    """``2026-11-25`` -> ``25 Nov 2026`` (the locale's medium date)."""
    if value is None:
        return BLANK
    return format_date(value, format="medium", locale=_presentation.locale)


def moment(value: datetime | None) -> str:
    """An aware moment in UTC, to the minute: ``25 Nov 2026 10:00 UTC``."""
    if value is None:
        return BLANK
    utc = value.astimezone(UTC) if value.tzinfo is not None else value
    return f"{day(utc.date())} {format_time(utc, 'HH:mm', locale=_presentation.locale)} UTC"


#: an ISO date standing alone in a sentence (not part of a code or a moment)
_ISO_DAY: Final = re.compile(r"(?<![\w-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")


def words(text: str) -> str:
    """A sentence of the engine's with its ISO dates in the page's date style:
    ``expected 2026-11-27`` -> ``expected 27 Nov 2026``."""

    def as_day(found: re.Match[str]) -> str:
        try:
            return day(date(int(found[1]), int(found[2]), int(found[3])))
        except ValueError:
            return found[0]

    return _ISO_DAY.sub(as_day, text)


def summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The gist of an explanation for a table cell: its opening clause, at most ``limit``.

    Explanations open with what is wrong and then list the evidence after a colon or a
    semicolon, so the text is cut at the first ``. ``, ``: `` or ``; `` outside
    parentheses that comes after a readable opening (:data:`SUMMARY_MIN_CHARS`).
    """
    text = words(text.strip())
    gist = text
    depth = 0
    for position, character in enumerate(text):
        if character == "(":
            depth += 1
        elif character == ")":
            depth = max(0, depth - 1)
        elif (
            character in ".:;"
            and depth == 0
            and position >= SUMMARY_MIN_CHARS
            and text[position + 1 : position + 2] == " "
        ):
            gist = text[:position]
            break
    if len(gist) > limit:
        gist = gist[: limit - 1].rstrip() + "…"
    return gist


def sentences(text: str) -> list[str]:
    """``text`` split into its sentences (at a full stop followed by a capital)."""
    return [part for part in _SENTENCE_END.split(words(text.strip())) if part]


def reason(explanation: Sequence[str]) -> str:
    """The sentence of an order's explanation that says why it is in trouble.

    Usually the first one. An explanation lists each line's sources in turn, so it may
    open with the units stock *does* cover ("Line 2: 3 of 5 ... come from stock in
    MAN."), which is no reason at all: those coverage sentences are passed over, and
    the first one is kept only when nothing else is said.
    """
    for sentence in explanation:
        if " from stock in " not in sentence:
            return words(sentence)
    return words(explanation[0]) if explanation else ""


def split_next_steps(explanation: str) -> tuple[str, str]:
    """An explanation split into what is wrong and what to do (``Next: ...``), if said."""
    what, marker, steps = words(explanation).partition(" Next: ")
    return (what.strip(), steps.strip()) if marker else (what.strip(), "")


def percent(part: int, whole: int) -> str:
    """``8, 235`` -> ``3.4%``; an empty whole is ``0%``."""
    if whole <= 0:
        return "0%"
    return f"{part * 100 / whole:.1f}%"


def register_filters(environment: Environment) -> None:
    """Make the formats available to every template."""
    environment.filters.update(
        money=money,
        quantity=quantity,
        day=day,
        moment=moment,
        summary=summary,
        reason=reason,
        percent=percent,
        public_source=public_source,
        words=words,
    )
    environment.globals.update(split_next_steps=split_next_steps, sentences=sentences)
