"""What each governed action changes, worked out from the picture before anyone asks.

:func:`plan_action` turns an action type and its parameters into an :class:`ActionPlan`:
the parameters checked against the picture (a date before the order was placed, a
transfer along no lane, more stock than is there are refused with
:class:`~controltower.domain.actions.ActionParamError` naming the parameter), the
:mod:`picture edits <controltower.domain.picture_edits>` that carry it out, the facts the
approval rules read (:class:`ApprovalFacts`), the scope it is filed under and what the
ERP must be told. Planning is pure: the same picture and parameters give the same plan,
so the plan previewed, the plan requested and the plan executed can be compared.

``docs/actions.md`` describes every action, its parameters, its edits and its facts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, Final
from urllib.parse import quote

import numpy as np

from controltower.domain.actions import ActionParamError, ActionType
from controltower.domain.analysis import AllocationPolicy
from controltower.domain.columnar import ColumnarPrecisionError, from_units, to_units
from controltower.domain.columnar_tables import picture_from_tables
from controltower.domain.kernel import analyse_columns
from controltower.domain.model import (
    DEFAULT_COMPANY,
    FIRST_DATE,
    LAST_DATE,
    TIER_RANK,
    OrderStatus,
    ReturnStatus,
)
from controltower.domain.picture_edits import AddRow, Edit, SetField, edits_to_json
from controltower.domain.tables import ORDER_STATUSES, RETURN_STATUSES, DatasetTables

ZERO: Final = Decimal(0)
_OPEN: Final = ORDER_STATUSES.index(OrderStatus.OPEN)
_REQUESTED: Final = RETURN_STATUSES.index(ReturnStatus.REQUESTED)
_TIERS: Final = tuple(tier.value for tier in sorted(TIER_RANK, key=TIER_RANK.__getitem__))
_HUNDREDTHS: Final = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class ApprovalFacts:
    """What the approval rules of the policy read about one action (``docs/actions.md``)."""

    #: the money the action moves
    value: Decimal
    #: ``strategic``, ``key`` or ``standard`` when the action concerns a customer
    customer_tier: str | None
    #: override_price: ``(new - list) / list * 100``, signed, to hundredths
    price_variance_pct: Decimal | None
    #: the quantity the action moves (adjust_inventory: the size of the change)
    quantity: Decimal | None
    #: split_shipment: whether the order (else its customer) accepts partial shipments
    accepts_partial: bool | None

    def to_json(self) -> dict[str, Any]:
        """JSON-able, decimals as plain text (exact)."""
        return {
            "value": plain(self.value),
            "customer_tier": self.customer_tier,
            "price_variance_pct": _optional_plain(self.price_variance_pct),
            "quantity": _optional_plain(self.quantity),
            "accepts_partial": self.accepts_partial,
        }


@dataclass(frozen=True, slots=True)
class ActionPlan:
    """One action worked out on one picture: its edits, scope, facts and ERP write."""

    action_type: ActionType
    #: the parameters, normalised and JSON-able (dates ISO, decimals as plain text)
    params: dict[str, Any]
    company: str
    #: the warehouse it concerns; None for a company-level action
    warehouse: str | None
    #: what it acts on, in words ("order SO1001")
    subject: str
    #: the page of what it acts on ("/orders/SO1001")
    subject_link: str
    edits: tuple[Edit, ...]
    facts: ApprovalFacts
    erp_operation: str
    #: business keys and new values, JSON-able
    erp_payload: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """JSON-able (the edits as :func:`~.picture_edits.edits_to_json` writes them)."""
        return {
            "action_type": self.action_type.value,
            "params": self.params,
            "company": self.company,
            "warehouse": self.warehouse,
            "subject": self.subject,
            "subject_link": self.subject_link,
            "edits": edits_to_json(self.edits),
            "facts": self.facts.to_json(),
            "erp_operation": self.erp_operation,
            "erp_payload": self.erp_payload,
        }


# ------------------------------------------------------------------------- parameters


def plain(value: Decimal) -> str:
    """A decimal as plain text without exponent or needless zeros (``12.5``, ``3``)."""
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", ""} else text


def _optional_plain(value: Decimal | None) -> str | None:
    return None if value is None else plain(value)


class _Params:
    """The parameters of one action, read one by one with the error naming each."""

    def __init__(self, params: Mapping[str, Any], names: tuple[str, ...]) -> None:
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise ActionParamError(
                unknown[0], f"is not a parameter of this action (it takes {', '.join(names)})"
            )
        self._params = params

    def _given(self, name: str) -> Any:
        value = self._params.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ActionParamError(name, "is required")
        return value

    def code(self, name: str) -> str:
        value = self._given(name)
        if not isinstance(value, str):
            raise ActionParamError(name, "must be a text")
        return value.strip()

    def day(self, name: str) -> date:
        value = self._given(name)
        if isinstance(value, date) and not hasattr(value, "hour"):
            day = value
        elif isinstance(value, str) and len(value.strip()) == 10:
            try:
                day = date.fromisoformat(value.strip())
            except ValueError:
                raise ActionParamError(name, f"{value!r} is not a date (YYYY-MM-DD)") from None
        else:
            raise ActionParamError(name, f"{value!r} is not a date (YYYY-MM-DD)")
        if not FIRST_DATE <= day <= LAST_DATE:
            raise ActionParamError(name, f"{day} is outside {FIRST_DATE} to {LAST_DATE}")
        return day

    def number(self, name: str) -> Decimal:
        """A decimal of at most six places, never negative."""
        value = self._given(name)
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise ActionParamError(name, f"{value!r} is not a number")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ActionParamError(name, f"{value!r} is not a number") from None
        if not number.is_finite():
            raise ActionParamError(name, f"{value!r} is not a number")
        if number < 0:
            raise ActionParamError(name, f"{plain(number)} is negative")
        try:
            to_units(number, name)
        except ColumnarPrecisionError:
            raise ActionParamError(
                name, f"{value} has more than six decimals or is too large"
            ) from None
        return number

    def whole(self, name: str) -> int:
        value = self._given(name)
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ActionParamError(name, f"{value!r} is not a whole number of at least 1")
        return value


# ---------------------------------------------------------------------- the picture


class _Picture:
    """Look-ups by business key on a picture's columns (the last row of a repeated key)."""

    def __init__(self, tables: DatasetTables) -> None:
        self.tables = tables

    @staticmethod
    def _last(mask: np.ndarray[Any, np.dtype[np.bool_]]) -> int | None:
        rows = np.flatnonzero(mask)
        return int(rows[-1]) if rows.shape[0] else None

    def warehouse_row(self, code: str) -> int | None:
        code_id = self.tables.vocab.warehouses.id_of(code)
        return None if code_id is None else self._last(self.tables.warehouses.code == code_id)

    def company_of(self, warehouse: str) -> str | None:
        row = self.warehouse_row(warehouse)
        if row is None:
            return None
        return self.tables.vocab.companies.codes[int(self.tables.warehouses.company[row])]

    def first_company(self) -> str:
        companies = self.tables.vocab.companies.codes
        return companies[0] if companies else DEFAULT_COMPANY

    def product_row(self, sku: str) -> int | None:
        sku_id = self.tables.vocab.skus.id_of(sku)
        return None if sku_id is None else self._last(self.tables.products.sku == sku_id)

    def unit_cost(self, sku: str) -> Decimal:
        row = self.product_row(sku)
        products = self.tables.products
        if row is None or not products.unit_cost_given[row]:
            return ZERO
        return from_units(int(products.unit_cost[row]))

    def list_price(self, sku: str) -> Decimal | None:
        row = self.product_row(sku)
        products = self.tables.products
        if row is None or not products.list_price_given[row]:
            return None
        return from_units(int(products.list_price[row]))

    def customer_row(self, code: str) -> int | None:
        code_id = self.tables.vocab.customers.id_of(code)
        return None if code_id is None else self._last(self.tables.customers.code == code_id)

    def tier(self, customer: str) -> str:
        row = self.customer_row(customer)
        return "standard" if row is None else _TIERS[int(self.tables.customers.tier[row])]

    def stock(self, sku: str, warehouse: str) -> tuple[int | None, Decimal, Decimal]:
        """The stock row of a pool (None when it has none), its on hand and quality hold."""
        sku_id = self.tables.vocab.skus.id_of(sku)
        wh_id = self.tables.vocab.warehouses.id_of(warehouse)
        stock = self.tables.stock
        if sku_id is None or wh_id is None:
            return None, ZERO, ZERO
        row = self._last((stock.sku == sku_id) & (stock.warehouse == wh_id))
        if row is None:
            return None, ZERO, ZERO
        return row, from_units(int(stock.on_hand[row])), from_units(int(stock.quality_hold[row]))

    def open_order_row(self, order_id: str) -> int | None:
        orders = self.tables.sales_orders
        order = self.tables.vocab.orders.id_of(order_id)
        if order is None:
            return None
        row = self._last(orders.order == order)
        return row if row is not None and int(orders.status[row]) == _OPEN else None

    def order_code(self, row: int, kind: str) -> str:
        """The customer or warehouse code of a sales order row."""
        orders = self.tables.sales_orders
        vocab = self.tables.vocab
        if kind == "customer":
            return vocab.customers.codes[int(orders.customer[row])]
        return vocab.warehouses.codes[int(orders.warehouse[row])]

    def line_rows(self, order_id: str) -> list[int]:
        """The rows of an order's lines, by line number."""
        order = self.tables.vocab.orders.id_of(order_id)
        if order is None:
            return []
        lines = self.tables.sales_order_lines
        rows = np.flatnonzero(lines.order == order)
        return [int(r) for r in rows[np.argsort(lines.line[rows], kind="stable")]]

    def line_qty(self, row: int, column: str) -> Decimal:
        return from_units(int(getattr(self.tables.sales_order_lines, column)[row]))

    def open_qty(self, row: int) -> Decimal:
        return self.line_qty(row, "qty") - self.line_qty(row, "qty_shipped")

    def line_sku(self, row: int) -> str:
        return self.tables.vocab.skus.codes[int(self.tables.sales_order_lines.sku[row])]

    def own_price(self, row: int) -> Decimal | None:
        lines = self.tables.sales_order_lines
        return from_units(int(lines.unit_price[row])) if lines.unit_price_given[row] else None

    def price(self, row: int) -> Decimal:
        """The line's effective unit price: its own, else the list price, else 0."""
        own = self.own_price(row)
        if own is not None:
            return own
        listed = self.list_price(self.line_sku(row))
        return ZERO if listed is None else listed

    def judged_list_price(self, row: int) -> Decimal | None:
        lines = self.tables.sales_order_lines
        if lines.list_price_given[row]:
            return from_units(int(lines.list_price[row]))
        return self.list_price(self.line_sku(row))

    def open_value(self, order_id: str) -> Decimal:
        """``open_qty * unit_price`` over the lines of an open order."""
        if self.open_order_row(order_id) is None:
            return ZERO
        return sum(
            (max(self.open_qty(r), ZERO) * self.price(r) for r in self.line_rows(order_id)), ZERO
        )

    def open_orders_of(self, customer: str) -> list[str]:
        """The customer's open orders, by order id."""
        code = self.tables.vocab.customers.id_of(customer)
        if code is None:
            return []
        orders = self.tables.sales_orders
        rows = np.flatnonzero((orders.customer == code) & (orders.status == _OPEN))
        ids = {self.tables.vocab.orders.codes[int(orders.order[r])] for r in rows}
        return sorted(i for i in ids if self.open_order_row(i) is not None)

    def customer_company(self, customer: str) -> str:
        """The company of the first (by code) warehouse the customer's open orders ship from."""
        warehouses = sorted(
            self.order_code(row, "warehouse")
            for row in (self.open_order_row(o) for o in self.open_orders_of(customer))
            if row is not None
        )
        for warehouse in warehouses:
            company = self.company_of(warehouse)
            if company is not None:
                return company
        return self.first_company()

    def lane_days(self, source: str, target: str) -> int | None:
        vocab = self.tables.vocab.warehouses
        lanes = self.tables.transfer_lanes
        a, b = vocab.id_of(source), vocab.id_of(target)
        if a is None or b is None:
            return None
        row = self._last((lanes.from_warehouse == a) & (lanes.to_warehouse == b))
        return None if row is None else int(lanes.transit_days[row])


