"""Every page and endpoint x every role x every scope, and a visitor who is not signed in.

One business (the small demo: company NORDEL, warehouses LDS, MAN and SHF) is stored
and scanned; for each role there is a person limited to LDS (their own warehouse), one
limited to MAN (another warehouse) and one limited to company ACME (another company).
Each route is asked for about a record of LDS, and the answer must be:

- not signed in: ``401`` from the API, a redirect to the login page from a page;
- a role without the route's permission: ``403``;
- a record the person may not see: ``404``, word for word the answer for an id that
  does not exist (guessing ids tells nothing);
- otherwise an answer of the route's own (never ``401``, ``403``, ``404`` or ``5xx``).

Lists are probed too: searching for the LDS record finds it for LDS people and never
for the others. A route the app serves that is missing from :data:`ROUTES` fails the
test, so a new page or endpoint cannot skip the matrix. The command line is not in the
matrix: its commands act with the authority of whoever holds the database's
credentials (docs/people.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import cache
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from controltower.api import action_commands
from controltower.api.scope import resolve_scope
from controltower.bootstrap import create_app
from controltower.domain.actions import ActionType
from controltower.domain.cases import ACTIVE_STATES
from controltower.domain.people import ROLE_PERMISSIONS, Permission, Role
from controltower.settings import Settings
from controltower.storage import tables
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.people import principal_for_token
from controltower.web.action_form_pages import asked_from
from helpers.governed_actions import find_params
from helpers.people import TestPerson, add_test_person
from helpers.scanned_demo import load_scanned_demo

pytestmark = pytest.mark.database

OWN, OTHER = "LDS", "MAN"
OTHER_COMPANY = "ACME"


class Reach(Enum):
    """Who may reach what a route is about."""

    #: anyone, signed in or not
    PUBLIC = "public"
    #: anyone signed in who may see the picture (lists)
    PICTURE = "picture"
    #: anyone signed in, whatever their scope (their own saved views)
    PERSONAL = "personal"
    #: master data (customers, suppliers, products): anyone who may see the picture
    MASTER = "master"
    #: a record at the LDS warehouse
    WAREHOUSE = "warehouse"


@dataclass(frozen=True)
class Route:
    method: str
    #: the path as the app declares it
    template: str
    #: the path asked for (``{order}``, ``{case}``... filled from the business)
    path: str
    permission: Permission | None
    reach: Reach
    json: dict[str, Any] | None = None
    form: dict[str, Any] | None = None
    #: multipart files (with ``form`` for the other fields)
    files: dict[str, Any] | None = None
    #: for a list: a query finding the LDS record, and the text that shows it was found
    probe: tuple[str, str] | None = None

    @property
    def api(self) -> bool:
        return self.template.startswith("/api/")


@dataclass
class Business:
    order: str
    case: str
    customer: str
    supplier: str
    po: str
    sku: str
    people: dict[tuple[Role, str], TestPerson] = field(default_factory=dict)
    #: governed action requests at LDS, by what the matrix does to them (see
    #: :func:`file_requests`), and a file attached to one of them
    actions: dict[str, int] = field(default_factory=dict)
    evidence: int = 0


#: stands for the login of the person asking (taking a case is assigning it to oneself)
ME = "{me}"


def _snooze_until() -> str:
    return (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0).isoformat()


def routes(b: Business) -> list[Route]:
    """The matrix's rows: every route of the app with a request about LDS."""
    view, work, assign = Permission.VIEW, Permission.WORK_CASES, Permission.ASSIGN_CASES
    comment, export = Permission.COMMENT, Permission.EXPORT
    pic, wh, master = Reach.PICTURE, Reach.WAREHOUSE, Reach.MASTER
    case, order = b.case, quote(b.order, safe="")
    rows = [
        Route("GET", "/api/health", "/api/health", None, Reach.PUBLIC),
        Route("GET", "/login", "/login", None, Reach.PUBLIC),
        Route("GET", "/api/pictures", "/api/pictures", view, pic),
        Route(
            "GET",
            "/api/orders",
            "/api/orders",
            view,
            pic,
            probe=(f"q={b.order}", f'"order_id":"{b.order}"'),
        ),
        Route("GET", "/api/orders/{order_id:path}", f"/api/orders/{order}", view, wh),
        Route("GET", "/api/orders/export", "/api/orders/export?format=csv", export, pic),
        Route(
            "GET",
            "/api/exceptions",
            "/api/exceptions",
            view,
            pic,
            probe=(f"q={case}", f'"id":"{case}"'),
        ),
        Route("GET", "/api/exceptions/cases/{case_id}", f"/api/exceptions/cases/{case}", view, wh),
        Route("GET", "/api/exceptions/export", "/api/exceptions/export?format=csv", export, pic),
        Route("GET", "/api/cases", "/api/cases", view, pic, probe=(f"q={case}", f'"id":"{case}"')),
        Route("GET", "/api/cases/{case_id}", f"/api/cases/{case}", view, wh),
        Route("GET", "/api/my-work", "/api/my-work", view, pic),
        Route("GET", "/api/warehouse-work", "/api/warehouse-work", view, pic),
        Route(
            "GET",
            "/api/search",
            "/api/search?q=SO",
            view,
            pic,
            probe=(f"q={b.order}", f"/orders/{order}"),
        ),
        Route("GET", "/api/customers/{code:path}", f"/api/customers/{b.customer}", view, master),
        Route("GET", "/api/suppliers/{code:path}", f"/api/suppliers/{b.supplier}", view, master),
        Route("GET", "/api/products/{sku:path}", f"/api/products/{b.sku}", view, master),
        Route("GET", "/api/purchase-orders/{po_id:path}", f"/api/purchase-orders/{b.po}", view, wh),
        Route("GET", "/api/views", "/api/views", view, Reach.PERSONAL),
        Route(
            "POST",
            "/api/views",
            "/api/views",
            view,
            Reach.PERSONAL,
            json={"page": "exceptions", "name": "critical", "query": "severity=critical"},
        ),
        Route("DELETE", "/api/views/{view_id}", "/api/views/999999", view, Reach.PERSONAL),
        Route(
            "POST",
            "/api/cases/{case_id}/acknowledge",
            f"/api/cases/{case}/acknowledge",
            work,
            wh,
            json={},
        ),
        Route("POST", "/api/cases/{case_id}/start", f"/api/cases/{case}/start", work, wh, json={}),
        Route(
            "POST",
            "/api/cases/{case_id}/comment",
            f"/api/cases/{case}/comment",
            comment,
            wh,
            json={"text": "supplier chased"},
        ),
        Route(
            "POST",
            "/api/cases/{case_id}/assign",
            f"/api/cases/{case}/assign",
            # the first manager of the matrix takes the case; everyone after takes it over
            # from them, which needs the assign permission
            assign,
            wh,
            json={"to": ME},
        ),
        Route(
            "POST",
            "/api/cases/{case_id}/snooze",
            f"/api/cases/{case}/snooze",
            work,
            wh,
            json={"until": _snooze_until(), "reason": "waiting for the supplier"},
        ),
        Route(
            "POST",
            "/api/cases/{case_id}/resolve",
            f"/api/cases/{case}/resolve",
            work,
            wh,
            json={"reason_code": "accepted_risk", "note": "customer informed"},
        ),
        Route(
            "POST", "/api/cases/{case_id}/reopen", f"/api/cases/{case}/reopen", work, wh, json={}
        ),
        Route(
            "POST",
            "/api/cases/bulk",
            "/api/cases/bulk",
            assign,
            pic,
            json={"ids": [case], "action": "acknowledge"},
        ),
        Route("GET", "/", "/", view, pic),
        Route("GET", "/my-work", "/my-work", view, pic),
        Route("GET", "/warehouse-work", "/warehouse-work", view, pic),
        Route(
            "GET", "/orders", "/orders", view, pic, probe=(f"show=all&q={b.order}", f">{b.order}<")
        ),
        Route("GET", "/orders/{order_id:path}", f"/orders/{order}", view, wh),
        Route("GET", "/orders/export.{extension}", "/orders/export.csv", export, pic),
        Route(
            "GET",
            "/exceptions",
            "/exceptions",
            view,
            pic,
            probe=(f"view=cases&q={case}", f'href="/exceptions/cases/{case}'),
        ),
        Route("GET", "/exceptions/cases/{case_id}", f"/exceptions/cases/{case}", view, wh),
        Route("GET", "/exceptions/export.{extension}", "/exceptions/export.xlsx", export, pic),
        Route("GET", "/exceptions/effectiveness", "/exceptions/effectiveness", view, pic),
        Route("GET", "/api/alert-effectiveness", "/api/alert-effectiveness", view, pic),
        Route("GET", "/search", "/search", view, pic),
        Route("GET", "/customers/{code:path}", f"/customers/{b.customer}", view, master),
        Route("GET", "/suppliers/{code:path}", f"/suppliers/{b.supplier}", view, master),
        Route("GET", "/products/{sku:path}", f"/products/{b.sku}", view, master),
        Route("GET", "/purchase-orders/{po_id:path}", f"/purchase-orders/{b.po}", view, wh),
        Route(
            "POST",
            "/exceptions/cases/{case_id}/{action}",
            f"/exceptions/cases/{case}/comment",
            comment,
            wh,
            form={"text": "called the customer"},
        ),
        Route(
            "POST",
            "/exceptions/cases/{case_id}/{action}",
            f"/exceptions/cases/{case}/acknowledge",
            work,
            wh,
            form={},
        ),
        Route(
            "POST",
            "/exceptions/bulk",
            "/exceptions/bulk",
            assign,
            pic,
            form={"ids": [case], "action": "acknowledge"},
        ),
        Route(
            "POST",
            "/views",
            "/views",
            view,
            Reach.PERSONAL,
            form={"page": "orders", "name": "late", "query": "show=at_risk"},
        ),
        Route("POST", "/views/{view_id}/delete", "/views/999999/delete", view, Reach.PERSONAL),
        Route("POST", "/logout", "/logout", view, Reach.PERSONAL, form={}),
        Route("GET", "/api/notifications", "/api/notifications", view, Reach.PERSONAL),
        Route(
            "POST",
            "/api/notifications/{notification_id}/read",
            "/api/notifications/999999/read",
            view,
            Reach.PERSONAL,
            json={},
        ),
        Route(
            "GET",
            "/api/notifications/dead",
            "/api/notifications/dead",
            Permission.MANAGE_PEOPLE,
            Reach.PERSONAL,
        ),
        Route("GET", "/notifications", "/notifications", view, Reach.PERSONAL),
        Route(
            "POST",
            "/notifications/{notification_id}/read",
            "/notifications/999999/read",
            view,
            Reach.PERSONAL,
            form={},
        ),
        Route(
            "GET",
            "/admin/notifications/dead-letters",
            "/admin/notifications/dead-letters",
            Permission.MANAGE_PEOPLE,
            Reach.PERSONAL,
        ),
        # the audit trail: whatever its reader's scope lets them see (empty for some)
        Route("GET", "/api/audit", "/api/audit", Permission.VIEW_AUDIT, Reach.PERSONAL),
        Route("GET", "/audit", "/audit", Permission.VIEW_AUDIT, Reach.PERSONAL),
        *action_routes(b),
        *action_page_routes(b),
    ]
    return rows


