"""Recording a scan's order risk: the run, every open order's row, and status changes.

Kept per company: an order's risk and history are keyed by (its company, its id), where
its company is the company of the warehouse it ships from. A scan of a picture reads and
rewrites the rows of every company the picture covers, whatever picture they were last
written from, so an import replacing the picture leaves the history intact.

Everything is set-wise, whatever the number of orders: the stored statuses and each
order's last history entry are read with one query each, the companies' rows are
deleted with one statement and written back with one bulk insert
(:func:`~controltower.storage.bulk.insert_columns`), and the history rows likewise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.analysis import OrderRiskStatus
from controltower.storage import tables
from controltower.storage.bulk import insert_columns
from controltower.storage.repository import (
    ScanRecordError,
    ScanRunSummary,
    picture_company_codes,
    resolve_picture_id,
)
from controltower.workflow.order_risk import OrderRiskColumns

#: key of the PostgreSQL advisory lock held while a scan's results are being recorded
SCAN_RECORD_LOCK_KEY: Final = 0x43545F53434E  # "CT_SCN"

OrderKey = tuple[str, str]


def record_order_risk(
    session: Session,
    picture_id: int,
    orders: OrderRiskColumns,
    *,
    scanned_at: datetime,
    policy_digest: str,
) -> ScanRunSummary:
    """Record a scan of a picture: the run, each open order's risk, and status changes.

    The picture's companies are what is compared: ``order_risk`` ends up holding exactly
    ``orders`` for those companies (rows of orders no longer open are gone, the others
    rewritten), whichever picture the previous scan read. A status history entry is
    appended for an order when it was never recorded in its company (``from_status``
    None), or when its status differs from its last recorded one: the stored risk if it
    was open at the previous scan, else, for an order coming back after it had left, the
    ``to_status`` of its last history entry. Leaving is not itself a history entry.
    Runs in a savepoint: a failure leaves the session as it was.
    """
    resolve_picture_id(session, picture_id)
    with session.begin_nested():
        connection = session.connection()
        serialise_scan_records(connection)
        companies = picture_company_codes(connection, picture_id)
        _refuse_foreign_orders(picture_id, companies, orders)
        scan_run_id = _insert_scan_run(
            connection,
            picture_id=picture_id,
            companies=companies,
            orders=orders,
            scanned_at=scanned_at,
            policy_digest=policy_digest,
        )
        current = {
            key: o for o, key in enumerate(zip(orders.company, orders.order_id, strict=True))
        }
        stored = _stored_statuses(connection, companies)
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
        _rewrite_order_risk(connection, companies, orders, scan_run_id, scanned_at)
        _append_history(
            connection,
            sorted(fresh | changed, key=lambda key: (key[1], key[0])),
            orders,
            current,
            previous,
            scan_run_id=scan_run_id,
            scanned_at=scanned_at,
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


def _insert_scan_run(
    connection: sa.Connection,
    *,
    picture_id: int,
    companies: list[str],
    orders: OrderRiskColumns,
    scanned_at: datetime,
    policy_digest: str,
) -> int:
    result = connection.execute(
        sa.insert(tables.scan_runs)
        .values(
            picture_id=picture_id,
            companies=",".join(companies),
            as_of=orders.as_of,
            scanned_at=scanned_at,
            policy_digest=policy_digest,
            order_count=len(orders),
            at_risk_count=orders.at_risk_count,
        )
        .returning(tables.scan_runs.c.id)
    )
    return int(result.scalar_one())


def _stored_statuses(
    connection: sa.Connection, companies: list[str]
) -> dict[OrderKey, OrderRiskStatus]:
    """The status of every order stored as open in ``companies``."""
    table = tables.order_risk
    query = sa.select(table.c.company, table.c.order_id, table.c.status).where(
        table.c.company.in_(companies)
    )
    return {(company, order_id): status for company, order_id, status in connection.execute(query)}


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


def _rewrite_order_risk(
    connection: sa.Connection,
    companies: list[str],
    orders: OrderRiskColumns,
    scan_run_id: int,
    scanned_at: datetime,
) -> None:
    """Replace the companies' stored rows by ``orders``: one delete, one bulk insert."""
    table = tables.order_risk
    connection.execute(sa.delete(table).where(table.c.company.in_(companies)))
    count = len(orders)
    insert_columns(
        connection,
        table,
        {
            "company": orders.company,
            "order_id": orders.order_id,
            "scan_run_id": [scan_run_id] * count,
            "customer": orders.customer,
            "warehouse": orders.warehouse,
            "promised_date": orders.promised_date,
            "status": orders.status,
            "allocation": orders.allocation,
            "blockers": orders.blockers,
            "projected_ship_date": orders.projected_ship_date,
            "at_risk": orders.at_risk,
            "days_late": orders.days_late,
            "open_value": orders.open_value,
            "explanation": orders.explanation,
            "lines": orders.lines,
            "updated_at": [scanned_at] * count,
        },
    )


def _append_history(
    connection: sa.Connection,
    keys: list[OrderKey],
    orders: OrderRiskColumns,
    current: dict[OrderKey, int],
    previous: dict[OrderKey, OrderRiskStatus],
    *,
    scan_run_id: int,
    scanned_at: datetime,
) -> None:
    count = len(keys)
    insert_columns(
        connection,
        tables.order_status_history,
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
