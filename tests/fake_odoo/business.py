"""A small, coherent distributor seeded into a FakeOdoo (17.0, 18.0 or 19.0 schema).

One company in Brussels trading in EUR, two warehouses (WH and EAST), customers and
vendors with the edge cases the sync must handle (a contact ordering for its company, a
blank reference, a duplicated product code, a Dozens line, a quality location, a
scrapped receipt ...). Most rows share one ``write_date``, as rows written in one
transaction do in Odoo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .server import FakeOdoo

SEEDED_AT = datetime(2026, 11, 20, 9, 0, 0)
LATER = datetime(2026, 11, 20, 9, 30, 0)
AS_OF = datetime(2026, 11, 21, 8, 0, 0)


@dataclass
class Business:
    """Ids and names of the seeded records, by a short key a test can name."""

    version: str
    company_id: int
    company_partner_id: int
    eur_id: int
    uid: int
    login: str
    password: str
    api_key: str
    users: dict[str, int] = field(default_factory=dict)  # login -> uid
    warehouses: dict[str, int] = field(default_factory=dict)  # code -> id
    view_locations: dict[str, int] = field(default_factory=dict)  # code -> id
    stock_locations: dict[str, int] = field(default_factory=dict)  # code -> id
    quality_location_id: int = 0
    customer_location_id: int = 0
    supplier_location_id: int = 0
    scrap_location_id: int = 0
    picking_types: dict[str, int] = field(default_factory=dict)  # "WH/in", "EAST/out" ...
    partner_tags: dict[str, int] = field(default_factory=dict)
    order_tags: dict[str, int] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)
    contact_id: int = 0
    vendors: dict[str, int] = field(default_factory=dict)
    uom_units_id: int = 0
    uom_dozens_id: int = 0
    products: dict[str, int] = field(default_factory=dict)
    supplierinfos: dict[str, int] = field(default_factory=dict)
    orderpoints: dict[str, int] = field(default_factory=dict)
    quants: dict[str, int] = field(default_factory=dict)
    sale_orders: dict[str, int] = field(default_factory=dict)
    sale_order_names: dict[str, str] = field(default_factory=dict)
    sale_lines: dict[str, int] = field(default_factory=dict)
    purchase_orders: dict[str, int] = field(default_factory=dict)
    purchase_order_names: dict[str, str] = field(default_factory=dict)
    purchase_lines: dict[str, int] = field(default_factory=dict)
    pickings: dict[str, int] = field(default_factory=dict)
    picking_names: dict[str, str] = field(default_factory=dict)
    moves: dict[str, int] = field(default_factory=dict)
    scrap_id: int = 0
    invoices: dict[str, int] = field(default_factory=dict)
    invoice_names: dict[str, str] = field(default_factory=dict)
    seeded_at: datetime = SEEDED_AT
    as_of: datetime = AS_OF


def _major(odoo: FakeOdoo) -> int:
    return int(odoo.version.split(".")[0])


def _line_uom(odoo: FakeOdoo) -> str:
    return "product_uom_id" if _major(odoo) >= 19 else "product_uom"


def seed_business(odoo: FakeOdoo) -> Business:
    """Create the distributor; leaves ``odoo.now`` at ``AS_OF``."""
    odoo.now = SEEDED_AT
    eur = odoo.ref("base.EUR")
    odoo.write("res.company", 1, {"name": "Northwind Distribution", "currency_id": eur})
    company = odoo.records("res.company")[0]
    odoo.write(
        "res.partner",
        company["partner_id"],
        {
            "name": "Northwind Distribution",
            "tz": "Europe/Brussels",
            "email": "info@northwind.example",
        },
    )
    uid = odoo.add_user("ct", password="pw", api_key="ct-key", name="Control Tower")
    biz = Business(
        version=odoo.version,
        company_id=company["id"],
        company_partner_id=company["partner_id"],
        eur_id=eur,
        uid=uid,
        login="ct",
        password="pw",
        api_key="ct-key",
    )
    biz.users["ct"] = uid
    for login, name in (
        ("sales.sara", "Sara Sales"),
        ("buyer.bruno", "Bruno Buyer"),
        ("picker.pete", "Pete Picker"),
    ):
        biz.users[login] = odoo.add_user(login, password=f"{login}-pw", name=name)
    _seed_locations(odoo, biz)
    _seed_partners(odoo, biz)
    _seed_products(odoo, biz)
    _seed_stock(odoo, biz)
    _seed_sales(odoo, biz)
    _seed_deliveries(odoo, biz)
    _seed_purchases(odoo, biz)
    _seed_invoices(odoo, biz)
    odoo.now = AS_OF
    return biz


def _seed_locations(odoo: FakeOdoo, biz: Business) -> None:
    for code, name in (("WH", "Main Warehouse"), ("EAST", "East Warehouse")):
        wid = odoo.create("stock.warehouse", {"name": name, "code": code})
        row = odoo.record("stock.warehouse", wid)
        biz.warehouses[code] = wid
        biz.view_locations[code] = row["view_location_id"]
        biz.stock_locations[code] = row["lot_stock_id"]
        for kind, key in (("in", "in_type_id"), ("out", "out_type_id"), ("pick", "pick_type_id")):
            biz.picking_types[f"{code}/{kind}"] = row[key]
    biz.quality_location_id = odoo.create(
        "stock.location",
        {"name": "Quality", "usage": "internal", "location_id": biz.stock_locations["WH"]},
    )
    biz.customer_location_id = odoo.ref("stock.stock_location_customers")
    biz.supplier_location_id = odoo.ref("stock.stock_location_suppliers")
    biz.scrap_location_id = odoo.ref("stock.stock_location_scrap")


def _seed_partners(odoo: FakeOdoo, biz: Business) -> None:
    for name in ("Strategic", "Key", "Credit Hold"):
        biz.partner_tags[name] = odoo.create("res.partner.category", {"name": name})
    for name in ("Expedite", "Promo"):
        biz.order_tags[name] = odoo.create("crm.tag", {"name": name})
    sales = biz.users["sales.sara"]
    customers: list[tuple[str, dict[str, Any]]] = [
        (
            "strategic",
            {
                "name": "Acme Retail",
                "ref": "C-ACME",
                "category_id": [biz.partner_tags["Strategic"]],
                "credit_limit": 50000.0,
                "use_partner_credit_limit": True,
                "user_id": sales,
            },
        ),
        (
            "hold",
            {
                "name": "Brightside Stores",
                "ref": "C-BRIGHT",
                "category_id": [biz.partner_tags["Credit Hold"]],
                "sale_warn": "block",
                "sale_warn_msg": "Payment overdue: no new orders.",
            },
        ),
        ("with_contact", {"name": "Corner Shop Co", "ref": "C-CORNER", "user_id": sales}),
        ("no_ref", {"name": "Delta Traders", "ref": False}),
    ]
    for key, vals in customers:
        biz.customers[key] = odoo.create(
            "res.partner", {"is_company": True, "customer_rank": 1, "tz": "Europe/Brussels", **vals}
        )
    biz.contact_id = odoo.create(
        "res.partner",
        {
            "name": "Carla Corner",
            "parent_id": biz.customers["with_contact"],
            "email": "carla@corner.example",
            "customer_rank": 1,
        },
    )
    for key, name, ref in (
        ("global", "Global Parts Ltd", "V-GLOBAL"),
        ("fast", "Fast Supply BV", "V-FAST"),
    ):
        biz.vendors[key] = odoo.create(
            "res.partner", {"name": name, "ref": ref, "is_company": True, "supplier_rank": 1}
        )


def _storable(odoo: FakeOdoo) -> dict[str, Any]:
    return {"type": "consu", "is_storable": True} if _major(odoo) >= 18 else {"type": "product"}


def _seed_products(odoo: FakeOdoo, biz: Business) -> None:
    biz.uom_units_id = odoo.ref("uom.product_uom_unit")
    biz.uom_dozens_id = odoo.ref("uom.product_uom_dozen")
    storable = _storable(odoo)
    products: list[tuple[str, dict[str, Any]]] = [
        (
            "widget",
            {
                "name": "Widget",
                "default_code": "WID-001",
                "standard_price": 4.0,
                "list_price": 10.0,
                **storable,
            },
        ),
        (
            "gadget",
            {
                "name": "Gadget",
                "default_code": "GAD-002",
                "standard_price": 12.0,
                "list_price": 25.0,
                **storable,
            },
        ),
        (
            "nocode",
            {
                "name": "Unlabelled Box",
                "default_code": False,
                "standard_price": 1.5,
                "list_price": 3.0,
                **storable,
            },
        ),
        (
            "dup_a",
            {
                "name": "Bolt M8",
                "default_code": "DUP",
                "standard_price": 0.2,
                "list_price": 0.5,
                **storable,
            },
        ),
        (
            "dup_b",
            {
                "name": "Bolt M10",
                "default_code": "DUP",
                "standard_price": 0.3,
                "list_price": 0.7,
                **storable,
            },
        ),
        (
            "service",
            {
                "name": "Installation",
                "default_code": "SRV-INST",
                "type": "service",
                "list_price": 150.0,
            },
        ),
        (
            "consumable",
            {"name": "Brochure", "default_code": "CON-BRO", "type": "consu", "list_price": 0.0},
        ),
    ]
    for key, vals in products:
        biz.products[key] = odoo.create("product.product", vals)
    tmpl = {
        key: odoo.record("product.product", pid)["product_tmpl_id"]
        for key, pid in biz.products.items()
    }
    infos = [
        ("global_widget", "global", "widget", 7, 10.0, 4.0),
        ("global_gadget", "global", "gadget", 14, 5.0, 12.0),
        ("fast_widget", "fast", "widget", 3, 1.0, 4.5),
        ("fast_dup_a", "fast", "dup_a", 5, 100.0, 0.2),
    ]
    for key, vendor, product, delay, min_qty, price in infos:
        biz.supplierinfos[key] = odoo.create(
            "product.supplierinfo",
            {
                "partner_id": biz.vendors[vendor],
                "product_tmpl_id": tmpl[product],
                "product_id": biz.products[product],
                "delay": delay,
                "min_qty": min_qty,
                "price": price,
            },
        )


def _seed_stock(odoo: FakeOdoo, biz: Business) -> None:
    points = [
        ("WH/widget", "WH", "widget", 20.0, 100.0),
        ("WH/gadget", "WH", "gadget", 5.0, 30.0),
        ("EAST/widget", "EAST", "widget", 10.0, 40.0),
    ]
    for key, code, product, low, high in points:
        biz.orderpoints[key] = odoo.create(
            "stock.warehouse.orderpoint",
            {
                "product_id": biz.products[product],
                "warehouse_id": biz.warehouses[code],
                "location_id": biz.stock_locations[code],
                "product_min_qty": low,
                "product_max_qty": high,
            },
        )
    quality = biz.quality_location_id
    quants = [
        ("WH/widget", biz.stock_locations["WH"], "widget", 80.0, 12.0),
        ("WH/Quality/widget", quality, "widget", 6.0, 0.0),
        ("WH/gadget", biz.stock_locations["WH"], "gadget", 12.0, 1.0),
        ("WH/nocode", biz.stock_locations["WH"], "nocode", 30.0, 0.0),
        ("WH/dup_a", biz.stock_locations["WH"], "dup_a", 50.0, 0.0),
        ("WH/dup_b", biz.stock_locations["WH"], "dup_b", 20.0, 0.0),
        ("EAST/widget", biz.stock_locations["EAST"], "widget", 25.0, 2.0),
        ("EAST/gadget", biz.stock_locations["EAST"], "gadget", 4.0, 0.0),
    ]
    for key, location, product, qty, reserved in quants:
        biz.quants[key] = odoo.create(
            "stock.quant",
            {
                "product_id": biz.products[product],
                "location_id": location,
                "quantity": qty,
                "reserved_quantity": reserved,
            },
        )


def _order(
    odoo: FakeOdoo,
    biz: Business,
    key: str,
    vals: dict[str, Any],
    lines: list[tuple[str, dict[str, Any]]],
) -> None:
    uom = _line_uom(odoo)
    base: dict[str, Any] = {"company_id": biz.company_id, "currency_id": biz.eur_id}
    oid = odoo.create("sale.order", {**base, **vals})
    biz.sale_orders[key] = oid
    biz.sale_order_names[key] = str(odoo.record("sale.order", oid)["name"])
    for seq, (line_key, line) in enumerate(lines, start=1):
        values = {"order_id": oid, "sequence": seq * 10, **line}
        if "product" in values:
            values["product_id"] = biz.products[values.pop("product")]
        if values.pop("dozens", False):
            values[uom] = biz.uom_dozens_id
        biz.sale_lines[line_key] = odoo.create("sale.order.line", values)


def _seed_sales(odoo: FakeOdoo, biz: Business) -> None:
    cust = biz.customers
    sales = biz.users["sales.sara"]
    wh, east = biz.warehouses["WH"], biz.warehouses["EAST"]
    common = {"state": "sale", "user_id": sales}
    _order(
        odoo,
        biz,
        "acme",
        {
            **common,
            "partner_id": cust["strategic"],
            "warehouse_id": wh,
            "date_order": "2026-11-16 08:30:00",
            "commitment_date": "2026-12-01 10:00:00",
            "tag_ids": [biz.order_tags["Expedite"]],
            "delivery_status": "pending",
        },
        [
            ("acme/section", {"display_type": "line_section", "name": "Hardware"}),
            (
                "acme/widget",
                {
                    "product": "widget",
                    "product_uom_qty": 10.0,
                    "price_unit": 10.0,
                    "discount": 10.0,
                },
            ),
            ("acme/gadget", {"product": "gadget", "product_uom_qty": 3.0, "price_unit": 25.0}),
            ("acme/service", {"product": "service", "product_uom_qty": 1.0, "price_unit": 150.0}),
        ],
    )
    _order(
        odoo,
        biz,
        "contact",
        {
            **common,
            "partner_id": biz.contact_id,
            "warehouse_id": wh,
            "date_order": "2026-11-17 14:00:00",
            "picking_policy": "one",
            "delivery_status": "pending",
        },
        [
            (
                "contact/widget_dozens",
                {
                    "product": "widget",
                    "dozens": True,
                    "product_uom_qty": 2.0,
                    "price_unit": 110.0,
                    "customer_lead": 5.0,
                },
            ),
            (
                "contact/gadget",
                {
                    "product": "gadget",
                    "product_uom_qty": 1.0,
                    "price_unit": 25.0,
                    "customer_lead": 7.0,
                },
            ),
        ],
    )
    _order(
        odoo,
        biz,
        "east",
        {
            **common,
            "partner_id": cust["hold"],
            "warehouse_id": east,
            "date_order": "2026-11-10 09:00:00",
            "commitment_date": "2026-11-18 16:00:00",
            "delivery_status": "partial",
        },
        [
            (
                "east/widget",
                {
                    "product": "widget",
                    "product_uom_qty": 5.0,
                    "price_unit": 10.0,
                    "qty_delivered": 3.0,
                },
            ),
            ("east/dup_a", {"product": "dup_a", "product_uom_qty": 4.0, "price_unit": 0.5}),
        ],
    )
    _order(
        odoo,
        biz,
        "full",
        {
            **common,
            "partner_id": cust["no_ref"],
            "warehouse_id": wh,
            "date_order": "2026-11-05 11:00:00",
            "commitment_date": "2026-11-12 10:00:00",
            "delivery_status": "full",
            "effective_date": "2026-11-11 15:20:00",
        },
        [
            (
                "full/gadget",
                {
                    "product": "gadget",
                    "product_uom_qty": 2.0,
                    "price_unit": 25.0,
                    "qty_delivered": 2.0,
                },
            )
        ],
    )
    _order(
        odoo,
        biz,
        "draft",
        {"state": "draft", "partner_id": cust["strategic"], "warehouse_id": wh, "user_id": sales},
        [("draft/widget", {"product": "widget", "product_uom_qty": 40.0, "price_unit": 9.5})],
    )
    _order(
        odoo,
        biz,
        "cancelled",
        {
            "state": "cancel",
            "partner_id": cust["hold"],
            "warehouse_id": east,
            "date_order": "2026-11-01 10:00:00",
        },
        [("cancelled/gadget", {"product": "gadget", "product_uom_qty": 1.0, "price_unit": 25.0})],
    )


def _picking(odoo: FakeOdoo, biz: Business, key: str, ptype: str, vals: dict[str, Any]) -> int:
    pid = odoo.create("stock.picking", {"picking_type_id": biz.picking_types[ptype], **vals})
    biz.pickings[key] = pid
    biz.picking_names[key] = str(odoo.record("stock.picking", pid)["name"])
    return pid


def _move(
    odoo: FakeOdoo, biz: Business, key: str, picking: str, product: str, vals: dict[str, Any]
) -> int:
    mid = odoo.create(
        "stock.move",
        {"picking_id": biz.pickings[picking], "product_id": biz.products[product], **vals},
    )
    biz.moves[key] = mid
    return mid


def _seed_deliveries(odoo: FakeOdoo, biz: Business) -> None:
    so, lines, cust = biz.sale_orders, biz.sale_lines, biz.customers
    names = biz.sale_order_names
    _picking(
        odoo,
        biz,
        "acme/out",
        "WH/out",
        {
            "sale_id": so["acme"],
            "origin": names["acme"],
            "partner_id": cust["strategic"],
            "state": "assigned",
            "user_id": biz.users["picker.pete"],
            "scheduled_date": "2026-11-28 08:00:00",
        },
    )
    _move(
        odoo,
        biz,
        "acme/widget",
        "acme/out",
        "widget",
        {
            "sale_line_id": lines["acme/widget"],
            "product_uom_qty": 10.0,
            "quantity": 10.0,
            "state": "assigned",
            "date": "2026-11-28 08:00:00",
        },
    )
    _move(
        odoo,
        biz,
        "acme/gadget",
        "acme/out",
        "gadget",
        {
            "sale_line_id": lines["acme/gadget"],
            "product_uom_qty": 3.0,
            "quantity": 1.0,
            "state": "partially_available",
            "date": "2026-11-28 08:00:00",
        },
    )
    _picking(
        odoo,
        biz,
        "contact/out",
        "WH/out",
        {
            "sale_id": so["contact"],
            "origin": names["contact"],
            "partner_id": biz.contact_id,
            "state": "confirmed",
            "move_type": "one",
            "scheduled_date": "2026-11-22 08:00:00",
        },
    )
    _move(
        odoo,
        biz,
        "contact/widget",
        "contact/out",
        "widget",
        {
            "sale_line_id": lines["contact/widget_dozens"],
            "product_uom_qty": 2.0,
            "product_uom": biz.uom_dozens_id,
            "quantity": 0.0,
            "state": "confirmed",
        },
    )
    _move(
        odoo,
        biz,
        "contact/gadget",
        "contact/out",
        "gadget",
        {
            "sale_line_id": lines["contact/gadget"],
            "product_uom_qty": 1.0,
            "quantity": 1.0,
            "state": "assigned",
        },
    )
    east_done = _picking(
        odoo,
        biz,
        "east/out",
        "EAST/out",
        {
            "sale_id": so["east"],
            "origin": names["east"],
            "partner_id": cust["hold"],
            "state": "done",
            "date_done": "2026-11-17 10:00:00",
            "scheduled_date": "2026-11-17 08:00:00",
        },
    )
    _move(
        odoo,
        biz,
        "east/widget_done",
        "east/out",
        "widget",
        {
            "sale_line_id": lines["east/widget"],
            "product_uom_qty": 3.0,
            "quantity": 3.0,
            "picked": True,
            "state": "done",
            "date": "2026-11-17 10:00:00",
        },
    )
    odoo.now = LATER
    _picking(
        odoo,
        biz,
        "east/backorder",
        "EAST/out",
        {
            "sale_id": so["east"],
            "origin": names["east"],
            "partner_id": cust["hold"],
            "state": "assigned",
            "backorder_id": east_done,
            "scheduled_date": "2026-11-18 08:00:00",
        },
    )
    _move(
        odoo,
        biz,
        "east/widget",
        "east/backorder",
        "widget",
        {
            "sale_line_id": lines["east/widget"],
            "product_uom_qty": 2.0,
            "quantity": 2.0,
            "state": "assigned",
        },
    )
    _move(
        odoo,
        biz,
        "east/dup_a",
        "east/backorder",
        "dup_a",
        {
            "sale_line_id": lines["east/dup_a"],
            "product_uom_qty": 4.0,
            "quantity": 0.0,
            "state": "confirmed",
        },
    )
    _picking(
        odoo,
        biz,
        "full/out",
        "WH/out",
        {
            "sale_id": so["full"],
            "origin": names["full"],
            "partner_id": cust["no_ref"],
            "state": "done",
            "date_done": "2026-11-11 15:20:00",
            "scheduled_date": "2026-11-11 08:00:00",
        },
    )
    _move(
        odoo,
        biz,
        "full/gadget",
        "full/out",
        "gadget",
        {
            "sale_line_id": lines["full/gadget"],
            "product_uom_qty": 2.0,
            "quantity": 2.0,
            "picked": True,
            "state": "done",
            "date": "2026-11-11 15:20:00",
        },
    )
    odoo.now = SEEDED_AT


def _purchase(
    odoo: FakeOdoo,
    biz: Business,
    key: str,
    vals: dict[str, Any],
    lines: list[tuple[str, str, float, float, str]],
) -> None:
    oid = odoo.create(
        "purchase.order",
        {
            "company_id": biz.company_id,
            "currency_id": biz.eur_id,
            "user_id": biz.users["buyer.bruno"],
            **vals,
        },
    )
    biz.purchase_orders[key] = oid
    biz.purchase_order_names[key] = str(odoo.record("purchase.order", oid)["name"])
    for line_key, product, qty, price, planned in lines:
        biz.purchase_lines[line_key] = odoo.create(
            "purchase.order.line",
            {
                "order_id": oid,
                "product_id": biz.products[product],
                "product_qty": qty,
                "price_unit": price,
                "date_planned": planned,
            },
        )


def _seed_purchases(odoo: FakeOdoo, biz: Business) -> None:
    v19 = _major(odoo) >= 19
    confirmed = {"acknowledged": True} if v19 else {"mail_reminder_confirmed": True}
    done_state = {"state": "purchase", "locked": True} if v19 else {"state": "done"}
    wh_in, east_in = biz.picking_types["WH/in"], biz.picking_types["EAST/in"]
    _purchase(
        odoo,
        biz,
        "confirmed",
        {
            "partner_id": biz.vendors["global"],
            "picking_type_id": wh_in,
            "state": "purchase",
            "date_order": "2026-11-09 10:00:00",
            "date_approve": "2026-11-10 10:00:00",
            "receipt_status": "pending",
            **confirmed,
        },
        [
            ("confirmed/widget", "widget", 100.0, 4.0, "2026-11-24 09:00:00"),
            ("confirmed/gadget", "gadget", 20.0, 12.0, "2026-11-26 09:00:00"),
        ],
    )
    _purchase(
        odoo,
        biz,
        "east",
        {
            "partner_id": biz.vendors["fast"],
            "picking_type_id": east_in,
            "state": "purchase",
            "date_order": "2026-11-14 10:00:00",
            "date_approve": "2026-11-15 11:00:00",
            "receipt_status": "pending",
        },
        [("east/widget", "widget", 40.0, 4.5, "2026-12-03 09:00:00")],
    )
    _purchase(
        odoo,
        biz,
        "rfq",
        {
            "partner_id": biz.vendors["fast"],
            "picking_type_id": wh_in,
            "state": "draft",
            "date_order": "2026-11-19 10:00:00",
        },
        [("rfq/dup_a", "dup_a", 300.0, 0.2, "2026-12-10 09:00:00")],
    )
    _purchase(
        odoo,
        biz,
        "done",
        {
            "partner_id": biz.vendors["global"],
            "picking_type_id": wh_in,
            "date_order": "2026-11-01 10:00:00",
            "date_approve": "2026-11-02 10:00:00",
            "receipt_status": "full",
            **done_state,
        },
        [("done/widget", "widget", 50.0, 4.0, "2026-11-12 09:00:00")],
    )
    odoo.write("purchase.order.line", biz.purchase_lines["done/widget"], {"qty_received": 50.0})
    names = biz.purchase_order_names
    _picking(
        odoo,
        biz,
        "confirmed/in",
        "WH/in",
        {
            "origin": names["confirmed"],
            "partner_id": biz.vendors["global"],
            "state": "assigned",
            "scheduled_date": "2026-11-24 09:00:00",
        },
    )
    _move(
        odoo,
        biz,
        "confirmed/widget_in",
        "confirmed/in",
        "widget",
        {
            "purchase_line_id": biz.purchase_lines["confirmed/widget"],
            "product_uom_qty": 100.0,
            "quantity": 100.0,
            "state": "assigned",
            "date": "2026-11-24 09:00:00",
        },
    )
    _move(
        odoo,
        biz,
        "confirmed/gadget_in",
        "confirmed/in",
        "gadget",
        {
            "purchase_line_id": biz.purchase_lines["confirmed/gadget"],
            "product_uom_qty": 20.0,
            "quantity": 20.0,
            "state": "assigned",
            "date": "2026-11-26 09:00:00",
        },
    )
    _picking(
        odoo,
        biz,
        "done/in",
        "WH/in",
        {
            "origin": names["done"],
            "partner_id": biz.vendors["global"],
            "state": "done",
            "date_done": "2026-11-12 14:00:00",
            "scheduled_date": "2026-11-12 09:00:00",
        },
    )
    _move(
        odoo,
        biz,
        "done/widget_in",
        "done/in",
        "widget",
        {
            "purchase_line_id": biz.purchase_lines["done/widget"],
            "product_uom_qty": 50.0,
            "quantity": 50.0,
            "picked": True,
            "state": "done",
            "date": "2026-11-12 14:00:00",
        },
    )
    scrap = odoo.create(
        "stock.scrap",
        {
            "product_id": biz.products["widget"],
            "scrap_qty": 2.0,
            "picking_id": biz.pickings["done/in"],
            "location_id": biz.stock_locations["WH"],
            "state": "done",
            "date_done": "2026-11-12 15:00:00",
            "origin": names["done"],
        },
    )
    biz.scrap_id = scrap
    biz.moves["done/scrap"] = odoo.create(
        "stock.move",
        {
            "name": "Scrap Widget",
            "product_id": biz.products["widget"],
            "product_uom_qty": 2.0,
            "quantity": 2.0,
            "state": "done",
            "scrapped": True,
            "scrap_id": scrap,
            "location_id": biz.stock_locations["WH"],
            "location_dest_id": biz.scrap_location_id,
            "date": "2026-11-12 15:00:00",
            "picked": True,
        },
    )


def _seed_invoices(odoo: FakeOdoo, biz: Business) -> None:
    cust = biz.customers
    invoices: list[tuple[str, dict[str, Any]]] = [
        (
            "open",
            {
                "move_type": "out_invoice",
                "state": "posted",
                "payment_state": "not_paid",
                "partner_id": cust["strategic"],
                "invoice_date": "2026-10-15",
                "invoice_date_due": "2026-11-14",
                "amount_total": 1200.0,
                "amount_residual": 1200.0,
            },
        ),
        (
            "partial",
            {
                "move_type": "out_invoice",
                "state": "posted",
                "payment_state": "partial",
                "partner_id": cust["hold"],
                "invoice_date": "2026-10-31",
                "invoice_date_due": "2026-11-30",
                "amount_total": 800.0,
                "amount_residual": 300.0,
            },
        ),
        (
            "refund",
            {
                "move_type": "out_refund",
                "state": "posted",
                "payment_state": "not_paid",
                "partner_id": biz.contact_id,
                "invoice_date": "2026-11-03",
                "invoice_date_due": "2026-11-03",
                "amount_total": 150.0,
                "amount_residual": 150.0,
            },
        ),
        (
            "paid",
            {
                "move_type": "out_invoice",
                "state": "posted",
                "payment_state": "paid",
                "partner_id": cust["no_ref"],
                "invoice_date": "2026-10-01",
                "invoice_date_due": "2026-10-31",
                "amount_total": 50.0,
                "amount_residual": 0.0,
            },
        ),
        (
            "draft",
            {
                "move_type": "out_invoice",
                "state": "draft",
                "payment_state": "not_paid",
                "partner_id": cust["strategic"],
                "invoice_date": False,
                "amount_total": 95.0,
                "amount_residual": 95.0,
            },
        ),
    ]
    if _major(odoo) >= 18:
        invoices.append(
            (
                "blocked",
                {
                    "move_type": "out_invoice",
                    "state": "posted",
                    "payment_state": "blocked",
                    "partner_id": cust["with_contact"],
                    "invoice_date": "2026-10-20",
                    "invoice_date_due": "2026-11-19",
                    "amount_total": 400.0,
                    "amount_residual": 400.0,
                },
            )
        )
    for key, vals in invoices:
        sign = -1.0 if vals["move_type"] == "out_refund" else 1.0
        values = {
            **vals,
            "currency_id": biz.eur_id,
            "amount_total_signed": sign * vals["amount_total"],
            "amount_residual_signed": sign * vals["amount_residual"],
            "date": vals.get("invoice_date") or "2026-11-20",
        }
        iid = odoo.create("account.move", values)
        biz.invoices[key] = iid
        biz.invoice_names[key] = str(odoo.record("account.move", iid)["name"])
