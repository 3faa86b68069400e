"""Alert effectiveness: per type (and per routing rule), were the cases worth raising?

``GET /api/alert-effectiveness`` counts the cases opened in a period by outcome (acted
on, cleared by itself, ignored, pending; ``domain/effectiveness.py`` states the rule)
and gives each rule its noise share, the noisiest first, so a rule that raises work
nobody does can be tuned. ``by=type`` (the default) gives one row per exception type,
``by=owner`` one per type and owning team (the routing rule that sent the cases). The
period is ``from`` to ``to`` inclusive (dates); by default the 30 days up to the latest
scan, which is also the moment response targets are judged at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from controltower.api.auth import require
from controltower.api.deps import SessionDep
from controltower.api.paging import invalid_query
from controltower.api.scope import PictureScope, ScannedScopeDep, require_scan
from controltower.domain.effectiveness import EffectivenessRow
from controltower.domain.people import Permission, Principal
from controltower.storage.queries.effectiveness import alert_effectiveness

router = APIRouter(prefix="/api", tags=["exceptions"])

#: the period looked at when none is given
DEFAULT_DAYS: Final = 30

#: the longest period one answer covers
MAX_DAYS: Final = 366

Viewer = Annotated[Principal, Depends(require(Permission.VIEW))]


class Grouping(StrEnum):
    TYPE = "type"
    OWNER = "owner"


class EffectivenessRowPublic(BaseModel):
    type: str
    owner: str | None
    total: int
    acted_on: int
    cleared_by_itself: int
    ignored: int
    pending: int
    #: (cleared by itself + ignored) / (total - pending), in percent; None before any is judged
    noise_share_pct: float | None


class EffectivenessPublic(BaseModel):
    picture_id: int
    by: Grouping
    opened_from: date
    opened_to: date
    judged_at: datetime
    rows: list[EffectivenessRowPublic]


@dataclass(frozen=True, slots=True)
class Period:
    """Cases opened from the start of ``first`` to the end of ``last`` (UTC days)."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=UTC)


class PeriodError(ValueError):
    """A period that cannot be read (its message names the parameter)."""


def period_of(first: date | None, last: date | None, judged_at: datetime) -> Period:
    """The period asked for, defaulting to the :data:`DEFAULT_DAYS` up to ``judged_at``."""
    last = last or judged_at.astimezone(UTC).date()
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise PeriodError(f"{first.isoformat()} is after to ({last.isoformat()})")
    if (last - first).days >= MAX_DAYS:
        raise PeriodError(f"a period covers at most {MAX_DAYS} days")
    return Period(first, last)


def effectiveness(
    session: Session, scope: PictureScope, period: Period, by: Grouping
) -> EffectivenessPublic:
    """The answer of the endpoint, also what the page shows."""
    judged_at = require_scan(scope).scanned_at
    rows = alert_effectiveness(
        session,
        scope.companies,
        opened_from=period.start,
        opened_before=period.end,
        now=judged_at,
        visible=scope.visible,
        by_owner=by is Grouping.OWNER,
    )
    return EffectivenessPublic(
        picture_id=scope.picture_id,
        by=by,
        opened_from=period.first,
        opened_to=period.last,
        judged_at=judged_at,
        rows=[row_public(row) for row in rows],
    )


def row_public(row: EffectivenessRow) -> EffectivenessRowPublic:
    share = row.noise_share
    return EffectivenessRowPublic(
        type=row.type.value,
        owner=row.owner,
        total=row.total,
        acted_on=row.acted_on,
        cleared_by_itself=row.cleared_by_itself,
        ignored=row.ignored,
        pending=row.pending,
        noise_share_pct=float(share) if share is not None else None,
    )


@router.get("/alert-effectiveness", response_model=EffectivenessPublic)
def get_alert_effectiveness(
    session: SessionDep,
    scope: ScannedScopeDep,
    _viewer: Viewer,
    opened_from: Annotated[date | None, Query(alias="from")] = None,
    opened_to: Annotated[date | None, Query(alias="to")] = None,
    by: Grouping = Grouping.TYPE,
) -> EffectivenessPublic:
    """How the cases opened in the period ended up, per type or per routing rule."""
    try:
        period = period_of(opened_from, opened_to, require_scan(scope).scanned_at)
    except PeriodError as error:
        raise invalid_query([("from", str(error))]) from None
    return effectiveness(session, scope, period, by)
