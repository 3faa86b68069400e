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

from controltower.domain.actions import ActionType, EvidenceKind
from controltower.domain.analysis import AllocationPolicy
from controltower.domain.approvals import ApprovalRule, ApprovalRules
from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.escalation import STEP_ORDER, EscalationLadder, EscalationStep
from controltower.domain.model import Tier
from controltower.domain.people import ROLE_PERMISSIONS, Permission, Role
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


# --- escalation ---------------------------------------------------------------------


class HoursAtStepSection(_Section):
    """Business hours a case spends at each step after its response target (the owner's
    time); the last step of the ladder is final, so its hours are not used."""

    team_lead: Decimal | None = Field(default=Decimal(4), gt=0)
    manager: Decimal | None = Field(default=Decimal(8), gt=0)
    executive: Decimal | None = Field(default=None, gt=0)


class ScoreBandsSection(_Section):
    """Impact scores from which a case climbs faster (``domain/escalation.py``)."""

    #: half the time at each step, and the stored severity one step up
    urgent: int = Field(default=80, ge=0, le=100)
    #: three quarters of the time at each step
    elevated: int = Field(default=50, ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.elevated > self.urgent:
            raise ValueError(f"needs elevated ({self.elevated}) <= urgent ({self.urgent})")
        return self


class EscalationSection(_Section):
    """Who a case goes to, step by step, while nobody acknowledges it."""

    ladder: tuple[EscalationStep, ...] = STEP_ORDER
    hours_at_step: HoursAtStepSection = HoursAtStepSection()
    score_bands: ScoreBandsSection = ScoreBandsSection()

    @model_validator(mode="after")
    def _sound_ladder(self) -> Self:
        steps = self.ladder
        if not steps or steps[0] is not EscalationStep.OWNER:
            raise ValueError(
                'ladder must start with "owner": the owner holds a case until its response target'
            )
        if list(steps) != sorted(set(steps), key=STEP_ORDER.index):
            order = ", ".join(f'"{step}"' for step in STEP_ORDER)
            raise ValueError(f"ladder must name each step at most once, in the order {order}")
        missing = [str(s) for s in steps[1:-1] if getattr(self.hours_at_step, s) is None]
        if missing:
            raise ValueError(
                f"hours_at_step needs {', '.join(missing)}: a case waits there before the next step"
            )
        return self

    def to_domain(self) -> EscalationLadder:
        return EscalationLadder(
            steps=self.ladder,
            hours_at_step={
                step: hours
                for step in self.ladder[1:]
                if (hours := getattr(self.hours_at_step, step)) is not None
            },
            urgent_score=self.score_bands.urgent,
            elevated_score=self.score_bands.elevated,
        )


# --- approvals ----------------------------------------------------------------------


def _roles_holding(permission: Permission, roles: tuple[Role, ...], doing: str) -> None:
    """Refuse a role list naming a role that cannot ``doing`` at all (an auditor)."""
    unable = [role.value for role in roles if permission not in ROLE_PERMISSIONS[role]]
    if unable:
        able = ", ".join(r.value for r in Role if permission in ROLE_PERMISSIONS[r])
        raise ValueError(f"{', '.join(unable)} may not {doing} (roles that may: {able})")


class ApprovalRuleSection(_Section):
    """One ``[[approvals.rules]]`` entry: conditions (every one given must hold) and what a
    matching request needs."""

    action: ActionType
    tiers: tuple[Tier, ...] = ()
    value_over: Decimal | None = Field(default=None, ge=0)
    #: compared with the absolute variance of the price from list, in percent
    variance_pct_over: Decimal | None = Field(default=None, ge=0)
    quantity_over: Decimal | None = Field(default=None, ge=0)
    not_accepts_partial: bool = False
    approvers: int = Field(default=1, ge=1, le=10)
    roles: tuple[Role, ...] = Field(min_length=1)
    #: approvers must also be members of this team
    team: str | None = Field(default=None, min_length=1)
    evidence: tuple[EvidenceKind, ...] = ()

    @model_validator(mode="after")
    def _approving_roles(self) -> Self:
        _roles_holding(Permission.APPROVE_ACTIONS, self.roles, "approve actions")
        return self

    def to_domain(self) -> ApprovalRule:
        return ApprovalRule(
            action=self.action,
            approvers=self.approvers,
            roles=self.roles,
            team=self.team,
            evidence=self.evidence,
            tiers=tuple(tier.value for tier in self.tiers),
            value_over=self.value_over,
            variance_pct_over=self.variance_pct_over,
            quantity_over=self.quantity_over,
            not_accepts_partial=self.not_accepts_partial,
        )


def _rule(action: ActionType, *roles: Role, **settings: object) -> ApprovalRuleSection:
    return ApprovalRuleSection.model_validate({"action": action, "roles": roles, **settings})


#: the shipped rules (``default.toml`` states them with their reasons)
DEFAULT_APPROVAL_RULES: tuple[ApprovalRuleSection, ...] = (
    _rule(ActionType.CHANGE_PROMISED_DATE, Role.MANAGER, tiers=("strategic", "key")),
    _rule(ActionType.SPLIT_SHIPMENT, Role.MANAGER, not_accepts_partial=True),
    _rule(ActionType.TRANSFER_STOCK, Role.MANAGER, value_over=Decimal(5000)),
    _rule(
        ActionType.RELEASE_CREDIT_HOLD,
        Role.APPROVER,
        Role.MANAGER,
        Role.EXECUTIVE,
        team="finance",
    ),
    _rule(ActionType.OVERRIDE_PRICE, Role.MANAGER, variance_pct_over=Decimal(10)),
    _rule(
        ActionType.AUTHORISE_RETURN,
        Role.MANAGER,
        value_over=Decimal(1000),
        evidence=(EvidenceKind.CLAIM,),
    ),
    _rule(
        ActionType.ADJUST_INVENTORY,
        Role.MANAGER,
        Role.EXECUTIVE,
        value_over=Decimal(1000),
        approvers=2,
        evidence=(EvidenceKind.COUNT_SHEET,),
    ),
    _rule(ActionType.BYPASS_QUALITY, Role.MANAGER, team="quality"),
)


def _default_requesters() -> dict[ActionType, tuple[Role, ...]]:
    return {ActionType.BYPASS_QUALITY: (Role.MANAGER,)}


class ApprovalsSection(_Section):
    """Who may ask for each governed action and who must approve it (``docs/policy.md``)."""

    #: a request nobody decides within this many hours expires
    expiry_hours: int = Field(default=72, ge=1)
    #: the roles that may ask for a type; a type not listed: every role that may ask
    requesters: dict[ActionType, tuple[Role, ...]] = Field(default_factory=_default_requesters)
    rules: tuple[ApprovalRuleSection, ...] = DEFAULT_APPROVAL_RULES

    @model_validator(mode="after")
    def _requesting_roles(self) -> Self:
        for action, roles in self.requesters.items():
            if not roles:
                raise ValueError(f"requesters.{action.value}: name at least one role")
            _roles_holding(Permission.REQUEST_ACTIONS, roles, "request actions")
        return self

    def to_domain(self) -> ApprovalRules:
        return ApprovalRules(
            expiry_hours=self.expiry_hours,
            requesters=dict(self.requesters),
            rules=tuple(rule.to_domain() for rule in self.rules),
        )


class Policy(_Section):
    """The whole policy. Sections are added here as the product grows."""

    allocation: AllocationSection = AllocationSection()
    detectors: DetectorsSection = DetectorsSection()
    routing: RoutingSection = RoutingSection()
    sla: SlaSection = SlaSection()
    clock: ClockSection = ClockSection()
    lifecycle: LifecycleSection = LifecycleSection()
    escalation: EscalationSection = EscalationSection()
    approvals: ApprovalsSection = ApprovalsSection()
