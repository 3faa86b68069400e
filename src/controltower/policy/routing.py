"""Who owns an exception and by when they must respond, from the policy.

The owner is a team (from ``[routing.teams]``, or the first matching
``[[routing.rules]]``; a finding may name the ``[routing.teams]`` entry that owns it
instead of its type's, as an order ready to ship names ``order_ready_to_ship``) placed
where the exception lives: ``team@WAREHOUSE``, else
``team@COMPANY``, else the bare team. The due time is the detection time plus the
type's response hours for its severity (``[sla]``), counted in the business hours of
the finding's warehouse (``[clock.warehouses.<CODE>]``, else ``[clock]``: see
:mod:`controltower.policy.calendar`) so a target never expires overnight, over a
weekend or on a public holiday.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from controltower.domain.cases import ExceptionType, Severity, severity_rank
from controltower.domain.errors import PolicyError
from controltower.domain.model import Tier
from controltower.policy.calendar import business_calendar
from controltower.policy.model import ClockSection, Policy, RoutingRule


class Routable(Protocol):
    """What routing reads of a finding."""

    @property
    def type(self) -> ExceptionType: ...
    @property
    def routed_as(self) -> ExceptionType: ...
    @property
    def routing(self) -> str | None: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def value_at_risk(self) -> Decimal: ...
    @property
    def warehouse(self) -> str | None: ...
    @property
    def company(self) -> str | None: ...
    @property
    def customer_tier(self) -> Tier | None: ...


def rule_matches(rule: RoutingRule, finding: Routable) -> bool:
    """Whether every condition ``rule`` gives holds for ``finding``."""
    return (
        (rule.type is None or rule.type == finding.type)
        and (rule.warehouse is None or rule.warehouse == finding.warehouse)
        and (rule.company is None or rule.company == finding.company)
        and (rule.customer_tier is None or rule.customer_tier == finding.customer_tier)
        and (
            rule.min_severity is None
            or severity_rank(finding.severity) >= severity_rank(rule.min_severity)
        )
        and (rule.min_value_at_risk is None or finding.value_at_risk >= rule.min_value_at_risk)
    )


def _placed(team: str, finding: Routable) -> str:
    where = finding.warehouse or finding.company
    return f"{team}@{where}" if where else team


def owner_for(finding: Routable, policy: Policy) -> str:
    """The owner the policy assigns to ``finding``."""
    for rule in policy.routing.rules:
        if rule_matches(rule, finding):
            if rule.owner is not None:
                return rule.owner
            assert rule.team is not None  # the rule's validator guarantees one of the two
            return _placed(rule.team, finding)
    teams = policy.routing.teams
    team = (
        (teams.entry(finding.routing) if finding.routing is not None else None)
        or teams.team_for(finding.type)
        or teams.team_for(finding.routed_as)
    )
    if team is None:
        raise PolicyError(
            f"no team owns {finding.type} (routed as {finding.routed_as}): "
            f"set routing.teams.{finding.type} in the policy"
        )
    return _placed(team, finding)


def start_of_business_day(day: date, clock: ClockSection) -> datetime:
    """``day`` at the start of business: when a date-only detection run is deemed made."""
    return datetime.combine(day, clock.business_day_start)


def add_business_hours(
    start: datetime, hours: Decimal, clock: ClockSection, *, warehouse: str | None = None
) -> datetime:
    """``start`` plus ``hours`` counted only inside the business hours of ``warehouse``
    (None: the company's) on its business days.

    Without ``clock.timezone`` the result is in ``start``'s own frame (naive for a naive
    start). With it, a naive ``start`` is a wall time in that zone and the result an
    aware time there; an aware ``start`` gives an aware result in its zone.
    """
    calendar = business_calendar(clock.open_hours(clock.calendar_place(warehouse)))
    return calendar.add_open_hours(start, hours, frame=clock.frame())


def route(finding: Routable, policy: Policy, *, detected_at: datetime) -> tuple[str, datetime]:
    """(owner, due_at) for ``finding`` detected at ``detected_at``."""
    hours = policy.sla.hours_for(finding.type, finding.severity)
    due = add_business_hours(detected_at, hours, policy.clock, warehouse=finding.warehouse)
    return owner_for(finding, policy), due


class Router:
    """:func:`route` for many findings detected at one moment, remembering answers.

    A scan of a large picture routes a hundred thousand findings that share a handful
    of (type, severity, warehouse, company, tier) combinations; the owner and the
    business-hours deadline are the same for each combination, so each is worked out
    once (the deadline per type, severity and warehouse: each warehouse may keep its own
    calendar). A finding's value at risk only matters when a routing rule sets
    ``min_value_at_risk``; with such rules the owner is worked out for every finding.
    """

    def __init__(self, policy: Policy, *, detected_at: datetime) -> None:
        self._policy = policy
        self._detected_at = detected_at
        self._by_value = any(rule.min_value_at_risk is not None for rule in policy.routing.rules)
        self._owners: dict[tuple[object, ...], str] = {}
        self._frame = policy.clock.frame()
        self._due: dict[tuple[ExceptionType, Severity, str | None], datetime] = {}

    @property
    def depends_on_value(self) -> bool:
        """Whether a finding's owner may depend on its value at risk (a routing rule
        sets ``min_value_at_risk``), not only on its type, severity, place and tier."""
        return self._by_value

    def route(self, finding: Routable) -> tuple[str, datetime]:
        """(owner, due_at) for ``finding``, as :func:`route` gives them."""
        return self.owner(finding), self.due_at(finding.type, finding.severity, finding.warehouse)

    def owner(self, finding: Routable) -> str:
        if self._by_value:
            return owner_for(finding, self._policy)
        key = (
            finding.type,
            finding.routed_as,
            finding.routing,
            finding.severity,
            finding.warehouse,
            finding.company,
            finding.customer_tier,
        )
        owner = self._owners.get(key)
        if owner is None:
            owner = self._owners[key] = owner_for(finding, self._policy)
        return owner

    def due_at(self, type_: ExceptionType, severity: Severity, warehouse: str | None) -> datetime:
        """The deadline of a ``type_`` of ``severity`` at ``warehouse`` (None: at no
        warehouse, on the company's calendar)."""
        key = (type_, severity, warehouse)
        due = self._due.get(key)
        if due is None:
            clock = self._policy.clock
            place = clock.calendar_place(warehouse)
            if place != warehouse:  # no calendar of its own: the company's deadline
                due = self.due_at(type_, severity, place)
            else:
                hours = self._policy.sla.hours_for(type_, severity)
                calendar = business_calendar(clock.open_hours(place))
                due = calendar.add_open_hours(self._detected_at, hours, frame=self._frame)
            self._due[key] = due
        return due
