"""Phrases and amounts the row-wise detectors word their findings with, each made once.

The receipt, pick, pricing, return, pool and invoice detectors word findings one by
one, but findings repeat customers, warehouses and amounts; :class:`Memo` and
:class:`Phrases` make each phrase the first time it is asked for and keep it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from controltower.detectors.columnar.bulk_text import money_text as bulk_money_text
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.domain.cases import Severity, raise_severity
from controltower.domain.columnar import from_units
from controltower.domain.explain import format_qty
from controltower.domain.model import Tier
from controltower.domain.tables import I64

#: each severity raised one level (``raise_severity``), looked up rather than computed
RAISED: dict[Severity, Severity] = {s: raise_severity(s) for s in Severity}

K = TypeVar("K")
V = TypeVar("V")


class Memo(dict[K, V]):
    """A dict that computes a missing value on first use and keeps it."""

    def __init__(self, compute: Callable[[K], V]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key: K) -> V:
        value = self[key] = self._compute(key)
        return value


def money_text(units: int, decimals: int = 6) -> str:
    """``format_money`` of ``units`` counted in ``10**-decimals``, without a Decimal."""
    return bulk_money_text(units, decimals)


def qty_text(units: int) -> str:
    """``format_qty`` of millionths; whole quantities (most) without Decimals."""
    if units % 1_000_000:
        return format_qty(from_units(units))
    return f"{units // 1_000_000:,}"


class Phrases:
    """The context's per-id phrases and the amounts of millionths, each made once."""

    def __init__(self, context: ColumnarDetectionContext) -> None:
        self.customer: Memo[int, str] = Memo(context.customer_phrase)
        self.tier: Memo[int, Tier | None] = Memo(context.tier_of)
        self.supplier: Memo[int, str] = Memo(context.supplier_phrase)
        self.company_of_warehouse: Memo[int, str | None] = Memo(context.company_of_warehouse)
        self.company_of_customer: Memo[int, str | None] = Memo(context.company_of_customer)
        #: millionths to the exact Decimal, to ``format_money`` and to ``format_qty``
        self.amount: Memo[int, Decimal] = Memo(from_units)
        self.money: Memo[int, str] = Memo(money_text)
        self.qty: Memo[int, str] = Memo(qty_text)
        self.day: Memo[int, str] = Memo(iso_day)


def decimal(units: int | np.integer[Any]) -> Decimal:
    """Millionths as the exact Decimal the reference code holds."""
    return from_units(int(units))


def iso_day(ordinal: int) -> str:
    """A day number as ``YYYY-MM-DD``."""
    return date.fromordinal(ordinal).isoformat()


def take(column: npt.NDArray[Any], rows: I64, default: object) -> list[Any]:
    """``column[rows]`` as a list, ``default`` where a row is -1 (the column may be empty)."""
    if not column.shape[0]:
        return [default] * rows.shape[0]
    values = column[np.maximum(rows, 0)].tolist()
    return [v if r >= 0 else default for v, r in zip(values, rows.tolist(), strict=True)]
