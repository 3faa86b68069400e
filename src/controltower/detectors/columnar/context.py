"""What every detector reads: the tables, the kernel's analysis, the moment, the history.

The detectors find exactly what the test oracle's reference detectors find (the same
:class:`~controltower.detectors.base.Finding` values, explanations included), but they
select candidates with whole-array operations over
:class:`~controltower.domain.tables.DatasetTables` and the kernel's
:class:`~controltower.domain.kernel.ColumnarAnalysis`, and build Python objects only for
what they report. That is what keeps a scan of a million order lines in seconds.

Look-ups several detectors share are computed once, on first use, and kept here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from controltower.detectors.base import Finding, SeverityLadder, order_subject, severity_on_ladder
from controltower.domain.analysis import AllocationPolicy, CreditAssessment
from controltower.domain.cases import CaseOccurrence, ExceptionType, Severity
from controltower.domain.columnar import ColumnarPicture
from controltower.domain.kernel import (
    SOURCE_INBOUND,
    ColumnarAnalysis,
    OverdueInvoice,
    credit_assessment,
    overdue_invoices_by_customer,
)
from controltower.domain.model import TIER_RANK, OrderStatus, Tier
from controltower.domain.tables import I32, I64, ORDER_STATUSES, DatasetTables, Texts

if TYPE_CHECKING:
    from controltower.detectors.columnar.order_stories import OrderStoryBook

#: tiers by :data:`~controltower.domain.model.TIER_RANK` (the ``tier`` column's values)
TIERS: tuple[Tier, ...] = tuple(sorted(TIER_RANK, key=TIER_RANK.__getitem__))
#: the ``status`` column's value of an open order or PO
OPEN = ORDER_STATUSES.index(OrderStatus.OPEN)


class ColumnarDetectionContext:
    """The picture as columns, its analysis and the detection time and history."""

    def __init__(
        self,
        tables: DatasetTables,
        result: ColumnarAnalysis,
        *,
        detected_at: datetime,
        ladder: SeverityLadder,
        history: Sequence[CaseOccurrence] = (),
        allocation: AllocationPolicy = AllocationPolicy(),
        approved_prices: Mapping[tuple[str, int], frozenset[Decimal]] | None = None,
    ) -> None:
        self.tables = tables
        self.result = result
        self.detected_at = detected_at
        self.ladder = ladder
        self.history = tuple(history)
        #: this run's findings that open or reopen a case now, which recurrence counts
        #: with the history (set by ``run_catalogue`` before the recurring detector)
        self.arising: tuple[Finding, ...] = ()
        #: (type, subject) of every finding of this run before the recurring detector:
        #: the cases open now, which a review tells from those already cleared
        self.current: frozenset[tuple[ExceptionType, str]] = frozenset()
        self.allocation = allocation
        #: per (order id, line), the unit prices people approved as overrides (executed
        #: ``override_price`` actions): a line still at one of them is not off list by
        #: mistake. Only the stored scan knows them; the stateless scan has none.
        self.approved_prices: Mapping[tuple[str, int], frozenset[Decimal]] = approved_prices or {}

    @property
    def picture(self) -> ColumnarPicture:
        return self.result.picture

    @property
    def as_of(self) -> date:
        """The analysis date D: day-counting thresholds count from it."""
        return self.result.picture.as_of

    @property
    def as_of_day(self) -> int:
        return self.result.picture.as_of_day

    def severity_for_value(self, value: Decimal) -> Severity:
        """The severity the value ladder gives ``value`` (each bound is inclusive)."""
        return severity_on_ladder(self.ladder, value)

    @cached_property
    def picture_order_of_vocab_order(self) -> np.ndarray:
        """For each id of ``tables.vocab.orders``, its order id in the picture, else -1.

        Picture orders are the open orders with an open line, a subset of the vocabulary
        in the same (sorted) order.
        """
        mapping = np.full(len(self.tables.vocab.orders), -1, dtype=np.int64)
        positions = self.vocab_order_of_picture_order
        mapping[positions] = np.arange(positions.shape[0], dtype=np.int64)
        return mapping

    # --- rows by code: which row of a table holds a code (-1 when none) ---------------

    @cached_property
    def product_row(self) -> I64:
        """For each id of ``tables.vocab.skus``, its row of ``tables.products``, else -1."""
        return rows_by_code(self.tables.products.sku, len(self.tables.vocab.skus))

    @cached_property
    def customer_row(self) -> I64:
        """For each id of ``tables.vocab.customers``, its row of ``tables.customers``, else -1."""
        return rows_by_code(self.tables.customers.code, len(self.tables.vocab.customers))

    @cached_property
    def supplier_row(self) -> I64:
        """For each id of ``tables.vocab.suppliers``, its row of ``tables.suppliers``, else -1."""
        return rows_by_code(self.tables.suppliers.code, len(self.tables.vocab.suppliers))

    @cached_property
    def warehouse_row(self) -> I64:
        """For each id of ``tables.vocab.warehouses``, its row of ``tables.warehouses``, else -1."""
        return rows_by_code(self.tables.warehouses.code, len(self.tables.vocab.warehouses))

    @cached_property
    def sales_order_row(self) -> I64:
        """For each id of ``tables.vocab.orders``, its row of ``tables.sales_orders``, else -1."""
        return rows_by_code(self.tables.sales_orders.order, len(self.tables.vocab.orders))

    @cached_property
    def purchase_order_row(self) -> I64:
        """For each id of ``tables.vocab.pos``, its row of ``tables.purchase_orders``, else -1."""
        return rows_by_code(self.tables.purchase_orders.po, len(self.tables.vocab.pos))

    # --- the picture's ids of the tables' codes (-1 when the picture lacks the code) ---

    @cached_property
    def picture_sku_of_vocab_sku(self) -> I64:
        return code_map(self.tables.vocab.skus.codes, self.picture.sku_codes)

    @cached_property
    def picture_warehouse_of_vocab_warehouse(self) -> I64:
        return code_map(self.tables.vocab.warehouses.codes, self.picture.warehouse_codes)

    @cached_property
    def picture_customer_of_vocab_customer(self) -> I64:
        return code_map(self.tables.vocab.customers.codes, self.picture.customer_codes)

    @cached_property
    def vocab_sku_of_picture_sku(self) -> I64:
        """For each sku id of the picture, its id in ``tables.vocab.skus``."""
        return code_map(self.picture.sku_codes, self.tables.vocab.skus.codes)

    @cached_property
    def vocab_warehouse_of_picture_warehouse(self) -> I64:
        """For each warehouse id of the picture, its id in ``tables.vocab.warehouses``."""
        return code_map(self.picture.warehouse_codes, self.tables.vocab.warehouses.codes)

    @cached_property
    def _pool_keys(self) -> I64:
        """One sorted key per picture pool (pools are sorted by warehouse, then sku)."""
        n_skus = max(len(self.picture.sku_codes), 1)
        keys: I64 = self.picture.pool_warehouse.astype(np.int64) * n_skus + self.picture.pool_sku
        return keys

    def pools_of(self, skus: I32 | I64, warehouses: I32 | I64) -> I64:
        """The picture pool of each (sku, warehouse) given as vocabulary ids, else -1.

        The reference ``analysis.pools`` has exactly the picture's pools, so -1 means
        "no pool in the analysis" (nothing short there).
        """
        sku = self.picture_sku_of_vocab_sku[skus]
        warehouse = self.picture_warehouse_of_vocab_warehouse[warehouses]
        keys = self._pool_keys
        wanted = warehouse * max(len(self.picture.sku_codes), 1) + sku
        position = np.minimum(np.searchsorted(keys, wanted), max(keys.shape[0] - 1, 0))
        found = (sku >= 0) & (warehouse >= 0)
        if keys.shape[0]:
            found &= keys[position] == wanted
        else:
            found[:] = False
        pools: I64 = np.where(found, position, -1)
        return pools

    # --- who and where: the reference context's phrases, by vocabulary id ---------------

    def company_of_warehouse(self, warehouse: int) -> str | None:
        """The company of the warehouse with vocabulary id ``warehouse`` (None: no row)."""
        row = int(self.warehouse_row[warehouse])
        if row < 0:
            return None
        return self.tables.vocab.companies.codes[int(self.tables.warehouses.company[row])]

    def tier_of(self, customer: int) -> Tier | None:
        """The tier of the customer with vocabulary id ``customer`` (None: no row)."""
        return self._tiers[customer]

    def customer_phrase(self, customer: int) -> str:
        """``C1 (Acme Contracting, strategic customer)``, as the reference context says it."""
        return self._customer_phrases[customer]

    @cached_property
    def _tiers(self) -> list[Tier | None]:
        """The tier of every vocabulary customer (None: no row), in one pass."""
        tiers = [TIERS[t] for t in self.tables.customers.tier.tolist()]
        return [tiers[row] if row >= 0 else None for row in self.customer_row.tolist()]

    @cached_property
    def _customer_phrases(self) -> list[str]:
        """The phrase of every vocabulary customer, in one pass (scans word thousands)."""
        names = self.tables.customers.name.tolist()
        phrases: list[str] = []
        for code, row, tier in zip(
            self.tables.vocab.customers.codes,
            self.customer_row.tolist(),
            self._tiers,
            strict=True,
        ):
            if row < 0:
                phrases.append(code)
                continue
            named = f"{names[row]}, " if names[row] else ""
            phrases.append(f"{code} ({named}{tier} customer)")
        return phrases

    @property
    def sole_company(self) -> str | None:
        """The business's company when it has only one (None: several, or none)."""
        codes = self.tables.vocab.companies.codes
        return codes[0] if len(codes) == 1 else None

    def entity_phrase(self, entity: str) -> str:
        """An entity key in words: ``supplier SUP-ACME (Acme Supplies)``, ``customer C1
        (Acme Contracting, key customer)``, ``product CBL-2X14 (Cable 2x14)``."""
        kind, _, code = entity.partition(":")
        vocab = self.tables.vocab
        if kind == "customer":
            found = vocab.customers.id_of(code)
            return f"customer {self.customer_phrase(found) if found is not None else code}"
        if kind == "supplier":
            found = vocab.suppliers.id_of(code)
            return f"supplier {self.supplier_phrase(found) if found is not None else code}"
        if kind == "product":
            found = vocab.skus.id_of(code)
            row = int(self.product_row[found]) if found is not None else -1
            name = self.tables.products.name[row] if row >= 0 else None
            return f"product {code} ({name})" if name else f"product {code}"
        return entity

    def supplier_phrase(self, supplier: int) -> str:
        """``SUP-ACME (Acme Supplies)``, or the bare code when it has no name."""
        code = self.tables.vocab.suppliers.codes[supplier]
        row = int(self.supplier_row[supplier])
        name = self.tables.suppliers.name[row] if row >= 0 else None
        return f"{code} ({name})" if name else code

    @cached_property
    def _company_of_picture_customer(self) -> I64:
        """Per picture customer: the one company its open orders are in, else -1."""
        picture = self.picture
        n_customers = len(picture.customer_codes)
        n_companies = max(len(picture.company_codes), 1)
        company = picture.warehouse_company[picture.order_warehouse].astype(np.int64)
        known = company >= 0
        keys = picture.order_customer[known].astype(np.int64) * n_companies + company[known]
        if n_customers * n_companies <= 4 * keys.shape[0] + 1_000_000:
            pairs = np.flatnonzero(np.bincount(keys, minlength=n_customers * n_companies))
        else:
            pairs = np.unique(keys)
        customers = pairs // n_companies
        single = np.bincount(customers, minlength=n_customers) == 1
        found: I64 = np.full(n_customers, -1, dtype=np.int64)
        found[customers] = pairs % n_companies
        found[~single] = -1
        return found

    def company_of_customer(self, customer: int) -> str | None:
        """The one company a customer's open orders belong to (or the only one there is).

        ``customer`` is a vocabulary id; as in the reference context.
        """
        companies = self.tables.vocab.companies.codes
        mapped = int(self.picture_customer_of_vocab_customer[customer])
        if mapped >= 0:
            company = int(self._company_of_picture_customer[mapped])
            if company >= 0:
                return self.picture.company_codes[company]
        return companies[0] if len(companies) == 1 else None

    def unit_cost_units(self, skus: I32 | I64, po_lines: I64 | None = None) -> I64:
        """In millionths, per item: the PO line's unit cost (row of
        ``tables.purchase_order_lines``, -1 for none), else the product's, else 0."""
        products = self.tables.products
        row = self.product_row[skus]
        known = row >= 0
        safe = np.where(known, row, 0)
        cost: I64 = np.where(
            known & products.unit_cost_given[safe], products.unit_cost[safe], 0
        ).astype(np.int64)
        if po_lines is not None:
            lines = self.tables.purchase_order_lines
            own = po_lines >= 0
            at = np.where(own, po_lines, 0)
            given = own & lines.unit_cost_given[at]
            cost = np.where(given, lines.unit_cost[at], cost)
        return cost

    # --- the tables' ids of the picture's codes ------------------------------------------

    @cached_property
    def vocab_customer_of_picture_customer(self) -> I64:
        """For each picture customer id, its id in ``tables.vocab.customers``."""
        return inverse_map(
            self.picture_customer_of_vocab_customer, len(self.picture.customer_codes)
        )

    @cached_property
    def vocab_order_of_picture_order(self) -> I64:
        """For each picture order, its id in ``tables.vocab.orders``.

        The picture's orders are the open orders with an open line, in code order, so two
        masks over the tables find them without looking up a few hundred thousand codes
        (the codes are looked up only if the tables are not the picture's).
        """
        orders, lines = self.tables.sales_orders, self.tables.sales_order_lines
        n = len(self.tables.vocab.orders)
        found = open_with_open_lines(
            n, orders.order[orders.status == OPEN], lines.order[lines.qty > lines.qty_shipped]
        )
        return checked_ids(found, self.tables.vocab.orders.codes, self.picture.order_ids)

    @cached_property
    def vocab_po_of_picture_po(self) -> I64:
        """For each picture PO id (a PO with a line still to receive), its id in
        ``tables.vocab.pos``; found like :attr:`vocab_order_of_picture_order`."""
        pos, lines = self.tables.purchase_orders, self.tables.purchase_order_lines
        n = len(self.tables.vocab.pos)
        found = open_with_open_lines(
            n, pos.po[pos.status == OPEN], lines.po[lines.qty > lines.qty_received]
        )
        return checked_ids(found, self.tables.vocab.pos.codes, self.picture.po_ids)

    @cached_property
    def picture_po_of_vocab_po(self) -> I64:
        """For each id of ``tables.vocab.pos``, its PO id in the picture, else -1."""
        mapping: I64 = np.full(len(self.tables.vocab.pos), -1, dtype=np.int64)
        picture_pos = self.vocab_po_of_picture_po
        mapping[picture_pos] = np.arange(picture_pos.shape[0], dtype=np.int64)
        return mapping

    @cached_property
    def po_line_row_of_inbound(self) -> I64:
        """For each picture inbound line, its row of ``tables.purchase_order_lines``.

        Inbound lines are the open lines of open POs sorted by (po_id, line); vocabulary
        ids sort as their codes do, so sorting those rows by (PO id, line) aligns them.
        """
        lines = self.tables.purchase_order_lines
        is_open = np.zeros(len(self.tables.vocab.pos), dtype=np.bool_)
        pos = self.tables.purchase_orders
        is_open[pos.po[pos.status == OPEN]] = True
        rows = np.flatnonzero(is_open[lines.po] & (lines.qty > lines.qty_received))
        key = lines.po[rows].astype(np.int64) * (int(lines.line.max(initial=0)) + 1)
        key += lines.line[rows]
        if rows.shape[0] > 1 and not bool(np.all(key[1:] > key[:-1])):
            rows = rows[np.argsort(key, kind="stable")]
        if rows.shape[0] != self.picture.inbound_po.shape[0]:
            raise ValueError("the tables are not the ones the picture was made from")
        return rows

    # --- pegs: what each line takes from quality-held stock and open POs ----------------

    @cached_property
    def peg_owner(self) -> I64:
        """For each peg (an index of ``result.peg_*``), the picture line that took it."""
        owner: I64 = np.empty(self.result.peg_qty.shape[0], dtype=np.int64)
        lines, positions = self._pegs_by_line
        owner[positions] = lines
        return owner

    @cached_property
    def pegs_in_analysis_order(self) -> I64:
        """Every peg, line after line (line id order) and in the order each line took
        them: the order the reference analysis lists them."""
        return self._pegs_by_line[1]

    @cached_property
    def _pegs_by_line(self) -> tuple[I64, I64]:
        """(owner line, peg index) of every peg, in analysis order."""
        count = self.result.line_peg_count
        owners = np.flatnonzero(count > 0)
        positions = spans(self.result.line_peg_first[owners], count[owners])
        return np.repeat(owners, count[owners]), positions

    @cached_property
    def inbound_pegs_by_po(self) -> Groups:
        """The pegs on open PO lines, grouped by picture PO id, each PO's in analysis
        order (the reference ``pegs_on``)."""
        pegs = self.pegs_in_analysis_order
        pegs = pegs[self.result.peg_kind[pegs] == SOURCE_INBOUND]
        po = self.picture.inbound_po[self.result.peg_inbound[pegs]]
        order = np.argsort(po, kind="stable")
        counts = np.bincount(po, minlength=len(self.picture.po_ids)).astype(np.int64)
        return Groups(pegs[order], starts_of(counts))

    # --- customers: tiers and credit ---------------------------------------------------

    @cached_property
    def customer_tier_rank(self) -> I64:
        """For each id of ``tables.vocab.customers``, its tier's rank, else ``len(TIERS)``."""
        rank: I64 = np.full(len(self.tables.vocab.customers), len(TIERS), dtype=np.int64)
        known = self.customer_row >= 0
        rank[known] = self.tables.customers.tier[self.customer_row[known]]
        return rank

    def top_tier(self, customers: I32 | I64) -> Tier | None:
        """The most important tier among ``customers`` (vocabulary ids), None if none known."""
        best = int(self.customer_tier_rank[customers].min(initial=len(TIERS)))
        return TIERS[best] if best < len(TIERS) else None

    @cached_property
    def _overdue_invoices(self) -> dict[int, list[OverdueInvoice]]:
        return overdue_invoices_by_customer(self.result)

    def credit_assessment(self, customer: int) -> CreditAssessment:
        """The credit position of picture customer ``customer``, as the kernel's
        ``to_analysis`` states it (overdue invoices most overdue first)."""
        return credit_assessment(self.result, customer, self._overdue_invoices.get(customer, ()))

    # --- codes in bulk ----------------------------------------------------------------

    @cached_property
    def _code_arrays(self) -> dict[int, tuple[Sequence[str], Texts]]:
        return {}

    def code_array(self, codes: Sequence[str]) -> Texts:
        """``codes`` (a code table of the picture or the tables) as a numpy object array,
        made once per table, so that many ids become codes with one gather."""
        kept = self._code_arrays.get(id(codes))
        if kept is None or kept[0] is not codes:
            array: Texts = np.empty(len(codes), dtype=object)
            array[:] = codes
            kept = self._code_arrays[id(codes)] = (codes, array)
        return kept[1]

    @cached_property
    def _order_subjects(self) -> dict[str, str]:
        return {}

    def order_subject(self, order_id: str) -> str:
        """The subject of order ``order_id`` (``detectors.base.order_subject``), one text
        per order for the whole run: many findings name the same orders (a late PO's,
        a short pool's, each order's own), and on a crisis day their copies took some
        70 MB at the scan's peak."""
        found = self._order_subjects.get(order_id)
        if found is None:
            found = self._order_subjects[order_id] = order_subject(order_id)
        return found

    # --- orders: the explanation, next steps, cause and entities of an order's finding ---

    @cached_property
    def order_stories(self) -> OrderStoryBook:
        """What order findings say about each order, built in bulk and kept per order."""
        from controltower.detectors.columnar.order_stories import OrderStoryBook

        return OrderStoryBook(self)

    def let_go(self) -> None:
        """Drop the order stories, which only the detectors before the recurring one
        read (:func:`run_columnar_detectors` calls this before that one runs): a
        quarter of a gigabyte on a crisis day, and a cycle back to this context that,
        with the cyclic collector paused for a large scan, would keep every story and
        cached array alive until the scan ends. Asked for again, they are built again."""
        self.__dict__.pop("order_stories", None)


