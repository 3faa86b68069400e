"""The fake Odoo's HTTP server and the handle tests hold (``FakeOdoo``).

Runs ``http.server.ThreadingHTTPServer`` on 127.0.0.1 on a background thread, so the
connector is tested over real HTTP. Tests shape the database through ``create``,
``write`` and ``unlink`` (as the superuser, bumping ``write_date`` like Odoo), move the
clock, deny fields or models, and inject transport failures with ``fail_next``.
"""

from __future__ import annotations

import io
import json
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from . import rpc
from .errors import error_name
from .service import VERSION_INFO, Services, fail_serialization
from .store import Row, Store

FAILURE_KINDS = ("502", "503", "504", "500", "html", "reset", "serialization")
JSON_MIMETYPES = ("application/json", "application/json-rpc")
_HTTP_REASONS = {
    "500": "Internal Server Error",
    "502": "Bad Gateway",
    "503": "Service Unavailable",
    "504": "Gateway Timeout",
}
HARNESS_UID = 2  # the admin: what tests write is done as the superuser, on behalf of admin


@dataclass
class RequestLog:
    """One RPC request the server received.

    For ``object`` calls ``method`` is the ORM method and ``model`` its model; for
    ``common`` calls ``model`` is None. ``returned_records`` is the length of a list
    result (0 otherwise). ``failure`` names an injected failure, ``error`` the
    ``data.name`` of an error answered.
    """

    service: str
    method: str
    model: str | None
    kw: dict[str, Any]
    returned_records: int
    args: list[Any] = field(default_factory=list)
    protocol: str = "jsonrpc"
    failure: str | None = None
    error: str | None = None


