"""Business calendars: when a place is open, so an SLA clock runs only then.

A calendar is a day's opening and closing time, the weekdays it opens, and the days
it does not although they are such weekdays: a country's public holidays (from the
``holidays`` package, for a country and optionally one of its subdivisions) and dates
the business lists itself. The policy's ``[clock]`` gives the company's calendar and
``[clock.warehouses.<CODE>]`` a warehouse's own (:mod:`controltower.policy.model`
merges the two into :class:`OpenHours`).

Without a time zone a calendar counts in wall time, in whatever frame the start is
given (a naive time, or an aware time read in its own zone), exactly as the clock
always has. With one (an IANA name), opening hours are local to that zone, the start
is converted to it, and the hours counted are elapsed hours, so a change of the
clocks for summer time neither adds nor loses an hour of the target.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: subdivisions named in a refusal before the list is cut short
_NAMED_SUBDIVISIONS = 12


def zone_named(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``Europe/London``); ValueError in plain words if
    there is none such."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"timezone {name!r} is not a known IANA time zone (such as Europe/London)"
        ) from None


def check_country(country: str, subdivision: str) -> None:
    """ValueError in plain words unless the ``holidays`` package knows ``country``
    (an ISO 3166 code such as GB) and, if given, its ``subdivision`` (such as ENG)."""
    if not country:
        if subdivision:
            raise ValueError(f"subdivision {subdivision!r} needs a country")
        return
    import holidays  # imported only when a policy names a country: it takes a while

    known = holidays.list_supported_countries()
    if country not in known:
        raise ValueError(
            f"country {country!r} is not a known ISO 3166 code (such as GB, in capitals)"
        )
    if not subdivision:
        return
    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError:
        names = list(known[country])
        listed = ", ".join(names[:_NAMED_SUBDIVISIONS])
        more = (
            f" and {len(names) - _NAMED_SUBDIVISIONS} more"
            if len(names) > _NAMED_SUBDIVISIONS
            else ""
        )
        choice = f"{listed}{more}" if names else "it has none"
        raise ValueError(
            f"subdivision {subdivision!r} is not one of {country}'s ({choice})"
        ) from None


@dataclass(frozen=True, slots=True)
class OpenHours:
    """One calendar as the policy states it (a warehouse's with what it inherits)."""

    opens: time
    closes: time
    #: the days it opens, as ``date.weekday()`` numbers them (Monday is 0)
    weekdays: frozenset[int]
    #: ISO 3166 code whose public holidays are closed days; blank: none
    country: str = ""
    subdivision: str = ""
    closed_dates: frozenset[date] = frozenset()
    #: IANA zone the hours are local to; blank: wall time, in the start's own frame
    timezone: str = ""

    def problems(self) -> list[str]:
        """What makes this calendar unusable, in plain words (empty when it is sound)."""
        found: list[str] = []
        if self.opens >= self.closes:
            found.append(
                f"business_day_start ({self.opens:%H:%M}) must be before "
                f"business_day_end ({self.closes:%H:%M})"
            )
        if not self.weekdays:
            found.append("business_days needs at least one day")
        try:
            check_country(self.country, self.subdivision)
        except ValueError as exc:
            found.append(str(exc))
        if self.timezone:
            try:
                zone_named(self.timezone)
            except ValueError as exc:
                found.append(str(exc))
        return found


@dataclass(slots=True)
class BusinessCalendar:
    """:class:`OpenHours` put to work: which days open, and deadlines counted in them."""

    hours: OpenHours
    zone: ZoneInfo | None = field(init=False)
    _holidays: dict[int, frozenset[date]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        # either would leave a deadline never reached: the policy refuses both first
        if not self.hours.weekdays or self.hours.opens >= self.hours.closes:
            raise ValueError("a business calendar needs open hours on at least one weekday")
        self.zone = zone_named(self.hours.timezone) if self.hours.timezone else None

    def is_open_day(self, day: date) -> bool:
        """Whether ``day`` is a business day: an opening weekday that is neither a listed
        closed date nor a public holiday."""
        hours = self.hours
        if day.weekday() not in hours.weekdays or day in hours.closed_dates:
            return False
        return not hours.country or day not in self._holidays_of(day.year)

    def _holidays_of(self, year: int) -> frozenset[date]:
        known = self._holidays.get(year)
        if known is None:
            import holidays

            found = holidays.country_holidays(
                self.hours.country, subdiv=self.hours.subdivision or None, years=year
            )
            known = self._holidays[year] = frozenset(found.keys())
        return known

    def add_open_hours(
        self, start: datetime, hours: Decimal, *, frame: tzinfo | None = None
    ) -> datetime:
        """``start`` plus ``hours`` (to the minute) counted only while open.

        A deadline exactly at closing time stays that day. Without a zone the count is
        in the frame ``start`` is given in and the result is in it too. With one, a naive
        ``start`` is a wall time in ``frame`` (the calendar's own zone when None) and the
        deadline is an aware time in that zone; an aware ``start`` gives an aware
        deadline in ``start``'s zone.
        """
        remaining = timedelta(minutes=int((hours * 60).to_integral_value()))
        if self.zone is None:
            return self._add_wall(start, remaining)
        if start.tzinfo is None:
            where: tzinfo = frame or self.zone
            start = start.replace(tzinfo=where)
        else:
            where = start.tzinfo
        return self._add_elapsed(start.astimezone(UTC), remaining).astimezone(where)

    def _add_wall(self, start: datetime, remaining: timedelta) -> datetime:
        opening, closing = self.hours.opens, self.hours.closes
        moment = start
        while True:
            day = moment.date()
            opens = datetime.combine(day, opening, tzinfo=moment.tzinfo)
            closes = datetime.combine(day, closing, tzinfo=moment.tzinfo)
            next_day = datetime.combine(day + timedelta(days=1), opening, tzinfo=moment.tzinfo)
            if not self.is_open_day(day) or moment >= closes:
                moment = next_day
                continue
            moment = max(moment, opens)
            if remaining <= closes - moment:
                return moment + remaining
            remaining -= closes - moment
            moment = next_day

    def _add_elapsed(self, moment: datetime, remaining: timedelta) -> datetime:
        """``moment`` (in UTC) plus ``remaining`` of open time, local hours in the zone."""
        assert self.zone is not None
        zone, opening, closing = self.zone, self.hours.opens, self.hours.closes
        day = moment.astimezone(zone).date()
        while True:
            if self.is_open_day(day):
                opens = datetime.combine(day, opening, tzinfo=zone).astimezone(UTC)
                closes = datetime.combine(day, closing, tzinfo=zone).astimezone(UTC)
                if moment < closes:
                    moment = max(moment, opens)
                    if remaining <= closes - moment:
                        return moment + remaining
                    remaining -= closes - moment
            day += timedelta(days=1)


@lru_cache(maxsize=64)
def business_calendar(hours: OpenHours) -> BusinessCalendar:
    """The calendar of ``hours``, shared by every caller asking for the same hours (its
    public holidays are looked up once per year)."""
    return BusinessCalendar(hours)


def weekday_numbers(names: Iterable[str]) -> frozenset[int]:
    """Weekday names (``mon`` ... ``sun``) as ``date.weekday()`` numbers them."""
    order = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return frozenset(order.index(str(name)) for name in names)