def action_routes(b: Business) -> list[Route]:
    """The governed actions' endpoints and their evidence (see :func:`file_requests`).

    Asking for an action is about the picture: a person who cannot see LDS is answered
    422 (outside what they may act on), not 404. The LDS people decide in the matrix's
    order: the executive gives the first of two approvals, the manager the second (which
    executes the request), everyone after finds it decided (409); the first to reject
    decides that request; the LDS manager, who asked for the cancel target, cancels it.
    """
    request, approve = Permission.REQUEST_ACTIONS, Permission.APPROVE_ACTIONS
    view, work = Permission.VIEW, Permission.WORK_CASES
    pic, wh = Reach.PICTURE, Reach.WAREHOUSE
    read, case = b.actions["read"], b.case
    asked = {"type": "change_promised_date", "params": _params_at_lds()["read"]}
    upload = {"file": ("claim.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}
    return [
        Route("POST", "/api/actions/preview", "/api/actions/preview", request, pic, json=asked),
        Route(
            "POST",
            "/api/actions",
            "/api/actions",
            request,
            pic,
            json={**asked, "reason_code": "customer_request", "note": "asked by phone"},
        ),
        Route(
            "GET",
            "/api/actions",
            "/api/actions",
            view,
            pic,
            probe=("page_size=100", f'"id":{read},'),
        ),
        Route("GET", "/api/actions/{action_id}", f"/api/actions/{read}", view, wh),
        Route(
            "POST",
            "/api/actions/{action_id}/approve",
            f"/api/actions/{b.actions['approve']}/approve",
            approve,
            wh,
            json={"note": "counted again"},
        ),
        Route(
            "POST",
            "/api/actions/{action_id}/reject",
            f"/api/actions/{b.actions['reject']}/reject",
            approve,
            wh,
            json={"note": "count it again"},
        ),
        Route(
            "POST",
            "/api/actions/{action_id}/cancel",
            f"/api/actions/{b.actions['cancel']}/cancel",
            request,
            wh,
        ),
        Route(
            "POST",
            "/api/actions/{action_id}/evidence",
            f"/api/actions/{read}/evidence",
            request,
            wh,
            form={"kind": "claim"},
            files=upload,
        ),
        Route(
            "GET", "/api/actions/{action_id}/evidence", f"/api/actions/{read}/evidence", view, wh
        ),
        Route(
            "POST",
            "/api/cases/{case_id}/evidence",
            f"/api/cases/{case}/evidence",
            work,
            wh,
            form={"kind": "photo"},
            files=upload,
        ),
        Route("GET", "/api/cases/{case_id}/evidence", f"/api/cases/{case}/evidence", view, wh),
        Route("GET", "/api/evidence/{link_id}", f"/api/evidence/{b.evidence}", view, wh),
    ]


def action_page_routes(b: Business) -> list[Route]:
    """The governed actions' pages and their forms (sent with a bearer token, which needs
    no CSRF token). They follow the API's rows, so the requests they decide are decided
    by then: the decisions answer 409, the pages' own answer, to whoever may decide."""
    request, approve, view = (
        Permission.REQUEST_ACTIONS,
        Permission.APPROVE_ACTIONS,
        Permission.VIEW,
    )
    pic, wh = Reach.PICTURE, Reach.WAREHOUSE
    read = b.actions["read"]
    params = _params_at_lds()["read"]
    form = {"type": ActionType.CHANGE_PROMISED_DATE.value, **params}
    previewed = asked_from(ActionType.CHANGE_PROMISED_DATE, params).fingerprint()
    upload = {"file": ("claim.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}
    decide = "/actions/{action_id}/{decision}"
    return [
        Route(
            "GET",
            "/actions",
            "/actions?show=all",
            view,
            pic,
            probe=("show=all", f'data-action-id="{read}"'),
        ),
        Route("GET", "/actions/new", "/actions/new?type=change_promised_date", request, pic),
        Route("GET", "/actions/{action_id}", f"/actions/{read}", view, wh),
        Route("POST", "/actions/preview", "/actions/preview", request, pic, form=form),
        Route(
            "POST",
            "/actions",
            "/actions",
            request,
            pic,
            form={**form, "previewed": previewed, "reason_code": "customer_request", "note": "x"},
        ),
        Route("POST", decide, f"/actions/{b.actions['approve']}/approve", approve, wh, form={}),
        Route("POST", decide, f"/actions/{b.actions['cancel']}/cancel", request, wh, form={}),
        Route(
            "POST",
            "/actions/{action_id}/evidence",
            f"/actions/{read}/evidence",
            request,
            wh,
            form={"kind": "claim"},
            files=upload,
        ),
    ]


@cache
def _params_at_lds() -> dict[str, dict[str, Any]]:
    """Parameters of requests at LDS: one awaiting a manager, one awaiting two approvals
    (a manager's and an executive's) and a count sheet."""
    return {
        "read": find_params(ActionType.CHANGE_PROMISED_DATE, approvals=1, warehouse=OWN),
        "count": find_params(ActionType.ADJUST_INVENTORY, approvals=2, warehouse=OWN),
    }


def file_requests(database_url: str, business: Business) -> None:
    """Ask for the requests the matrix acts on, at LDS, through the service: ``read``
    (read, listed, given evidence), ``approve`` (its count sheet attached: the file the
    matrix downloads), ``reject``, and ``cancel`` (asked for by the LDS manager). The
    others are asked for by a manager who is not in the matrix, so nobody in it decides
    their own request."""
    requester = add_test_person(database_url, "requester", role=Role.MANAGER, warehouses=[OWN])
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    params = _params_at_lds()
    asked = [
        ("read", requester, ActionType.CHANGE_PROMISED_DATE, params["read"]),
        ("approve", requester, ActionType.ADJUST_INVENTORY, params["count"]),
        ("reject", requester, ActionType.ADJUST_INVENTORY, params["count"]),
        (
            "cancel",
            business.people[(Role.MANAGER, OWN)],
            ActionType.CHANGE_PROMISED_DATE,
            params["read"],
        ),
    ]
    try:
        with make_session_factory(engine)() as session:
            for name, person, kind, values in asked:
                principal = principal_for_token(session, person.token)
                assert principal is not None
                scope = resolve_scope(session, None, principal)
                business.actions[name] = action_commands.request_action(
                    session, scope, principal, kind.value, values, reason_code="cycle_count",
                    note="counted", now=now, request_id=None,
                ).id  # fmt: skip
                if name == "approve":
                    business.evidence = action_commands.attach_file(
                        session, scope, principal, business.actions[name], kind="count_sheet",
                        filename="count.csv", content=b"sku,qty\nA,1\n", now=now,
                        request_id=None, max_bytes=1024,
                    ).id  # fmt: skip
    finally:
        engine.dispose()


#: routes served as files or documentation, outside the matrix
UNGUARDED = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/static-offline-docs"}
#: answered by the login form tests (tests/integration/web/test_sign_in.py)
SIGN_IN = {("POST", "/login")}


def served_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves, through its included routers."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is None:
            path = getattr(route, "path", "")
            methods = getattr(route, "methods", None) or set()
            found.update((m, path) for m in methods if m != "HEAD")
            continue
        for context in contexts() if callable(contexts) else contexts:
            found.update((m, context.path) for m in context.methods or () if m != "HEAD")
    return found


@pytest.fixture
def business(migrated_database_url: str) -> Business:
    load_scanned_demo(migrated_database_url)
    engine = make_engine(migrated_database_url)
    with engine.connect() as connection:
        risk, cases = tables.order_risk, tables.exception_cases
        order = connection.execute(
            sa.select(risk.c.order_id, risk.c.customer).where(risk.c.warehouse == OWN).limit(1)
        ).one()
        case = connection.execute(
            sa.select(cases.c.id, cases.c.entities)
            .where(cases.c.warehouse == OWN, cases.c.state.in_(sorted(ACTIVE_STATES)))
            .order_by(cases.c.id)
            .limit(1)
        ).one()
        po = connection.execute(
            sa.select(tables.purchase_orders.c.po_id, tables.purchase_orders.c.supplier)
            .where(tables.purchase_orders.c.warehouse == OWN)
            .limit(1)
        ).one()
        sku = connection.execute(sa.select(tables.products.c.sku).limit(1)).scalar_one()
    engine.dispose()
    found = Business(
        order=order.order_id,
        case=case.id,
        customer=order.customer,
        supplier=po.supplier,
        po=po.po_id,
        sku=sku,
    )
    assert json.loads(case.entities) is not None
    for role in Role:
        for scope in (OWN, OTHER, OTHER_COMPANY):
            login = f"{role.value}.{scope.lower()}"
            found.people[(role, scope)] = add_test_person(
                migrated_database_url,
                login,
                role=role,
                companies=[scope] if scope == OTHER_COMPANY else [],
                warehouses=[] if scope == OTHER_COMPANY else [scope],
            )
    file_requests(migrated_database_url, found)
    return found


@pytest.fixture
def client(migrated_database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(DATABASE_URL=migrated_database_url))
    try:
        with TestClient(app, follow_redirects=False) as test_client:
            yield test_client
    finally:
        app.state.engine.dispose()


def ask(
    client: TestClient, route: Route, person: TestPerson | None, path: str | None = None
) -> Any:
    headers = {"Authorization": f"Bearer {person.token}"} if person is not None else {}
    body = route.json
    if body is not None and person is not None:
        body = {k: person.login if v == ME else v for k, v in body.items()}
    return client.request(
        route.method,
        path or route.path,
        headers=headers,
        json=body,
        data=route.form,
        files=route.files,
    )


def expected(route: Route, role: Role, scope: str) -> set[int] | None:
    """The statuses allowed for ``role`` limited to ``scope`` (None: any of the route's own)."""
    if route.permission is not None and route.permission not in ROLE_PERMISSIONS[role]:
        # a record the person cannot see may be answered as missing before the permission
        # is looked at: either way nothing is revealed
        visible = (
            route.reach is Reach.PUBLIC
            or scope == OWN
            or (route.reach in (Reach.MASTER, Reach.PICTURE) and scope != OTHER_COMPANY)
        )
        return {403} if visible else {403, 404}
    if route.reach is Reach.WAREHOUSE and scope != OWN:
        return {404}
    if route.reach is Reach.MASTER and scope == OTHER_COMPANY:
        return {404}
    if route.reach is Reach.PICTURE and scope == OTHER_COMPANY:
        return {200, 303, 404}
    return None


def verdict(route: Route, status: int, allowed: set[int] | None) -> str | None:
    if allowed is not None:
        return None if status in allowed else f"{status}, expected {sorted(allowed)}"
    if status in (401, 403) or status >= 500:
        return f"{status}, expected the route's own answer"
    if status == 404 and route.reach in (Reach.WAREHOUSE, Reach.MASTER, Reach.PICTURE):
        return "404 for a record the person may see"
    return None


def test_every_served_route_is_in_the_matrix(client: TestClient, business: Business) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    declared = {(r.method, r.template) for r in routes(business)}
    served = {
        (method, path) for method, path in served_routes(app) if path not in UNGUARDED
    } - SIGN_IN
    guarded = {p for p in served if not p[1].startswith("/static")}
    assert guarded <= declared, f"routes missing from the matrix: {sorted(guarded - declared)}"
    assert declared <= served, (
        f"the matrix names routes the app does not serve: {sorted(declared - served)}"
    )


def test_nobody_reaches_anything_without_signing_in(client: TestClient, business: Business) -> None:
    wrong = []
    for route in routes(business):
        if route.reach is Reach.PUBLIC and route.permission is None:
            continue
        response = ask(client, route, None)
        if route.api and response.status_code != 401:
            wrong.append(f"{route.method} {route.path}: {response.status_code}, expected 401")
        if not route.api and (
            response.status_code != 303 or not response.headers["location"].startswith("/login")
        ):
            wrong.append(
                f"{route.method} {route.path}: {response.status_code}, expected the login page"
            )
    assert not wrong, "\n".join(wrong)


def test_every_route_answers_each_role_and_scope_as_the_matrix_says(
    client: TestClient, business: Business
) -> None:
    wrong = []
    for route in routes(business):
        for (role, scope), person in business.people.items():
            response = ask(client, route, person)
            problem = verdict(route, response.status_code, expected(route, role, scope))
            if problem is not None:
                wrong.append(f"{route.method} {route.path} as {role} at {scope}: {problem}")
    assert not wrong, "\n".join(wrong)


def test_lists_never_show_a_record_out_of_scope(client: TestClient, business: Business) -> None:
    wrong = []
    for route in routes(business):
        if route.probe is None:
            continue
        query, shows = route.probe
        for (role, scope), person in business.people.items():
            base = route.path.split("?")[0]
            response = ask(client, route, person, f"{base}?{query}")
            found = response.status_code == 200 and shows in response.text
            if found != (scope == OWN):
                wrong.append(
                    f"{route.path}?{query} as {role} at {scope}: "
                    f"{'shows' if found else 'does not show'} the LDS record"
                )
    assert not wrong, "\n".join(wrong)


def test_a_record_out_of_scope_answers_exactly_as_a_missing_one(
    client: TestClient, business: Business
) -> None:
    person = business.people[(Role.MANAGER, OTHER)]
    headers = {"Authorization": f"Bearer {person.token}"}
    pairs = [
        (
            f"/api/cases/{business.case}",
            "/api/cases/CASE-0000000000000000",
            business.case,
            "CASE-0000000000000000",
        ),
        (f"/api/orders/{business.order}", "/api/orders/SO-NOPE", business.order, "SO-NOPE"),
        (
            f"/api/purchase-orders/{business.po}",
            "/api/purchase-orders/PO-NOPE",
            business.po,
            "PO-NOPE",
        ),
        (
            f"/api/actions/{business.actions['read']}",
            "/api/actions/999999",
            str(business.actions["read"]),
            "999999",
        ),
        (
            f"/api/evidence/{business.evidence}",
            "/api/evidence/999999",
            str(business.evidence),
            "999999",
        ),
    ]
    for hidden, missing, hidden_id, missing_id in pairs:
        out_of_scope = client.get(hidden, headers=headers)
        absent = client.get(missing, headers=headers)
        assert out_of_scope.status_code == absent.status_code == 404
        assert out_of_scope.text.replace(hidden_id, "ID") == absent.text.replace(missing_id, "ID")
