"""What every page shares: choosing the picture, notices, error pages, links, filters
and paging.

A page never answers a bad query with a bare error: a value nobody knows is named in a
notice at the top of the page, with its parameter and the values it takes (status 400),
and left out; a page number past the end shows the last page with a note saying so
(:func:`within_last`). What no page can answer (an address nobody serves, a record that
is not there or not the visitor's to see, a failure) is the error page
(:func:`error_page`), in the site's layout, with the status kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from http import HTTPStatus
from typing import Any, Final, TypeVar
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from controltower.api.schemas import PagedPublic
from controltower.api.scope import PictureScope, resolve_scope
from controltower.domain.people import Principal
from controltower.storage.repository import (
    AmbiguousPictureError,
    PictureNotFoundError,
    picture_summary,
)
from controltower.web.assets import TEMPLATES

#: page numbers shown either side of the current one in a pager
PAGER_SPREAD: Final = 2

_Choice = TypeVar("_Choice", bound=StrEnum)
_Paged = TypeVar("_Paged", bound=PagedPublic)


def choices_words(kind: type[_Choice], labels: Mapping[_Choice, str] | None = None) -> str:
    """The values of ``kind`` as a message lists them: ``Most urgent first (urgency)``
    when ``labels`` word them, else the values themselves."""
    if labels is None:
        return ", ".join(member.value for member in kind)
    return ", ".join(f"{label} ({member.value})" for member, label in labels.items())


@dataclass
class QueryReading:
    """The query of one request as read, and what was wrong with it (for a notice).

    Each problem is one line naming the parameter first (``sort: “x” is not a sort
    order; the choices are ...``), then what is wrong and what it takes."""

    problems: list[str] = field(default_factory=list)

    def problem(self, parameter: str, sentence: str) -> None:
        """Record that ``parameter`` could not be read: ``sentence`` says why."""
        self.problems.append(f"{parameter}: {sentence}")

    def choice(
        self,
        kind: type[_Choice],
        value: str | None,
        what: str,
        labels: Mapping[_Choice, str] | None = None,
        *,
        parameter: str,
    ) -> _Choice | None:
        """The member named ``value`` (blank: None); an unknown one is a problem naming
        the choices (in plain words with their values when ``labels`` are given)."""
        if not value:
            return None
        try:
            return kind(value)
        except ValueError:
            known = choices_words(kind, labels)
            self.problem(parameter, f"“{value}” is not a {what}; the choices are {known}.")
            return None

    def one_of(
        self, value: str | None, known: Mapping[str, Any], what: str, *, parameter: str
    ) -> str | None:
        """``value`` when it is one of ``known`` (blank: None); else a problem."""
        if not value:
            return None
        if value in known:
            return value
        choices = ", ".join(known) if known else "none"
        self.problem(parameter, f"There is no {what} “{value}”; the choices are {choices}.")
        return None

    def page_number(self, value: str | None, parameter: str = "page") -> int:
        """The page asked for (1 when blank); anything but a whole number from 1 is a
        problem, and page 1 is shown. A number past the last page is not a problem
        here: the page shows its last page instead (:func:`within_last`)."""
        if not value:
            return 1
        if value.isdigit() and int(value) >= 1:
            return int(value)
        self.problem(
            parameter,
            f"“{value[:40]}” is not a page number; showing the first page. "
            "Pages are numbered from 1.",
        )
        return 1

    def flag(self, value: str | None, what: str, *, parameter: str) -> bool | None:
        """``yes``/``no`` (also true/false, 1/0) as a filter; blank means any."""
        if not value:
            return None
        if value.lower() in {"yes", "true", "1"}:
            return True
        if value.lower() in {"no", "false", "0"}:
            return False
        self.problem(parameter, f"“{value}” is not a choice for {what}; use yes or no.")
        return None

    def text(self, value: str | None, what: str, limit: int = 100, *, parameter: str) -> str | None:
        """Free text, trimmed (blank: None); longer than ``limit`` is cut, with a notice."""
        text = (value or "").strip()
        if len(text) > limit:
            self.problem(parameter, f"The {what} was cut to its first {limit} characters.")
            text = text[:limit]
        return text or None


@dataclass(frozen=True, slots=True)
class Pager:
    """What the pager of a list shows: where this page is and links to the others."""

    number: int
    last: int
    total: int
    first_row: int
    last_row: int
    size: int
    #: (label, page number or None for a gap) in order, the current one included
    numbers: list[tuple[str, int | None]]
    beyond_last: bool
    #: the page asked for when it was past the end (this is the last page instead)
    asked: int | None = None

    @property
    def past_end(self) -> str | None:
        """The note of a page asked for past the end, None for any other page."""
        if self.asked is None:
            return None
        return (
            f"Page {self.asked:,} is past the end: showing page {self.number:,} of {self.last:,}."
        )


def pager_for(
    *, total: int, number: int, size: int, offset: int, shown: int, asked: int | None = None
) -> Pager:
    """The pager of a page of ``shown`` rows from row ``offset`` of ``total``: first, last,
    the numbers around this one, and gaps between. ``asked``: the page asked for, when
    it was past the end and this page (the last) is shown instead."""
    last = last_page(total, size)
    wanted = {1, last, *range(number - PAGER_SPREAD, number + PAGER_SPREAD + 1)}
    numbers: list[tuple[str, int | None]] = []
    previous = 0
    for n in sorted(n for n in wanted if 1 <= n <= last):
        if n > previous + 1:
            numbers.append(("…", None))
        numbers.append((f"{n:,}", n))
        previous = n
    return Pager(
        number=number,
        last=last,
        total=total,
        first_row=offset + 1 if shown else 0,
        last_row=offset + shown if shown else 0,
        size=size,
        numbers=numbers,
        beyond_last=total > 0 and offset >= total,
        asked=asked,
    )


_Listing = TypeVar("_Listing")


def last_page(total: int, size: int) -> int:
    """The number of the last page of ``total`` rows, ``size`` a page (1 when empty)."""
    return max(1, -(-total // size))


def within_last(
    number: int, read: Callable[[int], _Listing], last_of: Callable[[_Listing], int]
) -> tuple[_Listing, int | None]:
    """Page ``number`` of a list (``read(n)`` reads page n, ``last_of`` says a read
    page's last page number), or its last page when ``number`` is past it: with the
    number asked for in that case (None otherwise), for the pager's note.

    Only a page past the end is read twice; the count that tells comes with the page."""
    listing = read(number)
    last = last_of(listing)
    if number <= last:
        return listing, None
    return read(last), number


def within_last_page(number: int, read: Callable[[int], _Paged]) -> tuple[_Paged, int | None]:
    """:func:`within_last` for a list the API's builders return (it knows its last page)."""
    return within_last(number, read, lambda listing: listing.last_page)


def linker(path: str, base: Mapping[str, str]) -> Callable[..., str]:
    """``link(**changes)``: ``path`` with ``base``'s query, changed (None removes a key).

    Changing anything but the page goes back to the first page.
    """

    def link(**changes: Any) -> str:
        merged = dict(base)
        if "page" not in changes:
            merged.pop("page", None)
        for key, value in changes.items():
            if value is None or (key == "page" and value == 1):
                merged.pop(key, None)
            else:
                merged[key] = str(value)
        return f"{path}?{urlencode(merged)}" if merged else path

    return link


def scope_or_notice(
    request: Request, session: Session, company: str | None, nav: str, principal: Principal
) -> PictureScope | HTMLResponse:
    """The picture to show, or a page saying why there is none and what to do."""
    try:
        scope = resolve_scope(session, company, principal)
    except PictureNotFoundError as error:
        return picture_not_found(request, nav, company, error)
    except AmbiguousPictureError:
        return choose_company(request, session, nav, principal)
    if scope.scan is None:
        return notice(
            request,
            nav,
            title="No scan yet",
            message="The business is loaded but has not been scanned, so nothing is known "
            "yet about orders at risk or exceptions. Run a scan:",
            command="controltower scan --db",
            status_code=200,
        )
    return scope


#: the heading and the sentence of the error page, per status
ERROR_WORDS: Final[dict[int, tuple[str, str]]] = {
    400: ("Bad request", "The request could not be read."),
    403: ("Not allowed", "You may not see or do this."),
    404: (
        "Page not found",
        "There is no page at this address: check it for a typing mistake, or start again "
        "from the overview.",
    ),
    405: (
        "Not allowed at this address",
        "This address does not take this kind of request.",
    ),
    422: (
        "Some of what was asked for was not understood",
        "Nothing was done; these values could not be read:",
    ),
    500: (
        "Something went wrong",
        "The server could not answer this request. The problem has been recorded; try "
        "again in a moment, and tell your administrator if it happens again.",
    ),
}

#: where an error page links back to: the list of a page's first path segment
_LISTS: Final[dict[str, tuple[str, str]]] = {
    "orders": ("/orders", "Back to the orders"),
    "exceptions": ("/exceptions", "Back to the exceptions"),
    "my-work": ("/my-work", "Back to my work"),
    "warehouse-work": ("/warehouse-work", "Back to warehouse work"),
    "search": ("/search", "Back to search"),
}
OVERVIEW_LINK: Final = ("/", "Back to the overview")


def error_page(
    request: Request,
    status_code: int,
    *,
    title: str | None = None,
    message: str | None = None,
    problems: Sequence[str] = (),
    nav: str = "",
    back: tuple[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The page of what no page can answer, in the site's layout, with ``status_code``:
    a plain heading (by the status, unless ``title``), one sentence (``message``, else
    the status's own), the ``problems`` if any, and a link back (``back``: its address
    and words; by default the list the address belongs to, else the overview). Never
    says more than it is given: a failure's own text stays in the server's log."""
    heading, sentence = ERROR_WORDS.get(
        status_code, (status_phrase(status_code), ERROR_WORDS[400][1])
    )
    section = request.scope.get("path", "/").strip("/").split("/", 1)[0]
    back_to, back_words = back or _LISTS.get(section, OVERVIEW_LINK)
    return TEMPLATES.TemplateResponse(
        request,
        "error.html",
        {
            "title": title or heading,
            "message": message or sentence,
            "problems": list(problems),
            "status": status_code,
            "back": back_to,
            "back_words": back_words,
            "nav": nav,
        },
        status_code=status_code,
        headers=dict(headers) if headers else None,
    )


def status_phrase(status_code: int) -> str:
    """HTTP's own words for a status (``Not Found``)."""
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


def not_found(
    request: Request,
    nav: str,
    *,
    title: str,
    message: str,
    back: tuple[str, str] | None = None,
) -> HTMLResponse:
    """What a record nobody has and a record the visitor may not see both answer (404):
    the error page, in the same words whichever it is."""
    return error_page(request, 404, title=title, message=message, nav=nav, back=back)


def as_sentence(text: str) -> str:
    """``no order 'X'`` as ``No order 'X'.``: a message of the API made a sentence."""
    text = text.strip()
    return ended(f"{text[:1].upper()}{text[1:]}")


def ended(text: str) -> str:
    """``text`` ending with a full stop (unless it ends a sentence already)."""
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else f"{text}."


def picture_not_found(
    request: Request, nav: str, company: str | None, error: PictureNotFoundError
) -> HTMLResponse:
    """No picture to show: nothing is loaded (a notice saying what to run), or none the
    visitor may see covers ``company`` (the error page naming the companies they may)."""
    if company is None:
        return notice(
            request,
            nav,
            title="Nothing loaded yet",
            message="Load a business to see it here.",
            command="controltower import path/to/dataset",
            status_code=404,
        )
    return not_found(request, nav, title="Unknown company", message=as_sentence(str(error)))


def notice(
    request: Request,
    nav: str,
    *,
    title: str,
    message: str,
    command: str | None,
    status_code: int,
) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request,
        "notice.html",
        {"title": title, "message": message, "command": command, "nav": nav},
        status_code=status_code,
    )


def request_address(request: Request, **changes: str) -> str:
    """The address asked for, path and query, with ``changes`` made to the query: to
    link back to it. Built from the decoded path encoded again, never from
    ``request.url``, which puts the decoded path in the address as it is: a code's
    ``#``, ``?`` or ``%`` would turn into syntax."""
    path = quote(request.scope["path"], safe="/")
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    pairs += changes.items()
    return f"{path}?{urlencode(pairs)}" if pairs else path


def choose_company(
    request: Request, session: Session, nav: str, principal: Principal
) -> HTMLResponse:
    companies = [
        (company, request_address(request, company=company))
        for s in picture_summary(session)
        for company in s.companies
        if principal.scope.covers_company(company)
    ]
    return TEMPLATES.TemplateResponse(
        request,
        "notice.html",
        {
            "title": "Choose a company",
            "message": "Several businesses are loaded. Which one do you want to see?",
            "command": None,
            "companies": companies,
            "nav": nav,
        },
    )


def company_query(company: str | None) -> dict[str, str]:
    return {"company": company} if company else {}


def blank_is_none(value: str | None) -> str | None:
    """A form's empty choice ("any") arrives as ``""``; it means no filter."""
    return value or None


def list_status(reading: QueryReading) -> int:
    """400 when some of the query was not understood, else 200 (a page past the end is
    shown as the last page, with a note: not an error)."""
    return 400 if reading.problems else 200
