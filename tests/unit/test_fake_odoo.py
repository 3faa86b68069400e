"""The fake Odoo honours the external-API contract the connector is built against.

The connector's own tests trust this server, so it is checked here over real HTTP:
domains, error shapes on both protocols, version differences in ``fields_get``,
keyset paging, injected failures and field-level access rules.
"""

from __future__ import annotations

import http.client
import json
import threading
import urllib.error
import urllib.request
import xmlrpc.client
from datetime import datetime
from typing import Any

import pytest

from fake_odoo import FakeOdoo
from fake_odoo.business import Business, seed_business
from helpers.odoo_server import odoo as odoo

KEY = "key-123"


@pytest.fixture
def uid(odoo: FakeOdoo) -> int:
    return odoo.add_user("ct", password="pw", api_key=KEY)


@pytest.fixture
def biz(odoo: FakeOdoo) -> Business:
    return seed_business(odoo)


def post_json(
    odoo: FakeOdoo, payload: Any, content_type: str = "application/json"
) -> tuple[int, bytes]:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    req = urllib.request.Request(
        odoo.url + "/jsonrpc", data=data, headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return int(resp.status), bytes(resp.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), bytes(exc.read())


def rpc(odoo: FakeOdoo, service: str, method: str, *args: Any) -> dict[str, Any]:
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 7,
        "params": {"service": service, "method": method, "args": list(args)},
    }
    status, body = post_json(odoo, payload)
    assert status == 200
    answer: dict[str, Any] = json.loads(body)
    assert answer["id"] == 7
    return answer


