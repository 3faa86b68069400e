"""The policy as data: a validated schema over the TOML policy file.

Each section is its own model so that routing, SLAs, detectors and lifecycle rules can
grow without touching the rest; unknown keys are refused so a typo is an error, not a
silently ignored setting. ``docs/policy.md`` lists every key with its default.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from typing import Self, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from controltower.domain.analysis import AllocationPolicy
from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.model import Tier
from controltower.policy.calendar import OpenHours, weekday_numbers, zone_named


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AllocationSection(_Section):
    quality_release_days: int = Field(default=2, ge=0)
    receipt_handling_days: int = Field(default=1, ge=0)
    overdue_days_block: int = Field(default=30, ge=0)

    def to_domain(self) -> AllocationPolicy:
        return AllocationPolicy(
            quality_release_days=self.quality_release_days,
            receipt_handling_days=self.receipt_handling_days,
            overdue_days_block=self.overdue_days_block,
        )


# --- detectors ----------------------------------------------------------------------


class SeverityByValueSection(_Section):
    """Value at risk from which an exception is at least medium, high, critical."""

    medium: Decimal = Field(default=Decimal(1000), ge=0)
    high: Decimal = Field(default=Decimal(10000), ge=0)
    critical: Decimal = Field(default=Decimal(50000), ge=0)

    @model_validator(mode="after")
    def _ascending(self) -> Self:
        if not self.medium <= self.high <= self.critical:
            raise ValueError("needs medium <= high <= critical")
        return self


class DetectorSection(_Section):
    """Noise control every detector honours."""

    enabled: bool = True
    #: findings worth less than this are not raised
    min_value_at_risk: Decimal = Field(default=Decimal(0), ge=0)


class OrderAtRiskSection(DetectorSection):
    days_late_escalation: int = Field(default=3, ge=1)


class SupplierConfirmationOverdueSection(DetectorSection):
    confirm_within_days: int = Field(default=2, ge=0)


class SupplierDelaySection(DetectorSection):
    grace_days: int = Field(default=0, ge=0)
    days_late_escalation: int = Field(default=7, ge=1)


class InboundNotPutAwaySection(DetectorSection):
    max_days: int = Field(default=1, ge=0)


class DamagedReceiptSection(DetectorSection):
    lookback_days: int = Field(default=7, ge=0)


class PickUnassignedSection(DetectorSection):
    max_unassigned_hours: int = Field(default=4, ge=0)


class PickingBottleneckSection(DetectorSection):
    backlog_days: Decimal = Field(default=Decimal(1), gt=0)


class PricingVarianceSection(DetectorSection):
    tolerance_pct: Decimal = Field(default=Decimal(5), ge=0)


class ReturnPendingApprovalSection(DetectorSection):
    max_days: int = Field(default=3, ge=0)


class RecurringExceptionSection(DetectorSection):
    occurrences: int = Field(default=3, ge=2)
    window_days: int = Field(default=30, ge=1)


class DetectorsSection(_Section):
    """One table per exception type, plus the value ladder severities start from."""

    severity_by_value: SeverityByValueSection = SeverityByValueSection()
    order_at_risk: OrderAtRiskSection = OrderAtRiskSection()
    stock_shortage: DetectorSection = DetectorSection()
    supplier_confirmation_overdue: SupplierConfirmationOverdueSection = (
        SupplierConfirmationOverdueSection()
    )
    supplier_delay: SupplierDelaySection = SupplierDelaySection()
    inbound_not_put_away: InboundNotPutAwaySection = InboundNotPutAwaySection()
    damaged_receipt: DamagedReceiptSection = DamagedReceiptSection()
    pick_unassigned: PickUnassignedSection = PickUnassignedSection()
    picking_bottleneck: PickingBottleneckSection = PickingBottleneckSection()
    pricing_variance: PricingVarianceSection = PricingVarianceSection()
    return_pending_approval: ReturnPendingApprovalSection = ReturnPendingApprovalSection()
    credit_hold: DetectorSection = DetectorSection()
    quality_hold: DetectorSection = DetectorSection()
    expedite_request: DetectorSection = DetectorSection()
    replenishment_overdue: DetectorSection = DetectorSection()
    invoice_blocked: DetectorSection = DetectorSection()
    recurring_exception: RecurringExceptionSection = RecurringExceptionSection()


# --- routing ------------------------------------------------------------------------


class TeamsSection(_Section):
    """The team owning each exception type."""

    order_at_risk: str = "customer_service"
    stock_shortage: str = "planning"
    supplier_confirmation_overdue: str = "purchasing"
    supplier_delay: str = "purchasing"
    inbound_not_put_away: str = "warehouse"
    damaged_receipt: str = "warehouse"
    pick_unassigned: str = "warehouse"
    picking_bottleneck: str = "warehouse"
    pricing_variance: str = "finance"
    return_pending_approval: str = "customer_service"
    credit_hold: str = "finance"
    quality_hold: str = "quality"
    expedite_request: str = "customer_service"
    replenishment_overdue: str = "planning"
    invoice_blocked: str = "finance"
    #: blank: the team that owns the type that keeps recurring
    recurring_exception: str | None = None
    #: an order at risk only because nobody shipped it (every line in stock, promise
    #: passed): the warehouse that must ship it owns it, not customer service
    order_ready_to_ship: str = "warehouse"

    def team_for(self, type_: ExceptionType) -> str | None:
        team: str | None = getattr(self, str(type_))
        return team

    def entry(self, name: str) -> str | None:
        """The team of the entry ``name`` (a type, or a situation such as
        ``order_ready_to_ship``); None when blank or unknown."""
        team = getattr(self, name, None)
        return team if isinstance(team, str) else None


class RoutingRule(_Section):
    """An override: the first rule whose every given condition holds picks the owner."""

    type: ExceptionType | None = None
    warehouse: str | None = None
    company: str | None = None
    customer_tier: Tier | None = None
    min_severity: Severity | None = None
    min_value_at_risk: Decimal | None = Field(default=None, ge=0)
    #: the owning team (the owner becomes team@WAREHOUSE, team@COMPANY or team)
    team: str | None = None
    #: an owner taken as written (a person or a queue), instead of a team
    owner: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.team is None) == (self.owner is None):
            raise ValueError("a routing rule needs exactly one of 'team' or 'owner'")
        return self


class RoutingSection(_Section):
    teams: TeamsSection = TeamsSection()
    rules: tuple[RoutingRule, ...] = ()


# --- SLA and clock ------------------------------------------------------------------


class ResponseHoursSection(_Section):
    """Business hours to respond, by severity."""

    critical: Decimal = Field(default=Decimal(2), gt=0)
    high: Decimal = Field(default=Decimal(4), gt=0)
    medium: Decimal = Field(default=Decimal(8), gt=0)
    low: Decimal = Field(default=Decimal(24), gt=0)


class ResponseHoursOverride(_Section):
    """A type's own response hours; a severity not given keeps the general target."""

    critical: Decimal | None = Field(default=None, gt=0)
    high: Decimal | None = Field(default=None, gt=0)
    medium: Decimal | None = Field(default=None, gt=0)
    low: Decimal | None = Field(default=None, gt=0)


