"""The demand priority key: each level of ``allocation.md`` decides before the next."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from controltower.domain.model import SalesOrder, SalesOrderLine, Tier
from controltower_oracle.priority import PriorityKey, demand_priority


def key(
    order_id: str = "SO1",
    *,
    line: int = 1,
    expedite: bool = False,
    promised: date = date(2026, 11, 30),
    tier: Tier = Tier.STANDARD,
    ordered: date = date(2026, 11, 1),
) -> PriorityKey:
    order = SalesOrder(order_id, "C1", "WH", ordered, promised, expedite=expedite)
    return demand_priority(order, tier, SalesOrderLine(order_id, line, "SKU", Decimal(1)))


def test_expedited_order_comes_before_an_earlier_promise_and_a_better_tier() -> None:
    expedited = key("SO9", expedite=True, promised=date(2026, 12, 31), tier=Tier.STANDARD)
    not_expedited = key("SO1", promised=date(2026, 11, 26), tier=Tier.STRATEGIC)
    assert expedited < not_expedited


def test_earlier_promise_comes_before_a_better_tier() -> None:
    assert key(promised=date(2026, 11, 26), tier=Tier.STANDARD) < key(
        promised=date(2026, 11, 27), tier=Tier.STRATEGIC
    )


def test_tier_orders_strategic_then_key_then_standard() -> None:
    strategic, key_tier, standard = (key(tier=t) for t in Tier)
    assert strategic < key_tier < standard


def test_tier_comes_before_an_earlier_order_date() -> None:
    assert key(tier=Tier.KEY, ordered=date(2026, 11, 20)) < key(
        tier=Tier.STANDARD, ordered=date(2026, 10, 1)
    )


def test_earlier_order_date_comes_before_a_smaller_order_id() -> None:
    assert key("SO9", ordered=date(2026, 11, 1)) < key("SO1", ordered=date(2026, 11, 2))


def test_order_id_compares_as_a_plain_string_so_so10_comes_before_so2() -> None:
    assert key("SO10") < key("SO2")


def test_order_id_compares_by_code_point_so_upper_case_comes_before_lower_case() -> None:
    assert key("SO-b") > key("SO-B")


def test_line_number_breaks_the_last_tie_in_number_order() -> None:
    assert key("SO1", line=2) < key("SO1", line=10)