def _page(path: str, code: str) -> str:
    """The page of a code under ``path`` (as ``api.entity_links.entity_url`` writes it)."""
    if code in {".", ".."} or (path == "/orders/" and re.fullmatch(r"export\.[^/]+", code)):
        return f"{path}?id={quote(code, safe='')}"
    return path + quote(code, safe="")


@dataclass(frozen=True, slots=True)
class _Context:
    picture: _Picture
    as_of: date
    allocation: AllocationPolicy
    params: Mapping[str, Any]

    @property
    def tables(self) -> DatasetTables:
        return self.picture.tables

    def read(self, *names: str) -> _Params:
        return _Params(self.params, names)


def _company(ctx: _Context, warehouse: str) -> str:
    return ctx.picture.company_of(warehouse) or ctx.picture.first_company()


def _open_order(ctx: _Context, params: _Params) -> tuple[str, int]:
    order_id = params.code("order_id")
    row = ctx.picture.open_order_row(order_id)
    if row is None:
        raise ActionParamError("order_id", f"no open order {order_id!r}")
    return order_id, row


def _facts(
    value: Decimal,
    *,
    tier: str | None = None,
    variance: Decimal | None = None,
    quantity: Decimal | None = None,
    partial: bool | None = None,
) -> ApprovalFacts:
    return ApprovalFacts(
        value=value,
        customer_tier=tier,
        price_variance_pct=variance,
        quantity=quantity,
        accepts_partial=partial,
    )