class SlaSection(_Section):
    response_hours: ResponseHoursSection = ResponseHoursSection()
    by_type: dict[ExceptionType, ResponseHoursOverride] = Field(
        default_factory=lambda: {
            ExceptionType.EXPEDITE_REQUEST: ResponseHoursOverride(
                critical=Decimal(1), high=Decimal(2)
            ),
            ExceptionType.CREDIT_HOLD: ResponseHoursOverride(critical=Decimal(1)),
            ExceptionType.RECURRING_EXCEPTION: ResponseHoursOverride(
                medium=Decimal(40), low=Decimal(80)
            ),
        }
    )

    def hours_for(self, type_: ExceptionType, severity: Severity) -> Decimal:
        override = self.by_type.get(type_)
        own: Decimal | None = getattr(override, str(severity)) if override else None
        general: Decimal = getattr(self.response_hours, str(severity))
        return own if own is not None else general


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


WEEKDAYS: tuple[Weekday, ...] = tuple(Weekday)


_T = TypeVar("_T")


class WarehouseClockSection(_Section):
    """A warehouse's own business calendar: every key not given keeps ``[clock]``'s.

    ``country = ""`` says the warehouse keeps no public holidays; a warehouse naming its
    own country names its own subdivision too (none when not given).
    """

    business_day_start: time | None = None
    business_day_end: time | None = None
    business_days: tuple[Weekday, ...] | None = None
    country: str | None = None
    subdivision: str | None = None
    closed_dates: tuple[date, ...] | None = None
    timezone: str | None = None


