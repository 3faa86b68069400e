"""Search: orders, customers, products, suppliers, purchase orders, invoices and cases
whose code (or name) starts with the text typed, each with the URL of its page.

The builder (:func:`search_everything`) is public so the search page shows exactly what
the API returns. A person sees every picture covering a company of their scope; a
search looks in all of them (or in the one ``company`` names) and finds only what their
scope lets them see (:mod:`controltower.storage.queries.search`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy.orm import Session

from controltower.api.auth import require
from controltower.api.deps import SessionDep
from controltower.api.entity_links import entity_url
from controltower.api.entity_schemas import SearchMatchPublic, SearchPublic
from controltower.api.labels import (
    CASE_STATE_LABELS,
    EXCEPTION_TYPE_LABELS,
    ORDER_STATUS_LABELS,
    subject_label,
)
from controltower.api.scope import CompanyQuery, resolve_scope
from controltower.domain.analysis import OrderRiskStatus
from controltower.domain.cases import CaseState, ExceptionType
from controltower.domain.model import OrderStatus
from controltower.domain.people import Permission, Principal
from controltower.storage.queries.entities import supplier_names
from controltower.storage.queries.search import Match, MatchKind, choose_matches, find_matches
from controltower.storage.repository import PictureNotFoundError, customer_names, list_pictures

router = APIRouter(prefix="/api/search", tags=["search"])

#: matches a search answers with when the client does not say
DEFAULT_LIMIT: Final = 10

#: the most matches one search answers with
MAX_LIMIT: Final = 50

MATCH_KIND_LABELS: Final[dict[MatchKind, str]] = {
    MatchKind.ORDER: "Order",
    MatchKind.CUSTOMER: "Customer",
    MatchKind.PRODUCT: "Product",
    MatchKind.SUPPLIER: "Supplier",
    MatchKind.PURCHASE_ORDER: "Purchase order",
    MatchKind.INVOICE: "Invoice",
    MatchKind.CASE: "Case",
}

#: a purchase order's status in plain words
PURCHASE_ORDER_STATUS_LABELS: Final[dict[OrderStatus, str]] = {
    OrderStatus.OPEN: "Open",
    OrderStatus.DONE: "Received",
    OrderStatus.CANCELLED: "Cancelled",
}

Viewer = Annotated[Principal, Depends(require(Permission.VIEW))]


@dataclass(frozen=True, slots=True)
class _Found:
    """A match and the picture it was found in (its page is that picture's)."""

    match: Match
    picture_id: int
    #: the query string keeping its page on that picture ("" when only one is loaded)
    query: str


def search_everything(
    session: Session, principal: Principal, text: str, *, limit: int, company: str | None = None
) -> SearchPublic:
    """What ``text`` finds in the pictures ``principal`` sees (or the one covering
    ``company``): at most ``limit`` matches, exact ones first, grouped by kind.

    Raises :class:`PictureNotFoundError` when ``company`` names no picture the person
    may see (exactly as when it names none at all).
    """
    visible = [
        p
        for p in list_pictures(session)
        if any(principal.scope.covers_company(c) for c in p.companies)
    ]
    several = len(visible) > 1
    if company is not None:
        chosen = resolve_scope(session, company, principal).picture_id
        visible = [p for p in visible if p.picture_id == chosen]
    found: list[_Found] = []
    for picture in visible:
        seen = company or next(c for c in picture.companies if principal.scope.covers_company(c))
        query = urlencode({"company": seen}) if several else ""
        matches = find_matches(
            session, picture.picture_id, text, limit=limit, visible=principal.scope
        )
        found.extend(_Found(match, picture.picture_id, query) for match in matches)
    chosen_matches = choose_matches(found, limit, lambda item: item.match)
    return SearchPublic(q=text, limit=limit, items=_publics(session, chosen_matches))


def _publics(session: Session, found: list[_Found]) -> list[SearchMatchPublic]:
    """The matches as the API states them, in their order."""
    pictures = dict.fromkeys(item.picture_id for item in found)
    names = {
        picture_id: _party_names(
            session, picture_id, [i.match for i in found if i.picture_id == picture_id]
        )
        for picture_id in pictures
    }
    return [_public(item, names[item.picture_id]) for item in found]


def _party_names(session: Session, picture_id: int, matches: list[Match]) -> dict[str, str]:
    """The names of the customers and suppliers ``matches`` name (``supplier:`` keys
    for suppliers), looked up by code."""
    customers = customer_names(
        session,
        picture_id,
        (m.party or "" for m in matches if m.kind in {MatchKind.ORDER, MatchKind.INVOICE}),
    )
    suppliers = supplier_names(
        session,
        picture_id,
        [m.party or "" for m in matches if m.kind is MatchKind.PURCHASE_ORDER],
    )
    return {**customers, **{f"supplier:{code}": name for code, name in suppliers.items()}}


def _public(item: _Found, names: dict[str, str]) -> SearchMatchPublic:
    match = item.match
    return SearchMatchPublic(
        kind=match.kind,
        kind_label=MATCH_KIND_LABELS[match.kind],
        code=match.code,
        label=_label(match, names),
        url=_url(match, item.query),
        exact=match.exact,
    )


def _label(match: Match, names: dict[str, str]) -> str:
    """A few words beside the code: whose it is, where, and how it stands."""
    party = match.party or ""
    if match.kind is MatchKind.ORDER:
        status_label = ORDER_STATUS_LABELS[OrderRiskStatus(match.status or "")]
        return f"{names.get(party, party)} · {match.warehouse} · {status_label}"
    if match.kind is MatchKind.PURCHASE_ORDER:
        supplier = names.get(f"supplier:{party}", party)
        status_label = PURCHASE_ORDER_STATUS_LABELS[OrderStatus(match.status or "")]
        return f"{supplier} · {match.warehouse} · {status_label}"
    if match.kind is MatchKind.INVOICE:
        disputed = " · disputed" if match.flagged else ""
        return f"Invoice of {names.get(party, party)}{disputed}"
    if match.kind is MatchKind.CASE:
        type_label = EXCEPTION_TYPE_LABELS[ExceptionType(match.name or "")]
        state_label = CASE_STATE_LABELS[CaseState(match.status or "")]
        return f"{type_label}: {subject_label(party)} · {state_label}"
    return match.name or ""


def _url(match: Match, query: str) -> str:
    if match.kind is MatchKind.INVOICE:
        return entity_url("customer", match.party or "", query) + "#invoices"
    return entity_url(match.kind.value, match.code, query)


@router.get("", response_model=SearchPublic, summary="Find things by the start of their code")
def search(
    session: SessionDep,
    principal: Viewer,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=100,
            description="The start of a code (order, customer, SKU, supplier, purchase "
            "order, invoice, case) or of a customer's, supplier's or product's name; any case.",
        ),
    ],
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"The most matches (1 to {MAX_LIMIT}).")
    ] = DEFAULT_LIMIT,
    company: CompanyQuery = None,
) -> SearchPublic:
    """Typed matches, each with its kind, code, a label and the URL of its page: exact
    matches first, then a fair share of each kind, grouped by kind. Only what you may
    see is found."""
    if not q.strip():
        raise HTTPException(
            422,
            detail=[{"loc": ["query", "q"], "msg": "q is blank", "type": "value_error"}],
        )
    try:
        return search_everything(session, principal, q, limit=limit, company=company)
    except PictureNotFoundError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(error)) from error
