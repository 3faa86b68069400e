"""The audit page: ``/audit``, the trail for auditors, newest first, with filters.

It shows what ``GET /api/audit`` returns (``api/routes/audit.py``): who (login and role
then), what (the verb), the subject (linked when it is a case or an action), the change
in short (``state: open → acknowledged``), the reason and when, 50 entries a page. The
filters are a form of plain fields; a value the page cannot read (a day not written
YYYY-MM-DD, ``to`` before ``from``) is named in a notice at the top and left out, as on
every list page. Only people with ``view_audit`` reach it (403 for the others).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from controltower.api.auth import Authenticated, require_on_page
from controltower.api.deps import SessionDep
from controltower.api.routes.audit import audit_listing
from controltower.domain.people import Permission
from controltower.storage.audit import MAX_FILTER_CHARS, AuditFilters
from controltower.storage.queries import PageRequest
from controltower.web.assets import TEMPLATES
from controltower.web.page_support import (
    QueryReading,
    linker,
    list_status,
    pager_for,
    within_last_page,
)

router = APIRouter(include_in_schema=False)

#: entries per page of /audit
AUDIT_PER_PAGE: Final = 50

#: the longest value a change shows before it is cut
VALUE_CHARS: Final = 60

Auditor = Annotated[Authenticated, Depends(require_on_page(Permission.VIEW_AUDIT))]


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """The filters of the page as read (None: not given or not understood)."""

    actor: str | None = None
    action: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    from_day: date | None = None
    to_day: date | None = None

    def filters(self) -> AuditFilters:
        return AuditFilters(
            actor=self.actor,
            action=self.action,
            subject_type=self.subject_type,
            subject_id=self.subject_id,
            from_day=self.from_day,
            to_day=self.to_day,
        )

    def query(self) -> dict[str, str]:
        """The filters as the page's query, for its links (page numbers keep them)."""
        pairs = {
            "actor": self.actor,
            "action": self.action,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "from": self.from_day.isoformat() if self.from_day else None,
            "to": self.to_day.isoformat() if self.to_day else None,
        }
        return {key: value for key, value in pairs.items() if value}


def read_day(reading: QueryReading, value: str | None, parameter: str) -> date | None:
    """``YYYY-MM-DD`` as a day (blank: None); anything else is a problem for the notice."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        reading.problem(
            parameter,
            f"“{text[:40]}” is not a day; write it as YYYY-MM-DD (for example 2026-11-25). "
            "The list is shown without it.",
        )
        return None


def read_query(
    reading: QueryReading,
    *,
    actor: str | None,
    action: str | None,
    subject_type: str | None,
    subject_id: str | None,
    from_text: str | None,
    to_text: str | None,
) -> AuditQuery:
    """The page's filters from its query; what cannot be read is a problem, left out."""
    from_day = read_day(reading, from_text, "from")
    to_day = read_day(reading, to_text, "to")
    if from_day is not None and to_day is not None and from_day > to_day:
        reading.problem(
            "to", f"{to_day.isoformat()} is before from ({from_day.isoformat()}); left out."
        )
        to_day = None
    return AuditQuery(
        actor=reading.text(actor, "actor", MAX_FILTER_CHARS, parameter="actor"),
        action=reading.text(action, "action", MAX_FILTER_CHARS, parameter="action"),
        subject_type=reading.text(
            subject_type, "subject type", MAX_FILTER_CHARS, parameter="subject_type"
        ),
        subject_id=reading.text(subject_id, "subject", MAX_FILTER_CHARS, parameter="subject_id"),
        from_day=from_day,
        to_day=to_day,
    )


def _short(value: Any) -> str:
    """One value of a change in a few words: none, yes/no, a list joined, cut to fit."""
    if value is None or value == "" or value == []:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        text = ", ".join(_short(item) for item in value)
    elif isinstance(value, dict):
        text = "; ".join(f"{key} {_short(item)}" for key, item in sorted(value.items()))
    else:
        text = str(value)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def change_words(old: Any, new: Any) -> list[str]:
    """The change an entry records, one short line per field: ``state: open → acknowledged``
    (a field only after: ``role: manager``; only before: ``role: manager → gone``)."""
    if isinstance(old, Mapping) or isinstance(new, Mapping):
        before = old if isinstance(old, Mapping) else {}
        after = new if isinstance(new, Mapping) else {}
        lines = []
        for name in sorted({*before, *after}):
            if name in before and name in after:
                lines.append(f"{name}: {_short(before[name])} → {_short(after[name])}")
            elif name in after:
                lines.append(f"{name}: {_short(after[name])}")
            else:
                lines.append(f"{name}: {_short(before[name])} → gone")
        return lines
    if old is None and new is None:
        return []
    if old is None:
        return [_short(new)]
    return [f"{_short(old)} → {_short(new)}"]


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: SessionDep,
    visitor: Auditor,
    actor: str | None = None,
    action: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    from_text: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    page: str | None = None,
) -> HTMLResponse:
    """The audit trail the visitor may read, newest first, filtered as asked."""
    reading = QueryReading()
    asked = read_query(
        reading,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        from_text=from_text,
        to_text=to,
    )
    listing, past = within_last_page(
        reading.page_number(page),
        lambda number: audit_listing(
            session,
            visitor.principal,
            asked.filters(),
            PageRequest(number=number, size=AUDIT_PER_PAGE),
        ),
    )
    pager = pager_for(
        total=listing.total,
        number=listing.page,
        size=listing.page_size,
        offset=(listing.page - 1) * listing.page_size,
        shown=len(listing.items),
        asked=past,
    )
    query = asked.query()
    context: dict[str, Any] = {
        "nav": "audit",
        "listing": listing,
        "changes": {entry.seq: change_words(entry.old, entry.new) for entry in listing.items},
        "asked": asked,
        "filtered": bool(query),
        "problems": reading.problems,
        "pager": pager,
        "link": linker("/audit", query),
    }
    return TEMPLATES.TemplateResponse(
        request, "audit.html", context, status_code=list_status(reading)
    )
