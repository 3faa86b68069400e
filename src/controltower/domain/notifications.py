"""Who is told what when cases open, and when it is sent: the rules of notifications.

A case that opens (or reopens) tells its assignee, or, unassigned, every active member of
its owning team, and only people whose scope covers the case. Several new cases of one
incident (one cause) in one scan tell each person once, as the incident. Each person
chooses their channels (in the app, by email, by webhook), quiet hours in their time
zone (email and webhooks wait until they end) and the severities gathered into one
digest a day instead of being sent at once. A failed send is tried again after a
growing pause, and given up (a dead letter) after :data:`MAX_ATTEMPTS`.

Pure: no clock (``now`` is passed in), no I/O; :mod:`zoneinfo` only reads zone rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from controltower.domain.cases import EventKind, ExceptionCase, Severity, highest_severity
from controltower.domain.incidents import cause_words
from controltower.domain.people import Scope


class Channel(StrEnum):
    """Where a notification goes."""

    IN_APP = "in_app"
    EMAIL = "email"
    WEBHOOK = "webhook"


class NotificationKind(StrEnum):
    CASE_OPENED = "case_opened"
    INCIDENT_OPENED = "incident_opened"
    CASE_REOPENED = "case_reopened"
    #: an unacknowledged case climbed a step of its escalation ladder (``domain.escalation``)
    CASE_ESCALATED = "case_escalated"
    DIGEST = "digest"


class DeliveryState(StrEnum):
    """A notification's state: the first three for email and webhooks, the last two in the app."""

    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"
    UNREAD = "unread"
    READ = "read"


DEFAULT_CHANNELS: Final = (Channel.IN_APP, Channel.EMAIL)
DEFAULT_DIGEST: Final = frozenset({Severity.LOW})

#: the pause before each new try of a failed send; the send after the last is the last
BACKOFF: Final = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
#: sends tried before a notification is given up (a dead letter)
MAX_ATTEMPTS: Final = len(BACKOFF) + 1

#: the local time a person's daily digest goes out, the morning after its cases opened
DIGEST_AT: Final = time(8, 0)


class PreferenceError(ValueError):
    """A preference that cannot be kept (an unknown channel, zone or severity)."""


@dataclass(frozen=True, slots=True)
class Preferences:
    """How one person wants to be told."""

    channels: tuple[Channel, ...] = DEFAULT_CHANNELS
    quiet_start: time | None = None
    quiet_end: time | None = None
    #: an IANA zone name (``Europe/London``); None: UTC
    timezone: str | None = None
    digest_severities: frozenset[Severity] = DEFAULT_DIGEST
    webhook_url: str | None = None

    def zone(self) -> tzinfo:
        return zone_named(self.timezone) if self.timezone else UTC


@dataclass(frozen=True, slots=True)
class Recipient:
    """A person as the rules read them."""

    user_id: int
    login: str
    email: str | None
    active: bool
    scope: Scope
    teams: frozenset[str]
    preferences: Preferences = Preferences()

    def channels(self) -> tuple[Channel, ...]:
        """Their channels that can reach them: no email without an address, no webhook
        without a URL."""
        usable = []
        for channel in self.preferences.channels:
            if channel is Channel.EMAIL and not self.email:
                continue
            if channel is Channel.WEBHOOK and not self.preferences.webhook_url:
                continue
            usable.append(channel)
        return tuple(usable)


@dataclass(frozen=True, slots=True)
class StartedCase:
    """A case a scan opened or reopened, with the company it is filed under."""

    case: ExceptionCase
    scope_company: str
    reopened: bool
    #: when it opened or reopened
    at: datetime


@dataclass(frozen=True, slots=True)
class Planned:
    """One notification to write to the outbox."""

    user_id: int
    channel: Channel
    kind: NotificationKind
    scope_company: str
    case_id: str | None
    cause: str | None
    severity: Severity
    title: str
    body: str
    link: str
    dedupe_key: str
    created_at: datetime


def zone_named(name: str) -> tzinfo:
    """The IANA zone ``name``; :class:`PreferenceError` naming it when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise PreferenceError(
            f"{name!r} is not a time zone (write an IANA name such as Europe/London)"
        ) from error


def parse_channels(text: str) -> tuple[Channel, ...]:
    """``in_app,email`` as channels; an unknown one is a :class:`PreferenceError`."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    channels: list[Channel] = []
    for name in names:
        try:
            channel = Channel(name)
        except ValueError:
            choices = ", ".join(Channel)
            raise PreferenceError(f"{name!r} is not a channel; choose from {choices}") from None
        if channel not in channels:
            channels.append(channel)
    return tuple(channels)