def call(
    odoo: FakeOdoo,
    uid: int,
    model: str,
    method: str,
    args: list[Any],
    kw: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return rpc(odoo, "object", "execute_kw", odoo.db, uid, KEY, model, method, args, kw or {})


def ok(answer: dict[str, Any]) -> Any:
    assert "error" not in answer, answer.get("error")
    return answer.get("result")


def error(answer: dict[str, Any]) -> dict[str, Any]:
    assert "result" not in answer
    err: dict[str, Any] = answer["error"]
    assert err["code"] == 200
    assert err["message"] == "Odoo Server Error"
    assert set(err["data"]) == {"name", "message", "arguments", "context", "debug"}
    data: dict[str, Any] = err["data"]
    return data


def proxy(
    odoo: FakeOdoo, service: str = "object", legacy: bool = False
) -> xmlrpc.client.ServerProxy:
    prefix = "/xmlrpc/" if legacy else "/xmlrpc/2/"
    return xmlrpc.client.ServerProxy(odoo.url + prefix + service, allow_none=False)


def names(odoo: FakeOdoo, model: str, domain: list[Any], **kw: Any) -> list[str]:
    ids = odoo.search(model, domain, **kw)
    return [str(r["name"]) for r in odoo.read(model, ids, ["name"])]


# ---------------------------------------------------------------------------- domains


def test_prefix_operators_and_implicit_and(odoo: FakeOdoo) -> None:
    for name, ref in (("Ann", "A1"), ("Bob", "B1"), ("Cid", False)):
        odoo.create("res.partner", {"name": name, "ref": ref, "is_company": True})
    assert names(
        odoo, "res.partner", ["|", ("name", "=", "Ann"), ("name", "=", "Bob")], order="name"
    ) == ["Ann", "Bob"]
    assert "Ann" not in names(odoo, "res.partner", ["!", ("name", "=", "Ann")])
    both = ["&", "|", ("name", "=", "Ann"), ("name", "=", "Bob"), ("ref", "=", "B1")]
    assert names(odoo, "res.partner", both) == ["Bob"]
    assert names(
        odoo, "res.partner", [("is_company", "=", True), ("ref", "like", "1")], order="name"
    ) == ["Ann", "Bob"]
    assert names(
        odoo,
        "res.partner",
        [
            "|",
            "!",
            ("ref", "!=", False),
            ("name", "=", "Ann"),
            ("name", "in", ["Ann", "Bob", "Cid"]),
        ],
        order="name",
    ) == ["Ann", "Cid"]


def test_null_semantics_follow_sql(odoo: FakeOdoo) -> None:
    odoo.create("res.partner", {"name": "WithRef", "ref": "X"})
    odoo.create("res.partner", {"name": "NoRef"})
    found = names(odoo, "res.partner", [("ref", "!=", "X"), ("name", "in", ["WithRef", "NoRef"])])
    assert found == ["NoRef"]  # != also matches unset values
    assert names(odoo, "res.partner", [("ref", "=", False), ("name", "=like", "%Ref")]) == ["NoRef"]
    assert names(
        odoo, "res.partner", [("ref", "in", [False, "X"]), ("name", "ilike", "ref")], order="id"
    ) == ["WithRef", "NoRef"]
    assert names(odoo, "res.partner", [("ref", ">", "A"), ("name", "ilike", "ref")]) == ["WithRef"]


def test_dotted_paths_child_of_and_parent_of(odoo: FakeOdoo, biz: Business) -> None:
    wh_quants = odoo.search("stock.quant", [("location_id", "child_of", biz.view_locations["WH"])])
    quality = odoo.search("stock.quant", [("location_id.complete_name", "ilike", "Quality")])
    assert quality == [biz.quants["WH/Quality/widget"]]
    assert set(quality) < set(wh_quants)
    assert biz.quants["EAST/widget"] not in wh_quants
    internal = odoo.search("stock.quant", [("location_id.usage", "in", ["internal", "transit"])])
    assert len(internal) == len(biz.quants)
    family = odoo.search("res.partner", [("id", "child_of", biz.customers["with_contact"])])
    assert family == [biz.customers["with_contact"], biz.contact_id]
    parents = odoo.search(
        "stock.location", [("id", "parent_of", biz.quality_location_id)], active_test=False
    )
    assert biz.stock_locations["WH"] in parents
    assert biz.view_locations["WH"] in parents
    strategic = odoo.search("sale.order", [("partner_id.category_id.name", "=", "Strategic")])
    assert biz.sale_orders["acme"] in strategic
    by_commercial = odoo.search(
        "sale.order", [("partner_id.commercial_partner_id", "=", biz.customers["with_contact"])]
    )
    assert by_commercial == [biz.sale_orders["contact"]]


def test_datetime_compared_with_a_date_covers_the_whole_day(odoo: FakeOdoo, biz: Business) -> None:
    on_day = odoo.search("sale.order", [("commitment_date", "<=", "2026-12-01")])
    assert biz.sale_orders["acme"] in on_day
    assert biz.sale_orders["acme"] not in odoo.search(
        "sale.order", [("commitment_date", ">", "2026-12-01")]
    )


def test_domain_errors_over_rpc(odoo: FakeOdoo, uid: int) -> None:
    data = error(
        call(odoo, uid, "sale.order", "search_read", [[("nope", "=", 1)]], {"fields": ["name"]})
    )
    assert data["name"] == "builtins.ValueError"
    assert data["message"] == "Invalid field 'nope' on model 'sale.order'"
    data = error(call(odoo, uid, "sale.order", "search", [[("expected_date", "<", "2026-01-01")]]))
    assert data["name"] == "builtins.ValueError"
    assert "expected_date" in data["message"]
    data = error(call(odoo, uid, "sale.order", "search", [[("name", "~", "x")]]))
    assert data["name"] == "builtins.ValueError"
    data = error(call(odoo, uid, "sale.order", "search", [["&", ("name", "=", "x")]]))
    assert data["name"] == "builtins.ValueError"
    data = error(call(odoo, uid, "sale.order", "search", [[]], {"order": "expected_date asc"}))
    assert data["name"] == "builtins.ValueError"


def test_archived_rows_hidden_unless_active_test_false(odoo: FakeOdoo, uid: int) -> None:
    pid = odoo.create("res.partner", {"name": "Gone", "active": False})
    assert ok(call(odoo, uid, "res.partner", "search", [[("name", "=", "Gone")]])) == []
    found = call(
        odoo,
        uid,
        "res.partner",
        "search",
        [[("name", "=", "Gone")]],
        {"context": {"active_test": False}},
    )
    assert ok(found) == [pid]
    assert ok(
        call(odoo, uid, "res.partner", "search", [[("name", "=", "Gone"), ("active", "=", False)]])
    ) == [pid]


# ---------------------------------------------------------------------------- read format


def test_read_format(odoo: FakeOdoo, uid: int, biz: Business) -> None:
    rows = ok(
        call(
            odoo,
            uid,
            "sale.order",
            "read",
            [
                [biz.sale_orders["contact"]],
                [
                    "partner_id",
                    "commitment_date",
                    "tag_ids",
                    "order_line",
                    "expected_date",
                    "date_order",
                ],
            ],
        )
    )
    (order,) = rows
    assert order["partner_id"] == [biz.contact_id, "Corner Shop Co, Carla Corner"]
    assert order["commitment_date"] is False
    assert order["tag_ids"] == []
    assert len(order["order_line"]) == 2
    assert (
        order["expected_date"] == "2026-11-24 14:00:00"
    )  # picking policy 'one': the longest lead, 7 days
    assert order["date_order"] == "2026-11-17 14:00:00"
    product = ok(
        call(
            odoo,
            uid,
            "product.product",
            "read",
            [biz.products["widget"], ["display_name", "default_code"]],
        )
    )
    assert product == [
        {
            "id": biz.products["widget"],
            "display_name": "[WID-001] Widget",
            "default_code": "WID-001",
        }
    ]
    nocode = ok(
        call(odoo, uid, "product.product", "read", [[biz.products["nocode"]], ["default_code"]])
    )
    assert nocode[0]["default_code"] is False


def test_missing_record_and_dangling_many2one(odoo: FakeOdoo, uid: int, biz: Business) -> None:
    data = error(call(odoo, uid, "sale.order", "read", [[99999], ["name"]]))
    assert data["name"] == "odoo.exceptions.MissingError"
    assert data["message"].startswith("Record does not exist or has been deleted.")
    odoo.unlink("product.product", biz.products["dup_b"], clean=False)
    quant = biz.quants["WH/dup_b"]
    data = error(call(odoo, uid, "stock.quant", "read", [[quant], ["product_id"]]))
    assert data["name"] == "odoo.exceptions.MissingError"


# ---------------------------------------------------------------------------- errors and envelopes


def test_auth_and_common_service(odoo: FakeOdoo, uid: int) -> None:
    version = ok(rpc(odoo, "common", "version"))
    assert version["server_serie"] == odoo.version
    assert version["protocol_version"] == 1
    assert version["server_version_info"][0] == int(odoo.version[:2])
    assert ok(rpc(odoo, "common", "login", odoo.db, "ct", "pw")) == uid
    assert ok(rpc(odoo, "common", "login", odoo.db, "ct", "wrong")) is False
    assert ok(rpc(odoo, "common", "authenticate", odoo.db, "ct", KEY, {})) == uid
    assert (
        error(rpc(odoo, "common", "authenticate", odoo.db, "ct", "bad", {}))["name"]
        == "odoo.exceptions.AccessDenied"
    )
    assert (
        error(rpc(odoo, "common", "authenticate", "other", "ct", KEY, {}))["name"]
        == "odoo.exceptions.AccessDenied"
    )
    denied = rpc(
        odoo, "object", "execute_kw", odoo.db, uid, "bad", "res.partner", "search", [[]], {}
    )
    assert error(denied)["name"] == "odoo.exceptions.AccessDenied"
    with urllib.request.urlopen(odoo.url + "/web/version", timeout=5) as resp:
        assert json.loads(resp.read())["version"] == odoo.version


def test_object_service_error_names(odoo: FakeOdoo, uid: int) -> None:
    assert (
        error(call(odoo, uid, "no.such.model", "search", [[]]))["name"]
        == "odoo.exceptions.UserError"
    )
    assert (
        error(call(odoo, uid, "no.such.model", "search", [[]]))["message"]
        == "Object no.such.model doesn't exist"
    )
    assert (
        error(call(odoo, uid, "res.partner", "_read", [[]]))["name"]
        == "odoo.exceptions.AccessError"
    )
    assert (
        error(call(odoo, uid, "res.partner", "frobnicate", [[]]))["name"]
        == "builtins.AttributeError"
    )
    other = rpc(odoo, "object", "exec_workflow", odoo.db, uid, KEY)
    assert error(other)["name"] == "builtins.NameError"
    missing = error(call(odoo, uid, "sale.order", "create", [{"state": "draft"}]))
    assert missing["name"] == "odoo.exceptions.ValidationError"
    assert "partner_id" in missing["message"]


def test_invalid_payloads_are_http_400(odoo: FakeOdoo) -> None:
    assert post_json(odoo, b"{not json")[0] == 400
    assert post_json(odoo, {"jsonrpc": "2.0", "id": 1, "params": [1, 2]})[0] == 400
    assert post_json(odoo, {"params": {}}, content_type="text/plain")[0] == 400


def test_none_result_has_no_result_key_and_faults_over_xmlrpc(
    odoo: FakeOdoo, uid: int, biz: Business
) -> None:
    answer = call(odoo, uid, "sale.order", "action_lock", [[biz.sale_orders["acme"]]])
    assert "result" not in answer
    assert "error" not in answer
    assert odoo.record("sale.order", biz.sale_orders["acme"])["locked"] is True
    with pytest.raises(xmlrpc.client.Fault) as fault:
        proxy(odoo).execute_kw(
            odoo.db, uid, KEY, "sale.order", "action_unlock", [[biz.sale_orders["acme"]]]
        )
    assert fault.value.faultCode == 1
    assert "cannot marshal None" in fault.value.faultString


def test_xmlrpc_fault_codes(odoo: FakeOdoo, uid: int) -> None:
    common = proxy(odoo, "common")
    version: Any = common.version()
    assert version["server_serie"] == odoo.version
    assert common.authenticate(odoo.db, "ct", KEY, {}) == uid
    obj = proxy(odoo)
    odoo.deny_field("res.partner", "credit_limit")
    cases: list[tuple[Any, int, str]] = [
        (
            lambda: obj.execute_kw(odoo.db, uid, "bad", "res.partner", "search", [[]]),
            3,
            "Access Denied",
        ),
        (
            lambda: obj.execute_kw(
                odoo.db, uid, KEY, "res.partner", "read", [[1], ["credit_limit"]]
            ),
            4,
            '"credit_limit"',
        ),
        (
            lambda: obj.execute_kw(odoo.db, uid, KEY, "nope.model", "search", [[]]),
            2,
            "doesn't exist",
        ),
        (
            lambda: obj.execute_kw(odoo.db, uid, KEY, "res.partner", "read", [[9999], ["name"]]),
            2,
            "does not exist",
        ),
        (
            lambda: obj.execute_kw(odoo.db, uid, KEY, "crm.tag", "create", [{}]),
            2,
            "mandatory field",
        ),
        (
            lambda: obj.execute_kw(odoo.db, uid, KEY, "res.partner", "search", [[("x", "=", 1)]]),
            1,
            "ValueError: Invalid field 'x'",
        ),
    ]
    for action, code, text in cases:
        with pytest.raises(xmlrpc.client.Fault) as fault:
            action()
        assert fault.value.faultCode == code
        assert text in fault.value.faultString
    traceback_fault = cases[-1]
    with pytest.raises(xmlrpc.client.Fault) as fault:
        traceback_fault[0]()
    assert fault.value.faultString.startswith("Traceback (most recent call last)")


def test_legacy_xmlrpc_string_fault_codes(odoo: FakeOdoo, uid: int) -> None:
    obj = proxy(odoo, legacy=True)
    with pytest.raises(xmlrpc.client.Fault) as fault:
        obj.execute_kw(odoo.db, uid, "bad", "res.partner", "search", [[]])
    assert str(fault.value.faultCode) == "AccessDenied"
    odoo.deny_model("res.partner", "read")
    with pytest.raises(xmlrpc.client.Fault) as fault:
        obj.execute_kw(odoo.db, uid, KEY, "res.partner", "search", [[]])
    assert str(fault.value.faultCode).startswith("warning -- AccessError\n\n")


# ---------------------------------------------------------------------------- versions


def test_fields_get_differs_between_17_and_18() -> None:
    attrs = ["type", "string", "selection", "store", "relation", "required"]
    schemas: dict[str, dict[str, dict[str, Any]]] = {}
    for version in ("17.0", "18.0"):
        with FakeOdoo(version=version) as odoo:
            uid = odoo.add_user("ct", api_key=KEY)
            schemas[version] = {
                model: ok(call(odoo, uid, model, "fields_get", [], {"attributes": attrs}))
                for model in (
                    "product.product",
                    "sale.order",
                    "sale.order.line",
                    "purchase.order",
                    "account.move",
                )
            }
    v17, v18 = schemas["17.0"], schemas["18.0"]
    assert [k for k, _ in v17["product.product"]["type"]["selection"]] == [
        "consu",
        "service",
        "product",
    ]
    assert [k for k, _ in v18["product.product"]["type"]["selection"]] == [
        "consu",
        "service",
        "combo",
    ]
    assert "is_storable" not in v17["product.product"]
    assert v18["product.product"]["is_storable"]["type"] == "boolean"
    for schema in (v17, v18):
        assert schema["sale.order.line"]["product_uom"]["relation"] == "uom.uom"
        assert "done" in [k for k, _ in schema["purchase.order"]["state"]["selection"]]
        assert "mail_reminder_confirmed" in schema["purchase.order"]
        assert schema["sale.order"]["expected_date"]["store"] is False
        assert set(schema["sale.order"]["partner_id"]) == set(attrs) - {"selection"}
    assert "started" not in [k for k, _ in v17["sale.order"]["delivery_status"]["selection"]]
    assert "started" in [k for k, _ in v18["sale.order"]["delivery_status"]["selection"]]
    assert "blocked" not in [k for k, _ in v17["account.move"]["payment_state"]["selection"]]
    assert "blocked" in [k for k, _ in v18["account.move"]["payment_state"]["selection"]]


def test_version_19_renames_line_uom_and_drops_purchase_done() -> None:
    with FakeOdoo(version="19.0") as odoo:
        uid = odoo.add_user("ct", api_key=KEY)
        line = ok(call(odoo, uid, "sale.order.line", "fields_get", [], {"attributes": ["type"]}))
        po = ok(call(odoo, uid, "purchase.order", "fields_get", [], {"attributes": ["selection"]}))
    assert "product_uom_id" in line
    assert "product_uom" not in line
    assert "done" not in [k for k, _ in po["state"]["selection"]]
    assert "locked" in po


# ---------------------------------------------------------------------------- paging


def test_keyset_paging_with_shared_write_date(odoo: FakeOdoo, uid: int) -> None:
    odoo.now = datetime(2026, 12, 5, 9, 0, 0)
    created = odoo.create_many("crm.tag", [{"name": f"T{i:02d}"} for i in range(25)])
    seen: list[int] = []
    last = 0
    while True:
        page = ok(
            call(
                odoo,
                uid,
                "crm.tag",
                "search_read",
                [[("id", ">", last)]],
                {"fields": ["name", "write_date"], "order": "id asc", "limit": 10},
            )
        )
        seen += [r["id"] for r in page]
        if len(page) < 10:
            break
        last = page[-1]["id"]
    assert seen == created
    assert {r["write_date"] for r in odoo.read("crm.tag", created, ["write_date"])} == {
        "2026-12-05 09:00:00"
    }
    odoo.tick(seconds=1)
    odoo.write("crm.tag", created[3], {"name": "changed"})
    since = ok(
        call(
            odoo,
            uid,
            "crm.tag",
            "search_read",
            [[("write_date", ">=", "2026-12-05 09:00:01")]],
            {"fields": ["name"], "order": "write_date asc, id asc"},
        )
    )
    assert [r["id"] for r in since] == [created[3]]
    ordered = ok(
        call(
            odoo,
            uid,
            "crm.tag",
            "search",
            [[]],
            {"order": "write_date desc, id asc", "limit": 2, "offset": 0},
        )
    )
    assert ordered == [created[3], created[0]]
    assert ok(call(odoo, uid, "crm.tag", "search_count", [[("name", "like", "T")]])) == 24
    logged = [r for r in odoo.requests if r.method == "search_read"]
    assert [r.returned_records for r in logged][:3] == [10, 10, 5]


# ---------------------------------------------------------------------------- failures and access


def test_fail_next_http_statuses_then_recovery(odoo: FakeOdoo) -> None:
    odoo.fail_next(2, "503")
    odoo.fail_next(1, "502")
    statuses = [
        post_json(
            odoo,
            {
                "jsonrpc": "2.0",
                "id": 1,
                "params": {"service": "common", "method": "version", "args": []},
            },
        )[0]
        for _ in range(4)
    ]
    assert statuses == [503, 503, 502, 200]
    assert [r.failure for r in odoo.requests] == ["503", "503", "502", None]
    odoo.fail_next(3, "504")
    odoo.clear_failures()
    assert odoo.pending_failures == 0


def test_fail_next_reset_closes_without_answer(odoo: FakeOdoo) -> None:
    odoo.fail_next(1, "reset")
    host, port = odoo.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "params": {"service": "common", "method": "version", "args": []},
        }
    )
    conn.request("POST", "/jsonrpc", body=body, headers={"Content-Type": "application/json"})
    with pytest.raises((ConnectionError, http.client.BadStatusLine)):
        conn.getresponse()
    conn.close()
    assert ok(rpc(odoo, "common", "version"))["server_serie"] == odoo.version


