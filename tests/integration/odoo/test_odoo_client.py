"""The Odoo client over real HTTP, against the fake Odoo server, on both wire formats.

Each test starts its own fake server (17.0 unless the test is about versions) and talks
to it the way the product talks to a real Odoo: logging in, reading with keyset paging,
and getting plain, keyless errors when Odoo refuses, fails for a moment, or keeps failing.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import pytest

from controltower.connectors.odoo.client import (
    MAX_IN_FLIGHT,
    OdooClient,
    OdooConnection,
    RetryPolicy,
)
from controltower.connectors.odoo.errors import (
    CallContext,
    OdooAccessError,
    OdooAuthError,
    OdooError,
    OdooMissingRecord,
    OdooProtocolError,
    OdooUnavailable,
    OdooUnknownField,
    OdooUnknownModel,
    OdooUserError,
    TransientFailure,
    error_for_fault,
    fault_from_xmlrpc,
)
from fake_odoo import FakeOdoo

KEY = "ct-api-key-5f1c2d9e7a"
LOGIN = "ct"
Wire = Literal["jsonrpc", "xmlrpc"]
PROTOCOLS: list[Wire] = ["jsonrpc", "xmlrpc"]
VERSIONS = ["17.0", "18.0"]
FAST = RetryPolicy(give_up_after=2.0, first_delay=0.01, max_delay=0.05)


@pytest.fixture
def version() -> str:
    """The Odoo version served; tests about versions parametrize it."""
    return "17.0"


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> Wire:
    wire: Wire = request.param
    return wire


@pytest.fixture
def odoo(version: str) -> Iterator[FakeOdoo]:
    with FakeOdoo(version=version) as server:
        server.add_user(LOGIN, password="pw", api_key=KEY)
        yield server


def connection(odoo: FakeOdoo, protocol: Wire, **changes: Any) -> OdooConnection:
    values: dict[str, Any] = {
        "url": odoo.url,
        "db": odoo.db,
        "login": LOGIN,
        "api_key": KEY,
        "protocol": protocol,
        "timeout": 5.0,
        "retry": FAST,
    }
    values.update(changes)
    return OdooConnection(**values)


@pytest.fixture
def client(odoo: FakeOdoo, protocol: Wire) -> Iterator[OdooClient]:
    with OdooClient.connect(connection(odoo, protocol)) as connected:
        yield connected


def add_partners(odoo: FakeOdoo, count: int, prefix: str = "PG-") -> list[int]:
    return [
        odoo.create("res.partner", {"name": f"Partner {n}", "ref": f"{prefix}{n:03d}"})
        for n in range(count)
    ]


def assert_keyless(error: BaseException) -> None:
    for text in (str(error), repr(error), repr(error.args), repr(vars(error))):
        assert KEY not in text


# --- logging in -------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_connect_reads_the_version_and_logs_in(odoo: FakeOdoo, protocol: Wire) -> None:
    uid = odoo.add_user("reader", password="pw2", api_key="reader-key-1")
    conn = connection(odoo, protocol, login="reader", api_key="reader-key-1")
    with OdooClient.connect(conn) as client:
        assert client.version.serie == odoo.version
        assert client.version.major == int(odoo.version.split(".")[0])
        assert client.uid == uid
        users = client.search_read("res.users", [("id", "=", uid)], ["login"])
    assert [user["login"] for user in users] == ["reader"]


def test_the_password_works_where_the_key_does(odoo: FakeOdoo, protocol: Wire) -> None:
    with OdooClient.connect(connection(odoo, protocol, api_key="pw")) as client:
        assert client.search_count("res.users", [("login", "=", LOGIN)]) == 1


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"api_key": "not-the-key"}, 'login "ct" on database "odoo"'),
        ({"login": "nobody"}, 'login "nobody" on database "odoo"'),
        ({"db": "elsewhere"}, 'database "elsewhere"'),
    ],
    ids=["bad-key", "bad-login", "bad-database"],
)
def test_a_refused_login_says_which_login_and_database(
    odoo: FakeOdoo, protocol: Wire, changes: dict[str, str], named: str
) -> None:
    with pytest.raises(OdooAuthError) as caught:
        OdooClient.connect(connection(odoo, protocol, **changes))
    message = str(caught.value)
    assert named in message
    assert odoo.url in message
    assert "\n" not in message
    assert_keyless(caught.value)
    assert "not-the-key" not in message


# --- Odoo's refusals, as errors a person can act on ---------------------------------------


def test_a_denied_field_names_the_field_and_model(odoo: FakeOdoo, client: OdooClient) -> None:
    add_partners(odoo, 2)
    odoo.deny_field("res.partner", "credit_limit")
    with pytest.raises(OdooAccessError) as caught:
        client.search_read("res.partner", [], ["name", "credit_limit"])
    error = caught.value
    assert (error.model, error.field) == ("res.partner", "credit_limit")
    assert str(error) == 'Odoo denied access to field "credit_limit" of res.partner for login "ct".'
    # the other fields stay readable
    assert len(client.search_read("res.partner", [("ref", "=like", "PG-%")], ["name"])) == 2


def test_a_denied_operation_names_the_model(odoo: FakeOdoo, client: OdooClient) -> None:
    odoo.deny_model("res.partner", "create")
    with pytest.raises(OdooAccessError) as caught:
        client.execute_kw("res.partner", "create", [{"name": "Nope"}])
    error = caught.value
    assert (error.model, error.field) == ("res.partner", None)
    assert "res.partner" in str(error)
    assert 'login "ct"' in str(error)
    assert "\n" not in str(error)


def test_an_unknown_field_is_named(client: OdooClient) -> None:
    with pytest.raises(OdooUnknownField) as caught:
        client.search_read("res.partner", [], ["name", "no_such_field"])
    assert (caught.value.model, caught.value.field) == ("res.partner", "no_such_field")
    assert '"no_such_field" on res.partner' in str(caught.value)


def test_an_unknown_field_in_a_domain_is_named(client: OdooClient) -> None:
    with pytest.raises(OdooUnknownField) as caught:
        client.search_count("sale.order", [("no_such_field", "=", 1)])
    assert caught.value.field == "no_such_field"
    assert caught.value.model == "sale.order"


def test_reading_a_deleted_record_is_a_missing_record(odoo: FakeOdoo, client: OdooClient) -> None:
    (gone,) = add_partners(odoo, 1)
    odoo.unlink("res.partner", gone)
    with pytest.raises(OdooMissingRecord) as caught:
        client.read("res.partner", [gone], ["name"])
    assert caught.value.model == "res.partner"
    assert str(caught.value).startswith(f"Odoo at {odoo.url} has no res.partner record")


def test_a_model_not_installed_is_an_unknown_model(odoo: FakeOdoo, client: OdooClient) -> None:
    with pytest.raises(OdooUnknownModel) as caught:
        client.search_count("helpdesk.ticket", [])
    assert caught.value.model == "helpdesk.ticket"
    assert isinstance(caught.value, OdooUserError)
    odoo.install("helpdesk_mgmt")
    assert client.search_count("helpdesk.ticket", []) == 0


def test_a_validation_error_is_a_user_error_with_odoos_message(
    odoo: FakeOdoo, client: OdooClient
) -> None:
    odoo.install("helpdesk_mgmt")
    with pytest.raises(OdooUserError) as caught:
        client.execute_kw("helpdesk.ticket", "create", [{"name": "No description"}])
    assert "helpdesk.ticket.create" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_fields_must_be_named(client: OdooClient) -> None:
    with pytest.raises(ValueError, match="fields"):
        client.search_read("res.partner", [], [])
    with pytest.raises(ValueError, match="fields"):
        client.read("res.partner", [1], [])
    with pytest.raises(ValueError, match="fields"):
        client.pages("res.partner", [], [])


# --- reading ------------------------------------------------------------------------------


def test_search_ids_read_and_count_agree(odoo: FakeOdoo, client: OdooClient) -> None:
    ids = add_partners(odoo, 7)
    domain = [("ref", "=like", "PG-%")]
    assert client.search_ids("res.partner", domain) == sorted(ids)
    assert client.search_count("res.partner", domain) == 7
    rows = client.read("res.partner", ids[:3], ["name", "ref", "parent_id"])
    assert [row["ref"] for row in rows] == ["PG-000", "PG-001", "PG-002"]
    # empty is False, never null, on both wire formats
    assert all(row["parent_id"] is False for row in rows)
    assert client.read("res.partner", [], ["name"]) == []


def test_context_reaches_odoo(odoo: FakeOdoo, client: OdooClient) -> None:
    (archived,) = add_partners(odoo, 1)
    odoo.write("res.partner", archived, {"active": False})
    domain = [("id", "=", archived)]
    assert client.search_ids("res.partner", domain) == []
    assert client.search_ids("res.partner", domain, context={"active_test": False}) == [archived]


@pytest.mark.parametrize("version", VERSIONS)
def test_fields_get_answers_for_the_served_version(client: OdooClient, version: str) -> None:
    fields = client.fields_get("product.product")
    assert fields["type"]["type"] == "selection"
    assert ("is_storable" in fields) == (version == "18.0")
    assert set(fields["default_code"]) <= {
        "type",
        "string",
        "selection",
        "store",
        "relation",
        "required",
    }


@pytest.mark.parametrize("version", VERSIONS)
def test_pages_walk_ids_across_rows_sharing_a_write_date(
    odoo: FakeOdoo, client: OdooClient
) -> None:
    ids = add_partners(odoo, 23)
    domain = [("ref", "=like", "PG-%")]
    pages = list(client.pages("res.partner", domain, ["name", "write_date"], page_size=5))
    assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
    seen = [row["id"] for page in pages for row in page]
    assert seen == sorted(ids)
    assert len({row["write_date"] for page in pages for row in page}) == 1
    reads = [r for r in odoo.requests if r.method == "search_read" and r.model == "res.partner"]
    assert len(reads) == 5
    assert all(r.kw.get("order") == "id asc" and r.kw.get("limit") == 5 for r in reads)


def test_pages_stop_after_a_short_or_empty_page(odoo: FakeOdoo, client: OdooClient) -> None:
    add_partners(odoo, 10)
    domain = [("ref", "=like", "PG-%")]
    assert [len(p) for p in client.pages("res.partner", domain, ["name"], page_size=5)] == [5, 5]
    assert list(client.pages("res.partner", [("ref", "=", "none")], ["name"])) == []


def test_pages_neither_skip_nor_repeat_while_odoo_changes(
    odoo: FakeOdoo, client: OdooClient
) -> None:
    ids = add_partners(odoo, 12)
    domain = ["|", ("ref", "=like", "PG-%"), ("ref", "=like", "NEW-%")]
    seen: list[int] = []
    for page in client.pages("res.partner", domain, ["name"], page_size=4):
        seen.extend(row["id"] for row in page)
        if len(seen) == 4:
            # a rename of a row already read and a new row, between two pages
            odoo.write("res.partner", ids[0], {"name": "Renamed"})
            ids += add_partners(odoo, 1, prefix="NEW-")
    assert seen == sorted(ids)


def test_pages_from_four_threads_at_once(odoo: FakeOdoo, client: OdooClient) -> None:
    prefixes = ["A-", "B-", "C-", "D-"]
    expected = {prefix: sorted(add_partners(odoo, 9, prefix=prefix)) for prefix in prefixes}

    def walk(prefix: str) -> list[int]:
        domain = [("ref", "=like", f"{prefix}%")]
        pages = client.pages("res.partner", domain, ["name", "ref"], page_size=2)
        return [row["id"] for page in pages for row in page]

    with ThreadPoolExecutor(max_workers=4) as pool:
        walked = dict(zip(prefixes, pool.map(walk, prefixes), strict=True))
    assert walked == expected


def test_threads_sharing_a_client_never_have_more_than_four_requests_in_flight(
    odoo: FakeOdoo, client: OdooClient
) -> None:
    """Counted by the fake from a request's arrival to its answer's first byte."""
    add_partners(odoo, 3)
    odoo.latency = 0.02
    odoo.reset_in_flight()

    def count(_: int) -> int:
        return client.search_count("res.partner", [("ref", "=like", "PG-%")])

    with ThreadPoolExecutor(max_workers=12) as pool:
        assert set(pool.map(count, range(48))) == {3}
    assert odoo.max_in_flight == MAX_IN_FLIGHT == 4


def test_a_method_returning_none_comes_back_as_none_over_jsonrpc(odoo: FakeOdoo) -> None:
    partner = odoo.create("res.partner", {"name": "Acme", "is_company": True})
    order = odoo.create("sale.order", {"partner_id": partner})
    with OdooClient.connect(connection(odoo, "jsonrpc")) as client:
        assert client.execute_kw("sale.order", "action_lock", [[order]]) is None
    assert odoo.records("sale.order")[0]["locked"] is True


# --- passing failures: retried; lasting ones: given up on, by name --------------------------


@pytest.mark.parametrize("failure", ["503", "502", "504", "reset", "serialization"])
def test_a_read_recovers_after_two_passing_failures(
    odoo: FakeOdoo, client: OdooClient, failure: str
) -> None:
    add_partners(odoo, 3)
    odoo.fail_next(2, failure)
    assert client.search_count("res.partner", [("ref", "=like", "PG-%")]) == 3


def test_connecting_rides_out_a_restart(odoo: FakeOdoo, protocol: Wire) -> None:
    odoo.fail_next(2, "503")
    with OdooClient.connect(connection(odoo, protocol)) as client:
        assert client.version.major == 17


@pytest.mark.parametrize(
    ("failure", "cause"),
    [("503", "HTTP 503"), ("reset", "connection"), ("serialization", "SerializationFailure")],
)
def test_lasting_failures_give_up_naming_the_cause(
    odoo: FakeOdoo, protocol: Wire, failure: str, cause: str
) -> None:
    policy = RetryPolicy(give_up_after=1.0, first_delay=0.05, max_delay=0.2)
    with OdooClient.connect(connection(odoo, protocol, retry=policy)) as client:
        odoo.fail_next(1000, failure)
        with pytest.raises(OdooUnavailable) as caught:
            client.search_read("res.partner", [], ["name"])
    error = caught.value
    assert error.tries >= 2
    assert cause in error.cause
    assert str(error).startswith(f"Odoo at {odoo.url} did not answer after {error.tries} tries")
    assert str(error).endswith(f"({error.cause}); giving up.")
    assert_keyless(error)


def test_a_write_is_retried_when_odoo_surely_did_not_run_it(
    odoo: FakeOdoo, client: OdooClient
) -> None:
    odoo.fail_next(2, "503")
    created = client.execute_kw("res.partner", "create", [{"name": "Once", "ref": "ONCE"}])
    assert [r["id"] for r in odoo.records("res.partner") if r.get("ref") == "ONCE"] == [created]


def test_a_write_whose_answer_was_lost_is_not_sent_again(
    odoo: FakeOdoo, client: OdooClient
) -> None:
    odoo.fail_next(1, "reset")
    with pytest.raises(OdooUnavailable, match="may or may not have been carried out") as caught:
        client.execute_kw("res.partner", "create", [{"name": "Maybe", "ref": "MAYBE"}])
    assert caught.value.tries == 1


def test_nothing_listening_gives_up(protocol: Wire) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    policy = RetryPolicy(give_up_after=0.3, first_delay=0.05, max_delay=0.1)
    conn = OdooConnection(
        url=f"http://127.0.0.1:{port}",
        db="odoo",
        login=LOGIN,
        api_key=KEY,
        protocol=protocol,
        retry=policy,
    )
    with pytest.raises(OdooUnavailable, match="connection") as caught:
        OdooClient.connect(conn)
    assert_keyless(caught.value)


@pytest.mark.parametrize("url", ["odoo.example.com:8069", "ftp://odoo.example.com", "http://"])
def test_a_url_without_scheme_or_host_is_refused_plainly(url: str) -> None:
    conn = OdooConnection(url=url, db="odoo", login=LOGIN, api_key=KEY, retry=FAST)
    with pytest.raises(OdooProtocolError, match="not a usable Odoo URL"):
        OdooClient.connect(conn)


def test_an_unknown_host_is_unavailable() -> None:
    conn = OdooConnection(
        url="http://odoo.invalid:8069", db="odoo", login=LOGIN, api_key=KEY, retry=FAST
    )
    with pytest.raises(OdooUnavailable, match=r"http://odoo\.invalid:8069"):
        OdooClient.connect(conn)


def test_an_address_that_is_not_odoo_is_a_protocol_error(odoo: FakeOdoo, protocol: Wire) -> None:
    with pytest.raises(OdooProtocolError, match="check"):
        OdooClient.connect(connection(odoo, protocol, url=odoo.url + "/not-odoo"))


@pytest.mark.parametrize("failure", ["html", "500"])
def test_a_page_that_is_not_the_api_is_a_protocol_error_at_once(
    odoo: FakeOdoo, client: OdooClient, failure: str
) -> None:
    odoo.fail_next(2, failure)
    with pytest.raises(OdooProtocolError) as caught:
        client.search_count("res.partner", [])
    assert odoo.url in str(caught.value)
    assert odoo.pending_failures == 1  # not retried: another try cannot help


# --- the key stays secret -------------------------------------------------------------------


def test_the_key_never_shows_in_reprs_errors_or_logs(
    odoo: FakeOdoo, protocol: Wire, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    conn = connection(odoo, protocol, retry=RetryPolicy(give_up_after=0.2, first_delay=0.02))
    assert KEY not in repr(conn)
    assert KEY not in str(conn)
    errors: list[OdooError] = []
    with OdooClient.connect(conn) as client:
        odoo.deny_field("res.partner", "credit_limit")
        for call in (
            lambda: client.search_read("res.partner", [], ["credit_limit"]),
            lambda: client.search_read("res.partner", [], ["no_such_field"]),
            lambda: client.read("res.partner", [999_999], ["name"]),
            lambda: client.execute_kw("res.partner", "no_such_method", []),
        ):
            with pytest.raises(OdooError) as caught:
                call()
            errors.append(caught.value)
        odoo.fail_next(1000, "503")
        with pytest.raises(OdooUnavailable) as unavailable:
            client.search_count("res.partner", [])
        errors.append(unavailable.value)
    for error in errors:
        assert_keyless(error)
        assert error.__cause__ is None or KEY not in str(error.__cause__)
    assert caplog.records
    for record in caplog.records:
        assert KEY not in record.getMessage()


# --- Odoo's other fault shapes (legacy XML-RPC codes, real message texts) --------------------

CTX = CallContext(
    url="http://h:8069",
    db="odoo",
    login="ct",
    target="res.partner.read",
    model="res.partner",
    fields=("credit_limit",),
    secret=KEY,
)


@pytest.mark.parametrize(
    ("code", "text", "kind"),
    [
        (
            "warning -- AccessError\n\nYou are not allowed to access 'Contact' (res.partner) records.",
            "",
            OdooAccessError,
        ),
        (
            "warning -- MissingError\n\nRecord does not exist or has been deleted.",
            "",
            OdooMissingRecord,
        ),
        ("warning -- UserError\n\nNo.", "", OdooUserError),
        ("AccessDenied", "Access Denied", OdooAuthError),
        (
            2,
            "Record does not exist or has been deleted.\n(Records: [7], User: 2)",
            OdooMissingRecord,
        ),
        (2, "The operation cannot be completed: missing value", OdooUserError),
        (
            1,
            'Traceback (most recent call last):\n  File "x.py", line 1, in f\n    g()\n'
            "ValueError: Invalid field 'foo' on model 'res.partner'\n",
            OdooUnknownField,
        ),
        (
            1,
            "Traceback (most recent call last):\n  File \"x.py\", line 1, in f\nKeyError: 'x'\n",
            OdooError,
        ),
    ],
)
def test_xmlrpc_fault_shapes(code: object, text: str, kind: type[OdooError]) -> None:
    outcome = error_for_fault(fault_from_xmlrpc(code, text), CTX)
    assert type(outcome) is kind


def test_a_serialization_traceback_is_transient() -> None:
    text = (
        'Traceback (most recent call last):\n  File "sql_db.py", line 1, in execute\n'
        "psycopg2.errors.SerializationFailure: could not serialize access due to concurrent"
        " update\n"
    )
    outcome = error_for_fault(fault_from_xmlrpc(1, text), CTX)
    assert isinstance(outcome, TransientFailure)
    assert not outcome.may_have_run


def test_odoos_own_access_messages_are_parsed() -> None:
    field_text = (
        'You do not have enough rights to access the fields "credit_limit" on Contact '
        "(res.partner). Please contact your system administrator.\n\n(Operation: read, User: 2)"
    )
    error = error_for_fault(fault_from_xmlrpc(4, field_text), CTX)
    assert isinstance(error, OdooAccessError)
    assert (error.model, error.field) == ("res.partner", "credit_limit")
    rule_text = "You are not allowed to access 'Helpdesk Ticket' (helpdesk.ticket) records."
    error = error_for_fault(fault_from_xmlrpc(4, rule_text), CTX)
    assert isinstance(error, OdooAccessError)
    assert (error.model, error.field) == ("helpdesk.ticket", None)


def test_odoo_text_echoing_the_key_is_scrubbed() -> None:
    error = error_for_fault(fault_from_xmlrpc(2, f"bad value {KEY}"), CTX)
    assert KEY not in str(error)
