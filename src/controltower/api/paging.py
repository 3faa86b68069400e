"""Paging parameters shared by the list endpoints, and the 422 for a filter nobody has.

Every list takes ``page`` (from 1) and ``page_size`` (1 to ``MAX_PAGE_SIZE``); the older
``limit`` and ``offset`` still work (``limit`` is the page size, ``offset`` the rows to
skip). A response says ``total``, ``page``, ``page_size`` and ``last_page``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Query

from controltower.storage.queries import MAX_PAGE_SIZE, PageRequest


@dataclass(frozen=True, slots=True)
class Paging:
    """The paging a client asked for (None: not given)."""

    page: int
    page_size: int | None
    limit: int | None
    offset: int | None


def paging(
    page: Annotated[int, Query(ge=1, description="Which page, from 1.")] = 1,
    page_size: Annotated[
        int | None,
        Query(ge=1, le=MAX_PAGE_SIZE, description=f"Rows per page (1 to {MAX_PAGE_SIZE})."),
    ] = None,
    limit: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_PAGE_SIZE,
            description="The older name of page_size.",
            deprecated=True,
        ),
    ] = None,
    offset: Annotated[
        int | None,
        Query(
            ge=0,
            description="Rows to skip instead of a page number (with page_size or limit).",
            deprecated=True,
        ),
    ] = None,
) -> Paging:
    return Paging(page=page, page_size=page_size, limit=limit, offset=offset)


PageParams = Annotated[Paging, Depends(paging)]


def page_request(params: Paging, *, default_size: int) -> PageRequest:
    """The page to read: by ``offset`` when one was given, else by page number."""
    size = params.page_size or params.limit or default_size
    if params.offset is not None:
        return PageRequest.at_offset(params.offset, size)
    return PageRequest(number=params.page, size=size)


def invalid_query(problems: Sequence[tuple[str, str]]) -> HTTPException:
    """A 422 shaped like FastAPI's own validation errors, one entry per parameter."""
    return HTTPException(
        422,
        detail=[
            {"loc": ["query", parameter], "msg": message, "type": "value_error"}
            for parameter, message in problems
        ],
    )
