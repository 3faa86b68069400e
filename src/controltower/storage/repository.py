"""Pictures and scan results in the database: store, replace, load, summarise.

A *picture* is one imported dataset. The companies a dataset covers (the companies of
its warehouses) decide which stored pictures it replaces: every stored picture sharing
a company with it. Replacing never silently drops a company: if a picture about to be
replaced also covers a company the new dataset does not, the import is refused unless
the caller asks to replace every stored picture.

Scan results belong to companies rather than pictures, so that the import replacing a
picture every morning does not erase every order's status history: an order's risk and
history are kept under its company, and the next scan, of whichever picture covers that
company next, is compared against them.

These functions work inside the caller's unit of work: they never commit. Each one that
writes runs in a savepoint, so a failure halfway leaves the session (and the database)
exactly as it was before the call.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.analysis import (
    Allocation,
    Blocker,
    HeldPeg,
    InboundPeg,
    LineOutcome,
    OrderOutcome,
    OrderRiskStatus,
    TransferAlternative,
)
from controltower.domain.columnar import ColumnarPrecisionError
from controltower.domain.model import (
    ENTITY_NAMES,
    Customer,
    Dataset,
    Invoice,
    Pick,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    Return,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    Supplier,
    TransferLane,
    Warehouse,
)
from controltower.domain.tables import I32, DatasetTables, tables_from_dataset
from controltower.storage import tables
from controltower.storage.database import (
    StorageError,
    refresh_statistics,
    take_sqlite_write_turn,
)
from controltower.storage.load_keys import keys_set_aside
from controltower.storage.memo import Memo
from controltower.storage.order_lines import with_lines_block, with_stored_lines
from controltower.storage.picture_arrow import EntityWriteError
from controltower.storage.picture_columns import (
    CHUNK_SIZE,
    Progress,
    write_picture_dataset,
    write_picture_tables,
)
from controltower.storage.picture_positions import positions_after_import
from controltower.storage.picture_snapshot import snapshot_parts, write_snapshot_parts

#: key of the PostgreSQL advisory lock held while a picture is being replaced
_IMPORT_LOCK_KEY: Final = 0x43545F494D50  # "CT_IMP"

#: bound values per ``IN (...)`` list, well under every database's parameter limit
_IN_LIST_SIZE: Final = 500

ENTITY_CLASSES: Final[dict[str, type]] = {
    "warehouses": Warehouse,
    "transfer_lanes": TransferLane,
    "products": Product,
    "customers": Customer,
    "suppliers": Supplier,
    "stock": StockLevel,
    "sales_orders": SalesOrder,
    "sales_order_lines": SalesOrderLine,
    "purchase_orders": PurchaseOrder,
    "purchase_order_lines": PurchaseOrderLine,
    "receipts": Receipt,
    "invoices": Invoice,
    "returns": Return,
    "picks": Pick,
}

#: entity name -> the dataclass field names, which are also the table's column names
_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    name: tuple(f.name for f in fields(cls)) for name, cls in ENTITY_CLASSES.items()
}

#: every table holding rows of a picture, children before parents (the deletion order);
#: scan results are not among them: they belong to companies and outlive the picture
_PICTURE_ROW_TABLES: Final[tuple[sa.Table, ...]] = (
    tables.picture_snapshots,
    *reversed(tables.ENTITY_TABLES.values()),
    tables.companies,
)


# --- Errors ----------------------------------------------------------------------------


class PictureConflictError(StorageError):
    """Importing would drop companies that the new dataset does not cover."""

    def __init__(self, message: str, *, dropped_companies: Sequence[str]) -> None:
        super().__init__(message)
        self.dropped_companies = tuple(dropped_companies)


class PictureNotFoundError(StorageError):
    """No stored picture matches the request."""


class AmbiguousPictureError(StorageError):
    """Several pictures are stored and the request did not say which one."""


class PictureWriteError(StorageError):
    """A dataset could not be stored (a duplicate key, a number out of range, ...)."""


class ScanRecordError(StorageError):
    """An analysis does not fit the picture it is recorded for (an unknown warehouse)."""


# --- Results ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredPicture:
    """A stored picture, without its rows."""

    picture_id: int
    companies: tuple[str, ...]
    imported_at: datetime
    source: str
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class PictureSummary:
    """What one stored picture holds: its companies, warehouses and row counts."""

    picture_id: int
    companies: tuple[str, ...]
    imported_at: datetime
    source: str
    counts: dict[str, int]
    #: (code, name, company) of each warehouse, in source order
    warehouses: list[tuple[str, str | None, str]]


@dataclass(frozen=True, slots=True)
class ScanRun:
    """One recorded scan of a picture (``latest_scan_run`` only returns runs of a stored one)."""

    scan_run_id: int
    picture_id: int
    as_of: date
    scanned_at: datetime
    policy_digest: str
    order_count: int
    at_risk_count: int


@dataclass(frozen=True, slots=True)
class ScanRunSummary:
    """A recorded scan and what it changed in the stored order risk."""

    scan_run_id: int
    picture_id: int
    as_of: date
    scanned_at: datetime
    policy_digest: str
    order_count: int
    at_risk_count: int
    #: open orders never recorded before in their company (a history row each)
    new_orders: int
    #: orders whose status differs from their last recorded one (a history row each),
    #: whether they were open at the previous scan or are returning
    changed_orders: int
    #: stored orders that are no longer open, and were removed from the order risk
    removed_orders: int
    #: orders open again after having left, changed or not (so some are also counted in
    #: ``changed_orders``)
    returned_orders: int


@dataclass(frozen=True, slots=True)
class OrderRiskRow:
    """Where an open order stood at the latest scan that saw it."""

    #: the picture the row was read for (the one covering its company now)
    picture_id: int
    #: the scan that last changed the order's row (it may have scanned an earlier
    #: picture; every later scan of its company saw it unchanged), and when
    scan_run_id: int
    updated_at: datetime
    outcome: OrderOutcome
    #: the order's company, under which its risk and history are kept
    company: str


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One entry of an order's status history (``from_status`` is None when it was new)."""

    order_id: str
    scan_run_id: int
    as_of: date
    from_status: OrderRiskStatus | None
    to_status: OrderRiskStatus
    changed_at: datetime
    #: the order's company, under which its history is kept
    company: str


