"""Odoo's model logic that the fake reproduces: computed fields, defaults, sequences,
display names, and the base data every database starts with.

Kept apart from the generic ORM in ``store`` so each rule reads like the Odoo method it
imitates (``_compute_complete_name``, ``_compute_expected_date`` ...).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .errors import MissingError, UserError

if TYPE_CHECKING:
    from .store import Row, Store

UNIT = "uom.product_uom_unit"


# ---------------------------------------------------------------------- display names


def display_name(store: Store, model: str, row: Row) -> str:
    """``display_name`` as Odoo 17/18 computes it for the models the fake knows."""
    special = _DISPLAY.get(model)
    if special is not None:
        return special(store, row)
    rec_name = store.spec(model).rec_name
    if rec_name and rec_name in store.spec(model).fields:
        value = store.value(model, row, rec_name)
        if value:
            return str(value)
    return f"{model},{row['id']}"


def _name_of(store: Store, model: str, rid: Any) -> str:
    row = store.tables[model].get(rid) if rid else None
    return display_name(store, model, row) if row is not None else ""


def _partner_name(store: Store, row: Row) -> str:
    name = row.get("name") or ""
    if row.get("parent_id") and not row.get("is_company"):
        commercial = store.tables["res.partner"].get(_commercial_partner(store, row))
        company = (commercial or {}).get("name") or ""
        label = dict(store.spec("res.partner").fields["type"].selection or ()).get(
            row.get("type") or "contact", ""
        )
        return f"{company}, {name or label}"
    return str(name)


def _product_name(store: Store, row: Row) -> str:
    name = store.value("product.product", row, "name") or ""
    code = row.get("default_code")
    return f"[{code}] {name}" if code else str(name)


def _picking_type_name(store: Store, row: Row) -> str:
    warehouse = _name_of(store, "stock.warehouse", row.get("warehouse_id"))
    return f"{warehouse}: {row.get('name')}" if warehouse else str(row.get("name"))


def _sale_line_name(store: Store, row: Row) -> str:
    order = store.tables["sale.order"].get(row.get("order_id") or 0)
    text = str(row.get("name") or "").split("\n")[0]
    return f"{order['name']} - {text}" if order else text


def _move_name(_store: Store, row: Row) -> str:
    name = row.get("name")
    if name and name != "/":
        return str(name)
    label = "Draft Invoice" if str(row.get("move_type", "")).startswith("out_") else "Draft Entry"
    return f"{label} (* {row['id']})"


def _ticket_name(_store: Store, row: Row) -> str:
    return f"{row.get('number')} - {row.get('name')}"


def _activity_name(store: Store, row: Row) -> str:
    return str(
        row.get("summary") or _name_of(store, "mail.activity.type", row.get("activity_type_id"))
    )


def _supplierinfo_name(store: Store, row: Row) -> str:
    return (
        _name_of(store, "res.partner", row.get("partner_id")) or f"product.supplierinfo,{row['id']}"
    )


_DISPLAY: dict[str, Callable[[Store, Row], str]] = {
    "res.partner": _partner_name,
    "product.product": _product_name,
    "stock.picking.type": _picking_type_name,
    "sale.order.line": _sale_line_name,
    "account.move": _move_name,
    "helpdesk.ticket": _ticket_name,
    "mail.activity": _activity_name,
    "product.supplierinfo": _supplierinfo_name,
}


# ---------------------------------------------------------------------- computed fields


def compute(store: Store, name: str, model: str, row: Row, fname: str) -> Any:
    """Dispatch a named compute (the ``compute=`` of a FieldSpec)."""
    if name == "display_name":
        return display_name(store, model, row)
    if name in PRODUCT_QUANTITIES:
        return _product_qty(store, row, fname)
    return _ROW_COMPUTES[name](store, row)


def _commercial_partner(store: Store, row: Row) -> int:
    current = row
    seen = set()
    while not current.get("is_company") and current.get("parent_id") and current["id"] not in seen:
        seen.add(current["id"])
        parent = store.tables["res.partner"].get(current["parent_id"])
        if parent is None:
            break
        current = parent
    return int(current["id"])


def _complete_name(store: Store, row: Row) -> str:
    parent = store.tables["stock.location"].get(row.get("location_id") or 0)
    if parent is not None and row.get("usage") != "view":
        return f"{_complete_name(store, parent)}/{row.get('name')}"
    return str(row.get("name") or "")


def _location_warehouse(store: Store, row: Row) -> Any:
    current: Row | None = row
    while current is not None:
        rid: int = current["id"]

        def is_view(w: Row, rid: int = rid) -> bool:
            return bool(w.get("view_location_id") == rid)

        warehouse = store.first("stock.warehouse", is_view)
        if warehouse is not None:
            return warehouse["id"]
        current = store.tables["stock.location"].get(current.get("location_id") or 0)
    return False


def _expected_date(store: Store, row: Row) -> Any:
    """sale ``_compute_expected_date``: order date (or now) plus the line lead times."""
    lines = [
        line
        for line in store.rows("sale.order.line")
        if line.get("order_id") == row["id"] and not line.get("display_type")
    ]
    if not lines:
        return False
    if row.get("state") == "sale" and row.get("date_order"):
        start = datetime.strptime(row["date_order"], "%Y-%m-%d %H:%M:%S")
    else:
        start = store.now.replace(microsecond=0)
    dates = [start + timedelta(days=float(line.get("customer_lead") or 0.0)) for line in lines]
    chosen = max(dates) if row.get("picking_policy") == "one" else min(dates)
    return chosen.strftime("%Y-%m-%d %H:%M:%S")


def _uom_factor(store: Store, uom_id: Any) -> float:
    uom = store.tables["uom.uom"].get(uom_id or 0)
    return float(uom.get("factor") or 1.0) if uom else 1.0


def convert_qty(store: Store, qty: float, from_uom: Any, to_uom: Any) -> float:
    """``uom._compute_quantity``: through the reference unit of the category."""
    if not from_uom or not to_uom or from_uom == to_uom:
        return qty
    return qty / _uom_factor(store, from_uom) * _uom_factor(store, to_uom)


def _stock_locations(store: Store) -> set[int]:
    context = store.env.context
    root: Any = context.get("location")
    if not root and context.get("warehouse"):
        warehouse = store.tables["stock.warehouse"].get(int(context["warehouse"]))
        root = warehouse.get("view_location_id") if warehouse else 0
    internal = {
        r["id"] for r in store.rows("stock.location") if r.get("usage") in ("internal", "transit")
    }
    if not root:
        return internal
    roots = {int(r) for r in root} if isinstance(root, list) else {int(root)}
    return store.hierarchy("stock.location", roots, down=True) & internal


def _product_qty(store: Store, row: Row, fname: str) -> float:
    locations = _stock_locations(store)
    pid = row["id"]
    on_hand = reserved = 0.0
    for quant in store.rows("stock.quant"):
        if quant.get("product_id") == pid and quant.get("location_id") in locations:
            on_hand += float(quant.get("quantity") or 0.0)
            reserved += float(quant.get("reserved_quantity") or 0.0)
    if fname == "qty_available":
        return on_hand
    if fname == "free_qty":
        return on_hand - reserved
    incoming = outgoing = 0.0
    product_uom = store.value("product.product", row, "uom_id")
    for move in store.rows("stock.move"):
        if move.get("product_id") != pid or move.get("state") in ("draft", "cancel", "done"):
            continue
        qty = convert_qty(
            store, float(move.get("product_uom_qty") or 0.0), move.get("product_uom"), product_uom
        )
        src_in = move.get("location_id") in locations
        dest_in = move.get("location_dest_id") in locations
        if dest_in and not src_in:
            incoming += qty
        elif src_in and not dest_in:
            outgoing += qty
    return {"incoming_qty": incoming, "outgoing_qty": outgoing}.get(
        fname, on_hand + incoming - outgoing
    )


def _po_date_planned(store: Store, row: Row) -> Any:
    dates = [
        line["date_planned"]
        for line in store.rows("purchase.order.line")
        if line.get("order_id") == row["id"]
        and not line.get("display_type")
        and line.get("date_planned")
    ]
    return min(dates) if dates else row.get("date_planned", False)


def _po_is_late(store: Store, row: Row) -> bool:
    planned = _po_date_planned(store, row)
    return bool(
        planned
        and planned < store.now_string()
        and row.get("state") in ("purchase", "done")
        and row.get("receipt_status") != "full"
    )


def _po_pickings(store: Store, row: Row) -> list[int]:
    lines = {
        line["id"]
        for line in store.rows("purchase.order.line")
        if line.get("order_id") == row["id"]
    }
    return sorted(
        {
            m["picking_id"]
            for m in store.rows("stock.move")
            if m.get("purchase_line_id") in lines and m.get("picking_id")
        }
    )


def _activity_state(store: Store, row: Row) -> str:
    deadline = str(row.get("date_deadline") or "")
    today = store.today_string()
    if deadline < today:
        return "overdue"
    return "today" if deadline == today else "planned"


def _res_name(store: Store, row: Row) -> Any:
    model = store.value("mail.activity", row, "res_model")
    if not model or not store.has_model(model):
        return False
    return _name_of(store, model, row.get("res_id")) or False


def _price_subtotal(_store: Store, row: Row) -> float:
    qty = float(row.get("product_uom_qty") or 0.0)
    return qty * float(row.get("price_unit") or 0.0) * (1 - float(row.get("discount") or 0.0) / 100)


def _qty_to_deliver(_store: Store, row: Row) -> float:
    return float(row.get("product_uom_qty") or 0.0) - float(row.get("qty_delivered") or 0.0)


def _quant_available(_store: Store, row: Row) -> float:
    return float(row.get("quantity") or 0.0) - float(row.get("reserved_quantity") or 0.0)


def _xmlid(_store: Store, row: Row) -> str:
    return f"{row.get('module')}.{row.get('name')}"


_ROW_COMPUTES: dict[str, Callable[[Store, Row], Any]] = {
    "commercial_partner": _commercial_partner,
    "complete_name": _complete_name,
    "location_warehouse": _location_warehouse,
    "xmlid": _xmlid,
    "expected_date": _expected_date,
    "price_subtotal": _price_subtotal,
    "qty_to_deliver": _qty_to_deliver,
    "quant_available": _quant_available,
    "po_date_planned": _po_date_planned,
    "po_is_late": _po_is_late,
    "po_pickings": _po_pickings,
    "activity_state": _activity_state,
    "res_name": _res_name,
}
PRODUCT_QUANTITIES = frozenset(
    {"qty_available", "virtual_available", "free_qty", "incoming_qty", "outgoing_qty"}
)


# ---------------------------------------------------------------------- defaults


def _first_warehouse(store: Store) -> Any:
    rows = sorted(
        (w for w in store.rows("stock.warehouse") if w.get("active", True)),
        key=lambda w: (w.get("sequence", 10), w["id"]),
    )
    return rows[0]["id"] if rows else False


def _incoming_type(store: Store) -> Any:
    rows = sorted(
        (
            t
            for t in store.rows("stock.picking.type")
            if t.get("code") == "incoming" and t.get("active", True)
        ),
        key=lambda t: (t.get("sequence", 10), t["id"]),
    )
    return rows[0]["id"] if rows else False


def _company_currency(store: Store) -> Any:
    company = store.tables["res.company"].get(1)
    return company.get("currency_id") if company else False


def _user_partner(store: Store) -> Any:
    user = store.tables["res.users"].get(store.env.uid)
    return user.get("partner_id") if user else False


def _sequence_name(store: Store, model: str) -> str:
    prefix = {"stock.scrap": "SP/", "stock.warehouse.orderpoint": "OP/"}.get(model, "SEQ/")
    return f"{prefix}{store.next_sequence(model):05d}"


def _uid(store: Store) -> int:
    return store.env.uid


def _first_stage(store: Store) -> Any:
    stages = sorted(
        store.rows("helpdesk.ticket.stage"), key=lambda s: (s.get("sequence", 1), s["id"])
    )
    return stages[0]["id"] if stages else False


_DEFAULTS: dict[str, Callable[[Store], Any]] = {
    "now": lambda s: s.now_string(),
    "today": lambda s: s.today_string(),
    "company": lambda s: 1 if 1 in s.tables["res.company"] else False,
    "uid": _uid,
    "user_partner": _user_partner,
    "currency": _company_currency,
    "warehouse": _first_warehouse,
    "incoming_type": _incoming_type,
    "uom_unit": lambda s: s.ref(UNIT),
    "scrap_location": lambda s: s.ref("stock.stock_location_scrap"),
    "first_stage": _first_stage,
}


def default(store: Store, name: str, model: str) -> Any:
    """A named default (``default_fn``)."""
    if name == "seq":
        return _sequence_name(store, model)
    return _DEFAULTS[name](store)


# ---------------------------------------------------------------------- create / write rules


def _product_defaults(store: Store, vals: Row, uom_field: str, with_name: bool = True) -> None:
    product = store.tables["product.product"].get(vals.get("product_id") or 0)
    if product is None or vals.get("display_type"):
        return
    if with_name and not vals.get("name"):
        vals["name"] = display_name(store, "product.product", product)
    if not vals.get(uom_field):
        vals[uom_field] = store.value("product.product", product, "uom_id")


def _line_uom_field(store: Store, model: str) -> str:
    return "product_uom_id" if "product_uom_id" in store.spec(model).fields else "product_uom"


def _sale_line_before(store: Store, vals: Row) -> None:
    _product_defaults(store, vals, _line_uom_field(store, "sale.order.line"))
    if vals.get("display_type"):
        vals.setdefault("product_uom_qty", 0.0)


def _purchase_line_before(store: Store, vals: Row) -> None:
    _product_defaults(store, vals, _line_uom_field(store, "purchase.order.line"))
    if vals.get("display_type"):
        vals.setdefault("product_qty", 0.0)
        return
    if not vals.get("date_planned"):
        order = store.tables["purchase.order"].get(vals.get("order_id") or 0)
        vals["date_planned"] = (order or {}).get("date_planned") or store.now_string()


def _sale_order_before(_store: Store, vals: Row) -> None:
    if vals.get("partner_id"):
        vals.setdefault("partner_invoice_id", vals["partner_id"])
        vals.setdefault("partner_shipping_id", vals["partner_id"])


def _picking_before(store: Store, vals: Row) -> None:
    ptype = store.tables["stock.picking.type"].get(vals.get("picking_type_id") or 0)
    if ptype is None:
        return
    if not vals.get("location_id") and ptype.get("default_location_src_id"):
        vals["location_id"] = ptype["default_location_src_id"]
    if not vals.get("location_dest_id") and ptype.get("default_location_dest_id"):
        vals["location_dest_id"] = ptype["default_location_dest_id"]


def _move_before(store: Store, vals: Row) -> None:
    _product_defaults(store, vals, "product_uom")
    picking = store.tables["stock.picking"].get(vals.get("picking_id") or 0)
    if picking is None:
        return
    for key in ("picking_type_id", "location_id", "location_dest_id", "partner_id"):
        if not vals.get(key) and picking.get(key):
            vals[key] = picking[key]
    if not vals.get("origin") and picking.get("origin"):
        vals["origin"] = picking["origin"]


def _scrap_before(store: Store, vals: Row) -> None:
    _product_defaults(store, vals, "product_uom_id", with_name=False)


def _activity_before(store: Store, vals: Row) -> None:
    """mail.activity: ``default_res_model``, and the document must exist and be writable."""
    model_name = store.env.context.get("default_res_model")
    if not vals.get("res_model_id") and model_name:
        found = store.first("ir.model", lambda r: r.get("model") == model_name)
        if found is not None:
            vals["res_model_id"] = found["id"]
    ir_model = store.tables["ir.model"].get(vals.get("res_model_id") or 0)
    if ir_model is None or not vals.get("res_id"):
        return
    document_model = ir_model["model"]
    if not store.has_model(document_model):
        raise UserError(f"Object {document_model} doesn't exist")
    if int(vals["res_id"]) not in store.tables[document_model]:
        raise store.missing(document_model, [int(vals["res_id"])])
    store.check_model_access(document_model, "write")


def _ticket_before(store: Store, vals: Row) -> None:
    if vals.get("user_id"):
        vals.setdefault("assigned_date", store.now_string())


def _warehouse_before(store: Store, vals: Row) -> None:
    """stock.warehouse: Odoo creates the view and stock locations with the warehouse."""
    if vals.get("view_location_id"):
        return
    code = vals.get("code") or "WH"
    company = vals.get("company_id") or 1
    parent = store.ref("stock.stock_location_locations")
    (view,) = store.create(
        "stock.location",
        [{"name": code, "usage": "view", "location_id": parent, "company_id": company}],
    )
    (stock,) = store.create(
        "stock.location",
        [{"name": "Stock", "usage": "internal", "location_id": view, "company_id": company}],
    )
    vals["view_location_id"] = view
    vals.setdefault("lot_stock_id", stock)


_BEFORE: dict[str, Callable[[Store, Row], None]] = {
    "sale.order": _sale_order_before,
    "sale.order.line": _sale_line_before,
    "purchase.order.line": _purchase_line_before,
    "stock.picking": _picking_before,
    "stock.move": _move_before,
    "stock.scrap": _scrap_before,
    "mail.activity": _activity_before,
    "helpdesk.ticket": _ticket_before,
    "stock.warehouse": _warehouse_before,
}


def before_create(store: Store, model: str, vals: Row) -> None:
    """Model rules that fill values from other records before the row is made."""
    rule = _BEFORE.get(model)
    if rule is not None:
        rule(store, vals)


def inherited_parent_defaults(store: Store, model: str, parent_vals: Row) -> None:
    """Values an ``_inherits`` parent gets when created along with its child."""
    if model == "res.users":
        parent_vals.setdefault("company_id", 1)
    if model == "product.product" and "name" not in parent_vals:
        raise store.not_null("product.template", "name")


def _order_name(store: Store, model: str, rid: int, prefix: str) -> None:
    row = store.tables[model][rid]
    if row.get("name") in (None, False, "New", "/"):
        row["name"] = f"{prefix}{store.next_sequence(model):05d}"


def _picking_after(store: Store, model: str, rid: int) -> None:
    row = store.tables[model][rid]
    if row.get("name") not in (None, False, "/"):
        return
    ptype = store.tables["stock.picking.type"][row["picking_type_id"]]
    warehouse = store.tables["stock.warehouse"].get(ptype.get("warehouse_id") or 0)
    prefix = f"{warehouse['code']}/" if warehouse else ""
    number = store.next_sequence(f"picking.{ptype['id']}")
    row["name"] = f"{prefix}{ptype.get('sequence_code')}/{number:05d}"


def _invoice_number(store: Store, model: str, rid: int) -> None:
    row = store.tables[model][rid]
    if row.get("state") != "posted" or row.get("name") not in (None, False, "/"):
        return
    prefix = {
        "out_invoice": "INV",
        "out_refund": "RINV",
        "in_invoice": "BILL",
        "in_refund": "RBILL",
    }.get(row.get("move_type") or "", "MISC")
    year = str(row.get("invoice_date") or row.get("date") or store.today_string())[:4]
    row["name"] = f"{prefix}/{year}/{store.next_sequence(f'move.{prefix}.{year}'):05d}"


def _warehouse_after(store: Store, model: str, rid: int) -> None:
    """Receipts, delivery and pick operation types of a new warehouse."""
    row = store.tables[model][rid]
    if row.get("in_type_id"):
        return
    stock = row["lot_stock_id"]
    company = row.get("company_id") or 1
    suppliers = store.ref("stock.stock_location_suppliers")
    customers = store.ref("stock.stock_location_customers")
    specs = [
        ("in_type_id", "Receipts", "incoming", "IN", suppliers, stock),
        ("out_type_id", "Delivery Orders", "outgoing", "OUT", stock, customers),
        ("pick_type_id", "Pick", "internal", "PICK", stock, stock),
        ("int_type_id", "Internal Transfers", "internal", "INT", stock, stock),
    ]
    for key, name, code, seq, src, dest in specs:
        (tid,) = store.create(
            "stock.picking.type",
            [
                {
                    "name": name,
                    "code": code,
                    "sequence_code": seq,
                    "warehouse_id": rid,
                    "default_location_src_id": src,
                    "default_location_dest_id": dest,
                    "company_id": company,
                }
            ],
        )
        row[key] = tid


def _ticket_after(store: Store, model: str, rid: int) -> None:
    row = store.tables[model][rid]
    if row.get("number") in (None, False, "/"):
        row["number"] = f"HT{store.next_sequence(model):05d}"


_AFTER: dict[str, Callable[[Store, str, int], None]] = {
    "sale.order": lambda s, m, r: _order_name(s, m, r, "S"),
    "purchase.order": lambda s, m, r: _order_name(s, m, r, "P"),
    "rma": lambda s, m, r: _order_name(s, m, r, "RMA"),
    "stock.picking": _picking_after,
    "account.move": _invoice_number,
    "stock.warehouse": _warehouse_after,
    "helpdesk.ticket": _ticket_after,
}


def after_create(store: Store, model: str, rid: int) -> None:
    """Model rules that need the new row's id: names from sequences, related records."""
    rule = _AFTER.get(model)
    if rule is not None:
        rule(store, model, rid)