# ---------------------------------------------------------------------------- planners


def _change_promised_date(ctx: _Context) -> ActionPlan:
    params = ctx.read("order_id", "promised_date")
    order_id, row = _open_order(ctx, params)
    promised = params.day("promised_date")
    orders = ctx.tables.sales_orders
    ordered = date.fromordinal(int(orders.order_date[row]))
    current = date.fromordinal(int(orders.promised_date[row]))
    if promised < ordered:
        raise ActionParamError(
            "promised_date", f"{promised} is before the order date {ordered} of {order_id}"
        )
    if promised == current:
        raise ActionParamError("promised_date", f"order {order_id} is already promised {current}")
    customer = ctx.picture.order_code(row, "customer")
    warehouse = ctx.picture.order_code(row, "warehouse")
    return ActionPlan(
        action_type=ActionType.CHANGE_PROMISED_DATE,
        params={"order_id": order_id, "promised_date": promised.isoformat()},
        company=_company(ctx, warehouse),
        warehouse=warehouse,
        subject=f"order {order_id}",
        subject_link=_page("/orders/", order_id),
        edits=(
            SetField(
                "sales_orders",
                (order_id,),
                "promised_date",
                current.isoformat(),
                promised.isoformat(),
            ),
        ),
        facts=_facts(ctx.picture.open_value(order_id), tier=ctx.picture.tier(customer)),
        erp_operation="write_promised_date",
        erp_payload={"order_id": order_id, "promised_date": promised.isoformat()},
    )