class FakeOdoo:
    """A generic Odoo external-API server (17.0, 18.0 or 19.0 schema) for tests."""

    def __init__(
        self, version: str = "17.0", db: str = "odoo", now: datetime | None = None
    ) -> None:
        if version not in VERSION_INFO:
            raise ValueError(f"Unsupported version {version!r}: use one of {sorted(VERSION_INFO)}")
        self.version = version
        self.db = db
        self.latency = 0.0
        self.requests: list[RequestLog] = []
        self._store = Store(version, now or datetime(2026, 12, 1, 8, 0, 0))
        self._services = Services(self._store, db)
        self._failures: deque[str] = deque()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        #: requests received and not yet answered, and the most there were at once
        self.in_flight = 0
        self.max_in_flight = 0
        self._flight_lock = threading.Lock()

    # -------------------------------------------------------------- lifecycle

    def start(self) -> FakeOdoo:
        """Start serving on 127.0.0.1 on a free port."""
        if self._server is not None:
            return self
        handler = type("FakeOdooHandler", (_Handler,), {"odoo": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="fake-odoo", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeOdoo:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (the server must be started)."""
        if self._server is None:
            raise RuntimeError(
                "The fake Odoo is not started: use `with FakeOdoo() as odoo:` or start()"
            )
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -------------------------------------------------------------- clock

    @property
    def now(self) -> datetime:
        """The clock for create_date/write_date (naive UTC); rows may share one value."""
        return self._store.now

    @now.setter
    def now(self, value: datetime) -> None:
        with self._store.lock:
            self._store.now = value

    def tick(self, seconds: float = 1.0, **kwargs: float) -> None:
        """Advance the clock (``tick(seconds=1)``, ``tick(days=2)``)."""
        with self._store.lock:
            self._store.now = self._store.now + timedelta(seconds=seconds, **kwargs)

    # -------------------------------------------------------------- data

    def add_user(
        self,
        login: str,
        password: str | None = None,
        api_key: str | None = None,
        name: str | None = None,
        **vals: Any,
    ) -> int:
        """Create a ``res.users`` row (and its partner); returns the uid."""
        with self._store.as_user(HARNESS_UID, su=True):
            values: dict[str, Any] = {
                "login": login,
                "name": name or login,
                "company_ids": [1],
                **vals,
            }
            (uid,) = self._store.create("res.users", [values])
            self._store.credentials[uid] = (password, {api_key} if api_key else set())
            return uid

    def set_api_key(self, uid: int, api_key: str) -> None:
        """Give a user another API key."""
        with self._store.lock:
            password, keys = self._store.credentials.get(uid, (None, set()))
            self._store.credentials[uid] = (password, keys | {api_key})

    def create(self, model: str, vals: dict[str, Any]) -> int:
        """Create a record as the superuser (Odoo defaults and rules apply); returns its id."""
        with self._store.as_user(HARNESS_UID, su=True):
            return self._store.create(model, [vals])[0]

    def create_many(self, model: str, vals_list: list[dict[str, Any]]) -> list[int]:
        """Create several records at once."""
        with self._store.as_user(HARNESS_UID, su=True):
            return self._store.create(model, vals_list)

    def write(self, model: str, ids: int | list[int], vals: dict[str, Any]) -> None:
        """Write as the superuser; bumps ``write_date`` to ``now``."""
        with self._store.as_user(HARNESS_UID, su=True):
            self._store.write(model, _as_ids(ids), vals)

    def unlink(self, model: str, ids: int | list[int], clean: bool = True) -> None:
        """Delete records; ``clean=False`` leaves references to them dangling."""
        with self._store.as_user(HARNESS_UID, su=True):
            self._store.unlink(model, _as_ids(ids), clean=clean)

    def read(
        self, model: str, ids: int | list[int], fields: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """Records in Odoo's read format, as the API would return them."""
        with self._store.as_user(HARNESS_UID, su=True):
            return self._store.read(model, _as_ids(ids), fields)

    def search(
        self,
        model: str,
        domain: list[Any] | None = None,
        order: str | None = None,
        active_test: bool = True,
    ) -> list[int]:
        """Ids matching a domain, with the server's own domain semantics."""
        with self._store.as_user(HARNESS_UID, {"active_test": active_test}, su=True):
            return self._store.search(model, domain or [], 0, None, order)

    def records(self, model: str) -> list[Row]:
        """Copies of the stored rows of a model (archived ones included), for assertions."""
        with self._store.lock:
            return [dict(row) for row in self._store.rows(model)]

    def record(self, model: str, rid: int) -> Row:
        """A copy of one stored row."""
        with self._store.lock:
            return dict(self._store.row(model, rid))

    def ref(self, xmlid: str) -> int:
        """The id of an external identifier, e.g. ``uom.product_uom_unit``."""
        with self._store.lock:
            return self._store.ref(xmlid)

    def install(self, module: str) -> None:
        """Install an optional module: ``helpdesk_mgmt`` or ``rma``."""
        with self._store.as_user(HARNESS_UID, su=True):
            self._store.install(module)

    def has_model(self, model: str) -> bool:
        """Whether the database has this model."""
        with self._store.lock:
            return self._store.has_model(model)

    # -------------------------------------------------------------- access and failures

    def deny_field(self, model: str, fname: str) -> None:
        """Reading (or filtering, ordering or writing) this field raises AccessError."""
        with self._store.lock:
            if fname not in self._store.spec(model).fields:
                raise ValueError(f"{model} has no field {fname!r}")
            self._store.denied_fields.add((model, fname))

    def deny_model(self, model: str, operation: str = "*") -> None:
        """AccessError on ``read``, ``write``, ``create``, ``unlink`` (or ``*`` for all)."""
        if operation not in ("read", "write", "create", "unlink", "*"):
            raise ValueError(f"Unknown operation {operation!r}")
        with self._store.lock:
            self._store.denied_models.add((model, operation))

    def allow_all(self) -> None:
        """Lift every denial."""
        with self._store.lock:
            self._store.denied_fields.clear()
            self._store.denied_models.clear()

    def fail_next(self, count: int, kind: str = "503") -> None:
        """Make the next ``count`` requests fail: ``502``, ``503``, ``504``, ``500``,
        ``html`` (a 200 HTML page), ``reset`` (connection closed without an answer) or
        ``serialization`` (Odoo's psycopg2 SerializationFailure error)."""
        if kind not in FAILURE_KINDS:
            raise ValueError(f"Unknown failure {kind!r}: use one of {FAILURE_KINDS}")
        with self._store.lock:
            self._failures.extend([kind] * count)

    def clear_failures(self) -> None:
        """Drop the injected failures still to come."""
        with self._store.lock:
            self._failures.clear()

    @property
    def pending_failures(self) -> int:
        """How many injected failures are still to come."""
        with self._store.lock:
            return len(self._failures)

    # -------------------------------------------------------------- request handling

    def reset_in_flight(self) -> None:
        """Start counting the most requests in flight at once afresh."""
        with self._flight_lock:
            self.max_in_flight = self.in_flight

    def _arrived(self) -> None:
        with self._flight_lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _answered(self) -> None:
        with self._flight_lock:
            self.in_flight -= 1

    def _take_failure(self) -> str | None:
        with self._store.lock:
            return self._failures.popleft() if self._failures else None

    def _log(self, entry: RequestLog) -> None:
        with self._store.lock:
            self.requests.append(entry)

    def _version_payload(self) -> dict[str, Any]:
        return {"version_info": list(VERSION_INFO[self.version]), "version": self.version}

    def _call(self, service: str, method: str, args: list[Any], failure: str | None) -> Any:
        if failure == "serialization":
            fail_serialization()
        return self._services.dispatch(service, method, args)

    @property
    def error_code(self) -> int:
        """``error.code`` of JSON-RPC errors: 200 up to 18, 0 in newer servers."""
        return 0 if int(self.version.split(".")[0]) >= 19 else 200


def _as_ids(ids: int | list[int]) -> list[int]:
    return [ids] if isinstance(ids, int) else list(ids)


def _describe_call(service: str, method: str, args: list[Any], protocol: str) -> RequestLog:
    """A log entry for a call, without the password argument."""
    if service == "object" and method == "execute_kw" and len(args) >= 5:
        call_args = args[5] if len(args) > 5 and isinstance(args[5], list) else []
        kw = args[6] if len(args) > 6 and isinstance(args[6], dict) else {}
        return RequestLog(
            service, str(args[4]), str(args[3]), dict(kw), 0, list(call_args), protocol
        )
    if service == "object" and method == "execute" and len(args) >= 5:
        return RequestLog(service, str(args[4]), str(args[3]), {}, 0, list(args[5:]), protocol)
    shown = [a for i, a in enumerate(args) if not (service == "common" and i == 2)]
    return RequestLog(service, method, None, {}, 0, shown, protocol)


class _Handler(BaseHTTPRequestHandler):
    """Routes ``/jsonrpc``, ``/xmlrpc/2/<service>``, ``/xmlrpc/<service>`` and the version pages."""

    odoo: FakeOdoo
    _counted = False  # this request is in the fake's in-flight count
    server_version = "Werkzeug/3.0.1"
    sys_version = "Python/3.11"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test output is not the place for access logs."""

    # -------------------------------------------------------------- plumbing

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self._answer()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _answer(self) -> None:
        """The request leaves the in-flight count before its answer's first byte is
        sent: the client cannot send its next request before reading that answer, while
        this thread may still be closing the connection (HTTP/1.0) when it does."""
        if self._counted:
            self._counted = False
            self.odoo._answered()

    def _count(self) -> None:
        self._counted = True
        self.odoo._arrived()

    def _reset(self) -> None:
        """Close the connection with a TCP reset and no answer."""
        self._answer()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.wfile.close()
        self.connection.close()
        self.close_connection = True
        # The request handler still flushes and closes its streams afterwards.
        self.rfile = io.BytesIO()
        self.wfile = io.BytesIO()

    def _inject(self, failure: str | None) -> bool:
        """Answer an injected transport failure; True when the request is done."""
        if failure is None or failure == "serialization":
            return False
        if failure == "reset":
            self._reset()
        elif failure == "html":
            self._send(
                200,
                b"<!DOCTYPE html><html><body><form>Login</form></body></html>",
                "text/html; charset=utf-8",
            )
        else:
            reason = _HTTP_REASONS[failure]
            page = f"<html><head><title>{failure} {reason}</title></head><body><h1>{reason}</h1></body></html>"
            self._send(int(failure), page.encode(), "text/html")
        return True

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    # -------------------------------------------------------------- verbs

    def do_GET(self) -> None:
        self._count()
        try:
            self._get()
        finally:
            self._answer()

    def _get(self) -> None:
        if self.odoo.latency:
            time.sleep(self.odoo.latency)
        if self.path.split("?")[0] in ("/web/version", "/json/version"):
            failure = self.odoo._take_failure()
            self.odoo._log(RequestLog("web", "version", None, {}, 0, [], "http", failure=failure))
            if self._inject(failure if failure != "serialization" else None):
                return
            self._send(200, json.dumps(self.odoo._version_payload()).encode(), "application/json")
            return
        self._not_found()

    def do_POST(self) -> None:
        self._count()
        try:
            self._post()
        finally:
            self._answer()

    def _post(self) -> None:
        if self.odoo.latency:
            time.sleep(self.odoo.latency)
        path = self.path.split("?")[0]
        body = self._body()
        if path == "/jsonrpc":
            self._jsonrpc(body)
        elif path.startswith("/xmlrpc/2/"):
            self._xmlrpc(path[len("/xmlrpc/2/") :], body, legacy=False)
        elif path.startswith("/xmlrpc/") and path.count("/") == 2:
            self._xmlrpc(path[len("/xmlrpc/") :], body, legacy=True)
        elif path in ("/web/version", "/json/version"):
            self._send(200, json.dumps(self.odoo._version_payload()).encode(), "application/json")
        else:
            self._not_found()

    def _not_found(self) -> None:
        page = (
            "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
            "<p>The requested URL was not found on the server. If you entered the URL manually "
            "please check your spelling and try again.</p>\n"
        )
        self._send(404, page.encode(), "text/html; charset=utf-8")

    # -------------------------------------------------------------- JSON-RPC

    def _jsonrpc(self, body: bytes) -> None:
        mimetype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if mimetype not in JSON_MIMETYPES:
            message = f"Request inferred type is compatible with ['http'] but /jsonrpc is type=json. ({mimetype or 'no content type'})"
            self._send(400, message.encode(), "text/plain; charset=utf-8")
            return
        try:
            payload = json.loads(body)
        except ValueError:
            self._send(400, b"Invalid JSON data", "text/plain; charset=utf-8")
            return
        if not isinstance(payload, dict) or not isinstance(payload.get("params", {}), dict):
            self._send(400, b"Invalid JSON-RPC data", "text/plain; charset=utf-8")
            return
        request_id = payload.get("id")
        params: dict[str, Any] = payload.get("params", {})
        args = params.get("args", [])
        entry = _describe_call(
            str(params.get("service")),
            str(params.get("method")),
            list(args) if isinstance(args, list) else [],
            "jsonrpc",
        )
        failure = self.odoo._take_failure()
        entry.failure = failure
        self.odoo._log(entry)
        if self._inject(failure):
            return
        try:
            unknown = set(params) - {"service", "method", "args"}
            if unknown:
                raise TypeError(
                    f"jsonrpc() got an unexpected keyword argument '{sorted(unknown)[0]}'"
                )
            for name in ("service", "method", "args"):
                if name not in params:
                    raise TypeError(f"jsonrpc() missing 1 required positional argument: '{name}'")
            result = self.odoo._call(
                params["service"], params["method"], list(params["args"]), failure
            )
        except Exception as exc:
            entry.error = error_name(exc)
            self._send(
                200, rpc.json_error(request_id, exc, self.odoo.error_code), "application/json"
            )
            return
        entry.returned_records = len(result) if isinstance(result, list) else 0
        self._send(200, rpc.json_result(request_id, result), "application/json")

    # -------------------------------------------------------------- XML-RPC

    def _xmlrpc(self, service: str, body: bytes, legacy: bool) -> None:
        entry = RequestLog(service, "", None, {}, 0, [], "xmlrpc-legacy" if legacy else "xmlrpc")
        try:
            args, method = rpc.xml_request(body)
            entry = _describe_call(service, method, args, entry.protocol)
        except Exception as exc:
            args, method = [], ""
            parse_error: Exception | None = exc
        else:
            parse_error = None
        failure = self.odoo._take_failure()
        entry.failure = failure
        self.odoo._log(entry)
        if self._inject(failure):
            return
        try:
            if parse_error is not None:
                raise parse_error
            result = self.odoo._call(service, method, args, failure)
        except Exception as exc:
            entry.error = error_name(exc)
            fault = rpc.fault_string(exc) if legacy else rpc.fault_int(exc)
            self._send(200, rpc.xml_fault(fault), "text/xml; charset=utf-8")
            return
        entry.returned_records = len(result) if isinstance(result, list) else 0
        self._send(200, rpc.xml_result(result, legacy), "text/xml; charset=utf-8")
