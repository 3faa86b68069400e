"""Purchase orders and goods receipts, driven by each supplier's hidden profile.

Open POs replenish pools that dipped below their reorder point and cover pools whose
orders wait on inbound supply. A supplier's profile decides how its POs behave: a late
supplier's POs run past their expected date (some re-dated line by line, "slipping"),
a slow confirmer's stay unconfirmed, a damage-prone one's receipts arrive damaged.
History POs (done or cancelled) with their receipts record the same behaviour over
the past weeks, which is what vendor scorecards measure.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Final

import numpy as np

from controltower.demo.assortment import ProductRange
from controltower.demo.convert import NO_DAY
from controltower.demo.demand import CANCELLED, DONE, OPEN
from controltower.demo.parties import SupplierBook
from controltower.demo.stock import REPLENISHING, TIGHT, StockPlan

#: mean lines per purchase order
_LINES_PER_PO: Final = 4.0
#: share of open PO lines that carry their own (re-planned) expected date
_LINE_DATE_RATE: Final = 0.12
#: share of open PO lines due within three days that have partly arrived
_PART_RECEIVED_RATE: Final = 0.12
#: an open PO is past its expected date this many times as often as its supplier is late
#: (open POs are a snapshot: most late deliveries have arrived by now)
_OPEN_LATE_FACTOR: Final = 0.8
#: an unconfirmed late PO is this many times as likely never to be confirmed
_LATE_UNCONFIRMED_FACTOR: Final = 1.3
#: share of PO lines whose unit cost differs from the product's
_COST_CHANGE_RATE: Final = 0.10
#: chance a receipt is still waiting to be put away: of the last two days, and of the
#: three days before (the ones that got stuck)
_NOT_PUT_AWAY_RECENT: Final = 0.3
_NOT_PUT_AWAY_STUCK: Final = 0.08


@dataclass(slots=True)
class PurchaseTable:
    """PO headers; days are offsets from the as-of date, ``NO_DAY`` for none."""

    supplier: np.ndarray
    warehouse: np.ndarray
    order_day: np.ndarray
    expected_day: np.ndarray
    confirmed_day: np.ndarray
    status: np.ndarray
    buyer: np.ndarray

    @property
    def size(self) -> int:
        return int(self.supplier.size)


@dataclass(slots=True)
class PurchaseLineTable:
    """PO lines; quantities in tenths, cost in pence."""

    po: np.ndarray
    sku: np.ndarray
    qty: np.ndarray
    received: np.ndarray
    expected_day: np.ndarray
    unit_cost: np.ndarray

    @property
    def size(self) -> int:
        return int(self.po.size)


@dataclass(slots=True)
class ReceiptTable:
    """Goods receipts against PO lines (``line`` indexes the line table)."""

    line: np.ndarray
    received_day: np.ndarray
    qty: np.ndarray
    damaged: np.ndarray
    put_away: np.ndarray

    @property
    def size(self) -> int:
        return int(self.line.size)


@dataclass(frozen=True, slots=True)
class Purchasing:
    orders: PurchaseTable
    lines: PurchaseLineTable
    receipts: ReceiptTable

    def extended(self, other: Purchasing) -> Purchasing:
        """``other``'s POs after these, its references shifted to match."""

        def joined(
            a: PurchaseTable | PurchaseLineTable | ReceiptTable,
            b: PurchaseTable | PurchaseLineTable | ReceiptTable,
            shifts: dict[str, int],
        ) -> dict[str, np.ndarray]:
            columns = {}
            for f in fields(a):
                tail = getattr(b, f.name)
                if f.name in shifts:
                    tail = tail + shifts[f.name]
                columns[f.name] = np.concatenate([getattr(a, f.name), tail])
            return columns

        return Purchasing(
            PurchaseTable(**joined(self.orders, other.orders, {})),
            PurchaseLineTable(**joined(self.lines, other.lines, {"po": self.orders.size})),
            ReceiptTable(**joined(self.receipts, other.receipts, {"line": self.lines.size})),
        )


