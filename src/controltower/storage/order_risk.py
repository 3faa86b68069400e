"""Recording a scan's order risk: the run, every open order's row, and status changes.

Kept per company: an order's risk and history are keyed by (its company, its id), where
its company is the company of the warehouse it ships from. A scan of a picture reads and
rewrites the rows of every company the picture covers, whatever picture they were last
written from, so an import replacing the picture leaves the history intact.

Everything is set-wise, whatever the number of orders: the stored statuses, content
digests and each order's last history entry are read with one query each; only the rows
whose content changed are deleted and written back, with one bulk insert
(:func:`~controltower.storage.bulk.insert_columns`); the others are left as they are;
the history rows go in one bulk insert too; the written orders' lines go into
compressed blocks (:mod:`controltower.storage.order_lines`). An order's inbound pegs
(:mod:`controltower.storage.order_pegs`) are deleted and written with its row. A rescan
of an unchanged picture therefore writes one scan run and no order row; and when the
run before it recorded this very picture (:func:`picture_fingerprint`) as of the same
day under the same policy, the scan need not even make its orders' rows to compare
(:func:`record_unchanged_orders`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Final, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower import __version__
from controltower.domain.analysis import OrderRiskStatus
from controltower.storage import tables
from controltower.storage.bulk import insert_columns
from controltower.storage.database import refresh_statistics
from controltower.storage.load_keys import scan_keys_set_aside
from controltower.storage.order_lines import (
    forget_unnamed_blocks,
    line_blocks,
    line_places,
    store_line_blocks,
)
from controltower.storage.order_pegs import (
    PegColumns,
    delete_company_pegs,
    delete_order_pegs,
    delete_order_rows,
)
from controltower.storage.picture_columns import SCAN_PAGE_CACHE_KIB, page_cache_for_bulk
from controltower.storage.repository import (
    ScanRecordError,
    ScanRunSummary,
    picture_company_codes,
    resolve_picture_id,
    split_joined,
)
from controltower.workflow.order_risk import OrderRiskColumns

#: key of the PostgreSQL advisory lock held while a scan's results are being recorded
SCAN_RECORD_LOCK_KEY: Final = 0x43545F53434E  # "CT_SCN"

OrderKey = tuple[str, str]
T = TypeVar("T")


def record_order_risk(
    session: Session,
    picture_id: int,
    orders: OrderRiskColumns,
    *,
    scanned_at: datetime,
    policy_digest: str,
    picture_digest: str | None = None,
    set_keys_aside: bool = False,
) -> ScanRunSummary:
    """Record a scan of a picture: the run, each open order's risk, and status changes.

    The picture's companies are what is compared: ``order_risk`` ends up holding exactly
    ``orders`` for those companies (rows of orders no longer open are gone, those whose
    content changed rewritten with this scan's id and time, the others untouched),
    whichever picture the previous scan read. A status history entry is
    appended for an order when it was never recorded in its company (``from_status``
    None), or when its status differs from its last recorded one: the stored risk if it
    was open at the previous scan, else, for an order coming back after it had left, the
    ``to_status`` of its last history entry. Leaving is not itself a history entry.
    ``picture_digest`` (:func:`picture_fingerprint`) is kept with the run, so a rescan
    of the same picture can tell (:func:`record_unchanged_orders`). ``set_keys_aside``:
    a write of most of the rows may build the tables' indexes after them
    (:func:`~controltower.storage.load_keys.keys_set_aside`).
    Runs in a savepoint: a failure leaves the session as it was.
    """
    resolve_picture_id(session, picture_id)
    with (
        session.begin_nested(),
        page_cache_for_bulk(session.connection(), SCAN_PAGE_CACHE_KIB),
    ):
        connection = session.connection()
        serialise_scan_records(connection)
        companies = picture_company_codes(connection, picture_id)
        _refuse_foreign_orders(picture_id, companies, orders)
        scan_run_id = _insert_scan_run(
            connection,
            picture_id=picture_id,
            companies=companies,
            as_of=orders.as_of,
            counts=(len(orders), orders.at_risk_count),
            scanned_at=scanned_at,
            policy_digest=policy_digest,
            picture_digest=picture_digest,
        )
        current = {
            key: o for o, key in enumerate(zip(orders.company, orders.order_id, strict=True))
        }
        stored, digests = _stored_statuses(connection, companies)
        removed = stored.keys() - current.keys()
        absent = current.keys() - stored.keys()
        last_recorded = _last_recorded_statuses(connection, companies) if absent else {}
        returned = {key for key in absent if key in last_recorded}
        fresh = absent - returned
        previous = stored | {key: last_recorded[key] for key in returned}
        changed = {
            key
            for key, status in previous.items()
            if key in current and status is not orders.status[current[key]]
        }
        _write_order_risk(
            connection,
            companies,
            orders,
            current,
            digests,
            scan_run_id=scan_run_id,
            scanned_at=scanned_at,
            set_keys_aside=set_keys_aside,
        )
        if previous:
            _append_history(
                connection,
                sorted(fresh | changed, key=lambda key: (key[1], key[0])),
                orders,
                current,
                previous,
                scan_run_id=scan_run_id,
                scanned_at=scanned_at,
                set_keys_aside=set_keys_aside,
            )
        else:
            _append_first_history(
                connection,
                count=len(current),
                as_of=orders.as_of,
                scan_run_id=scan_run_id,
                scanned_at=scanned_at,
                set_keys_aside=set_keys_aside,
            )
        refresh_statistics(
            connection,
            [tables.order_risk.name, tables.order_pegs.name, tables.order_status_history.name],
            rows=len(fresh) + len(changed) + len(removed),
        )
    return ScanRunSummary(
        scan_run_id=scan_run_id,
        picture_id=picture_id,
        as_of=orders.as_of,
        scanned_at=scanned_at,
        policy_digest=policy_digest,
        order_count=len(orders),
        at_risk_count=orders.at_risk_count,
        new_orders=len(fresh),
        changed_orders=len(changed),
        removed_orders=len(removed),
        returned_orders=len(returned),
    )


def serialise_scan_records(connection: sa.Connection) -> None:
    """On PostgreSQL, make two scans recording results at once take turns.

    Both would compare against the same stored risk and one would then fail on a
    duplicate key. SQLite admits one writing transaction at a time anyway.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCAN_RECORD_LOCK_KEY}
        )


