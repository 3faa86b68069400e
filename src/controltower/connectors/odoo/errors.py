"""Odoo's failures, reduced to a few errors a person can act on.

Odoo reports the same failure in several shapes: a JSON-RPC ``error.data.name`` (the
exception's class path), an XML-RPC integer fault code with a message or a whole
traceback, or a legacy string fault code. The transports turn each shape into one
:class:`ServerFault`; :func:`error_for_fault` then picks the error class and writes a
one-line message naming what failed and where. Messages never carry the API key, nor
Odoo's traceback: a person reads them, and they end up in logs.

Two internal exceptions never leave the client: :class:`ServerFault` (Odoo answered with
an error, not yet classified) and :class:`TransientFailure` (worth another try).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from controltower.domain.errors import DomainError

__all__ = [
    "CallContext",
    "OdooAccessError",
    "OdooAuthError",
    "OdooError",
    "OdooMissingRecord",
    "OdooProtocolError",
    "OdooUnavailable",
    "OdooUnknownField",
    "OdooUnknownModel",
    "OdooUserError",
    "ServerFault",
    "TransientFailure",
    "error_for_fault",
    "fault_from_xmlrpc",
    "first_line",
]


class OdooError(DomainError):
    """Base of every Odoo failure; ``str(error)`` is one line for a person, without the key."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only attributes do not survive pickling through ``args``; carry them as state.
        return (type(self), (self.message,), self.__dict__)


class OdooAuthError(OdooError):
    """Odoo refused the login, the API key or the database."""


class OdooAccessError(OdooError):
    """Odoo denied an operation on a model, or the reading of a field.

    ``model`` and ``field`` say what was denied, when Odoo's message or the call tells it.
    """

    def __init__(self, message: str, *, model: str | None = None, field: str | None = None):
        super().__init__(message)
        self.model = model
        self.field = field


class OdooMissingRecord(OdooError):
    """A record the call needed does not exist or has been deleted (Odoo's MissingError)."""

    def __init__(self, message: str, *, model: str | None = None) -> None:
        super().__init__(message)
        self.model = model


class OdooUnknownField(OdooError):
    """The model has no such field: a module is missing, or the version names it otherwise."""

    def __init__(self, message: str, *, model: str | None = None, field: str | None = None):
        super().__init__(message)
        self.model = model
        self.field = field


class OdooUserError(OdooError):
    """Odoo refused the call for a business reason (UserError, ValidationError)."""


class OdooUnknownModel(OdooUserError):
    """The model does not exist in this database: the module that adds it is not installed.

    Odoo raises it as a UserError, hence the parent; ``model`` names the missing model.
    """

    def __init__(self, message: str, *, model: str | None = None) -> None:
        super().__init__(message)
        self.model = model


class OdooUnavailable(OdooError):
    """Odoo could not be reached, or kept failing in passing ways until the client gave up.

    ``tries`` counts the attempts made and ``cause`` names the last failure (e.g.
    ``HTTP 503``, ``connection refused``).
    """

    def __init__(self, message: str, *, tries: int = 0, cause: str = "") -> None:
        super().__init__(message)
        self.tries = tries
        self.cause = cause


class OdooProtocolError(OdooError):
    """The address answered, but not as Odoo's external API does (HTML, bad JSON, 404...)."""


class ServerFault(Exception):
    """Odoo answered with one of its errors; classified by :func:`error_for_fault`.

    ``name`` is the exception's class path as JSON-RPC gives it (``odoo.exceptions.
    AccessError``, ``builtins.ValueError``), or ``""`` when the server did not say.
    """

    def __init__(self, name: str, message: str) -> None:
        super().__init__(name, message)
        self.name = name
        self.message = message


