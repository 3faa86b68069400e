"""The policy file: defaults, overrides, refusal of unknown keys, routing and SLA clocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.errors import PolicyError
from controltower.domain.model import Tier
from controltower.policy import Policy, load_policy
from controltower.policy.routing import add_business_hours, route, start_of_business_day

DOCS = Path(__file__).resolve().parents[3] / "docs" / "policy.md"
WEDNESDAY_8AM = datetime(2026, 11, 25, 8, 0)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, "utf-8")
    return path


def _leaf_keys(data: dict[str, Any], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict) and key != "by_type":
            keys.extend(_leaf_keys(value, f"{prefix}{key}."))
        else:
            keys.append(f"{prefix}{key}")
    return keys


# --- loading ------------------------------------------------------------------------


def test_the_shipped_file_states_exactly_the_built_in_defaults() -> None:
    assert load_policy() == Policy()


def test_the_defaults_are_the_documented_ones() -> None:
    policy = load_policy()
    assert policy.allocation.quality_release_days == 2
    assert policy.detectors.supplier_confirmation_overdue.confirm_within_days == 2
    assert policy.detectors.recurring_exception.occurrences == 3
    assert policy.detectors.recurring_exception.window_days == 30
    assert policy.routing.teams.supplier_delay == "purchasing"
    assert policy.routing.teams.credit_hold == "finance"
    assert policy.clock.business_day_start == time(8, 0)
    assert policy.lifecycle.reopen_window_days == 7


def test_every_policy_key_is_documented_in_the_policy_reference() -> None:
    documented = DOCS.read_text("utf-8")
    missing = [k for k in _leaf_keys(Policy().model_dump()) if f"`{k}`" not in documented]
    assert missing == []


def test_a_user_file_overrides_what_it_sets_and_keeps_every_other_default(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[detectors.pricing_variance]
tolerance_pct = 2.5
[routing.teams]
credit_hold = "credit_control"
[sla.by_type.order_at_risk]
high = 3
[clock]
business_day_start = "07:30"
""",
    )
    policy = load_policy(path)
    assert policy.detectors.pricing_variance.tolerance_pct == Decimal("2.5")
    assert policy.detectors.pricing_variance.enabled is True
    assert policy.routing.teams.credit_hold == "credit_control"
    assert policy.routing.teams.supplier_delay == "purchasing"
    assert policy.sla.hours_for(ExceptionType.ORDER_AT_RISK, Severity.HIGH) == 3
    assert policy.sla.hours_for(ExceptionType.CREDIT_HOLD, Severity.CRITICAL) == 1
    assert policy.clock.business_day_start == time(7, 30)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[detectors.order_at_risk]\ndays_late = 3\n", "detectors.order_at_risk.days_late"),
        ("[detectors.no_such_type]\nenabled = true\n", "detectors.no_such_type"),
        ("[routing.teams]\nshipping_delay = 'x'\n", "routing.teams.shipping_delay"),
        ("[sla.by_type.nonsense]\nhigh = 1\n", "sla.by_type.nonsense"),
        ("[lifecycle]\nclear_after = 2\n", "lifecycle.clear_after"),
    ],
)
def test_an_unknown_key_is_refused_naming_the_file_and_the_key(
    tmp_path: Path, text: str, where: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(PolicyError) as refused:
        load_policy(path)
    assert str(path) in str(refused.value)
    assert where in str(refused.value)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("[clock]\nbusiness_day_start = '18:00'\nbusiness_day_end = '08:00'\n", "before"),
        ("[detectors.severity_by_value]\nmedium = 20000\n", "medium <= high <= critical"),
        ("[[routing.rules]]\ntype = 'credit_hold'\n", "exactly one of 'team' or 'owner'"),
        ("[lifecycle]\nclear_after_scans = 0\n", "lifecycle.clear_after_scans"),
    ],
)
def test_inconsistent_values_are_refused_with_the_reason(
    tmp_path: Path, text: str, why: str
) -> None:
    with pytest.raises(PolicyError, match=why.replace("(", r"\(")):
        load_policy(_write(tmp_path, text))


# --- routing ------------------------------------------------------------------------


@dataclass(frozen=True)
class Routed:
    type: ExceptionType = ExceptionType.SUPPLIER_DELAY
    severity: Severity = Severity.MEDIUM
    value_at_risk: Decimal = Decimal(100)
    warehouse: str | None = "WH-EAST"
    company: str | None = "acme"
    customer_tier: Tier | None = None
    owner_type: ExceptionType | None = None
    routing: str | None = None

    @property
    def routed_as(self) -> ExceptionType:
        return self.owner_type or self.type


def _policy(text: str, tmp_path: Path) -> Policy:
    return load_policy(_write(tmp_path, text))