def test_fail_next_serialization_on_both_protocols(odoo: FakeOdoo, uid: int) -> None:
    odoo.fail_next(1, "serialization")
    data = error(call(odoo, uid, "res.partner", "search", [[]]))
    assert data["name"] == "psycopg2.errors.SerializationFailure"
    assert "could not serialize access" in data["message"]
    odoo.fail_next(1, "serialization")
    with pytest.raises(xmlrpc.client.Fault) as fault:
        proxy(odoo).execute_kw(odoo.db, uid, KEY, "res.partner", "search", [[]])
    assert fault.value.faultCode == 1
    assert "SerializationFailure" in fault.value.faultString
    assert isinstance(ok(call(odoo, uid, "res.partner", "search", [[]])), list)


def test_deny_field(odoo: FakeOdoo, uid: int) -> None:
    odoo.deny_field("res.partner", "credit_limit")
    data = error(call(odoo, uid, "res.partner", "read", [[1], ["name", "credit_limit"]]))
    assert data["name"] == "odoo.exceptions.AccessError"
    assert '"credit_limit" on Contact (res.partner)' in data["message"]
    assert (
        error(call(odoo, uid, "res.partner", "search", [[("credit_limit", ">", 0)]]))["name"]
        == "odoo.exceptions.AccessError"
    )
    rows = ok(call(odoo, uid, "res.partner", "search_read", [[("id", "=", 1)]]))
    assert "credit_limit" not in rows[0]
    assert "name" in rows[0]
    assert "credit_limit" not in ok(
        call(odoo, uid, "res.partner", "fields_get", [], {"attributes": ["type"]})
    )
    assert (
        odoo.read("res.partner", 1, ["credit_limit"])[0]["credit_limit"] == 0.0
    )  # the harness is superuser