def parse_severities(text: str) -> frozenset[Severity]:
    """``low,medium`` as severities; ``none`` or blank is none."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if names == ["none"]:
        return frozenset()
    found: set[Severity] = set()
    for name in names:
        try:
            found.add(Severity(name))
        except ValueError:
            choices = ", ".join(Severity)
            raise PreferenceError(
                f"{name!r} is not a severity; choose from {choices} (or none)"
            ) from None
    return frozenset(found)


def parse_quiet_hours(text: str) -> tuple[time | None, time | None]:
    """``22:00-07:00`` as (start, end); ``none`` or blank lifts quiet hours."""
    cleaned = text.strip().lower()
    if cleaned in ("", "none"):
        return None, None
    start_text, _dash, end_text = cleaned.partition("-")
    try:
        start, end = _clock(start_text), _clock(end_text)
    except ValueError:
        raise PreferenceError(
            f"{text!r} is not quiet hours; write HH:MM-HH:MM such as 22:00-07:00 (or none)"
        ) from None
    if start == end:
        raise PreferenceError(f"quiet hours {text!r} start and end at the same time")
    return start, end


def _clock(text: str) -> time:
    """``HH:MM`` (two digits each) as a time; ValueError otherwise."""
    hours, colon, minutes = text.strip().partition(":")
    if not (colon and len(hours) == 2 and len(minutes) == 2):
        raise ValueError(text)
    if not (hours.isdigit() and minutes.isdigit()):
        raise ValueError(text)
    return time(int(hours), int(minutes))


# --- Who is told what ------------------------------------------------------------------


def started_cases(
    cases: Iterable[ExceptionCase], companies: Mapping[str, str]
) -> list[StartedCase]:
    """The cases whose timeline ends in an opening or reopening, each with its filing
    company from ``companies`` (case id -> company)."""
    found = []
    for case in cases:
        if not case.timeline or case.id not in companies:
            continue
        last = case.timeline[-1]
        if last.kind in (EventKind.OPENED, EventKind.REOPENED):
            found.append(
                StartedCase(
                    case=case,
                    scope_company=companies[case.id],
                    reopened=last.kind is EventKind.REOPENED,
                    at=last.at,
                )
            )
    return found


def recipients_of(started: StartedCase, people: Sequence[Recipient]) -> list[Recipient]:
    """Who a started case tells: its assignee, else its owning team's active members;
    only those whose scope covers it."""
    case = started.case

    def sees(person: Recipient) -> bool:
        return person.active and person.scope.covers(started.scope_company, case.warehouse)

    if case.assignee is not None:
        return [p for p in people if p.login == case.assignee and sees(p)]
    return [p for p in people if case.owner in p.teams and sees(p)]


def plan_notifications(
    started: Sequence[StartedCase], people: Sequence[Recipient]
) -> list[Planned]:
    """Every notification the started cases call for: per person, one per case, or one
    per incident when two or more new cases of theirs share a cause; per channel."""
    by_person: dict[int, list[StartedCase]] = defaultdict(list)
    person_of: dict[int, Recipient] = {}
    for item in started:
        for person in recipients_of(item, people):
            by_person[person.user_id].append(item)
            person_of[person.user_id] = person
    planned: list[Planned] = []
    for user_id in sorted(by_person):
        person = person_of[user_id]
        for message in _messages(by_person[user_id]):
            planned.extend(message.for_person(person))
    return planned


@dataclass(frozen=True, slots=True)
class _Message:
    kind: NotificationKind
    scope_company: str
    case_id: str | None
    cause: str | None
    severity: Severity
    title: str
    body: str
    link: str
    at: datetime

    def for_person(self, person: Recipient) -> list[Planned]:
        subject = self.case_id if self.kind is not NotificationKind.INCIDENT_OPENED else self.cause
        return [
            Planned(
                user_id=person.user_id,
                channel=channel,
                kind=self.kind,
                scope_company=self.scope_company,
                case_id=self.case_id,
                cause=self.cause,
                severity=self.severity,
                title=self.title,
                body=self.body,
                link=self.link,
                dedupe_key=(
                    f"{channel}:{person.user_id}:{self.kind}:{self.scope_company}:"
                    f"{subject}:{self.at.astimezone(UTC).isoformat()}"
                ),
                created_at=self.at,
            )
            for channel in person.channels()
        ]


def case_link(case_id: str) -> str:
    return f"/exceptions/cases/{case_id}"


def _messages(items: Sequence[StartedCase]) -> list[_Message]:
    """One message per case, except new cases sharing a cause: one for the incident."""
    groups: dict[tuple[str, str], list[StartedCase]] = defaultdict(list)
    for item in items:
        if not item.reopened:
            groups[(item.scope_company, item.case.cause)].append(item)
    messages: list[_Message] = []
    grouped: set[str] = set()
    for (company, cause), group in sorted(groups.items()):
        if len(group) < 2:
            continue
        grouped.update(item.case.id for item in group)
        messages.append(_incident_message(company, cause, group))
    for item in items:
        if item.case.id not in grouped:
            messages.append(_case_message(item))
    return messages


def _case_message(item: StartedCase) -> _Message:
    case = item.case
    what = case.type.replace("_", " ").capitalize()
    verb = "reopened" if item.reopened else "opened"
    return _Message(
        kind=NotificationKind.CASE_REOPENED if item.reopened else NotificationKind.CASE_OPENED,
        scope_company=item.scope_company,
        case_id=case.id,
        cause=None,
        severity=case.severity,
        title=f"{what} on {case.subject} ({case.severity}) {verb}",
        body=(
            f"{case.explanation}\n\nOwner: {case.owner}; due {case.due_at.isoformat()}; "
            f"case {case.id}."
        ),
        link=case_link(case.id),
        at=item.at,
    )


def _incident_message(company: str, cause: str, group: Sequence[StartedCase]) -> _Message:
    ordered = sorted(group, key=lambda item: (item.case.subject != cause, item.case.id))
    lead = ordered[0].case
    severity = highest_severity(item.case.severity for item in group)
    lines = "\n".join(
        f"- {item.case.type.replace('_', ' ')} on {item.case.subject} ({item.case.severity})"
        for item in ordered
    )
    return _Message(
        kind=NotificationKind.INCIDENT_OPENED,
        scope_company=company,
        case_id=None,
        cause=cause,
        severity=severity,
        title=f"Incident on {cause_words(cause)}: {len(group)} new cases ({severity})",
        body=f"{len(group)} cases opened with one cause, {cause_words(cause)}:\n{lines}",
        link=case_link(lead.id),
        at=min(item.at for item in group),
    )


# --- When it is sent -------------------------------------------------------------------


def quiet_until(preferences: Preferences, now: datetime) -> datetime | None:
    """The end of the person's quiet hours (UTC) when ``now`` falls in them, else None.

    Quiet hours may run over midnight (22:00-07:00); the start is quiet, the end is not.
    """
    start, end = preferences.quiet_start, preferences.quiet_end
    if start is None or end is None:
        return None
    zone = preferences.zone()
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        quiet = start <= clock < end
        end_day = local.date()
    else:
        quiet = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not quiet:
        return None
    return _local_moment(end_day, end, zone)


def digest_due(preferences: Preferences, created_at: datetime) -> datetime:
    """When a notification gathered into a digest goes out: :data:`DIGEST_AT` on the
    person's next morning after it was created (UTC)."""
    zone = preferences.zone()
    day = created_at.astimezone(zone).date() + timedelta(days=1)
    return _local_moment(day, DIGEST_AT, zone)


