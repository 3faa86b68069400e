"""Money and credit: exact line values and each customer's credit standing.

Quantity times price is computed at the precision the data really uses and falls back
to Python integers where an ``int64`` could overflow, so every amount stays exact; the
credit rules then compare exact per-customer sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from controltower.domain.columnar import (
    DECIMALS,
    ColumnarPicture,
    decimals_used,
)
from controltower.domain.kernel.arrays import I64, INT64_SAFE, Bools, Exact

# -------------------------------------------------------------------- money and credit


def exact_product(a: I64, b: I64) -> tuple[Exact, int]:
    """``a * b`` (both at six decimals) exactly, and the decimals of the result.

    Each factor is first reduced to the decimals it really uses; the product stays
    ``int64`` when no sum of all of them can overflow, else becomes Python integers.
    """
    da, db = decimals_used(a), decimals_used(b)
    ra = a // 10 ** (DECIMALS - da)
    rb = b // 10 ** (DECIMALS - db)
    bound = int(np.abs(ra).max(initial=0)) * int(np.abs(rb).max(initial=0)) * max(a.shape[0], 1)
    if bound < INT64_SAFE:
        return ra * rb, da + db
    return ra.astype(object) * rb.astype(object), da + db


def rescale(values: Exact, decimals: int, to: int) -> Exact:
    """``values`` counted in ``10**-to`` instead of ``10**-decimals`` (``to >= decimals``)."""
    factor = 10 ** (to - decimals)
    if factor == 1:
        return values
    scaled: Exact
    if values.dtype != object and int(np.abs(values).max(initial=0)) * factor < INT64_SAFE:
        scaled = values * factor
    else:
        scaled = values.astype(object) * factor
    return scaled


def _sum_by(groups: I64, values: Exact, n_groups: int) -> Exact:
    """Exact per-group sums."""
    out: Exact
    if values.dtype == object:
        out = np.zeros(n_groups, dtype=object)
        np.add.at(out, groups, values)
        return out
    out = np.zeros(n_groups, dtype=np.int64)
    np.add.at(out, groups, values)
    return out


@dataclass(frozen=True, slots=True)
class CreditColumns:
    """Every customer's credit position (amounts at ``decimals``)."""

    decimals: int
    open_receivables: Exact
    open_order_value: Exact
    over_limit: Bools
    #: invoices with a positive residual more than ``overdue_days_block`` days past due
    invoice_overdue: Bools
    blocked: Bools


def assess_credit(
    picture: ColumnarPicture, order_value: Exact, value_decimals: int
) -> CreditColumns:
    """Credit hold, limit and overdue invoices of every customer, exactly."""
    n = len(picture.customer_codes)
    decimals = max(DECIMALS, value_decimals)
    receivables = rescale(
        _sum_by(picture.invoice_customer.astype(np.int64), picture.invoice_residual, n),
        DECIMALS,
        decimals,
    )
    value = rescale(
        _sum_by(picture.order_customer.astype(np.int64), order_value, n),
        value_decimals,
        decimals,
    )
    limit = rescale(picture.customer_credit_limit, DECIMALS, decimals)
    over_limit = picture.customer_has_limit & np.asarray(receivables + value > limit, dtype=bool)
    overdue = (picture.invoice_residual > 0) & (
        picture.as_of_day - picture.invoice_due.astype(np.int64) > picture.policy.overdue_days_block
    )
    any_overdue = np.bincount(picture.invoice_customer[overdue], minlength=n) > 0
    return CreditColumns(
        decimals=decimals,
        open_receivables=receivables,
        open_order_value=value,
        over_limit=over_limit,
        invoice_overdue=overdue,
        blocked=picture.customer_credit_hold | over_limit | any_overdue,
    )