def _refuse_foreign_orders(picture_id: int, companies: list[str], orders: OrderRiskColumns) -> None:
    """An order of a company the picture does not cover means the analysis is of another
    picture: recording it would rewrite that company's risk from the wrong data."""
    covered = set(companies)
    for o, company in enumerate(orders.company):
        if company not in covered:
            raise ScanRecordError(
                f"order {orders.order_id[o]} ships from warehouse {orders.warehouse[o]!r}, "
                f"which picture {picture_id} does not hold, so its company is unknown; the "
                "scan was not recorded (record the analysis of this same picture)"
            )


def picture_fingerprint(snapshot_digest: str | None) -> str | None:
    """What a scan run keeps as its ``picture_digest``: the digest of the picture's
    snapshot (:func:`~.picture_columns.load_picture_tables_and_digest`) and the release
    that words the orders' rows (a new release may word them otherwise); None for a
    picture read from its rows, without a snapshot."""
    return None if snapshot_digest is None else f"{__version__}:{snapshot_digest}"


def record_unchanged_orders(
    session: Session,
    picture_id: int,
    *,
    picture_digest: str,
    as_of: date,
    counts: tuple[int, int],
    scanned_at: datetime,
    policy_digest: str,
) -> ScanRunSummary | None:
    """Record a rescan whose orders are stored already, or return None (nothing written).

    The orders' rows are exactly what :func:`record_order_risk` would leave when the
    latest scan run of the picture's companies recorded this same picture
    (``picture_digest``, :func:`picture_fingerprint`) as of the same day under the same
    policy: the kernel's analysis depends on nothing else, and only scans write those
    rows. Then only the run is recorded (``counts``: the open orders and how many are at
    risk), and no order is new, changed or removed. A scan of another picture of any of
    the companies since, or a run without a digest, means the rows must be compared:
    None.
    """
    resolve_picture_id(session, picture_id)
    runs = tables.scan_runs
    with session.begin_nested():
        connection = session.connection()
        serialise_scan_records(connection)
        companies = picture_company_codes(connection, picture_id)
        last = connection.execute(
            sa.select(runs.c.id, runs.c.as_of, runs.c.policy_digest, runs.c.picture_digest)
            .where(runs.c.picture_id == picture_id)
            .order_by(runs.c.id.desc())
            .limit(1)
        ).first()
        if last is None or (last.picture_digest, last.as_of, last.policy_digest) != (
            picture_digest,
            as_of,
            policy_digest,
        ):
            return None
        later = connection.execute(sa.select(runs.c.companies).where(runs.c.id > last.id))
        if any(set(split_joined(joined)) & set(companies) for (joined,) in later):
            return None
        scan_run_id = _insert_scan_run(
            connection,
            picture_id=picture_id,
            companies=companies,
            as_of=as_of,
            counts=counts,
            scanned_at=scanned_at,
            policy_digest=policy_digest,
            picture_digest=picture_digest,
        )
    return ScanRunSummary(
        scan_run_id=scan_run_id,
        picture_id=picture_id,
        as_of=as_of,
        scanned_at=scanned_at,
        policy_digest=policy_digest,
        order_count=counts[0],
        at_risk_count=counts[1],
        new_orders=0,
        changed_orders=0,
        removed_orders=0,
        returned_orders=0,
    )