def after_write(store: Store, model: str, rid: int, vals: Row) -> None:
    """Model rules on write: posting numbers an invoice; ticket dates follow changes."""
    if model == "account.move":
        _invoice_number(store, model, rid)
    if model == "helpdesk.ticket":
        row = store.tables[model][rid]
        if "stage_id" in vals:
            row["last_stage_update"] = store.now_string()
            stage = store.tables["helpdesk.ticket.stage"].get(row.get("stage_id") or 0)
            if stage and stage.get("closed"):
                row["closed_date"] = store.now_string()
        if vals.get("user_id") and not row.get("assigned_date"):
            row["assigned_date"] = store.now_string()


def inverse(store: Store, model: str, rid: int, fname: str, value: Any) -> None:
    """Inverse of a writable computed field (purchase ``date_planned`` sets the lines)."""
    if model == "purchase.order" and fname == "date_planned" and value:
        lines = [
            line["id"]
            for line in store.rows("purchase.order.line")
            if line.get("order_id") == rid and not line.get("display_type")
        ]
        if lines:
            store.write("purchase.order.line", lines, {"date_planned": value})


# ---------------------------------------------------------------------- base data


def bootstrap(store: Store) -> None:
    """What a fresh database with sale, purchase, stock and accounting contains."""
    for name in list(store.models):
        store.register_model(name)
    usd, eur = store.create(
        "res.currency", [{"name": "USD", "symbol": "$"}, {"name": "EUR", "symbol": "€"}]
    )
    store.add_xmlid("base.USD", "res.currency", usd)
    store.add_xmlid("base.EUR", "res.currency", eur)
    partner, bot, admin = store.create(
        "res.partner",
        [
            {"name": "YourCompany", "is_company": True},
            {"name": "OdooBot", "active": False},
            {"name": "Mitchell Admin", "email": "admin@yourcompany.example.com"},
        ],
    )
    (company,) = store.create(
        "res.company", [{"name": "YourCompany", "partner_id": partner, "currency_id": usd}]
    )
    store.tables["res.partner"][partner]["company_id"] = company
    store.add_xmlid("base.main_company", "res.company", company)
    store.add_xmlid("base.main_partner", "res.partner", partner)
    system, admin_user = store.create(
        "res.users",
        [
            {"login": "__system__", "partner_id": bot, "active": False},
            {"login": "admin", "partner_id": admin, "company_ids": [company]},
        ],
    )
    store.credentials[admin_user] = ("admin", set())
    store.add_xmlid("base.user_root", "res.users", system)
    store.add_xmlid("base.user_admin", "res.users", admin_user)
    _bootstrap_uom(store)
    _bootstrap_locations(store)
    _bootstrap_mail(store)