def _from_stock(ctx: _Context, order_id: str) -> dict[int, Decimal]:
    """What the engine pegs to physical stock (reserved and free) for each open line."""
    picture = picture_from_tables(ctx.tables, ctx.as_of, ctx.allocation)
    ids = picture.order_ids
    o = int(np.searchsorted(np.array(ids, dtype=object), order_id)) if ids else 0
    if o >= len(ids) or ids[o] != order_id:
        return {}
    result = analyse_columns(picture)
    start, end = int(picture.order_line_start[o]), int(picture.order_line_start[o + 1])
    return {
        int(picture.line_number[i]): from_units(int(result.line_from_stock[i]))
        for i in range(start, end)
    }


def _split_shipment(ctx: _Context) -> ActionPlan:
    params = ctx.read("order_id")
    order_id, row = _open_order(ctx, params)
    pick = ctx.picture
    warehouse = pick.order_code(row, "warehouse")
    customer = pick.order_code(row, "customer")
    from_stock = _from_stock(ctx, order_id)
    if not any(q > 0 for q in from_stock.values()):
        raise ActionParamError("order_id", f"nothing of order {order_id} is in stock to ship now")
    lines = [r for r in pick.line_rows(order_id) if pick.open_qty(r) > 0]
    if all(
        from_stock.get(int(ctx.tables.sales_order_lines.line[r]), ZERO) >= pick.open_qty(r)
        for r in lines
    ):
        raise ActionParamError(
            "order_id", f"order {order_id} is wholly in stock: ship it whole, not in parts"
        )
    edits: list[Edit] = []
    shipped: list[dict[str, str]] = []
    by_pool: dict[str, Decimal] = {}
    value = ZERO
    for r in lines:
        number = int(ctx.tables.sales_order_lines.line[r])
        qty = from_stock.get(number, ZERO)
        if qty <= 0:
            continue
        edits.extend(_ship_line(pick, order_id, r, qty))
        sku = pick.line_sku(r)
        by_pool[sku] = by_pool.get(sku, ZERO) + qty
        value += qty * pick.price(r)
        shipped.append({"line": str(number), "sku": sku, "qty": plain(qty)})
    for sku, qty in sorted(by_pool.items()):
        _, on_hand, _ = pick.stock(sku, warehouse)
        edits.append(
            SetField("stock", (sku, warehouse), "on_hand", plain(on_hand), plain(on_hand - qty))
        )
    orders = ctx.tables.sales_orders
    partial = int(orders.accepts_partial[row])
    customer_row = pick.customer_row(customer)
    if partial < 0:
        accepts = customer_row is not None and bool(
            ctx.tables.customers.accepts_partial[customer_row]
        )
    else:
        accepts = bool(partial)
    return ActionPlan(
        action_type=ActionType.SPLIT_SHIPMENT,
        params={"order_id": order_id},
        company=_company(ctx, warehouse),
        warehouse=warehouse,
        subject=f"order {order_id}",
        subject_link=_page("/orders/", order_id),
        edits=tuple(edits),
        facts=_facts(
            value,
            tier=pick.tier(customer),
            quantity=sum(by_pool.values(), ZERO),
            partial=accepts,
        ),
        erp_operation="ship_partial",
        erp_payload={"order_id": order_id, "warehouse": warehouse, "lines": shipped},
    )


