"""Which stored column is which column of :class:`~controltower.domain.tables.DatasetTables`.

A picture is stored one table per entity, one column per field of the domain dataclass
(see :mod:`controltower.storage.tables`); :class:`~controltower.domain.tables.DatasetTables`
holds the same picture as numpy arrays, codes as ids into shared vocabularies. This
module is the one place that pairs them: for every entity, in the stored column order,
the column's name, how its values are represented in the arrays, and the array field
that holds them. The bulk writer and reader (:mod:`controltower.storage.picture_columns`)
are driven by it, so writing and reading cannot disagree about a column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from controltower.domain.model import TIER_RANK
from controltower.domain.tables import (
    ORDER_STATUSES,
    PICK_STATUSES,
    RETURN_STATUSES,
    CustomerTable,
    InvoiceTable,
    PickTable,
    ProductTable,
    PurchaseOrderLineTable,
    PurchaseOrderTable,
    ReceiptTable,
    ReturnTable,
    SalesOrderLineTable,
    SalesOrderTable,
    StockTable,
    SupplierTable,
    TransferLaneTable,
    WarehouseTable,
)

Kind = Literal["code", "text", "units", "whole", "flag", "maybe_flag", "day", "choice", "moment"]
"""How a column is held in the arrays:

* ``code``: ``int32`` ids into the vocabulary named by ``vocabulary`` (-1 when blank);
* ``text``: an ``object`` array of ``str``, ``None`` when blank;
* ``units``: ``int64`` millionths; an optional one has a ``<field>_given`` column;
* ``whole``: ``int64`` (-1 when an optional one is blank);
* ``flag``: ``bool``;
* ``maybe_flag``: ``int8``, -1 blank, 0 false, 1 true;
* ``day``: ``int32`` day numbers, ``NULL_DAY`` when blank;
* ``choice``: ``int8`` positions in ``members``;
* ``moment``: ``int64`` seconds since 0001-01-01T00:00:00.
"""


@dataclass(frozen=True, slots=True)
class ColumnLayout:
    """One stored column and the array that holds it."""

    #: the column of the stored table (the domain dataclass's field name)
    column: str
    kind: Kind
    #: the field of the entity's table in ``DatasetTables``
    field: str
    #: a blank value is allowed (stored as NULL)
    optional: bool = False
    #: for codes: the ``Vocabularies`` field the ids point into
    vocabulary: str | None = None
    #: for choices: the stored value of each position
    members: tuple[str, ...] = ()

    @property
    def given(self) -> str:
        """The ``*_given`` field of an optional quantity."""
        return f"{self.field}_given"


def _code(
    column: str, vocabulary: str, field: str | None = None, *, optional: bool = False
) -> ColumnLayout:
    return ColumnLayout(column, "code", field or column, optional, vocabulary)


def _col(
    column: str, kind: Kind, field: str | None = None, *, optional: bool = False
) -> ColumnLayout:
    return ColumnLayout(column, kind, field or column, optional)


def _choice(column: str, members: tuple[str, ...]) -> ColumnLayout:
    return ColumnLayout(column, "choice", column, members=members)


#: tiers by rank: position i of the tier column is the tier of rank i
_TIERS: Final = tuple(tier.value for tier, _ in sorted(TIER_RANK.items(), key=lambda kv: kv[1]))
_ORDER_STATUSES: Final = tuple(status.value for status in ORDER_STATUSES)

#: entity -> its stored columns (after ``picture_id`` and ``position``), in table order
LAYOUT: Final[dict[str, tuple[ColumnLayout, ...]]] = {
    "warehouses": (
        _code("code", "warehouses"),
        _col("name", "text"),
        _code("company", "companies"),
        _col("pick_capacity_lines_per_day", "whole", "capacity", optional=True),
    ),
    "transfer_lanes": (
        _code("from_warehouse", "warehouses"),
        _code("to_warehouse", "warehouses"),
        _col("transit_days", "whole"),
    ),
    "products": (
        _code("sku", "skus"),
        _col("name", "text"),
        _col("unit_cost", "units", optional=True),
        _col("list_price", "units", optional=True),
        _col("uom", "text"),
        _col("reorder_point", "units", optional=True),
        _col("reorder_qty", "units", optional=True),
    ),
    "customers": (
        _code("code", "customers"),
        _col("name", "text"),
        _choice("tier", _TIERS),
        _col("credit_limit", "units", optional=True),
        _col("credit_hold", "flag"),
        _col("account_owner", "text"),
        _col("accepts_partial", "flag"),
    ),
    "suppliers": (
        _code("code", "suppliers"),
        _col("name", "text"),
        _col("lead_days", "whole", optional=True),
    ),
    "stock": (
        _code("sku", "skus"),
        _code("warehouse", "warehouses"),
        _col("on_hand", "units"),
        _col("quality_hold", "units"),
    ),
    "sales_orders": (
        _code("order_id", "orders", "order"),
        _code("customer", "customers"),
        _code("warehouse", "warehouses"),
        _col("order_date", "day"),
        _col("promised_date", "day"),
        _col("expedite", "flag"),
        _col("accepts_partial", "maybe_flag", optional=True),
        _choice("status", _ORDER_STATUSES),
        _col("salesperson", "text"),
    ),
    "sales_order_lines": (
        _code("order_id", "orders", "order"),
        _col("line", "whole"),
        _code("sku", "skus"),
        _col("qty", "units"),
        _col("qty_shipped", "units"),
        _col("qty_reserved", "units"),
        _col("unit_price", "units", optional=True),
        _col("list_price", "units", optional=True),
    ),
    "purchase_orders": (
        _code("po_id", "pos", "po"),
        _code("supplier", "suppliers"),
        _code("warehouse", "warehouses"),
        _col("order_date", "day"),
        _col("expected_date", "day"),
        _col("confirmed_date", "day", optional=True),
        _choice("status", _ORDER_STATUSES),
        _col("buyer", "text"),
    ),
    "purchase_order_lines": (
        _code("po_id", "pos", "po"),
        _col("line", "whole"),
        _code("sku", "skus"),
        _col("qty", "units"),
        _col("qty_received", "units"),
        _col("expected_date", "day", optional=True),
        _col("unit_cost", "units", optional=True),
    ),
    "receipts": (
        _col("receipt_id", "text"),
        _code("po_id", "pos", "po"),
        _col("line", "whole"),
        _col("received_date", "day"),
        _col("qty", "units"),
        _col("damaged_qty", "units"),
        _col("put_away", "flag"),
    ),
    "invoices": (
        _col("invoice_id", "text"),
        _code("customer", "customers"),
        _col("due_date", "day"),
        _col("amount_residual", "units"),
        _col("disputed", "flag"),
    ),
    "returns": (
        _col("rma_id", "text"),
        _code("customer", "customers"),
        _code("sku", "skus"),
        _col("qty", "units"),
        _col("requested_date", "day"),
        _code("order_id", "orders", "order", optional=True),
        _choice("status", tuple(status.value for status in RETURN_STATUSES)),
    ),
    "picks": (
        _col("pick_id", "text"),
        _code("order_id", "orders", "order"),
        _code("warehouse", "warehouses"),
        _col("created_at", "moment"),
        _col("assigned_to", "text"),
        _choice("status", tuple(status.value for status in PICK_STATUSES)),
    ),
}

#: entity -> the ``DatasetTables`` table type holding it
TABLE_TYPES: Final[dict[str, type]] = {
    "warehouses": WarehouseTable,
    "transfer_lanes": TransferLaneTable,
    "products": ProductTable,
    "customers": CustomerTable,
    "suppliers": SupplierTable,
    "stock": StockTable,
    "sales_orders": SalesOrderTable,
    "sales_order_lines": SalesOrderLineTable,
    "purchase_orders": PurchaseOrderTable,
    "purchase_order_lines": PurchaseOrderLineTable,
    "receipts": ReceiptTable,
    "invoices": InvoiceTable,
    "returns": ReturnTable,
    "picks": PickTable,
}
