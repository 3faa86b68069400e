"""Models and fields of the fake Odoo, per server version.

The connector discovers names with ``fields_get`` at run time, so the schema has to
differ between versions exactly where Odoo does (odoo.md section 3): product ``type``
values and ``is_storable``, the UoM field of order lines, purchase ``done`` versus
``locked``, ``delivery_status = 'started'`` and ``payment_state = 'blocked'``.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from typing import Any

Selection = tuple[tuple[str, str], ...]

RELATIONAL = frozenset({"many2one", "one2many", "many2many"})


@dataclass(frozen=True)
class FieldSpec:
    """One field as Odoo describes it, plus how the fake produces its value.

    ``store`` is what ``fields_get`` reports; whether the value sits in the row is
    decided by ``virtual`` (one2many, mirrored many2many, related and computed fields
    are worked out on demand, so they never go stale).
    """

    name: str
    type: str
    string: str
    relation: str | None = None
    inverse: str | None = None  # one2many: the many2one on the comodel
    mirror: str | None = None  # many2many kept on the comodel under this name
    selection: Selection | None = None
    store: bool = True
    required: bool = False
    readonly: bool = False
    searchable: bool | None = None
    related: str | None = None
    compute: str | None = None
    default: Any = None
    default_fn: str | None = None  # a named default worked out by the store
    model_field: str | None = None  # many2one_reference: the field naming the model
    help: str | None = None
    #: whether the value is derived instead of kept in the row (worked out once: every
    #: value a search tests asks)
    virtual: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        derived = bool(self.type == "one2many" or self.mirror or self.related or self.compute)
        object.__setattr__(self, "virtual", derived)

    @property
    def is_searchable(self) -> bool:
        """Stored fields, and non-stored ones with a search method, can be filtered."""
        return self.store if self.searchable is None else self.searchable


@dataclass
class ModelSpec:
    """A model: its technical name, description (as in error messages) and fields."""

    name: str
    description: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    order: str = "id"
    parent_name: str | None = None
    mail_thread: bool = False
    rec_name: str | None = "name"

    @property
    def has_active(self) -> bool:
        """Models with an ``active`` field hide archived rows unless asked."""
        return "active" in self.fields


def _f(name: str, ftype: str, string: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name=name, type=ftype, string=string, **kw)


def char(name: str, string: str, **kw: Any) -> FieldSpec:
    """A Char field."""
    return _f(name, "char", string, **kw)


def text(name: str, string: str, **kw: Any) -> FieldSpec:
    """A Text field."""
    return _f(name, "text", string, **kw)


def html(name: str, string: str, **kw: Any) -> FieldSpec:
    """An Html field."""
    return _f(name, "html", string, **kw)


def integer(name: str, string: str, **kw: Any) -> FieldSpec:
    """An Integer field (unset reads as 0)."""
    kw.setdefault("default", 0)
    return _f(name, "integer", string, **kw)


def floatf(name: str, string: str, **kw: Any) -> FieldSpec:
    """A Float field (unset reads as 0.0)."""
    kw.setdefault("default", 0.0)
    return _f(name, "float", string, **kw)


def monetary(name: str, string: str, **kw: Any) -> FieldSpec:
    """A Monetary field."""
    kw.setdefault("default", 0.0)
    return _f(name, "monetary", string, **kw)


def boolean(name: str, string: str, **kw: Any) -> FieldSpec:
    """A Boolean field."""
    kw.setdefault("default", False)
    return _f(name, "boolean", string, **kw)


def date(name: str, string: str, **kw: Any) -> FieldSpec:
    """A Date field, ``'YYYY-MM-DD'`` over the API."""
    return _f(name, "date", string, **kw)


def datetime_(name: str, string: str, **kw: Any) -> FieldSpec:
    """A Datetime field, naive UTC ``'YYYY-MM-DD HH:MM:SS'`` over the API."""
    return _f(name, "datetime", string, **kw)


def selection(name: str, string: str, values: Selection, **kw: Any) -> FieldSpec:
    """A Selection field."""
    return _f(name, "selection", string, selection=values, **kw)


def m2o(name: str, relation: str, string: str, **kw: Any) -> FieldSpec:
    """A Many2one field, ``[id, display_name]`` over the API."""
    return _f(name, "many2one", string, relation=relation, **kw)


def o2m(name: str, relation: str, inverse: str, string: str, **kw: Any) -> FieldSpec:
    """A One2many field, a list of ids over the API."""
    return _f(name, "one2many", string, relation=relation, inverse=inverse, **kw)


def m2m(name: str, relation: str, string: str, **kw: Any) -> FieldSpec:
    """A Many2many field, a list of ids over the API."""
    kw.setdefault("default", [])
    return _f(name, "many2many", string, relation=relation, **kw)


def _model(name: str, description: str, fields: list[FieldSpec], **kw: Any) -> ModelSpec:
    spec = ModelSpec(name=name, description=description, **kw)
    base = [
        _f("id", "integer", "ID", readonly=True),
        char("display_name", "Display Name", store=False, compute="display_name", searchable=True),
        datetime_("create_date", "Created on", readonly=True),
        datetime_("write_date", "Last Updated on", readonly=True),
        m2o("create_uid", "res.users", "Created by", readonly=True),
        m2o("write_uid", "res.users", "Last Updated by", readonly=True),
    ]
    for f in base + fields:
        spec.fields[f.name] = f
    return spec


def _major(version: str) -> int:
    return int(version.split(".")[0])


def _tz_selection() -> Selection:
    return tuple((tz, tz) for tz in sorted(zoneinfo.available_timezones()))


def _company_fields() -> list[FieldSpec]:
    return [m2o("company_id", "res.company", "Company", default_fn="company")]


def _base_models(_v: int) -> list[ModelSpec]:
    return [
        _model(
            "res.currency",
            "Currency",
            [
                char("name", "Currency", required=True),
                char("symbol", "Symbol"),
                boolean("active", "Active", default=True),
            ],
        ),
        _model(
            "res.company",
            "Companies",
            [
                char("name", "Company Name", required=True),
                m2o("partner_id", "res.partner", "Partner", required=True),
                m2o("currency_id", "res.currency", "Currency", required=True),
                boolean("active", "Active", default=True),
            ],
        ),
        _model(
            "res.partner.category",
            "Partner Tags",
            [
                char("name", "Name", required=True),
                m2o("parent_id", "res.partner.category", "Parent Category"),
                integer("color", "Color"),
                boolean("active", "Active", default=True),
            ],
            parent_name="parent_id",
        ),
        _model(
            "res.partner",
            "Contact",
            [
                char("name", "Name"),
                char("ref", "Reference"),
                boolean("is_company", "Is a Company"),
                selection(
                    "type",
                    "Address Type",
                    (
                        ("contact", "Contact"),
                        ("invoice", "Invoice Address"),
                        ("delivery", "Delivery Address"),
                        ("other", "Other Address"),
                    ),
                    default="contact",
                ),
                m2o("parent_id", "res.partner", "Related Company"),
                o2m("child_ids", "res.partner", "parent_id", "Contact"),
                m2o(
                    "commercial_partner_id",
                    "res.partner",
                    "Commercial Entity",
                    compute="commercial_partner",
                    readonly=True,
                ),
                m2m("category_id", "res.partner.category", "Tags"),
                floatf(
                    "credit_limit",
                    "Credit Limit",
                    help="Credit limit specific to this partner.",
                ),
                boolean("use_partner_credit_limit", "Partner Limit"),
                selection(
                    "sale_warn",
                    "Sales Warnings",
                    (
                        ("no-message", "No Message"),
                        ("warning", "Warning"),
                        ("block", "Blocking Message"),
                    ),
                    default="no-message",
                ),
                text("sale_warn_msg", "Message for Sales Order"),
                m2o("user_id", "res.users", "Salesperson"),
                selection("tz", "Timezone", _tz_selection()),
                integer("customer_rank", "Customer Rank"),
                integer("supplier_rank", "Supplier Rank"),
                boolean("active", "Active", default=True),
                char("email", "Email"),
                char("phone", "Phone"),
                *_company_fields(),
            ],
            parent_name="parent_id",
            mail_thread=True,
        ),
        _model(
            "res.users",
            "User",
            [
                char("login", "Login", required=True),
                m2o("partner_id", "res.partner", "Related Partner", required=True),
                char("name", "Name", related="partner_id.name"),
                boolean("active", "Active", default=True),
                *_company_fields(),
                m2m("company_ids", "res.company", "Companies"),
                boolean("share", "Share User"),
            ],
        ),
        _model(
            "uom.category",
            "Product UoM Categories",
            [char("name", "Unit of Measure Category", required=True)],
        ),
        _model(
            "uom.uom",
            "Product Unit of Measure",
            [
                char("name", "Unit of Measure", required=True),
                m2o("category_id", "uom.category", "Category", required=True),
                floatf(
                    "factor",
                    "Ratio",
                    default=1.0,
                    help="How much bigger or smaller this unit is compared to the reference "
                    "Unit of Measure for this category: 1 * (reference unit) = ratio * (this unit)",
                ),
                selection(
                    "uom_type",
                    "Type",
                    (
                        ("bigger", "Bigger than the reference Unit of Measure"),
                        ("reference", "Reference Unit of Measure for this category"),
                        ("smaller", "Smaller than the reference Unit of Measure"),
                    ),
                    default="reference",
                    required=True,
                ),
                floatf("rounding", "Rounding Precision", default=0.01),
                boolean("active", "Active", default=True),
            ],
        ),
        _model(
            "crm.tag",
            "CRM Tag",
            [char("name", "Tag Name", required=True), integer("color", "Color")],
        ),
        _model(
            "ir.model",
            "Models",
            [
                char("model", "Model", required=True),
                char("name", "Model Description", required=True),
                selection(
                    "state",
                    "Type",
                    (("manual", "Custom Object"), ("base", "Base Object")),
                    default="base",
                ),
                boolean("is_mail_thread", "Has Mail Thread"),
                boolean("is_mail_activity", "Has Mail Activity"),
                boolean("transient", "Transient Model"),
            ],
        ),
        _model(
            "ir.model.data",
            "Model Data",
            [
                char("name", "External Identifier", required=True),
                char("module", "Module", required=True),
                char("model", "Model Name", required=True),
                _f("res_id", "many2one_reference", "Record ID", model_field="model", default=0),
                char("complete_name", "Complete ID", store=False, compute="xmlid"),
                boolean("noupdate", "Non Updatable"),
            ],
            rec_name="complete_name",
        ),
        _model(
            "mail.activity.type",
            "Activity Type",
            [
                char("name", "Name", required=True),
                char("summary", "Default Summary"),
                selection(
                    "category",
                    "Action",
                    (
                        ("default", "None"),
                        ("upload_file", "Upload Document"),
                        ("phonecall", "Phonecall"),
                    ),
                    default="default",
                ),
                integer("delay_count", "Schedule"),
                char("res_model", "Model"),
                integer("sequence", "Sequence", default=10),
                boolean("active", "Active", default=True),
            ],
        ),
        _model(
            "mail.message.subtype",
            "Message subtypes",
            [char("name", "Message Type", required=True), boolean("internal", "Internal Only")],
        ),
        _model(
            "mail.message",
            "Message",
            [
                char("subject", "Subject"),
                char("model", "Related Document Model"),
                _f(
                    "res_id",
                    "many2one_reference",
                    "Related Document ID",
                    model_field="model",
                    default=0,
                ),
                html("body", "Contents", default=""),
                selection(
                    "message_type",
                    "Type",
                    (
                        ("email", "Email"),
                        ("comment", "Comment"),
                        ("notification", "System notification"),
                        ("user_notification", "User Specific Notification"),
                    ),
                    required=True,
                    default="comment",
                ),
                m2o("subtype_id", "mail.message.subtype", "Subtype"),
                m2o("author_id", "res.partner", "Author", default_fn="user_partner"),
                datetime_("date", "Date", default_fn="now"),
            ],
            order="id desc",
            rec_name="subject",
        ),
        _model(
            "mail.activity",
            "Activity",
            [
                m2o("res_model_id", "ir.model", "Document Model", required=True),
                char(
                    "res_model",
                    "Related Document Model",
                    related="res_model_id.model",
                    readonly=True,
                ),
                _f(
                    "res_id",
                    "many2one_reference",
                    "Related Document ID",
                    model_field="res_model",
                    required=True,
                ),
                char("res_name", "Document Name", store=False, compute="res_name"),
                m2o("activity_type_id", "mail.activity.type", "Activity Type"),
                char("summary", "Summary"),
                html("note", "Note"),
                date("date_deadline", "Due Date", required=True, default_fn="today"),
                m2o("user_id", "res.users", "Assigned to", required=True, default_fn="uid"),
                selection(
                    "state",
                    "State",
                    (("overdue", "Overdue"), ("today", "Today"), ("planned", "Planned")),
                    store=False,
                    compute="activity_state",
                ),
                boolean("automated", "Automated activity"),
            ],
            order="date_deadline ASC, id ASC",
            rec_name="summary",
        ),
    ]


def _product_models(v: int) -> list[ModelSpec]:
    if v >= 18:
        types: Selection = (("consu", "Goods"), ("service", "Service"), ("combo", "Combo"))
    else:
        types = (("consu", "Consumable"), ("service", "Service"), ("product", "Storable Product"))
    template_fields = [
        char("name", "Name", required=True),
        selection("type", "Product Type", types, required=True, default="consu"),
        floatf("list_price", "Sales Price", default=1.0),
        m2o("uom_id", "uom.uom", "Unit of Measure", required=True, default_fn="uom_unit"),
        m2o("uom_po_id", "uom.uom", "Purchase Unit", default_fn="uom_unit"),
        boolean("sale_ok", "Can be Sold", default=True),
        boolean("purchase_ok", "Can be Purchased", default=True),
        floatf("sale_delay", "Customer Lead Time"),
        boolean("active", "Active", default=True),
        o2m("seller_ids", "product.supplierinfo", "product_tmpl_id", "Vendors"),
        o2m("product_variant_ids", "product.product", "product_tmpl_id", "Products"),
        *_company_fields(),
    ]
    if v >= 18:
        template_fields.append(
            boolean(
                "is_storable",
                "Track Inventory",
                help="A storable product is a product for which you manage stock.",
            )
        )
    delegated = [
        "name",
        "type",
        "list_price",
        "uom_id",
        "uom_po_id",
        "sale_ok",
        "purchase_ok",
        "sale_delay",
        "seller_ids",
    ]
    if v >= 18:
        delegated.append("is_storable")
    tmpl = {f.name: f for f in template_fields}
    product_fields = [
        m2o("product_tmpl_id", "product.template", "Product Template", required=True),
        char("default_code", "Internal Reference"),
        char("barcode", "Barcode"),
        floatf("standard_price", "Cost"),
        boolean("active", "Active", default=True),
    ]
    for name in delegated:
        src = tmpl[name]
        product_fields.append(
            FieldSpec(
                name=name,
                type=src.type,
                string=src.string,
                relation=src.relation,
                selection=src.selection,
                required=src.required,
                store=src.type != "one2many",
                related=f"product_tmpl_id.{name}",
                help=src.help,
            )
        )
    for qty, label in (
        ("qty_available", "Quantity On Hand"),
        ("virtual_available", "Forecasted Quantity"),
        ("free_qty", "Free To Use Quantity"),
        ("incoming_qty", "Incoming"),
        ("outgoing_qty", "Outgoing"),
    ):
        product_fields.append(
            floatf(qty, label, store=False, searchable=True, compute=qty, default=None)
        )
    return [
        # products have a chatter in Odoo (mail.thread), as orders and partners do
        _model("product.template", "Product", template_fields, mail_thread=True),
        _model(
            "product.product",
            "Product Variant",
            product_fields,
            order="default_code, name, id",
            mail_thread=True,
        ),
        _model(
            "product.supplierinfo",
            "Supplier Pricelist",
            [
                m2o("partner_id", "res.partner", "Vendor", required=True),
                m2o("product_tmpl_id", "product.template", "Product Template"),
                m2o("product_id", "product.product", "Product Variant"),
                char("product_name", "Vendor Product Name"),
                char("product_code", "Vendor Product Code"),
                integer("sequence", "Sequence", default=1),
                floatf("min_qty", "Quantity"),
                floatf("price", "Price"),
                integer(
                    "delay",
                    "Delivery Lead Time",
                    default=1,
                    help="Lead time in days between the confirmation of the purchase order and "
                    "the receipt of the products in your warehouse.",
                ),
                m2o("currency_id", "res.currency", "Currency", default_fn="currency"),
                date("date_start", "Start Date"),
                date("date_end", "End Date"),
                *_company_fields(),
            ],
            order="sequence, min_qty DESC, price, id",
            rec_name=None,
        ),
    ]


def _stock_models(_v: int) -> list[ModelSpec]:
    usages: Selection = (
        ("supplier", "Vendor Location"),
        ("view", "View"),
        ("internal", "Internal Location"),
        ("customer", "Customer Location"),
        ("inventory", "Inventory Loss"),
        ("production", "Production"),
        ("transit", "Transit Location"),
    )
    move_states: Selection = (
        ("draft", "New"),
        ("waiting", "Waiting Another Move"),
        ("confirmed", "Waiting Availability"),
        ("partially_available", "Partially Available"),
        ("assigned", "Available"),
        ("done", "Done"),
        ("cancel", "Cancelled"),
    )
    picking_states: Selection = (
        ("draft", "Draft"),
        ("waiting", "Waiting Another Operation"),
        ("confirmed", "Waiting"),
        ("assigned", "Ready"),
        ("done", "Done"),
        ("cancel", "Cancelled"),
    )
    codes: Selection = (
        ("incoming", "Receipt"),
        ("outgoing", "Delivery"),
        ("internal", "Internal Transfer"),
    )
    return [
        _model(
            "stock.location",
            "Inventory Locations",
            [
                char("name", "Location Name", required=True),
                char("complete_name", "Full Location Name", compute="complete_name", readonly=True),
                selection("usage", "Location Type", usages, required=True, default="internal"),
                m2o("location_id", "stock.location", "Parent Location"),
                o2m("child_ids", "stock.location", "location_id", "Contains"),
                boolean("active", "Active", default=True),
                boolean("scrap_location", "Is a Scrap Location?"),
                boolean("return_location", "Is a Return Location?"),
                m2o(
                    "warehouse_id",
                    "stock.warehouse",
                    "Warehouse",
                    store=False,
                    compute="location_warehouse",
                ),
                *_company_fields(),
            ],
            order="complete_name, id",
            parent_name="location_id",
            rec_name="complete_name",
        ),
        _model(
            "stock.warehouse",
            "Warehouse",
            [
                char("name", "Warehouse", required=True),
                char("code", "Short Name", required=True),
                m2o("company_id", "res.company", "Company", required=True, default_fn="company"),
                m2o("partner_id", "res.partner", "Address"),
                m2o("view_location_id", "stock.location", "View Location", required=True),
                m2o("lot_stock_id", "stock.location", "Location Stock", required=True),
                m2o("in_type_id", "stock.picking.type", "In Type"),
                m2o("out_type_id", "stock.picking.type", "Out Type"),
                m2o("pick_type_id", "stock.picking.type", "Pick Type"),
                m2o("pack_type_id", "stock.picking.type", "Pack Type"),
                m2o("int_type_id", "stock.picking.type", "Internal Type"),
                selection(
                    "reception_steps",
                    "Incoming Shipments",
                    (
                        ("one_step", "Receive goods directly (1 step)"),
                        ("two_steps", "Receive goods in input and then stock (2 steps)"),
                        (
                            "three_steps",
                            "Receive goods in input, then quality and then stock (3 steps)",
                        ),
                    ),
                    default="one_step",
                    required=True,
                ),
                selection(
                    "delivery_steps",
                    "Outgoing Shipments",
                    (
                        ("ship_only", "Deliver goods directly (1 step)"),
                        ("pick_ship", "Send goods in output and then deliver (2 steps)"),
                        (
                            "pick_pack_ship",
                            "Pack goods, send goods in output and then deliver (3 steps)",
                        ),
                    ),
                    default="ship_only",
                    required=True,
                ),
                integer("sequence", "Sequence", default=10),
                boolean("active", "Active", default=True),
            ],
            order="sequence,id",
        ),
        _model(
            "stock.picking.type",
            "Picking Type",
            [
                char("name", "Operation Type", required=True),
                selection("code", "Type of Operation", codes, required=True, default="incoming"),
                char("sequence_code", "Sequence Prefix", required=True, default="OP"),
                m2o("warehouse_id", "stock.warehouse", "Warehouse"),
                m2o("default_location_src_id", "stock.location", "Default Source Location"),
                m2o("default_location_dest_id", "stock.location", "Default Destination Location"),
                integer("sequence", "Sequence", default=10),
                boolean("active", "Active", default=True),
                *_company_fields(),
            ],
            order="sequence, id",
        ),
        _model(
            "stock.quant",
            "Quants",
            [
                m2o("product_id", "product.product", "Product", required=True),
                m2o("location_id", "stock.location", "Location", required=True),
                floatf("quantity", "Quantity"),
                floatf("reserved_quantity", "Reserved Quantity"),
                floatf(
                    "available_quantity",
                    "Available Quantity",
                    store=False,
                    compute="quant_available",
                    default=None,
                ),
                m2o(
                    "company_id",
                    "res.company",
                    "Company",
                    related="location_id.company_id",
                    readonly=True,
                ),
                datetime_("in_date", "Incoming Date", default_fn="now"),
            ],
            rec_name=None,
        ),
        _model(
            "stock.warehouse.orderpoint",
            "Minimum Inventory Rule",
            [
                char("name", "Name", required=True, default_fn="seq"),
                selection(
                    "trigger", "Trigger", (("auto", "Auto"), ("manual", "Manual")), default="auto"
                ),
                m2o("product_id", "product.product", "Product", required=True),
                m2o("warehouse_id", "stock.warehouse", "Warehouse", required=True),
                m2o("location_id", "stock.location", "Location", required=True),
                floatf("product_min_qty", "Min Quantity"),
                floatf("product_max_qty", "Max Quantity"),
                floatf("qty_multiple", "Multiple Quantity", default=1.0),
                date("snoozed_until", "Snoozed"),
                boolean("active", "Active", default=True),
                *_company_fields(),
            ],
        ),
        _model(
            "stock.picking",
            "Transfer",
            [
                char("name", "Reference", default="/"),
                char("origin", "Source Document"),
                m2o("picking_type_id", "stock.picking.type", "Operation Type", required=True),
                selection(
                    "picking_type_code",
                    "Type of Operation",
                    codes,
                    related="picking_type_id.code",
                    readonly=True,
                ),
                selection("state", "Status", picking_states, default="draft"),
                selection(
                    "move_type",
                    "Shipping Policy",
                    (("direct", "As soon as possible"), ("one", "When all products are ready")),
                    default="direct",
                    required=True,
                ),
                selection("priority", "Priority", (("0", "Normal"), ("1", "Urgent")), default="0"),
                m2o("sale_id", "sale.order", "Sales Order"),
                m2o("partner_id", "res.partner", "Contact"),
                m2o("user_id", "res.users", "Responsible"),
                m2o("location_id", "stock.location", "Source Location", required=True),
                m2o("location_dest_id", "stock.location", "Destination Location", required=True),
                datetime_("scheduled_date", "Scheduled Date", required=True, default_fn="now"),
                datetime_("date_deadline", "Deadline"),
                datetime_("date_done", "Date of Transfer"),
                boolean("has_deadline_issue", "Is late"),
                m2o("backorder_id", "stock.picking", "Back Order of"),
                m2o("return_id", "stock.picking", "Return of"),
                o2m("move_ids", "stock.move", "picking_id", "Stock Moves"),
                *_company_fields(),
            ],
            order="priority desc, scheduled_date asc, id desc",
            mail_thread=True,
        ),
        _model(
            "stock.move",
            "Stock Move",
            [
                char("name", "Description", required=True),
                char("origin", "Source Document"),
                integer("sequence", "Sequence", default=10),
                m2o("product_id", "product.product", "Product", required=True),
                floatf("product_uom_qty", "Demand", required=True, default=1.0),
                m2o("product_uom", "uom.uom", "UoM", required=True),
                floatf("quantity", "Quantity"),
                boolean("picked", "Picked"),
                selection("state", "Status", move_states, default="draft"),
                datetime_("date", "Date Scheduled", required=True, default_fn="now"),
                datetime_("date_deadline", "Deadline"),
                m2o("picking_id", "stock.picking", "Transfer"),
                m2o("picking_type_id", "stock.picking.type", "Operation Type"),
                selection(
                    "picking_code",
                    "Type of Operation",
                    codes,
                    related="picking_type_id.code",
                    store=False,
                ),
                m2o("location_id", "stock.location", "Source Location", required=True),
                m2o("location_dest_id", "stock.location", "Destination Location", required=True),
                m2o("partner_id", "res.partner", "Destination Address"),
                m2o("sale_line_id", "sale.order.line", "Sale Line"),
                m2o("purchase_line_id", "purchase.order.line", "Purchase Order Line"),
                m2o("origin_returned_move_id", "stock.move", "Origin return move"),
                m2m("move_dest_ids", "stock.move", "Destination Moves"),
                m2m("move_orig_ids", "stock.move", "Original Move", mirror="move_dest_ids"),
                boolean("scrapped", "Scrapped"),
                m2o("scrap_id", "stock.scrap", "Scrap operation"),
                m2o("warehouse_id", "stock.warehouse", "Warehouse"),
                selection(
                    "procure_method",
                    "Supply Method",
                    (
                        ("make_to_stock", "Default: Take From Stock"),
                        ("make_to_order", "Advanced: Apply Procurement Rules"),
                    ),
                    default="make_to_stock",
                    required=True,
                ),
                *_company_fields(),
            ],
            order="sequence, id",
        ),
        _model(
            "stock.scrap",
            "Scrap",
            [
                char("name", "Reference", required=True, default_fn="seq"),
                char("origin", "Source Document"),
                m2o("product_id", "product.product", "Product", required=True),
                m2o("product_uom_id", "uom.uom", "Unit of Measure", required=True),
                floatf("scrap_qty", "Quantity", required=True, default=1.0),
                m2o("picking_id", "stock.picking", "Picking"),
                o2m("move_ids", "stock.move", "scrap_id", "Stock Moves"),
                m2o("location_id", "stock.location", "Source Location", required=True),
                m2o(
                    "scrap_location_id",
                    "stock.location",
                    "Scrap Location",
                    required=True,
                    default_fn="scrap_location",
                ),
                selection(
                    "state", "Status", (("draft", "Draft"), ("done", "Done")), default="draft"
                ),
                datetime_("date_done", "Date"),
                *_company_fields(),
            ],
            order="id desc",
        ),
    ]


def _sale_models(v: int) -> list[ModelSpec]:
    delivery: Selection = (
        (
            ("pending", "Not Delivered"),
            ("started", "Started"),
            ("partial", "Partially Delivered"),
            ("full", "Fully Delivered"),
        )
        if v >= 18
        else (
            ("pending", "Not Delivered"),
            ("partial", "Partially Delivered"),
            ("full", "Fully Delivered"),
        )
    )
    display: Selection = (("line_section", "Section"), ("line_note", "Note"))
    if v >= 19:
        display = (*display, ("line_subsection", "Subsection"))
    uom_field = "product_uom_id" if v >= 19 else "product_uom"
    invoice_status: Selection = (
        ("upselling", "Upselling Opportunity"),
        ("invoiced", "Fully Invoiced"),
        ("to invoice", "To Invoice"),
        ("no", "Nothing to Invoice"),
    )
    return [
        _model(
            "sale.order",
            "Sales Order",
            [
                char("name", "Order Reference", required=True, default="New"),
                selection(
                    "state",
                    "Status",
                    (
                        ("draft", "Quotation"),
                        ("sent", "Quotation Sent"),
                        ("sale", "Sales Order"),
                        ("cancel", "Cancelled"),
                    ),
                    default="draft",
                ),
                boolean("locked", "Locked", help="Locked orders cannot be modified."),
                m2o("partner_id", "res.partner", "Customer", required=True),
                m2o("partner_invoice_id", "res.partner", "Invoice Address"),
                m2o("partner_shipping_id", "res.partner", "Delivery Address"),
                m2o("user_id", "res.users", "Salesperson", default_fn="uid"),
                m2o("company_id", "res.company", "Company", required=True, default_fn="company"),
                m2o("currency_id", "res.currency", "Currency", default_fn="currency"),
                floatf("currency_rate", "Currency Rate", default=1.0),
                m2o("warehouse_id", "stock.warehouse", "Warehouse", default_fn="warehouse"),
                datetime_(
                    "date_order",
                    "Order Date",
                    required=True,
                    default_fn="now",
                    help="Creation date of draft/sent orders,\nConfirmation date of confirmed orders.",
                ),
                datetime_(
                    "commitment_date",
                    "Delivery Date",
                    help="This is the delivery date promised to the customer. If set, the delivery order will be scheduled based on this date rather than product lead times.",
                ),
                datetime_(
                    "expected_date",
                    "Expected Date",
                    store=False,
                    compute="expected_date",
                    readonly=True,
                ),
                datetime_("effective_date", "Effective Date"),
                date("validity_date", "Expiration"),
                selection(
                    "picking_policy",
                    "Shipping Policy",
                    (("direct", "As soon as possible"), ("one", "When all products are ready")),
                    required=True,
                    default="direct",
                ),
                m2m("tag_ids", "crm.tag", "Tags"),
                selection("delivery_status", "Delivery Status", delivery),
                selection("invoice_status", "Invoice Status", invoice_status, default="no"),
                o2m("order_line", "sale.order.line", "order_id", "Order Lines"),
                o2m("picking_ids", "stock.picking", "sale_id", "Transfers"),
                char("client_order_ref", "Customer Reference"),
                char("origin", "Source Document"),
                monetary("amount_untaxed", "Untaxed Amount"),
                monetary("amount_total", "Total"),
            ],
            order="date_order desc, id desc",
            mail_thread=True,
        ),
        _model(
            "sale.order.line",
            "Sales Order Line",
            [
                m2o("order_id", "sale.order", "Order Reference", required=True),
                integer("sequence", "Sequence", default=10),
                selection("display_type", "Display Type", display),
                m2o("product_id", "product.product", "Product"),
                text("name", "Description", required=True),
                floatf("product_uom_qty", "Quantity", default=1.0),
                m2o(uom_field, "uom.uom", "Unit of Measure"),
                floatf("qty_delivered", "Delivery Quantity"),
                floatf("qty_invoiced", "Invoiced Quantity"),
                floatf("price_unit", "Unit Price"),
                floatf("discount", "Discount (%)"),
                monetary("price_subtotal", "Subtotal", compute="price_subtotal", readonly=True),
                floatf(
                    "customer_lead",
                    "Lead Time",
                    help="Number of days between the order confirmation and the shipping of the products to the customer",
                ),
                o2m("move_ids", "stock.move", "sale_line_id", "Stock Moves"),
                selection(
                    "state",
                    "Order Status",
                    (
                        ("draft", "Quotation"),
                        ("sent", "Quotation Sent"),
                        ("sale", "Sales Order"),
                        ("cancel", "Cancelled"),
                    ),
                    related="order_id.state",
                    readonly=True,
                ),
                m2o(
                    "order_partner_id",
                    "res.partner",
                    "Customer",
                    related="order_id.partner_id",
                    readonly=True,
                ),
                m2o(
                    "salesman_id",
                    "res.users",
                    "Salesperson",
                    related="order_id.user_id",
                    readonly=True,
                ),
                m2o(
                    "company_id",
                    "res.company",
                    "Company",
                    related="order_id.company_id",
                    readonly=True,
                ),
                m2o(
                    "currency_id",
                    "res.currency",
                    "Currency",
                    related="order_id.currency_id",
                    readonly=True,
                ),
                floatf(
                    "qty_to_deliver",
                    "Qty To Deliver",
                    store=False,
                    compute="qty_to_deliver",
                    default=None,
                ),
            ],
            order="order_id, sequence, id",
        ),
    ]


def _purchase_models(v: int) -> list[ModelSpec]:
    states: list[tuple[str, str]] = [
        ("draft", "RFQ"),
        ("sent", "RFQ Sent"),
        ("to approve", "To Approve"),
        ("purchase", "Purchase Order"),
    ]
    if v < 19:
        states.append(("done", "Locked"))
    states.append(("cancel", "Cancelled"))
    extra: list[FieldSpec] = []
    if v < 19:
        extra += [
            boolean(
                "mail_reminder_confirmed",
                "Reminder Confirmed",
                help="True if the reminder email is confirmed by the vendor.",
            ),
            boolean(
                "mail_reception_confirmed",
                "Reception Confirmed",
                help="True if PO reception is confirmed by the vendor.",
            ),
        ]
    else:
        extra += [boolean("locked", "Locked"), boolean("acknowledged", "Acknowledged")]
    uom_field = "product_uom_id" if v >= 19 else "product_uom"
    return [
        _model(
            "purchase.order",
            "Purchase Order",
            [
                char("name", "Order Reference", required=True, default="New"),
                selection("state", "Status", tuple(states), default="draft"),
                selection("priority", "Priority", (("0", "Normal"), ("1", "Urgent")), default="0"),
                char("origin", "Source Document"),
                char("partner_ref", "Vendor Reference"),
                m2o("partner_id", "res.partner", "Vendor", required=True),
                m2o("user_id", "res.users", "Buyer", default_fn="uid"),
                m2o(
                    "picking_type_id",
                    "stock.picking.type",
                    "Deliver To",
                    required=True,
                    default_fn="incoming_type",
                ),
                m2o("company_id", "res.company", "Company", required=True, default_fn="company"),
                m2o(
                    "currency_id", "res.currency", "Currency", required=True, default_fn="currency"
                ),
                floatf("currency_rate", "Currency Rate", default=1.0),
                datetime_("date_order", "Order Deadline", required=True, default_fn="now"),
                datetime_("date_approve", "Confirmation Date", readonly=True),
                datetime_("date_planned", "Expected Arrival", compute="po_date_planned"),
                datetime_("effective_date", "Arrival"),
                boolean("receipt_reminder_email", "Receipt Reminder Email"),
                integer("reminder_date_before_receipt", "Days Before Receipt", default=1),
                *extra,
                selection(
                    "receipt_status",
                    "Receipt Status",
                    (
                        ("pending", "Not Received"),
                        ("partial", "Partially Received"),
                        ("full", "Fully Received"),
                    ),
                ),
                selection(
                    "invoice_status",
                    "Billing Status",
                    (
                        ("no", "Nothing to Bill"),
                        ("to invoice", "Waiting Bills"),
                        ("invoiced", "Fully Billed"),
                    ),
                    default="no",
                ),
                boolean("is_late", "Is Late", store=False, searchable=True, compute="po_is_late"),
                o2m("order_line", "purchase.order.line", "order_id", "Order Lines"),
                m2m(
                    "picking_ids",
                    "stock.picking",
                    "Receptions",
                    compute="po_pickings",
                    readonly=True,
                ),
                monetary("amount_untaxed", "Untaxed Amount"),
                monetary("amount_total", "Total"),
            ],
            order="priority desc, id desc",
            mail_thread=True,
        ),
        _model(
            "purchase.order.line",
            "Purchase Order Line",
            [
                m2o("order_id", "purchase.order", "Order Reference", required=True),
                integer("sequence", "Sequence", default=10),
                selection(
                    "display_type",
                    "Display Type",
                    (("line_section", "Section"), ("line_note", "Note")),
                ),
                m2o("product_id", "product.product", "Product"),
                text("name", "Description", required=True),
                floatf("product_qty", "Quantity", default=1.0),
                m2o(uom_field, "uom.uom", "Unit of Measure"),
                floatf("qty_received", "Received Qty"),
                floatf("qty_invoiced", "Billed Qty"),
                datetime_("date_planned", "Expected Arrival"),
                floatf("price_unit", "Unit Price"),
                floatf("discount", "Discount (%)"),
                o2m("move_ids", "stock.move", "purchase_line_id", "Reservation"),
                m2m("move_dest_ids", "stock.move", "Downstream Moves"),
                m2o("orderpoint_id", "stock.warehouse.orderpoint", "Orderpoint"),
                m2o(
                    "partner_id",
                    "res.partner",
                    "Partner",
                    related="order_id.partner_id",
                    readonly=True,
                ),
                selection(
                    "state", "Status", tuple(states), related="order_id.state", readonly=True
                ),
                m2o(
                    "company_id",
                    "res.company",
                    "Company",
                    related="order_id.company_id",
                    readonly=True,
                ),
            ],
            order="order_id, sequence, id",
        ),
    ]


def _account_models(v: int) -> list[ModelSpec]:
    payment: list[tuple[str, str]] = [
        ("not_paid", "Not Paid"),
        ("in_payment", "In Payment"),
        ("paid", "Paid"),
        ("partial", "Partially Paid"),
        ("reversed", "Reversed"),
    ]
    if v >= 18:
        payment.append(("blocked", "Blocked"))
    payment.append(("invoicing_legacy", "Invoicing App Legacy"))
    return [
        _model(
            "account.move",
            "Journal Entry",
            [
                char("name", "Number", default="/"),
                char("ref", "Reference"),
                selection(
                    "move_type",
                    "Type",
                    (
                        ("entry", "Journal Entry"),
                        ("out_invoice", "Customer Invoice"),
                        ("out_refund", "Customer Credit Note"),
                        ("in_invoice", "Vendor Bill"),
                        ("in_refund", "Vendor Credit Note"),
                        ("out_receipt", "Sales Receipt"),
                        ("in_receipt", "Purchase Receipt"),
                    ),
                    required=True,
                    default="entry",
                ),
                selection(
                    "state",
                    "Status",
                    (("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")),
                    required=True,
                    default="draft",
                ),
                selection("payment_state", "Payment Status", tuple(payment), default="not_paid"),
                m2o("partner_id", "res.partner", "Partner"),
                m2o(
                    "commercial_partner_id",
                    "res.partner",
                    "Commercial Entity",
                    related="partner_id.commercial_partner_id",
                    readonly=True,
                ),
                date("date", "Date", required=True, default_fn="today"),
                date("invoice_date", "Invoice/Bill Date"),
                date("invoice_date_due", "Due Date"),
                char("invoice_origin", "Origin"),
                char("payment_reference", "Payment Reference"),
                m2o("invoice_user_id", "res.users", "Salesperson"),
                monetary("amount_total", "Total"),
                monetary("amount_total_signed", "Total Signed"),
                monetary("amount_residual", "Amount Due"),
                monetary("amount_residual_signed", "Amount Due Signed"),
                m2o(
                    "currency_id", "res.currency", "Currency", required=True, default_fn="currency"
                ),
                *_company_fields(),
            ],
            order="date desc, name desc, invoice_date desc, id desc",
            mail_thread=True,
        ),
    ]


def build_models(version: str) -> dict[str, ModelSpec]:
    """Every model of a server of this version with sale, purchase, stock and accounting."""
    v = _major(version)
    models: list[ModelSpec] = []
    for part in (
        _base_models,
        _product_models,
        _stock_models,
        _sale_models,
        _purchase_models,
        _account_models,
    ):
        models += part(v)
    return {m.name: m for m in models}


def addon_models(module: str, version: str) -> dict[str, ModelSpec]:
    """The models an optional module adds: OCA ``helpdesk_mgmt`` or OCA ``rma``."""
    v = _major(version)
    if module == "helpdesk_mgmt":
        models = [
            _model(
                "helpdesk.ticket.stage",
                "Helpdesk Ticket Stage",
                [
                    char("name", "Stage Name", required=True),
                    integer("sequence", "Sequence", default=1),
                    boolean("closed", "Closed"),
                    boolean("fold", "Folded in Kanban"),
                    boolean("active", "Active", default=True),
                ],
                order="sequence, id",
            ),
            _model(
                "helpdesk.ticket.team",
                "Helpdesk Ticket Team",
                [char("name", "Name", required=True), boolean("active", "Active", default=True)],
            ),
            _model(
                "helpdesk.ticket",
                "Helpdesk Ticket",
                [
                    char("number", "Ticket number", default="/", readonly=True),
                    char("name", "Title", required=True),
                    html("description", "Description", required=True),
                    m2o("partner_id", "res.partner", "Contact"),
                    char("partner_name", "Name"),
                    char("partner_email", "Email"),
                    m2o("user_id", "res.users", "Assigned user"),
                    selection(
                        "priority",
                        "Priority",
                        (("0", "Low"), ("1", "Medium"), ("2", "High"), ("3", "Very High")),
                        default="1",
                    ),
                    m2o("stage_id", "helpdesk.ticket.stage", "Stage", default_fn="first_stage"),
                    m2o("team_id", "helpdesk.ticket.team", "Team"),
                    boolean("closed", "Closed", related="stage_id.closed", readonly=True),
                    datetime_("closed_date", "Closed Date"),
                    datetime_("assigned_date", "Assigned Date"),
                    datetime_("last_stage_update", "Last Stage Update", default_fn="now"),
                    integer("sequence", "Sequence", default=10),
                    boolean("active", "Active", default=True),
                    m2o(
                        "company_id", "res.company", "Company", required=True, default_fn="company"
                    ),
                ],
                order="priority desc, sequence, number desc, id desc",
                mail_thread=True,
            ),
        ]
    elif module == "rma":
        uom_field = "product_uom_id" if v >= 19 else "product_uom"
        models = [
            _model(
                "rma",
                "RMA",
                [
                    char("name", "Name", default="/", readonly=True),
                    char("origin", "Source"),
                    selection(
                        "state",
                        "Status",
                        (
                            ("draft", "Draft"),
                            ("confirmed", "Confirmed"),
                            ("received", "Received"),
                            ("waiting_return", "Waiting for return"),
                            ("waiting_replacement", "Waiting for replacement"),
                            ("refunded", "Refunded"),
                            ("returned", "Returned"),
                            ("replaced", "Replaced"),
                            ("finished", "Finished"),
                            ("cancelled", "Canceled"),
                            ("locked", "Locked"),
                        ),
                        default="draft",
                    ),
                    m2o("partner_id", "res.partner", "Customer"),
                    m2o("product_id", "product.product", "Product"),
                    floatf("product_uom_qty", "Quantity", default=1.0),
                    m2o(uom_field, "uom.uom", "UoM"),
                    m2o("order_id", "sale.order", "Sale Order"),
                    m2o("picking_id", "stock.picking", "Origin Delivery"),
                    datetime_("date", "Date", default_fn="now"),
                    m2o(
                        "company_id", "res.company", "Company", required=True, default_fn="company"
                    ),
                ],
                order="date desc, id desc",
                mail_thread=True,
            )
        ]
    else:
        raise ValueError(f"The fake Odoo knows no module {module!r} (known: helpdesk_mgmt, rma)")
    return {m.name: m for m in models}


ADDONS = ("helpdesk_mgmt", "rma")