def _ship_line(pick: _Picture, order_id: str, row: int, qty: Decimal) -> list[Edit]:
    """Ship ``qty`` of a line: shipped goes up, its reservation down by what it covered."""
    key = (order_id, str(int(pick.tables.sales_order_lines.line[row])))
    shipped = pick.line_qty(row, "qty_shipped")
    reserved = pick.line_qty(row, "qty_reserved")
    edits: list[Edit] = [
        SetField("sales_order_lines", key, "qty_shipped", plain(shipped), plain(shipped + qty))
    ]
    released = min(reserved, qty)
    if released > 0:
        edits.append(
            SetField(
                "sales_order_lines",
                key,
                "qty_reserved",
                plain(reserved),
                plain(reserved - released),
            )
        )
    return edits


def _known_sku(ctx: _Context, params: _Params) -> str:
    sku = params.code("sku")
    if ctx.tables.vocab.skus.id_of(sku) is None:
        raise ActionParamError("sku", f"no product {sku!r}")
    return sku


def _known_warehouse(ctx: _Context, params: _Params, name: str) -> str:
    warehouse = params.code(name)
    if ctx.picture.warehouse_row(warehouse) is None:
        raise ActionParamError(name, f"no warehouse {warehouse!r}")
    return warehouse


def _transfer_stock(ctx: _Context) -> ActionPlan:
    params = ctx.read("sku", "from_warehouse", "to_warehouse", "qty")
    sku = _known_sku(ctx, params)
    source = _known_warehouse(ctx, params, "from_warehouse")
    target = _known_warehouse(ctx, params, "to_warehouse")
    if source == target:
        raise ActionParamError("to_warehouse", f"stock cannot move from {source} to itself")
    transit = ctx.picture.lane_days(source, target)
    if transit is None:
        raise ActionParamError("to_warehouse", f"no transfer lane from {source} to {target}")
    company = _company(ctx, source)
    if ctx.picture.company_of(target) != company:
        raise ActionParamError(
            "to_warehouse",
            f"{target} belongs to company {ctx.picture.company_of(target)}, {source} to {company}",
        )
    qty = params.number("qty")
    if qty <= 0:
        raise ActionParamError("qty", "must be more than 0")
    _, on_hand, held = ctx.picture.stock(sku, source)
    physical = max(on_hand - held, ZERO)
    if qty > physical:
        raise ActionParamError(
            "qty",
            f"only {plain(physical)} {sku} is physical stock in {source} "
            f"(on hand {plain(on_hand)}, {plain(held)} held by quality)",
        )
    arrival = ctx.as_of + timedelta(days=transit)
    po_id = _transfer_po_id(ctx.tables, source, target, ctx.as_of)
    edits = _transfer_edits(ctx, sku, source, target, qty, on_hand, po_id, arrival)
    return ActionPlan(
        action_type=ActionType.TRANSFER_STOCK,
        params={
            "sku": sku,
            "from_warehouse": source,
            "to_warehouse": target,
            "qty": plain(qty),
        },
        company=company,
        warehouse=source,
        subject=f"SKU {sku} from {source} to {target}",
        subject_link=_page("/products/", sku),
        edits=edits,
        facts=_facts(qty * ctx.picture.unit_cost(sku), quantity=qty),
        erp_operation="transfer_stock",
        erp_payload={
            "sku": sku,
            "from_warehouse": source,
            "to_warehouse": target,
            "qty": plain(qty),
            "po_id": po_id,
            "expected_date": arrival.isoformat(),
        },
    )


