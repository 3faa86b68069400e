"""What the sync reads from Odoo: models, fields and domains, in one place.

Each model the mapping needs is read with the fields it uses and no others (Odoo reads
every field, computed ones included, when ``fields`` is left out), and with a domain that
keeps the read close to the records the mapping keeps (the 1.2x budget of
``docs/odoo.md``). Three domains per model:

- ``full``: the first run (and ``--full``) reads these records;
- ``changed``: later runs read the records of this domain whose ``write_date`` is at or
  after the watermark. It is wider than ``full`` where a record can *leave* the full
  domain (an order cancelled, an invoice paid): the change must be seen to be applied;
- ``alive``: the ids still present, asked for (ids only) on later runs, so a record
  deleted in Odoo, which leaves no ``write_date`` behind, leaves the picture too.

Small reference tables (companies, users, units, warehouses, locations) are read whole
on every run: they are a few hundred rows and have no reliable change stamp of their own
that covers what the mapping derives from them (a location's full name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from controltower.connectors.odoo.flavour import OdooFlavour

Domain = list[Any]


@dataclass(frozen=True)
class ModelRead:
    """How one model is read."""

    model: str
    fields: tuple[str, ...]
    full: Domain
    changed: Domain
    alive: Domain
    #: read with ``active_test: False`` (archived records still referenced by open work)
    include_archived: bool = False


REFERENCE_READS: dict[str, tuple[str, ...]] = {
    "res.company": ("name", "partner_id", "currency_id"),
    "res.users": ("login", "name"),
    "uom.uom": ("name", "factor"),
    "res.partner.category": ("name",),
    "crm.tag": ("name",),
    "stock.warehouse": (
        "name",
        "code",
        "company_id",
        "view_location_id",
        "pick_type_id",
        "delivery_steps",
    ),
    "stock.location": ("complete_name", "usage", "location_id"),
    "stock.picking.type": ("code", "warehouse_id"),
}
"""Small tables read whole on every run."""

CORE_MODELS = (
    "res.company",
    "res.users",
    "res.partner",
    "uom.uom",
    "product.product",
    "stock.warehouse",
    "stock.location",
    "stock.picking.type",
    "stock.quant",
    "stock.move",
    "stock.picking",
    "sale.order",
    "sale.order.line",
    "purchase.order",
    "purchase.order.line",
)
"""Without these there is no picture to build (the Sales, Purchase and Inventory apps)."""

OPTIONAL_MODELS = (
    "crm.tag",
    "res.partner.category",
    "stock.warehouse.orderpoint",
    "product.supplierinfo",
    "account.move",
    "stock.scrap",
    "rma",
    "helpdesk.ticket",
    "mail.activity",
)
"""Read when installed; without them their columns keep the dataset's defaults."""

PARTNER_FIELDS = ("name", "ref", "commercial_partner_id", "category_id", "user_id")
PARTNER_READ_FIELDS = (*PARTNER_FIELDS, "write_date")


