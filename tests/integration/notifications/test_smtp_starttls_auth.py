"""Email through a server that insists on STARTTLS and a sign-in, as production ones do.

A real aiosmtpd server on localhost with a certificate made for the test (trusted
through ``SSL_CERT_FILE``, which the sender's default TLS context reads), refusing mail
before STARTTLS and before AUTH. The sender upgrades, signs in with the user and
password of ``SMTP_URL`` and delivers; a wrong password is a one-line error naming the
server and the user, never the password.
"""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from controltower.notify.smtp import Email, SendError, SmtpSender, SmtpServer
from helpers.notify_peers import free_port

USER, PASSWORD = "tower", "s3cret-pa55"


@dataclass
class _Server:
    messages: list[Message] = field(default_factory=list)
    signed_in: list[str] = field(default_factory=list)
    tls_seen: list[bool] = field(default_factory=list)

    async def handle_DATA(self, _server: SMTP, session: Session, envelope: Envelope) -> str:
        import email

        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        self.tls_seen.append(session.ssl is not None)
        self.messages.append(email.message_from_bytes(raw))
        return "250 Message accepted for delivery"

    def authenticate(
        self, _server: SMTP, _session: Session, _envelope: Envelope, _mechanism: str, data: object
    ) -> AuthResult:
        if isinstance(data, LoginPassword) and (data.login, data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        ):
            self.signed_in.append(USER)
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, trusted by this test's TLS contexts."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    command = [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
    ]
    subprocess.run(
        [*command, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    return key, cert


@pytest.fixture
def strict_server(certificate: tuple[Path, Path]) -> Iterator[tuple[int, _Server]]:
    key, cert = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    handler = _Server()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=handler.authenticate,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield port, handler
    finally:
        controller.stop()


def test_the_sender_upgrades_to_tls_signs_in_and_delivers(
    strict_server: tuple[int, _Server],
) -> None:
    port, server = strict_server
    url = f"smtp://{USER}:{PASSWORD}@127.0.0.1:{port}"
    sender = SmtpSender(SmtpServer.from_url(url), "tower@example.com")
    sender.send(Email("ann@example.com", "Case opened", "A case needs you."))
    assert server.signed_in == [USER]
    assert server.tls_seen == [True]
    assert [m["Subject"] for m in server.messages] == ["Case opened"]


def test_a_wrong_password_names_the_server_and_user_never_the_password(
    strict_server: tuple[int, _Server],
) -> None:
    port, server = strict_server
    url = f"smtp://{USER}:wrong-{PASSWORD}@127.0.0.1:{port}"
    sender = SmtpSender(SmtpServer.from_url(url), "tower@example.com")
    with pytest.raises(SendError) as raised:
        sender.send(Email("ann@example.com", "Case opened", "A case needs you."))
    message = str(raised.value)
    assert f"127.0.0.1:{port}" in message
    assert USER in message
    assert PASSWORD not in message
    assert server.messages == []


def test_without_credentials_a_server_requiring_them_refuses_in_one_line(
    strict_server: tuple[int, _Server],
) -> None:
    port, server = strict_server
    sender = SmtpSender(SmtpServer.from_url(f"smtp://127.0.0.1:{port}"), "tower@example.com")
    with pytest.raises(SendError, match=rf"SMTP 127\.0\.0\.1:{port}: 530"):
        sender.send(Email("ann@example.com", "Case opened", "A case needs you."))
    assert server.messages == []
