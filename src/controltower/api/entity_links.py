"""Where each thing's page is: one place that turns a code into the URL of its page.

The search answers with these URLs and every page links codes through them, so an
order, customer, supplier, purchase order, product or case always links the same way.
A code is data, never URL syntax: it is URL-encoded whole (``SO/2026/0001`` ->
``SO%2F2026%2F0001``, ``#``, ``?``, ``%``, ``+`` and spaces too), since ids in the Odoo
style carry slashes and the entity pages declare their codes as paths. A code that no
path segment can carry goes in the ``id`` query parameter of the bare path instead
(``/orders/?id=..``): a browser resolves ``.`` and ``..`` (even encoded) as directories
before sending the request, and an order named like the orders list's download
(``export.csv``) would open the download. No code is blank, so the bare path is free.
"""

from __future__ import annotations

import re
from typing import Annotated, Final
from urllib.parse import quote, urlencode

from fastapi import Query

from controltower.domain.cases import ExceptionType

#: kind of thing -> the path its page lives under
ENTITY_PATHS: Final[dict[str, str]] = {
    "order": "/orders/",
    "customer": "/customers/",
    "product": "/products/",
    "supplier": "/suppliers/",
    "purchase_order": "/purchase-orders/",
    "case": "/exceptions/cases/",
}

#: a case subject's kind -> the kind of page its code opens (``sku`` subjects name a pool,
#: ``SKU@WAREHOUSE``, whose page is the product's)
_SUBJECT_PAGES: Final[dict[str, str]] = {
    "sales_order": "order",
    "sales_order_line": "order",
    "customer": "customer",
    "supplier": "supplier",
    "purchase_order": "purchase_order",
    "product": "product",
    "sku": "product",
}


#: what a recurring review's subject ends with (``:supplier_delay``)
_REVIEWED_TYPES: Final = frozenset(type_.value for type_ in ExceptionType)


#: the query parameter naming a code that cannot be a path segment
CODE_PARAMETER: Final = "id"

#: codes a browser resolves as directories, however they are encoded
_DOT_SEGMENTS: Final = frozenset({".", ".."})

#: per kind, the codes another route of the same path answers for
_SHADOWED: Final[dict[str, re.Pattern[str]]] = {"order": re.compile(r"export\.[^/]+")}

#: a page's or endpoint's ``id`` parameter: the code, when the path leaves it out
NamedCode = Annotated[
    str | None,
    Query(
        alias=CODE_PARAMETER,
        description="The code, for a code no path can carry (`..`, `.`): "
        "given when the path ends with `/` and names nothing.",
    ),
]


def entity_location(kind: str, code: str) -> tuple[str, dict[str, str]]:
    """The path of the page of the ``kind`` with ``code`` and the query parameters that
    name it when the path cannot (``{}`` for most codes)."""
    shadowed = _SHADOWED.get(kind)
    if code in _DOT_SEGMENTS or (shadowed is not None and shadowed.fullmatch(code)):
        return ENTITY_PATHS[kind], {CODE_PARAMETER: code}
    return ENTITY_PATHS[kind] + quote(code, safe=""), {}


def entity_url(kind: str, code: str, query: str = "") -> str:
    """The page of the ``kind`` (a key of :data:`ENTITY_PATHS`) with ``code``;
    ``query`` (without ``?``) keeps the page on a company when several are loaded."""
    path, named = entity_location(kind, code)
    parts = [part for part in (urlencode(named), query) if part]
    return f"{path}?{'&'.join(parts)}" if parts else path


def requested_code(path_code: str, named: str | None) -> str:
    """The code a page or endpoint was asked for: the path's, else the ``id``
    parameter's (see :func:`entity_location`)."""
    return path_code or named or ""


def subject_url(subject: str, query: str = "") -> str | None:
    """The page of what a case subject names (``purchase_order:PO1`` -> the purchase
    order's; ``sales_order_line:SO1/2`` -> the order's; ``sku:CBL@WH`` -> the
    product's); None for a subject with no page of its own (a receipt, a warehouse) or
    a recurring review (``supplier:SUP-1:supplier_delay``: its supplier's page)."""
    kind, separator, rest = subject.partition(":")
    page = _SUBJECT_PAGES.get(kind) if separator else None
    if page is None or not rest:
        return None
    if kind == "sales_order_line":
        rest = rest.rpartition("/")[0]
    elif kind == "sku":
        rest = rest.rpartition("@")[0]
    else:
        code, _, review = rest.rpartition(":")
        rest = code if code and review in _REVIEWED_TYPES else rest
    return entity_url(page, rest, query) if rest else None
