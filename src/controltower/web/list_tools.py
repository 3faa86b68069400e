"""The tools beside a list page: the person's saved views, saving this one, downloads.

Every list page (exceptions, orders) shows the same box under its filters: the views
the signed-in person saved for the page (each a link, with a button to delete it), a
form to save the list as it is now under a name, and links to download the list as it
is now (CSV, Excel) when the person may export. The forms post to
``web/saved_views_pages.py`` and carry the session's CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from sqlalchemy.orm import Session

from controltower.api.auth import Authenticated
from controltower.domain.people import Permission
from controltower.storage.saved_views import list_views
from controltower.web.list_controls import ListLink


@dataclass(frozen=True, slots=True)
class ViewLink:
    """One saved view as the box lists it."""

    id: int
    name: str
    href: str
    #: True when the list shown is this view
    current: bool


@dataclass(frozen=True, slots=True)
class ListTools:
    """What the box beside a list shows."""

    #: the list page (``exceptions``, ``orders``): where views are saved
    page: str
    views: list[ViewLink]
    #: the list's query as it is now: what "Save this view" keeps
    query: str
    #: the session's CSRF token for the forms (None for a bearer token: no form needed)
    csrf_token: str | None
    #: download links (None when the person may not export)
    csv: str | None
    xlsx: str | None


def list_tools(session: Session, visitor: Authenticated, page: str, link: ListLink) -> ListTools:
    """The box for ``page`` as ``link`` shows it, for ``visitor``."""
    query = link.query
    shown = _pairs(query)
    views = [
        ViewLink(
            view.id,
            view.name,
            f"/{view.page}" + (f"?{view.query}" if view.query else ""),
            _pairs(view.query) == shown,
        )
        for view in list_views(session, visitor.principal.user_id, page)
    ]
    may_export = visitor.principal.may(Permission.EXPORT)
    return ListTools(
        page=page,
        views=views,
        query=query,
        csrf_token=visitor.csrf_token,
        csv=link.download("csv") if may_export else None,
        xlsx=link.download("xlsx") if may_export else None,
    )


def _pairs(query: str) -> list[tuple[str, str]]:
    """A query's parameters in a fixed order, so two orders of the same filters match."""
    return sorted(parse_qsl(query))
