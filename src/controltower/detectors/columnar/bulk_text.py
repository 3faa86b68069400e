"""Numbers, dates, quantities and money as text, for many candidates at once.

The reference detectors format one value at a time; here each distinct value is
formatted once (through a table when the values are close) and handed to every
candidate, with exactly the reference wording.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt

from controltower.domain.columnar import QTY_SCALE, from_units
from controltower.domain.explain import format_qty

Ints = npt.NDArray[np.integer]
#: amounts as the kernel holds them: int64, or Python ints where a sum could overflow
Amounts = npt.NDArray[np.int64] | npt.NDArray[np.object_]

#: the widest span of values a lookup table is built for (else each distinct value)
_TABLE_SPAN: Final = 1 << 16
INT64_LIMIT: Final = 1 << 63


# --------------------------------------------------------------- formatting in bulk


def int_texts(values: Ints) -> list[str]:
    """``str`` of each whole number (through a table when the values are close)."""
    if not values.size:
        return []
    low, high = int(values.min()), int(values.max())
    if high - low < _TABLE_SPAN:
        table = np.array([str(v) for v in range(low, high + 1)], dtype=object)
        found: list[str] = table[values - low].tolist()
        return found
    return [str(v) for v in values.tolist()]


def day_texts(days: Ints) -> list[str]:
    """The ISO date of each day number (through a table of the days spanned)."""
    if not days.size:
        return []
    low, high = int(days.min()), int(days.max())
    if high - low < _TABLE_SPAN:
        table = np.array(
            [date.fromordinal(d).isoformat() for d in range(low, high + 1)], dtype=object
        )
        found: list[str] = table[days.astype(np.int64) - low].tolist()
        return found
    distinct, inverse = np.unique(days, return_inverse=True)
    words = [date.fromordinal(d).isoformat() for d in distinct.tolist()]
    return [words[k] for k in inverse.ravel().tolist()]


def day_text(day: int) -> str:
    """The ISO date of one day number."""
    return date.fromordinal(day).isoformat()


def qty_texts(units: Ints) -> list[str]:
    """``format_qty`` of each millionths value (each distinct value formatted once)."""
    if not units.size:
        return []
    distinct, inverse = np.unique(units, return_inverse=True)
    table = np.array([format_qty(from_units(u)) for u in distinct.tolist()], dtype=object)
    found: list[str] = table[inverse.ravel()].tolist()
    return found


def cents_of(units: int, decimals: int) -> int:
    """``units`` counted in ``10**-decimals`` as whole cents, half a cent rounded away
    from zero (``explain.format_money``'s rounding)."""
    if decimals <= 2:
        return units * int(10 ** (2 - decimals))
    step = int(10 ** (decimals - 2))
    whole, rest = divmod(abs(units), step)
    cents = whole + (2 * rest >= step)
    return cents if units >= 0 else -cents


def money_text(units: int, decimals: int) -> str:
    """``format_money`` of ``units`` counted in ``10**-decimals``, without a Decimal."""
    cents = cents_of(units, decimals)
    whole, fraction = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole:,}.{fraction:02d}"


def money_texts(amounts: Amounts, decimals: int) -> list[str]:
    """:func:`money_text` of each amount (in ``10**-decimals``)."""
    if amounts.dtype == object or decimals < 2:
        return [money_text(int(a), decimals) for a in amounts.tolist()]
    step = 10 ** (decimals - 2)
    magnitude = np.abs(amounts)
    cents = (magnitude // step + (2 * (magnitude % step) >= step)).tolist()
    return [
        f"{'-' if a < 0 else ''}{c // 100:,}.{c % 100:02d}"
        for a, c in zip(amounts.tolist(), cents, strict=True)
    ]


def portions(qty: Ints, open_qty: Ints, skus: Sequence[str]) -> list[str]:
    """``explain.portion`` of each (qty, line open qty, sku): ``15 of 40 X``, ``all 40 X``."""
    part = (qty < open_qty).tolist()
    single = (open_qty <= QTY_SCALE).tolist()
    return [
        f"{q} of {o} {s}" if p else (f"{q} {s}" if one else f"all {q} {s}")
        for q, o, s, p, one in zip(
            qty_texts(qty), qty_texts(open_qty), skus, part, single, strict=True
        )
    ]
