"""The database schema, as SQLAlchemy Core tables on one :data:`metadata`.

A *picture* is one imported dataset. Every dataset entity has its own table whose
columns carry the field names of the matching dataclass in
:mod:`controltower.domain.model`, plus ``picture_id`` (the picture the row belongs to)
and ``position`` (the row's place in the source, so a picture loads back in the order it
was imported). Each entity's natural key is its primary key together with
``picture_id``, so a key is unique within a picture and two pictures may reuse codes.

The schema itself is created only by the Alembic migrations in ``migrations/``; these
definitions are what the code reads and writes through, and a test checks that the
migrated schema and these tables agree.

Column types are chosen so that every value comes back exactly as it went in, on
SQLite and on PostgreSQL alike (see :class:`ExactDecimal`, :class:`UtcDateTime` and
:class:`LocalDateTime`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from controltower.domain.analysis import Allocation, OrderRiskStatus
from controltower.domain.cases import CaseState, EventKind, ExceptionType, Severity
from controltower.domain.model import OrderStatus, PickStatus, ReturnStatus, Tier
from controltower.domain.people import Role

#: constraint names are deterministic so that migrations can refer to them by name
NAMING_CONVENTION: Final = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class DecimalOutOfRangeError(ValueError):
    """A quantity or amount no database column can hold exactly (NaN, infinity)."""


def canonical_decimal(value: Decimal) -> Decimal:
    """``value`` without trailing zeros or exponent: 12.500000 -> 12.5, 1E+2 -> 100.

    PostgreSQL hands back a NUMERIC with the digits it was given (``12.50``); both
    databases return this one form so that a picture reads back identically wherever it
    was stored.
    """
    # Done on the text: Decimal arithmetic (normalize, quantize) rounds to 28 digits.
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return Decimal(text)


class ExactDecimal(TypeDecorator[Decimal]):
    """Quantities and money, stored and read back exactly, however many digits they have.

    PostgreSQL stores an unconstrained ``NUMERIC``: exact decimal arithmetic with no
    fixed scale, so it neither rounds a value nor refuses one a dataset may legally hold
    (the format puts no limit on decimal places). SQLite has no exact decimal type (its
    NUMERIC affinity turns ``0.1`` into a binary float), so there the value is stored as
    its plain decimal text. Only NaN and infinities are refused.
    """

    impl = sa.Numeric(asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Text())
        return dialect.type_descriptor(sa.Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"expected a Decimal, got {value!r}")
        if not value.is_finite():
            raise DecimalOutOfRangeError(f"{value} is not a finite number")
        if dialect.name == "sqlite":
            return format(value, "f")
        return value

    def process_result_value(self, value: Any, _dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return canonical_decimal(Decimal(value))


class UtcDateTime(TypeDecorator[datetime]):
    """A moment in time (when something was imported, scanned, changed).

    Values are stored in UTC (``TIMESTAMP WITH TIME ZONE`` on PostgreSQL, UTC text on
    SQLite) and always come back aware, in UTC, whatever the database session's time
    zone. A naive value is taken to be UTC already.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class LocalDateTime(TypeDecorator[datetime]):
    """A business-local timestamp from the dataset (a pick's ``created_at``).

    The dataset writes these without a time zone, and so does the database
    (``TIMESTAMP WITHOUT TIME ZONE``); an aware value is refused because the column
    would silently drop its offset.
    """

    impl = sa.DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, _dialect: Dialect) -> Any:
        if value is not None and value.tzinfo is not None:
            raise ValueError(f"a dataset timestamp has no time zone, got {value}")
        return value


class EnumText(TypeDecorator[StrEnum]):
    """A :class:`~enum.StrEnum` member stored as its value and read back as the member.

    The value (``"open"``), not the member name, is what is stored: that is what the
    dataset writes and what people query by.
    """

    impl = sa.String(32)
    cache_ok = True

    def __init__(self, enumeration: type[StrEnum]) -> None:
        super().__init__()
        self.enumeration = enumeration
        # read back by a dictionary: calling the enumeration per value costs seconds when
        # a scan reads the status of a million orders
        self._members: dict[str, StrEnum] = {member.value: member for member in enumeration}

    def process_bind_param(self, value: StrEnum | str | None, _dialect: Dialect) -> Any:
        if value is None:
            return None
        return self.enumeration(value).value

    def process_result_value(self, value: str | None, _dialect: Dialect) -> StrEnum | None:
        if value is None:
            return None
        member = self._members.get(value)
        return member if member is not None else self.enumeration(value)


def _picture_fk() -> sa.Column[int]:
    return sa.Column(
        "picture_id",
        sa.Integer,
        sa.ForeignKey("pictures.id", ondelete="CASCADE"),
        primary_key=True,
    )


def _position() -> sa.Column[int]:
    return sa.Column("position", sa.Integer, nullable=False)


def code_point_text() -> TypeEngine[str]:
    """Text compared in code-point order on both databases, for ids and codes: SQLite
    compares text byte by byte, and PostgreSQL is told to (``COLLATE "C"``, migrations
    0025 and 0026) rather than follow its locale. An index on such a column then serves
    a sort in the order the lists page in, and is built from plain byte comparisons (at a
    million order lines the import's indexes in about 40% less time). Names and other
    words people search case-insensitively keep the database's collation, whose
    ``lower()`` knows more than ASCII."""
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _key(name: str, type_: TypeEngine[Any] | None = None) -> sa.Column[Any]:
    """A part of an entity's natural key: an id or code unless ``type_`` says otherwise."""
    return sa.Column(name, type_ if type_ is not None else code_point_text(), primary_key=True)


