"""Real peers for the notification tests: an SMTP server (aiosmtpd) and a webhook
receiver (http.server), both on localhost, collecting what they receive; and a business
scanned with people who are told about its cases."""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from controltower.domain.notifications import Preferences
from controltower.domain.people import Role
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.notifications import save_preferences
from controltower.storage.people import change_person, find_person
from helpers.people import TestPerson, add_test_person


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class _Collector:
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        self.messages.append(email.message_from_bytes(raw))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[str, list[Message]]]:
    """(SMTP_URL, the messages received) of a real SMTP server on localhost."""
    collector = _Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", collector.messages
    finally:
        controller.stop()


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    url: str
    received: list[Received]
    #: the status it answers with (a test may change it)
    status: list[int]


@contextmanager
def webhook_receiver(status: int = 200) -> Iterator[WebhookReceiver]:
    """A local HTTP server taking POSTs, answering ``status``, keeping what it got."""
    received: list[Received] = []
    answer = [status]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            received.append(Received({k: v for k, v in self.headers.items()}, body))
            self.send_response(answer[0])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield WebhookReceiver(f"http://127.0.0.1:{server.server_port}/hook", received, answer)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def add_told_person(
    database_url: str,
    login: str,
    *,
    teams: Sequence[str],
    email_address: str | None = None,
    preferences: Preferences | None = None,
    role: Role = Role.MANAGER,
    warehouses: Sequence[str] = (),
    companies: Sequence[str] = (),
) -> TestPerson:
    """A person on ``teams`` with an email address and notification preferences."""
    person = add_test_person(
        database_url,
        login,
        role=role,
        teams=teams,
        warehouses=warehouses,
        companies=companies,
    )
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            if email_address is not None:
                change_person(session, login, now=datetime.now().astimezone(), email=email_address)
            stored = find_person(session, login)
            assert stored is not None
            if preferences is not None:
                save_preferences(session, stored.user_id, preferences)
    finally:
        engine.dispose()
    return person
