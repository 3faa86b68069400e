"""What has been loaded: the stored pictures and their row counts."""

from __future__ import annotations

from fastapi import APIRouter

from controltower.api.deps import SessionDep
from controltower.api.schemas import PicturePublic, WarehousePublic
from controltower.storage.repository import PictureSummary, picture_summary

router = APIRouter(prefix="/api/pictures", tags=["pictures"])


def to_public(summary: PictureSummary) -> PicturePublic:
    return PicturePublic(
        picture_id=summary.picture_id,
        companies=list(summary.companies),
        imported_at=summary.imported_at,
        source=summary.source,
        counts=dict(summary.counts),
        warehouses=[
            WarehousePublic(code=code, name=name, company=company)
            for code, name, company in summary.warehouses
        ],
    )


@router.get("", response_model=list[PicturePublic], summary="List the loaded pictures")
def list_loaded_pictures(session: SessionDep) -> list[PicturePublic]:
    """Every stored picture (one per imported dataset) with its entity counts."""
    return [to_public(s) for s in picture_summary(session)]
