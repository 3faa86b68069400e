"""Write a canonical dataset into a FakeOdoo the way Odoo would hold that business.

The round-trip tests and the sync benchmark need Odoo databases of any size whose
expected picture is known: the demo generator makes a ``Dataset``, :func:`load_dataset`
writes it into the fake (17.0, 18.0 or 19.0 field names), and a sync of the fake must
give the dataset back modulo the mapping rules of ``docs/odoo.md``.

What Odoo holds for each file of the dataset:

- the company: the dataset's one company, its partner in time zone UTC (so every
  date is at 12:00 UTC of the dataset's day and maps back 1:1);
- users for every login the dataset names (salespeople, buyers, account owners,
  pickers), plus the ``ct`` login the sync reads as;
- warehouses by code, each with a ``Quality`` sublocation of its stock location;
- storable products (``default_code`` = sku) in a unit named as the dataset's ``uom``,
  and one reordering rule each (min = reorder point, max = point + quantity) in the
  first warehouse;
- customers as companies (``ref`` = code, tier and credit hold as partner tags, credit
  limit in use when set, salesperson = account owner), vendors (``ref`` = code) with a
  vendor price line per product bought from them, delay = lead days;
- a quant per stock row in the stock location, and the quality part in ``Quality``;
- confirmed sales orders (``name`` = order id, dates at 12:00 UTC, picking policy from
  the effective ``accepts_partial``, tag ``Expedite``, delivery status ``full`` when
  done), their lines (price = effective unit price), an open delivery move per line
  holding its reservation and a done delivery move per line for what was shipped, as
  Odoo keeps them;
- the picks as delivery transfers (``name`` = pick id, created at ``created_at``);
- purchase orders (``name`` = po id, confirmed at the order date, arrival on the
  lines, vendor confirmation flag, locked and fully received when done) and lines;
- receipts as done moves from the vendor location in a receipt named after the
  receipt id, damaged quantity as a done scrap of that receipt, goods not yet put away
  as a following internal move still open;
- invoices as posted customer invoices or credit notes (by the sign) not paid, with
  the signed residual; a disputed one is ``blocked`` (18+) or, in 17, carries an open
  activity of type ``Dispute`` (hence ``dispute_activity_types`` in the settings).

Left out: returns (neither OCA ``rma`` records nor return transfers are written), and
cancelled orders and purchase orders are written cancelled, which a first sync never
adds. What Odoo has no field for (pick capacity, transfer lanes, the dispute activity
type) is in :meth:`LoadedBusiness.settings_toml`, to pass as ``--settings``.

Records are written with ``create_many`` in large batches, so a business of 100,000
open order lines loads in well under two minutes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from controltower.domain.model import (
    Dataset,
    OrderStatus,
    PickStatus,
    Product,
    PurchaseOrder,
    SalesOrder,
    effective_accepts_partial,
    effective_unit_price,
    po_line_expected_date,
)

from .server import FakeOdoo

LOGIN = "ct"
API_KEY = "ct-key"
DISPUTE_TYPE = "Dispute"
BATCH = 20_000


@dataclass
class LoadedBusiness:
    """What :func:`load_dataset` wrote: ids by dataset key, and what the mapping needs."""

    version: str
    login: str
    api_key: str
    uid: int
    company: str
    users: dict[str, int] = field(default_factory=dict)
    warehouses: dict[str, int] = field(default_factory=dict)
    products: dict[str, int] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)
    suppliers: dict[str, int] = field(default_factory=dict)
    quants: dict[tuple[str, str], int] = field(default_factory=dict)
    sale_orders: dict[str, int] = field(default_factory=dict)
    sale_lines: dict[tuple[str, int], int] = field(default_factory=dict)
    purchase_orders: dict[str, int] = field(default_factory=dict)
    purchase_lines: dict[tuple[str, int], int] = field(default_factory=dict)
    pickings: dict[str, int] = field(default_factory=dict)
    receipts: dict[str, int] = field(default_factory=dict)
    invoices: dict[str, int] = field(default_factory=dict)
    #: records per model that the mapping turns into the dataset (the read budget's base)
    needed: Counter[str] = field(default_factory=Counter)
    #: records per model written only because Odoo keeps them (not mapped)
    extra: Counter[str] = field(default_factory=Counter)
    #: dataset rows not written, per file
    skipped: Counter[str] = field(default_factory=Counter)
    pick_capacity: dict[str, int] = field(default_factory=dict)
    transfer_lanes: list[tuple[str, str, int]] = field(default_factory=list)

    def settings_toml(self) -> str:
        """The connector settings that carry what Odoo has no field for."""
        lines = ["[odoo]", f'dispute_activity_types = ["{DISPUTE_TYPE}"]', ""]
        lines.append("[odoo.pick_capacity]")
        lines += [
            f'"{code}" = {lines_per_day}' for code, lines_per_day in self.pick_capacity.items()
        ]
        for source, target, days in self.transfer_lanes:
            lines += [
                "",
                "[[odoo.transfer_lanes]]",
                f'from_warehouse = "{source}"',
                f'to_warehouse = "{target}"',
                f"transit_days = {days}",
            ]
        return "\n".join(lines) + "\n"


def _noon(day: date) -> str:
    """A dataset date as the Odoo datetime that maps back to it (12:00 UTC)."""
    return f"{day.isoformat()} 12:00:00"


def _stamp(moment: datetime) -> str:
    return moment.replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S")


def _num(value: Decimal | None) -> float:
    return float(value) if value is not None else 0.0


def _major(odoo: FakeOdoo) -> int:
    return int(odoo.version.split(".")[0])


def _create(odoo: FakeOdoo, model: str, rows: list[dict[str, Any]]) -> list[int]:
    """``create_many`` in batches (one lock hold per batch keeps the server responsive)."""
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        ids += odoo.create_many(model, rows[start : start + BATCH])
    return ids


class _Loader:
    """One load: the dataset, the fake, and the ids made so far."""

    def __init__(self, odoo: FakeOdoo, dataset: Dataset) -> None:
        companies = dataset.companies()
        if len(companies) > 1:
            raise ValueError(f"load_dataset writes one company, not {companies}")
        self.odoo = odoo
        self.data = dataset
        self.major = _major(odoo)
        uid = odoo.add_user(LOGIN, password="pw", api_key=API_KEY, name="Control Tower")
        self.biz = LoadedBusiness(
            version=odoo.version,
            login=LOGIN,
            api_key=API_KEY,
            uid=uid,
            company=companies[0] if companies else "main",
        )
        self.biz.users[LOGIN] = uid
        self.company_id = 1
        self.line_uom = "product_uom_id" if self.major >= 19 else "product_uom"
        self.uoms: dict[str, int] = {}
        self.product_uom: dict[str, int] = {}
        self.stock_location: dict[str, int] = {}
        self.quality_location: dict[str, int] = {}
        self.in_type: dict[str, int] = {}
        self.out_type: dict[str, int] = {}
        self.tags: dict[str, int] = {}
        self.expedite_tag = 0
        self.customer_location = odoo.ref("stock.stock_location_customers")
        self.supplier_location = odoo.ref("stock.stock_location_suppliers")

    def user(self, login: str | None) -> int | bool:
        return self.biz.users[login] if login else False

    # --- masters -------------------------------------------------------------------

    def company(self) -> None:
        row = self.odoo.record("res.company", self.company_id)
        self.odoo.write("res.company", self.company_id, {"name": self.biz.company})
        self.odoo.write("res.partner", row["partner_id"], {"name": self.biz.company, "tz": "UTC"})

    def users(self) -> None:
        data = self.data
        logins = {
            *(o.salesperson for o in data.sales_orders),
            *(o.buyer for o in data.purchase_orders),
            *(c.account_owner for c in data.customers),
            *(p.assigned_to for p in data.picks),
        }
        for login in sorted(name for name in logins if name and name not in self.biz.users):
            self.biz.users[login] = self.odoo.add_user(login, name=login)

    def warehouses(self) -> None:
        for warehouse in self.data.warehouses:
            wid = self.odoo.create(
                "stock.warehouse",
                {
                    "name": warehouse.name or warehouse.code,
                    "code": warehouse.code,
                    "company_id": self.company_id,
                },
            )
            row = self.odoo.record("stock.warehouse", wid)
            self.biz.warehouses[warehouse.code] = wid
            self.stock_location[warehouse.code] = row["lot_stock_id"]
            self.in_type[warehouse.code] = row["in_type_id"]
            self.out_type[warehouse.code] = row["out_type_id"]
            self.quality_location[warehouse.code] = self.odoo.create(
                "stock.location",
                {"name": "Quality", "usage": "internal", "location_id": row["lot_stock_id"]},
            )
            if warehouse.pick_capacity_lines_per_day is not None:
                self.biz.pick_capacity[warehouse.code] = warehouse.pick_capacity_lines_per_day
        self.biz.transfer_lanes = [
            (lane.from_warehouse, lane.to_warehouse, lane.transit_days)
            for lane in self.data.transfer_lanes
        ]

    def tags_(self) -> None:
        for name in ("Strategic", "Key", "Credit Hold"):
            self.tags[name] = self.odoo.create("res.partner.category", {"name": name})
        self.expedite_tag = self.odoo.create("crm.tag", {"name": "Expedite"})

    def products(self) -> None:
        category = self.odoo.ref("uom.product_uom_categ_unit")
        names = sorted({p.uom for p in self.data.products})
        ids = _create(
            self.odoo,
            "uom.uom",
            [{"name": n, "category_id": category, "factor": 1.0} for n in names],
        )
        self.uoms = dict(zip(names, ids, strict=True))
        storable: dict[str, Any] = (
            {"type": "consu", "is_storable": True} if self.major >= 18 else {"type": "product"}
        )
        rows = [
            {
                "name": p.name or p.sku,
                "default_code": p.sku,
                "standard_price": _num(p.unit_cost),
                "list_price": _num(p.list_price),
                "uom_id": self.uoms[p.uom],
                **storable,
            }
            for p in self.data.products
        ]
        ids = _create(self.odoo, "product.product", rows)
        self.biz.products = {p.sku: pid for p, pid in zip(self.data.products, ids, strict=True)}
        self.product_uom = {p.sku: self.uoms[p.uom] for p in self.data.products}
        self.biz.needed["product.product"] += len(ids)
        self._orderpoints()

    def _orderpoints(self) -> None:
        if not self.data.warehouses:
            return
        first = self.data.warehouses[0].code
        points = [p for p in self.data.products if p.reorder_point is not None]
        rows = [
            {
                "product_id": self.biz.products[p.sku],
                "warehouse_id": self.biz.warehouses[first],
                "location_id": self.stock_location[first],
                "product_min_qty": _num(p.reorder_point),
                "product_max_qty": _num((p.reorder_point or Decimal(0)) + (p.reorder_qty or 0)),
            }
            for p in points
        ]
        self.biz.needed["stock.warehouse.orderpoint"] += len(
            _create(self.odoo, "stock.warehouse.orderpoint", rows)
        )

    def partners(self) -> None:
        rows = []
        for c in self.data.customers:
            tags = []
            if c.tier == "strategic":
                tags.append(self.tags["Strategic"])
            elif c.tier == "key":
                tags.append(self.tags["Key"])
            if c.credit_hold:
                tags.append(self.tags["Credit Hold"])
            rows.append(
                {
                    "name": c.name or c.code,
                    "ref": c.code,
                    "is_company": True,
                    "customer_rank": 1,
                    "category_id": tags,
                    "credit_limit": _num(c.credit_limit),
                    "use_partner_credit_limit": c.credit_limit is not None,
                    "user_id": self.user(c.account_owner),
                    "tz": "UTC",
                }
            )
        ids = _create(self.odoo, "res.partner", rows)
        self.biz.customers = {c.code: pid for c, pid in zip(self.data.customers, ids, strict=True)}
        rows = [
            {"name": s.name or s.code, "ref": s.code, "is_company": True, "supplier_rank": 1}
            for s in self.data.suppliers
        ]
        ids = _create(self.odoo, "res.partner", rows)
        self.biz.suppliers = {s.code: pid for s, pid in zip(self.data.suppliers, ids, strict=True)}

    def vendor_prices(self) -> None:
        """A vendor price line per (vendor, product) bought, delay = the vendor's lead days."""
        templates = {
            row["id"]: row["product_tmpl_id"] for row in self.odoo.records("product.product")
        }
        orders = {po.po_id: po for po in self.data.purchase_orders}
        bought: dict[str, list[str]] = defaultdict(list)
        for line in self.data.purchase_order_lines:
            vendor = orders[line.po_id].supplier
            if line.sku not in bought[vendor]:
                bought[vendor].append(line.sku)
        rows = []
        for s in self.data.suppliers:
            if s.lead_days is None:
                continue
            skus = bought.get(s.code) or [p.sku for p in self.data.products[:1]]
            for sku in skus:
                product = self.biz.products[sku]
                rows.append(
                    {
                        "partner_id": self.biz.suppliers[s.code],
                        "product_tmpl_id": templates[product],
                        "product_id": product,
                        "delay": s.lead_days,
                    }
                )
        self.biz.needed["product.supplierinfo"] += len(
            _create(self.odoo, "product.supplierinfo", rows)
        )

    def stock(self) -> None:
        rows, keys = [], []
        for level in self.data.stock:
            product = self.biz.products[level.sku]
            free = level.on_hand - level.quality_hold
            rows.append(
                {
                    "product_id": product,
                    "location_id": self.stock_location[level.warehouse],
                    "quantity": float(free),
                }
            )
            keys.append((level.sku, level.warehouse))
            if level.quality_hold:
                rows.append(
                    {
                        "product_id": product,
                        "location_id": self.quality_location[level.warehouse],
                        "quantity": float(level.quality_hold),
                    }
                )
                keys.append((level.sku, f"{level.warehouse}/Quality"))
        ids = _create(self.odoo, "stock.quant", rows)
        self.biz.quants = dict(zip(keys, ids, strict=True))
        self.biz.needed["stock.quant"] += len(ids)

    # --- sales ---------------------------------------------------------------------

    def sales(self) -> None:
        data = self.data
        customers = {c.code: c for c in data.customers}
        products: dict[str, Product] = {p.sku: p for p in data.products}
        lines_of = defaultdict(list)
        for line in data.sales_order_lines:
            lines_of[line.order_id].append(line)
        orders: list[SalesOrder] = list(data.sales_orders)
        rows = []
        for o in orders:
            lines = lines_of[o.order_id]
            shipped = any(li.qty_shipped > 0 for li in lines)
            status = {
                OrderStatus.DONE: "full",
                OrderStatus.CANCELLED: "pending",
            }.get(o.status, "partial" if shipped else "pending")
            partial = effective_accepts_partial(o, customers.get(o.customer))
            rows.append(
                {
                    "name": o.order_id,
                    "state": "cancel" if o.status == OrderStatus.CANCELLED else "sale",
                    "partner_id": self.biz.customers[o.customer],
                    "warehouse_id": self.biz.warehouses[o.warehouse],
                    "company_id": self.company_id,
                    "date_order": _noon(o.order_date),
                    "commitment_date": _noon(o.promised_date),
                    "picking_policy": "direct" if partial else "one",
                    "tag_ids": [self.expedite_tag] if o.expedite else [],
                    "user_id": self.user(o.salesperson),
                    "delivery_status": status,
                }
            )
        ids = _create(self.odoo, "sale.order", rows)
        self.biz.sale_orders = {o.order_id: oid for o, oid in zip(orders, ids, strict=True)}
        live = [o for o in orders if o.status != OrderStatus.CANCELLED]
        self.biz.needed["sale.order"] += len(live)
        self.biz.extra["sale.order"] += len(orders) - len(live)
        self.biz.skipped["sales_orders"] += len(orders) - len(live)
        line_rows, keys = [], []
        for o in orders:
            for seq, li in enumerate(lines_of[o.order_id], start=1):
                line_rows.append(
                    {
                        "order_id": self.biz.sale_orders[o.order_id],
                        "sequence": seq,
                        "product_id": self.biz.products[li.sku],
                        "name": li.sku,
                        "product_uom_qty": float(li.qty),
                        self.line_uom: self.product_uom[li.sku],
                        "qty_delivered": float(li.qty_shipped),
                        "price_unit": float(effective_unit_price(li, products.get(li.sku))),
                    }
                )
                keys.append((o.order_id, li.line))
        ids = _create(self.odoo, "sale.order.line", line_rows)
        self.biz.sale_lines = dict(zip(keys, ids, strict=True))
        cancelled = {o.order_id for o in orders if o.status == OrderStatus.CANCELLED}
        dropped = sum(1 for key in keys if key[0] in cancelled)
        self.biz.needed["sale.order.line"] += len(ids) - dropped
        self.biz.extra["sale.order.line"] += dropped
        self.biz.skipped["sales_order_lines"] += dropped

    def picks(self) -> None:
        data = self.data
        orders = {o.order_id: o for o in data.sales_orders}
        kept = [p for p in data.picks if orders[p.order_id].status != OrderStatus.CANCELLED]
        self.biz.skipped["picks"] += len(data.picks) - len(kept)
        rows = [
            {
                "name": p.pick_id,
                "picking_type_id": self.out_type[p.warehouse],
                "sale_id": self.biz.sale_orders[p.order_id],
                "partner_id": self.biz.customers[orders[p.order_id].customer],
                "origin": p.order_id,
                "user_id": self.user(p.assigned_to),
                "state": "done" if p.status == PickStatus.DONE else "assigned",
                "scheduled_date": _stamp(p.created_at),
                "create_date": _stamp(p.created_at),
                **({"date_done": _stamp(p.created_at)} if p.status == PickStatus.DONE else {}),
            }
            for p in kept
        ]
        ids = _create(self.odoo, "stock.picking", rows)
        self.biz.pickings = {p.pick_id: pid for p, pid in zip(kept, ids, strict=True)}
        self.biz.needed["stock.picking"] += len(ids)

    def deliveries(self) -> None:
        """An open move per reserved line; a done move per shipped line (Odoo keeps both)."""
        data = self.data
        orders = {o.order_id: o for o in data.sales_orders}
        open_pick: dict[str, int] = {}
        done_pick: dict[str, int] = {}
        for p in data.picks:
            if p.pick_id in self.biz.pickings:
                target = done_pick if p.status == PickStatus.DONE else open_pick
                target.setdefault(p.order_id, self.biz.pickings[p.pick_id])
        reserving, shipped = [], []
        for li in data.sales_order_lines:
            order = orders[li.order_id]
            if order.status == OrderStatus.CANCELLED:
                continue
            base = {
                "product_id": self.biz.products[li.sku],
                "product_uom": self.product_uom[li.sku],
                "sale_line_id": self.biz.sale_lines[(li.order_id, li.line)],
                "picking_type_id": self.out_type[order.warehouse],
                "location_id": self.stock_location[order.warehouse],
                "location_dest_id": self.customer_location,
                "origin": li.order_id,
            }
            if li.qty_reserved > 0:
                reserving.append(
                    {
                        **base,
                        "picking_id": open_pick.get(li.order_id, False),
                        "product_uom_qty": float(max(li.qty - li.qty_shipped, li.qty_reserved)),
                        "quantity": float(li.qty_reserved),
                        "state": "assigned",
                        "date": _noon(order.promised_date),
                    }
                )
            if li.qty_shipped > 0:
                shipped.append(
                    {
                        **base,
                        "picking_id": done_pick.get(li.order_id, False),
                        "product_uom_qty": float(li.qty_shipped),
                        "quantity": float(li.qty_shipped),
                        "picked": True,
                        "state": "done",
                        "date": _noon(order.promised_date),
                    }
                )
        self.biz.needed["stock.move"] += len(_create(self.odoo, "stock.move", reserving))
        self.biz.extra["stock.move"] += len(_create(self.odoo, "stock.move", shipped))

    # --- purchasing ----------------------------------------------------------------

    def purchases(self) -> None:
        data = self.data
        confirmed_flag = "acknowledged" if self.major >= 19 else "mail_reminder_confirmed"
        lines_of = defaultdict(list)
        for line in data.purchase_order_lines:
            lines_of[line.po_id].append(line)
        orders: list[PurchaseOrder] = list(data.purchase_orders)
        rows = []
        for po in orders:
            lines = lines_of[po.po_id]
            received = any(li.qty_received > 0 for li in lines)
            row: dict[str, Any] = {
                "name": po.po_id,
                "state": self._po_state(po),
                "partner_id": self.biz.suppliers[po.supplier],
                "picking_type_id": self.in_type[po.warehouse],
                "company_id": self.company_id,
                "date_order": _noon(po.order_date),
                "date_approve": _noon(po.order_date),
                confirmed_flag: po.confirmed_date is not None,
                "user_id": self.user(po.buyer),
                "receipt_status": "full"
                if po.status == OrderStatus.DONE
                else ("partial" if received else "pending"),
            }
            if self.major >= 19 and po.status == OrderStatus.DONE:
                row["locked"] = True
            if not lines:  # the arrival is the lines' when there are lines
                row["date_planned"] = _noon(po.expected_date)
            rows.append(row)
        ids = _create(self.odoo, "purchase.order", rows)
        self.biz.purchase_orders = {po.po_id: oid for po, oid in zip(orders, ids, strict=True)}
        cancelled = {po.po_id for po in orders if po.status == OrderStatus.CANCELLED}
        self.biz.needed["purchase.order"] += len(orders) - len(cancelled)
        self.biz.extra["purchase.order"] += len(cancelled)
        self.biz.skipped["purchase_orders"] += len(cancelled)
        by_id = {po.po_id: po for po in orders}
        costs = {p.sku: p.unit_cost for p in data.products}
        line_rows, keys = [], []
        for po in orders:
            for seq, li in enumerate(lines_of[po.po_id], start=1):
                cost = li.unit_cost if li.unit_cost is not None else costs.get(li.sku)
                line_rows.append(
                    {
                        "order_id": self.biz.purchase_orders[po.po_id],
                        "sequence": seq,
                        "product_id": self.biz.products[li.sku],
                        "name": li.sku,
                        "product_qty": float(li.qty),
                        self.line_uom: self.product_uom[li.sku],
                        "qty_received": float(li.qty_received),
                        "date_planned": _noon(po_line_expected_date(li, by_id[po.po_id])),
                        "price_unit": _num(cost),
                    }
                )
                keys.append((po.po_id, li.line))
        ids = _create(self.odoo, "purchase.order.line", line_rows)
        self.biz.purchase_lines = dict(zip(keys, ids, strict=True))
        dropped = sum(1 for key in keys if key[0] in cancelled)
        self.biz.needed["purchase.order.line"] += len(ids) - dropped
        self.biz.extra["purchase.order.line"] += dropped
        self.biz.skipped["purchase_order_lines"] += dropped

    def _po_state(self, po: PurchaseOrder) -> str:
        if po.status == OrderStatus.CANCELLED:
            return "cancel"
        if po.status == OrderStatus.DONE and self.major < 19:
            return "done"
        return "purchase"

    def receipts(self) -> None:
        data = self.data
        orders = {po.po_id: po for po in data.purchase_orders}
        lines = {(li.po_id, li.line): li for li in data.purchase_order_lines}
        kept = [
            r
            for r in data.receipts
            if orders[r.po_id].status != OrderStatus.CANCELLED and (r.po_id, r.line) in lines
        ]
        self.biz.skipped["receipts"] += len(data.receipts) - len(kept)
        pickings = _create(
            self.odoo,
            "stock.picking",
            [
                {
                    "name": r.receipt_id,
                    "picking_type_id": self.in_type[orders[r.po_id].warehouse],
                    "partner_id": self.biz.suppliers[orders[r.po_id].supplier],
                    "origin": r.po_id,
                    "state": "done",
                    "scheduled_date": _noon(r.received_date),
                    "date_done": _noon(r.received_date),
                }
                for r in kept
            ],
        )
        self.biz.extra["stock.picking"] += len(pickings)
        waiting = [r for r in kept if not r.put_away]
        put_away = _create(
            self.odoo,
            "stock.move",
            [
                {
                    "product_id": self.biz.products[lines[(r.po_id, r.line)].sku],
                    "product_uom_qty": float(r.qty),
                    "quantity": float(r.qty),
                    "state": "assigned",
                    "location_id": self.stock_location[orders[r.po_id].warehouse],
                    "location_dest_id": self.stock_location[orders[r.po_id].warehouse],
                    "date": _noon(r.received_date),
                }
                for r in waiting
            ],
        )
        self.biz.needed["stock.move"] += len(put_away)
        dest = {r.receipt_id: mid for r, mid in zip(waiting, put_away, strict=True)}
        rows = []
        for r, picking in zip(kept, pickings, strict=True):
            warehouse = orders[r.po_id].warehouse
            rows.append(
                {
                    "picking_id": picking,
                    "product_id": self.biz.products[lines[(r.po_id, r.line)].sku],
                    "product_uom_qty": float(r.qty),
                    "quantity": float(r.qty),
                    "picked": True,
                    "state": "done",
                    "purchase_line_id": self.biz.purchase_lines[(r.po_id, r.line)],
                    "location_id": self.supplier_location,
                    "location_dest_id": self.stock_location[warehouse],
                    "date": _noon(r.received_date),
                    "move_dest_ids": [dest[r.receipt_id]] if r.receipt_id in dest else [],
                }
            )
        ids = _create(self.odoo, "stock.move", rows)
        self.biz.receipts = {r.receipt_id: mid for r, mid in zip(kept, ids, strict=True)}
        self.biz.needed["stock.move"] += len(ids)
        scraps = [
            {
                "product_id": self.biz.products[lines[(r.po_id, r.line)].sku],
                "scrap_qty": float(r.damaged_qty),
                "picking_id": picking,
                "location_id": self.stock_location[orders[r.po_id].warehouse],
                "state": "done",
                "origin": r.po_id,
            }
            for r, picking in zip(kept, pickings, strict=True)
            if r.damaged_qty > 0
        ]
        self.biz.needed["stock.scrap"] += len(_create(self.odoo, "stock.scrap", scraps))

    # --- receivables ---------------------------------------------------------------

    def invoices(self) -> None:
        data = self.data
        blocked = self.major >= 18
        rows = []
        for inv in data.invoices:
            refund = inv.amount_residual < 0
            amount = float(abs(inv.amount_residual))
            rows.append(
                {
                    "name": inv.invoice_id,
                    "move_type": "out_refund" if refund else "out_invoice",
                    "state": "posted",
                    "payment_state": "blocked" if inv.disputed and blocked else "not_paid",
                    "partner_id": self.biz.customers[inv.customer],
                    "invoice_date": inv.due_date.isoformat(),
                    "invoice_date_due": inv.due_date.isoformat(),
                    "date": inv.due_date.isoformat(),
                    "amount_total": amount,
                    "amount_residual": amount,
                    "amount_total_signed": float(inv.amount_residual),
                    "amount_residual_signed": float(inv.amount_residual),
                }
            )
        ids = _create(self.odoo, "account.move", rows)
        self.biz.invoices = {i.invoice_id: iid for i, iid in zip(data.invoices, ids, strict=True)}
        self.biz.needed["account.move"] += len(ids)
        disputed = [i for i in data.invoices if i.disputed]
        if blocked or not disputed:
            return
        kind = self.odoo.create("mail.activity.type", {"name": DISPUTE_TYPE})
        (model_id,) = [
            r["id"] for r in self.odoo.records("ir.model") if r["model"] == "account.move"
        ]
        activities = [
            {
                "res_model_id": model_id,
                "res_id": self.biz.invoices[i.invoice_id],
                "activity_type_id": kind,
                "summary": f"Customer disputes {i.invoice_id}",
                "date_deadline": i.due_date.isoformat(),
                "user_id": self.biz.uid,
            }
            for i in disputed
        ]
        self.biz.needed["mail.activity"] += len(_create(self.odoo, "mail.activity", activities))


def load_dataset(odoo: FakeOdoo, dataset: Dataset) -> LoadedBusiness:
    """Write ``dataset`` into ``odoo`` as Odoo would hold it (see the module docstring)."""
    loader = _Loader(odoo, dataset)
    loader.company()
    loader.users()
    loader.warehouses()
    loader.tags_()
    loader.products()
    loader.partners()
    loader.vendor_prices()
    loader.stock()
    loader.sales()
    loader.picks()
    loader.deliveries()
    loader.purchases()
    loader.receipts()
    loader.invoices()
    biz = loader.biz
    biz.skipped["returns"] += len(dataset.returns)
    used = {
        *(o.customer for o in dataset.sales_orders if o.status != OrderStatus.CANCELLED),
        *(i.customer for i in dataset.invoices),
    }
    vendors = {po.supplier for po in dataset.purchase_orders if po.status != OrderStatus.CANCELLED}
    vendors |= {s.code for s in dataset.suppliers if s.lead_days is not None}
    biz.needed["res.partner"] += len(used) + len(vendors) + 1  # and the company's partner
    return biz
