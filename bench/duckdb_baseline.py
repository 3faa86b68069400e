"""The allocation rules written as SQL for DuckDB: the baseline the kernel is measured against.

This is how a skilled analyst would compute ``allocation.md`` in a columnar database:

* demand priority and reservations with window running sums per pool;
* the supply list of each pool (stock left, quality-held stock, inbound lines) ordered by
  availability with a running sum, and pegs found by an **interval-overlap join**
  between each line's need interval and the source intervals of its pool (an equality
  join on the pool plus two inequalities; laying the pools end to end to make it a
  pure range join, which DuckDB runs as an IEJoin, was measured slower on the demo
  business, whose pools have few sources each);
* warehouse capacity as a first-come-first-served queue per warehouse: cumulative
  arrivals per day on a day grid, lines served by each day as a running minimum
  (``S(t) = min over s <= t+1 of A(s-1) + C (t - s + 1)``), and each line's day found by
  an ASOF join of its rank in the queue;
* orders, credit and transfer alternatives with ``GROUP BY`` and joins.

Quantities are BIGINT millionths (the kernel's fixed point); money products are
HUGEINT so they cannot overflow. Dates are day numbers (``date.toordinal()``).

Two ways in: :func:`load_picture` copies a columnar picture into DuckDB tables (the
like-for-like comparison with the kernel: both start from data in memory), and
:func:`load_csv` reads a dataset folder with DuckDB's CSV reader (the end-to-end
comparison with ``controltower scan``). Then :func:`run_rules` computes everything and
:func:`fetch_result` brings the results back as numpy arrays for the equality check.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt

from controltower.domain.analysis import AllocationPolicy
from controltower.domain.columnar import NULL_DAY, ColumnarPicture
from controltower.domain.kernel import ColumnarAnalysis

Array = npt.NDArray[np.generic]

#: ``date.toordinal()`` of 1970-01-01: DuckDB's epoch day 0
_ORDINAL_OF_EPOCH = 719163


def connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB (all cores unless ``threads`` is given)."""
    con = duckdb.connect(":memory:")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    return con


# --------------------------------------------------------------------------- loading


def load_picture(con: duckdb.DuckDBPyConnection, picture: ColumnarPicture) -> None:
    """Create the input tables from a columnar picture (ids instead of codes).

    Id order is code order in the picture, so ordering by ``order_id`` or ``po_id`` here
    orders by code exactly as the rules say.
    """
    order = picture.line_order
    tables: dict[str, dict[str, Array]] = {
        "lines": {
            "line_id": np.arange(picture.n_lines, dtype=np.int64),
            "order_id": order.astype(np.int64),
            "line_no": picture.line_number,
            "sku": picture.line_sku,
            "wh": picture.order_warehouse[order],
            "customer": picture.order_customer[order],
            "open_qty": picture.line_open_qty,
            "reserved": picture.line_reserved,
            "price": picture.line_unit_price,
            "expedite": picture.order_expedite[order],
            "promised": picture.order_promised[order],
            "tier": picture.customer_tier[picture.order_customer][order],
            "order_date": picture.order_date[order],
        },
        "stock": {
            "sku": picture.pool_sku,
            "wh": picture.pool_warehouse,
            "on_hand": picture.pool_on_hand,
            "quality_hold": picture.pool_quality_hold,
        },
        "inbound": {
            "inbound_id": np.arange(picture.inbound_pool.shape[0], dtype=np.int64),
            "po_id": picture.inbound_po.astype(np.int64),
            "po_line": picture.inbound_line,
            "sku": picture.pool_sku[picture.inbound_pool],
            "wh": picture.pool_warehouse[picture.inbound_pool],
            "open_qty": picture.inbound_open_qty,
            "expected": picture.inbound_expected,
        },
        "warehouses": {
            "wh": np.arange(len(picture.warehouse_codes), dtype=np.int32),
            "capacity": picture.warehouse_capacity,
            "known": picture.warehouse_known,
            "company": picture.warehouse_company,
        },
        "customers": {
            "customer": np.arange(len(picture.customer_codes), dtype=np.int32),
            "credit_hold": picture.customer_credit_hold,
            "has_limit": picture.customer_has_limit,
            "credit_limit": picture.customer_credit_limit,
        },
        "invoices": {
            "customer": picture.invoice_customer,
            "residual": picture.invoice_residual,
            "due": picture.invoice_due,
        },
        "lanes": {
            "from_wh": picture.lane_from,
            "to_wh": picture.lane_to,
            "transit": picture.lane_transit_days,
        },
    }
    for name, columns in tables.items():
        con.register(f"{name}_src", columns)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_src")
        con.unregister(f"{name}_src")


