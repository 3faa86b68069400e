"""The allocation rules of ``allocation.md``, vectorised over a columnar picture.

This kernel is the product's engine. The reference engine of the test oracle (a
separate package the product never imports) applies the same rules line by line; the
kernel computes the very same result with whole-array numpy operations, so that a full
recompute of a million open lines takes a fraction of a second. Its equality with the
reference engine, on every line, order, pool and customer, is the correctness contract
(``tests/unit/domain/test_kernel.py``).

How each rule becomes array arithmetic (Python loops run over warehouses, never lines):

* **Priority.** The order-level keys (expedite, promised date, tier, order date) are
  packed into one integer per order and ordered by a stable LSD radix sort on 16-bit
  digits; ties keep ``order_id`` order because the picture stores orders in that
  order. Lines inherit their order's rank and keep line-number order within it (the
  picture stores them grouped so), which gives the global demand priority without
  sorting the lines themselves.
* **Only contended pools are ordered.** A pool whose open demand does not exceed its
  physical stock serves every line from stock whatever the priority, so its lines
  need no sort; the contended pools' lines are grouped by pool with one more stable
  radix pass.
* **Pegging.** "Each line in turn takes what is left" from one ordered source is the
  overlap of two tilings of the number line: line ``i`` occupies ``[W[i-1], W[i])`` of
  its pool's cumulative wants, the source ``[0, available)``; what the line takes is
  the length of the overlap. Reservations and then free stock are such overlaps with
  one source each. The future supply (held stock and inbound lines in availability
  order) is a tiling too, and the pools are laid end to end on one axis so that one
  ``searchsorted`` per boundary finds every peg of every pool at once.
* **Capacity.** Within a warehouse the ready lines are ordered by (supply day,
  priority); the pick queue is first come, first served, so the lines served by the
  end of day ``t`` are ``S(t) = min over s <= t+1 of (arrivals before s + C (t-s+1))``
  (a running minimum), and the line of rank ``r`` ships on the first day with
  ``S(t) > r``.
* **Orders and credit** are segment reductions over the order-grouped lines and exact
  sums per customer.

Quantities are fixed-point ``int64`` (see :mod:`controltower.domain.columnar`); money
products (quantity times price) are computed at the precision the data really uses and
fall back to Python integers when they could overflow, so every amount stays exact.
:func:`to_analysis` turns the arrays back into the domain :class:`Analysis` (with the
reference engine's explanations) and :func:`analysis_differences` compares two.

The kernel is a package of one module per stage, each with its own job: ``arrays``
(the shared primitives), ``codes`` (the result's integer codes), ``priority``,
``pegging``, ``capacity``, ``credit``, ``alternatives``, ``orders`` (order standing),
``result`` (:class:`ColumnarAnalysis` and :func:`analyse_columns`), ``value_objects``
(back to :class:`Analysis`) and ``comparison``. This module re-exports their public
names, so callers import the kernel as one thing.
"""

from __future__ import annotations

from controltower.domain.kernel.alternatives import AlternativeColumns, transfer_alternatives
from controltower.domain.kernel.arrays import (
    I8,
    I32,
    I64,
    U64,
    Bools,
    Exact,
    radix_argsort,
    stable_order,
)
from controltower.domain.kernel.capacity import schedule_capacity, served_by_day
from controltower.domain.kernel.codes import (
    ALLOCATION_FULL,
    ALLOCATION_NONE,
    ALLOCATION_PARTIAL,
    BLOCKER_CAPACITY,
    BLOCKER_CREDIT,
    BLOCKER_INBOUND,
    BLOCKER_NO_SUPPLY,
    BLOCKER_QUALITY,
    SOURCE_HELD,
    SOURCE_INBOUND,
    STATUS_FULLY_ALLOCATED,
)
from controltower.domain.kernel.comparison import analysis_differences
from controltower.domain.kernel.credit import CreditColumns, assess_credit
from controltower.domain.kernel.pegging import PegResult, peg, peg_pools
from controltower.domain.kernel.priority import (
    OrderPriority,
    by_pool,
    lines_in_priority,
    order_priority,
    subset_in_priority,
)
from controltower.domain.kernel.result import ColumnarAnalysis, analyse_columns
from controltower.domain.kernel.value_objects import (
    OverdueInvoice,
    credit_assessment,
    overdue_invoices_by_customer,
    to_analysis,
)

__all__ = [
    "ALLOCATION_FULL",
    "ALLOCATION_NONE",
    "ALLOCATION_PARTIAL",
    "BLOCKER_CAPACITY",
    "BLOCKER_CREDIT",
    "BLOCKER_INBOUND",
    "BLOCKER_NO_SUPPLY",
    "BLOCKER_QUALITY",
    "I8",
    "I32",
    "I64",
    "SOURCE_HELD",
    "SOURCE_INBOUND",
    "STATUS_FULLY_ALLOCATED",
    "U64",
    "AlternativeColumns",
    "Bools",
    "ColumnarAnalysis",
    "CreditColumns",
    "Exact",
    "OrderPriority",
    "OverdueInvoice",
    "PegResult",
    "analyse_columns",
    "analysis_differences",
    "assess_credit",
    "by_pool",
    "credit_assessment",
    "lines_in_priority",
    "order_priority",
    "overdue_invoices_by_customer",
    "peg",
    "peg_pools",
    "radix_argsort",
    "schedule_capacity",
    "served_by_day",
    "stable_order",
    "subset_in_priority",
    "to_analysis",
    "transfer_alternatives",
]
