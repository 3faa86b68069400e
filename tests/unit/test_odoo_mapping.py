"""The Odoo mapping's rules, on a mirror written by hand (no server).

Each test states one rule of ``docs/odoo.md`` with the smallest records that show it;
the sync tests run the same mapping over HTTP against the fake Odoo server.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from controltower.connectors.odoo.flavour import OdooFlavour
from controltower.connectors.odoo.mapping import MappingOutcome, map_mirror
from controltower.connectors.odoo.reader import MirrorState
from controltower.connectors.odoo.settings import OdooSettings, TransferLaneSetting
from controltower.domain.model import OrderStatus, ReturnStatus, Tier

FLAVOUR_17 = OdooFlavour(
    major=17,
    line_uom="product_uom",
    move_uom="product_uom",
    storable_field=None,
    purchase_states=("purchase", "done"),
    vendor_confirmed_field="mail_reminder_confirmed",
    open_payment_states=("not_paid", "partial"),
    partner_optional=("credit_limit", "use_partner_credit_limit", "sale_warn", "tz"),
    move_quantity="quantity",
    picking_return_field=None,
)


def _mirror(**extra: dict[int, dict[str, Any]]) -> MirrorState:
    """A one-company, one-warehouse business; ``extra`` adds or replaces models."""
    records: dict[str, dict[int, dict[str, Any]]] = {
        "res.company": {
            1: {
                "id": 1,
                "name": "Lowlands",
                "partner_id": [1, "Lowlands"],
                "currency_id": [1, "EUR"],
            }
        },
        "res.users": {2: {"id": 2, "login": "anna"}, 3: {"id": 3, "login": "bob"}},
        "uom.uom": {
            1: {"id": 1, "name": "Units", "factor": 1.0},
            2: {"id": 2, "name": "Dozens", "factor": 1 / 12},
        },
        "res.partner.category": {
            1: {"id": 1, "name": "Strategic"},
            2: {"id": 2, "name": "Credit Hold"},
        },
        "crm.tag": {1: {"id": 1, "name": "Expedite"}},
        "stock.warehouse": {
            1: {
                "id": 1,
                "name": "Main",
                "code": "WH",
                "company_id": [1, "Lowlands"],
                "view_location_id": [10, "WH"],
                "pick_type_id": [31, "Pick"],
                "delivery_steps": "ship_only",
            },
        },
        "stock.location": {
            10: {"id": 10, "complete_name": "WH", "usage": "view", "location_id": False},
            11: {
                "id": 11,
                "complete_name": "WH/Stock",
                "usage": "internal",
                "location_id": [10, "WH"],
            },
            12: {
                "id": 12,
                "complete_name": "WH/Stock/Quality",
                "usage": "internal",
                "location_id": [11, "WH/Stock"],
            },
            20: {
                "id": 20,
                "complete_name": "Partners/Customers",
                "usage": "customer",
                "location_id": False,
            },
            21: {
                "id": 21,
                "complete_name": "Partners/Vendors",
                "usage": "supplier",
                "location_id": False,
            },
        },
        "stock.picking.type": {
            30: {"id": 30, "code": "incoming", "warehouse_id": [1, "Main"]},
            31: {"id": 31, "code": "internal", "warehouse_id": [1, "Main"]},
            32: {"id": 32, "code": "outgoing", "warehouse_id": [1, "Main"]},
        },
        "res.partner": {
            1: {
                "id": 1,
                "name": "Lowlands",
                "ref": False,
                "commercial_partner_id": [1, "Lowlands"],
                "category_id": [],
                "user_id": False,
                "tz": "Europe/Brussels",
            },
            40: {
                "id": 40,
                "name": "Acme",
                "ref": "C-ACME",
                "commercial_partner_id": [40, "Acme"],
                "category_id": [1],
                "user_id": [2, "Anna"],
                "credit_limit": 5000.0,
                "use_partner_credit_limit": True,
                "sale_warn": "no-message",
            },
            41: {
                "id": 41,
                "name": "Acme, Jo",
                "ref": False,
                "commercial_partner_id": [40, "Acme"],
                "category_id": [],
                "user_id": False,
            },
            42: {
                "id": 42,
                "name": "Vendor",
                "ref": "V1",
                "commercial_partner_id": [42, "Vendor"],
                "category_id": [],
                "user_id": False,
            },
        },
        "product.product": {
            50: {
                "id": 50,
                "default_code": "BOLT",
                "name": "Bolt",
                "standard_price": 0.5,
                "list_price": 1.25,
                "uom_id": [1, "Units"],
            },
        },
    }
    records.update(extra)
    return MirrorState(records=records, watermarks={})


def _map(state: MirrorState, settings: OdooSettings | None = None) -> MappingOutcome:
    return map_mirror(state, FLAVOUR_17, settings or OdooSettings())


def _order(**values: Any) -> dict[str, Any]:
    order = {
        "id": 60,
        "name": "S00060",
        "state": "sale",
        "partner_id": [41, "Acme, Jo"],
        "warehouse_id": [1, "Main"],
        "company_id": [1, "Lowlands"],
        "currency_id": [1, "EUR"],
        "currency_rate": 1.0,
        "date_order": "2026-11-30 23:30:00",
        "commitment_date": False,
        "expected_date": "2026-12-03 23:30:00",
        "picking_policy": "direct",
        "tag_ids": [1],
        "user_id": [3, "Bob"],
        "delivery_status": "pending",
    }
    order.update(values)
    return order


def _line(**values: Any) -> dict[str, Any]:
    line = {
        "id": 70,
        "order_id": [60, "S00060"],
        "product_id": [50, "[BOLT] Bolt"],
        "product_uom_qty": 2.0,
        "product_uom": [2, "Dozens"],
        "qty_delivered": 1.0,
        "price_unit": 12.0,
        "discount": 10.0,
    }
    line.update(values)
    return line


def test_an_order_by_a_contact_belongs_to_its_company_with_local_dates() -> None:
    outcome = _map(_mirror(**{"sale.order": {60: _order()}, "sale.order.line": {70: _line()}}))
    (order,) = outcome.dataset.sales_orders
    assert order.order_id == "S00060"
    assert order.customer == "C-ACME"
    # 23:30 UTC on 30 Nov is 1 Dec in Brussels
    assert order.order_date == date(2026, 12, 1)
    assert order.promised_date == date(2026, 12, 4)
    assert order.expedite is True
    assert order.accepts_partial is True
    assert order.salesperson == "bob"
    (customer,) = outcome.dataset.customers
    assert customer.tier is Tier.STRATEGIC
    assert customer.credit_limit == Decimal(5000)
    assert customer.credit_hold is False
    assert customer.account_owner == "anna"


def test_a_line_in_dozens_is_counted_in_units_at_its_discounted_price() -> None:
    outcome = _map(_mirror(**{"sale.order": {60: _order()}, "sale.order.line": {70: _line()}}))
    (line,) = outcome.dataset.sales_order_lines
    assert line.line == 70
    assert line.sku == "BOLT"
    assert line.qty == Decimal(24)
    assert line.qty_shipped == Decimal(12)
    # 12 a dozen less 10%: 0.9 a unit
    assert line.unit_price == Decimal("0.9")


def test_commitment_date_wins_over_the_expected_date() -> None:
    order = _order(commitment_date="2026-12-10 08:00:00")
    outcome = _map(_mirror(**{"sale.order": {60: order}, "sale.order.line": {70: _line()}}))
    assert outcome.dataset.sales_orders[0].promised_date == date(2026, 12, 10)


def test_an_order_is_done_when_every_line_is_delivered() -> None:
    outcome = _map(
        _mirror(**{"sale.order": {60: _order()}, "sale.order.line": {70: _line(qty_delivered=2.0)}})
    )
    assert outcome.dataset.sales_orders[0].status is OrderStatus.DONE


def test_a_line_without_product_is_reported_and_the_rest_goes_on() -> None:
    lines = {70: _line(), 71: _line(id=71, product_id=False)}
    outcome = _map(_mirror(**{"sale.order": {60: _order()}, "sale.order.line": lines}))
    assert [line.line for line in outcome.dataset.sales_order_lines] == [70]
    assert outcome.unmapped == ["sale.order.line 71: the line has no product (deleted?)"]


def test_products_sharing_a_reference_are_told_apart_and_blank_ones_get_an_id() -> None:
    products = {
        50: {
            "id": 50,
            "default_code": "DUP",
            "name": "A",
            "standard_price": 1,
            "list_price": 2,
            "uom_id": [1, "Units"],
        },
        51: {
            "id": 51,
            "default_code": "DUP",
            "name": "B",
            "standard_price": 1,
            "list_price": 2,
            "uom_id": [1, "Units"],
        },
        52: {
            "id": 52,
            "default_code": False,
            "name": "C",
            "standard_price": 1,
            "list_price": 2,
            "uom_id": [1, "Units"],
        },
    }
    outcome = _map(_mirror(**{"product.product": products}))
    assert sorted(p.sku for p in outcome.dataset.products) == ["DUP#50", "DUP#51", "product-52"]
    assert any("'DUP'" in warning for warning in outcome.warnings)


def test_stock_sums_internal_quants_per_warehouse_with_the_quality_part() -> None:
    quants = {
        80: {
            "id": 80,
            "product_id": [50, "Bolt"],
            "location_id": [11, "WH/Stock"],
            "quantity": 10.0,
        },
        81: {
            "id": 81,
            "product_id": [50, "Bolt"],
            "location_id": [12, "WH/Stock/Quality"],
            "quantity": 3.0,
        },
    }
    outcome = _map(_mirror(**{"stock.quant": quants}))
    (level,) = outcome.dataset.stock
    assert (level.sku, level.warehouse, level.on_hand, level.quality_hold) == (
        "BOLT",
        "WH",
        Decimal(13),
        Decimal(3),
    )


def test_credit_hold_from_the_partner_tag_or_blocking_warning() -> None:
    state = _mirror(**{"sale.order": {60: _order()}, "sale.order.line": {70: _line()}})
    state.records["res.partner"][40]["category_id"] = [2]
    assert _map(state).dataset.customers[0].credit_hold is True
    state.records["res.partner"][40]["category_id"] = []
    state.records["res.partner"][40]["sale_warn"] = "block"
    assert _map(state).dataset.customers[0].credit_hold is True


def test_an_unreadable_credit_limit_leaves_the_column_blank() -> None:
    state = _mirror(**{"sale.order": {60: _order()}, "sale.order.line": {70: _line()}})
    for field in ("credit_limit", "use_partner_credit_limit"):
        del state.records["res.partner"][40][field]
    assert _map(state).dataset.customers[0].credit_limit is None


def _purchase(**values: Any) -> dict[str, Any]:
    order = {
        "id": 90,
        "name": "P00090",
        "state": "purchase",
        "partner_id": [42, "Vendor"],
        "picking_type_id": [30, "Receipts"],
        "company_id": [1, "Lowlands"],
        "currency_id": [1, "EUR"],
        "currency_rate": 1.0,
        "date_order": "2026-11-01 10:00:00",
        "date_approve": "2026-11-02 10:00:00",
        "date_planned": "2026-12-08 10:00:00",
        "user_id": [2, "Anna"],
        "receipt_status": "partial",
        "mail_reminder_confirmed": True,
    }
    order.update(values)
    return order


def _purchase_line() -> dict[str, Any]:
    return {
        "id": 91,
        "order_id": [90, "P00090"],
        "product_id": [50, "Bolt"],
        "product_qty": 100.0,
        "product_uom": [1, "Units"],
        "qty_received": 40.0,
        "date_planned": "2026-12-08 10:00:00",
        "price_unit": 0.45,
    }


def _receipt_move(**values: Any) -> dict[str, Any]:
    move = {
        "id": 95,
        "product_id": [50, "Bolt"],
        "product_uom_qty": 40.0,
        "product_uom": [1, "Units"],
        "quantity": 40.0,
        "state": "done",
        "date": "2026-11-20 09:00:00",
        "picking_id": [96, "WH/IN/00001"],
        "location_id": [21, "Partners/Vendors"],
        "location_dest_id": [11, "WH/Stock"],
        "sale_line_id": False,
        "purchase_line_id": [91, "P00090: Bolt"],
        "origin_returned_move_id": False,
        "move_dest_ids": [],
    }
    move.update(values)
    return move


def test_a_confirmed_purchase_with_its_receipt_and_scrap() -> None:
    state = _mirror(
        **{
            "purchase.order": {90: _purchase()},
            "purchase.order.line": {91: _purchase_line()},
            "stock.move": {95: _receipt_move()},
            "stock.scrap": {
                97: {
                    "id": 97,
                    "product_id": [50, "Bolt"],
                    "scrap_qty": 2.0,
                    "picking_id": [96, "WH/IN/00001"],
                    "state": "done",
                }
            },
        }
    )
    dataset = _map(state).dataset
    (po,) = dataset.purchase_orders
    assert (po.po_id, po.supplier, po.warehouse, po.buyer) == ("P00090", "V1", "WH", "anna")
    assert po.order_date == date(2026, 11, 2)
    assert po.confirmed_date == date(2026, 11, 2)
    assert po.expected_date == date(2026, 12, 8)
    assert dataset.suppliers[0].code == "V1"
    (receipt,) = dataset.receipts
    assert receipt.receipt_id == "WH/IN/00001/95"
    assert (receipt.po_id, receipt.line, receipt.qty, receipt.damaged_qty) == (
        "P00090",
        91,
        Decimal(40),
        Decimal(2),
    )
    assert receipt.put_away is True


def test_a_receipt_waiting_for_put_away() -> None:
    state = _mirror(
        **{
            "purchase.order": {90: _purchase(mail_reminder_confirmed=False)},
            "purchase.order.line": {91: _purchase_line()},
            "stock.move": {95: _receipt_move(move_dest_ids=[98])},
            "stock.move.put_away": {
                98: {
                    "id": 98,
                    "state": "assigned",
                    "location_dest_id": [11, "WH/Stock"],
                    "quantity": 40.0,
                }
            },
        }
    )
    dataset = _map(state).dataset
    assert dataset.purchase_orders[0].confirmed_date is None
    assert dataset.receipts[0].put_away is False


def test_open_receivables_only_signed_in_company_currency() -> None:
    invoices = {
        100: {
            "id": 100,
            "name": "INV/1",
            "move_type": "out_invoice",
            "state": "posted",
            "payment_state": "not_paid",
            "commercial_partner_id": [40, "Acme"],
            "invoice_date_due": "2026-11-15",
            "amount_residual_signed": 120.5,
        },
        101: {
            "id": 101,
            "name": "RINV/1",
            "move_type": "out_refund",
            "state": "posted",
            "payment_state": "partial",
            "commercial_partner_id": [40, "Acme"],
            "invoice_date_due": "2026-11-20",
            "amount_residual_signed": -20.0,
        },
        102: {
            "id": 102,
            "name": "INV/2",
            "move_type": "out_invoice",
            "state": "posted",
            "payment_state": "paid",
            "commercial_partner_id": [40, "Acme"],
            "invoice_date_due": "2026-11-20",
            "amount_residual_signed": 0.0,
        },
    }
    dataset = _map(_mirror(**{"account.move": invoices})).dataset
    assert [(i.invoice_id, i.amount_residual) for i in dataset.invoices] == [
        ("INV/1", Decimal("120.5")),
        ("RINV/1", Decimal(-20)),
    ]


def test_picks_and_returns_of_a_synced_order() -> None:
    pickings = {
        110: {
            "id": 110,
            "name": "WH/OUT/00001",
            "picking_type_id": [32, "Delivery"],
            "picking_type_code": "outgoing",
            "sale_id": [60, "S00060"],
            "partner_id": [41, "Acme, Jo"],
            "create_date": "2026-12-01 07:00:00",
            "user_id": [3, "Bob"],
            "state": "assigned",
            "location_id": [11, "WH/Stock"],
        },
        111: {
            "id": 111,
            "name": "WH/RET/00001",
            "picking_type_id": [30, "Receipts"],
            "picking_type_code": "incoming",
            "sale_id": [60, "S00060"],
            "partner_id": [41, "Acme, Jo"],
            "create_date": "2026-12-02 07:00:00",
            "user_id": False,
            "state": "done",
            "location_id": [20, "Partners/Customers"],
        },
    }
    moves = {
        112: {
            "id": 112,
            "product_id": [50, "Bolt"],
            "product_uom_qty": 5.0,
            "product_uom": [1, "Units"],
            "quantity": 5.0,
            "state": "done",
            "date": "2026-12-02 08:00:00",
            "picking_id": [111, "WH/RET/00001"],
            "location_id": [20, "Partners/Customers"],
            "location_dest_id": [11, "WH/Stock"],
            "sale_line_id": [70, "x"],
            "purchase_line_id": False,
            "origin_returned_move_id": [99, "x"],
            "move_dest_ids": [],
        },
    }
    state = _mirror(
        **{
            "sale.order": {60: _order()},
            "sale.order.line": {70: _line()},
            "stock.picking": pickings,
            "stock.move": moves,
        }
    )
    dataset = _map(state).dataset
    (pick,) = dataset.picks
    assert (pick.pick_id, pick.order_id, pick.warehouse, pick.assigned_to) == (
        "WH/OUT/00001",
        "S00060",
        "WH",
        "bob",
    )
    assert pick.created_at == datetime(2026, 12, 1, 7)
    (returned,) = dataset.returns
    assert (returned.rma_id, returned.customer, returned.qty, returned.status) == (
        "WH/RET/00001",
        "C-ACME",
        Decimal(5),
        ReturnStatus.RECEIVED,
    )
    # the return's move does not hold stock for the order line
    assert dataset.sales_order_lines[0].qty_reserved == 0


def test_settings_fill_capacity_and_lanes_and_skip_unknown_warehouses() -> None:
    settings = OdooSettings(
        pick_capacity={"WH": 400},
        transfer_lanes=(
            TransferLaneSetting(from_warehouse="WH", to_warehouse="NOPE", transit_days=2),
        ),
    )
    outcome = _map(_mirror(), settings)
    assert outcome.dataset.warehouses[0].pick_capacity_lines_per_day == 400
    assert outcome.dataset.transfer_lanes == []
    assert any("NOPE" in warning for warning in outcome.warnings)


def test_a_warehouse_without_code_is_reported() -> None:
    state = _mirror()
    state.records["stock.warehouse"][1]["code"] = False
    outcome = _map(state)
    assert outcome.dataset.warehouses == []
    assert outcome.unmapped == ["stock.warehouse 1: the warehouse has no short name (code)"]


def test_odoo_s_no_date_is_no_date_and_an_order_without_one_is_reported() -> None:
    state = _mirror(
        **{
            "purchase.order": {90: _purchase(date_planned="9999-12-31 00:00:00")},
            "purchase.order.line": {
                91: {**_purchase_line(), "date_planned": "9999-12-31 00:00:00"}
            },
        }
    )
    outcome = _map(state)
    assert outcome.dataset.purchase_orders == []
    assert outcome.unmapped == ["purchase.order 90: it has no order date or no expected arrival"]


def test_control_characters_in_names_become_spaces() -> None:
    state = _mirror()
    state.records["product.product"][50]["name"] = "Bolt\x00 M8\x1b"
    assert _map(state).dataset.products[0].name == "Bolt  M8"