def _group_into_orders(
    rng: np.random.Generator, supplier: np.ndarray, warehouse: np.ndarray, warehouses: int
) -> tuple[np.ndarray, np.ndarray]:
    """(line order, PO of each sorted line): lines of one supplier and warehouse are cut
    into POs of about four lines."""
    group = supplier * warehouses + warehouse
    order = np.lexsort((rng.random(group.size), group))
    grouped = group[order]
    starts = np.r_[True, grouped[1:] != grouped[:-1]] | (rng.random(group.size) < 1 / _LINES_PER_PO)
    return order, np.cumsum(starts) - 1


def _costs(rng: np.random.Generator, products: ProductRange, sku: np.ndarray) -> np.ndarray:
    """Unit cost (pence) on each PO line: the product's, now and then renegotiated."""
    cost = products.unit_cost[sku].astype(float)
    renegotiated = rng.random(sku.size) < _COST_CHANGE_RATE
    changes = int(renegotiated.sum())
    cost[renegotiated] *= 1.0 + rng.choice([-1.0, 1.0], size=changes) * rng.uniform(
        0.02, 0.08, size=changes
    )
    return np.asarray(np.maximum(1, np.round(cost)).astype(np.int64))


def _confirmations(
    rng: np.random.Generator,
    suppliers: SupplierBook,
    who: np.ndarray,
    order_day: np.ndarray,
    never_factor: np.ndarray,
) -> np.ndarray:
    latency = rng.geometric(1.0 / (suppliers.confirm_days[who] + 1.0)) - 1
    confirmed = order_day + latency
    never = rng.random(who.size) < np.minimum(0.95, suppliers.unconfirmed_rate[who] * never_factor)
    return np.asarray(np.where(never | (confirmed > 0), NO_DAY, confirmed))


def _buyers(suppliers: SupplierBook, who: np.ndarray, buyers: int) -> np.ndarray:
    return np.asarray(suppliers.specialty[who] % buyers)


@dataclass(frozen=True, slots=True)
class LinesToOrder:
    """The open PO lines a business needs: (sku, warehouse, qty in tenths), and which
    of them cover an order book (those are kept whole: no part has arrived)."""

    sku: np.ndarray
    warehouse: np.ndarray
    qty: np.ndarray
    covering: np.ndarray


def lines_to_order(
    rng: np.random.Generator, products: ProductRange, demand: np.ndarray, stock: StockPlan
) -> LinesToOrder:
    """A PO line for every pool that waits on inbound (its shortfall plus a reorder) and
    for every pool being replenished (a reorder quantity, give or take)."""
    tight_sku, tight_wh = np.nonzero(stock.situation == TIGHT)
    refill_sku, refill_wh = np.nonzero(stock.situation == REPLENISHING)
    sku = np.concatenate([tight_sku, refill_sku])
    warehouse = np.concatenate([tight_wh, refill_wh])
    step = products.qty_step()[sku]
    reorder = np.ceil(products.order_quantity()[sku] * rng.uniform(0.5, 1.5, sku.size) / step)
    shortfall = demand[tight_sku, tight_wh] - stock.on_hand[tight_sku, tight_wh]
    qty = np.concatenate([shortfall, np.zeros(refill_sku.size, dtype=np.int64)])
    covering = np.r_[np.ones(tight_sku.size, dtype=bool), np.zeros(refill_sku.size, dtype=bool)]
    return LinesToOrder(sku, warehouse, qty + reorder.astype(np.int64) * step, covering)


