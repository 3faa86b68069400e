"""Root-cause grouping: exceptions sharing a cause are one incident with many impacts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.incidents import group_incidents, incident_id

AT_RISK = ExceptionType.ORDER_AT_RISK


@dataclass(frozen=True)
class Record:
    type: ExceptionType
    subject: str
    cause: str
    value_at_risk: Decimal = Decimal(0)
    severity: Severity = Severity.MEDIUM
    related: tuple[str, ...] = ()


def test_a_late_po_hurting_twenty_orders_is_one_incident_with_twenty_impacts() -> None:
    orders = [f"sales_order:SO{n:02}" for n in range(20)]
    records = [
        Record(
            ExceptionType.SUPPLIER_DELAY,
            "purchase_order:PO7",
            "purchase_order:PO7",
            Decimal(2000),
            Severity.HIGH,
            tuple(orders),
        ),
        *(Record(AT_RISK, o, "purchase_order:PO7", Decimal(100)) for o in orders),
    ]
    (incident,) = group_incidents(records)
    assert incident.cause == "purchase_order:PO7"
    assert incident.root_type is ExceptionType.SUPPLIER_DELAY
    assert incident.has_root_case
    assert incident.impacts == tuple(orders)
    assert incident.value_at_risk == Decimal(2000)
    assert incident.severity is Severity.HIGH
    assert incident.title == "Supplier delay on purchase order PO7, 20 impacts"
    assert len(incident.members) == 21


def test_a_credit_hold_over_several_orders_is_worth_the_orders_it_makes_late() -> None:
    """The blocked invoice is one of its impacts, but the incident's value counts only
    the orders it makes late: what the overview calls the orders hit."""
    records = [
        Record(ExceptionType.CREDIT_HOLD, "customer:C1", "customer:C1", Decimal(300)),
        Record(AT_RISK, "sales_order:SO1", "customer:C1", Decimal(100), Severity.CRITICAL),
        Record(AT_RISK, "sales_order:SO2", "customer:C1", Decimal(200)),
        Record(ExceptionType.INVOICE_BLOCKED, "invoice:INV9", "customer:C1", Decimal(800)),
    ]
    (incident,) = group_incidents(records)
    assert incident.root_type is ExceptionType.CREDIT_HOLD
    assert incident.impacts == ("invoice:INV9", "sales_order:SO1", "sales_order:SO2")
    assert incident.orders == ("sales_order:SO1", "sales_order:SO2")
    assert incident.value_at_risk == Decimal(300)
    assert incident.severity is Severity.CRITICAL


def test_one_subject_hurt_twice_by_a_cause_counts_once_at_its_highest_value() -> None:
    records = [
        Record(ExceptionType.STOCK_SHORTAGE, "sku:CBL@WH", "sku:CBL@WH", Decimal(50)),
        Record(AT_RISK, "sales_order:SO1", "sku:CBL@WH", Decimal(400)),
        Record(ExceptionType.EXPEDITE_REQUEST, "sales_order:SO1", "sku:CBL@WH", Decimal(400)),
        Record(AT_RISK, "sales_order:SO2", "sku:CBL@WH", Decimal(100)),
    ]
    (incident,) = group_incidents(records)
    assert incident.impacts == ("sales_order:SO1", "sales_order:SO2")
    assert incident.value_at_risk == Decimal(500)


def test_a_root_whose_impacts_were_filtered_out_keeps_its_own_value() -> None:
    root = Record(
        ExceptionType.PICKING_BOTTLENECK,
        "warehouse:WH",
        "warehouse:WH",
        Decimal(900),
        related=("sales_order:SO1",),
    )
    (incident,) = group_incidents([root])
    assert incident.impacts == ("sales_order:SO1",)
    assert incident.value_at_risk == Decimal(900)


def test_two_roots_on_one_po_are_led_by_the_delay_not_the_missing_confirmation() -> None:
    records = [
        Record(
            ExceptionType.SUPPLIER_CONFIRMATION_OVERDUE,
            "purchase_order:PO7",
            "purchase_order:PO7",
            Decimal(10),
            Severity.CRITICAL,
        ),
        Record(
            ExceptionType.SUPPLIER_DELAY, "purchase_order:PO7", "purchase_order:PO7", Decimal(10)
        ),
    ]
    (incident,) = group_incidents(records)
    assert incident.root_type is ExceptionType.SUPPLIER_DELAY
    assert incident.impacts == ()
    assert incident.severity is Severity.CRITICAL


def test_a_cause_without_a_case_of_its_own_is_still_one_incident() -> None:
    records = [
        Record(AT_RISK, "sales_order:SO1", "purchase_order:PO9", Decimal(10), Severity.LOW),
        Record(AT_RISK, "sales_order:SO2", "purchase_order:PO9", Decimal(20), Severity.HIGH),
    ]
    (incident,) = group_incidents(records)
    assert not incident.has_root_case
    assert incident.root_type is AT_RISK
    assert incident.value_at_risk == Decimal(30)
    assert incident.title == "purchase order PO9: order at risk and related exceptions, 2 impacts"


def test_different_causes_make_different_incidents_biggest_first_with_stable_ids() -> None:
    """Those that make orders late first, by their value, the worse first on a tie; then
    the others (a price variance worth more still comes after them)."""
    records = [
        Record(AT_RISK, "sales_order:SO1", "customer:C1", Decimal(10), Severity.LOW),
        Record(AT_RISK, "sales_order:SO2", "purchase_order:PO7", Decimal(10), Severity.HIGH),
        Record(AT_RISK, "sales_order:SO3", "warehouse:WH", Decimal(99), Severity.LOW),
        Record(
            ExceptionType.PRICING_VARIANCE,
            "sales_order_line:SO4/1",
            "sales_order_line:SO4/1",
            Decimal(500),
        ),
    ]
    incidents = group_incidents(records)
    assert [i.cause for i in incidents] == [
        "warehouse:WH",
        "purchase_order:PO7",
        "customer:C1",
        "sales_order_line:SO4/1",
    ]
    assert incidents[0].id == incident_id("warehouse:WH")
    assert group_incidents(reversed(records))[0].id == incidents[0].id
    assert len({i.id for i in incidents}) == 4


def test_the_orders_an_incident_hits_are_those_whose_case_names_it_as_their_cause() -> None:
    """A pricing variance on a line of SO9 shares the cause but makes no order late; the
    PO's related SO5 is late for another reason (its own case names another cause)."""
    records = [
        Record(
            ExceptionType.SUPPLIER_DELAY,
            "purchase_order:PO7",
            "purchase_order:PO7",
            Decimal(300),
            related=("sales_order:SO1", "sales_order:SO5"),
        ),
        Record(AT_RISK, "sales_order:SO1", "purchase_order:PO7", Decimal(300)),
        Record(ExceptionType.PRICING_VARIANCE, "sales_order_line:SO9/1", "purchase_order:PO7"),
    ]
    (incident,) = group_incidents(records)
    assert incident.orders == ("sales_order:SO1",)


def test_a_recurring_review_neither_hits_orders_nor_counts_its_occurrences_value() -> None:
    review = Record(
        ExceptionType.RECURRING_EXCEPTION,
        "customer:C1:order_at_risk",
        "customer:C1:order_at_risk",
        Decimal(40_000),
        Severity.MEDIUM,
        related=("sales_order:SO1", "sales_order:SO2", "sales_order:SO3"),
    )
    (incident,) = group_incidents([review])
    assert (incident.orders, incident.impacts, incident.value_at_risk) == ((), (), Decimal(0))


def test_a_cause_reads_as_words_in_a_title() -> None:
    from controltower.domain.incidents import cause_words

    assert cause_words("sales_order:SO1") == "order SO1"
    assert cause_words("sku:CBL-2X14@WH-EAST") == "CBL-2X14 in WH-EAST"
    assert cause_words("warehouse:SHF") == "warehouse SHF"
    assert cause_words("supplier:SUP-1:supplier_delay") == "supplier SUP-1 (supplier delay)"
    assert cause_words("customer:C:1") == "customer C:1"  # a code with a colon stays whole
    assert cause_words("odd") == "odd"
