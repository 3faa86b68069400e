"""Public response schemas of the API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class WarehousePublic(BaseModel):
    code: str
    name: str | None
    company: str


class PicturePublic(BaseModel):
    """One imported picture of a business: what was loaded, and when."""

    picture_id: int
    companies: list[str]
    imported_at: datetime
    source: str
    counts: dict[str, int]
    warehouses: list[WarehousePublic]


class HealthPublic(BaseModel):
    status: str
    version: str
    database: str