def _code(name: str, *, nullable: bool = False) -> sa.Column[str]:
    """An id or code naming another entity (an order's customer, a line's sku)."""
    return sa.Column(name, code_point_text(), nullable=nullable)


def _text(name: str, *, nullable: bool = True) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def _decimal(name: str, *, nullable: bool = True) -> sa.Column[Decimal]:
    return sa.Column(name, ExactDecimal(), nullable=nullable)


def _bool(name: str, *, nullable: bool = False) -> sa.Column[bool]:
    return sa.Column(name, sa.Boolean(create_constraint=False), nullable=nullable)


def _int(name: str, *, nullable: bool = True) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _date(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Date(), nullable=nullable)


def _enum(name: str, enumeration: type[StrEnum]) -> sa.Column[Any]:
    return sa.Column(name, EnumText(enumeration), nullable=False)


pictures = sa.Table(
    "pictures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    #: the picture's companies, sorted and comma-joined (also one row each in ``companies``)
    sa.Column("companies", sa.Text(), nullable=False),
    sa.Column("imported_at", UtcDateTime(), nullable=False),
    sa.Column("source", sa.Text(), nullable=False),
    #: {entity name: row count}, so summaries need not count a million rows
    sa.Column("row_counts", sa.JSON(), nullable=False),
    #: {entity name: the position after the last one given out} (``picture_positions``)
    sa.Column("next_positions", sa.JSON(), nullable=True),
    # ids are never reused (SQLite would otherwise hand out a deleted picture's id again)
    sqlite_autoincrement=True,
)

