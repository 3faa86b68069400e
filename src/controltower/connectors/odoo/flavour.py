"""Which Odoo this is: the field names that moved between 17, 18 and 19.

Odoo renames fields between releases (a sales line's unit of measure, what makes a
product storable, how a purchase order says "locked" or "acknowledged"). Rather than
trusting the version string alone, the connector asks the server once at start
(``common.version`` and ``fields_get``) and records here which name each concept has,
so the reading plan and the mapping never branch on a version number themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

FieldsOf = Callable[[str], Mapping[str, Mapping[str, Any]]]
"""``fields_get`` of a model: field name -> attributes (type, store, selection...)."""


@dataclass(frozen=True)
class OdooFlavour:
    """The names this server uses for the concepts the mapping needs."""

    major: int
    #: unit of measure of a sales / purchase line (``product_uom`` up to 18)
    line_uom: str
    #: unit of measure of a stock move (``product_uom`` up to 19.0, ``uom_id`` later)
    move_uom: str
    #: ``is_storable`` (18+) or None when ``type == 'product'`` marks storable (17)
    storable_field: str | None
    #: purchase order states that are supply (``purchase`` and, up to 18, ``done``)
    purchase_states: tuple[str, ...]
    #: the purchase order flag for "the vendor confirmed" (None: the server has none)
    vendor_confirmed_field: str | None
    #: account.move payment states of an open receivable (``blocked`` is 18+)
    open_payment_states: tuple[str, ...]
    #: fields of res.partner this login may read, among the optional ones
    partner_optional: tuple[str, ...]
    #: the reserved/done quantity of a stock move (``quantity`` 17+, ``quantity_done`` 16)
    move_quantity: str
    #: whether stock.picking has ``return_id`` (19) for telling returns apart
    picking_return_field: str | None
    #: what a person should know about fields this login cannot see
    notes: tuple[str, ...] = ()

    def storable_domain(self, path: str = "") -> list[Any]:
        """A domain term selecting storable products, through ``path`` (e.g. ``product_id.``)."""
        if self.storable_field is not None:
            return [(f"{path}{self.storable_field}", "=", True)]
        return [(f"{path}type", "=", "product")]


_PARTNER_OPTIONAL = ("credit_limit", "use_partner_credit_limit", "sale_warn", "tz")


def _selection_values(field: Mapping[str, Any] | None) -> set[str]:
    if not field:
        return set()
    return {str(option[0]) for option in field.get("selection") or ()}


FLAVOUR_MODELS = (
    "sale.order.line",
    "stock.move",
    "product.product",
    "purchase.order",
    "account.move",
    "res.partner",
    "stock.picking",
)
"""The models whose ``fields_get`` :func:`detect_flavour` reads (so they can be asked at once)."""


def detect_flavour(major: int, fields_of: FieldsOf) -> OdooFlavour:
    """Read the names from ``fields_get``; the version only breaks ties it cannot see."""
    sale_line, move, product, purchase, invoice, partner, picking = map(fields_of, FLAVOUR_MODELS)
    purchase_states = tuple(
        state for state in ("purchase", "done") if state in _selection_values(purchase.get("state"))
    ) or ("purchase",)
    confirmed = next(
        (name for name in ("mail_reminder_confirmed", "acknowledged") if name in purchase), None
    )
    payment_states = _selection_values(invoice.get("payment_state"))
    open_states = tuple(
        state for state in ("not_paid", "partial", "blocked") if state in payment_states
    ) or ("not_paid", "partial")
    notes = tuple(
        f"Odoo does not let this login read res.partner.{name} (Odoo shows it to accounting "
        f"users only): {what} left blank"
        for name, what in (("credit_limit", "customers' credit limits are"),)
        if partner and name not in partner
    )
    return OdooFlavour(
        major=major,
        notes=notes,
        line_uom="product_uom_id" if "product_uom_id" in sale_line else "product_uom",
        move_uom="uom_id" if "uom_id" in move and "product_uom" not in move else "product_uom",
        storable_field="is_storable" if "is_storable" in product else None,
        purchase_states=purchase_states,
        vendor_confirmed_field=confirmed,
        open_payment_states=open_states,
        partner_optional=tuple(name for name in _PARTNER_OPTIONAL if name in partner),
        move_quantity="quantity" if "quantity" in move else "quantity_done",
        picking_return_field="return_id" if "return_id" in picking else None,
    )