def _bootstrap_uom(store: Store) -> None:
    (unit_categ,) = store.create("uom.category", [{"name": "Unit"}])
    store.add_xmlid("uom.product_uom_categ_unit", "uom.category", unit_categ)
    unit, dozen = store.create(
        "uom.uom",
        [
            {"name": "Units", "category_id": unit_categ, "factor": 1.0, "uom_type": "reference"},
            {
                "name": "Dozens",
                "category_id": unit_categ,
                "factor": 1.0 / 12.0,
                "uom_type": "bigger",
            },
        ],
    )
    store.add_xmlid(UNIT, "uom.uom", unit)
    store.add_xmlid("uom.product_uom_dozen", "uom.uom", dozen)


def _bootstrap_locations(store: Store) -> None:
    view = "view"
    (physical, partners, virtual) = store.create(
        "stock.location",
        [
            {"name": "Physical Locations", "usage": view},
            {"name": "Partners", "usage": view},
            {"name": "Virtual Locations", "usage": view},
        ],
    )
    suppliers, customers, inventory, scrap = store.create(
        "stock.location",
        [
            {"name": "Vendors", "usage": "supplier", "location_id": partners},
            {"name": "Customers", "usage": "customer", "location_id": partners},
            {"name": "Inventory adjustment", "usage": "inventory", "location_id": virtual},
            {"name": "Scrap", "usage": "inventory", "location_id": virtual, "scrap_location": True},
        ],
    )
    for xmlid, rid in (
        ("stock.stock_location_locations", physical),
        ("stock.stock_location_locations_partner", partners),
        ("stock.stock_location_locations_virtual", virtual),
        ("stock.stock_location_suppliers", suppliers),
        ("stock.stock_location_customers", customers),
        ("stock.stock_location_inventory", inventory),
        ("stock.stock_location_scrap", scrap),
    ):
        store.add_xmlid(xmlid, "stock.location", rid)