def _csv(folder: Path, name: str) -> str:
    path = str(folder / name).replace("'", "''")
    return f"read_csv('{path}', header = true, all_varchar = true)"


def load_csv(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Create the input tables from a dataset folder of CSV files (``docs/dataset-format.md``).

    Codes stay strings (DuckDB orders them by code point, like the rules); quantities
    become BIGINT millionths; dates day numbers. The folder is assumed valid (the
    product's reader is what validates a dataset).
    """

    def qty(column: str, default: str = "0") -> str:
        return f"CAST(CAST(coalesce(nullif(trim({column}), ''), '{default}') AS DECIMAL(38, 6)) * 1000000 AS BIGINT)"

    def day(column: str) -> str:
        return f"(CAST(CAST(trim({column}) AS DATE) - DATE '1970-01-01' AS INTEGER) + {_ORDINAL_OF_EPOCH})"

    def flag(column: str) -> str:
        return f"coalesce(lower(trim({column})) IN ('true', '1', 'yes'), false)"

    def status_open(column: str) -> str:
        return f"coalesce(nullif(lower(trim({column})), ''), 'open') = 'open'"

    statements = [
        f"""CREATE OR REPLACE TABLE warehouses AS
            SELECT trim(code) AS wh,
                   CAST(coalesce(nullif(trim(pick_capacity_lines_per_day), ''), '0') AS BIGINT) AS capacity,
                   true AS known,
                   coalesce(nullif(trim(company), ''), 'main') AS company
            FROM {_csv(folder, "warehouses.csv")}""",
        f"""CREATE OR REPLACE TABLE customers AS
            SELECT trim(code) AS customer, {flag("credit_hold")} AS credit_hold,
                   nullif(trim(credit_limit), '') IS NOT NULL AS has_limit,
                   {qty("credit_limit")} AS credit_limit,
                   CASE coalesce(nullif(lower(trim(tier)), ''), 'standard')
                        WHEN 'strategic' THEN 0 WHEN 'key' THEN 1 ELSE 2 END AS tier
            FROM {_csv(folder, "customers.csv")}""",
        f"""CREATE OR REPLACE TABLE products AS
            SELECT trim(sku) AS sku, nullif(trim(list_price), '') AS list_price
            FROM {_csv(folder, "products.csv")}""",
        f"""CREATE OR REPLACE TABLE stock AS
            SELECT trim(sku) AS sku, trim(warehouse) AS wh, {qty("on_hand")} AS on_hand,
                   {qty("quality_hold")} AS quality_hold
            FROM {_csv(folder, "stock.csv")}""",
        f"""CREATE OR REPLACE TABLE lines AS
            WITH o AS (
                SELECT trim(order_id) AS order_id, trim(customer) AS customer,
                       trim(warehouse) AS wh, {day("order_date")} AS order_date,
                       {day("promised_date")} AS promised, {flag("expedite")} AS expedite
                FROM {_csv(folder, "sales_orders.csv")} WHERE {status_open("status")}
            ), l AS (
                SELECT trim(order_id) AS order_id, CAST(trim(line) AS BIGINT) AS line_no,
                       trim(sku) AS sku,
                       {qty("qty")} - {qty("qty_shipped")} AS open_qty,
                       {qty("qty_reserved")} AS reserved,
                       nullif(trim(unit_price), '') AS unit_price
                FROM {_csv(folder, "sales_order_lines.csv")}
            )
            SELECT row_number() OVER (ORDER BY l.order_id, l.line_no) - 1 AS line_id,
                   l.order_id, l.line_no, l.sku, o.wh, o.customer, l.open_qty, l.reserved,
                   CAST(CAST(coalesce(l.unit_price, p.list_price, '0') AS DECIMAL(38, 6))
                        * 1000000 AS BIGINT) AS price,
                   o.expedite, o.promised, coalesce(c.tier, 2) AS tier, o.order_date
            FROM l JOIN o USING (order_id)
            LEFT JOIN products p USING (sku)
            LEFT JOIN customers c USING (customer)
            WHERE l.open_qty > 0""",
        f"""CREATE OR REPLACE TABLE inbound AS
            WITH po AS (
                SELECT trim(po_id) AS po_id, trim(warehouse) AS wh,
                       {day("expected_date")} AS expected
                FROM {_csv(folder, "purchase_orders.csv")} WHERE {status_open("status")}
            )
            SELECT row_number() OVER (ORDER BY l.po_id, l.po_line) - 1 AS inbound_id, l.*
            FROM (
                SELECT trim(pl.po_id) AS po_id, CAST(trim(pl.line) AS BIGINT) AS po_line,
                       trim(pl.sku) AS sku, po.wh,
                       {qty("pl.qty")} - {qty("pl.qty_received")} AS open_qty,
                       coalesce(CASE WHEN nullif(trim(pl.expected_date), '') IS NOT NULL
                                     THEN {day("pl.expected_date")} END, po.expected) AS expected
                FROM {_csv(folder, "purchase_order_lines.csv")} pl JOIN po ON trim(pl.po_id) = po.po_id
            ) l
            WHERE l.open_qty > 0""",
        f"""CREATE OR REPLACE TABLE invoices AS
            SELECT trim(customer) AS customer, {qty("amount_residual")} AS residual,
                   {day("due_date")} AS due
            FROM {_csv(folder, "invoices.csv")}""",
        f"""CREATE OR REPLACE TABLE lanes AS
            SELECT trim(from_warehouse) AS from_wh, trim(to_warehouse) AS to_wh,
                   CAST(trim(transit_days) AS INTEGER) AS transit
            FROM {_csv(folder, "transfer_lanes.csv")}""",
    ]
    for statement in statements:
        con.execute(statement)


# ------------------------------------------------------------------------- the rules


def rule_statements(as_of_day: int, policy: AllocationPolicy) -> list[str]:
    """The SQL of ``allocation.md``, statement by statement (each creates one table)."""
    d = int(as_of_day)
    held_day = d + int(policy.quality_release_days)
    handling = int(policy.receipt_handling_days)
    overdue = int(policy.overdue_days_block)
    priority = "expedite DESC, promised, tier, order_date, order_id, line_no"
    return [
        # Demand priority within each pool, and reservations as a running sum.
        f"""CREATE OR REPLACE TEMP TABLE demand AS
            SELECT l.*,
                   coalesce(greatest(s.on_hand - s.quality_hold, 0), 0) AS physical,
                   least(l.reserved, l.open_qty) AS reservable,
                   sum(least(l.reserved, l.open_qty)) OVER (
                       PARTITION BY l.sku, l.wh ORDER BY {priority}
                       ROWS UNBOUNDED PRECEDING) AS cum_reservable,
                   row_number() OVER (PARTITION BY l.sku, l.wh ORDER BY {priority}) AS prio
            FROM lines l LEFT JOIN stock s ON s.sku = l.sku AND s.wh = l.wh""",
        # What each line still needs after reservations, as a running sum per pool.
        """CREATE OR REPLACE TEMP TABLE needs AS
           SELECT *, open_qty - reserved_qty AS need,
                  sum(open_qty - reserved_qty) OVER (
                      PARTITION BY sku, wh ORDER BY prio ROWS UNBOUNDED PRECEDING) AS need_end
           FROM (SELECT *, least(cum_reservable, physical)
                           - least(cum_reservable - reservable, physical) AS reserved_qty
                 FROM demand)""",
        # The supply list of every pool, in availability order, with a running sum.
        f"""CREATE OR REPLACE TEMP TABLE sources AS
            WITH pool_stock AS (
                SELECT s.sku, s.wh, greatest(s.on_hand - s.quality_hold, 0)
                       - least(coalesce(r.reserved, 0), greatest(s.on_hand - s.quality_hold, 0))
                       AS stock_left
                FROM stock s LEFT JOIN (
                    SELECT sku, wh, sum(reserved_qty) AS reserved FROM needs GROUP BY sku, wh
                ) r ON r.sku = s.sku AND r.wh = s.wh
            ), listed AS (
                SELECT sku, wh, 0 AS kind, {d} AS day, NULL::BIGINT AS inbound_id,
                       NULL AS po_id, NULL::BIGINT AS po_line, stock_left AS qty
                FROM pool_stock WHERE stock_left > 0
                UNION ALL
                SELECT sku, wh, 1, {held_day}, NULL, NULL, NULL, quality_hold
                FROM stock WHERE quality_hold > 0
                UNION ALL
                SELECT sku, wh, 2, greatest(expected, {d}) + {handling}, inbound_id, po_id,
                       po_line, open_qty
                FROM inbound
            )
            SELECT *, sum(qty) OVER (
                          PARTITION BY sku, wh ORDER BY day, kind, po_id, po_line
                          ROWS UNBOUNDED PRECEDING) AS supply_end
            FROM listed""",
        # Pegs: the overlap of each line's need interval with each source's interval.
        """CREATE OR REPLACE TEMP TABLE pegs AS
           SELECT n.line_id, s.sku, s.wh, s.kind, s.inbound_id, s.day,
                  s.supply_end - s.qty AS source_lo,
                  CAST(least(n.need_end, s.supply_end)
                       - greatest(n.need_end - n.need, s.supply_end - s.qty) AS BIGINT) AS qty
           FROM needs n JOIN sources s
             ON s.sku = n.sku AND s.wh = n.wh
            AND s.supply_end - s.qty < n.need_end AND s.supply_end > n.need_end - n.need
           WHERE n.need > 0""",
        # Per line: stock taken, shortage, and the day its pegs make it ready.
        f"""CREATE OR REPLACE TEMP TABLE line_supply AS
            SELECT n.line_id, n.order_id, n.line_no, n.sku, n.wh, n.customer, n.open_qty,
                   n.price, n.expedite, n.promised, n.tier, n.order_date,
                   CAST(n.reserved_qty + coalesce(p.from_stock, 0) AS BIGINT) AS from_stock,
                   CAST(n.need - coalesce(p.pegged, 0) AS BIGINT) AS short_qty,
                   coalesce(p.has_held, false) AS has_held,
                   coalesce(p.has_inbound, false) AS has_inbound,
                   CASE WHEN n.need - coalesce(p.pegged, 0) > 0 THEN NULL
                        ELSE coalesce(p.last_day, {d}) END AS supply_day
            FROM needs n LEFT JOIN (
                SELECT line_id, sum(qty) AS pegged,
                       sum(qty) FILTER (WHERE kind = 0) AS from_stock,
                       bool_or(kind = 1) AS has_held, bool_or(kind = 2) AS has_inbound,
                       max(day) AS last_day
                FROM pegs GROUP BY line_id
            ) p USING (line_id)""",
        # Warehouse capacity: a first-come-first-served queue per warehouse.
        f"""CREATE OR REPLACE TEMP TABLE queue AS
            SELECT l.line_id, l.wh, w.capacity AS cap, l.supply_day - {d} AS t,
                   row_number() OVER (
                       PARTITION BY l.wh ORDER BY l.supply_day, {priority}) - 1 AS rank
            FROM line_supply l JOIN warehouses w ON w.wh = l.wh
            WHERE l.supply_day IS NOT NULL AND w.capacity > 0""",
        """CREATE OR REPLACE TEMP TABLE served AS
           WITH span AS (
               SELECT wh, any_value(cap) AS cap,
                      max(t) + 1 + CAST(ceil(count(*) / any_value(cap)) AS BIGINT) AS horizon
               FROM queue GROUP BY wh
           ), grid AS (
               SELECT wh, cap, unnest(range(0, horizon + 1)) AS s FROM span
           ), arrivals AS (
               SELECT wh, t, count(*) AS n FROM queue GROUP BY wh, t
           ), before AS (
               SELECT g.wh, g.cap, g.s,
                      coalesce(sum(a.n) OVER (PARTITION BY g.wh ORDER BY g.s
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                      - g.cap * g.s AS slack
               FROM grid g LEFT JOIN arrivals a ON a.wh = g.wh AND a.t = g.s
           ), served_by AS (
               SELECT wh, s - 1 AS t,
                      cap * s + min(slack) OVER (PARTITION BY wh ORDER BY s
                                                 ROWS UNBOUNDED PRECEDING) AS served
               FROM before
           )
           SELECT wh, served, min(t) AS t FROM served_by WHERE t >= 0 GROUP BY wh, served""",
        f"""CREATE OR REPLACE TEMP TABLE line_result AS
            SELECT l.*,
                   CASE WHEN q.line_id IS NULL THEN l.supply_day ELSE {d} + q.day END
                   AS projected_day
            FROM line_supply l LEFT JOIN (
                SELECT q.line_id, s.t AS day
                FROM queue q ASOF JOIN served s ON s.wh = q.wh AND q.rank < s.served
            ) q USING (line_id)""",
        # Credit per customer, then orders.
        f"""CREATE OR REPLACE TEMP TABLE credit AS
            SELECT c.customer,
                   c.credit_hold
                   OR (c.has_limit AND coalesce(i.receivables, 0) * 1000000
                                       + coalesce(v.order_value, 0)
                                       > CAST(c.credit_limit AS HUGEINT) * 1000000)
                   OR coalesce(i.overdue, false) AS blocked
            FROM customers c
            LEFT JOIN (
                SELECT customer, sum(residual) AS receivables,
                       bool_or(residual > 0 AND {d} - due > {overdue}) AS overdue
                FROM invoices GROUP BY customer
            ) i USING (customer)
            LEFT JOIN (
                SELECT customer, sum(CAST(open_qty AS HUGEINT) * price) AS order_value
                FROM lines GROUP BY customer
            ) v USING (customer)""",
        """CREATE OR REPLACE TEMP TABLE order_result AS
           WITH o AS (
               SELECT order_id, any_value(customer) AS customer, any_value(promised) AS promised,
                      bool_or(short_qty > 0) AS any_short, max(projected_day) AS latest,
                      sum(from_stock) AS covered, sum(open_qty) AS open_qty,
                      bool_or(has_held) AS any_held, bool_or(has_inbound) AS any_inbound,
                      coalesce(bool_or(projected_day > supply_day), false) AS delayed
               FROM line_result GROUP BY order_id
           ), b AS (
               SELECT o.*, coalesce(c.blocked, false) AS credit,
                      CASE WHEN o.any_short THEN NULL ELSE o.latest END AS ship_day
               FROM o LEFT JOIN credit c USING (customer)
           )
           SELECT order_id,
                  credit::INTEGER + 2 * any_short::INTEGER + 4 * any_held::INTEGER
                  + 8 * any_inbound::INTEGER + 16 * delayed::INTEGER AS blockers,
                  CASE WHEN credit THEN 0 WHEN any_short THEN 1 WHEN any_held THEN 2
                       WHEN any_inbound THEN 3 WHEN delayed THEN 4 ELSE 5 END AS status,
                  CASE WHEN covered <= 0 THEN 2 WHEN covered >= open_qty THEN 0 ELSE 1 END
                  AS allocation,
                  ship_day,
                  credit OR any_short OR coalesce(ship_day > promised, false) AS at_risk,
                  CASE WHEN ship_day IS NULL THEN NULL ELSE greatest(ship_day - promised, 0) END
                  AS days_late
           FROM b""",
        # Transfer alternatives for the lines that are short or late.
        f"""CREATE OR REPLACE TEMP TABLE alternatives AS
            WITH taken AS (
                SELECT sku, wh, sum(qty) AS taken FROM pegs WHERE kind = 0 GROUP BY sku, wh
            ), free AS (
                SELECT s.sku, s.wh, CAST(s.qty - coalesce(t.taken, 0) AS BIGINT) AS free_qty
                FROM sources s LEFT JOIN taken t ON t.sku = s.sku AND t.wh = s.wh
                WHERE s.kind = 0
            ), usable AS (
                SELECT l.from_wh, l.to_wh, l.transit
                FROM lanes l
                JOIN warehouses a ON a.wh = l.from_wh AND a.known
                JOIN warehouses b ON b.wh = l.to_wh AND b.known
                WHERE l.from_wh <> l.to_wh AND a.company = b.company
            )
            SELECT r.line_id, u.from_wh, f.free_qty, u.transit,
                   {d} + u.transit AS arrival_day,
                   {d} + u.transit <= r.promised AS makes_promise
            FROM line_result r
            JOIN usable u ON u.to_wh = r.wh
            JOIN free f ON f.sku = r.sku AND f.wh = u.from_wh
            WHERE (r.short_qty > 0 OR r.projected_day > r.promised) AND f.free_qty > 0""",
    ]


def run_rules(con: duckdb.DuckDBPyConnection, as_of_day: int, policy: AllocationPolicy) -> None:
    """Compute pegs, dates, capacity, credit, orders and alternatives into temp tables."""
    for statement in rule_statements(as_of_day, policy):
        con.execute(statement)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class BaselineResult:
    """What the SQL concluded, as numpy arrays (columns of each result table)."""

    pegs: dict[str, Array]
    lines: dict[str, Array]
    orders: dict[str, Array]
    alternatives: dict[str, Array]


def fetch_result(con: duckdb.DuckDBPyConnection) -> BaselineResult:
    """The result tables, sorted so that they line up with the kernel's arrays."""
    return BaselineResult(
        pegs=con.execute(
            "SELECT line_id, kind, inbound_id, qty, day FROM pegs WHERE kind <> 0 "
            "ORDER BY line_id, source_lo"
        ).fetchnumpy(),
        lines=con.execute(
            "SELECT line_id, from_stock, short_qty, supply_day, projected_day "
            "FROM line_result ORDER BY line_id"
        ).fetchnumpy(),
        orders=con.execute(
            "SELECT blockers, status, allocation, ship_day, at_risk, days_late "
            "FROM order_result ORDER BY order_id"
        ).fetchnumpy(),
        alternatives=con.execute(
            "SELECT line_id, free_qty, transit FROM alternatives "
            "ORDER BY line_id, arrival_day, from_wh"
        ).fetchnumpy(),
    )


def _days(values: Array) -> npt.NDArray[np.int64]:
    """A day column with SQL NULLs (a masked array) as ``NULL_DAY``."""
    filled = np.ma.filled(np.ma.asarray(values).astype(np.int64), NULL_DAY)
    return np.asarray(filled, dtype=np.int64)


def differences(baseline: BaselineResult, kernel: ColumnarAnalysis) -> list[str]:
    """Where the SQL baseline and the kernel disagree (empty when they agree).

    Compares every future-supply peg (line, source, quantity, day), every line's stock
    quantity, shortage, supply and projected day, every order's blockers, status,
    allocation, ship day, risk and lateness, and every transfer alternative.
    """
    found: list[str] = []

    def check(what: str, sql: Array, ours: Array) -> None:
        sql_values = np.asarray(np.ma.filled(np.ma.asarray(sql), -1))
        our_values = np.asarray(ours)
        if sql_values.shape != our_values.shape:
            found.append(
                f"{what}: {sql_values.shape[0]} values in SQL, {our_values.shape[0]} in the kernel"
            )
            return
        wrong = np.flatnonzero(sql_values.astype(np.int64) != our_values.astype(np.int64))
        if wrong.size:
            i = int(wrong[0])
            found.append(
                f"{what}: {wrong.size} differ, first at row {i}: SQL {sql_values[i]}, kernel {our_values[i]}"
            )

    picture = kernel.picture
    owner = np.repeat(np.arange(picture.n_lines), kernel.line_peg_count)
    positions = _positions(kernel)
    check("peg line", baseline.pegs["line_id"], owner)
    check("peg kind", baseline.pegs["kind"], kernel.peg_kind[positions])
    check("peg inbound line", baseline.pegs["inbound_id"], kernel.peg_inbound[positions])
    check("peg qty", baseline.pegs["qty"], kernel.peg_qty[positions])
    check("peg day", baseline.pegs["day"], kernel.peg_day[positions])
    check("line from_stock", baseline.lines["from_stock"], kernel.line_from_stock)
    check("line short_qty", baseline.lines["short_qty"], kernel.line_short)
    check("line supply day", _days(baseline.lines["supply_day"]), kernel.line_supply_day)
    check("line projected day", _days(baseline.lines["projected_day"]), kernel.line_projected_day)
    check("order blockers", baseline.orders["blockers"], kernel.order_blockers)
    check("order status", baseline.orders["status"], kernel.order_status)
    check("order allocation", baseline.orders["allocation"], kernel.order_allocation)
    check("order ship day", _days(baseline.orders["ship_day"]), kernel.order_projected_ship_day)
    check("order at_risk", baseline.orders["at_risk"], kernel.order_at_risk)
    check("order days_late", baseline.orders["days_late"], kernel.order_days_late)
    alt = kernel.alternatives
    check(
        "alternative line",
        baseline.alternatives["line_id"],
        np.repeat(np.arange(picture.n_lines), alt.count),
    )
    check("alternative free qty", baseline.alternatives["free_qty"], alt.free_qty)
    check("alternative transit", baseline.alternatives["transit"], alt.transit_days)
    return found


def _ranks_within(counts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    starts = np.cumsum(counts) - counts
    return np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(starts, counts)


def _positions(kernel: ColumnarAnalysis) -> npt.NDArray[np.int64]:
    """Indexes into the kernel's peg arrays, line after line in line-id order."""
    return np.repeat(kernel.line_peg_first, kernel.line_peg_count) + _ranks_within(
        kernel.line_peg_count
    )


__all__ = [
    "BaselineResult",
    "connect",
    "differences",
    "fetch_result",
    "load_csv",
    "load_picture",
    "run_rules",
]
