"""Where each thing's page is: one place that turns a code into the URL of its page.

The search answers with these URLs and every page links codes through them, so an
order, customer, supplier, purchase order, product or case always links the same way.
A code is URL-encoded whole (``SO/2026/0001`` -> ``SO%2F2026%2F0001``): ids in the
Odoo style carry slashes, and the entity pages declare their codes as paths.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import quote

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


def entity_url(kind: str, code: str, query: str = "") -> str:
    """The page of the ``kind`` (a key of :data:`ENTITY_PATHS`) with ``code``;
    ``query`` (without ``?``) keeps the page on a company when several are loaded."""
    path = ENTITY_PATHS[kind] + quote(code, safe="")
    return f"{path}?{query}" if query else path


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
