"""What has been loaded: the stored pictures and their row counts."""

from __future__ import annotations

from fastapi import APIRouter

from controltower.api.auth import PrincipalDep
from controltower.api.deps import SessionDep
from controltower.api.schemas import PicturePublic, WarehousePublic, public_source
from controltower.domain.people import Scope
from controltower.storage.repository import PictureSummary, picture_summary

router = APIRouter(prefix="/api/pictures", tags=["pictures"])


def to_public(summary: PictureSummary, visible: Scope = Scope()) -> PicturePublic:
    return PicturePublic(
        picture_id=summary.picture_id,
        companies=list(summary.companies),
        imported_at=summary.imported_at,
        source=public_source(summary.source),
        counts=dict(summary.counts),
        warehouses=[
            WarehousePublic(code=code, name=name, company=company)
            for code, name, company in summary.warehouses
            if visible.covers(company, code)
        ],
    )


@router.get("", response_model=list[PicturePublic], summary="List the loaded pictures")
def list_loaded_pictures(session: SessionDep, principal: PrincipalDep) -> list[PicturePublic]:
    """Every stored picture (one per imported dataset) covering a company of the caller's
    scope, with its entity counts and the warehouses the caller may see."""
    return [
        to_public(s, principal.scope)
        for s in picture_summary(session)
        if any(principal.scope.covers_company(c) for c in s.companies)
    ]
