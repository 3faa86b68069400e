"""Transfer alternatives: free stock elsewhere in the company that a lane reaches."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from controltower.domain.analysis import TransferAlternative
from controltower.domain.model import TransferLane, Warehouse
from controltower_oracle.alternatives import transfer_alternatives

D = date(2026, 11, 25)
SKU = "CBL-2X14"

WAREHOUSES = {
    w.code: w
    for w in [
        Warehouse("WH-EAST", company="acme"),
        Warehouse("WH-WEST", company="acme"),
        Warehouse("WH-NORTH", company="acme"),
        Warehouse("WH-SOUTH", company="acme"),
        Warehouse("WH-OTHERCO", company="other"),
    ]
}


def find(
    lanes: list[TransferLane],
    free: dict[str, str],
    *,
    promised: date = D + timedelta(days=2),
    to: str = "WH-EAST",
) -> tuple[TransferAlternative, ...]:
    return transfer_alternatives(
        sku=SKU,
        to_warehouse=WAREHOUSES.get(to),
        promised_date=promised,
        as_of=D,
        lanes_into=[lane for lane in lanes if lane.to_warehouse == to],
        warehouse=WAREHOUSES.get,
        free_stock=lambda sku, wh: Decimal(free.get(wh, "0")) if sku == SKU else Decimal(0),
    )


def test_free_stock_reached_by_a_lane_is_an_alternative_with_its_arrival() -> None:
    found = find([TransferLane("WH-WEST", "WH-EAST", 2)], {"WH-WEST": "40"})
    assert found == (TransferAlternative("WH-WEST", Decimal(40), 2, D + timedelta(days=2), True),)


def test_arriving_after_the_promise_does_not_make_it() -> None:
    found = find([TransferLane("WH-WEST", "WH-EAST", 3)], {"WH-WEST": "1"})
    assert [alt.makes_promise for alt in found] == [False]


def test_warehouse_of_another_company_offers_nothing() -> None:
    assert find([TransferLane("WH-OTHERCO", "WH-EAST", 1)], {"WH-OTHERCO": "40"}) == ()


def test_lane_in_the_other_direction_offers_nothing() -> None:
    assert find([TransferLane("WH-EAST", "WH-WEST", 1)], {"WH-WEST": "40"}) == ()


def test_warehouse_without_free_stock_offers_nothing() -> None:
    assert find([TransferLane("WH-WEST", "WH-EAST", 1)], {"WH-WEST": "0"}) == ()


def test_a_warehouse_without_a_lane_offers_nothing_even_with_free_stock() -> None:
    assert find([TransferLane("WH-WEST", "WH-EAST", 1)], {"WH-NORTH": "9"}) == ()


def test_alternatives_are_sorted_by_arrival_then_warehouse_code() -> None:
    lanes = [
        TransferLane("WH-WEST", "WH-EAST", 3),
        TransferLane("WH-SOUTH", "WH-EAST", 1),
        TransferLane("WH-NORTH", "WH-EAST", 1),
    ]
    found = find(lanes, {"WH-WEST": "5", "WH-SOUTH": "5", "WH-NORTH": "0.5"})
    assert [(alt.from_warehouse, alt.free_qty) for alt in found] == [
        ("WH-NORTH", Decimal("0.5")),
        ("WH-SOUTH", Decimal(5)),
        ("WH-WEST", Decimal(5)),
    ]


def test_unknown_destination_warehouse_has_no_alternatives() -> None:
    lanes = [TransferLane("WH-WEST", "WH-GONE", 1)]
    assert find(lanes, {"WH-WEST": "5"}, to="WH-GONE") == ()