class ClockSection(_Section):
    """Business hours: the SLA clock runs only inside them.

    These are the company's (and every warehouse's without its own table); public
    holidays of ``country`` and the ``closed_dates`` are not business days.
    """

    business_day_start: time = time(8, 0)
    business_day_end: time = time(18, 0)
    business_days: tuple[Weekday, ...] = (
        Weekday.MON,
        Weekday.TUE,
        Weekday.WED,
        Weekday.THU,
        Weekday.FRI,
    )
    #: ISO 3166 code whose public holidays are closed days (blank: none)
    country: str = ""
    subdivision: str = ""
    closed_dates: tuple[date, ...] = ()
    #: IANA time zone the hours are local to (blank: wall time, as given)
    timezone: str = ""
    warehouses: dict[str, WarehouseClockSection] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _sane_calendars(self) -> Self:
        company = self.open_hours(None).problems()
        problems = list(company)
        for code, own in self.warehouses.items():
            if own.timezone and not self.timezone:
                problems.append(
                    f"warehouses.{code}.timezone needs clock.timezone too "
                    "(the zone a detection time without one is read in)"
                )
            problems.extend(
                f"warehouses.{code}: {problem}"
                for problem in self.open_hours(code).problems()
                if problem not in company
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def is_business_day(self, weekday: int) -> bool:
        """``weekday`` as ``date.weekday()`` gives it (Monday is 0), by the company's
        weekdays alone (public holidays and closed dates aside)."""
        return WEEKDAYS[weekday] in self.business_days

    def open_hours(self, warehouse: str | None) -> OpenHours:
        """The calendar of ``warehouse``: its own keys over the company's (``None``, or a
        warehouse without a table: the company's)."""
        own = self.warehouses.get(warehouse) if warehouse is not None else None
        if own is None:
            own = WarehouseClockSection()
        own_country = own.country is not None
        return OpenHours(
            opens=_given(own.business_day_start, self.business_day_start),
            closes=_given(own.business_day_end, self.business_day_end),
            weekdays=weekday_numbers(_given(own.business_days, self.business_days)),
            country=_given(own.country, self.country),
            subdivision=_given(own.subdivision, "" if own_country else self.subdivision),
            closed_dates=frozenset(_given(own.closed_dates, self.closed_dates)),
            timezone=own.timezone or self.timezone,
        )

    def calendar_place(self, warehouse: str | None) -> str | None:
        """The warehouse whose own calendar ``warehouse`` keeps, or None for the
        company's (a warehouse without a table of its own)."""
        return warehouse if warehouse is not None and warehouse in self.warehouses else None

    def frame(self) -> ZoneInfo | None:
        """The zone a detection time without one is read in: ``timezone``, if set."""
        return zone_named(self.timezone) if self.timezone else None


def _given(own: _T | None, inherited: _T) -> _T:
    return inherited if own is None else own


# --- lifecycle ----------------------------------------------------------------------


class LifecycleSection(_Section):
    """Hysteresis and reopening: how a case resolves itself and comes back."""

    clear_after_scans: int = Field(default=2, ge=1)
    clear_after_minutes: int = Field(default=30, ge=0)
    reopen_window_days: int = Field(default=7, ge=0)


class Policy(_Section):
    """The whole policy. Sections are added here as the product grows."""

    allocation: AllocationSection = AllocationSection()
    detectors: DetectorsSection = DetectorsSection()
    routing: RoutingSection = RoutingSection()
    sla: SlaSection = SlaSection()
    clock: ClockSection = ClockSection()
    lifecycle: LifecycleSection = LifecycleSection()
