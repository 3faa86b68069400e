"""How numbers, money, dates and times read on the pages (Jinja filters).

One place decides the formats, so every page writes money as ``32,333.18``, a date as
``25 Nov 2026`` and a moment as ``25 Nov 2026 10:00 UTC``: tabular, unambiguous, and
the same everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Final

from jinja2 import Environment

from controltower.api.schemas import public_source

#: what a missing date or number shows as
BLANK: Final = "—"

#: the longest summary sentence shown in a table cell before it is cut
SUMMARY_CHARS: Final = 180

#: a full stop, then the space before the next sentence's capital letter or digit
_SENTENCE_END: Final = re.compile(r"(?<=\.)\s+(?=[A-Z0-9])")

#: the shortest opening a summary is cut after (so "Line 1: ..." is not cut at "Line 1")
SUMMARY_MIN_CHARS: Final = 40


def money(value: Decimal | float | int | None) -> str:
    """``32333.18`` -> ``32,333.18``: two decimals, thousands separated."""
    if value is None:
        return BLANK
    return f"{Decimal(str(value)):,.2f}"


def quantity(value: Decimal | float | int | None) -> str:
    """``12.500`` -> ``12.5``; ``1200`` -> ``1,200``: no trailing zeros, no exponent."""
    if value is None:
        return BLANK
    exact = Decimal(str(value))
    if exact == exact.to_integral_value():
        return f"{int(exact):,}"
    whole, _, fraction = format(exact.normalize(), "f").partition(".")
    return f"{int(whole):,}.{fraction}"


def day(value: date | None) -> str:
    """``2026-11-25`` -> ``25 Nov 2026``."""
    if value is None:
        return BLANK
    return f"{value.day} {value.strftime('%b %Y')}"


def moment(value: datetime | None) -> str:
    """An aware moment in UTC, to the minute: ``25 Nov 2026 10:00 UTC``."""
    if value is None:
        return BLANK
    utc = value.astimezone(UTC) if value.tzinfo is not None else value
    return f"{day(utc.date())} {utc.strftime('%H:%M')} UTC"


def summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The gist of an explanation for a table cell: its opening clause, at most ``limit``.

    Explanations open with what is wrong and then list the evidence after a colon or a
    semicolon, so the text is cut at the first ``. ``, ``: `` or ``; `` outside
    parentheses that comes after a readable opening (:data:`SUMMARY_MIN_CHARS`).
    """
    text = text.strip()
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
    return [part for part in _SENTENCE_END.split(text.strip()) if part]


def reason(explanation: Sequence[str]) -> str:
    """The sentence of an order's explanation that says why it is in trouble.

    Usually the first one. An explanation lists each line's sources in turn, so it may
    open with the units stock *does* cover ("Line 2: 3 of 5 ... come from stock in
    MAN."), which is no reason at all: those coverage sentences are passed over, and
    the first one is kept only when nothing else is said.
    """
    for sentence in explanation:
        if " from stock in " not in sentence:
            return sentence
    return explanation[0] if explanation else ""


def split_next_steps(explanation: str) -> tuple[str, str]:
    """An explanation split into what is wrong and what to do (``Next: ...``), if said."""
    what, marker, steps = explanation.partition(" Next: ")
    return (what.strip(), steps.strip()) if marker else (explanation.strip(), "")


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
    )
    environment.globals.update(split_next_steps=split_next_steps, sentences=sentences)
