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

from controltower.domain.model import FIRST_DATE, LAST_DATE

_T = TypeVar("_T")

#: What many ERPs write for "no date"; an optional date column reads it as blank.
NO_DATE: Final = "9999-12-31"
#: The largest whole number a 32-bit integer column (``line``, a pick capacity) holds.
INT32_MAX: Final = 2**31 - 1
#: The longest lead or transit time, in days (a century): any date of the calendar
#: plus it stays within the years Python's dates hold.
MAX_DAYS: Final = 36_500


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
    #: cell texts that mean "not given" in an optional column of this type
    blank_texts: frozenset[str] = frozenset()

    def parse(self, raw: str) -> object:
        """The value of ``raw``, or an :class:`Invalid` explaining what is wrong."""
        raise NotImplementedError

    def format(self, value: object) -> str:
        """The cell text for ``value`` (never called with ``None``: blank is the writer's)."""
        raise NotImplementedError


# C0 control characters and DEL: invisible, they break terminals, links and
# PostgreSQL (which refuses NUL). Free text may keep tabs and line breaks.
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_FREE_TEXT: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Text(ValueType):
    """Codes, ids and names: kept exactly as written (after trimming).

    No control character is accepted: none is legitimate in a code or a name, and a
    NUL cannot even be stored. Free text (names) may hold tabs and line breaks; codes
    (``free_text=False``) may not, as they name things in links and tables.
    """

    label = "text"

    def __init__(self, *, free_text: bool = True) -> None:
        self.free_text = free_text
        self._control = _CONTROL_IN_FREE_TEXT if free_text else _CONTROL

    def parse(self, raw: str) -> object:
        found = self._control.search(raw)
        if found is None:
            return raw
        allowed = " other than tab and line breaks" if self.free_text else ""
        return Invalid(
            f"holds the control character U+{ord(found.group()):04X} at character "
            f"{found.start() + 1}; control characters{allowed} are not accepted"
        )

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
    """Line numbers, capacities and day counts: digits only, ``minimum`` to ``maximum``."""

    label = "whole number"

    def __init__(self, *, minimum: int, maximum: int) -> None:
        self.minimum = minimum
        self.maximum = maximum
        self._widest = len(str(maximum))

    def parse(self, raw: str) -> object:
        if raw.isdigit() and raw.isascii():
            # a length check first: int() refuses texts of thousands of digits
            if len(raw.lstrip("0")) > self._widest or int(raw) > self.maximum:
                return Invalid(f"must be {self.maximum} or less: {_shortened(raw)}")
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
    """A calendar date written ``YYYY-MM-DD`` and nothing else, within the calendar.

    With ``no_date_is_blank`` (for optional columns) :data:`NO_DATE` reads as a blank
    cell; elsewhere it is refused like any date beyond the calendar, with a word on
    what it usually means.
    """

    label = "date"

    def __init__(self, *, no_date_is_blank: bool = False) -> None:
        self.blank_texts = frozenset({NO_DATE}) if no_date_is_blank else frozenset()

    def parse(self, raw: str) -> object:
        if _ISO_DATE.fullmatch(raw):
            try:
                day = date.fromisoformat(raw)
            except ValueError as error:
                return Invalid(f"not a real date: {raw!r} ({error})")
            return day if FIRST_DATE <= day <= LAST_DATE else Invalid(_beyond_calendar(raw))
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
            if not FIRST_DATE <= moment.date() <= LAST_DATE:
                return Invalid(_beyond_calendar(raw))
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


def _beyond_calendar(raw: str) -> str:
    """Why a real date outside :data:`FIRST_DATE` .. :data:`LAST_DATE` is refused."""
    message = f"{raw!r} is outside the dates Control Tower reads ({FIRST_DATE} to {LAST_DATE})"
    if raw.startswith(NO_DATE):
        message += f"; {NO_DATE} often stands for 'no date', but this column needs a real date"
    return message


def _shortened(raw: str) -> str:
    """``raw`` quoted, cut short when it is too long to read in a message."""
    return repr(raw) if len(raw) <= 40 else f"{raw[:20]!r}... ({len(raw)} digits)"


def _expect(value: object, kind: type[_T]) -> _T:
    """``value`` if it is a ``kind``; a clear error for a dataset built wrongly in code."""
    if not isinstance(value, kind):
        raise TypeError(f"expected a {kind.__name__}, got {value!r}")
    return value
