"""Which governed actions a page offers, and where each button leads.

An order, a case, a customer and a product page each show the actions that fit what
they show (``templates/_action_buttons.html``): an order at risk offers a new promised
date, shipping the part in stock and a transfer from where the stock is free; a case
offers the actions that fix its type of problem; a customer on credit hold its release;
a product, per warehouse, a stock count and releasing what quality holds. Each button
is a link to the action's form (``/actions/new``) with what the page already knows
filled in, so a person acts in a click or two and always previews before asking.

The buttons are offered to people who may ask for actions; the template functions read
the visitor from the request, so the pages' view functions need not know about them.
The header's count of requests waiting for the visitor's decision is read here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from controltower.api.auth import Authenticated
from controltower.api.entity_links import entity_url
from controltower.api.entity_schemas import CustomerPublic, ProductPublic, StockPositionPublic
from controltower.api.labels import order_id_of
from controltower.api.routes.orders import order_detail
from controltower.api.schemas import CaseDetailPublic, OrderDetailPublic, OrderLinePublic
from controltower.api.scope import PictureScope
from controltower.domain.actions import ACTION_LABELS, ActionType
from controltower.domain.cases import ACTIVE_STATES, ExceptionType
from controltower.domain.people import Permission, Principal
from controltower.storage.actions import awaiting_decision_count
from controltower.web.assets import TEMPLATES

if TYPE_CHECKING:
    from controltower.web.action_form_pages import Asked


@dataclass(frozen=True, slots=True)
class Button:
    """One action a page offers: its words and the form it opens."""

    label: str
    href: str
    action_type: ActionType


def new_action_link(
    action_type: ActionType,
    params: Mapping[str, object],
    *,
    query: str = "",
    case_id: str | None = None,
) -> str:
    """``/actions/new?type=...`` with ``params`` filled in (blank ones left out), the case
    it comes from and the page's company (``query``: the page's own, without ``?``)."""
    pairs: list[tuple[str, str]] = [("type", action_type.value)]
    pairs += [(name, str(value)) for name, value in params.items() if value not in (None, "")]
    if case_id:
        pairs.append(("case_id", case_id))
    pairs += parse_qsl(query)
    return f"/actions/new?{urlencode(pairs)}"


def _button(
    action_type: ActionType,
    params: Mapping[str, object],
    query: str,
    *,
    case_id: str | None = None,
    label: str | None = None,
) -> Button:
    return Button(
        label or ACTION_LABELS[action_type],
        new_action_link(action_type, params, query=query, case_id=case_id),
        action_type,
    )


def _plain(value: Decimal) -> str:
    """A quantity as a form field takes it: ``12.500`` -> ``12.5``."""
    text = format(value.normalize(), "f")
    return text


# --- An order ---------------------------------------------------------------------------


def _not_from_stock(line: OrderLinePublic) -> Decimal:
    """What of the line does not come from physical stock (quality, inbound or short)."""
    return max(Decimal(0), Decimal(line.open_qty) - Decimal(line.from_stock))


def ships_in_part(order: OrderDetailPublic) -> bool:
    """Whether some of the order is in stock and some is not: what a split ships."""
    in_stock = any(Decimal(line.from_stock) > 0 for line in order.lines)
    missing = any(_not_from_stock(line) > 0 for line in order.lines)
    return in_stock and missing


def transfer_params(order: OrderDetailPublic) -> dict[str, object] | None:
    """A transfer for the first line not covered from stock: from the warehouse with the
    most free stock of its product (as much as the line lacks, at most what is free
    there); with no free stock elsewhere, the product and destination only. None when
    every line is covered from stock."""
    for line in order.lines:
        lacking = _not_from_stock(line)
        if lacking <= 0:
            continue
        params: dict[str, object] = {"sku": line.sku, "to_warehouse": order.warehouse}
        free = [a for a in line.alternatives if Decimal(a.free_qty) > 0]
        if free:
            best = max(free, key=lambda a: (a.makes_promise, Decimal(a.free_qty)))
            params["from_warehouse"] = best.from_warehouse
            params["qty"] = _plain(min(lacking, Decimal(best.free_qty)))
        else:
            params["qty"] = _plain(lacking)
        return params
    return None


def order_buttons(order: OrderDetailPublic, query: str, case_id: str | None = None) -> list[Button]:
    """The actions an order offers: a new promised date (the projected one when it is
    later), shipping the part in stock, a transfer for what is missing."""
    later = order.projected_ship_date
    promised = {"promised_date": later.isoformat()} if later and later > order.promised_date else {}
    buttons = [
        _button(
            ActionType.CHANGE_PROMISED_DATE,
            {"order_id": order.order_id, **promised},
            query,
            case_id=case_id,
        )
    ]
    if ships_in_part(order):
        buttons.append(
            _button(ActionType.SPLIT_SHIPMENT, {"order_id": order.order_id}, query, case_id=case_id)
        )
    transfer = transfer_params(order)
    if transfer is not None:
        buttons.append(_button(ActionType.TRANSFER_STOCK, transfer, query, case_id=case_id))
    return buttons


# --- A case -----------------------------------------------------------------------------


def _pool(subject: str) -> tuple[str, str] | None:
    """``sku:CBL-1@WH-A`` -> (``CBL-1``, ``WH-A``)."""
    kind, _, rest = subject.partition(":")
    if kind != "sku" or "@" not in rest:
        return None
    sku, _, warehouse = rest.rpartition("@")
    return sku, warehouse


def _line(subject: str) -> tuple[str, str] | None:
    """``sales_order_line:SO1/3`` -> (``SO1``, ``3``)."""
    kind, _, rest = subject.partition(":")
    order_id, _, line = rest.rpartition("/")
    if kind != "sales_order_line" or not order_id or not line.isdigit():
        return None
    return order_id, line


def _code(subject: str, kind: str) -> str | None:
    found, _, rest = subject.partition(":")
    return rest if found == kind and rest else None


def case_buttons(
    case: CaseDetailPublic, query: str, order: OrderDetailPublic | None = None
) -> list[Button]:
    """The actions that fix the case's type of problem, each naming the case (so the
    request is filed with it). ``order``: the case's order, when it has one."""
    subject, case_id = case.subject, case.id
    match case.type:
        case ExceptionType.ORDER_AT_RISK if order is not None:
            return order_buttons(order, query, case_id=case_id)
        case ExceptionType.ORDER_AT_RISK:
            order_id = order_id_of(subject)
            params = {"order_id": order_id} if order_id else {}
            return [_button(ActionType.CHANGE_PROMISED_DATE, params, query, case_id=case_id)]
        case ExceptionType.CREDIT_HOLD:
            customer = _code(subject, "customer")
            params = {"customer": customer} if customer else {}
            return [_button(ActionType.RELEASE_CREDIT_HOLD, params, query, case_id=case_id)]
        case ExceptionType.PRICING_VARIANCE:
            line = _line(subject)
            params = {"order_id": line[0], "line": line[1]} if line else {}
            return [_button(ActionType.OVERRIDE_PRICE, params, query, case_id=case_id)]
        case ExceptionType.RETURN_PENDING_APPROVAL:
            rma = _code(subject, "return")
            params = {"rma_id": rma} if rma else {}
            return [_button(ActionType.AUTHORISE_RETURN, params, query, case_id=case_id)]
        case _:
            return _pool_buttons(case, query)