def transfer_supplier(source: str) -> str:
    """The supplier code a transfer from ``source`` arrives from."""
    return f"TRANSFER-{source}"


def _transfer_po_id(tables: DatasetTables, source: str, target: str, as_of: date) -> str:
    """``TR-<from>-<to>-<YYYYMMDD>-<n>`` with the first ``n`` no purchase order has."""
    stem = f"TR-{source}-{target}-{as_of:%Y%m%d}-"
    n = 1
    while tables.vocab.pos.id_of(f"{stem}{n}") is not None:
        n += 1
    return f"{stem}{n}"


def _transfer_edits(
    ctx: _Context,
    sku: str,
    source: str,
    target: str,
    qty: Decimal,
    on_hand: Decimal,
    po_id: str,
    arrival: date,
) -> tuple[Edit, ...]:
    """Stock leaves ``source`` now and arrives at ``target`` as an inbound purchase order."""
    supplier = transfer_supplier(source)
    edits: list[Edit] = [
        SetField("stock", (sku, source), "on_hand", plain(on_hand), plain(on_hand - qty))
    ]
    supplier_id = ctx.tables.vocab.suppliers.id_of(supplier)
    if supplier_id is None or not bool(np.any(ctx.tables.suppliers.code == supplier_id)):
        edits.append(AddRow("suppliers", (("code", supplier), ("name", f"Transfer from {source}"))))
    today = ctx.as_of.isoformat()
    edits.append(
        AddRow(
            "purchase_orders",
            (
                ("po_id", po_id),
                ("supplier", supplier),
                ("warehouse", target),
                ("order_date", today),
                ("expected_date", arrival.isoformat()),
                ("confirmed_date", today),
                ("status", "open"),
            ),
        )
    )
    edits.append(
        AddRow(
            "purchase_order_lines",
            (
                ("po_id", po_id),
                ("line", "1"),
                ("sku", sku),
                ("qty", plain(qty)),
                ("qty_received", "0"),
            ),
        )
    )
    return tuple(edits)


def _release_credit_hold(ctx: _Context) -> ActionPlan:
    params = ctx.read("customer", "until")
    customer = params.code("customer")
    row = ctx.picture.customer_row(customer)
    if row is None:
        raise ActionParamError("customer", f"no customer {customer!r}")
    if not bool(ctx.tables.customers.credit_hold[row]):
        raise ActionParamError("customer", f"customer {customer} is not on credit hold")
    until = params.day("until")
    if until < ctx.as_of:
        raise ActionParamError("until", f"{until} is before the as-of date {ctx.as_of}")
    value = sum((ctx.picture.open_value(o) for o in ctx.picture.open_orders_of(customer)), ZERO)
    return ActionPlan(
        action_type=ActionType.RELEASE_CREDIT_HOLD,
        params={"customer": customer, "until": until.isoformat()},
        company=ctx.picture.customer_company(customer),
        warehouse=None,
        subject=f"customer {customer}",
        subject_link=_page("/customers/", customer),
        edits=(SetField("customers", (customer,), "credit_hold", "true", "false"),),
        facts=_facts(value, tier=ctx.picture.tier(customer)),
        erp_operation="release_credit_hold",
        erp_payload={"customer": customer, "until": until.isoformat()},
    )


def _order_line(ctx: _Context, params: _Params, order_id: str) -> int:
    number = params.whole("line")
    rows = [
        r
        for r in ctx.picture.line_rows(order_id)
        if int(ctx.tables.sales_order_lines.line[r]) == number
    ]
    if not rows:
        raise ActionParamError("line", f"order {order_id} has no line {number}")
    row = rows[-1]
    if ctx.picture.open_qty(row) <= 0:
        raise ActionParamError("line", f"line {number} of order {order_id} is shipped in full")
    return row


def _variance(price: Decimal, listed: Decimal | None) -> Decimal | None:
    if listed is None or listed == 0:
        return None
    return ((price - listed) / listed * 100).quantize(_HUNDREDTHS, rounding=ROUND_HALF_EVEN)


