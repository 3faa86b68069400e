"""The small texts every part of the orders array is made of.

Numbers, dates and JSON strings are written the same way in an order's head, its lines
and its explanation; keeping their spelling in one place keeps the document equal to
the reference scan's ``json.dumps`` everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from functools import cache
from typing import Final

import numpy as np
import numpy.typing as npt

from controltower.domain.analysis import STATUS_FOR_BLOCKER, Blocker
from controltower.domain.columnar import DECIMALS, NULL_DAY, from_units

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Texts = npt.NDArray[np.object_]
Ints = npt.NDArray[np.integer] | npt.NDArray[np.bool_]

BLOCKERS: Final = tuple(Blocker)
STATUS_TEXTS: Final = (*(STATUS_FOR_BLOCKER[b].value for b in BLOCKERS), "fully_allocated")
ALLOCATION_TEXTS: Final = ("full", "partial", "none")
ENCODER: Final = json.JSONEncoder(ensure_ascii=False)
#: a key range of at most this many values (or four per row) is numbered with a table
DENSE_KEYS: Final = 1 << 16
#: 1 in millionths: a line of at most one unit reads "1 SKU", not "all 1 SKU"
ONE_UNIT: Final = 10**DECIMALS
#: ``Decimal`` keeps 28 significant digits: ``from_units`` rounds larger unit counts
DECIMAL_LIMIT: Final = 10**28
#: integers below this convert to float64 exactly
EXACT_FLOAT: Final = 2**53


# ---------------------------------------------------------------------- small texts


def number_text(units: int, decimals: int = DECIMALS) -> str:
    """``json_number`` of the value ``units * 10**-decimals``, as JSON text.

    An integer when the value is whole, else the nearest float: Python's ``int / int``
    is correctly rounded, as ``float(Decimal)`` is. Beyond 28 digits the reference's
    Decimal arithmetic rounds, so such a value is converted its way.
    """
    if not -DECIMAL_LIMIT < units < DECIMAL_LIMIT:
        value = from_units(units, decimals)  # then as ``scan.json_number`` reads it
        return str(int(value)) if value == value.to_integral_value() else repr(float(value))
    scale = 10**decimals
    if units % scale == 0:
        return str(units // scale)
    return repr(units / scale)


def escaped(texts: Sequence[str]) -> list[str]:
    """Each text as it reads inside a JSON string (``ensure_ascii=False``), without the
    quotes. Codes rarely need escaping, so one look at all of them usually decides."""
    if not _may_need_escaping("".join(texts)):
        return list(texts)
    return [ENCODER.encode(text)[1:-1] for text in texts]


def _may_need_escaping(text: str) -> bool:
    """False when ``text`` has no quote, backslash or control character, the only
    characters JSON escapes when it may write any other as it is."""
    if '"' in text or "\\" in text:
        return True
    if text.isascii():
        codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        return bool(codes.shape[0]) and int(codes.min()) < 0x20
    return not text.isprintable()


def object_array(values: Sequence[str]) -> Texts:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def blank_texts(size: int, text: str = "") -> Texts:
    return np.full(size, text, dtype=object)


class TextMemo:
    """``function(key)`` computed once per key, for as long as one document is written."""

    def __init__(self, function: Callable[[int], str]) -> None:
        self._function = function
        self._known: dict[int, str] = {}

    def __call__(self, key: int) -> str:
        text = self._known.get(key)
        if text is None:
            text = self._known[key] = self._function(key)
        return text


@cache
def iso_day(day: int) -> str:
    return date.fromordinal(day).isoformat()


def day_json(day: int) -> str:
    return "null" if day == NULL_DAY else f'"{iso_day(day)}"'


def nullable_days(days: Ints) -> tuple[I64, int]:
    """Days as a compact key: ``NULL_DAY`` becomes the day before the earliest real day,
    which is returned so that a ``make`` function can tell it apart."""
    key = days.astype(np.int64)
    null = key == NULL_DAY
    if not bool(null.any()):
        return key, NULL_DAY
    real = key[~null]
    marker = (int(real.min()) if real.shape[0] else 1) - 1
    key[null] = marker
    return key, marker