def _insert_scan_run(
    connection: sa.Connection,
    *,
    picture_id: int,
    companies: list[str],
    as_of: date,
    counts: tuple[int, int],
    scanned_at: datetime,
    policy_digest: str,
    picture_digest: str | None,
) -> int:
    result = connection.execute(
        sa.insert(tables.scan_runs)
        .values(
            picture_id=picture_id,
            companies=",".join(companies),
            as_of=as_of,
            scanned_at=scanned_at,
            policy_digest=policy_digest,
            order_count=counts[0],
            at_risk_count=counts[1],
            picture_digest=picture_digest,
        )
        .returning(tables.scan_runs.c.id)
    )
    return int(result.scalar_one())


def _stored_statuses(
    connection: sa.Connection, companies: list[str]
) -> tuple[dict[OrderKey, OrderRiskStatus], dict[OrderKey, str | None]]:
    """The status and content digest of every order stored as open in ``companies``.

    The companies' rows are most of the table, so it is read straight through: the
    condition on ``company || ''`` keeps the database from looking each row up through
    the company's index instead (SQLite would, taking twice as long at a million orders).
    """
    table = tables.order_risk
    query = sa.select(
        table.c.company,
        table.c.order_id,
        sa.type_coerce(table.c.status, sa.Text),  # looked up below, faster than the type
        table.c.content_digest,
    ).where((table.c.company + "").in_(companies))
    members = {member.value: member for member in OrderRiskStatus}
    statuses: dict[OrderKey, OrderRiskStatus] = {}
    digests: dict[OrderKey, str | None] = {}
    for company, order_id, status, digest in connection.execute(query):
        key = (company, order_id)
        statuses[key] = members[status]
        digests[key] = digest
    return statuses, digests


def _last_recorded_statuses(
    connection: sa.Connection, companies: list[str]
) -> dict[OrderKey, OrderRiskStatus]:
    """The ``to_status`` of the last history entry of every order of ``companies``."""
    table = tables.order_status_history
    last = (
        sa.select(sa.func.max(table.c.id))
        .where(table.c.company.in_(companies))
        .group_by(table.c.company, table.c.order_id)
    )
    query = sa.select(table.c.company, table.c.order_id, table.c.to_status).where(
        table.c.id.in_(last)
    )
    return {(company, order_id): status for company, order_id, status in connection.execute(query)}