def _bootstrap_mail(store: Store) -> None:
    types = [
        ("mail_activity_data_email", "Email"),
        ("mail_activity_data_call", "Call"),
        ("mail_activity_data_meeting", "Meeting"),
        ("mail_activity_data_todo", "To-Do"),
        ("mail_activity_data_upload_document", "Upload Document"),
        ("mail_activity_data_warning", "Exception"),
    ]
    ids = store.create("mail.activity.type", [{"name": name} for _, name in types])
    for (xmlid, _), rid in zip(types, ids, strict=True):
        store.add_xmlid(f"mail.{xmlid}", "mail.activity.type", rid)
    subtypes = [
        ("mt_comment", "Discussions", False),
        ("mt_note", "Note", True),
        ("mt_activities", "Activities", True),
    ]
    ids = store.create("mail.message.subtype", [{"name": n, "internal": i} for _, n, i in subtypes])
    for (xmlid, _, _), rid in zip(subtypes, ids, strict=True):
        store.add_xmlid(f"mail.{xmlid}", "mail.message.subtype", rid)


def install_data(store: Store, module: str) -> None:
    """Data an optional module ships with (helpdesk stages and a team)."""
    if module != "helpdesk_mgmt":
        return
    stages = [
        ("new", "New", False),
        ("in_progress", "In Progress", False),
        ("awaiting", "Awaiting", False),
        ("done", "Done", True),
        ("cancelled", "Cancelled", True),
    ]
    ids = store.create(
        "helpdesk.ticket.stage",
        [
            {"name": name, "sequence": i + 1, "closed": closed}
            for i, (_, name, closed) in enumerate(stages)
        ],
    )
    for (xmlid, _, _), rid in zip(stages, ids, strict=True):
        store.add_xmlid(
            f"helpdesk_mgmt.helpdesk_ticket_stage_{xmlid}", "helpdesk.ticket.stage", rid
        )
    store.create("helpdesk.ticket.team", [{"name": "Helpdesk"}])


def ensure_document(store: Store, model: str, rid: int) -> None:
    """MissingError when a mail document does not exist."""
    if rid not in store.tables[model]:
        raise MissingError(
            f"Record does not exist or has been deleted.\n(Record: {model}({rid},), User: {store.env.uid})"
        )
