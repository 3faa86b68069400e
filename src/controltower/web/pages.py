"""Server-rendered pages. Thin: read what is stored, render."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from controltower.api.deps import SessionDep
from controltower.storage.repository import picture_summary
from controltower.web.assets import TEMPLATES

router = APIRouter(include_in_schema=False)

#: the entity counts shown on the home page, in the order a distributor thinks of them
HEADLINE_ENTITIES: tuple[tuple[str, str], ...] = (
    ("warehouses", "Warehouses"),
    ("products", "Products (SKUs)"),
    ("customers", "Customers"),
    ("suppliers", "Suppliers"),
    ("sales_orders", "Sales orders"),
    ("sales_order_lines", "Sales order lines"),
    ("purchase_orders", "Purchase orders"),
    ("purchase_order_lines", "Purchase order lines"),
    ("stock", "Stock positions"),
    ("receipts", "Receipts"),
    ("invoices", "Invoices"),
    ("returns", "Returns"),
    ("picks", "Picks"),
    ("transfer_lanes", "Transfer lanes"),
)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> HTMLResponse:
    """What is loaded: each picture, its companies and warehouses, and its counts."""
    return TEMPLATES.TemplateResponse(
        request,
        "home.html",
        {"pictures": picture_summary(session), "entities": HEADLINE_ENTITIES},
    )
