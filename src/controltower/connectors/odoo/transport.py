"""The two wire formats of Odoo's external API: JSON-RPC and XML-RPC over one HTTP client.

A transport sends one call (``service``, ``method``, ``args``) and returns Odoo's result,
and nothing more: it does not retry and does not know what the call was for. It sorts
every failure into one of three kinds so the client can decide:

- :class:`~controltower.connectors.odoo.errors.ServerFault`: Odoo answered with one of
  its errors (a JSON-RPC ``error`` member, an XML-RPC fault);
- :class:`~controltower.connectors.odoo.errors.TransientFailure`: the network or a proxy
  failed in a way another try may cure (refused or reset connections, timeouts, HTTP
  502/503/504), saying whether Odoo may have run the call before the answer was lost;
- :class:`~controltower.connectors.odoo.errors.OdooProtocolError` (or
  :class:`~controltower.connectors.odoo.errors.OdooUnavailable` for a host that does not
  exist): retrying cannot help.

XML is marshalled with the standard library's ``xmlrpc.client.dumps``/``loads`` only, so
both protocols share the one thread-safe ``httpx.Client``, its timeouts and its pool.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import ssl
import xmlrpc.client
from collections.abc import Sequence
from typing import Any, Protocol
from xml.parsers.expat import ExpatError

import httpx

from controltower.connectors.odoo.errors import (
    OdooProtocolError,
    OdooUnavailable,
    ServerFault,
    TransientFailure,
    fault_from_xmlrpc,
)

__all__ = ["JsonRpcTransport", "Transport", "XmlRpcTransport", "make_http_client"]

log = logging.getLogger(__name__)

# Gateways answer these while Odoo restarts or is overloaded; 504 may come after Odoo ran the call.
_RETRY_STATUSES = {429: False, 502: False, 503: False, 504: True}
_UNKNOWN_HOST = (
    "Name or service not known",
    "nodename nor servname",
    "No address associated with hostname",
    "getaddrinfo failed",
)


class Transport(Protocol):
    """Sends one call to Odoo; see the module docstring for what it raises."""

    def call(self, service: str, method: str, args: Sequence[object]) -> Any:
        """Odoo's result for ``service.method(*args)``."""
        ...

    def close(self) -> None:
        """Releases the connections."""
        ...


