"""The audit trail for auditors: ``GET /api/audit``, newest first, a page at a time.

Needs ``view_audit`` (auditors and administrators). Filters: ``actor`` (a login, or
``command line`` / ``system``), ``action`` (a verb such as ``case.acknowledge``, or a
family: ``case`` or ``case.``), ``subject_type`` and ``subject_id``, ``from`` and ``to``
(days, inclusive, in UTC). A person limited to companies reads the entries of those
companies only; entries of no company (people, the policy) need an unlimited scope; a
warehouse limit reads none, as an entry is filed under a company and never a warehouse
(the scope rule of ``domain/people.py``).

Each entry comes with its hashes, so what the API shows can be checked against
``controltower audit verify`` and an export. :func:`audit_listing` is public so the
``/audit`` page shows exactly what the API returns.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from controltower.api.auth import require
from controltower.api.deps import SessionDep
from controltower.api.entity_links import entity_url
from controltower.api.paging import PageParams, invalid_query, page_request
from controltower.api.schemas import PagedPublic
from controltower.domain.audit import ChainedEntry
from controltower.domain.people import Permission, Principal
from controltower.storage.audit import MAX_FILTER_CHARS, AuditFilters, list_audit
from controltower.storage.queries import PageRequest

router = APIRouter(prefix="/api", tags=["audit"])

#: entries per page when the client does not say
DEFAULT_PAGE_SIZE: Final = 50

Auditor = Annotated[Principal, Depends(require(Permission.VIEW_AUDIT))]


class AuditEntryPublic(BaseModel):
    """One entry of the trail, as stored, with where its subject's page is."""

    seq: int
    at: datetime
    actor_id: int | None
    actor_login: str
    actor_role: str
    action: str
    subject_type: str
    subject_id: str
    scope_company: str | None
    #: the values before and after (JSON: an object, a list, text, a number or null)
    old: Any
    new: Any
    reason: str | None
    request_id: str | None
    prev_hash: str
    entry_hash: str
    #: the page of the case or action the entry is about (None for other subjects)
    link: str | None


class AuditListPublic(PagedPublic):
    """A page of the audit trail, newest first."""

    items: list[AuditEntryPublic]


def subject_link(subject_type: str, subject_id: str, company: str | None) -> str | None:
    """The page of an entry's subject: a case's page (on its company) or an action's."""
    if subject_type == "case":
        return entity_url("case", subject_id, urlencode({"company": company}) if company else "")
    if subject_type == "action" and subject_id.isdigit():
        return f"/actions/{subject_id}"
    return None


def entry_public(entry: ChainedEntry) -> AuditEntryPublic:
    record = entry.record
    return AuditEntryPublic(
        seq=entry.seq,
        at=record.at,
        actor_id=record.actor_id,
        actor_login=record.actor_login,
        actor_role=record.actor_role,
        action=record.action,
        subject_type=record.subject_type,
        subject_id=record.subject_id,
        scope_company=record.scope_company,
        old=record.old,
        new=record.new,
        reason=record.reason,
        request_id=record.request_id,
        prev_hash=entry.prev_hash,
        entry_hash=entry.entry_hash,
        link=subject_link(record.subject_type, record.subject_id, record.scope_company),
    )


def audit_listing(
    session: Session, principal: Principal, filters: AuditFilters, page: PageRequest
) -> AuditListPublic:
    """A page of the entries ``filters`` keep that ``principal`` may read."""
    found = list_audit(session, replace(filters, visible=principal.scope), page)
    return AuditListPublic(
        items=[entry_public(entry) for entry in found.items],
        total=found.total,
        page=found.number,
        page_size=found.size,
        last_page=found.last_number,
    )


FilterText = Annotated[str | None, Query(min_length=1, max_length=MAX_FILTER_CHARS)]


@router.get(
    "/audit",
    response_model=AuditListPublic,
    summary="The audit trail: who changed what, when and why, newest first",
)
def get_audit(
    session: SessionDep,
    principal: Auditor,
    paging: PageParams,
    actor: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_FILTER_CHARS,
            description="A login, or `command line` or `system`.",
        ),
    ] = None,
    action: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_FILTER_CHARS,
            description="A verb (`case.acknowledge`) or a family of verbs (`case` or `case.`).",
        ),
    ] = None,
    subject_type: FilterText = None,
    subject_id: FilterText = None,
    from_day: Annotated[
        date | None, Query(alias="from", description="The first day (YYYY-MM-DD, UTC).")
    ] = None,
    to_day: Annotated[
        date | None, Query(alias="to", description="The last day (YYYY-MM-DD, UTC), inclusive.")
    ] = None,
) -> AuditListPublic:
    """Entries of the trail the filters keep and your scope covers, newest first, each
    with its previous hash and its own (``view_audit``)."""
    if from_day is not None and to_day is not None and from_day > to_day:
        raise invalid_query([("to", f"to ({to_day}) is before from ({from_day})")])
    filters = AuditFilters(
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        from_day=from_day,
        to_day=to_day,
    )
    page = page_request(paging, default_size=DEFAULT_PAGE_SIZE)
    return audit_listing(session, principal, filters, page)