class TransientFailure(Exception):
    """A failure that another try may cure.

    ``may_have_run`` is True when Odoo may have carried the call out before the failure
    (the answer was lost), so only calls that are safe to repeat may be tried again.
    """

    def __init__(self, cause: str, *, may_have_run: bool) -> None:
        super().__init__(cause)
        self.cause = cause
        self.may_have_run = may_have_run


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a call was about, so an error can say what failed and where.

    ``secret`` is only there to be scrubbed out of any text Odoo sends back.
    """

    url: str
    db: str
    login: str
    target: str
    model: str | None = None
    fields: tuple[str, ...] = ()
    secret: str = field(default="", repr=False)


def first_line(text: str) -> str:
    """The first non-blank line of ``text``, stripped: Odoo's messages run on with details."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


_ODOO = "odoo.exceptions."
_TRANSIENT_NAMES = ("SerializationFailure", "LockNotAvailable", "DeadlockDetected")
_TRANSIENT_TEXTS = (
    "could not serialize access",
    "could not obtain lock",
    "deadlock detected",
)

# XML-RPC integer fault codes (section 1.3 of the contract) and legacy string names.
_CODE_NAMES = {3: _ODOO + "AccessDenied", 4: _ODOO + "AccessError"}
_LEGACY_NAMES = {
    "AccessError": _ODOO + "AccessError",
    "AccessDenied": _ODOO + "AccessDenied",
    "MissingError": _ODOO + "MissingError",
    "UserError": _ODOO + "UserError",
    "ValidationError": _ODOO + "ValidationError",
    "Warning": _ODOO + "UserError",
}
_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*)(?::\s?(.*))?$")


def fault_from_xmlrpc(code: object, text: str) -> ServerFault:
    """An XML-RPC fault as a :class:`ServerFault`, whatever the endpoint's code style."""
    if isinstance(code, int) and code in _CODE_NAMES:
        return ServerFault(_CODE_NAMES[code], text)
    if code == 2:
        missing = "MissingError" in text or "does not exist or has been deleted" in text
        return ServerFault(_ODOO + ("MissingError" if missing else "UserError"), text)
    if isinstance(code, str):
        if code.strip() == "AccessDenied":
            return ServerFault(_ODOO + "AccessDenied", text or "Access Denied")
        if code.startswith("warning -- "):
            kind, _, rest = code[len("warning -- ") :].partition("\n")
            name = _LEGACY_NAMES.get(kind.strip(), _ODOO + "UserError")
            return ServerFault(name, rest.strip() or text)
    return _fault_from_traceback(text)


def _fault_from_traceback(text: str) -> ServerFault:
    """Odoo's code-1 faults hold the formatted traceback; its exception line tells the kind."""
    lines = text.strip().splitlines()
    start = max((i for i, line in enumerate(lines) if line.startswith("Traceback")), default=-1)
    if start < 0:
        return ServerFault("", text)
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if not line or line[0].isspace():
            continue
        match = _EXCEPTION_LINE.match(line)
        if match:
            name = match.group(1)
            if "." not in name:
                name = "builtins." + name
            message = "\n".join([match.group(2) or "", *lines[index + 1 :]])
            return ServerFault(name, message.strip())
    return ServerFault("", lines[-1] if lines else "")