def make_http_client(timeout: float, pool_size: int = 8) -> httpx.Client:
    """One client for all threads: httpx's pool is thread-safe, and keeps connections warm."""
    return httpx.Client(
        verify=_tls_context(),
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size),
        follow_redirects=False,
        headers={"User-Agent": "controltower-odoo-client"},
    )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default certificate checks (its CA bundle, or ``SSL_CERT_FILE`` /
    ``SSL_CERT_DIR``), built once per process: loading the bundle took some 35 ms of
    every sync the worker runs. A context may be shared by clients and threads."""
    return httpx.create_ssl_context()


class _HttpTransport:
    """What both formats share: posting, and sorting network failures and HTTP statuses."""

    def __init__(self, http: httpx.Client, base_url: str, display_url: str) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._display = display_url

    def close(self) -> None:
        self._http.close()

    def _post(self, path: str, body: bytes, content_type: str) -> httpx.Response:
        try:
            response = self._http.post(
                self._base + path, content=body, headers={"Content-Type": content_type}
            )
        except httpx.HTTPError as exc:
            raise self._network_failure(exc) from exc
        self._check_status(response, path)
        return response

    def _network_failure(self, exc: httpx.HTTPError) -> Exception:
        text = str(exc)
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return TransientFailure("connection timed out", may_have_run=False)
        if isinstance(exc, httpx.TimeoutException):
            return TransientFailure(f"no answer within {self._timeout_text()} s", may_have_run=True)
        if isinstance(exc, httpx.ConnectError):
            if any(part in text for part in _UNKNOWN_HOST):
                return OdooUnavailable(
                    f"Odoo at {self._display} cannot be reached: its host name is not known; "
                    "check the URL.",
                    tries=1,
                    cause="unknown host",
                )
            return TransientFailure(f"connection failed: {text or 'refused'}", may_have_run=False)
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return OdooProtocolError(
                f'"{self._display}" is not a usable Odoo URL: it needs http:// or https:// '
                "and a host, e.g. http://odoo.example.com:8069."
            )
        if isinstance(exc, httpx.WriteError):
            return TransientFailure(f"connection lost while sending: {text}", may_have_run=False)
        if isinstance(exc, httpx.TransportError):
            # Closed or reset before the answer came: Odoo may have run the call.
            return TransientFailure(
                f"connection closed without an answer ({text or type(exc).__name__})",
                may_have_run=True,
            )
        return OdooProtocolError(f"Odoo at {self._display} answered unreadably: {text}")

    def _timeout_text(self) -> str:
        seconds = self._http.timeout.read
        return f"{seconds:g}" if seconds is not None else "the timeout"

    def _check_status(self, response: httpx.Response, path: str) -> None:
        status = response.status_code
        if status == 200:
            return
        if status in _RETRY_STATUSES:
            raise TransientFailure(f"HTTP {status}", may_have_run=_RETRY_STATUSES[status])
        if 300 <= status < 400:
            location = response.headers.get("location", "elsewhere")
            raise OdooProtocolError(
                f"Odoo at {self._display} redirects {path} to {location}: "
                "use the address it redirects to as the URL."
            )
        if status == 404:
            raise OdooProtocolError(
                f"Odoo at {self._display} has no {path} (HTTP 404): check that the URL is the "
                "Odoo server's address and that its external API is enabled."
            )
        raise OdooProtocolError(
            f"Odoo at {self._display} answered {path} with HTTP {status}"
            f"{_content_note(response)}, not as Odoo's external API does."
        )


def _content_note(response: httpx.Response) -> str:
    kind = response.headers.get("content-type", "").split(";")[0].strip()
    return f" ({kind})" if kind else ""


class JsonRpcTransport(_HttpTransport):
    """``POST /jsonrpc`` with by-name params; errors come back with HTTP 200."""

    def __init__(self, http: httpx.Client, base_url: str, display_url: str) -> None:
        super().__init__(http, base_url, display_url)
        self._ids = itertools.count(1)

    def call(self, service: str, method: str, args: Sequence[object]) -> Any:
        request_id = next(self._ids)
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": request_id,
            "params": {"service": service, "method": method, "args": list(args)},
        }
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        log.debug("odoo jsonrpc %s.%s (id %d)", service, method, request_id)
        response = self._post("/jsonrpc", body, "application/json")
        try:
            answer = response.json()
        except ValueError:
            raise OdooProtocolError(
                f"Odoo at {self._display} answered /jsonrpc with something that is not JSON"
                f"{_content_note(response)}: check that the URL is the Odoo server's address."
            ) from None
        if not isinstance(answer, dict) or not {"jsonrpc", "result", "error"} & answer.keys():
            raise OdooProtocolError(
                f"Odoo at {self._display} answered /jsonrpc with JSON that is not JSON-RPC."
            )
        error = answer.get("error")
        if error is not None:
            raise _json_fault(error)
        # Odoo leaves ``result`` out when the method returned None.
        return answer.get("result")


def _json_fault(error: object) -> ServerFault:
    """Odoo's JSON-RPC ``error`` member; its ``data.name`` says the kind, never ``code``."""
    if not isinstance(error, dict):
        return ServerFault("", str(error))
    data = error.get("data")
    if not isinstance(data, dict):
        return ServerFault("", str(error.get("message") or "Odoo Server Error"))
    name = data.get("name")
    message = data.get("message") or error.get("message") or ""
    return ServerFault(name if isinstance(name, str) else "", str(message))


class XmlRpcTransport(_HttpTransport):
    """``POST /xmlrpc/2/<service>``; faults carry integer codes, ``None`` cannot be sent."""

    def call(self, service: str, method: str, args: Sequence[object]) -> Any:
        try:
            body = xmlrpc.client.dumps(
                tuple[Any, ...](args), methodname=method, allow_none=False, encoding="utf-8"
            ).encode("utf-8")
        except TypeError as exc:
            raise ValueError(
                f"XML-RPC cannot send {service}.{method}'s arguments ({exc}); "
                "Odoo uses False for empty values."
            ) from None
        log.debug("odoo xmlrpc %s.%s", service, method)
        path = f"/xmlrpc/2/{service}"
        response = self._post(path, body, "text/xml")
        try:
            (result,), _ = xmlrpc.client.loads(response.content, use_builtin_types=True)
        except xmlrpc.client.Fault as fault:
            raise fault_from_xmlrpc(fault.faultCode, str(fault.faultString)) from None
        except (ExpatError, xmlrpc.client.ResponseError, ValueError):
            raise OdooProtocolError(
                f"Odoo at {self._display} answered {path} with something that is not XML-RPC"
                f"{_content_note(response)}: check that the URL is the Odoo server's address."
            ) from None
        return result