def place_open_orders(
    rng: np.random.Generator,
    products: ProductRange,
    suppliers: SupplierBook,
    to_order: LinesToOrder,
    warehouses: int,
    buyers: int,
) -> Purchasing:
    """Open POs carrying exactly the lines ``to_order``, dated by each supplier's profile.

    Lines covering an order book are never partly received, so what the book waits for
    is what is still to come.
    """
    sku, warehouse, qty = to_order.sku, to_order.warehouse, to_order.qty
    receivable = ~to_order.covering
    supplier_of_line = products.supplier[sku]
    order, po = _group_into_orders(rng, supplier_of_line, warehouse, warehouses)
    sku, warehouse, qty, receivable = sku[order], warehouse[order], qty[order], receivable[order]
    first = np.flatnonzero(np.r_[True, po[1:] != po[:-1]])
    who = supplier_of_line[order][first]
    n = who.size

    lead = suppliers.effective_lead_days()[who]
    late = rng.random(n) < np.minimum(0.9, suppliers.late_rate[who] * _OPEN_LATE_FACTOR)
    overdue_by = rng.integers(1, np.maximum(2, np.round(2 * suppliers.mean_delay_days[who])) + 1)
    order_day = np.where(
        late,
        -overdue_by - lead - rng.integers(0, 4, size=n),
        -rng.integers(0, lead + 4),
    )
    expected = np.where(late, -overdue_by, order_day + lead + rng.integers(0, 4, size=n))
    # a PO on track whose date has passed was re-planned by the buyer to the next days
    replanned = ~late & (expected < 0)
    expected[replanned] = rng.integers(0, 4, size=int(replanned.sum()))
    confirmed = _confirmations(
        rng, suppliers, who, order_day, np.where(late, _LATE_UNCONFIRMED_FACTOR, 1.0)
    )
    headers = PurchaseTable(
        supplier=who,
        warehouse=warehouse[first],
        order_day=order_day,
        expected_day=expected,
        confirmed_day=confirmed,
        status=np.full(n, OPEN),
        buyer=_buyers(suppliers, who, buyers),
    )

    line_expected = np.full(sku.size, NO_DAY, dtype=np.int64)
    own_date = rng.random(sku.size) < _LINE_DATE_RATE
    slipped = expected[po] + rng.integers(3, 15, size=sku.size)
    moved = np.maximum(order_day[po] + 1, expected[po] + rng.integers(-2, 9, size=sku.size))
    line_expected[own_date] = np.where(late[po], slipped, moved)[own_date]

    step = products.qty_step()[sku]
    due_soon = np.where(line_expected != NO_DAY, line_expected, expected[po]) <= 3
    partly = (
        receivable & due_soon & (qty >= 2 * step) & (rng.random(sku.size) < _PART_RECEIVED_RATE)
    )
    received = np.zeros(sku.size, dtype=np.int64)
    part = (np.floor(qty * rng.uniform(0.2, 0.8, size=sku.size) / step) * step).astype(np.int64)
    received[partly] = np.clip(part, step, qty - step)[partly]
    lines = PurchaseLineTable(po, sku, qty, received, line_expected, _costs(rng, products, sku))

    rows = np.flatnonzero(partly)
    earliest = np.minimum(np.maximum(order_day[po[rows]] + 1, expected[po[rows]] - 4), 0)
    receipts = _receipts_for(
        rng, products, suppliers, lines, headers, rows, earliest, np.zeros_like(rows), 0
    )
    return Purchasing(headers, lines, receipts)


def _receipts_for(
    rng: np.random.Generator,
    products: ProductRange,
    suppliers: SupplierBook,
    lines: PurchaseLineTable,
    headers: PurchaseTable,
    rows: np.ndarray,
    earliest: np.ndarray,
    latest: np.ndarray,
    last_day: int,
) -> ReceiptTable:
    """One receipt per line in ``rows`` adding up to what it received, on a day between
    ``earliest`` and ``latest``. Late suppliers split deliveries more often (as often as
    they are late): the rest arrives up to five days later, not after ``last_day``."""
    step = products.qty_step()[lines.sku[rows]]
    total = lines.received[rows]
    split_rate = np.minimum(0.5, suppliers.late_rate[headers.supplier[lines.po[rows]]])
    split = (total >= 2 * step) & (rng.random(rows.size) < split_rate)
    first_qty = np.where(
        split,
        np.clip(
            (np.floor(total * rng.uniform(0.3, 0.7, rows.size) / step) * step).astype(np.int64),
            step,
            total - step,
        ),
        total,
    )
    day = rng.integers(earliest, np.maximum(earliest, latest) + 1)
    second_day = np.minimum(last_day, day + rng.integers(1, 6, size=rows.size))
    line = np.concatenate([rows, rows[split]])
    qty = np.concatenate([first_qty, (total - first_qty)[split]])
    received_day = np.concatenate([day, np.maximum(day, second_day)[split]])

    who = headers.supplier[lines.po[line]]
    all_step = products.qty_step()[lines.sku[line]]
    damaged = np.zeros(line.size, dtype=np.int64)
    hit = rng.random(line.size) < suppliers.damage_rate[who]
    share = rng.uniform(0.02, 0.25, size=line.size)
    damaged_qty = np.minimum(qty, np.ceil(qty * share / all_step).astype(np.int64) * all_step)
    damaged[hit] = damaged_qty[hit]
    chance = np.where(
        received_day >= -1,
        _NOT_PUT_AWAY_RECENT,
        np.where(received_day >= -4, _NOT_PUT_AWAY_STUCK, 0.0),
    )
    put_away = rng.random(line.size) >= chance
    return ReceiptTable(line, received_day, qty, damaged, put_away)