def _scrub(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def _is_transient(fault: ServerFault) -> bool:
    text = fault.message.lower()
    return any(part in fault.name for part in _TRANSIENT_NAMES) or any(
        part in text for part in _TRANSIENT_TEXTS
    )


def error_for_fault(fault: ServerFault, ctx: CallContext) -> OdooError | TransientFailure:
    """The error to raise for ``fault`` (or the transient failure to retry on)."""
    message = _scrub(fault.message, ctx.secret)
    short = fault.name.rsplit(".", 1)[-1]
    if _is_transient(fault):
        return TransientFailure(
            f"{short or 'database conflict'}: {first_line(message)}", may_have_run=False
        )
    builder = _BUILDERS.get(fault.name)
    if builder is not None:
        return builder(message, ctx)
    if fault.name == "builtins.ValueError" and "Invalid field" in message:
        return _unknown_field(message, ctx)
    if "OperationalError" in fault.name and re.search(r'database ".*" does not exist', message):
        return OdooAuthError(
            f'Odoo at {ctx.url} has no database "{ctx.db}": check the database name.'
        )
    kind = f" with {short}" if short else ""
    return OdooError(f"Odoo at {ctx.url} failed on {ctx.target}{kind}: {first_line(message)}")


def _auth(_message: str, ctx: CallContext) -> OdooError:
    return OdooAuthError(
        f'Odoo at {ctx.url} refused the login "{ctx.login}" on database "{ctx.db}": '
        "check the database name, the login and the API key."
    )


_ACCESS_FIELDS = re.compile(r'the fields? "([^"]+)"')
_MODEL_IN_PARENS = re.compile(r"\(([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)+)\)")


def _access(message: str, ctx: CallContext) -> OdooError:
    model_match = _MODEL_IN_PARENS.search(message)
    model = model_match.group(1) if model_match else ctx.model
    field_match = _ACCESS_FIELDS.search(message)
    field_name: str | None = field_match.group(1) if field_match else None
    if field_name is None and "field" in message.lower() and len(ctx.fields) == 1:
        field_name = ctx.fields[0]
    where = model or "the model"
    if field_name is not None:
        noun = "fields" if "," in field_name else "field"
        text = f'Odoo denied access to {noun} "{field_name}" of {where} for login "{ctx.login}".'
    else:
        text = (
            f'Odoo denied access to {where} records for login "{ctx.login}" '
            f"(calling {ctx.target}): {first_line(message)}"
        )
    return OdooAccessError(text, model=model, field=field_name)


_MISSING_RECORDS = re.compile(r"\((Records?: .*?), User: \d+\)", re.DOTALL)


def _missing(message: str, ctx: CallContext) -> OdooError:
    which = _MISSING_RECORDS.search(message)
    detail = f" ({which.group(1)})" if which else ""
    what = f"{ctx.model} record" if ctx.model else "record"
    return OdooMissingRecord(
        f"Odoo at {ctx.url} has no {what} that {ctx.target} needed{detail}: "
        "it does not exist or has been deleted.",
        model=ctx.model,
    )


_UNKNOWN_MODEL = re.compile(r"Object ([\w.]+) doesn't exist")


def _user(message: str, ctx: CallContext) -> OdooError:
    unknown = _UNKNOWN_MODEL.search(message)
    if unknown:
        model = unknown.group(1)
        return OdooUnknownModel(
            f"Odoo at {ctx.url} has no model {model}: the module that provides it is not installed.",
            model=model,
        )
    return OdooUserError(f"Odoo at {ctx.url} refused {ctx.target}: {first_line(message)}")


_INVALID_FIELD = re.compile(r"Invalid field '?([\w.]+)'? on model '?([\w.]+)'?")
_INVALID_FIELD_LEAF = re.compile(r"Invalid field '?([\w.]+)'? in leaf")


def _unknown_field(message: str, ctx: CallContext) -> OdooError:
    model = ctx.model
    field_name: str | None = None
    match = _INVALID_FIELD.search(message)
    if match:
        field_name, model = match.group(1), match.group(2)
    else:
        leaf = _INVALID_FIELD_LEAF.search(message)
        if leaf:
            field_name = leaf.group(1)
            if model and field_name.startswith(model + "."):
                field_name = field_name[len(model) + 1 :]
    return OdooUnknownField(
        f'Odoo at {ctx.url} has no field "{field_name or "?"}" on {model or "the model"} '
        f"(asked for by {ctx.target}): the module that adds it may not be installed, "
        "or this Odoo version names it differently.",
        model=model,
        field=field_name,
    )


_BUILDERS: dict[str, Callable[[str, CallContext], OdooError]] = {
    _ODOO + "AccessDenied": _auth,
    _ODOO + "AccessError": _access,
    _ODOO + "MissingError": _missing,
    _ODOO + "UserError": _user,
    _ODOO + "ValidationError": _user,
    _ODOO + "RedirectWarning": _user,
    _ODOO + "Warning": _user,
}
