"""Saved views: ``GET``, ``POST /api/views`` and ``DELETE /api/views/{id}``.

A view is a name for a list page's query string, kept for the person who saved it
(:mod:`controltower.storage.saved_views`). Everyone sees, saves and deletes only their
own: another person's view is answered exactly like a missing one (404). Saving a name
already used on that page replaces its query (200); a new one answers 201.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status

from controltower.api.auth import PrincipalDep, request_now, require
from controltower.api.deps import SessionDep
from controltower.api.paging import invalid_query
from controltower.api.schemas import SavedViewIn, SavedViewPublic, SavedViewsPublic
from controltower.domain.people import Permission
from controltower.storage.saved_views import (
    VIEW_PAGES,
    SavedView,
    SavedViewError,
    delete_view,
    list_views,
    save_view,
)

router = APIRouter(
    prefix="/api/views", tags=["views"], dependencies=[Depends(require(Permission.VIEW))]
)


def view_public(view: SavedView) -> SavedViewPublic:
    return SavedViewPublic(
        id=view.id,
        page=view.page,
        name=view.name,
        query=view.query,
        url=view_url(view),
        created_at=view.created_at,
    )


def view_url(view: SavedView) -> str:
    """The page a view opens: ``/exceptions?severity=critical``."""
    return f"/{view.page}" + (f"?{view.query}" if view.query else "")


@router.get("", response_model=SavedViewsPublic, summary="Your saved views")
def get_views(
    session: SessionDep,
    principal: PrincipalDep,
    page: Annotated[
        str | None, Query(description=f"Only the views of this page: {', '.join(VIEW_PAGES)}.")
    ] = None,
) -> SavedViewsPublic:
    """Your views, by page then name (at most 50 per page)."""
    if page is not None and page not in VIEW_PAGES:
        raise invalid_query([("page", f"views are kept for {', '.join(VIEW_PAGES)}, not {page!r}")])
    return SavedViewsPublic(
        items=[view_public(view) for view in list_views(session, principal.user_id, page)]
    )


@router.post(
    "",
    response_model=SavedViewPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Save a view (or replace the one of that name)",
)
def post_view(
    session: SessionDep, principal: PrincipalDep, body: SavedViewIn, response: Response
) -> SavedViewPublic:
    """Save ``query`` as ``name`` for ``page``; 422 naming the field for an unknown page,
    a blank name or one view too many."""
    try:
        view, created = save_view(
            session,
            user_id=principal.user_id,
            page=body.page,
            name=body.name,
            query=body.query,
            now=request_now(),
        )
    except SavedViewError as error:
        raise HTTPException(
            422,
            detail=[{"loc": ["body", error.field], "msg": error.message, "type": "value_error"}],
        ) from error
    session.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    return view_public(view)


@router.delete(
    "/{view_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete one of your views"
)
def remove_view(
    session: SessionDep,
    principal: PrincipalDep,
    view_id: Annotated[int, Path(ge=1, description="The view's id.")],
) -> Response:
    """Delete the view; 404 when you have no view with that id."""
    if delete_view(session, principal.user_id, view_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"you have no saved view {view_id}")
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