# --- Pictures: writing -----------------------------------------------------------------


def replace_picture(
    session: Session,
    picture: Dataset | DatasetTables,
    *,
    source: str,
    imported_at: datetime,
    replace_all: bool = False,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
    pick_microseconds: I32 | None = None,
    set_keys_aside: bool = False,
) -> PictureSummary:
    """Store ``picture`` as a new picture, replacing every picture it overlaps.

    ``picture`` is the dataset as columns (:class:`DatasetTables`, what ``import``
    reads) or as value objects (:class:`Dataset`); either way its rows are written in
    bulk (:mod:`controltower.storage.picture_columns`). Value objects are stored
    exactly as they are; for columns, ``pick_microseconds`` gives the fraction of a
    second of each pick's ``created_at``, which the tables do not hold.

    The stored pictures sharing a company with ``picture`` are deleted and the new
    picture inserted, all in one savepoint of the caller's transaction. Scan results
    belong to the companies and stay (their scan runs lose the reference to the deleted
    picture). When a picture to be replaced covers a company the dataset does not,
    :class:`PictureConflictError` names those companies and nothing changes, unless
    ``replace_all`` is true: then every stored picture is replaced by this one.

    Rows are written ``chunk_size`` at a time; ``progress`` hears about each chunk. With
    ``set_keys_aside`` (``import`` and the demo: a person's bulk load) a large picture is
    written with the tables' secondary indexes (and on PostgreSQL their keys) set aside
    and built again after (:mod:`controltower.storage.load_keys`). On PostgreSQL that
    makes readers of the picture tables wait for the commit, which is why the scheduled
    Odoo sync, which runs while people use the pages, leaves it off.
    """
    if isinstance(picture, DatasetTables):
        companies, warehouses = _tables_outline(picture)
        counts = picture.row_counts()
    else:
        companies = picture.companies()
        warehouses = [(w.code, w.name, w.company) for w in picture.warehouses]
        counts = picture.entity_counts()
    if not companies:
        raise PictureWriteError(
            "the dataset has no warehouses, so it covers no company; nothing was stored"
        )
    try:
        with session.begin_nested():
            connection = session.connection()
            _serialise_picture_writes(connection)
            replaced = _pictures_to_replace(connection, companies, replace_all=replace_all)
            _delete_pictures(connection, replaced)
            picture_id = _insert_picture_row(
                connection,
                companies=companies,
                source=source,
                imported_at=imported_at,
                counts=counts,
            )
            snapshot = _columns_of(picture)
            entity_tables = [table.name for table in tables.ENTITY_TABLES.values()]
            rows = sum(counts.values()) if set_keys_aside else 0
            # the snapshot is compressed on a second thread while the rows are copied in
            with (
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="snapshot") as compress,
                keys_set_aside(connection, entity_tables, rows=rows),
            ):
                parts = None if snapshot is None else compress.submit(snapshot_parts, snapshot)
                if isinstance(picture, DatasetTables):
                    write_picture_tables(
                        connection,
                        picture_id,
                        picture,
                        pick_microseconds=pick_microseconds,
                        progress=progress,
                        chunk_size=chunk_size,
                    )
                else:
                    write_picture_dataset(
                        connection, picture_id, picture, progress=progress, chunk_size=chunk_size
                    )
                if parts is not None:
                    write_snapshot_parts(connection, picture_id, parts.result())
            refresh_statistics(connection, entity_tables, rows=sum(counts.values()))
    except EntityWriteError as failure:
        # raised inside the savepoint, reported once it has been rolled back
        raise PictureWriteError(
            f"could not store {failure.entity}: {failure.reason}; nothing was stored"
        ) from failure.__cause__
    return PictureSummary(
        picture_id=picture_id,
        companies=tuple(companies),
        imported_at=imported_at,
        source=source,
        counts=counts,
        warehouses=warehouses,
    )


