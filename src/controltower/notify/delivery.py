"""Drain the outbox: send the email and webhook notifications that are due.

Run by ``controltower worker`` after each scan (and by ``worker --once``). Rows are
claimed in batches with a lease (:func:`~controltower.storage.notifications.claim_due`,
committed at once, so two workers never take the same row), then each is sent and
marked in its own short transaction: sent; or tried again later (1 minute, 5 minutes,
30 minutes, 2 hours) and given up as a dead letter after five failures. A person's
quiet hours postpone a send to their end; notifications of a digest severity wait for
the person's morning digest and go out gathered, one per person and channel. A row
whose send succeeded but whose mark was lost (the process died between the two) is
sent again when its lease ends: delivery is at least once.

Channels with nothing to send them (no ``SMTP_URL``, no ``NOTIFY_WEBHOOK_SECRET``) are
left pending, untouched, until they are configured.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.orm import Session, sessionmaker

from controltower.domain.notifications import (
    Channel,
    DigestItem,
    NotificationKind,
    Preferences,
    Recipient,
    after_failure,
    digest_key,
    digest_message,
    goes_in_digest,
    quiet_until,
)
from controltower.notify.smtp import Email, SendError, SmtpSender, SmtpServer
from controltower.notify.webhook import WebhookSender
from controltower.storage.notifications import (
    StoredNotification,
    claim_due,
    gather_digest,
    mark_failed,
    mark_sent,
    postpone,
    recipients,
)

#: how long a claim holds a row against other deliveries
LEASE: Final = timedelta(minutes=5)
#: rows claimed at a time
BATCH: Final = 50
#: batches one run claims at most (a run ends; the next one goes on)
MAX_BATCHES: Final = 200


@dataclass(frozen=True, slots=True)
class Senders:
    """What sends each channel (None: that channel waits until it is configured)."""

    email: SmtpSender | None
    webhook: WebhookSender | None
    #: prefixed to the links, e.g. ``https://tower.example.com``
    base_url: str

    @classmethod
    def from_settings(
        cls,
        *,
        smtp_url: str | None,
        sender: str,
        webhook_secret: str | None,
        base_url: str,
    ) -> Senders:
        return cls(
            email=SmtpSender(SmtpServer.from_url(smtp_url), sender) if smtp_url else None,
            webhook=WebhookSender(webhook_secret) if webhook_secret else None,
            base_url=base_url.rstrip("/"),
        )

    def channels(self) -> list[Channel]:
        found = []
        if self.email is not None:
            found.append(Channel.EMAIL)
        if self.webhook is not None:
            found.append(Channel.WEBHOOK)
        return found


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    postponed: int = 0
    digests: int = 0
    #: the last failure's words, for the worker's line
    errors: list[str] = field(default_factory=list)

    def summary_line(self) -> str:
        words = (
            f"notifications: {self.sent} sent, {self.retrying} to retry, {self.dead} given up, "
            f"{self.postponed} postponed for quiet hours, {self.digests} digests gathered"
        )
        return words + (f" (last failure: {self.errors[-1]})" if self.errors else "")


def deliver_outbox(
    sessions: sessionmaker[Session], senders: Senders, *, now: datetime
) -> DeliveryReport:
    """Send what is due at ``now``; what it did."""
    report = DeliveryReport()
    channels = senders.channels()
    if not channels:
        return report
    with sessions.begin() as session:
        people = {person.user_id: person for person in recipients(session)}
    for _ in range(MAX_BATCHES):
        with sessions.begin() as session:
            claimed = claim_due(session, now=now, lease=LEASE, channels=channels, limit=BATCH)
        if not claimed:
            break
        _deliver_batch(sessions, senders, claimed, people, now=now, report=report)
    return report


def _deliver_batch(
    sessions: sessionmaker[Session],
    senders: Senders,
    claimed: Sequence[StoredNotification],
    people: dict[int, Recipient],
    *,
    now: datetime,
    report: DeliveryReport,
) -> None:
    gathered: dict[tuple[int, Channel], list[StoredNotification]] = defaultdict(list)
    for row in claimed:
        person = people.get(row.user_id)
        preferences = person.preferences if person is not None else Preferences()
        until = quiet_until(preferences, now)
        if until is not None:
            with sessions.begin() as session:
                postpone(session, row.id, until=until)
            report.postponed += 1
        elif row.kind is not NotificationKind.DIGEST and goes_in_digest(
            preferences, row.channel, row.severity
        ):
            gathered[(row.user_id, row.channel)].append(row)
        else:
            _send_one(sessions, senders, row, person, now=now, report=report)
    for (user_id, channel), items in gathered.items():
        owner = people.get(user_id)
        zone_of = (owner.preferences if owner is not None else Preferences()).zone()
        day = now.astimezone(zone_of).date()
        title, body = digest_message(
            [DigestItem(i.id, i.title, senders.base_url + i.link, i.severity) for i in items], day
        )
        with sessions.begin() as session:
            gather_digest(
                session,
                items,
                title=title,
                body=body,
                dedupe_key=digest_key(channel, user_id, day, min(i.id for i in items)),
                now=now,
            )
        report.digests += 1


def _send_one(
    sessions: sessionmaker[Session],
    senders: Senders,
    row: StoredNotification,
    person: Recipient | None,
    *,
    now: datetime,
    report: DeliveryReport,
) -> None:
    try:
        _send(senders, row, person)
    except SendError as error:
        attempts, next_at = after_failure(row.attempts, now)
        with sessions.begin() as session:
            mark_failed(
                session, row.id, attempts=attempts, next_attempt_at=next_at, error=str(error)
            )
        report.errors.append(str(error))
        if next_at is None:
            report.dead += 1
        else:
            report.retrying += 1
        return
    with sessions.begin() as session:
        mark_sent(session, row.id, now=now)
    report.sent += 1


def _send(senders: Senders, row: StoredNotification, person: Recipient | None) -> None:
    if person is None or not person.active:
        raise SendError(f"user {row.user_id} is no longer active")
    link = senders.base_url + row.link
    if row.channel is Channel.EMAIL:
        if senders.email is None or not person.email:
            raise SendError(f"{person.login} has no email address")
        senders.email.send(
            Email(to=person.email, subject=row.title, body=f"{row.body}\n\nOpen it: {link}\n")
        )
        return
    url = person.preferences.webhook_url
    if senders.webhook is None or not url:
        raise SendError(f"{person.login} has no webhook address")
    senders.webhook.send(
        url,
        {
            "id": row.id,
            "kind": str(row.kind),
            "title": row.title,
            "body": row.body,
            "link": link,
            "case_id": row.case_id,
            "cause": row.cause,
            "created_at": row.created_at.isoformat(),
        },
    )
