"""Which customer and supplier codes a picture has: for filters that name them.

A filter naming a customer nobody has would match nothing and is most likely a typo, so
the pages and the API check the codes they are given first. Only the codes asked about
are looked up (by primary key), never the picture's whole list.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.storage import tables


def known_customers(session: Session, picture_id: int, codes: Collection[str]) -> set[str]:
    """The ones of ``codes`` that are customers of the picture."""
    return _known(session, tables.customers, picture_id, codes)


def known_suppliers(session: Session, picture_id: int, codes: Collection[str]) -> set[str]:
    """The ones of ``codes`` that are suppliers of the picture."""
    return _known(session, tables.suppliers, picture_id, codes)


def _known(session: Session, table: sa.Table, picture_id: int, codes: Collection[str]) -> set[str]:
    if not codes:
        return set()
    query = sa.select(table.c.code).where(
        table.c.picture_id == picture_id, table.c.code.in_(sorted(codes))
    )
    return set(session.connection().execute(query).scalars())
