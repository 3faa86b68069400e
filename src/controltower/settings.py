"""Runtime settings, from the environment (and CLI flags, which override them).

``DATABASE_URL`` defaults to a SQLite file in the working directory so that the demo
needs no setup; production points it at PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_FILE = "controltower.db"
#: connections of the server's pool, and requests it works on at once
DEFAULT_DB_POOL_SIZE = 10
#: how long a SQLite connection waits for another writer before giving up
DEFAULT_BUSY_TIMEOUT_SECONDS = 60.0
#: the most server processes ``serve`` starts
MAX_WORKERS = 64


def default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}"


class Settings(BaseSettings):
    """Everything a process needs to know about where it runs."""

    model_config = SettingsConfigDict(env_prefix="CONTROLTOWER_", extra="ignore")

    database_url: str = Field(
        default_factory=default_database_url,
        validation_alias="DATABASE_URL",
        description="SQLAlchemy URL; SQLite file in the working directory by default.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    #: processes serving requests (CONTROLTOWER_WORKERS, ``serve --workers``): one per
    #: core lets a server use every core, since one process's Python runs on one at a time
    workers: int = Field(default=1, ge=1, le=MAX_WORKERS)
    policy_file: Path | None = None
    #: a browser session ends after this long without a request...
    session_idle_minutes: int = Field(default=30, ge=1)
    #: ...and this long after signing in, whatever happens
    session_absolute_hours: int = Field(default=12, ge=1)
    #: database connections the server keeps; it works on as many requests at once
    #: (the rest queue), see docs/operations.md
    db_pool_size: int = Field(default=DEFAULT_DB_POOL_SIZE, ge=1, le=1000)
    #: how long a SQLite writer waits for another one (an import, a scan) to finish
    db_busy_timeout_seconds: float = Field(default=DEFAULT_BUSY_TIMEOUT_SECONDS, gt=0)
    #: the names requests may address the server by (the ``Host`` header, against DNS
    #: rebinding), comma separated in CONTROLTOWER_ALLOWED_HOSTS; ``*.example.com``
    #: covers its subdomains. None: the bound host and this machine's own names, which
    #: ``serve`` works out (``cli/serve_cmd.py``)
    allowed_hosts: Annotated[tuple[str, ...] | None, NoDecode] = None
    #: a TLS-terminating proxy is in front (CONTROLTOWER_BEHIND_PROXY): ``serve`` does
    #: not warn that it speaks plain HTTP beyond loopback
    behind_proxy: bool = False
    #: the language and conventions pages are written in (CONTROLTOWER_LOCALE, a Babel
    #: locale such as en_GB, en_US, de_DE): dates, thousands and decimal separators
    locale: str = "en_GB"
    #: the currency the business's amounts are in (CONTROLTOWER_CURRENCY, ISO 4217):
    #: pages show money with its decimals
    currency: str = "GBP"
    #: where notification email goes out (SMTP_URL, smtp://[user[:password]@]host:port;
    #: STARTTLS when the server offers it); None: no email is sent. Never logged.
    smtp_url: SecretStr | None = Field(default=None, validation_alias="SMTP_URL")
    #: the From address of notification email (NOTIFY_FROM)
    notify_from: str = Field(default="controltower@localhost", validation_alias="NOTIFY_FROM")
    #: the HMAC-SHA256 key signing webhook bodies (NOTIFY_WEBHOOK_SECRET); None: no
    #: webhook is sent. Never logged.
    notify_webhook_secret: SecretStr | None = Field(
        default=None, validation_alias="NOTIFY_WEBHOOK_SECRET"
    )
    #: the address people open Control Tower at, for links in email and webhooks
    #: (CONTROLTOWER_BASE_URL)
    base_url: str = "http://127.0.0.1:8000"
    #: the largest evidence file a request or case accepts, in bytes
    #: (CONTROLTOWER_EVIDENCE_MAX_BYTES; 10 MiB by default)
    evidence_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)

    @field_validator("smtp_url", mode="before")
    @classmethod
    def _smtp_url_shape(cls, value: object) -> object:
        """A blank SMTP_URL is none; any other must be smtp://[user[:password]@]host:port
        (the message never repeats the value: it may hold a password)."""
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if text is None or (isinstance(text, str) and not text.strip()):
            return None
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(str(text).strip())
            port = parts.port
        except ValueError:
            port = None
            parts = None
        if parts is None or parts.scheme != "smtp" or not parts.hostname or port is None:
            raise ValueError("write it as smtp://[user[:password]@]host:port")
        return str(text).strip()

    @field_validator("base_url")
    @classmethod
    def _http_base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http:// or https:// address")
        return value.rstrip("/")

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        from babel import Locale, UnknownLocaleError

        try:
            Locale.parse(value.replace("-", "_"))
        except (UnknownLocaleError, ValueError) as error:
            raise ValueError(f"{value!r} is not a locale (try en_GB, en_US, de_DE)") from error
        return value.replace("-", "_")

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        from babel.numbers import list_currencies

        if value.upper() not in list_currencies():
            raise ValueError(f"{value!r} is not an ISO 4217 currency code (try GBP, EUR, USD)")
        return value.upper()

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        """``"a.example, b.example"`` from the environment is the two names; a ``*`` is
        only allowed as a whole label at the front (``*.example.com``) or alone."""
        names = value.split(",") if isinstance(value, str) else value
        if names is None:
            return None
        if not isinstance(names, list | tuple):
            return value
        cleaned = tuple(str(name).strip().lower() for name in names if str(name).strip())
        for name in cleaned:
            if "*" in name[1:] or (name.startswith("*") and name != "*" and name[1] != "."):
                raise ValueError(f"allowed host {name!r}: write a wildcard as *.example.com")
        return cleaned or None


def normalise_database_url(url: str) -> str:
    """Accept the plain ``postgresql://`` form users paste and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
