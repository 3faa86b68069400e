"""Notification email over SMTP (the standard library's :mod:`smtplib`).

``SMTP_URL`` is ``smtp://[user[:password]@]host:port``; the connection upgrades with
STARTTLS whenever the server offers it, and signs in when a user is given. A failure
is a :class:`SendError` naming the server (host and port) and what went wrong, never
the password.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Final
from urllib.parse import unquote, urlsplit

#: seconds to wait for the server at each step
SMTP_TIMEOUT: Final = 20.0


class SendError(Exception):
    """A notification could not be sent; the message is safe to store and show."""


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """The server of ``smtp://[user[:password]@]host:port`` (checked by the settings)."""
        parts = urlsplit(url)
        if parts.scheme != "smtp" or not parts.hostname or parts.port is None:
            raise ValueError("SMTP_URL: write it as smtp://[user[:password]@]host:port")
        return cls(
            host=parts.hostname,
            port=parts.port,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def __repr__(self) -> str:  # never the password
        return f"SmtpServer(host={self.host!r}, port={self.port}, user={self.user!r})"

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Email:
    to: str
    subject: str
    body: str


class SmtpSender:
    """Sends each email in its own connection (few are sent at once)."""

    def __init__(self, server: SmtpServer, sender: str) -> None:
        self.server = server
        self.sender = sender

    def send(self, email: Email) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = email.to
        message["Subject"] = email.subject
        message.set_content(email.body)
        try:
            with smtplib.SMTP(self.server.host, self.server.port, timeout=SMTP_TIMEOUT) as smtp:
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.server.user is not None:
                    smtp.login(self.server.user, self.server.password or "")
                smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as error:
            raise SendError(
                f"SMTP {self.server.where}: the server refused the sign-in of "
                f"{self.server.user!r} ({error.smtp_code})"
            ) from None
        except smtplib.SMTPResponseException as error:
            raw = error.smtp_error
            reply = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            raise SendError(f"SMTP {self.server.where}: {error.smtp_code} {reply}") from None
        except (smtplib.SMTPException, OSError) as error:
            raise SendError(f"SMTP {self.server.where}: {type(error).__name__}: {error}") from None
