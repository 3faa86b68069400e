"""The value types of the canonical dataset: how a CSV cell becomes a value and back.

Each type parses a *trimmed, non-blank* cell and formats a value so that parsing the
formatted text gives an equal value (the writer relies on that round trip). Parsing
never raises on bad input: it returns an :class:`Invalid` carrying the message a user
sees, so the reader can check a million cells without paying for an exception per cell
and can report every bad cell instead of stopping at the first.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final, TypeVar

_T = TypeVar("_T")


class Invalid:
    """A cell that does not hold a value of its column's type; ``reason`` says why."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"Invalid({self.reason!r})"


class ValueType:
    """One kind of cell: parse a trimmed non-blank cell, format a value for a cell."""

    label: str = "value"

    def parse(self, raw: str) -> object:
        """The value of ``raw``, or an :class:`Invalid` explaining what is wrong."""
        raise NotImplementedError

    def format(self, value: object) -> str:
        """The cell text for ``value`` (never called with ``None``: blank is the writer's)."""
        raise NotImplementedError


class Text(ValueType):
    """Codes, ids and names: kept exactly as written (after trimming)."""

    label = "text"

    def parse(self, raw: str) -> object:
        return raw

    def format(self, value: object) -> str:
        return str(value)


# Plain decimal notation only: "12", "12.5", ".5", "12." -- no exponent, no separators.
_PLAIN_DECIMAL: Final = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_SIGNED_PLAIN_DECIMAL: Final = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_EXPONENT_NOTATION: Final = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+")


class DecimalNumber(ValueType):
    """Quantities and money, exact; negative only where the format allows it."""

    label = "decimal number"

    def __init__(self, *, allow_negative: bool = False) -> None:
        self.allow_negative = allow_negative
        self._pattern = _SIGNED_PLAIN_DECIMAL if allow_negative else _PLAIN_DECIMAL

    def parse(self, raw: str) -> object:
        # Most quantities are whole numbers: skip the regex for them.
        if (raw.isdigit() and raw.isascii()) or self._pattern.fullmatch(raw):
            return Decimal(raw)
        return Invalid(self._explain(raw))

    def _explain(self, raw: str) -> str:
        if raw.startswith("-") and _PLAIN_DECIMAL.fullmatch(raw[1:]):
            return f"must not be negative: {raw!r}"
        if raw.startswith("+") and _SIGNED_PLAIN_DECIMAL.fullmatch(raw[1:]):
            return f"not a plain decimal number: {raw!r} (a leading '+' is not accepted)"
        if _EXPONENT_NOTATION.fullmatch(raw):
            return f"not a plain decimal number: {raw!r} (exponent notation is not accepted)"
        if any(separator in raw for separator in ", _'"):
            return (
                f"not a plain decimal number: {raw!r} "
                "(thousands separators and decimal commas are not accepted; write 1234.5)"
            )
        return f"not a plain decimal number: {raw!r}"

    def format(self, value: object) -> str:
        return format_decimal(_expect(value, Decimal))


def format_decimal(value: Decimal) -> str:
    """Plain notation without exponent or needless trailing zeros: 12.500 -> 12.5, 1E+1 -> 10."""
    if not value.is_finite():
        raise ValueError(f"cannot write the non-finite number {value} to a dataset")
    if value.is_zero():
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


class WholeNumber(ValueType):
    """Line numbers, capacities and day counts: digits only, at least ``minimum``."""

    label = "whole number"

    def __init__(self, *, minimum: int) -> None:
        self.minimum = minimum

    def parse(self, raw: str) -> object:
        if raw.isdigit() and raw.isascii():
            number = int(raw)
            if number >= self.minimum:
                return number
            return Invalid(f"must be {self.minimum} or more: {raw!r}")
        if raw.startswith("-") and raw[1:].isdigit() and raw[1:].isascii():
            return Invalid(f"must not be negative: {raw!r}")
        return Invalid(f"not a whole number: {raw!r} (digits only)")

    def format(self, value: object) -> str:
        number = _expect(value, int)
        return str(number)


_ISO_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_DATE_OR_DATETIME: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)


class IsoDate(ValueType):
    """A calendar date written ``YYYY-MM-DD`` and nothing else."""

    label = "date"

    def parse(self, raw: str) -> object:
        if _ISO_DATE.fullmatch(raw):
            try:
                return date.fromisoformat(raw)
            except ValueError as error:
                return Invalid(f"not a real date: {raw!r} ({error})")
        return Invalid(f"not a date in the form YYYY-MM-DD: {raw!r}")

    def format(self, value: object) -> str:
        return _expect(value, date).isoformat()


class DateOrDateTime(ValueType):
    """A moment: a date (read as midnight) or an ISO datetime.

    A datetime with a time zone (``Z`` or ``+01:00``) is converted to UTC and kept
    without its zone, so every moment of a dataset is comparable; one without a zone
    is kept as written.
    """

    label = "date or datetime"

    def parse(self, raw: str) -> object:
        if _ISO_DATE_OR_DATETIME.fullmatch(raw):
            try:
                moment = datetime.fromisoformat(raw)
            except ValueError as error:
                return Invalid(f"not a real date or time: {raw!r} ({error})")
            if moment.tzinfo is not None:
                try:
                    moment = moment.astimezone(UTC).replace(tzinfo=None)
                except OverflowError:
                    return Invalid(f"not a representable moment in UTC: {raw!r}")
            return moment
        return Invalid(
            f"not a date (YYYY-MM-DD) or datetime (YYYY-MM-DDTHH:MM[:SS][zone]): {raw!r}"
        )

    def format(self, value: object) -> str:
        moment = _expect(value, datetime)
        if moment.tzinfo is not None:
            raise ValueError(f"cannot write the time-zone-aware datetime {moment} to a dataset")
        if moment.hour == moment.minute == moment.second == moment.microsecond == 0:
            return moment.date().isoformat()
        return moment.isoformat()


_BOOLEAN_WORDS: Final = {
    "true": True,
    "1": True,
    "yes": True,
    "false": False,
    "0": False,
    "no": False,
}


class Boolean(ValueType):
    """true/false, 1/0 or yes/no, in any letter case."""

    label = "boolean"

    def parse(self, raw: str) -> object:
        value = _BOOLEAN_WORDS.get(raw.lower())
        if value is None:
            return Invalid(f"not a boolean: {raw!r} (use true/false, 1/0 or yes/no)")
        return value

    def format(self, value: object) -> str:
        return "true" if _expect(value, bool) else "false"


class Choice(ValueType):
    """One of the members of a string enumeration, written exactly as its value."""

    label = "choice"

    def __init__(self, enumeration: type[StrEnum]) -> None:
        self.enumeration = enumeration
        self._members: dict[str, StrEnum] = {member.value: member for member in enumeration}
        self._allowed = ", ".join(self._members)

    def parse(self, raw: str) -> object:
        member = self._members.get(raw)
        if member is None:
            return Invalid(f"not an allowed value: {raw!r} (allowed: {self._allowed})")
        return member

    def format(self, value: object) -> str:
        return _expect(value, self.enumeration).value


def _expect(value: object, kind: type[_T]) -> _T:
    """``value`` if it is a ``kind``; a clear error for a dataset built wrongly in code."""
    if not isinstance(value, kind):
        raise TypeError(f"expected a {kind.__name__}, got {value!r}")
    return value
