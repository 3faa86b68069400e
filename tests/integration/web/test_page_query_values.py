"""Every page answers what it is asked in HTML: an unknown id, a value nobody knows in its
query and a page past the end of its lists, for a person signed in with the form.

The page routes are read from the app itself, so a page added without a case here fails
:func:`test_every_page_answers_unknown_ids_bad_values_and_pages_past_the_end_in_html`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from controltower.bootstrap import create_app
from controltower.domain.model import OrderStatus
from controltower.domain.people import Role
from controltower.settings import Settings
from controltower.web.case_pages import EVENTS_PER_PAGE
from controltower.web.charts import PLOTLY_JS_PATH
from controltower.web.entity_pages import ROWS_PER_LIST
from controltower.web.exceptions_pages import QUEUE_PER_PAGE
from controltower.web.orders_pages import ORDERS_PER_PAGE
from controltower.web.work_pages import PICKS_PER_PAGE, WORK_PER_PAGE
from helpers.people import TestPerson, add_test_person
from helpers.scanned_demo import api_client, demo_dataset, load_scanned_demo

pytestmark = pytest.mark.database

#: GET routes outside the API that are no page: files and the API's documentation
NOT_PAGES = {
    PLOTLY_JS_PATH,
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
}

#: far past the end of every list of the small demo
FAR = 9_999


@dataclass(frozen=True)
class Probe:
    """One request of a page and what its answer must say."""

    #: the address asked for (path and query)
    address: str
    status: int
    #: texts the page must show (after its markup is taken out)
    says: tuple[str, ...] = ()


@dataclass(frozen=True)
class Facts:
    """Codes of the business to ask the pages about, read from the API."""

    order: str
    case: str
    customer: str
    supplier: str
    po: str
    sku: str
    team: str


def page_routes(app: FastAPI) -> set[str]:
    """The path of every GET route the app serves outside the API, through its routers."""
    found: set[str] = set()
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is None:
            methods = getattr(route, "methods", None) or set()
            if "GET" in methods:
                found.add(getattr(route, "path", ""))
            continue
        for context in contexts() if callable(contexts) else contexts:
            if "GET" in (context.methods or ()):
                found.add(context.path)
    return {path for path in found if not path.startswith("/api/")} - NOT_PAGES


def words(html: str) -> str:
    """The text of a page, markup out, spaces squeezed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def past_end(asked: int, last: int) -> str:
    return f"Page {asked:,} is past the end: showing page {last:,} of {last:,}."


