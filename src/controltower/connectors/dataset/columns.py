"""The canonical dataset format as one declarative table (``docs/dataset-format.md``).

Every file, column, type, required flag, default, key and reference lives here and only
here; the reader validates against it and the writer writes from it, so the two cannot
drift apart. Column names are the field names of the matching dataclass in
:mod:`controltower.domain.model`, which lets both sides map rows without a lookup table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from controltower.connectors.dataset.values import (
    INT32_MAX,
    MAX_DAYS,
    Boolean,
    Choice,
    DateOrDateTime,
    DecimalNumber,
    IsoDate,
    Text,
    ValueType,
    WholeNumber,
)
from controltower.domain.model import (
    DEFAULT_COMPANY,
    ZERO,
    Customer,
    Invoice,
    OrderStatus,
    Pick,
    PickStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    Return,
    ReturnStatus,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    Supplier,
    Tier,
    TransferLane,
    Warehouse,
)

TEXT: Final = Text()  # names: free text
CODE: Final = Text(free_text=False)  # keys and references: no tab or line break either
QUANTITY: Final = DecimalNumber()  # quantities, prices, limits: never negative
SIGNED_AMOUNT: Final = DecimalNumber(allow_negative=True)  # amount_residual (credit notes)
LINE_NUMBER: Final = WholeNumber(minimum=1, maximum=INT32_MAX)
POSITIVE_COUNT: Final = WholeNumber(minimum=1, maximum=INT32_MAX)
DAYS: Final = WholeNumber(minimum=0, maximum=MAX_DAYS)
DATE: Final = IsoDate()
OPTIONAL_DATE: Final = IsoDate(no_date_is_blank=True)  # 9999-12-31 reads as blank
MOMENT: Final = DateOrDateTime()
BOOLEAN: Final = Boolean()


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its type, whether a blank is an error, and what a blank means."""

    name: str
    type: ValueType
    required: bool = False
    default: object = None  # the value a blank optional cell takes (None: "not given")


@dataclass(frozen=True, slots=True)
class Reference:
    """Columns whose values must name a row of ``target`` (by that file's key).

    ``noun`` is how a user calls the referenced thing ("SKU", "sales order"). A blank
    referencing value is not checked: blank means "not given".
    """

    columns: tuple[str, ...]
    target: str
    noun: str


@dataclass(frozen=True, slots=True)
class RowRule:
    """A rule across the columns of one row; ``check`` gets their values in order.

    ``check`` returns the message when the row breaks the rule, else ``None``. The rule
    is skipped when one of its columns is missing or did not parse.
    """

    columns: tuple[str, ...]
    report_column: str
    check: Callable[..., str | None]


