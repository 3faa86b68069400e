"""The stored scan's records share one object per equal value, and keep every value.

A crisis day routes half a million findings whose detectors each made their own texts
for the same orders, entities and causes; the records, and the cases made of them, hold
one object per distinct value instead (``workflow/exceptions.SharedValues``). Sharing
must never change a value: datetimes in two zones, or twice the same wall time in a
fold, compare equal and must stay apart.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from controltower.detectors.base import Finding
from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.model import Tier
from controltower.policy import load_policy
from controltower.workflow.exceptions import SharedValues, routed_records, routing_facts


def copy(text: str) -> str:
    """An equal text that is another object."""
    made = "".join(list(text))
    assert made is not text or len(text) <= 1
    return made


def finding(subject: str, *, related: tuple[str, ...], tier: Tier | None = None) -> Finding:
    return Finding(
        type=ExceptionType.SUPPLIER_DELAY,
        subject=copy(subject),
        severity=Severity.HIGH,
        value_at_risk=Decimal("125.50"),
        value_basis="open value of the orders it hurts",
        explanation=copy(f"{subject} is late"),
        cause=copy("supplier:S1"),
        related=tuple(copy(r) for r in related),
        entities=(copy("supplier:S1"), copy("sku:A1")),
        warehouse="MAN",
        company="NORDEL",
        customer_tier=tier,
    )


def test_routed_records_share_equal_texts_and_keep_their_values() -> None:
    findings = [
        finding("purchase_order:PO1", related=("sales_order:SO1", "sales_order:SO2")),
        finding("purchase_order:PO2", related=("sales_order:SO2", "sales_order:SO3")),
        finding("purchase_order:PO3", related=("sales_order:SO1", "sales_order:SO2")),
    ]
    records = routed_records(
        findings, load_policy(), detected_at=datetime(2026, 11, 25, 9, 0), zone=UTC
    )
    assert [r.subject for r in records] == [f.subject for f in findings]
    assert [r.related for r in records] == [f.related for f in findings]
    first, second, third = records
    assert first.related is third.related, "an equal tuple is one object"
    assert first.related[1] is second.related[0], "an equal text is one object"
    assert first.cause is second.cause is third.cause
    assert first.entities is second.entities is third.entities
    assert first.entities[0] is first.cause
    assert first.due_at is second.due_at
    assert [r.explanation for r in records] == [f.explanation for f in findings]


def test_moments_in_other_zones_or_folds_stay_apart() -> None:
    shared = SharedValues()
    utc = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    plus_one = utc.astimezone(timezone(timedelta(hours=1)))
    assert plus_one == utc
    assert shared.moment(utc) is utc
    assert shared.moment(plus_one) is plus_one
    assert shared.moment(datetime(2026, 11, 25, 12, 0, tzinfo=UTC)) is utc
    london = ZoneInfo("Europe/London")
    earlier = datetime(2026, 10, 25, 1, 30, tzinfo=london)
    later = earlier.replace(fold=1)
    assert earlier == later, "in one zone a fold is not compared"
    assert shared.moment(earlier) is earlier
    assert shared.moment(later) is later
    assert shared.moment(later).utcoffset() != shared.moment(earlier).utcoffset()


def test_routing_facts_are_one_object_per_distinct_fact() -> None:
    findings = [
        finding("purchase_order:PO1", related=(), tier=Tier.KEY),
        finding("purchase_order:PO2", related=(), tier=Tier.KEY),
        finding("purchase_order:PO3", related=(), tier=None),
    ]
    records = routed_records(findings, load_policy(), detected_at=datetime(2026, 11, 25, 9, 0))
    facts = routing_facts(records)
    assert set(facts) == {(r.type, r.subject) for r in records}
    one, two, three = (facts[(r.type, r.subject)] for r in records)
    assert one is two
    assert one.customer_tier is Tier.KEY
    assert three.customer_tier is None
    assert one.routed_as is ExceptionType.SUPPLIER_DELAY, "a type routed as itself"
