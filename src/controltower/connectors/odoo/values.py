"""Odoo's values as Python ones: ``False`` for empty, ``[id, name]``, naive UTC strings.

Odoo answers ``False`` where other APIs answer null (even for a char or a date), a
many2one as ``[id, display_name]``, and datetimes as ``'YYYY-MM-DD HH:MM:SS'`` in UTC
without a zone. Every module of the connector reads values through these functions so
that rule lives once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

SIX_PLACES = Decimal("0.000001")
"""The stored picture holds quantities and money to six decimals."""


def many2one_id(value: Any) -> int | None:
    """The id of a many2one value (``[id, name]`` or a bare id), or None for ``False``."""
    kind = value.__class__
    if kind is list:  # what JSON gives: the mapping asks this millions of times a sync
        return int(value[0]) if value else None
    if value is False or value is None:
        return None
    if isinstance(value, list | tuple):
        return int(value[0]) if value else None
    if isinstance(value, int) and not isinstance(value, bool) and value:
        return value
    return None


def text(value: Any) -> str | None:
    """A char value trimmed, or None for ``False`` and blanks.

    Control characters (which a dataset refuses and PostgreSQL cannot store as NUL)
    become spaces: a name from Odoo is shown, never refused.
    """
    if value is False or value is None:
        return None
    trimmed = str(value).translate(_CONTROLS).strip()
    return trimmed or None


_CONTROLS = {code: " " for code in (*range(32), 127)}


def decimal(value: Any) -> Decimal:
    """A float from Odoo as an exact decimal of at most six places (``False`` is 0)."""
    if value is False or value is None:
        return Decimal(0)
    return six_places(Decimal(str(value)))


def six_places(value: Decimal) -> Decimal:
    """``value`` rounded to six decimals, without trailing zeros (and never ``-0``)."""
    return value.quantize(SIX_PLACES).normalize() + Decimal(0)


def utc(value: Any) -> datetime | None:
    """An Odoo datetime string as an aware UTC datetime, or None for ``False``."""
    moment = text(value)
    if moment is None:
        return None
    return datetime.fromisoformat(moment.replace(" ", "T")[:19]).replace(tzinfo=UTC)