#: which picture holds each company; the primary key makes a company live in one picture
companies = sa.Table(
    "companies",
    metadata,
    sa.Column("code", sa.Text(), primary_key=True),
    sa.Column(
        "picture_id",
        sa.Integer,
        sa.ForeignKey("pictures.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
)

warehouses = sa.Table(
    "warehouses",
    metadata,
    _picture_fk(),
    _key("code"),
    _position(),
    _text("name"),
    _code("company"),
    _int("pick_capacity_lines_per_day"),
)

transfer_lanes = sa.Table(
    "transfer_lanes",
    metadata,
    _picture_fk(),
    _key("from_warehouse"),
    _key("to_warehouse"),
    _position(),
    _int("transit_days", nullable=False),
)

products = sa.Table(
    "products",
    metadata,
    _picture_fk(),
    _key("sku"),
    _position(),
    _text("name"),
    _decimal("unit_cost"),
    _decimal("list_price"),
    _text("uom", nullable=False),
    _decimal("reorder_point"),
    _decimal("reorder_qty"),
)

customers = sa.Table(
    "customers",
    metadata,
    _picture_fk(),
    _key("code"),
    _position(),
    _text("name"),
    _enum("tier", Tier),
    _decimal("credit_limit"),
    _bool("credit_hold"),
    _text("account_owner"),
    _bool("accepts_partial"),
)

suppliers = sa.Table(
    "suppliers",
    metadata,
    _picture_fk(),
    _key("code"),
    _position(),
    _text("name"),
    _int("lead_days"),
)

stock = sa.Table(
    "stock",
    metadata,
    _picture_fk(),
    _key("sku"),
    _key("warehouse"),
    _position(),
    _decimal("on_hand", nullable=False),
    _decimal("quality_hold", nullable=False),
)

sales_orders = sa.Table(
    "sales_orders",
    metadata,
    _picture_fk(),
    _key("order_id"),
    _position(),
    _code("customer"),
    _code("warehouse"),
    _date("order_date"),
    _date("promised_date"),
    _bool("expedite"),
    _bool("accepts_partial", nullable=True),
    _enum("status", OrderStatus),
    _text("salesperson"),
)

sales_order_lines = sa.Table(
    "sales_order_lines",
    metadata,
    _picture_fk(),
    _key("order_id"),
    _key("line", sa.Integer()),
    _position(),
    _code("sku"),
    _decimal("qty", nullable=False),
    _decimal("qty_shipped", nullable=False),
    _decimal("qty_reserved", nullable=False),
    _decimal("unit_price"),
    _decimal("list_price"),
)

purchase_orders = sa.Table(
    "purchase_orders",
    metadata,
    _picture_fk(),
    _key("po_id"),
    _position(),
    _code("supplier"),
    _code("warehouse"),
    _date("order_date"),
    _date("expected_date"),
    _date("confirmed_date", nullable=True),
    _enum("status", OrderStatus),
    _text("buyer"),
)

purchase_order_lines = sa.Table(
    "purchase_order_lines",
    metadata,
    _picture_fk(),
    _key("po_id"),
    _key("line", sa.Integer()),
    _position(),
    _code("sku"),
    _decimal("qty", nullable=False),
    _decimal("qty_received", nullable=False),
    _date("expected_date", nullable=True),
    _decimal("unit_cost"),
)

receipts = sa.Table(
    "receipts",
    metadata,
    _picture_fk(),
    _key("receipt_id"),
    _position(),
    _code("po_id"),
    _int("line", nullable=False),
    _date("received_date"),
    _decimal("qty", nullable=False),
    _decimal("damaged_qty", nullable=False),
    _bool("put_away"),
)

invoices = sa.Table(
    "invoices",
    metadata,
    _picture_fk(),
    _key("invoice_id"),
    _position(),
    _code("customer"),
    _date("due_date"),
    _decimal("amount_residual", nullable=False),
    _bool("disputed"),
)

returns = sa.Table(
    "returns",
    metadata,
    _picture_fk(),
    _key("rma_id"),
    _position(),
    _code("customer"),
    _code("sku"),
    _decimal("qty", nullable=False),
    _date("requested_date"),
    _code("order_id", nullable=True),
    _enum("status", ReturnStatus),
)

picks = sa.Table(
    "picks",
    metadata,
    _picture_fk(),
    _key("pick_id"),
    _position(),
    _code("order_id"),
    _code("warehouse"),
    sa.Column("created_at", LocalDateTime(), nullable=False),
    _text("assigned_to"),
    _enum("status", PickStatus),
    # migration 0010: a warehouse's open picks (Warehouse work)
    sa.Index("ix_picks_warehouse_status", "picture_id", "warehouse", "status", "order_id"),
)

# migration 0008: names searched by their start whatever the case typed, and the entity
# pages' lists (a customer's invoices, a supplier's purchase orders, a purchase order's
# receipts, a product's order and purchase lines)
sa.Index("ix_customers_name_search", customers.c.picture_id, sa.func.lower(customers.c.name))
sa.Index("ix_suppliers_name_search", suppliers.c.picture_id, sa.func.lower(suppliers.c.name))
sa.Index("ix_products_name_search", products.c.picture_id, sa.func.lower(products.c.name))
sa.Index(
    "ix_invoices_customer",
    invoices.c.picture_id,
    invoices.c.customer,
    invoices.c.due_date,
    invoices.c.invoice_id,
)
sa.Index(
    "ix_purchase_orders_supplier",
    purchase_orders.c.picture_id,
    purchase_orders.c.supplier,
    purchase_orders.c.status,
    purchase_orders.c.expected_date,
    purchase_orders.c.po_id,
    purchase_orders.c.warehouse,
    purchase_orders.c.confirmed_date,
)
sa.Index("ix_receipts_po", receipts.c.picture_id, receipts.c.po_id, receipts.c.line)
sa.Index(
    "ix_sales_order_lines_sku",
    sales_order_lines.c.picture_id,
    sales_order_lines.c.sku,
    sales_order_lines.c.order_id,
    sales_order_lines.c.line,
)
sa.Index(
    "ix_purchase_order_lines_sku",
    purchase_order_lines.c.picture_id,
    purchase_order_lines.c.sku,
    purchase_order_lines.c.po_id,
    purchase_order_lines.c.line,
)

#: entity name (as in :data:`controltower.domain.model.ENTITY_NAMES`) -> its table
ENTITY_TABLES: Final[dict[str, sa.Table]] = {
    "warehouses": warehouses,
    "transfer_lanes": transfer_lanes,
    "products": products,
    "customers": customers,
    "suppliers": suppliers,
    "stock": stock,
    "sales_orders": sales_orders,
    "sales_order_lines": sales_order_lines,
    "purchase_orders": purchase_orders,
    "purchase_order_lines": purchase_order_lines,
    "receipts": receipts,
    "invoices": invoices,
    "returns": returns,
    "picks": picks,
}

#: a picture's columns kept whole (migration 0005): one compressed Arrow IPC stream per
#: table and per code vocabulary, written at import, read by the stored scan
#: (see ``picture_snapshot.py``)
picture_snapshots = sa.Table(
    "picture_snapshots",
    metadata,
    _picture_fk(),
    sa.Column("part", sa.Text(), primary_key=True),
    sa.Column("format", sa.Integer(), nullable=False),
    # zstd-compressed Arrow streams: on PostgreSQL stored out of line as they are
    # (``STORAGE EXTERNAL``, migration 0022), not compressed a second time
    sa.Column("data", sa.LargeBinary(), nullable=False),
)

# --- Persisted scan results (migration 0002) -------------------------------------------
#
# Scan results belong to companies, not pictures: every import replaces the picture, and
# an order's status history has to outlive it. A scan run keeps the picture it scanned
# (set to NULL once an import replaces that picture) and the companies it covered; an
# order's risk and history are keyed by the order's company (its warehouse's), so the
# next scan, of the next picture, compares against them. Nothing here cascades from a
# picture, and neither the risk nor the history cascades from a scan run: replacing a
# picture deletes none of it, and nothing deletes history by accident.

#: one row per recorded scan: which picture and companies, as of when, under which policy
scan_runs = sa.Table(
    "scan_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    #: the picture scanned; NULL once an import has replaced it
    sa.Column(
        "picture_id",
        sa.Integer,
        sa.ForeignKey("pictures.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    #: the scanned picture's companies, sorted and comma-joined (as ``pictures.companies``)
    sa.Column("companies", sa.Text(), nullable=False),
    sa.Column("as_of", sa.Date(), nullable=False),
    sa.Column("scanned_at", UtcDateTime(), nullable=False),
    sa.Column("policy_digest", sa.Text(), nullable=False),
    sa.Column("order_count", sa.Integer, nullable=False),
    sa.Column("at_risk_count", sa.Integer, nullable=False),
    #: the picture the run recorded (its snapshot and the release that worded its
    #: orders); NULL when unknown (no snapshot, or a run before migration 0021)
    sa.Column("picture_digest", sa.Text(), nullable=True),
    sqlite_autoincrement=True,
)

#: where each open order of a company stands after the latest scan that saw it
order_risk = sa.Table(
    "order_risk",
    metadata,
    #: the order's company: the company of the warehouse it ships from; this and the
    #: other text keys of the list in code-point order (migration 0025)
    sa.Column("company", code_point_text(), primary_key=True),
    sa.Column("order_id", code_point_text(), primary_key=True),
    #: the scan that last wrote the row (which wrote its lines too)
    sa.Column("scan_run_id", sa.Integer, sa.ForeignKey("scan_runs.id"), nullable=False),
    sa.Column("customer", code_point_text(), nullable=False),
    sa.Column("warehouse", code_point_text(), nullable=False),
    sa.Column("promised_date", sa.Date(), nullable=False),
    sa.Column("status", EnumText(OrderRiskStatus), nullable=False),
    sa.Column("allocation", EnumText(Allocation), nullable=False),
    #: blocker values in ``allocation.md`` order, comma-joined ("" when none)
    sa.Column("blockers", sa.Text(), nullable=False),
    sa.Column("projected_ship_date", sa.Date(), nullable=True),
    sa.Column("at_risk", sa.Boolean(create_constraint=False), nullable=False),
    sa.Column("days_late", sa.Integer, nullable=True),
    sa.Column("open_value", ExactDecimal(), nullable=False),
    #: JSON array of sentences
    sa.Column("explanation", sa.Text(), nullable=False),
    #: migration 0024: where the order's line outcomes are, in the blocks
    #: ``order_line_blocks`` keeps of its scan run (``scan_run_id``): the block and the
    #: order's place in it (docs/storage.md)
    sa.Column("lines_block", sa.Integer, nullable=False),
    sa.Column("lines_slot", sa.Integer, nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    #: migration 0006: a digest of everything above but the scan's id and time, so a
    #: scan rewrites only the rows whose content changed (NULL: written before 0006)
    sa.Column("content_digest", sa.Text(), nullable=True),
    # migration 0004: the paged lists (controltower.storage.queries) read these alone
    # (the urgency index, made again by 0025, is defined below the table)
    sa.Index(
        "ix_order_risk_customer",
        "company",
        "customer",
        "at_risk",
        "days_late",
        "open_value",
        "order_id",
    ),
    # migration 0009: the orders list sorted by warehouse
    sa.Index("ix_order_risk_warehouse", "company", "warehouse", "order_id"),
    # migration 0024 (was the index of ``scan_run_id`` alone): the rows of a scan run,
    # and whether any row still names a block of lines
    sa.Index("ix_order_risk_lines", "scan_run_id", "lines_block"),
)

# migration 0025 (0004's, ascending): the urgency sort read straight from the index,
# the latest and the most valuable first (storage/queries/orders.py)
sa.Index(
    "ix_order_risk_urgency",
    order_risk.c.company,
    order_risk.c.at_risk,
    order_risk.c.days_late.desc(),
    order_risk.c.open_value.desc(),
    order_risk.c.order_id,
    order_risk.c.status,
    order_risk.c.warehouse,
    order_risk.c.customer,
    order_risk.c.promised_date,
)

#: the line outcomes of the orders a scan run wrote, a block of up to
#: ``ORDERS_PER_BLOCK`` orders per row (``storage/order_lines.py``); deleted once no
#: ``order_risk`` row names the block
order_line_blocks = sa.Table(
    "order_line_blocks",
    metadata,
    sa.Column("scan_run_id", sa.Integer, sa.ForeignKey("scan_runs.id"), primary_key=True),
    sa.Column("block", sa.Integer, primary_key=True, autoincrement=False),
    # the orders' ``lines`` texts (JSON arrays) compressed together with zstd: on
    # PostgreSQL stored out of line as they are (``STORAGE EXTERNAL``), not compressed twice
    sa.Column("data", sa.LargeBinary(), nullable=False),
)

#: every change of an order's risk status, appended by each scan that saw one; never
#: updated or deleted
order_status_history = sa.Table(
    "order_status_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    #: the order's company, as in ``order_risk``
    sa.Column("company", sa.Text(), nullable=False),
    sa.Column("order_id", sa.Text(), nullable=False),
    sa.Column(
        "scan_run_id",
        sa.Integer,
        sa.ForeignKey("scan_runs.id"),
        nullable=False,
        index=True,
    ),
    sa.Column("as_of", sa.Date(), nullable=False),
    sa.Column("from_status", EnumText(OrderRiskStatus), nullable=True),
    sa.Column("to_status", EnumText(OrderRiskStatus), nullable=False),
    sa.Column("changed_at", UtcDateTime(), nullable=False),
    sa.Index("ix_order_status_history_company_order", "company", "order_id"),
    sqlite_autoincrement=True,
)

# --- Exception cases and their timelines (migration 0003) ------------------------------
#
# Cases are filed under a company, not a picture: every import replaces the picture,
# and a case must outlive it so the next scan can update, resolve or reopen it. Neither
# table references ``pictures`` or ``scan_runs``, so replacing a picture leaves them be.

#: the condition that keeps a case unique: at most one case per (company, type, subject)
#: that is not closed (closed cases are history, a new case may follow them)
LIVE_CASE_CONDITION: Final = "state <> 'closed'"

#: the cases that carry a snooze (migration 0009's partial index holds only those)
SNOOZED_CONDITION: Final = "snoozed_until IS NOT NULL"

#: one row per exception case, with the fields of ``controltower.domain.cases.ExceptionCase``
exception_cases = sa.Table(
    "exception_cases",
    metadata,
    #: the company the case is filed under: its own company when the picture covers it,
    #: else the picture's first company (see docs/storage.md)
    sa.Column("scope_company", sa.Text(), primary_key=True),
    sa.Column("id", sa.Text(), primary_key=True),
    sa.Column("type", EnumText(ExceptionType), nullable=False),
    sa.Column("subject", sa.Text(), nullable=False),
    sa.Column("state", EnumText(CaseState), nullable=False),
    sa.Column("severity", EnumText(Severity), nullable=False),
    sa.Column("value_at_risk", ExactDecimal(), nullable=False),
    sa.Column("value_basis", sa.Text(), nullable=False),
    sa.Column("explanation", sa.Text(), nullable=False),
    sa.Column("cause", sa.Text(), nullable=False),
    sa.Column("owner", sa.Text(), nullable=False),
    sa.Column("due_at", UtcDateTime(), nullable=False),
    sa.Column("opened_at", UtcDateTime(), nullable=False),
    #: JSON array of subjects
    sa.Column("related", sa.Text(), nullable=False),
    #: JSON array of entities (``product:SKU``, ``supplier:CODE``, ``customer:CODE``)
    sa.Column("entities", sa.Text(), nullable=False),
    sa.Column("warehouse", sa.Text(), nullable=True),
    sa.Column("company", sa.Text(), nullable=True),
    #: the hysteresis count while an active case's condition is missing (all three or none)
    sa.Column("absence_first_missed_at", UtcDateTime(), nullable=True),
    sa.Column("absence_last_missed_at", UtcDateTime(), nullable=True),
    sa.Column("absence_scans", sa.Integer, nullable=True),
    # migration 0007: what people did to the case (the timeline says when and why)
    #: the login of the person the case is assigned to (None: the owning team's)
    sa.Column("assignee", sa.Text(), nullable=True),
    #: hidden from the queue until this moment, then back by itself
    sa.Column("snoozed_until", UtcDateTime(), nullable=True),
    sa.Column("snooze_reason", sa.Text(), nullable=True),
    #: the reason code of the latest resolution by a person (``ResolutionCode``)
    sa.Column("resolution_code", sa.String(32), nullable=True),
    # migration 0014_escalation: how much it matters and where it stands on the ladder
    #: 0 to 100 (``domain.escalation.impact_score``)
    sa.Column("impact_score", sa.Integer, nullable=False, server_default="0"),
    #: its place on the policy's escalation ladder (0: its owner)
    sa.Column("escalation_step", sa.Integer, nullable=False, server_default="0"),
    #: when it climbs the next step unless acknowledged first (NULL: never)
    sa.Column("next_escalation_at", UtcDateTime(), nullable=True),
    #: when it last climbed a step
    sa.Column("escalated_at", UtcDateTime(), nullable=True),
    sa.Index("ix_exception_cases_scope_state", "scope_company", "state"),
    sa.Index(
        "ix_exception_cases_assignee",
        "scope_company",
        "assignee",
        "state",
        "severity",
        "due_at",
        "id",
    ),
    sa.Index(
        "uq_exception_cases_live_subject",
        "scope_company",
        "type",
        "subject",
        unique=True,
        sqlite_where=sa.text(LIVE_CASE_CONDITION),
        postgresql_where=sa.text(LIVE_CASE_CONDITION),
    ),
    # migration 0004: the queue, incidents and subject lookups of the paged lists
    sa.Index(
        "ix_exception_cases_queue",
        "scope_company",
        "severity",
        "due_at",
        "id",
        "state",
        "type",
        "owner",
        "warehouse",
        "opened_at",
    ),
    # migration 0018: the cases naming an entity, tested in the index alone
    sa.Index(
        "ix_exception_cases_entities",
        "scope_company",
        "severity",
        "due_at",
        "id",
        "state",
        "warehouse",
        "entities",
    ),
    sa.Index(
        "ix_exception_cases_cause",
        "scope_company",
        "cause",
        "subject",
        "state",
        "severity",
        "value_at_risk",
        "type",
        "owner",
        "warehouse",
        "due_at",
    ),
    sa.Index("ix_exception_cases_subject", "scope_company", "subject", "type", "opened_at"),
    # migration 0009: the queue sorted by owning team, then soonest due; the snoozed cases
    sa.Index("ix_exception_cases_owner", "scope_company", "owner", "due_at", "id"),
    sa.Index(
        "ix_exception_cases_snoozed",
        "snoozed_until",
        "scope_company",
        "id",
        sqlite_where=sa.text(SNOOZED_CONDITION),
        postgresql_where=sa.text(SNOOZED_CONDITION),
    ),
    # migration 0014_escalation: the deadlines the worker fires
    sa.Index("ix_exception_cases_next_escalation_at", "next_escalation_at"),
)

# migration 0019, PostgreSQL only: the cases naming an entity, looked up in the JSON
sa.Index(
    "ix_exception_cases_entities_lookup",
    sa.cast(exception_cases.c.entities, JSONB).label("entities_json"),
    postgresql_using="gin",
    postgresql_ops={"entities_json": "jsonb_path_ops"},
).ddl_if(dialect="postgresql")

#: every case's timeline, append-only: rows are inserted, never updated or deleted
case_events = sa.Table(
    "case_events",
    metadata,
    sa.Column("scope_company", sa.Text(), primary_key=True),
    sa.Column("case_id", sa.Text(), primary_key=True),
    #: the event's place on its case's timeline, from 0
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", EnumText(EventKind), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("by", sa.Text(), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("from_state", EnumText(CaseState), nullable=True),
    sa.Column("to_state", EnumText(CaseState), nullable=True),
    #: JSON array of {"field", "old", "new"} (all text)
    sa.Column("changes", sa.Text(), nullable=False),
    # no ON DELETE CASCADE: a case with a timeline cannot be deleted by accident
    sa.ForeignKeyConstraint(
        ["scope_company", "case_id"],
        ["exception_cases.scope_company", "exception_cases.id"],
    ),
    sa.Index("ix_case_events_scope_kind_at", "scope_company", "kind", "at"),
)

#: one row (id 1): on PostgreSQL, a trigger on ``case_events`` adds one to ``version``
#: in every transaction that appends events (migration 0020); the cases version of the
#: remembered answers. SQLite reads the newest event's rowid instead and leaves it at 0.
case_changes = sa.Table(
    "case_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)


# --- People (migration 0007) ----------------------------------------------------------
#
# Passwords are argon2 hashes; API tokens and web session ids are stored as the SHA-256
# of a random secret, never the secret itself.


def _user_fk() -> sa.Column[int]:
    return sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False)


#: one row per person who may sign in
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    #: lower case (``domain.people.normalise_login``)
    sa.Column("login", sa.Text(), nullable=False),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("email", sa.Text(), nullable=True),
    sa.Column("role", EnumText(Role), nullable=False),
    #: argon2 hash; None until a password is set (the person signs in with a token only)
    sa.Column("password_hash", sa.Text(), nullable=True),
    sa.Column("active", sa.Boolean(create_constraint=False), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("login", name="uq_users_login"),
    sqlite_autoincrement=True,
)

#: a person's scope: ``kind`` is ``company`` or ``warehouse``; no row of a kind = no limit
user_scopes = sa.Table(
    "user_scopes",
    metadata,
    _user_fk(),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("code", sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint("user_id", "kind", "code"),
)

#: who belongs to which team; a team is named as cases are owned (``purchasing@WH-EAST``)
team_members = sa.Table(
    "team_members",
    metadata,
    sa.Column("team", sa.Text(), nullable=False),
    _user_fk(),
    sa.PrimaryKeyConstraint("team", "user_id"),
    sa.Index("ix_team_members_user", "user_id"),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _user_fk(),
    sa.Column("token_hash", sa.Text(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("last_used_at", UtcDateTime(), nullable=True),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
    sa.UniqueConstraint("token_hash", name="uq_api_tokens_hash"),
    sqlite_autoincrement=True,
)

#: signed-in browser sessions; the cookie holds the secret, the row its hash
web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("id_hash", sa.Text(), primary_key=True),
    _user_fk(),
    sa.Column("csrf_token", sa.Text(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("last_seen_at", UtcDateTime(), nullable=False),
    sa.Column("ended_at", UtcDateTime(), nullable=True),
    sa.Index("ix_web_sessions_user", "user_id"),
)

#: failed sign-ins, kept to slow down guessing
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("login", sa.Text(), nullable=False),
    sa.Column("remote", sa.Text(), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Index("ix_login_failures_login_at", "login", "at"),
    sqlite_autoincrement=True,
)

#: a person's named filters of a list page (``query`` is the page's query string)
saved_views = sa.Table(
    "saved_views",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _user_fk(),
    sa.Column("page", sa.String(32), nullable=False),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("query", sa.Text(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("user_id", "page", "name", name="uq_saved_views_name"),
    sqlite_autoincrement=True,
)


# --- The Odoo connector (migration 0011) ----------------------------------------------
#
# ``source`` names one Odoo database (``odoo:<url>/<db>``): a Control Tower database can
# follow more than one.

#: per model, the ``write_date`` watermark of the last complete sync and the ids seen at
#: it; ``records`` is empty since migration 0017 (the records are ``odoo_mirror_rows``),
#: and holds a mirror written before it: zlib-compressed JSON of ``{id: record}``.
odoo_mirror = sa.Table(
    "odoo_mirror",
    metadata,
    sa.Column("source", sa.Text(), primary_key=True),
    sa.Column("model", sa.Text(), primary_key=True),
    sa.Column("watermark", sa.Text(), nullable=True),
    #: JSON array of the ids read at the watermark's second that the mirror leaves out
    sa.Column("seen_at_mark", sa.Text(), nullable=False),
    sa.Column("record_count", sa.Integer, nullable=False),
    sa.Column("records", sa.LargeBinary(), nullable=False),
    sa.Column("synced_at", UtcDateTime(), nullable=False),
)

#: one follow-up in Odoo per (record, Odoo user): the activity (and ticket) written for
#: the open cases that concern that record, so a second write-back updates, never adds
odoo_followups = sa.Table(
    "odoo_followups",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.Text(), nullable=False),
    sa.Column("res_model", sa.Text(), nullable=False),
    sa.Column("res_id", sa.Integer, nullable=False),
    sa.Column("odoo_user_id", sa.Integer, nullable=False),
    #: the text put in the activity's summary, by which a write-back finds its own
    #: activity in Odoo after a crash between the Odoo call and the local commit
    sa.Column("marker", sa.Text(), nullable=False),
    sa.Column("activity_id", sa.Integer, nullable=True),
    sa.Column("ticket_id", sa.Integer, nullable=True),
    #: digest of the note and due date last written, to update only what changed
    sa.Column("digest", sa.Text(), nullable=False),
    #: JSON array of the case ids (``company/case``) the follow-up stands for
    sa.Column("cases", sa.Text(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint(
        "source", "res_model", "res_id", "odoo_user_id", name="uq_odoo_followups_record_user"
    ),
    sqlite_autoincrement=True,
)

#: every write made to Odoo, append-only: who ran it, what, on which record
odoo_writes = sa.Table(
    "odoo_writes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.Text(), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("by", sa.Text(), nullable=False),
    sa.Column("action", sa.Text(), nullable=False),
    sa.Column("res_model", sa.Text(), nullable=False),
    sa.Column("res_id", sa.Integer, nullable=True),
    sa.Column("detail", sa.Text(), nullable=False),
    sqlite_autoincrement=True,
)


# --- Notifications (migration 0012_notifications) --------------------------------------
#
# An outbox: a stored scan writes one row per person and channel in the transaction that
# opens the cases (nothing is queued if it rolls back); delivery sends email and webhook
# rows afterwards. ``state`` is pending, sent or dead for email and webhook, unread or
# read in the app. Never a password or secret in ``last_error``.

#: one notification to one person on one channel
notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    _user_fk(),
    #: in_app, email or webhook
    sa.Column("channel", sa.String(16), nullable=False),
    #: case_opened, incident_opened, case_reopened or digest
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("scope_company", sa.Text(), nullable=False),
    sa.Column("case_id", sa.Text(), nullable=True),
    #: the incident's cause (an incident_opened notification)
    sa.Column("cause", sa.Text(), nullable=True),
    #: the case's (or the incident's highest) severity, which decides digest or at once
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("title", sa.Text(), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    #: a path of the pages (``/exceptions/cases/ID``)
    sa.Column("link", sa.Text(), nullable=False),
    #: channel, person, kind, company, case or cause, and opening moment: queued once
    sa.Column("dedupe_key", sa.Text(), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("sent_at", UtcDateTime(), nullable=True),
    sa.Column("read_at", UtcDateTime(), nullable=True),
    #: a delivery's lease on the row: no other delivery takes it before then
    sa.Column("claimed_until", UtcDateTime(), nullable=True),
    sa.UniqueConstraint("dedupe_key", name="uq_notifications_dedupe_key"),
    sa.Index("ix_notifications_state_due", "state", "next_attempt_at"),
    sa.Index("ix_notifications_user_channel", "user_id", "channel", "state", "created_at"),
    sqlite_autoincrement=True,
)

#: how a person wants to be told (no row: in the app and by email, low ones in a digest)
notification_preferences = sa.Table(
    "notification_preferences",
    metadata,
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True, autoincrement=False
    ),
    #: JSON array of channels
    sa.Column("channels", sa.Text(), nullable=False),
    sa.Column("quiet_start", sa.Time(), nullable=True),
    sa.Column("quiet_end", sa.Time(), nullable=True),
    #: an IANA zone name; None: UTC
    sa.Column("timezone", sa.Text(), nullable=True),
    #: JSON array of the severities gathered into a daily digest
    sa.Column("digest_severities", sa.Text(), nullable=False),
    sa.Column("webhook_url", sa.Text(), nullable=True),
)


# --- Governed actions and the audit trail (migration 0013_actions_audit) ---------------
#
# A governed action is requested, approved when the policy asks for it, executed (its
# picture edits applied to the stored picture) and then confirmed or contradicted by the
# next import or sync. JSON columns are Text holding canonical JSON (sorted keys).

#: one governed action, from request to execution and ERP confirmation
action_requests = sa.Table(
    "action_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scope_company", sa.Text(), nullable=False),
    #: the warehouse the action concerns; None for a company-level one (credit release)
    sa.Column("warehouse", sa.Text(), nullable=True),
    #: a ``domain.actions.ActionType``
    sa.Column("action_type", sa.String(32), nullable=False),
    #: JSON object of the action's parameters
    sa.Column("params", sa.Text(), nullable=False),
    #: what it acts on, in words ("order SO1001")
    sa.Column("subject", sa.Text(), nullable=False),
    sa.Column("reason_code", sa.String(64), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    #: a ``domain.actions.ActionState``
    sa.Column("state", sa.String(24), nullable=False),
    #: distinct approvals still required when requested (0: executed at once)
    sa.Column("approvals_needed", sa.Integer, nullable=False),
    #: JSON array of the roles that may approve
    sa.Column("approver_roles", sa.Text(), nullable=False),
    #: a team an approver must belong to (None: any)
    sa.Column("approver_team", sa.Text(), nullable=True),
    #: the policy rule that set the approvals, in words
    sa.Column("rule", sa.Text(), nullable=True),
    #: JSON array of the evidence kinds required before approval
    sa.Column("evidence_required", sa.Text(), nullable=False),
    #: JSON array of the picture edits the action makes
    sa.Column("edits", sa.Text(), nullable=False),
    #: JSON object: the preview as shown when requested
    sa.Column("preview", sa.Text(), nullable=False),
    sa.Column("requested_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("requested_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=True),
    sa.Column("decided_at", UtcDateTime(), nullable=True),
    sa.Column("executed_at", UtcDateTime(), nullable=True),
    sa.Column("executed_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    #: awaiting_confirmation, confirmed or diverged (None until executed)
    sa.Column("erp_state", sa.String(24), nullable=True),
    sa.Column("erp_checked_at", UtcDateTime(), nullable=True),
    #: the case it was asked from, if any
    sa.Column("case_id", sa.Text(), nullable=True),
    sa.Index("ix_action_requests_company_state", "scope_company", "state", "id"),
    sa.Index("ix_action_requests_erp_state", "erp_state"),
    sqlite_autoincrement=True,
)

#: one approver's decision on one request (a second decision by the same person is refused)
action_decisions = sa.Table(
    "action_decisions",
    metadata,
    sa.Column("action_id", sa.Integer, sa.ForeignKey("action_requests.id"), primary_key=True),
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True, autoincrement=False
    ),
    #: approve or reject
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("decided_at", UtcDateTime(), nullable=False),
)

#: a file's content, stored once by the SHA-256 of its bytes
evidence_blobs = sa.Table(
    "evidence_blobs",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("content", sa.LargeBinary(), nullable=False),
    sa.Column("stored_at", UtcDateTime(), nullable=False),
)

#: a stored file attached to a request or a case
evidence_links = sa.Table(
    "evidence_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sha256", sa.String(64), sa.ForeignKey("evidence_blobs.sha256"), nullable=False),
    sa.Column("action_id", sa.Integer, sa.ForeignKey("action_requests.id"), nullable=True),
    sa.Column("scope_company", sa.Text(), nullable=True),
    sa.Column("case_id", sa.Text(), nullable=True),
    #: claim, photo, customer_confirmation or other
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("filename", sa.Text(), nullable=False),
    sa.Column("uploaded_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("uploaded_at", UtcDateTime(), nullable=False),
    sa.Index("ix_evidence_links_action", "action_id"),
    sa.Index("ix_evidence_links_case", "scope_company", "case_id"),
    sqlite_autoincrement=True,
)

#: what an executed action must write to the ERP, drained by the connector
erp_outbox = sa.Table(
    "erp_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("action_id", sa.Integer, sa.ForeignKey("action_requests.id"), nullable=False),
    sa.Column("scope_company", sa.Text(), nullable=False),
    #: what to do in the ERP (``write_promised_date``, ``adjust_stock``...)
    sa.Column("operation", sa.String(40), nullable=False),
    #: JSON object naming the records by business keys
    sa.Column("payload", sa.Text(), nullable=False),
    #: pending, sent or failed
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("sent_at", UtcDateTime(), nullable=True),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Index("ix_erp_outbox_state", "state", "id"),
    sqlite_autoincrement=True,
)

#: the append-only, hash-chained audit trail (see ``domain/audit.py``, ``storage/audit.py``)
audit_entries = sa.Table(
    "audit_entries",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("actor_id", sa.Integer, nullable=True),
    sa.Column("actor_login", sa.Text(), nullable=False),
    sa.Column("actor_role", sa.Text(), nullable=False),
    #: what happened (``case.acknowledge``, ``action.approve``, ``user.add``...)
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("subject_type", sa.String(32), nullable=False),
    sa.Column("subject_id", sa.Text(), nullable=False),
    sa.Column("scope_company", sa.Text(), nullable=True),
    #: canonical JSON of the values before and after (None when not applicable)
    sa.Column("old_value", sa.Text(), nullable=True),
    sa.Column("new_value", sa.Text(), nullable=True),
    sa.Column("reason", sa.Text(), nullable=True),
    sa.Column("request_id", sa.Text(), nullable=True),
    #: the previous entry's hash (64 zeros for the first)
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
    sa.UniqueConstraint("entry_hash", name="uq_audit_entries_hash"),
    sa.Index("ix_audit_entries_subject", "subject_type", "subject_id"),
    sa.Index("ix_audit_entries_actor", "actor_login", "seq"),
    sqlite_autoincrement=True,
)


# --- Routing facts (migration 0015_case_routing_facts) ---------------------------------

#: what routing read of a case's finding beyond the case row (``policy replay`` reads it)
case_routing_facts = sa.Table(
    "case_routing_facts",
    metadata,
    sa.Column("scope_company", sa.Text(), primary_key=True),
    sa.Column("case_id", sa.Text(), primary_key=True),
    #: the customer's tier, when the finding concerns a customer
    sa.Column("customer_tier", sa.String(16), nullable=True),
    #: the ``[routing.teams]`` entry the finding names instead of its type's
    sa.Column("routing", sa.Text(), nullable=True),
    #: the type whose team owns it (its own, or a recurring review's)
    sa.Column("routed_as", sa.String(40), nullable=False),
    sa.ForeignKeyConstraint(
        ["scope_company", "case_id"],
        ["exception_cases.scope_company", "exception_cases.id"],
    ),
)


# --- Order pegs on purchase orders (migration 0016_order_pegs) -------------------------

#: each inbound peg of a stored open order: written, replaced and deleted with the
#: order's ``order_risk`` row by the stored scan; the purchasing pages read it by PO
order_pegs = sa.Table(
    "order_pegs",
    metadata,
    sa.Column("company", sa.Text(), primary_key=True),
    sa.Column("order_id", sa.Text(), primary_key=True),
    #: the order line that takes the units
    sa.Column("order_line", sa.Integer, primary_key=True),
    sa.Column("po_id", sa.Text(), primary_key=True),
    sa.Column("po_line", sa.Integer, primary_key=True),
    #: the order's warehouse (a peg is always on a PO of the order's own warehouse)
    sa.Column("warehouse", sa.Text(), nullable=False),
    _decimal("qty", nullable=False),
    sa.Column("available_date", sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(["company", "order_id"], ["order_risk.company", "order_risk.order_id"]),
    sa.Index("ix_order_pegs_po", "company", "po_id", "warehouse", "order_id"),
)


# --- The Odoo mirror per record (migration 0017_odoo_mirror_rows) -----------------------

#: one record the last complete sync read, as Odoo returned it (JSON), by model and id;
#: a sync writes only the records that changed, in the transaction storing the picture
odoo_mirror_rows = sa.Table(
    "odoo_mirror_rows",
    metadata,
    sa.Column("source", sa.Text(), primary_key=True),
    sa.Column("model", sa.Text(), primary_key=True),
    sa.Column("record_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("record", sa.Text(), nullable=False),
)
