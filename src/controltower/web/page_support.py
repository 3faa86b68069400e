"""What every page shares: choosing the picture, notices, links, filters and paging.

A page never answers a bad query with a bare error: a filter value nobody knows is named
in a notice at the top of the page (status 400) and left out, and a page past the end
says how many there are and links to the last one (status 404).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, TypeVar
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

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


@dataclass
class QueryReading:
    """The filters of one request as read, and what was wrong with them (for a notice)."""

    problems: list[str] = field(default_factory=list)

    def choice(
        self,
        kind: type[_Choice],
        value: str | None,
        what: str,
        labels: Mapping[_Choice, str] | None = None,
    ) -> _Choice | None:
        """The member named ``value`` (blank: None); an unknown one is a problem, which
        names the choices in plain words when ``labels`` are given."""
        if not value:
            return None
        try:
            return kind(value)
        except ValueError:
            known = ", ".join(
                labels.values() if labels is not None else (member.value for member in kind)
            )
            self.problems.append(f"“{value}” is not a {what}; the choices are {known}.")
            return None

    def one_of(self, value: str | None, known: Mapping[str, Any], what: str) -> str | None:
        """``value`` when it is one of ``known`` (blank: None); else a problem."""
        if not value:
            return None
        if value in known:
            return value
        choices = ", ".join(known) if known else "none"
        self.problems.append(f"There is no {what} “{value}”; the choices are {choices}.")
        return None

    def page_number(self, value: str | None) -> int:
        """The page asked for (1 when blank); anything but a whole number from 1 is a
        problem, and page 1 is shown."""
        if not value:
            return 1
        if value.isdigit() and int(value) >= 1:
            return int(value)
        self.problems.append(f"“{value}” is not a page number; showing the first page.")
        return 1

    def flag(self, value: str | None, what: str) -> bool | None:
        """``yes``/``no`` (also true/false, 1/0) as a filter; blank means any."""
        if not value:
            return None
        if value.lower() in {"yes", "true", "1"}:
            return True
        if value.lower() in {"no", "false", "0"}:
            return False
        self.problems.append(f"“{value}” is not a choice for {what}; use yes or no.")
        return None

    def text(self, value: str | None, what: str, limit: int = 100) -> str | None:
        """Free text, trimmed (blank: None); longer than ``limit`` is cut, with a notice."""
        text = (value or "").strip()
        if len(text) > limit:
            self.problems.append(f"The {what} was cut to its first {limit} characters.")
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


def pager_for(*, total: int, number: int, size: int, offset: int, shown: int) -> Pager:
    """The pager of a page of ``shown`` rows from row ``offset`` of ``total``: first, last,
    the numbers around this one, and gaps between."""
    last = max(1, -(-total // size))
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
    )


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
        nothing_loaded = company is None
        return notice(
            request,
            nav,
            title="Nothing loaded yet" if nothing_loaded else "Unknown company",
            message=str(error) if not nothing_loaded else "Load a business to see it here.",
            command="controltower import path/to/dataset" if nothing_loaded else None,
            status_code=404,
        )
    except AmbiguousPictureError:
        return choose_company(request, session, nav, principal)
    if scope.scan is None:
        return notice(
            request,
            nav,
            title="No scan yet",
            message="The business is loaded but has not been scanned, so nothing is known "
            "yet about orders at risk or exceptions. Run a scan:",
            command="controltower scan --db --as-of YYYY-MM-DD",
            status_code=200,
        )
    return scope


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


def list_status(reading: QueryReading, shown: Pager) -> int:
    """400 when a filter was not understood, 404 for a page past the end, else 200."""
    if reading.problems:
        return 400
    if shown.beyond_last:
        return 404
    return 200
