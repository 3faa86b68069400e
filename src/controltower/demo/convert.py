"""Exact conversion of the generator's integer arrays into domain values.

The generator works in integers so numpy can vectorise it: quantities in tenths of a
unit, money in pence, dates as day offsets from the as-of date. These converters turn
them into :class:`~decimal.Decimal` and :class:`~datetime.date` exactly, caching the
results because a large business repeats the same few thousand values a million times.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final, TypeVar

import numpy as np

T = TypeVar("T")

#: the day offset that means "no date" in the generator's arrays
NO_DAY: Final = -999_999


def convert_all(values: np.ndarray, convert: Callable[[int], T]) -> list[T]:
    """``convert`` applied to every value, calling it once per distinct value only.

    A million lines carry a few thousand distinct quantities, prices and dates; this
    converts those once and shares the results, which is what keeps a large business
    fast to build.
    """
    if values.size == 0:
        return []
    distinct, positions = np.unique(values, return_inverse=True)
    converted = [convert(v) for v in distinct.tolist()]
    return [converted[p] for p in positions.ravel().tolist()]


class Quantities:
    """Tenths of a unit to Decimal: ``125`` is ``12.5`` and ``120`` is ``12``."""

    def __init__(self) -> None:
        self._cache: dict[int, Decimal] = {}

    def __call__(self, tenths: int) -> Decimal:
        value = self._cache.get(tenths)
        if value is None:
            whole, rest = divmod(tenths, 10)
            value = Decimal(whole) if rest == 0 else Decimal(tenths).scaleb(-1)
            self._cache[tenths] = value
        return value


class Money:
    """Pence to Decimal pounds with two decimals: ``1250`` is ``12.50``."""

    def __init__(self) -> None:
        self._cache: dict[int, Decimal] = {}

    def __call__(self, pence: int) -> Decimal:
        value = self._cache.get(pence)
        if value is None:
            value = Decimal(pence).scaleb(-2)
            self._cache[pence] = value
        return value


class Calendar:
    """Day offsets from the as-of date to dates (and minute offsets to datetimes)."""

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        self._midnight = datetime(as_of.year, as_of.month, as_of.day)
        self._cache: dict[int, date] = {}

    def day(self, offset: int) -> date:
        value = self._cache.get(offset)
        if value is None:
            value = self.as_of + timedelta(days=offset)
            self._cache[offset] = value
        return value

    def optional_day(self, offset: int) -> date | None:
        return None if offset == NO_DAY else self.day(offset)

    def moment(self, minutes: int) -> datetime:
        """The moment ``minutes`` after midnight at the start of the as-of date."""
        return self._midnight + timedelta(minutes=minutes)


class Converter:
    """Whole columns of tenths, pence and day offsets to domain values."""

    def __init__(self, as_of: date) -> None:
        self._qty = Quantities()
        self._money = Money()
        self.calendar = Calendar(as_of)

    def quantities(self, tenths: np.ndarray) -> list[Decimal]:
        return convert_all(tenths, self._qty)

    def optional_quantities(self, tenths: np.ndarray) -> list[Decimal | None]:
        """Negative tenths mean "not given"."""
        return convert_all(tenths, lambda v: None if v < 0 else self._qty(v))

    def amounts(self, pence: np.ndarray) -> list[Decimal]:
        return convert_all(pence, self._money)

    def optional_amounts(self, pence: np.ndarray) -> list[Decimal | None]:
        """Negative pence mean "not given" (only for columns that are never negative)."""
        return convert_all(pence, lambda v: None if v < 0 else self._money(v))

    def days(self, offsets: np.ndarray) -> list[date]:
        return convert_all(offsets, self.calendar.day)

    def optional_days(self, offsets: np.ndarray) -> list[date | None]:
        return convert_all(offsets, self.calendar.optional_day)

    def moments(self, minutes: np.ndarray) -> list[datetime]:
        return convert_all(minutes, self.calendar.moment)
