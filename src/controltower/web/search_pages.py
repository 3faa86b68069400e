"""The search page: what the search box finds, grouped by kind.

``/search?q=SO1007`` lists the orders, customers, products, suppliers, purchase orders,
invoices and cases whose code (or name) starts with the text, as ``/api/search``
returns them. When exactly one of them is the very code typed, the page goes straight
to that thing's page instead: typing a whole order number and Enter opens the order.
"""

from __future__ import annotations

from itertools import groupby
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from controltower.api.auth import Authenticated, require_on_page
from controltower.api.deps import SessionDep
from controltower.api.entity_schemas import SearchMatchPublic
from controltower.api.routes.search import MAX_LIMIT, search_everything
from controltower.domain.people import Permission
from controltower.storage.repository import PictureNotFoundError
from controltower.web.assets import TEMPLATES
from controltower.web.page_support import QueryReading, blank_is_none, picture_not_found

router = APIRouter(include_in_schema=False)

Viewer = Annotated[Authenticated, Depends(require_on_page(Permission.VIEW))]


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: SessionDep,
    visitor: Viewer,
    q: str | None = None,
    company: str | None = None,
) -> Response:
    """What the text finds, grouped by kind; straight to the page of a single exact match."""
    reading = QueryReading()
    text = reading.text(q, "search", parameter="q")
    if text is None:
        return _results(request, "", [], reading.problems)
    try:
        found = search_everything(
            session, visitor.principal, text, limit=MAX_LIMIT, company=blank_is_none(company)
        )
    except PictureNotFoundError as error:
        return picture_not_found(request, "search", blank_is_none(company), error)
    exact = [match for match in found.items if match.exact]
    if len(exact) == 1 and not reading.problems:
        return RedirectResponse(exact[0].url, status_code=303)
    groups = [
        (label, list(matches)) for label, matches in groupby(found.items, lambda m: m.kind_label)
    ]
    return _results(request, text, groups, reading.problems)


def _results(
    request: Request,
    text: str,
    groups: list[tuple[str, list[SearchMatchPublic]]],
    problems: list[str],
) -> HTMLResponse:
    total = sum(len(matches) for _, matches in groups)
    return TEMPLATES.TemplateResponse(
        request,
        "search.html",
        {
            "nav": "search",
            "q": text,
            "search_text": text,
            "groups": groups,
            "problems": problems,
            "total": total,
            "limited": total >= MAX_LIMIT,
            "limit": MAX_LIMIT,
        },
        status_code=400 if problems else 200,
    )