def _pool_buttons(case: CaseDetailPublic, query: str) -> list[Button]:
    """A quality hold: its bypass; a stock shortage: a transfer in or a count."""
    pool = _pool(case.subject)
    if pool is None:
        return []
    sku, warehouse = pool
    if case.type is ExceptionType.QUALITY_HOLD:
        params = {"sku": sku, "warehouse": warehouse}
        return [_button(ActionType.BYPASS_QUALITY, params, query, case_id=case.id)]
    if case.type is ExceptionType.STOCK_SHORTAGE:
        return [
            _button(
                ActionType.TRANSFER_STOCK,
                {"sku": sku, "to_warehouse": warehouse},
                query,
                case_id=case.id,
            ),
            _button(
                ActionType.ADJUST_INVENTORY,
                {"sku": sku, "warehouse": warehouse},
                query,
                case_id=case.id,
            ),
        ]
    return []


# --- A customer and a product -----------------------------------------------------------


def customer_buttons(customer: CustomerPublic, query: str) -> list[Button]:
    """A customer on credit hold offers its release."""
    if not customer.credit_hold:
        return []
    return [_button(ActionType.RELEASE_CREDIT_HOLD, {"customer": customer.code}, query)]


def position_buttons(
    product: ProductPublic, position: StockPositionPublic, query: str
) -> list[Button]:
    """A product at one warehouse: correct its count; release what quality holds."""
    at = {"sku": product.sku, "warehouse": position.warehouse}
    buttons = [
        _button(
            ActionType.ADJUST_INVENTORY,
            {**at, "on_hand": _plain(Decimal(position.on_hand))},
            query,
            label="Adjust the count",
        )
    ]
    if Decimal(position.quality_hold) > 0:
        buttons.append(
            _button(
                ActionType.BYPASS_QUALITY,
                {**at, "qty": _plain(Decimal(position.quality_hold))},
                query,
                label="Release from quality hold",
            )
        )
    return buttons


