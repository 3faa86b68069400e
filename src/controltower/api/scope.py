"""Which stored picture a request is about: ``?company=CODE``, else the only one it may see.

A person sees only the pictures covering a company of their scope; a company outside
it is answered exactly as a company nobody loaded (404), so scope cannot be probed.

The work views (orders, exceptions) read one picture and its latest scan. Choosing it
is the same for every route, so it lives here once: :func:`resolve_scope` for any
caller (the web pages turn its errors into pages), :data:`ScopeDep` for API handlers
(its errors become a 404 or 422 with a message saying what to do).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Query, status
from sqlalchemy.orm import Session

from controltower.api.auth import PrincipalDep
from controltower.api.deps import SessionDep
from controltower.api.schemas import ScanPublic
from controltower.domain.people import Principal, Scope
from controltower.storage.repository import (
    AmbiguousPictureError,
    PictureNotFoundError,
    ScanRun,
    latest_scan_run,
    list_pictures,
)

#: what a client sends when no scan has been recorded for the picture yet
NO_SCAN_MESSAGE = (
    "no scan has been recorded for this picture yet; run one with `controltower scan --db`"
)


@dataclass(frozen=True, slots=True)
class PictureScope:
    """The picture a request reads, its companies and its latest scan (None before one)."""

    picture_id: int
    companies: tuple[str, ...]
    scan: ScanRun | None
    #: what the person asking may see of the picture (their scope)
    visible: Scope = Scope()  # noqa: RUF009 - frozen value

    @property
    def scan_public(self) -> ScanPublic | None:
        return scan_public(self.scan) if self.scan is not None else None


def scan_public(run: ScanRun) -> ScanPublic:
    return ScanPublic(
        scan_run_id=run.scan_run_id,
        as_of=run.as_of,
        scanned_at=run.scanned_at,
        order_count=run.order_count,
        at_risk_count=run.at_risk_count,
    )


def resolve_scope(session: Session, company: str | None, principal: Principal) -> PictureScope:
    """The picture covering ``company``; with no company, the only picture ``principal`` sees.

    Raises :class:`PictureNotFoundError` when nothing is loaded or no picture the person
    may see covers the company, and :class:`AmbiguousPictureError` when they may see
    several pictures and named no company; both messages say what to send instead.
    """
    visible = principal.scope
    stored = [
        p for p in list_pictures(session) if any(visible.covers_company(c) for c in p.companies)
    ]
    if company is not None:
        covering = [p for p in stored if company in p.companies and visible.covers_company(company)]
        if not covering:
            # the same answer whether the company is missing or outside the person's scope
            seen = sorted({c for p in stored for c in p.companies if visible.covers_company(c)})
            raise PictureNotFoundError(
                f"no stored picture covers company {company!r}; companies you can see: "
                + (", ".join(seen) if seen else "none")
            )
        picture_id = covering[0].picture_id
    elif not stored:
        raise PictureNotFoundError(
            "nothing is loaded yet; import a dataset (`controltower import DATASET_DIR`) "
            "or load the demo (`controltower demo`)"
        )
    elif len(stored) > 1:
        described = "; ".join(
            ", ".join(c for c in p.companies if visible.covers_company(c)) for p in stored
        )
        raise AmbiguousPictureError(
            f"{len(stored)} pictures are loaded (companies: {described}); "
            "choose one with ?company=CODE"
        )
    else:
        picture_id = stored[0].picture_id
    companies = next(p.companies for p in stored if p.picture_id == picture_id)
    return PictureScope(
        picture_id=picture_id,
        companies=companies,
        scan=latest_scan_run(session, picture_id),
        visible=visible,
    )


CompanyQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        description="Company code of the picture to read; may be left out when only one "
        "picture is loaded.",
    ),
]


def picture_scope(
    session: SessionDep, principal: PrincipalDep, company: CompanyQuery = None
) -> PictureScope:
    """The request's picture, or the HTTP error that says why there is none."""
    try:
        return resolve_scope(session, company, principal)
    except PictureNotFoundError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(error)) from error
    except AmbiguousPictureError as error:
        # 422 as a number: its constant was renamed across Starlette versions
        raise HTTPException(422, detail=str(error)) from error


ScopeDep = Annotated[PictureScope, Depends(picture_scope)]


def scanned_picture_scope(scope: ScopeDep) -> PictureScope:
    """The request's picture, once it has been scanned: before its first scan (an import
    with ``--no-scan``, a scan that failed) the pages show nothing of its orders and
    cases but a "No scan yet" notice, and the API answers the same way (404 saying how
    to run one), even while cases of its companies from an earlier picture are stored."""
    require_scan(scope)
    return scope


ScannedScopeDep = Annotated[PictureScope, Depends(scanned_picture_scope)]


def require_scan(scope: PictureScope) -> ScanRun:
    """The picture's latest scan; a 404 saying how to run one when there is none."""
    if scope.scan is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NO_SCAN_MESSAGE)
    return scope.scan