def test_the_owner_is_the_types_team_at_the_warehouse_else_the_company_else_bare() -> None:
    policy = load_policy()
    at = WEDNESDAY_8AM
    assert route(Routed(), policy, detected_at=at)[0] == "purchasing@WH-EAST"
    assert route(Routed(warehouse=None), policy, detected_at=at)[0] == "purchasing@acme"
    no_place = Routed(type=ExceptionType.CREDIT_HOLD, warehouse=None, company=None)
    assert route(no_place, policy, detected_at=at)[0] == "finance"


def test_a_recurring_review_goes_to_the_team_owning_the_recurring_type() -> None:
    review = Routed(
        type=ExceptionType.RECURRING_EXCEPTION,
        owner_type=ExceptionType.PICK_UNASSIGNED,
        warehouse=None,
        company=None,
    )
    assert route(review, load_policy(), detected_at=WEDNESDAY_8AM)[0] == "warehouse"


def test_an_order_ready_to_ship_goes_to_its_warehouse_and_the_policy_can_move_it(
    tmp_path: Path,
) -> None:
    ready = Routed(type=ExceptionType.ORDER_AT_RISK, routing="order_ready_to_ship")
    assert route(ready, load_policy(), detected_at=WEDNESDAY_8AM)[0] == "warehouse@WH-EAST"
    late = Routed(type=ExceptionType.ORDER_AT_RISK)
    assert route(late, load_policy(), detected_at=WEDNESDAY_8AM)[0] == "customer_service@WH-EAST"
    moved = _policy('[routing.teams]\norder_ready_to_ship = "dispatch"\n', tmp_path)
    assert route(ready, moved, detected_at=WEDNESDAY_8AM)[0] == "dispatch@WH-EAST"


def test_the_first_matching_rule_overrides_the_team(tmp_path: Path) -> None:
    policy = _policy(
        """
[[routing.rules]]
type = "order_at_risk"
customer_tier = "strategic"
team = "key_accounts"
[[routing.rules]]
warehouse = "WH-WEST"
min_value_at_risk = 5000
owner = "west.manager"
[[routing.rules]]
min_severity = "critical"
team = "ops_desk"
""",
        tmp_path,
    )
    at = WEDNESDAY_8AM
    strategic = Routed(type=ExceptionType.ORDER_AT_RISK, customer_tier=Tier.STRATEGIC)
    assert route(strategic, policy, detected_at=at)[0] == "key_accounts@WH-EAST"
    key_account = Routed(type=ExceptionType.ORDER_AT_RISK, customer_tier=Tier.KEY)
    assert route(key_account, policy, detected_at=at)[0] == "customer_service@WH-EAST"
    west = Routed(warehouse="WH-WEST", value_at_risk=Decimal(5000))
    assert route(west, policy, detected_at=at)[0] == "west.manager"
    west_small = Routed(warehouse="WH-WEST", value_at_risk=Decimal("4999.99"))
    assert route(west_small, policy, detected_at=at)[0] == "purchasing@WH-WEST"
    critical = Routed(severity=Severity.CRITICAL)
    assert route(critical, policy, detected_at=at)[0] == "ops_desk@WH-EAST"


# --- SLA clock ----------------------------------------------------------------------


def test_a_medium_exception_found_at_the_start_of_business_is_due_eight_hours_later() -> None:
    assert route(Routed(), load_policy(), detected_at=WEDNESDAY_8AM)[1] == datetime(
        2026, 11, 25, 16, 0
    )


def test_the_response_target_depends_on_type_and_severity() -> None:
    policy = load_policy()
    critical_credit = Routed(type=ExceptionType.CREDIT_HOLD, severity=Severity.CRITICAL)
    critical_delay = Routed(severity=Severity.CRITICAL)
    assert route(critical_credit, policy, detected_at=WEDNESDAY_8AM)[1].hour == 9
    assert route(critical_delay, policy, detected_at=WEDNESDAY_8AM)[1].hour == 10


def test_the_clock_stops_outside_business_hours_and_over_the_weekend() -> None:
    clock = load_policy().clock
    friday_5pm = datetime(2026, 11, 27, 17, 0)
    assert add_business_hours(friday_5pm, Decimal(4), clock) == datetime(2026, 11, 30, 11, 0)
    saturday = datetime(2026, 11, 28, 10, 0)
    assert add_business_hours(saturday, Decimal(2), clock) == datetime(2026, 11, 30, 10, 0)
    before_opening = datetime(2026, 11, 25, 6, 0)
    assert add_business_hours(before_opening, Decimal("0.5"), clock) == datetime(
        2026, 11, 25, 8, 30
    )
    closing_exactly = datetime(2026, 11, 25, 8, 0)
    assert add_business_hours(closing_exactly, Decimal(10), clock) == datetime(2026, 11, 25, 18, 0)


def test_a_date_only_detection_starts_at_the_start_of_the_business_day() -> None:
    assert start_of_business_day(date(2026, 11, 25), load_policy().clock) == WEDNESDAY_8AM