def _override_price(ctx: _Context) -> ActionPlan:
    params = ctx.read("order_id", "line", "price")
    order_id, order_row = _open_order(ctx, params)
    row = _order_line(ctx, params, order_id)
    price = params.number("price")
    pick = ctx.picture
    number = str(int(ctx.tables.sales_order_lines.line[row]))
    before = pick.price(row)
    if price == before:
        raise ActionParamError(
            "price", f"line {number} of order {order_id} is already priced {plain(before)}"
        )
    own = pick.own_price(row)
    warehouse = pick.order_code(order_row, "warehouse")
    open_qty = pick.open_qty(row)
    return ActionPlan(
        action_type=ActionType.OVERRIDE_PRICE,
        params={"order_id": order_id, "line": int(number), "price": plain(price)},
        company=_company(ctx, warehouse),
        warehouse=warehouse,
        subject=f"line {number} of order {order_id}",
        subject_link=_page("/orders/", order_id),
        edits=(
            SetField(
                "sales_order_lines",
                (order_id, number),
                "unit_price",
                None if own is None else plain(own),
                plain(price),
            ),
        ),
        facts=_facts(
            abs(price - before) * open_qty,
            tier=pick.tier(pick.order_code(order_row, "customer")),
            variance=_variance(price, pick.judged_list_price(row)),
            quantity=open_qty,
        ),
        erp_operation="write_price",
        erp_payload={
            "order_id": order_id,
            "line": int(number),
            "sku": pick.line_sku(row),
            "unit_price": plain(price),
        },
    )


def _authorise_return(ctx: _Context) -> ActionPlan:
    params = ctx.read("rma_id")
    rma_id = params.code("rma_id")
    returns = ctx.tables.returns
    row = _Picture._last(np.asarray(returns.rma_id == rma_id, dtype=np.bool_))
    if row is None:
        raise ActionParamError("rma_id", f"no return {rma_id!r}")
    status = int(returns.status[row])
    if status != _REQUESTED:
        raise ActionParamError(
            "rma_id",
            f"return {rma_id} is {RETURN_STATUSES[status]}; only a requested return is authorised",
        )
    vocab = ctx.tables.vocab
    customer = vocab.customers.codes[int(returns.customer[row])]
    sku = vocab.skus.codes[int(returns.sku[row])]
    qty = from_units(int(returns.qty[row]))
    order_id = None if int(returns.order[row]) < 0 else vocab.orders.codes[int(returns.order[row])]
    warehouse, price = _return_order_facts(ctx, order_id, sku)
    company = (
        _company(ctx, warehouse)
        if warehouse is not None
        else ctx.picture.customer_company(customer)
    )
    return ActionPlan(
        action_type=ActionType.AUTHORISE_RETURN,
        params={"rma_id": rma_id},
        company=company,
        warehouse=warehouse,
        subject=f"return {rma_id} of customer {customer}",
        subject_link=(
            _page("/orders/", order_id) if order_id is not None else _page("/customers/", customer)
        ),
        edits=(SetField("returns", (rma_id,), "status", "requested", "approved"),),
        facts=_facts(qty * price, tier=ctx.picture.tier(customer), quantity=qty),
        erp_operation="approve_return",
        erp_payload={"rma_id": rma_id, "status": "approved"},
    )


def _return_order_facts(
    ctx: _Context, order_id: str | None, sku: str
) -> tuple[str | None, Decimal]:
    """The warehouse of a return's order (None without one) and the price the goods were
    sold at (the order's first line of the SKU, else the product's list price, else 0)."""
    pick = ctx.picture
    listed = pick.list_price(sku)
    fallback = ZERO if listed is None else listed
    if order_id is None:
        return None, fallback
    orders = ctx.tables.sales_orders
    order = ctx.tables.vocab.orders.id_of(order_id)
    header = None if order is None else _Picture._last(orders.order == order)
    warehouse = None if header is None else pick.order_code(header, "warehouse")
    for r in pick.line_rows(order_id):
        if pick.line_sku(r) == sku:
            return warehouse, pick.price(r)
    return warehouse, fallback


def _stock_subject(sku: str, warehouse: str) -> str:
    return f"SKU {sku} at {warehouse}"


