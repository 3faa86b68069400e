"""Business calendars in the SLA clock: hours per warehouse, public holidays, closed
dates and time zones, and the guard that the default policy's deadlines never move."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from controltower.demo.generator import generate_business
from controltower.detectors.base import Finding
from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.errors import PolicyError
from controltower.domain.model import Dataset, Tier
from controltower.policy import Policy, load_policy
from controltower.policy.model import ClockSection
from controltower.policy.routing import Router, add_business_hours, route
from controltower.workflow.columnar_scan import scan_to_json
from controltower.workflow.exceptions import routed_records
from controltower.workflow.scan_document import scan_detected_at

LONDON = ZoneInfo("Europe/London")
DEMO_AS_OF = date(2026, 11, 25)


def old_add_business_hours(start: datetime, hours: Decimal, clock: ClockSection) -> datetime:
    """The SLA clock before business calendars: one set of hours and weekdays for all."""
    remaining = timedelta(minutes=int((hours * 60).to_integral_value()))
    moment = start
    while True:
        day = moment.date()
        opens = datetime.combine(day, clock.business_day_start, tzinfo=moment.tzinfo)
        closes = datetime.combine(day, clock.business_day_end, tzinfo=moment.tzinfo)
        next_day = datetime.combine(
            day + timedelta(days=1), clock.business_day_start, tzinfo=moment.tzinfo
        )
        if not clock.is_business_day(day.weekday()) or moment >= closes:
            moment = next_day
            continue
        moment = max(moment, opens)
        if remaining <= closes - moment:
            return moment + remaining
        remaining -= closes - moment
        moment = next_day


@dataclass(frozen=True)
class Routed:
    type: ExceptionType = ExceptionType.SUPPLIER_DELAY
    severity: Severity = Severity.MEDIUM
    value_at_risk: Decimal = Decimal(100)
    warehouse: str | None = None
    company: str | None = "acme"
    customer_tier: Tier | None = None
    routing: str | None = None

    @property
    def routed_as(self) -> ExceptionType:
        return self.type


def _policy(tmp_path: Path, text: str) -> Policy:
    path = tmp_path / "policy.toml"
    path.write_text(text, "utf-8")
    return load_policy(path)


# --- deadlines ----------------------------------------------------------------------

GB = '[clock]\ncountry = "GB"\n'
TZ = '[clock]\ntimezone = "Europe/London"\n'
MAN_EARLY = '[clock.warehouses.MAN]\nbusiness_day_start = "06:00"\nbusiness_day_end = "14:00"\n'
MAN_SATURDAYS = (
    '[clock.warehouses.MAN]\nbusiness_days = ["mon", "tue", "wed", "thu", "fri", "sat"]\n'
)
ROUND_THE_CLOCK = (
    '[clock]\ntimezone = "Europe/London"\n'
    "[clock.warehouses.NIGHT]\n"
    'business_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\n'
    'business_day_start = "00:00"\nbusiness_day_end = "23:59"\n'
)


@dataclass(frozen=True)
class Deadline:
    """A finding at ``warehouse`` detected at ``start`` with ``hours`` to respond under
    ``policy`` (TOML) is due at ``due`` (ISO text: naive or with an offset)."""

    policy: str
    warehouse: str | None
    start: datetime
    hours: str
    due: str


DEADLINES = {
    "over a weekend": Deadline("", None, datetime(2026, 11, 27, 17), "4", "2026-11-30T11:00:00"),
    "over Christmas and the Boxing Day substitute Monday (GB)": Deadline(
        GB, None, datetime(2026, 12, 24, 17), "4", "2026-12-29T11:00:00"
    ),
    "Christmas without a country is a working Friday": Deadline(
        "", None, datetime(2026, 12, 24, 17), "4", "2026-12-25T11:00:00"
    ),
    "found on Christmas Day (GB)": Deadline(
        GB, None, datetime(2026, 12, 25, 9), "2", "2026-12-29T10:00:00"
    ),
    "found on the substitute day 2026-12-28 (GB)": Deadline(
        GB, None, datetime(2026, 12, 28, 8), "8", "2026-12-29T16:00:00"
    ),
    "a listed closed date": Deadline(
        '[clock]\nclosed_dates = ["2026-11-26"]\n',
        None,
        datetime(2026, 11, 25, 17),
        "4",
        "2026-11-27T11:00:00",
    ),
    "a closed date written as a TOML date": Deadline(
        "[clock]\nclosed_dates = [2026-11-26]\n",
        "LDS",
        datetime(2026, 11, 25, 17),
        "4",
        "2026-11-27T11:00:00",
    ),
    "a warehouse's own closed dates replace the company's": Deadline(
        '[clock]\nclosed_dates = ["2026-11-26"]\n[clock.warehouses.MAN]\nclosed_dates = []\n',
        "MAN",
        datetime(2026, 11, 25, 17),
        "4",
        "2026-11-26T11:00:00",
    ),
    "a warehouse open 06:00-14:00": Deadline(
        MAN_EARLY, "MAN", datetime(2026, 11, 25, 8), "8", "2026-11-26T08:00:00"
    ),
    "a warehouse without its own table keeps the company's hours": Deadline(
        MAN_EARLY, "LDS", datetime(2026, 11, 25, 8), "8", "2026-11-25T16:00:00"
    ),
    "a warehouse working Saturdays": Deadline(
        MAN_SATURDAYS, "MAN", datetime(2026, 11, 27, 17), "4", "2026-11-28T11:00:00"
    ),
    "no warehouse: the company's weekdays": Deadline(
        MAN_SATURDAYS, None, datetime(2026, 11, 27, 17), "4", "2026-11-30T11:00:00"
    ),
    "a warehouse in another subdivision (St Andrew's Day, SCT)": Deadline(
        '[clock]\ncountry = "GB"\nsubdivision = "ENG"\n[clock.warehouses.GLA]\nsubdivision = "SCT"\n',
        "GLA",
        datetime(2026, 11, 27, 17),
        "4",
        "2026-12-01T11:00:00",
    ),
    "the same moment in England": Deadline(
        '[clock]\ncountry = "GB"\nsubdivision = "ENG"\n[clock.warehouses.GLA]\nsubdivision = "SCT"\n',
        "LDS",
        datetime(2026, 11, 27, 17),
        "4",
        "2026-11-30T11:00:00",
    ),
    "a warehouse keeping no public holidays": Deadline(
        GB + '[clock.warehouses.MAN]\ncountry = ""\n',
        "MAN",
        datetime(2026, 12, 24, 17),
        "4",
        "2026-12-25T11:00:00",
    ),
    "found before opening": Deadline(
        "", None, datetime(2026, 11, 25, 6), "1", "2026-11-25T09:00:00"
    ),
    "found after closing": Deadline(
        "", None, datetime(2026, 11, 25, 19), "1", "2026-11-26T09:00:00"
    ),
    "due exactly at closing stays that day": Deadline(
        "", None, datetime(2026, 11, 25, 8), "10", "2026-11-25T18:00:00"
    ),
    "due exactly at closing, found an hour before": Deadline(
        "", None, datetime(2026, 11, 25, 17), "1", "2026-11-25T18:00:00"
    ),
    "half an hour": Deadline("", None, datetime(2026, 11, 25, 17), "0.5", "2026-11-25T17:30:00"),
    "due exactly at closing in a time zone": Deadline(
        TZ, None, datetime(2026, 11, 25, 8), "10", "2026-11-25T18:00:00+00:00"
    ),
    "DST 2026-03-29: a weekend into summer time, found in UTC": Deadline(
        TZ, None, datetime(2026, 3, 27, 17, tzinfo=UTC), "4", "2026-03-30T10:00:00+00:00"
    ),
    "DST 2026-03-29: the same as a London wall time": Deadline(
        TZ, None, datetime(2026, 3, 27, 17), "4", "2026-03-30T11:00:00+01:00"
    ),
    "DST 2026-03-29: the same without a zone counts in UTC": Deadline(
        "", None, datetime(2026, 3, 27, 17, tzinfo=UTC), "4", "2026-03-30T11:00:00+00:00"
    ),
    "DST 2026-10-25: a weekend out of summer time, found in UTC": Deadline(
        TZ, None, datetime(2026, 10, 23, 16, tzinfo=UTC), "4", "2026-10-26T11:00:00+00:00"
    ),
    "DST 2026-03-29: two elapsed hours across the change": Deadline(
        ROUND_THE_CLOCK, "NIGHT", datetime(2026, 3, 29, 0, 30), "2", "2026-03-29T03:30:00+01:00"
    ),
    "DST 2026-10-25: two elapsed hours across the change": Deadline(
        ROUND_THE_CLOCK, "NIGHT", datetime(2026, 10, 25, 0, 30), "2", "2026-10-25T01:30:00+00:00"
    ),
    "a warehouse in another time zone": Deadline(
        TZ + '[clock.warehouses.NYC]\ntimezone = "America/New_York"\n',
        "NYC",
        datetime(2026, 11, 25, 8),
        "8",
        "2026-11-25T21:00:00+00:00",
    ),
    "found at an aware time, no zone configured": Deadline(
        "", None, datetime(2026, 11, 25, 8, tzinfo=LONDON), "8", "2026-11-25T16:00:00+00:00"
    ),
}


@pytest.mark.parametrize("case", DEADLINES.values(), ids=DEADLINES.keys())
def test_the_sla_deadline(case: Deadline, tmp_path: Path) -> None:
    policy = _policy(tmp_path, case.policy)
    due = add_business_hours(
        case.start, Decimal(case.hours), policy.clock, warehouse=case.warehouse
    )
    assert due.isoformat() == case.due


@pytest.mark.parametrize("case", DEADLINES.values(), ids=DEADLINES.keys())
def test_the_router_gives_the_same_deadline_by_warehouse(case: Deadline, tmp_path: Path) -> None:
    policy = _policy(tmp_path, f"{case.policy}\n[sla.response_hours]\nmedium = {case.hours}\n")
    router = Router(policy, detected_at=case.start)
    finding = Routed(warehouse=case.warehouse)
    assert router.route(finding)[1].isoformat() == case.due
    assert router.due_at(finding.type, Severity.MEDIUM, case.warehouse).isoformat() == case.due
    assert route(finding, policy, detected_at=case.start)[1].isoformat() == case.due


def test_the_router_keeps_one_deadline_per_type_severity_and_warehouse(tmp_path: Path) -> None:
    policy = _policy(tmp_path, MAN_SATURDAYS)
    router = Router(policy, detected_at=datetime(2026, 11, 27, 17))
    at_man = router.route(Routed(warehouse="MAN", severity=Severity.HIGH))[1]
    at_lds = router.route(Routed(warehouse="LDS", severity=Severity.HIGH))[1]
    nowhere = router.route(Routed(warehouse=None, severity=Severity.HIGH))[1]
    assert (at_man, at_lds, nowhere) == (
        datetime(2026, 11, 28, 11),
        datetime(2026, 11, 30, 11),
        datetime(2026, 11, 30, 11),
    )
    assert router.route(Routed(warehouse="MAN", severity=Severity.HIGH))[1] is at_man


def test_a_stored_scan_reads_its_wall_time_in_its_own_zone_not_the_policys(
    tmp_path: Path,
) -> None:
    # the stored scan detects at a UTC wall time: 07:30 UTC is 08:30 in London in June
    policy = _policy(tmp_path, TZ)
    finding = Finding(
        type=ExceptionType.SUPPLIER_DELAY,
        subject="purchase_order:PO7",
        severity=Severity.MEDIUM,
        value_at_risk=Decimal(100),
        value_basis="the PO's value",
        explanation="late",
        cause="purchase_order:PO7",
        warehouse="LDS",
    )
    [record] = routed_records([finding], policy, detected_at=datetime(2026, 6, 10, 7, 30), zone=UTC)
    assert record.due_at == datetime(2026, 6, 10, 15, 30, tzinfo=UTC)
    assert record.due_at.utcoffset() == timedelta(0)


# --- the default policy's deadlines do not move -------------------------------------


def _moments() -> list[datetime]:
    """Every half hour of four weeks around Christmas 2026, and of the weeks of both
    changes of the clocks in 2026."""
    starts = (datetime(2026, 12, 14), datetime(2026, 3, 23), datetime(2026, 10, 19))
    spans = (28 * 48, 8 * 48, 8 * 48)
    return [
        s + timedelta(minutes=30 * i) for s, n in zip(starts, spans, strict=True) for i in range(n)
    ]


HOURS = [Decimal(x) for x in ("0.25", "0.5", "1", "2", "4", "8", "10", "24", "40", "80")]


@pytest.mark.parametrize(
    "zone", [None, UTC, LONDON], ids=["naive", "aware in UTC", "aware in Europe/London"]
)
def test_the_default_policy_gives_exactly_the_deadlines_of_one_global_clock(
    zone: ZoneInfo | None,
) -> None:
    policy = load_policy()
    for moment in _moments():
        start = moment.replace(tzinfo=zone)
        for hours in HOURS:
            old = old_add_business_hours(start, hours, policy.clock)
            for warehouse in (None, "LDS"):
                new = add_business_hours(start, hours, policy.clock, warehouse=warehouse)
                assert (new, new.isoformat()) == (old, old.isoformat()), (start, hours)


@cache
def _demo() -> Dataset:
    return generate_business("small", seed=3, as_of=DEMO_AS_OF)


def _scan_text(policy: Policy) -> str:
    out = io.StringIO()
    scan_to_json(_demo(), DEMO_AS_OF, policy, out, parallel=False)
    return out.getvalue()


def _exceptions(text: str) -> list[dict[str, Any]]:
    parsed: dict[str, Any] = json.loads(text)
    found: list[dict[str, Any]] = parsed["exceptions"]
    return found


def test_the_demo_scan_with_the_default_policy_keeps_every_due_time(tmp_path: Path) -> None:
    policy = load_policy()
    text = _scan_text(policy)
    exceptions = _exceptions(text)
    assert exceptions
    detected_at = scan_detected_at(DEMO_AS_OF, policy)
    for item in exceptions:
        hours = policy.sla.hours_for(ExceptionType(item["type"]), Severity(item["severity"]))
        expected = old_add_business_hours(detected_at, hours, policy.clock).isoformat()
        assert item["due_at"] == expected, item["subject"]
    # stating the defaults out loud (blank keys, empty warehouse tables) changes no byte
    stated = _policy(
        tmp_path,
        '[clock]\ncountry = ""\nsubdivision = ""\nclosed_dates = []\ntimezone = ""\n'
        "[clock.warehouses.LDS]\n[clock.warehouses.MAN]\n[clock.warehouses.SHF]\n",
    )
    assert _scan_text(stated) == text


def test_the_demo_scan_counts_a_closed_as_of_day_out(tmp_path: Path) -> None:
    policy = _policy(tmp_path, '[clock]\nclosed_dates = ["2026-11-25"]\ncountry = "GB"\n')
    thursday_8am = datetime(2026, 11, 26, 8)
    for item in _exceptions(_scan_text(policy)):
        hours = policy.sla.hours_for(ExceptionType(item["type"]), Severity(item["severity"]))
        expected = old_add_business_hours(thursday_8am, hours, load_policy().clock).isoformat()
        assert item["due_at"] == expected, item["subject"]


# --- validation ---------------------------------------------------------------------


REFUSALS = {
    "unknown country code": (
        '[clock]\ncountry = "XX"\n',
        "country 'XX' is not a known ISO 3166 code (such as GB, in capitals)",
    ),
    "country code in lower case": (
        '[clock]\ncountry = "gb"\n',
        "country 'gb' is not a known ISO 3166 code",
    ),
    "unknown subdivision": (
        '[clock]\ncountry = "GB"\nsubdivision = "XYZ"\n',
        "subdivision 'XYZ' is not one of GB's (ENG, NIR, SCT, WLS)",
    ),
    "subdivision without a country": ('[clock]\nsubdivision = "ENG"\n', "needs a country"),
    "a warehouse's unknown country": (
        '[clock.warehouses.MAN]\ncountry = "ZZ"\n',
        "warehouses.MAN: country 'ZZ' is not a known ISO 3166 code",
    ),
    "bad time zone name": (
        '[clock]\ntimezone = "Mars/Olympus"\n',
        "timezone 'Mars/Olympus' is not a known IANA time zone (such as Europe/London)",
    ),
    "a warehouse's bad time zone": (
        TZ + '[clock.warehouses.MAN]\ntimezone = "Europe/Lundon"\n',
        "warehouses.MAN: timezone 'Europe/Lundon' is not a known IANA time zone",
    ),
    "a warehouse time zone without the company's": (
        '[clock.warehouses.MAN]\ntimezone = "Europe/London"\n',
        "warehouses.MAN.timezone needs clock.timezone too",
    ),
    "start after end": (
        '[clock]\nbusiness_day_start = "18:00"\nbusiness_day_end = "08:00"\n',
        "business_day_start (18:00) must be before business_day_end (08:00)",
    ),
    "start equal to end": (
        '[clock]\nbusiness_day_start = "09:00"\nbusiness_day_end = "09:00"\n',
        "business_day_start (09:00) must be before business_day_end (09:00)",
    ),
    "a warehouse start after the end it inherits": (
        '[clock.warehouses.MAN]\nbusiness_day_start = "19:00"\n',
        "warehouses.MAN: business_day_start (19:00) must be before business_day_end (18:00)",
    ),
    "empty days": ("[clock]\nbusiness_days = []\n", "business_days needs at least one day"),
    "a warehouse's empty days": (
        "[clock.warehouses.MAN]\nbusiness_days = []\n",
        "warehouses.MAN: business_days needs at least one day",
    ),
    "a closed date that is no date": (
        '[clock]\nclosed_dates = ["2026-02-30"]\n',
        "2026-02-30",
    ),
    "an unknown warehouse key": (
        "[clock.warehouses.MAN]\nopens = 7\n",
        "clock.warehouses.MAN.opens",
    ),
}


@pytest.mark.parametrize(("text", "why"), REFUSALS.values(), ids=REFUSALS.keys())
def test_a_bad_calendar_is_refused_in_one_plain_line(text: str, why: str, tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as refused:
        _policy(tmp_path, text)
    message = str(refused.value)
    assert why in message
    assert message.startswith(str(tmp_path / "policy.toml"))
    assert "clock" in message
    assert "\n" not in message
