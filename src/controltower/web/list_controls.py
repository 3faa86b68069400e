"""What the list pages' controls are made of: several values per filter, chips, sort
headers, and the links between them.

A list page's state is its query string, with a filter repeated for each value chosen
(``?type=a&type=b``). :class:`ListLink` keeps that query as ordered pairs and makes the
links a page needs from it: the same list with something changed (a page, a sort), one
chosen value taken away (a chip's ✕), the download of the list, and the query itself
for saving as a view. :class:`PageFilterReader` reads the filters for the pages through
the same functions the API uses (``api/queue_filters.py``, ``api/order_filters.py``),
wording what it cannot read as a notice. Everything works without JavaScript: the
multi-selects are checkbox groups in a ``<details>``, chips and headers are links.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final, TypeVar
from urllib.parse import urlencode

from controltower.api.list_params import (
    LISTED_AT_MOST,
    MAX_VALUE_CHARS,
    amount_of,
    flag_of,
    given,
)
from controltower.storage.queries import SortDirection
from controltower.web.page_support import QueryReading, choices_words

_Choice = TypeVar("_Choice", bound=StrEnum)

#: the arrow a sorted column's header shows, and what it says to a screen reader
_ARROWS: Final = {SortDirection.ASC: ("▲", "ascending"), SortDirection.DESC: ("▼", "descending")}


@dataclass
class PageFilterReader:
    """The pages' :class:`~controltower.api.list_params.FilterReader`: what cannot be
    read becomes a line in ``reading.problems`` naming its parameter and the values it
    takes (the notice at the top of the page, status 400) and is left out. ``labels``
    word the choices of an enumeration (each shown with its value)."""

    reading: QueryReading
    labels: Mapping[type[StrEnum], Mapping[Any, str]] = field(default_factory=dict)

    def choices(
        self, kind: type[_Choice], values: Sequence[str], parameter: str, what: str
    ) -> frozenset[_Choice] | None:
        chosen: set[_Choice] = set()
        for value in given(values):
            try:
                chosen.add(kind(value))
            except ValueError:
                known = choices_words(kind, self.labels.get(kind))
                self.reading.problem(
                    parameter, f"“{value}” is not a {what}; the choices are {known}."
                )
        return frozenset(chosen) or None

    def texts(self, values: Sequence[str], parameter: str, what: str) -> frozenset[str] | None:
        chosen = {
            self.reading.text(value, what, MAX_VALUE_CHARS, parameter=parameter)
            for value in given(values)
        }
        return frozenset(value for value in chosen if value) or None

    def text(
        self, values: Sequence[str], parameter: str, what: str, limit: int = MAX_VALUE_CHARS
    ) -> str | None:
        chosen = given(values)
        return self.reading.text(chosen[-1], what, limit, parameter=parameter) if chosen else None

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
        for value in unknown:
            shown = listed and 0 < len(known) <= LISTED_AT_MOST
            choices = f"; the choices are {', '.join(known)}" if shown else ""
            self.reading.problem(parameter, f"There is no {what} “{value}”{choices}.")
        return (values - set(unknown)) or None

    def flag(self, values: Sequence[str], parameter: str, what: str) -> bool | None:
        said: set[bool] = set()
        for value in given(values):
            read = flag_of(value)
            if read is None:
                self.reading.problem(
                    parameter, f"“{value}” is not a choice for {what}; use yes or no."
                )
            else:
                said.add(read)
        return said.pop() if len(said) == 1 else None

    def amount(self, values: Sequence[str], parameter: str, what: str) -> Decimal | None:
        chosen = given(values)
        if not chosen:
            return None
        amount = amount_of(chosen[-1])
        if amount is None:
            self.reading.problem(
                parameter,
                f"“{chosen[-1]}” is not an amount for the {what}; use a number of 0 or more.",
            )
        return amount


@dataclass(frozen=True, slots=True)
class ListLink:
    """Links to a list page, made from its query as ordered (name, value) pairs.

    Calling it (``link(page=2)``, ``link(view="cases")``) gives the page with those
    parameters replaced (None removes one; a list gives several values); changing
    anything but the page goes back to the first page, as ``page_support.linker``.
    """

    path: str
    pairs: tuple[tuple[str, str], ...]

    def __call__(self, **changes: Any) -> str:
        kept = [
            (key, value)
            for key, value in self.pairs
            if key not in changes and not (key == "page" and "page" not in changes)
        ]
        for key, change in changes.items():
            if change is None or (key == "page" and change == 1):
                continue
            values = change if isinstance(change, list | tuple) else [change]
            kept.extend((key, str(value)) for value in values)
        return self._address(kept)

    def without(self, key: str, value: str) -> str:
        """The list without one chosen value (a chip's ✕), from its first page."""
        return self._address(
            [pair for pair in self.pairs if pair != (key, value) and pair[0] != "page"]
        )

    @property
    def query(self) -> str:
        """The list's filters and sort as a query string (no page number): what a saved
        view keeps and a download reads."""
        return urlencode([pair for pair in self.pairs if pair[0] != "page"])

    def download(self, extension: str) -> str:
        """The list as a file: ``/orders/export.csv?...``."""
        query = self.query
        return f"{self.path}/export.{extension}" + (f"?{query}" if query else "")

    def _address(self, pairs: Sequence[tuple[str, str]]) -> str:
        return f"{self.path}?{urlencode(pairs)}" if pairs else self.path


@dataclass(frozen=True, slots=True)
class Chip:
    """One active filter value, shown above the list with a link that removes it."""

    text: str
    remove: str


@dataclass(frozen=True, slots=True)
class Chosen:
    """One chosen filter value: its parameter and value in the query, and in words."""

    parameter: str
    value: str
    words: str


def chips_of(chosen: Sequence[Chosen], link: ListLink) -> list[Chip]:
    return [Chip(c.words, link.without(c.parameter, c.value)) for c in chosen]


@dataclass(frozen=True, slots=True)
class Option:
    """One checkbox of a multi-select: its value, its words, how many it holds (None:
    not counted) and whether it is ticked."""

    value: str
    label: str
    count: int | None
    checked: bool


@dataclass(frozen=True, slots=True)
class SortHeader:
    """A column header that sorts: its link, and the arrow when the list is sorted by it."""

    href: str
    arrow: str
    #: ``aria-sort`` of the header: ascending, descending or none
    aria: str


def sort_header(
    link: ListLink,
    sort: StrEnum,
    current: StrEnum,
    direction: SortDirection,
    *,
    default: StrEnum,
) -> SortHeader:
    """The header of the column that sorts by ``sort``: clicking the current sort turns
    it round; another sort starts in its own direction. ``default`` is the list's usual
    sort, left out of links."""
    if sort != current:
        target = None if sort == default else sort.value
        return SortHeader(link(sort=target, direction=None), "", "none")
    turned = SortDirection.ASC if direction is SortDirection.DESC else SortDirection.DESC
    arrow, aria = _ARROWS[direction]
    return SortHeader(link(sort=sort.value, direction=turned.value), arrow, aria)