def test_deny_model_and_installed_modules(odoo: FakeOdoo, uid: int) -> None:
    assert (
        error(call(odoo, uid, "helpdesk.ticket", "search", [[]]))["message"]
        == "Object helpdesk.ticket doesn't exist"
    )
    odoo.install("helpdesk_mgmt")
    assert (
        ok(call(odoo, uid, "ir.model", "search_count", [[("model", "=", "helpdesk.ticket")]])) == 1
    )
    tid = ok(
        call(
            odoo,
            uid,
            "helpdesk.ticket",
            "create",
            [{"name": "Late order", "description": "<p>x</p>"}],
        )
    )
    ticket = ok(
        call(odoo, uid, "helpdesk.ticket", "read", [[tid], ["number", "stage_id", "closed"]])
    )[0]
    assert ticket["number"] != "/"
    assert ticket["stage_id"][1] == "New"
    assert ticket["closed"] is False
    odoo.deny_model("helpdesk.ticket", "create")
    data = error(call(odoo, uid, "helpdesk.ticket", "create", [{"name": "x", "description": "y"}]))
    assert data["name"] == "odoo.exceptions.AccessError"
    assert "(helpdesk.ticket)" in data["message"]
    assert ok(call(odoo, uid, "helpdesk.ticket", "search", [[]])) == [tid]


