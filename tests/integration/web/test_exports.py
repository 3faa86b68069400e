"""Lists as files: CSV and Excel downloads of cases, incidents and orders.

Every download is compared with the list the API pages through for the same query, so
a file holds exactly the rows the screen would show, in its order, with its headings.
The workbooks are read back with openpyxl, a reader independent of the writer.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from controltower.domain.people import ROLE_PERMISSIONS, Permission, Role
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.queries import (
    MAX_PAGE_SIZE,
    CaseFilters,
    CaseSort,
    Cursor,
    OrderFilters,
    OrderSort,
    PageRequest,
    case_chunk,
    list_cases,
    open_orders,
    order_chunk,
)
from controltower.storage.repository import replace_picture
from helpers.people import add_test_person
from helpers.scanned_demo import (
    AS_OF,
    IMPORTED_AT,
    SCANNED_AT,
    ScannedDemo,
    anonymous_client,
    api_client,
    demo_dataset,
    load_scanned_demo,
    scan,
)

pytestmark = pytest.mark.database

CASE_HEADINGS = [
    "Severity",
    "Type",
    "Subject",
    "Owner",
    "Due",
    "Value at risk",
    "What is wrong",
    "Case",
    "State",
    "Overdue",
    "Assigned to",
]
ORDER_HEADINGS = [
    "Order",
    "Customer",
    "Customer code",
    "Warehouse",
    "Status",
    "Promised",
    "Projected",
    "Days late",
    "Value",
    "Why",
]
INCIDENT_HEADINGS = [
    "Severity",
    "Problem",
    "Root cause",
    "Orders hit",
    "Impacts",
    "Value at risk",
    "Cases",
    "Incident",
    "Root case",
]

#: customer names a spreadsheet would take for formulas, one per dangerous first character
FORMULA_NAMES = ('=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tTabbed", "\rReturn")


def listed(client: TestClient, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item of an API list for ``params``, page by page."""
    items: list[dict[str, Any]] = []
    number = 1
    while True:
        response = client.get(path, params={**params, "page": number, "page_size": MAX_PAGE_SIZE})
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        if number >= body["last_page"]:
            return items
        number += 1


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode()), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def sheet_rows(content: bytes) -> tuple[Any, list[tuple[Any, ...]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.active
    assert sheet is not None
    return sheet, [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_cases_download_as_csv_with_the_pages_filters_columns_and_order(
    migrated_database_url: str,
) -> None:
    demo = load_scanned_demo(migrated_database_url)
    query = {"view": "cases", "severity": ["critical", "high"], "sort": "value"}
    with api_client(migrated_database_url) as client:
        expected = listed(client, "/api/exceptions", query)
        page = client.get("/exceptions", params=query)
        download = client.get("/exceptions/export.csv", params=query)
        every = listed(client, "/api/exceptions", {"view": "cases"})

    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"] == (
        f'attachment; filename="cases-{"-".join(demo.companies)}-{AS_OF.isoformat()}.csv"'
    )
    assert 'href="/exceptions/export.csv?view=cases&amp;severity=critical' in page.text
    heading, *rows = csv_rows(download.content)
    assert heading == CASE_HEADINGS
    assert [row[7] for row in rows] == [c["id"] for c in expected]
    assert 0 < len(rows) < len(every), "the filters apply"
    first, case = rows[0], expected[0]
    due = datetime.fromisoformat(case["due_at"]).astimezone(UTC)
    assert first == [
        {"critical": "Critical", "high": "High"}[case["severity"]],
        case["type_label"],
        case["subject_label"],
        case["owner"],
        due.strftime("%Y-%m-%d %H:%M"),
        f"{Decimal(str(case['value_at_risk'])):.2f}",
        case["explanation"],
        case["id"],
        case["state_label"],
        "Yes" if case["overdue"] else "No",
        "",
    ]


def test_orders_download_as_a_workbook_of_numbers_and_dates(migrated_database_url: str) -> None:
    load_scanned_demo(migrated_database_url)
    with api_client(migrated_database_url) as client:
        every = listed(client, "/api/orders", {})
        warehouse, _ = Counter(o["warehouse"] for o in every).most_common(1)[0]
        query = {"show": "all", "warehouse": warehouse, "sort": "customer", "direction": "desc"}
        api_query = {"warehouse": warehouse, "sort": "customer", "direction": "desc"}
        expected = listed(client, "/api/orders", api_query)
        download = client.get("/orders/export.xlsx", params=query)
        from_api = client.get("/api/orders/export", params={**api_query, "format": "xlsx"})

    assert download.status_code == from_api.status_code == 200
    assert download.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet, rows = sheet_rows(download.content)
    assert sheet_rows(from_api.content)[1] == rows, "the page and the API download agree"
    assert list(rows[0]) == ORDER_HEADINGS
    assert [row[0] for row in rows[1:]] == [o["order_id"] for o in expected]
    assert 0 < len(expected) < len(every)
    customers = [row[2] for row in rows[1:]]
    assert customers == sorted(customers, reverse=True), "customer code, Z to A"
    order, row = expected[0], rows[1]
    assert row[1] == (order["customer_name"] or order["customer"])
    assert row[4] == order["status_label"]
    assert row[5] == datetime.combine(
        date.fromisoformat(order["promised_date"]), datetime.min.time()
    )
    assert sheet.cell(row=2, column=6).number_format == "d mmm yyyy"
    assert isinstance(row[8], float)
    assert row[8] == float(Decimal(str(order["open_value"])).quantize(Decimal("0.01")))
    assert sheet.cell(row=2, column=9).number_format == "#,##0.00"
    late = next((r for r in rows[1:] if r[7] is not None), None)
    assert late is None or isinstance(late[7], int)
    assert sheet.freeze_panes == "A2"


def test_cases_and_incidents_download_from_the_api_in_both_formats(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    with api_client(migrated_database_url) as client:
        cases = listed(client, "/api/exceptions", {"view": "cases", "sort": "due"})
        owner, _ = Counter(c["owner"] for c in cases).most_common(1)[0]
        incidents = listed(client, "/api/exceptions", {"view": "incidents", "owner": owner})
        incident_csv = client.get(
            "/api/exceptions/export", params={"format": "csv", "view": "incidents", "owner": owner}
        )
        case_xlsx = client.get("/api/exceptions/export", params={"format": "xlsx", "sort": "due"})
        incident_page = client.get(
            "/exceptions/export.xlsx", params={"view": "incidents", "owner": owner}
        )

    heading, *rows = csv_rows(incident_csv.content)
    assert heading == INCIDENT_HEADINGS
    assert [row[7] for row in rows] == [i["id"] for i in incidents]
    assert [int(row[6]) for row in rows] == [i["member_count"] for i in incidents]
    assert [Decimal(row[5]) for row in rows] == [
        Decimal(str(i["value_at_risk"])).quantize(Decimal("0.01")) for i in incidents
    ]
    _, workbook_rows = sheet_rows(incident_page.content)
    assert [(row[7], row[6]) for row in workbook_rows[1:]] == [
        (i["id"], i["member_count"]) for i in incidents
    ]
    sheet, case_rows = sheet_rows(case_xlsx.content)
    assert list(case_rows[0]) == CASE_HEADINGS
    assert [row[7] for row in case_rows[1:]] == [c["id"] for c in cases]
    due = datetime.fromisoformat(cases[0]["due_at"]).astimezone(UTC).replace(tzinfo=None)
    assert case_rows[1][4] == due
    assert sheet.cell(row=2, column=5).number_format == 'd mmm yyyy hh:mm "UTC"'


def load_demo_with_formula_names(database_url: str) -> tuple[ScannedDemo, list[str]]:
    """The demo with some customers named like formulas; returns their codes."""
    dataset = demo_dataset()
    renamed = {c.code: name for c, name in zip(dataset.customers, FORMULA_NAMES, strict=False)}
    changed = replace(
        dataset,
        customers=[
            replace(c, name=renamed[c.code]) if c.code in renamed else c for c in dataset.customers
        ],
    )
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            picture_id = replace_picture(
                session, changed, source="demo:small formulas", imported_at=IMPORTED_AT
            ).picture_id
    finally:
        engine.dispose()
    return scan(database_url, picture_id, as_of=AS_OF, now=SCANNED_AT), sorted(renamed)


def test_a_cell_a_spreadsheet_would_run_as_a_formula_gets_a_leading_apostrophe(
    migrated_database_url: str,
) -> None:
    _, codes = load_demo_with_formula_names(migrated_database_url)
    with api_client(migrated_database_url) as client:
        query = {"show": "all", "customer": codes}
        as_csv = client.get("/orders/export.csv", params=query)
        as_xlsx = client.get("/orders/export.xlsx", params=query)

    _, *rows = csv_rows(as_csv.content)
    names = {row[2]: row[1] for row in rows}
    _, sheet = sheet_rows(as_xlsx.content)
    assert {row[2]: row[1] for row in sheet[1:]} == names
    given = dict(zip((c.code for c in demo_dataset().customers), FORMULA_NAMES, strict=False))
    assert names, "the renamed customers have open orders"
    assert names == {code: "'" + given[code] for code in names}
    assert all(float(row[8]) > 0 for row in rows), "money is never touched"


def test_downloads_need_the_export_permission_and_a_signed_in_person(
    migrated_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_scanned_demo(migrated_database_url)
    auditor = add_test_person(migrated_database_url, "aud", role=Role.AUDITOR)
    with api_client(migrated_database_url, token=auditor.token) as client:
        allowed = client.get("/orders/export.csv", params={"show": "all"})
        offered = client.get("/orders")
        monkeypatch.setitem(ROLE_PERMISSIONS, Role.AUDITOR, frozenset({Permission.VIEW}))
        refused_page = client.get("/orders/export.csv", params={"show": "all"})
        refused_api = client.get("/api/orders/export", params={"format": "xlsx"})
        refused_queue = client.get("/api/exceptions/export", params={"format": "csv"})
        not_offered = client.get("/orders")
    with anonymous_client(migrated_database_url) as anonymous:
        api = anonymous.get("/api/exceptions/export", params={"format": "csv"})
        page = anonymous.get("/exceptions/export.csv?view=cases", follow_redirects=False)

    assert allowed.status_code == 200
    assert "Download CSV" in offered.text
    assert "Download Excel" in offered.text
    for refused in (refused_page, refused_api, refused_queue):
        assert refused.status_code == 403
        assert "aud (auditor) may not export" in refused.text
    assert not_offered.status_code == 200
    assert "Download CSV" not in not_offered.text
    assert api.status_code == 401
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fexceptions%2Fexport.csv%3Fview%3Dcases"


def test_a_download_with_a_filter_nobody_has_or_an_unknown_format_gives_a_notice(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    with api_client(migrated_database_url) as client:
        unknown = client.get("/orders/export.csv", params={"warehouse": "NOWHERE"})
        odd = client.get("/exceptions/export.pdf")
        api = client.get("/api/orders/export", params={"format": "pdf"})

    assert unknown.status_code == 400
    assert "There is no warehouse “NOWHERE”" in unknown.text
    assert "Nothing was downloaded" in unknown.text
    assert odd.status_code == 404
    assert "not .pdf" in odd.text
    assert api.status_code == 422
    assert api.json()["detail"][0]["loc"] == ["query", "format"]


def test_downloads_read_in_chunks_that_join_up_into_the_listed_order(
    migrated_database_url: str,
) -> None:
    """Each chunk starts after the last row read (keyset); however small the chunks, and
    whichever sort and direction, they join up into exactly the list the pages show."""
    demo = load_scanned_demo(migrated_database_url)
    engine = make_engine(migrated_database_url)
    try:
        with make_session_factory(engine)() as session:
            every = open_orders(session, demo.picture_id, page=PageRequest(size=MAX_PAGE_SIZE))
            customer = every.items[0].outcome.customer
            order_filters = [
                OrderFilters(),
                OrderFilters(customers=frozenset({customer})),
                OrderFilters(q="SO10"),
                OrderFilters(at_risk=True),
            ]
            for sort in OrderSort:
                for reverse in (False, True):
                    for filters in order_filters:
                        paged = _paged_orders(session, demo.picture_id, filters, sort, reverse)
                        chunked = _chunked_orders(session, demo.picture_id, filters, sort, reverse)
                        assert chunked == paged, (sort, reverse, filters)
            for case_sort in CaseSort:
                for reverse in (False, True):
                    for case_filters in (CaseFilters(), CaseFilters(states=None, q="SO1")):
                        paged_cases = _paged_cases(
                            session, demo.picture_id, case_filters, case_sort, reverse
                        )
                        chunked_cases = _chunked_cases(
                            session, demo.picture_id, case_filters, case_sort, reverse
                        )
                        assert chunked_cases == paged_cases, (case_sort, reverse)
    finally:
        engine.dispose()
    assert every.total > 100


def _paged_orders(
    session: Any, picture_id: int, filters: OrderFilters, sort: OrderSort, reverse: bool
) -> list[str]:
    found: list[str] = []
    number = 1
    while True:
        page = open_orders(
            session,
            picture_id,
            filters,
            sort=sort,
            reverse=reverse,
            page=PageRequest(number=number, size=MAX_PAGE_SIZE),
            with_lines=False,
        )
        found.extend(row.outcome.order_id for row in page.items)
        if number >= page.last_number:
            return found
        number += 1


def _chunked_orders(
    session: Any, picture_id: int, filters: OrderFilters, sort: OrderSort, reverse: bool
) -> list[str]:
    found: list[str] = []
    cursor: Cursor | None = Cursor()
    while cursor is not None:
        rows, cursor = order_chunk(
            session, picture_id, filters, cursor, sort=sort, reverse=reverse, size=7
        )
        assert len(rows) <= 7
        found.extend(row.outcome.order_id for row in rows)
    return found


def _paged_cases(
    session: Any, picture_id: int, filters: CaseFilters, sort: CaseSort, reverse: bool
) -> list[str]:
    found: list[str] = []
    number = 1
    while True:
        page = list_cases(
            session,
            picture_id,
            filters,
            sort=sort,
            reverse=reverse,
            page=PageRequest(number=number, size=MAX_PAGE_SIZE),
        )
        found.extend(c.id for c in page.items)
        if number >= page.last_number:
            return found
        number += 1


def _chunked_cases(
    session: Any, picture_id: int, filters: CaseFilters, sort: CaseSort, reverse: bool
) -> list[str]:
    found: list[str] = []
    cursor: Cursor | None = Cursor()
    while cursor is not None:
        cases, cursor = case_chunk(
            session, picture_id, filters, cursor, sort=sort, reverse=reverse, size=5
        )
        found.extend(c.id for c in cases)
    return found
