"""Wire formats: the JSON-RPC envelope and XML-RPC marshalling, with Odoo's error shapes.

JSON-RPC errors come back with HTTP 200 and ``error.data.name`` naming the exception
class (odoo.md 1.2); a ``None`` result has no ``result`` key. XML-RPC faults carry an
int code on ``/xmlrpc/2/`` and a string code on the legacy ``/xmlrpc/`` (odoo.md 1.3).
"""

from __future__ import annotations

import json
import traceback
import xmlrpc.client
from typing import Any

from .errors import AccessDenied, AccessError, MissingError, RedirectWarning, UserError, error_name

RPC_FAULT_CODE_CLIENT_ERROR = 1
RPC_FAULT_CODE_APPLICATION_ERROR = 1
RPC_FAULT_CODE_WARNING = 2
RPC_FAULT_CODE_ACCESS_DENIED = 3
RPC_FAULT_CODE_ACCESS_ERROR = 4

ODOO_ERRORS = (UserError, RedirectWarning)


def format_traceback(exc: BaseException) -> str:
    """The ``debug`` text: the formatted traceback, as ``serialize_exception`` sends it."""
    return "".join(traceback.format_exception(exc))


def serialize_exception(exc: BaseException) -> dict[str, Any]:
    """``odoo.http.serialize_exception``."""
    return {
        "name": error_name(exc),
        "message": str(exc.args[0]) if len(exc.args) == 1 else str(exc),
        "arguments": list(exc.args),
        "context": dict(getattr(exc, "context", {}) or {}),
        "debug": format_traceback(exc),
    }


def json_result(request_id: Any, result: Any) -> bytes:
    """A JSON-RPC success; ``result`` is left out when it is None, as Odoo does."""
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id}
    if result is not None:
        body["result"] = result
    return json.dumps(body).encode()


def json_error(request_id: Any, exc: BaseException, code: int = 200) -> bytes:
    """A JSON-RPC error (sent with HTTP status 200)."""
    body = {
        "jsonrpc": "2.0",
        "id": request_id,
        "error": {"code": code, "message": "Odoo Server Error", "data": serialize_exception(exc)},
    }
    return json.dumps(body).encode()


def fault_int(exc: BaseException) -> xmlrpc.client.Fault:
    """``xmlrpc_handle_exception_int``: the fault table of odoo.md 1.3, in its order."""
    if isinstance(exc, RedirectWarning):
        return xmlrpc.client.Fault(RPC_FAULT_CODE_WARNING, str(exc))
    if isinstance(exc, AccessError):
        return xmlrpc.client.Fault(RPC_FAULT_CODE_ACCESS_ERROR, str(exc))
    if isinstance(exc, AccessDenied):
        return xmlrpc.client.Fault(RPC_FAULT_CODE_ACCESS_DENIED, str(exc))
    if isinstance(exc, UserError):
        return xmlrpc.client.Fault(RPC_FAULT_CODE_WARNING, str(exc))
    return xmlrpc.client.Fault(RPC_FAULT_CODE_APPLICATION_ERROR, format_traceback(exc))


def fault_string(exc: BaseException) -> xmlrpc.client.Fault:
    """``xmlrpc_handle_exception_string``: the legacy ``/xmlrpc/`` string codes."""
    if isinstance(exc, RedirectWarning):
        return xmlrpc.client.Fault("warning -- Warning\n\n" + str(exc), "")  # type: ignore[arg-type]
    if isinstance(exc, MissingError):
        return xmlrpc.client.Fault("warning -- MissingError\n\n" + str(exc), "")  # type: ignore[arg-type]
    if isinstance(exc, AccessError):
        return xmlrpc.client.Fault("warning -- AccessError\n\n" + str(exc), "")  # type: ignore[arg-type]
    if isinstance(exc, AccessDenied):
        return xmlrpc.client.Fault("AccessDenied", str(exc))  # type: ignore[arg-type]
    if isinstance(exc, UserError):
        return xmlrpc.client.Fault("warning -- UserError\n\n" + str(exc), "")  # type: ignore[arg-type]
    return xmlrpc.client.Fault(str(exc), format_traceback(exc))  # type: ignore[arg-type]


def xml_fault(fault: xmlrpc.client.Fault) -> bytes:
    """Marshal a fault response."""
    return xmlrpc.client.dumps(fault, methodresponse=True, allow_none=False).encode()


def xml_result(result: Any, legacy: bool) -> bytes:
    """Marshal a result with ``allow_none=False``; what cannot be marshalled faults."""
    try:
        return xmlrpc.client.dumps((result,), methodresponse=True, allow_none=False).encode()
    except Exception as exc:
        return xml_fault(fault_string(exc) if legacy else fault_int(exc))


def xml_request(body: bytes) -> tuple[list[Any], str]:
    """``xmlrpc.client.loads(data, use_datetime=True)``: the params and the method name."""
    params, method = xmlrpc.client.loads(body, use_datetime=True)
    return list(params), str(method)