def incremental_reads(flavour: OdooFlavour, *, rma_installed: bool) -> list[ModelRead]:
    """The models read by watermark, in the order their records are useful."""
    storable = flavour.storable_domain()
    line_product = ["|", ("product_id", "=", False), *flavour.storable_domain("product_id.")]
    sale_states = ["sale", "cancel"]
    purchase_states = [*flavour.purchase_states, "cancel"]
    reads = [
        ModelRead(
            "product.product",
            ("default_code", "name", "standard_price", "list_price", "uom_id", "write_date"),
            storable,
            storable,
            storable,
            include_archived=True,
        ),
        ModelRead(
            "stock.warehouse.orderpoint",
            ("product_id", "product_min_qty", "product_max_qty", "write_date"),
            [],
            [],
            [],
        ),
        ModelRead("product.supplierinfo", ("partner_id", "delay", "write_date"), [], [], []),
        ModelRead(
            "stock.quant",
            ("product_id", "location_id", "quantity", "write_date"),
            [("location_id.usage", "=", "internal")],
            [("location_id.usage", "=", "internal")],
            [("location_id.usage", "=", "internal")],
        ),
        ModelRead(
            "sale.order",
            (
                "name",
                "state",
                "partner_id",
                "warehouse_id",
                "company_id",
                "currency_id",
                "currency_rate",
                "date_order",
                "commitment_date",
                "expected_date",
                "picking_policy",
                "tag_ids",
                "user_id",
                "delivery_status",
                "write_date",
            ),
            [("state", "=", "sale")],
            [("state", "in", sale_states)],
            [("state", "in", sale_states)],
        ),
        ModelRead(
            "sale.order.line",
            (
                "order_id",
                "product_id",
                "product_uom_qty",
                flavour.line_uom,
                "qty_delivered",
                "price_unit",
                "discount",
                "write_date",
            ),
            [("order_id.state", "=", "sale"), ("display_type", "=", False), *line_product],
            [("order_id.state", "in", sale_states), ("display_type", "=", False), *line_product],
            [("order_id.state", "in", sale_states), ("display_type", "=", False), *line_product],
        ),
        ModelRead(
            "purchase.order",
            (
                "name",
                "state",
                "partner_id",
                "picking_type_id",
                "company_id",
                "currency_id",
                "currency_rate",
                "date_order",
                "date_approve",
                "date_planned",
                "user_id",
                "receipt_status",
                *((flavour.vendor_confirmed_field,) if flavour.vendor_confirmed_field else ()),
                "write_date",
            ),
            [("state", "in", list(flavour.purchase_states))],
            [("state", "in", purchase_states)],
            [("state", "in", purchase_states)],
        ),
        ModelRead(
            "purchase.order.line",
            (
                "order_id",
                "product_id",
                "product_qty",
                flavour.line_uom,
                "qty_received",
                "date_planned",
                "price_unit",
                "write_date",
            ),
            [
                ("order_id.state", "in", list(flavour.purchase_states)),
                ("display_type", "=", False),
                *line_product,
            ],
            [
                ("order_id.state", "in", purchase_states),
                ("display_type", "=", False),
                *line_product,
            ],
            [
                ("order_id.state", "in", purchase_states),
                ("display_type", "=", False),
                *line_product,
            ],
        ),
        _move_read(flavour),
        _picking_read(),
        ModelRead(
            "account.move",
            (
                "name",
                "move_type",
                "state",
                "payment_state",
                "commercial_partner_id",
                "invoice_date_due",
                "amount_residual_signed",
                "write_date",
            ),
            [
                ("move_type", "in", ["out_invoice", "out_refund"]),
                ("state", "=", "posted"),
                ("payment_state", "in", list(flavour.open_payment_states)),
            ],
            [("move_type", "in", ["out_invoice", "out_refund"])],
            [
                ("move_type", "in", ["out_invoice", "out_refund"]),
                ("state", "=", "posted"),
                ("payment_state", "in", list(flavour.open_payment_states)),
            ],
        ),
        ModelRead(
            "stock.scrap",
            ("product_id", "scrap_qty", "picking_id", "state", "write_date"),
            [("state", "=", "done"), ("picking_id", "!=", False)],
            [("state", "=", "done"), ("picking_id", "!=", False)],
            [("state", "=", "done"), ("picking_id", "!=", False)],
        ),
    ]
    if rma_installed:
        rma_fields = ("name", "state", "partner_id", "product_id", "product_uom_qty", "order_id")
        reads.append(ModelRead("rma", (*rma_fields, "date", "write_date"), [], [], []))
    return reads


def _move_read(flavour: OdooFlavour) -> ModelRead:
    """Stock moves: a sales line's deliveries and reservations, a PO line's receipts, returns."""
    # the mapping uses a delivery's move while it is open (what it reserves), a receipt's
    # once done, and every return; a move that closes must still be seen to drop it
    changed: Domain = [
        "|",
        "|",
        ("sale_line_id", "!=", False),
        ("purchase_line_id", "!=", False),
        ("origin_returned_move_id", "!=", False),
    ]
    kept: Domain = [
        "|",
        "|",
        "&",
        ("sale_line_id", "!=", False),
        ("state", "not in", ["done", "cancel"]),
        "&",
        ("purchase_line_id", "!=", False),
        ("state", "=", "done"),
        ("origin_returned_move_id", "!=", False),
    ]
    return ModelRead(
        "stock.move",
        (
            "product_id",
            "product_uom_qty",
            flavour.move_uom,
            flavour.move_quantity,
            "state",
            "date",
            "picking_id",
            "location_id",
            "location_dest_id",
            "sale_line_id",
            "purchase_line_id",
            "origin_returned_move_id",
            "move_dest_ids",
            "write_date",
        ),
        kept,
        changed,
        kept,
    )


def _picking_read() -> ModelRead:
    """Transfers: deliveries (and the pick step of a multi-step delivery) and returns."""
    domain: Domain = [
        ("state", "!=", "cancel"),
        "|",
        ("picking_type_code", "in", ["outgoing", "internal"]),
        ("location_id.usage", "=", "customer"),
    ]
    return ModelRead(
        "stock.picking",
        (
            "name",
            "picking_type_id",
            "picking_type_code",
            "sale_id",
            "partner_id",
            "create_date",
            "user_id",
            "state",
            "location_id",
            "write_date",
        ),
        [*domain, ("sale_id", "!=", False)],
        [("sale_id", "!=", False)],
        [*domain, ("sale_id", "!=", False)],
    )