@dataclass(frozen=True, slots=True)
class FileSpec:
    """One file of the dataset and the domain entity each of its rows becomes."""

    name: str
    entity: str  # the Dataset attribute holding the rows
    model: type
    required: bool
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    references: tuple[Reference, ...] = ()
    row_rules: tuple[RowRule, ...] = field(default=())

    def column(self, name: str) -> Column:
        """The column called ``name``; KeyError when the file has none."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")


def _quality_hold_within_on_hand(on_hand: Decimal, quality_hold: Decimal) -> str | None:
    if quality_hold > on_hand:
        return f"quality_hold {quality_hold} exceeds on_hand {on_hand}"
    return None


def _warehouse_ref(column: str) -> Reference:
    return Reference((column,), "warehouses.csv", "warehouse")


_SKU_REF: Final = Reference(("sku",), "products.csv", "SKU")
_CUSTOMER_REF: Final = Reference(("customer",), "customers.csv", "customer")
_SALES_ORDER_REF: Final = Reference(("order_id",), "sales_orders.csv", "sales order")

FILES: Final[tuple[FileSpec, ...]] = (
    FileSpec(
        name="warehouses.csv",
        entity="warehouses",
        model=Warehouse,
        required=True,
        columns=(
            Column("code", CODE, required=True),
            Column("name", TEXT),
            Column("company", CODE, default=DEFAULT_COMPANY),
            Column("pick_capacity_lines_per_day", POSITIVE_COUNT),
        ),
        key=("code",),
    ),
    FileSpec(
        name="transfer_lanes.csv",
        entity="transfer_lanes",
        model=TransferLane,
        required=False,
        columns=(
            Column("from_warehouse", CODE, required=True),
            Column("to_warehouse", CODE, required=True),
            Column("transit_days", DAYS, required=True),
        ),
        key=("from_warehouse", "to_warehouse"),
        references=(_warehouse_ref("from_warehouse"), _warehouse_ref("to_warehouse")),
    ),
    FileSpec(
        name="products.csv",
        entity="products",
        model=Product,
        required=True,
        columns=(
            Column("sku", CODE, required=True),
            Column("name", TEXT),
            Column("unit_cost", QUANTITY),
            Column("list_price", QUANTITY),
            Column("uom", TEXT, default="unit"),
            Column("reorder_point", QUANTITY),
            Column("reorder_qty", QUANTITY),
        ),
        key=("sku",),
    ),
    FileSpec(
        name="customers.csv",
        entity="customers",
        model=Customer,
        required=True,
        columns=(
            Column("code", CODE, required=True),
            Column("name", TEXT),
            Column("tier", Choice(Tier), default=Tier.STANDARD),
            Column("credit_limit", QUANTITY),
            Column("credit_hold", BOOLEAN, default=False),
            Column("account_owner", TEXT),
            Column("accepts_partial", BOOLEAN, default=False),
        ),
        key=("code",),
    ),
    FileSpec(
        name="suppliers.csv",
        entity="suppliers",
        model=Supplier,
        required=True,
        columns=(
            Column("code", CODE, required=True),
            Column("name", TEXT),
            Column("lead_days", DAYS),
        ),
        key=("code",),
    ),
    FileSpec(
        name="stock.csv",
        entity="stock",
        model=StockLevel,
        required=True,
        columns=(
            Column("sku", CODE, required=True),
            Column("warehouse", CODE, required=True),
            Column("on_hand", QUANTITY, required=True),
            Column("quality_hold", QUANTITY, default=ZERO),
        ),
        key=("sku", "warehouse"),
        references=(_SKU_REF, _warehouse_ref("warehouse")),
        row_rules=(
            RowRule(("on_hand", "quality_hold"), "quality_hold", _quality_hold_within_on_hand),
        ),
    ),
    FileSpec(
        name="sales_orders.csv",
        entity="sales_orders",
        model=SalesOrder,
        required=True,
        columns=(
            Column("order_id", CODE, required=True),
            Column("customer", CODE, required=True),
            Column("warehouse", CODE, required=True),
            Column("order_date", DATE, required=True),
            Column("promised_date", DATE, required=True),
            Column("expedite", BOOLEAN, default=False),
            Column("accepts_partial", BOOLEAN),  # blank: the customer's
            Column("status", Choice(OrderStatus), default=OrderStatus.OPEN),
            Column("salesperson", TEXT),
        ),
        key=("order_id",),
        references=(_CUSTOMER_REF, _warehouse_ref("warehouse")),
    ),
    FileSpec(
        name="sales_order_lines.csv",
        entity="sales_order_lines",
        model=SalesOrderLine,
        required=True,
        columns=(
            Column("order_id", CODE, required=True),
            Column("line", LINE_NUMBER, required=True),
            Column("sku", CODE, required=True),
            Column("qty", QUANTITY, required=True),
            Column("qty_shipped", QUANTITY, default=ZERO),
            Column("qty_reserved", QUANTITY, default=ZERO),
            Column("unit_price", QUANTITY),  # blank: the product's list price, else 0
            Column("list_price", QUANTITY),  # blank: the product's
        ),
        key=("order_id", "line"),
        references=(_SALES_ORDER_REF, _SKU_REF),
    ),
    FileSpec(
        name="purchase_orders.csv",
        entity="purchase_orders",
        model=PurchaseOrder,
        required=True,
        columns=(
            Column("po_id", CODE, required=True),
            Column("supplier", CODE, required=True),
            Column("warehouse", CODE, required=True),
            Column("order_date", DATE, required=True),
            Column("expected_date", DATE, required=True),
            Column("confirmed_date", OPTIONAL_DATE),  # blank: not confirmed
            Column("status", Choice(OrderStatus), default=OrderStatus.OPEN),
            Column("buyer", TEXT),
        ),
        key=("po_id",),
        references=(
            Reference(("supplier",), "suppliers.csv", "supplier"),
            _warehouse_ref("warehouse"),
        ),
    ),
    FileSpec(
        name="purchase_order_lines.csv",
        entity="purchase_order_lines",
        model=PurchaseOrderLine,
        required=True,
        columns=(
            Column("po_id", CODE, required=True),
            Column("line", LINE_NUMBER, required=True),
            Column("sku", CODE, required=True),
            Column("qty", QUANTITY, required=True),
            Column("qty_received", QUANTITY, default=ZERO),
            Column("expected_date", OPTIONAL_DATE),  # blank: the order's
            Column("unit_cost", QUANTITY),
        ),
        key=("po_id", "line"),
        references=(
            Reference(("po_id",), "purchase_orders.csv", "purchase order"),
            _SKU_REF,
        ),
    ),
    FileSpec(
        name="receipts.csv",
        entity="receipts",
        model=Receipt,
        required=False,
        columns=(
            Column("receipt_id", CODE, required=True),
            Column("po_id", CODE, required=True),
            Column("line", LINE_NUMBER, required=True),
            Column("received_date", DATE, required=True),
            Column("qty", QUANTITY, required=True),
            Column("damaged_qty", QUANTITY, default=ZERO),
            Column("put_away", BOOLEAN, default=True),
        ),
        key=("receipt_id",),
        references=(
            Reference(("po_id", "line"), "purchase_order_lines.csv", "purchase order line"),
        ),
    ),
    FileSpec(
        name="invoices.csv",
        entity="invoices",
        model=Invoice,
        required=False,
        columns=(
            Column("invoice_id", CODE, required=True),
            Column("customer", CODE, required=True),
            Column("due_date", DATE, required=True),
            Column("amount_residual", SIGNED_AMOUNT, required=True),
            Column("disputed", BOOLEAN, default=False),
        ),
        key=("invoice_id",),
        references=(_CUSTOMER_REF,),
    ),
    FileSpec(
        name="returns.csv",
        entity="returns",
        model=Return,
        required=False,
        columns=(
            Column("rma_id", CODE, required=True),
            Column("customer", CODE, required=True),
            Column("order_id", CODE),
            Column("sku", CODE, required=True),
            Column("qty", QUANTITY, required=True),
            Column("requested_date", DATE, required=True),
            Column("status", Choice(ReturnStatus), default=ReturnStatus.REQUESTED),
        ),
        key=("rma_id",),
        references=(_CUSTOMER_REF, _SALES_ORDER_REF, _SKU_REF),
    ),
    FileSpec(
        name="picks.csv",
        entity="picks",
        model=Pick,
        required=False,
        columns=(
            Column("pick_id", CODE, required=True),
            Column("order_id", CODE, required=True),
            Column("warehouse", CODE, required=True),
            Column("created_at", MOMENT, required=True),
            Column("assigned_to", TEXT),  # blank: unassigned
            Column("status", Choice(PickStatus), default=PickStatus.OPEN),
        ),
        key=("pick_id",),
        references=(_SALES_ORDER_REF, _warehouse_ref("warehouse")),
    ),
)

FILES_BY_NAME: Final[dict[str, FileSpec]] = {spec.name: spec for spec in FILES}