# --- What the templates call ------------------------------------------------------------


def _requester(request: Request) -> Principal | None:
    """The visitor when they may ask for actions (else None: no buttons)."""
    me: Authenticated | None = getattr(request.state, "authenticated", None)
    if me is None or not me.principal.may(Permission.REQUEST_ACTIONS):
        return None
    return me.principal


def buttons_for(request: Request, kind: str, thing: Any, query: str = "") -> Any:
    """The buttons of an order or customer page (``kind``), or per warehouse of a product
    page (a dict of lists), for a visitor who may ask for actions."""
    if _requester(request) is None:
        return {} if kind == "product" else []
    if kind == "order":
        return order_buttons(thing, query)
    if kind == "customer":
        return customer_buttons(thing, query)
    if kind == "product":
        return {p.warehouse: position_buttons(thing, p, query) for p in thing.positions}
    raise ValueError(f"no action buttons for a {kind} page")


def for_case(
    request: Request, session: Session, scope: PictureScope, case: CaseDetailPublic, query: str
) -> list[Button]:
    """The buttons of a case page, for a visitor who may ask for actions, while the case
    is active; an order at risk reads its order for what is in stock and free elsewhere."""
    if _requester(request) is None or case.state not in ACTIVE_STATES:
        return []
    order = None
    order_id = order_id_of(case.subject)
    if case.type is ExceptionType.ORDER_AT_RISK and order_id is not None:
        order = order_detail(session, scope, order_id)
    return case_buttons(case, query, order)


def subject_link_of(asked: Asked, query: str) -> tuple[str, str] | None:
    """Where the action form leads back to: the case it was asked from, else the page of
    what it acts on (an order, customer or product), as (address, words)."""
    values = asked.values
    if asked.case_id:
        suffix = f"?{query}" if query else ""
        return f"/exceptions/cases/{asked.case_id}{suffix}", "Back to the case"
    order_id, customer, sku = values.get("order_id"), values.get("customer"), values.get("sku")
    if order_id:
        return entity_url("order", order_id, query), f"Back to order {order_id}"
    if customer:
        return entity_url("customer", customer, query), f"Back to customer {customer}"
    if sku:
        return entity_url("product", sku, query), f"Back to product {sku}"
    return None


#: the header's count when it cannot be read (the link is shown without it)
NO_COUNT: Final = None


def awaiting_count(request: Request, principal: Principal) -> int | None:
    """How many requests wait for ``principal``'s decision: one indexed count, on the
    request's own connection when it has one."""
    own: Session | None = getattr(request.state, "session", None)
    try:
        if own is not None:
            return awaiting_decision_count(own, principal)
        factory: sessionmaker[Session] | None = getattr(request.app.state, "session_factory", None)
        if factory is None:
            return NO_COUNT
        with factory() as session:
            return awaiting_decision_count(session, principal)
    except SQLAlchemyError:
        return NO_COUNT


TEMPLATES.env.globals["action_buttons_for"] = buttons_for