# ---------------------------------------------------------------------------- ORM writes


def test_create_write_unlink_and_write_date(odoo: FakeOdoo, uid: int) -> None:
    odoo.now = datetime(2026, 12, 1, 10, 0, 0)
    one = ok(call(odoo, uid, "crm.tag", "create", [{"name": "a"}]))
    many = ok(call(odoo, uid, "crm.tag", "create", [[{"name": "b"}, {"name": "c"}]]))
    assert isinstance(one, int)
    assert isinstance(many, list)
    assert len(many) == 2
    odoo.tick(seconds=30)
    assert ok(call(odoo, uid, "crm.tag", "write", [[one], {"name": "a2"}])) is True
    row = odoo.record("crm.tag", one)
    assert (row["name"], row["write_date"], row["create_date"]) == (
        "a2",
        "2026-12-01 10:00:30",
        "2026-12-01 10:00:00",
    )
    assert ok(call(odoo, uid, "crm.tag", "unlink", [many])) is True
    assert [r["id"] for r in odoo.records("crm.tag")] == [one]
    assert (
        error(call(odoo, uid, "crm.tag", "write", [[one], {"bogus": 1}]))["name"]
        == "builtins.ValueError"
    )


def test_message_post_and_activity_done(odoo: FakeOdoo, uid: int, biz: Business) -> None:
    order = biz.sale_orders["acme"]
    mid = ok(
        call(
            odoo,
            uid,
            "sale.order",
            "message_post",
            [[order]],
            {
                "body": "Late: call the customer",
                "message_type": "comment",
                "subtype_xmlid": "mail.mt_note",
            },
        )
    )
    message = odoo.record("mail.message", mid)
    assert (message["model"], message["res_id"], message["body"]) == (
        "sale.order",
        order,
        "Late: call the customer",
    )
    todo = ok(
        call(
            odoo,
            uid,
            "ir.model.data",
            "search_read",
            [[("module", "=", "mail"), ("name", "=", "mail_activity_data_todo")]],
            {"fields": ["res_id"]},
        )
    )
    activity = ok(
        call(
            odoo,
            uid,
            "mail.activity",
            "create",
            [
                [
                    {
                        "res_id": order,
                        "activity_type_id": todo[0]["res_id"],
                        "summary": "Chase",
                        "date_deadline": "2026-11-19",
                        "user_id": uid,
                    }
                ]
            ],
            {"context": {"default_res_model": "sale.order"}},
        )
    )
    (aid,) = activity
    read = ok(
        call(
            odoo,
            uid,
            "mail.activity",
            "read",
            [activity, ["res_model", "res_id", "activity_type_id", "state"]],
        )
    )[0]
    assert read["res_model"] == "sale.order"
    assert read["activity_type_id"][1] == "To-Do"
    assert read["state"] == "overdue"
    done = ok(
        call(
            odoo, uid, "mail.activity", "action_feedback", [[aid]], {"feedback": "Customer agreed"}
        )
    )
    assert odoo.records("mail.activity") == []
    assert "Customer agreed" in odoo.record("mail.message", done)["body"]
    assert (
        error(call(odoo, uid, "crm.tag", "message_post", [[1]], {"body": "x"}))["name"]
        == "builtins.AttributeError"
    )