def rows_by_code(codes: I32, size: int) -> I64:
    """For each of ``size`` code ids, the row of ``codes`` holding it, else -1.

    Keys are unique in any picture the reference engine accepts.
    """
    rows: I64 = np.full(size, -1, dtype=np.int64)
    rows[codes] = np.arange(codes.shape[0], dtype=np.int64)
    return rows


def code_map(codes: Sequence[str], into: Sequence[str]) -> I64:
    """For each code of ``codes``, its position in ``into``, else -1."""
    if len(codes) == len(into) and codes == into:  # the same vocabulary: no look-ups
        return np.arange(len(codes), dtype=np.int64)
    position = {code: i for i, code in enumerate(into)}
    return np.fromiter((position.get(c, -1) for c in codes), dtype=np.int64, count=len(codes))


def inverse_map(mapping: I64, size: int) -> I64:
    """The inverse of an id map with -1 for "absent": for each of ``size`` target ids,
    the source id mapped to it, else -1."""
    inverse: I64 = np.full(size, -1, dtype=np.int64)
    present = np.flatnonzero(mapping >= 0)
    inverse[mapping[present]] = present
    return inverse


def open_with_open_lines(size: int, open_ids: I32, ids_of_open_lines: I32) -> I64:
    """The ids (below ``size``) of open headers with at least one open line, ascending."""
    is_open = np.zeros(size, dtype=np.bool_)
    is_open[open_ids] = True
    has_line = np.zeros(size, dtype=np.bool_)
    has_line[ids_of_open_lines] = True
    return np.flatnonzero(is_open & has_line)


