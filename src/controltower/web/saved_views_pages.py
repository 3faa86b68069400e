"""Saving and deleting a person's views from the list pages (the forms of ``list_tools``).

Both forms post (with the session's CSRF token, checked before anything else) and then
send the browser back to a list page (303), so a reload does not post again: saving
goes to the view just saved, deleting back to the list as it was. A name left blank, an
unknown page or one view too many is answered with a notice saying so (422); deleting a
view that is not the person's own is answered like a missing one (404).
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from controltower.api.auth import Authenticated, request_now, require_on_page
from controltower.api.deps import SessionDep
from controltower.domain.people import Permission
from controltower.storage.saved_views import (
    MAX_NAME_CHARS,
    VIEW_PAGES,
    SavedViewError,
    clean_query,
    delete_view,
    save_view,
)
from controltower.web.page_support import not_found, notice

router = APIRouter(include_in_schema=False)

#: the longest query string a form may send (a saved view keeps at most 2,000 characters)
_LONGEST_QUERY: Final = 4_000

VisitorWhoViews = Annotated[Authenticated, Depends(require_on_page(Permission.VIEW))]


def list_address(page: str, query: str) -> str:
    """A list page with a query: ``/exceptions?...`` (only the list pages, never elsewhere)."""
    path = f"/{page}" if page in VIEW_PAGES else "/"
    cleaned = clean_query(query)
    return f"{path}?{cleaned}" if cleaned else path


@router.post("/views")
def save_view_form(
    request: Request,
    session: SessionDep,
    visitor: VisitorWhoViews,
    page: Annotated[str, Form(max_length=32)] = "",
    name: Annotated[str, Form(max_length=MAX_NAME_CHARS * 4)] = "",
    query: Annotated[str, Form(max_length=_LONGEST_QUERY)] = "",
) -> Response:
    """Save the list as it is under ``name`` and show it."""
    try:
        view, _ = save_view(
            session,
            user_id=visitor.principal.user_id,
            page=page,
            name=name,
            query=query,
            now=request_now(),
        )
    except SavedViewError as error:
        return notice(
            request,
            page,
            title="The view was not saved",
            message=f"{error.message[:1].upper()}{error.message[1:]}. Go back to the list, "
            "fill in the name and save again.",
            command=None,
            status_code=422,
        )
    session.commit()
    return RedirectResponse(list_address(view.page, view.query), status_code=303)


@router.post("/views/{view_id}/delete")
def delete_view_form(
    request: Request,
    session: SessionDep,
    visitor: VisitorWhoViews,
    view_id: int,
) -> Response:
    """Delete one of the person's views and go back to its list page."""
    deleted = delete_view(session, visitor.principal.user_id, view_id)
    if deleted is None:
        return not_found(
            request,
            "",
            title="No such view",
            message=f"You have no saved view {view_id}; it may have been deleted already.",
        )
    session.commit()
    return RedirectResponse(list_address(deleted.page, ""), status_code=303)