# ---------------------------------------------------------------------------- seed and threads


def test_seeded_business_is_coherent(odoo: FakeOdoo, biz: Business) -> None:
    assert sorted(odoo.search("sale.order", [("state", "=", "sale")])) == sorted(
        biz.sale_orders[k] for k in ("acme", "contact", "east", "full")
    )
    company = odoo.read("res.company", biz.company_id, ["partner_id", "currency_id"])[0]
    assert company["currency_id"][1] == "EUR"
    assert odoo.read("res.partner", company["partner_id"][0], ["tz"])[0]["tz"] == "Europe/Brussels"
    storable = (
        [("is_storable", "=", True)] if odoo.version == "18.0" else [("type", "=", "product")]
    )
    assert len(odoo.search("product.product", storable)) == 5
    assert len(odoo.search("product.product", [("default_code", "=", "DUP")])) == 2
    dozens = odoo.read("sale.order.line", biz.sale_lines["contact/widget_dozens"], ["product_uom"])[
        0
    ]
    assert dozens["product_uom"] == [biz.uom_dozens_id, "Dozens"]
    receipts = odoo.search(
        "stock.move",
        [
            ("purchase_line_id", "!=", False),
            ("state", "=", "done"),
            ("picking_id.picking_type_code", "=", "incoming"),
        ],
    )
    assert receipts == [biz.moves["done/widget_in"]]
    scrap = odoo.read("stock.scrap", biz.scrap_id, ["picking_id", "scrap_qty", "move_ids"])[0]
    assert scrap["picking_id"][0] == biz.pickings["done/in"]
    assert scrap["move_ids"] == [biz.moves["done/scrap"]]
    open_invoices = odoo.search(
        "account.move",
        [
            ("move_type", "in", ["out_invoice", "out_refund"]),
            ("state", "=", "posted"),
            ("payment_state", "in", ["not_paid", "partial", "blocked"]),
        ],
    )
    assert biz.invoices["paid"] not in open_invoices
    assert biz.invoices["refund"] in open_invoices
    refund = odoo.read(
        "account.move", biz.invoices["refund"], ["commercial_partner_id", "amount_residual_signed"]
    )[0]
    assert refund["commercial_partner_id"][0] == biz.customers["with_contact"]
    assert refund["amount_residual_signed"] < 0
    write_dates = {r["write_date"] for r in odoo.records("sale.order")}
    assert len(write_dates) == 1
    assert odoo.now == biz.as_of


def test_concurrent_requests_are_served(odoo: FakeOdoo, uid: int) -> None:
    odoo.create_many("crm.tag", [{"name": f"t{i}"} for i in range(40)])
    results: list[int] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                results.append(
                    len(
                        ok(
                            call(
                                odoo,
                                uid,
                                "crm.tag",
                                "search_read",
                                [[]],
                                {"fields": ["name"], "order": "id asc"},
                            )
                        )
                    )
                )
                ok(call(odoo, uid, "crm.tag", "create", [{"name": "x"}]))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert failures == []
    assert len(results) == 30
    assert len(odoo.records("crm.tag")) == 70