def checked_ids(found: I64, codes: Sequence[str], wanted: Sequence[str]) -> I64:
    """``found`` when it names exactly the codes ``wanted`` (checked by count and ends),
    else the ids of ``wanted`` looked up one by one."""
    n = found.shape[0]
    if n == len(wanted) and (
        n == 0 or (codes[int(found[0])] == wanted[0] and codes[int(found[-1])] == wanted[-1])
    ):
        return found
    ids = code_map(wanted, codes)
    if bool(np.any(ids < 0)):
        raise ValueError("the tables are not the ones the picture was made from")
    return ids


def starts_of(counts: I64) -> I64:
    """Group starts from group sizes: group ``k`` is ``[start[k], start[k + 1])``."""
    start: I64 = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    return start


def spans(first: I64, count: I64) -> I64:
    """``first[i], first[i] + 1, ..., first[i] + count[i] - 1`` for every i, concatenated."""
    offsets = starts_of(count)
    found: I64 = np.repeat(first - offsets[:-1], count) + np.arange(
        int(offsets[-1]), dtype=np.int64
    )
    return found


@dataclass(frozen=True, slots=True)
class Groups:
    """Indices grouped by a key: group ``k`` owns ``members[start[k]:start[k + 1]]``."""

    members: I64
    start: I64

    def of(self, k: int) -> I64:
        members: I64 = self.members[int(self.start[k]) : int(self.start[k + 1])]
        return members