def _tables_outline(tables: DatasetTables) -> tuple[list[str], list[tuple[str, str | None, str]]]:
    """The companies of ``tables`` (sorted) and its warehouses as (code, name, company)."""
    codes, company_codes = tables.vocab.warehouses.codes, tables.vocab.companies.codes
    table = tables.warehouses
    warehouses = [
        (codes[code], name, company_codes[company])
        for code, name, company in zip(
            table.code.tolist(), table.name.tolist(), table.company.tolist(), strict=True
        )
    ]
    return sorted({company for _, _, company in warehouses}), warehouses


def take_picture_turn(session: Session, *, work: str = "the scan") -> None:
    """Wait until no import or other stored scan is at work, then keep the pictures as
    they are until this transaction ends.

    A stored scan takes this turn before it reads the picture, so an import cannot
    replace the picture underneath it (on PostgreSQL the scan then died recording its
    results against a deleted picture); the import waits for the scan, or the scan for
    the import and then reads the new picture. See :func:`_serialise_picture_writes`.
    """
    _serialise_picture_writes(session.connection(), work=work)


def _serialise_picture_writes(connection: sa.Connection, *, work: str = "the import") -> None:
    """Make imports and stored scans of one database take turns instead of colliding.

    Two imports deciding at once which pictures to replace could both miss the other's
    new picture, and an import replacing the picture a scan is reading leaves the scan
    nothing to record against. On PostgreSQL a transaction-scoped advisory lock lets one
    at a time through (the others wait); on SQLite the turn is the database's write lock
    (:func:`~controltower.storage.database.take_sqlite_write_turn`), waited for up to
    the busy timeout and then refused with a message.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _IMPORT_LOCK_KEY})
    take_sqlite_write_turn(connection, work=work)


def _pictures_to_replace(
    connection: sa.Connection, companies: Sequence[str], *, replace_all: bool
) -> list[int]:
    stored = _companies_by_picture(connection)
    if replace_all:
        return sorted(stored)
    wanted = set(companies)
    overlapping = {pid: codes for pid, codes in stored.items() if codes & wanted}
    dropped = sorted(set().union(*overlapping.values()) - wanted) if overlapping else []
    if dropped:
        described = "; ".join(
            f"picture {pid} covers {', '.join(sorted(codes))}"
            for pid, codes in sorted(overlapping.items())
        )
        raise PictureConflictError(
            f"the dataset covers {', '.join(companies)}, but importing it replaces stored "
            f"pictures that also cover {', '.join(dropped)} ({described}), and "
            f"{', '.join(dropped)} would be lost. Import a dataset that covers "
            f"{', '.join(dropped)} too, or replace every stored picture "
            "(controltower import --replace-all)",
            dropped_companies=dropped,
        )
    return sorted(overlapping)


def _companies_by_picture(connection: sa.Connection) -> dict[int, set[str]]:
    by_picture: dict[int, set[str]] = {}
    for picture_id in connection.execute(sa.select(tables.pictures.c.id)).scalars():
        by_picture[picture_id] = set()
    query = sa.select(tables.companies.c.picture_id, tables.companies.c.code)
    for picture_id, code in connection.execute(query):
        by_picture.setdefault(picture_id, set()).add(code)
    return by_picture


def _columns_of(picture: Dataset | DatasetTables) -> DatasetTables | None:
    """The picture as columns for its snapshot; None for value objects the columns cannot
    hold exactly (more than six decimals), which are then read from their rows."""
    if isinstance(picture, DatasetTables):
        return picture
    try:
        return tables_from_dataset(picture)
    except ColumnarPrecisionError:
        return None


def _delete_pictures(connection: sa.Connection, picture_ids: Sequence[int]) -> None:
    """Delete pictures table by table (children first), not relying on cascades alone."""
    if not picture_ids:
        return
    for table in _PICTURE_ROW_TABLES:
        connection.execute(sa.delete(table).where(table.c.picture_id.in_(picture_ids)))
    connection.execute(sa.delete(tables.pictures).where(tables.pictures.c.id.in_(picture_ids)))


def _insert_picture_row(
    connection: sa.Connection,
    *,
    companies: Sequence[str],
    source: str,
    imported_at: datetime,
    counts: Mapping[str, int],
) -> int:
    result = connection.execute(
        sa.insert(tables.pictures).values(
            companies=",".join(companies),
            imported_at=imported_at,
            source=source,
            row_counts=dict(counts),
            next_positions=positions_after_import(counts),
        )
    )
    picture_id = _inserted_id(result)
    connection.execute(
        sa.insert(tables.companies),
        [{"code": code, "picture_id": picture_id} for code in companies],
    )
    return picture_id


def _inserted_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every table here has an integer key
        raise StorageError("the database did not report the id of the row it inserted")
    return int(key[0])


# --- Pictures: reading -----------------------------------------------------------------


def list_pictures(session: Session) -> list[StoredPicture]:
    """Every stored picture, oldest first, without its rows."""
    connection = session.connection()
    # Companies come from their own table: a code may contain the comma of the joined column.
    companies = _companies_by_picture(connection)
    query = sa.select(tables.pictures).order_by(tables.pictures.c.id)
    return [
        StoredPicture(
            picture_id=row.id,
            companies=tuple(sorted(companies.get(row.id, ()))),
            imported_at=row.imported_at,
            source=row.source,
            counts=_counts(row.row_counts),
        )
        for row in connection.execute(query)
    ]


def picture_summary(session: Session) -> list[PictureSummary]:
    """Every stored picture with its warehouses and row counts, oldest first."""
    warehouses: dict[int, list[tuple[str, str | None, str]]] = {}
    for picture_id, code, name, company in session.connection().execute(_warehouses_query()):
        warehouses.setdefault(picture_id, []).append((code, name, company))
    return [
        PictureSummary(
            picture_id=stored.picture_id,
            companies=stored.companies,
            imported_at=stored.imported_at,
            source=stored.source,
            counts=stored.counts,
            warehouses=warehouses.get(stored.picture_id, []),
        )
        for stored in list_pictures(session)
    ]


def picture_warehouses(session: Session, picture_id: int) -> list[tuple[str, str | None, str]]:
    """(code, name, company) of each warehouse of one picture, in source order: what
    :func:`picture_summary` says of it, read without the other pictures."""
    query = _warehouses_query().where(tables.warehouses.c.picture_id == picture_id)
    return [(code, name, company) for _, code, name, company in session.connection().execute(query)]


def _warehouses_query() -> sa.Select[Any]:
    table = tables.warehouses
    return sa.select(table.c.picture_id, table.c.code, table.c.name, table.c.company).order_by(
        table.c.picture_id, table.c.position
    )


def customer_names(session: Session, picture_id: int, codes: Iterable[str]) -> dict[str, str]:
    """Names of the given customers of a picture (a customer without a name is left out)."""
    wanted = sorted(set(codes))
    table = tables.customers
    names: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        query = sa.select(table.c.code, table.c.name).where(
            table.c.picture_id == picture_id, table.c.code.in_(wanted[start : start + 500])
        )
        names.update({code: name for code, name in session.connection().execute(query) if name})
    return names


def picture_id_for_company(session: Session, company: str) -> int:
    """The picture that covers ``company``."""
    query = sa.select(tables.companies.c.picture_id).where(tables.companies.c.code == company)
    picture_id = session.connection().execute(query).scalar_one_or_none()
    if picture_id is None:
        stored = sorted(session.connection().execute(sa.select(tables.companies.c.code)).scalars())
        known = ", ".join(stored) if stored else "none (import a dataset first)"
        raise PictureNotFoundError(
            f"no stored picture covers company {company!r}; stored companies: {known}"
        )
    return int(picture_id)


def resolve_picture_id(session: Session, picture_id: int | None = None) -> int:
    """``picture_id`` if it is stored; when None, the only stored picture."""
    stored = list_pictures(session)
    if picture_id is not None:
        if any(p.picture_id == picture_id for p in stored):
            return picture_id
        raise PictureNotFoundError(f"no picture with id {picture_id} is stored")
    if not stored:
        raise PictureNotFoundError(
            "the database holds no picture yet; import a dataset first "
            "(controltower import DATASET_DIR)"
        )
    if len(stored) > 1:
        described = "; ".join(f"picture {p.picture_id}: {', '.join(p.companies)}" for p in stored)
        raise AmbiguousPictureError(
            f"the database holds {len(stored)} pictures ({described}); "
            "name a company to choose one (--company CODE)"
        )
    return stored[0].picture_id


def load_picture(session: Session, picture_id: int | None = None) -> Dataset:
    """The stored picture as a :class:`Dataset`, rows in their source order.

    With ``picture_id`` None the database must hold exactly one picture; otherwise
    :class:`AmbiguousPictureError` asks for a company.
    """
    resolved = resolve_picture_id(session, picture_id)
    connection = session.connection()
    collections: dict[str, list[Any]] = {}
    for name in ENTITY_NAMES:
        table = tables.ENTITY_TABLES[name]
        cls = ENTITY_CLASSES[name]
        query = (
            sa.select(*(table.c[field] for field in _FIELDS[name]))
            .where(table.c.picture_id == resolved)
            .order_by(table.c.position)
        )
        collections[name] = [cls(*row) for row in connection.execute(query)]
    return Dataset(**collections)


def split_joined(joined: str) -> tuple[str, ...]:
    """The codes of a comma-joined column (a run's companies, an order's blockers)."""
    return tuple(code for code in joined.split(",") if code)


def _counts(stored: Mapping[str, Any]) -> dict[str, int]:
    return {name: int(stored.get(name, 0)) for name in ENTITY_NAMES}


# --- Scan results ----------------------------------------------------------------------
#
# Kept per company (see storage/order_risk.py, which records them): an order's risk and
# history are keyed by (its company, its id), where its company is the company of the
# warehouse it ships from.


def picture_company_codes(connection: sa.Connection, picture_id: int) -> list[str]:
    """The companies a picture covers, sorted (none for a picture that is not stored)."""
    query = sa.select(tables.companies.c.code).where(tables.companies.c.picture_id == picture_id)
    return sorted(connection.execute(query).scalars())


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def latest_scan_run(session: Session, picture_id: int) -> ScanRun | None:
    """The most recent scan of this picture, if any.

    Runs of the pictures an import replaced are not this picture's: after an import
    this is None until the new picture is scanned, while :func:`order_risk_rows` still
    shows where the companies' orders stood at their last scan.
    """
    table = tables.scan_runs
    row = (
        session.connection()
        .execute(
            sa.select(table)
            .where(table.c.picture_id == picture_id)
            .order_by(table.c.id.desc())
            .limit(1)
        )
        .first()
    )
    if row is None:
        return None
    return ScanRun(
        scan_run_id=row.id,
        picture_id=row.picture_id,
        as_of=row.as_of,
        scanned_at=row.scanned_at,
        policy_digest=row.policy_digest,
        order_count=row.order_count,
        at_risk_count=row.at_risk_count,
    )


def last_scan_as_of(session: Session, companies: Iterable[str]) -> date | None:
    """The as-of date of the latest stored scan of a picture covering any of ``companies``
    (the pictures an import replaced included: their runs keep their companies), or
    None when none of them was ever scanned."""
    wanted = set(companies)
    table = tables.scan_runs
    query = sa.select(table.c.companies, sa.func.max(table.c.as_of)).group_by(table.c.companies)
    days = [
        day
        for joined, day in session.connection().execute(query)
        if joined == ",".join(sorted(wanted)) or wanted & set(split_joined(joined))
    ]
    return max(days, default=None)


def order_risk_rows(session: Session, picture_id: int) -> list[OrderRiskRow]:
    """The stored risk of every open order of the picture's companies, sorted by order id.

    Each row is where its order stood at the last scan of its company, which may have
    read an earlier picture of it (its ``scan_run_id`` says which scan). Empty for a
    picture that is not stored.
    """
    connection = session.connection()
    companies = picture_company_codes(connection, picture_id)
    table = tables.order_risk
    query = with_lines_block(sa.select(table).where(table.c.company.in_(companies)))
    rows = [
        OrderRiskRow(
            picture_id=picture_id,
            scan_run_id=row["scan_run_id"],
            updated_at=row["updated_at"],
            outcome=order_outcome(row),
            company=row["company"],
        )
        for row in with_stored_lines(connection.execute(query))
    ]
    # Sorted here rather than in SQL: PostgreSQL collations would order ids differently.
    return sorted(rows, key=lambda r: (r.outcome.order_id, r.company))


def order_status_history(session: Session, picture_id: int, order_id: str) -> list[StatusChange]:
    """Every recorded status change of one order of the picture's companies, oldest first.

    The history is kept under the order's company, across every picture of it. When the
    picture holds the order, only its own company's history is read (an id another
    company once used is another order); else that of every company the picture covers.
    """
    connection = session.connection()
    held_in = _order_company(connection, picture_id, order_id)
    companies = [held_in] if held_in is not None else picture_company_codes(connection, picture_id)
    table = tables.order_status_history
    query = (
        sa.select(table)
        .where(table.c.company.in_(companies), table.c.order_id == order_id)
        .order_by(table.c.id)
    )
    return [
        StatusChange(
            order_id=row.order_id,
            scan_run_id=row.scan_run_id,
            as_of=row.as_of,
            from_status=row.from_status,
            to_status=row.to_status,
            changed_at=row.changed_at,
            company=row.company,
        )
        for row in connection.execute(query)
    ]


def _order_company(connection: sa.Connection, picture_id: int, order_id: str) -> str | None:
    """The company of the warehouse a sales order of the picture ships from, if it holds it."""
    orders, warehouses = tables.sales_orders, tables.warehouses
    query = (
        sa.select(warehouses.c.company)
        .select_from(
            orders.join(
                warehouses,
                sa.and_(
                    warehouses.c.picture_id == orders.c.picture_id,
                    warehouses.c.code == orders.c.warehouse,
                ),
            )
        )
        .where(orders.c.picture_id == picture_id, orders.c.order_id == order_id)
    )
    company: str | None = connection.execute(query).scalar_one_or_none()
    return company


# --- Order outcomes <-> rows -----------------------------------------------------------
#
# ``lines`` and ``explanation`` are JSON text. The lines are in the scan document's form:
# quantities and money are JSON numbers, read back as ``Decimal`` so they are exact
# (releases before wrote them as decimal strings, which read the same); dates are ISO
# strings. See docs/storage.md.

#: lines of stored orders kept parsed, counted in lines (about 1 kB each): the first
#: pages of the lists, which everyone opens, are parsed once rather than per request
LINES_REMEMBERED: Final = 20_000

_PARSED_LINES: Final = Memo(LINES_REMEMBERED)
#: the lines text of a row read without its lines (``open_orders(..., with_lines=False)``)
NO_LINES_TEXT: Final = "[]"


def order_outcome(row: Mapping[Any, Any]) -> OrderOutcome:
    """An ``order_risk`` row, with its ``lines`` text
    (:func:`~controltower.storage.order_lines.with_stored_lines`), as the domain's order
    outcome, its lines read exactly."""
    order_id: str = row["order_id"]
    return OrderOutcome(
        order_id=order_id,
        customer=row["customer"],
        warehouse=row["warehouse"],
        promised_date=row["promised_date"],
        status=OrderRiskStatus(row["status"]),
        allocation=Allocation(row["allocation"]),
        blockers=tuple(Blocker(value) for value in split_joined(row["blockers"])),
        projected_ship_date=row["projected_ship_date"],
        at_risk=bool(row["at_risk"]),
        days_late=row["days_late"],
        lines=line_outcomes(order_id, row["warehouse"], row["lines"]),
        explanation=tuple(json.loads(row["explanation"])),
        open_value=row["open_value"],
    )


def line_outcomes(order_id: str, warehouse: str, text: str) -> tuple[LineOutcome, ...]:
    """The stored lines ``text`` of order ``order_id`` (shipping from ``warehouse``) as
    the domain's line outcomes.

    Remembered by the text itself (with the order and warehouse it is read for), so
    what is remembered can never be out of date: an order whose lines changed has
    another text. The outcomes are frozen and shared by every request that reads them.
    """
    if text == NO_LINES_TEXT:  # a list that reads no lines: nothing to parse or keep
        return ()
    key = (order_id, warehouse, text)
    found: tuple[LineOutcome, ...] | None = _PARSED_LINES.get(key)
    if found is None:
        found = tuple(
            _line_outcome(order_id, warehouse, line)
            for line in json.loads(text, parse_float=Decimal)
        )
        _PARSED_LINES.put(key, found, len(found) or 1)
    return found


def forget_parsed_lines() -> None:
    """Drop the parsed lines kept (for tests, or to give the memory back)."""
    _PARSED_LINES.clear()


def _parse_day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value is not None else None


def _line_outcome(order_id: str, warehouse: str, data: Mapping[str, Any]) -> LineOutcome:
    """A stored line, in the scan document's form (JSON numbers, read as ``Decimal``) or
    in the form of earlier releases (decimal strings, the line's own warehouse)."""
    return LineOutcome(
        order_id=order_id,
        line=int(data["line"]),
        sku=data["sku"],
        warehouse=data.get("warehouse", warehouse),
        open_qty=Decimal(data["open_qty"]),
        from_stock=Decimal(data["from_stock"]),
        from_quality_hold=tuple(
            HeldPeg(
                qty=Decimal(peg["qty"]), available_date=date.fromisoformat(peg["available_date"])
            )
            for peg in data["from_quality_hold"]
        ),
        from_inbound=tuple(
            InboundPeg(
                po_id=peg["po_id"],
                line=int(peg["line"]),
                qty=Decimal(peg["qty"]),
                available_date=date.fromisoformat(peg["available_date"]),
            )
            for peg in data["from_inbound"]
        ),
        short_qty=Decimal(data["short_qty"]),
        projected_date=_parse_day(data["projected_date"]),
        supply_date=_parse_day(data["supply_date"]),
        unit_price=Decimal(data["unit_price"]),
        alternatives=tuple(
            TransferAlternative(
                from_warehouse=alt.get("from_warehouse", alt.get("warehouse")),
                free_qty=Decimal(alt["free_qty"]),
                transit_days=int(alt["transit_days"]),
                arrival_date=date.fromisoformat(alt["arrival_date"]),
                makes_promise=bool(alt["makes_promise"]),
            )
            for alt in _iterable(data.get("alternatives"))
        ),
    )


def _iterable(value: Any) -> Iterable[Any]:
    return value if value is not None else ()