def _write_order_risk(
    connection: sa.Connection,
    companies: list[str],
    orders: OrderRiskColumns,
    current: dict[OrderKey, int],
    stored: dict[OrderKey, str | None],
    *,
    scan_run_id: int,
    scanned_at: datetime,
    set_keys_aside: bool,
) -> None:
    """Bring the companies' rows to ``orders``, writing only what changed.

    Each order's content digest (``orders.content_digest``) is compared with the stored
    one: rows of orders gone or changed are deleted, changed and new orders inserted in
    one bulk insert; an unchanged row is left alone, so its ``scan_run_id`` and
    ``updated_at`` say when it last changed (stamping every row would rewrite every row
    and every index entry on PostgreSQL: twenty seconds at a million lines). When most
    rows change (the first scan, a new day's picture), deleting them all with one
    statement is cheaper than by key. The written rows' lines go into this run's blocks
    (:mod:`~controltower.storage.order_lines`), and once rows are gone the blocks no
    row names any more go too.
    """
    table = tables.order_risk
    digests = orders.content_digest
    keep = {key for key, o in current.items() if stored.get(key, "") == digests[o]}
    if len(keep) < len(stored) // 2:
        delete_company_pegs(connection, companies)
        connection.execute(sa.delete(table).where(table.c.company.in_(companies)))
        keep = set()
    else:
        gone = [key for key in stored if key not in keep]
        delete_order_pegs(connection, gone)
        delete_order_rows(connection, tables.order_risk, gone)
    write = sorted(o for key, o in current.items() if key not in keep)
    count = len(write)
    everything = count == len(orders)  # then ``write`` is every order, in order

    def written(values: list[T]) -> list[T]:
        return values if everything else [values[o] for o in write]

    blocks, slots = line_places(count)
    # the lines' blocks are compressed on a second thread while the rows go in; a first
    # scan (or a new day's picture) writes every row, and builds its indexes once after
    with (
        ThreadPoolExecutor(max_workers=1) as compressing,
        scan_keys_set_aside(connection, [table.name], rows=count, asked=set_keys_aside),
    ):
        compressed = compressing.submit(line_blocks, written(orders.lines))
        insert_columns(
            connection,
            table,
            {
                "company": written(orders.company),
                "order_id": written(orders.order_id),
                "scan_run_id": [scan_run_id] * count,
                "customer": written(orders.customer),
                "warehouse": written(orders.warehouse),
                "promised_date": written(orders.promised_date),
                "status": written(orders.status),
                "allocation": written(orders.allocation),
                "blockers": written(orders.blockers),
                "projected_ship_date": written(orders.projected_ship_date),
                "at_risk": written(orders.at_risk),
                "days_late": written(orders.days_late),
                "open_value": written(orders.open_value),
                "explanation": written(orders.explanation),
                "lines_block": blocks,
                "lines_slot": slots,
                "updated_at": [scanned_at] * count,
                "content_digest": written(digests),
            },
        )
        store_line_blocks(connection, scan_run_id, compressed.result())
    pegs = PegColumns()
    for o in write:
        pegs.add_order(orders.company[o], orders.order_id[o], orders.warehouse[o], orders.lines[o])
    pegs.insert(connection)
    if len(keep) < len(stored):
        forget_unnamed_blocks(connection)


def _append_first_history(
    connection: sa.Connection,
    *,
    count: int,
    as_of: date,
    scan_run_id: int,
    scanned_at: datetime,
    set_keys_aside: bool,
) -> None:
    """The history of a scan that found none of its companies' orders recorded before
    (their first scan): each order's entry from no status to the one its row, just
    written by this run, holds, copied by the database from those rows in the order
    :func:`_append_history` appends them (by order id, then company)."""
    risk, table = tables.order_risk, tables.order_status_history
    rows = (
        sa.select(
            risk.c.company,
            risk.c.order_id,
            sa.literal(scan_run_id, sa.Integer),
            sa.literal(as_of, table.c.as_of.type),
            sa.null(),
            risk.c.status,
            sa.literal(scanned_at, table.c.changed_at.type),
        )
        .where(risk.c.scan_run_id == scan_run_id)
        .order_by(risk.c.order_id, risk.c.company)
    )
    columns = ["company", "order_id", "scan_run_id", "as_of", "from_status", "to_status"]
    with scan_keys_set_aside(connection, [table.name], rows=count, asked=set_keys_aside):
        connection.execute(sa.insert(table).from_select([*columns, "changed_at"], rows))


def _append_history(
    connection: sa.Connection,
    keys: list[OrderKey],
    orders: OrderRiskColumns,
    current: dict[OrderKey, int],
    previous: dict[OrderKey, OrderRiskStatus],
    *,
    scan_run_id: int,
    scanned_at: datetime,
    set_keys_aside: bool,
) -> None:
    count = len(keys)
    table = tables.order_status_history
    with scan_keys_set_aside(connection, [table.name], rows=count, asked=set_keys_aside):
        insert_columns(
            connection,
            table,
            {
                "company": [company for company, _ in keys],
                "order_id": [order_id for _, order_id in keys],
                "scan_run_id": [scan_run_id] * count,
                "as_of": [orders.as_of] * count,
                "from_status": [previous.get(key) for key in keys],
                "to_status": [orders.status[current[key]] for key in keys],
                "changed_at": [scanned_at] * count,
            },
        )