def last_of(total: int, size: int) -> int:
    return max(1, -(-total // size))


def probes(facts: Facts, lasts: dict[str, int]) -> dict[str, list[Probe]]:
    """Per page route, its requests: every parameter with a value nobody knows, an
    unknown id, a page past the end of each of its lists."""
    o, c, cu, su, po, sku = (
        facts.order,
        facts.case,
        facts.customer,
        facts.supplier,
        facts.po,
        facts.sku,
    )
    long = "X" * 101
    bad_page = (
        "page: “abc” is not a page number; showing the first page. Pages are numbered from 1."
    )
    return {
        "/": [Probe("/", 200, ("Why orders are at risk",))],
        "/login": [Probe("/login?next=https://elsewhere.example/", 303)],
        "/my-work": [
            Probe("/my-work?page=abc", 400, (bad_page,)),
            Probe("/my-work?page=0", 400, ("page: “0” is not a page number",)),
            Probe(f"/my-work?page={FAR}", 200, (past_end(FAR, lasts["my-work"]),)),
            Probe("/my-work?company=NOPE", 404, ("company 'NOPE'; companies you can see: NORDEL",)),
        ],
        "/warehouse-work": [
            Probe("/warehouse-work?page=-1", 400, ("page: “-1” is not a page number",)),
            Probe(
                "/warehouse-work?day=25/11/2026",
                400,
                ("day: “25/11/2026” is not a day; write it as YYYY-MM-DD",),
            ),
            Probe(
                "/warehouse-work?warehouse=NOWHERE",
                404,
                (
                    "No warehouse 'NOWHERE' in NORDEL; the warehouses you can see are LDS, MAN, SHF.",
                ),
            ),
            Probe(
                f"/warehouse-work?warehouse=SHF&page={FAR}",
                200,
                (past_end(FAR, lasts["warehouse-work"]),),
            ),
        ],
        "/exceptions/effectiveness": [
            Probe("/exceptions/effectiveness?from=soon", 400, ("is not a day",)),
            Probe("/exceptions/effectiveness?by=colour", 400, ("is not a grouping",)),
            Probe(
                "/exceptions/effectiveness?from=2026-11-20&to=2026-11-01",
                400,
                ("is after to",),
            ),
        ],
        "/notifications": [
            Probe("/notifications?page=abc", 400, (bad_page,)),
            Probe(f"/notifications?page={FAR}", 200, (past_end(FAR, 1),)),
        ],
        # administrators only: the person on this tour is a manager
        "/admin/notifications/dead-letters": [
            Probe("/admin/notifications/dead-letters?page=0", 403, ("may not manage people",)),
        ],
        # auditors only (an auditor's bad values: tests/integration/web/test_audit_page.py)
        "/audit": [Probe("/audit?from=soon&page=0", 403, ("may not view audit",))],
        # governed actions (the forms and decisions: tests/integration/web/test_action_pages.py)
        "/actions": [
            Probe(
                "/actions?show=sometimes",
                400,
                (
                    "show: “sometimes” is not a list of requests; the choices are "
                    "Waiting for me (waiting), Asked by me (mine), All requests (all).",
                ),
            ),
            Probe("/actions?state=done", 400, ("state: “done” is not a state of a request;",)),
            Probe("/actions?type=teleport", 400, ("type: “teleport” is not a kind of action;",)),
            Probe(f"/actions?subject={long}", 400, ("subject: The subject was cut",)),
            Probe("/actions?page=abc", 400, (bad_page,)),
            Probe(f"/actions?show=all&page={FAR}", 200, (past_end(FAR, 1),)),
            Probe("/actions?company=NOPE", 404, ("company 'NOPE'",)),
        ],
        "/actions/new": [
            Probe(
                "/actions/new?type=teleport",
                400,
                ("type: “teleport” is not an action; the actions are Change the promised date",),
            ),
            Probe(f"/actions/new?type=split_shipment&order_id={o}&company=NOPE", 404, ("'NOPE'",)),
        ],
        "/actions/{action_id}": [
            Probe("/actions/999999", 404, ("Request not found", "No request 999999")),
            Probe("/actions/first", 404, ("Request not found",)),
        ],
        "/search": [
            Probe(
                f"/search?q={long}", 400, ("q: The search was cut to its first 100 characters.",)
            ),
            Probe("/search?q=SO&company=NOPE", 404, ("company 'NOPE'",)),
        ],
        "/orders": [
            Probe(
                "/orders?show=bogus",
                400,
                ("show: There is no list of orders “bogus”; the choices are at_risk, all.",),
            ),
            Probe(
                "/orders?status=bogus",
                400,
                (
                    "status: “bogus” is not a status; the choices are Blocked by credit "
                    "(blocked_by_credit), Short of stock (short)",
                ),
            ),
            Probe(
                "/orders?warehouse=NOWHERE",
                400,
                ("warehouse: There is no warehouse “NOWHERE”; the choices are LDS, MAN, SHF.",),
            ),
            Probe("/orders?customer=NOBODY", 400, ("customer: There is no customer “NOBODY”.",)),
            Probe(
                "/orders?min_value=x",
                400,
                (
                    "min_value: “x” is not an amount for the least open value; use a number of 0 or more.",
                ),
            ),
            Probe(
                f"/orders?q={long}", 400, ("q: The search was cut to its first 100 characters.",)
            ),
            Probe(
                "/orders?sort=nonsense",
                400,
                (
                    "sort: “nonsense” is not a sort order; the choices are Most urgent first (urgency),",
                ),
            ),
            Probe(
                "/orders?direction=sideways",
                400,
                (
                    "direction: “sideways” is not a sort direction; the choices are Up (asc), Down (desc).",
                ),
            ),
            Probe("/orders?page=abc", 400, (bad_page,)),
            Probe(f"/orders?show=all&page={FAR}", 200, (past_end(FAR, lasts["orders"]),)),
            Probe("/orders?company=NOPE", 404, ("company 'NOPE'",)),
        ],
        "/orders/{order_id:path}": [
            Probe("/orders/SO-NOPE", 404, ("Order SO-NOPE is not open",)),
            Probe(f"/orders/{o}?company=NOPE", 404, ("company 'NOPE'",)),
        ],
        "/orders/export.{extension}": [
            Probe("/orders/export.pdf", 404, ("A list downloads as .csv or .xlsx, not .pdf.",)),
            Probe("/orders/export.csv?status=bogus", 400, ("status: “bogus” is not a status",)),
        ],
        "/exceptions": [
            Probe("/exceptions?view=table", 400, ("view: “table” is not a view; the choices are",)),
            Probe(
                "/exceptions?state=gone",
                400,
                ("state: “gone” is not a state; the choices are Still to do (active),",),
            ),
            Probe("/exceptions?type=bogus", 400, ("type: “bogus” is not a type of exception",)),
            Probe(
                "/exceptions?severity=urgent",
                400,
                ("severity: “urgent” is not a severity; the choices are Critical (critical),",),
            ),
            Probe(
                "/exceptions?warehouse=NOWHERE",
                400,
                ("warehouse: There is no warehouse “NOWHERE”",),
            ),
            Probe(
                "/exceptions?customer=NOBODY", 400, ("customer: There is no customer “NOBODY”.",)
            ),
            Probe(
                "/exceptions?supplier=NOBODY", 400, ("supplier: There is no supplier “NOBODY”.",)
            ),
            Probe(
                "/exceptions?assignee=nobody-at-all",
                400,
                ("assignee: There is no person “nobody-at-all”.",),
            ),
            Probe(
                "/exceptions?overdue=maybe",
                400,
                ("overdue: “maybe” is not a choice for overdue; use yes or no.",),
            ),
            Probe("/exceptions?min_value=lots", 400, ("min_value: “lots” is not an amount",)),
            Probe(
                "/exceptions?snoozed=sometimes",
                400,
                ("snoozed: “sometimes” is not a choice for snoozed; the choices are",),
            ),
            Probe(f"/exceptions?q={long}", 400, ("q: The search was cut",)),
            Probe(f"/exceptions?cause={'x' * 400}", 400, ("cause: The cause was cut",)),
            Probe(f"/exceptions?subject={'x' * 400}", 400, ("subject: The subject was cut",)),
            Probe(
                "/exceptions?view=cases&sort=colour", 400, ("sort: “colour” is not a sort order",)
            ),
            Probe("/exceptions?direction=up", 400, ("direction: “up” is not a sort direction",)),
            Probe("/exceptions?page=abc", 400, (bad_page,)),
            Probe(f"/exceptions?page={FAR}", 200, (past_end(FAR, lasts["incidents"]),)),
            Probe(f"/exceptions?view=cases&page={FAR}", 200, (past_end(FAR, lasts["cases"]),)),
        ],
        "/exceptions/cases/{case_id}": [
            Probe("/exceptions/cases/CASE-NOPE", 404, ("Case not found", "No case CASE-NOPE")),
            Probe(
                f"/exceptions/cases/{c}?events=abc", 400, ("events: “abc” is not a page number",)
            ),
            Probe(f"/exceptions/cases/{c}?events={FAR}", 200, (past_end(FAR, lasts["events"]),)),
            Probe(
                f"/exceptions/cases/{c}?done=everything",
                400,
                ("done: “everything” is not an action of a case; the actions are acknowledge,",),
            ),
        ],
        "/exceptions/export.{extension}": [
            Probe("/exceptions/export.doc", 404, ("not .doc",)),
            Probe("/exceptions/export.csv?severity=urgent", 400, ("severity: “urgent”",)),
        ],
        "/customers/{code:path}": [
            Probe("/customers/NOPE", 404, ("There is no customer “NOPE” in NORDEL.",)),
            Probe(
                f"/customers/{cu}?orders_page=two",
                400,
                ("orders_page: “two” is not a page number",),
            ),
            *(
                Probe(
                    f"/customers/{cu}?{name}_page={FAR}",
                    200,
                    (past_end(FAR, lasts[f"customer {name}"]),),
                )
                for name in ("orders", "invoices", "cases")
            ),
        ],
        "/suppliers/{code:path}": [
            Probe("/suppliers/NOPE", 404, ("There is no supplier “NOPE” in NORDEL.",)),
            Probe(
                f"/suppliers/{su}?show=soon",
                400,
                (
                    "show: “soon” is not a list of purchase orders; the choices are All open (open),",
                ),
            ),
            Probe(f"/suppliers/{su}?cases_page=0", 400, ("cases_page: “0” is not a page number",)),
            *(
                Probe(
                    f"/suppliers/{su}?{name}_page={FAR}",
                    200,
                    (past_end(FAR, lasts[f"supplier {name}"]),),
                )
                for name in ("purchase_orders", "cases")
            ),
        ],
        "/purchase-orders/{po_id:path}": [
            Probe(
                "/purchase-orders/PO-NOPE",
                404,
                ("There is no purchase order “PO-NOPE” in NORDEL.",),
            ),
            Probe(
                f"/purchase-orders/{po}?lines_page=x",
                400,
                ("lines_page: “x” is not a page number",),
            ),
            *(
                Probe(
                    f"/purchase-orders/{po}?{name}_page={FAR}",
                    200,
                    (past_end(FAR, lasts[f"po {name}"]),),
                )
                for name in ("lines", "receipts", "pegged", "cases")
            ),
        ],
        "/products/{sku:path}": [
            Probe("/products/NOPE", 404, ("There is no product “NOPE” in NORDEL.",)),
            Probe(
                f"/products/{sku}?demand_page=-2", 400, ("demand_page: “-2” is not a page number",)
            ),
            *(
                Probe(
                    f"/products/{sku}?{name}_page={FAR}",
                    200,
                    (past_end(FAR, lasts[f"product {name}"]),),
                )
                for name in ("demand", "inbound", "cases")
            ),
        ],
    }


def business_facts(database_url: str) -> Facts:
    """What to ask about: an open order, an active case, the customer with the most
    orders, the supplier with the most open purchase orders and one of them, the product
    with the most open demand, and the team owning the most active cases."""
    dataset = demo_dataset()
    with api_client(database_url) as client:
        orders = client.get("/api/orders", params={"at_risk": "false", "page_size": 200}).json()
        cases = client.get("/api/exceptions", params={"view": "cases", "page_size": 200}).json()
    open_pos = [po for po in dataset.purchase_orders if po.status is OrderStatus.OPEN]
    supplier = Counter(po.supplier for po in open_pos).most_common(1)[0][0]
    open_orders = {o.order_id for o in dataset.sales_orders if o.status is OrderStatus.OPEN}
    demand = Counter(ln.sku for ln in dataset.sales_order_lines if ln.order_id in open_orders)
    return Facts(
        order=orders["items"][0]["order_id"],
        case=cases["items"][0]["id"],
        customer=Counter(o["customer"] for o in orders["items"]).most_common(1)[0][0],
        supplier=supplier,
        po=next(po.po_id for po in open_pos if po.supplier == supplier),
        sku=demand.most_common(1)[0][0],
        team=Counter(case["owner"] for case in cases["items"]).most_common(1)[0][0],
    )


def last_pages(database_url: str, facts: Facts, person: TestPerson) -> dict[str, int]:
    """The last page of every list the pages page, from the totals the API gives."""
    f = facts
    with api_client(database_url) as client:

        def total(path: str, key: str | None = None, **params: Any) -> int:
            body = client.get(path, params=params).json()
            found = body[key] if key else body
            return int(found["total"] if "total" in found else found["timeline_total"])

        entity: dict[str, int] = {}
        for kind, path, names in (
            ("customer", f"/api/customers/{f.customer}", ("orders", "invoices", "cases")),
            ("supplier", f"/api/suppliers/{f.supplier}", ("purchase_orders", "cases")),
            ("po", f"/api/purchase-orders/{f.po}", ("lines", "receipts", "pegged_orders", "cases")),
            ("product", f"/api/products/{f.sku}", ("demand", "inbound", "cases")),
        ):
            for name in names:
                entity[f"{kind} {name.removesuffix('_orders') if kind == 'po' else name}"] = (
                    last_of(total(path, name), ROWS_PER_LIST)
                )
        lasts = {
            "orders": last_of(total("/api/orders", at_risk=["true", "false"]), ORDERS_PER_PAGE),
            "incidents": last_of(total("/api/exceptions", view="incidents"), QUEUE_PER_PAGE),
            "cases": last_of(total("/api/exceptions", view="cases"), QUEUE_PER_PAGE),
            "events": last_of(total(f"/api/exceptions/cases/{f.case}"), EVENTS_PER_PAGE),
            "warehouse-work": last_of(
                total("/api/warehouse-work", warehouse="SHF"), PICKS_PER_PAGE
            ),
            **entity,
        }
    with api_client(database_url, person.token) as client:
        lasts["my-work"] = last_of(client.get("/api/my-work").json()["total"], WORK_PER_PAGE)
    return lasts


@pytest.fixture
def signed_in(migrated_database_url: str) -> Iterator[tuple[TestClient, Facts, dict[str, int]]]:
    """A manager of the team owning the most cases, signed in with the login form."""
    url = migrated_database_url
    load_scanned_demo(url)
    facts = business_facts(url)
    pat = add_test_person(url, "pat", role=Role.MANAGER, teams=[facts.team])
    lasts = last_pages(url, facts, pat)
    app = create_app(Settings(DATABASE_URL=url))
    try:
        with TestClient(app, follow_redirects=False) as client:
            signed = client.post("/login", data={"login": pat.login, "password": pat.password})
            assert signed.status_code == 303
            yield client, facts, lasts
    finally:
        app.state.engine.dispose()


def shown_rows(html: str) -> list[str]:
    return re.findall(
        r'<tr data-(?:order|case|incident|pick|event|line|receipt|invoice|po)="([^"]*)"', html
    )


def test_every_page_answers_unknown_ids_bad_values_and_pages_past_the_end_in_html(
    signed_in: tuple[TestClient, Facts, dict[str, int]],
) -> None:
    client, facts, lasts = signed_in
    app = client.app
    assert isinstance(app, FastAPI)
    cases = probes(facts, lasts)
    served = page_routes(app)
    assert served == set(cases), (
        f"pages without a case here: {sorted(served - set(cases))}; "
        f"cases of no page: {sorted(set(cases) - served)}"
    )
    wrong: list[str] = []
    for route, asked in sorted(cases.items()):
        for probe in asked:
            answer = client.get(probe.address)
            text = words(answer.text)
            where = f"{route}: {probe.address[:80]}"
            if answer.status_code != probe.status:
                wrong.append(
                    f"{where}: {answer.status_code}, expected {probe.status}: {text[:300]}"
                )
                continue
            if probe.status == 303:
                continue
            if not answer.headers["content-type"].startswith("text/html"):
                wrong.append(f"{where}: {answer.headers['content-type']}, not HTML")
            if answer.text.lstrip().startswith(("{", "[")) or "Traceback" in answer.text:
                wrong.append(f"{where}: raw JSON or a traceback")
            if '<a class="brand" href="/">Control Tower</a>' not in answer.text:
                wrong.append(f"{where}: not in the site's layout")
            if probe.status == 404 and 'data-part="error"' not in answer.text:
                wrong.append(f"{where}: a 404 that is not the error page")
            wrong.extend(
                f"{where}: does not say {said!r}: {text[:400]}"
                for said in probe.says
                if said not in text
            )
            for first, last, total in re.findall(r"Showing ([\d,]+)–([\d,]+) of ([\d,]+)", text):
                numbers = [int(n.replace(",", "")) for n in (first, last, total)]
                if not numbers[0] <= numbers[1] <= numbers[2]:
                    wrong.append(f"{where}: shows rows {first}–{last} of {total}")
    assert not wrong, "\n".join(wrong)


def test_a_page_past_the_end_shows_the_same_rows_as_the_last_page(
    signed_in: tuple[TestClient, Facts, dict[str, int]],
) -> None:
    client, facts, lasts = signed_in
    pairs = {
        "/orders?show=all": lasts["orders"],
        "/exceptions?view=cases": lasts["cases"],
        "/exceptions?view=incidents": lasts["incidents"],
        "/my-work?": lasts["my-work"],
        "/warehouse-work?warehouse=SHF": lasts["warehouse-work"],
    }
    assert lasts["orders"] > 1, "a list of several pages is asked"
    assert lasts["cases"] > 1, "a list of several pages is asked"
    for address, last in pairs.items():
        past = client.get(f"{address}&page={FAR}")
        final = client.get(f"{address}&page={last}")
        assert past.status_code == final.status_code == 200, address
        assert shown_rows(past.text) == shown_rows(final.text), address
        assert shown_rows(past.text) or address.startswith("/warehouse-work"), address
        assert past_end(FAR, last) in words(past.text)
        assert "past the end" not in words(final.text)
        assert f'aria-current="page">{last:,}<' in past.text or last == 1, (
            "the pager is on the last page"
        )
    demand = f"/products/{facts.sku}?demand_page="
    past, final = client.get(f"{demand}{FAR}"), client.get(f"{demand}{lasts['product demand']}")
    section = re.compile(r'data-part="demand">(.*?)</section>', re.S)
    past_section, final_section = section.search(past.text), section.search(final.text)
    assert past_section is not None
    assert final_section is not None
    assert shown_rows(past_section.group(1)) == shown_rows(final_section.group(1))
    assert past_end(FAR, lasts["product demand"]) in words(past_section.group(1))


def test_a_page_number_below_one_shows_the_first_page_and_names_the_parameter(
    signed_in: tuple[TestClient, Facts, dict[str, int]],
) -> None:
    client, _, _ = signed_in
    first = client.get("/orders?show=all")
    for value in ("0", "-1", "abc", "1.5"):
        answer = client.get(f"/orders?show=all&page={value}")
        assert answer.status_code == 400
        assert f"page: “{value}” is not a page number; showing the first page." in words(
            answer.text
        )
        assert shown_rows(answer.text) == shown_rows(first.text)


def test_bad_values_are_left_out_and_the_good_ones_kept(
    signed_in: tuple[TestClient, Facts, dict[str, int]],
) -> None:
    client, _, _ = signed_in
    alone = client.get("/exceptions?view=cases&severity=critical")
    mixed = client.get("/exceptions?view=cases&severity=critical&severity=urgent&sort=colour")
    assert alone.status_code == 200
    assert mixed.status_code == 400
    assert shown_rows(mixed.text) == shown_rows(alone.text), "the list without the bad values"
    said = words(mixed.text)
    assert "severity: “urgent” is not a severity" in said
    assert "sort: “colour” is not a sort order" in said