def place_history_orders(
    rng: np.random.Generator,
    products: ProductRange,
    suppliers: SupplierBook,
    line_count: int,
    history_days: int,
    warehouses: int,
    buyers: int,
) -> Purchasing:
    """Done and cancelled POs of the past ``history_days``, with the receipts of the done."""
    sku_pool, warehouse_pool = np.nonzero(products.stocked)
    weight = products.popularity[sku_pool]
    pick = rng.choice(sku_pool.size, size=line_count, p=weight / weight.sum())
    sku, warehouse = sku_pool[pick], warehouse_pool[pick]
    supplier_of_line = products.supplier[sku]
    order, po = _group_into_orders(rng, supplier_of_line, warehouse, warehouses)
    sku, warehouse = sku[order], warehouse[order]
    first = np.flatnonzero(np.r_[True, po[1:] != po[:-1]])
    who = supplier_of_line[order][first]
    n = who.size

    lead = suppliers.effective_lead_days()[who]
    order_day = -rng.integers(lead + 3, np.maximum(lead + 4, history_days + 1))
    expected = order_day + lead
    status = np.where(rng.random(n) < 0.95, DONE, CANCELLED)
    confirmed = _confirmations(rng, suppliers, who, order_day, np.full(n, 0.5))
    headers = PurchaseTable(
        supplier=who,
        warehouse=warehouse[first],
        order_day=order_day,
        expected_day=expected,
        confirmed_day=confirmed,
        status=status,
        buyer=_buyers(suppliers, who, buyers),
    )

    step = products.qty_step()[sku]
    qty = np.maximum(
        step,
        (
            np.ceil(products.order_quantity()[sku] * rng.uniform(0.8, 1.6, sku.size) / step) * step
        ).astype(np.int64),
    )
    done = status[po] == DONE
    short = done & (rng.random(sku.size) < 0.03) & (qty >= 2 * step)
    received = np.where(done, qty, 0)
    cut = (np.floor(qty * rng.uniform(0.5, 0.95, sku.size) / step) * step).astype(np.int64)
    received[short] = np.clip(cut, step, qty - step)[short]
    lines = PurchaseLineTable(
        po,
        sku,
        qty,
        received,
        np.full(sku.size, NO_DAY, dtype=np.int64),
        _costs(rng, products, sku),
    )

    rows = np.flatnonzero(done)
    late = rng.random(rows.size) < suppliers.late_rate[who[po[rows]]]
    delay = np.where(
        late,
        rng.integers(1, np.maximum(2, np.round(2 * suppliers.mean_delay_days[who[po[rows]]])) + 1),
        rng.integers(-2, 1, size=rows.size),
    )
    arrival = np.clip(expected[po[rows]] + delay, order_day[po[rows]] + 1, -1)
    receipts = _receipts_for(
        rng, products, suppliers, lines, headers, rows, arrival, arrival, last_day=-1
    )
    return Purchasing(headers, lines, receipts)