def goes_in_digest(preferences: Preferences, channel: Channel, severity: Severity) -> bool:
    """Email and webhooks of a digest severity wait for the digest; the app shows all."""
    return channel is not Channel.IN_APP and severity in preferences.digest_severities


def first_attempt_at(preferences: Preferences, planned: Planned) -> datetime:
    """When a new email or webhook notification is first due."""
    if goes_in_digest(preferences, planned.channel, planned.severity):
        return digest_due(preferences, planned.created_at)
    return planned.created_at


def after_failure(attempts: int, now: datetime) -> tuple[int, datetime | None]:
    """(attempts, next try) after one more failed send of a notification tried
    ``attempts`` times before; no next try (None) means it is given up."""
    made = attempts + 1
    if made >= MAX_ATTEMPTS:
        return made, None
    return made, now + BACKOFF[made - 1]


@dataclass(frozen=True, slots=True)
class DigestItem:
    id: int
    title: str
    link: str
    severity: Severity


def digest_message(items: Sequence[DigestItem], day: date) -> tuple[str, str]:
    """(title, body) of one digest of ``items``."""
    noun = "notification" if len(items) == 1 else "notifications"
    title = f"Control Tower digest for {day.isoformat()}: {len(items)} {noun}"
    body = "\n".join(f"- {item.title}: {item.link}" for item in items)
    return title, body


def digest_key(channel: Channel, user_id: int, day: date, first_item: int) -> str:
    return f"{channel}:{user_id}:{NotificationKind.DIGEST}:{day.isoformat()}:{first_item}"


def _local_moment(day: date, clock: time, zone: tzinfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)
