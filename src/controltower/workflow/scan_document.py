"""What the stateless scan document (``scan --json``) is made of, whatever writes it.

Nothing is stored and no clock is read: the exceptions are "detected" at the start of
the business day of ``as_of``, so the same inputs always give the same document. The
document is exactly the contract of ``docs/dataset-format.md`` ("The stateless scan and its
JSON"), with a few extra fields that contract welcomes; its JSON Schema ships as
``controltower/schemas/scan.schema.json``. The columnar scan
(:mod:`controltower.workflow.columnar_scan`) writes it; the API shows quantities and
amounts the same way.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from controltower.policy import Policy
from controltower.policy.routing import start_of_business_day


def scan_detected_at(as_of: date, policy: Policy) -> datetime:
    """The moment a stateless scan detects things: the start of ``as_of``'s business day."""
    return start_of_business_day(as_of, policy.clock)


def json_number(value: Decimal) -> int | float:
    """A quantity or amount as a JSON number: an integer when it is whole."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)
