"""A faithful fake of Odoo's external API (JSON-RPC and XML-RPC), served in-process.

The connector is tested over real HTTP against this server, because Odoo itself cannot
run on the test machines. pytest puts ``tests/`` on the import path (as for ``helpers``),
so tests import it as ``from fake_odoo import FakeOdoo``.
"""

from __future__ import annotations

from .errors import AccessDenied, AccessError, MissingError, UserError, ValidationError
from .server import FAILURE_KINDS, FakeOdoo, RequestLog

__all__ = [
    "FAILURE_KINDS",
    "AccessDenied",
    "AccessError",
    "FakeOdoo",
    "MissingError",
    "RequestLog",
    "UserError",
    "ValidationError",
]
