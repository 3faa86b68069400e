"""The codes a person may choose from in a picture: its warehouses within their scope.

The lists' warehouse filters offer these and refuse any other code, on the API and the
pages alike; a warehouse outside the person's scope is not offered and is refused
exactly like one nobody has.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from controltower.api.scope import PictureScope
from controltower.storage.repository import picture_warehouses


def visible_warehouses(session: Session, scope: PictureScope) -> list[tuple[str, str | None]]:
    """The picture's warehouses the person asking may see, as (code, name), in source
    order."""
    return [
        (code, name)
        for code, name, company in picture_warehouses(session, scope.picture_id)
        if scope.visible.covers(company, code)
    ]


def warehouse_codes(session: Session, scope: PictureScope) -> list[str]:
    """The picture's warehouse codes the person asking may see, in source order."""
    return [code for code, _ in visible_warehouses(session, scope)]
