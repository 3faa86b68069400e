"""Filters that take several values: ``?type=stock_shortage&type=credit_hold``.

Every filter of the lists may be repeated to mean "any of these" (different filters
still all apply). The lists' filters are read once, by one function per list, through a
:class:`FilterReader`: the API's (:class:`ApiFilterReader`, here) collects what was
wrong as ``(parameter, message)`` for a 422 whose ``loc`` is ``["query", parameter]``;
the pages' words the same problems for a notice. Either way a value nobody knows is left
out and named, and blank values are ignored, as a form's empty choice is.

The values arrive as text and are read here rather than by FastAPI's list validation,
so a bad value is answered like any other bad filter (no position in ``loc``) and the
message names the value and the choices.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Final, Protocol, TypeVar

from controltower.api.paging import invalid_query

_Choice = TypeVar("_Choice", bound=StrEnum)

#: what reads as yes and as no in a flag filter
YES_WORDS: Final = frozenset({"true", "yes", "1"})
NO_WORDS: Final = frozenset({"false", "no", "0"})

#: the longest free-text value a filter takes
MAX_VALUE_CHARS: Final = 100

#: known values a message lists at most (a warehouse list is short; a customer list is not)
LISTED_AT_MOST: Final = 20


class FilterReader(Protocol):
    """Reads one request's filter values; each method records what it cannot read and
    leaves it out. ``parameter`` is the query parameter, ``what`` the thing in words."""

    def choices(
        self, kind: type[_Choice], values: Sequence[str], parameter: str, what: str
    ) -> frozenset[_Choice] | None:
        """The members ``values`` name (none: None, meaning any)."""
        ...

    def texts(self, values: Sequence[str], parameter: str, what: str) -> frozenset[str] | None:
        """Free-text values, trimmed (none: None)."""
        ...

    def text(
        self, values: Sequence[str], parameter: str, what: str, limit: int = MAX_VALUE_CHARS
    ) -> str | None:
        """One free-text value (the last given), trimmed; at most ``limit`` characters."""
        ...

    def known(
        self,
        values: frozenset[str] | None,
        known: Collection[str],
        parameter: str,
        what: str,
        *,
        listed: bool = True,
    ) -> frozenset[str] | None:
        """The ones of ``values`` that are ``known`` (None when none is left); a message
        about an unknown one lists the known ones when ``listed`` (and they are few)."""
        ...

    def flag(self, values: Sequence[str], parameter: str, what: str) -> bool | None:
        """yes/no (true/false, 1/0); none given, or both, means either."""
        ...

    def amount(self, values: Sequence[str], parameter: str, what: str) -> Decimal | None:
        """An amount of 0 or more (the last one given; none: None)."""
        ...


def given(values: Sequence[str]) -> list[str]:
    """The values that say something: trimmed, blanks left out."""
    return [value.strip() for value in values if value.strip()]


def flag_of(value: str) -> bool | None:
    """``value`` as yes (True) or no (False); None when it is neither."""
    if value.lower() in YES_WORDS:
        return True
    if value.lower() in NO_WORDS:
        return False
    return None


def amount_of(value: str) -> Decimal | None:
    """``value`` as an amount of 0 or more (thousands separators allowed), or None."""
    try:
        amount = Decimal(value.replace(",", ""))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


@dataclass
class ApiFilterReader:
    """The API's :class:`FilterReader`: problems as ``(parameter, message)`` for a 422."""

    problems: list[tuple[str, str]] = field(default_factory=list)

    def choices(
        self, kind: type[_Choice], values: Sequence[str], parameter: str, what: str
    ) -> frozenset[_Choice] | None:
        del what  # the API names the parameter and the codes
        chosen: set[_Choice] = set()
        for value in given(values):
            try:
                chosen.add(kind(value))
            except ValueError:
                known = ", ".join(member.value for member in kind)
                self.problems.append((parameter, f"{value!r} is not one of {known}"))
        return frozenset(chosen) or None

    def texts(self, values: Sequence[str], parameter: str, what: str) -> frozenset[str] | None:
        chosen: set[str] = set()
        for value in given(values):
            if len(value) > MAX_VALUE_CHARS:
                self.problems.append(
                    (parameter, f"a {what} is at most {MAX_VALUE_CHARS} characters")
                )
            else:
                chosen.add(value)
        return frozenset(chosen) or None

    def text(
        self, values: Sequence[str], parameter: str, what: str, limit: int = MAX_VALUE_CHARS
    ) -> str | None:
        chosen = given(values)
        if not chosen:
            return None
        if len(chosen[-1]) > limit:
            self.problems.append((parameter, f"the {what} is at most {limit} characters"))
            return None
        return chosen[-1]

    def known(
        self,
        values: frozenset[str] | None,
        known: Collection[str],
        parameter: str,
        what: str,
        *,
        listed: bool = True,
    ) -> frozenset[str] | None:
        if values is None:
            return None
        unknown = sorted(values - set(known))
        listing = choices_listed(known, what) if listed else ""
        for value in unknown:
            self.problems.append((parameter, f"no {what} {value!r}{listing}"))
        return (values - set(unknown)) or None

    def flag(self, values: Sequence[str], parameter: str, what: str) -> bool | None:
        said: set[bool] = set()
        for value in given(values):
            read = flag_of(value)
            if read is None:
                self.problems.append((parameter, f"{value!r} is not true or false ({what})"))
            else:
                said.add(read)
        return said.pop() if len(said) == 1 else None

    def amount(self, values: Sequence[str], parameter: str, what: str) -> Decimal | None:
        chosen = given(values)
        if not chosen:
            return None
        amount = amount_of(chosen[-1])
        if amount is None:
            self.problems.append(
                (parameter, f"{chosen[-1]!r} is not an amount of 0 or more ({what})")
            )
        return amount

    def check(self) -> None:
        """Raise the 422 naming every parameter at fault, if any is."""
        if self.problems:
            raise invalid_query(self.problems)


def choices_listed(known: Collection[str], what: str) -> str:
    """``; the warehouses are A, B`` for a short list of known values ("" for a long one)."""
    if not known:
        return f"; there are no {what}s to choose from"
    if len(known) > LISTED_AT_MOST:
        return ""
    return f"; the {what}s are {', '.join(known)}"
