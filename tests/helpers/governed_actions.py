"""Parameters of governed actions on the small demo, found in the picture rather than
hard-coded: each candidate is planned (``plan_action``) and weighed by the default
policy's approval rules, and the first that fits what a test wants is taken."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from controltower.domain.action_plans import ActionPlan, plan_action
from controltower.domain.actions import ActionParamError, ActionType
from controltower.domain.approvals import ApprovalRequirement, requirement
from controltower.domain.model import Dataset, OrderStatus, ReturnStatus, SalesOrder
from controltower.domain.tables import DatasetTables, tables_from_dataset
from controltower.policy import load_policy
from helpers.scanned_demo import AS_OF, demo_dataset

Params = dict[str, Any]


@cache
def demo_tables() -> DatasetTables:
    return tables_from_dataset(demo_dataset())


def _open_orders(d: Dataset) -> Iterator[SalesOrder]:
    return (o for o in d.sales_orders if o.status is OrderStatus.OPEN)


def _promised_dates(d: Dataset) -> Iterator[Params]:
    for order in _open_orders(d):
        later = order.promised_date + timedelta(days=14)
        yield {"order_id": order.order_id, "promised_date": later.isoformat()}


def _splits(d: Dataset) -> Iterator[Params]:
    for order in _open_orders(d):
        yield {"order_id": order.order_id}


def _transfers(d: Dataset) -> Iterator[Params]:
    lanes = [(lane.from_warehouse, lane.to_warehouse) for lane in d.transfer_lanes]
    for stock in d.stock:
        if stock.on_hand - stock.quality_hold < 2:
            continue
        for source, target in lanes:
            if source == stock.warehouse:
                yield {"sku": stock.sku, "from_warehouse": source, "to_warehouse": target, "qty": 1}


def _credit_releases(d: Dataset) -> Iterator[Params]:
    until = (AS_OF + timedelta(days=30)).isoformat()
    for customer in d.customers:
        if customer.credit_hold:
            yield {"customer": customer.code, "until": until}


def _price_overrides(d: Dataset) -> Iterator[Params]:
    open_ids = {o.order_id for o in _open_orders(d)}
    for line in d.sales_order_lines:
        if line.order_id in open_ids and line.unit_price and line.qty > line.qty_shipped:
            for factor in (Decimal("0.97"), Decimal("0.5")):
                price = (line.unit_price * factor).quantize(Decimal("0.01"))
                yield {"order_id": line.order_id, "line": line.line, "price": str(price)}


def _returns(d: Dataset) -> Iterator[Params]:
    for rma in d.returns:
        if rma.status is ReturnStatus.REQUESTED:
            yield {"rma_id": rma.rma_id}


def _adjustments(d: Dataset) -> Iterator[Params]:
    for stock in d.stock:
        for delta in (1, 500):
            on_hand = stock.on_hand + delta
            yield {"sku": stock.sku, "warehouse": stock.warehouse, "on_hand": str(on_hand)}


def _quality_bypasses(d: Dataset) -> Iterator[Params]:
    for stock in d.stock:
        if stock.quality_hold >= 1:
            yield {"sku": stock.sku, "warehouse": stock.warehouse, "qty": 1}


CANDIDATES: dict[ActionType, Callable[[Dataset], Iterator[Params]]] = {
    ActionType.CHANGE_PROMISED_DATE: _promised_dates,
    ActionType.SPLIT_SHIPMENT: _splits,
    ActionType.TRANSFER_STOCK: _transfers,
    ActionType.RELEASE_CREDIT_HOLD: _credit_releases,
    ActionType.OVERRIDE_PRICE: _price_overrides,
    ActionType.AUTHORISE_RETURN: _returns,
    ActionType.ADJUST_INVENTORY: _adjustments,
    ActionType.BYPASS_QUALITY: _quality_bypasses,
}


def planned(action: ActionType, params: Params) -> tuple[ActionPlan, ApprovalRequirement]:
    """The plan of ``params`` on the demo as of the scan, and what the default policy
    asks of it (raises ``ActionParamError`` when the picture refuses it)."""
    policy = load_policy()
    plan = plan_action(
        demo_tables(), action, params, as_of=AS_OF, allocation=policy.allocation.to_domain()
    )
    return plan, requirement(policy.approvals.to_domain(), action, plan.facts)


def find_params(
    action: ActionType,
    *,
    approvals: int | None = None,
    warehouse: str | None = None,
    fits: Callable[[ActionPlan], bool] = lambda _: True,
) -> Params:
    """The first candidate the picture accepts whose requirement asks for ``approvals``
    (any when None), filed at ``warehouse`` (any when None) and that ``fits``."""
    for params in CANDIDATES[action](demo_dataset()):
        try:
            plan, needs = planned(action, params)
        except ActionParamError:
            continue
        if approvals is not None and needs.approvals != approvals:
            continue
        if warehouse is not None and plan.warehouse != warehouse:
            continue
        if fits(plan):
            return params
    raise LookupError(f"the demo has no {action} with {approvals} approvals at {warehouse}")
