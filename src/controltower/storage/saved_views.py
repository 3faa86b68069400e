"""Saved views: a person's named filters of a list page, kept as the page's query string.

"Overdue criticals at WH-EAST" is a query string (``severity=critical&overdue=yes&
warehouse=WH-EAST``); saving it under a name lets its owner come back to it in one
click. A view belongs to one person and one page; every read and write here takes the
person's id, so nobody can see, open or delete another person's views (a view of
someone else is answered exactly like a missing one).

What is stored is the filters and the sort, not the page number or a form's CSRF token
(:func:`clean_query`). Saving a name the person already uses on that page replaces its
query, so "save" twice is one view. A person keeps at most :data:`MAX_VIEWS_PER_PAGE`
views per page, so the list shown beside a page never grows without bound. The caller
commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.storage import tables

#: the list pages a view can be saved for (the ``page`` of a view)
VIEW_PAGES: Final = ("exceptions", "orders")

#: the most views one person keeps for one page
MAX_VIEWS_PER_PAGE: Final = 50

#: the longest name of a view
MAX_NAME_CHARS: Final = 80

#: the longest query string a view keeps (after :func:`clean_query`)
MAX_QUERY_CHARS: Final = 2_000

#: query parameters that are not part of a view: where in the list, and the form's token
_NOT_SAVED: Final = frozenset({"page", "csrf_token"})


class SavedViewError(ValueError):
    """A view that cannot be saved; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class SavedView:
    """One saved view of one person."""

    id: int
    page: str
    name: str
    #: the page's query string without the page number (no leading ``?``)
    query: str
    created_at: datetime


def clean_query(query: str) -> str:
    """``query`` as a view keeps it: no leading ``?``, no blank values, no page number,
    no CSRF token; the order of the parameters is kept."""
    pairs = parse_qsl(query.lstrip("?"), keep_blank_values=False)
    return urlencode([(key, value) for key, value in pairs if key not in _NOT_SAVED])


def save_view(
    session: Session, *, user_id: int, page: str, name: str, query: str, now: datetime
) -> tuple[SavedView, bool]:
    """Save ``query`` as ``name`` for the person's ``page``; returns the view and True
    when it is new (False: a view of that name had its query replaced).

    Raises :class:`SavedViewError` naming the field for an unknown page, a blank or too
    long name, a query too long to keep, or one view too many.
    """
    name = _checked_name(name)
    if page not in VIEW_PAGES:
        raise SavedViewError("page", f"views are saved for {' or '.join(VIEW_PAGES)}, not {page!r}")
    cleaned = clean_query(query)
    if len(cleaned) > MAX_QUERY_CHARS:
        raise SavedViewError(
            "query", f"the filters are too long to save (at most {MAX_QUERY_CHARS:,} characters)"
        )
    table = tables.saved_views
    connection = session.connection()
    existing = connection.execute(
        sa.select(table.c.id).where(
            table.c.user_id == user_id, table.c.page == page, table.c.name == name
        )
    ).scalar_one_or_none()
    if existing is not None:
        connection.execute(table.update().where(table.c.id == existing).values(query=cleaned))
        found = view_of(session, user_id, existing)
        assert found is not None  # updated just now, in this transaction
        return found, False
    kept = connection.execute(
        sa.select(sa.func.count()).where(table.c.user_id == user_id, table.c.page == page)
    ).scalar_one()
    if kept >= MAX_VIEWS_PER_PAGE:
        raise SavedViewError(
            "name",
            f"you already keep {MAX_VIEWS_PER_PAGE} views of this page; delete one first",
        )
    inserted = connection.execute(
        table.insert().values(user_id=user_id, page=page, name=name, query=cleaned, created_at=now)
    )
    key = inserted.inserted_primary_key
    assert key is not None  # an INSERT always has its new key
    view_id = int(key[0])
    return SavedView(view_id, page, name, cleaned, now), True


def list_views(session: Session, user_id: int, page: str | None = None) -> list[SavedView]:
    """The person's views (of ``page``, or of every page), by page then name; at most
    :data:`MAX_VIEWS_PER_PAGE` per page, so never a long list."""
    table = tables.saved_views
    query = sa.select(table).where(table.c.user_id == user_id)
    if page is not None:
        query = query.where(table.c.page == page)
    query = query.order_by(table.c.page, table.c.name, table.c.id).limit(
        MAX_VIEWS_PER_PAGE * (1 if page is not None else len(VIEW_PAGES))
    )
    return [_view(row) for row in session.connection().execute(query)]


def view_of(session: Session, user_id: int, view_id: int) -> SavedView | None:
    """The person's view ``view_id`` (None when there is none, or it is someone else's)."""
    table = tables.saved_views
    row = (
        session.connection()
        .execute(sa.select(table).where(table.c.id == view_id, table.c.user_id == user_id))
        .first()
    )
    return _view(row) if row is not None else None


def delete_view(session: Session, user_id: int, view_id: int) -> SavedView | None:
    """Delete the person's view ``view_id``; returns it (None when there was none of
    theirs, and nothing is deleted)."""
    found = view_of(session, user_id, view_id)
    if found is not None:
        table = tables.saved_views
        session.connection().execute(
            table.delete().where(table.c.id == view_id, table.c.user_id == user_id)
        )
    return found


def _checked_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise SavedViewError("name", "give the view a name")
    if len(cleaned) > MAX_NAME_CHARS:
        raise SavedViewError("name", f"a view's name is at most {MAX_NAME_CHARS} characters")
    return cleaned


def _view(row: sa.Row[tuple[object, ...]]) -> SavedView:
    values = row._mapping
    return SavedView(
        id=int(values["id"]),
        page=str(values["page"]),
        name=str(values["name"]),
        query=str(values["query"]),
        created_at=values["created_at"],
    )