def _adjust_inventory(ctx: _Context) -> ActionPlan:
    params = ctx.read("sku", "warehouse", "on_hand")
    sku = _known_sku(ctx, params)
    warehouse = _known_warehouse(ctx, params, "warehouse")
    new = params.number("on_hand")
    row, on_hand, held = ctx.picture.stock(sku, warehouse)
    if new < held:
        raise ActionParamError(
            "on_hand",
            f"{plain(new)} is less than the {plain(held)} {sku} held by quality in {warehouse}",
        )
    if new == on_hand:
        raise ActionParamError("on_hand", f"{warehouse} holds {plain(on_hand)} {sku} already")
    edit: Edit
    if row is None:
        edit = AddRow(
            "stock",
            (
                ("sku", sku),
                ("warehouse", warehouse),
                ("on_hand", plain(new)),
                ("quality_hold", "0"),
            ),
        )
    else:
        edit = SetField("stock", (sku, warehouse), "on_hand", plain(on_hand), plain(new))
    change = abs(new - on_hand)
    return ActionPlan(
        action_type=ActionType.ADJUST_INVENTORY,
        params={"sku": sku, "warehouse": warehouse, "on_hand": plain(new)},
        company=_company(ctx, warehouse),
        warehouse=warehouse,
        subject=_stock_subject(sku, warehouse),
        subject_link=_page("/products/", sku),
        edits=(edit,),
        facts=_facts(change * ctx.picture.unit_cost(sku), quantity=change),
        erp_operation="set_stock_quantity",
        erp_payload={"sku": sku, "warehouse": warehouse, "on_hand": plain(new)},
    )


def _bypass_quality(ctx: _Context) -> ActionPlan:
    params = ctx.read("sku", "warehouse", "qty")
    sku = _known_sku(ctx, params)
    warehouse = _known_warehouse(ctx, params, "warehouse")
    _, _, held = ctx.picture.stock(sku, warehouse)
    if held <= 0:
        raise ActionParamError("warehouse", f"no {sku} is held by quality in {warehouse}")
    qty = params.number("qty")
    if qty <= 0:
        raise ActionParamError("qty", "must be more than 0")
    if qty > held:
        raise ActionParamError("qty", f"only {plain(held)} {sku} is held by quality in {warehouse}")
    return ActionPlan(
        action_type=ActionType.BYPASS_QUALITY,
        params={"sku": sku, "warehouse": warehouse, "qty": plain(qty)},
        company=_company(ctx, warehouse),
        warehouse=warehouse,
        subject=_stock_subject(sku, warehouse),
        subject_link=_page("/products/", sku),
        edits=(
            SetField("stock", (sku, warehouse), "quality_hold", plain(held), plain(held - qty)),
        ),
        facts=_facts(qty * ctx.picture.unit_cost(sku), quantity=qty),
        erp_operation="release_quality_hold",
        erp_payload={
            "sku": sku,
            "warehouse": warehouse,
            "qty": plain(qty),
            "quality_hold": plain(held - qty),
        },
    )


_PLANNERS: Final[dict[ActionType, Callable[[_Context], ActionPlan]]] = {
    ActionType.CHANGE_PROMISED_DATE: _change_promised_date,
    ActionType.SPLIT_SHIPMENT: _split_shipment,
    ActionType.TRANSFER_STOCK: _transfer_stock,
    ActionType.RELEASE_CREDIT_HOLD: _release_credit_hold,
    ActionType.OVERRIDE_PRICE: _override_price,
    ActionType.AUTHORISE_RETURN: _authorise_return,
    ActionType.ADJUST_INVENTORY: _adjust_inventory,
    ActionType.BYPASS_QUALITY: _bypass_quality,
}


def plan_action(
    tables: DatasetTables,
    action_type: ActionType | str,
    params: Mapping[str, Any],
    *,
    as_of: date,
    allocation: AllocationPolicy,
) -> ActionPlan:
    """Check ``params`` against the picture and work out what the action changes.

    Raises :class:`ActionParamError` for an unknown type (field ``type``), a missing,
    unknown or ill-typed parameter, or a value the picture refuses (field: the
    parameter's name). ``allocation`` is the policy's allocation values, which decide
    what a split shipment can ship now.
    """
    try:
        kind = ActionType(action_type)
    except ValueError:
        raise ActionParamError(
            "type",
            f"unknown action {action_type!r} (one of {', '.join(t.value for t in ActionType)})",
        ) from None
    context = _Context(_Picture(tables), as_of, allocation, params)
    return _PLANNERS[kind](context)
