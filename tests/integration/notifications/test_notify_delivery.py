"""Delivery drains the outbox to real peers: an SMTP server and webhook receivers on
localhost; failures retry then die; quiet hours postpone; digests gather."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from email.message import Message

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from controltower.domain.cases import Severity
from controltower.domain.notifications import BACKOFF, MAX_ATTEMPTS, Channel, Preferences
from controltower.notify.delivery import Senders, deliver_outbox
from controltower.storage import tables
from controltower.storage.database import make_engine, make_session_factory
from helpers.cli_runs import run_cli
from helpers.notify_peers import add_told_person, smtp_server, webhook_receiver
from helpers.scanned_demo import AS_OF, SCANNED_AT, scan, store_demo

pytestmark = pytest.mark.database

TEAM = "customer_service@MAN"
SECRET = "a webhook key nobody else knows"
BASE = "https://tower.example.com"
NONE = frozenset[Severity]()


def scanned(url: str, preferences: Preferences) -> None:
    picture = store_demo(url)
    add_told_person(
        url, "cs.man", teams=[TEAM], email_address="cs@example.com", preferences=preferences
    )
    scan(url, picture, as_of=AS_OF, now=SCANNED_AT)


@pytest.fixture
def engine(migrated_database_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_database_url)
    yield engine
    engine.dispose()


def outbox(engine: Engine, channel: Channel) -> list[sa.Row[tuple[object, ...]]]:
    n = tables.notifications
    with engine.connect() as connection:
        return list(
            connection.execute(sa.select(n).where(n.c.channel == str(channel)).order_by(n.c.id))
        )


def senders(smtp_url: str | None = None, secret: str | None = None) -> Senders:
    return Senders.from_settings(
        smtp_url=smtp_url, sender="tower@example.com", webhook_secret=secret, base_url=BASE
    )


def text_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8").replace("\r\n", "\n")


def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def test_email_reaches_the_smtp_server_once(migrated_database_url: str, engine: Engine) -> None:
    scanned(migrated_database_url, Preferences(digest_severities=NONE))
    pending = outbox(engine, Channel.EMAIL)
    assert pending
    assert {row.state for row in pending} == {"pending"}
    with smtp_server() as (url, received):
        report = deliver_outbox(sessions(engine), senders(url), now=SCANNED_AT)
        assert report.sent == len(pending) == len(received)
        again = deliver_outbox(sessions(engine), senders(url), now=SCANNED_AT + timedelta(hours=1))
        assert again.sent == 0
        assert len(received) == len(pending)
    assert {row.state for row in outbox(engine, Channel.EMAIL)} == {"sent"}
    by_subject = {message["Subject"]: message for message in received}
    for row in pending:
        message = by_subject[row.title]
        assert message["To"] == "cs@example.com"
        assert message["From"] == "tower@example.com"
        assert f"{BASE}{row.link}" in text_of(message)


def test_webhooks_are_signed_with_the_secret(migrated_database_url: str, engine: Engine) -> None:
    with webhook_receiver() as receiver:
        scanned(
            migrated_database_url,
            Preferences(
                channels=(Channel.WEBHOOK,), digest_severities=NONE, webhook_url=receiver.url
            ),
        )
        pending = outbox(engine, Channel.WEBHOOK)
        report = deliver_outbox(sessions(engine), senders(secret=SECRET), now=SCANNED_AT)
    assert report.sent == len(pending) == len(receiver.received) > 0
    assert outbox(engine, Channel.EMAIL) == []  # they chose webhooks only
    for got in receiver.received:
        expected = hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
        assert got.headers["X-ControlTower-Signature"] == f"sha256={expected}"
        wrong = hmac.new(b"another key", got.body, hashlib.sha256).hexdigest()
        assert got.headers["X-ControlTower-Signature"] != f"sha256={wrong}"
    payloads = {json.loads(got.body)["id"]: json.loads(got.body) for got in receiver.received}
    for row in pending:
        payload = payloads[row.id]
        assert set(payload) == {
            "id",
            "kind",
            "title",
            "body",
            "link",
            "case_id",
            "cause",
            "created_at",
        }
        assert (payload["title"], payload["kind"], payload["case_id"], payload["cause"]) == (
            row.title,
            row.kind,
            row.case_id,
            row.cause,
        )
        assert payload["link"] == BASE + row.link


def test_a_failing_receiver_is_retried_then_given_up(
    migrated_database_url: str, engine: Engine
) -> None:
    with webhook_receiver(status=500) as receiver:
        scanned(
            migrated_database_url,
            Preferences(
                channels=(Channel.WEBHOOK,), digest_severities=NONE, webhook_url=receiver.url
            ),
        )
        count = len(outbox(engine, Channel.WEBHOOK))
        moment = SCANNED_AT
        for attempt in range(1, MAX_ATTEMPTS + 1):
            report = deliver_outbox(sessions(engine), senders(secret=SECRET), now=moment)
            rows = outbox(engine, Channel.WEBHOOK)
            assert {row.attempts for row in rows} == {attempt}
            assert "HTTP 500" in (rows[0].last_error or "")
            if attempt < MAX_ATTEMPTS:
                assert report.retrying == count
                assert report.dead == 0
                assert {row.state for row in rows} == {"pending"}
                # not tried again before the pause is over
                early = moment + BACKOFF[attempt - 1] - timedelta(seconds=1)
                assert (
                    deliver_outbox(sessions(engine), senders(secret=SECRET), now=early).retrying
                    == 0
                )
                moment += BACKOFF[attempt - 1]
            else:
                assert report.dead == count
                assert {row.state for row in rows} == {"dead"}
        assert len(receiver.received) == count * MAX_ATTEMPTS
        later = deliver_outbox(
            sessions(engine), senders(secret=SECRET), now=moment + timedelta(days=1)
        )
        assert len(receiver.received) == count * MAX_ATTEMPTS
        assert later.sent == 0
    assert SECRET not in " ".join(row.last_error or "" for row in outbox(engine, Channel.WEBHOOK))


def test_quiet_hours_postpone_until_they_end(migrated_database_url: str, engine: Engine) -> None:
    # 10:00 UTC is 11:00 in Paris (winter): quiet from 09:00 to 12:30 there
    quiet = Preferences(
        digest_severities=NONE, quiet_start=time(9), quiet_end=time(12, 30), timezone="Europe/Paris"
    )
    scanned(migrated_database_url, quiet)
    with smtp_server() as (url, received):
        report = deliver_outbox(sessions(engine), senders(url), now=SCANNED_AT)
        assert report.sent == 0
        assert report.postponed == len(outbox(engine, Channel.EMAIL)) > 0
        assert received == []
        end = datetime(2026, 11, 25, 11, 30, tzinfo=UTC)
        assert {row.next_attempt_at for row in outbox(engine, Channel.EMAIL)} == {end}
        after = deliver_outbox(sessions(engine), senders(url), now=end)
        assert after.sent == report.postponed == len(received)


def test_digest_severities_go_out_gathered_the_next_morning(
    migrated_database_url: str, engine: Engine
) -> None:
    scanned(migrated_database_url, Preferences(digest_severities=frozenset(Severity)))
    items = outbox(engine, Channel.EMAIL)
    morning = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert len(items) > 1
    assert {row.next_attempt_at for row in items} == {morning}
    with smtp_server() as (url, received):
        assert deliver_outbox(sessions(engine), senders(url), now=SCANNED_AT).sent == 0
        report = deliver_outbox(sessions(engine), senders(url), now=morning)
        assert (report.digests, report.sent, len(received)) == (1, 1, 1)
        assert deliver_outbox(sessions(engine), senders(url), now=morning).sent == 0
    message = received[0]
    assert message["Subject"] == f"Control Tower digest for 2026-11-26: {len(items)} notifications"
    for row in items:
        assert f"{row.title}: {BASE}{row.link}" in text_of(message)
    rows = outbox(engine, Channel.EMAIL)
    assert [row.kind for row in rows].count("digest") == 1
    assert {row.state for row in rows} == {"sent"}


def test_worker_once_twice_sends_nothing_new(migrated_database_url: str) -> None:
    url = migrated_database_url
    store_demo(url)  # the worker's scan opens the cases
    add_told_person(
        url,
        "cs.man",
        teams=[TEAM],
        email_address="cs@example.com",
        preferences=Preferences(digest_severities=NONE),
    )
    with smtp_server() as (smtp_url, received):
        env = {"DATABASE_URL": url, "SMTP_URL": smtp_url, "NOTIFY_FROM": "tower@example.com"}
        first = run_cli("worker", "--once", env=env)
        assert first.exit_code == 0, first.output
        sent = len(received)
        assert sent > 0
        assert f"notifications: {sent} sent" in first.stdout
        second = run_cli("worker", "--once", env=env)
        assert second.exit_code == 0, second.output
        assert "notifications: 0 sent" in second.stdout
        assert len(received) == sent
