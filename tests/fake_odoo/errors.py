"""Odoo's exception classes, named as Odoo names them on the wire.

``serialize_exception`` reports ``f"{type(exc).__module__}.{type(exc).__name__}"``, so the
classes claim Odoo's module names: a client sees ``odoo.exceptions.AccessError`` exactly
as a real server would send it.
"""

from __future__ import annotations


class UserError(Exception):
    """A message for the user (``odoo.exceptions.UserError``)."""

    __module__ = "odoo.exceptions"


class RedirectWarning(Exception):
    """A warning with a redirection (``odoo.exceptions.RedirectWarning``)."""

    __module__ = "odoo.exceptions"


class AccessDenied(UserError):
    """Bad login, password, API key or database (``odoo.exceptions.AccessDenied``)."""

    __module__ = "odoo.exceptions"

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class AccessError(UserError):
    """The user may not do this to this model or field (``odoo.exceptions.AccessError``)."""

    __module__ = "odoo.exceptions"


class MissingError(UserError):
    """The record does not exist or has been deleted (``odoo.exceptions.MissingError``)."""

    __module__ = "odoo.exceptions"


class ValidationError(UserError):
    """A constraint failed (``odoo.exceptions.ValidationError``)."""

    __module__ = "odoo.exceptions"


class SerializationFailure(Exception):
    """PostgreSQL's concurrent-update failure, as psycopg2 names it."""

    __module__ = "psycopg2.errors"


def error_name(exc: BaseException) -> str:
    """The ``data.name`` Odoo puts in a JSON-RPC error for this exception."""
    return f"{type(exc).__module__}.{type(exc).__name__}"
